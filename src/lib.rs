//! svn2s3 publishes a Subversion working copy to S3 by asking Subversion what
//! changed since the last publish and pushing only that.
//!
//! Other programs use it through a [`Publisher`], made from [`Settings`]
//! that cannot be invalid once built, which returns a [`Report`] or a typed
//! [`Error`], tells a callback how the publish is going, and stops when its
//! [`Cancel`] handle says so:
//!
//! ```no_run
//! use svn2s3::{Progress, Publisher, Settings};
//!
//! let settings = Settings::builder("/srv/site", "media.example.com")
//!     .region("eu-west-1")
//!     .build()?;
//! let publisher = Publisher::new(settings).on_progress(|event| {
//!     if let Progress::Done(done) = event {
//!         eprintln!("{done}");
//!     }
//! });
//! let cancel = publisher.cancel_handle(); // cancel.cancel() from another thread
//! match publisher.publish() {
//!     Ok(report) => println!("{report}"),
//!     Err(err) => eprintln!("{err} (exit status {})", err.exit_status()),
//! }
//! # Ok::<(), svn2s3::Error>(())
//! ```
//!
//! The library changes nothing in its host process: no locale, no signal
//! handler, no global state but libsvn's one-time initialisation.
//!
//! Inside, the data flows one way: [`Settings`] -> the source (the working
//! copy's checks and changes) -> the [`plan`] (requests, pure) -> the bucket,
//! under the claim on the state object -> the state (written last) ->
//! [`Report`].
#![warn(missing_docs)]

mod bucket;
mod budget;
mod cancel;
mod claim;
pub mod cloudfront;
pub mod config;
mod error;
pub mod plan;
mod publish;
mod redirect;
mod report;
mod retry;
mod session;
mod shape;
mod sigv4;
mod source;
mod state;
mod svn;
mod tree;
mod verify;
mod xml;

use std::time::{Duration, Instant};

pub use crate::cancel::{Cancel, Stopped};
pub use crate::config::{Flags, Settings, SettingsBuilder};
pub use crate::error::{Error, ErrorKind};
pub use crate::plan::Skipped;
pub use crate::report::{human_bytes, Done, Progress, Report, StatusReport};
pub use crate::shape::{HeaderRecord, Shaping};
pub use crate::state::{Claim, State};
pub use crate::verify::{Drift, VerifyReport};

pub use crate::tree::Revnum;

use crate::session::Session;

/// The longest pause between two looks at a bucket another publish holds.
const MAX_PAUSE: Duration = Duration::from_secs(10);

/// Publishes, inspects and verifies one tree in one bucket, as the `svn2s3`
/// command does. Each call opens the tree and the bucket afresh, and may
/// run on any thread; two publishers of different trees to different
/// buckets may run at once.
pub struct Publisher {
    settings: Settings,
    progress: Box<dyn Fn(Progress<'_>) + Send + Sync>,
    cancel: Cancel,
}

impl Publisher {
    /// A publisher of what `settings` name, which reports no progress.
    pub fn new(settings: Settings) -> Publisher {
        Publisher {
            settings,
            progress: Box::new(|_| {}),
            cancel: Cancel::new(),
        }
    }

