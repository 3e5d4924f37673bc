//! Settings: the config file, the command-line flags (or their equivalents
//! set in code) and the environment, merged and validated once, by one
//! builder, so that a [`Settings`] is never invalid. Flags win over keys set
//! one by one, those over the file, the file over the environment, the
//! environment over defaults: the file names the bucket, so it knows the
//! bucket's region and endpoint better than a shell does. Credentials are
//! never read here; they come from the AWS chain (see `bucket`).

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use crate::bucket::Address;
pub use crate::bucket::Addressing;
use crate::error::Error;
use crate::header::{self, HeaderRule};
use crate::plan::{Globs, HeaderRules, Rules};
use crate::tree::{Revnum, STATE_FOLDER};

/// The config file looked for in the working copy when `--config` is not given.
pub const CONFIG_FILE: &str = "svn2s3.yaml";

/// Requests in flight at once, unless `workers` says otherwise: measured
/// through a relay at 20 ms round trip, a first publish of 20,000 files takes
/// 60 s at 8, 16 s at 32, 8.6 s at 64 and 6.7 s at 128; and 64 writes in
/// flight at that distance stay under S3's 3,500 a second per prefix.
pub const DEFAULT_WORKERS: usize = 64;
/// The most deletes a publish makes without `--max-delete`.
pub const DEFAULT_MAX_DELETE: usize = 256;
/// The region when neither the settings nor the environment name one.
pub const DEFAULT_REGION: &str = "us-east-1";
/// How long `--wait` without a value waits for another publish to finish.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(300);
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

/// Which distributions to invalidate after a publish, how they serve the
/// bucket, and how many paths at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudFront {
    /// The distributions' IDs, e.g. `E2QWRUHAPOMQZL`: at least one.
    pub distributions: Vec<String>,
    /// More paths than this collapse into wildcards.
    pub max_paths: usize,
    /// The index document that a folder's URL serves (`index.html`): a
    /// changed `a/b/index.html` invalidates `/a/b/` too. `None`: folders
    /// are not invalidated.
    pub index: Option<String>,
    /// Folders are served without the slash too: `/a/b` as well as `/a/b/`.
    pub bare_folders: bool,
    /// The distributions' origin path for the bucket (`/static` serves the
    /// keys under `static/` at `/`); `None`: read from each distribution's
    /// config.
    pub origin_path: Option<String>,
}

/// The index document a distribution's folders serve unless
/// `cloudfront.index` says otherwise.
pub const DEFAULT_INDEX: &str = "index.html";

/// Everything a publish needs to know, validated: made only by
/// [`SettingsBuilder::build`] or [`Settings::load`].
#[derive(Debug, Clone)]
pub struct Settings {
    pub(crate) wc: PathBuf,
    pub(crate) revision: Option<Revnum>,
    pub(crate) source: Option<PathBuf>,
    pub(crate) bucket: String,
    pub(crate) region: String,
    pub(crate) endpoint: Option<String>,
    pub(crate) addressing: Addressing,
    pub(crate) rules: Rules,
    pub(crate) workers: NonZeroUsize,
    pub(crate) max_delete: usize,
    pub(crate) dry_run: bool,
    pub(crate) full: bool,
    pub(crate) rollback: bool,
    pub(crate) wait: Option<Duration>,
    pub(crate) cloudfront: Option<CloudFront>,
    pub(crate) invalidation_paths: Option<PathBuf>,
}

impl Settings {
    /// Settings for publishing `tree` (a working copy, a folder of one, or a
    /// repository URL) to `bucket`, every other setting at its default until
    /// the builder says otherwise.
    pub fn builder(tree: impl Into<PathBuf>, bucket: impl Into<String>) -> SettingsBuilder {
        SettingsBuilder::from_flags(Flags {
            wc: tree.into(),
            bucket: Some(bucket.into()),
            ..Flags::default()
        })
    }

