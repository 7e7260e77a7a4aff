//! What the machines recorded about a day or a period, as evidence that an
//! inspection's items can be held against: the logs' daily aggregates
//! (backup jobs, document exchange, failed logins, metric peaks), the
//! verification runs of `state/history.jsonl`, and the incident notes.
//!
//! Each piece of evidence is a [`Finding`]: a subject (a backup set, a
//! host's disk, a document) with a status. Only what was recorded becomes a
//! finding: a day whose logs hold no `backup` events has no backup finding,
//! rather than one saying "no failures". That is what keeps the cross-check
//! (`analyse::check::evidence`) from ever warning on evidence that is not
//! there, and what lets `opsbook new inspection` leave an item it has no
//! evidence for to the engineer.
//!
//! What counts as a failure: a failed backup job, a failed verification, a
//! failed document exchange, a metric at or over its threshold. Pending
//! documents that waited too long and open incidents are warnings. Failed
//! logins are a count, never a failure by themselves: every day has a few
//! mistyped passwords, and the count is what a record states.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Tz;
use serde::Serialize;

use crate::analyse::logs::{DayReport, LogReport};
use crate::analyse::verify::RunRecord;
use crate::load::evidence_map::{Count, EvidenceMap, Source};
use crate::load::notes::Note;
use crate::load::notes::kinds::{CheckResult, Incident, Meta};
use crate::state::history::Line;

/// How a piece of evidence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    /// The result an inspection item takes from it.
    pub fn result(self) -> CheckResult {
        match self {
            Status::Ok => CheckResult::Ok,
            Status::Warn => CheckResult::Warn,
            Status::Fail => CheckResult::Fail,
        }
    }
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub source: Source,
    /// The day it was recorded.
    pub date: NaiveDate,
    /// What it is about: a backup set, `db-01 disk`, a document, an
    /// incident; `""` for the day as a whole.
    pub subject: String,
    pub status: Status,
    /// What was seen (`88.1%`, `失败 1 次`, `7`).
    pub value: String,
    /// The limit it is held to, where there is one (`85%`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// The machines' own words (a log message, problem kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Finding {
    /// `db-01 disk 88.1%（阈值 85%）`: one line, for notes and the portal's
    /// internal view.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if !self.subject.is_empty() {
            out.push_str(&self.subject);
            out.push(' ');
        }
        out.push_str(&self.value);
        if let Some(limit) = &self.limit {
            out.push_str(&format!("（阈值 {limit}）"));
        }
        out
    }
}

/// Everything recorded, indexed for questions by day and period.
pub struct Evidence<'a> {
    days: BTreeMap<NaiveDate, &'a DayReport>,
    /// Verification runs with the local day they finished.
    runs: Vec<(NaiveDate, &'a RunRecord)>,
    incidents: Vec<&'a Incident>,
    tz: Tz,
}

impl<'a> Evidence<'a> {
    pub fn new(logs: Option<&'a LogReport>, runs: &'a [Line<RunRecord>], notes: &'a [Note], tz: Tz) -> Self {
        let days = logs
            .into_iter()
            .flat_map(|l| l.days.iter())
            .map(|d| (d.date, d))
            .collect();
        let runs = runs
            .iter()
            .filter_map(|l| {
                let at = DateTime::<FixedOffset>::parse_from_rfc3339(&l.entry.finished_at).ok()?;
                Some((at.with_timezone(&tz).date_naive(), &l.entry))
            })
            .collect();
        let incidents = notes
            .iter()
            .filter_map(|n| match &n.meta {
                Meta::Incident(i) => Some(i),
                _ => None,
            })
            .collect();
        Evidence {
            days,
            runs,
            incidents,
            tz,
        }
    }

