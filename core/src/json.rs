//! JSON (RFC 8259): the reader and writer for token responses, error
//! bodies, metadata documents and the core's stored forms.
//!
//! The core's own, because the browser package carries it: a general JSON
//! crate brings float parsing and printing and its error formatting, about
//! half the package (`bindings-wasm/SIZE.md`). Numbers are kept as the text
//! that was received, so nothing is rounded and nothing needs a float
//! parser: a value read and written back is the same JSON. Fields that
//! authflow interprets (lifetimes, timestamps) are read from that text as
//! whole seconds. Strictness follows `serde_json`: the `json_matches_serde`
//! fuzz target compares the two on every input.

use std::collections::BTreeMap;
use std::fmt;

/// Arrays and objects nested deeper than this are refused, so that no input
/// can exhaust the stack; the same limit as `serde_json`'s.
const MAX_DEPTH: usize = 127;

/// A JSON object: members by name, in name order. The reader refuses a
/// document in which one object names a member twice (RFC 6749 §3.2: a
/// parameter must not appear more than once; RFC 8259 §4: readers differ
/// on which one wins, so a proxy could read another value than the client).
pub type Object = BTreeMap<String, Value>;

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as its text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Object),
}

impl Value {
    /// Reads one JSON document (surrounding whitespace allowed). `None` when
    /// it is not valid JSON, nests deeper than 127 levels, or has an object
    /// that names a member twice.
    pub fn parse(text: &[u8]) -> Option<Value> {
        let mut reader = Reader { text, at: 0 };
        let value = reader.value(MAX_DEPTH)?;
        reader.skip_whitespace();
        (reader.at == text.len()).then_some(value)
    }

    /// The value as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_value(self, &mut out);
        out
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
}

/// Reads a JSON document that must be an object.
pub fn parse_object(text: &[u8]) -> Option<Object> {
    match Value::parse(text)? {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

/// Writes an object as compact JSON text.
pub fn object_to_json(object: &Object) -> String {
    let mut out = String::new();
    write_object(object, &mut out);
    out
}

/// A JSON number, kept as the text it was read from (always valid JSON
/// number syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(String);

impl Number {
    /// The number's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, if it is an integer (no fraction, no exponent) that fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The value, if it is an integer (no fraction, no exponent) that fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// Reads JSON number syntax (`-`, digits, fraction, exponent; nothing
    /// around it). `None` for anything else.
    pub fn parse(text: &str) -> Option<Number> {
        let mut reader = Reader {
            text: text.as_bytes(),
            at: 0,
        };
        let number = reader.number()?;
        (reader.at == text.len()).then_some(number)
    }

    /// The value as whole seconds: fractions dropped, negative values 0,
    /// values beyond `u64` saturated.
    pub(crate) fn whole_seconds(&self) -> u64 {
        let text = self.0.as_str();
        if text.starts_with('-') {
            return 0;
        }
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (text, "0"),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // The exponent moves the decimal point; one larger than any u64's
        // digit count means saturation (or zero) whatever the digits are.
        let shift = match exponent.trim_start_matches('+').parse::<i64>() {
            Ok(shift) => shift.clamp(-64, 64),
            Err(_) if exponent.starts_with('-') => -64,
            Err(_) => 64,
        };
        let digits: String = whole.chars().chain(fraction.chars()).collect();
        // The integer part ends this many digits into `digits`.
        let end = whole.len() as i64 + shift;
        let integer = if end <= 0 {
            String::new()
        } else if end as usize <= digits.len() {
            digits[..end as usize].to_owned()
        } else {
            let mut padded = digits.clone();
            padded.extend(std::iter::repeat_n('0', end as usize - digits.len()));
            padded
        };
        let integer = integer.trim_start_matches('0');
        if integer.is_empty() {
            0
        } else {
            integer.parse().unwrap_or(u64::MAX)
        }
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Number {
        Number(value.to_string())
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        Number(value.to_string())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A recursive-descent reader over the document's bytes.
struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Option<Value> {
        let end = self.at.checked_add(word.len())?;
        (self.text.get(self.at..end)? == word).then(|| {
            self.at = end;
            value
        })
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_whitespace();
        match self.peek()? {
            b'n' => self.literal(b"null", Value::Null),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'"' => self.string().map(Value::String),
            b'[' => self.array(depth.checked_sub(1)?).map(Value::Array),
            b'{' => self.object(depth.checked_sub(1)?).map(Value::Object),
            _ => self.number().map(Value::Number),
        }
    }

    fn array(&mut self, depth: usize) -> Option<Vec<Value>> {
        self.at += 1; // `[`
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(items);
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.next()? {
                b',' => continue,
                b']' => return Some(items),
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Object> {
        self.at += 1; // `{`
        let mut members = Object::new();
        self.skip_whitespace();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(members);
        }
        loop {
            self.skip_whitespace();
            if self.peek()? != b'"' {
                return None;
            }
            let name = self.string()?;
            self.skip_whitespace();
            if self.next()? != b':' {
                return None;
            }
            let value = self.value(depth)?;
            if members.insert(name, value).is_some() {
                return None;
            }
            self.skip_whitespace();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(members),
                _ => return None,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // Only ASCII digits, signs, `.` and `e` were taken.
        let text = std::str::from_utf8(&self.text[start..self.at]).ok()?;
        Some(Number(text.to_owned()))
    }

    fn string(&mut self) -> Option<String> {
        self.at += 1; // `"`
        let mut out = Vec::new();
        loop {
            let byte = self.next()?;
            match byte {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let escaped = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    let mut buffer = [0; 4];
                    out.extend_from_slice(escaped.encode_utf8(&mut buffer).as_bytes());
                }
                // Control characters must be escaped (RFC 8259 §7).
                0..=0x1f => return None,
                _ => out.push(byte),
            }
        }
    }

    /// The character of a `\uXXXX` escape (the `\u` read), joining a
    /// surrogate pair; a lone surrogate is an error, as in `serde_json`.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xDC00..0xE000).contains(&first) {
            return None;
        }
        if !(0xD800..0xDC00).contains(&first) {
            return char::from_u32(first);
        }
        if self.next()? != b'\\' || self.next()? != b'u' {
            return None;
        }
        let second = self.hex4()?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16)?;
            value = value * 16 + digit;
        }
        Some(value)
    }
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.0),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => write_list(out, '[', ']', items, write_value),
        Value::Object(object) => write_object(object, out),
    }
}