    /// What the `svn2s3` command does: `flags` over the config file (the one
    /// `flags` names, else `svn2s3.yaml` at the root of a working copy if
    /// there is one) over the environment, read through `env`.
    pub fn load(
        flags: &Flags,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Settings, Error> {
        Settings::loader(flags, env)?.build()
    }

    /// The settings of each target `flags.targets` names, in that order
    /// (`all`: every target of the config file, in its order), each the
    /// target's keys over the file's, under the flags. Every one is checked
    /// before any is returned, and no two may publish to one place.
    pub fn load_targets(
        flags: &Flags,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Vec<(String, Settings)>, Error> {
        let mut builder = Settings::loader(flags, env)?;
        builder.check_target_names().map_err(Error::config)?;
        let mut names: Vec<String> = Vec::new();
        for name in &flags.targets {
            let more = match name.as_str() {
                "all" => builder.target_names(),
                name => vec![name.to_owned()],
            };
            if more.is_empty() {
                let err = anyhow!("--target all: the settings name no targets");
                return Err(Error::config(err));
            }
            names.extend(
                more.into_iter()
                    .filter(|name| !names.contains(name))
                    .collect::<Vec<_>>(),
            );
        }
        let mut targets: Vec<(String, Settings)> = Vec::new();
        for name in &names {
            let settings = builder
                .target(name)
                .build()
                .map_err(|err| Error::config(anyhow!("--target {name}: {err}")))?;
            targets.push((name.clone(), settings));
        }
        // No target may publish where another does, nor inside it: one's
        // `--full` would delete the other's objects. The targets not named
        // are checked too, those that build.
        let others = builder
            .target_names()
            .into_iter()
            .filter(|name| !names.contains(name));
        let others: Vec<(String, Settings)> = others
            .filter_map(|name| Some((name.clone(), builder.target(&name).build().ok()?)))
            .collect();
        for (at, (name, settings)) in targets.iter().enumerate() {
            let before = targets[..at].iter().chain(&others);
            if let Some(why) = before
                .filter_map(|(other, s)| overlap(other, s, name, settings))
                .next()
            {
                return Err(Error::config(why));
            }
        }
        Ok(targets)
    }

    /// A builder of the flags, the environment and the config file they name.
    fn loader(
        flags: &Flags,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<SettingsBuilder, Error> {
        let mut builder = SettingsBuilder::from_flags(flags.clone());
        builder.env(env);
        match &flags.config {
            Some(path) => {
                builder.config_file(path)?;
            }
            None => {
                let default = flags.wc.join(CONFIG_FILE);
                if as_url(&flags.wc).is_none() && default.is_file() {
                    builder.config_file(&default)?;
                }
            }
        }
        Ok(builder)
    }

    /// The working copy (or a folder of one), or the repository URL.
    pub fn tree(&self) -> &Path {
        &self.wc
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// What every key starts with: "" or a string ending in `/`.
    pub fn prefix(&self) -> &str {
        &self.rules.prefix
    }

    /// The bucket's region; for an S3-compatible endpoint, the region it signs for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// An S3-compatible endpoint; `None` is AWS.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// Requests in flight at most.
    pub fn workers(&self) -> NonZeroUsize {
        self.workers
    }

    /// Whether a publish only says what it would do.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// `s3://bucket/prefix`, as messages name the target.
    pub fn target(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.rules.prefix)
    }

    /// The repository URL to publish from, when the tree is one.
    pub(crate) fn url(&self) -> Option<&str> {
        as_url(&self.wc)
    }

    /// Where the bucket is and how to name it in requests.
    pub(crate) fn address(&self) -> Address {
        Address {
            name: self.bucket.clone(),
            region: self.region.clone(),
            endpoint: self.endpoint.clone(),
            addressing: self.addressing,
        }
    }
}

/// What the command line says; `None` leaves the choice to the config file,
/// the environment or the default.
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
    /// The region, over the config file's and the environment's.
    pub region: Option<String>,
    /// Virtual-hosted or path-style requests, over the config file's.
    pub addressing: Option<Addressing>,
    /// Requests in flight at most, over the config file's.
    pub workers: Option<usize>,
    /// Publish gzip twins, whatever the config file says.
    pub gzip: bool,
    /// Publish brotli twins, whatever the config file says.
    pub brotli: bool,
    /// The most deletes allowed, over the config file's.
    pub max_delete: Option<usize>,
    /// The CloudFront distributions to invalidate, over the config file's.
    pub invalidate: Vec<String>,
    /// Where to write the paths to invalidate.
    pub invalidation_paths: Option<PathBuf>,
    /// The targets of the config file to publish to (`all`: every one);
    /// read by [`Settings::load_targets`].
    pub targets: Vec<String>,
    /// Write nothing; say what would be done.
    pub dry_run: bool,
    /// Upload everything and delete what the tree does not have.
    pub full: bool,
    /// Publish a revision older than the bucket's.
    pub rollback: bool,
    /// While another publish holds the bucket, wait this long for it to
    /// finish (then publish what is newest) rather than be refused.
    pub wait: Option<Duration>,
    /// Leave redirects where files moved, whatever the config file says.
    pub redirects: bool,
}

type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Builds [`Settings`]: setters in code (as flags), keys of the config file
/// set one by one from text, a config file, and the environment, merged and
/// checked by [`SettingsBuilder::build`].
#[derive(Clone)]
pub struct SettingsBuilder {
    flags: Flags,
    /// The config file's target whose keys go over the file's.
    target: Option<String>,
    /// Keys set one by one: over the file.
    set: ConfigFile,
    file: ConfigFile,
    env: Env,
}

impl SettingsBuilder {
    fn from_flags(flags: Flags) -> SettingsBuilder {
        SettingsBuilder {
            flags,
            target: None,
            set: ConfigFile::default(),
            file: ConfigFile::default(),
            env: Arc::new(|key| std::env::var(key).ok().filter(|value| !value.is_empty())),
        }
    }

    /// Put every key under `prefix` (`static` and `/static/` both mean `static/`).
    pub fn prefix(&mut self, prefix: impl Into<String>) -> &mut Self {
        self.flags.prefix = Some(prefix.into());
        self
    }

    /// An S3-compatible endpoint, `http://` or `https://`.
    pub fn endpoint(&mut self, url: impl Into<String>) -> &mut Self {
        self.flags.endpoint = Some(url.into());
        self
    }

    /// The bucket's region.
    pub fn region(&mut self, region: impl Into<String>) -> &mut Self {
        self.flags.region = Some(region.into());
        self
    }

    /// Virtual-hosted or path-style requests.
    pub fn addressing(&mut self, addressing: Addressing) -> &mut Self {
        self.flags.addressing = Some(addressing);
        self
    }

    /// Requests in flight at most.
    pub fn workers(&mut self, workers: NonZeroUsize) -> &mut Self {
        self.flags.workers = Some(workers.get());
        self
    }

    /// Refuse a publish that would delete more objects than this.
    pub fn max_delete(&mut self, most: usize) -> &mut Self {
        self.flags.max_delete = Some(most);
        self
    }

    /// Publish gzip twins of text assets.
    pub fn gzip(&mut self, on: bool) -> &mut Self {
        self.flags.gzip = on;
        self
    }

    /// Publish brotli twins of text assets.
    pub fn brotli(&mut self, on: bool) -> &mut Self {
        self.flags.brotli = on;
        self
    }

    /// From a repository URL, publish this revision rather than HEAD.
    pub fn revision(&mut self, revision: Revnum) -> &mut Self {
        self.flags.revision = Some(revision);
        self
    }

    /// Say what a publish would do; write nothing.
    pub fn dry_run(&mut self, on: bool) -> &mut Self {
        self.flags.dry_run = on;
        self
    }

    /// Upload every file, and delete every key the tree does not have.
    pub fn full(&mut self, on: bool) -> &mut Self {
        self.flags.full = on;
        self
    }

    /// Publish a revision older than the one the bucket holds.
    pub fn rollback(&mut self, on: bool) -> &mut Self {
        self.flags.rollback = on;
        self
    }

    /// While another publish holds the bucket, wait up to `most` for it
    /// to finish, then publish what is newest, rather than be refused.
    pub fn wait(&mut self, most: Duration) -> &mut Self {
        self.flags.wait = Some(most);
        self
    }

    /// Leave a redirect at the old key of every file moved with history,
    /// and publish symbolic links inside the tree as redirects.
    pub fn redirects(&mut self, on: bool) -> &mut Self {
        self.flags.redirects = on;
        self
    }

    /// Invalidate what a publish changed in this CloudFront distribution
    /// too (the first call replaces the config file's).
    pub fn invalidate(&mut self, distribution: impl Into<String>) -> &mut Self {
        self.flags.invalidate.push(distribution.into());
        self
    }

    /// Sets one key of the config file, `value` written as it would be
    /// after `key:` in `svn2s3.yaml`: `set("prefix", "static/")`,
    /// `set("workers", "16")`, `set("exclude", "['*.psd']")`,
    /// `set("gzip", "true")`, `set("cloudfront.distribution", "E2Q...")`.
    /// Over a config file, under the setters above.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self, Error> {
        let one = ConfigFile::key(key, value).map_err(Error::config)?;
        self.set = one.over(std::mem::take(&mut self.set));
        Ok(self)
    }

    /// Reads a config file, under everything set otherwise.
    pub fn config_file(&mut self, path: &Path) -> Result<&mut Self, Error> {
        self.file = ConfigFile::read(path).map_err(Error::config)?;
        Ok(self)
    }

    /// Reads the environment through `env` rather than the process's.
    pub fn env(
        &mut self,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> &mut Self {
        self.env = Arc::new(env);
        self
    }

    /// Use the keys of the config file's target `name` over the file's.
    pub fn target(&mut self, name: impl Into<String>) -> &mut Self {
        self.target = Some(name.into());
        self
    }

    /// The names of the config file's targets, in its order.
    pub fn target_names(&self) -> Vec<String> {
        let file = self.set.clone().over(self.file.clone());
        file.target_names().into_iter().map(str::to_owned).collect()
    }

    /// Refuses a target named `all`, which `--target all` could not choose.
    fn check_target_names(&self) -> Result<()> {
        if self.target_names().iter().any(|name| name == "all") {
            let whose = (self.file.origin.as_ref())
                .map_or("the settings".into(), |path| path.display().to_string());
            bail!(
                "{whose}: targets.all: `all` is reserved (`--target all` names every target); \
                 rename the target"
            );
        }
        Ok(())
    }

    /// The settings, every value checked.
    pub fn build(&self) -> Result<Settings, Error> {
        let build = || {
            self.check_target_names()?;
            let file = match &self.target {
                Some(name) => self.file.clone().for_target(name)?,
                None => self.file.clone(),
            };
            validated(&self.flags, self.set.clone().over(file), &*self.env)
        };
        build().map_err(Error::config)
    }
}

impl std::fmt::Debug for SettingsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingsBuilder")
            .field("flags", &self.flags)
            .finish_non_exhaustive()
    }
}

