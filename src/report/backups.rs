//! Backup verification as the portal shows it: each set's last
//! verification with its files, problems and restore details, and the history
//! of verification runs from `state/history.jsonl`.
//!
//! The details of a set (every file, every problem) come from the last run's
//! report (`state/verify.json`); a set that run did not cover (`opsbook verify
//! --set`) shows its latest run of the history in brief. Every text of a
//! report (file names, problem details, a restore command's output) is masked
//! for the audience.

use chrono_tz::Tz;
use serde::Serialize;

use super::backup_set::{SetCounts, SetDetail, run_time};
use super::chart::{Series, SeriesChart};
use super::note::url_safe;
use crate::analyse::verify::{ProblemKind, RunRecord, SetRun, VerifyReport};
use crate::state::history::Line;
use crate::time::Timestamp;

/// How many runs the history chart shows, the newest.
const CHART_RUNS: usize = 31;

#[derive(Debug, Clone, Serialize)]
pub struct Backups {
    /// The run of `state/verify.json`, when there is one.
    pub last_run: Option<RunTimes>,
    /// What that run could not test (a tool not installed).
    pub warnings: Vec<String>,
    /// Every set of the last run, then sets only the history knows, by name.
    pub sets: Vec<SetView>,
    /// Every run of the history, newest first.
    pub runs: Vec<RunRow>,
    /// Sets verified without and with problems, per run (the newest runs).
    pub chart: Option<SeriesChart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunTimes {
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetView {
    pub name: String,
    /// The set's anchor on the backups page (`#set-oa-db`).
    pub anchor: String,
    /// The set's last verification, in brief.
    pub last: SetLast,
    /// Its details, when the last run covered it.
    pub report: Option<SetDetail>,
}

/// A set's last verification: when, and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct SetLast {
    /// When the run ended.
    pub at: Option<Timestamp>,
    #[serde(flatten)]
    pub run: SetCounts,
}

/// One run of the history.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub seq: u64,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub ok: bool,
    pub sets: Vec<SetCounts>,
}

/// A set on the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct SetBrief {
    pub name: String,
    pub anchor: String,
    pub at: Option<Timestamp>,
    pub ok: bool,
    pub files: usize,
    /// Files read by that run.
    pub checked: usize,
    pub problems: usize,
    /// The kinds of problem found, each once.
    pub kinds: Vec<ProblemKind>,
}

impl From<&SetView> for SetBrief {
    fn from(s: &SetView) -> SetBrief {
        SetBrief {
            name: s.name.clone(),
            anchor: s.anchor.clone(),
            at: s.last.at,
            ok: s.last.run.ok,
            files: s.last.run.files,
            checked: s.last.run.checked,
            problems: s.last.run.problems.values().sum(),
            kinds: s.last.run.problems.keys().copied().collect(),
        }
    }
}

impl Backups {
    /// The part from the last report and the history; `None` when no
    /// verification has run yet.
    pub fn new(last: Option<&VerifyReport>, history: &[Line<RunRecord>], tz: Tz) -> Option<Backups> {
        if last.is_none() && history.is_empty() {
            return None;
        }
        let runs: Vec<RunRow> = history
            .iter()
            .rev()
            .map(|line| RunRow {
                seq: line.seq,
                started_at: run_time(&line.entry.started_at, tz),
                finished_at: run_time(&line.entry.finished_at, tz),
                ok: line.entry.ok,
                sets: line.entry.sets.iter().map(SetCounts::new).collect(),
            })
            .collect();

        let mut sets: Vec<SetView> = Vec::new();
        for report in last.iter().flat_map(|r| &r.sets) {
            let name = report.name.clone();
            // The history's line of this very run, else one made from the report.
            let brief = latest(&runs, &name).unwrap_or_else(|| SetLast {
                at: last.and_then(|r| run_time(&r.finished_at, tz)),
                run: SetCounts::new(&SetRun::of(report)),
            });
            sets.push(SetView {
                anchor: format!("set-{}", url_safe(&name)),
                report: Some(SetDetail::new(report, tz)),
                last: brief,
                name,
            });
        }
        let mut others: Vec<String> = runs
            .iter()
            .flat_map(|r| r.sets.iter().map(|s| s.name.clone()))
            .filter(|n| !sets.iter().any(|s| &s.name == n))
            .collect();
        others.sort();
        others.dedup();
        for name in others {
            if let Some(last) = latest(&runs, &name) {
                sets.push(SetView {
                    anchor: format!("set-{}", url_safe(&name)),
                    last,
                    report: None,
                    name,
                });
            }
        }

        Some(Backups {
            last_run: last.map(|r| RunTimes {
                started_at: run_time(&r.started_at, tz),
                finished_at: run_time(&r.finished_at, tz),
                ok: r.ok,
            }),
            warnings: last.map(|r| r.warnings.clone()).unwrap_or_default(),
            chart: chart(&runs),
            sets,
            runs,
        })
    }

    /// Each set's last verification, for the dashboard.
    pub fn briefs(&self) -> Vec<SetBrief> {
        self.sets.iter().map(SetBrief::from).collect()
    }
}

/// The newest run of the history that verified the set `name`.
fn latest(runs: &[RunRow], name: &str) -> Option<SetLast> {
    runs.iter().find_map(|r| {
        r.sets.iter().find(|s| s.name == name).map(|s| SetLast {
            at: r.finished_at,
            run: s.clone(),
        })
    })
}

