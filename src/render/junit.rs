//! JUnit XML, the format CI systems (GitLab, Jenkins, GitHub Actions through
//! test-report actions) show as test results. Commands describe what they
//! checked as [`Suite`]s of [`Case`]s; this module only writes the XML.

use std::fmt::Write;

/// A group of cases: a backup set, or a stage of the nightly run.
#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    /// When the run started (RFC 3339), if known.
    pub timestamp: Option<String>,
    pub cases: Vec<Case>,
}

/// One thing checked, and how it went.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's class, shown as its group (`backups.oa-db`); the suite's
    /// name when `None`.
    pub classname: Option<String>,
    pub name: String,
    pub result: CaseResult,
    /// Text shown beside the result (`<system-out>`): warnings, counts.
    pub output: Option<String>,
}

#[derive(Debug, Clone)]
pub enum CaseResult {
    Passed,
    /// Found problems, one `<failure>` each.
    Failed(Vec<Failure>),
    /// Did not run, and that is expected (sampled out, not configured).
    Skipped(String),
    /// Could not run.
    Error(String),
}

#[derive(Debug, Clone)]
pub struct Failure {
    /// The problem's kind (`truncated`), as the failure's `type`.
    pub kind: Option<String>,
    /// One line.
    pub message: String,
    pub details: String,
}

impl Case {
    pub fn new(name: impl Into<String>, result: CaseResult) -> Case {
        Case {
            classname: None,
            name: name.into(),
            result,
            output: None,
        }
    }

    pub fn passed(name: impl Into<String>, output: Option<String>) -> Case {
        Case {
            output,
            ..Case::new(name, CaseResult::Passed)
        }
    }

    /// A case failed by one problem.
    pub fn failed(name: impl Into<String>, message: impl Into<String>, details: impl Into<String>) -> Case {
        Case::new(
            name,
            CaseResult::Failed(vec![Failure {
                kind: None,
                message: message.into(),
                details: details.into(),
            }]),
        )
    }

    pub fn with_output(mut self, output: impl Into<String>) -> Case {
        self.output = Some(output.into());
        self
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn of(cases: &[Case]) -> Counts {
        let mut c = Counts {
            tests: cases.len(),
            ..Counts::default()
        };
        for case in cases {
            match case.result {
                CaseResult::Passed => {}
                CaseResult::Failed(_) => c.failures += 1,
                CaseResult::Skipped(_) => c.skipped += 1,
                CaseResult::Error(_) => c.errors += 1,
            }
        }
        c
    }

    fn add(self, o: Counts) -> Counts {
        Counts {
            tests: self.tests + o.tests,
            failures: self.failures + o.failures,
            errors: self.errors + o.errors,
            skipped: self.skipped + o.skipped,
        }
    }

    fn attributes(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
            self.tests, self.failures, self.errors, self.skipped
        )
    }
}

/// Seconds from one RFC 3339 time to another, for a run's `time`.
pub fn seconds_between(start: &str, end: &str) -> Option<f64> {
    let start = chrono::DateTime::parse_from_rfc3339(start).ok()?;
    let end = chrono::DateTime::parse_from_rfc3339(end).ok()?;
    Some((end - start).num_milliseconds().max(0) as f64 / 1000.0)
}

/// The XML document of a whole run; `seconds` is its duration, if known.
pub fn to_xml(run_name: &str, suites: &[Suite], seconds: Option<f64>) -> String {
    let total = suites
        .iter()
        .fold(Counts::default(), |acc, s| acc.add(Counts::of(&s.cases)));
    let time = seconds.map(|s| format!(" time=\"{s:.3}\"")).unwrap_or_default();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" {}{time}>",
        escape(run_name),
        total.attributes()
    );
    for suite in suites {
        let timestamp = suite
            .timestamp
            .as_ref()
            .map(|t| format!(" timestamp=\"{}\"", escape(t)))
            .unwrap_or_default();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" {}{timestamp}>",
            escape(&suite.name),
            Counts::of(&suite.cases).attributes()
        );
        for case in &suite.cases {
            write_case(&mut x, suite, case);
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

fn write_case(x: &mut String, suite: &Suite, case: &Case) {
    let classname = case.classname.as_deref().unwrap_or(&suite.name);
    let _ = write!(
        x,
        "    <testcase classname=\"{}\" name=\"{}\"",
        escape(classname),
        escape(&case.name)
    );
    if matches!(case.result, CaseResult::Passed) && case.output.is_none() {
        x.push_str("/>\n");
        return;
    }
    x.push_str(">\n");
    match &case.result {
        CaseResult::Passed => {}
        CaseResult::Failed(failures) => {
            for f in failures {
                let kind = f
                    .kind
                    .as_ref()
                    .map(|k| format!(" type=\"{}\"", escape(k)))
                    .unwrap_or_default();
                let _ = writeln!(
                    x,
                    "      <failure{kind} message=\"{}\">{}</failure>",
                    escape(&f.message),
                    escape(&f.details)
                );
            }
        }
        CaseResult::Skipped(why) => {
            let _ = writeln!(x, "      <skipped message=\"{}\"/>", escape(why));
        }
        CaseResult::Error(why) => {
            let _ = writeln!(x, "      <error message=\"{}\"/>", escape(why));
        }
    }
    if let Some(out) = &case.output {
        let _ = writeln!(x, "      <system-out>{}</system-out>", escape(out));
    }
    x.push_str("    </testcase>\n");
}

/// Text for an XML attribute or element: markup escaped, and characters XML
/// 1.0 cannot hold (control characters from a damaged note) replaced.
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
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_escapes_and_output() {
        let xml = to_xml(
            "opsbook nightly",
            &[
                Suite {
                    name: "check".into(),
                    timestamp: Some("2025-11-03T02:00:00+08:00".into()),
                    cases: vec![
                        Case::passed("content/a.md", None),
                        Case::failed("content/b.md", "1 error", "id `<x>` & \u{1} \"bad\"")
                            .with_output("warning: w"),
                    ],
                },
                Suite {
                    name: "verify".into(),
                    timestamp: None,
                    cases: vec![Case::new("verify", CaseResult::Skipped("not configured".into()))],
                },
            ],
            Some(1.5),
        );
        assert!(
            xml.contains("<testsuites name=\"opsbook nightly\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"1.500\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"check\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" timestamp=\"2025-11-03T02:00:00+08:00\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<testcase classname=\"check\" name=\"content/a.md\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("id `&lt;x&gt;` &amp; \u{fffd} &quot;bad&quot;"),
            "{xml}"
        );
        assert!(xml.contains("<system-out>warning: w</system-out>"), "{xml}");
        assert!(xml.contains("<skipped message=\"not configured\"/>"), "{xml}");
    }
}