/// Merges `flags` over `file` over `env`, and checks every value.
fn validated(
    flags: &Flags,
    file: ConfigFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings> {
    if flags.revision.is_some() && as_url(&flags.wc).is_none() {
        bail!("--revision is for a repository URL; a working copy publishes its own revision");
    }
    let origin = file.origin.clone();
    let from_file = |key: &str| match &origin {
        Some(path) => format!("{}: {key}", path.display()),
        None => key.to_owned(),
    };

    let names = file.target_names().join(", ");
    let bucket = flags.bucket.clone().or(file.bucket).ok_or_else(|| match names.as_str() {
        "" => anyhow!("no bucket given: use --bucket or `bucket:` in {CONFIG_FILE}"),
        names => anyhow!("no bucket given: choose a target with --target NAME or --target all (the settings name {names}), or use --bucket"),
    })?;
    check_bucket(&bucket)?;
    let endpoint = match (&flags.endpoint, file.endpoint) {
        (Some(flag), _) => Some(check_endpoint(flag).context("--endpoint")?),
        (None, Some(value)) => Some(check_endpoint(&value).with_context(|| from_file("endpoint"))?),
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
        .or_else(|| profile_region(env))
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
    let workers = NonZeroUsize::new(flags.workers.or(file.workers).unwrap_or(DEFAULT_WORKERS))
        .ok_or_else(|| anyhow!("workers must be at least 1"))?;
    if let Some(acl) = &file.acl {
        if !CANNED_ACLS.contains(&acl.as_str()) {
            bail!(
                "{}: {acl:?} is not a canned ACL (one of {})",
                from_file("acl"),
                CANNED_ACLS.join(", ")
            );
        }
    }

    let twins = |flag: bool, config: Option<TwinSetting>, name: &str| -> Result<Option<Globs>> {
        let config = config.map(TwinSetting::config).unwrap_or_default();
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
    let exclude =
        Globs::new(&file.exclude.unwrap_or_default()).with_context(|| from_file("exclude"))?;
    let cloudfront_config = file.cloudfront.unwrap_or_default();
    let max_paths = cloudfront_config.max_paths.unwrap_or(DEFAULT_MAX_PATHS);
    if max_paths == 0 {
        bail!("{}: must be at least 1", from_file("cloudfront.max_paths"));
    }
    let distributions = match (&flags.invalidate[..], cloudfront_config.distribution) {
        ([], Some(configured)) => configured.0,
        ([], None) => Vec::new(),
        (named, _) => named.to_vec(),
    };
    for distribution in &distributions {
        if distribution.is_empty() || !distribution.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("{distribution:?} is not a CloudFront distribution ID");
        }
    }
    let index = match cloudfront_config.index {
        Some(index) if index.contains('/') => {
            bail!(
                "{}: {index:?} is a file name, without /",
                from_file("cloudfront.index")
            )
        }
        Some(index) if index.is_empty() => None,
        Some(index) => Some(index),
        None => Some(DEFAULT_INDEX.to_owned()),
    };
    let origin_path = match cloudfront_config.origin_path {
        Some(path) if !path.is_empty() && !path.starts_with('/') => bail!(
            "{}: {path:?} must start with / (as CloudFront's OriginPath: /static)",
            from_file("cloudfront.origin_path")
        ),
        origin_path => origin_path.map(|path| path.trim_end_matches('/').to_owned()),
    };
    let cloudfront = (!distributions.is_empty()).then(|| CloudFront {
        distributions,
        max_paths,
        index,
        bare_folders: cloudfront_config.bare_folders.unwrap_or(false),
        origin_path,
    });
    let rules = file.headers.unwrap_or_default();
    for (i, rule) in rules.iter().enumerate() {
        // Checked as every header value is, here to name the setting.
        for (header, value) in rule.values.iter() {
            let named = || from_file(&format!("headers[{i}].{}", header.key));
            if !header.in_rules {
                bail!(
                    "{}: a header rule cannot set it; set the property {} on the files or a folder",
                    named(),
                    header.property
                );
            }
            if let Err(why) = header::value(header.name, value) {
                bail!("{}: {value:?} {why}", named());
            }
        }
    }
    let headers = HeaderRules::new(rules).map_err(|(i, err)| {
        anyhow::Error::new(err).context(from_file(&format!("headers[{i}].match")))
    })?;

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
            redirects: flags.redirects || file.redirects.unwrap_or(false),
            inherited: Default::default(),
        },
        workers,
        max_delete: flags
            .max_delete
            .or(file.max_delete)
            .unwrap_or(DEFAULT_MAX_DELETE),
        dry_run: flags.dry_run,
        full: flags.full,
        rollback: flags.rollback,
        wait: flags.wait,
        cloudfront,
        invalidation_paths: flags.invalidation_paths.clone(),
    })
}

