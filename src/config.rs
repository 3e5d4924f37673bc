//! Settings: the config file, the command-line flags and the environment,
//! merged and validated once. Flags win over the file, the file over the
//! environment, the environment over defaults: the file names the bucket, so
//! it knows the bucket's region and endpoint better than a shell does.
//! Credentials are never read here; they come from the AWS chain (see `bucket`).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use crate::cloudfront::CloudFront;
use crate::plan::{Globs, HeaderRule, Rules};
use crate::svn::Revnum;

/// The config file looked for in the working copy when `--config` is not given.
pub const CONFIG_FILE: &str = "svn2s3.yaml";

/// Requests in flight at once, unless `workers` says otherwise: measured
/// through a relay at 20 ms round trip, a first publish of 20,000 files takes
/// 60 s at 8, 16 s at 32, 8.6 s at 64 and 6.7 s at 128; and 64 writes in
/// flight at that distance stay under S3's 3,500 a second per prefix.
pub const DEFAULT_WORKERS: usize = 64;
/// The most deletes a publish makes without `--max-delete`.
pub const DEFAULT_MAX_DELETE: usize = 256;
/// The region when neither the settings nor `AWS_REGION` name one.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The most CloudFront paths an invalidation names before it uses wildcards.
pub const DEFAULT_MAX_PATHS: usize = 20;
/// Text assets that a page links to, for `--gzip` and `--brotli` without patterns.
pub const DEFAULT_TWINS: &[&str] = &["*.css", "*.js", "*.mjs", "*.json", "*.svg"];

/// Canned ACLs S3 accepts in `x-amz-acl`.
const CANNED_ACLS: &[&str] = &[
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
];

/// Whether requests name the bucket in the host or in the path, as aws
/// cli's `addressing_style`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Addressing {
    /// Virtual-hosted on AWS for bucket names that are DNS labels without
    /// dots; path-style for names with dots (S3's certificate is a one-label
    /// wildcard) and at any other endpoint.
    #[default]
    Auto,
    /// `https://BUCKET.s3.REGION.amazonaws.com/KEY`.
    Virtual,
    /// `https://s3.REGION.amazonaws.com/BUCKET/KEY`.
    Path,
}

impl std::str::FromStr for Addressing {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Addressing> {
        match text {
            "auto" => Ok(Addressing::Auto),
            "virtual" => Ok(Addressing::Virtual),
            "path" => Ok(Addressing::Path),
            _ => bail!("{text:?} is not an addressing style (auto, virtual or path)"),
        }
    }
}

/// Everything a publish needs to know, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The working copy (or a folder of one), or a repository URL.
    pub wc: PathBuf,
    /// The revision to publish from a URL (HEAD when `None`); a working copy
    /// publishes its own.
    pub revision: Option<Revnum>,
    /// The folder of `wc` to publish; `None` publishes all of it.
    pub source: Option<PathBuf>,
    /// The bucket's name.
    pub bucket: String,
    /// The bucket's region; for an S3-compatible endpoint, the region it signs for.
    pub region: String,
    /// An S3-compatible endpoint, reached with path-style requests; `None` is AWS.
    pub endpoint: Option<String>,
    /// Virtual-hosted or path-style requests.
    pub addressing: Addressing,
    /// How files become keys and objects: prefix, excludes, twins, headers, ACL.
    pub rules: Rules,
    /// Requests in flight at once, at least 1.
    pub workers: usize,
    /// Refuse a publish that would delete more objects than this.
    pub max_delete: usize,
    /// Say what would be done; write nothing.
    pub dry_run: bool,
    /// Upload every file and delete every key the tree does not have.
    pub full: bool,
    /// The CloudFront distribution to invalidate after a publish, if any.
    pub cloudfront: Option<CloudFront>,
    /// Where to write the paths a publish changed, for invalidating another way.
    pub invalidation_paths: Option<PathBuf>,
}

