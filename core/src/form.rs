//! Writing `application/x-www-form-urlencoded` (a URL's query, a token
//! request's body) byte for byte as the WHATWG URL standard's serializer,
//! `form_urlencoded::Serializer`, writes it: what every request builds.
//!
//! Most values are already made only of the characters the encoding leaves
//! alone (a state, a PKCE challenge, a client id, a grant type): those are
//! copied whole after a check of a table lookup per byte; the others are
//! encoded a byte at a time with the same table (not through
//! `form_urlencoded::byte_serialize`, which hands out a piece of text per
//! byte to append). About a third of the authorization URL's time went to
//! encoding before (issue 14).

use crate::syntax::{is_form_unchanged, is_form_unchanged_byte};
use std::borrow::Cow;

/// The room a form starts with: an authorization URL's query or a token
/// request's body fits, so that it is not copied as it grows (a body holds
/// secrets, and each copy left behind is one more to wipe).
const FORM_ROOM: usize = 512;

/// Appends `value` encoded.
pub(crate) fn append_encoded(out: &mut String, value: &str) {
    if is_form_unchanged(value) {
        out.push_str(value);
        return;
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        if is_form_unchanged_byte(byte) {
            out.push(char::from(byte));
        } else if byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
}

/// `value` encoded (a client id and secret for HTTP Basic, RFC 6749
/// §2.3.1). Public, hidden, for the `form_matches_form_urlencoded` fuzz
/// target too.
#[doc(hidden)]
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    append_encoded(&mut out, value);
    out
}

/// The `name=value` pairs of a form (a URL's query, a request body),
/// decoded as the WHATWG URL standard's `application/x-www-form-urlencoded`
/// parser decodes them (`form_urlencoded::parse`, which the tests hold it
/// to): empty pairs skipped, `+` a space, `%XX` a byte, anything not UTF-8
/// replaced. A name or value without `+` or `%` (a code, a state) is
/// borrowed from `form`; the general decoder cost a callback's validation
/// 40% of its time (issue 14).
pub(crate) fn parse(form: &[u8]) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    form.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|b| *b == b'=') {
            Some(at) => (decode(&pair[..at]), decode(&pair[at + 1..])),
            None => (decode(pair), Cow::Borrowed("")),
        })
}

