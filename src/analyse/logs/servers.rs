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

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use super::aggregate::{Aggregate, HostPeaks, Peak};
use super::host_day::{BUCKET_MINUTES, DaySummary, Highs, HostDay, MINUTES, MetricDay, Minutes};
use super::hosts_file::FileHosts;
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

/// One host's records of one month. What every page of the portal needs
/// of a month (each day's verdict, and a key that changes whenever a record
/// would) is had at once; the records themselves are made only when asked
/// for ([`HostMonth::records`]), so that a month the site already shows
/// costs a digest on each run, not its records and their pages.
#[derive(Debug, Clone)]
pub struct HostMonth {
    pub host: String,
    pub role: Option<String>,
    /// Each day of the month with a record, oldest first.
    pub days: Vec<DayVerdict>,
    /// BLAKE3 of everything the month's records are made from: the same
    /// key, the same records.
    pub key: blake3::Hash,
    source: Arc<Source>,
}

/// What a day's record concludes, without the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayVerdict {
    pub date: NaiveDate,
    /// At least one metric sample.
    pub monitored: bool,
    /// The record's [`ServerDay::normal`].
    pub normal: bool,
}

/// What one host's records of one month are made from.
#[derive(Debug)]
struct Source {
    host: String,
    role: Option<String>,
    thresholds: HostThresholds,
    /// The longest silence that is not a gap, in minutes.
    limit: u32,
    tz: Tz,
    days: Vec<SourceDay>,
    /// Every log file's host-days; `days` name those that hold theirs.
    files: Arc<[FileHosts]>,
}

#[derive(Debug)]
struct SourceDay {
    date: NaiveDate,
    /// Minutes of the day judged: all of it, or up to the clock.
    judged: u32,
    /// The day's host-days summed up, over all files.
    summary: DaySummary,
    /// The files (indices into `Source::files`) with host-days of the day.
    files: Vec<usize>,
    peaks: Option<HostPeaks>,
}

impl HostMonth {
    /// The month's records, one per day of [`HostMonth::days`]. Reads the
    /// host-days they are made from back from `state/logs/` where needed.
    pub fn records(&self) -> Vec<ServerDay> {
        let s = &*self.source;
        s.days.iter().map(|d| s.record(d)).collect()
    }
}

/// Every host that sent metrics, by host then month, from the host-days of
/// each log file (`files`) and the metric peaks of `agg`. A host has a
/// record for each day from its first sample to `last_day` or the clock's
/// day. `roles` gives hosts a role where `[logs.hosts]` does not (the
/// hardware register).
pub fn months(
    files: Vec<FileHosts>,
    agg: &Aggregate,
    settings: &LogSettings,
    roles: &BTreeMap<String, String>,
    clock: &Clock,
    last_day: NaiveDate,
) -> Vec<HostMonth> {
    let tz = clock.tz();
    let now = clock.now().with_timezone(&tz).naive_local();
    let limit =
        u32::try_from((settings.metric_interval.as_secs() + settings.metric_tolerance.as_secs()) / 60)
            .unwrap_or(u32::MAX);
    let files: Arc<[FileHosts]> = files.into();
    // Each host's days: the files' summaries merged, and the files.
    let mut by_host: BTreeMap<&str, BTreeMap<NaiveDate, (DaySummary, Vec<usize>)>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        for (date, hosts) in &f.summaries {
            for (host, s) in hosts {
                let day = by_host.entry(host).or_default().entry(*date).or_default();
                day.0.merge(s);
                day.1.push(i);
            }
        }
    }
    let mut sources: Vec<Source> = Vec::new();
    for (host, days) in &by_host {
        // From the host's first day with a sample.
        let Some(first) = days
            .iter()
            .find(|(_, (s, _))| !s.minutes.is_empty())
            .map(|(d, _)| *d)
        else {
            continue;
        };
        let role = settings
            .hosts
            .get(*host)
            .and_then(|h| h.role.clone())
            .or_else(|| roles.get(*host).cloned());
        let thresholds = settings.thresholds(host, role.as_deref());
        let mut date = first;
        while date <= last_day && date <= now.date() {
            let (summary, in_files) = days.get(&date).cloned().unwrap_or_default();
            let peaks = agg.days.get(&date).and_then(|d| d.metrics.get(*host)).cloned();
            let judged = if date == now.date() {
                (now.time() - NaiveTime::MIN).num_minutes() as u32
            } else {
                MINUTES as u32
            };
            let same_month = |m: &Source| {
                let d = m.days[0].date;
                m.host == *host && (d.year(), d.month()) == (date.year(), date.month())
            };
            if !sources.last().is_some_and(same_month) {
                sources.push(Source {
                    host: host.to_string(),
                    role: role.clone(),
                    thresholds,
                    limit,
                    tz,
                    days: Vec::new(),
                    files: files.clone(),
                });
            }
            let month = sources.last_mut().expect("just pushed");
            month.days.push(SourceDay {
                date,
                judged,
                summary,
                files: in_files,
                peaks,
            });
            let Some(next) = date.checked_add_days(Days::new(1)) else {
                break;
            };
            date = next;
        }
    }
    sources
        .into_iter()
        .map(|s| HostMonth {
            host: s.host.clone(),
            role: s.role.clone(),
            days: s.days.iter().map(|d| s.verdict(d)).collect(),
            key: s.key(),
            source: Arc::new(s),
        })
        .collect()
}

