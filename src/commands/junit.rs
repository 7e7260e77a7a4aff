//! JUnit XML reports, the format CI systems (GitLab, GitHub Actions through
//! test-report actions, Jenkins) show as test results: one `<testsuite>` per
//! stage of a run, one `<testcase>` per thing checked.

use std::fmt::Write;

/// One stage of a run.
#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub cases: Vec<Case>,
}

/// One thing checked, and how it went.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub result: CaseResult,
}

#[derive(Debug, Clone)]
pub enum CaseResult {
    /// Passed; the text (if any) is shown as its output.
    Passed(Option<String>),
    /// Found problems: a one-line message and the details.
    Failed { message: String, details: String },
    /// Did not run, and that is expected (not part of this build, nothing to do).
    Skipped(String),
    /// Could not run.
    Error(String),
}

impl Case {
    pub fn new(name: impl Into<String>, result: CaseResult) -> Case {
        Case {
            name: name.into(),
            result,
        }
    }
}

/// The XML of a whole run.
pub fn to_xml(run_name: &str, suites: &[Suite]) -> String {
    let count =
        |suite: &Suite, want: fn(&CaseResult) -> bool| suite.cases.iter().filter(|c| want(&c.result)).count();
    let failed = |r: &CaseResult| matches!(r, CaseResult::Failed { .. });
    let skipped = |r: &CaseResult| matches!(r, CaseResult::Skipped(_));
    let errored = |r: &CaseResult| matches!(r, CaseResult::Error(_));
    let total = |want: fn(&CaseResult) -> bool| suites.iter().map(|s| count(s, want)).sum::<usize>();

    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        escape(run_name),
        suites.iter().map(|s| s.cases.len()).sum::<usize>(),
        total(failed),
        total(errored),
        total(skipped),
    );
    for suite in suites {
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            escape(&suite.name),
            suite.cases.len(),
            count(suite, failed),
            count(suite, errored),
            count(suite, skipped),
        );
        for case in &suite.cases {
            let open = format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&suite.name),
                escape(&case.name)
            );
            match &case.result {
                CaseResult::Passed(None) => {
                    let _ = writeln!(x, "{open}/>");
                }
                CaseResult::Passed(Some(out)) => {
                    let _ = writeln!(
                        x,
                        "{open}>\n      <system-out>{}</system-out>\n    </testcase>",
                        escape(out)
                    );
                }
                CaseResult::Failed { message, details } => {
                    let _ = writeln!(
                        x,
                        "{open}>\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(message),
                        escape(details)
                    );
                }
                CaseResult::Skipped(why) => {
                    let _ = writeln!(
                        x,
                        "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(why)
                    );
                }
                CaseResult::Error(why) => {
                    let _ = writeln!(
                        x,
                        "{open}>\n      <error message=\"{}\"/>\n    </testcase>",
                        escape(why)
                    );
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
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
    fn counts_and_escapes() {
        let xml = to_xml(
            "opsbook nightly",
            &[
                Suite {
                    name: "check".into(),
                    cases: vec![
                        Case::new("content/a.md", CaseResult::Passed(None)),
                        Case::new(
                            "content/b.md",
                            CaseResult::Failed {
                                message: "1 error".into(),
                                details: "id `<x>` & \u{1} \"bad\"".into(),
                            },
                        ),
                    ],
                },
                Suite {
                    name: "verify".into(),
                    cases: vec![Case::new("verify", CaseResult::Skipped("not available".into()))],
                },
            ],
        );
        assert!(
            xml.contains(
                "<testsuites name=\"opsbook nightly\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\">"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"check\" tests=\"2\" failures=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("id `&lt;x&gt;` &amp; \u{fffd} &quot;bad&quot;"),
            "{xml}"
        );
        assert!(xml.contains("<skipped message=\"not available\"/>"), "{xml}");
    }
}
