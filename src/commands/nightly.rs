//! `opsbook nightly`: the night's work in one run: check the
//! notes, ingest the logs, verify the backups, hold the notes against the
//! contract's schedules and SLAs, and build the portal; then one summary for
//! the person reading CI's log, and the same as JSON and JUnit for machines.
//!
//! Every stage runs whatever the others found: a broken note does not stop
//! the backups being verified, and a failed verification is still rendered
//! into the portal that shows it. A stage that could not run says why in the
//! summary and the JSON, and the run carries on; it then exits 2, since
//! what that stage would have found is not known.

use serde::{Serialize, Serializer};

mod archive;
mod junit;
mod summary;

use super::pipeline;
use super::progress::Bars;
use super::session::{Checked, Session};
use super::{Context, Exit, Fatal};
use crate::analyse::contract::ContractReport;
use crate::analyse::contract::obligations::{Counts, Missed, ServicePeriod};
use crate::analyse::contract::sla::{Breach, MonthCompliance, RuleCompliance};
use crate::analyse::{logs, verify};
use crate::diag::Diagnostic;
use crate::load::git::{GitHistory, GitLog};
use crate::period::Every;
use crate::render::junit::{seconds_between, to_xml};
use crate::report::corrections::Correction;
use crate::report::{Analyses, Audience, CheckReport};
use crate::state::{LockError, StateLock};
use crate::time::Clock;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--json FILE|-`: the nightly summary.
    pub json: Option<String>,
    /// `--junit FILE`.
    pub junit: Option<String>,
    /// `--strict`: SLA breaches fail the run too.
    pub strict: bool,
}

/// The nightly summary (`docs/reference.md`), with each stage's section.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Nothing needs a person: the run exits 0.
    pub ok: bool,
    /// The clock of the run (`--now`, or the time it started).
    pub now: String,
    pub started_at: String,
    pub finished_at: String,
    /// Whether SLA breaches fail the run.
    pub strict: bool,
    pub check: CheckReport,
    pub verify: Stage<VerifyReport>,
    pub obligations: ObligationsSection,
    pub sla: SlaSection,
    pub logs: Stage<LogsReport>,
    pub build: Stage<BuildSection>,
    /// The month's hand-in archive, once the month has closed; left out
    /// when there is nothing to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<Stage<archive::ArchiveSection>>,
}

impl Summary {
    /// 2 when a stage could not run at all (it is not known what it would
    /// have found), else 1 when something needs a person, else 0.
    pub fn exit(&self) -> Exit {
        let failed = [
            self.verify.failed(),
            self.logs.failed(),
            self.build.failed(),
            self.archive.as_ref().is_some_and(Stage::failed),
        ];
        if failed.contains(&true) {
            Exit::CouldNotRun
        } else {
            Exit::from_problems(!self.ok)
        }
    }
}

/// How a stage that may not run went.
#[derive(Debug)]
pub enum Stage<T> {
    /// It ran; `ok` is false when it found something that needs a person.
    /// In JSON: the report itself.
    Ran { ok: bool, report: T },
    /// It did not run, and that is no problem. In JSON:
    /// `{"ok": true, "skipped": "why"}`.
    Skipped(String),
    /// It could not run. In JSON: `{"ok": false, "error": "why"}`.
    Failed(String),
}

impl<T> Stage<T> {
    /// It could not run.
    pub fn failed(&self) -> bool {
        matches!(self, Stage::Failed(_))
    }

    pub fn ok(&self) -> bool {
        match self {
            Stage::Ran { ok, .. } => *ok,
            Stage::Skipped(_) => true,
            Stage::Failed(_) => false,
        }
    }
}

impl<T: Serialize> Serialize for Stage<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct NotRun<'a> {
            ok: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a str>,
        }
        match self {
            Stage::Ran { report, .. } => report.serialize(s),
            Stage::Skipped(why) => NotRun {
                ok: true,
                skipped: Some(why),
                error: None,
            }
            .serialize(s),
            Stage::Failed(why) => NotRun {
                ok: false,
                skipped: None,
                error: Some(why),
            }
            .serialize(s),
        }
    }
}

/// `obligations`: the missed periods, and each obligation's counts (the
/// period-by-period calendar is the portal's).
#[derive(Debug, Serialize)]
pub struct ObligationsSection {
    pub ok: bool,
    pub service_period: Option<ServicePeriod>,
    pub missed: Vec<Missed>,
    pub obligations: Vec<ObligationCounts>,
}

#[derive(Debug, Serialize)]
pub struct ObligationCounts {
    pub name: String,
    pub every: Every,
    #[serde(flatten)]
    pub counts: Counts,
}

/// `sla`: every breach, and compliance per rule and per month.
#[derive(Debug, Serialize)]
pub struct SlaSection {
    pub ok: bool,
    pub breaches: Vec<Breach>,
    pub rules: Vec<RuleCompliance>,
    pub months: Vec<MonthCompliance>,
}

/// `build`: where the portal was written.
#[derive(Debug, Serialize)]
pub struct BuildSection {
    pub ok: bool,
    /// The site folder, relative to the project.
    pub out: String,
    /// Files the site has.
    pub files: usize,
    /// Files this run rendered and wrote; the rest were already up to date.
    pub written: usize,
    /// Files removed because nothing makes them any more.
    pub removed: usize,
    /// The notes that fail `check` are not left out of the client's portal:
    /// they are shown as records being corrected (those that could not be
    /// read as their kind, `"typed": false`, are judged nothing). These are
    /// they.
    pub corrections: Vec<Correction>,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let session = Session::open(ctx)?;
    session.warn_if_backdated(ctx);
    let started_at = wall_clock(&session);

    let git = GitLog::start(&session.project.root);
    // The verification history's chain is checked before the verification
    // appends to it; the rest of the check runs beside it.
    let history = crate::analyse::verify::check_history(&session.project);
    // What the stages keep under `state/` is written while the run holds its
    // lock; without it they still run, and keep nothing.
    let lock = pipeline::lock_state(&session.project);
    // The verification reads the backups and runs restore tests, the check
    // and the logs' ingest read the project: they share nothing, and each
    // alone leaves a core idle much of the time. Their problems are printed
    // once all three are done, in the order they always had (check, logs,
    // verification), so that a run's output does not depend on which one
    // finished first; their bars are drawn as one group.
    let bars = Bars::new(ctx.progress);
    let (mut checked, logs, verify) = std::thread::scope(|scope| {
        let verify = scope.spawn(|| verify_stage(&session, &lock, &bars));
        let checked = session.check_with_history(history);
        let logs = logs_stage(&session, &lock, &bars);
        let verify = verify
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checked, logs, verify)
    });
    drop(lock);
    drop(bars);
    ctx.print_diagnostics(&checked.problems);
    ctx.print_diagnostics(&logs.1);
    ctx.print_diagnostics(&verify.1);
    let (logs, verify) = (logs.0, verify.0);
    let logs_report = match &logs {
        Stage::Ran { report, .. } => Some(report),
        _ => None,
    };
    // The verification the portal shows: this run's, or where it did not
    // run the last one on record; and the history, this run's included,
    // read once: the inspections are held against it too. What cannot be
    // read is said before the portal's build.
    let mut warnings = Vec::new();
    let on_record = match &verify {
        Stage::Ran { .. } => None,
        _ => pipeline::last_verification(&session.project, &mut warnings),
    };
    let history = pipeline::verification_history(&session.project, &mut warnings);
    // The inspections against tonight's evidence (part of the check), and
    // beside them the notes against the contract, which needs none of it.
    let (contradictions, contract) = rayon::join(
        || pipeline::cross_check(&session, &checked, logs_report, &history),
        || pipeline::contract_of(&session, &checked, logs_report),
    );
    ctx.print_diagnostics(&contradictions);
    checked.problems.extend(contradictions);
    crate::diag::sort(&mut checked.problems);
    let check = checked.report();
    ctx.print_diagnostics(&warnings);
    let analyses = Analyses {
        contract: &contract,
        verify: match &verify {
            Stage::Ran { report, .. } => Some(report),
            _ => on_record.as_ref(),
        },
        history: &history,
        logs: logs_report,
    };
    let build = build_stage(&session, &checked, &git.finish(), analyses);
    let (obligations, sla) = contract_sections(&contract);
    let archive = archive::archive_stage(ctx, &session, &checked);

    let ok = check.ok
        && logs.ok()
        && verify.ok()
        && obligations.ok
        && (sla.ok || !opts.strict)
        && build.ok()
        && archive.as_ref().is_none_or(Stage::ok);
    let summary = Summary {
        ok,
        now: session.clock.now().to_rfc3339(),
        started_at,
        finished_at: wall_clock(&session),
        strict: opts.strict,
        check,
        verify,
        obligations,
        sla,
        logs,
        build,
        archive,
    };

    // With `--json -` the JSON owns stdout; the summary goes to stderr.
    let json_on_stdout = opts.json.as_deref() == Some("-");
    // With --quiet, only what needs a person (nothing on a clean run).
    let text = summary::text(&summary, &checked.summary(), session.project.tz(), ctx.quiet);
    if json_on_stdout {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    if let Some(target) = &opts.junit {
        let seconds = seconds_between(&summary.started_at, &summary.finished_at);
        let xml = to_xml(
            "opsbook nightly",
            &junit::suites(&summary, session.project.tz()),
            seconds,
        );
        super::write_output(target, &xml)?;
    }
    if let Some(target) = &opts.json {
        let mut json = serde_json::to_string_pretty(&summary).map_err(|e| Fatal::Other(e.into()))?;
        json.push('\n');
        super::write_output(target, &json)?;
    }
    let code = summary.exit();
    // The process ends with this command: freeing a year of log aggregates
    // piece by piece would only delay the exit. (The summary is data alone:
    // locks and files are released by their own owners.)
    std::mem::forget(summary);
    Ok(code)
}

fn wall_clock(session: &Session) -> String {
    Clock::system(session.project.tz()).now().to_rfc3339()
}

// ---------------------------------------------------------------------------
// Backup verification and log ingestion
//
// Each `*_stage` function runs its part, the `*_line` and `*_cases`
// functions describe it for the summary and JUnit.

/// The backup verification report.
pub type VerifyReport = verify::VerifyReport;
/// The log aggregates (the summary's `logs`).
pub type LogsReport = logs::LogReport;

/// Verifies every backup set (sampling as the sets say), with the problems
/// to print as `opsbook verify` prints them.
fn verify_stage(
    session: &Session,
    lock: &Result<StateLock, LockError>,
    bars: &Bars,
) -> (Stage<VerifyReport>, Vec<Diagnostic>) {
    if session.project.settings.backups.is_empty() {
        return (
            Stage::Skipped("opsbook.toml has no [[backups]] sets".into()),
            Vec::new(),
        );
    }
    let lock = match lock {
        Ok(lock) => lock,
        Err(e) => return (Stage::Failed(e.to_string()), Vec::new()),
    };
    let bar = bars.bar("verifying");
    let result = pipeline::verify_backups(session, &verify::Options::default(), &bar, lock);
    drop(bar);
    match result {
        Ok(report) => {
            let problems = super::verify::diagnostics(&session.project, &report);
            let stage = Stage::Ran {
                ok: report.ok,
                report,
            };
            (stage, problems)
        }
        Err(e) => (Stage::Failed(e.to_string()), Vec::new()),
    }
}

/// Ingests the logs of `[logs] paths`, with the malformed lines and damaged
/// files to print as `opsbook logs` prints them.
fn logs_stage(
    session: &Session,
    lock: &Result<StateLock, LockError>,
    bars: &Bars,
) -> (Stage<LogsReport>, Vec<Diagnostic>) {
    let mut problems = Vec::from_iter(pipeline::not_kept(session, lock));
    let bar = bars.bar("reading logs");
    let result = pipeline::ingest_logs(session, lock, &bar);
    drop(bar);
    let stage = match result {
        Ok(report) if report.files.is_empty() && report.problems.is_empty() => {
            Stage::Skipped("no log files match [logs] paths".into())
        }
        Ok(report) => {
            problems.extend(report.diagnostics());
            Stage::Ran {
                ok: report.ok,
                report,
            }
        }
        Err(e) => Stage::Failed(e.to_string()),
    };
    (stage, problems)
}

// ---------------------------------------------------------------------------

/// Obligations and SLAs, for the summary: counts and breaches (the
/// period-by-period calendar and every outcome are the portal's).
fn contract_sections(report: &ContractReport) -> (ObligationsSection, SlaSection) {
    let ContractReport { obligations, sla, .. } = report;
    let obligations = ObligationsSection {
        ok: obligations.ok,
        service_period: obligations.service_period,
        missed: obligations.missed.clone(),
        obligations: obligations
            .obligations
            .iter()
            .map(|o| ObligationCounts {
                name: o.name.clone(),
                every: o.every,
                counts: o.counts,
            })
            .collect(),
    };
    let sla = SlaSection {
        ok: sla.ok,
        breaches: sla.breaches.clone(),
        rules: sla.rules.clone(),
        months: sla.months.clone(),
    };
    (obligations, sla)
}

/// Builds the client's portal from what the other stages found.
fn build_stage(
    session: &Session,
    checked: &Checked,
    git: &GitHistory,
    analyses: Analyses,
) -> Stage<BuildSection> {
    match pipeline::portal(session, checked, git, analyses, Audience::Client, None) {
        Ok(built) => Stage::Ran {
            ok: true,
            report: BuildSection {
                ok: true,
                out: session.project.rel(&built.site.out),
                files: built.site.files,
                written: built.site.written,
                removed: built.site.removed,
                corrections: built.corrections,
            },
        },
        Err(e) => {
            // Template errors come with a multi-line excerpt of the template:
            // shown in full here, by their first line in the summary.
            let text = e.to_string();
            anstream::eprintln!("error: the portal could not be built: {text}\n");
            let first = text.lines().next().unwrap_or_default();
            Stage::Failed(format!("{first}; the previous site is kept"))
        }
    }
}
