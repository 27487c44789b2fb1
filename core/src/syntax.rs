//! The character rules of the values a provider sends: RFC 6749 Appendix A
//! (tokens, scopes, error codes), RFC 6750 §2.1 (`b64token`) and RFC 9110
//! §5.6.2 / §11.2 (`token`, `token68`). A value outside its rule is refused
//! where it is read, so that nothing the client prints or sends on (an
//! `Authorization` header, a log line) carries a character it must not.
//! The same table of byte classes also says what form encoding leaves as
//! it is (`crate::form`).

/// RFC 9110 §5.6.2 `tchar`: the characters of a header `token`.
const TCHAR: u8 = 1;
/// RFC 6750 §2.1 `b64token` / RFC 9110 §11.2 `token68`, `=` aside:
/// ALPHA, DIGIT, `-`, `.`, `_`, `~`, `+`, `/`.
const TOKEN68: u8 = 2;
/// RFC 6749 A.4 / A.7 `NQSCHAR`: `%x20-21 / %x23-5B / %x5D-7E`.
const NQSCHAR: u8 = 4;
/// RFC 6749 A.17 `VSCHAR`: `%x20-7E`.
const VSCHAR: u8 = 8;
/// RFC 6749 A.4 `NQCHAR`: `%x21 / %x23-5B / %x5D-7E` (`NQSCHAR` but space).
const NQCHAR: u8 = 16;
/// What `application/x-www-form-urlencoded` leaves as it is (the WHATWG
/// URL standard's serializer): ASCII alphanumerics and `*-._`.
const FORM_UNCHANGED: u8 = 32;
/// RFC 3986 §3.2.2 `reg-name` without percent-encodings: `unreserved` and
/// `sub-delims`.
const REG_NAME: u8 = 64;
/// RFC 3986 §3.3 `pchar` without percent-encodings, and `/` and `?`: what
/// a path, query and fragment are made of (§3.3–3.5).
const PATH_QUERY: u8 = 128;

/// Each byte's classes, one bit each: one lookup per byte of a token
/// (they are read on every token response), not a search of a list.
const CLASSES: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        let alphanumeric = b.is_ascii_alphanumeric();
        let mut class = 0;
        if alphanumeric || one_of(b, b"!#$%&'*+-.^_`|~") {
            class |= TCHAR;
        }
        if alphanumeric || one_of(b, b"-._~+/") {
            class |= TOKEN68;
        }
        if matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e) {
            class |= NQSCHAR;
        }
        if matches!(b, 0x20..=0x7e) {
            class |= VSCHAR;
        }
        if matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e) {
            class |= NQCHAR;
        }
        if alphanumeric || one_of(b, b"*-._") {
            class |= FORM_UNCHANGED;
        }
        if alphanumeric || one_of(b, b"-._~!$&'()*+,;=") {
            class |= REG_NAME;
        }
        if alphanumeric || one_of(b, b"-._~!$&'()*+,;=:@/?") {
            class |= PATH_QUERY;
        }
        table[byte] = class;
        byte += 1;
    }
    table
}