impl Settings {
    /// Settings for publishing `wc` to `bucket` with every default.
    pub fn new(wc: impl Into<PathBuf>, bucket: impl Into<String>) -> Settings {
        Settings {
            wc: wc.into(),
            revision: None,
            source: None,
            bucket: bucket.into(),
            region: DEFAULT_REGION.to_owned(),
            endpoint: None,
            addressing: Addressing::Auto,
            rules: Rules::new(""),
            workers: DEFAULT_WORKERS,
            max_delete: DEFAULT_MAX_DELETE,
            dry_run: false,
            full: false,
            cloudfront: None,
            invalidation_paths: None,
        }
    }

    /// The repository URL to publish from, when `wc` is one.
    pub fn url(&self) -> Option<&str> {
        as_url(&self.wc)
    }

    /// Merges the config file, `flags` and the environment (read through `env`).
    pub fn load(flags: &Flags, env: impl Fn(&str) -> Option<String>) -> Result<Settings> {
        if flags.revision.is_some() && as_url(&flags.wc).is_none() {
            bail!("--revision is for a repository URL; a working copy publishes its own revision");
        }
        let file = match &flags.config {
            Some(path) => ConfigFile::read(path)?,
            None => {
                let default = flags.wc.join(CONFIG_FILE);
                if as_url(&flags.wc).is_none() && default.is_file() {
                    ConfigFile::read(&default)?
                } else {
                    ConfigFile::default()
                }
            }
        };
        let origin = file.origin.clone();
        let from_file = |key: &str| match &origin {
            Some(path) => format!("{}: {key}", path.display()),
            None => key.to_owned(),
        };

        let bucket = flags.bucket.clone().or(file.bucket).ok_or_else(|| {
            anyhow!("no bucket given: use --bucket or `bucket:` in {CONFIG_FILE}")
        })?;
        check_bucket(&bucket)?;
        let endpoint = match (&flags.endpoint, file.endpoint) {
            (Some(flag), _) => Some(check_endpoint(flag).context("--endpoint")?),
            (None, Some(value)) => {
                Some(check_endpoint(&value).with_context(|| from_file("endpoint"))?)
            }
            (None, None) => env("AWS_ENDPOINT_URL")
                .map(|value| check_endpoint(&value).context("AWS_ENDPOINT_URL"))
                .transpose()?,
        };
        // aws cli's order, the file's setting after the flag's.
        let region = flags
            .region
            .clone()
            .or(file.region)
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| profile_region(&env))
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        if region.trim().is_empty() {
            bail!("the region is empty");
        }
        let prefix = normalize_prefix(
            flags
                .prefix
                .as_deref()
                .or(file.prefix.as_deref())
                .unwrap_or(""),
        )?;
        let source = file
            .source
            .map(|s| check_source(&s).with_context(|| from_file("source")))
            .transpose()?;
        let workers = flags.workers.or(file.workers).unwrap_or(DEFAULT_WORKERS);
        if workers == 0 {
            bail!("workers must be at least 1");
        }
        if let Some(acl) = &file.acl {
            if !CANNED_ACLS.contains(&acl.as_str()) {
                bail!(
                    "{}: {acl:?} is not a canned ACL (one of {})",
                    from_file("acl"),
                    CANNED_ACLS.join(", ")
                );
            }
        }

