//! The nightly run as the text a person reads at the end of CI's log, read
//! off the finished [`Summary`] (its JUnit form is [`super::junit`]).

use std::collections::BTreeMap;

use super::{LogsReport, Stage, Summary, VerifyReport};
use crate::analyse::contract::obligations::Counts;
use crate::commands::{Exit, plural};

/// Lists in the summary show this many entries, then say how many more.
const SHOWN: usize = 20;

/// How a stage ended, in the summary's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Ran, and found nothing that needs a person.
    Passed,
    /// Found something that is shown but does not fail the run (SLA
    /// breaches without `--strict`).
    Warning,
    /// Did not run, and that is no problem (nothing configured).
    Skipped,
    /// Found problems: the run exits 1.
    Failed,
    /// Could not run at all.
    CouldNotRun,
}

impl Status {
    /// The word in a stage's row; one case and style for all.
    fn word(self) -> &'static str {
        match self {
            Status::Passed => "ok",
            Status::Warning => "warning",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
            Status::CouldNotRun => "could not run",
        }
    }

    /// The heading of the stages in this state, in the closing lines.
    fn heading(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Warning => "warnings",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
            Status::CouldNotRun => "could not run",
        }
    }

    fn needs_a_person(self) -> bool {
        matches!(self, Status::Failed | Status::CouldNotRun)
    }
}

/// One stage's line of the summary.
struct Row {
    stage: &'static str,
    status: Status,
    detail: String,
}

impl Row {
    fn new(stage: &'static str, ok: bool, detail: String) -> Row {
        let status = if ok { Status::Passed } else { Status::Failed };
        Row {
            stage,
            status,
            detail,
        }
    }

    fn of_stage<T>(stage: &'static str, result: &Stage<T>, ran: impl Fn(&T) -> String) -> Row {
        match result {
            Stage::Ran { ok, report } => Row::new(stage, *ok, ran(report)),
            Stage::Skipped(why) => Row {
                stage,
                status: Status::Skipped,
                detail: why.clone(),
            },
            Stage::Failed(why) => Row {
                stage,
                status: Status::CouldNotRun,
                detail: why.clone(),
            },
        }
    }
}

