//! Structured logs: JSON lines, plain or `.jsonl.zst`, read into
//! daily aggregates and alerts.
//!
//! [`ingest`] is the one entry point (`opsbook logs`, `opsbook nightly`, the
//! portal). It finds the files of `[logs] paths`, works out from `state/logs/`
//! what of each is already known ([`cache`]), reads the rest in parallel
//! ([`reader`]: big plain files split at line boundaries so one file uses
//! every core, `.zst` streams whole), turns each line into a record
//! ([`parse`], over a fast validating scanner, [`json`]), adds records up
//! per local day ([`aggregate`], with error messages folded by [`fold`] and
//! alert rules from [`rules`]), and finally applies thresholds and the clock
//! ([`report`]).
//!
//! Bad data never stops it: malformed lines are counted and listed with
//! their file and line, a damaged `.zst` is reported with its readable part
//! counted, an unreadable file is reported and skipped.

mod aggregate;
mod cache;
mod day;
mod files;
mod fold;
mod host_day;
mod hosts_file;
mod json;
/// One log line's recognised fields (public for `examples/parsers.rs`, which
/// measures it against serde_json and chrono).
pub mod parse;
mod reader;
pub mod report;
mod rules;
pub mod servers;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::load::Project;
pub use crate::load::settings::logs::LogSettings;
use crate::progress::Progress;
use crate::time::Clock;
use aggregate::Aggregate;
pub use aggregate::ExchangeStatus;
pub use cache::Update as CacheUpdate;
use cache::{Cache, Entry, Known, Modified};
use files::LogFile;
use hosts_file::FileHosts;
pub use parse::Level;
use reader::{Chunk, ChunkOut, Reading};
pub use report::{DayReport, FileProblem, FileSummary, LogReport, MalformedLine, ProblemKind, ReadKind};
pub use servers::{DayVerdict, HostMonth, ServerDay};

/// Plain files are split into parts of this size for parallel reading.
const CHUNK: u64 = 8 * 1024 * 1024;

/// Why an ingest could not run at all. Problems in the logs themselves are
/// never errors: they are in the [`LogReport`].
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("invalid pattern `{pattern}` in [logs] paths: {source}")]
    Pattern { pattern: String, source: globset::Error },
    #[error("cannot write {}: {source}", path.display())]
    State { path: PathBuf, source: io::Error },
}

/// Reads the project's logs (only what earlier runs have not read) and
/// returns the daily aggregates, with every malformed line and damaged file.
///
/// `clock` decides what is recent (`[logs] recent`) and how long a
/// still-pending document has waited.
///
/// `roles` gives hosts a role (the hardware register's) where
/// `[logs.hosts]` does not, for their thresholds.
pub fn ingest(
    project: &Project,
    clock: &Clock,
    roles: &BTreeMap<String, String>,
    progress: &dyn Progress,
) -> Result<Ingested, LogError> {
    let settings = &project.settings.logs;
    let (files, problems) = files::find(project, &settings.paths)?;
    let cache = Cache::new(&project.state_dir(), project.tz(), settings);
    let rules = rules::Rules::new(&settings.alerts);
    let cx = Reading {
        tz: project.tz(),
        rules: &rules,
        max_line: settings.max_line,
        max_window: settings.max_window,
        max_ratio: settings.max_ratio,
        progress,
    };

    let plans: Vec<Plan<'_>> = files.par_iter().map(|f| Plan::new(f, &cache)).collect();
    let work: Vec<(usize, Work)> = plans
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.work().into_iter().map(move |w| (i, w)))
        .collect();
    progress.start(work.len() as u64, work.iter().map(|(_, w)| w.bytes()).sum());
    let outs: Vec<(usize, ChunkOut)> = work
        .into_par_iter()
        .map(|(i, w)| {
            let path = &plans[i].file.path;
            let out = match w {
                Work::Chunk(c) => reader::read_chunk(path, c, &cx),
                Work::Zst(_) => reader::read_zst(path, &cx),
            };
            (i, out)
        })
        .collect();
    let mut per_file: Vec<Vec<ChunkOut>> = plans.iter().map(|_| Vec::new()).collect();
    for (i, out) in outs {
        per_file[i].push(out);
    }

    let results: Vec<FileResult> = plans
        .into_par_iter()
        .zip(per_file)
        .map(|(plan, outs)| plan.finish(outs, &cache))
        .collect::<Result<_, _>>()?;
    let learnt: Vec<&Entry> = results
        .iter()
        .filter(|r| r.learnt)
        .filter_map(|r| r.entry.as_ref())
        .collect();
    let cache = cache.update(&learnt, files.iter().map(|f| f.rel.as_str()));

    // Server records run to the clock's day, or to the end of the service
    // period when that came first.
    let last_day = match project.settings.project.period() {
        Some((_, end)) => end.min(clock.today()),
        None => clock.today(),
    };
    Ok(Ingested {
        report: assemble(results, problems, settings, clock, roles, last_day),
        cache,
    })
}

