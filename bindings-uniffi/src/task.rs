//! Waiting without an executor of our own. The host's event loop (asyncio,
//! a Kotlin dispatcher, Swift's) polls the library's futures; these are
//! the pieces they wait on:
//!
//! - [`Detached`]: work owned by no coroutine (a renewal, a store write),
//!   so cancelling the coroutine that started it drops the wait, not the
//!   work.
//! - [`Signal`]: "something changed", for coroutines waiting on another's
//!   work.
//! - [`sleep`]: a timer, on one thread shared by every session.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Locks a mutex whose holders never leave it half-changed.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Work that must finish once started, whoever waits for it.
type Work<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A future owned by itself rather than by the coroutine that started it.
/// The coroutine only waits for its output: cancelling it (a Python task,
/// a Kotlin coroutine, a Swift task) drops the wait, not the work, so a
/// renewal's answer is still handled and a pair the provider rotated is
/// stored, not lost. Dropping the work instead would also cancel the
/// host's call (UniFFI cancels a foreign future that Rust drops), after
/// the provider may have acted on it.
///
/// It needs no executor: the host's completion wakes it, and waking polls
/// it, on whichever thread completed the host's call. Until then the
/// host's call and this value keep each other alive (through the waker
/// the call holds), as any call in flight is kept by its caller.
pub(crate) struct Detached<T> {
    work: Mutex<Option<Work<T>>>,
    /// [`IDLE`], [`POLLING`], [`WOKEN`] (woken while being polled: poll
    /// again) or [`DONE`].
    polling: AtomicU8,
    finished: Mutex<Finished<T>>,
}

const IDLE: u8 = 0;
const POLLING: u8 = 1;
const WOKEN: u8 = 2;
const DONE: u8 = 3;

/// The work's output, for the coroutine that started it if it still waits.
struct Finished<T> {
    output: Option<T>,
    waiter: Option<Waker>,
}

impl<T: Send + 'static> Detached<T> {
    /// Starts `work`: polls it once now, then whenever it is woken.
    pub(crate) fn start(work: impl Future<Output = T> + Send + 'static) -> Arc<Detached<T>> {
        let detached = Arc::new(Detached {
            work: Mutex::new(Some(Box::pin(work))),
            polling: AtomicU8::new(IDLE),
            finished: Mutex::new(Finished {
                output: None,
                waiter: None,
            }),
        });
        detached.clone().drive();
        detached
    }

    /// Polls the work; when another thread is polling it already, has
    /// that one poll again instead.
    fn drive(self: Arc<Self>) {
        let mut seen = self.polling.load(Ordering::Acquire);
        loop {
            let claim = match seen {
                IDLE => POLLING,
                POLLING => WOKEN,
                _ => return,
            };
            match self
                .polling
                .compare_exchange(seen, claim, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if claim == WOKEN => return,
                Ok(_) => break,
                Err(now) => seen = now,
            }
        }
        let waker = Waker::from(self.clone());
        loop {
            let polled = match lock(&self.work).as_mut() {
                Some(work) => work.as_mut().poll(&mut Context::from_waker(&waker)),
                None => return,
            };
            match polled {
                Poll::Ready(output) => {
                    self.polling.store(DONE, Ordering::Release);
                    // The finished work no longer needs what it held.
                    lock(&self.work).take();
                    let waiter = {
                        let mut finished = lock(&self.finished);
                        finished.output = Some(output);
                        finished.waiter.take()
                    };
                    if let Some(waiter) = waiter {
                        waiter.wake();
                    }
                    return;
                }
                Poll::Pending => {
                    if self
                        .polling
                        .compare_exchange(POLLING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    {
                        return;
                    }
                    // Woken while polling: poll again.
                    self.polling.store(POLLING, Ordering::Release);
                }
            }
        }
    }

    /// The work's output, for the coroutine that started it.
    pub(crate) fn output(&self) -> Output<'_, T> {
        Output(self)
    }
}

impl<T: Send + 'static> std::task::Wake for Detached<T> {
    fn wake(self: Arc<Self>) {
        self.drive();
    }
}

/// Waits for a [`Detached`]'s output; dropping it (a cancelled coroutine)
/// leaves the work running.
pub(crate) struct Output<'a, T>(&'a Detached<T>);

