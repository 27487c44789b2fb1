//! Reading time from responses: the server's clock (`Date`) and how long to
//! wait (`Retry-After`). The current time always comes from the caller.

use crate::http::HttpResponse;
use std::time::{Duration, UNIX_EPOCH};

/// Parses an HTTP date (RFC 9110 §5.6.7, all three historic forms) into Unix seconds.
pub(crate) fn parse_http_date(value: &str) -> Option<u64> {
    let time = httpdate::parse_http_date(value.trim()).ok()?;
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// Formats Unix seconds as an IMF-fixdate, as `Date` headers carry them.
pub fn format_http_date(unix_seconds: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(unix_seconds))
}

/// How far the server's clock is ahead of ours (negative: behind), from
/// the response's `Date` header; 0 when there is none or it is unreadable.
pub(crate) fn server_skew(response: &HttpResponse, now: u64) -> i64 {
    response
        .header("Date")
        .and_then(parse_http_date)
        .map(|server_now| clamp_to_i64(server_now) - clamp_to_i64(now))
        .unwrap_or(0)
}

/// The shortest wait a `Retry-After` can ask for, in seconds: `0` (or a
/// date already past) would have a session retry in a tight loop.
pub const RETRY_AFTER_FLOOR: u64 = 1;
/// The longest wait a `Retry-After` can ask for, in seconds (one hour): a
/// server's slip (a date in the wrong century, a value in milliseconds)
/// must not park a connection for longer than an operator would notice.
pub const RETRY_AFTER_CEILING: u64 = 3600;

/// Seconds to wait from a `Retry-After` header (RFC 9110 §10.2.3):
/// delay-seconds, or an HTTP date measured against the server's own `Date`
/// when present (so our clock's error does not count twice), else against
/// `now`; held between [`RETRY_AFTER_FLOOR`] and [`RETRY_AFTER_CEILING`].
/// This is the one place a response's wait is read: every
/// [`crate::Error::retry_after`] from a response, and so every session's
/// back-off after one, comes from here.
pub(crate) fn retry_after(response: &HttpResponse, now: u64) -> Option<u64> {
    let value = response.header("Retry-After")?.trim();
    let seconds = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // delay-seconds = 1*DIGIT: more digits than a u64 holds is still
        // a (very long) delay, not garbage.
        value.parse::<u64>().unwrap_or(u64::MAX)
    } else {
        let at = parse_http_date(value)?;
        let reference = response
            .header("Date")
            .and_then(parse_http_date)
            .unwrap_or(now);
        at.saturating_sub(reference)
    };
    Some(seconds.clamp(RETRY_AFTER_FLOOR, RETRY_AFTER_CEILING))
}

/// Converts a server-clock instant to ours.
pub(crate) fn to_local(server_time: u64, skew: i64) -> u64 {
    let local = clamp_to_i64(server_time).saturating_sub(skew);
    u64::try_from(local).unwrap_or(0)
}

/// Converts an instant of our clock to the server's.
pub(crate) fn to_server(local_time: u64, skew: i64) -> u64 {
    local_time.saturating_add_signed(skew)
}

pub(crate) fn clamp_to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse::new(
            429,
            headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            Vec::new(),
        )
    }

    #[test]
    fn http_dates_in_every_form() {
        let t = 784_111_777; // RFC 9110's example instant
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn retry_after_seconds_or_date() {
        assert_eq!(
            retry_after(&response(&[("Retry-After", "120")]), 0),
            Some(120)
        );
        let date = [
            ("Retry-After", "Sun, 06 Nov 1994 08:50:37 GMT"),
            ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ];
        // Measured against the server's Date, whatever our clock says.
        assert_eq!(retry_after(&response(&date), 5), Some(60));
        let no_date = [("Retry-After", "Sun, 06 Nov 1994 08:50:37 GMT")];
        assert_eq!(retry_after(&response(&no_date), 784_111_777), Some(60));
        assert_eq!(retry_after(&response(&[("Retry-After", "soon")]), 0), None);
        // Not delay-seconds (1*DIGIT), and not a date either.
        assert_eq!(retry_after(&response(&[("Retry-After", "+5")]), 0), None);
        assert_eq!(retry_after(&response(&[("Retry-After", "-5")]), 0), None);
        assert_eq!(retry_after(&response(&[("Retry-After", "")]), 0), None);
    }

    #[test]
    fn retry_after_is_held_between_floor_and_ceiling() {
        let wait = |value: &str, now: u64| retry_after(&response(&[("Retry-After", value)]), now);
        assert_eq!(wait("0", 0), Some(RETRY_AFTER_FLOOR));
        assert_eq!(wait("1", 0), Some(1));
        assert_eq!(wait("3600", 0), Some(3600));
        assert_eq!(wait("3601", 0), Some(RETRY_AFTER_CEILING));
        assert_eq!(wait("3153600000", 0), Some(RETRY_AFTER_CEILING));
        assert_eq!(
            wait("99999999999999999999999", 0),
            Some(RETRY_AFTER_CEILING)
        );
        // A date already past, and one centuries ahead.
        assert_eq!(
            wait("Sun, 06 Nov 1994 08:50:37 GMT", 784_111_900),
            Some(RETRY_AFTER_FLOOR)
        );
        assert_eq!(
            wait("Fri, 31 Dec 9999 23:59:59 GMT", 784_111_900),
            Some(RETRY_AFTER_CEILING)
        );
    }

    #[test]
    fn skew_from_date() {
        let r = response(&[("Date", "Sun, 06 Nov 1994 08:54:37 GMT")]);
        assert_eq!(server_skew(&r, 784_111_777), 300);
        assert_eq!(to_local(784_112_077, 300), 784_111_777);
        assert_eq!(to_server(784_111_777, 300), 784_112_077);
        assert_eq!(to_server(5, -300), 0);
        assert_eq!(server_skew(&response(&[]), 5), 0);
    }
}
