//! After the reads: a set's problems and records, and its new baseline.

use std::collections::HashSet;
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use chrono_tz::Tz;

use std::path::Path;

use crate::load::settings::BackupSet;

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
        DateTime::<Utc>::from(t)
            .with_timezone(&self.tz)
            .to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }
}

/// Judges one set. `outcomes[i]` is the outcome of `listing.files[i]` when
/// it was read. The plan's baseline is updated in place.
pub fn judge(plan: &mut Plan<'_>, mut outcomes: Vec<Option<FileOutcome>>, run: &RunInfo) -> SetReport {
    let set = plan.set;
    let mut problems = std::mem::take(&mut plan.problems);
    let manifest_name = set.manifest.as_deref().unwrap_or("manifest");
    let files = plan.listing.as_ref().map(|l| l.files.as_slice()).unwrap_or(&[]);
    let mut records = Vec::with_capacity(files.len());

    for (i, file) in files.iter().enumerate() {
        let modified = run.time(file.modified);
        let mut record = FileRecord {
            path: file.rel.clone(),
            size: file.size,
            modified: modified.clone(),
            ok: true,
            checked: false,
            blake3: None,
            first_seen: None,
            verified_at: None,
            decoded: None,
            restore: None,
            command: None,
        };
        if let Some(manifest) = &plan.manifest
            && !manifest.entries.contains_key(&file.rel)
        {
            problems.push(Problem::new(
                &file.rel,
                ProblemKind::Unlisted,
                format!("not listed in the set's manifest {manifest_name}"),
            ));
        }
        if let Some(outcome) = outcomes.get_mut(i).and_then(Option::take) {
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
                if let Some(manifest) = &plan.manifest
                    && let Some((listed, line)) = manifest.entries.get(&file.rel)
                    && *listed != digest
                {
                    problems.push(Problem::new(
                        &file.rel,
                        ProblemKind::DigestMismatch,
                        format!(
                            "BLAKE3 is {hex}, but {manifest_name} line {line} lists {}",
                            listed.to_hex()
                        ),
                    ));
                }
                let stamp = run.stamp();
                match plan.baseline.entries.get_mut(&file.rel) {
                    Some(entry) => {
                        if entry.blake3 != hex {
                            problems.push(Problem::new(
                                &file.rel,
                                ProblemKind::Changed,
                                changed_detail(entry, file.size, &modified, &hex),
                            ));
                        }
                        entry.verified_at = stamp;
                        entry.verified_run = run.seq;
                    }
                    None if incomplete => {}
                    None => {
                        plan.baseline.entries.insert(
                            file.rel.clone(),
                            Entry {
                                path: file.rel.clone(),
                                blake3: hex.clone(),
                                size: file.size,
                                modified: modified.clone(),
                                first_seen: stamp.clone(),
                                verified_at: stamp,
                                verified_run: run.seq,
                            },
                        );
                    }
                }
                record.blake3 = Some(hex);
            }
            record.decoded = outcome.decoded;
            record.restore = outcome.restore;
            record.command = outcome.command;
        }
        if let Some(entry) = plan.baseline.entries.get(&file.rel) {
            record.first_seen = Some(entry.first_seen.clone());
            record.verified_at = Some(entry.verified_at.clone());
        }
        records.push(record);
    }

    if plan.listing.is_some() {
        set_checks(
            SetParts {
                set,
                files,
                manifest: plan.manifest.as_ref(),
                dir: &plan.dir,
            },
            &mut plan.baseline,
            run,
            &mut problems,
        );
    }

    problems.sort_by(|a, b| (&a.path, a.kind, &a.detail).cmp(&(&b.path, b.kind, &b.detail)));
    // A file both listed in the manifest and baselined is missing once.
    problems.dedup_by(|a, b| a.kind == ProblemKind::Missing && a.kind == b.kind && a.path == b.path);
    let failing: HashSet<&str> = problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| p.path.as_str())
        .collect();
    for r in &mut records {
        r.ok = !failing.contains(r.path.as_str());
    }
    let checked: Vec<String> = records
        .iter()
        .filter(|r| r.checked)
        .map(|r| r.path.clone())
        .collect();
    let checked_bytes = records.iter().filter(|r| r.checked).map(|r| r.size).sum();
    SetReport {
        name: set.name.clone(),
        ok: failing.is_empty(),
        files: files.len(),
        bytes: files.iter().map(|f| f.size).sum(),
        checked,
        problems,
        kind: set.kind,
        path: set.path.display().to_string(),
        checked_bytes,
        sample: plan.sample,
        newest: files.iter().map(|f| f.modified).max().map(|t| run.time(t)),
        records,
    }
}

fn changed_detail(entry: &Entry, size: u64, modified: &str, hex: &str) -> String {
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

/// What the set-wide checks read of a plan.
struct SetParts<'a> {
    set: &'a BackupSet,
    files: &'a [SetFile],
    manifest: Option<&'a Manifest>,
    dir: &'a Path,
}

/// Freshness, counts, and files that should be there: checked on every
/// run, sampled or not.
fn set_checks(parts: SetParts<'_>, baseline: &mut Baseline, run: &RunInfo, problems: &mut Vec<Problem>) {
    let SetParts {
        set,
        files,
        manifest,
        dir,
    } = parts;
    let present: HashSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();

    if let Some(max_age) = set.max_age {
        match files.iter().max_by_key(|f| f.modified) {
            None => problems.push(Problem::of_set(
                ProblemKind::Stale,
                format!("the set holds no files; its newest must be younger than max_age ({max_age})"),
            )),
            Some(newest) => {
                let at = DateTime::<Utc>::from(newest.modified).fixed_offset();
                let age = crate::duration::Dur::from_chrono(run.now - at);
                if age > max_age {
                    problems.push(Problem::of_set(
                        ProblemKind::Stale,
                        format!(
                            "the newest file, {}, is {age} old (modified {}); max_age is {max_age}",
                            newest.rel,
                            run.time(newest.modified)
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
    if let (Some(manifest), Some(name)) = (manifest, &set.manifest) {
        for (path, (_, line)) in &manifest.entries {
            // A listed file the include globs leave out is not gone.
            if !present.contains(path.as_str()) && std::fs::symlink_metadata(dir.join(path)).is_err() {
                problems.push(Problem::new(
                    path,
                    ProblemKind::Missing,
                    format!("listed in {name} (line {line}) but not in the set"),
                ));
            }
        }
    }
    let mut gone: Vec<String> = baseline
        .entries
        .keys()
        .filter(|p| !present.contains(p.as_str()))
        .cloned()
        .collect();
    gone.sort_unstable();
    let mut retired = HashSet::new();
    for path in gone {
        let entry = &baseline.entries[&path];
        let young = match (set.retain, DateTime::parse_from_rfc3339(&entry.modified)) {
            (Some(retain), Ok(modified)) => crate::duration::Dur::from_chrono(run.now - modified) < retain,
            _ => false,
        };
        if young {
            problems.push(Problem::new(
                &path,
                ProblemKind::Missing,
                format!(
                    "first seen on {} and modified {}, it is gone before retain ({}) has passed",
                    entry.first_seen,
                    entry.modified,
                    set.retain.expect("young implies retain")
                ),
            ));
        } else {
            retired.insert(path);
        }
    }
    // Older files leave the baseline: rotation removed them, as planned.
    baseline.entries.retain(|p, _| !retired.contains(p));
}
