//! After the reads: a set's problems and records, and its new baseline.

use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use chrono_tz::Tz;
use rayon::prelude::*;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::load::settings::BackupSet;
use crate::name;

use super::baseline::{Baseline, Entry};
use super::file::FileOutcome;
use super::manifest::Manifest;
use super::plan::Plan;
use super::report::{FileRecord, Problem, ProblemKind, SetReport};
use super::set::SetFile;

/// The moment and number of this run.
pub struct RunInfo {
    pub now: DateTime<FixedOffset>,
    pub tz: Tz,
    /// The history `seq` this run will get.
    pub seq: u64,
}

impl RunInfo {
    fn stamp(&self) -> String {
        self.now.to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    /// A file time in the project's timezone, to the nanosecond.
    pub fn time(&self, t: SystemTime) -> String {
        self.format(DateTime::<Utc>::from(t).fixed_offset())
    }

    /// An instant in the project's timezone, to the nanosecond.
    pub fn format(&self, t: DateTime<FixedOffset>) -> String {
        t.with_timezone(&self.tz)
            .to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }
}

/// Files judged in one piece of work: with many small files, judging them
/// one at a time on one core would cost as much as reading them.
const PIECE: usize = 4096;

/// The time of a backup: from its name where the set's `name_time` says
/// how, else its modification time.
#[derive(Debug, Clone, Copy)]
pub struct BackupTime {
    pub at: DateTime<FixedOffset>,
    pub from_name: bool,
}

/// The time of each file of a set (in the listing's order), and the
/// warning for names that do not carry one though `name_time` says they
/// should.
fn backup_times(set: &BackupSet, files: &[SetFile], run: &RunInfo) -> (Vec<BackupTime>, Option<String>) {
    let by_mtime = |f: &SetFile| BackupTime {
        at: DateTime::<Utc>::from(f.modified).fixed_offset(),
        from_name: false,
    };
    let Some(format) = &set.name_time else {
        return (files.iter().map(by_mtime).collect(), None);
    };
    let times: Vec<Option<BackupTime>> = files
        .par_iter()
        .map(|f| {
            format
                .time_of(base_name(&f.rel), run.tz)
                .map(|at| BackupTime { at, from_name: true })
        })
        .collect();
    let unnamed: Vec<&str> = files
        .iter()
        .zip(&times)
        .filter(|(_, t)| t.is_none())
        .map(|(f, _)| f.rel.as_str())
        .collect();
    let warning = (!unnamed.is_empty()).then(|| {
        const SHOWN: usize = 5;
        let mut names: Vec<String> = unnamed.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
        if unnamed.len() > SHOWN {
            names.push(format!("and {} more", unnamed.len() - SHOWN));
        }
        format!(
            "backup set `{}`: {} {} not match name_time `{format}`: {} modification time{} used instead",
            set.name,
            names.join(", "),
            if unnamed.len() == 1 { "does" } else { "do" },
            if unnamed.len() == 1 { "its" } else { "their" },
            if unnamed.len() == 1 { " is" } else { "s are" },
        )
    });
    let times = files
        .iter()
        .zip(times)
        .map(|(f, t)| t.unwrap_or_else(|| by_mtime(f)))
        .collect();
    (times, warning)
}

/// The last component of a set-relative path.
fn base_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// Judges one set. `outcomes[i]` is the outcome of `listing.files[i]` when
/// it was read. The plan's baseline is updated in place. Beside the report,
/// what the run's warnings should say of the set.
pub fn judge(
    plan: &mut Plan<'_>,
    mut outcomes: Vec<Option<FileOutcome>>,
    run: &RunInfo,
) -> (SetReport, Vec<String>) {
    let set = plan.set;
    let mut problems = std::mem::take(&mut plan.problems);
    let files = plan.listing.as_ref().map(|l| l.files.as_slice()).unwrap_or(&[]);
    outcomes.resize_with(files.len(), || None);
    let ctx = Context {
        set,
        manifest: plan.manifest.as_ref(),
        manifest_name: set.manifest.as_deref().unwrap_or("manifest"),
        run,
        stamp: run.stamp(),
    };

    // Files and baseline entries are both sorted by path: cut both at the
    // same paths, and judge the pieces side by side on every core. A set
    // whose folder could not be listed says nothing of its baseline.
    let baseline = match plan.listing {
        Some(_) => std::mem::take(&mut plan.baseline),
        None => Baseline::default(),
    };
    let mut old = baseline.into_entries().into_iter().peekable();
    let mut pieces = Vec::with_capacity(files.len() / PIECE + 1);
    for (i, (chunk, outcomes)) in files.chunks(PIECE).zip(outcomes.chunks_mut(PIECE)).enumerate() {
        let entries: Vec<Entry> = match files.get((i + 1) * PIECE) {
            Some(next) => std::iter::from_fn(|| old.next_if(|e| e.path < next.rel)).collect(),
            None => old.by_ref().collect(),
        };
        pieces.push((chunk, outcomes, entries));
    }
    if files.is_empty() {
        pieces.push((&[][..], &mut [][..], old.collect()));
    }
    let judged: Vec<Piece> = pieces
        .into_par_iter()
        .map(|(files, outcomes, entries)| ctx.piece(files, outcomes, entries))
        .collect();

    let mut records = Vec::with_capacity(files.len());
    let mut entries = Vec::new();
    for piece in judged {
        records.extend(piece.records);
        problems.extend(piece.problems);
        entries.extend(piece.entries);
    }
    if plan.listing.is_some() {
        plan.baseline = Baseline::from_entries(entries);
    }

    let whole = whole_set(set, files, run);
    if plan.listing.is_some() {
        problems.extend(whole.problems);
        manifest_missing(set, files, plan.manifest.as_ref(), &plan.dir, &mut problems);
    }

    order_problems(&mut problems);
    // Problems and records are both sorted by path.
    let mut failing = problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| p.path.as_str())
        .peekable();
    let any_failing = failing.peek().is_some();
    for r in &mut records {
        while failing.next_if(|p| *p < r.path.as_str()).is_some() {}
        r.ok = failing.peek() != Some(&r.path.as_str());
    }
    let checked: Vec<String> = records
        .iter()
        .filter(|r| r.checked)
        .map(|r| r.path.clone())
        .collect();
    let checked_bytes = records.iter().filter(|r| r.checked).map(|r| r.size).sum();
    let report = SetReport {
        name: set.name.clone(),
        ok: !any_failing,
        files: files.len(),
        bytes: files.iter().map(|f| f.size).sum(),
        checked,
        problems,
        kind: set.kind,
        path: set.path.display().to_string(),
        checked_bytes,
        sample: plan.sample,
        newest: whole.newest,
        records,
    };
    (report, whole.warning.into_iter().collect())
}

