//! The verification report: what `opsbook verify --json` prints,
//! what is kept in `state/verify.json`, and what the portal shows for each
//! backup set.
//!
//! The documented keys (`docs/verify.md`) come first in every struct and
//! keep their names exactly, since CI jobs read them;
//! the rest (`records`, `kind`, `checked_bytes`, …) are the details behind
//! them: per file its size, time, digests, last verification and what its
//! restore test found.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::diag::Severity;
use crate::load::settings::{BackupKind, Sample};

/// One run of `opsbook verify`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyReport {
    /// No error-severity problem in any set.
    pub ok: bool,
    /// RFC 3339, in the project's timezone.
    pub started_at: String,
    pub finished_at: String,
    pub sets: Vec<SetReport>,
    /// What this run could not test and says once rather than per file
    /// (a custom-format dump with no `pg_restore` installed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl VerifyReport {
    /// Every problem with its set's name, sets in order, problems sorted.
    pub fn problems(&self) -> impl Iterator<Item = (&SetReport, &Problem)> {
        self.sets
            .iter()
            .flat_map(|s| s.problems.iter().map(move |p| (s, p)))
    }

    pub fn errors(&self) -> usize {
        self.problems()
            .filter(|(_, p)| p.severity == Severity::Error)
            .count()
    }
}

/// One backup set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetReport {
    pub name: String,
    /// No error-severity problem in this set.
    pub ok: bool,
    /// Backup files in the set (the manifest not counted).
    pub files: usize,
    /// Their stored size.
    pub bytes: u64,
    /// The files whose bytes this run read, relative to the set's folder.
    pub checked: Vec<String>,
    pub problems: Vec<Problem>,

    /// How restore tests were done.
    pub kind: BackupKind,
    /// The set's folder, as written in `opsbook.toml`.
    pub path: String,
    /// Bytes read this run (the stored size of `checked`).
    pub checked_bytes: u64,
    /// The sampling in force this run, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<Sample>,
    /// Modification time of the newest file (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
    /// Every file of the set, sorted by path.
    pub records: Vec<FileRecord>,
}

/// A problem found in a set: `path` is relative to the set's folder, and
/// empty for problems of the set as a whole (`stale`, `too_few`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub path: String,
    pub kind: ProblemKind,
    pub severity: Severity,
    pub detail: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, kind: ProblemKind, detail: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            kind,
            severity: kind.severity(),
            detail: detail.into(),
        }
    }

    /// A problem of the whole set (`"path": ""`).
    pub fn of_set(kind: ProblemKind, detail: impl Into<String>) -> Problem {
        Problem::new("", kind, detail)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The documented problem kinds, and only those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A file that should be there is not (manifest, baseline, set folder).
    Missing,
    /// A file that cannot be read, or is no regular file in the set.
    Unreadable,
    /// The stored bytes disagree with the set's manifest.
    DigestMismatch,
    /// The stored bytes disagree with the digest recorded when first seen.
    Changed,
    /// The file ends early (a zstd frame, a tar archive, a dump's trailer).
    Truncated,
    /// Any other damage the restore test found.
    Corrupt,
    /// A SQLite table holds fewer rows than `min_rows`.
    TooFewRows,
    /// `pg_restore` or the set's `restore_command` failed.
    RestoreFailed,
    /// The newest file is older than `max_age`.
    Stale,
    /// Fewer files than `min_count`.
    TooFew,
    /// A file that the manifest does not list (a warning).
    Unlisted,
}

impl ProblemKind {
    pub fn severity(self) -> Severity {
        match self {
            ProblemKind::Unlisted => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::DigestMismatch => "digest_mismatch",
            ProblemKind::Changed => "changed",
            ProblemKind::Truncated => "truncated",
            ProblemKind::Corrupt => "corrupt",
            ProblemKind::TooFewRows => "too_few_rows",
            ProblemKind::RestoreFailed => "restore_failed",
            ProblemKind::Stale => "stale",
            ProblemKind::TooFew => "too_few",
            ProblemKind::Unlisted => "unlisted",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One file of a set, as this run saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRecord {
    /// Relative to the set's folder, `/`-separated.
    pub path: String,
    pub size: u64,
    /// Modification time (RFC 3339).
    pub modified: String,
    /// No error-severity problem names this file this run.
    pub ok: bool,
    /// Its bytes were read this run.
    pub checked: bool,
    /// BLAKE3 of the stored bytes, when read this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
    /// When opsbook first saw the file (its baseline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// When its bytes were last read (this run, when `checked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
    /// The decoded content of a compressed file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<Decoded>,
    /// What the restore test of the set's kind found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<Restore>,
    /// The set's `restore_command`, as it ran on this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandRun>,
}

/// The content of a `.zst` file, decoded in the same read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decoded {
    /// zstd frames (skippable ones included).
    pub frames: u32,
    /// Frames that carry a content checksum (checked).
    pub checksummed: u32,
    pub bytes: u64,
    /// BLAKE3 of the decoded bytes: what `zstd -dc FILE | b3sum` prints.
    pub blake3: String,
}

/// What a restore test found in a file that passed it (or was skipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "test", rename_all = "snake_case")]
pub enum Restore {
    /// Every entry read to its end.
    Tar { entries: u64, bytes: u64 },
    /// `PRAGMA integrity_check` answered `ok`.
    Sqlite {
        page_size: u64,
        pages: u64,
        tables: Vec<TableRows>,
    },
    /// A plain SQL dump with its tool's completion trailer.
    SqlDump {
        tool: String,
        create_table: u64,
        copy: u64,
        copy_rows: u64,
        insert: u64,
    },
    /// A custom-format dump that `pg_restore` read whole.
    PgRestore { output: String },
    /// The test could not run here; the run's warnings say why.
    Skipped { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRows {
    pub name: String,
    pub rows: u64,
}

/// A `restore_command` run on one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRun {
    /// The command as run, with `{file}` and `{restored}` substituted.
    pub command: String,
    /// Its exit code (none when killed).
    pub exit: Option<i32>,
    pub timed_out: bool,
    pub seconds: f64,
    /// Standard output and error together, cut to a few KiB.
    pub output: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_serialize_with_the_specs_names() {
        let p = Problem::new("a.sql.zst", ProblemKind::DigestMismatch, "x");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["kind"], "digest_mismatch");
        assert_eq!(json["severity"], "error");
        let w = Problem::new("b", ProblemKind::Unlisted, "y");
        assert_eq!(serde_json::to_value(&w).unwrap()["severity"], "warning");
        for kind in [
            ProblemKind::Missing,
            ProblemKind::Unreadable,
            ProblemKind::DigestMismatch,
            ProblemKind::Changed,
            ProblemKind::Truncated,
            ProblemKind::Corrupt,
            ProblemKind::TooFewRows,
            ProblemKind::RestoreFailed,
            ProblemKind::Stale,
            ProblemKind::TooFew,
            ProblemKind::Unlisted,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
