//! svn2s3 publishes a Subversion working copy to S3 by asking Subversion what
//! changed since the last publish and pushing only that.
//!
//! The data flows one way: [`Settings`] -> [`source`] (checks, changes) ->
//! [`plan`] (requests, pure) -> [`publish`](mod@publish) (the bucket) -> [`state`] (written
//! last) -> [`Report`].
#![deny(unsafe_code)]

pub mod bucket;
pub mod config;
pub mod plan;
pub mod publish;
pub mod report;
pub mod source;
pub mod state;
pub mod svn;
pub mod verify;

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};

pub use crate::config::Settings;
pub use crate::report::{Report, StatusReport};
pub use crate::verify::VerifyReport;

use crate::bucket::Bucket;
use crate::plan::Plan;
use crate::source::Source;
use crate::state::State;

/// Marks a failure after the first write: the publish is incomplete, the state
/// still names the last complete one, and the same command finishes the job.
/// Every other error happened before anything was written.
#[derive(Debug, thiserror::Error)]
#[error(
    "publish incomplete, the bucket's state is unchanged; run the same command again to finish"
)]
pub struct Incomplete;

/// Publishes the tree `settings` names (a working copy or a repository URL)
/// and reports what was done.
pub fn publish(settings: &Settings) -> Result<Report> {
    let started = Instant::now();
    let session = Session::open(settings)?;
    let plan = session.plan(settings)?;
    let from = session.state.as_ref().map(|s| s.revision);
    let to = session.source.revision();

    let actions = if settings.dry_run {
        publish::dry_run(&plan)
    } else if plan.is_empty() && from == Some(to) {
        Vec::new()
    } else {
        let done = session
            .runtime
            .block_on(publish::execute(&session.bucket, &plan, settings.workers))
            .context(Incomplete)?;
        let state = State::of(&session.source).to_yaml();
        session
            .runtime
            .block_on(session.bucket.put_bytes(
                &session.state_key,
                state.as_bytes(),
                "application/yaml",
            ))
            .context(Incomplete)?;
        done
    };

    let mut report = Report::new(session.target, from, to, actions, plan.skipped);
    report.dry_run = settings.dry_run;
    report.full = settings.full;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Says what is published, which revision the tree is at, and what a publish would do.
pub fn status(settings: &Settings) -> Result<StatusReport> {
    let session = Session::open(settings)?;
    let plan = session.plan(settings)?;
    Ok(StatusReport {
        target: session.target,
        published: session.state,
        working_copy: session.source.revision(),
        pending_uploads: plan.uploads.len(),
        pending_deletes: plan.delete_count(),
    })
}

/// Compares the bucket with the tree at the published revision, without
/// downloading: every key, and every object's content by MD5.
pub fn verify(settings: &Settings) -> Result<VerifyReport> {
    let session = Session::open(settings)?;
    let Some(state) = &session.state else {
        bail!("nothing is published at {}", session.target);
    };
    let (published, local) = (state.revision, session.source.revision());
    if published != local {
        bail!(
            "the bucket holds r{published} and {} is at r{local}; {} to verify it",
            session.source.name(),
            session.source.how_to_reach(published)
        );
    }
    let expected = plan::plan(&session.source.everything()?, &settings.rules)?
        .uploads
        .into_iter()
        .map(|upload| (upload.key.clone(), upload))
        .collect();
    let prefix = &settings.rules.prefix;
    let ignored = |key: &str| {
        key == session.state_key || settings.rules.exclude.is_match(&key[prefix.len()..])
    };
    let drift = session.runtime.block_on(async {
        let listed = session.bucket.list(prefix).await?;
        verify::compare(&session.bucket, expected, listed, ignored, settings.workers).await
    })?;
    Ok(VerifyReport {
        target: session.target,
        revision: published,
        drift,
    })
}

/// What every command knows before its first write: the tree, the bucket and
/// what it holds, every check passed.
struct Session {
    source: Source,
    runtime: tokio::runtime::Runtime,
    bucket: Arc<Bucket>,
    target: String,
    state_key: String,
    state: Option<State>,
}

impl Session {
    fn open(settings: &Settings) -> Result<Session> {
        let exclude = settings.rules.exclude.clone();
        let source = match settings.url() {
            Some(url) => Source::url(url, settings.source.as_deref(), settings.revision, exclude)?,
            None => Source::working_copy(&settings.wc, settings.source.as_deref(), exclude)?,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let bucket = Arc::new(Bucket::connect(settings)?);
        let target = format!("s3://{}/{}", settings.bucket, settings.rules.prefix);
        let state_key = State::key(&settings.rules.prefix);
        let state = match runtime.block_on(bucket.get(&state_key))? {
            Some(bytes) => Some(State::parse(&bytes, &state_key)?),
            None => None,
        };
        if let Some(state) = &state {
            state.check_continues(&source, &state_key)?;
        }
        Ok(Session {
            source,
            runtime,
            bucket,
            target,
            state_key,
            state,
        })
    }

    /// The requests of a publish, refused when it would delete too much.
    fn plan(&self, settings: &Settings) -> Result<Plan> {
        let changes = match &self.state {
            Some(state) if !settings.full => self.source.changes_since(state.revision)?,
            _ => self.source.everything()?,
        };
        let mut plan = plan::plan(&changes, &settings.rules)?;
        if settings.full {
            let prefix = &settings.rules.prefix;
            let stale = self
                .runtime
                .block_on(self.bucket.list(prefix))?
                .into_iter()
                .map(|listed| listed.key)
                .filter(|key| *key != self.state_key)
                .filter(|key| !settings.rules.exclude.is_match(&key[prefix.len()..]));
            plan.delete_also(stale);
        }
        if plan.delete_count() > settings.max_delete {
            bail!(
                "refusing to delete {} objects, more than --max-delete {}; raise it if that is intended",
                plan.delete_count(),
                settings.max_delete
            );
        }
        Ok(plan)
    }
}
