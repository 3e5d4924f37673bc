//! The command line as clap parses it. What it means is decided in
//! `svn2s3::config`; this file only says what may be typed.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};
use svn2s3::config::Flags;

#[derive(Debug, Parser)]
#[command(
    name = "svn2s3",
    version,
    about = "Publish a Subversion working copy to S3, pushing only what changed since the last publish",
    long_about = "Publish a Subversion working copy to S3, or any S3-compatible store, pushing only \
        what changed since the last publish.\n\n\
        svn2s3 asks Subversion which files changed between the revision the bucket holds and the \
        working copy's, uploads and deletes only those, and records the new revision in the \
        bucket itself (<prefix>.svn2s3/state.yaml), so that it runs the same from any machine \
        with a checkout. A failed run never advances that revision: run the same command again."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Publish the working copy's changes since the last publish
    Publish(PublishArgs),
    /// Show the published revision, the working copy's revision, and what a publish would do
    Status(Common),
    /// Compare the bucket with the tree at the published revision (exit 1 when they differ)
    Verify(Common),
    /// Release the claim of a publish that is gone, so that the next one need not wait for it
    Unlock(UnlockArgs),
    /// List the branch previews in the bucket (slug, branch, revision, when, URL)
    Previews(Common),
    /// Remove every preview whose branch is gone from the repository WC belongs to
    Prune(PruneArgs),
    /// Print a post-commit hook that publishes each commit in the background (its comments say how)
    HookScript,
    /// Print the shell completion script for SHELL
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Write the man pages (svn2s3.1, svn2s3-publish.1, ...) into DIR
    #[command(hide = true)]
    Man {
        /// An existing folder
        dir: PathBuf,
    },
}

/// Where to publish from and to, and how to report: shared by every command.
#[derive(Debug, Args)]
pub struct Common {
    /// The working copy, a folder of one, or a repository URL (svn://, https://, file://)
    #[arg(value_name = "WC", default_value = ".")]
    pub wc: PathBuf,
    /// From a URL: the revision to read [default: HEAD]; a working copy has its own
    #[arg(short, long, value_name = "N")]
    pub revision: Option<u64>,
    /// Read settings from FILE [default: WC/svn2s3.yaml, if it exists]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Publish the build folder DIR (a site generator's output) instead of the tree; WC says what it was built from
    #[arg(long, value_name = "DIR")]
    pub build: Option<PathBuf>,
    /// The bucket to publish to
    #[arg(long, value_name = "NAME")]
    pub bucket: Option<String>,
    /// Put every key under this prefix ("" is the bucket's root)
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,
    /// An S3-compatible endpoint, reached with path-style requests [env: AWS_ENDPOINT_URL]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// The bucket's region [env: AWS_REGION, AWS_DEFAULT_REGION, the profile's region] [default: us-east-1]
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Name the bucket in the host (virtual) or the path; auto: virtual on AWS unless the name has a dot
    #[arg(long, value_name = "STYLE", value_parser = ["auto", "virtual", "path"])]
    pub addressing: Option<String>,
    /// Gzip twins of text assets are published (css/site.css -> css/site.gz.css)
    #[arg(long)]
    pub gzip: bool,
    /// Brotli twins of text assets are published (css/site.css -> css/site.br.css)
    #[arg(long)]
    pub brotli: bool,
    /// A file moved with history leaves a redirect at its old key; symbolic links become redirects
    #[arg(long)]
    pub redirects: bool,
    /// The tree is a branch: publish it as a preview, under the previews' prefix (see previews:)
    #[arg(long)]
    pub preview: bool,
    /// Use the settings of this target of the config file (repeatable; `all`: every target)
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
    /// Print the report as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Print nothing but errors
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more: -v names each request, -vv also each retry
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    #[command(flatten)]
    pub common: Common,
    /// Requests in flight at once [default: 64]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
    /// Say what would be uploaded and deleted; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Upload every file, and delete every key under the prefix the tree does not have
    #[arg(long)]
    pub full: bool,
    /// Publish a revision older than the bucket's (a working copy updated back, or --revision)
    #[arg(long)]
    pub rollback: bool,
    /// While another publish holds the bucket, wait for it (up to SECONDS, default 300, at most a day), then publish
    #[arg(long, value_name = "SECONDS", require_equals = true, value_parser = clap::value_parser!(u64).range(..=MAX_WAIT))]
    pub wait: Option<Option<u64>>,
    /// Refuse to publish when more than N objects would be deleted [default: 256]
    #[arg(long, value_name = "N")]
    pub max_delete: Option<usize>,
    /// Invalidate what changed in this CloudFront distribution, before the deletes (repeatable)
    #[arg(long, value_name = "DISTRIBUTION_ID")]
    pub invalidate: Vec<String>,
    /// Write the paths to invalidate into FILE, one per line
    #[arg(long, value_name = "FILE")]
    pub invalidation_paths: Option<PathBuf>,
}

/// The longest `--wait`, in seconds: a day.
const MAX_WAIT: u64 = 86_400;

#[derive(Debug, Args)]
pub struct UnlockArgs {
    #[command(flatten)]
    pub common: Common,
    /// Release the claim even if its publish may still be running
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    #[command(flatten)]
    pub common: Common,
    /// Say which previews would be removed; delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Refuse to prune when more than N objects would be deleted [default: 256]
    #[arg(long, value_name = "N")]
    pub max_delete: Option<usize>,
    /// After pruning, invalidate what was deleted in this CloudFront distribution (repeatable)
    #[arg(long, value_name = "DISTRIBUTION_ID")]
    pub invalidate: Vec<String>,
}

impl PruneArgs {
    pub fn flags(&self) -> Flags {
        Flags {
            dry_run: self.dry_run,
            max_delete: self.max_delete,
            invalidate: self.invalidate.clone(),
            ..self.common.flags()
        }
    }
}

impl Command {
    /// The options of a command that opens a tree and a bucket.
    pub fn common(&self) -> Option<&Common> {
        match self {
            Command::Publish(args) => Some(&args.common),
            Command::Unlock(args) => Some(&args.common),
            Command::Prune(args) => Some(&args.common),
            Command::Previews(common) => Some(common),
            Command::Status(common) | Command::Verify(common) => Some(common),
            Command::HookScript | Command::Completions { .. } | Command::Man { .. } => None,
        }
    }
}

impl Common {
    pub fn flags(&self) -> Flags {
        Flags {
            wc: self.wc.clone(),
            revision: self.revision,
            config: self.config.clone(),
            build: self.build.clone(),
            bucket: self.bucket.clone(),
            prefix: self.prefix.clone(),
            endpoint: self.endpoint.clone(),
            region: self.region.clone(),
            addressing: self.addressing.as_deref().map(|style| {
                style
                    .parse()
                    .expect("clap lets through the styles Addressing parses")
            }),
            gzip: self.gzip,
            brotli: self.brotli,
            redirects: self.redirects,
            preview: self.preview,
            targets: self.targets.clone(),
            ..Flags::default()
        }
    }
}

impl PublishArgs {
    pub fn flags(&self) -> Flags {
        Flags {
            workers: self.workers.map(usize::from),
            max_delete: self.max_delete,
            invalidate: self.invalidate.clone(),
            invalidation_paths: self.invalidation_paths.clone(),
            dry_run: self.dry_run,
            full: self.full,
            rollback: self.rollback,
            wait: self.wait.map(|seconds| {
                seconds.map_or(svn2s3::config::DEFAULT_WAIT, std::time::Duration::from_secs)
            }),
            ..self.common.flags()
        }
    }
}
