//! Authentication challenges: the `WWW-Authenticate` header of RFC 9110
//! §11.6.1, read as §11.3 and §11.2 write it.
//!
//! One field value can hold several challenges, a challenge several
//! parameters, and a quoted parameter value commas, so the value cannot be
//! split on commas: it is read one list element at a time. An element
//! `name = value` is a parameter of the challenge before it (a scheme is
//! never followed by `=`), any other element starts a challenge. Several
//! field lines are one list (RFC 9110 §5.3), read as if joined by commas,
//! except that a quoted string must end on the line where it starts.

use crate::error::{Error, Result};
use crate::http::HttpResponse;
use crate::syntax::{is_tchar, is_token68};

/// One challenge: an authentication scheme with either a `token68` or
/// parameters (RFC 9110 §11.3).
///
/// ```
/// use authflowkit_core::Challenge;
///
/// let challenges = Challenge::parse_all([
///     r#"Basic realm="api", bearer error="invalid_token", error_description="expired, sorry""#,
/// ])?;
/// let bearer = challenges.iter().find(|c| c.is_scheme("Bearer")).unwrap();
/// assert_eq!(bearer.param("Error"), Some("invalid_token"));
/// assert_eq!(bearer.param("error_description"), Some("expired, sorry"));
/// # Ok::<(), authflowkit_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    scheme: String,
    token68: Option<String>,
    params: Vec<(String, String)>,
}

impl Challenge {
    /// Reads every challenge of a `WWW-Authenticate` header, given the
    /// values of all its field lines in the order received. Empty list
    /// elements are skipped; anything else that does not follow the
    /// grammar (an unterminated quoted string, a parameter without a value,
    /// a parameter named twice in one challenge) is an
    /// [`crate::ErrorKind::InvalidResponse`] error.
    pub fn parse_all<'a>(
        field_values: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Challenge>> {
        // Field lines join as list elements, but a quoted string cannot run
        // from one line into the next: joined with a line feed, which no
        // valid field value holds and the reader takes as a separator only.
        let values: Vec<&str> = field_values.into_iter().collect();
        let malformed = |at: usize| {
            Error::invalid_response(format!(
                "the WWW-Authenticate header is malformed near byte {at}"
            ))
        };
        if values.iter().any(|v| v.contains('\n')) {
            return Err(malformed(0));
        }
        let joined = values.join("\n");
        let mut reader = Reader {
            text: joined.as_bytes(),
            at: 0,
        };
        reader.challenges().ok_or_else(|| malformed(reader.at))
    }

    /// The authentication scheme as sent (compare it with
    /// [`Challenge::is_scheme`]: schemes are case-insensitive).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Whether this is a challenge of `scheme`, in any case.
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The `token68` form of the challenge's data, if it used that form.
    pub fn token68(&self) -> Option<&str> {
        self.token68.as_deref()
    }

    /// The parameters, names as sent, values with quoting removed, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// A parameter's value by case-insensitive name (each name appears at
    /// most once in a challenge).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl HttpResponse {
    /// The challenges of every `WWW-Authenticate` field line of the
    /// response (RFC 9110 §11.6.1); see [`Challenge::parse_all`].
    pub fn challenges(&self) -> Result<Vec<Challenge>> {
        Challenge::parse_all(self.header_values("WWW-Authenticate"))
    }
}

