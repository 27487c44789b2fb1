//! Keeping secrets out of error texts the core did not write: a provider's
//! own words (a server may echo what it got: the refresh token in an
//! `invalid_grant` description, the code in a request id) and a
//! transport's reason (a host's HTTP client may quote the request). The
//! core's own messages never hold a secret; these may, so every secret the
//! request carried is replaced by [`REDACTED`] wherever it appears.

use crate::http::HttpRequest;
use zeroize::Zeroizing;

/// What a secret is replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

/// Shorter values are not looked for: they would match ordinary words of a
/// description, and no credential is that short.
const MIN_SECRET_LEN: usize = 4;

/// Request parameters (form, JSON body or query) whose values are secrets.
pub(crate) fn is_secret_param(name: &str) -> bool {
    match name {
        "code" | "code_verifier" | "refresh_token" | "access_token" | "token" | "id_token" => true,
        #[cfg(feature = "device")]
        "device_code" => true,
        #[cfg(feature = "resources")]
        "subject_token" | "actor_token" => true,
        #[cfg(feature = "confidential")]
        "client_secret" | "password" | "client_assertion" | "assertion" => true,
        _ => false,
    }
}

/// Replaces every occurrence of each secret in `text`, longest first (so
/// that a secret containing another goes whole).
pub(crate) fn redact(text: &mut String, secrets: &[&str]) {
    // Nearly always nothing to replace: seen without building a list.
    if !quotes_any(text, secrets) {
        return;
    }
    let mut secrets: Vec<&str> = secrets
        .iter()
        .copied()
        .filter(|secret| quotes_any(text, &[secret]))
        .collect();
    // Longest first, picked one at a time (a request carries a handful):
    // no sort in the browser module for it.
    while let Some(longest) = (0..secrets.len()).max_by_key(|&at| secrets[at].len()) {
        let secret = secrets.swap_remove(longest);
        if quotes(text, secret) {
            let redacted = Zeroizing::new(replace_all(text, secret));
            *text = redacted.to_string();
        }
    }
}

/// Whether `text` holds one of `secrets` long enough to be looked for.
pub(crate) fn quotes_any(text: &str, secrets: &[&str]) -> bool {
    secrets
        .iter()
        .any(|secret| secret.len() >= MIN_SECRET_LEN && quotes(text, secret))
}

/// Whether `text` holds `secret` (not empty).
fn quotes(text: &str, secret: &str) -> bool {
    find(text, secret).is_some()
}