    /// The day's logs, when they hold anything of that day.
    pub fn day(&self, date: NaiveDate) -> Option<&'a DayReport> {
        self.days.get(&date).copied()
    }

    /// Whether anything was recorded on `date`: its logs, or a
    /// verification run.
    pub fn has_any(&self, date: NaiveDate) -> bool {
        self.days.contains_key(&date) || self.runs.iter().any(|(d, _)| *d == date)
    }

    /// The findings of one source over `from..=to`.
    pub fn findings(&self, source: Source, from: NaiveDate, to: NaiveDate) -> Vec<Finding> {
        self.of_source(source, from, to, Want::All)
    }

    /// The failures among [`Evidence::findings`]: what a record marked
    /// normal is held against.
    pub fn failures(&self, source: Source, from: NaiveDate, to: NaiveDate) -> Vec<Finding> {
        let mut found = self.of_source(source, from, to, Want::Failures);
        found.retain(|f| f.status == Status::Fail);
        found
    }

    fn of_source(&self, source: Source, from: NaiveDate, to: NaiveDate, want: Want) -> Vec<Finding> {
        match source {
            Source::Verification => self.verification(from, to),
            Source::Incidents => self.incidents(from, to),
            _ => self
                .days
                .range(from..=to)
                .flat_map(|(_, day)| day_findings(source, day, want))
                .collect(),
        }
    }

    /// Every source's findings over `from..=to`.
    pub fn all(&self, from: NaiveDate, to: NaiveDate) -> Vec<Finding> {
        Source::ALL
            .iter()
            .flat_map(|s| self.findings(*s, from, to))
            .collect()
    }

    /// A figure of the day's logs, when the logs recorded the events it
    /// counts that day (no login events: no count of failed logins, rather
    /// than a count of 0 that a record could be held against).
    pub fn count(&self, date: NaiveDate, count: Count) -> Option<u64> {
        let day = self.day(date)?;
        match count {
            Count::FailedLogins => {
                let failed: u64 = day.logins.failed.iter().map(|f| f.count).sum();
                (day.logins.succeeded + failed > 0).then_some(day.failed_logins)
            }
            Count::ExchangeFailed => {
                let e = &day.exchange;
                (e.ok + e.failed + e.pending > 0).then_some(day.exchange_failed)
            }
        }
    }

    /// The last verification run that finished by the end of `to`, whether
    /// or not within the period: what `opsbook new inspection` reports as
    /// "the last verification".
    pub fn last_verification(&self, to: NaiveDate) -> Vec<Finding> {
        let Some(date) = self.runs.iter().map(|(d, _)| *d).filter(|d| *d <= to).max() else {
            return Vec::new();
        };
        self.verification(date, date)
    }

    fn verification(&self, from: NaiveDate, to: NaiveDate) -> Vec<Finding> {
        // The last run of each day stands for the day: a failed run that a
        // later run of the same day (after a repair) passed is history.
        let mut last: BTreeMap<NaiveDate, &RunRecord> = BTreeMap::new();
        for (date, run) in &self.runs {
            if (from..=to).contains(date) {
                last.insert(*date, run);
            }
        }
        let mut out = Vec::new();
        for (date, run) in last {
            for set in &run.sets {
                let kinds: Vec<String> = set.problems.keys().map(kind_name).collect();
                out.push(Finding {
                    source: Source::Verification,
                    date,
                    subject: set.name.clone(),
                    status: if set.ok { Status::Ok } else { Status::Fail },
                    value: if set.ok {
                        format!("校验通过（{} 个文件）", set.files)
                    } else {
                        "校验未通过".into()
                    },
                    limit: None,
                    detail: (!kinds.is_empty()).then(|| kinds.join(", ")),
                });
            }
        }
        out
    }

    fn incidents(&self, from: NaiveDate, to: NaiveDate) -> Vec<Finding> {
        self.incidents
            .iter()
            .filter(|i| i.reported_at.date_in(self.tz) <= to)
            .filter(|i| i.resolved_at.is_none_or(|r| r.date_in(self.tz) > to))
            .map(|i| Finding {
                source: Source::Incidents,
                date: i.reported_at.date_in(self.tz).max(from),
                subject: i.id.clone(),
                status: Status::Warn,
                value: "未解决".into(),
                limit: None,
                detail: Some(i.title.clone()),
            })
            .collect()
    }
}

/// The name a verification problem kind has in JSON (`truncated`).
fn kind_name(kind: &impl Serialize) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn percent(v: f64) -> String {
    format!("{}%", (v * 10.0).round() / 10.0)
}

/// Which findings a question needs.
#[derive(Clone, Copy, PartialEq)]
enum Want {
    All,
    /// Those that fail; others may be left out. Every host's metrics pass
    /// on most days, and a cross-check asks of every item of every record:
    /// their texts are not made for it.
    Failures,
}

