//! The logs as the portal shows them: a table of every day with
//! logs, the recent alerts, an errors-per-day chart, and each month's days in
//! full (counts by service and level, the most frequent errors, failed
//! logins, document exchange, metric peaks, backup jobs, alerts).
//!
//! "Recent" has one meaning: the days of `[logs] recent` up to the clock's
//! day, as the ingest judged them ([`RecentWindow`]), whose alerts also fail
//! the nightly run. The pages name that window by its dates.
//!
//! Logged texts (messages, user names, hosts, document ids) are masked for
//! the audience like every other text of the model.

use chrono::NaiveDate;
use serde::Serialize;

use super::chart::{Series, SeriesChart};
use super::log_day::{AlertLabels, AlertView, DayCounts, LogDay};
use crate::analyse::logs::LogReport;
use crate::analyse::logs::report::{ProblemKind, RecentWindow};
use crate::period::{Every, Period};

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
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Log files read, lines in them, and lines that were no record.
    pub files: usize,
    pub lines: u64,
    pub malformed: u64,
    /// Files that could not be read to their end.
    pub problems: Vec<LogFileProblem>,
    /// Every day with logs, newest first.
    pub days: Vec<DayRow>,
    /// The recent days: `[logs] recent` up to the clock's day.
    pub recent: RecentDays,
    /// The alerts of the recent days, newest first.
    pub recent_alerts: Vec<AlertRow>,
    /// Alerts of the days before the recent ones.
    pub earlier_alerts: usize,
    /// Errors per day over the last days with logs.
    pub chart: Option<SeriesChart>,
}

/// The window of recent days, as the pages name it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RecentDays {
    pub days: u64,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl From<RecentWindow> for RecentDays {
    fn from(w: RecentWindow) -> Self {
        RecentDays {
            days: w.days,
            from: w.from,
            to: w.to,
        }
    }
}

/// One day in the overview.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    pub date: NaiveDate,
    /// Within the recent days.
    pub recent: bool,
    /// The day on its month's page.
    pub url: String,
    #[serde(flatten)]
    pub counts: DayCounts,
    pub alerts: usize,
}

/// A log file that could not be read to its end.
#[derive(Debug, Clone, Serialize)]
pub struct LogFileProblem {
    pub file: String,
    pub kind: ProblemKind,
    pub detail: String,
    pub recent: bool,
}

/// An alert with its day.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRow {
    pub date: NaiveDate,
    pub url: String,
    #[serde(flatten)]
    pub alert: AlertView,
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
    pub days: Vec<LogDay>,
}

/// A day's place on its month's page.
fn day_url(d: NaiveDate) -> String {
    format!("logs/{}.html#d-{d}", Period::containing(Every::Month, d))
}

impl Logs {
    /// The part from an ingest.
    pub fn new(report: &LogReport, labels: &AlertLabels) -> Logs {
        let days: Vec<LogDay> = report.days.iter().map(|d| LogDay::new(d, labels)).collect();
        let overview = overview(report, &days);
        Logs {
            overview,
            months: months(days),
        }
    }
}

/// Each month with logs, with its days in full.
fn months(days: Vec<LogDay>) -> Vec<LogMonth> {
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
        months.last_mut().expect("just pushed").days.push(d);
    }
    for m in &mut months {
        let first = m.days.first().map(|d| d.date);
        let last = m.days.last().map(|d| d.date);
        if let (Some(first), Some(last)) = (first, last) {
            m.chart = errors_per_day(&m.days, first, last);
        }
    }
    months
}

/// The overview: every day in brief, the recent days' alerts, the chart.
fn overview(report: &LogReport, days: &[LogDay]) -> LogsOverview {
    let recent_alerts = days
        .iter()
        .rev()
        .filter(|d| d.recent)
        .flat_map(|d| {
            d.alerts.iter().map(move |a| AlertRow {
                date: d.date,
                url: day_url(d.date),
                alert: a.clone(),
            })
        })
        .collect();
    let earlier_alerts = days
        .iter()
        .filter(|d| !d.recent && d.date < report.recent.from)
        .map(|d| d.alerts.len())
        .sum();
    let chart = days.last().map(|last| {
        let from = last
            .date
            .checked_sub_days(chrono::Days::new(CHART_DAYS - 1))
            .unwrap_or(NaiveDate::MIN)
            .max(days[0].date);
        errors_per_day(days, from, last.date)
    });
    LogsOverview {
        from: days.first().map(|d| d.date),
        to: days.last().map(|d| d.date),
        files: report.files.len(),
        lines: report.lines,
        malformed: report.malformed_count,
        problems: report
            .problems
            .iter()
            .map(|p| LogFileProblem {
                file: p.file.clone(),
                kind: p.kind,
                detail: p.detail.clone(),
                recent: p.recent,
            })
            .collect(),
        days: days
            .iter()
            .rev()
            .map(|d| DayRow {
                date: d.date,
                recent: d.recent,
                url: day_url(d.date),
                counts: d.counts,
                alerts: d.alerts.len(),
            })
            .collect(),
        recent: report.recent.into(),
        recent_alerts,
        earlier_alerts,
        chart,
    }
}

/// ERROR and FATAL lines of each day from `from` to `to` (days without logs
/// count none).
fn errors_per_day(days: &[LogDay], from: NaiveDate, to: NaiveDate) -> SeriesChart {
    let span: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    let errors = span
        .iter()
        .map(|d| {
            days.binary_search_by_key(d, |r| r.date)
                .map_or(0.0, |i| days[i].counts.errors as f64)
        })
        .collect();
    SeriesChart {
        x: span.iter().map(|d| d.to_string()).collect(),
        series: vec![Series {
            key: "errors".into(),
            values: errors,
        }],
        stacked: false,
    }
}
