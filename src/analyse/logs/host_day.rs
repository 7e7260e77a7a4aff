//! What one host's lines of one day add up to: the evidence of its server
//! inspection record (服务器巡检记录).
//!
//! Like the rest of the [`Aggregate`](super::aggregate::Aggregate), a
//! [`HostDay`] merges associatively and commutatively, so chunks, appended
//! parts and whole files give the same record:
//!
//! - averages are kept as a count and a sum, and the sum is an integer of
//!   thousandths of a percent: floating-point addition is not associative,
//!   and a record must not change in its last digit because a file was read
//!   in two parts;
//! - when the host was monitored is a set of the day's minutes that had a
//!   sample (a union), from which gaps are found once the expected interval
//!   is known ([`super::servers`]);
//! - the highest value of each metric in each [`BUCKET_MINUTES`] interval of
//!   the day (a maximum), from which over-threshold periods are found once
//!   the host's thresholds are known. Thresholds thus apply to the
//!   aggregates, as everywhere in the logs: changing one never makes
//!   opsbook read a log again. The price is that a period is told to the
//!   interval, not the minute.
//!
//! A host-day costs about 2 KB in `state/logs/`: 184 bytes of minutes and
//! 576 bytes per metric, kept in a binary file beside the JSON of the log
//! file's other aggregates ([`super::hosts_file`]), since reading a year of
//! them back as JSON cost more than the rest of a nightly run.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Minutes of a day.
pub const MINUTES: usize = 1440;
/// Length of the intervals whose highest values are kept.
pub const BUCKET_MINUTES: usize = 5;
const BUCKETS: usize = MINUTES / BUCKET_MINUTES;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostDay {
    /// The minutes of the local day with at least one `metric` sample.
    pub minutes: Minutes,
    pub cpu: MetricDay,
    pub mem: MetricDay,
    pub disk: MetricDay,
    /// ERROR and FATAL lines of the host, by service (`""` for none).
    // No field is ever left out: the binary form has no field names.
    pub errors: BTreeMap<String, u64>,
    /// Backup job events the host logged, by set.
    pub backups: BTreeMap<String, Jobs>,
}

/// One metric of one host over a day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricDay {
    pub samples: u64,
    /// The sum of the samples, in thousandths of a percent.
    pub sum_milli: i64,
    pub highs: Highs,
}

/// Backup job events by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Jobs {
    pub ok: u64,
    pub failed: u64,
    pub other: u64,
}

impl HostDay {
    pub fn merge(&mut self, o: HostDay) {
        self.minutes.union(&o.minutes);
        self.cpu.merge(&o.cpu);
        self.mem.merge(&o.mem);
        self.disk.merge(&o.disk);
        for (service, n) in o.errors {
            *self.errors.entry(service).or_default() += n;
        }
        for (set, j) in o.backups {
            let mine = self.backups.entry(set).or_default();
            mine.ok += j.ok;
            mine.failed += j.failed;
            mine.other += j.other;
        }
    }

    /// A `metric` sample at `minute` of the day.
    pub fn sample(&mut self, minute: u32, cpu: Option<f64>, mem: Option<f64>, disk: Option<f64>) {
        let minute = (minute as usize).min(MINUTES - 1);
        self.minutes.insert(minute);
        for (m, v) in [(&mut self.cpu, cpu), (&mut self.mem, mem), (&mut self.disk, disk)] {
            if let Some(v) = v {
                m.add(minute, v);
            }
        }
    }
}

impl MetricDay {
    fn merge(&mut self, o: &MetricDay) {
        self.samples += o.samples;
        self.sum_milli += o.sum_milli;
        self.highs.max(&o.highs);
    }

    fn add(&mut self, minute: usize, v: f64) {
        self.samples += 1;
        // A percentage is at most 100 (more is a bad sample, kept as
        // logged): thousandths fit any number of samples of a day.
        self.sum_milli += (v * 1000.0).round() as i64;
        self.highs.raise(minute / BUCKET_MINUTES, v);
    }

    /// The day's average, when there are samples.
    pub fn average(&self) -> Option<f64> {
        (self.samples > 0).then(|| self.sum_milli as f64 / 1000.0 / self.samples as f64)
    }
}

