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
mod build;
mod cancel;
mod claim;
pub mod cloudfront;
pub mod config;
mod credentials;
mod error;
pub mod header;
mod manifest;
pub mod plan;
mod planner;
mod preview;
mod publish;
mod redact;
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
mod wait;
pub mod website;
mod xml;

use std::time::Instant;

pub use crate::cancel::{Cancel, Stopped};
pub use crate::config::{Flags, Settings, SettingsBuilder};
pub use crate::error::{Error, ErrorKind};
pub use crate::header::HeaderRule;
pub use crate::plan::Skipped;
pub use crate::preview::{ListedPreview, PreviewsReport, PruneReport};
pub use crate::report::{
    human_bytes, Built, Done, Preview, Progress, Report, StatusReport, Unlocked,
};
pub use crate::shape::Shaping;
pub use crate::state::{Build, BuiltFrom, Claim, Event, Hold, State};
pub use crate::verify::{Drift, VerifyReport};

pub use crate::tree::Revnum;

use crate::session::Session;

/// Publishes, inspects and verifies one tree in one bucket, as the `svn2s3`
/// command does. Each call opens the tree and the bucket afresh, and may
/// run on any thread; two publishers of different trees to different
/// buckets may run at once.
pub struct Publisher {
    settings: Settings,
    progress: std::sync::Arc<dyn Fn(Progress<'_>) + Send + Sync>,
    cancel: Cancel,
}

impl Publisher {
    /// A publisher of what `settings` name, which reports no progress.
    pub fn new(settings: Settings) -> Publisher {
        Publisher {
            settings,
            progress: std::sync::Arc::new(|_| {}),
            cancel: Cancel::new(),
        }
    }

