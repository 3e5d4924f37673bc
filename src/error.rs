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

/// How the writing phase of a publish failed, told by whether it may have
/// written: what the command's exit status follows from. The writing phase
/// (the claim, the requests, the state) returns it; everything before it
/// fails with a plain error, as nothing of this publish was written. (A
/// first publish tells the publishes above it to leave its prefix alone
/// before it claims: that writes their states, never this one's, and is
/// done again by the next try.)
#[derive(Debug)]
pub(crate) enum Unfinished {
    /// Refused before the first write (another publish's claim): nothing
    /// was written.
    Unwritten(anyhow::Error),
    /// After a write that may have landed: the publish is incomplete,
    /// whatever the failure was.
    Incomplete(anyhow::Error),
}

impl fmt::Display for Unfinished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unfinished::Unwritten(inner) | Unfinished::Incomplete(inner) => {
                f.write_str(&crate::redact::urls(&format!("{inner:#}")))
            }
        }
    }
}

/// What an incomplete publish says before why.
const INCOMPLETE: &str =
    "publish incomplete, the bucket's state is unchanged; run the same command again to finish";

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
            inner.context(INCOMPLETE)
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

    /// A failure before the first write, nothing written: a stop, when one
    /// was asked for; else told by the request that failed (credentials,
    /// network), or a refusal.
    pub(crate) fn unwritten(inner: anyhow::Error, stopped: Option<Stopped>) -> Error {
        if let Some(stopped) = stopped {
            return Error::stopped(stopped, false);
        }
        // anyhow's downcasts look through every context down the chain.
        let kind = match inner
            .downcast_ref::<RequestError>()
            .map(|request| request.failure.cause)
        {
            Some(Cause::Credentials) => ErrorKind::Credentials,
            Some(Cause::Network) => ErrorKind::Unreachable,
            Some(Cause::Answer) | None => ErrorKind::Refused,
        };
        Error::new(kind, inner)
    }

    /// A failure of the writing phase, by whether it may have written.
    pub(crate) fn unfinished(unfinished: Unfinished, stopped: Option<Stopped>) -> Error {
        match (unfinished, stopped) {
            (Unfinished::Unwritten(inner), stopped) => Error::unwritten(inner, stopped),
            (Unfinished::Incomplete(_), Some(stopped)) => Error::stopped(stopped, true),
            (Unfinished::Incomplete(inner), None) => {
                Error::new(ErrorKind::Incomplete, inner.context(INCOMPLETE))
            }
        }
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
    fn kinds_before_the_first_write_are_read_from_the_request_that_failed() {
        let kind = |err: anyhow::Error| {
            let err = Error::unwritten(err, None);
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
        let stopped = Error::unwritten(request(Cause::Network), Some(Stopped::Signal(15)));
        assert_eq!(
            (stopped.kind(), stopped.exit_status()),
            (ErrorKind::Cancelled, 143)
        );
        assert_eq!(stopped.to_string(), "stopped by SIGTERM");
    }

    #[test]
    fn the_writing_phase_says_whether_it_may_have_written() {
        let kind = |unfinished: Unfinished, stopped: Option<Stopped>| {
            let err = Error::unfinished(unfinished, stopped);
            (err.kind(), err.exit_status(), err.to_string())
        };
        // Whatever the failure was, after the first write: incomplete.
        let (incomplete, status, said) =
            kind(Unfinished::Incomplete(request(Cause::Network)), None);
        assert_eq!((incomplete, status), (ErrorKind::Incomplete, 1));
        assert_eq!(said, format!("{INCOMPLETE}: read state: no"));
        // A claim refused: nothing was written, told as before a write.
        let busy = anyhow::anyhow!("another publish began at the same moment");
        let (refused, status, _) = kind(Unfinished::Unwritten(busy), None);
        assert_eq!((refused, status), (ErrorKind::Refused, 2));
        let (unreachable, status, _) = kind(Unfinished::Unwritten(request(Cause::Network)), None);
        assert_eq!((unreachable, status), (ErrorKind::Unreachable, 2));
        // A stop after the first write is a stop, and says it is incomplete.
        let stopped = Unfinished::Incomplete(anyhow::anyhow!("x"));
        let (cancelled, status, said) = kind(stopped, Some(Stopped::Cancelled));
        assert_eq!((cancelled, status), (ErrorKind::Cancelled, 130));
        assert!(said.starts_with("publish incomplete"), "{said}");
    }
}
