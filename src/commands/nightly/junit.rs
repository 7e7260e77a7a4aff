//! The nightly run as JUnit XML, which CI shows as test results: one suite
//! per stage, read off the finished [`Summary`].

use std::collections::BTreeMap;

use super::{LogsReport, ObligationsSection, SlaSection, Stage, Summary, VerifyReport};
use crate::analyse::contract::sla::Rule;
use crate::commands::plural;
use crate::diag::Diagnostic;
use crate::render::junit::{Case, CaseResult, Suite};
use crate::report::CheckReport;

/// One JUnit test suite per stage.
pub(super) fn suites(s: &Summary, tz: chrono_tz::Tz) -> Vec<Suite> {
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
