//! Cancellation: a handle the caller holds, cloned as often as needed, that
//! stops a publish as soon as it can. libsvn asks it between the nodes of
//! its walks; the publish asks it between requests, abandons those in
//! flight, and releases its claim on the bucket. The library installs no
//! signal handler: the `svn2s3` command turns SIGINT and SIGTERM into
//! [`Cancel::stop`] calls, a program embedding the library does as it likes.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Why a publish stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// [`Cancel::cancel`] was called.
    Cancelled,
    /// A signal of this number (2 SIGINT, 15 SIGTERM) stopped it, as the
    /// caller says through [`Cancel::stop`].
    Signal(i32),
}

impl Stopped {
    /// The exit status of a process stopped so, as shells report it.
    pub fn exit_status(self) -> u8 {
        match self {
            Stopped::Cancelled => 130,
            Stopped::Signal(number) => 128u8.saturating_add(number.clamp(0, 127) as u8),
        }
    }
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stopped::Cancelled => f.write_str("cancelled"),
            Stopped::Signal(2) => f.write_str("stopped by SIGINT"),
            Stopped::Signal(15) => f.write_str("stopped by SIGTERM"),
            Stopped::Signal(number) => write!(f, "stopped by signal {number}"),
        }
    }
}

/// Stops a publish (or a status, or a verify) from another thread.
#[derive(Clone, Default)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// What libsvn's cancel callback reads, without a lock.
    flag: Arc<AtomicBool>,
    why: Mutex<Option<Stopped>>,
    stopped: Notify,
}

impl Cancel {
    /// A handle that has not stopped anything yet.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stops the publish as soon as it can ([`Stopped::Cancelled`]).
    pub fn cancel(&self) {
        self.stop(Stopped::Cancelled);
    }

    /// Stops the publish as soon as it can, for `why`. The first reason given
    /// is the one reported.
    pub fn stop(&self, why: Stopped) {
        let mut said = self.inner.why.lock().unwrap_or_else(|p| p.into_inner());
        said.get_or_insert(why);
        self.inner.flag.store(true, Ordering::SeqCst);
        self.inner.stopped.notify_waiters();
    }

    /// Why it was stopped, if it was.
    pub fn stopped(&self) -> Option<Stopped> {
        *self.inner.why.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The flag that libsvn's cancel callback reads.
    pub(crate) fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.inner.flag)
    }

    /// Resolves once stopped, with why.
    pub(crate) async fn wait(&self) -> Stopped {
        loop {
            let notified = self.inner.stopped.notified();
            if let Some(why) = self.stopped() {
                return why;
            }
            notified.await;
        }
    }
}

impl fmt::Debug for Cancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancel")
            .field("stopped", &self.stopped())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_is_kept_and_waiters_wake() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let cancel = Cancel::new();
        assert_eq!(cancel.stopped(), None);
        let waiter = cancel.clone();
        let waiting = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(waiter.wait())
        });
        cancel.stop(Stopped::Signal(2));
        cancel.cancel();
        assert_eq!(waiting.join().unwrap(), Stopped::Signal(2));
        assert_eq!(runtime.block_on(cancel.wait()), Stopped::Signal(2));
        assert!(cancel.flag().load(Ordering::SeqCst));
        assert_eq!(Stopped::Signal(2).exit_status(), 130);
        assert_eq!(Stopped::Signal(15).exit_status(), 143);
        assert_eq!(Stopped::Cancelled.to_string(), "cancelled");
    }
}