fn write_object(object: &Object, out: &mut String) {
    write_list(out, '{', '}', object, |(name, value), out| {
        write_string(name, out);
        out.push(':');
        write_value(value, out);
    });
}

/// Writes `items` between `open` and `close`, separated by commas.
fn write_list<I: IntoIterator>(
    out: &mut String,
    open: char,
    close: char,
    items: I,
    mut write_item: impl FnMut(I::Item, &mut String),
) {
    out.push(open);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_item(item, out);
    }
    out.push(close);
}

/// Writes a JSON string literal, escaping as `serde_json` does: the two
/// characters that must be, short escapes where JSON has them, `\u00XX`
/// for other control characters, everything else as it is.
fn write_string(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\0'..='\u{1f}' => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 0xf]));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// Writes one JSON object member by member, in the order they are given
/// (the stored forms and JSON request bodies).
pub(crate) struct ObjectWriter {
    out: String,
}

impl ObjectWriter {
    /// Starts an object in a buffer of `capacity` bytes: the caller sizes it
    /// so that a buffer holding secrets is not reallocated (and an unwiped
    /// copy left behind) while it is written.
    pub(crate) fn with_capacity(capacity: usize) -> ObjectWriter {
        let mut out = String::with_capacity(capacity);
        out.push('{');
        ObjectWriter { out }
    }

    fn name(&mut self, name: &str) -> &mut String {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        write_string(name, &mut self.out);
        self.out.push(':');
        &mut self.out
    }

    /// A string member.
    pub(crate) fn string(&mut self, name: &str, value: &str) -> &mut ObjectWriter {
        write_string(value, self.name(name));
        self
    }

    /// An integer member.
    pub(crate) fn integer(&mut self, name: &str, value: impl Into<Number>) -> &mut ObjectWriter {
        self.name(name).push_str(&value.into().0);
        self
    }

    /// A `true`/`false` member.
    pub(crate) fn bool(&mut self, name: &str, value: bool) -> &mut ObjectWriter {
        self.name(name)
            .push_str(if value { "true" } else { "false" });
        self
    }

    /// An array-of-strings member.
    pub(crate) fn strings(&mut self, name: &str, values: &[String]) -> &mut ObjectWriter {
        write_list(self.name(name), '[', ']', values, |value, out| {
            write_string(value, out)
        });
        self
    }

    /// An object member.
    pub(crate) fn object(&mut self, name: &str, value: &Object) -> &mut ObjectWriter {
        write_object(value, self.name(name));
        self
    }

    /// The object's text.
    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Takes the members of a stored form out of its object, one typed read at
/// a time; a member that is absent or `null` reads as `None`.
pub(crate) struct ObjectReader(pub(crate) Object);

/// A member of a stored form that is of the wrong type, or missing where it
/// is required: its name.
pub(crate) struct BadMember(pub(crate) &'static str);

impl ObjectReader {
    /// The member `name` as `read` takes it, if it is there.
    fn member<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(Value) -> Option<T>,
    ) -> Result<Option<T>, BadMember> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value).map(Some).ok_or(BadMember(name)),
        }
    }

    /// A member that must be there, read by one of the readers below.
    pub(crate) fn required<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Self, &'static str) -> Result<Option<T>, BadMember>,
    ) -> Result<T, BadMember> {
        read(self, name)?.ok_or(BadMember(name))
    }

    /// A string member.
    pub(crate) fn string(&mut self, name: &'static str) -> Result<Option<String>, BadMember> {
        self.member(name, string_of)
    }

    /// An integer member.
    pub(crate) fn integer<T: std::str::FromStr>(
        &mut self,
        name: &'static str,
    ) -> Result<Option<T>, BadMember> {
        self.member(name, |value| match value {
            Value::Number(n) => n.0.parse().ok(),
            _ => None,
        })
    }

    /// A `true`/`false` member.
    pub(crate) fn bool(&mut self, name: &'static str) -> Result<Option<bool>, BadMember> {
        self.member(name, |value| match value {
            Value::Bool(b) => Some(b),
            _ => None,
        })
    }

    /// An array-of-strings member.
    pub(crate) fn strings(&mut self, name: &'static str) -> Result<Option<Vec<String>>, BadMember> {
        self.member(name, |value| match value {
            Value::Array(items) => items.into_iter().map(string_of).collect(),
            _ => None,
        })
    }

    /// An object member.
    pub(crate) fn object(&mut self, name: &'static str) -> Result<Option<Object>, BadMember> {
        self.member(name, |value| match value {
            Value::Object(o) => Some(o),
            _ => None,
        })
    }
}

