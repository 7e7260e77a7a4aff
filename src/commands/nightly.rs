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

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::progress::Bar;
use super::session::{Checked, Session};
use super::{Context, Exit, Fatal, plural};
use crate::analyse::contract::obligations::{Counts, Missed, ServicePeriod};
use crate::analyse::contract::sla::{Breach, MonthCompliance, Rule, RuleCompliance};
use crate::analyse::contract::{self, ContractReport};
use crate::analyse::{logs, verify};
use crate::commands::build;
use crate::diag::Diagnostic;
use crate::period::Every;
use crate::render::junit::{self, Case, CaseResult, Suite};
use crate::report::git::{GitHistory, GitLog};
use crate::report::{Analyses, Audience, CheckReport};
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
}

impl Summary {
    /// 2 when a stage could not run at all (it is not known what it would
    /// have found), else 1 when something needs a person, else 0.
    pub fn exit(&self) -> Exit {
        let failed = [self.verify.failed(), self.logs.failed(), self.build.failed()];
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
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let session = Session::open(ctx)?;
    session.warn_if_backdated(ctx);
    let started_at = wall_clock(&session);

    let git = GitLog::start(&session.project.root);
    let checked = session.check();
    ctx.print_diagnostics(&checked.problems);
    let check = checked.report();
    let logs = logs_stage(ctx, &session);
    let verify = verify_stage(ctx, &session);
    let contract = contract_stage(&session, &checked);
    let build = build_stage(ctx, &session, &checked, &git.finish(), &contract, &verify, &logs);
    let (obligations, sla) = contract_sections(&contract);

    let ok = check.ok && logs.ok() && verify.ok() && obligations.ok && (sla.ok || !opts.strict) && build.ok();
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
    };

