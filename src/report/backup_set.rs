//! One backup set's verification as the backups page and its data show it:
//! the set's figures, its problems, and every file with its restore test,
//! every text (names, paths, details, what a restore command printed) masked
//! for the audience.
//!
//! Built field by field from the verifier's report
//! (`analyse::verify::SetReport`): what the verifier leaves out of its JSON
//! when absent is here an explicit `null`, so a page reads every field it
//! names.

use std::collections::BTreeMap;

use chrono::DateTime;
use chrono_tz::Tz;
use serde::Serialize;

use crate::analyse::verify::report::{CommandRun, Decoded, FileRecord, Problem, Restore};
use crate::analyse::verify::{ProblemKind, SetReport, SetRun};
use crate::diag::Severity;
use crate::load::settings::BackupKind;
use crate::time::Timestamp;

/// A time written by the verifier, in the project's timezone; `None` if it
/// does not read as RFC 3339 (a state file edited by hand).
pub fn run_time(text: &str, tz: Tz) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| Timestamp(t.with_timezone(&tz).fixed_offset()))
}

/// A set's counts in one run, as the history keeps them.
#[derive(Debug, Clone, Serialize)]
pub struct SetCounts {
    pub name: String,
    pub ok: bool,
    pub files: usize,
    pub bytes: u64,
    /// Files and bytes read by that run.
    pub checked: usize,
    pub checked_bytes: u64,
    /// How many problems of each kind.
    pub problems: BTreeMap<ProblemKind, usize>,
}

impl SetCounts {
    pub fn new(run: &SetRun) -> SetCounts {
        SetCounts {
            name: run.name.clone(),
            ok: run.ok,
            files: run.files,
            bytes: run.bytes,
            checked: run.checked,
            checked_bytes: run.checked_bytes,
            problems: run.problems.clone(),
        }
    }
}

/// A set's last verification in full.
#[derive(Debug, Clone, Serialize)]
pub struct SetDetail {
    pub kind: BackupKind,
    pub path: String,
    pub files: usize,
    pub bytes: u64,
    /// The files this run read, and their bytes.
    pub checked: Vec<String>,
    pub checked_bytes: u64,
    /// The share of bytes read per run (`1/7`), when sampled.
    pub sample: Option<String>,
    /// The newest file's time.
    pub newest: Option<Timestamp>,
    pub problems: Vec<ProblemRow>,
    pub records: Vec<FileRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProblemRow {
    /// Relative to the set's folder; `""` for the set as a whole.
    pub path: String,
    pub kind: ProblemKind,
    pub severity: Severity,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileRow {
    pub path: String,
    pub size: u64,
    pub modified: Option<Timestamp>,
    pub ok: bool,
    /// Read by this run.
    pub checked: bool,
    pub blake3: Option<String>,
    pub first_seen: Option<Timestamp>,
    pub verified_at: Option<Timestamp>,
    pub decoded: Option<DecodedView>,
    pub restore: Option<RestoreView>,
    pub command: Option<CommandView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecodedView {
    pub frames: u32,
    pub checksummed: u32,
    pub bytes: u64,
}

/// What a restore test found; `test` says which, and the fields of the
/// other tests are `null`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RestoreView {
    /// `tar`, `sqlite`, `sql_dump`, `pg_restore` or `skipped`.
    pub test: &'static str,
    pub entries: Option<u64>,
    pub bytes: Option<u64>,
    pub tables: Option<Vec<TableView>>,
    pub tool: Option<String>,
    pub create_table: Option<u64>,
    pub copy: Option<u64>,
    pub copy_rows: Option<u64>,
    pub insert: Option<u64>,
    pub output: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableView {
    pub name: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommandView {
    pub command: String,
    pub exit: Option<i32>,
    pub timed_out: bool,
    pub seconds: f64,
    pub output: String,
}

impl SetDetail {
    pub fn new(set: &SetReport, tz: Tz) -> SetDetail {
        // Texts as written: they are masked when the model is serialized.
        let text = |s: &str| s.to_string();
        SetDetail {
            kind: set.kind,
            path: text(&set.path),
            files: set.files,
            bytes: set.bytes,
            checked: set.checked.iter().map(|c| text(c)).collect(),
            checked_bytes: set.checked_bytes,
            sample: set.sample.map(|s| s.to_string()),
            newest: set.newest.as_deref().and_then(|t| run_time(t, tz)),
            problems: set.problems.iter().map(|p| problem(p, &text)).collect(),
            records: set.records.iter().map(|r| file(r, &text, tz)).collect(),
        }
    }
}

fn problem(p: &Problem, text: &impl Fn(&str) -> String) -> ProblemRow {
    ProblemRow {
        path: text(&p.path),
        kind: p.kind,
        severity: p.severity,
        detail: text(&p.detail),
    }
}

fn file(r: &FileRecord, text: &impl Fn(&str) -> String, tz: Tz) -> FileRow {
    let time = |t: &Option<String>| t.as_deref().and_then(|t| run_time(t, tz));
    FileRow {
        path: text(&r.path),
        size: r.size,
        modified: run_time(&r.modified, tz),
        ok: r.ok,
        checked: r.checked,
        blake3: r.blake3.clone(),
        first_seen: time(&r.first_seen),
        verified_at: time(&r.verified_at),
        decoded: r.decoded.as_ref().map(|d: &Decoded| DecodedView {
            frames: d.frames,
            checksummed: d.checksummed,
            bytes: d.bytes,
        }),
        restore: r.restore.as_ref().map(|x| restore(x, text)),
        command: r.command.as_ref().map(|c: &CommandRun| CommandView {
            command: text(&c.command),
            exit: c.exit,
            timed_out: c.timed_out,
            seconds: c.seconds,
            output: text(&c.output),
        }),
    }
}

fn restore(r: &Restore, text: &impl Fn(&str) -> String) -> RestoreView {
    match r {
        Restore::Tar { entries, bytes } => RestoreView {
            test: "tar",
            entries: Some(*entries),
            bytes: Some(*bytes),
            ..Default::default()
        },
        Restore::Sqlite { tables, .. } => RestoreView {
            test: "sqlite",
            tables: Some(
                tables
                    .iter()
                    .map(|t| TableView {
                        name: text(&t.name),
                        rows: t.rows,
                    })
                    .collect(),
            ),
            ..Default::default()
        },
        Restore::SqlDump {
            tool,
            create_table,
            copy,
            copy_rows,
            insert,
        } => RestoreView {
            test: "sql_dump",
            tool: Some(text(tool)),
            create_table: Some(*create_table),
            copy: Some(*copy),
            copy_rows: Some(*copy_rows),
            insert: Some(*insert),
            ..Default::default()
        },
        Restore::PgRestore { output } => RestoreView {
            test: "pg_restore",
            output: Some(text(output)),
            ..Default::default()
        },
        Restore::Skipped { reason } => RestoreView {
            test: "skipped",
            reason: Some(text(reason)),
            ..Default::default()
        },
    }
}