        let twins = |flag: bool, config: Option<TwinConfig>, name: &str| -> Result<Option<Globs>> {
            let config = config.unwrap_or_default();
            if !(flag || config.enabled) {
                return Ok(None);
            }
            let patterns = config
                .patterns
                .unwrap_or_else(|| DEFAULT_TWINS.iter().map(|p| p.to_string()).collect());
            let globs =
                Globs::new(&patterns).with_context(|| from_file(&format!("{name}.patterns")))?;
            Ok(Some(globs))
        };
        let gzip = twins(flags.gzip, file.gzip, "gzip")?;
        let brotli = twins(flags.brotli, file.brotli, "brotli")?;
        let exclude = Globs::new(&file.exclude).with_context(|| from_file("exclude"))?;
        let (distribution, max_paths) = match file.cloudfront {
            Some(config) => (config.distribution, config.max_paths),
            None => (None, None),
        };
        let max_paths = max_paths.unwrap_or(DEFAULT_MAX_PATHS);
        if max_paths == 0 {
            bail!("{}: must be at least 1", from_file("cloudfront.max_paths"));
        }
        let cloudfront = flags
            .invalidate
            .clone()
            .or(distribution)
            .map(|distribution| {
                if distribution.is_empty()
                    || !distribution.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    bail!("{distribution:?} is not a CloudFront distribution ID");
                }
                Ok(CloudFront {
                    distribution,
                    max_paths,
                })
            })
            .transpose()?;
        let headers = file
            .headers
            .into_iter()
            .enumerate()
            .map(|(i, rule)| {
                Ok(HeaderRule {
                    pattern: Globs::new(&[rule.pattern])
                        .with_context(|| from_file(&format!("headers[{i}].match")))?,
                    cache_control: rule.cache_control,
                    content_disposition: rule.content_disposition,
                    content_language: rule.content_language,
                })
            })
            .collect::<Result<Vec<_>>>()?;

        Ok(Settings {
            wc: flags.wc.clone(),
            revision: flags.revision,
            source,
            bucket,
            region,
            endpoint,
            addressing: flags.addressing.or(file.addressing).unwrap_or_default(),
            rules: Rules {
                prefix,
                exclude,
                gzip,
                brotli,
                headers,
                acl: file.acl,
            },
            workers,
            max_delete: flags
                .max_delete
                .or(file.max_delete)
                .unwrap_or(DEFAULT_MAX_DELETE),
            dry_run: flags.dry_run,
            full: flags.full,
            cloudfront,
            invalidation_paths: flags.invalidation_paths.clone(),
        })
    }
}

/// What the command line says; `None` leaves the choice to the file, the
/// environment or the default.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// The working copy, a folder of one, or a repository URL.
    pub wc: PathBuf,
    /// From a URL: the revision to publish.
    pub revision: Option<Revnum>,
    /// The config file; `WC/svn2s3.yaml` when `None`, if it exists.
    pub config: Option<PathBuf>,
    /// The bucket, over the config file's.
    pub bucket: Option<String>,
    /// The key prefix, over the config file's.
    pub prefix: Option<String>,
    /// An S3-compatible endpoint, over the config file's and `AWS_ENDPOINT_URL`.
    pub endpoint: Option<String>,
    /// The region, over the config file's and `AWS_REGION`.
    pub region: Option<String>,
    /// Virtual-hosted or path-style requests, over the config file's.
    pub addressing: Option<Addressing>,
    /// Requests in flight at once, over the config file's.
    pub workers: Option<usize>,
    /// Publish gzip twins, whatever the config file says.
    pub gzip: bool,
    /// Publish brotli twins, whatever the config file says.
    pub brotli: bool,
    /// The most deletes allowed, over the config file's.
    pub max_delete: Option<usize>,
    /// The CloudFront distribution to invalidate, over the config file's.
    pub invalidate: Option<String>,
    /// Where to write the paths to invalidate.
    pub invalidation_paths: Option<PathBuf>,
    /// Write nothing; say what would be done.
    pub dry_run: bool,
    /// Upload everything and delete what the tree does not have.
    pub full: bool,
}

/// `svn2s3.yaml` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    bucket: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
    addressing: Option<Addressing>,
    prefix: Option<String>,
    source: Option<PathBuf>,
    workers: Option<usize>,
    gzip: Option<TwinConfig>,
    brotli: Option<TwinConfig>,
    #[serde(default)]
    headers: Vec<HeaderConfig>,
    acl: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
    max_delete: Option<usize>,
    cloudfront: Option<CloudFrontConfig>,
    #[serde(skip)]
    origin: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloudFrontConfig {
    distribution: Option<String>,
    max_paths: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TwinConfig {
    #[serde(default)]
    enabled: bool,
    patterns: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderConfig {
    #[serde(rename = "match")]
    pattern: String,
    cache_control: Option<String>,
    content_disposition: Option<String>,
    content_language: Option<String>,
}

impl ConfigFile {
    fn read(path: &Path) -> Result<ConfigFile> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text, path)
    }

    fn parse(text: &str, path: &Path) -> Result<ConfigFile> {
        // An empty file is an empty mapping, not an error.
        if text.trim().is_empty() {
            return Ok(ConfigFile {
                origin: Some(path.to_path_buf()),
                ..ConfigFile::default()
            });
        }
        let mut file: ConfigFile = serde_yaml::from_str(text).map_err(|err| {
            let message = err.to_string();
            match err.location() {
                Some(at) => {
                    // serde_yaml appends " at line L column C"; say it once, up front.
                    let message = message.split(" at line ").next().unwrap_or(&message);
                    anyhow!(
                        "{}:{}:{}: {message}",
                        path.display(),
                        at.line(),
                        at.column()
                    )
                }
                None => anyhow!("{}: {message}", path.display()),
            }
        })?;
        file.origin = Some(path.to_path_buf());
        Ok(file)
    }
}

