//! The character rules of the values a provider sends: RFC 6749 Appendix A
//! (tokens, scopes) and RFC 6750 §2.1 (`b64token`). A value outside its
//! rule is refused where it is read, so that nothing the client prints or
//! sends on (an `Authorization` header, a log line) carries a character it
//! must not.

/// RFC 6750 §2.1 `b64token`: base64 or base64url characters, `=` only at
/// the end.
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
    }
}
