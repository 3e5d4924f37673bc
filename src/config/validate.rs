//! The settings merged (flags over the file over the environment) and
//! every value checked, once.

use super::*;
use crate::header::checksum::Checksum;

/// Merges `flags` over `file` over `env`, and checks every value.
pub(super) fn validated(
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
    // A flag's folder is the shell's; the file's is beside the file (made
    // so when the file was read).
    let build = match (&flags.build, file.build) {
        (Some(flag), _) => Some(check_build(flag).context("--build")?),
        (None, Some(folder)) => Some(check_build(&folder).with_context(|| from_file("build"))?),
        (None, None) => None,
    };
    if let Some(build) = &build {
        if as_url(&flags.wc).is_some() {
            bail!(
                "{} is a build folder, published from disk: the tree must be a working copy (or \
                 none), not a repository URL",
                build.display()
            );
        }
        if source.is_some() {
            bail!(
                "{}: publishes a folder of the working copy, and a build folder is published \
                 instead; set one of `source:` and `build:`",
                from_file("source")
            );
        }
        if flags.rollback {
            bail!("--rollback publishes an older revision of a tree; a build folder has none");
        }
    }
    let website = match file.website {
        Some(mut website) => {
            website.check().with_context(|| from_file("website"))?;
            // The error page is a file of the published folder.
            website.error = (website.error.take()).map(|error| format!("{prefix}{error}"));
            Some(website)
        }
        None => None,
    };
    let checksum = (file.checksum.as_deref())
        .map(|text| {
            Checksum::parse(text).map_err(|why| anyhow!("{}: {why}", from_file("checksum")))
        })
        .transpose()?
        .flatten();
    let storage = crate::plan::Storage {
        storage_class: file.storage_class.clone(),
        sse: file.sse.clone(),
        sse_kms_key_id: file.sse_kms_key_id.clone(),
        checksum,
    };
    if let Err(why) = storage.check() {
        bail!("{}", from_file(&why));
    }
    let keep_removed = (file.keep_removed.as_deref())
        .map(|text| parse_duration(text).with_context(|| from_file("keep_removed")))
        .transpose()?;
    let previews_config = file.previews.unwrap_or_default();
    let previews = Previews {
        prefix: match previews_config.prefix {
            Some(prefix) => match normalize_prefix(&prefix) {
                // Previews beside production's own folders would overwrite
                // them, and production would take them for nested publishes.
                Ok(prefix) if prefix.is_empty() => bail!(
                    "{}: is empty; previews need a folder of their own, such as `previews/`",
                    from_file("previews.prefix")
                ),
                prefix => prefix.with_context(|| from_file("previews.prefix"))?,
            },
            None => DEFAULT_PREVIEWS.to_owned(),
        },
        url: previews_config
            .url
            .map(|url| check_preview_url(&url).with_context(|| from_file("previews.url")))
            .transpose()?,
    };
    if flags.preview && build.is_some() {
        bail!("--preview publishes a branch of the repository; a build folder is no branch");
    }
    let cache = env("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|folder| folder.is_absolute())
        .or_else(|| Some(PathBuf::from(env("HOME")?).join(".cache")))
        .filter(|folder| folder.is_absolute());
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
    if let Some(pattern) = (file.order.iter().flatten()).find(|pattern| pattern.starts_with('/')) {
        bail!(
            "{}: {pattern:?} starts with /, and matches nothing: patterns match paths of the \
             published folder, such as **/*.html",
            from_file("order")
        );
    }
    let pages = match file.order {
        Some(patterns) => Globs::rooted(&patterns),
        None => Globs::rooted(DEFAULT_PAGES),
    };
    let pages = pages.with_context(|| from_file("order"))?;
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
    // Read, and checked, only where there is something to invalidate.
    let cloudfront_endpoint = env("AWS_ENDPOINT_URL_CLOUDFRONT")
        .filter(|_| !distributions.is_empty())
        .map(|value| check_endpoint(&value).context("AWS_ENDPOINT_URL_CLOUDFRONT"))
        .transpose()?;
    let cloudfront = (!distributions.is_empty()).then(|| CloudFront {
        distributions,
        max_paths,
        index,
        bare_folders: cloudfront_config.bare_folders.unwrap_or(false),
        origin_path,
        endpoint: cloudfront_endpoint,
    });
    // What the store refuses is left out, and said so once.
    let store = file.store.unwrap_or_default().at(endpoint.as_deref());
    let mut storage = storage;
    let mut acl = file.acl;
    let mut left = store.leave_out(&mut storage, &mut acl);
    let mut rules = file.headers.unwrap_or_default();
    for rule in &mut rules {
        left.extend(store.leave_out(&mut rule.storage, &mut None));
    }
    left.sort_unstable();
    left.dedup();
    if !left.is_empty() {
        tracing::warn!(
            "s3://{bucket} is in {store}, which takes no {}: left out",
            left.join(", ")
        );
    }
    for (i, rule) in rules.iter().enumerate() {
        // What the files it matches are stored as, the target's settings under it.
        if let Err(why) = rule.storage.over(&storage).check() {
            bail!("{}", from_file(&format!("headers[{i}].{why}")));
        }
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
        build,
        cache,
        bucket,
        region,
        endpoint,
        addressing: flags.addressing.or(file.addressing).unwrap_or_default(),
        store,
        profile: env("AWS_PROFILE"),
        keys: Keys::from_env(env),
        rules: Rules {
            prefix,
            exclude,
            pages,
            gzip,
            brotli,
            headers,
            acl,
            storage,
            redirects: flags.redirects || file.redirects.unwrap_or(false),
            inherited: Default::default(),
        },
        workers,
        max_delete: flags
            .max_delete
            .or(file.max_delete)
            .unwrap_or(DEFAULT_MAX_DELETE),
        keep_removed,
        dry_run: flags.dry_run,
        full: flags.full,
        rollback: flags.rollback,
        wait: flags.wait,
        cloudfront,
        invalidation_paths: flags.invalidation_paths.clone(),
        previews,
        website,
        preview: flags.preview,
        previewing: None,
    })
}