/// What every piece of a set's judging shares.
struct Context<'a> {
    set: &'a BackupSet,
    manifest: Option<&'a Manifest>,
    manifest_name: &'a str,
    run: &'a RunInfo,
    /// This run's time, as baselines record it.
    stamp: String,
}

/// A piece of a set, judged: its files' records and problems, and its
/// part of the new baseline.
struct Piece {
    records: Vec<FileRecord>,
    problems: Vec<Problem>,
    entries: Vec<Entry>,
}

impl Context<'_> {
    /// Judges `files` (with their outcomes) beside the baseline `entries`
    /// of the same stretch of paths.
    fn piece(&self, files: &[SetFile], outcomes: &mut [Option<FileOutcome>], old: Vec<Entry>) -> Piece {
        let mut piece = Piece {
            records: Vec::with_capacity(files.len()),
            problems: Vec::new(),
            entries: Vec::with_capacity(files.len().max(old.len())),
        };
        let mut old = old.into_iter().peekable();
        for (file, outcome) in files.iter().zip(outcomes) {
            while let Some(gone) = old.next_if(|e| e.path < file.rel) {
                self.gone(gone, &mut piece);
            }
            let entry = old.next_if(|e| e.path == file.rel);
            let (record, entry) = self.file(file, outcome.take(), entry, &mut piece.problems);
            piece.records.push(record);
            piece.entries.extend(entry);
        }
        for gone in old {
            self.gone(gone, &mut piece);
        }
        piece
    }

    /// One file: its record, and its baseline entry after this run.
    fn file(
        &self,
        file: &SetFile,
        outcome: Option<FileOutcome>,
        mut entry: Option<Entry>,
        problems: &mut Vec<Problem>,
    ) -> (FileRecord, Option<Entry>) {
        let modified = self.run.time(file.modified);
        let mut record = FileRecord {
            path: file.rel.clone(),
            size: file.size,
            modified,
            ok: true,
            checked: false,
            blake3: None,
            first_seen: None,
            verified_at: None,
            decoded: None,
            restore: None,
            command: None,
        };
        if let Some(manifest) = self.manifest
            && !manifest.entries.contains_key(&file.rel)
        {
            let why = if std::str::from_utf8(file.rel_path().as_os_str().as_bytes()).is_err() {
                ": its name is not UTF-8, which no manifest line can hold (b3sum refuses such lines); \
                 rename the file to list it"
            } else {
                ""
            };
            problems.push(Problem::new(
                &file.rel,
                ProblemKind::Unlisted,
                format!("not listed in the set's manifest {}{why}", self.manifest_name),
            ));
        }
        if let Some(outcome) = outcome {
            record.checked = true;
            // A file that ends early or is damaged is not baselined: it may
            // still be being written, and its digest is no reference.
            let incomplete = outcome
                .faults
                .iter()
                .any(|f| matches!(f.kind, ProblemKind::Truncated | ProblemKind::Corrupt));
            for fault in outcome.faults {
                problems.push(Problem::new(&file.rel, fault.kind, fault.detail));
            }
            if let Some((digest, _)) = outcome.stored {
                let hex = digest.to_hex().to_string();
                if let Some(manifest) = self.manifest
                    && let Some((listed, line)) = manifest.entries.get(&file.rel)
                    && *listed != digest
                {
                    problems.push(Problem::new(
                        &file.rel,
                        ProblemKind::DigestMismatch,
                        format!(
                            "BLAKE3 is {hex}, but {} line {line} lists {}",
                            self.manifest_name,
                            listed.to_hex()
                        ),
                    ));
                }
                match entry.as_mut() {
                    Some(entry) => {
                        if entry.blake3 != hex {
                            problems.push(Problem::new(
                                &file.rel,
                                ProblemKind::Changed,
                                changed_detail(entry, file, &record.modified, &hex),
                            ));
                        } else if file.etag.is_some() {
                            // The same bytes uploaded again: the object
                            // is still the one baselined.
                            entry.etag = file.etag.as_deref().map(str::to_string);
                        }
                        entry.verified_at.clone_from(&self.stamp);
                        entry.verified_run = self.run.seq;
                    }
                    None if incomplete => {}
                    None => {
                        entry = Some(Entry {
                            path: file.rel.clone(),
                            blake3: hex.clone(),
                            size: file.size,
                            modified: record.modified.clone(),
                            first_seen: self.stamp.clone(),
                            verified_at: self.stamp.clone(),
                            verified_run: self.run.seq,
                            etag: file.etag.as_deref().map(str::to_string),
                        });
                    }
                }
                record.blake3 = Some(hex);
            }
            record.decoded = outcome.decoded.map(|d| *d);
            record.restore = outcome.restore.map(|r| *r);
            record.command = outcome.command.map(|c| *c);
        }
        if let Some(entry) = &entry {
            record.first_seen = Some(entry.first_seen.clone());
            record.verified_at = Some(entry.verified_at.clone());
        }
        (record, entry)
    }

    /// A baselined file no longer in the set. One younger than `retain` is
    /// `missing` and stays in the baseline; an older one leaves it:
    /// rotation removed it, as planned.
    /// With `name_time`, the age is the name's, where the name has one.
    fn gone(&self, entry: Entry, piece: &mut Piece) {
        let named = self
            .set
            .name_time
            .as_ref()
            .and_then(|f| f.time_of(base_name(&entry.path), self.run.tz));
        let at = named.or_else(|| DateTime::parse_from_rfc3339(&entry.modified).ok());
        let young = match (self.set.retain, at) {
            (Some(retain), Some(at)) => crate::duration::Dur::from_chrono(self.run.now - at) < retain,
            _ => false,
        };
        if let (true, Some(retain)) = (young, self.set.retain) {
            let when = match named {
                Some(t) => format!("named for {}", self.run.format(t)),
                None => format!("modified {}", entry.modified),
            };
            piece.problems.push(Problem::new(
                &entry.path,
                ProblemKind::Missing,
                format!(
                    "first seen on {} and {when}, it is gone before retain ({retain}) has passed",
                    entry.first_seen,
                ),
            ));
            piece.entries.push(entry);
        }
    }
}