/// Sets verified ok and with problems in each of the newest runs, oldest
/// first, by the day each run started.
fn chart(runs: &[RunRow]) -> Option<SeriesChart> {
    if runs.is_empty() {
        return None;
    }
    let shown: Vec<&RunRow> = runs.iter().take(CHART_RUNS).rev().collect();
    let count = |ok: bool| -> Vec<f64> {
        shown
            .iter()
            .map(|r| r.sets.iter().filter(|s| s.ok == ok).count() as f64)
            .collect()
    };
    Some(SeriesChart {
        x: shown
            .iter()
            .map(|r| {
                r.started_at
                    .map(|t| t.0.date_naive().to_string())
                    .unwrap_or_default()
            })
            .collect(),
        series: vec![
            Series {
                key: "ok".into(),
                values: count(true),
            },
            Series {
                key: "problems".into(),
                values: count(false),
            },
        ],
        stacked: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::verify::SetReport;
    use crate::analyse::verify::report::{CommandRun, FileRecord, Problem, Restore, TableRows};
    use crate::load::settings::BackupKind;
    use crate::report::redact::{RedactSettings, Redactor};
    use std::collections::BTreeMap;

    const TZ: Tz = crate::time::DEFAULT_TIMEZONE;

    fn set(name: &str, problems: Vec<Problem>) -> SetReport {
        SetReport {
            name: name.into(),
            ok: problems.iter().all(|p| !p.is_error()),
            files: 2,
            bytes: 300,
            checked: vec!["a.db".into()],
            problems,
            kind: BackupKind::Sqlite,
            path: "/srv/backup/x".into(),
            checked_bytes: 100,
            sample: None,
            newest: None,
            records: vec![FileRecord {
                path: "a.db".into(),
                size: 100,
                modified: "2025-03-30T02:00:00+08:00".into(),
                ok: true,
                checked: true,
                blake3: Some("ab".repeat(32)),
                first_seen: None,
                verified_at: None,
                decoded: None,
                restore: Some(Restore::Sqlite {
                    page_size: 4096,
                    pages: 3,
                    tables: vec![TableRows {
                        name: "users".into(),
                        rows: 7,
                    }],
                }),
                command: Some(CommandRun {
                    command: "restore --password=hunter2 a.db".into(),
                    exit: Some(0),
                    timed_out: false,
                    seconds: 0.1,
                    output: "mailed ops@example.com".into(),
                }),
            }],
        }
    }

    fn line(seq: u64, day: &str, sets: &[(&str, bool)]) -> Line<RunRecord> {
        Line {
            seq,
            prev: String::new(),
            entry: RunRecord {
                started_at: format!("{day}T02:00:00+08:00"),
                finished_at: format!("{day}T02:01:00+08:00"),
                ok: sets.iter().all(|(_, ok)| *ok),
                sets: sets
                    .iter()
                    .map(|(name, ok)| SetRun {
                        name: name.to_string(),
                        ok: *ok,
                        files: 2,
                        bytes: 300,
                        checked: 1,
                        checked_bytes: 100,
                        problems: if *ok {
                            BTreeMap::new()
                        } else {
                            [(ProblemKind::Truncated, 1)].into()
                        },
                    })
                    .collect(),
            },
        }
    }

    #[test]
    fn sets_come_from_the_last_report_and_the_history() {
        let report = VerifyReport {
            ok: false,
            started_at: "2025-03-31T02:00:00+08:00".into(),
            finished_at: "2025-03-31T02:01:00+08:00".into(),
            sets: vec![set(
                "db",
                vec![Problem::new("a.db", ProblemKind::Truncated, "ends early")],
            )],
            warnings: vec![],
        };
        let history = [
            line(1, "2025-03-30", &[("db", true), ("files", true)]),
            line(2, "2025-03-31", &[("db", false)]),
        ];
        let b = Backups::new(Some(&report), &history, TZ).unwrap();
        assert_eq!(b.runs.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 1]);
        let names: Vec<&str> = b.sets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["db", "files"]);
        let db = &b.sets[0];
        assert_eq!(db.last.at.unwrap().to_string(), "2025-03-31T02:01:00+08:00");
        assert!(!db.last.run.ok);
        assert!(db.report.is_some());
        // A set the last run left out: its latest run, no details.
        let files = &b.sets[1];
        assert_eq!(files.last.at.unwrap().to_string(), "2025-03-30T02:01:00+08:00");
        assert!(files.report.is_none());
        let briefs = b.briefs();
        assert_eq!(briefs[0].kinds, [ProblemKind::Truncated]);
        assert_eq!(briefs[0].anchor, "set-db");
        let chart = b.chart.unwrap();
        assert_eq!(chart.x, ["2025-03-30", "2025-03-31"]);
        assert_eq!(chart.series[0].values, [2.0, 0.0]);
        assert_eq!(chart.series[1].values, [0.0, 1.0]);

        // Commands and their output are masked like every other text.
        let redact = Redactor::new(&RedactSettings::default()).unwrap();
        let json = serde_json::to_string(&redact.masked(&db.report)).unwrap();
        assert!(
            !json.contains("hunter2") && !json.contains("ops@example.com"),
            "{json}"
        );
        assert!(json.contains("\"users\""));
    }

    #[test]
    fn without_a_report_or_a_history_there_is_no_part() {
        assert!(Backups::new(None, &[], TZ).is_none());
        let b = Backups::new(None, &[line(1, "2025-03-30", &[("db", true)])], TZ).unwrap();
        assert!(b.last_run.is_none());
        assert_eq!(b.sets[0].last.run.checked, 1);
    }
}
