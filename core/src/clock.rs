//! Reading time from responses: the server's clock (`Date`) and how long to
//! wait (`Retry-After`). The current time always comes from the caller.

use crate::http::HttpResponse;

/// Month names as HTTP dates spell them, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Day names as IMF-fixdate and asctime spell them, Monday first.
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/// Day names as rfc850-date spells them, Monday first.
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The fields of an HTTP date as written, before they are checked.
struct DateParts<'a> {
    /// As written: `Sun` or `Sunday`.
    weekday: &'a [u8],
    day: u64,
    month: &'a [u8],
    year: u64,
    /// `HH:MM:SS`.
    time: &'a [u8],
}

/// Parses an HTTP date (RFC 9110 §5.6.7) into Unix seconds: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms recipients
/// must read, rfc850-date (`Sunday, 06-Nov-94 08:49:37 GMT`) and
/// asctime-date (`Sun Nov  6 08:49:37 1994`). The day name must be the
/// date's; years 1970 to 9999. An rfc850-date's two-digit year is the one
/// at most 50 years after `now`'s year and fewer than 50 before it (the
/// MUST of §5.6.7). Read as the `httpdate` crate reads dates (which places
/// two-digit years in 1970–2069, the window of a `now` in 2019): the
/// `http_dates` fuzz target and the tests compare the two. Written here so
/// that the browser package carries 1 KB instead of 4.6.
pub fn parse_http_date(value: &str, now: u64) -> Option<u64> {
    let s = value.trim().as_bytes();
    let parts = imf_fixdate(s)
        .or_else(|| rfc850_date(s, civil_date(now / 86_400).0))
        .or_else(|| asctime_date(s))?;
    let names = if parts.weekday.len() == 3 {
        DAYS
    } else {
        LONG_DAYS
    };
    let weekday = index_of(&names, parts.weekday)?;
    let month = index_of(&MONTHS, parts.month)? + 1;
    let day = parts.day;
    let [h1, h2, b':', m1, m2, b':', s1, s2] = parts.time else {
        return None;
    };
    let (hour, minute, second) = (
        digits(&[*h1, *h2])?,
        digits(&[*m1, *m2])?,
        digits(&[*s1, *s2])?,
    );
    if !(1970..=9999).contains(&parts.year)
        || !(1..=days_in_month(parts.year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_since_epoch(parts.year, month, day);
    // 1970-01-01 was a Thursday (3, counting from Monday as 0).
    if (days + 3) % 7 != weekday {
        return None;
    }
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(s: &[u8]) -> Option<DateParts<'_>> {
    let [_, _, _, b',', b' ', _, _, b' ', _, _, _, b' ', year @ .., b' ', _, _, b':', _, _, b':', _, _, b' ', b'G', b'M', b'T'] =
        s
    else {
        return None;
    };
    Some(DateParts {
        weekday: &s[..3],
        day: digits(&s[5..7])?,
        month: &s[8..11],
        year: four_digit_year(year)?,
        time: &s[17..25],
    })
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`, read in `current_year`.
fn rfc850_date(s: &[u8], current_year: u64) -> Option<DateParts<'_>> {
    let comma = s.iter().position(|&b| b == b',')?;
    let (weekday, rest) = s.split_at(comma);
    let [b',', b' ', _, _, b'-', _, _, _, b'-', y1, y2, b' ', _, _, b':', _, _, b':', _, _, b' ', b'G', b'M', b'T'] =
        rest
    else {
        return None;
    };
    let year = current_year - current_year % 100 + digits(&[*y1, *y2])?;
    let year = if year > current_year + 50 {
        year - 100
    } else if year + 50 <= current_year {
        year + 100
    } else {
        year
    };
    Some(DateParts {
        weekday: (weekday.len() > 3).then_some(weekday)?,
        day: digits(&rest[2..4])?,
        month: &rest[5..8],
        year,
        time: &rest[12..20],
    })
}

/// `Sun Nov  6 08:49:37 1994`
fn asctime_date(s: &[u8]) -> Option<DateParts<'_>> {
    let [_, _, _, b' ', _, _, _, b' ', _, _, b' ', _, _, b':', _, _, b':', _, _, b' ', year @ ..] =
        s
    else {
        return None;
    };
    Some(DateParts {
        weekday: &s[..3],
        // One digit is written after a space.
        day: match &s[8..10] {
            [b' ', d] => digits(&[*d])?,
            day => digits(day)?,
        },
        month: &s[4..7],
        year: four_digit_year(year)?,
        time: &s[11..19],
    })
}

fn four_digit_year(year: &[u8]) -> Option<u64> {
    (year.len() == 4).then(|| digits(year))?
}

/// Where `name` is in `names`, as a number.
fn index_of(names: &[&str], name: &[u8]) -> Option<u64> {
    let at = names.iter().position(|n| n.as_bytes() == name)?;
    u64::try_from(at).ok()
}

/// The number ASCII digits spell; `None` for anything else.
fn digits(text: &[u8]) -> Option<u64> {
    text.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

fn is_leap_year(year: u64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the Gregorian calendar, from 1970 on
/// (the days-from-civil algorithm: years counted from March, so the leap
/// day ends a year).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let (era, year_of_era) = (year / 400, year % 400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date (year, month from 1, day) `days` after 1970-01-01: the
/// inverse of [`days_since_epoch`].
fn civil_date(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468;
    let (era, day_of_era) = (shifted / 146_097, shifted % 146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = (month_from_march + 2) % 12 + 1;
    (era * 400 + year_of_era + u64::from(month <= 2), month, day)
}

/// Formats Unix seconds as an IMF-fixdate, as `Date` headers carry them.
pub fn format_http_date(unix_seconds: u64) -> String {
    let (days, second_of_day) = (unix_seconds / 86_400, unix_seconds % 86_400);
    let (year, month, day) = civil_date(days);
    let mut out = String::with_capacity(29);
    out.push_str(DAYS[((days + 3) % 7) as usize]);
    out.push_str(", ");
    push_two_digits(&mut out, day);
    out.push(' ');
    out.push_str(MONTHS[(month - 1) as usize]);
    out.push(' ');
    crate::text::push_decimal(&mut out, year);
    out.push(' ');
    push_two_digits(&mut out, second_of_day / 3600);
    out.push(':');
    push_two_digits(&mut out, second_of_day / 60 % 60);
    out.push(':');
    push_two_digits(&mut out, second_of_day % 60);
    out.push_str(" GMT");
    out
}

fn push_two_digits(out: &mut String, n: u64) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// How far the server's clock is ahead of ours (negative: behind), from
/// the response's `Date` header; 0 when there is none or it is unreadable.
pub(crate) fn server_skew(response: &HttpResponse, now: u64) -> i64 {
    response
        .header("Date")
        .and_then(|date| parse_http_date(date, now))
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
        let at = parse_http_date(value, now)?;
        let reference = response
            .header("Date")
            .and_then(|date| parse_http_date(date, now))
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
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", t), Some(t));
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", t),
            Some(t)
        );
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994", t), Some(t));
        assert_eq!(parse_http_date("yesterday", t), None);
        assert_eq!(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    /// An instant in 2019: where the two-digit years of rfc850-dates are
    /// read as `httpdate` reads them (1970–2069).
    const IN_2019: u64 = 1_560_000_000;

    /// The `httpdate` crate's reading of `value`, in Unix seconds.
    fn reference(value: &str) -> Option<u64> {
        let time = httpdate::parse_http_date(value.trim()).ok()?;
        Some(time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs())
    }

    #[test]
    fn dates_at_the_edges_read_as_httpdate_reads_them() {
        for value in [
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Tue, 29 Feb 2000 12:00:00 GMT",
            "Thu, 29 Feb 2100 12:00:00 GMT",
            "Mon, 29 Feb 2100 12:00:00 GMT",
            "Sun, 31 Apr 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:37 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Fri,  5 Oct 2018 17:10:30 GMT",
            "Friday,  5-Oct-18 17:10:30 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov +994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Thursday, 01-Jan-70 00:00:00 GMT",
            "Wednesday, 31-Dec-69 23:59:59 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06 Nov 1994 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun Nov 06 08:49:37 1994",
            "Sun Nov 6  08:49:37 1994",
            "  Sun, 06 Nov 1994 08:49:37 GMT\t",
            "",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
        ] {
            assert_eq!(
                parse_http_date(value, IN_2019),
                reference(value),
                "{value:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn every_instant_is_written_and_read_as_httpdate_does(seconds in 0u64..253_402_300_800) {
            let reference_text =
                httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds));
            let written = format_http_date(seconds);
            proptest::prop_assert_eq!(&written, &reference_text);
            proptest::prop_assert_eq!(parse_http_date(&written, IN_2019), Some(seconds));
            // The two obsolete forms of the same instant.
            let [day_name, day, month, year, time, _] =
                <[&str; 6]>::try_from(written.split([',', ' ']).filter(|p| !p.is_empty()).collect::<Vec<_>>())
                    .unwrap();
            let long = LONG_DAYS[DAYS.iter().position(|d| *d == day_name).unwrap()];
            let rfc850 = format!("{long}, {day}-{month}-{} {time} GMT", &year[2..]);
            proptest::prop_assert_eq!(parse_http_date(&rfc850, IN_2019), reference(&rfc850));
            let asctime = format!("{day_name} {month} {:>2} {time} {year}", day.trim_start_matches('0'));
            proptest::prop_assert_eq!(parse_http_date(&asctime, IN_2019), reference(&asctime));
            proptest::prop_assert_eq!(parse_http_date(&asctime, seconds), Some(seconds));
        }

        #[test]
        fn any_text_is_read_as_httpdate_reads_it(value in "[A-Za-z0-9 ,:-]{0,34}") {
            proptest::prop_assert_eq!(parse_http_date(&value, IN_2019), reference(&value));
        }
    }

    /// RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is the
    /// last such year in the past.
    #[test]
    fn two_digit_years_are_read_around_now() {
        let in_2026 = 1_796_000_000;
        let year = |yy: &str, now: u64| {
            let value = format!("Thursday, 01-Jan-{yy} 00:00:00 GMT");
            // The day name is checked: find the year by trying them all.
            LONG_DAYS
                .iter()
                .find_map(|day| parse_http_date(&value.replacen("Thursday", day, 1), now))
                .map(|at| civil_date(at / 86_400).0)
        };
        assert_eq!(
            year("76", in_2026),
            Some(2076),
            "50 years ahead: still ahead"
        );
        assert_eq!(year("77", in_2026), Some(1977), "51 years ahead: the past");
        assert_eq!(year("26", in_2026), Some(2026));
        assert_eq!(year("99", in_2026), Some(1999));
        assert_eq!(year("75", IN_2019), Some(1975), "as httpdate, from 2019");
        assert_eq!(year("69", IN_2019), Some(2069));
        // From 2090 on, "10" is 2110, not 80 years back.
        assert_eq!(year("10", 3_800_000_000), Some(2110));
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
