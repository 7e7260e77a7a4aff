//! `B3SUMS`: the archive's manifest, in b3sum's `--check` format, one line
//! for every file but itself and the signatures, sorted by path.
//!
//! The lines are written and read by the same code as the backup sets'
//! manifests ([`crate::analyse::verify::manifest`]), so `b3sum --check`
//! accepts what opsbook writes and opsbook reads what b3sum writes.

use super::{Entry, MANIFEST, is_signature};
use crate::analyse::verify::manifest::{self as b3, BadLine};

/// The manifest of `entries` (the manifest and signatures among them are
/// left out): every path once, sorted.
pub fn write(entries: &[Entry]) -> String {
    let mut listed: Vec<&Entry> = entries.iter().filter(|e| is_listed(&e.path)).collect();
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    listed
        .iter()
        .filter_map(|e| b3::line(e.path.as_bytes(), &blake3::hash(&e.bytes)))
        .collect()
}

/// Whether a file of the archive belongs in its manifest.
pub fn is_listed(path: &str) -> bool {
    path != MANIFEST && !is_signature(path)
}

/// The digests a manifest lists, by path, and the lines it could not read.
pub fn parse(text: &str) -> (Vec<(String, blake3::Hash)>, Vec<BadLine>) {
    let (manifest, bad) = b3::Manifest::parse(text);
    let entries = manifest
        .entries
        .into_iter()
        .map(|(path, (hash, _))| (path, hash))
        .collect();
    (entries, bad)
}

/// The archive's digest: the BLAKE3 of its `B3SUMS`, in hex. It names the
/// archive's content whatever signatures are added to it, so the PDF's
/// footer and a sign-off note can both quote it.
pub fn digest(manifest: &str) -> String {
    blake3::hash(manifest.as_bytes()).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_file_but_itself_and_the_signatures_sorted() {
        let entries = [
            Entry::new("site/index.html", "<p>"),
            Entry::new(MANIFEST, "x"),
            Entry::new("B3SUMS.sig", "s"),
            Entry::new("content/a.md", "a"),
        ];
        let text = write(&entries);
        let paths: Vec<&str> = text.lines().map(|l| &l[66..]).collect();
        assert_eq!(paths, ["content/a.md", "site/index.html"]);
        assert!(text.starts_with(&blake3::hash(b"a").to_hex().to_string()));
        let (read, bad) = parse(&text);
        assert!(bad.is_empty());
        assert_eq!(read[1], ("site/index.html".to_string(), blake3::hash(b"<p>")));
    }
}
