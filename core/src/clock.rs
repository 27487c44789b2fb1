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

/// Seconds to wait from a `Retry-After` header: delay-seconds, or an HTTP
/// date measured against the server's own `Date` when present (so our
/// clock's error does not count twice), else against `now`.
pub(crate) fn retry_after(response: &HttpResponse, now: u64) -> Option<u64> {
    let value = response.header("Retry-After")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let at = parse_http_date(value)?;
    let reference = response
        .header("Date")
        .and_then(parse_http_date)
        .unwrap_or(now);
    Some(at.saturating_sub(reference))
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

fn clamp_to_i64(value: u64) -> i64 {
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
        assert_eq!(retry_after(&response(&no_date), 784_111_900), Some(0));
        assert_eq!(retry_after(&response(&[("Retry-After", "soon")]), 0), None);
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