/// The summary printed at the end of the run: a line per stage, the lists
/// behind the stages that did not pass, which passed and which did not, and
/// the verdict with the run's wall time. With `quiet`, only what needs a
/// person: the rows and lists of the stages that failed, and the verdict
/// (nothing at all when the run is clean).
pub(super) fn text(s: &Summary, check_line: &str, tz: chrono_tz::Tz, quiet: bool) -> String {
    use std::fmt::Write;
    let rows = rows(s, check_line);
    let needs_a_person = rows.iter().any(|r| r.status.needs_a_person());
    if quiet && !needs_a_person {
        return String::new();
    }
    let failed = |stage: &str| rows.iter().any(|r| r.stage == stage && r.status.needs_a_person());

    let mut t = String::new();
    if !quiet {
        let now = chrono::DateTime::parse_from_rfc3339(&s.now)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|_| s.now.clone());
        let _ = writeln!(t, "opsbook nightly at {now} ({})", tz.name());
        if let Some(p) = s.obligations.service_period.filter(|p| p.ended) {
            let _ = writeln!(
                t,
                "the service period ended on {}: the portal and the SLA figures are as of its end",
                p.end
            );
        }
    }
    for r in rows.iter().filter(|r| !quiet || r.status.needs_a_person()) {
        let _ = writeln!(t, "  {:<12} {:<14} {}", r.stage, r.status.word(), r.detail);
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
    if !s.sla.breaches.is_empty() && (!quiet || failed("sla")) {
        let _ = writeln!(
            t,
            "\nSLA breaches{}:",
            if s.strict {
                ""
            } else {
                " (with --strict they fail the run)"
            }
        );
        let lines = s.sla.breaches.iter().map(|b| {
            format!(
                "{} {}: {} against {} ({})",
                b.id, b.rule, b.actual, b.limit, b.file
            )
        });
        list(&mut t, lines);
    }
    if let Stage::Ran { report: b, .. } = &s.build
        && !b.corrections.is_empty()
        && (!quiet || failed("check"))
    {
        t.push_str("\nshown in the client's portal as being corrected (fix them and build again):\n");
        let lines = b.corrections.iter().map(|c| {
            let judged = if c.typed {
                "judged as written"
            } else {
                "could not be read, not judged"
            };
            format!("{} ({judged}): {}", c.id, c.path)
        });
        list(&mut t, lines);
    }
    if !quiet {
        let lines: Vec<String> = s
            .check
            .problems
            .iter()
            .filter(|d| {
                d.code
                    .is_some_and(crate::analyse::check::evidence::is_contradiction)
            })
            .map(|d| format!("{}: {}", d.place(), d.message))
            .collect();
        if !lines.is_empty() {
            t.push_str(
                "
inspections that disagree with the machines' evidence:
",
            );
            list(&mut t, lines.into_iter());
        }
    }
    if let Stage::Ran { ok: false, report } = &s.logs {
        let lines: Vec<String> = report
            .alerts()
            .filter(|(day, _)| day.recent)
            .map(|(day, a)| crate::commands::logs::alert_line(day, a, tz))
            .collect();
        if !lines.is_empty() {
            t.push_str("\nlog alerts:\n");
            list(&mut t, lines.into_iter());
        }
    }

    t.push('\n');
    if !quiet {
        let groups: Vec<String> = [
            Status::Passed,
            Status::Skipped,
            Status::Warning,
            Status::Failed,
            Status::CouldNotRun,
        ]
        .into_iter()
        .filter_map(|status| {
            let stages: Vec<&str> = rows
                .iter()
                .filter(|r| r.status == status)
                .map(|r| r.stage)
                .collect();
            (!stages.is_empty()).then(|| format!("{}: {}", status.heading(), stages.join(", ")))
        })
        .collect();
        let _ = writeln!(t, "{}", groups.join("; "));
    }
    let verdict = match s.exit() {
        Exit::CouldNotRun => "needs attention (exit 2: a stage could not run)",
        Exit::Problems => "needs attention (exit 1)",
        Exit::Clean if rows.iter().any(|r| r.status == Status::Warning) => "passed with warnings (exit 0)",
        Exit::Clean => "all well (exit 0)",
    };
    let took = crate::render::junit::seconds_between(&s.started_at, &s.finished_at)
        .map(|secs| format!(", took {}", took(secs)))
        .unwrap_or_default();
    let _ = writeln!(t, "{verdict}{took}");
    t
}

/// Writes up to [`SHOWN`] lines, indented, then how many more there are.
fn list(t: &mut String, lines: impl Iterator<Item = String>) {
    let mut n = 0;
    for line in lines {
        if n < SHOWN {
            t.push_str("  ");
            t.push_str(&line);
            t.push('\n');
        }
        n += 1;
    }
    if n > SHOWN {
        t.push_str(&format!("  and {} more\n", n - SHOWN));
    }
}

/// `0.42 s`, `12.3 s`, `3 min 05 s`.
fn took(seconds: f64) -> String {
    if seconds < 10.0 {
        format!("{seconds:.2} s")
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

/// A row per stage, in the order they run.
fn rows(s: &Summary, check_line: &str) -> Vec<Row> {
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
    let sla = Row {
        status: match (s.sla.ok, s.strict) {
            (true, _) => Status::Passed,
            (false, false) => Status::Warning,
            (false, true) => Status::Failed,
        },
        ..Row::new(
            "sla",
            true,
            format!(
                "{} breach{} in {decided} decided outcomes",
                s.sla.breaches.len(),
                if s.sla.breaches.len() == 1 { "" } else { "es" }
            ),
        )
    };
    vec![
        Row::new("check", s.check.ok, check_line.to_string()),
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
        sla,
        Row::of_stage("build", &s.build, |b| {
            let corrections = match b.corrections.len() {
                0 => String::new(),
                n => format!("; {} being corrected", plural(n, "record")),
            };
            format!(
                "{} ({} files, {} written{corrections})",
                b.out, b.files, b.written
            )
        }),
    ]
    .into_iter()
    .chain(s.archive.as_ref().map(|stage| {
        Row::of_stage("archive", stage, |a| {
            format!(
                "{}: {} ({} bytes, digest {})",
                a.period, a.file, a.bytes, a.digest
            )
        })
    }))
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
