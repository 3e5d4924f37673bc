//! `publish`, `status` and `verify` of a build folder, as [`Publisher`]
//! runs them: the same steps as for a tree, on a build's session.

use std::time::Instant;

use super::Session;
use crate::error::Error;
use crate::report::{Built, Report, StatusReport};
use crate::verify::VerifyReport;
use crate::{session, Publisher};

impl Publisher {
    /// One try at [`Publisher::publish`] of a build folder.
    pub(crate) fn publish_build(&self) -> Result<Report, Error> {
        let started = Instant::now();
        let settings = &self.settings;
        let (session, planned) = self.opened_build(|session| {
            // Another publish's claim stops a publish before it plans; a
            // dry run only looks.
            if let Some(state) = session.state.as_ref().filter(|_| !settings.dry_run) {
                state.check_unclaimed(&session.target)?;
            }
            let planned = session.plan(settings)?;
            for note in &planned.notes {
                tracing::warn!("{} {note}", session.target);
            }
            session::clear_invalidation_paths(settings)?;
            let website = session::website_change(&session.runtime, &session.bucket, settings)?;
            Ok((planned, website))
        })?;
        let (planned, website) = planned;
        let wanted = website.as_ref().map(|(wanted, _)| wanted);
        if let Some(stopped) = self.cancel.stopped() {
            return Err(Error::stopped(stopped, false));
        }
        let from = session.published();
        let moves = !planned.is_empty() || session.moves_state(&planned, settings);
        let actions = if settings.dry_run {
            session
                .dry_run(&planned, settings)
                .map_err(|err| self.unwritten(err))?
        } else {
            let write = || session.write(&planned, settings, wanted, &*self.progress);
            let (runtime, bucket) = (&session.runtime, &session.bucket);
            self.written(runtime, bucket, from.is_none(), moves, wanted, write)?
        };
        let to = match moves {
            true => from.unwrap_or(0) + 1,
            false => from.unwrap_or(0),
        };
        let skipped = planned.plan.skipped().to_vec();
        let mut report = Report::new(session.target.clone(), from, to, actions, skipped);
        report.build = Some(Built {
            folder: session.folder(),
            built_from: session.from.clone(),
        });
        report.dry_run = settings.dry_run;
        report.full = settings.full;
        report.waiting = planned.waiting();
        report.website = website
            .map(|(_, differences)| differences)
            .unwrap_or_default();
        self.invalidated(report, &session.runtime, &session.bucket, started)
    }

    /// [`Publisher::status`] of a build folder.
    pub(crate) fn build_status(&self) -> Result<StatusReport, Error> {
        let (session, (planned, website)) = self.opened_build(|session| {
            let planned = session.plan(&self.settings)?;
            let website =
                session::website_change(&session.runtime, &session.bucket, &self.settings)?;
            Ok((planned, website))
        })?;
        let plan = &planned.plan;
        Ok(StatusReport {
            target: session.target.clone(),
            working_copy: session.from.as_ref().map_or(0, |from| from.revision),
            build: Some(session.folder()),
            published: session.state,
            pending_uploads: planned.writes,
            pending_redirects: plan.redirects().len(),
            pending_rewrites: 0,
            pending_deletes: plan.delete_count(),
            walked: None,
            website: website
                .map(|(_, differences)| differences)
                .unwrap_or_default(),
        })
    }

    /// [`Publisher::verify`] of a build folder: the bucket compared with
    /// what the folder holds now.
    pub(crate) fn verify_build(&self) -> Result<VerifyReport, Error> {
        let (session, drift) = self.opened_build(|session| session.verify(&self.settings))?;
        Ok(VerifyReport {
            revision: session.published().unwrap_or(0),
            build: Some(session.folder()),
            target: session.target,
            drift,
        })
    }

    /// Opens a build's session and does `then` with it: all before the
    /// first write.
    fn opened_build<T>(
        &self,
        then: impl FnOnce(&Session) -> anyhow::Result<T>,
    ) -> Result<(Session, T), Error> {
        let session =
            Session::open(&self.settings, &self.cancel).map_err(|err| self.unwritten(err))?;
        let done = then(&session).map_err(|err| self.unwritten(err))?;
        Ok((session, done))
    }
}
