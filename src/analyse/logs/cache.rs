//! What earlier runs learnt of each log file, kept under `state/logs/`, so
//! that a file is read once.
//!
//! One JSON file per log file holds its aggregates and how far they go,
//! and a binary file beside it what each host logged per day
//! ([`super::hosts_file`]): a year of 5-minute metrics is megabytes of
//! those, which read back as JSON cost more than the rest of a nightly run.
//! The JSON holds the BLAKE3 of the binary file, so a pair that does not
//! belong together (a run killed between the two writes) is not used. On
//! the next run a file whose size and modification time are unchanged is not
//! read at all; a plain file that only grew is read from where the last run
//! stopped, once the BLAKE3 digests of the first and last 64 KiB of its old
//! part show that part is still what was read (a log is appended to, and a
//! rotated or rewritten file differs at its start or at the end of what was
//! read); anything else is read again whole. So is everything when the
//! settings that shape the aggregates (timezone, alert rules, line limit)
//! change, or when opsbook's format of these files does.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

use super::aggregate::Aggregate;
use super::host_day::HostDay;
use super::hosts_file::{self, Kept};
use super::report::ProblemKind;
use crate::load::settings::logs::LogSettings;
use crate::state;
use crate::time::Timestamp;

/// Bumped whenever what an [`Entry`] means changes.
const FORMAT: u32 = 4;

/// The part at each end of a file's old part whose digest is checked.
const CHECK_BLOCK: u64 = 64 * 1024;

/// What is known of one log file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub format: u32,
    /// Digest of the settings the aggregates were made with.
    pub fingerprint: String,
    /// The log file, relative to the project.
    pub path: String,
    pub len: u64,
    pub modified: Modified,
    /// Bytes of whole (newline-ended) lines that `done` covers; a run that
    /// finds the file grown reads on from here.
    pub consumed: u64,
    /// How many lines those are.
    pub lines: u64,
    /// BLAKE3 of the first and of the last [`CHECK_BLOCK`] bytes of
    /// `0..consumed`.
    pub head: String,
    pub tail: String,
    pub done: Aggregate,
    /// The last line when no newline ended it: read again once the file grows.
    pub rest: Option<Aggregate>,
    /// Why reading stopped early (a damaged `.zst`).
    pub problem: Option<(ProblemKind, String)>,
    /// BLAKE3 of the entry's `.hosts` file, as loaded ([`Stored`] writes
    /// it).
    #[serde(default, skip_serializing)]
    pub hosts_digest: String,
    /// The `.hosts` file as read back, while the host-days of `done` and
    /// `rest` are left in it.
    #[serde(skip)]
    pub kept: Option<Box<Kept>>,
    /// The `.hosts` file to write and its digest, once the entry is sealed.
    #[serde(skip)]
    pub hosts_file: Option<(Vec<u8>, String)>,
}

impl Entry {
    /// Puts the host-days of the `.hosts` file read back into `done` and
    /// `rest`, for a file read on from where it stopped.
    pub fn unpack_hosts(&mut self) {
        if let Some(kept) = self.kept.take() {
            let (done, rest) = kept.unpack();
            put_hosts(&mut self.done, done);
            if let Some(r) = &mut self.rest {
                put_hosts(r, rest);
            }
        }
    }
}

fn put_hosts(agg: &mut Aggregate, hosts: Vec<(NaiveDate, BTreeMap<String, HostDay>)>) {
    for (date, h) in hosts {
        agg.days.entry(date).or_default().hosts = h;
    }
}

/// A file's modification time, as the file system gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modified {
    pub secs: i64,
    pub nanos: u32,
}

impl Modified {
    pub fn millis(self) -> i64 {
        self.secs.saturating_mul(1000) + i64::from(self.nanos / 1_000_000)
    }

    pub fn timestamp(self, tz: chrono_tz::Tz) -> Timestamp {
        let utc = DateTime::from_timestamp(self.secs, self.nanos).unwrap_or_default();
        Timestamp(utc.with_timezone(&tz).fixed_offset())
    }

    pub fn of(meta: &Metadata) -> Modified {
        let since = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        since.map_or(Modified { secs: 0, nanos: 0 }, |d| Modified {
            secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nanos: d.subsec_nanos(),
        })
    }
}

/// How much of a file an earlier run already read.
pub enum Known {
    /// Nothing usable: read it all.
    Nothing,
    /// The file is as it was.
    Unchanged(Box<Entry>),
    /// The file grew after `consumed`; the part before is unchanged.
    Prefix(Box<Entry>),
}

/// The per-file entries of a project, for one set of settings.
pub struct Cache {
    dir: PathBuf,
    fingerprint: String,
}

