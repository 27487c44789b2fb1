//! base64url without padding (RFC 4648 §5, RFC 7515 §2): the one form of
//! base64 the browser's paths write and read (the state, the PKCE
//! verifier and challenge, the nonce, the pending authorization's string,
//! the parts of a JWS). A few lines instead of the `base64` crate's
//! general engine, for the browser package's size (bindings-wasm/SIZE.md);
//! its tests check it against that crate's `URL_SAFE_NO_PAD` byte for byte,
//! refusals included: no padding, no other alphabet, no whitespace, no
//! length of 4n + 1, and no non-zero bits after the last byte (one text
//! per byte string).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use proptest::prelude::*;

    #[test]
    fn rfc_4648_vectors() {
        for (bytes, text) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(bytes), text);
            assert_eq!(decode(text).as_deref(), Some(bytes.as_bytes()));
        }
        assert_eq!(encode([0xfb, 0xff]), "-_8");
    }

    #[test]
    fn refusals() {
        for text in [
            "Zg==", "Zm9v=", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm/v", "Zm v", "Zm9v\n",
        ] {
            assert_eq!(decode(text), None, "{text:?}");
            assert!(URL_SAFE_NO_PAD.decode(text).is_err(), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn encodes_as_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let text = encode(&bytes);
            prop_assert_eq!(&text, &URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(decode(&text), Some(bytes));
        }

        #[test]
        fn decodes_as_the_base64_crate(text in "[A-Za-z0-9_=+/ -]{0,24}") {
            prop_assert_eq!(decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }

        #[test]
        fn decodes_every_alphabet_text_as_the_base64_crate(text in "[A-Za-z0-9_-]{0,24}") {
            prop_assert_eq!(decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }
    }
}