/// `text` with every occurrence of `secret` (not empty) replaced by
/// [`REDACTED`], as `str::replace` does.
fn replace_all(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find(rest, secret) {
        out.push_str(&rest[..at]);
        out.push_str(REDACTED);
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// The byte offset of the first `needle` in `text`, as `str::find` gives
/// it. Error texts are short, and there a scan for the needle's first
/// byte, a word at a time, costs less than the two-way search `str::find`
/// sets up for each needle; natively, long texts keep the two-way search,
/// whose time cannot degrade. The browser module has only the scan: the
/// two-way search cost it 877 bytes gzipped
/// (bindings-wasm/SIZE.md), and its texts are bounded by the 4 MiB a
/// response may have there.
pub(crate) fn find(text: &str, needle: &str) -> Option<usize> {
    #[cfg(not(target_arch = "wasm32"))]
    if text.len() > 256 {
        return text.find(needle);
    }
    scan(text, needle)
}

/// [`find`] by a scan for the needle's first byte, each candidate compared
/// whole.
fn scan(text: &str, needle: &str) -> Option<usize> {
    use crate::byte_scan::{find_first, lanes_equal};
    let (text, needle) = (text.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let starts = text.len().saturating_sub(rest.len());
    let mut from = 0;
    while let Some(found) = text.get(from..starts).and_then(|candidates| {
        find_first(candidates, |word| lanes_equal(word, first), |b| b == first)
    }) {
        let at = from + found;
        if text
            .get(at + 1..)
            .is_some_and(|after| after.starts_with(rest))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The secret values in a parsed JSON object's members named like secret
/// parameters (a request's JSON body, a token response).
pub(crate) fn json_secrets(object: &crate::json::Members) -> Vec<Zeroizing<String>> {
    object
        .iter()
        .filter(|(name, _)| is_secret_param(name))
        .filter_map(|(_, value)| value.as_str())
        .map(|value| Zeroizing::new(value.to_owned()))
        .collect()
}

impl HttpRequest {
    /// `text` with every secret this request carries replaced by
    /// `[redacted]`: for words about the request that did not come from the
    /// core, such as a host transport's reason for a failure.
    pub fn redact_secrets(&self, text: &str) -> String {
        let secrets = self.secret_values();
        let secrets: Vec<&str> = secrets.iter().map(|s| s.as_str()).collect();
        let mut text = text.to_owned();
        redact(&mut text, &secrets);
        text
    }

    /// The secrets this request carries, as sent and as decoded: the values
    /// of secret parameters in its body (form or JSON) and query, and the
    /// credentials of its `Authorization` header.
    pub(crate) fn secret_values(&self) -> Vec<Zeroizing<String>> {
        let mut found = Vec::new();
        let is_json = self
            .header("Content-Type")
            .is_some_and(|t| find(t, "json").is_some());
        if is_json {
            if let Some(object) = crate::json::Members::parse(&self.body) {
                found.extend(json_secrets(&object));
            }
        } else {
            form_secrets(&self.body, &mut found);
        }
        if let Some((_, query)) = self.url.split_once('?') {
            let query = query.split('#').next().unwrap_or_default();
            form_secrets(query.as_bytes(), &mut found);
        }
        for (name, value) in &self.headers {
            if name.eq_ignore_ascii_case("authorization") {
                if let Some((_scheme, credentials)) = value.split_once(' ') {
                    let credentials = credentials.trim();
                    #[cfg(feature = "confidential")]
                    found.extend(basic_password(_scheme, credentials));
                    found.push(Zeroizing::new(credentials.to_owned()));
                }
            }
        }
        found
    }
}

impl crate::TokenSet {
    /// `text` with this set's tokens (access, refresh, ID) replaced by
    /// `[redacted]`, the longest first: for words about the set that did
    /// not come from the core, such as the error of the app's store that
    /// was handed it (a database quotes a statement's parameters).
    pub fn redact_secrets(&self, text: &str) -> String {
        let mut secrets = vec![self.access_token().secret()];
        secrets.extend(self.refresh_token().map(|token| token.secret()));
        #[cfg(feature = "openid-claims")]
        secrets.extend(self.id_token().map(|token| token.secret()));
        let mut text = text.to_owned();
        redact(&mut text, &secrets);
        text
    }
}

/// The values of secret parameters in a form-encoded text, as sent and as
/// decoded (a provider may echo either).
fn form_secrets(encoded: &[u8], found: &mut Vec<Zeroizing<String>>) {
    for pair in encoded.split(|b| *b == b'&') {
        let Some(at) = pair.iter().position(|b| *b == b'=') else {
            continue;
        };
        let Some((name, value)) = crate::form::parse(pair).next() else {
            continue;
        };
        if is_secret_param(&name) {
            found.push(Zeroizing::new(
                String::from_utf8_lossy(&pair[at + 1..]).into_owned(),
            ));
            found.push(Zeroizing::new(value.into_owned()));
        }
    }
}

/// The password (client secret) inside HTTP Basic credentials (RFC 7617;
/// RFC 6749 §2.3.1 form-encodes it first), as sent and as decoded.
#[cfg(feature = "confidential")]
fn basic_password(scheme: &str, credentials: &str) -> Vec<Zeroizing<String>> {
    use base64::Engine as _;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Vec::new();
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials) else {
        return Vec::new();
    };
    let decoded = Zeroizing::new(decoded);
    let Some(at) = decoded.iter().position(|b| *b == b':') else {
        return Vec::new();
    };
    let raw = &decoded[at + 1..];
    let unescaped: String = crate::form::parse(&[b"p=".as_slice(), raw].concat())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    vec![
        Zeroizing::new(String::from_utf8_lossy(raw).into_owned()),
        Zeroizing::new(unescaped),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    #[test]
    fn every_occurrence_goes_and_short_values_stay() {
        let mut text = "rt-123456 and again rt-123456, not abc".to_owned();
        redact(&mut text, &["rt-123456", "abc", ""]);
        assert_eq!(text, "[redacted] and again [redacted], not abc");
        let mut nested = "rt-123456-long".to_owned();
        redact(&mut nested, &["rt-123456", "rt-123456-long"]);
        assert_eq!(nested, "[redacted]");
    }

    #[test]
    fn a_secret_is_found_at_any_offset_as_str_contains_finds_it() {
        // Near misses first (the first byte, most of the secret), then the
        // secret at each offset, across word boundaries and at the end.
        for length in 0..40 {
            for at in 0..=length {
                let mut text = "sesecresecret-".repeat(4)[..length].to_owned();
                text.insert_str(at, "secret-1");
                for secret in ["secret-1", "secret-2", "s"] {
                    assert_eq!(
                        quotes(&text, secret),
                        text.contains(secret),
                        "{text} {secret}"
                    );
                }
            }
        }
        assert!(!quotes("abc", "abcd") && quotes("abcd", "abcd") && quotes("", ""));
    }

    /// A token set's tokens leave a text whole, the access token inside
    /// the refresh token included; the rest of the text stays.
    #[test]
    fn a_token_sets_tokens_are_redacted_from_a_text() {
        let tokens = crate::TokenSet::from_json(
            r#"{"v":1,"access_token":"at-SECRET","token_type":"Bearer","refresh_token":"rt-at-SECRET-rt","issued_at":1}"#,
        )
        .unwrap();
        let text = r#"INSERT failed [parameters: ('{"access_token":"at-SECRET","refresh_token":"rt-at-SECRET-rt"}',)]"#;
        assert_eq!(
            tokens.redact_secrets(text),
            r#"INSERT failed [parameters: ('{"access_token":"[redacted]","refresh_token":"[redacted]"}',)]"#
        );
    }

    /// A secret that contains another goes whole, whatever the order the
    /// secrets come in: nothing of the longer one is left around a
    /// replaced shorter one.
    #[test]
    fn the_longest_secret_is_replaced_first() {
        for secrets in [
            ["at-SECRET", "rt-at-SECRET-rt"],
            ["rt-at-SECRET-rt", "at-SECRET"],
        ] {
            let mut text = "refresh rt-at-SECRET-rt, access at-SECRET".to_owned();
            redact(&mut text, &secrets);
            assert_eq!(text, "refresh [redacted], access [redacted]", "{secrets:?}");
        }
    }

    /// The scan (all the browser module has) finds what `str::find` finds,
    /// in long texts too, and the replacement is `str::replace`'s.
    #[test]
    fn the_scan_and_the_replacement_match_the_standard_library() {
        let long = "sesecresecret-é".repeat(40);
        for text in [
            "",
            "secret-1",
            "a secret-1 and secret-1é",
            "secretsecret-1secret-1",
            &long,
        ] {
            for at in [0, text.len() / 2, text.len()] {
                if !text.is_char_boundary(at) {
                    continue;
                }
                let mut text = text.to_owned();
                text.insert_str(at, "secret-1");
                for needle in ["secret-1", "secret-2", "s", "é", "json", ""] {
                    assert_eq!(scan(&text, needle), text.find(needle), "{text} {needle}");
                    assert_eq!(find(&text, needle), text.find(needle), "{text} {needle}");
                    if !needle.is_empty() {
                        assert_eq!(
                            replace_all(&text, needle),
                            text.replace(needle, REDACTED),
                            "{text} {needle}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_requests_secrets_from_form_json_query_and_authorization() {
        let form = HttpRequest::new(
            Method::Post,
            "https://as.example/t?access_token=q-secret".into(),
        )
        .with_header("Authorization", "Bearer bearer-secret")
        .with_body(
            "application/x-www-form-urlencoded",
            b"grant_type=authorization_code&code=c%2Fode-1&client_id=client-1".to_vec(),
        );
        let found: Vec<String> = form.secret_values().iter().map(|s| s.to_string()).collect();
        for secret in ["c%2Fode-1", "c/ode-1", "q-secret", "bearer-secret"] {
            assert!(found.iter().any(|f| f == secret), "{secret} in {found:?}");
        }
        assert!(!found
            .iter()
            .any(|f| f == "client-1" || f == "authorization_code"));

        let json = HttpRequest::new(Method::Post, "https://as.example/t".into()).with_body(
            "application/json",
            br#"{"grant_type":"refresh_token","refresh_token":"rt-json-1"}"#.to_vec(),
        );
        let found: Vec<String> = json.secret_values().iter().map(|s| s.to_string()).collect();
        assert_eq!(found, ["rt-json-1"]);
    }

    #[cfg(feature = "confidential")]
    #[test]
    fn the_password_of_basic_credentials_is_a_secret() {
        use base64::Engine as _;
        let credentials = base64::engine::general_purpose::STANDARD.encode("client-1:s%2Becret");
        let request = HttpRequest::new(Method::Post, "https://as.example/t".into())
            .with_header("Authorization", format!("Basic {credentials}"));
        let found: Vec<String> = request
            .secret_values()
            .iter()
            .map(|s| s.to_string())
            .collect();
        for secret in ["s%2Becret", "s+ecret", credentials.as_str()] {
            assert!(found.iter().any(|f| f == secret), "{secret} in {found:?}");
        }
    }
}
