//! svn2s3 publishes a Subversion working copy to S3 by asking Subversion what
//! changed since the last publish and pushing only that.
//!
//! Other programs use it through a [`Publisher`], made from [`Settings`]
//! built in code, which returns a [`Report`] and tells a callback how the
//! publish is going:
//!
//! ```no_run
//! use svn2s3::{Progress, Publisher, Settings};
//!
//! let mut settings = Settings::new("/srv/site", "media.example.com");
//! settings.region = "eu-west-1".into();
//! let report = Publisher::new(settings)
//!     .on_progress(|event| {
//!         if let Progress::Done(done) = event {
//!             eprintln!("{done}");
//!         }
//!     })
//!     .publish()?;
//! println!("{report}");
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! Inside, the data flows one way: [`Settings`] -> the source (the working
//! copy's checks and changes) -> the [`plan`] (requests, pure) -> the bucket
//! -> the state (written last) -> [`Report`].
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod bucket;
mod budget;
pub mod cloudfront;
pub mod config;
pub mod plan;
mod publish;
mod report;
mod sigv4;
mod source;
mod state;
mod svn;
mod verify;
mod xml;

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use tokio::signal::unix::{signal, Signal, SignalKind};

pub use crate::config::Settings;
pub use crate::plan::Skipped;
pub use crate::publish::{Done, Progress};
pub use crate::report::{Report, StatusReport};
pub use crate::state::{Claim, State};
pub use crate::svn::Revnum;
pub use crate::verify::{Drift, VerifyReport};

use crate::bucket::{Bucket, Cas, Expect};
use crate::cloudfront::Invalidation;
use crate::plan::Plan;
use crate::source::Source;

/// Marks a failure after the first write: the publish is incomplete, the state
/// still names the last complete one, and the same command finishes the job.
/// Every other error happened before anything was written.
#[derive(Debug, thiserror::Error)]
#[error(
    "publish incomplete, the bucket's state is unchanged; run the same command again to finish"
)]
pub struct Incomplete;

/// Marks a failure after a complete publish: the bucket and its state hold
/// the new revision, and only what comes after (the list of paths to
/// invalidate) is missing.
#[derive(Debug, thiserror::Error)]
#[error("published, but not finished")]
pub struct AfterPublish;

/// A publish stopped by a signal, between requests (and as [`Incomplete`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Interrupted {
    /// SIGINT, as Ctrl-C sends.
    #[error("stopped by SIGINT")]
    Interrupt,
    /// SIGTERM, as `kill` and service managers send.
    #[error("stopped by SIGTERM")]
    Terminate,
}

impl Interrupted {
    /// The exit status of a process the signal ended, as shells report it.
    pub fn exit_status(self) -> u8 {
        match self {
            Interrupted::Interrupt => 128 + 2,
            Interrupted::Terminate => 128 + 15,
        }
    }
}

/// Publishes, inspects and verifies one tree in one bucket, as the `svn2s3`
/// command does. Each call opens the tree and the bucket afresh.
pub struct Publisher {
    settings: Settings,
    progress: Box<dyn Fn(Progress<'_>) + Send + Sync>,
}

impl Publisher {
    /// A publisher of what `settings` name, which reports no progress.
    pub fn new(settings: Settings) -> Publisher {
        Publisher {
            settings,
            progress: Box::new(|_| {}),
        }
    }

