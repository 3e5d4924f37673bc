//! How much a publish asks of the store and of memory at once, shared by
//! every request of a run: uploads, parts of multipart uploads, delete
//! batches.
//!
//! - Requests in flight: a [`Window`] of at most `workers`, halved when the
//!   store says SlowDown and widened by one again after each window's worth
//!   of successes, as TCP does with its congestion window. A large publish
//!   then neither crawls nor gets throttled into failure.
//! - Bytes held: file contents read into memory for a request are counted
//!   against a fixed budget, so that memory stays bounded whatever the
//!   number in flight (64 small files are 64 buffers, not 64 requests).

use std::sync::Mutex;

use tokio::sync::{Notify, Semaphore, SemaphorePermit};

/// The file bytes a run holds in memory for requests, at most.
pub const BYTES_IN_FLIGHT: u64 = 32 << 20;
/// The unit the byte budget is counted in.
const UNIT: u64 = 1024;

/// The requests and bytes a run may have in flight.
#[derive(Debug)]
pub struct Budget {
    pub window: Window,
    bytes: Semaphore,
}

impl Budget {
    /// At most `workers` requests, and [`BYTES_IN_FLIGHT`] bytes.
    pub fn new(workers: usize) -> Budget {
        Budget {
            window: Window::new(workers),
            bytes: Semaphore::new(units(BYTES_IN_FLIGHT)),
        }
    }

    /// Waits until `bytes` more may be held; they are until the guard drops.
    /// A request larger than the whole budget waits for all of it.
    pub async fn hold(&self, bytes: u64) -> SemaphorePermit<'_> {
        let wanted = units(bytes.min(BYTES_IN_FLIGHT)).max(1) as u32;
        self.bytes
            .acquire_many(wanted)
            .await
            .expect("the byte budget is never closed")
    }
}

fn units(bytes: u64) -> usize {
    bytes.div_ceil(UNIT) as usize
}

/// The number of requests in flight, and how far it may go.
#[derive(Debug)]
pub struct Window {
    max: usize,
    state: Mutex<State>,
    freed: Notify,
}

#[derive(Debug)]
struct State {
    limit: usize,
    in_flight: usize,
    /// Successes since the limit last grew.
    successes: usize,
    /// Counts the cuts: a slot taken before the latest cut saw the store
    /// before it, and its throttling is already answered.
    cuts: u64,
}

/// Leave to send one request; the request is done when it drops.
#[derive(Debug)]
pub struct Slot<'a> {
    window: &'a Window,
    cuts: u64,
}

impl Window {
    pub fn new(max: usize) -> Window {
        let max = max.max(1);
        Window {
            max,
            state: Mutex::new(State {
                limit: max,
                in_flight: 0,
                successes: 0,
                cuts: 0,
            }),
            freed: Notify::new(),
        }
    }

    /// Waits until one more request may go.
    pub async fn acquire(&self) -> Slot<'_> {
        loop {
            let freed = self.freed.notified();
            {
                let mut state = self.lock();
                if state.in_flight < state.limit {
                    state.in_flight += 1;
                    return Slot {
                        window: self,
                        cuts: state.cuts,
                    };
                }
            }
            freed.await;
        }
    }

    /// The most requests ever in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max
    }

    /// How many requests may be in flight now.
    #[cfg(test)]
    fn limit(&self) -> usize {
        self.lock().limit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Slot<'_> {
    /// The request succeeded: after a window's worth of successes, one
    /// more request may be in flight, up to the maximum.
    pub fn succeeded(&self) {
        let mut state = self.window.lock();
        state.successes += 1;
        if state.successes >= state.limit && state.limit < self.window.max {
            state.limit += 1;
            state.successes = 0;
            self.window.freed.notify_waiters();
        }
    }

    /// The store asked to slow down: half as many requests in flight, once
    /// for all the requests that were in flight when it asked.
    pub fn throttled(&self) {
        let mut state = self.window.lock();
        if self.cuts == state.cuts {
            state.limit = (state.limit / 2).max(1);
            state.successes = 0;
            state.cuts += 1;
            tracing::debug!(
                limit = state.limit,
                "the store is throttling: fewer requests in flight"
            );
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.window.lock().in_flight -= 1;
        self.window.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn at_most_the_limit_is_in_flight_and_a_freed_slot_lets_the_next_go() {
        block_on(async {
            let window = Window::new(2);
            let (a, _b) = (window.acquire().await, window.acquire().await);
            let third = window.acquire();
            tokio::pin!(third);
            assert!(third.as_mut().now_or_never().is_none());
            drop(a);
            assert!(third.as_mut().now_or_never().is_some());
        });
    }

    #[test]
    fn throttling_halves_the_window_once_per_round_and_successes_widen_it_again() {
        block_on(async {
            let window = Window::new(8);
            let slots: Vec<Slot> =
                futures_util::future::join_all((0..8).map(|_| window.acquire())).await;
            // Eight requests in flight are all told to slow down: one cut.
            slots.iter().for_each(Slot::throttled);
            assert_eq!(window.limit(), 4);
            drop(slots);
            // A request sent after the cut that is throttled cuts again.
            window.acquire().await.throttled();
            assert_eq!(window.limit(), 2);
            window.acquire().await.throttled();
            window.acquire().await.throttled();
            assert_eq!(window.limit(), 1, "never below one");
            // Then a window's worth of successes adds one, up to the maximum.
            let mut limits = Vec::new();
            for _ in 0..40 {
                window.acquire().await.succeeded();
                limits.push(window.limit());
            }
            assert_eq!(&limits[..4], [2, 2, 3, 3]);
            assert_eq!(window.limit(), 8);
        });
    }

    #[test]
    fn bytes_are_held_until_released_and_a_huge_request_waits_for_all() {
        block_on(async {
            let budget = Budget::new(4);
            let most = budget.hold(BYTES_IN_FLIGHT - UNIT).await;
            let more = budget.hold(2 * UNIT);
            tokio::pin!(more);
            assert!(more.as_mut().now_or_never().is_none());
            drop(most);
            assert!(more.as_mut().now_or_never().is_some());
            let huge = budget.hold(10 * BYTES_IN_FLIGHT).await;
            assert_eq!(budget.bytes.available_permits(), 0);
            drop(huge);
            let empty = budget.hold(0).await;
            assert_eq!(empty.num_permits(), 1);
        });
    }
}