/// What a day's verdict needs of a [`HostDay`], about a tenth of its size:
/// the minutes with a sample, and per metric the sample count and the
/// highest interval. It merges as the host-day does (the summary of merged
/// host-days is the merge of their summaries), and is kept in front of the
/// host-days under `state/logs/`, so that a run whose records are up to
/// date reads the summaries and never decodes a host-day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySummary {
    pub minutes: Minutes,
    /// CPU, memory, disk: samples, and the highest stored interval value.
    metrics: [(u64, u16); 3],
    /// A backup job of the day failed.
    pub failed_backups: bool,
}

impl DaySummary {
    pub fn of(h: &HostDay) -> DaySummary {
        let m = |d: &MetricDay| (d.samples, d.highs.top());
        DaySummary {
            minutes: h.minutes.clone(),
            metrics: [m(&h.cpu), m(&h.mem), m(&h.disk)],
            failed_backups: h.backups.values().any(|j| j.failed > 0),
        }
    }

    pub fn merge(&mut self, o: &DaySummary) {
        self.minutes.union(&o.minutes);
        for (a, b) in self.metrics.iter_mut().zip(o.metrics) {
            *a = (a.0 + b.0, a.1.max(b.1));
        }
        self.failed_backups |= o.failed_backups;
    }

    /// Metric `i` (0 CPU, 1 memory, 2 disk): whether it had a sample, and
    /// its highest interval value.
    pub fn metric(&self, i: usize) -> (bool, Option<f64>) {
        let (samples, top) = self.metrics[i];
        (samples > 0, Highs::value(top))
    }
}

/// A set of minutes of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minutes([u64; MINUTES.div_ceil(64)]);

impl Default for Minutes {
    fn default() -> Self {
        Minutes([0; MINUTES.div_ceil(64)])
    }
}

impl Minutes {
    pub fn insert(&mut self, minute: usize) {
        self.0[minute / 64] |= 1 << (minute % 64);
    }

    pub fn contains(&self, minute: usize) -> bool {
        self.0[minute / 64] & (1 << (minute % 64)) != 0
    }

    fn union(&mut self, o: &Minutes) {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a |= b;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The minutes in the set, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros() as usize;
                    w &= w - 1;
                    i * 64 + bit
                })
            })
        })
    }

    /// Calls `f` with each minute in the set, in order, until it returns
    /// false: [`Minutes::iter`] as a plain loop, for the verdict of every
    /// day of every server on every run.
    pub fn each(&self, mut f: impl FnMut(usize) -> bool) {
        for (i, &word) in self.0.iter().enumerate() {
            let mut w = word;
            while w != 0 {
                if !f(i * 64 + w.trailing_zeros() as usize) {
                    return;
                }
                w &= w - 1;
            }
        }
    }

    /// How many minutes the set holds.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

impl Serialize for Minutes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = self.0.iter().flat_map(|w| w.to_le_bytes()).collect();
        put_bytes(s, &bytes)
    }
}

impl<'de> Deserialize<'de> for Minutes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        get_bytes(d, |bytes| {
            let mut m = Minutes::default();
            for (w, chunk) in m.0.iter_mut().zip(bytes.chunks(8)) {
                let mut b = [0u8; 8];
                b[..chunk.len()].copy_from_slice(chunk);
                *w = u64::from_le_bytes(b);
            }
            m
        })
    }
}

/// The highest value of each interval of a day, in hundredths of a percent
/// plus one (0: no sample), rounded to the nearest hundredth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highs(Box<[u16; BUCKETS]>);

impl Default for Highs {
    fn default() -> Self {
        Highs(Box::new([0; BUCKETS]))
    }
}

impl Highs {
    fn raise(&mut self, bucket: usize, v: f64) {
        let stored = ((v.clamp(0.0, 600.0) * 100.0).round() as u16).saturating_add(1);
        let slot = &mut self.0[bucket];
        *slot = (*slot).max(stored);
    }

    fn max(&mut self, o: &Highs) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a = (*a).max(*b);
        }
    }

    /// The highest value of interval `bucket`, if it had a sample.
    pub fn get(&self, bucket: usize) -> Option<f64> {
        self.0.get(bucket).and_then(|v| Highs::value(*v))
    }

    /// A stored value as a percentage; `None` for no sample.
    fn value(stored: u16) -> Option<f64> {
        (stored > 0).then(|| f64::from(stored - 1) / 100.0)
    }

    pub const fn len() -> usize {
        BUCKETS
    }

    /// The highest stored value of the day (0: no sample).
    fn top(&self) -> u16 {
        self.0.iter().copied().max().unwrap_or(0)
    }
}

