//! A validating JSON scanner for one log line, built for speed.
//!
//! A log line is parsed to read a handful of top-level keys; everything else
//! in it is only checked to be valid JSON and skipped. General parsers build
//! a value for every field (or at least walk serde's visitor machinery for
//! it); this scanner hands back the values it is asked for as slices of the
//! line and allocates nothing. Strings are scanned eight bytes at a time
//! (SWAR: one 64-bit word tests eight bytes for a quote, a backslash or a
//! control character), and only strings that hold non-ASCII bytes are
//! checked to be UTF-8: everything outside strings must be ASCII JSON
//! syntax anyway. It is as strict as `serde_json` reading a `Value`: the
//! same texts are accepted and refused (a property test holds the two side
//! by side), so "bad JSON" means what every other tool means by it.
//!
//! Nesting is skipped without recursion, so no line can exhaust the stack;
//! the depth limit is `serde_json`'s own.

use std::borrow::Cow;

/// Containers nested deeper than this (the line's own object included) are
/// refused, as `serde_json` refuses them.
const MAX_DEPTH: u32 = 127;

/// Why a text is not valid JSON, and the byte where that became clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    pub at: usize,
    pub what: &'static str,
}

pub type Result<T> = std::result::Result<T, JsonError>;

/// A JSON string as it sits in the line: the bytes between its quotes,
/// escapes still in them, already checked to be UTF-8. Decoded only when a
/// caller needs the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonStr<'a> {
    raw: &'a [u8],
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// The decoded text; borrowed from the line unless it holds escapes.
    pub fn text(&self) -> Cow<'a, str> {
        // The scanner has checked the bytes: this never takes the lossy way.
        let raw = match std::str::from_utf8(self.raw) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(self.raw),
        };
        if self.escaped {
            Cow::Owned(unescape(&raw))
        } else {
            raw
        }
    }

    /// The bytes as written, when there is nothing to decode.
    pub fn plain(&self) -> Option<&'a [u8]> {
        (!self.escaped).then_some(self.raw)
    }

    /// Whether the decoded text equals `s`, without decoding when there is
    /// nothing to decode.
    pub fn is(&self, s: &str) -> bool {
        match self.plain() {
            Some(raw) => raw == s.as_bytes(),
            None => self.text() == s,
        }
    }
}

/// A key of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a> {
    pub name: JsonStr<'a>,
    /// A key of at most eight bytes with no escapes, packed by [`pack`];
    /// 0 for any other key.
    pub packed: u64,
}

/// Up to eight bytes as one integer (little-endian, zero-padded), so that
/// telling known keys apart is one comparison each. Keys cannot hold a NUL
/// byte, so the padding makes every packing unique.
pub const fn pack(name: &[u8]) -> u64 {
    let mut word = 0;
    let mut i = name.len();
    while i > 0 {
        i -= 1;
        word = (word << 8) | name[i] as u64;
    }
    word
}

