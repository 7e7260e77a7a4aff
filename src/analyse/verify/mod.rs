//! Backup verification: every file of every `[[backups]]` set is
//! read once, its stored bytes hashed with BLAKE3 and, from the same read,
//! decoded and restore-tested by kind; digests are held against the set's
//! manifest and against the baseline kept in `state/`; freshness, counts and
//! vanished files are checked per set.
//!
//! [`verify`] is the one entry point, used by `opsbook verify` and by
//! `opsbook nightly`. It reads the baselines and the backups and returns a
//! [`Verified`] run: the [`VerifyReport`] and what the run has to
//! keep. It writes nothing: the command, holding `state/`'s lock
//! ([`crate::state::StateLock`]) from before the baselines were read until
//! after, keeps it with [`Verified::save`], under `state/`:
//!
//! * `verify.json`: that report;
//! * `history.jsonl` (+ `history.head`): one hash-chained line per run
//!   ([`RunRecord`]), read back by [`history`] for the portal;
//! * `baseline/<set>.jsonl`: each file's first-seen digest and last read.
//!
//! Files are verified in parallel (rayon), the largest first; see
//! [`pipeline`] for how one file is read.

pub mod baseline;
mod bucket;
mod file;
mod judge;
pub mod manifest;
pub mod pipeline;
mod plan;
pub mod report;
pub mod restore;
pub mod sample;
mod schedule;
pub mod set;
pub mod shard;
pub mod zst;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::time::Instant;

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::load::Project;
use crate::load::settings::Sample;
use crate::progress::Progress;
use crate::state::{self, StateLock, history::Line};
use crate::time::Clock;

pub use crate::load::settings::verify::VerifySettings;
pub use report::{FileRecord, Problem, ProblemKind, Restore, SetReport, VerifyReport};

use judge::RunInfo;
use plan::Plan;

/// The report of the last run, under `state/`.
pub const REPORT_FILE: &str = "verify.json";

/// What to verify this run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these sets (by name); empty means every set.
    pub sets: Vec<String>,
    /// Read about K/N of each set's bytes, whatever the set says.
    pub sample: Option<Sample>,
    /// Read every file, whatever the sampling settings.
    pub full: bool,
}

/// Why verification could not run at all (exit code 2). Problems found in
/// the backups are never errors: they are the report.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("no backup set is named `{name}` in opsbook.toml{}", known_sets(.known))]
    UnknownSet { name: String, known: Vec<String> },
    #[error("backup set `{set}`: invalid include glob: {error}")]
    Glob { set: String, error: String },
    #[error(transparent)]
    Lock(#[from] state::LockError),
    #[error(transparent)]
    Baseline(#[from] baseline::BaselineError),
    #[error("cannot write {}: {source}", .path.display())]
    State { path: PathBuf, source: io::Error },
}

fn known_sets(known: &[String]) -> String {
    if known.is_empty() {
        " (it has no [[backups]] tables)".to_string()
    } else {
        format!(" (its sets: {})", known.join(", "))
    }
}

/// One line of `state/history.jsonl`: a run in brief.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub started_at: String,
    pub finished_at: String,
    pub ok: bool,
    pub sets: Vec<SetRun>,
}

/// A set in a [`RunRecord`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetRun {
    pub name: String,
    pub ok: bool,
    pub files: usize,
    pub bytes: u64,
    /// Files and bytes read this run.
    pub checked: usize,
    pub checked_bytes: u64,
    /// How many problems of each kind.
    pub problems: BTreeMap<ProblemKind, usize>,
}

impl SetRun {
    /// The counts of a set's report, as the history keeps them.
    pub fn of(set: &SetReport) -> SetRun {
        let mut problems = BTreeMap::new();
        for p in &set.problems {
            *problems.entry(p.kind).or_insert(0) += 1;
        }
        SetRun {
            name: set.name.clone(),
            ok: set.ok,
            files: set.files,
            bytes: set.bytes,
            checked: set.checked.len(),
            checked_bytes: set.checked_bytes,
            problems,
        }
    }
}

