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
//!
//! Responses are read with `Members`: one pass over the document that
//! checks all of it as [`Value::parse`] does but builds no tree, borrowing
//! strings from the input (copied only when they have escapes) and keeping
//! nested arrays and objects as their text, read further only when asked.
//! A parser reads the few members it knows; only the unknown ones it keeps
//! become [`Value`]s.

use std::borrow::Cow;
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
        Reader::new(text)?.whole(|reader| reader.value(MAX_DEPTH))
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

/// A member's value read one level deep: strings decoded (borrowed from
/// the document unless they have escapes), numbers, arrays and objects as
/// their text, checked already and read further only if asked.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Shallow<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number's text.
    Number(&'a str),
    /// A string.
    String(Cow<'a, str>),
    /// An array's text.
    Array(&'a str),
    /// An object's text.
    Object(&'a str),
}

impl<'a> Shallow<'a> {
    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Shallow::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub(crate) fn items(&self) -> Option<Vec<Shallow<'a>>> {
        let Shallow::Array(text) = self else {
            return None;
        };
        let (mut items, mut names) = (Vec::new(), Vec::new());
        Reader::new(text.as_bytes())?.whole(|reader| {
            reader.items(&mut |reader, _| {
                items.push(reader.shallow(MAX_DEPTH, &mut names)?);
                Some(())
            })
        })?;
        Some(items)
    }

    /// The members, if this is an object.
    pub(crate) fn members(&self) -> Option<Members<'a>> {
        match self {
            Shallow::Object(text) => Members::parse(text.as_bytes()),
            _ => None,
        }
    }

    /// The value, built whole.
    pub(crate) fn into_value(self) -> Value {
        match self {
            Shallow::Null => Value::Null,
            Shallow::Bool(b) => Value::Bool(b),
            Shallow::Number(n) => Value::Number(Number(n.to_owned())),
            Shallow::String(s) => Value::String(s.into_owned()),
            // Checked when the document was read, so never `Null` here.
            Shallow::Array(text) | Shallow::Object(text) => {
                Value::parse(text.as_bytes()).unwrap_or(Value::Null)
            }
        }
    }
}

/// The members of a JSON object document, each read one level deep
/// ([`Shallow`]). The whole document is checked as
/// [`Value::parse`] checks it: the same documents are refused (the
/// `json_matches_serde` fuzz target compares the two). Strings copied
/// because they had escapes are wiped when dropped: they may be tokens.
pub(crate) struct Members<'a>(Vec<(Cow<'a, str>, Shallow<'a>)>);

impl<'a> Members<'a> {
    /// Reads a document that must be an object.
    pub(crate) fn parse(text: &'a [u8]) -> Option<Members<'a>> {
        let mut members = Vec::new();
        read_object(text, &mut |name, value| {
            members.push((name, value));
            Some(())
        })?;
        if repeats(&members, |(name, _)| name) {
            return None;
        }
        Some(Members(members))
    }

    /// Where `name` is: a scan, cheaper than any index for the few members
    /// of a response.
    fn find(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|(n, _)| n == name)
    }

    /// The member `name`, if there is one.
    pub(crate) fn get(&self, name: &str) -> Option<&Shallow<'a>> {
        self.find(name).map(|at| &self.0[at].1)
    }

    /// Takes the member `name` out, if there is one.
    pub(crate) fn remove(&mut self, name: &str) -> Option<Shallow<'a>> {
        self.find(name).map(|at| self.0.remove(at).1)
    }

    /// The members.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Shallow<'a>)> {
        self.0.iter().map(|(name, value)| (&**name, value))
    }

    /// The members left but those named in `known`, built whole.
    pub(crate) fn into_object(mut self, known: &[&str]) -> Object {
        let mut object = Object::new();
        for (name, value) in std::mem::take(&mut self.0) {
            if known.contains(&&*name) {
                wipe(value);
            } else {
                object.insert(name.into_owned(), value.into_value());
            }
        }
        object
    }
}

