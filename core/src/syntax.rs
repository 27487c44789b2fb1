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
    !bytes.is_empty() && bytes.iter().all(|&b| CLASSES[usize::from(b)] & class != 0)
}

/// Whether form encoding leaves `value` as it is (an empty one too).
pub(crate) fn is_form_unchanged(value: &str) -> bool {
    value
        .bytes()
        .all(|b| CLASSES[usize::from(b)] & FORM_UNCHANGED != 0)
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
pub(crate) fn is_error_text(value: &str) -> bool {
    all_of(value.as_bytes(), NQSCHAR)
}

/// RFC 6749 A.9 `error-uri = URI-reference` (RFC 3986, which keeps it
/// within `%x21 / %x23-5B / %x5D-7E`), here only an absolute `https` or
/// `http` URI: apps show it as a link, and a `javascript:` or `data:` URI
/// there is script the provider (or whoever wrote the redirect) chose
/// (RFC 6749 §10.14, RFC 9700 §4.10).
pub(crate) fn is_error_uri(value: &str) -> bool {
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
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
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
