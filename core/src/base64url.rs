//! base64url without padding (RFC 4648 §5, RFC 7515 §2): the one form of
//! base64 the browser's paths write and read (the state, the PKCE
//! verifier and challenge, the nonce, the pending authorization's string,
//! the parts of a JWS). A few lines instead of the `base64` crate's
//! general engine, for the browser package's size (bindings-wasm/SIZE.md);
//! its tests check it against that crate's `URL_SAFE_NO_PAD` byte for byte,
//! refusals included: no padding, no other alphabet, no whitespace, no
//! length of 4n + 1, and no non-zero bits after the last byte (one text
//! per byte string).
//!
//! Two forms of the same code, as in `byte_scan`: natively a group of four
//! characters is written and read at once, with a table of values
//! (`unrolled`: 18% of the authorization URL's time went to writing its
//! state, verifier and challenge a character at a time); in the browser's
//! modules (`authflow_compact`, build.rs) the loops stay a character at a
//! time (`compact`: the unrolled form costs the browser package 848 bytes
//! gzipped). The tests check both.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#[cfg(authflow_compact)]
pub(crate) use compact::{decode, encode};
#[cfg(not(authflow_compact))]
pub(crate) use unrolled::{decode, encode};

/// A character at a time: the browser package's form.
#[cfg(any(authflow_compact, test))]
mod compact {
    use super::ALPHABET;

    /// `bytes` in base64url without padding.
    pub(crate) fn encode(bytes: impl AsRef<[u8]>) -> String {
        let bytes = bytes.as_ref();
        // Room for the whole text at once: no reallocation leaves a copy of a
        // secret (a verifier, a pending authorization) behind.
        let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let group = chunk.iter().enumerate().fold(0u32, |group, (i, b)| {
                group | (u32::from(*b) << (16 - 8 * i))
            });
            for i in 0..=chunk.len() {
                text.push(char::from(
                    ALPHABET[((group >> (18 - 6 * i)) & 63) as usize],
                ));
            }
        }
        text
    }

    /// The bytes of a base64url text without padding; `None` for anything
    /// else.
    pub(crate) fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        let text = text.as_ref();
        if text.len() % 4 == 1 {
            return None;
        }
        let mut bytes = Vec::with_capacity(text.len() / 4 * 3 + 2);
        for chunk in text.chunks(4) {
            let mut group = 0u32;
            for (i, c) in chunk.iter().enumerate() {
                let value = match c {
                    b'A'..=b'Z' => c - b'A',
                    b'a'..=b'z' => c - b'a' + 26,
                    b'0'..=b'9' => c - b'0' + 52,
                    b'-' => 62,
                    b'_' => 63,
                    _ => return None,
                };
                group |= u32::from(value) << (18 - 6 * i);
            }
            let len = chunk.len() - 1;
            // The bits after the last whole byte must be zero.
            if group & (0x00ff_ffff >> (8 * len)) != 0 {
                return None;
            }
            bytes.extend_from_slice(&group.to_be_bytes()[1..=len]);
        }
        Some(bytes)
    }
}

/// A group at a time, with a table of values: the native form.
#[cfg(any(not(authflow_compact), test))]
mod unrolled {
    use super::ALPHABET;

    /// Marks a byte outside [`ALPHABET`] in [`VALUES`].
    const NOT_BASE64URL: u8 = 0xff;

    /// The value of each byte in [`ALPHABET`], [`NOT_BASE64URL`] for the others:
    /// one lookup per character instead of a chain of range tests.
    const VALUES: [u8; 256] = {
        let mut values = [NOT_BASE64URL; 256];
        let mut i = 0;
        while i < ALPHABET.len() {
            values[ALPHABET[i] as usize] = i as u8;
            i += 1;
        }
        values
    };

    /// The character of a group's 6 bits at `shift`.
    fn character(group: u32, shift: u32) -> u8 {
        ALPHABET[((group >> shift) & 63) as usize]
    }

    /// `bytes` in base64url without padding.
    pub(crate) fn encode(bytes: impl AsRef<[u8]>) -> String {
        let bytes = bytes.as_ref();
        // The whole text allocated at once: no reallocation leaves a copy of a
        // secret (a verifier, a pending authorization) behind. Written four
        // characters per three bytes into place (the pending authorization's
        // string is some 300 characters: a push per character cost more than
        // the rest of its writing).
        let mut text = vec![0u8; bytes.len().div_ceil(3) * 4];
        let mut groups = bytes.chunks_exact(3);
        for (out, chunk) in text.chunks_exact_mut(4).zip(&mut groups) {
            let group = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
            out.copy_from_slice(&[
                character(group, 18),
                character(group, 12),
                character(group, 6),
                character(group, 0),
            ]);
        }
        let rest = groups.remainder();
        if !rest.is_empty() {
            let group = rest.iter().enumerate().fold(0u32, |group, (i, b)| {
                group | (u32::from(*b) << (16 - 8 * i))
            });
            let at = bytes.len() / 3 * 4;
            for i in 0..=rest.len() {
                text[at + i] = character(group, 18 - 6 * i as u32);
            }
            text.truncate(at + rest.len() + 1);
        }
        // Only ALPHABET's ASCII was written, so this never fails.
        String::from_utf8(text).unwrap_or_default()
    }