/// A value the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Str(JsonStr<'a>),
    /// A number, as written (already checked against JSON's grammar).
    Num(&'a [u8]),
    /// `true`, `false`, `null`, an object or an array (checked, skipped).
    Other,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that is a quote, a backslash or a
/// control character. Of several, the lowest is exact; bits above it may be
/// spurious (a borrow runs upwards), which is all a scan needs.
fn specials(w: u64) -> u64 {
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    (zero(quote) | zero(backslash) | (w.wrapping_sub(ONES * 0x20) & !w)) & HIGH
}

/// A cursor over one JSON text.
pub struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Scanner { bytes, pos: 0 }
    }

    fn error<T>(&self, what: &'static str) -> Result<T> {
        Err(JsonError { at: self.pos, what })
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Reads a top-level object, calling `field` for each key with the
    /// scanner placed at its value; `field` must consume the value with
    /// [`Scanner::value`] or [`Scanner::skip`]. Nothing but whitespace may
    /// follow the object.
    pub fn object(&mut self, mut field: impl FnMut(Key<'a>, &mut Self) -> Result<()>) -> Result<()> {
        self.skip_ws();
        if self.peek() != Some(b'{') {
            return self.error(if self.pos >= self.bytes.len() {
                "empty line"
            } else {
                "not a JSON object"
            });
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                let at = self.pos + 1;
                let name = self.key()?;
                let packed = match name.plain() {
                    Some(raw) if raw.len() <= 8 => match self.bytes.get(at..at + 8) {
                        // One load, the bytes after the key masked off.
                        Some(word) => {
                            let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
                            let keep = if raw.len() == 8 {
                                u64::MAX
                            } else {
                                (1 << (8 * raw.len())) - 1
                            };
                            word & keep
                        }
                        None => pack(raw),
                    },
                    _ => 0,
                };
                field(Key { name, packed }, self)?;
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_ws();
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return self.error("expected `,` or `}`"),
                }
            }
        }
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return self.error("trailing characters after the object");
        }
        Ok(())
    }

    /// A key and its colon, leaving the scanner on the value.
    #[inline(always)]
    fn key(&mut self) -> Result<JsonStr<'a>> {
        if self.peek() != Some(b'"') {
            return self.error("expected a quoted key");
        }
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return self.error("expected `:` after a key");
        }
        self.pos += 1;
        self.skip_ws();
        Ok(key)
    }

    /// Reads the value at the cursor: strings and numbers are handed back,
    /// anything else is checked and skipped.
    #[inline(always)]
    pub fn value(&mut self) -> Result<Value<'a>> {
        match self.peek() {
            Some(b'"') => self.string().map(Value::Str),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Num),
            _ => self.skip().map(|()| Value::Other),
        }
    }

    /// Checks and skips the value at the cursor, nested ones included.
    pub fn skip(&mut self) -> Result<()> {
        // Open containers, innermost in the lowest bit: 1 = object, 0 = array.
        let mut stack: u128 = 0;
        // The record's own object is one level already.
        let mut depth: u32 = 1;
        loop {
            // A value.
            match self.peek() {
                Some(b'{') | Some(b'[') => {
                    let object = self.peek() == Some(b'{');
                    if depth >= MAX_DEPTH {
                        return self.error("nested too deeply");
                    }
                    self.pos += 1;
                    depth += 1;
                    stack = (stack << 1) | u128::from(object);
                    self.skip_ws();
                    let close = if object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        depth -= 1;
                        stack >>= 1;
                    } else {
                        if object {
                            self.key()?;
                        }
                        continue;
                    }
                }
                Some(b'"') => {
                    self.string()?;
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                _ => return self.error("expected a value"),
            }
            // After a value: close containers until one continues.
            loop {
                if depth == 1 {
                    return Ok(());
                }
                self.skip_ws();
                let object = stack & 1 == 1;
                match (self.peek(), object) {
                    (Some(b','), _) => {
                        self.pos += 1;
                        self.skip_ws();
                        if object {
                            self.key()?;
                        }
                        break;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        self.pos += 1;
                        depth -= 1;
                        stack >>= 1;
                    }
                    (_, true) => return self.error("expected `,` or `}`"),
                    (_, false) => return self.error("expected `,` or `]`"),
                }
            }
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<()> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.error("expected a value")
        }
    }

    /// A string at the cursor (on its opening quote).
    #[inline(always)]
    fn string(&mut self) -> Result<JsonStr<'a>> {
        let bytes = self.bytes;
        let start = self.pos + 1;
        // A local cursor: it stays in a register through the loop.
        let mut pos = start;
        let mut escaped = false;
        let mut high = 0;
        loop {
            // Eight bytes at a time to the next quote, backslash or control
            // character, noting any non-ASCII byte on the way.
            while let Some(word) = bytes.get(pos..).and_then(<[u8]>::first_chunk::<8>) {
                let w = u64::from_le_bytes(*word);
                let found = specials(w);
                if found != 0 {
                    let lane = found.trailing_zeros() / 8;
                    high |= w & HIGH & ((1u64 << (lane * 8)) - 1);
                    pos += lane as usize;
                    break;
                }
                high |= w & HIGH;
                pos += 8;
            }
            // The byte found, or one of the last few.
            self.pos = pos;
            let Some(&b) = bytes.get(pos) else {
                return self.error("unterminated string");
            };
            match b {
                b'"' => {
                    let raw = &bytes[start..pos];
                    if high != 0 && std::str::from_utf8(raw).is_err() {
                        return self.error("invalid UTF-8 in a string");
                    }
                    self.pos = pos + 1;
                    return Ok(JsonStr { raw, escaped });
                }
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                    pos = self.pos;
                }
                0..0x20 => return self.error("control character in a string"),
                _ => {
                    high |= u64::from(b & 0x80);
                    pos += 1;
                }
            }
        }
    }

    /// An escape at the cursor (on its backslash).
    #[cold]
    fn escape(&mut self) -> Result<()> {
        self.pos += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'u') => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by a low one.
                        if self.bytes[self.pos..].starts_with(b"\\u") {
                            self.pos += 1;
                            if (0xDC00..=0xDFFF).contains(&self.hex4()?) {
                                return Ok(());
                            }
                        }
                        self.error("lone surrogate in a \\u escape")
                    }
                    0xDC00..=0xDFFF => self.error("lone surrogate in a \\u escape"),
                    _ => Ok(()),
                }
            }
            _ => self.error("invalid escape"),
        }
    }

    /// `uXXXX` at the cursor (on the `u`): the code unit.
    fn hex4(&mut self) -> Result<u32> {
        self.pos += 1;
        let Some(digits) = self.bytes.get(self.pos..self.pos + 4) else {
            return self.error("invalid \\u escape");
        };
        let mut unit = 0;
        for &d in digits {
            let Some(v) = (d as char).to_digit(16) else {
                return self.error("invalid \\u escape");
            };
            unit = unit * 16 + v;
        }
        self.pos += 4;
        Ok(unit)
    }

    /// A number at the cursor: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    #[inline]
    fn number(&mut self) -> Result<&'a [u8]> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.error("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.error("invalid number");
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.error("invalid number");
            }
            self.digits();
        }
        Ok(&self.bytes[start..self.pos])
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