/// Why the targets `a` and `b` cannot both be published, if they cannot: the
/// same bucket at the same endpoint, one prefix the other or inside it.
fn overlap(a: &str, one: &Settings, b: &str, other: &Settings) -> Option<anyhow::Error> {
    if (&one.endpoint, &one.bucket) != (&other.endpoint, &other.bucket) {
        return None;
    }
    let (p, q) = (one.prefix(), other.prefix());
    if p == q {
        return Some(anyhow!(
            "targets {a} and {b} both publish to {}; each needs a bucket or prefix of its own",
            one.target()
        ));
    }
    let (outer, inner) = match (q.starts_with(p), p.starts_with(q)) {
        (true, _) => ((a, one), (b, other)),
        (_, true) => ((b, other), (a, one)),
        _ => return None,
    };
    Some(anyhow!(
        "targets {} ({}) and {} ({}) overlap: the second is inside the first, whose --full \
         would delete its objects; give each a prefix outside the other's",
        outer.0,
        outer.1.target(),
        inner.0,
        inner.1.target()
    ))
}

/// `svn2s3.yaml` as written, or a part of it; absent keys are `None`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    bucket: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
    addressing: Option<Addressing>,
    prefix: Option<String>,
    source: Option<PathBuf>,
    workers: Option<usize>,
    gzip: Option<TwinSetting>,
    brotli: Option<TwinSetting>,
    headers: Option<Vec<HeaderRule>>,
    acl: Option<String>,
    exclude: Option<Vec<String>>,
    max_delete: Option<usize>,
    redirects: Option<bool>,
    cloudfront: Option<CloudFrontConfig>,
    targets: Option<Targets>,
    #[serde(skip)]
    origin: Option<PathBuf>,
}

/// `targets:`, each a name and the keys that differ from the file's, in
/// the order the file gives them.
#[derive(Debug, Clone, Default)]
struct Targets(Vec<(String, ConfigFile)>);