/// An ingest: the report, and what it learnt of the files for the next
/// run, which the command keeps ([`Ingested::save`]) while it holds
/// `state/`'s lock.
pub struct Ingested {
    pub report: LogReport,
    pub cache: CacheUpdate,
}

impl Ingested {
    /// Keeps what the ingest learnt under `state/logs/`; returns the report.
    pub fn save(self, project: &Project, lock: &crate::state::StateLock) -> Result<LogReport, LogError> {
        self.cache.save(lock).map_err(|source| LogError::State {
            path: project.state_dir().join("logs"),
            source,
        })?;
        Ok(self.report)
    }
}

/// The log files `[logs] paths` names, sorted, as [`ingest`] finds them:
/// for the portal's up-to-date check, which looks at their metadata only.
/// The folders that `[logs] paths` search, for a watcher.
pub fn search_roots(project: &Project) -> Vec<PathBuf> {
    files::search_roots(project, &project.settings.logs.paths)
}

pub fn matched_files(project: &Project) -> Result<Vec<PathBuf>, LogError> {
    let (files, _) = files::find(project, &project.settings.logs.paths)?;
    Ok(files.into_iter().map(|f| f.path).collect())
}

/// What is to be done with one file.
struct Plan<'f> {
    file: &'f LogFile,
    /// Length and modification time now, or why they cannot be had.
    now: Result<(u64, Modified), String>,
    known: Known,
    /// Bytes read to decide.
    checked: u64,
}

/// A part of the reading, for one worker.
enum Work {
    Chunk(Chunk),
    /// A whole `.zst` file of this many (compressed) bytes.
    Zst(u64),
}

impl Work {
    /// About how many bytes it reads from disk.
    fn bytes(&self) -> u64 {
        match self {
            Work::Chunk(c) => c.end - c.start,
            Work::Zst(len) => *len,
        }
    }
}

