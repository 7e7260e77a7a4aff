//! The baseline of a set, `state/baseline/<set>.jsonl`: for each file, its
//! digest, size and modification time when opsbook first saw it, and when
//! its bytes were last read.
//!
//! Backups are written once, so a digest that differs from the baseline is
//! bit rot or tampering (`changed`), whatever the size and time say. One
//! JSON object a line, sorted by path: a night's run changes the lines of
//! the files it read, and `git diff` shows just those.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::state::write_atomic;

pub const DIR: &str = "baseline";

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
}

/// The baseline of one set, by path (sorted when saved).
#[derive(Debug, Default, Clone)]
pub struct Baseline {
    pub entries: HashMap<String, Entry>,
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
        // Parsed on every core: a set of many small files has a long baseline.
        let lines: Vec<&str> = text.lines().collect();
        let parsed: Vec<Result<Option<Entry>, BaselineError>> = lines
            .par_iter()
            .enumerate()
            .map(|(i, line)| {
                if line.trim().is_empty() {
                    return Ok(None);
                }
                serde_json::from_str(line)
                    .map(Some)
                    .map_err(|e| BaselineError::Invalid {
                        path: file.to_path_buf(),
                        line: i + 1,
                        message: format!("{e}; fix the line or remove it (the file is then baselined anew)"),
                    })
            })
            .collect();
        let mut entries = HashMap::with_capacity(parsed.len());
        for entry in parsed {
            if let Some(entry) = entry? {
                entries.insert(entry.path.clone(), entry);
            }
        }
        Ok(Baseline { entries })
    }

    pub fn save(&self, file: &Path) -> io::Result<()> {
        let mut sorted: Vec<&Entry> = self.entries.values().collect();
        sorted.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        let mut text = String::with_capacity(self.entries.len() * 256);
        for entry in sorted {
            text.push_str(&serde_json::to_string(entry).map_err(io::Error::other)?);
            text.push('\n');
        }
        write_atomic(file, text.as_bytes())
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
        assert!(Baseline::load(&file).unwrap().entries.is_empty());
        let mut b = Baseline::default();
        b.entries.insert(
            "a".into(),
            Entry {
                path: "a".into(),
                blake3: blake3::hash(b"a").to_hex().to_string(),
                size: 1,
                modified: "2025-11-01T02:00:00+08:00".into(),
                first_seen: "2025-11-01T03:00:00+08:00".into(),
                verified_at: "2025-11-01T03:00:00+08:00".into(),
                verified_run: 1,
            },
        );
        b.save(&file).unwrap();
        assert_eq!(Baseline::load(&file).unwrap().entries, b.entries);
        fs::write(&file, "{}\n").unwrap();
        match Baseline::load(&file) {
            Err(BaselineError::Invalid { line: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
