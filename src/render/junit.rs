//! JUnit XML, the format CI systems (GitLab, Jenkins, GitHub Actions through
//! test-report actions) show as test results. Commands describe what they
//! checked as [`Suite`]s of [`Case`]s; this module hands them to
//! `quick-junit`, which writes the XML.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

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

/// Seconds from one RFC 3339 time to another, for a run's `time`.
pub fn seconds_between(start: &str, end: &str) -> Option<f64> {
    let start = chrono::DateTime::parse_from_rfc3339(start).ok()?;
    let end = chrono::DateTime::parse_from_rfc3339(end).ok()?;
    Some((end - start).num_milliseconds().max(0) as f64 / 1000.0)
}

/// The XML document of a whole run; `seconds` is its duration, if known.
/// `quick-junit` writes it: the counts, the escaping, and characters XML
/// cannot hold (control characters from a damaged note) left out.
pub fn to_xml(run_name: &str, suites: &[Suite], seconds: Option<f64>) -> String {
    let mut report = Report::new(run_name);
    if let Some(s) = seconds {
        report.set_time(Duration::from_secs_f64(s));
    }
    for suite in suites {
        let mut ts = TestSuite::new(suite.name.as_str());
        if let Some(t) = suite
            .timestamp
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        {
            ts.set_timestamp(t);
        }
        ts.add_test_cases(suite.cases.iter().map(|case| test_case(suite, case)));
        report.add_test_suite(ts);
    }
    // Writing into a String cannot fail: quick-junit's errors are the
    // writer's.
    report.to_string().unwrap_or_default()
}

fn test_case(suite: &Suite, case: &Case) -> TestCase {
    let status = match &case.result {
        CaseResult::Passed => TestCaseStatus::success(),
        // JUnit readers (GitLab, Jenkins) show one failure per case: several
        // problems of a file are one failure, the first one's message
        // heading the details of all, their kinds as its type.
        CaseResult::Failed(failures) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let message = match failures.as_slice() {
                [one] => one.message.clone(),
                many => format!(
                    "{} problems: {}",
                    many.len(),
                    many.first().map_or("", |f| f.message.as_str())
                ),
            };
            status.set_message(message);
            let kinds: Vec<&str> = failures.iter().filter_map(|f| f.kind.as_deref()).collect();
            if !kinds.is_empty() {
                status.set_type(kinds.join(", "));
            }
            let details: Vec<&str> = failures.iter().map(|f| f.details.as_str()).collect();
            status.set_description(details.join("\n"));
            status
        }
        CaseResult::Skipped(why) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(why.as_str());
            status
        }
        CaseResult::Error(why) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(why.as_str());
            status
        }
    };
    let mut tc = TestCase::new(case.name.as_str(), status);
    tc.set_classname(case.classname.as_deref().unwrap_or(&suite.name));
    if let Some(out) = &case.output {
        tc.set_system_out(out.as_str());
    }
    tc
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
                    cases: vec![
                        Case::new("verify", CaseResult::Skipped("not configured".into())),
                        Case {
                            classname: Some("backups.oa-db".into()),
                            ..Case::new(
                                "oa.sql.zst",
                                CaseResult::Failed(vec![
                                    Failure {
                                        kind: Some("truncated".into()),
                                        message: "ends early".into(),
                                        details: "ends at byte 7".into(),
                                    },
                                    Failure {
                                        kind: Some("changed".into()),
                                        message: "differs".into(),
                                        details: "digest abc".into(),
                                    },
                                ]),
                            )
                        },
                        Case::new("portal", CaseResult::Error("theme: syntax error".into())),
                    ],
                },
            ],
            Some(1.5),
        );
        assert!(xml.contains("&lt;x&gt;` &amp;  &quot;bad&quot;"), "{xml}");
        let report = Report::deserialize_from_str(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert_eq!(
            (report.tests, report.failures, report.errors, report.time),
            (5, 2, 1, Some(Duration::from_millis(1500)))
        );
        let check = &report.test_suites[0];
        assert_eq!((check.tests, check.failures), (2, 1));
        assert_eq!(
            check.timestamp.map(|t| t.to_rfc3339()).as_deref(),
            Some("2025-11-03T02:00:00+08:00")
        );
        let b = &check.test_cases[1];
        assert_eq!(b.classname.as_ref().map(|c| c.as_str()), Some("check"));
        assert_eq!(b.system_out.as_ref().map(|o| o.as_str()), Some("warning: w"));
        match &b.status {
            TestCaseStatus::NonSuccess {
                kind,
                message,
                description,
                ..
            } => {
                assert_eq!(*kind, NonSuccessKind::Failure);
                assert_eq!(message.as_ref().map(|m| m.as_str()), Some("1 error"));
                // The control character a damaged note held is left out.
                assert_eq!(
                    description.as_ref().map(|d| d.as_str()),
                    Some("id `<x>` &  \"bad\"")
                );
            }
            other => panic!("{other:?}"),
        }
        let verify = &report.test_suites[1];
        assert!(
            matches!(&verify.test_cases[0].status, TestCaseStatus::Skipped { message: Some(m), .. } if m.as_str() == "not configured")
        );
        // Two problems of one file: one failure, both kinds, both details.
        match &verify.test_cases[1].status {
            TestCaseStatus::NonSuccess {
                message,
                ty,
                description,
                ..
            } => {
                assert_eq!(
                    message.as_ref().map(|m| m.as_str()),
                    Some("2 problems: ends early")
                );
                assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("truncated, changed"));
                assert_eq!(
                    description.as_ref().map(|d| d.as_str()),
                    Some("ends at byte 7\ndigest abc")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            verify.test_cases[1].classname.as_ref().map(|c| c.as_str()),
            Some("backups.oa-db")
        );
        assert!(matches!(
            &verify.test_cases[2].status,
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Error,
                ..
            }
        ));
    }
}
