//! Server inspection records (服务器巡检记录): one per host per day, from
//! what the host logged ([`HostDay`]), judged against its thresholds and the
//! expected metric interval.
//!
//! A host has a record for every day from its first `metric` sample to the
//! record's last day (the clock's day, or the service period's end when
//! earlier): a day on which it sent nothing is a record with one gap over
//! the whole day, not a missing record, since a server that is silent is
//! precisely what the record is for. The clock's own day is judged up to
//! the clock's minute.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use super::aggregate::Aggregate;
use super::host_day::{BUCKET_MINUTES, Highs, HostDay, MINUTES, MetricDay};
use crate::load::settings::logs::{HostThresholds, LogSettings};
use crate::time::{Clock, Timestamp};

/// One server's record of one day.
#[derive(Debug, Clone, Serialize)]
pub struct ServerDay {
    pub host: String,
    pub date: NaiveDate,
    /// The role its thresholds came from, if any.
    pub role: Option<String>,
    pub thresholds: HostThresholds,
    /// Minutes of the day with a metric sample.
    pub monitored_minutes: u32,
    /// Minutes of the day judged (all of it, or up to the clock).
    pub judged_minutes: u32,
    pub cpu: Option<MetricRecord>,
    pub mem: Option<MetricRecord>,
    pub disk: Option<MetricRecord>,
    /// Silences longer than the metric interval plus its tolerance.
    pub gaps: Vec<Gap>,
    /// ERROR and FATAL lines of the host, by service, most first.
    pub errors: Vec<ServiceErrors>,
    /// Backup jobs the host logged, by set.
    pub backups: Vec<HostJobs>,
    /// No metric over its threshold, no gap, no failed backup job.
    pub normal: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricRecord {
    pub samples: u64,
    pub peak: f64,
    /// When the peak was first reached.
    pub peak_at: Timestamp,
    /// Rounded to two decimals.
    pub average: f64,
    pub threshold: f64,
    /// Runs of intervals whose highest value was at or over the threshold.
    pub over: Vec<OverPeriod>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverPeriod {
    pub from: Timestamp,
    pub to: Timestamp,
    pub minutes: u32,
    /// The highest value in it.
    pub peak: f64,
}

/// A stretch with no sample: from the last sample (or the day's start) to
/// the next (or the day's end, or the clock).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub from: Timestamp,
    pub to: Timestamp,
    pub minutes: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceErrors {
    pub service: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostJobs {
    pub set: String,
    pub ok: u64,
    pub failed: u64,
    pub other: u64,
}

/// The records of every host that sent metrics, by host then day. `roles`
/// gives hosts a role where `[logs.hosts]` does not (the hardware
/// register); `last_day` is the record's last day.
pub fn records(
    agg: &Aggregate,
    settings: &LogSettings,
    roles: &BTreeMap<String, String>,
    clock: &Clock,
    last_day: NaiveDate,
) -> Vec<ServerDay> {
    let tz = clock.tz();
    let now = clock.now().with_timezone(&tz).naive_local();
    let limit =
        u32::try_from((settings.metric_interval.as_secs() + settings.metric_tolerance.as_secs()) / 60)
            .unwrap_or(u32::MAX);
    // Each host from its first day with a sample.
    let mut first: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    for (date, day) in &agg.days {
        for (host, h) in &day.hosts {
            if !h.minutes.is_empty() {
                first.entry(host.as_str()).or_insert(*date);
            }
        }
    }
    let hosts: BTreeSet<&str> = first.keys().copied().collect();
    let empty = HostDay::default();
    let mut out = Vec::new();
    for host in hosts {
        let role = settings
            .hosts
            .get(host)
            .and_then(|h| h.role.clone())
            .or_else(|| roles.get(host).cloned());
        let thresholds = settings.thresholds(host, role.as_deref());
        let mut date = first[host];
        while date <= last_day && date <= now.date() {
            let h = agg
                .days
                .get(&date)
                .and_then(|d| d.hosts.get(host))
                .unwrap_or(&empty);
            let judged = if date == now.date() {
                (now.time() - NaiveTime::MIN).num_minutes() as u32
            } else {
                MINUTES as u32
            };
            let peaks = agg.days.get(&date).and_then(|d| d.metrics.get(host));
            let at = |ms: i64| super::report::at(ms, tz);
            let metric = |m: &MetricDay, peak: Option<super::aggregate::Peak>, threshold: f64| {
                let (average, peak) = (m.average()?, peak?);
                Some(MetricRecord {
                    samples: m.samples,
                    peak: peak.value,
                    peak_at: at(peak.at),
                    average: (average * 100.0).round() / 100.0,
                    threshold,
                    over: over(&m.highs, threshold, date, tz),
                })
            };
            let mut errors: Vec<ServiceErrors> = h
                .errors
                .iter()
                .map(|(service, &count)| ServiceErrors {
                    service: service.clone(),
                    count,
                })
                .collect();
            errors.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.service.cmp(&b.service)));
            let record = ServerDay {
                host: host.to_string(),
                date,
                role: role.clone(),
                thresholds,
                monitored_minutes: h.minutes.iter().count() as u32,
                judged_minutes: judged,
                cpu: metric(&h.cpu, peaks.and_then(|p| p.cpu), thresholds.cpu),
                mem: metric(&h.mem, peaks.and_then(|p| p.mem), thresholds.mem),
                disk: metric(&h.disk, peaks.and_then(|p| p.disk), thresholds.disk),
                gaps: gaps(h, judged, limit, date, tz),
                errors,
                backups: h
                    .backups
                    .iter()
                    .map(|(set, j)| HostJobs {
                        set: set.clone(),
                        ok: j.ok,
                        failed: j.failed,
                        other: j.other,
                    })
                    .collect(),
                normal: false,
            };
            out.push(ServerDay {
                normal: record.gaps.is_empty()
                    && [&record.cpu, &record.mem, &record.disk]
                        .iter()
                        .all(|m| m.as_ref().is_none_or(|m| m.over.is_empty()))
                    && record.backups.iter().all(|b| b.failed == 0),
                ..record
            });
            let Some(next) = date.checked_add_days(Days::new(1)) else {
                break;
            };
            date = next;
        }
    }
    out
}

/// The silences of a day longer than `limit` minutes, over its first
/// `judged` minutes.
fn gaps(h: &HostDay, judged: u32, limit: u32, date: NaiveDate, tz: Tz) -> Vec<Gap> {
    let mut out = Vec::new();
    let mut last: u32 = 0;
    let mut push = |from: u32, to: u32| {
        if to - from > limit {
            out.push(Gap {
                from: local(date, from, tz),
                to: local(date, to, tz),
                minutes: to - from,
            });
        }
    };
    for m in h.minutes.iter().map(|m| m as u32).take_while(|m| *m <= judged) {
        push(last, m);
        last = m;
    }
    if judged > last {
        push(last, judged);
    }
    out
}

/// Runs of intervals whose highest value reached `threshold`.
fn over(highs: &Highs, threshold: f64, date: NaiveDate, tz: Tz) -> Vec<OverPeriod> {
    let mut out: Vec<OverPeriod> = Vec::new();
    let mut open: Option<(usize, f64)> = None;
    for b in 0..=Highs::len() {
        match (highs.get(b).filter(|v| *v >= threshold), open) {
            (Some(v), Some((start, peak))) => open = Some((start, peak.max(v))),
            (Some(v), None) => open = Some((b, v)),
            (None, Some((start, peak))) => {
                let (from, to) = ((start * BUCKET_MINUTES) as u32, (b * BUCKET_MINUTES) as u32);
                out.push(OverPeriod {
                    from: local(date, from, tz),
                    to: local(date, to, tz),
                    minutes: to - from,
                    peak,
                });
                open = None;
            }
            (None, None) => {}
        }
    }
    out
}

/// Minute `minute` of `date` (1440: the next day's start), in `tz`.
fn local(date: NaiveDate, minute: u32, tz: Tz) -> Timestamp {
    let naive = date.and_time(NaiveTime::MIN) + chrono::Duration::minutes(i64::from(minute));
    let t = tz
        .from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| tz.from_utc_datetime(&naive));
    Timestamp(t.fixed_offset())
}