/// The `region` of the profile in the AWS config file, as aws cli reads it:
/// `AWS_CONFIG_FILE` or `~/.aws/config`, the profile `AWS_PROFILE` or
/// `default`, whose section is `[default]` or `[profile NAME]`.
fn profile_region(env: &impl Fn(&str) -> Option<String>) -> Option<String> {
    let path = env("AWS_CONFIG_FILE")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(env("HOME")?).join(".aws/config")))?;
    let text = std::fs::read_to_string(path).ok()?;
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".to_owned());
    ini_value(&text, &profile, "region")
}

/// The value of `key` in the profile's section of an AWS config file.
fn ini_value(text: &str, profile: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let section = section.trim();
            let name = section.strip_prefix("profile ").map_or(section, str::trim);
            inside = name == profile && (section.starts_with("profile ") || profile == "default");
        } else if inside {
            if let Some((name, value)) = line.split_once('=') {
                if name.trim() == key && !value.trim().is_empty() {
                    return Some(value.trim().to_owned());
                }
            }
        }
    }
    None
}

/// `path` as a URL (`svn://`, `https://`, `file://`...) when it is written as one.
fn as_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|text| {
        text.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+')
        })
    })
}

fn check_bucket(bucket: &str) -> Result<()> {
    if bucket.is_empty() {
        bail!("the bucket name is empty");
    }
    if bucket.len() > 255 || bucket.contains(['/', ' ']) {
        bail!("{bucket:?} is not a bucket name");
    }
    Ok(())
}

