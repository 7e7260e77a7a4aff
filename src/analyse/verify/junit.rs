//! The report as JUnit XML (`--junit FILE`), so GitLab and Jenkins list
//! each backup file as a test: one `<testsuite>` per set, one `<testcase>`
//! per file, a `<failure>` per error-severity problem (its kind as `type`,
//! its detail as the text), `<skipped>` for files sampling left out this
//! run or whose test could not run here, and warnings in `<system-out>`.
//! Problems of the whole set are the testcase named `(set)`.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::DateTime;

use super::report::{Problem, Restore, VerifyReport};

/// The testcase of problems that name no file.
pub const SET_CASE: &str = "(set)";

/// Renders `report` as a JUnit XML document.
pub fn render(report: &VerifyReport) -> String {
    let seconds = match (
        DateTime::parse_from_rfc3339(&report.started_at),
        DateTime::parse_from_rfc3339(&report.finished_at),
    ) {
        (Ok(a), Ok(b)) => (b - a).num_milliseconds().max(0) as f64 / 1000.0,
        _ => 0.0,
    };
    let s = suites(report);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"opsbook verify\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{seconds:.3}\">\n{}</testsuites>\n",
        s.tests, s.failures, s.skipped, s.xml
    )
}

/// The `<testsuite>` elements of a report with their counts, for a caller
/// that puts them into a document of its own (`opsbook nightly --junit`).
pub struct Suites {
    pub xml: String,
    pub tests: usize,
    pub failures: usize,
    pub skipped: usize,
}

pub fn suites(report: &VerifyReport) -> Suites {
    let mut suites = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for set in &report.sets {
        // Every file, and every path a problem names, each once, in order.
        let mut cases: BTreeMap<&str, Case> = BTreeMap::new();
        cases.entry(SET_CASE).or_default();
        for r in &set.records {
            let case = cases.entry(r.path.as_str()).or_default();
            if !r.checked {
                case.skipped = Some(match set.sample {
                    Some(s) => format!("not read this run (sampling {s})"),
                    None => "not read this run".to_string(),
                });
            } else if let Some(Restore::Skipped { reason }) = &r.restore {
                case.skipped = Some(reason.clone());
            }
        }
        for p in &set.problems {
            let name = if p.path.is_empty() {
                SET_CASE
            } else {
                p.path.as_str()
            };
            cases.entry(name).or_default().problems.push(p);
        }
        let mut body = String::new();
        let (mut set_failures, mut set_skipped) = (0, 0);
        for (name, case) in &cases {
            let errors: Vec<&&Problem> = case.problems.iter().filter(|p| p.is_error()).collect();
            let warnings: Vec<&&Problem> = case.problems.iter().filter(|p| !p.is_error()).collect();
            let _ = write!(
                body,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&format!("backups.{}", set.name)),
                escape(name)
            );
            if errors.is_empty() && warnings.is_empty() && case.skipped.is_none() {
                body.push_str("/>\n");
                continue;
            }
            body.push_str(">\n");
            for p in &errors {
                let _ = writeln!(
                    body,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    p.kind,
                    escape(&first_line(&p.detail)),
                    escape(&p.detail)
                );
            }
            if !errors.is_empty() {
                set_failures += 1;
            } else if let Some(why) = &case.skipped {
                let _ = writeln!(body, "      <skipped message=\"{}\"/>", escape(why));
                set_skipped += 1;
            }
            if !warnings.is_empty() {
                let text: Vec<String> = warnings
                    .iter()
                    .map(|p| format!("warning: {}: {}", p.kind, p.detail))
                    .collect();
                let _ = writeln!(
                    body,
                    "      <system-out>{}</system-out>",
                    escape(&text.join("\n"))
                );
            }
            body.push_str("    </testcase>\n");
        }
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{set_failures}\" errors=\"0\" skipped=\"{set_skipped}\" timestamp=\"{}\">",
            escape(&set.name),
            cases.len(),
            escape(&report.started_at)
        );
        suites.push_str(&body);
        suites.push_str("  </testsuite>\n");
        tests += cases.len();
        failures += set_failures;
        skipped += set_skipped;
    }
    Suites {
        xml: suites,
        tests,
        failures,
        skipped,
    }
}

#[derive(Default)]
struct Case<'a> {
    problems: Vec<&'a Problem>,
    skipped: Option<String>,
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

/// Text for an XML attribute or element: markup escaped, and characters
/// XML 1.0 cannot hold at all replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}");
    }
}