/// A reader over the joined field value; `None` means malformed at `at`.
struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn challenges(&mut self) -> Option<Vec<Challenge>> {
        let mut challenges: Vec<Challenge> = Vec::new();
        loop {
            self.skip_empty_elements();
            if self.at == self.text.len() {
                return Some(challenges);
            }
            let name = self.token()?;
            let spaced = self.skip_whitespace();
            if self.peek() == Some(b'=') {
                // A parameter of the challenge before it (RFC 9110 §11.2).
                let challenge = challenges.last_mut()?;
                let value = self.param_value()?;
                challenge.add_param(name, value)?;
            } else {
                let mut challenge = Challenge {
                    scheme: name,
                    token68: None,
                    params: Vec::new(),
                };
                if spaced && !self.at_element_end() {
                    match self.token68() {
                        Some(token68) => challenge.token68 = Some(token68),
                        None => {
                            let name = self.token()?;
                            self.skip_whitespace();
                            let value = self.param_value()?;
                            challenge.add_param(name, value)?;
                        }
                    }
                }
                challenges.push(challenge);
            }
            self.skip_whitespace();
            if !self.at_element_end() {
                return None;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    /// OWS (RFC 9110 §5.6.3); whether there was any.
    fn skip_whitespace(&mut self) -> bool {
        let start = self.at;
        while let Some(b' ' | b'\t') = self.peek() {
            self.at += 1;
        }
        self.at > start
    }

    /// Commas, field-line breaks and whitespace between list elements (RFC
    /// 9110 §5.6.1: a recipient skips empty elements).
    fn skip_empty_elements(&mut self) {
        while let Some(b' ' | b'\t' | b',' | b'\n') = self.peek() {
            self.at += 1;
        }
    }

    fn at_element_end(&self) -> bool {
        matches!(self.peek(), None | Some(b',' | b'\n'))
    }

    /// `token = 1*tchar`.
    fn token(&mut self) -> Option<String> {
        let start = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        self.text(start)
    }

    /// A `token68` that fills the rest of its list element; the reader
    /// stays where it was when there is none.
    fn token68(&mut self) -> Option<String> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b))
        {
            self.at += 1;
        }
        let candidate = self.text(start).filter(|t| is_token68(t));
        self.skip_whitespace();
        if candidate.is_some() && self.at_element_end() {
            return candidate;
        }
        self.at = start;
        None
    }

    /// `BWS "=" BWS ( token / quoted-string )`, at the `=`.
    fn param_value(&mut self) -> Option<String> {
        if self.peek() != Some(b'=') {
            return None;
        }
        self.at += 1;
        self.skip_whitespace();
        if self.peek() == Some(b'"') {
            self.quoted_string()
        } else {
            self.token()
        }
    }

    /// RFC 9110 §5.6.4 `quoted-string`, at the opening quote; a
    /// `quoted-pair` stands for the character after the backslash.
    fn quoted_string(&mut self) -> Option<String> {
        self.at += 1;
        let mut value = Vec::new();
        loop {
            let byte = self.peek()?;
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(value).ok(),
                b'\\' => {
                    let escaped = self.peek().filter(|&b| is_text(b))?;
                    self.at += 1;
                    value.push(escaped);
                }
                b if is_text(b) => value.push(b),
                _ => return None,
            }
        }
    }

    /// The text read since `start`, if any: the bytes read are ASCII.
    fn text(&self, start: usize) -> Option<String> {
        (self.at > start)
            .then(|| std::str::from_utf8(&self.text[start..self.at]).ok())
            .flatten()
            .map(str::to_owned)
    }
}

impl Challenge {
    /// Adds a parameter; `None` when the challenge has a token68 instead,
    /// or already has a parameter of that name (RFC 9110 §11.2: each name
    /// only once per challenge).
    fn add_param(&mut self, name: String, value: String) -> Option<()> {
        if self.token68.is_some() || self.param(&name).is_some() {
            return None;
        }
        self.params.push((name, value));
        Some(())
    }
}

