//! `opsbook logs`: ingest structured logs and print the daily aggregates.
//!
//! Exit codes: 0 when nothing recent needs a person; 1 when the run found
//! malformed lines or damaged files in a log written within `[logs] recent`,
//! or alerts on a day within it (older ones are listed as warnings: they are
//! history); 2 when it could not run.

use std::fmt::Write as _;

use chrono_tz::Tz;

use super::progress::Bar;
use super::session::Session;
use super::{Context, Exit, Fatal, write_output};
use crate::analyse::logs::report::{Alert, DayReport};
use crate::analyse::logs::{self, LogReport, ReadKind};
use crate::size::human_bytes;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--json FILE|-`.
    pub json: Option<String>,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let session = Session::open(ctx)?;
    session.warn_if_backdated(ctx);
    let bar = Bar::new(ctx.progress, "reading logs");
    let report = logs::ingest(&session.project, &session.clock, &bar).map_err(|e| Fatal::Other(e.into()))?;
    drop(bar);
    ctx.print_diagnostics(&report.diagnostics());
    if let Some(target) = &opts.json {
        let mut text = serde_json::to_string_pretty(&report).map_err(|e| Fatal::Other(e.into()))?;
        text.push('\n');
        write_output(target, &text)?;
    }
    // With the JSON on stdout, nothing else may go there.
    let json_on_stdout = opts.json.as_deref() == Some("-");
    let tz = session.project.tz();
    if ctx.quiet {
        // Problems only: malformed lines and damaged files are printed above
        // as errors; the alerts that fail the run are listed here.
        let failing: Vec<String> = report
            .alerts()
            .filter(|(day, _)| day.recent)
            .map(|(day, a)| format!("  {}\n", alert_line(day, a, tz)))
            .collect();
        if !failing.is_empty() {
            let text = format!("alerts:\n{}", failing.concat());
            if json_on_stdout {
                eprint!("{text}");
            } else {
                print!("{text}");
            }
        }
    } else if !json_on_stdout {
        print!("{}", table(&report, tz));
        println!("{}", summary(&report));
    }
    Ok(Exit::from_problems(!report.ok))
}

/// The days as a table, then their alerts and most frequent errors.
fn table(report: &LogReport, tz: Tz) -> String {
    let mut out = String::new();
    if report.days.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "{:<10}  {:>8}  {:>6}  {:>8}  {:>13}  {:>15}  {:>7}  {:>6}",
        "date", "lines", "errors", "warnings", "failed logins", "exchange failed", "pending", "alerts"
    );
    for d in &report.days {
        let _ = writeln!(
            out,
            "{:<10}  {:>8}  {:>6}  {:>8}  {:>13}  {:>15}  {:>7}  {:>6}",
            d.date.to_string(),
            d.lines,
            d.errors,
            d.warnings,
            d.failed_logins,
            d.exchange_failed,
            d.exchange_pending,
            d.alerts.len()
        );
    }
    let alerts: Vec<_> = report.alerts().collect();
    if !alerts.is_empty() {
        let _ = writeln!(out, "\nalerts:");
        for (day, a) in alerts {
            let _ = writeln!(out, "  {}", alert_line(day, a, tz));
        }
    }
    let errors: Vec<_> = report
        .days
        .iter()
        .flat_map(|d| d.top_errors.iter().take(3).map(move |e| (d, e)))
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\nmost frequent errors:");
        for (day, e) in errors {
            let service = if e.service.is_empty() { "-" } else { &e.service };
            let _ = writeln!(out, "  {}  {:>6}×  {}: {}", day.date, e.count, service, e.pattern);
        }
    }
    out.push('\n');
    out
}

/// An alert of a day, as the table and the nightly summary list it:
/// `2025-12-30  disk              db-01: 88.1% (limit 85%) at 2025-12-30 14:30`.
pub fn alert_line(day: &DayReport, a: &Alert, tz: Tz) -> String {
    format!("{}  {:<16}  {}", day.date, a.rule, describe(a, tz))
}

/// One alert in a line: `db-01: 91.5% (limit 85%) at 2025-12-03 14:05`.
pub fn describe(a: &Alert, tz: Tz) -> String {
    let subject = if a.subject.is_empty() { "-" } else { &a.subject };
    let mut text = match (&a.value, &a.limit) {
        (Some(v), Some(l)) => format!("{subject}: {v} (limit {l})"),
        _ => format!(
            "{subject}: {} time{}",
            a.count,
            if a.count == 1 { "" } else { "s" }
        ),
    };
    if let Some(at) = a.at {
        let _ = write!(text, " at {}", at.display_in(tz));
    }
    text
}

/// One line about a run, for `opsbook logs` and the nightly summary:
/// `6 log files (4 unchanged, 1 appended, 1 read whole): 12345 lines, 1.2 MiB read; 3 malformed lines, 2 alerts`.
pub fn summary(r: &LogReport) -> String {
    let count = |kind| r.files.iter().filter(|f| f.read == kind).count();
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut how = Vec::new();
    for (kind, word) in [
        (ReadKind::Cached, "unchanged"),
        (ReadKind::Appended, "appended"),
        (ReadKind::Whole, "read whole"),
        (ReadKind::Failed, "unreadable"),
    ] {
        let n = count(kind);
        if n > 0 {
            how.push(format!("{n} {word}"));
        }
    }
    let mut line = plural(r.files.len() as u64, "log file");
    if !how.is_empty() {
        line.push_str(&format!(" ({})", how.join(", ")));
    }
    line.push_str(&format!(
        ": {}, {} read",
        plural(r.lines, "line"),
        human_bytes(r.bytes_read)
    ));
    let alerts = r.alerts().count() as u64;
    line.push_str(&format!(
        "; {}, {}",
        plural(r.malformed_count, "malformed line"),
        plural(alerts, "alert")
    ));
    if !r.problems.is_empty() {
        line.push_str(&format!(
            ", {}",
            plural(r.problems.len() as u64, "unreadable or damaged file")
        ));
    }
    line
}