    /// Calls `progress` as a publish runs: once when its requests start, and
    /// once as each ends. It is called from the async runtime's threads, so
    /// it should return quickly.
    pub fn on_progress(mut self, progress: impl Fn(Progress<'_>) + Send + Sync + 'static) -> Self {
        self.progress = std::sync::Arc::new(progress);
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
        if let Some(preview) = self.previewed()? {
            return preview.publish();
        }
        let Some(wait) = self.settings.wait else {
            return self.publish_once();
        };
        // Another publish holds the bucket: wait for it, then publish what
        // is newest. A burst of commits so ends in few publishes, none refused.
        wait::while_busy(wait, &wait::Wall, &self.cancel, || {
            let err = match self.publish_once() {
                Err(err) => err,
                done => return done,
            };
            // What the publish waited for published something newer: done.
            match err.is_newer() {
                Some(revision) => {
                    let target = self.settings.target();
                    let none = Default::default();
                    Ok(Report::new(
                        target,
                        Some(revision),
                        revision,
                        none,
                        Vec::new(),
                    ))
                }
                None => Err(err),
            }
        })
    }

    /// One try at [`Publisher::publish`].
    fn publish_once(&self) -> Result<Report, Error> {
        if self.settings.build.is_some() {
            return self.publish_build();
        }
        let started = Instant::now();
        let settings = &self.settings;
        let (session, (planned, website)) = self.opened(|session| {
            // Another publish's claim, or one svn2s3 never writes, stops a
            // publish before it plans; a dry run only looks.
            if let Some(state) = session.state.as_ref().filter(|_| !settings.dry_run) {
                state.check_unclaimed(&session.target)?;
            }
            let planned = session.plan(settings)?;
            session::clear_invalidation_paths(settings)?;
            let website = session::website_change(&session.runtime, &session.bucket, settings)?;
            Ok((planned, website))
        })?;
        let wanted = website.as_ref().map(|(wanted, _)| wanted);
        let (from, to) = (session.published(), session.tree.revision);
        if let Some(stopped) = self.cancel.stopped() {
            return Err(Error::stopped(stopped, false));
        }

        let actions = if settings.dry_run {
            session
                .dry_run(&planned)
                .map_err(|err| self.unwritten(err))?
        } else {
            let moves = !planned.is_empty() || planned.moves_state(session.state.as_ref());
            let between = session::Between {
                settings,
                website: wanted,
                to,
            };
            let write = || session.write(&planned, &between, &*self.progress);
            let (runtime, bucket) = (&session.runtime, &session.bucket);
            self.written(runtime, bucket, from.is_none(), moves, wanted, write)?
        };

        let mut report = Report::new(
            session.target.clone(),
            from,
            to,
            actions,
            planned.plan.skipped().to_vec(),
        );
        report.dry_run = settings.dry_run;
        report.full = settings.full;
        report.walked = planned.walked;
        report.waiting = planned.published.removed.len();
        report.website = website
            .map(|(_, differences)| differences)
            .unwrap_or_default();
        report.preview = (settings.previewing.as_ref()).map(|previewing| report::Preview {
            slug: previewing.slug.clone(),
            url: previewing.url.clone(),
        });
        self.invalidated(report, &session.runtime, &session.bucket, started)
    }

    /// `report` of a publish that is complete, once the CloudFront
    /// invalidations the settings ask for are made; one that failed makes
    /// it [`ErrorKind::NotInvalidated`].
    fn invalidated(
        &self,
        mut report: Report,
        runtime: &tokio::runtime::Runtime,
        bucket: &bucket::Bucket,
        started: Instant,
    ) -> Result<Report, Error> {
        // A publish that wrote invalidated before its deletes.
        let invalidated = match report.invalidated {
            true => Ok(std::mem::take(&mut report.invalidations)),
            false => runtime.block_on(session::invalidate(&self.settings, &report, bucket)),
        };
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
        if let Some(preview) = self.previewed()? {
            return preview.status();
        }
        if self.settings.build.is_some() {
            return self.build_status();
        }
        let (session, (planned, website)) = self.opened(|session| {
            let planned = session.plan(&self.settings)?;
            let website =
                session::website_change(&session.runtime, &session.bucket, &self.settings)?;
            Ok((planned, website))
        })?;
        let plan = &planned.plan;
        Ok(StatusReport {
            target: session.target,
            published: session.state,
            working_copy: session.tree.revision,
            pending_uploads: plan.uploads().len() + planned.streamed.unwrap_or(0),
            pending_redirects: plan.redirects().len(),
            pending_rewrites: plan.rewrites().len(),
            pending_deletes: plan.delete_count(),
            walked: planned.walked,
            build: None,
            website: website
                .map(|(_, differences)| differences)
                .unwrap_or_default(),
        })
    }

    /// Compares the bucket with the tree at the published revision, without
    /// downloading: every key; every file's object by its MD5 and its
    /// headers, and every redirect by where it leads (a HEAD each, but for
    /// what the listing shows is wrong already).
    pub fn verify(&self) -> Result<VerifyReport, Error> {
        if let Some(preview) = self.previewed()? {
            return preview.verify();
        }
        if self.settings.build.is_some() {
            return self.verify_build();
        }
        let (session, drift) = self.opened(|session| session.verify(&self.settings))?;
        Ok(VerifyReport {
            revision: session.tree.revision,
            build: None,
            target: session.target,
            drift,
        })
    }

    /// Releases the claim of a publish that is gone (`svn2s3 unlock`): one
    /// that lapsed, or that svn2s3 never writes; a claim that may still be
    /// held, only when `force`. The claim stays in the state, lapsed, so
    /// that the next publish repairs what its publish may have written;
    /// the state's history says who released it.
    pub fn unlock(&self, force: bool) -> Result<Unlocked, Error> {
        if let Some(preview) = self.previewed()? {
            return preview.unlock(force);
        }
        let unlocked = || {
            let settings = &self.settings;
            let target = settings.target();
            let key = State::key(settings.prefix());
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let bucket = bucket::Bucket::connect(&settings.address(), 1)?;
            let said = |released: Option<Claim>, lapsed: bool| Unlocked {
                target: target.clone(),
                released,
                lapsed,
            };
            runtime.block_on(async {
                let Some(found) = bucket.get(&key, state::MAX_STATE_BYTES).await? else {
                    return anyhow::Ok(said(None, false));
                };
                let state = State::parse(&found.body, &key)?;
                let Some(claim) = state.publishing.clone() else {
                    return Ok(said(None, false));
                };
                // A lease that has ended keeps no publish out: nothing to write.
                if claim.lease_ended() {
                    return Ok(said(Some(claim), true));
                }
                if claim.hold() == state::Hold::Held && !force {
                    anyhow::bail!(
                        "the claim on {target} may still be held: {}, its lease until {}; if \
                         that publish is gone, `svn2s3 unlock --force` releases it",
                        claim.describe(),
                        claim.until
                    );
                }
                let unlocked = state.unlocked(force).to_yaml();
                let expect = bucket::Expect::ETag(found.etag);
                match bucket.put_if(&key, unlocked.as_bytes(), &expect).await? {
                    bucket::Cas::Written(_) => Ok(said(Some(claim), false)),
                    bucket::Cas::Conflict => anyhow::bail!(
                        "the state of {target} changed while it was unlocked; run again"
                    ),
                }
            })
        };
        unlocked().map_err(|err| self.unwritten(err))
    }

    /// Opens a session and does `then` with it: all before the first write.
    fn opened<T>(
        &self,
        then: impl FnOnce(&Session) -> anyhow::Result<T>,
    ) -> Result<(Session, T), Error> {
        let session =
            Session::open(&self.settings, &self.cancel).map_err(|err| self.unwritten(err))?;
        let done = then(&session).map_err(|err| self.unwritten(err))?;
        Ok((session, done))
    }

    /// What the writing phase of a publish (no dry run) did: with nothing
    /// else to write (`moves` false), the bucket's website configuration
    /// (`website`, where it differs); else, once the publishes whose prefix
    /// holds this one were told to leave it alone (by a `first` publish, or
    /// `--full`), what `write` did.
    fn written(
        &self,
        runtime: &tokio::runtime::Runtime,
        bucket: &bucket::Bucket,
        first: bool,
        moves: bool,
        website: Option<&website::Website>,
        write: impl FnOnce() -> Result<report::Tally, error::Unfinished>,
    ) -> Result<report::Tally, Error> {
        if !moves {
            let written = runtime.block_on(session::write_website(bucket, website));
            written.map_err(|err| self.unfinished(error::Unfinished::Incomplete(err)))?;
            return Ok(report::Tally::default());
        }
        if first || self.settings.full {
            session::register_inside(runtime, bucket, &self.settings)
                .map_err(|err| self.unwritten(err))?;
        }
        write().map_err(|unfinished| self.unfinished(unfinished))
    }

    /// A failure before this publish's first write.
    fn unwritten(&self, err: anyhow::Error) -> Error {
        Error::unwritten(err, self.cancel.stopped())
    }

    /// A failure of this publish's writing phase.
    fn unfinished(&self, unfinished: error::Unfinished) -> Error {
        Error::unfinished(unfinished, self.cancel.stopped())
    }
}
