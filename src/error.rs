//! The library's one error type: what went wrong in one line (never a
//! secret), the kind a caller branches on, and the exit status the command
//! gives for it. The kinds say above all whether anything was written.

use std::fmt;

use crate::cancel::Stopped;
use crate::report::Report;
use crate::retry::{Cause, RequestError};
use crate::state::{Busy, Newer};

/// What kind of failure an [`Error`] is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The settings are invalid: a bad value, a bad config file. Nothing was
    /// written. Exit status 2.
    Config,
    /// The tree or the bucket is not fit to publish as asked (not a working
    /// copy, local changes, another repository's state, too many deletes,
    /// another publish under way, a missing bucket...). Nothing was
    /// written. Exit status 2.
    Refused,
    /// No credentials, or the store refused them. Nothing was written.
    /// Exit status 2.
    Credentials,
    /// The store could not be reached, or its certificate was not trusted.
    /// Nothing was written. Exit status 2.
    Unreachable,
    /// The publish failed after its first write. The bucket's state still
    /// names the last complete publish; the same publish again finishes the
    /// job. Exit status 1.
    Incomplete,
    /// The publish was cancelled through its [`crate::Cancel`] handle: before
    /// its first write, nothing was written; after, as `Incomplete`. Exit
    /// status 130, or 128 + the signal's number when a signal cancelled it.
    Cancelled,
    /// The publish is complete and the state names the new revision, but
    /// what comes after it failed: the CloudFront invalidation, or writing
    /// the list of paths to invalidate. [`Error::report`] has the report.
    /// Exit status 1.
    NotInvalidated,
}

/// A publish, status or verify that did not succeed.
pub struct Error {
    kind: ErrorKind,
    inner: anyhow::Error,
    stopped: Option<Stopped>,
    report: Option<Box<Report>>,
}

/// Marks a failure after the first write, inside the library: the publish
/// is incomplete, whatever the failure was.
#[derive(Debug, thiserror::Error)]
#[error(
    "publish incomplete, the bucket's state is unchanged; run the same command again to finish"
)]
pub(crate) struct Incomplete;

/// Marks a failure of the settings, inside the library.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Invalid(pub String);

impl Error {
    pub(crate) fn new(kind: ErrorKind, inner: impl Into<anyhow::Error>) -> Error {
        Error {
            kind,
            inner: inner.into(),
            stopped: None,
            report: None,
        }
    }

    /// Whether another publish held the bucket: refused, nothing written.
    pub(crate) fn is_busy(&self) -> bool {
        self.kind == ErrorKind::Refused && self.inner.downcast_ref::<Busy>().is_some()
    }

    /// The bucket's revision, when it is newer than the tree's.
    pub(crate) fn is_newer(&self) -> Option<crate::tree::Revnum> {
        let newer = self.inner.downcast_ref::<Newer>()?;
        (self.kind == ErrorKind::Refused).then_some(newer.revision)
    }

    /// An invalid setting.
    pub(crate) fn config(inner: impl Into<anyhow::Error>) -> Error {
        Error::new(ErrorKind::Config, inner)
    }

    /// A stop asked for through the cancel handle.
    pub(crate) fn stopped(stopped: Stopped, written: bool) -> Error {
        let inner = anyhow::anyhow!("{stopped}");
        let inner = if written {
            inner.context(Incomplete)
        } else {
            inner
        };
        Error {
            stopped: Some(stopped),
            ..Error::new(ErrorKind::Cancelled, inner)
        }
    }

    /// A complete publish whose invalidation failed.
    pub(crate) fn not_invalidated(report: Report, inner: impl Into<anyhow::Error>) -> Error {
        Error {
            report: Some(Box::new(report)),
            ..Error::new(ErrorKind::NotInvalidated, inner)
        }
    }

    /// Reads what kind a failure from inside the library is: a stop, a
    /// failure after the first write, a request's credentials or network,
    /// an invalid setting; else a refusal before anything was written.
    pub(crate) fn classify(inner: anyhow::Error, stopped: Option<Stopped>) -> Error {
        // anyhow's downcasts look through every context down the chain.
        let written = inner.downcast_ref::<Incomplete>().is_some();
        if let Some(stopped) = stopped {
            return Error::stopped(stopped, written);
        }
        let kind = if written {
            ErrorKind::Incomplete
        } else if inner.downcast_ref::<Invalid>().is_some() {
            ErrorKind::Config
        } else {
            match inner
                .downcast_ref::<RequestError>()
                .map(|request| request.failure.cause)
            {
                Some(Cause::Credentials) => ErrorKind::Credentials,
                Some(Cause::Network) => ErrorKind::Unreachable,
                Some(Cause::Answer) | None => ErrorKind::Refused,
            }
        };
        Error::new(kind, inner)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The exit status `svn2s3` gives for it: 2 when nothing was written, 1
    /// for an incomplete publish or a failed invalidation, 130 (or 128 + a
    /// signal's number) when cancelled.
    pub fn exit_status(&self) -> u8 {
        match self.kind {
            ErrorKind::Config
            | ErrorKind::Refused
            | ErrorKind::Credentials
            | ErrorKind::Unreachable => 2,
            ErrorKind::Incomplete | ErrorKind::NotInvalidated => 1,
            ErrorKind::Cancelled => self.stopped.map_or(130, Stopped::exit_status),
        }
    }

    /// The report of a complete publish whose invalidation failed.
    pub fn report(&self) -> Option<&Report> {
        self.report.as_deref()
    }
}

/// The whole chain in one line: `publish incomplete, ...: upload a.css: HTTP 500 ...`,
/// the user info of any URL in it (a password) replaced by `***`.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::redact::urls(&format!("{:#}", self.inner)))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.to_string())
            .finish()
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::Failure;

    fn request(cause: Cause) -> anyhow::Error {
        let failure = Failure {
            why: "no".into(),
            transient: false,
            throttled: false,
            cause,
        };
        RequestError {
            what: "read state".into(),
            failure,
            tries: 1,
        }
        .into()
    }

    #[test]
    fn kinds_are_read_from_the_chain_and_give_the_commands_exit_status() {
        let kind = |err: anyhow::Error| {
            let err = Error::classify(err, None);
            (err.kind(), err.exit_status())
        };
        assert_eq!(
            kind(anyhow::anyhow!("not a working copy")),
            (ErrorKind::Refused, 2)
        );
        assert_eq!(
            kind(request(Cause::Credentials)),
            (ErrorKind::Credentials, 2)
        );
        assert_eq!(
            kind(request(Cause::Network).context("opening")),
            (ErrorKind::Unreachable, 2)
        );
        assert_eq!(kind(request(Cause::Answer)), (ErrorKind::Refused, 2));
        // After the first write, a network failure is an incomplete publish.
        assert_eq!(
            kind(request(Cause::Network).context(Incomplete)),
            (ErrorKind::Incomplete, 1)
        );
        assert_eq!(
            kind(Invalid("workers must be at least 1".into()).into()),
            (ErrorKind::Config, 2)
        );

        let cancelled = Error::classify(
            anyhow::anyhow!("x").context(Incomplete),
            Some(Stopped::Cancelled),
        );
        assert_eq!(
            (cancelled.kind(), cancelled.exit_status()),
            (ErrorKind::Cancelled, 130)
        );
        assert!(
            cancelled.to_string().starts_with("publish incomplete"),
            "{cancelled}"
        );
        let terminated = Error::stopped(Stopped::Signal(15), false);
        assert_eq!(terminated.exit_status(), 143);
        assert_eq!(terminated.to_string(), "stopped by SIGTERM");
    }
}
