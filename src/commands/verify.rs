//! `opsbook verify`: backup verification.
//!
//! Prints each problem in rustc's style on stderr and a line per set on
//! stdout (stderr when the JSON report goes to stdout); writes the JSON
//! report to `--json` and JUnit XML to `--junit`. Exit 1 when any problem
//! is an error, 2 when verification cannot run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::progress::Bar;
use super::session::Session;
use super::{Context, Exit, Fatal, plural, write_output};
use crate::analyse::verify::{self, Problem, ProblemKind, Restore, SetReport, VerifyReport};
use crate::diag::{Diagnostic, Severity};
use crate::load::Project;
use crate::load::settings::Sample;
use crate::render::junit::{self, Case, CaseResult, Failure, Suite};
use crate::size::human_bytes;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--set NAME`, repeatable; empty means every set.
    pub sets: Vec<String>,
    /// `--sample K/N`.
    pub sample: Option<String>,
    /// `--full`: ignore sampling.
    pub full: bool,
    /// `--json FILE|-`.
    pub json: Option<String>,
    /// `--junit FILE`.
    pub junit: Option<String>,
    /// `--shard I/N`: verify this shard's files and write its result.
    pub shard: Option<String>,
    /// `--merge FILE…`: merge the results of every shard of a run.
    pub merge: Vec<String>,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    if !opts.merge.is_empty() {
        return super::verify_shard::merge(ctx, opts);
    }
    if let Some(shard) = &opts.shard {
        return super::verify_shard::shard(ctx, opts, shard);
    }
    let sample = parse_sample(opts)?;
    let session = Session::open(ctx)?;
    session.warn_if_backdated(ctx);
    let started = Instant::now();
    let lock = super::pipeline::lock_state(&session.project).map_err(|e| Fatal::Other(e.into()))?;
    let bar = Bar::new(ctx.progress, "verifying");
    let report = super::pipeline::verify_backups(
        &session,
        &verify::Options {
            sets: opts.sets.clone(),
            sample,
            full: opts.full,
        },
        &bar,
        &lock,
    )
    .map_err(|e| Fatal::Other(e.into()))?;
    drop(bar);
    drop(lock);
    print_report(ctx, &session.project, &report, started, opts, None)?;
    Ok(Exit::from_problems(!report.ok))
}

/// `--sample K/N`, parsed.
pub fn parse_sample(opts: &Options) -> Result<Option<Sample>, Fatal> {
    match &opts.sample {
        Some(text) => text
            .parse::<Sample>()
            .map(Some)
            .map_err(|e| Fatal::Usage(format!("--sample: {e}"))),
        None => Ok(None),
    }
}

/// Prints a report's problems, a line per set and the summary, and writes
/// `--json` (the report, or `json` when given) and `--junit`.
pub fn print_report(
    ctx: &Context,
    project: &Project,
    report: &VerifyReport,
    started: Instant,
    opts: &Options,
    json: Option<String>,
) -> Result<(), Fatal> {
    ctx.print_diagnostics(&diagnostics(project, report));
    let to_stderr = opts.json.as_deref() == Some("-");
    let say = |line: String| {
        if ctx.quiet {
            return;
        }
        if to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    for warning in &report.warnings {
        say(format!("warning: {warning}"));
    }
    for set in &report.sets {
        say(set_line(set));
    }
    say(summary(report, started.elapsed()));

    if let Some(target) = &opts.json {
        let text = match json {
            Some(text) => text,
            None => {
                let mut text = serde_json::to_string_pretty(report).map_err(|e| Fatal::Other(e.into()))?;
                text.push('\n');
                text
            }
        };
        write_output(target, &text)?;
    }
    if let Some(target) = &opts.junit {
        let seconds = junit::seconds_between(&report.started_at, &report.finished_at);
        write_output(
            target,
            &junit::to_xml("opsbook verify", &junit_suites(report), seconds),
        )?;
    }
    Ok(())
}

/// The JUnit case of problems that name no file.
pub const SET_CASE: &str = "(set)";

/// The report as JUnit suites, so GitLab and Jenkins list each backup file as
/// a test: one suite per set, one case per file (plus `(set)` for the set's
/// own problems), a failure per error-severity problem with its kind as
/// `type`, `skipped` for files sampling left out this run or whose test could
/// not run here, and warnings as the case's output.
pub fn junit_suites(report: &VerifyReport) -> Vec<Suite> {
    report
        .sets
        .iter()
        .map(|set| {
            #[derive(Default)]
            struct Found<'a> {
                problems: Vec<&'a Problem>,
                skipped: Option<String>,
            }
            // Every file, and every path a problem names, each once, in order.
            let mut found: BTreeMap<&str, Found> = BTreeMap::new();
            found.entry(SET_CASE).or_default();
            for r in &set.records {
                let f = found.entry(r.path.as_str()).or_default();
                if !r.checked {
                    f.skipped = Some(match set.sample {
                        Some(s) => format!("not read this run (sampling {s})"),
                        None => "not read this run".to_string(),
                    });
                } else if let Some(Restore::Skipped { reason }) = &r.restore {
                    f.skipped = Some(reason.clone());
                }
            }
            for p in &set.problems {
                let name = if p.path.is_empty() {
                    SET_CASE
                } else {
                    p.path.as_str()
                };
                found.entry(name).or_default().problems.push(p);
            }
            let cases = found
                .into_iter()
                .map(|(name, f)| {
                    let failures: Vec<Failure> = f
                        .problems
                        .iter()
                        .filter(|p| p.is_error())
                        .map(|p| Failure {
                            kind: Some(p.kind.to_string()),
                            message: p.detail.lines().next().unwrap_or_default().to_string(),
                            details: p.detail.clone(),
                        })
                        .collect();
                    let warnings: Vec<String> = f
                        .problems
                        .iter()
                        .filter(|p| !p.is_error())
                        .map(|p| format!("warning: {}: {}", p.kind, p.detail))
                        .collect();
                    let result = match (failures.is_empty(), f.skipped) {
                        (false, _) => CaseResult::Failed(failures),
                        (true, Some(why)) => CaseResult::Skipped(why),
                        (true, None) => CaseResult::Passed,
                    };
                    Case {
                        classname: Some(format!("backups.{}", set.name)),
                        name: name.to_string(),
                        result,
                        output: (!warnings.is_empty()).then(|| warnings.join("\n")),
                    }
                })
                .collect();
            Suite {
                name: set.name.clone(),
                timestamp: Some(report.started_at.clone()),
                cases,
            }
        })
        .collect()
}

/// Each problem as a diagnostic on the file it names (or the set's folder).
pub fn diagnostics(project: &Project, report: &VerifyReport) -> Vec<Diagnostic> {
    report
        .problems()
        .map(|(set, p)| {
            let base = project
                .settings
                .backups
                .iter()
                .find(|b| b.name == set.name)
                .map(|b| project.rel(&project.backup_dir(b)))
                .unwrap_or_default();
            let file = if p.path.is_empty() {
                base
            } else {
                format!("{base}/{}", p.path)
            };
            let d = Diagnostic::new(p.severity, file, format!("{}: {}", p.kind, p.detail));
            match hint(p.kind, &set.name) {
                Some(h) => d.with_hint(h),
                None => d,
            }
        })
        .collect()
}

fn hint(kind: ProblemKind, set: &str) -> Option<String> {
    Some(match kind {
        ProblemKind::Changed => format!(
            "backups are written once: restore this file from another copy; if the change is known and wanted, \
             remove its line from state/baseline/{set}.jsonl to baseline it anew"
        ),
        ProblemKind::DigestMismatch => {
            "the file differs from what the backup job recorded: restore it from another copy".into()
        }
        ProblemKind::Truncated | ProblemKind::Corrupt => {
            "this backup cannot be restored as it is: make a new one, and find out why".into()
        }
        ProblemKind::Stale => "the backup job has not written a file in time: check that it runs".into(),
        ProblemKind::Unlisted => {
            "add the file to the manifest when the backup is written (`opsbook manifest DIR`)".into()
        }
        _ => return None,
    })
}

/// `oa-db (pgdump): 31 files, 117.7 MiB; read 5 (17.1 MiB): ok`.
pub fn set_line(set: &SetReport) -> String {
    let errors = set
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = set.problems.len() - errors;
    let verdict = match (errors, warnings) {
        (0, 0) => "ok".to_string(),
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    };
    let kind = serde_json::to_value(set.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut line = format!(
        "{} ({kind}): {}, {}; read {} ({})",
        set.name,
        plural(set.files, "file"),
        human_bytes(set.bytes),
        set.checked.len(),
        human_bytes(set.checked_bytes),
    );
    if let Some(s) = set.sample {
        line.push_str(&format!(", sampling {s}"));
    }
    line.push_str(&format!(": {verdict}"));
    line
}

fn summary(report: &VerifyReport, took: Duration) -> String {
    let read: u64 = report.sets.iter().map(|s| s.checked_bytes).sum();
    let files: usize = report.sets.iter().map(|s| s.checked.len()).sum();
    let errors = report.errors();
    let all = report.sets.iter().map(|s| s.problems.len()).sum::<usize>();
    let rate = read as f64 / took.as_secs_f64().max(1e-3);
    format!(
        "verified {} ({} read, {} in {:.2?}, {}/s): {}",
        plural(report.sets.len(), "set"),
        plural(files, "file"),
        human_bytes(read),
        took,
        human_bytes(rate as u64),
        if all == 0 {
            "no problems".to_string()
        } else {
            format!(
                "{} ({}, {})",
                plural(all, "problem"),
                plural(errors, "error"),
                plural(all - errors, "warning")
            )
        }
    )
}