/// One name or value of a form, decoded.
fn decode(text: &[u8]) -> Cow<'_, str> {
    if !text.iter().any(|b| matches!(b, b'+' | b'%')) {
        // UTF-8 checked first: `from_utf8_lossy` walks even valid text in
        // chunks, at several times the cost.
        return std::str::from_utf8(text)
            .map(Cow::Borrowed)
            .unwrap_or_else(|_| String::from_utf8_lossy(text));
    }
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let mut bytes = Vec::with_capacity(text.len());
    let mut at = 0;
    while let Some(&byte) = text.get(at) {
        at += 1;
        bytes.push(match byte {
            b'+' => b' ',
            b'%' => match (hex(text.get(at)), hex(text.get(at + 1))) {
                (Some(high), Some(low)) => {
                    at += 2;
                    (high * 16 + low) as u8
                }
                _ => b'%',
            },
            other => other,
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Cow::Owned(text),
        Err(not_utf8) => Cow::Owned(String::from_utf8_lossy(not_utf8.as_bytes()).into_owned()),
    }
}

/// The pairs of a form as the core reads them, owned: for the
/// `form_matches_form_urlencoded` fuzz target. Not for use otherwise.
#[doc(hidden)]
pub fn form_pairs(form: &[u8]) -> Vec<(String, String)> {
    parse(form)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// `name=value` pairs, `&` between them, appended to a string from a
/// given position on (a URL's query after its `?`, or a body).
pub(crate) struct FormWriter {
    out: String,
    /// Where the form starts: a `&` goes before a pair unless it is the
    /// first there.
    start: usize,
}

impl FormWriter {
    /// A body of its own.
    pub(crate) fn new() -> FormWriter {
        FormWriter {
            out: String::with_capacity(FORM_ROOM),
            start: 0,
        }
    }

    /// Appends to the query of `url` (RFC 6749 §3.1: an endpoint's query
    /// is kept): `?` if it has none, `&` between it and what is appended.
    pub(crate) fn for_query(url: &str) -> FormWriter {
        let mut out = String::with_capacity(url.len() + 1 + FORM_ROOM);
        out.push_str(url);
        let start = match url.find('?') {
            Some(at) => at + 1,
            None => {
                out.push('?');
                out.len()
            }
        };
        FormWriter { out, start }
    }

    /// Appends `name=value`.
    pub(crate) fn append_pair(&mut self, name: &str, value: &str) -> &mut FormWriter {
        if self.out.len() > self.start {
            self.out.push('&');
        }
        append_encoded(&mut self.out, name);
        self.out.push('=');
        append_encoded(&mut self.out, value);
        self
    }

    /// The string written.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_form_urlencoded_writes() {
        let pairs = [
            ("response_type", "code"),
            ("redirect_uri", "https://app.example/cb?x=1&y=2"),
            ("scope", "read write"),
            ("state", "aB-._*~"),
            ("note", "é ü+%\u{0}\r\n/?#[]@!$&'()*+,;="),
            ("", ""),
        ];
        for (url, prefix) in [
            (None, ""),
            (
                Some("https://as.example/authorize"),
                "https://as.example/authorize?",
            ),
            (
                Some("https://as.example/authorize?"),
                "https://as.example/authorize?",
            ),
            (
                Some("https://as.example/a?keep=1"),
                "https://as.example/a?keep=1",
            ),
        ] {
            let start = prefix.find('?').map_or(0, |i| i + 1);
            let mut ours = url.map_or_else(FormWriter::new, FormWriter::for_query);
            let mut theirs = form_urlencoded::Serializer::for_suffix(prefix.to_owned(), start);
            for (name, value) in pairs {
                ours.append_pair(name, value);
                theirs.append_pair(name, value);
            }
            assert_eq!(ours.finish(), theirs.finish());
        }
        for byte in 0u8..=0x7f {
            let value = char::from(byte).to_string();
            let mut ours = String::new();
            append_encoded(&mut ours, &value);
            let theirs: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            assert_eq!(ours, theirs, "{byte:#x}");
        }
    }

    #[test]
    fn reads_what_form_urlencoded_reads() {
        for form in [
            "",
            "&&",
            "code=SplxlOBeZQQYbYS6WxSbIA&state=abc",
            "a=1&a=2&=&b&c=&=d",
            "q=a+b%20c%2B%25&r=%zz%4&s=%e9%C3%A9%ff",
            "x=%F0%9F%A6%80&y=caf%C3%A9&%26=%3D",
            "n=%",
            "n=%4",
            "n=%%41",
            "a=b=c",
        ] {
            let ours: Vec<_> = parse(form.as_bytes()).collect();
            let theirs: Vec<_> = form_urlencoded::parse(form.as_bytes()).collect();
            assert_eq!(ours, theirs, "{form:?}");
        }
        let not_utf8 = b"a=\xff\xfe&\xc3=x";
        assert_eq!(
            parse(not_utf8).collect::<Vec<_>>(),
            form_urlencoded::parse(not_utf8).collect::<Vec<_>>()
        );
    }

    proptest::proptest! {
        #[test]
        fn reads_any_form_as_form_urlencoded_does(
            form in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![b'&', b'=', b'+', b'%', b'a', b'F', b'0', b'9', b' ']),
                    proptest::num::u8::ANY,
                ],
                0..40,
            )
        ) {
            let ours: Vec<_> = parse(&form).collect();
            let theirs: Vec<_> = form_urlencoded::parse(&form).collect();
            proptest::prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn encodes_any_text_as_form_urlencoded_does(value in ".{0,40}") {
            let mut ours = String::from("x=");
            append_encoded(&mut ours, &value);
            let theirs: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            proptest::prop_assert_eq!(&ours[2..], theirs);
        }
    }
}
