//! The logs as the portal shows them: a table of every day with
//! logs, the recent alerts, an errors-per-day chart, and each month's days in
//! full (counts by service and level, the most frequent errors, failed
//! logins, document exchange, metric peaks, backup jobs, alerts).
//!
//! Logged texts (messages, user names, hosts, document ids) are masked for
//! the audience like every other text of the model.

use chrono::NaiveDate;
use serde::Serialize;

use super::chart::{Series, SeriesChart};
use super::note::day;
use crate::analyse::logs::report::Alert;
use crate::analyse::logs::{DayReport, FileProblem, LogReport};
use crate::period::{Every, Period};

/// Alerts of this many days up to the report's day are the recent ones.
pub const RECENT_DAYS: u64 = 7;
/// Days the overview's chart shows, up to the last day with logs.
const CHART_DAYS: u64 = 31;

#[derive(Debug, Clone, Serialize)]
pub struct Logs {
    pub overview: LogsOverview,
    /// Each month with logs, oldest first, with its days in full.
    pub months: Vec<LogMonth>,
}

/// The logs page: what every day and the recent alerts come to.
#[derive(Debug, Clone, Serialize)]
pub struct LogsOverview {
    /// The first and last day with log lines.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Log files read, lines in them, and lines that were no record.
    pub files: usize,
    pub lines: u64,
    pub malformed: u64,
    /// Files that could not be read to their end.
    pub problems: Vec<FileProblem>,
    /// Every day with logs, newest first.
    pub days: Vec<DayRow>,
    /// The alerts of the last [`RECENT_DAYS`] days up to the report's day,
    /// newest first.
    pub recent_alerts: Vec<AlertRow>,
    /// Errors per day over the last days with logs.
    pub chart: Option<SeriesChart>,
}

/// One day in the overview.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    pub date: String,
    /// The day on its month's page.
    pub url: String,
    pub lines: u64,
    pub errors: u64,
    pub warnings: u64,
    pub failed_logins: u64,
    pub exchange_failed: u64,
    pub exchange_pending: u64,
    pub alerts: usize,
}

/// An alert with its day.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRow {
    pub date: String,
    pub url: String,
    #[serde(flatten)]
    pub alert: Alert,
}

/// One month's page.
#[derive(Debug, Clone, Serialize)]
pub struct LogMonth {
    /// `2025-12`.
    pub period: String,
    pub url: String,
    pub data: String,
    /// Errors per day of the month.
    pub chart: SeriesChart,
    pub days: Vec<DayReport>,
}

impl Logs {
    /// The part from an ingest, at the report's day.
    pub fn new(report: &LogReport, today: NaiveDate) -> Logs {
        let days = &report.days;
        let url = |d: NaiveDate| format!("logs/{}.html#d-{}", Period::containing(Every::Month, d), day(d));

        let mut months: Vec<LogMonth> = Vec::new();
        for d in days {
            let month = Period::containing(Every::Month, d.date);
            if months.last().is_none_or(|m| m.period != month.to_string()) {
                months.push(LogMonth {
                    period: month.to_string(),
                    url: format!("logs/{month}.html"),
                    data: format!("data/logs/{month}.json"),
                    chart: SeriesChart {
                        x: Vec::new(),
                        series: Vec::new(),
                        stacked: false,
                    },
                    days: Vec::new(),
                });
            }
            months.last_mut().expect("just pushed").days.push(d.clone());
        }
        for m in &mut months {
            let first = m.days.first().map(|d| d.date);
            let last = m.days.last().map(|d| d.date);
            if let (Some(first), Some(last)) = (first, last) {
                m.chart = errors_per_day(&m.days, first, last);
            }
        }

        let recent_from = today
            .checked_sub_days(chrono::Days::new(RECENT_DAYS - 1))
            .unwrap_or(NaiveDate::MIN);
        let recent_alerts = days
            .iter()
            .rev()
            .filter(|d| recent_from <= d.date && d.date <= today)
            .flat_map(|d| {
                d.alerts.iter().map(move |a| AlertRow {
                    date: day(d.date),
                    url: url(d.date),
                    alert: a.clone(),
                })
            })
            .collect();
        let chart = days.last().map(|last| {
            let from = last
                .date
                .checked_sub_days(chrono::Days::new(CHART_DAYS - 1))
                .unwrap_or(NaiveDate::MIN)
                .max(days[0].date);
            errors_per_day(days, from, last.date)
        });
        let overview = LogsOverview {
            from: days.first().map(|d| day(d.date)),
            to: days.last().map(|d| day(d.date)),
            files: report.files.len(),
            lines: report.lines,
            malformed: report.malformed_count,
            problems: report.problems.clone(),
            days: days
                .iter()
                .rev()
                .map(|d| DayRow {
                    date: day(d.date),
                    url: url(d.date),
                    lines: d.lines,
                    errors: d.errors,
                    warnings: d.warnings,
                    failed_logins: d.failed_logins,
                    exchange_failed: d.exchange_failed,
                    exchange_pending: d.exchange_pending,
                    alerts: d.alerts.len(),
                })
                .collect(),
            recent_alerts,
            chart,
        };
        Logs { overview, months }
    }
}

/// ERROR and FATAL lines of each day from `from` to `to` (days without logs
/// count none).
fn errors_per_day(days: &[DayReport], from: NaiveDate, to: NaiveDate) -> SeriesChart {
    let span: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    let errors = span
        .iter()
        .map(|d| {
            days.binary_search_by_key(d, |r| r.date)
                .map_or(0.0, |i| days[i].errors as f64)
        })
        .collect();
    SeriesChart {
        x: span.iter().map(|d| day(*d)).collect(),
        series: vec![Series {
            key: "errors".into(),
            values: errors,
        }],
        stacked: false,
    }
}