fn check_endpoint(text: &str) -> Result<String> {
    let url = url::Url::parse(text).map_err(|err| anyhow!("{text:?} is not a URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("{text:?} is not an http:// or https:// URL");
    }
    if url.path() != "/" || url.query().is_some() {
        bail!("{text:?}: an endpoint has no path; give the key prefix with --prefix");
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// "" stays ""; anything else loses leading slashes and gains a trailing one,
/// so `static` and `/static/` both publish under `static/`.
fn normalize_prefix(prefix: &str) -> Result<String> {
    let trimmed = prefix.trim_start_matches('/');
    if trimmed.split('/').any(|part| part == "." || part == "..") {
        bail!("prefix {prefix:?} may not contain . or .. parts");
    }
    Ok(match trimmed {
        "" => String::new(),
        p if p.ends_with('/') => p.to_owned(),
        p => format!("{p}/"),
    })
}

fn check_source(source: &Path) -> Result<PathBuf> {
    if source.is_absolute()
        || source
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        bail!(
            "{} must be a folder inside the working copy",
            source.display()
        );
    }
    Ok(source.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str, flags: Flags, env: &[(&str, &str)]) -> Result<Settings> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, yaml).unwrap();
        let flags = Flags {
            wc: dir.path().to_path_buf(),
            ..flags
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(&flags, |key| {
            env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        })
    }

    fn message(result: Result<Settings>) -> String {
        format!("{:#}", result.unwrap_err())
    }

    #[test]
    fn the_design_example_loads() {
        let yaml = r#"
bucket: media.example.com
region: eu-west-1
endpoint: http://127.0.0.1:9000
prefix: static/
source: media
workers: 4
gzip:
  enabled: true
  patterns: ["*.css", "*.js"]
headers:
  - match: "*.css"
    cache_control: "public, max-age=31536000"
acl: public-read
exclude: ["*.psd", "drafts/**"]
max_delete: 10
"#;
        let s = load(yaml, Flags::default(), &[]).unwrap();
        assert_eq!(s.bucket, "media.example.com");
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s.rules.prefix, "static/");
        assert_eq!(s.source, Some(PathBuf::from("media")));
        assert_eq!((s.workers, s.max_delete), (4, 10));
        assert_eq!(s.rules.gzip.unwrap().patterns(), ["*.css", "*.js"]);
        assert_eq!(
            s.rules.headers[0].cache_control.as_deref(),
            Some("public, max-age=31536000")
        );
        assert_eq!(s.rules.acl.as_deref(), Some("public-read"));
        assert!(s.rules.exclude.is_match("drafts/a/b.html"));
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_the_environment() {
        let env = [
            ("AWS_REGION", "ap-south-1"),
            ("AWS_ENDPOINT_URL", "http://env:1"),
        ];
        let flags = Flags {
            bucket: Some("flag-bucket".into()),
            workers: Some(3),
            ..Flags::default()
        };
        let s = load(
            "bucket: file-bucket\nregion: eu-west-1\nworkers: 5\n",
            flags,
            &env,
        )
        .unwrap();
        assert_eq!((s.bucket.as_str(), s.workers), ("flag-bucket", 3));
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.endpoint.as_deref(), Some("http://env:1"));
        let s = load("bucket: b\n", Flags::default(), &env).unwrap();
        assert_eq!(s.region, "ap-south-1");
    }

    #[test]
    fn the_region_comes_from_aws_clis_chain_and_the_profile_last() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "[default]\nregion = us-west-2\n\n[profile site]\noutput = json\nregion = eu-north-1\n\n\
             [site]\nregion = not-a-profile-section\n",
        )
        .unwrap();
        let config = config.to_str().unwrap();
        let region =
            |env: &[(&str, &str)]| load("bucket: b\n", Flags::default(), env).unwrap().region;
        assert_eq!(region(&[("AWS_CONFIG_FILE", config)]), "us-west-2");
        assert_eq!(
            region(&[("AWS_CONFIG_FILE", config), ("AWS_PROFILE", "site")]),
            "eu-north-1"
        );
        let default_region = [
            ("AWS_CONFIG_FILE", config),
            ("AWS_DEFAULT_REGION", "sa-east-1"),
        ];
        assert_eq!(region(&default_region), "sa-east-1");
        let both = [
            ("AWS_DEFAULT_REGION", "sa-east-1"),
            ("AWS_REGION", "ap-south-1"),
        ];
        assert_eq!(region(&both), "ap-south-1");
        assert_eq!(
            region(&[("AWS_PROFILE", "nobody"), ("AWS_CONFIG_FILE", config)]),
            "us-east-1"
        );
        assert_eq!(region(&[("AWS_CONFIG_FILE", "/nonexistent")]), "us-east-1");
    }

    #[test]
    fn addressing_is_auto_unless_the_file_or_a_flag_says() {
        let s = load("bucket: b\n", Flags::default(), &[]).unwrap();
        assert_eq!(s.addressing, Addressing::Auto);
        let s = load("bucket: b\naddressing: path\n", Flags::default(), &[]).unwrap();
        assert_eq!(s.addressing, Addressing::Path);
        let flags = Flags {
            addressing: Some(Addressing::Virtual),
            ..Flags::default()
        };
        let s = load("bucket: b\naddressing: path\n", flags, &[]).unwrap();
        assert_eq!(s.addressing, Addressing::Virtual);
        let err = load("bucket: b\naddressing: sideways\n", Flags::default(), &[]).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown variant `sideways`"),
            "{err:#}"
        );
        assert!("sideways".parse::<Addressing>().is_err());
    }

    #[test]
    fn defaults_apply_when_nothing_is_said() {
        let s = load(
            "bucket: b\n",
            Flags {
                gzip: true,
                ..Flags::default()
            },
            &[],
        )
        .unwrap();
        assert_eq!(
            (s.workers, s.max_delete, s.region.as_str()),
            (64, 256, "us-east-1")
        );
        assert_eq!(s.rules.prefix, "");
        assert_eq!(s.rules.gzip.unwrap().patterns(), DEFAULT_TWINS);
    }

    #[test]
    fn brotli_twins_are_set_as_gzip_twins_are() {
        let yaml = "bucket: b\nbrotli:\n  enabled: true\n  patterns: [\"*.css\"]\n";
        let s = load(yaml, Flags::default(), &[]).unwrap();
        assert_eq!(s.rules.brotli.unwrap().patterns(), ["*.css"]);
        assert!(s.rules.gzip.is_none());
        let flags = Flags {
            brotli: true,
            ..Flags::default()
        };
        let s = load("bucket: b\n", flags, &[]).unwrap();
        assert_eq!(s.rules.brotli.unwrap().patterns(), DEFAULT_TWINS);
        let bad = "bucket: b\nbrotli:\n  enabled: true\n  patterns: [\"a[\"]\n";
        let err = message(load(bad, Flags::default(), &[]));
        assert!(err.contains("brotli.patterns"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named_with_file_line_and_column() {
        let err = message(load("bucket: b\nbukcet: c\n", Flags::default(), &[]));
        assert!(
            err.contains("svn2s3.yaml:2:1: unknown field `bukcet`"),
            "{err}"
        );
        assert!(!err.contains(" at line "), "{err}");
    }

    #[test]
    fn wrong_types_and_bad_yaml_are_named_with_their_position() {
        let err = message(load("bucket: b\nworkers: many\n", Flags::default(), &[]));
        assert!(
            err.contains("svn2s3.yaml:2:10: workers: invalid type"),
            "{err}"
        );
        let err = message(load("bucket: b\nprefix: \"open\n", Flags::default(), &[]));
        assert!(
            err.contains("svn2s3.yaml:3:1: found unexpected end of stream"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_named() {
        assert!(message(load("", Flags::default(), &[])).contains("no bucket given"));
        assert!(
            message(load("bucket: ''\n", Flags::default(), &[])).contains("bucket name is empty")
        );
        assert!(message(load(
            "bucket: b\nendpoint: not a url\n",
            Flags::default(),
            &[]
        ))
        .contains("endpoint: \"not a url\" is not a URL"));
        assert!(message(load(
            "bucket: b\nendpoint: ftp://x\n",
            Flags::default(),
            &[]
        ))
        .contains("not an http:// or https:// URL"));
        assert!(
            message(load("bucket: b\nworkers: 0\n", Flags::default(), &[]))
                .contains("workers must be at least 1")
        );
        assert!(
            message(load("bucket: b\nacl: public\n", Flags::default(), &[]))
                .contains("not a canned ACL")
        );
        assert!(
            message(load("bucket: b\nsource: ../x\n", Flags::default(), &[]))
                .contains("source: ../x must be a folder inside")
        );
        assert!(
            message(load("bucket: b\nexclude: ['a[']\n", Flags::default(), &[]))
                .contains("exclude")
        );
    }

    #[test]
    fn urls_are_told_from_paths_and_revision_needs_one() {
        assert_eq!(
            as_url(Path::new("svn+ssh://host/repo")),
            Some("svn+ssh://host/repo")
        );
        assert_eq!(
            as_url(Path::new("file:///srv/repo/trunk")),
            Some("file:///srv/repo/trunk")
        );
        assert_eq!(as_url(Path::new("./a://b")), None);
        assert_eq!(as_url(Path::new("media")), None);
        let flags = Flags {
            revision: Some(3),
            ..Flags::default()
        };
        assert!(
            message(load("bucket: b\n", flags, &[])).contains("--revision is for a repository URL")
        );
    }

    #[test]
    fn prefixes_end_in_one_slash() {
        assert_eq!(normalize_prefix("").unwrap(), "");
        assert_eq!(normalize_prefix("static").unwrap(), "static/");
        assert_eq!(normalize_prefix("/static/v1/").unwrap(), "static/v1/");
        assert!(normalize_prefix("a/../b").is_err());
    }
}