impl Cache {
    pub fn new(state_dir: &Path, tz: chrono_tz::Tz, settings: &LogSettings) -> Cache {
        let shaping = serde_json::json!({
            "format": FORMAT,
            "timezone": tz.name(),
            "max_line": settings.max_line,
            "max_window": settings.max_window,
            "max_ratio": settings.max_ratio,
            "alerts": settings.alerts,
        });
        Cache {
            dir: state_dir.join("logs"),
            fingerprint: blake3::hash(shaping.to_string().as_bytes()).to_hex().to_string(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// An entry for a file nothing is known of yet.
    pub fn new_entry(&self, rel: &str) -> Entry {
        Entry {
            format: FORMAT,
            fingerprint: self.fingerprint.clone(),
            path: rel.to_string(),
            len: 0,
            modified: Modified { secs: 0, nanos: 0 },
            consumed: 0,
            lines: 0,
            head: String::new(),
            tail: String::new(),
            done: Aggregate::default(),
            rest: None,
            problem: None,
            hosts_digest: String::new(),
            kept: None,
            hosts_file: None,
        }
    }

    /// The entry's file: named by a digest of the log's path, so any path
    /// makes a safe, short file name.
    fn file_of(&self, rel: &str) -> PathBuf {
        let key = blake3::hash(rel.as_bytes()).to_hex();
        self.dir.join(format!("{}.json", &key[..16]))
    }

    /// The stored entry of `rel`, with its `.hosts` file, if there is a
    /// usable one.
    pub fn load(&self, rel: &str) -> Option<Entry> {
        let file = self.file_of(rel);
        let bytes = fs::read(&file).ok()?;
        let mut entry: Entry = serde_json::from_slice(&bytes).ok()?;
        if entry.format != FORMAT || entry.fingerprint != self.fingerprint || entry.path != rel {
            return None;
        }
        entry.kept = Some(Box::new(Kept::read(
            &file.with_extension(HOSTS),
            &entry.hosts_digest,
        )?));
        Some(entry)
    }

    /// Digests the ends of what `entry` covers of the log at `log`, so the
    /// next run can tell the part is unchanged; returns the bytes read.
    pub fn seal(&self, entry: &mut Entry, log: &Path) -> io::Result<u64> {
        let mut read = 0;
        if entry.consumed > 0 {
            (entry.head, entry.tail, read) = ends(log, entry.consumed)?;
        }
        entry.hosts_file = Some(hosts_file::bytes(&entry.done, entry.rest.as_ref()));
        Ok(read)
    }

    /// The update that keeps `store` (new or changed entries) and `keep`
    /// (the log files still matched), for [`Update::save`].
    pub fn update<'a>(&self, store: &[&Entry], keep: impl IntoIterator<Item = &'a str>) -> Update {
        Update {
            dir: self.dir.clone(),
            writes: store
                .iter()
                .flat_map(|e| {
                    let (hosts, digest) = e.hosts_file.clone().expect("a stored entry is sealed");
                    let mut json = serde_json::to_vec(&Stored {
                        entry: e,
                        hosts_digest: &digest,
                    })
                    .expect("entries serialize");
                    json.push(b'\n');
                    let file = self.file_of(&e.path);
                    // The host-days first: until the JSON that names
                    // their digest is written, the old pair stands or
                    // neither is used.
                    [(file.with_extension(HOSTS), hosts), (file, json)]
                })
                .collect(),
            keep: keep.into_iter().map(|rel| self.file_of(rel)).collect(),
        }
    }
}

/// An entry as its JSON file holds it: with the digest of the host-days
/// written beside it.
#[derive(Serialize)]
struct Stored<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    hosts_digest: &'a str,
}

/// The extension of an entry's host-days file.
const HOSTS: &str = "hosts";

/// What an ingest learnt, to be kept under `state/logs/` by the command
/// that holds `state/`'s lock.
#[derive(Debug, Default)]
pub struct Update {
    dir: PathBuf,
    /// Entry files and their JSON.
    writes: Vec<(PathBuf, Vec<u8>)>,
    /// Entry files of the log files still matched; the others are removed,
    /// so `state/` does not grow for ever.
    keep: BTreeSet<PathBuf>,
}

impl Update {
    /// Writes the new entries and removes those of vanished log files.
    /// `_lock` is `state/`'s, held by the caller.
    pub fn save(self, _lock: &state::StateLock) -> io::Result<()> {
        for (file, bytes) in self.writes {
            state::write_atomic(&file, &bytes)?;
        }
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for e in entries {
            let path = e?.path();
            let ours = path.extension().is_some_and(|x| x == "json" || x == HOSTS)
                && path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()));
            if ours && !self.keep.contains(&path.with_extension("json")) {
                fs::remove_file(&path)?;
            }
        }
        Ok(())
    }
}

/// What `entry` tells of the file at `path` as it is now (`meta`), and how
/// many bytes were read to find out.
pub fn known(entry: Option<Entry>, path: &Path, meta: &Metadata, compressed: bool) -> (Known, u64) {
    let Some(entry) = entry else {
        return (Known::Nothing, 0);
    };
    if meta.len() == entry.len && Modified::of(meta) == entry.modified {
        return (Known::Unchanged(Box::new(entry)), 0);
    }
    if compressed || meta.len() <= entry.len || entry.consumed == 0 {
        return (Known::Nothing, 0);
    }
    match ends(path, entry.consumed) {
        Ok((head, tail, read)) if head == entry.head && tail == entry.tail => {
            (Known::Prefix(Box::new(entry)), read)
        }
        Ok((_, _, read)) => (Known::Nothing, read),
        Err(_) => (Known::Nothing, 0),
    }
}

/// BLAKE3 of the first and last [`CHECK_BLOCK`] bytes of `0..upto` of a
/// file, and the bytes read.
fn ends(path: &Path, upto: u64) -> io::Result<(String, String, u64)> {
    let mut file = File::open(path)?;
    let mut digest = |from: u64| -> io::Result<(String, u64)> {
        file.seek(SeekFrom::Start(from))?;
        let mut block = Vec::new();
        (&mut file)
            .take(upto.min(from + CHECK_BLOCK) - from)
            .read_to_end(&mut block)?;
        Ok((blake3::hash(&block).to_hex().to_string(), block.len() as u64))
    };
    let (head, a) = digest(0)?;
    let (tail, b) = digest(upto.saturating_sub(CHECK_BLOCK))?;
    Ok((head, tail, a + b))
}
