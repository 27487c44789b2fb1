//! The state all handlers share.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::fault::FaultTable;
use crate::stats::Stats;
use crate::store::{Config, Store};
use crate::urls::Urls;

/// What requests change: tokens, codes, counters and switches, behind one
/// lock so that each request sees and leaves a consistent picture.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) store: Store,
    pub(crate) stats: Stats,
    pub(crate) config: Config,
}

/// Shared by the router, the handlers and the [`crate::Providers`] handle.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) clock: Clock,
    pub(crate) urls: Urls,
    /// Set when the server is stopping; long waits poll it.
    pub(crate) stop: Arc<AtomicBool>,
    faults: Mutex<FaultTable>,
    world: Mutex<World>,
    request_ids: AtomicU64,
}

impl State {
    pub(crate) fn new(urls: Urls, stop: Arc<AtomicBool>) -> Self {
        Self {
            clock: Clock::default(),
            urls,
            stop,
            faults: Mutex::default(),
            world: Mutex::default(),
            request_ids: AtomicU64::new(1),
        }
    }

    /// Locks the world. A handler that panicked cannot leave it half-changed
    /// in a way later tests care about, so a poisoned lock is still used.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the fault table.
    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultTable> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new Makini-style request id, `req_<n>`.
    pub(crate) fn next_request_id(&self) -> String {
        format!("req_{}", self.request_ids.fetch_add(1, Ordering::SeqCst))
    }

    /// Forgets tokens, codes, counters, faults and switches; real time again.
    pub(crate) fn reset(&self) {
        *self.world() = World::default();
        self.faults().clear(None);
        self.clock.reset();
    }

    /// Sleeps for `duration`, waking early when the server stops.
    pub(crate) fn sleep(&self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while !self.stop.load(Ordering::SeqCst) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            thread::sleep(left.min(Duration::from_millis(20)));
        }
    }
}