impl<T> Future for Output<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut finished = lock(&self.0.finished);
        match finished.output.take() {
            Some(output) => Poll::Ready(output),
            None => {
                finished.waiter = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Output<'_, T> {
    fn drop(&mut self) {
        lock(&self.0.finished).waiter = None;
    }
}

/// A count of changes and the coroutines waiting for the next one. Read
/// [`Signal::seen`] while deciding to wait (under the lock of what
/// changes), then await [`Signal::changed`]: a change in between ends the
/// wait at once, so no wake-up is lost.
#[derive(Default)]
pub(crate) struct Signal {
    state: Mutex<(u64, Vec<Waker>)>,
}

impl Signal {
    /// The changes so far.
    pub(crate) fn seen(&self) -> u64 {
        lock(&self.state).0
    }

    /// Counts a change and wakes every waiter.
    pub(crate) fn notify(&self) {
        let wakers = {
            let mut state = lock(&self.state);
            state.0 = state.0.wrapping_add(1);
            std::mem::take(&mut state.1)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Waits until a change after `seen`.
    pub(crate) fn changed(&self, seen: u64) -> Changed<'_> {
        Changed { signal: self, seen }
    }
}

/// Waits for a [`Signal`]'s next change.
pub(crate) struct Changed<'a> {
    signal: &'a Signal,
    seen: u64,
}

impl Future for Changed<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.signal.state);
        if state.0 != self.seen {
            return Poll::Ready(());
        }
        if !state.1.iter().any(|w| w.will_wake(cx.waker())) {
            state.1.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// The timers of every session: deadlines and who to wake then, served
/// by one thread, started at the first sleep.
struct Timers {
    due: Mutex<BinaryHeap<Reverse<Due>>>,
    changed: Condvar,
}

/// A deadline and who to wake at it.
struct Due(Instant, Waker);

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl Timers {
    /// This process's timers; `None` if their thread could not be started.
    ///
    /// Kept per process id: `fork` copies no thread, so a process forked
    /// after this one first waited (a pre-fork server's worker, whose
    /// master used a shared session) would otherwise queue its waits for a
    /// thread that is not there, and never wake. It starts its own.
    fn get() -> Option<&'static Timers> {
        static TIMERS: Mutex<Option<(u32, Option<&'static Timers>)>> = Mutex::new(None);
        let process = std::process::id();
        let mut started = lock(&TIMERS);
        match *started {
            Some((owner, timers)) if owner == process => timers,
            _ => {
                let timers = Timers::start();
                *started = Some((process, timers));
                timers
            }
        }
    }

    /// New timers and their thread (the timers live as long as the process).
    fn start() -> Option<&'static Timers> {
        let timers: &'static Timers = Box::leak(Box::new(Timers {
            due: Mutex::new(BinaryHeap::new()),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("authflow-timers".into())
            .spawn(move || timers.run())
            .ok()
            .map(|_| timers)
    }

    fn run(&self) {
        let mut due = lock(&self.due);
        loop {
            let now = Instant::now();
            while due.peek().is_some_and(|Reverse(first)| first.0 <= now) {
                if let Some(Reverse(Due(_, waker))) = due.pop() {
                    waker.wake();
                }
            }
            due = match due.peek().map(|Reverse(first)| first.0 - now) {
                Some(wait) => self
                    .changed
                    .wait_timeout(due, wait)
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|poisoned| poisoned.into_inner().0),
                None => self
                    .changed
                    .wait(due)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            };
        }
    }
}

/// Completes after `duration`, without blocking the thread that polls it.
pub(crate) fn sleep(duration: Duration) -> Sleep {
    Sleep {
        until: Instant::now() + duration,
        registered: false,
    }
}

/// See [`sleep`].
pub(crate) struct Sleep {
    until: Instant,
    registered: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.until {
            return Poll::Ready(());
        }
        if self.registered {
            return Poll::Pending;
        }
        let Some(timers) = Timers::get() else {
            // No timer thread (the system refused one): waking at once
            // turns the wait into polls, slower but never stuck.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        };
        lock(&timers.due).push(Reverse(Due(self.until, cx.waker().clone())));
        timers.changed.notify_one();
        self.registered = true;
        Poll::Pending
    }
}

/// Polls `future` on this thread, parking between wakes: the tests' executor.
#[cfg(test)]
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
            return output;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_end_in_deadline_order_on_the_shared_thread() {
        let start = Instant::now();
        block_on(async {
            sleep(Duration::from_millis(30)).await;
            sleep(Duration::from_millis(1)).await;
        });
        assert!(start.elapsed() >= Duration::from_millis(31));
    }

    #[test]
    fn a_detached_output_arrives_and_a_signal_ends_a_wait() {
        let signal = Arc::new(Signal::default());
        let seen = signal.seen();
        let notifier = signal.clone();
        let detached = Detached::start(async move {
            sleep(Duration::from_millis(5)).await;
            notifier.notify();
            7
        });
        block_on(signal.changed(seen));
        assert_eq!(block_on(detached.output()), 7);
    }
}
