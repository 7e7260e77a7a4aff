//! The result of an ingest: the `logs` object of the nightly summary and,
//! alongside, each day's detail for the portal.
//!
//! Thresholds, the pending limit and the clock apply here, to aggregates
//! that do not depend on them, so changing a threshold never makes opsbook
//! read a log again. Message texts are kept as logged; the portal masks
//! personal data when it renders them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::aggregate::{Aggregate, DayAgg, ExchangeStatus, LevelCounts, Peak, backup_outcome};
use super::day::DayFinder;
use super::parse::Level;
use crate::diag::{Diagnostic, Severity};
use crate::duration::Dur;
use crate::load::settings::logs::LogSettings;
use crate::time::{Clock, Timestamp};

#[derive(Debug, Clone, Serialize)]
pub struct LogReport {
    /// No problem recent enough to fail the run (see `[logs] recent`).
    pub ok: bool,
    /// The days `[logs] recent` makes recent at the clock: their alerts fail
    /// the run, and the portal calls them recent.
    pub recent: RecentWindow,
    /// Every day with log lines, oldest first.
    pub days: Vec<DayReport>,
    /// Malformed lines with their place: the first 100 of each file.
    pub malformed: Vec<MalformedLine>,
    /// Every malformed line, listed or not.
    pub malformed_count: u64,
    /// Files that could not be read to their end.
    pub problems: Vec<FileProblem>,
    pub files: Vec<FileSummary>,
    /// Lines read as records, over all files.
    pub lines: u64,
    /// Bytes this run read from log files (files already ingested and
    /// unchanged cost nothing; grown ones only what was added).
    pub bytes_read: u64,
    /// The first instant after the clock at which the same logs would be
    /// reported otherwise: a document still pending turns overdue, a file's
    /// problems stop being recent (days are recent by the day). For the
    /// portal's up-to-date check; not part of the summary.
    #[serde(skip)]
    pub changes_at: Option<Timestamp>,
    /// Bytes read to check that a grown file's old part is unchanged.
    pub bytes_checked: u64,
    /// Each host's server records, by host then month. Not part of the
    /// summary: the portal shows them, with their data.
    #[serde(skip)]
    pub servers: Vec<super::servers::HostMonth>,
}

