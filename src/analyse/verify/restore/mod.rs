//! Restore tests, one module per kind of backup.
//!
//! Each test reads the file's content from the pipeline's single read, as a
//! [`BufRead`], and gives its verdict once the whole file is known to have
//! been read cleanly: bytes handed out before a decode error prove nothing,
//! so the caller reports that error instead of what the test made of them.

pub mod command;
pub mod pg_custom;
pub mod sql;
pub mod sqlite;
pub mod tar;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::load::settings::BackupKind;

use super::report::{ProblemKind, Restore};
use super::settings::VerifySettings;

/// A problem a test found, before the caller adds the file's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: ProblemKind,
    pub detail: String,
}

impl Fault {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Fault {
        Fault {
            kind,
            detail: detail.into(),
        }
    }
}

/// A restore test in progress.
pub trait RestoreTest: Send {
    /// Reads the content, as much of it as the test needs. A read error
    /// means the content itself broke off, which the caller reports.
    fn read(&mut self, content: &mut dyn BufRead);

    /// The verdict, called only when the whole file was read cleanly. The
    /// test lives on after it, so a copy it made outlives the command.
    fn finish(&mut self) -> Result<Restore, Vec<Fault>>;

    /// A decoded copy on disk, when the test made one (`{restored}`).
    fn restored_copy(&self) -> Option<&Path> {
        None
    }
}

/// What a set asks of each of its files, beyond digests.
#[derive(Debug, Clone)]
pub struct TestSpec {
    pub kind: BackupKind,
    pub min_rows: BTreeMap<String, u64>,
    pub temp_dir: PathBuf,
    pub pg_restore: String,
    pub timeout: std::time::Duration,
}

impl TestSpec {
    pub fn new(
        kind: BackupKind,
        min_rows: BTreeMap<String, u64>,
        settings: &VerifySettings,
        temp_dir: PathBuf,
    ) -> TestSpec {
        TestSpec {
            kind,
            min_rows,
            temp_dir,
            pg_restore: settings.pg_restore.clone(),
            timeout: settings.restore_timeout(),
        }
    }

    /// Whether a file of this name gets a test (so its content is needed).
    pub fn applies(&self, content_name: &str) -> bool {
        self.kind != BackupKind::Files || content_name.ends_with(".tar")
    }

    /// The test for a file whose content (decoded, when it is a `.zst`) is
    /// named `content_name`.
    pub fn start(&self, content_name: &str) -> Option<Box<dyn RestoreTest>> {
        match self.kind {
            BackupKind::Tar => Some(Box::new(tar::TarTest::default())),
            BackupKind::Files if content_name.ends_with(".tar") => Some(Box::new(tar::TarTest::default())),
            BackupKind::Files => None,
            BackupKind::Sqlite => Some(Box::new(sqlite::SqliteTest::new(
                &self.temp_dir,
                self.min_rows.clone(),
            ))),
            BackupKind::Pgdump => Some(Box::new(PgDump::new(self))),
            BackupKind::Mysqldump => Some(Box::new(sql::SqlTest::new(sql::Tool::Mysqldump))),
        }
    }
}

/// A `pgdump` set holds plain SQL dumps and custom-format ones: the first
/// bytes (`PGDMP`) say which, and choose the test.
struct PgDump {
    spec: TestSpec,
    chosen: Option<Box<dyn RestoreTest>>,
}

impl PgDump {
    fn new(spec: &TestSpec) -> PgDump {
        PgDump {
            spec: spec.clone(),
            chosen: None,
        }
    }
}

impl RestoreTest for PgDump {
    fn read(&mut self, content: &mut dyn BufRead) {
        let custom = match content.fill_buf() {
            Ok(head) => head.starts_with(pg_custom::MAGIC),
            Err(_) => return,
        };
        let mut test: Box<dyn RestoreTest> = if custom {
            Box::new(pg_custom::PgRestoreTest::start(
                &self.spec.pg_restore,
                self.spec.timeout,
            ))
        } else {
            Box::new(sql::SqlTest::new(sql::Tool::PgDump))
        };
        test.read(content);
        self.chosen = Some(test);
    }

    fn finish(&mut self) -> Result<Restore, Vec<Fault>> {
        match self.chosen.as_mut() {
            Some(test) => test.finish(),
            None => Err(vec![Fault::new(ProblemKind::Truncated, "the dump is empty")]),
        }
    }
}