    /// The bytes of a base64url text without padding; `None` for anything
    /// else.
    pub(crate) fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        let text = text.as_ref();
        let rest = text.len() % 4;
        if rest == 1 {
            return None;
        }
        // The whole result allocated at once and wiped when refused: it may be
        // part of a secret (a pending authorization's verifier).
        let mut bytes = vec![0u8; text.len() / 4 * 3 + rest.saturating_sub(1)];
        if decode_into(text, &mut bytes).is_none() {
            zeroize::Zeroize::zeroize(&mut bytes);
            return None;
        }
        Some(bytes)
    }

    /// Decodes `text` into `bytes`, of the length it decodes to.
    fn decode_into(text: &[u8], bytes: &mut [u8]) -> Option<()> {
        let value = |c: &u8| Some(VALUES[usize::from(*c)]).filter(|v| *v != NOT_BASE64URL);
        let mut groups = text.chunks_exact(4);
        let mut outs = bytes.chunks_exact_mut(3);
        for (chunk, out) in (&mut groups).zip(&mut outs) {
            let group = chunk
                .iter()
                .try_fold(0u32, |group, c| Some(group << 6 | u32::from(value(c)?)))?;
            out.copy_from_slice(&group.to_be_bytes()[1..]);
        }
        let rest = groups.remainder();
        if rest.is_empty() {
            return Some(());
        }
        let group = rest.iter().enumerate().try_fold(0u32, |group, (i, c)| {
            Some(group | u32::from(value(c)?) << (18 - 6 * i))
        })?;
        let len = rest.len() - 1;
        // The bits after the last whole byte must be zero.
        if group & (0x00ff_ffff >> (8 * len)) != 0 {
            return None;
        }
        outs.into_remainder()
            .copy_from_slice(&group.to_be_bytes()[1..=len]);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::{compact, unrolled};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use proptest::prelude::*;

    /// Both forms, by name: each test holds for each.
    type Encode = fn(&[u8]) -> String;
    type Decode = fn(&[u8]) -> Option<Vec<u8>>;
    const FORMS: [(&str, Encode, Decode); 2] = [
        ("compact", |b| compact::encode(b), |t| compact::decode(t)),
        ("unrolled", |b| unrolled::encode(b), |t| unrolled::decode(t)),
    ];

    #[test]
    fn rfc_4648_vectors() {
        for (form, encode, decode) in FORMS {
            for (bytes, text) in [
                ("", ""),
                ("f", "Zg"),
                ("fo", "Zm8"),
                ("foo", "Zm9v"),
                ("foob", "Zm9vYg"),
                ("fooba", "Zm9vYmE"),
                ("foobar", "Zm9vYmFy"),
            ] {
                assert_eq!(encode(bytes.as_bytes()), text, "{form}");
                assert_eq!(
                    decode(text.as_bytes()).as_deref(),
                    Some(bytes.as_bytes()),
                    "{form}"
                );
            }
            assert_eq!(encode(&[0xfb, 0xff]), "-_8", "{form}");
        }
    }

    #[test]
    fn refusals() {
        for (form, _, decode) in FORMS {
            for text in [
                "Zg==",
                "Zm9v=",
                "Z",
                "Zm9vY",
                "Zh",
                "Zm9",
                "Zm+v",
                "Zm/v",
                "Zm v",
                "Zm9v\n",
                "Zm9vYmFy\0",
                "Zm9vYmFy+",
                "Zm9vYmFyZ",
                "Zm9vYmFyZh",
                "Zm9vYmFy\u{e9}",
            ] {
                assert_eq!(decode(text.as_bytes()), None, "{form} {text:?}");
                assert!(URL_SAFE_NO_PAD.decode(text).is_err(), "{text:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn encodes_as_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            for (form, encode, decode) in FORMS {
                let text = encode(&bytes);
                prop_assert_eq!(&text, &URL_SAFE_NO_PAD.encode(&bytes), "{}", form);
                prop_assert_eq!(decode(text.as_bytes()), Some(bytes.clone()), "{}", form);
            }
        }

        #[test]
        fn decodes_as_the_base64_crate(text in "[A-Za-z0-9_=+/ -]{0,24}") {
            for (form, _, decode) in FORMS {
                prop_assert_eq!(decode(text.as_bytes()), URL_SAFE_NO_PAD.decode(&text).ok(), "{}", form);
            }
        }

        #[test]
        fn decodes_every_alphabet_text_as_the_base64_crate(text in "[A-Za-z0-9_-]{0,400}") {
            for (form, _, decode) in FORMS {
                prop_assert_eq!(decode(text.as_bytes()), URL_SAFE_NO_PAD.decode(&text).ok(), "{}", form);
            }
        }

        #[test]
        fn refuses_a_character_outside_the_alphabet_anywhere(
            text in "[A-Za-z0-9_-]{0,40}",
            at in any::<prop::sample::Index>(),
            byte in any::<u8>().prop_filter("outside the alphabet", |b| {
                !b.is_ascii_alphanumeric() && *b != b'-' && *b != b'_'
            }),
        ) {
            let mut bytes = text.into_bytes();
            bytes.insert(at.index(bytes.len() + 1), byte);
            for (form, _, decode) in FORMS {
                prop_assert_eq!(decode(&bytes), None, "{}", form);
            }
        }
    }
}
