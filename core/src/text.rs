//! Numbers written into texts without `core::fmt`.
//!
//! The messages and stored forms the browser's WebAssembly module can
//! reach are put together from pieces (`[a, b].concat()`, these writers),
//! not with `format!`: that would bring `core::fmt`'s machinery
//! (`fmt::write`, padding, integer formatting: about 2.6 KB) into a module
//! where every kilobyte is downloaded (bindings-wasm/SIZE.md).

/// Appends `n` in decimal.
pub(crate) fn push_decimal(out: &mut String, n: u64) {
    // u64::MAX has 20 digits.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &digits[at..] {
        out.push(char::from(digit));
    }
}

/// Appends `n` in lower-case hexadecimal, without leading zeros (as
/// `{:x}` writes it).
pub(crate) fn push_hex(out: &mut String, n: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = (32 - (n | 1).leading_zeros()).div_ceil(4);
    for at in (0..digits).rev() {
        out.push(char::from(HEX[(n >> (4 * at)) as usize & 0xf]));
    }
}

/// `n` in decimal.
pub(crate) fn decimal(n: u64) -> String {
    let mut out = String::with_capacity(20);
    push_decimal(&mut out, n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn writes_the_edges_in_decimal() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(9), "9");
        assert_eq!(decimal(10), "10");
        assert_eq!(decimal(u64::MAX), "18446744073709551615");
        let mut out = "HTTP ".to_owned();
        push_decimal(&mut out, 404);
        assert_eq!(out, "HTTP 404");
    }

    #[test]
    fn writes_the_edges_in_hexadecimal() {
        for (n, hex) in [
            (0, "0"),
            (0xf, "f"),
            (0x10, "10"),
            (0x9f, "9f"),
            (u32::MAX, "ffffffff"),
        ] {
            let mut out = String::new();
            push_hex(&mut out, n);
            assert_eq!(out, hex);
        }
    }

    proptest! {
        #[test]
        fn writes_any_number_as_display_does(n: u64) {
            prop_assert_eq!(decimal(n), n.to_string());
        }

        #[test]
        fn writes_any_number_as_lower_hex_does(n: u32) {
            let mut out = String::new();
            push_hex(&mut out, n);
            prop_assert_eq!(out, format!("{n:x}"));
        }
    }
}