/// `qdtext` and what a `quoted-pair` may escape: HTAB, SP, visible ASCII
/// and `obs-text`, no other control character.
fn is_text(byte: u8) -> bool {
    byte == b'\t' || (byte >= 0x20 && byte != 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Vec<Challenge> {
        Challenge::parse_all(values.iter().copied()).unwrap()
    }

    fn challenge(scheme: &str, token68: Option<&str>, params: &[(&str, &str)]) -> Challenge {
        Challenge {
            scheme: scheme.to_owned(),
            token68: token68.map(str::to_owned),
            params: params
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn rfc_9110s_example_has_two_challenges() {
        assert_eq!(
            parse(&[
                r#"Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"""#
            ]),
            vec![
                challenge("Basic", None, &[("realm", "simple")]),
                challenge(
                    "Newauth",
                    None,
                    &[
                        ("realm", "apps"),
                        ("type", "1"),
                        ("title", "Login to \"apps\"")
                    ]
                ),
            ]
        );
    }

    #[test]
    fn a_quoted_string_ends_on_its_own_line() {
        for lines in [&["Bearer realm=\"a", "b\""][..], &["Bearer realm=\"a\nb\""]] {
            assert!(
                Challenge::parse_all(lines.iter().copied()).is_err(),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn several_field_lines_are_one_list() {
        assert_eq!(
            parse(&[
                "Basic realm=\"a\"",
                "Bearer error=\"invalid_token\"",
                "",
                "scope=x"
            ]),
            vec![
                challenge("Basic", None, &[("realm", "a")]),
                challenge(
                    "Bearer",
                    None,
                    &[("error", "invalid_token"), ("scope", "x")]
                ),
            ]
        );
    }

    #[test]
    fn token68_bare_schemes_and_empty_elements() {
        assert_eq!(
            parse(&[", Negotiate abc+/==,, Basic ,NTLM, Bearer ,realm=x ,"]),
            vec![
                challenge("Negotiate", Some("abc+/=="), &[]),
                challenge("Basic", None, &[]),
                challenge("NTLM", None, &[]),
                challenge("Bearer", None, &[("realm", "x")]),
            ]
        );
        assert_eq!(parse(&["", " , "]), vec![]);
        // `a=` is a token68: an auth-param needs a value.
        assert_eq!(
            parse(&["Newauth a="]),
            vec![challenge("Newauth", Some("a="), &[])]
        );
    }

    #[test]
    fn whitespace_around_equals_and_quoted_commas() {
        assert_eq!(
            parse(&["Bearer realm = \"a, b\" ,\terror= invalid_token"]),
            vec![challenge(
                "Bearer",
                None,
                &[("realm", "a, b"), ("error", "invalid_token")]
            )]
        );
    }

    #[test]
    fn names_are_case_insensitive() {
        let parsed = parse(&["bEaReR ERROR=\"x\""]);
        assert!(parsed[0].is_scheme("Bearer"));
        assert_eq!(parsed[0].scheme(), "bEaReR");
        assert_eq!(parsed[0].param("error"), Some("x"));
        assert_eq!(parsed[0].params()[0].0, "ERROR");
    }

    #[test]
    fn malformed_values_are_errors() {
        for bad in [
            "Bearer error=\"unterminated",
            "Bearer realm=\"x\", error=",
            "Bearer error=\"a\" x",
            "Bearer error=\"a\", ERROR=\"b\"",
            "realm=\"no scheme before\"",
            "Negotiate abc==, realm=\"x\"",
            "Bearer foo bar",
            "Bearer a=b=c",
            "Bearer error=\"a\u{1}b\"",
            "Bearer error=\"a\\\u{1}\"",
            "Bearer error=\"ok\"\"\"",
            "Bear(er",
            "=x",
        ] {
            let error = Challenge::parse_all([bad]).unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::InvalidResponse, "{bad:?}");
        }
    }

    #[test]
    fn non_ascii_in_quoted_strings_is_kept() {
        assert_eq!(
            parse(&["Bearer realm=\"caf\u{e9} \\\u{e9}\""])[0].param("realm"),
            Some("caf\u{e9} \u{e9}")
        );
    }

    #[test]
    fn a_response_gives_the_challenges_of_every_line() {
        let response = HttpResponse::new(
            401,
            vec![
                ("www-authenticate".into(), "Basic realm=\"a\"".into()),
                ("Content-Type".into(), "text/plain".into()),
                ("WWW-Authenticate".into(), "Bearer".into()),
            ],
            Vec::new(),
        );
        let schemes: Vec<String> = response
            .challenges()
            .unwrap()
            .iter()
            .map(|c| c.scheme().to_owned())
            .collect();
        assert_eq!(schemes, ["Basic", "Bearer"]);
    }
}
