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

/// The pairs of a form that is text already (a redirect's query): as
/// [`parse`], but a name or value without `+` or `%` is borrowed without
/// checking its UTF-8 again (split at ASCII bytes, it is whole UTF-8).
/// With the pairs split a byte at a time (and the redirect's tabs looked
/// for a byte at a time, `callback::split_redirect`), 15% of a callback's
/// validation (callgrind: 4,370 → 3,710 instructions; issue 14). The tests
/// and the `form_matches_form_urlencoded` fuzz target hold it to
/// `form_urlencoded::parse` on every text.
///
/// The browser's module reads text as bytes ([`parse`]): one reader, 227
/// bytes gzipped less (bindings-wasm/SIZE.md comes first there).
#[cfg(authflow_compact)]
pub(crate) fn parse_str(form: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    parse(form.as_bytes())
}

/// The form natively and in the Node.js entry's module (above: what it
/// does, and the browser's form).
#[cfg(not(authflow_compact))]
pub(crate) fn parse_str(form: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    let mut rest = Some(form);
    std::iter::from_fn(move || loop {
        let text = rest?;
        let (pair, after) = match split_once_byte(text, b'&') {
            Some((pair, after)) => (pair, Some(after)),
            None => (text, None),
        };
        rest = after;
        if !pair.is_empty() {
            let (name, value) = split_once_byte(pair, b'=').unwrap_or((pair, ""));
            return Some((decode_str(name), decode_str(value)));
        }
    })
}

/// `text` before and after the first `byte` (ASCII), if there is one: as
/// `str::split_once`, looking a byte at a time, which for the few bytes of
/// a form's pair costs less than its search for a character (`memchr`,
/// which wins on a whole URL).
#[cfg(not(authflow_compact))]
fn split_once_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == byte)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// One name or value of a form that is text already, decoded.
#[cfg(not(authflow_compact))]
fn decode_str(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| matches!(b, b'+' | b'%')) {
        decode(text.as_bytes())
    } else {
        Cow::Borrowed(text)
    }
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
    parse(form).map(owned_pair).collect()
}

/// The pairs of a form that is text, as the core reads a redirect's query
/// ([`parse_str`]), owned: for the same fuzz target, which holds them to
/// [`form_pairs`]. Not for use otherwise.
#[doc(hidden)]
pub fn form_pairs_of_text(form: &str) -> Vec<(String, String)> {
    parse_str(form).map(owned_pair).collect()
}

/// A pair as the fuzz target compares it.
fn owned_pair((name, value): (Cow<'_, str>, Cow<'_, str>)) -> (String, String) {
    (name.into_owned(), value.into_owned())
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
            assert_eq!(parse_str(form).collect::<Vec<_>>(), theirs, "{form:?}");
        }
        // Borrowed where nothing is decoded, as `parse` borrows.
        let form = "code=SplxlOBeZQQYbYS6WxSbIA&state=a+b";
        let pairs: Vec<_> = parse_str(form).collect();
        assert!(matches!(
            pairs[0],
            (
                Cow::Borrowed("code"),
                Cow::Borrowed("SplxlOBeZQQYbYS6WxSbIA")
            )
        ));
        assert!(matches!(&pairs[1].1, Cow::Owned(value) if value == "a b"));
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
        fn reads_any_text_as_form_urlencoded_does(
            form in "([&=+%aF09 é\u{1f980}]|%[0-9a-fA-F]{2}|%C3%A9|%F0%9F){0,30}"
        ) {
            let ours: Vec<_> = parse_str(&form).collect();
            let theirs: Vec<_> = form_urlencoded::parse(form.as_bytes()).collect();
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