impl Drop for Members<'_> {
    fn drop(&mut self) {
        self.0.drain(..).for_each(|(_, value)| wipe(value));
    }
}

/// Reads a document that must be an object in one pass, handing each
/// member to `member` as it is read: its name and its value, read one level
/// deep. The document is checked as [`Value::parse`] checks it, but for a
/// name repeated in the object itself: `member` refuses that (and anything
/// else) by returning `None`, which refuses the document.
///
/// In the browser's modules (`authflow_compact`, build.rs) `member` is a
/// trait object, so that one copy of the reader serves every response
/// parser (the browser package's size); elsewhere each parser gets its own
/// copy, its `member` inlined.
pub(crate) fn read_object<'a>(
    text: &'a [u8],
    #[cfg(authflow_compact)] member: &mut dyn FnMut(Cow<'a, str>, Shallow<'a>) -> Option<()>,
    #[cfg(not(authflow_compact))] member: &mut impl FnMut(Cow<'a, str>, Shallow<'a>) -> Option<()>,
) -> Option<()> {
    let mut reader = Reader::new(text)?;
    reader.skip_whitespace();
    if reader.peek()? != b'{' {
        return None;
    }
    let mut names = Vec::new();
    reader.whole(|reader| {
        reader.items(&mut |reader, name| {
            let value = reader.shallow(MAX_DEPTH - 1, &mut names)?;
            member(name?, value)
        })
    })
}

/// What [`Reader::items`] hands each item to in the browser's modules: the
/// reader at the item's value, and its name (`None` in an array).
#[cfg(authflow_compact)]
type ItemReader<'a, 'r> = dyn FnMut(&mut Reader<'a>, Option<Cow<'a, str>>) -> Option<()> + 'r;

/// The index of the first `"`, `\\` or control character in `bytes`:
/// where a string's plain run ends.
fn string_stop(bytes: &[u8]) -> Option<usize> {
    use crate::byte_scan::{find_first, lanes_below, lanes_equal};
    find_first(
        bytes,
        |word| lanes_equal(word, b'"') | lanes_equal(word, b'\\') | lanes_below(word, 0x20),
        |b| b == b'"' || b == b'\\' || b < 0x20,
    )
}

/// The length of a string's text up to its closing `"`, escapes included
/// (`None` if it has none, or a control character): room for what it
/// decodes to, which is never longer (an escape is at least as long as the
/// character it stands for in UTF-8).
fn quoted_len(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        at += string_stop(bytes.get(at..)?)?;
        match bytes.get(at)? {
            b'"' => return Some(at),
            b'\\' => at += 2,
            _ => return None,
        }
    }
}

/// Puts `value` in `slot`, the member it is for; `None`, which refuses the
/// document, when the slot was filled already (a name given twice). The
/// value there first is wiped: a copy of it may be a token.
#[inline]
pub(crate) fn fill<'a>(slot: &mut Option<Shallow<'a>>, value: Shallow<'a>) -> Option<()> {
    match slot.replace(value) {
        None => Some(()),
        Some(first) => {
            wipe(first);
            None
        }
    }
}

/// Wipes a string the reader copied (it had escapes): it may be a token.
pub(crate) fn wipe(value: Shallow<'_>) {
    if let Shallow::String(Cow::Owned(mut copy)) = value {
        zeroize::Zeroize::zeroize(&mut copy);
    }
}

/// Whether `items` (one object's members) name one twice. Objects in
/// responses have a few members, which are compared pairwise (lengths
/// first); more go through an [`Object`], the map the generic reader uses,
/// so that no object costs quadratic time and the browser package carries
/// no sort of its own for this.
pub(crate) fn repeats<T>(items: &[T], name: impl Fn(&T) -> &str) -> bool {
    if items.len() <= 16 {
        return (1..items.len()).any(|i| items[..i].iter().any(|e| name(e) == name(&items[i])));
    }
    let mut seen = Object::new();
    items
        .iter()
        .any(|item| seen.insert(name(item).to_owned(), Value::Null).is_some())
}

