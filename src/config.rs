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

use crate::bucket::{Address, Keys};
pub use crate::bucket::{Addressing, StoreKind};
use crate::error::Error;
use crate::header::{self, HeaderRule};
use crate::plan::{Globs, HeaderRules, Rules};
use crate::tree::{Revnum, STATE_FOLDER};

mod file;
#[cfg(test)]
mod tests;
mod validate;

use file::{ConfigFile, TwinSetting};
use validate::{as_url, overlap, validated};

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
/// The pages, written after every other object (`order:` by default):
/// HTML anywhere, and XML and JSON at the root (sitemaps, feeds, a web
/// app's manifest), which name other objects as a page does.
pub const DEFAULT_PAGES: &[&str] = &["**/*.html", "**/*.htm", "*.xml", "*.json"];
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

/// Which distributions a publish invalidates, how they serve the
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
    /// CloudFront's API (`scheme://host[:port]`), from
    /// `AWS_ENDPOINT_URL_CLOUDFRONT` in the settings' environment; `None`:
    /// AWS's.
    pub endpoint: Option<String>,
}

/// Where previews go below the prefix unless `previews.prefix` says otherwise.
pub const DEFAULT_PREVIEWS: &str = "previews/";

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
    /// A build folder to publish instead of the tree (`build:`).
    pub(crate) build: Option<PathBuf>,
    /// The user's cache folder, where a build's MD5s are kept.
    pub(crate) cache: Option<PathBuf>,
    pub(crate) bucket: String,
    pub(crate) region: String,
    pub(crate) endpoint: Option<String>,
    pub(crate) addressing: Addressing,
    /// What the store takes (`store:`, else found from the endpoint).
    pub(crate) store: StoreKind,
    /// The profile whose keys sign the requests when the environment has
    /// none (`AWS_PROFILE`, else `default`).
    pub(crate) profile: Option<String>,
    /// The access keys the settings' environment gives, if any.
    pub(crate) keys: Option<Keys>,
    pub(crate) rules: Rules,
    pub(crate) workers: NonZeroUsize,
    pub(crate) max_delete: usize,
    /// How long a removed object stays before a publish deletes it
    /// (`keep_removed:`); `None`: deleted at once.
    pub(crate) keep_removed: Option<Duration>,
    pub(crate) dry_run: bool,
    pub(crate) full: bool,
    pub(crate) rollback: bool,
    pub(crate) wait: Option<Duration>,
    pub(crate) cloudfront: Option<CloudFront>,
    pub(crate) invalidation_paths: Option<PathBuf>,
    /// Where branch previews go (`previews:`).
    pub(crate) previews: Previews,
    /// The bucket's website configuration (`website:`), its error page's
    /// key under the prefix; `None`: the bucket's is never read or written.
    pub(crate) website: Option<crate::website::Website>,
    /// `--preview`: the tree is a branch, published as a preview.
    pub(crate) preview: bool,
    /// For the settings of one preview (see [`Settings::for_preview`]):
    /// which, and production's prefix.
    pub(crate) previewing: Option<Previewing>,
}

/// Where branch previews go: under the prefix, `prefix` then one folder
/// per branch, its slug; `url` says where each is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previews {
    /// Below the settings' prefix, ending in `/`: `previews/` by default.
    pub prefix: String,
    /// A URL with `{slug}` in it (`https://{slug}.preview.example.com/`).
    pub url: Option<String>,
}

/// The preview a publish writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Previewing {
    pub slug: String,
    /// Where it is served, `url` with the slug in it.
    pub url: Option<String>,
    /// Production's prefix, which its objects may be copied from.
    pub production: String,
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

    /// A builder of `flags` over the config file they name (else
    /// `svn2s3.yaml` at the root of a working copy, if there is one) over
    /// the process's environment, to set more keys on before it builds:
    /// what a wrapper of the command in another language starts from.
    pub fn with_flags(flags: &Flags) -> Result<SettingsBuilder, Error> {
        Settings::loader(flags, |key| {
            std::env::var(key).ok().filter(|value| !value.is_empty())
        })
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

    /// These settings for the preview `slug` of a branch: its own prefix
    /// (the prefix, the previews' prefix, the slug) and its own state. The
    /// bucket's website configuration is production's to write.
    pub(crate) fn for_preview(&self, slug: &str) -> Settings {
        let prefix = format!("{}{}{slug}/", self.rules.prefix, self.previews.prefix);
        let url = (self.previews.url.as_ref()).map(|url| url.replace("{slug}", slug));
        Settings {
            rules: Rules {
                prefix,
                ..self.rules.clone()
            },
            preview: false,
            website: None,
            previewing: Some(Previewing {
                slug: slug.to_owned(),
                url,
                production: self.rules.prefix.clone(),
            }),
            ..self.clone()
        }
    }

    /// Where branch previews go.
    pub fn previews(&self) -> &Previews {
        &self.previews
    }

    /// The build folder published instead of the tree, if any.
    pub fn build_folder(&self) -> Option<&Path> {
        self.build.as_deref()
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
            profile: self.profile.clone(),
            keys: self.keys.clone(),
            store: self.store,
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
    /// A build folder to publish instead of the tree, over the config file's.
    pub build: Option<PathBuf>,
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
    /// The tree is a branch: publish it as a preview (see [`Previews`]).
    pub preview: bool,
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

    /// Publish the build folder `folder` (a site generator's output) in
    /// place of the tree, whose working copy, if it is one, says where the
    /// build came from.
    pub fn build_folder(&mut self, folder: impl Into<PathBuf>) -> &mut Self {
        self.flags.build = Some(folder.into());
        self
    }

    /// Publish the tree, a branch, as a preview under the previews' prefix.
    pub fn preview(&mut self, on: bool) -> &mut Self {
        self.flags.preview = on;
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