/// A verification run: its report, and what it learnt of each set
/// (baselines), not yet kept.
pub struct Verified {
    pub report: VerifyReport,
    /// Each set's baseline after this run, and its file; `None` for a set
    /// whose folder could not be listed, which keeps its baseline as it
    /// was: an unmounted disk must not erase what was known.
    baselines: Vec<(PathBuf, Option<baseline::Baseline>)>,
}

/// Verifies the project's backup sets (those named in `opts.sets`, or
/// all) against the baselines of `state/`, whose lock the caller holds
/// (`_lock`) until it has [saved](Verified::save) the run. The clock gives
/// the report's times and the age of files; `progress` hears of every byte
/// read.
pub fn verify(
    project: &Project,
    clock: &Clock,
    opts: &Options,
    progress: &dyn Progress,
    _lock: &StateLock,
) -> Result<Verified, VerifyError> {
    read_and_judge(project, clock, opts, None, progress).map(|(verified, _)| verified)
}

/// The run [`verify`] describes, without its lock: a shard's run takes
/// none. With a `shard`, only its files are read, and the digest of the state it found (see
/// [`shard::state_digest`]), of the very baselines it judged against.
fn read_and_judge(
    project: &Project,
    clock: &Clock,
    opts: &Options,
    shard: Option<shard::Shard>,
    progress: &dyn Progress,
) -> Result<(Verified, Option<String>), VerifyError> {
    let started = Instant::now();
    let settings = &project.settings.verify;
    let chosen = choose_sets(project, &opts.sets)?;
    let state_dir = project.state_dir();
    let state_err = |path: PathBuf| move |source| VerifyError::State { path, source };
    let run = RunInfo {
        now: clock.now(),
        tz: project.tz(),
        seq: state::history::next_seq(&state_dir).map_err(state_err(state_dir.join(state::history::FILE)))?,
    };
    let temp_dir = settings
        .temp_dir
        .as_ref()
        .map(|d| project.root.join(d))
        .unwrap_or_else(std::env::temp_dir);

    let mut plans = chosen
        .into_iter()
        .map(|set| Plan::new(project, set, opts, shard, temp_dir.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let state = match shard {
        Some(_) => {
            let head =
                state::history::head(&state_dir).map_err(state_err(state_dir.join(state::history::FILE)))?;
            Some(shard::state_digest(
                &head,
                plans.iter().map(|p| (p.set.name.as_str(), &p.baseline)),
            ))
        }
        None => None,
    };

    let mut per_set = schedule::read_all(&plans, settings, progress);
    for (plan, outcomes) in plans.iter_mut().zip(&mut per_set) {
        plan.settle(outcomes);
    }
    let (sets, set_warnings): (Vec<SetReport>, Vec<Vec<String>>) = plans
        .iter_mut()
        .zip(per_set)
        .map(|(plan, outcomes)| judge::judge(plan, outcomes, &run))
        .unzip();

    let finished = run.now + chrono::TimeDelta::from_std(started.elapsed()).unwrap_or_default();
    let report = VerifyReport {
        ok: sets.iter().all(|s| s.ok),
        started_at: run.now.to_rfc3339_opts(SecondsFormat::Secs, false),
        finished_at: finished.to_rfc3339_opts(SecondsFormat::Secs, false),
        warnings: set_warnings
            .into_iter()
            .flatten()
            .chain(warnings(&sets))
            .collect(),
        sets,
    };

    let baselines = plans
        .into_iter()
        .map(|plan| {
            let listed = plan.listing.is_some();
            (plan.baseline_file, listed.then_some(plan.baseline))
        })
        .collect();
    Ok((Verified { report, baselines }, state))
}

impl Verified {
    /// Keeps the run under `state/` (the report, the baselines, a line of
    /// the history), while the caller holds its lock; returns the report.
    pub fn save(self, project: &Project, _lock: &StateLock) -> Result<VerifyReport, VerifyError> {
        let Verified { report, baselines } = self;
        let state_dir = project.state_dir();
        let state_err = |path: PathBuf| move |source| VerifyError::State { path, source };
        // The baselines and the report are written side by side: with many
        // files each is long, and neither needs the other.
        let save_baselines = || -> Result<(), VerifyError> {
            for (file, baseline) in &baselines {
                if let Some(baseline) = baseline {
                    baseline.save(file).map_err(state_err(file.clone()))?;
                }
            }
            Ok(())
        };
        // Compact: with a file's record per backup file it is read by
        // programs (the portal), and pretty printing would double its size.
        let report_path = state_dir.join(REPORT_FILE);
        let write_report = || {
            let mut compact = serde_json::to_vec(&report).map_err(|e| VerifyError::State {
                path: report_path.clone(),
                source: e.into(),
            })?;
            compact.push(b'\n');
            state::write_atomic(&report_path, &compact).map_err(state_err(report_path.clone()))
        };
        let (saved, written) = rayon::join(save_baselines, write_report);
        saved?;
        written?;
        let record = RunRecord {
            started_at: report.started_at.clone(),
            finished_at: report.finished_at.clone(),
            ok: report.ok,
            sets: report.sets.iter().map(SetRun::of).collect(),
        };
        state::history::append(&state_dir, &record)
            .map_err(state_err(state_dir.join(state::history::FILE)))?;
        Ok(report)
    }
}

fn choose_sets<'a>(
    project: &'a Project,
    names: &[String],
) -> Result<Vec<&'a crate::load::settings::BackupSet>, VerifyError> {
    let all = &project.settings.backups;
    if names.is_empty() {
        return Ok(all.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|s| &s.name == name)
                .ok_or_else(|| VerifyError::UnknownSet {
                    name: name.clone(),
                    known: all.iter().map(|s| s.name.clone()).collect(),
                })
        })
        .collect()
}

