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

/// `value` encoded.
#[cfg(feature = "confidential")]
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    append_encoded(&mut out, value);
    out
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

    proptest::proptest! {
        #[test]
        fn encodes_any_text_as_form_urlencoded_does(value in ".{0,40}") {
            let mut ours = String::from("x=");
            append_encoded(&mut ours, &value);
            let theirs: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            proptest::prop_assert_eq!(&ours[2..], theirs);
        }
    }
}