fn changed_detail(entry: &Entry, file: &SetFile, modified: &str, hex: &str) -> String {
    let size = file.size;
    if let (Some(was), Some(is)) = (&entry.etag, &file.etag)
        && was.as_str() != &**is
    {
        return format!(
            "BLAKE3 is {hex}, but was {} when first seen on {} (ETag {was} → {is}, size {} → {size}, \
             modified {} → {modified}): the object was uploaded again, and backups are written once",
            entry.blake3, entry.first_seen, entry.size, entry.modified
        );
    }
    if entry.size == size && entry.modified == modified {
        format!(
            "BLAKE3 is {hex}, but was {} when first seen on {}, with the same size and modification time: \
             silent corruption (bit rot) or tampering",
            entry.blake3, entry.first_seen
        )
    } else {
        format!(
            "BLAKE3 is {hex}, but was {} when first seen on {} (size {} → {size}, modified {} → {modified}): \
             the file was rewritten, and backups are written once",
            entry.blake3, entry.first_seen, entry.size, entry.modified
        )
    }
}

/// Sorts a set's problems by path, kind and detail, and says a file both
/// listed in the manifest and baselined missing once.
pub fn order_problems(problems: &mut Vec<Problem>) {
    problems.sort_by(|a, b| (&a.path, a.kind, &a.detail).cmp(&(&b.path, b.kind, &b.detail)));
    problems.dedup_by(|a, b| a.kind == ProblemKind::Missing && a.kind == b.kind && a.path == b.path);
}

