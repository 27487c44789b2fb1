//! Finding the first of some bytes eight at a time, in plain integer
//! arithmetic on 64-bit words (no unsafe, no SIMD): the scans that run on
//! every response (a JSON string's end, a secret in an error text) look at
//! a word per step instead of a byte.
//!
//! A lane test sets the top bit of each matching byte's lane. Its
//! subtraction borrows only upwards from a lane that matched, so lanes
//! above the first match may be set wrongly, never lanes below it: the
//! lowest lane set is the first match.

const ONES: u64 = u64::from_le_bytes([1; 8]);
const TOPS: u64 = ONES << 7;

/// The lanes of `word` equal to `byte`.
pub(crate) fn lanes_equal(word: u64, byte: u8) -> u64 {
    let differences = word ^ (ONES * u64::from(byte));
    differences.wrapping_sub(ONES) & !differences & TOPS
}

/// The lanes of `word` below `bound` (at most 0x80).
pub(crate) fn lanes_below(word: u64, bound: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(bound)) & !word & TOPS
}

/// The lanes of `word` at or above 0x80 (not ASCII).
pub(crate) fn lanes_not_ascii(word: u64) -> u64 {
    word & TOPS
}

/// The index of the first byte of `bytes` that `lanes` marks in its word
/// (and `is_match`, the same test on one byte, accepts in the tail).
///
/// In the browser's modules (`authflow_compact`, build.rs), a byte at a
/// time: there the package's size comes first (bindings-wasm/SIZE.md), and
/// the word loop costs it about 160 bytes gzipped per entry.
pub(crate) fn find_first(
    bytes: &[u8],
    lanes: impl Fn(u64) -> u64,
    is_match: impl Fn(u8) -> bool,
) -> Option<usize> {
    if cfg!(authflow_compact) {
        return bytes.iter().position(|&b| is_match(b));
    }
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let found = lanes(u64::from_le_bytes(<[u8; 8]>::try_from(word).ok()?));
        if found != 0 {
            return Some(offset + found.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let tail = words.remainder().iter().position(|&b| is_match(b))?;
    Some(offset + tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_match_is_found_in_any_lane_and_the_tail() {
        let is_stop = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
        let lanes = |w| lanes_equal(w, b'"') | lanes_equal(w, b'\\') | lanes_below(w, 0x20);
        for length in 0..24 {
            for at in 0..=length {
                for stop in [b'"', b'\\', 0x00, 0x1f] {
                    // Around it, bytes that must not match: just above each
                    // bound, and UTF-8 continuation and lead bytes.
                    let mut bytes: Vec<u8> = (0..length)
                        .map(|i| [b' ', b'#', b']', 0x80, 0xff, b'a'][i % 6])
                        .collect();
                    let expected = (at < length).then(|| {
                        bytes[at] = stop;
                        // A later match must not be the one found.
                        if at + 1 < length {
                            bytes[at + 1] = b'"';
                        }
                        at
                    });
                    assert_eq!(find_first(&bytes, lanes, is_stop), expected, "{bytes:?}");
                }
            }
        }
    }
}