/// Why the targets `a` and `b` cannot both be published, if they cannot: the
/// same bucket at the same endpoint, one prefix the other or inside it.
pub(super) fn overlap(a: &str, one: &Settings, b: &str, other: &Settings) -> Option<anyhow::Error> {
    if (&one.endpoint, &one.bucket) != (&other.endpoint, &other.bucket) {
        return None;
    }
    if one.website.is_some() && other.website.is_some() && one.website != other.website {
        return Some(anyhow!(
            "targets {a} and {b} both set `website:` for s3://{}, differently (an error page is \
             under each one's prefix): a bucket has one website configuration; set it in one \
             target only",
            one.bucket
        ));
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

/// The `region` of the profile in the AWS config file, as aws cli reads it:
/// `AWS_CONFIG_FILE` or `~/.aws/config`, the profile `AWS_PROFILE` or
/// `default`, whose section is `[default]` or `[profile NAME]`.
pub(super) fn profile_region(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let path = env("AWS_CONFIG_FILE")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(env("HOME")?).join(".aws/config")))?;
    let text = std::fs::read_to_string(path).ok()?;
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".to_owned());
    ini_value(&text, &profile, "region")
}

/// The value of `key` in the profile's section of an AWS config file.
pub(super) fn ini_value(text: &str, profile: &str, key: &str) -> Option<String> {
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
pub(super) fn as_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|text| {
        text.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+')
        })
    })
}

pub(super) fn check_bucket(bucket: &str) -> Result<()> {
    if bucket.is_empty() {
        bail!("the bucket name is empty");
    }
    // S3's names are lowercase letters, digits, dots and hyphens; other
    // stores take more (capitals, underscores), but none a control
    // character, a space, a slash or anything outside ASCII.
    let odd = |c: char| !c.is_ascii_graphic() || c == '/';
    if bucket.len() > 255 || bucket.contains(odd) {
        bail!("{bucket:?} is not a bucket name");
    }
    Ok(())
}

/// The endpoint `text` names, as `scheme://host[:port]`. The value is
/// never echoed whole, since it may carry a password: an endpoint with a
/// user or a password is refused (requests are signed with the AWS
/// credentials, and a user in the URL would reach the Host header).
pub(super) fn check_endpoint(text: &str) -> Result<String> {
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
pub(super) fn normalize_prefix(prefix: &str) -> Result<String> {
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

/// A preview's URL template: an http(s) URL with `{slug}` in it.
pub(super) fn check_preview_url(url: &str) -> Result<String> {
    if !url.contains("{slug}") {
        bail!("{url:?} has no {{slug}}, where each preview's name goes");
    }
    let sample = url.replace("{slug}", "slug");
    let parsed = url::Url::parse(&sample).map_err(|err| anyhow!("{url:?} is not a URL ({err})"))?;
    if !matches!(parsed.scheme(), "http" | "https") || url.chars().any(|c| c.is_whitespace()) {
        bail!("{url:?} is not an http:// or https:// URL");
    }
    Ok(url.to_owned())
}

/// The longest `keep_removed:`: a year.
const MOST_KEPT: Duration = Duration::from_secs(366 * 24 * 3600);

/// A duration as `keep_removed:` takes it: a whole number and a unit,
/// `s`, `m`, `h` or `d` (`90s`, `15m`, `1h`, `2d`).
pub(super) fn parse_duration(text: &str) -> Result<Duration> {
    let unit_at = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(unit_at);
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 24 * 3600,
        _ => bail!("{text:?} is not a duration such as 90s, 15m, 1h or 2d"),
    };
    let number: u64 = (number.parse().ok())
        .ok_or_else(|| anyhow!("{text:?} is not a duration such as 90s, 15m, 1h or 2d"))?;
    let duration = Duration::from_secs(number.saturating_mul(seconds));
    if duration.is_zero() || duration > MOST_KEPT {
        bail!("{text:?} is not between 1s and a year (366d); leave keep_removed out to delete at once");
    }
    Ok(duration)
}

pub(super) fn check_build(folder: &Path) -> Result<PathBuf> {
    if folder.as_os_str().is_empty() {
        bail!("the build folder is empty: name a folder");
    }
    Ok(folder.to_path_buf())
}

pub(super) fn check_source(source: &Path) -> Result<PathBuf> {
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