/// Decodes the escapes of a string the scanner has already checked.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hi = hex4(&mut chars);
                let code = if (0xD800..=0xDBFF).contains(&hi) {
                    chars.next();
                    chars.next();
                    let lo = hex4(&mut chars);
                    0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    hi
                };
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn hex4(chars: &mut std::str::Chars<'_>) -> u32 {
    chars
        .take(4)
        .fold(0, |acc, c| acc * 16 + c.to_digit(16).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every key and value of a line: strings decoded, numbers as written.
    fn fields(line: &str) -> Result<Vec<(String, Option<String>)>> {
        let mut out = Vec::new();
        Scanner::new(line.as_bytes()).object(|key, s| {
            let key = key.name;
            let v = match s.value()? {
                Value::Str(v) => Some(v.text().into_owned()),
                Value::Num(n) => Some(String::from_utf8_lossy(n).into_owned()),
                Value::Other => None,
            };
            out.push((key.text().into_owned(), v));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_strings_and_numbers_and_skips_the_rest() {
        let line = r#"{"ts":"2025-12-01T08:00:00+08:00", "n": -1.5e3, "o": {"a": [1, {"b": null}], "c": "}"}, "t": true, "msg": "a\"b\u4e2d\ud83d\ude00"}"#;
        let f = fields(line).unwrap();
        assert_eq!(f[0], ("ts".into(), Some("2025-12-01T08:00:00+08:00".into())));
        assert_eq!(f[1], ("n".into(), Some("-1.5e3".into())));
        assert_eq!(f[2], ("o".into(), None));
        assert_eq!(f[3], ("t".into(), None));
        assert_eq!(f[4], ("msg".into(), Some("a\"b中😀".into())));
    }

    #[test]
    fn keys_come_packed() {
        let mut got = Vec::new();
        Scanner::new(br#"{"ts":1,"service":2,"eightchr":3,"ninechars":4,"a\u0062":5,"x":{"y":6}}"#)
            .object(|key, s| {
                got.push(key.packed);
                s.skip()
            })
            .unwrap();
        assert_eq!(
            got,
            [pack(b"ts"), pack(b"service"), pack(b"eightchr"), 0, 0, pack(b"x")]
        );
        // At the very end of a line, with fewer than eight bytes left.
        let mut last = 0;
        Scanner::new(br#"{"k":1}"#)
            .object(|key, s| {
                last = key.packed;
                s.skip()
            })
            .unwrap();
        assert_eq!(last, pack(b"k"));
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let mut got = None;
        Scanner::new(br#"{"k":"plain"}"#)
            .object(|_, s| {
                if let Value::Str(v) = s.value()? {
                    got = Some(matches!(v.text(), Cow::Borrowed("plain")) && v.is("plain"));
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(got, Some(true));
    }

    #[test]
    fn refuses_what_json_refuses() {
        for bad in [
            "",
            "[1]",
            "{",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":+1}",
            "{\"a\":tru}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":[1 2]}",
            "{\"a\":{\"b\":1]}",
            "{\"a\":1} x",
            "{\"a\":\"unterminated}",
        ] {
            assert!(fields(bad).is_err(), "accepted {bad:?}");
            assert!(
                !matches!(serde_json::from_str(bad), Ok(serde_json::Value::Object(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_refused_where_it_is() {
        for bad in [
            &b"{\"a\":\"\xff\"}"[..],
            b"{\"a\":1}\xff",
            b"{\"\xe4\xb8\":1}",
            b"{\"a\":\"long enough to scan by words \xc3\x28 here\"}",
        ] {
            assert!(Scanner::new(bad).object(|_, s| s.skip()).is_err(), "{bad:?}");
        }
        let good = "{\"a\":\"中文字符串，足够长，按字扫描\"}";
        assert!(Scanner::new(good.as_bytes()).object(|_, s| s.skip()).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(fields(&deep).unwrap_err().what, "nested too deeply");
        let ok = format!("{{\"a\":{}{}}}", "[".repeat(126), "]".repeat(126));
        assert!(fields(&ok).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&ok).is_ok());
        let over = format!("{{\"a\":{}{}}}", "[".repeat(127), "]".repeat(127));
        assert!(fields(&over).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&over).is_err());
    }

    /// Text that is JSON-ish often enough to reach every branch.
    fn jsonish() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just(",".to_string()),
            Just(":".to_string()),
            Just(" ".to_string()),
            Just("\"k\"".to_string()),
            Just("\"ts\":".to_string()),
            Just("\"\\u4e2d\\n\"".to_string()),
            Just("\"\\ud83d\\ude00\"".to_string()),
            Just("\"\\ud83d\"".to_string()),
            Just("\"\\".to_string()),
            Just("\"".to_string()),
            Just("true".to_string()),
            Just("nul".to_string()),
            Just("null".to_string()),
            "-?[0-9]{1,3}(\\.[0-9]{0,2})?([eE][+-]?[0-9]{0,2})?",
            "[a-z中\t\u{1}]{1,3}",
        ];
        prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json(text in jsonish()) {
            let ours = fields(&text).is_ok();
            let theirs = matches!(
                serde_json::from_str::<serde_json::Value>(&text),
                Ok(serde_json::Value::Object(_))
            );
            prop_assert_eq!(ours, theirs, "on {:?}", text);
        }

        #[test]
        fn decoded_strings_match_serde_json(s in any::<String>()) {
            let line = serde_json::json!({ "k": s }).to_string();
            let f = fields(&line).unwrap();
            prop_assert_eq!(f[0].1.as_deref(), Some(s.as_str()));
        }

        #[test]
        fn never_panics_and_agrees_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let ours = Scanner::new(&bytes).object(|_, s| s.value().map(drop)).is_ok();
            let theirs = matches!(serde_json::from_slice(&bytes), Ok(serde_json::Value::Object(_)));
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn non_ascii_strings_are_checked(s in "[a-z中文\\u{1F600}]{0,20}", cut in 0usize..40) {
            // A string cut inside a character is not UTF-8.
            let mut line = format!("{{\"k\":\"{s}\"}}").into_bytes();
            let end = (6 + cut).min(line.len() - 2);
            line.drain(6.min(end)..end);
            let ours = Scanner::new(&line).object(|_, s| s.value().map(drop)).is_ok();
            let theirs = matches!(serde_json::from_slice(&line), Ok(serde_json::Value::Object(_)));
            prop_assert_eq!(ours, theirs, "on {:?}", line);
        }
    }
}