/// Read by hand to keep the file's order.
impl<'de> Deserialize<'de> for Targets {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Targets, D::Error> {
        struct Named;
        impl<'de> serde::de::Visitor<'de> for Named {
            type Value = Targets;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of target names to their settings")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Targets, A::Error> {
                let mut targets = Vec::new();
                while let Some((name, file)) = map.next_entry::<String, ConfigFile>()? {
                    targets.push((name, file));
                }
                Ok(Targets(targets))
            }
        }
        deserializer.deserialize_map(Named)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloudFrontConfig {
    distribution: Option<Distributions>,
    max_paths: Option<usize>,
    index: Option<String>,
    bare_folders: Option<bool>,
    origin_path: Option<String>,
}

/// `distribution: E2Q...`, or a list of them.
#[derive(Debug, Clone)]
struct Distributions(Vec<String>);

/// Read by hand, as [`TwinSetting`] is.
impl<'de> Deserialize<'de> for Distributions {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Distributions, D::Error> {
        struct OneOrMore;
        impl<'de> serde::de::Visitor<'de> for OneOrMore {
            type Value = Distributions;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a distribution ID, or a list of them")
            }

            fn visit_str<E>(self, id: &str) -> Result<Distributions, E> {
                Ok(Distributions(vec![id.to_owned()]))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Distributions, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(Distributions)
            }
        }
        deserializer.deserialize_any(OneOrMore)
    }
}

/// `gzip: true`, or `gzip: {enabled: true, patterns: [...]}`.
#[derive(Debug, Clone)]
enum TwinSetting {
    Enabled(bool),
    Config(TwinConfig),
}

/// Read by hand rather than as an untagged enum, whose errors lose the
/// line and column of what is wrong inside the mapping.
impl<'de> Deserialize<'de> for TwinSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TwinSetting, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = TwinSetting;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false, or a mapping of `enabled` and `patterns`")
            }

            fn visit_bool<E>(self, on: bool) -> Result<TwinSetting, E> {
                Ok(TwinSetting::Enabled(on))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<TwinSetting, A::Error> {
                TwinConfig::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(TwinSetting::Config)
            }
        }
        deserializer.deserialize_any(Either)
    }
}