impl<'f> Plan<'f> {
    fn new(file: &'f LogFile, cache: &Cache) -> Plan<'f> {
        let meta = match std::fs::metadata(&file.path) {
            Ok(m) => m,
            Err(e) => {
                return Plan {
                    file,
                    now: Err(e.to_string()),
                    known: Known::Nothing,
                    checked: 0,
                };
            }
        };
        let (known, checked) = cache::known(cache.load(&file.rel), &file.path, &meta, file.compressed);
        Plan {
            file,
            now: Ok((meta.len(), Modified::of(&meta))),
            known,
            checked,
        }
    }

    /// Where reading starts: after what an earlier run read.
    fn region_start(&self) -> u64 {
        match &self.known {
            Known::Prefix(e) => e.consumed,
            _ => 0,
        }
    }

    fn work(&self) -> Vec<Work> {
        let Ok((len, _)) = self.now else {
            return Vec::new();
        };
        match (&self.known, self.file.compressed) {
            (Known::Unchanged(_), _) => Vec::new(),
            (_, true) => vec![Work::Zst(len)],
            _ => {
                let region_start = self.region_start();
                let mut parts = Vec::new();
                let mut start = region_start;
                while start < len {
                    let end = (start + CHUNK).min(len);
                    parts.push(Work::Chunk(Chunk {
                        region_start,
                        start,
                        end,
                        len,
                    }));
                    start = end;
                }
                parts
            }
        }
    }

    /// Puts a file's parts together with what was known of it, and keeps
    /// the result for the next run.
    fn finish(self, outs: Vec<ChunkOut>, cache: &Cache) -> Result<FileResult, LogError> {
        let file = self.file;
        let mut result = FileResult {
            rel: file.rel.clone(),
            modified: None,
            entry: None,
            read: ReadKind::Failed,
            bytes_read: outs.iter().map(|o| o.read).sum(),
            bytes_checked: self.checked,
            problem: None,
            learnt: false,
        };
        let (len, modified) = match self.now {
            Ok(now) => now,
            Err(e) => {
                result.problem = Some((ProblemKind::Unreadable, e));
                return Ok(result);
            }
        };
        result.modified = Some(modified);
        let (mut entry, read) = match self.known {
            Known::Unchanged(entry) => {
                result.problem = entry.problem.clone();
                result.read = ReadKind::Cached;
                result.entry = Some(*entry);
                return Ok(result);
            }
            Known::Prefix(mut entry) => {
                entry.unpack_hosts();
                // Its unfinished last line is read again, with what follows.
                entry.rest = None;
                (*entry, ReadKind::Appended)
            }
            Known::Nothing => (cache.new_entry(&file.rel), ReadKind::Whole),
        };
        for out in outs {
            let mut part = out.done;
            part.shift_lines(entry.lines);
            entry.done.merge(part);
            if let Some(mut tail) = out.tail {
                tail.shift_lines(entry.lines);
                entry.rest = Some(tail);
            }
            entry.lines += out.lines;
            entry.consumed = entry.consumed.max(out.end.unwrap_or(0));
            entry.problem = entry.problem.or(out.error);
        }
        if file.compressed {
            // A stream is never resumed: all of it is `done`.
            if let Some(rest) = entry.rest.take() {
                entry.done.merge(rest);
            }
            entry.consumed = 0;
        }
        (entry.len, entry.modified) = (len, modified);
        result.read = read;
        result.problem = entry.problem.clone();
        // A file that could not be read to its end is read again next time.
        if !matches!(entry.problem, Some((ProblemKind::Unreadable, _))) {
            result.bytes_checked += cache
                .seal(&mut entry, &file.path)
                .map_err(|source| LogError::State {
                    path: cache.dir().to_path_buf(),
                    source,
                })?;
            result.learnt = true;
        }
        result.entry = Some(entry);
        Ok(result)
    }
}

/// One file's part of the report.
struct FileResult {
    rel: String,
    modified: Option<Modified>,
    /// What is known of its lines (none when it could not be looked at).
    entry: Option<Entry>,
    read: ReadKind,
    bytes_read: u64,
    /// Bytes read to check or digest it.
    bytes_checked: u64,
    problem: Option<(ProblemKind, String)>,
    /// `entry` is new or changed, to be kept for the next run.
    learnt: bool,
}

/// The report of all files.
fn assemble(
    results: Vec<FileResult>,
    mut problems: Vec<FileProblem>,
    settings: &LogSettings,
    clock: &Clock,
    roles: &BTreeMap<String, String>,
    last_day: chrono::NaiveDate,
) -> LogReport {
    let recent_since = clock.now().timestamp_millis() - settings.recent.as_secs().saturating_mul(1000);
    let mut total = Aggregate::default();
    let mut hosts = Vec::new();
    let mut malformed = Vec::new();
    let mut files = Vec::new();
    let (mut bytes_read, mut bytes_checked) = (0, 0);
    for r in results {
        let recent = r.modified.is_none_or(|m| m.millis() >= recent_since);
        if let Some((kind, detail)) = r.problem {
            problems.push(FileProblem {
                file: r.rel.clone(),
                kind,
                detail,
                recent,
            });
        }
        bytes_read += r.bytes_read;
        bytes_checked += r.bytes_checked;
        let Some(entry) = r.entry else {
            files.push(FileSummary {
                file: r.rel,
                bytes: 0,
                modified: None,
                lines: 0,
                malformed: 0,
                read: r.read,
                bytes_read: r.bytes_read,
                recent,
            });
            continue;
        };
        let mut agg = entry.done;
        if let Some(rest) = entry.rest {
            agg.merge(rest);
        }
        // What each host logged goes to its server records, read back from
        // `state/logs/` only when a record is made.
        hosts.push(match entry.kept {
            Some(kept) => FileHosts::kept(kept),
            None => {
                let digest = match entry.hosts_file {
                    Some((_, digest)) => digest,
                    None => hosts_file::bytes(&agg, None).1,
                };
                let days = agg
                    .days
                    .iter_mut()
                    .map(|(d, day)| (*d, std::mem::take(&mut day.hosts)));
                FileHosts::here(digest, days.filter(|(_, h)| !h.is_empty()).collect())
            }
        });
        malformed.extend(agg.malformed_lines.drain(..).map(|bad| MalformedLine {
            file: r.rel.clone(),
            line: bad.line,
            reason: bad.reason,
            recent,
        }));
        files.push(FileSummary {
            file: r.rel,
            bytes: entry.len,
            modified: Some(entry.modified.timestamp(clock.tz())),
            lines: agg.lines,
            malformed: agg.malformed,
            read: r.read,
            bytes_read: r.bytes_read,
            recent,
        });
        total.merge(agg);
    }
    let (days, next_overdue) = report::days(&total, settings, clock, roles);
    let servers = servers::months(hosts, &total, settings, roles, clock, last_day);
    // A file's problems are recent until its modification time plus
    // `[logs] recent`.
    let recent_ms = settings.recent.as_secs().saturating_mul(1000);
    let stops_being_recent = files
        .iter()
        .filter(|f| f.recent)
        .filter_map(|f| f.modified)
        .map(|m| m.instant().timestamp_millis() + recent_ms);
    let changes_at = stops_being_recent
        .chain(next_overdue)
        .filter(|ms| *ms > clock.now().timestamp_millis())
        .min()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| crate::time::Timestamp(t.with_timezone(&clock.tz()).fixed_offset()));
    let ok = !problems.iter().any(|p| p.recent)
        && !malformed.iter().any(|m| m.recent)
        && !days.iter().any(|d| d.recent && !d.alerts.is_empty());
    LogReport {
        ok,
        recent: report::RecentWindow::new(settings, clock),
        days,
        malformed,
        malformed_count: total.malformed,
        problems,
        files,
        lines: total.lines,
        bytes_read,
        bytes_checked,
        changes_at,
        servers,
    }
}
