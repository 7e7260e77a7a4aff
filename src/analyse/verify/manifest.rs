//! Manifests in b3sum's `--check` format, both ways.
//!
//! A line is `<64 lowercase hex>  <path>`. A path holding a backslash, a
//! newline or a carriage return is escaped (`\\`, `\n`, `\r`) and its line
//! starts with a backslash, as b3sum and md5sum write it. b3sum's `--tag`
//! form, `BLAKE3 (<path>) = <hex>`, is read too. Paths are relative to the
//! manifest's folder; `./` in front is allowed.
//!
//! A manifest is UTF-8 text, so a file whose name is not UTF-8 cannot be
//! listed in one: b3sum writes such a name with U+FFFD in place of the bad
//! bytes, and refuses the line when checking (two names could read the
//! same). opsbook does the same on reading, and on writing leaves the file
//! out and says so ([`line`] gives `None`).

use crate::name;

use std::collections::BTreeMap;

/// The digests a manifest lists, by path.
#[derive(Debug, Default, Clone)]
pub struct Manifest {
    /// Path (escaped as a set's listing writes it, [`crate::name::escape`])
    /// → (digest, line number).
    pub entries: BTreeMap<String, (blake3::Hash, usize)>,
}

/// A line that could not be read, with its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

impl Manifest {
    /// Reads every line; lines that cannot be read come back beside it.
    pub fn parse(text: &str) -> (Manifest, Vec<BadLine>) {
        let mut manifest = Manifest::default();
        let mut bad = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            let n = i + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            match parse_line(line) {
                Ok((path, hash)) => match manifest.entries.get(&path) {
                    Some((other, first)) if *other != hash => bad.push(BadLine {
                        line: n,
                        message: format!(
                            "`{path}` is listed again with another digest (first on line {first})"
                        ),
                    }),
                    Some(_) => {}
                    None => {
                        manifest.entries.insert(path, (hash, n));
                    }
                },
                Err(message) => bad.push(BadLine { line: n, message }),
            }
        }
        (manifest, bad)
    }
}

fn parse_line(line: &str) -> Result<(String, blake3::Hash), String> {
    let (escaped, rest) = match line.strip_prefix('\\') {
        Some(r) => (true, r),
        None => (false, line),
    };
    let (hex, path) = if let Some((hex, path)) = rest.split_once("  ") {
        (hex, path)
    } else if let Some(tagged) = rest.strip_prefix("BLAKE3 (")
        && let Some((path, hex)) = tagged.rsplit_once(") = ")
    {
        (hex, path)
    } else {
        return Err("not a `<digest>  <path>` line".into());
    };
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("the digest is not 64 lowercase hexadecimal digits".into());
    }
    let hash = blake3::Hash::from_hex(hex).map_err(|e| e.to_string())?;
    let path = if escaped {
        unescape(path)?
    } else {
        path.to_string()
    };
    if path.contains('\u{FFFD}') {
        return Err(format!(
            "`{}` holds U+FFFD, the mark of a name that was not UTF-8: such a line cannot name one file, and b3sum refuses it too",
            name::printable(&path, false)
        ));
    }
    let path = normalise(&path)?;
    Ok((name::escape(path.as_bytes()).into_owned(), hash))
}

fn unescape(path: &str) -> Result<String, String> {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            _ => return Err("invalid backslash escape in the path".into()),
        }
    }
    Ok(out)
}

/// A manifest path as a set-relative path: `./` dropped; empty, absolute
/// and `..` paths refused, as they cannot name a file of the set.
fn normalise(path: &str) -> Result<String, String> {
    if path.contains('\0') {
        return Err("the path holds a NUL character".into());
    }
    let shown = name::printable(path, false);
    if path.starts_with('/') {
        return Err(format!(
            "`{shown}` is absolute: manifest paths are relative to its folder"
        ));
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.is_empty() {
        return Err("the path is empty".into());
    }
    if parts.contains(&"..") {
        return Err(format!("`{shown}` leaves the manifest's folder"));
    }
    Ok(parts.join("/"))
}

/// One manifest line for the file at `path` (bytes, relative to the
/// manifest's folder), escaped as b3sum escapes it; `None` when the path is
/// not UTF-8, which no manifest line can name.
pub fn line(path: &[u8], hash: &blake3::Hash) -> Option<String> {
    let path = std::str::from_utf8(path).ok()?;
    Some(if path.contains(['\\', '\n', '\r']) {
        let escaped = path
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        format!("\\{}  {escaped}\n", hash.to_hex())
    } else {
        format!("{}  {path}\n", hash.to_hex())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_plain_escaped_and_tagged_lines() {
        let h = blake3::hash(b"x");
        let text = format!(
            "{h}  a.sql.zst\n\\{h}  back\\\\slash\\nnew\r\nBLAKE3 (./sub/c.tar) = {h}\n\n{h} one-space\n{h}  ../up\n"
        );
        let (m, bad) = Manifest::parse(&text);
        let paths: Vec<_> = m.entries.keys().cloned().collect();
        assert_eq!(paths, ["a.sql.zst", "back\\\\slash\\nnew", "sub/c.tar"]);
        assert_eq!(m.entries["sub/c.tar"].1, 3);
        let lines: Vec<_> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [5, 6]);
    }

    #[test]
    fn a_path_listed_twice_with_two_digests_is_refused() {
        let (a, b) = (blake3::hash(b"a"), blake3::hash(b"b"));
        let (_, bad) = Manifest::parse(&format!("{a}  x\n{a}  ./x\n{b}  x\n"));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 3);
    }

    #[test]
    fn names_that_are_not_utf8_cannot_be_listed() {
        let h = blake3::hash(b"x");
        assert_eq!(line(b"x\xff.sql", &h), None);
        let lossy = format!("{h}  x\u{FFFD}.sql\n{h}  fine.sql\n");
        let (m, bad) = Manifest::parse(&lossy);
        assert_eq!(m.entries.len(), 1);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].message.contains("U+FFFD"), "{:?}", bad);
        // A carriage return is escaped, as b3sum reads it back.
        let cr = line(b"a\rb", &h).unwrap();
        assert_eq!(cr, format!("\\{h}  a\\rb\n"));
        assert!(Manifest::parse(&cr).0.entries.contains_key("a\\rb"));
    }

    proptest! {
        #[test]
        fn written_lines_read_back(path in "[a-z\\\\\n\r 中]{1,12}(/[a-z]{1,4})?") {
            let path = path.trim_start_matches('/').to_string();
            prop_assume!(!path.split('/').any(|p| p.is_empty() || p == "." || p == ".."));
            let h = blake3::hash(path.as_bytes());
            let (m, bad) = Manifest::parse(&line(path.as_bytes(), &h).unwrap());
            prop_assert!(bad.is_empty(), "{:?}", bad);
            prop_assert_eq!(m.entries.get(name::escape(path.as_bytes()).as_ref()).map(|e| e.0), Some(h));
        }
    }
}