impl TwinSetting {
    fn config(self) -> TwinConfig {
        match self {
            TwinSetting::Enabled(enabled) => TwinConfig {
                enabled,
                patterns: None,
            },
            TwinSetting::Config(config) => config,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TwinConfig {
    #[serde(default)]
    enabled: bool,
    patterns: Option<Vec<String>>,
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

    /// The file that says only `key: value`, where `key` may name a key
    /// inside another (`cloudfront.distribution`).
    fn key(key: &str, value: &str) -> Result<ConfigFile> {
        let setting = |err: &dyn std::fmt::Display| {
            let message = err.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            anyhow!("setting {key} to {value:?}: {message}")
        };
        let mut document: serde_yaml::Value =
            serde_yaml::from_str(value).map_err(|err| setting(&err))?;
        for part in key.rsplit('.') {
            let mut mapping = serde_yaml::Mapping::new();
            mapping.insert(serde_yaml::Value::String(part.to_owned()), document);
            document = serde_yaml::Value::Mapping(mapping);
        }
        // Through text, so that `bucket: 123` reads as a name, as in a file.
        let text = serde_yaml::to_string(&document).map_err(|err| setting(&err))?;
        serde_yaml::from_str(&text).map_err(|err| setting(&err))
    }

    /// This file's keys over `under`'s.
    fn over(self, under: ConfigFile) -> ConfigFile {
        // Messages name the file only for what it said alone.
        let origin = if self.origin.is_none() && self.is_empty() {
            under.origin.clone()
        } else {
            self.origin.clone()
        };
        let cloudfront = match (self.cloudfront, under.cloudfront) {
            (Some(top), Some(bottom)) => Some(CloudFrontConfig {
                distribution: top.distribution.or(bottom.distribution),
                max_paths: top.max_paths.or(bottom.max_paths),
                index: top.index.or(bottom.index),
                bare_folders: top.bare_folders.or(bottom.bare_folders),
                origin_path: top.origin_path.or(bottom.origin_path),
            }),
            (top, bottom) => top.or(bottom),
        };
        ConfigFile {
            bucket: self.bucket.or(under.bucket),
            region: self.region.or(under.region),
            endpoint: self.endpoint.or(under.endpoint),
            addressing: self.addressing.or(under.addressing),
            prefix: self.prefix.or(under.prefix),
            source: self.source.or(under.source),
            workers: self.workers.or(under.workers),
            gzip: self.gzip.or(under.gzip),
            brotli: self.brotli.or(under.brotli),
            headers: self.headers.or(under.headers),
            acl: self.acl.or(under.acl),
            exclude: self.exclude.or(under.exclude),
            max_delete: self.max_delete.or(under.max_delete),
            redirects: self.redirects.or(under.redirects),
            cloudfront,
            targets: self.targets.or(under.targets),
            origin,
        }
    }

    fn is_empty(&self) -> bool {
        self.bucket.is_none()
            && self.region.is_none()
            && self.endpoint.is_none()
            && self.addressing.is_none()
            && self.prefix.is_none()
            && self.source.is_none()
            && self.workers.is_none()
            && self.gzip.is_none()
            && self.brotli.is_none()
            && self.headers.is_none()
            && self.acl.is_none()
            && self.exclude.is_none()
            && self.max_delete.is_none()
            && self.redirects.is_none()
            && self.cloudfront.is_none()
            && self.targets.is_none()
    }

    /// The names of the targets, in the file's order.
    fn target_names(&self) -> Vec<&str> {
        self.targets
            .iter()
            .flat_map(|targets| &targets.0)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The file as target `name` sees it: the target's keys over the rest.
    fn for_target(mut self, name: &str) -> Result<ConfigFile> {
        let names = self.target_names().join(", ");
        let whose = self.origin.as_ref().map_or_else(
            || "the settings".to_owned(),
            |path| path.display().to_string(),
        );
        let targets = self.targets.take().unwrap_or_default();
        let Some((_, mut target)) = targets.0.into_iter().find(|(named, _)| named == name) else {
            match names.as_str() {
                "" => bail!("{whose} names no targets"),
                names => bail!("{whose} names no such target; it names {names}"),
            }
        };
        if target.targets.is_some() {
            bail!("{whose}: targets.{name}: a target cannot name targets of its own");
        }
        target.origin = self.origin.clone();
        Ok(target.over(self))
    }
}

/// The `region` of the profile in the AWS config file, as aws cli reads it:
/// `AWS_CONFIG_FILE` or `~/.aws/config`, the profile `AWS_PROFILE` or
/// `default`, whose section is `[default]` or `[profile NAME]`.
fn profile_region(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
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

/// The endpoint `text` names, as `scheme://host[:port]`. The value is
/// never echoed whole, since it may carry a password: an endpoint with a
/// user or a password is refused (requests are signed with the AWS
/// credentials, and a user in the URL would reach the Host header).
fn check_endpoint(text: &str) -> Result<String> {
    let url = url::Url::parse(text).map_err(|err| anyhow!("not a URL ({err})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("not an http:// or https:// URL");
    }
    let Some(host) = url.host_str() else {
        bail!("names no host");
    };
    if !url.username().is_empty() || url.password().is_some() {
        bail!(
            "carries a user or a password; svn2s3 signs its requests with the AWS credentials \
             (AWS_ACCESS_KEY_ID, a profile...), never with the endpoint's"
        );
    }
    let place = match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    };
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        bail!("{place} has a path or a query, and an endpoint has none; give the key prefix with --prefix");
    }
    Ok(place)
}

/// "" stays ""; anything else loses leading slashes and gains a trailing one,
/// so `static` and `/static/` both publish under `static/`. A prefix whose
/// keys S3 and its consoles would not show as folders (`a//b`, `.`, `..`),
/// that holds control characters, or that puts keys in a state folder
/// (`.svn2s3`) is refused.
fn normalize_prefix(prefix: &str) -> Result<String> {
    let trimmed = prefix.trim_start_matches('/');
    let parts: Vec<&str> = trimmed.trim_end_matches('/').split('/').collect();
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if parts.iter().any(|part| part == &"." || part == &"..") {
        bail!("prefix {prefix:?} may not contain . or .. parts");
    }
    if parts.iter().any(|part| part.is_empty()) || trimmed.ends_with("//") {
        bail!("prefix {prefix:?} has an empty part (//); write each folder once");
    }
    if parts.contains(&STATE_FOLDER) {
        bail!("prefix {prefix:?} is inside a {STATE_FOLDER} folder, where svn2s3 keeps its state");
    }
    if prefix.chars().any(char::is_control) {
        bail!("prefix {prefix:?} holds control characters");
    }
    Ok(format!("{}/", parts.join("/")))
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
    use crate::header::Name;

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
        Settings::load(&flags, move |key| {
            env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        })
        .map_err(anyhow::Error::from)
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
        assert_eq!((s.workers.get(), s.max_delete), (4, 10));
        assert_eq!(s.rules.gzip.unwrap().patterns(), ["*.css", "*.js"]);
        assert_eq!(
            (s.rules.headers.first_match("a.css"))
                .and_then(|rule| rule.values.get(Name::CacheControl)),
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
        assert_eq!((s.bucket.as_str(), s.workers.get()), ("flag-bucket", 3));
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
            (s.workers.get(), s.max_delete, s.region.as_str()),
            (64, 256, "us-east-1")
        );
        assert_eq!(s.rules.prefix, "");
        assert_eq!(s.rules.gzip.unwrap().patterns(), DEFAULT_TWINS);
    }

    #[test]
    fn twins_are_switched_on_with_a_bool_or_a_mapping() {
        let s = load(
            "bucket: b\ngzip: true\nbrotli: false\n",
            Flags::default(),
            &[],
        )
        .unwrap();
        assert_eq!(s.rules.gzip.unwrap().patterns(), DEFAULT_TWINS);
        assert!(s.rules.brotli.is_none());
        let err = message(load(
            "bucket: b\ngzip: {enabled: maybe}\n",
            Flags::default(),
            &[],
        ));
        assert!(
            err.contains("svn2s3.yaml:2:17: gzip.enabled: invalid type"),
            "{err}"
        );
        let err = message(load("bucket: b\ngzip: 3\n", Flags::default(), &[]));
        assert!(err.contains("expected true, false, or a mapping"), "{err}");
    }

    #[test]
    fn keys_set_one_by_one_go_over_the_file_and_name_what_is_wrong() {
        let mut builder = Settings::builder("/srv/wc", "b");
        builder.env(|_| None);
        builder.set("prefix", "static").unwrap();
        builder
            .set("cloudfront.distribution", "E2QWRUHAPOMQZL")
            .unwrap();
        builder.set("cloudfront.max_paths", "5").unwrap();
        builder.set("exclude", "['*.psd', 'drafts/**']").unwrap();
        builder.set("bucket", "123").unwrap();
        let s = builder.build().unwrap();
        assert_eq!(s.rules.prefix, "static/");
        let cloudfront = s.cloudfront.unwrap();
        assert_eq!(
            (&cloudfront.distributions[..], cloudfront.max_paths),
            (&["E2QWRUHAPOMQZL".to_owned()][..], 5)
        );
        assert_eq!(cloudfront.index.as_deref(), Some(DEFAULT_INDEX));
        assert!(s.rules.exclude.is_match("drafts/x.html"));
        assert_eq!(
            s.bucket, "b",
            "the bucket given to builder() is a flag, over set keys"
        );
        let err = builder.set("gzip", "{enabled: maybe}").unwrap_err();
        assert!(
            err.to_string()
                .contains("setting gzip to \"{enabled: maybe}\": gzip.enabled: invalid type"),
            "{err}"
        );
    }

    #[test]
    fn cloudfront_names_one_distribution_or_several_and_how_they_serve_the_bucket() {
        let yaml = "bucket: b\ncloudfront:\n  distribution: [E1, E2]\n  index: default.htm\n  \
                    bare_folders: true\n  origin_path: /static/\n";
        let s = load(yaml, Flags::default(), &[]).unwrap();
        let cloudfront = s.cloudfront.unwrap();
        assert_eq!(cloudfront.distributions, ["E1", "E2"]);
        assert_eq!(cloudfront.index.as_deref(), Some("default.htm"));
        assert!(cloudfront.bare_folders);
        assert_eq!(cloudfront.origin_path.as_deref(), Some("/static"));

        // --invalidate names the distributions instead of the file.
        let flags = Flags {
            invalidate: vec!["E3".into()],
            ..Flags::default()
        };
        let s = load(
            "bucket: b\ncloudfront: {distribution: E1, index: ''}\n",
            flags,
            &[],
        )
        .unwrap();
        let cloudfront = s.cloudfront.unwrap();
        assert_eq!(
            (&cloudfront.distributions[..], cloudfront.index),
            (&["E3".to_owned()][..], None)
        );
        assert_eq!(cloudfront.origin_path, None);

        for (yaml, wrong) in [
            (
                "cloudfront: {distribution: E1, origin_path: static}",
                "must start with /",
            ),
            (
                "cloudfront: {distribution: E1, index: a/index.html}",
                "is a file name, without /",
            ),
            (
                "cloudfront: {distribution: [E1, 'E 2']}",
                "\"E 2\" is not a CloudFront distribution ID",
            ),
            (
                "cloudfront: {distribution: {id: E1}}",
                "a distribution ID, or a list of them",
            ),
        ] {
            let err = message(load(&format!("bucket: b\n{yaml}\n"), Flags::default(), &[]));
            assert!(err.contains(wrong), "{yaml}: {err}");
        }
    }

    #[test]
    fn targets_go_over_the_shared_settings_in_the_files_order() {
        let yaml = "bucket: shared\nprefix: site\ngzip: true\ntargets:\n  \
                    zeta: {prefix: staging}\n  alpha: {bucket: prod, gzip: false}\n";
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), yaml).unwrap();
        let flags = |targets: &[&str]| Flags {
            wc: dir.path().to_path_buf(),
            targets: targets.iter().map(|name| name.to_string()).collect(),
            ..Flags::default()
        };
        let load = |targets: &[&str]| Settings::load_targets(&flags(targets), |_| None);
        let all = load(&["all"]).unwrap();
        let names: Vec<&str> = all.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["zeta", "alpha"], "the file's order, not sorted");
        let (zeta, alpha) = (&all[0].1, &all[1].1);
        assert_eq!(
            (zeta.target(), zeta.rules.gzip.is_some()),
            ("s3://shared/staging/".into(), true)
        );
        assert_eq!(
            (alpha.target(), alpha.rules.gzip.is_some()),
            ("s3://prod/site/".into(), false)
        );
        // Named twice, or named and `all`: each once.
        assert_eq!(load(&["alpha", "all", "alpha"]).unwrap().len(), 2);
        // Without --target, the shared settings alone.
        assert_eq!(
            Settings::load(&flags(&[]), |_| None).unwrap().target(),
            "s3://shared/site/"
        );

        let err = format!("{:#}", load(&["beta"]).unwrap_err());
        assert!(
            err.starts_with("--target beta: ")
                && err.ends_with("names no such target; it names zeta, alpha"),
            "{err}"
        );
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "bucket: b\ntargets: {a: {targets: {b: {}}}}\n",
        )
        .unwrap();
        let err = format!("{:#}", load(&["a"]).unwrap_err());
        assert!(
            err.ends_with("targets.a: a target cannot name targets of its own"),
            "{err}"
        );
        std::fs::write(dir.path().join(CONFIG_FILE), "bucket: b\n").unwrap();
        let err = format!("{:#}", load(&["all"]).unwrap_err());
        assert_eq!(err, "--target all: the settings name no targets");
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
        .contains("endpoint: not a URL"));
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
        assert_eq!(normalize_prefix("/").unwrap(), "");
        assert_eq!(normalize_prefix("static").unwrap(), "static/");
        assert_eq!(normalize_prefix("/static/v1/").unwrap(), "static/v1/");
        assert_eq!(normalize_prefix("//static").unwrap(), "static/");
        assert!(normalize_prefix("a/../b").is_err());
        let refused = |prefix| format!("{:#}", normalize_prefix(prefix).unwrap_err());
        assert_eq!(
            refused("a//b"),
            "prefix \"a//b\" has an empty part (//); write each folder once"
        );
        assert!(refused("a//").contains("empty part"));
        assert!(refused(".svn2s3").contains("inside a .svn2s3 folder"));
        assert!(refused("site/.svn2s3/x").contains("inside a .svn2s3 folder"));
        assert!(refused("a\nb").contains("control characters"));
        assert_eq!(normalize_prefix("site.svn2s3").unwrap(), "site.svn2s3/");
    }

    #[test]
    fn endpoints_with_a_user_or_a_password_are_refused_without_echoing_them() {
        let refused = |endpoint: &str| {
            let flags = Flags {
                endpoint: Some(endpoint.into()),
                ..Flags::default()
            };
            message(load("bucket: b\n", flags, &[]))
        };
        for endpoint in [
            "http://u:PASSWORD@127.0.0.1:9",
            "http:u:PASSWORD@127.0.0.1:9",
            "http://u:PASS WORD@127.0.0.1:9",
            "https://PASSWORD@s3.example.com",
        ] {
            let err = refused(endpoint);
            assert!(
                err.contains("carries a user or a password"),
                "{endpoint}: {err}"
            );
            assert!(!err.contains("PASS"), "{endpoint}: {err}");
        }
        for endpoint in ["http://u:PA/SS@127.0.0.1:9", "http://h/sub?x=PASSWORD"] {
            let err = refused(endpoint);
            assert!(
                !err.contains("PASS") && !err.contains("SS@"),
                "{endpoint}: {err}"
            );
        }
        let ok = |endpoint: &str| {
            let flags = Flags {
                endpoint: Some(endpoint.into()),
                ..Flags::default()
            };
            load("bucket: b\n", flags, &[]).unwrap().endpoint.unwrap()
        };
        assert_eq!(ok("http://127.0.0.1:9000/"), "http://127.0.0.1:9000");
        assert_eq!(ok("HTTPS://S3.Example.com"), "https://s3.example.com");
    }

    #[test]
    fn header_rules_are_checked_as_every_header_value() {
        let yaml = "bucket: b\nheaders:\n  - match: '*'\n    cache_control: \"a\\r\\nb\"\n";
        let err = message(load(yaml, Flags::default(), &[]));
        assert!(
            err.contains(
                "svn2s3.yaml: headers[0].cache_control: \"a\\r\\nb\" holds the control character"
            ),
            "{err}"
        );
        let yaml = "bucket: b\nheaders:\n  - match: '*'\n    content_language: français\n";
        assert!(message(load(yaml, Flags::default(), &[])).contains("headers[0].content_language"));
        let yaml =
            "bucket: b\nheaders:\n  - match: '*'\n    cache_control: \"public,  max-age=60\"\n";
        assert!(load(yaml, Flags::default(), &[]).is_ok());
    }

    #[test]
    fn header_rules_set_only_the_headers_rules_may_set() {
        let rule = |line: &str| {
            let yaml = format!("bucket: b\nheaders:\n  - match: '*'\n    {line}\n");
            message(load(&yaml, Flags::default(), &[]))
        };
        assert!(
            rule("expires: Wed, 21 Oct 2026 07:28:00 GMT").contains(
                "svn2s3.yaml: headers[0].expires: a header rule cannot set it; set the property \
                 svn2s3:expires on the files or a folder"
            ),
            "{}",
            rule("expires: x")
        );
        let unknown = rule("cache-control: no-cache");
        assert!(
            unknown.contains(
                "unknown field `cache-control`, expected `match` or one of cache_control, \
                 content_disposition, content_language, expires"
            ),
            "{unknown}"
        );
    }

    #[test]
    fn targets_may_not_be_named_all_nor_overlap() {
        let flags = |targets: &[&str]| Flags {
            targets: targets.iter().map(|name| name.to_string()).collect(),
            ..Flags::default()
        };
        let load = |yaml: &str, targets: &[&str]| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(CONFIG_FILE), yaml).unwrap();
            let flags = Flags {
                wc: dir.path().to_path_buf(),
                ..flags(targets)
            };
            Settings::load_targets(&flags, |_| None).map_err(|err| err.to_string())
        };
        let err = load("bucket: b\ntargets: {all: {}, x: {prefix: x}}\n", &["x"]).unwrap_err();
        assert!(err.ends_with("targets.all: `all` is reserved (`--target all` names every target); rename the target"), "{err}");
        let yaml = "bucket: b\ntargets:\n  outer: {prefix: a}\n  inner: {prefix: a/b}\n  apart: {prefix: ab}\n  other: {prefix: a/b, bucket: c}\n";
        let overlap = "targets outer (s3://b/a/) and inner (s3://b/a/b/) overlap: the second is inside the first";
        // Named together or alone, in either order: one is inside the other.
        for named in [&["all"][..], &["outer"], &["inner"], &["inner", "outer"]] {
            let err = load(yaml, named).unwrap_err();
            assert!(err.starts_with(overlap), "{named:?}: {err}");
        }
        let apart = load(yaml, &["apart", "other"]).unwrap();
        assert_eq!(apart.len(), 2);
        let err = load(
            "bucket: b\ntargets: {a: {prefix: x}, b: {prefix: /x/}}\n",
            &["b"],
        );
        assert_eq!(
            err.unwrap_err(),
            "targets a and b both publish to s3://b/x/; each needs a bucket or prefix of its own"
        );
        // The root holds every prefix of its bucket.
        let err = load(
            "bucket: b\ntargets: {root: {}, site: {prefix: site}}\n",
            &["site"],
        )
        .unwrap_err();
        assert!(
            err.starts_with("targets root (s3://b/) and site (s3://b/site/) overlap"),
            "{err}"
        );
    }
}