    /// Calls `progress` as a publish runs: once when its requests start, and
    /// once as each ends. It is called from the async runtime's threads, so
    /// it should return quickly.
    pub fn on_progress(mut self, progress: impl Fn(Progress<'_>) + Send + Sync + 'static) -> Self {
        self.progress = Box::new(progress);
        self
    }

    /// Stops this publisher's publishes through `cancel` (by default a handle
    /// of its own, see [`Publisher::cancel_handle`]).
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    /// The handle that stops a publish of this publisher, from any thread.
    pub fn cancel_handle(&self) -> Cancel {
        self.cancel.clone()
    }

    /// What it publishes, where, and how.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Publishes the tree (a working copy or a repository URL) and reports
    /// what was done. The error's [`ErrorKind`] says whether anything was
    /// written; a publish that is complete but could not be invalidated
    /// comes back as [`ErrorKind::NotInvalidated`], its report inside.
    pub fn publish(&self) -> Result<Report, Error> {
        let Some(wait) = self.settings.wait else {
            return self.publish_once();
        };
        // Another publish holds the bucket: wait for it, then publish what
        // is newest. A burst of commits so ends in few publishes, none refused.
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(500);
        loop {
            let err = match self.publish_once() {
                Err(err) => err,
                done => return done,
            };
            // What the publish waited for published something newer: done.
            if let Some(revision) = err.is_newer() {
                let target = self.settings.target();
                return Ok(Report::new(
                    target,
                    Some(revision),
                    revision,
                    Default::default(),
                    Vec::new(),
                ));
            }
            if !err.is_busy() || Instant::now() >= deadline {
                return Err(err);
            }
            tracing::warn!("{err}; waiting");
            let until = (Instant::now() + pause).min(deadline);
            while Instant::now() < until {
                if let Some(stopped) = self.cancel.stopped() {
                    return Err(Error::stopped(stopped, false));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    /// One try at [`Publisher::publish`].
    fn publish_once(&self) -> Result<Report, Error> {
        let started = Instant::now();
        let settings = &self.settings;
        let (session, planned) = self.opened(|session| {
            let planned = session.plan(settings)?;
            session::clear_invalidation_paths(settings)?;
            Ok(planned)
        })?;
        let (from, to) = (session.published(), session.tree.revision);
        if let Some(stopped) = self.cancel.stopped() {
            return Err(Error::stopped(stopped, false));
        }

        let actions = if settings.dry_run {
            session
                .dry_run(&planned)
                .map_err(|err| self.classify(err))?
        } else if planned.is_empty() && !planned.moves_state(session.state.as_ref()) {
            Default::default()
        } else {
            session
                .write(&planned, &*self.progress)
                .map_err(|err| self.classify(err))?
        };

        let mut report = Report::new(
            session.target.clone(),
            from,
            to,
            actions,
            planned.plan.skipped,
        );
        report.dry_run = settings.dry_run;
        report.full = settings.full;
        report.walked = planned.walked;
        let invalidated =
            session
                .runtime
                .block_on(session::invalidate(settings, &report, &session.bucket));
        report.seconds = started.elapsed().as_secs_f64();
        match invalidated {
            Ok(invalidations) => report.invalidations = invalidations,
            Err(err) => {
                return Err(Error::not_invalidated(
                    report,
                    err.context("published, but not finished"),
                ))
            }
        }
        let failed: Vec<String> = report
            .invalidations
            .iter()
            .filter_map(|made| Some(format!("{}: {}", made.distribution, made.error.as_ref()?)))
            .collect();
        let why = match &failed[..] {
            [] => return Ok(report),
            // One distribution: it is named in the report's line already.
            [one] if report.invalidations.len() == 1 => one
                .split_once(": ")
                .map_or(one.clone(), |(_, error)| error.to_owned()),
            failed => failed.join("; "),
        };
        Err(Error::not_invalidated(
            report,
            anyhow::anyhow!("published, but not invalidated: {why}"),
        ))
    }

    /// Says what is published, which revision the tree is at, and what a
    /// publish would do.
    pub fn status(&self) -> Result<StatusReport, Error> {
        let (session, planned) = self.opened(|session| session.plan(&self.settings))?;
        let plan = &planned.plan;
        Ok(StatusReport {
            target: session.target,
            published: session.state,
            working_copy: session.tree.revision,
            pending_uploads: plan.uploads.len()
                + planned
                    .streamed
                    .as_ref()
                    .map_or(0, |streamed| streamed.objects),
            pending_redirects: plan.redirects.len(),
            pending_rewrites: plan.rewrites.len(),
            pending_deletes: plan.delete_count(),
            walked: planned.walked,
        })
    }

    /// Compares the bucket with the tree at the published revision, without
    /// downloading: every key, and every object's content by MD5.
    pub fn verify(&self) -> Result<VerifyReport, Error> {
        let settings = &self.settings;
        let (session, drift) = self.opened(|session| {
            let Some(published) = session.published() else {
                anyhow::bail!("nothing is published at {}", session.target);
            };
            let tree = &session.tree;
            if published != tree.revision {
                anyhow::bail!(
                    "the bucket holds r{published} and {} is at r{}; {} to verify it",
                    tree.name,
                    tree.revision,
                    tree.how_to_reach(published)
                );
            }
            let rules = plan::Rules {
                inherited: session.source.inherited()?,
                ..settings.rules.clone()
            };
            let mut expected = plan::plan(&session.source.everything()?, &rules)?.uploads;
            for (old, new) in session.state.iter().flat_map(|state| &state.redirects) {
                expected.push(plan::moved_redirect(old, new, &rules)?);
            }
            let ignored =
                |key: &str| key == session.state_key || settings.rules.is_excluded_key(key);
            session.runtime.block_on(async {
                let listed = session.bucket.list(&settings.rules.prefix).await?;
                verify::compare(&session.bucket, expected, listed, ignored).await
            })
        })?;
        Ok(VerifyReport {
            revision: session.tree.revision,
            target: session.target,
            drift,
        })
    }

    /// Opens a session and does `then` with it: all before the first write.
    fn opened<T>(
        &self,
        then: impl FnOnce(&Session) -> anyhow::Result<T>,
    ) -> Result<(Session, T), Error> {
        let session =
            Session::open(&self.settings, &self.cancel).map_err(|err| self.classify(err))?;
        let done = then(&session).map_err(|err| self.classify(err))?;
        Ok((session, done))
    }

    fn classify(&self, err: anyhow::Error) -> Error {
        Error::classify(err, self.cancel.stopped())
    }
}