impl Serialize for Highs {
    /// Big-endian values; none for a day without samples.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.iter().all(|v| *v == 0) {
            return put_bytes(s, &[]);
        }
        let bytes: Vec<u8> = self.0.iter().flat_map(|v| v.to_be_bytes()).collect();
        put_bytes(s, &bytes)
    }
}

impl<'de> Deserialize<'de> for Highs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        get_bytes(d, |bytes| {
            let mut h = Highs::default();
            for (v, pair) in h.0.iter_mut().zip(bytes.chunks_exact(2)) {
                *v = u16::from_be_bytes([pair[0], pair[1]]);
            }
            h
        })
    }
}

/// Raw bytes in a binary format (`state/logs/`'s), hex in a readable one.
fn put_bytes<S: Serializer>(s: S, bytes: &[u8]) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        s.serialize_str(&hex(bytes))
    } else {
        s.serialize_bytes(bytes)
    }
}

/// What `fill` makes of the bytes [`put_bytes`] wrote: read in place from
/// a binary format (a year of host-days is read back on every run), from
/// hex in a readable one.
fn get_bytes<'de, D, T>(d: D, fill: fn(&[u8]) -> T) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    if d.is_human_readable() {
        return Ok(fill(&unhex::<D>(&String::deserialize(d)?)?));
    }
    struct Bytes<T>(fn(&[u8]) -> T);
    impl<T> serde::de::Visitor<'_> for Bytes<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("bytes")
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<T, E> {
            Ok((self.0)(v))
        }
    }
    d.deserialize_bytes(Bytes(fill))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

fn unhex<'de, D: Deserializer<'de>>(text: &str) -> Result<Vec<u8>, D::Error> {
    let digit = |c: u8| {
        (c as char)
            .to_digit(16)
            .ok_or_else(|| serde::de::Error::custom("not a hex digit"))
    };
    text.as_bytes()
        .chunks_exact(2)
        .map(|p| Ok((digit(p[0])? * 16 + digit(p[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_is_reading_at_once() {
        let samples = [(0, 10.5), (3, 99.99), (7, 40.0), (1439, 0.0), (700, 55.25)];
        let mut whole = HostDay::default();
        for (m, v) in samples {
            whole.sample(m, Some(v), None, Some(v / 2.0));
        }
        for split in 0..=samples.len() {
            let (mut a, mut b) = (HostDay::default(), HostDay::default());
            for (m, v) in &samples[..split] {
                a.sample(*m, Some(*v), None, Some(v / 2.0));
            }
            for (m, v) in &samples[split..] {
                b.sample(*m, Some(*v), None, Some(v / 2.0));
            }
            // The summary of the merge is the merge of the summaries.
            let mut summary = DaySummary::of(&a);
            summary.merge(&DaySummary::of(&b));
            assert_eq!(summary, DaySummary::of(&whole), "split at {split}");
            b.merge(a);
            assert_eq!(b, whole, "split at {split}");
        }
        assert_eq!(whole.cpu.highs.get(0), Some(99.99));
        assert_eq!(whole.cpu.highs.get(1), Some(40.0));
        assert_eq!(whole.cpu.highs.get(2), None);
        assert_eq!(whole.cpu.highs.get(287), Some(0.0));
        assert_eq!(whole.minutes.iter().collect::<Vec<_>>(), [0, 3, 7, 700, 1439]);
        assert!((whole.cpu.average().unwrap() - 41.148).abs() < 1e-9);
        assert_eq!(whole.mem, MetricDay::default());
        let summary = DaySummary::of(&whole);
        assert_eq!(summary.metric(0), (true, Some(99.99)));
        assert_eq!(summary.metric(1), (false, None));
        assert_eq!(summary.minutes.len(), 5);
    }

    #[test]
    fn survives_a_trip_through_json() {
        let mut d = HostDay::default();
        d.sample(65, Some(12.0), Some(88.5), None);
        d.errors.insert("oa-web".into(), 3);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<HostDay>(&json).unwrap(), d);
        let binary = postcard::to_stdvec(&d).unwrap();
        assert_eq!(postcard::from_bytes::<HostDay>(&binary).unwrap(), d);
        assert!(binary.len() < json.len() / 2, "{} bytes", binary.len());
    }
}