/// Reads a JSON object as the response parsers do ([`Members`]) and builds
/// every member: the same as [`parse_object`] for every input, which the
/// `json_matches_serde` fuzz target checks. Not for use otherwise.
#[doc(hidden)]
pub fn parse_object_shallow(text: &[u8]) -> Option<Object> {
    Members::parse(text).map(|members| members.into_object(&[]))
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
        number_text(text).map(|text| Number(text.to_owned()))
    }
}

/// `text` if it is JSON number syntax and nothing else.
pub(crate) fn number_text(text: &str) -> Option<&str> {
    let mut reader = Reader { text, at: 0 };
    reader.number().filter(|number| number.len() == text.len())
}

/// A number's text (JSON syntax) as whole seconds: fractions dropped,
/// negative values 0, values beyond `u64` saturated.
pub(crate) fn whole_seconds(text: &str) -> u64 {
    // What providers send (`3600`, a Unix time): digits only, fewer than
    // u64's 20, read at once.
    if (1..20).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .bytes()
            .fold(0, |value, digit| value * 10 + u64::from(digit - b'0'));
    }
    if text.starts_with('-') {
        return 0;
    }
    let (mantissa, exponent) = match text.bytes().position(|b| b == b'e' || b == b'E') {
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
    // The integer part is the first `end` digits of whole and fraction
    // together, padded with zeros past their end.
    let end = (whole.len() as i64).saturating_add(shift);
    let mut digits = whole.bytes().chain(fraction.bytes());
    let mut value: u64 = 0;
    for _ in 0..end.max(0) {
        let digit = digits.next().map_or(0, |d| u64::from(d - b'0'));
        value = match value.checked_mul(10).and_then(|v| v.checked_add(digit)) {
            Some(value) => value,
            None => return u64::MAX,
        };
    }
    value
}

