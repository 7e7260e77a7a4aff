//! The nightly run told twice: as the text a person reads at the end of
//! CI's log, and as JUnit XML that CI shows as test results. Both are read
//! off the finished [`Summary`]; nothing here runs a stage.

use std::collections::BTreeMap;

use super::{LogsReport, ObligationsSection, SlaSection, Stage, Summary, VerifyReport};
use crate::analyse::contract::obligations::Counts;
use crate::analyse::contract::sla::Rule;
use crate::commands::plural;
use crate::commands::session::{Checked, Session};
use crate::diag::Diagnostic;
use crate::render::junit::{Case, CaseResult, Suite};
use crate::report::CheckReport;

/// The readable summary printed at the end of the run.
pub(super) fn summary_text(s: &Summary, checked: &Checked, session: &Session) -> String {
    use std::fmt::Write;
    const SHOWN: usize = 20;
    let tz = session.project.tz();
    let mut t = format!(
        "\nopsbook nightly at {} ({})\n",
        session.clock.now().with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        tz.name()
    );

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
pub(super) fn junit_suites(s: &Summary, tz: chrono_tz::Tz) -> Vec<Suite> {
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
    crate::commands::logs::summary(report)
}

/// JUnit cases of a verification that ran: one per backup file, grouped by
/// set through their class name.
fn verify_cases(report: &VerifyReport) -> Vec<Case> {
    crate::commands::verify::junit_suites(report)
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
            .map(|a| format!("{}: {}", a.rule, crate::commands::logs::describe(a, tz)))
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