/// What could not be tested, said once per reason with its count.
fn warnings(sets: &[SetReport]) -> Vec<String> {
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for record in sets.iter().flat_map(|s| &s.records) {
        if let Some(Restore::Skipped { reason }) = &record.restore {
            *by_reason.entry(reason.as_str()).or_insert(0) += 1;
        }
    }
    by_reason
        .into_iter()
        .map(|(reason, n)| format!("{reason} ({n} file{})", if n == 1 { "" } else { "s" }))
        .collect()
}

/// A warning for each placeholder of a set's `restore_command` that stands
/// inside quotes, where quoting cannot protect a file name.
pub fn restore_command_warnings(project: &Project) -> Vec<Diagnostic> {
    project
        .settings
        .backups
        .iter()
        .flat_map(|set| {
            let template = set.restore_command.as_deref().unwrap_or_default();
            restore::command::template_warnings(template)
                .into_iter()
                .map(|w| {
                    Diagnostic::warning(
                        crate::load::settings::FILE_NAME,
                        format!("backup set `{}`: {w}", set.name),
                    )
                })
        })
        .collect()
}

/// The history of verification runs, oldest first, for the portal.
pub fn history(project: &Project) -> io::Result<Vec<Line<RunRecord>>> {
    state::history::read(&project.state_dir())
}

/// The last run's report, if any, for the portal.
pub fn last_report(project: &Project) -> io::Result<Option<VerifyReport>> {
    match std::fs::read(project.state_dir().join(REPORT_FILE)) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(io::Error::other),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// What `opsbook check` reports about verification, in two parts: every
/// broken link of the history chain in `state/` (this one), and the
/// settings' problems ([`check_settings`]).
pub fn check_history(project: &Project) -> Vec<Diagnostic> {
    let state_dir = project.state_dir();
    state::history::check(&state_dir, &project.rel(&state_dir))
}

/// Include globs that cannot work, and restore commands whose placeholders
/// stand inside quotes.
pub fn check_settings(project: &Project) -> Vec<Diagnostic> {
    let mut problems: Vec<Diagnostic> = project
        .settings
        .backups
        .iter()
        .flat_map(|set| {
            set.include.iter().filter_map(move |glob| {
                set::check_glob(glob).err().map(|e| {
                    Diagnostic::error(
                        crate::load::settings::FILE_NAME,
                        format!("backup set `{}`: invalid include glob: {e}", set.name),
                    )
                })
            })
        })
        .collect();
    problems.extend(restore_command_warnings(project));
    problems
}
