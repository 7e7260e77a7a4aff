//! The baseline of a set, `state/baseline/<set>.jsonl`: for each file, its
//! digest, size and modification time when opsbook first saw it, and when
//! its bytes were last read.
//!
//! Backups are written once, so a digest that differs from the baseline is
//! bit rot or tampering (`changed`), whatever the size and time say. One
//! JSON object a line, sorted by path: a night's run changes the lines of
//! the files it read, and `git diff` shows just those.
//!
//! In memory the entries stay sorted by path, as the set's listing is, so a
//! run walks both side by side instead of looking each file up. Lines are
//! parsed and written on every core: a set of many small files has a long
//! baseline.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::state::write_atomic;

pub const DIR: &str = "baseline";

/// Lines parsed or written as one piece of work.
const LINES_PER_RUN: usize = 4096;

/// One file's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    /// BLAKE3 of the stored bytes when first read.
    pub blake3: String,
    pub size: u64,
    /// Modification time when first read (RFC 3339, to the nanosecond).
    pub modified: String,
    pub first_seen: String,
    /// When its bytes were last read, and by which run (the history's
    /// `seq`): sampling reads the least recently read files first.
    pub verified_at: String,
    pub verified_run: u64,
    /// An object's ETag when first read (object storage sets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// Whether a listed object is still the one baselined: the same ETag,
/// where both have one. (An object is never changed in place: new bytes
/// are a new upload, with a new ETag, whatever its size.)
pub fn same_object(entry: &Entry, file: &super::set::SetFile) -> bool {
    match (&entry.etag, &file.etag) {
        (Some(was), Some(is)) => was.as_str() == &**is,
        _ => true,
    }
}

/// The baseline of one set: entries sorted by path, one per path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Baseline {
    entries: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read {}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}:{line}: {message}", .path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// The file of a set's baseline. Set names become file names as they are
/// when they are plain (letters, digits, `-`, `_`, `.`); any other byte is
/// written `%XX`.
pub fn path(state_dir: &Path, set: &str) -> PathBuf {
    let mut name = String::new();
    for (i, b) in set.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0);
        if plain {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    state_dir.join(DIR).join(format!("{name}.jsonl"))
}

impl Baseline {
    pub fn load(file: &Path) -> Result<Baseline, BaselineError> {
        let text = match fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Baseline::default()),
            Err(source) => {
                return Err(BaselineError::Io {
                    path: file.to_path_buf(),
                    source,
                });
            }
        };
        // Parsed on every core, in runs of lines: a set of many small files
        // has a long baseline. The first bad line is the one reported.
        let lines: Vec<&str> = text.lines().collect();
        let runs: Vec<Result<Vec<Entry>, BaselineError>> = lines
            .par_chunks(LINES_PER_RUN)
            .enumerate()
            .map(|(run, lines)| {
                let mut entries = Vec::with_capacity(lines.len());
                for (i, line) in lines.iter().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let entry = serde_json::from_str(line).map_err(|e| BaselineError::Invalid {
                        path: file.to_path_buf(),
                        line: run * LINES_PER_RUN + i + 1,
                        message: format!("{e}; fix the line or remove it (the file is then baselined anew)"),
                    })?;
                    entries.push(entry);
                }
                Ok(entries)
            })
            .collect();
        let mut entries = Vec::with_capacity(lines.len());
        for run in runs {
            entries.append(&mut run?);
        }
        Ok(Baseline::from_entries(entries))
    }

    /// Entries in any order; of two with the same path the later one
    /// counts, as when a line was added by hand at the end of the file.
    pub fn from_entries(mut entries: Vec<Entry>) -> Baseline {
        if !entries.is_sorted_by(|a, b| a.path < b.path) {
            entries.sort_by(|a, b| a.path.cmp(&b.path));
            let mut unique: Vec<Entry> = Vec::with_capacity(entries.len());
            for entry in entries {
                match unique.last_mut() {
                    Some(last) if last.path == entry.path => *last = entry,
                    _ => unique.push(entry),
                }
            }
            entries = unique;
        }
        Baseline { entries }
    }

    /// Sorted by path.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn into_entries(self) -> Vec<Entry> {
        self.entries
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.entries[i])
    }

    pub fn save(&self, file: &Path) -> io::Result<()> {
        let parts: Vec<Vec<u8>> = self
            .entries
            .par_chunks(LINES_PER_RUN)
            .map(|chunk| {
                let mut text = Vec::with_capacity(chunk.len() * 280);
                for entry in chunk {
                    serde_json::to_writer(&mut text, entry).expect("an entry serializes");
                    text.push(b'\n');
                }
                text
            })
            .collect();
        write_atomic(file, &parts.concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = path(dir.path(), "oa db/1");
        assert!(file.ends_with("baseline/oa%20db%2F1.jsonl"), "{file:?}");
        assert!(Baseline::load(&file).unwrap().entries().is_empty());
        let entry = |path: &str, run: u64| Entry {
            path: path.into(),
            blake3: blake3::hash(path.as_bytes()).to_hex().to_string(),
            size: 1,
            modified: "2025-11-01T02:00:00.123456789+08:00".into(),
            first_seen: "2025-11-01T03:00:00+08:00".into(),
            verified_at: "2025-11-01T03:00:00+08:00".into(),
            verified_run: run,
            etag: (run > 1).then(|| "\"e\"".to_string()),
        };
        let b = Baseline::from_entries(vec![
            entry("b", 1),
            entry("a \"quoted\" \\ \u{1}\n名", 1),
            entry("a", 1),
            entry("b", 2),
        ]);
        let paths: Vec<_> = b
            .entries()
            .iter()
            .map(|e| (e.path.as_str(), e.verified_run))
            .collect();
        assert_eq!(paths, [("a", 1), ("a \"quoted\" \\ \u{1}\n名", 1), ("b", 2)]);
        assert_eq!(b.get("b").unwrap().verified_run, 2);
        assert!(b.get("c").is_none());
        b.save(&file).unwrap();
        assert_eq!(Baseline::load(&file).unwrap(), b);
        // Written exactly as serde writes each entry.
        let text = fs::read_to_string(&file).unwrap();
        let by_serde: String = b
            .entries()
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect();
        assert_eq!(text, by_serde);
        fs::write(&file, "{}\n").unwrap();
        match Baseline::load(&file) {
            Err(BaselineError::Invalid { line: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_in_another_form_are_read_all_the_same() {
        // A line edited by hand: keys reordered, an escape, blank lines.
        let line = r#"{"path":"a","blake3":"b","size":1,"modified":"m","first_seen":"f","verified_at":"v","verified_run":2}"#;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("b.jsonl");
        let reordered = line
            .replace("{\"path\":\"a\",", "{")
            .replace('}', ",\"path\":\"a\\u0041\"}");
        fs::write(&file, reordered + "\n\n" + line + "\n").unwrap();
        let b = Baseline::load(&file).unwrap();
        let paths: Vec<_> = b.entries().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a", "aA"]);
    }
}
