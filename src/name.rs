//! File names as text: losslessly, and safe to print.
//!
//! On Unix a file name is any bytes but `/` and NUL: it need not be UTF-8,
//! and it may hold a newline, an escape sequence that recolours a terminal,
//! or a right-to-left override that reorders what a reviewer reads. opsbook
//! keeps backup file names as bytes and writes them as text in one way
//! everywhere (baselines, reports, messages), [`escape`]:
//!
//! | in the name | written |
//! |---|---|
//! | `\` | `\\` |
//! | newline, carriage return, tab | `\n`, `\r`, `\t` |
//! | any other ASCII control byte, and a byte that is not UTF-8 | `\xNN` (two uppercase hex digits) |
//! | a Unicode control or direction-changing character | `\u{NNNN}` |
//! | anything else | itself |
//!
//! Two names never give the same text ([`unescape`] gives the bytes back),
//! the text holds no character that could split a line of a CI log or
//! restyle a terminal, and an ordinary name (`oa-20251231.sql.zst`,
//! `公文 备份.tar`) is written as it is.
//!
//! [`printable`] is the weaker form for text that is already a string (a
//! path from the settings, a command's output): it escapes the control
//! characters only, so it is safe to print but not meant to be read back.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` may not be printed as it is.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_ascii_control() => {
            let _ = write!(out, "\\x{:02X}", c as u32);
        }
        c if hidden(c) => {
            let _ = write!(out, "\\u{{{:X}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// The name `bytes` as text, losslessly (see the module's table). Borrowed
/// when the name is written as it is.
pub fn escape(bytes: &[u8]) -> Cow<'_, str> {
    // Printable ASCII but `\`: the usual name, left as it is.
    if bytes.iter().all(|&b| (0x20..0x7F).contains(&b) && b != b'\\') {
        return Cow::Borrowed(std::str::from_utf8(bytes).expect("ASCII is UTF-8"));
    }
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.chars().any(|c| c == '\\' || hidden(c))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    Cow::Owned(out)
}

/// The bytes of a name written by [`escape`]; `None` for text that
/// [`escape`] never writes (a lone `\`, an unknown escape).
pub fn unescape(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let after = &rest[i + 1..];
        let (bytes, used): (Vec<u8>, usize) = match after.as_bytes().first()? {
            b'\\' => (vec![b'\\'], 1),
            b'n' => (vec![b'\n'], 1),
            b'r' => (vec![b'\r'], 1),
            b't' => (vec![b'\t'], 1),
            b'x' => {
                let hex = after.get(1..3)?;
                (vec![u8::from_str_radix(hex, 16).ok()?], 3)
            }
            b'u' => {
                let body = after.strip_prefix("u{")?;
                let end = body.find('}')?;
                let c = char::from_u32(u32::from_str_radix(&body[..end], 16).ok()?)?;
                (c.to_string().into_bytes(), 2 + end + 1)
            }
            _ => return None,
        };
        out.extend_from_slice(&bytes);
        rest = &after[used..];
    }
    out.extend_from_slice(rest.as_bytes());
    Some(out)
}

/// `text` with its control and direction-changing characters escaped as
/// [`escape`] writes them; a backslash is left alone. With `lines`,
/// newlines and tabs are kept too: for multi-line text such as a command's
/// output.
pub fn printable(text: &str, lines: bool) -> Cow<'_, str> {
    let keep = |c: char| lines && matches!(c, '\n' | '\t');
    if !text.chars().any(|c| hidden(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\\' || keep(c) || !hidden(c) {
            out.push(c);
        } else {
            push_char(&mut out, c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_names_are_kept_and_others_escaped() {
        assert!(matches!(escape(b"oa-20251231.sql.zst"), Cow::Borrowed(_)));
        assert!(matches!(escape("公文 备份.tar".as_bytes()), Cow::Borrowed(_)));
        assert_eq!(escape(b"x\xff.sql"), "x\\xFF.sql");
        assert_eq!(escape(b"x\xfe.sql"), "x\\xFE.sql");
        assert_eq!(escape(b"a\\xff"), "a\\\\xff");
        assert_eq!(escape(b"new\nline\x1b[31m\r\t"), "new\\nline\\x1B[31m\\r\\t");
        assert_eq!(escape("a\u{202E}b\u{85}".as_bytes()), "a\\u{202E}b\\u{85}");
        assert_eq!(unescape("a\\u{202E}b").unwrap(), "a\u{202E}b".as_bytes());
        for bad in ["a\\", "a\\q", "a\\x4", "a\\u{110000}", "a\\u{41"] {
            assert_eq!(unescape(bad), None, "{bad}");
        }
    }

    #[test]
    fn printable_escapes_controls_only() {
        assert_eq!(printable("a\\b\x1b[0m\nc", false), "a\\b\\x1B[0m\\nc");
        assert_eq!(printable("line 1\n\tline 2\x07", true), "line 1\n\tline 2\\x07");
        assert!(matches!(printable("plain", false), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn escaping_is_lossless_and_printable(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let text = escape(&bytes);
            prop_assert_eq!(unescape(&text), Some(bytes.clone()));
            prop_assert!(!text.chars().any(hidden));
        }

        #[test]
        fn utf8_names_round_trip(name in any::<String>()) {
            let text = escape(name.as_bytes());
            prop_assert_eq!(unescape(&text), Some(name.clone().into_bytes()));
        }
    }
}
