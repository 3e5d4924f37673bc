//! `--wait`: a publish that finds the bucket claimed by another tries again,
//! each pause twice the one before (from half a second up to ten), until
//! the claim ends, the wait is over, or it is cancelled. The clock is a
//! parameter, so that the tests run the loop in time that passes only when
//! they say.

use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::error::Error;

/// The first pause between two looks at a bucket another publish holds.
const FIRST_PAUSE: Duration = Duration::from_millis(500);

/// The longest pause.
const MAX_PAUSE: Duration = Duration::from_secs(10);

/// How often a pause looks at the cancel handle.
const TICK: Duration = Duration::from_millis(50);

/// What time it is, and a way to let some pass.
pub(crate) trait Clock {
    fn now(&self) -> Instant;
    fn sleep(&self, span: Duration);
}

/// The clock on the wall.
pub(crate) struct Wall;

impl Clock for Wall {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, span: Duration) {
        std::thread::sleep(span)
    }
}

/// Runs `once` until it ends other than busy, for at most `wait` (a wait
/// too long to count ends never, not in a panic). Each claim waited for is
/// said once, not at every look. A cancel ends a pause within a tick.
pub(crate) fn while_busy<T>(
    wait: Duration,
    clock: &impl Clock,
    cancel: &Cancel,
    mut once: impl FnMut() -> Result<T, Error>,
) -> Result<T, Error> {
    let deadline = clock.now().checked_add(wait);
    let mut pause = FIRST_PAUSE;
    let mut said = String::new();
    loop {
        let err = match once() {
            Err(err) => err,
            done => return done,
        };
        if !err.is_busy() || deadline.is_some_and(|deadline| clock.now() >= deadline) {
            return Err(err);
        }
        let now = err.to_string();
        if now != said {
            tracing::warn!("{now}; waiting");
            said = now;
        }
        let next = clock.now() + pause;
        let until = deadline.map_or(next, |deadline| next.min(deadline));
        while clock.now() < until {
            if let Some(stopped) = cancel.stopped() {
                return Err(Error::stopped(stopped, false));
            }
            clock.sleep(TICK.min(until - clock.now()));
        }
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;
    use crate::error::ErrorKind;
    use crate::state::Busy;

    /// Time that passes only when the loop sleeps.
    struct Paused {
        start: Instant,
        passed: Cell<Duration>,
        /// Called at each sleep, with the time passed so far.
        at_sleep: RefCell<Box<dyn FnMut(Duration)>>,
    }

    impl Paused {
        fn new(at_sleep: impl FnMut(Duration) + 'static) -> Paused {
            Paused {
                start: Instant::now(),
                passed: Cell::new(Duration::ZERO),
                at_sleep: RefCell::new(Box::new(at_sleep)),
            }
        }
    }

    impl Clock for Paused {
        fn now(&self) -> Instant {
            self.start + self.passed.get()
        }

        fn sleep(&self, span: Duration) {
            self.passed.set(self.passed.get() + span);
            (self.at_sleep.borrow_mut())(self.passed.get());
        }
    }

    fn busy() -> Error {
        Error::new(
            ErrorKind::Refused,
            Busy("another publish holds s3://b/".into()),
        )
    }

    /// The times `once` was called, when each of them was.
    fn tries(
        wait: Duration,
        clock: &Paused,
        cancel: &Cancel,
        answers: &mut dyn Iterator<Item = Result<u32, Error>>,
    ) -> (Result<u32, Error>, Vec<Duration>) {
        let mut at = Vec::new();
        let result = while_busy(wait, clock, cancel, || {
            at.push(clock.passed.get());
            answers.next().expect("asked once more than the test said")
        });
        (result, at)
    }

    fn secs(all: &[f64]) -> Vec<Duration> {
        all.iter().map(|&s| Duration::from_secs_f64(s)).collect()
    }

    #[test]
    fn a_claim_that_ends_is_waited_for_with_pauses_that_double() {
        let clock = Paused::new(|_| {});
        let mut answers = [Err(busy()), Err(busy()), Err(busy()), Ok(7)].into_iter();
        let (result, at) = tries(
            Duration::from_secs(60),
            &clock,
            &Cancel::new(),
            &mut answers,
        );
        assert_eq!(result.unwrap(), 7);
        assert_eq!(at, secs(&[0.0, 0.5, 1.5, 3.5]));
    }

    #[test]
    fn the_pause_grows_to_ten_seconds_and_the_wait_ends_at_its_deadline() {
        let clock = Paused::new(|_| {});
        let mut answers = std::iter::repeat_with(|| Err(busy()));
        let (result, at) = tries(
            Duration::from_secs(40),
            &clock,
            &Cancel::new(),
            &mut answers,
        );
        assert!(result.unwrap_err().is_busy());
        // 0.5, 1, 2, 4, 8, then 10 at most, and the last cut to the deadline.
        assert_eq!(at, secs(&[0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 25.5, 35.5, 40.0]));
    }

    #[test]
    fn an_error_other_than_busy_ends_the_wait_at_once() {
        let clock = Paused::new(|_| panic!("no pause was due"));
        let other = Error::config(anyhow::anyhow!("workers must be at least 1"));
        let mut answers = [Err(other)].into_iter();
        let (result, at) = tries(
            Duration::from_secs(60),
            &clock,
            &Cancel::new(),
            &mut answers,
        );
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(at, secs(&[0.0]));
    }

    #[test]
    fn a_cancel_while_waiting_ends_the_wait_within_a_tick_having_written_nothing() {
        let cancel = Cancel::new();
        let handle = cancel.clone();
        let clock = Paused::new(move |passed| {
            if passed >= Duration::from_millis(200) {
                handle.cancel();
            }
        });
        let mut answers = std::iter::repeat_with(|| Err(busy()));
        let (result, at) = tries(Duration::from_secs(60), &clock, &cancel, &mut answers);
        let err = result.unwrap_err();
        assert_eq!((err.kind(), err.exit_status()), (ErrorKind::Cancelled, 130));
        assert!(!err.to_string().contains("incomplete"), "{err}");
        assert_eq!(at, secs(&[0.0]));
        assert_eq!(clock.passed.get(), Duration::from_millis(200));
    }

    #[test]
    fn a_wait_too_long_to_count_never_ends_by_the_clock() {
        let clock = Paused::new(|_| {});
        let mut answers = (0..20).map(|_| Err(busy())).chain([Ok(1)]);
        let (result, at) = tries(Duration::MAX, &clock, &Cancel::new(), &mut answers);
        assert_eq!(result.unwrap(), 1);
        assert_eq!(at.len(), 21);
    }
}
