//! Manifests in b3sum's `--check` format, both ways.
//!
//! A line is `<64 lowercase hex>  <path>`. A path holding a backslash, a
//! newline or a carriage return is escaped (`\\`, `\n`, `\r`) and its line
//! starts with a backslash, as b3sum and md5sum write it. b3sum's `--tag`
//! form, `BLAKE3 (<path>) = <hex>`, is read too. Paths are relative to the
//! manifest's folder; `./` in front is allowed.

use std::collections::BTreeMap;

/// The digests a manifest lists, by path.
#[derive(Debug, Default, Clone)]
pub struct Manifest {
    /// Path → (digest, line number).
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
    Ok((normalise(&path)?, hash))
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
    if path.starts_with('/') {
        return Err(format!(
            "`{path}` is absolute: manifest paths are relative to its folder"
        ));
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.is_empty() {
        return Err("the path is empty".into());
    }
    if parts.contains(&"..") {
        return Err(format!("`{path}` leaves the manifest's folder"));
    }
    Ok(parts.join("/"))
}

/// One manifest line, escaped as b3sum escapes it.
pub fn line(path: &str, hash: &blake3::Hash) -> String {
    if path.contains(['\\', '\n', '\r']) {
        let escaped = path
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        format!("\\{}  {escaped}\n", hash.to_hex())
    } else {
        format!("{}  {path}\n", hash.to_hex())
    }
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
        assert_eq!(paths, ["a.sql.zst", "back\\slash\nnew", "sub/c.tar"]);
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

    proptest! {
        #[test]
        fn written_lines_read_back(path in "[a-z\\\\\n\r 中]{1,12}(/[a-z]{1,4})?") {
            let path = path.trim_start_matches('/').to_string();
            prop_assume!(!path.split('/').any(|p| p.is_empty() || p == "." || p == ".."));
            let h = blake3::hash(path.as_bytes());
            let (m, bad) = Manifest::parse(&line(&path, &h));
            prop_assert!(bad.is_empty(), "{:?}", bad);
            prop_assert_eq!(m.entries.get(&path).map(|e| e.0), Some(h));
        }
    }
}
