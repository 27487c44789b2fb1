//! The providers' clock: real Unix time plus an offset that tests move.
//!
//! Token lifetimes here are days (Makini) and hours (MakeShift), so tests
//! cannot wait for expiry; they move this clock instead. Every expiry check
//! and every `Date` header reads it, so the servers stay self-consistent.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Real time plus an adjustable offset, in whole Unix seconds.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: AtomicI64,
}

impl Clock {
    /// The servers' current time (Unix seconds).
    pub(crate) fn now(&self) -> i64 {
        real_now().saturating_add(self.offset.load(Ordering::SeqCst))
    }

    /// Moves the clock by `secs` (negative moves it back) and returns the new time.
    pub(crate) fn advance(&self, secs: i64) -> i64 {
        self.offset.fetch_add(secs, Ordering::SeqCst);
        self.now()
    }

    /// Puts the clock back on real time.
    pub(crate) fn reset(&self) {
        self.offset.store(0, Ordering::SeqCst);
    }
}

fn real_now() -> i64 {
    // A system clock before 1970 is not a case worth an error path here.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Formats Unix seconds as an RFC 9110 HTTP-date (`Date`, `Retry-After`).
pub(crate) fn http_date(unix: i64) -> String {
    let secs = u64::try_from(unix).unwrap_or(0);
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_and_reset_returns() {
        let clock = Clock::default();
        let before = clock.now();
        let after = clock.advance(3600);
        assert!(after >= before + 3600);
        clock.reset();
        assert!(clock.now() < after);
    }

    #[test]
    fn http_date_is_imf_fixdate() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