/// Bumped whenever the same evidence makes a different record.
const RECORD_FORMAT: u32 = 2;

impl Source {
    /// Digest of everything the records are made from: the digests of the
    /// log files' host-days they read (a file's host-days are what its
    /// digest says), the day's metric peaks, the thresholds, and how much of
    /// each day is judged.
    fn key(&self) -> blake3::Hash {
        let mut h = blake3::Hasher::new();
        h.update(&RECORD_FORMAT.to_le_bytes());
        let head = (
            &self.host,
            &self.role,
            [self.thresholds.cpu, self.thresholds.mem, self.thresholds.disk],
            self.limit,
            self.tz.name(),
        );
        let days: Vec<_> = self.days.iter().map(|d| (d.date, d.judged, &d.peaks)).collect();
        h.update(&postcard::to_stdvec(&(head, days)).expect("a month's source serializes"));
        let mut digests: Vec<&str> = self
            .days
            .iter()
            .flat_map(|d| &d.files)
            .map(|&i| self.files[i].digest.as_str())
            .collect();
        digests.sort_unstable();
        digests.dedup();
        for d in digests {
            h.update(d.as_bytes());
        }
        h.finalize()
    }

    /// The day's verdict, as its record gives it: from the day's summary,
    /// so that no host-day is decoded for it.
    fn verdict(&self, d: &SourceDay) -> DayVerdict {
        let s = &d.summary;
        let mut gap = false;
        silences(&s.minutes, d.judged, self.limit, |_, _| gap = true);
        let p = d.peaks.as_ref();
        let t = &self.thresholds;
        let peaks = [
            p.and_then(|p| p.cpu),
            p.and_then(|p| p.mem),
            p.and_then(|p| p.disk),
        ];
        // An interval at or over the threshold is an over-threshold period
        // of the record ([`over`]); a metric without samples or peak has
        // no record, and so no period.
        let over = [t.cpu, t.mem, t.disk]
            .into_iter()
            .enumerate()
            .any(|(i, threshold)| {
                let (sampled, top) = s.metric(i);
                sampled && peaks[i].is_some() && top.is_some_and(|v| v >= threshold)
            });
        DayVerdict {
            date: d.date,
            monitored: !s.minutes.is_empty(),
            normal: !gap && !over && !s.failed_backups,
        }
    }

    /// The day's host-days, over all the files that hold some.
    fn host_day(&self, d: &SourceDay) -> HostDay {
        let mut h = HostDay::default();
        for &i in &d.files {
            if let Some(part) = self.files[i].days().get(&d.date).and_then(|m| m.get(&self.host)) {
                h.merge(part.clone());
            }
        }
        h
    }

    fn record(&self, d: &SourceDay) -> ServerDay {
        let (tz, date) = (self.tz, d.date);
        let h = self.host_day(d);
        debug_assert_eq!(DaySummary::of(&h), d.summary, "a summary is its host-day's");
        let p = d.peaks.as_ref();
        let t = &self.thresholds;
        let metric = |m: &MetricDay, peak: Option<Peak>, threshold: f64| {
            let (average, peak) = (m.average()?, peak?);
            Some(MetricRecord {
                samples: m.samples,
                peak: peak.value,
                peak_at: super::report::at(peak.at, tz),
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
        let mut gaps = Vec::new();
        silences(&h.minutes, d.judged, self.limit, |from, to| {
            gaps.push(Gap {
                from: local(date, from, tz),
                to: local(date, to, tz),
                minutes: to - from,
            });
        });
        ServerDay {
            host: self.host.clone(),
            date,
            role: self.role.clone(),
            thresholds: self.thresholds,
            monitored_minutes: h.minutes.len() as u32,
            judged_minutes: d.judged,
            cpu: metric(&h.cpu, p.and_then(|p| p.cpu), t.cpu),
            mem: metric(&h.mem, p.and_then(|p| p.mem), t.mem),
            disk: metric(&h.disk, p.and_then(|p| p.disk), t.disk),
            gaps,
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
            normal: self.verdict(d).normal,
        }
    }
}

/// Each silence of a day longer than `limit` minutes over its first
/// `judged` minutes, as (from, to) minutes of the day.
fn silences(minutes: &Minutes, judged: u32, limit: u32, mut found: impl FnMut(u32, u32)) {
    let mut last: u32 = 0;
    let mut push = |from: u32, to: u32| {
        if to - from > limit {
            found(from, to);
        }
    };
    minutes.each(|m| {
        let m = m as u32;
        if m > judged {
            return false;
        }
        push(last, m);
        last = m;
        true
    });
    if judged > last {
        push(last, judged);
    }
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
