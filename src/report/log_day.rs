//! One day of logs as its month's page and data show it: counts by
//! service and level, the most frequent errors, failed logins, document
//! exchange, metric peaks, backup jobs and alerts, every logged text masked
//! for the audience.
//!
//! Built from the ingest's day (`analyse::logs::DayReport`), field by field:
//! the page reads this struct, so a level with no lines is a 0 here rather
//! than a key missing from a map.

use chrono::NaiveDate;
use serde::Serialize;

use crate::analyse::logs::DayReport;
use crate::analyse::logs::ExchangeStatus;
use crate::analyse::logs::Level;
use crate::analyse::logs::report::Alert;
use crate::duration::Dur;
use crate::load::settings::logs::AlertRule;
use crate::time::Timestamp;

#[derive(Debug, Clone, Serialize)]
pub struct LogDay {
    pub date: NaiveDate,
    /// One of the recent days (`[logs] recent`): its alerts fail the run.
    pub recent: bool,
    #[serde(flatten)]
    pub counts: DayCounts,
    pub alerts: Vec<AlertView>,
    pub services: Vec<ServiceRow>,
    pub top_errors: Vec<ErrorRow>,
    pub logins: LoginsView,
    pub exchange: ExchangeView,
    pub metrics: Vec<HostRow>,
    pub backups: Vec<BackupJobsRow>,
}

/// A day's figures, as the overview's row and the day's page show them.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DayCounts {
    pub lines: u64,
    /// ERROR and FATAL lines.
    pub errors: u64,
    pub warnings: u64,
    pub failed_logins: u64,
    pub exchange_failed: u64,
    pub exchange_pending: u64,
}

/// The `label` of each `[[logs.alerts]]` rule that has one, by its name.
pub type AlertLabels = std::collections::HashMap<String, String>;

pub fn alert_labels(rules: &[AlertRule]) -> AlertLabels {
    rules
        .iter()
        .filter_map(|r| Some((r.name.clone(), r.label.clone()?)))
        .collect()
}

/// Something in a day's logs that needs a person.
#[derive(Debug, Clone, Serialize)]
pub struct AlertView {
    /// A built-in alert (`cpu`, `exchange_failed` …) or a `[[logs.alerts]]`
    /// rule's name.
    pub rule: String,
    /// The rule's `label` in `[[logs.alerts]]`, when it has one.
    pub label: Option<String>,
    pub subject: String,
    pub count: u64,
    pub value: Option<String>,
    pub limit: Option<String>,
    pub at: Option<Timestamp>,
}

