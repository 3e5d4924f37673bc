//! svn2s3 publishes a Subversion working copy to S3 by asking Subversion what
//! changed since the last publish and pushing only that.
//!
//! The data flows one way: [`Settings`] -> [`wc`] (checks, changes) ->
//! [`plan`] (requests, pure) -> [`publish`] (the bucket) -> [`state`] (written
//! last) -> [`Report`].
#![deny(unsafe_code)]

pub mod bucket;
pub mod config;
pub mod plan;
pub mod publish;
pub mod report;
pub mod state;
pub mod svn;
pub mod wc;

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};

pub use crate::config::Settings;
pub use crate::report::{Report, StatusReport};

use crate::bucket::Bucket;
use crate::plan::Plan;
use crate::publish::Done;
use crate::state::State;
use crate::wc::WorkingCopy;

/// Marks a failure after the first write: the publish is incomplete, the state
/// still names the last complete one, and the same command finishes the job.
/// Every other error happened before anything was written.
#[derive(Debug, thiserror::Error)]
#[error(
    "publish incomplete, the bucket's state is unchanged; run the same command again to finish"
)]
pub struct Incomplete;

/// Publishes the working copy of `settings` and reports what was done.
pub fn publish(settings: &Settings) -> Result<Report> {
    let started = Instant::now();
    let run = Run::prepare(settings)?;
    let from = run.state.as_ref().map(|s| s.revision);
    let to = run.wc.revision();

    let actions = if settings.dry_run {
        run.plan
            .clear
            .iter()
            .map(|key| Done::Delete { key: key.clone() })
            .chain(run.plan.uploads.iter().map(Done::planned))
            .chain(
                run.plan
                    .deletes
                    .iter()
                    .map(|key| Done::Delete { key: key.clone() }),
            )
            .collect()
    } else if run.plan.is_empty() && from == Some(to) {
        Vec::new()
    } else {
        let done = run
            .runtime
            .block_on(publish::execute(&run.bucket, &run.plan, settings.workers))
            .context(Incomplete)?;
        let state = State::of(&run.wc).to_yaml();
        run.runtime
            .block_on(
                run.bucket
                    .put_bytes(&run.state_key, state.as_bytes(), "application/yaml"),
            )
            .context(Incomplete)?;
        done
    };

    let mut report = Report::new(run.target, from, to, actions, run.plan.skipped);
    report.dry_run = settings.dry_run;
    report.full = settings.full;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Says what is published, where the working copy is, and what a publish would do.
pub fn status(settings: &Settings) -> Result<StatusReport> {
    let run = Run::prepare(settings)?;
    Ok(StatusReport {
        target: run.target,
        published: run.state,
        working_copy: run.wc.revision(),
        pending_uploads: run.plan.uploads.len(),
        pending_deletes: run.plan.delete_count(),
    })
}

/// Everything known before the first write: checks passed, plan made.
struct Run {
    wc: WorkingCopy,
    runtime: tokio::runtime::Runtime,
    bucket: Arc<Bucket>,
    target: String,
    state_key: String,
    state: Option<State>,
    plan: Plan,
}

impl Run {
    fn prepare(settings: &Settings) -> Result<Run> {
        let wc = WorkingCopy::open(
            &settings.wc,
            settings.source.as_deref(),
            settings.rules.exclude.clone(),
        )?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let bucket = Arc::new(Bucket::connect(settings)?);
        let prefix = &settings.rules.prefix;
        let target = format!("s3://{}/{prefix}", settings.bucket);
        let state_key = State::key(prefix);

        let state = match runtime.block_on(bucket.get(&state_key))? {
            Some(bytes) => Some(State::parse(&bytes, &state_key)?),
            None => None,
        };
        if let Some(state) = &state {
            state.check_continues(&wc, &state_key)?;
        }
        let changes = match &state {
            Some(state) if !settings.full => wc.changes_since(state.revision)?,
            _ => wc.everything()?,
        };
        let mut plan = plan::plan(&changes, &settings.rules)?;
        if settings.full {
            let stale = runtime
                .block_on(bucket.keys(prefix))?
                .into_iter()
                .filter(|key| *key != state_key)
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
        Ok(Run {
            wc,
            runtime,
            bucket,
            target,
            state_key,
            state,
            plan,
        })
    }
}