impl From<u64> for Number {
    fn from(value: u64) -> Number {
        Number(crate::text::decimal(value))
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        let mut text = String::with_capacity(20);
        if value < 0 {
            text.push('-');
        }
        crate::text::push_decimal(&mut text, value.unsigned_abs());
        Number(text)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A recursive-descent reader over the document's bytes.
struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `text`. A document that is not UTF-8 is no JSON: outside
    /// strings only ASCII is allowed, and strings must be UTF-8 (RFC 8259
    /// §8.1), so checking it all at once refuses exactly what checking each
    /// string would, and lets strings be borrowed.
    fn new(text: &'a [u8]) -> Option<Reader<'a>> {
        let text = std::str::from_utf8(text).ok()?;
        Some(Reader { text, at: 0 })
    }

    /// What `read` reads, if it is the whole document (whitespace around).
    fn whole<T>(mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let value = read(&mut self)?;
        self.skip_whitespace();
        (self.at == self.text.len()).then_some(value)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// The text from `start` to where the reader stands (always at a
    /// character boundary: after ASCII syntax).
    fn since(&self, start: usize) -> Option<&'a str> {
        self.text.get(start..self.at)
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

    fn literal<T>(&mut self, word: &str, value: T) -> Option<T> {
        let end = self.at.checked_add(word.len())?;
        (self.text.get(self.at..end)? == word).then(|| {
            self.at = end;
            value
        })
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_whitespace();
        match self.peek()? {
            b'n' => self.literal("null", Value::Null),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'"' => Some(Value::String(self.string()?.into_owned())),
            b'[' => {
                let depth = depth.checked_sub(1)?;
                let mut items = Vec::new();
                self.items(&mut |reader, _| {
                    items.push(reader.value(depth)?);
                    Some(())
                })?;
                Some(Value::Array(items))
            }
            b'{' => {
                let depth = depth.checked_sub(1)?;
                let mut members = Object::new();
                self.items(&mut |reader, name| {
                    let value = reader.value(depth)?;
                    members
                        .insert(name?.into_owned(), value)
                        .is_none()
                        .then_some(())
                })?;
                Some(Value::Object(members))
            }
            _ => Some(Value::Number(Number(self.number()?.to_owned()))),
        }
    }

    /// One value read as [`Shallow`] does, the rest of it checked all the
    /// same (nesting depth, each object's member names unique) but not
    /// built. `names` holds the names of the objects being checked.
    fn shallow(&mut self, depth: usize, names: &mut Vec<Cow<'a, str>>) -> Option<Shallow<'a>> {
        self.skip_whitespace();
        let start = self.at;
        match self.peek()? {
            b'n' => self.literal("null", Shallow::Null),
            b't' => self.literal("true", Shallow::Bool(true)),
            b'f' => self.literal("false", Shallow::Bool(false)),
            b'"' => self.string().map(Shallow::String),
            open @ (b'[' | b'{') => {
                let depth = depth.checked_sub(1)?;
                let first = names.len();
                self.items(&mut |reader, name| {
                    names.extend(name);
                    reader.shallow(depth, names).map(drop)
                })?;
                if repeats(&names[first..], |name| name) {
                    return None;
                }
                names.truncate(first);
                let text = self.since(start)?;
                Some(if open == b'[' {
                    Shallow::Array(text)
                } else {
                    Shallow::Object(text)
                })
            }
            _ => self.number().map(Shallow::Number),
        }
    }

    /// Walks an array's items or an object's members (the reader at its `[`
    /// or `{`), handing each to `item` with its name (`None` in an array),
    /// the reader at its value, for `item` to read it. In the browser's
    /// modules `item` is a trait object, as `read_object`'s `member` is.
    fn items(
        &mut self,
        #[cfg(authflow_compact)] item: &mut ItemReader<'a, '_>,
        #[cfg(not(authflow_compact))] item: &mut impl FnMut(
            &mut Self,
            Option<Cow<'a, str>>,
        ) -> Option<()>,
    ) -> Option<()> {
        let close = if self.next()? == b'{' { b'}' } else { b']' };
        self.skip_whitespace();
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            let mut name = None;
            if close == b'}' {
                self.skip_whitespace();
                if self.peek()? != b'"' {
                    return None;
                }
                name = Some(self.string()?);
                self.skip_whitespace();
                if self.next()? != b':' {
                    return None;
                }
            }
            item(self, name)?;
            self.skip_whitespace();
            match self.next()? {
                b',' => continue,
                byte if byte == close => return Some(()),
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

    fn number(&mut self) -> Option<&'a str> {
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
        self.since(start)
    }

    /// A string (the reader at its `"`): borrowed from the document unless
    /// it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.at += 1; // `"`
        let start = self.at;
        // Up to the closing `"`, an escape or a control character (which
        // must be escaped, RFC 8259 §7), in one scan, a word at a time.
        self.at += string_stop(self.text.as_bytes().get(start..)?)?;
        match self.next()? {
            b'"' => Some(Cow::Borrowed(self.text.get(start..self.at - 1)?)),
            b'\\' => {
                self.at -= 1; // back to the `\`
                self.escaped_string(start)
            }
            _ => None,
        }
    }

    /// The rest of a string that has escapes (from `start`, its first
    /// character; the reader at the first `\`), copied. Out of line: most
    /// strings have none, and their path stays short.
    #[cold]
    #[inline(never)]
    fn escaped_string(&mut self, start: usize) -> Option<Cow<'a, str>> {
        // Room for the whole copy at once: it may be a token (PHP writes
        // `\/` for every `/`), and a copy that grew would leave pieces of
        // it behind in freed memory, unwiped.
        let mut out = String::with_capacity(quoted_len(self.text.as_bytes().get(start..)?)?);
        out.push_str(self.since(start)?);
        loop {
            let start = self.at;
            match self.next()? {
                b'"' => return Some(Cow::Owned(out)),
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
                    out.push(escaped);
                }
                0..=0x1f => return None,
                // The character whole (the document is UTF-8).
                _ => {
                    while !self.text.is_char_boundary(self.at) {
                        self.at += 1;
                    }
                    out.push_str(self.since(start)?);
                }
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
/// a time; a member that is absent or `null` reads as `None`. Read with the
/// response parsers' one-pass reader ([`Members`]).
pub(crate) struct ObjectReader<'a>(Members<'a>);

/// A member of a stored form that is of the wrong type, or missing where it
/// is required: its name ([`crate::TokenSetMembers`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadMember(pub &'static str);

impl<'a> ObjectReader<'a> {
    /// Reads a document that must be an object.
    pub(crate) fn parse(text: &'a [u8]) -> Option<ObjectReader<'a>> {
        Members::parse(text).map(ObjectReader)
    }

    /// The member `name` as `read` takes it, if it is there.
    fn member<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(Shallow<'a>) -> Option<T>,
    ) -> Result<Option<T>, BadMember> {
        match self.0.remove(name) {
            None | Some(Shallow::Null) => Ok(None),
            Some(value) => read(value).map(Some).ok_or(BadMember(name)),
        }
    }

    /// Whether every member was taken.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().next().is_none()
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
            Shallow::Number(n) => n.parse().ok(),
            _ => None,
        })
    }

    /// A `true`/`false` member.
    pub(crate) fn bool(&mut self, name: &'static str) -> Result<Option<bool>, BadMember> {
        self.member(name, |value| match value {
            Shallow::Bool(b) => Some(b),
            _ => None,
        })
    }

    /// An array-of-strings member.
    pub(crate) fn strings(&mut self, name: &'static str) -> Result<Option<Vec<String>>, BadMember> {
        self.member(name, |value| {
            value.items()?.into_iter().map(string_of).collect()
        })
    }

    /// An object member.
    pub(crate) fn object(&mut self, name: &'static str) -> Result<Option<Object>, BadMember> {
        self.member(name, |value| Some(value.members()?.into_object(&[])))
    }
}

fn string_of(value: Shallow<'_>) -> Option<String> {
    match value {
        Shallow::String(s) => Some(s.into_owned()),
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
    fn an_escaped_string_is_copied_into_room_made_once() {
        // A token with its slashes escaped, as PHP's json_encode writes it:
        // a copy that grew would leave pieces of it in freed memory.
        let raw = r#"SeCrEt01\/SeCrEt02\/SeCrEt03\/SeCrEt04\u00e9\ud83e\udd80"#;
        let document = format!(r#"{{"t":"{raw}"}}"#);
        let members = Members::parse(document.as_bytes()).unwrap();
        let Some(Shallow::String(Cow::Owned(copy))) = members.get("t") else {
            panic!("an escaped string is a copy");
        };
        assert_eq!(copy, "SeCrEt01/SeCrEt02/SeCrEt03/SeCrEt04\u{e9}\u{1f980}");
        assert_eq!(copy.capacity(), raw.len());
    }

    #[test]
    fn a_repeated_slot_refuses_and_keeps_one_value() {
        let mut slot = None;
        assert_eq!(fill(&mut slot, Shallow::Bool(true)), Some(()));
        assert_eq!(fill(&mut slot, Shallow::Bool(false)), None);
        assert!(matches!(slot, Some(Shallow::Bool(false))));
    }

    #[test]
    fn reads_and_writes_every_kind_of_value() {
        let text = r#"{"a":[null,true,false,0,-1.5e+3,"x"],"b":{},"c":[],"d":"\u00e9\"\\\n"}"#;
        assert_eq!(round_trip(text), text.replace("\\u00e9", "é"));
        assert_eq!(round_trip(" \t\r\n[ 1 , 2 ]\n"), "[1,2]");
    }

    #[test]
    fn whole_numbers_are_written_as_display_writes_them() {
        for n in [0, 7, -1, -30, i64::MIN, i64::MAX] {
            assert_eq!(Number::from(n).to_string(), n.to_string());
        }
        for n in [0, 10, u64::MAX] {
            assert_eq!(Number::from(n).to_string(), n.to_string());
        }
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

    /// The response parsers' reader refuses what `parse_object` refuses and
    /// reads the same values; strings are copied only for their escapes.
    #[test]
    fn members_read_what_parse_object_reads() {
        let nested = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        let mut documents: Vec<String> = [
            r#"{"a":[null,true,false,0,-1.5e+3,"x"],"b":{},"c":[],"d":"\u00e9\"\\\n"}"#,
            r#" {"z":1, "a":{"a":{"b":2},"b":[{"a":1},{"a":1}]}} "#,
            r#"{"a":{"x":1,"y":{"x":2},"x":3}}"#,
            r#"{"a":[{"b":1,"b":2}]}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"a":"\ud83d\ude00é","b":"é\n"}"#,
            r#"{"a":1}x"#,
            r#"[{"a":1}]"#,
            r#""{}""#,
            "{}",
        ]
        .map(str::to_owned)
        .into();
        documents.extend([nested(MAX_DEPTH - 1), nested(MAX_DEPTH)]);
        // Many members are put in a map to find a repeat, a few compared in pairs.
        let many = |n: usize, repeat: usize| {
            let names = (0..n).chain([repeat]).map(|i| format!("\"m{i}\":{i}"));
            format!("{{{}}}", names.collect::<Vec<_>>().join(","))
        };
        for (n, repeat) in [(3, 1), (16, 0), (40, 39), (40, 40)] {
            let object = many(n, repeat);
            documents.extend([object.clone(), format!("{{\"a\":[{object}]}}")]);
        }
        for bad in [
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "{\"a\":01}",
            "{\"a\":\"\t\"}",
        ] {
            documents.push(bad.to_owned());
        }
        for text in &documents {
            let text = text.as_bytes();
            assert_eq!(parse_object_shallow(text), parse_object(text), "{text:?}");
        }
        assert!(parse_object_shallow(nested(MAX_DEPTH - 1).as_bytes()).is_some());
        assert_eq!(parse_object_shallow(b"{\"a\":\"\xff\"}"), None);

        let members = Members::parse(br#"{"plain":"ab","escaped":"a\/b"}"#).unwrap();
        assert!(matches!(
            members.get("plain"),
            Some(Shallow::String(Cow::Borrowed("ab")))
        ));
        assert!(
            matches!(members.get("escaped"), Some(Shallow::String(Cow::Owned(s))) if s == "a/b")
        );
    }

    #[test]
    fn control_characters_are_escaped_as_serde_json_does() {
        let mut out = String::new();
        write_string("a\u{1}\u{1f}\u{7f}\u{8}\u{c}/", &mut out);
        assert_eq!(out, "\"a\\u0001\\u001f\u{7f}\\b\\f/\"");
    }

    #[test]
    fn a_string_runs_to_its_first_quote_backslash_or_control() {
        let text = "0123456789abcdé\u{1}\"";
        assert_eq!(string_stop(text.as_bytes()), Some(text.len() - 2));
        assert_eq!(string_stop(b"0123456789\\n\""), Some(10));
        assert_eq!(string_stop(b"0123456789"), None);
    }

    #[test]
    fn whole_seconds_truncates_saturates_and_floors_negatives_at_zero() {
        for (text, seconds) in [
            ("3600", 3600),
            ("0", 0),
            ("9999999999999999999", 9_999_999_999_999_999_999),
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
            assert_eq!(whole_seconds(number.as_str()), seconds, "{text}");
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