/// The whole days up to the clock's that `[logs] recent` covers (at least
/// the clock's day): the one meaning of "recent" for days of logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecentWindow {
    /// How many days: `[logs] recent` in whole days, at least one.
    pub days: u64,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl RecentWindow {
    pub fn new(settings: &LogSettings, clock: &Clock) -> RecentWindow {
        let days = days_in(settings.recent);
        let to = clock.today();
        RecentWindow {
            days,
            from: to
                .checked_sub_days(chrono::Days::new(days - 1))
                .unwrap_or(NaiveDate::MIN),
            to,
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedLine {
    /// Relative to the project.
    pub file: String,
    pub line: u64,
    pub reason: String,
    /// In a file written within `[logs] recent`: it fails the run.
    pub recent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemKind {
    /// Could not be opened or read.
    Unreadable,
    /// A `.zst` that ends in the middle of a frame; its lines up to there
    /// are counted.
    Truncated,
    /// A `.zst` that does not decode; its lines up to there are counted.
    Corrupt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    pub file: String,
    pub kind: ProblemKind,
    pub detail: String,
    pub recent: bool,
}

/// How a file was read this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadKind {
    /// Unchanged since an earlier run: not read.
    Cached,
    /// Grown: read from where the earlier run stopped.
    Appended,
    /// Read from its start.
    Whole,
    /// Could not be read.
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub bytes: u64,
    pub modified: Option<Timestamp>,
    pub lines: u64,
    pub malformed: u64,
    pub read: ReadKind,
    pub bytes_read: u64,
    pub recent: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayReport {
    pub date: NaiveDate,
    /// Within `[logs] recent` of the clock: its alerts fail the run.
    pub recent: bool,
    pub lines: u64,
    /// ERROR and FATAL lines.
    pub errors: u64,
    pub warnings: u64,
    pub failed_logins: u64,
    pub exchange_failed: u64,
    /// Documents first pending this day that waited longer than
    /// `[logs] pending_after` (or still wait).
    pub exchange_pending: u64,
    pub alerts: Vec<Alert>,
    pub services: Vec<ServiceLevels>,
    /// The most frequent folded error messages (`[logs] top_errors`).
    pub top_errors: Vec<ErrorMessage>,
    pub logins: Logins,
    pub exchange: Exchange,
    pub metrics: Vec<HostMetrics>,
    pub backups: Vec<BackupJobs>,
}

/// Something in a day's logs that needs a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// A built-in alert (`cpu`, `mem`, `disk`, `exchange_failed`,
    /// `exchange_pending`, `backup_failed`) or the name of a
    /// `[[logs.alerts]]` rule.
    pub rule: String,
    /// The host, document, backup set or rule group it is about.
    pub subject: String,
    pub count: u64,
    /// What was seen, and the limit it broke (`91.5%` against `85%`,
    /// `3h10m` against `2h`, `6` failed logins against `5`).
    pub value: Option<String>,
    pub limit: Option<String>,
    pub at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceLevels {
    /// `""` for lines without a `service`.
    pub service: String,
    pub lines: u64,
    pub levels: LevelCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorMessage {
    pub service: String,
    /// The folded message all of them share.
    pub pattern: String,
    pub count: u64,
    /// The earliest of them, as logged.
    pub example: String,
    pub first: Timestamp,
    pub last: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Logins {
    pub succeeded: u64,
    /// By user and host, most first.
    pub failed: Vec<FailedLogins>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedLogins {
    pub user: String,
    pub host: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// Events by status.
    pub ok: u64,
    pub failed: u64,
    pub pending: u64,
    pub failures: Vec<ExchangeFailure>,
    pub overdue: Vec<OverdueDocument>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExchangeFailure {
    pub doc_id: String,
    pub count: u64,
    pub last: Timestamp,
    pub msg: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueDocument {
    pub doc_id: String,
    pub pending_since: Timestamp,
    /// Until its last event, or until the clock when still pending.
    pub waited: Dur,
    /// Its latest status: `pending` when it still waits.
    pub status: ExchangeStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostMetrics {
    pub host: String,
    pub samples: u64,
    pub cpu: Option<MetricPeak>,
    pub mem: Option<MetricPeak>,
    pub disk: Option<MetricPeak>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricPeak {
    pub peak: f64,
    pub at: Timestamp,
    pub threshold: f64,
    /// At or over the threshold.
    pub over: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupJobs {
    pub set: String,
    pub ok: u64,
    pub failed: u64,
    pub other: u64,
    pub last: Option<BackupJob>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupJob {
    pub at: Timestamp,
    pub status: String,
    pub host: String,
    pub msg: String,
}

impl LogReport {
    /// Malformed lines and file problems as diagnostics: errors when recent
    /// enough to fail the run, warnings when they are history.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let severity = |recent| {
            if recent {
                Severity::Error
            } else {
                Severity::Warning
            }
        };
        let mut out: Vec<Diagnostic> = self
            .malformed
            .iter()
            .map(|m| {
                Diagnostic::new(
                    severity(m.recent),
                    &m.file,
                    format!("malformed log line: {}", m.reason),
                )
                .at_line(usize::try_from(m.line).unwrap_or(usize::MAX))
            })
            .collect();
        for p in &self.problems {
            let what = match p.kind {
                ProblemKind::Unreadable => "cannot read log file",
                ProblemKind::Truncated => "log file is cut short",
                ProblemKind::Corrupt => "log file is damaged",
            };
            out.push(Diagnostic::new(
                severity(p.recent),
                &p.file,
                format!("{what}: {}", p.detail),
            ));
        }
        for f in &self.files {
            let listed = self.malformed.iter().filter(|m| m.file == f.file).count() as u64;
            if f.malformed > listed {
                out.push(
                    Diagnostic::new(
                        severity(f.recent),
                        &f.file,
                        format!("{} more malformed lines", f.malformed - listed),
                    )
                    .with_hint("only the first 100 malformed lines of a file are listed"),
                );
            }
        }
        crate::diag::sort(&mut out);
        out
    }

    /// Every alert, with its day.
    pub fn alerts(&self) -> impl Iterator<Item = (&DayReport, &Alert)> {
        self.days
            .iter()
            .flat_map(|d| d.alerts.iter().map(move |a| (d, a)))
    }
}

/// Turns a project's merged aggregate into day reports; with them, when the
/// first document still pending within its limit turns overdue (ms).
/// A day after the clock's is not recent: re-running a past night with
/// `--now` fails on that night's alerts, not on later ones.
pub(super) fn days(
    agg: &Aggregate,
    settings: &LogSettings,
    clock: &Clock,
    roles: &BTreeMap<String, String>,
) -> (Vec<DayReport>, Option<i64>) {
    let tz = clock.tz();
    let recent = RecentWindow::new(settings, clock);
    let (mut overdue, next_overdue) = overdue(agg, settings, clock);
    let days = agg
        .days
        .iter()
        .map(|(date, day)| {
            let late = overdue.remove(date).unwrap_or_default();
            day_report(*date, day, late, settings, roles, tz, recent.contains(*date))
        })
        .collect();
    (days, next_overdue)
}

/// Whole days in a span, at least one.
fn days_in(d: Dur) -> u64 {
    u64::try_from(d.as_secs().div_euclid(86_400)).unwrap_or(0).max(1)
}

/// Documents that waited too long, by the day they were first pending; and
/// when the first one still pending within the limit passes it (ms).
fn overdue(
    agg: &Aggregate,
    settings: &LogSettings,
    clock: &Clock,
) -> (BTreeMap<NaiveDate, Vec<OverdueDocument>>, Option<i64>) {
    let tz = clock.tz();
    let now = clock.now().timestamp_millis();
    let limit = settings.pending_after.as_secs().saturating_mul(1000);
    let mut days = DayFinder::new(tz);
    let mut out: BTreeMap<NaiveDate, Vec<OverdueDocument>> = BTreeMap::new();
    let mut next: Option<i64> = None;
    for (id, doc) in &agg.documents {
        let Some(since) = doc.pending_since else { continue };
        let until = if doc.status == ExchangeStatus::Pending {
            now.max(doc.last)
        } else {
            doc.last
        };
        let waited = until - since;
        if waited <= limit && doc.status == ExchangeStatus::Pending {
            let due = since + limit + 1;
            next = Some(next.map_or(due, |n| n.min(due)));
        }
        if waited > limit {
            out.entry(days.date(since)).or_default().push(OverdueDocument {
                doc_id: id.clone(),
                pending_since: at(since, tz),
                waited: Dur::from_secs(waited / 1000),
                status: doc.status,
            });
        }
    }
    (out, next)
}

/// An instant (ms) in the project's timezone.
pub(super) fn at(ms: i64, tz: Tz) -> Timestamp {
    let utc = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    Timestamp(utc.with_timezone(&tz).fixed_offset())
}

/// `91.5%`, `85%`.
fn percent(v: f64) -> String {
    format!("{v}%")
}

fn day_report(
    date: NaiveDate,
    d: &DayAgg,
    overdue: Vec<OverdueDocument>,
    s: &LogSettings,
    roles: &BTreeMap<String, String>,
    tz: Tz,
    recent: bool,
) -> DayReport {
    let count = |level: Level| d.services.values().map(|c| c.get(level)).sum::<u64>();
    let mut alerts = Vec::new();
    let metrics = metrics(d, s, roles, tz, &mut alerts);
    let failures = exchange_failures(d, tz, &mut alerts);
    overdue_alerts(&overdue, s, &mut alerts);
    let backups = backup_jobs(d, tz, &mut alerts);
    rule_alerts(d, s, &mut alerts);
    let failed = failed_logins(d);
    DayReport {
        date,
        recent,
        lines: d.lines,
        errors: count(Level::Error) + count(Level::Fatal),
        warnings: count(Level::Warn),
        failed_logins: failed.iter().map(|f| f.count).sum(),
        exchange_failed: d.exchange.failed,
        exchange_pending: overdue.len() as u64,
        alerts,
        services: d
            .services
            .iter()
            .map(|(service, levels)| ServiceLevels {
                service: service.clone(),
                lines: levels.total(),
                levels: *levels,
            })
            .collect(),
        top_errors: top_errors(d, s, tz),
        logins: Logins {
            succeeded: d.logins_ok,
            failed,
        },
        exchange: Exchange {
            ok: d.exchange.ok,
            failed: d.exchange.failed,
            pending: d.exchange.pending,
            failures,
            overdue,
        },
        metrics,
        backups,
    }
}

/// Each host's peaks against its thresholds (`[logs.hosts]`, its role's,
/// or `[logs]`); an alert for each peak at or
/// over its threshold.
fn metrics(
    d: &DayAgg,
    s: &LogSettings,
    roles: &BTreeMap<String, String>,
    tz: Tz,
    alerts: &mut Vec<Alert>,
) -> Vec<HostMetrics> {
    let mut metrics = Vec::new();
    for (host, p) in &d.metrics {
        let mut view = |name: &str, peak: Option<Peak>, threshold: f64| {
            peak.map(|p| {
                let over = p.value >= threshold;
                if over {
                    alerts.push(Alert {
                        rule: name.to_string(),
                        subject: host.clone(),
                        count: 1,
                        value: Some(percent(p.value)),
                        limit: Some(percent(threshold)),
                        at: Some(at(p.at, tz)),
                    });
                }
                MetricPeak {
                    peak: p.value,
                    at: at(p.at, tz),
                    threshold,
                    over,
                }
            })
        };
        let t = s.thresholds(host, roles.get(host).map(String::as_str));
        metrics.push(HostMetrics {
            host: host.clone(),
            samples: p.samples,
            cpu: view("cpu", p.cpu, t.cpu),
            mem: view("mem", p.mem, t.mem),
            disk: view("disk", p.disk, t.disk),
        });
    }
    metrics
}

/// Documents whose exchange failed, most failures first; an alert each.
fn exchange_failures(d: &DayAgg, tz: Tz, alerts: &mut Vec<Alert>) -> Vec<ExchangeFailure> {
    let mut failures: Vec<ExchangeFailure> = d
        .exchange
        .failures
        .iter()
        .map(|(doc, f)| ExchangeFailure {
            doc_id: doc.clone(),
            count: f.count,
            last: at(f.last, tz),
            msg: f.msg.clone(),
        })
        .collect();
    failures.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.doc_id.cmp(&b.doc_id)));
    for f in &failures {
        alerts.push(Alert {
            rule: "exchange_failed".into(),
            subject: f.doc_id.clone(),
            count: f.count,
            value: None,
            limit: None,
            at: Some(f.last),
        });
    }
    failures
}

/// An alert for each document that waited longer than `pending_after`.
fn overdue_alerts(overdue: &[OverdueDocument], s: &LogSettings, alerts: &mut Vec<Alert>) {
    for o in overdue {
        alerts.push(Alert {
            rule: "exchange_pending".into(),
            subject: o.doc_id.clone(),
            count: 1,
            value: Some(o.waited.to_string()),
            limit: Some(s.pending_after.to_string()),
            at: Some(o.pending_since),
        });
    }
}

/// Each set's backup jobs; an alert for each set with a failed one.
fn backup_jobs(d: &DayAgg, tz: Tz, alerts: &mut Vec<Alert>) -> Vec<BackupJobs> {
    let backups: Vec<BackupJobs> = d
        .backups
        .iter()
        .map(|(set, b)| BackupJobs {
            set: set.clone(),
            ok: b.ok,
            failed: b.failed,
            other: b.other,
            last: b.last.as_ref().map(|e| BackupJob {
                at: at(e.at, tz),
                status: e.status.clone(),
                host: e.host.clone(),
                msg: e.msg.clone(),
            }),
        })
        .collect();
    for b in backups.iter().filter(|b| b.failed > 0) {
        let last_failed = b
            .last
            .as_ref()
            .filter(|l| backup_outcome(&l.status) == Some(false));
        alerts.push(Alert {
            rule: "backup_failed".into(),
            subject: b.set.clone(),
            count: b.failed,
            value: None,
            limit: None,
            at: last_failed.map(|l| l.at),
        });
    }
    backups
}

/// An alert for each group of a `[[logs.alerts]]` rule that reached its
/// count.
fn rule_alerts(d: &DayAgg, s: &LogSettings, alerts: &mut Vec<Alert>) {
    for rule in &s.alerts {
        let Some(groups) = d.rules.get(&rule.name) else {
            continue;
        };
        for (group, &n) in groups.iter().filter(|&(_, &n)| n >= rule.min_count) {
            alerts.push(Alert {
                rule: rule.name.clone(),
                subject: group.clone(),
                count: n,
                value: Some(n.to_string()),
                limit: Some(rule.min_count.to_string()),
                at: None,
            });
        }
    }
}

/// The most frequent folded error messages (`[logs] top_errors`).
fn top_errors(d: &DayAgg, s: &LogSettings, tz: Tz) -> Vec<ErrorMessage> {
    let mut top_errors: Vec<ErrorMessage> = d
        .errors
        .iter()
        .flat_map(|(service, groups)| {
            groups.iter().map(move |(pattern, g)| ErrorMessage {
                service: service.clone(),
                pattern: pattern.clone(),
                count: g.count,
                example: g.example.clone(),
                first: at(g.first, tz),
                last: at(g.last, tz),
            })
        })
        .collect();
    top_errors.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.first.cmp(&b.first))
            .then_with(|| (&a.service, &a.pattern).cmp(&(&b.service, &b.pattern)))
    });
    top_errors.truncate(s.top_errors);
    top_errors
}

/// Failed logins by user and host, most first.
fn failed_logins(d: &DayAgg) -> Vec<FailedLogins> {
    let mut failed: Vec<FailedLogins> = d
        .failed_logins
        .iter()
        .flat_map(|(user, hosts)| {
            hosts.iter().map(move |(host, &count)| FailedLogins {
                user: user.clone(),
                host: host.clone(),
                count,
            })
        })
        .collect();
    failed.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| (&a.user, &a.host).cmp(&(&b.user, &b.host)))
    });
    failed
}
