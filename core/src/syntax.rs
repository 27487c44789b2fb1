//! The character rules of the values a provider sends: RFC 6749 Appendix A
//! (tokens, scopes, error codes), RFC 6750 §2.1 (`b64token`) and RFC 9110
//! §5.6.2 / §11.2 (`token`, `token68`). A value outside its rule is refused
//! where it is read, so that nothing the client prints or sends on (an
//! `Authorization` header, a log line) carries a character it must not.

/// RFC 9110 §5.6.2 `tchar`: the characters of a header `token`.
pub(crate) fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// RFC 9110 §11.2 `token68` (and RFC 6750 §2.1 `b64token`, the same
/// rule): base64 or base64url characters, `=` only at the end.
pub(crate) fn is_token68(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// RFC 6749 A.17 `refresh-token = 1*VSCHAR` (printable ASCII and space).
pub(crate) fn is_refresh_token(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// RFC 6749 A.4 `scope-token = 1*NQCHAR`: printable ASCII except space,
/// `"` and `\`.
pub(crate) fn is_scope_token(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| is_nqschar(b) && b != b' ')
}

/// RFC 6749 A.7 / A.8 `error` and `error-description = 1*NQSCHAR`:
/// printable ASCII and space, except `"` and `\` (also RFC 6750 §3).
pub(crate) fn is_error_text(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(is_nqschar)
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

/// `NQSCHAR = %x20-21 / %x23-5B / %x5D-7E`.
fn is_nqschar(byte: u8) -> bool {
    matches!(byte, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e)
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