/// The findings one day's logs hold for a source.
fn day_findings(source: Source, day: &DayReport, want: Want) -> Vec<Finding> {
    let finding = |subject: String, status, value: String| Finding {
        source,
        date: day.date,
        subject,
        status,
        value,
        limit: None,
        detail: None,
    };
    let mut out = Vec::new();
    match source {
        Source::BackupJobs => {
            for b in &day.backups {
                let status = if b.failed > 0 {
                    Status::Fail
                } else if b.ok > 0 {
                    Status::Ok
                } else {
                    Status::Warn
                };
                let mut value = format!("成功 {} 次", b.ok);
                if b.failed > 0 {
                    value.push_str(&format!("，失败 {} 次", b.failed));
                }
                if b.other > 0 {
                    value.push_str(&format!("，其他 {} 次", b.other));
                }
                let mut f = finding(b.set.clone(), status, value);
                f.detail = b
                    .last
                    .as_ref()
                    .map(|l| format!("{} {}: {}", l.host, l.status, l.msg));
                out.push(f);
            }
        }
        Source::Exchange => {
            let e = &day.exchange;
            for failure in &e.failures {
                let mut f = finding(
                    failure.doc_id.clone(),
                    Status::Fail,
                    format!("交换失败 {} 次", failure.count),
                );
                f.detail = Some(failure.msg.clone());
                out.push(f);
            }
            for doc in &e.overdue {
                out.push(finding(
                    doc.doc_id.clone(),
                    Status::Warn,
                    format!("待接收 {}", doc.waited),
                ));
            }
            if out.is_empty() && e.ok + e.pending > 0 {
                out.push(finding(
                    String::new(),
                    Status::Ok,
                    format!("交换成功 {} 件", e.ok),
                ));
            }
        }
        Source::FailedLogins => {
            let failed: u64 = day.logins.failed.iter().map(|f| f.count).sum();
            if day.logins.succeeded + failed > 0 {
                let mut f = finding(
                    String::new(),
                    Status::Ok,
                    format!("失败登录 {} 次", day.failed_logins),
                );
                let users: Vec<String> = day
                    .logins
                    .failed
                    .iter()
                    .map(|f| format!("{}@{} {}", f.user, f.host, f.count))
                    .collect();
                f.detail = (!users.is_empty()).then(|| users.join(", "));
                out.push(f);
            }
        }
        Source::Metrics => {
            for host in &day.metrics {
                let mut over = false;
                for (name, peak) in [("cpu", &host.cpu), ("mem", &host.mem), ("disk", &host.disk)] {
                    if let Some(p) = peak.as_ref().filter(|p| p.over) {
                        over = true;
                        let mut f = finding(format!("{} {name}", host.host), Status::Fail, percent(p.peak));
                        f.limit = Some(percent(p.threshold));
                        out.push(f);
                    }
                }
                if !over && want == Want::All {
                    let peaks: Vec<String> = [("CPU", &host.cpu), ("内存", &host.mem), ("磁盘", &host.disk)]
                        .into_iter()
                        .filter_map(|(label, p)| p.as_ref().map(|p| format!("{label} {}", percent(p.peak))))
                        .collect();
                    out.push(finding(
                        host.host.clone(),
                        Status::Ok,
                        format!("峰值 {}", peaks.join(" / ")),
                    ));
                }
            }
        }
        Source::Verification | Source::Incidents => {}
    }
    out
}

/// What the evidence says of one checklist item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemEvidence {
    pub item: String,
    /// The sources the mapping holds it against.
    pub sources: Vec<Source>,
    /// The result the evidence gives it; none without evidence.
    pub result: Option<CheckResult>,
    /// The findings, failures first, as one line (the item's `note`).
    pub note: Option<String>,
    pub findings: Vec<Finding>,
}

/// What the evidence says of each item of a checklist over a period: what
/// `opsbook new inspection` fills in, and `--from-evidence --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodEvidence {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Whether the logs hold anything of the period.
    pub logs: bool,
    pub failed_logins: Option<u64>,
    pub exchange_failed: Option<u64>,
    pub items: Vec<ItemEvidence>,
    /// Every finding of the period, whether or not an item is held to it.
    pub findings: Vec<Finding>,
}

impl Evidence<'_> {
    pub fn period(
        &self,
        items: &[String],
        map: &EvidenceMap,
        from: NaiveDate,
        to: NaiveDate,
    ) -> PeriodEvidence {
        let mut all = self.all(from, to);
        // The last verification before the period speaks for it when none
        // ran within it: a backup verified last night is this morning's
        // evidence.
        if !all.iter().any(|f| f.source == Source::Verification) {
            all.extend(self.last_verification(to));
        }
        let items = items
            .iter()
            .map(|item| {
                let sources = map.sources(item).to_vec();
                let mut findings: Vec<Finding> = all
                    .iter()
                    .filter(|f| sources.contains(&f.source))
                    .cloned()
                    .collect();
                findings.sort_by(|a, b| b.status.cmp(&a.status).then(a.date.cmp(&b.date)));
                let result = findings.iter().map(|f| f.status).max().map(Status::result);
                let note = (!findings.is_empty()).then(|| {
                    findings
                        .iter()
                        .map(Finding::describe)
                        .collect::<Vec<_>>()
                        .join("；")
                });
                ItemEvidence {
                    item: item.clone(),
                    sources,
                    result,
                    note,
                    findings,
                }
            })
            .collect();
        let sum = |count| {
            from.iter_days()
                .take_while(|d| *d <= to)
                .filter_map(|d| self.count(d, count))
                .reduce(|a, b| a + b)
        };
        PeriodEvidence {
            from,
            to,
            logs: self.days.range(from..=to).next().is_some(),
            failed_logins: sum(Count::FailedLogins),
            exchange_failed: sum(Count::ExchangeFailed),
            items,
            findings: all,
        }
    }
}