/// Lines of one service, by level.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    /// `""` for lines without a `service`.
    pub service: String,
    pub lines: u64,
    pub debug: u64,
    pub info: u64,
    pub warn: u64,
    pub error: u64,
    pub fatal: u64,
    /// Lines with no level or one opsbook does not know.
    pub other: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorRow {
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
pub struct LoginsView {
    pub succeeded: u64,
    pub failed: Vec<FailedLoginRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedLoginRow {
    pub user: String,
    pub host: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExchangeView {
    pub ok: u64,
    pub failed: u64,
    pub pending: u64,
    pub failures: Vec<ExchangeFailureRow>,
    pub overdue: Vec<OverdueRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExchangeFailureRow {
    pub doc_id: String,
    pub count: u64,
    pub last: Timestamp,
    pub msg: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueRow {
    pub doc_id: String,
    pub pending_since: Timestamp,
    pub waited: Dur,
    /// Its latest status: `pending` while it still waits.
    pub status: ExchangeStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostRow {
    pub host: String,
    pub samples: u64,
    pub cpu: Option<PeakView>,
    pub mem: Option<PeakView>,
    pub disk: Option<PeakView>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PeakView {
    pub peak: f64,
    pub at: Timestamp,
    pub threshold: f64,
    /// At or over the threshold.
    pub over: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupJobsRow {
    pub set: String,
    pub ok: u64,
    pub failed: u64,
    pub other: u64,
    pub last: Option<BackupJobView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupJobView {
    pub at: Timestamp,
    pub status: String,
    pub host: String,
    pub msg: String,
}

impl AlertView {
    pub fn new(a: &Alert, text: &impl Fn(&str) -> String, labels: &AlertLabels) -> AlertView {
        AlertView {
            rule: text(&a.rule),
            label: labels.get(&a.rule).cloned(),
            subject: text(&a.subject),
            count: a.count,
            value: a.value.clone(),
            limit: a.limit.clone(),
            at: a.at,
        }
    }
}

impl LogDay {
    /// The day of the ingest. Logged texts are kept as logged: they are
    /// masked when the model is serialized.
    pub fn new(d: &DayReport, labels: &AlertLabels) -> LogDay {
        let text = |s: &str| s.to_string();
        LogDay {
            date: d.date,
            recent: d.recent,
            counts: DayCounts {
                lines: d.lines,
                errors: d.errors,
                warnings: d.warnings,
                failed_logins: d.failed_logins,
                exchange_failed: d.exchange_failed,
                exchange_pending: d.exchange_pending,
            },
            alerts: d
                .alerts
                .iter()
                .map(|a| AlertView::new(a, &text, labels))
                .collect(),
            services: d
                .services
                .iter()
                .map(|s| ServiceRow {
                    service: text(&s.service),
                    lines: s.lines,
                    debug: s.levels.get(Level::Debug),
                    info: s.levels.get(Level::Info),
                    warn: s.levels.get(Level::Warn),
                    error: s.levels.get(Level::Error),
                    fatal: s.levels.get(Level::Fatal),
                    other: s.levels.get(Level::Other),
                })
                .collect(),
            top_errors: d
                .top_errors
                .iter()
                .map(|e| ErrorRow {
                    service: text(&e.service),
                    pattern: text(&e.pattern),
                    count: e.count,
                    example: text(&e.example),
                    first: e.first,
                    last: e.last,
                })
                .collect(),
            logins: LoginsView {
                succeeded: d.logins.succeeded,
                failed: d
                    .logins
                    .failed
                    .iter()
                    .map(|f| FailedLoginRow {
                        user: text(&f.user),
                        host: text(&f.host),
                        count: f.count,
                    })
                    .collect(),
            },
            exchange: exchange(d, &text),
            metrics: d
                .metrics
                .iter()
                .map(|m| {
                    let peak = |p: &Option<crate::analyse::logs::report::MetricPeak>| {
                        p.as_ref().map(|p| PeakView {
                            peak: p.peak,
                            at: p.at,
                            threshold: p.threshold,
                            over: p.over,
                        })
                    };
                    HostRow {
                        host: text(&m.host),
                        samples: m.samples,
                        cpu: peak(&m.cpu),
                        mem: peak(&m.mem),
                        disk: peak(&m.disk),
                    }
                })
                .collect(),
            backups: d
                .backups
                .iter()
                .map(|b| BackupJobsRow {
                    set: text(&b.set),
                    ok: b.ok,
                    failed: b.failed,
                    other: b.other,
                    last: b.last.as_ref().map(|j| BackupJobView {
                        at: j.at,
                        status: text(&j.status),
                        host: text(&j.host),
                        msg: text(&j.msg),
                    }),
                })
                .collect(),
        }
    }
}

fn exchange(d: &DayReport, text: &impl Fn(&str) -> String) -> ExchangeView {
    let e = &d.exchange;
    ExchangeView {
        ok: e.ok,
        failed: e.failed,
        pending: e.pending,
        failures: e
            .failures
            .iter()
            .map(|f| ExchangeFailureRow {
                doc_id: text(&f.doc_id),
                count: f.count,
                last: f.last,
                msg: text(&f.msg),
            })
            .collect(),
        overdue: e
            .overdue
            .iter()
            .map(|o| OverdueRow {
                doc_id: text(&o.doc_id),
                pending_since: o.pending_since,
                waited: o.waited,
                status: o.status,
            })
            .collect(),
    }
}