    // With `--json -` the JSON owns stdout; the summary goes to stderr.
    let json_on_stdout = opts.json.as_deref() == Some("-");
    if !ctx.quiet {
        let text = summary_text(&summary, &checked, &session);
        if json_on_stdout {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    if let Some(target) = &opts.junit {
        let seconds = junit::seconds_between(&summary.started_at, &summary.finished_at);
        let xml = junit::to_xml(
            "opsbook nightly",
            &junit_suites(&summary, session.project.tz()),
            seconds,
        );
        super::write_output(target, &xml)?;
    }
    if let Some(target) = &opts.json {
        let mut json = serde_json::to_string_pretty(&summary).map_err(|e| Fatal::Other(e.into()))?;
        json.push('\n');
        super::write_output(target, &json)?;
    }
    Ok(summary.exit())
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

/// Verifies every backup set (sampling as the sets say), printing its
/// problems like `opsbook verify` does.
fn verify_stage(ctx: &Context, session: &Session) -> Stage<VerifyReport> {
    if session.project.settings.backups.is_empty() {
        return Stage::Skipped("opsbook.toml has no [[backups]] sets".into());
    }
    let bar = Bar::new(ctx.progress, "verifying");
    let result = verify::verify(
        &session.project,
        &session.clock,
        &verify::Options::default(),
        &bar,
    );
    drop(bar);
    match result {
        Ok(report) => {
            ctx.print_diagnostics(&super::verify::diagnostics(&session.project, &report));
            Stage::Ran {
                ok: report.ok,
                report,
            }
        }
        Err(e) => Stage::Failed(e.to_string()),
    }
}

/// Ingests the logs of `[logs] paths`, printing malformed lines and damaged
/// files like `opsbook logs` does.
fn logs_stage(ctx: &Context, session: &Session) -> Stage<LogsReport> {
    let bar = Bar::new(ctx.progress, "reading logs");
    let result = logs::ingest(&session.project, &session.clock, &bar);
    drop(bar);
    match result {
        Ok(report) if report.files.is_empty() && report.problems.is_empty() => {
            Stage::Skipped("no log files match [logs] paths".into())
        }
        Ok(report) => {
            ctx.print_diagnostics(&report.diagnostics());
            Stage::Ran {
                ok: report.ok,
                report,
            }
        }
        Err(e) => Stage::Failed(e.to_string()),
    }
}

/// The summary line of a verification that ran.
fn verify_line(report: &VerifyReport) -> String {
    let files: usize = report.sets.iter().map(|s| s.files).sum();
    let read: usize = report.sets.iter().map(|s| s.checked.len()).sum();
    let problems: usize = report.sets.iter().map(|s| s.problems.len()).sum();
    let errors = report.errors();
    format!(
        "{}, {}, {read} read this run: {}, {}",
        plural(report.sets.len(), "set"),
        plural(files, "file"),
        plural(errors, "error"),
        plural(problems - errors, "warning")
    )
}

/// The summary line of an ingestion that ran.
fn logs_line(report: &LogsReport) -> String {
    super::logs::summary(report)
}

/// JUnit cases of a verification that ran: one per backup file, grouped by
/// set through their class name.
fn verify_cases(report: &VerifyReport) -> Vec<Case> {
    super::verify::junit_suites(report)
        .into_iter()
        .flat_map(|suite| suite.cases)
        .collect()
}

/// JUnit cases of an ingestion that ran: one per log file, failed by its
/// recent malformed lines and damage, and one per day with alerts.
fn logs_cases(report: &LogsReport, tz: chrono_tz::Tz) -> Vec<Case> {
    let diagnostics = report.diagnostics();
    let mut cases: Vec<Case> = report
        .files
        .iter()
        .map(|f| {
            let problems: Vec<String> = diagnostics
                .iter()
                .filter(|d| d.file == f.file && d.is_error())
                .map(|d| d.to_string())
                .collect();
            if problems.is_empty() {
                Case::passed(&f.file, None)
            } else {
                Case::failed(&f.file, plural(problems.len(), "problem"), problems.join("\n"))
            }
        })
        .collect();
    for day in &report.days {
        if day.alerts.is_empty() {
            continue;
        }
        let text: Vec<String> = day
            .alerts
            .iter()
            .map(|a| format!("{}: {}", a.rule, super::logs::describe(a, tz)))
            .collect();
        let name = format!("alerts {}", day.date);
        cases.push(if day.recent {
            Case::failed(name, plural(text.len(), "alert"), text.join("\n"))
        } else {
            Case::passed(name, Some(text.join("\n")))
        });
    }
    cases
}

// ---------------------------------------------------------------------------

/// Obligations and SLAs held against the notes.
fn contract_stage(session: &Session, checked: &Checked) -> ContractReport {
    contract::analyse(
        &session.project,
        &checked.schedules,
        &checked.notes,
        &session.clock,
    )
}

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

/// Builds the client's portal from what the other stages found. Where the
/// verification did not run, the portal shows the last one on record, as
/// `opsbook build` does.
fn build_stage(
    ctx: &Context,
    session: &Session,
    checked: &Checked,
    git: &GitHistory,
    contract: &ContractReport,
    verify: &Stage<VerifyReport>,
    logs: &Stage<LogsReport>,
) -> Stage<BuildSection> {
    let mut warnings = Vec::new();
    let on_record = match verify {
        Stage::Ran { .. } => None,
        _ => build::last_verification(&session.project, &mut warnings),
    };
    let history = build::verification_history(&session.project, &mut warnings);
    ctx.print_diagnostics(&warnings);
    let analyses = Analyses {
        contract,
        verify: match verify {
            Stage::Ran { report, .. } => Some(report),
            _ => on_record.as_ref(),
        },
        history: &history,
        logs: match logs {
            Stage::Ran { report, .. } => Some(report),
            _ => None,
        },
    };
    match build::portal(session, checked, git, analyses, Audience::Client, None) {
        Ok(site) => Stage::Ran {
            ok: true,
            report: BuildSection {
                ok: true,
                out: session.project.rel(&site.out),
                files: site.files,
                written: site.written,
                removed: site.removed,
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

/// The readable summary printed at the end of the run.
fn summary_text(s: &Summary, checked: &Checked, session: &Session) -> String {
    use std::fmt::Write;
    const SHOWN: usize = 20;
    let tz = session.project.tz();
    let mut t = format!(
        "\nopsbook nightly at {} ({})\n",
        session.clock.now().with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        tz.name()
    );
    if let Some(p) = s.obligations.service_period.filter(|p| p.ended) {
        let _ = writeln!(
            t,
            "the service period ended on {}: the portal and the SLA figures are as of its end",
            p.end
        );
    }

    let totals = s
        .obligations
        .obligations
        .iter()
        .fold(Counts::default(), |a, o| Counts {
            met: a.met + o.counts.met,
            missed: a.missed + o.counts.missed,
            pending: a.pending + o.counts.pending,
        });
    let decided: usize = s
        .sla
        .rules
        .iter()
        .map(|r| r.compliance.met + r.compliance.breached)
        .sum();
    let sla_fails = !s.sla.ok && s.strict;
    let rows = [
        Row::new("check", s.check.ok, checked.summary()),
        Row::of_stage("logs", &s.logs, logs_line),
        Row::of_stage("verify", &s.verify, verify_line),
        Row::new(
            "obligations",
            s.obligations.ok,
            match s.obligations.service_period {
                Some(p) => format!(
                    "{} obligations over {} to {}: {} periods met, {} missed, {} pending",
                    s.obligations.obligations.len(),
                    p.start,
                    p.end,
                    totals.met,
                    totals.missed,
                    totals.pending
                ),
                None => "not counted: opsbook.toml sets no [project] start and end".into(),
            },
        ),
        Row {
            status: match (s.sla.ok, sla_fails) {
                (true, _) => "ok",
                (false, false) => "breached",
                (false, true) => "PROBLEMS",
            },
            ..Row::new(
                "sla",
                !sla_fails,
                format!(
                    "{} breaches in {decided} decided outcomes{}",
                    s.sla.breaches.len(),
                    if s.sla.ok || s.strict {
                        ""
                    } else {
                        " (with --strict they fail the run)"
                    }
                ),
            )
        },
        Row::of_stage("build", &s.build, |b| {
            format!("{} ({} files, {} written)", b.out, b.files, b.written)
        }),
    ];
    for r in &rows {
        let _ = writeln!(t, "  {:<12} {:<13} {}", r.stage, r.status, r.detail);
    }

    if !s.obligations.missed.is_empty() {
        t.push_str("\nmissed obligations:\n");
        let mut by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for m in &s.obligations.missed {
            by_name.entry(&m.name).or_default().push(m.period.to_string());
        }
        for (name, periods) in by_name {
            let more = periods.len().saturating_sub(SHOWN);
            let shown = periods.into_iter().take(SHOWN).collect::<Vec<_>>().join(", ");
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let _ = writeln!(t, "  {name}: {shown}{tail}");
        }
    }
    if !s.sla.breaches.is_empty() {
        t.push_str("\nSLA breaches:\n");
        for b in s.sla.breaches.iter().take(SHOWN) {
            let _ = writeln!(
                t,
                "  {} {}: {} against {} ({})",
                b.id, b.rule, b.actual, b.limit, b.file
            );
        }
        if s.sla.breaches.len() > SHOWN {
            let _ = writeln!(t, "  and {} more", s.sla.breaches.len() - SHOWN);
        }
    }
    let failing: Vec<&str> = rows.iter().filter(|r| !r.ok).map(|r| r.stage).collect();
    if failing.is_empty() {
        t.push_str("\nall well\n");
    } else {
        let _ = writeln!(t, "\nneeds attention: {}", failing.join(", "));
    }
    t
}

/// One stage's line of the summary.
struct Row {
    stage: &'static str,
    ok: bool,
    status: &'static str,
    detail: String,
}

impl Row {
    fn new(stage: &'static str, ok: bool, detail: String) -> Row {
        Row {
            stage,
            ok,
            status: if ok { "ok" } else { "PROBLEMS" },
            detail,
        }
    }

    fn of_stage<T>(stage: &'static str, result: &Stage<T>, ran: impl Fn(&T) -> String) -> Row {
        match result {
            Stage::Ran { ok, report } => Row::new(stage, *ok, ran(report)),
            Stage::Skipped(why) => Row {
                stage,
                ok: true,
                status: "skipped",
                detail: why.clone(),
            },
            Stage::Failed(why) => Row {
                stage,
                ok: false,
                status: "COULD NOT RUN",
                detail: why.clone(),
            },
        }
    }
}

/// One JUnit test suite per stage.
fn junit_suites(s: &Summary, tz: chrono_tz::Tz) -> Vec<Suite> {
    let suite = |name: &str, cases: Vec<Case>| Suite {
        name: name.into(),
        timestamp: Some(s.started_at.clone()),
        cases,
    };
    vec![
        suite("check", check_cases(&s.check)),
        suite("logs", stage_cases("logs", &s.logs, |r| logs_cases(r, tz))),
        suite("verify", stage_cases("verify", &s.verify, verify_cases)),
        suite("obligations", obligation_cases(&s.obligations)),
        suite("sla", sla_cases(&s.sla, s.strict)),
        suite(
            "build",
            stage_cases("portal", &s.build, |b| {
                vec![Case::passed(
                    "portal",
                    Some(format!("{} files, {} written, in {}", b.files, b.written, b.out)),
                )]
            }),
        ),
    ]
}

fn stage_cases<T>(name: &str, stage: &Stage<T>, ran: impl Fn(&T) -> Vec<Case>) -> Vec<Case> {
    match stage {
        Stage::Ran { report, .. } => ran(report),
        Stage::Skipped(why) => vec![Case::new(name, CaseResult::Skipped(why.clone()))],
        Stage::Failed(why) => vec![Case::new(name, CaseResult::Error(why.clone()))],
    }
}

/// One case per file with problems; one passing case when there are none.
fn check_cases(check: &CheckReport) -> Vec<Case> {
    if check.problems.is_empty() {
        return vec![Case::passed(
            "notes",
            Some(format!("{} notes checked", check.notes)),
        )];
    }
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &check.problems {
        by_file.entry(&d.file).or_default().push(d);
    }
    by_file
        .into_iter()
        .map(|(file, diags)| {
            let details = diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n");
            let errors = diags.iter().filter(|d| d.is_error()).count();
            if errors > 0 {
                let message = format!("{errors} error(s), {} warning(s)", diags.len() - errors);
                Case::failed(file, message, details)
            } else {
                Case::passed(file, Some(details))
            }
        })
        .collect()
}

fn obligation_cases(o: &ObligationsSection) -> Vec<Case> {
    o.obligations
        .iter()
        .map(|ob| {
            let counts = format!(
                "{} met, {} missed, {} pending",
                ob.counts.met, ob.counts.missed, ob.counts.pending
            );
            if ob.counts.missed == 0 {
                Case::passed(&ob.name, Some(counts))
            } else {
                let periods: Vec<String> = o
                    .missed
                    .iter()
                    .filter(|m| m.name == ob.name)
                    .map(|m| m.period.to_string())
                    .collect();
                Case::failed(
                    &ob.name,
                    format!("{} period(s) missed", ob.counts.missed),
                    format!("{counts}\nmissed: {}", periods.join(", ")),
                )
            }
        })
        .collect()
}

/// One case per rule; breaches fail it only with `--strict`.
fn sla_cases(sla: &SlaSection, strict: bool) -> Vec<Case> {
    Rule::ALL
        .iter()
        .map(|rule| {
            let breaches: Vec<String> = sla
                .breaches
                .iter()
                .filter(|b| b.rule == *rule)
                .map(|b| format!("{}: {} against {} ({})", b.id, b.actual, b.limit, b.file))
                .collect();
            match (breaches.is_empty(), strict) {
                (true, _) => Case::passed(rule.name(), None),
                (false, true) => Case::failed(
                    rule.name(),
                    format!("{} breach(es)", breaches.len()),
                    breaches.join("\n"),
                ),
                (false, false) => Case::passed(
                    rule.name(),
                    Some(format!(
                        "{} breach(es), not failing without --strict:\n{}",
                        breaches.len(),
                        breaches.join("\n")
                    )),
                ),
            }
        })
        .collect()
}