    /// Calls `progress` as a publish runs: once when its requests start, and
    /// once as each ends. It is called from the thread that runs the
    /// publish, so it should return quickly.
    pub fn on_progress(mut self, progress: impl Fn(Progress<'_>) + Send + Sync + 'static) -> Self {
        self.progress = Box::new(progress);
        self
    }

    /// What it publishes, where, and how.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Publishes the tree (a working copy or a repository URL) and reports
    /// what was done. An error marked [`Incomplete`] (or [`Interrupted`])
    /// came after the first write; any other, before it.
    pub fn publish(&self) -> Result<Report> {
        let settings = &self.settings;
        let started = Instant::now();
        let session = Session::open(settings)?;
        let plan = session.plan(settings)?;
        if let Some(file) = &settings.invalidation_paths {
            // Emptied before the first write: a file that cannot be written
            // stops the publish, and a publish that changes nothing leaves
            // no stale list behind.
            std::fs::write(file, "").with_context(|| format!("writing {}", file.display()))?;
        }
        let from = session.published();
        let to = session.source.revision();
        let cut_off = session
            .state
            .as_ref()
            .is_some_and(|s| s.publishing.is_some());

        let actions = if settings.dry_run {
            publish::dry_run(&plan)
        } else if plan.is_empty() && from == Some(to) && !cut_off {
            Vec::new()
        } else {
            session
                .runtime
                .block_on(session.write(&plan, settings.workers, &*self.progress))?
        };

        let mut report = Report::new(session.target, from, to, actions, plan.skipped);
        report.dry_run = settings.dry_run;
        report.full = settings.full;
        report.invalidation = session
            .runtime
            .block_on(invalidate(settings, &report))
            .context(AfterPublish)?;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Says what is published, which revision the tree is at, and what a
    /// publish would do.
    pub fn status(&self) -> Result<StatusReport> {
        let session = Session::open(&self.settings)?;
        let plan = session.plan(&self.settings)?;
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
    pub fn verify(&self) -> Result<VerifyReport> {
        let settings = &self.settings;
        let session = Session::open(settings)?;
        let Some(published) = session.published() else {
            bail!("nothing is published at {}", session.target);
        };
        let local = session.source.revision();
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
}

/// After a publish that changed something: writes the paths it changed to
/// `invalidation_paths`, and has CloudFront invalidate them, unless this was
/// a dry run. A failed invalidation is reported, not an error: the publish
/// itself is complete.
async fn invalidate(settings: &Settings, report: &Report) -> Result<Option<Invalidation>> {
    if settings.cloudfront.is_none() && settings.invalidation_paths.is_none() {
        return Ok(None);
    }
    let keys: Vec<String> = report
        .actions
        .iter()
        .map(|done| match done {
            Done::Upload { key, .. } | Done::Delete { key } => key.clone(),
        })
        .collect();
    if keys.is_empty() {
        return Ok(None);
    }
    let max_paths = settings
        .cloudfront
        .as_ref()
        .map_or(config::DEFAULT_MAX_PATHS, |cloudfront| cloudfront.max_paths);
    let paths = cloudfront::paths(&keys, max_paths);
    if let Some(file) = &settings.invalidation_paths {
        std::fs::write(file, paths.join("\n") + "\n")
            .with_context(|| format!("writing {}", file.display()))?;
    }
    let Some(cloudfront) = settings.cloudfront.as_ref().filter(|_| !report.dry_run) else {
        return Ok(None);
    };
    let reference = format!(
        "svn2s3-r{}-{}",
        report.to,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos())
    );
    let made = cloudfront::invalidate(&cloudfront.distribution, &paths, &reference).await;
    Ok(Some(Invalidation {
        distribution: cloudfront.distribution.clone(),
        paths,
        id: made.as_ref().ok().cloned(),
        error: made.err().map(|err| format!("{err:#}")),
    }))
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
    /// The state object as read, for the first conditional write.
    read: Expect,
}

impl Session {
    fn open(settings: &Settings) -> Result<Session> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let target = format!("s3://{}/{}", settings.bucket, settings.rules.prefix);
        let state_key = State::key(&settings.rules.prefix);
        // The state's round trip runs while libsvn opens the tree.
        let connected = Bucket::connect(settings).map(|bucket| {
            let bucket = Arc::new(bucket);
            let (reader, key) = (Arc::clone(&bucket), state_key.clone());
            let reading = runtime.spawn(async move { reader.get(&key).await });
            (bucket, reading)
        });
        let exclude = settings.rules.exclude.clone();
        let source = match settings.url() {
            Some(url) => Source::url(url, settings.source.as_deref(), settings.revision, exclude)?,
            None => Source::working_copy(&settings.wc, settings.source.as_deref(), exclude)?,
        };
        if source.revision() == 0 {
            bail!(
                "{} is at r0, where every repository is empty: there is nothing to publish; \
                 commit something first",
                source.name()
            );
        }
        let (bucket, reading) = connected?;
        let found = runtime.block_on(reading).context("reading the state")??;
        let (state, read) = match found {
            Some(found) => (
                Some(State::parse(&found.body, &state_key)?),
                Expect::ETag(found.etag),
            ),
            None => (None, Expect::Absent),
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
            read,
        })
    }

    /// The revision the bucket holds completely, if any.
    fn published(&self) -> Option<Revnum> {
        self.state.as_ref().and_then(|state| state.revision)
    }

    /// The requests of a publish, refused when it would delete too much.
    fn plan(&self, settings: &Settings) -> Result<Plan> {
        let mut changes = match self.published() {
            Some(revision) if !settings.full => self.source.changes_since(revision)?,
            _ => self.source.everything()?,
        };
        // A publish that was cut off may have written some files of its
        // revisions: whatever differs there from this one is published again.
        if !settings.full {
            let to = self.source.revision();
            let unfinished = self.state.as_ref().map_or_else(Vec::new, State::unfinished);
            for revision in unfinished.into_iter().filter(|&rev| rev != to) {
                changes.merge(self.source.changes_since(revision)?);
            }
        }
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

    /// Claims the bucket in the state object, runs the plan while renewing
    /// the claim, then writes the state of the finished publish in its
    /// place. SIGINT and SIGTERM stop the plan between requests; a publish
    /// that stops releases its claim, so that the next one takes over at once.
    async fn write(
        &self,
        plan: &Plan,
        workers: usize,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<Vec<Done>> {
        if let Some(state) = &self.state {
            state.check_unclaimed(&self.target)?;
        }
        let mut stop = Stop::catch()?;
        let claim = State::claim(self.state.as_ref(), &self.source);
        let claimed = self
            .bucket
            .put_if(&self.state_key, claim.to_yaml().as_bytes(), &self.read)
            .await;
        let mut etag = match claimed {
            Ok(Cas::Written(etag)) => etag,
            Ok(Cas::Conflict) => bail!(
                "another publish to {} began at the same moment; run again when it is done",
                self.target
            ),
            // The claim may have landed before its answer was lost.
            Err(err) => return Err(err.context(Incomplete)),
        };

        let outcome = tokio::select! {
            done = publish::execute(&self.bucket, plan, workers, progress) => done.and_then(|done| {
                publish::check_complete(plan, &done)?;
                Ok(done)
            }),
            lost = self.keep(&claim, &mut etag) => Err(lost),
            signal = stop.next() => Err(signal.into()),
        };
        match outcome {
            Ok(done) => {
                let finished = claim.finished(self.source.revision());
                match self.replace(&claim, &finished, &etag).await {
                    Ok(Cas::Written(_)) => Ok(done),
                    Ok(Cas::Conflict) => Err(self.taken_over().context(Incomplete)),
                    Err(err) => Err(err.context(Incomplete)),
                }
            }
            Err(err) => {
                // Best effort, and a second signal does not wait for it: a
                // claim left behind lapses, or its process is seen gone.
                let released = claim.released();
                tokio::select! {
                    _ = self.replace(&claim, &released, &etag) => {}
                    _ = stop.next() => {}
                }
                Err(err.context(Incomplete))
            }
        }
    }

    /// Renews the claim until it cannot; returns why.
    async fn keep(&self, claim: &State, etag: &mut String) -> anyhow::Error {
        loop {
            tokio::time::sleep(state::RENEW_EVERY).await;
            match self.replace(claim, &claim.renewed(), etag).await {
                Ok(Cas::Written(renewed)) => *etag = renewed,
                Ok(Cas::Conflict) => return self.taken_over(),
                Err(err) => return err.context("renewing this publish's claim"),
            }
        }
    }

    /// Writes `state` over this publish's `claim`, last seen with `etag`. A
    /// renewal cut short may have landed unseen: the claim is then found
    /// under another ETag, and written over all the same. A write that failed
    /// without an answer may have landed too: the object then holds `state`.
    async fn replace(&self, claim: &State, state: &State, etag: &str) -> Result<Cas> {
        let body = state.to_yaml();
        let expect = Expect::ETag(etag.to_owned());
        match self
            .bucket
            .put_if(&self.state_key, body.as_bytes(), &expect)
            .await
        {
            Ok(Cas::Written(etag)) => return Ok(Cas::Written(etag)),
            Ok(Cas::Conflict) => {}
            Err(err) => {
                return match self.bucket.get(&self.state_key).await {
                    Ok(Some(found)) if found.body == body.as_bytes() => {
                        Ok(Cas::Written(found.etag))
                    }
                    _ => Err(err),
                }
            }
        }
        let still_ours = match self.bucket.get(&self.state_key).await? {
            Some(found) => State::parse(&found.body, &self.state_key)
                .is_ok_and(|held| held.same_claim(claim))
                .then_some(found.etag),
            None => None,
        };
        match still_ours {
            Some(etag) => {
                self.bucket
                    .put_if(&self.state_key, body.as_bytes(), &Expect::ETag(etag))
                    .await
            }
            None => Ok(Cas::Conflict),
        }
    }

    fn taken_over(&self) -> anyhow::Error {
        anyhow::anyhow!(
            "another publish took over {} while this one ran (this one's claim had lapsed)",
            self.target
        )
    }
}

/// SIGINT and SIGTERM, caught from the first write on.
struct Stop {
    interrupt: Signal,
    terminate: Signal,
}

impl Stop {
    fn catch() -> Result<Stop> {
        Ok(Stop {
            interrupt: signal(SignalKind::interrupt()).context("catching SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("catching SIGTERM")?,
        })
    }

    async fn next(&mut self) -> Interrupted {
        tokio::select! {
            _ = self.interrupt.recv() => Interrupted::Interrupt,
            _ = self.terminate.recv() => Interrupted::Terminate,
        }
    }
}