/// What only the whole of a set's files can tell: its freshness and count
/// (problems of the set, `"path": ""`), its newest file, and the warning of
/// names that do not carry the time `name_time` says they should.
pub struct WholeSet {
    pub problems: Vec<Problem>,
    pub newest: Option<String>,
    pub warning: Option<String>,
}

/// Freshness and counts: checked on every run, sampled or not, and by the
/// merge of a sharded run over every shard's files together. `files` is
/// sorted by path.
pub fn whole_set(set: &BackupSet, files: &[SetFile], run: &RunInfo) -> WholeSet {
    let (times, warning) = backup_times(set, files, run);
    let mut problems = Vec::new();
    if let Some(max_age) = set.max_age {
        match files.iter().zip(&times).max_by_key(|(_, t)| t.at) {
            None => problems.push(Problem::of_set(
                ProblemKind::Stale,
                format!("the set holds no files; its newest must be younger than max_age ({max_age})"),
            )),
            Some((newest, time)) => {
                let age = crate::duration::Dur::from_chrono(run.now - time.at);
                if age > max_age {
                    let when = if time.from_name { "named for" } else { "modified" };
                    problems.push(Problem::of_set(
                        ProblemKind::Stale,
                        format!(
                            "the newest file, {}, is {age} old ({when} {}); max_age is {max_age}",
                            newest.rel,
                            run.format(time.at)
                        ),
                    ));
                }
            }
        }
    }
    if let Some(min) = set.min_count
        && files.len() < min
    {
        problems.push(Problem::of_set(
            ProblemKind::TooFew,
            format!("the set holds {} files; min_count is {min}", files.len()),
        ));
    }
    WholeSet {
        problems,
        newest: times.iter().map(|t| t.at).max().map(|t| run.format(t)),
        warning,
    }
}

/// Files of the manifest that should be there and are not. (Baselined
/// files that vanished are found while judging the files.)
fn manifest_missing(
    set: &BackupSet,
    files: &[SetFile],
    manifest: Option<&Manifest>,
    dir: &Path,
    problems: &mut Vec<Problem>,
) {
    if let (Some(manifest), Some(name)) = (manifest, &set.manifest) {
        for (path, (_, line)) in &manifest.entries {
            let present = files.binary_search_by(|f| f.rel.as_str().cmp(path)).is_ok();
            // A listed file the include globs leave out is not gone.
            let on_disk = name::unescape(path)
                .is_some_and(|bytes| std::fs::symlink_metadata(dir.join(OsStr::from_bytes(&bytes))).is_ok());
            if !present && !on_disk {
                problems.push(Problem::new(
                    path,
                    ProblemKind::Missing,
                    format!("listed in {name} (line {line}) but not in the set"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_uploaded_again_is_named_by_its_etag() {
        let entry = Entry {
            path: "a.bin".into(),
            blake3: "old".into(),
            size: 3,
            modified: "2025-11-01T02:00:00+08:00".into(),
            first_seen: "2025-11-01T03:00:00+08:00".into(),
            verified_at: String::new(),
            verified_run: 1,
            etag: Some("\"e1\"".into()),
        };
        let mut file = SetFile {
            rel: "a.bin".into(),
            os_rel: None,
            size: 3,
            modified: SystemTime::UNIX_EPOCH,
            etag: Some("\"e2\"".into()),
        };
        let same_time = "2025-11-01T02:00:00+08:00";
        let detail = changed_detail(&entry, &file, same_time, "new");
        assert!(detail.contains("ETag \"e1\" → \"e2\""), "{detail}");
        assert!(detail.contains("uploaded again"), "{detail}");
        // The same ETag, size and time: bit rot in the store.
        file.etag = Some("\"e1\"".into());
        assert!(changed_detail(&entry, &file, same_time, "new").contains("bit rot"));
    }
}