fn string_of(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        Value::parse(text.as_bytes()).expect(text).to_json()
    }

    #[test]
    fn reads_and_writes_every_kind_of_value() {
        let text = r#"{"a":[null,true,false,0,-1.5e+3,"x"],"b":{},"c":[],"d":"\u00e9\"\\\n"}"#;
        assert_eq!(round_trip(text), text.replace("\\u00e9", "é"));
        assert_eq!(round_trip(" \t\r\n[ 1 , 2 ]\n"), "[1,2]");
    }

    #[test]
    fn numbers_keep_their_text() {
        for text in [
            "488888888003445173350830411302",
            "0.30000000000000004",
            "1E400",
            "-0",
        ] {
            assert_eq!(round_trip(text), text);
        }
    }

    #[test]
    fn invalid_documents_are_refused() {
        for bad in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "-",
            "nul",
            "truex",
            "\"abc",
            "\"\t\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\u12\"",
            "[1] 2",
            "NaN",
            "'a'",
        ] {
            assert_eq!(Value::parse(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(Value::parse(b"\"\xff\""), None);
    }

    #[test]
    fn surrogate_pairs_join_and_a_repeated_member_is_refused() {
        assert_eq!(
            Value::parse(br#""\ud83d\ude00""#),
            Some(Value::String("😀".into()))
        );
        assert_eq!(parse_object(br#"{"a":1,"a":2}"#), None);
        assert_eq!(Value::parse(br#"[{"b":{"a":1,"a":1}}]"#), None);
        // The same name in different objects is no repeat.
        assert!(Value::parse(br#"{"a":{"a":1},"b":{"a":2}}"#).is_some());
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(Value::parse(deep(MAX_DEPTH).as_bytes()).is_some());
        assert_eq!(Value::parse(deep(MAX_DEPTH + 1).as_bytes()), None);
        assert_eq!(Value::parse(deep(100_000).as_bytes()), None);
    }

    #[test]
    fn control_characters_are_escaped_as_serde_json_does() {
        let mut out = String::new();
        write_string("a\u{1}\u{1f}\u{7f}\u{8}\u{c}/", &mut out);
        assert_eq!(out, "\"a\\u0001\\u001f\u{7f}\\b\\f/\"");
    }

    #[test]
    fn whole_seconds_truncates_saturates_and_floors_negatives_at_zero() {
        for (text, seconds) in [
            ("3600", 3600),
            ("3600.9", 3600),
            ("3.6e3", 3600),
            ("36E+2", 3600),
            ("360000e-2", 3600),
            ("0.5", 0),
            ("5e-1", 0),
            ("1e-99999999999999999999", 0),
            ("-5", 0),
            ("-0.0", 0),
            ("18446744073709551615", u64::MAX),
            ("18446744073709551616", u64::MAX),
            ("1e19", 10_000_000_000_000_000_000),
            ("1e20", u64::MAX),
            ("1e99999999999999999999", u64::MAX),
            ("0e99999999999999999999", 0),
        ] {
            let number = Number::parse(text).expect(text);
            assert_eq!(number.whole_seconds(), seconds, "{text}");
        }
    }

    #[test]
    fn number_parse_takes_exactly_one_number() {
        assert!(Number::parse("12").is_some());
        for bad in ["", " 12", "12 ", "+12", "1.", "0x10", "1e"] {
            assert!(Number::parse(bad).is_none(), "{bad:?}");
        }
    }
}