const fn one_of(byte: u8, set: &[u8]) -> bool {
    let mut i = 0;
    while i < set.len() {
        if set[i] == byte {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether every byte of `bytes` is of `class` (and there is one).
fn all_of(bytes: &[u8], class: u8) -> bool {
    !bytes.is_empty() && each_of(bytes, class)
}

/// Whether every byte of `bytes`, if any, is of `class`.
fn each_of(bytes: &[u8], class: u8) -> bool {
    bytes.iter().all(|&b| CLASSES[usize::from(b)] & class != 0)
}

/// Whether form encoding leaves `value` as it is (an empty one too).
pub(crate) fn is_form_unchanged(value: &str) -> bool {
    each_of(value.as_bytes(), FORM_UNCHANGED)
}

/// Whether form encoding leaves `byte` as it is.
pub(crate) fn is_form_unchanged_byte(byte: u8) -> bool {
    CLASSES[usize::from(byte)] & FORM_UNCHANGED != 0
}

/// RFC 9110 §5.6.2 `tchar`: the characters of a header `token`.
pub(crate) fn is_tchar(byte: u8) -> bool {
    CLASSES[usize::from(byte)] & TCHAR != 0
}

/// RFC 9110 §11.2 `token68` (and RFC 6750 §2.1 `b64token`, the same
/// rule): base64 or base64url characters, `=` only at the end.
pub(crate) fn is_token68(value: &str) -> bool {
    let bytes = value.as_bytes();
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    all_of(&bytes[..bytes.len() - padding], TOKEN68)
}

/// RFC 6749 A.17 `refresh-token = 1*VSCHAR` (printable ASCII and space).
pub(crate) fn is_refresh_token(value: &str) -> bool {
    all_of(value.as_bytes(), VSCHAR)
}

/// RFC 6749 A.4 `scope-token = 1*NQCHAR`: printable ASCII except space,
/// `"` and `\`.
pub(crate) fn is_scope_token(value: &str) -> bool {
    all_of(value.as_bytes(), NQCHAR)
}

/// RFC 6749 A.7 / A.8 `error` and `error-description = 1*NQSCHAR`:
/// printable ASCII and space, except `"` and `\` (also RFC 6750 §3).
///
/// A word at a time: every error response has one or two.
pub(crate) fn is_error_text(value: &str) -> bool {
    use crate::byte_scan::{find_first, lanes_below, lanes_equal, lanes_not_ascii};
    let outside = |word| {
        lanes_below(word, 0x20)
            | lanes_equal(word, b'"')
            | lanes_equal(word, b'\\')
            | lanes_equal(word, 0x7f)
            | lanes_not_ascii(word)
    };
    let bytes = value.as_bytes();
    let is_outside = |b: u8| CLASSES[usize::from(b)] & NQSCHAR == 0;
    !bytes.is_empty() && find_first(bytes, outside, is_outside).is_none()
}

/// RFC 6749 A.9 `error-uri = URI-reference` (RFC 3986, which keeps it
/// within `%x21 / %x23-5B / %x5D-7E`), here only an absolute `https` or
/// `http` URI: apps show it as a link, and a `javascript:` or `data:` URI
/// there is script the provider (or whoever wrote the redirect) chose
/// (RFC 6749 §10.14, RFC 9700 §4.10).
///
/// The browser package skips the one-pass check: its size comes first
/// there (bindings-wasm/SIZE.md), and the full parser gives the same
/// answer.
pub(crate) fn is_error_uri(value: &str) -> bool {
    (!cfg!(authflow_compact) && is_plain_http_uri(value)) || is_http_uri(value)
}

/// Whether `value` is an `http` or `https` URI of the plain shape most
/// error URIs have, which RFC 3986 certainly allows: `scheme://host`, an
/// optional `:port`, then a path, query and fragment without
/// percent-encodings. Read in one pass; anything else goes to the full
/// parser ([`is_http_uri`]), which this never contradicts.
fn is_plain_http_uri(value: &str) -> bool {
    let scheme = |prefix: &[u8]| {
        let bytes = value.as_bytes();
        let matches = bytes
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix));
        matches.then(|| &bytes[prefix.len()..])
    };
    let Some(rest) = scheme(b"https://").or_else(|| scheme(b"http://")) else {
        return false;
    };
    // The authority: a host, then digits after a `:`.
    let outside = |bytes: &[u8], class: u8| {
        let at = bytes
            .iter()
            .position(|&b| CLASSES[usize::from(b)] & class == 0);
        at.unwrap_or(bytes.len())
    };
    let host = outside(rest, REG_NAME);
    let mut rest = &rest[host..];
    if let Some(port) = rest.strip_prefix(b":") {
        rest = &port[port.iter().take_while(|b| b.is_ascii_digit()).count()..];
    }
    // Then the path, query and fragment: `#` once, a fragment holds no other.
    let fragment = match rest.first() {
        None => return host > 0,
        Some(b'/' | b'?' | b'#') => &rest[outside(rest, PATH_QUERY)..],
        Some(_) => return false,
    };
    host > 0
        && fragment
            .split_first()
            .is_none_or(|(&hash, fragment)| hash == b'#' && each_of(fragment, PATH_QUERY))
}

/// Whether `value` is an absolute `http` or `https` URI with a host, read
/// by a full RFC 3986 parser.
fn is_http_uri(value: &str) -> bool {
    fluent_uri::Uri::parse(value).is_ok_and(|uri| {
        let scheme = uri.scheme().as_str();
        (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
            && uri.authority().is_some_and(|a| !a.host().is_empty())
    })
}

/// Text from a provider's own error format (not RFC 6749's) that may be
/// printed: no control characters, so it cannot break a log line.
pub(crate) fn is_printable(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(char::is_control)
}

/// `value` for quoting in a message: control characters (a line break
/// that would forge a log line, a terminal escape) written as `\u{..}`.
/// (`str::escape_debug` would do, at the cost of Unicode tables in the
/// browser package.)
pub(crate) fn escape_controls(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_control() {
            out.push_str("\\u{");
            crate::text::push_hex(&mut out, u32::from(c));
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token68_allows_padding_only_at_the_end() {
        for good in ["abc", "a-b.c_d~e+f/g", "abc==", "A0z9="] {
            assert!(is_token68(good), "{good}");
        }
        for bad in ["", "=", "==", "a=b", "a b", "a,b", "a\"b", "é", "a\r\n"] {
            assert!(!is_token68(bad), "{bad:?}");
        }
    }

    #[test]
    fn character_sets_follow_appendix_a() {
        assert!(is_refresh_token(" !~\"\\"));
        assert!(!is_refresh_token("a\tb") && !is_refresh_token("é") && !is_refresh_token(""));
        assert!(is_scope_token("urn:x:a=b&c,d"));
        for bad in ["a b", "a\"b", "a\\b", "", "é", "a\u{7f}"] {
            assert!(!is_scope_token(bad), "{bad:?}");
        }
        assert!(is_error_text("invalid_grant") && is_error_text("a b !"));
        for bad in ["", "a\"b", "a\\b", "a\nb", "é"] {
            assert!(!is_error_text(bad), "{bad:?}");
        }
        assert!(is_error_uri("https://as.example/e#x") && is_error_uri("http://127.0.0.1/e"));
        assert!(!is_error_uri("https://as.example/a b") && !is_error_uri("/a?[1]"));
        assert!(!is_error_uri("é") && !is_error_uri("a\"b"));
        // Only absolute http(s): a relative reference has no base here, and
        // other schemes are script or local files when shown as a link.
        for bad in [
            "/docs?a=%5B1%5D",
            "javascript:alert(1)",
            "data:text/html,x",
            "https:///x",
        ] {
            assert!(!is_error_uri(bad), "{bad:?}");
        }
        assert!(is_printable("Código caducado") && !is_printable("a\r\nb"));
    }

    /// The one-pass check of plain URIs never accepts what the full
    /// parser refuses, and accepts the usual shapes itself.
    #[test]
    fn plain_uris_are_accepted_only_where_the_full_parser_accepts_them() {
        for plain in [
            "https://as.example/errors/invalid_grant",
            "HTTP://127.0.0.1:8080/e?a=b&c=d;e#top",
            "https://as.example",
            "https://as.example?x=/y:z@w",
            "http://a.b:/p",
        ] {
            assert!(is_plain_http_uri(plain), "{plain}");
            assert!(is_http_uri(plain), "{plain}");
        }
        // Every string of up to four characters from an alphabet of the
        // separators and a few of each class, after each scheme.
        let alphabet = b"a1-~%!:@/?#[]. \"";
        let mut checked = 0;
        for prefix in ["http://", "https://", "http:/", "https:", "ftp://", ""] {
            for length in 0..=4u32 {
                for mut n in 0..alphabet.len().pow(length) {
                    let mut text = prefix.to_owned();
                    for _ in 0..length {
                        text.push(char::from(alphabet[n % alphabet.len()]));
                        n /= alphabet.len();
                    }
                    if is_plain_http_uri(&text) {
                        assert!(is_http_uri(&text), "{text:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1_000, "{checked}");
    }

    /// The word-at-a-time reading of error texts finds a byte outside
    /// `NQSCHAR` in any lane of any word, and in the tail.
    #[test]
    fn error_texts_are_checked_at_every_position() {
        let outside: Vec<String> = (0u8..0x20)
            .chain([b'"', b'\\', 0x7f])
            .map(|b| char::from(b).to_string())
            .chain(["é".to_owned(), "\u{10ffff}".to_owned()])
            .collect();
        for length in 1..20 {
            assert!(is_error_text(&"a ~!#[]".repeat(3)[..length]));
            for at in 0..length {
                for bad in &outside {
                    let mut text = "a".repeat(length);
                    text.replace_range(at..=at, bad);
                    assert!(!is_error_text(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn each_rule_is_its_appendix_a_range_for_every_ascii_byte() {
        for byte in 0u8..=0x7f {
            let text = char::from(byte).to_string();
            let vschar = (0x20..=0x7e).contains(&byte);
            let nqschar = vschar && byte != b'"' && byte != b'\\';
            assert_eq!(is_refresh_token(&text), vschar, "{byte:#x}");
            assert_eq!(is_error_text(&text), nqschar, "{byte:#x}");
            assert_eq!(is_scope_token(&text), nqschar && byte != b' ', "{byte:#x}");
            let b64 = byte.is_ascii_alphanumeric() || "-._~+/".contains(char::from(byte));
            assert_eq!(
                is_token68(&format!("a{text}")),
                b64 || byte == b'=',
                "{byte:#x}"
            );
        }
    }

    #[test]
    fn tchar_is_rfc_9110s() {
        let tchars: String = (0u8..=127)
            .filter(|b| is_tchar(*b))
            .map(char::from)
            .collect();
        assert_eq!(
            tchars,
            "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"
        );
    }
}
