//! The servers as the portal shows them: the list of servers, each
//! server's monthly report (服务器月度运行报告) with its trend charts, and
//! each day's server inspection record (服务器巡检记录) as a printable form.
//!
//! Every figure is the ingest's ([`ServerDay`]); this only groups them by
//! host and month and names their pages.

use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use serde::Serialize;

use super::chart::{Series, SeriesChart};
use crate::analyse::logs::{HostMonth, ServerDay};
use crate::period::{Every, Period};

#[derive(Debug, Clone, Serialize)]
pub struct Servers {
    /// Every host with a record, by name.
    pub hosts: Vec<HostRow>,
    /// Each host's months, oldest first.
    pub months: Vec<MonthPages>,
}

/// A server in the list.
#[derive(Debug, Clone, Serialize)]
pub struct HostRow {
    pub host: String,
    pub role: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days whose record is not normal.
    pub abnormal: usize,
    /// Its latest record in brief.
    pub last: DayLink,
    pub months: Vec<MonthLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthLink {
    pub period: String,
    pub url: String,
    pub abnormal: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayLink {
    pub date: NaiveDate,
    pub url: String,
    pub normal: bool,
}

/// One server's month as the site names it, with the key of what its
/// pages show; the month's report itself ([`ServerMonth`]) is made when
/// first asked for, which a build whose pages of the month are up to date
/// never does. Serialized, it is that report.
#[derive(Debug, Clone)]
pub struct MonthPages {
    pub host: String,
    pub role: Option<String>,
    /// `2025-12`.
    pub period: String,
    pub url: String,
    pub data: String,
    /// Each day's record page.
    pub days: Vec<DayLink>,
    /// The same key, the same report ([`HostMonth::key`]).
    pub key: blake3::Hash,
    source: HostMonth,
    report: Arc<OnceLock<ServerMonth>>,
}

impl MonthPages {
    /// The month's report, made once.
    pub fn report(&self) -> &ServerMonth {
        self.report
            .get_or_init(|| ServerMonth::new(self, self.source.records()))
    }
}

impl Serialize for MonthPages {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.report().serialize(s)
    }
}

/// One server's month.
#[derive(Debug, Clone, Serialize)]
pub struct ServerMonth {
    pub host: String,
    pub role: Option<String>,
    /// `2025-12`.
    pub period: String,
    pub url: String,
    pub data: String,
    /// Daily peaks and averages.
    pub cpu: SeriesChart,
    pub mem: SeriesChart,
    pub disk: SeriesChart,
    /// Gap minutes per day.
    pub gaps: SeriesChart,
    pub days: Vec<ServerRecord>,
}

/// One day's record with its page.
#[derive(Debug, Clone, Serialize)]
pub struct ServerRecord {
    pub url: String,
    /// The record's month, for its crumbs.
    pub month_url: String,
    /// Minutes of all its gaps together.
    pub gap_minutes: u32,
    /// ERROR and FATAL lines, all services.
    pub error_count: u64,
    #[serde(flatten)]
    pub record: ServerDay,
}

impl Servers {
    /// `None` when no host sent metrics.
    pub fn new(months: &[HostMonth]) -> Option<Servers> {
        if months.is_empty() {
            return None;
        }
        let months: Vec<MonthPages> = months
            .iter()
            .filter(|m| !m.days.is_empty())
            .map(|m| {
                let period = Period::containing(Every::Month, m.days[0].date).to_string();
                let slug = slug(&m.host);
                MonthPages {
                    host: m.host.clone(),
                    role: m.role.clone(),
                    url: format!("servers/{slug}/{period}.html"),
                    data: format!("data/servers/{slug}/{period}.json"),
                    period,
                    days: m
                        .days
                        .iter()
                        .map(|d| DayLink {
                            date: d.date,
                            url: format!("servers/{slug}/{}.html", d.date),
                            normal: d.normal,
                        })
                        .collect(),
                    key: m.key,
                    source: m.clone(),
                    report: Arc::default(),
                }
            })
            .collect();
        let mut hosts: Vec<HostRow> = Vec::new();
        for m in &months {
            let link = MonthLink {
                period: m.period.clone(),
                url: m.url.clone(),
                abnormal: m.days.iter().filter(|d| !d.normal).count(),
            };
            let last = m.days.last().expect("a month has days").clone();
            match hosts.last_mut().filter(|h| h.host == m.host) {
                Some(h) => {
                    h.abnormal += link.abnormal;
                    h.to = last.date;
                    h.last = last;
                    h.months.push(link);
                }
                None => hosts.push(HostRow {
                    host: m.host.clone(),
                    role: m.role.clone(),
                    from: m.days[0].date,
                    to: last.date,
                    abnormal: link.abnormal,
                    last,
                    months: vec![link],
                }),
            }
        }
        Some(Servers { hosts, months })
    }
}

impl ServerMonth {
    /// The report of the month `pages` names, from its records.
    fn new(pages: &MonthPages, records: Vec<ServerDay>) -> ServerMonth {
        let days: Vec<ServerRecord> = records
            .into_iter()
            .zip(&pages.days)
            .map(|(r, link)| ServerRecord {
                url: link.url.clone(),
                month_url: pages.url.clone(),
                gap_minutes: r.gaps.iter().map(|g| g.minutes).sum(),
                error_count: r.errors.iter().map(|e| e.count).sum(),
                record: r,
            })
            .collect();
        ServerMonth {
            host: pages.host.clone(),
            role: pages.role.clone(),
            period: pages.period.clone(),
            url: pages.url.clone(),
            data: pages.data.clone(),
            cpu: trend(&days, |r| r.record.cpu.as_ref().map(|x| (x.peak, x.average))),
            mem: trend(&days, |r| r.record.mem.as_ref().map(|x| (x.peak, x.average))),
            disk: trend(&days, |r| r.record.disk.as_ref().map(|x| (x.peak, x.average))),
            gaps: SeriesChart {
                x: days.iter().map(|d| day_of_month(d.record.date)).collect(),
                series: vec![Series {
                    key: "gap_minutes".into(),
                    values: days.iter().map(|d| f64::from(d.gap_minutes)).collect(),
                }],
                stacked: false,
            },
            days,
        }
    }
}

/// The day of the month, as a chart's category.
fn day_of_month(d: NaiveDate) -> String {
    d.format("%d").to_string()
}

/// A metric's daily peak and average over the month's days (0 where the
/// day had no sample of it).
fn trend(days: &[ServerRecord], pick: impl Fn(&ServerRecord) -> Option<(f64, f64)>) -> SeriesChart {
    let values: Vec<(f64, f64)> = days.iter().map(|d| pick(d).unwrap_or((0.0, 0.0))).collect();
    SeriesChart {
        x: days.iter().map(|d| day_of_month(d.record.date)).collect(),
        series: vec![
            Series {
                key: "peak".into(),
                values: values.iter().map(|v| v.0).collect(),
            },
            Series {
                key: "average".into(),
                values: values.iter().map(|v| v.1).collect(),
            },
        ],
        stacked: false,
    }
}

/// A host's name as one safe path segment: itself when it is made of
/// letters, digits, `.`, `-` and `_`, does not start with `.` and is
/// short enough for any file system; otherwise the first of those
/// characters kept and a digest of the name added, so two names never share
/// a folder. Host names come from log lines, which anyone on a machine can
/// write: a name of ten thousand letters must not make a page unwritable.
pub fn slug(host: &str) -> String {
    const MAX_SLUG: usize = 64;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if !host.is_empty() && host.len() <= MAX_SLUG && !host.starts_with('.') && host.chars().all(plain) {
        return host.to_string();
    }
    let kept: String = host.chars().filter(|c| plain(*c)).take(40).collect();
    let digest = blake3::hash(host.as_bytes()).to_hex();
    format!("{}~{}", kept.trim_start_matches('.'), &digest[..8])
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_safe_and_distinct() {
        assert_eq!(slug("db-01"), "db-01");
        assert_ne!(slug("a/b"), slug("a\\b"));
        let long = "a".repeat(10_000);
        assert!(slug(&long).len() < 64, "a long name is shortened");
        assert_ne!(slug(&long), slug(&"a".repeat(10_001)));
        for name in ["../etc", "a/b", "", "..", "主机", long.as_str()] {
            let s = slug(name);
            assert!(
                !s.contains('/') && !s.starts_with('.') && !s.is_empty(),
                "{name}: {s}"
            );
        }
    }
}
