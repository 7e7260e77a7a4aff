//! What lines add up to, per local day: the [`Aggregate`].
//!
//! Aggregates merge associatively, so a file read in parallel chunks, a file
//! read in two runs (its old part from the cache, the part appended since
//! from disk) and all files of a project combine into the same result as one
//! pass over every line. Everything in them is a count, a maximum or a
//! minimum, or a pick made by a total order (the earliest example of an
//! error, the latest event of a document), never "whichever came first in
//! this pass". Nothing is dropped to save space but the text of runaway
//! messages, which are cut, and the places of malformed lines past the
//! first [`KEPT_MALFORMED`] of a file, which are counted.
//!
//! The [`Accumulator`] is the hot path: one call per line, no allocation
//! unless the line brings something new (a service, an error message, a
//! user with a failed login).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::day::DayFinder;
use super::fold::fold;
use super::host_day::HostDay;
use super::parse::{self, Level, Malformed, Record};
use super::rules::Rules;

/// Malformed lines kept with their place, per file; more are counted only.
pub const KEPT_MALFORMED: usize = 100;

/// Examples of error messages, backup and exchange messages are cut at this
/// many bytes.
pub const MAX_MESSAGE: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Lines read as records.
    pub lines: u64,
    /// Malformed lines, all of them.
    pub malformed: u64,
    /// The first [`KEPT_MALFORMED`], with their line number.
    pub malformed_lines: Vec<BadLine>,
    pub days: BTreeMap<NaiveDate, DayAgg>,
    /// Documents of the exchange by `doc_id`: where each one stands.
    pub documents: BTreeMap<String, Document>,
}

/// A malformed line: its number in the file (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadLine {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DayAgg {
    pub lines: u64,
    /// Lines by service (`""` for none) and level.
    pub services: BTreeMap<String, LevelCounts>,
    /// ERROR and FATAL lines by service and folded message.
    pub errors: BTreeMap<String, BTreeMap<String, ErrorGroup>>,
    pub logins_ok: u64,
    /// Failed logins by user and host.
    pub failed_logins: BTreeMap<String, BTreeMap<String, u64>>,
    pub exchange: ExchangeDay,
    /// Metric peaks by host.
    pub metrics: BTreeMap<String, HostPeaks>,
    /// Backup job events by set.
    pub backups: BTreeMap<String, BackupDay>,
    /// Lines matched by each alert rule, by the rule's `by` value.
    pub rules: BTreeMap<String, BTreeMap<String, u64>>,
    /// What each host (named by `host`) logged: its server record's evidence.
    /// Kept under `state/logs/` in a binary file of its own, not in the JSON
    /// ([`super::cache`]).
    #[serde(skip)]
    pub hosts: BTreeMap<String, HostDay>,
}

/// Lines per level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LevelCounts(pub [u64; 6]);

impl LevelCounts {
    pub fn get(&self, level: Level) -> u64 {
        self.0[level as usize]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    fn add(&mut self, other: &LevelCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

impl Serialize for LevelCounts {
    /// `{"INFO": 120, "ERROR": 3}`: levels with no lines left out.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(
            Level::ALL
                .iter()
                .filter(|&&l| self.get(l) > 0)
                .map(|&l| (l.name(), self.get(l))),
        )
    }
}

impl<'de> Deserialize<'de> for LevelCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, u64>::deserialize(d)?;
        let mut counts = LevelCounts::default();
        for (name, n) in map {
            counts.0[Level::parse(name.as_bytes()) as usize] += n;
        }
        Ok(counts)
    }
}

/// One folded error message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorGroup {
    pub count: u64,
    /// The earliest occurrence (ms) and its message as logged.
    pub first: i64,
    pub example: String,
    pub last: i64,
}

impl ErrorGroup {
    fn merge(&mut self, o: ErrorGroup) {
        self.count += o.count;
        self.last = self.last.max(o.last);
        if (o.first, &o.example) < (self.first, &self.example) {
            self.first = o.first;
            self.example = o.example;
        }
    }
}

/// Exchange events of a day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExchangeDay {
    pub ok: u64,
    pub failed: u64,
    pub pending: u64,
    /// Failed events by document (`""` when a line names none).
    pub failures: BTreeMap<String, Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub count: u64,
    /// The latest failure (ms) and its message.
    pub last: i64,
    pub msg: String,
}

impl Default for Failure {
    fn default() -> Self {
        Failure {
            count: 0,
            last: i64::MIN,
            msg: String::new(),
        }
    }
}

/// Where one document of the exchange stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The first time it was reported pending (ms).
    pub pending_since: Option<i64>,
    /// Its latest event (ms) and that event's status.
    pub last: i64,
    pub status: ExchangeStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExchangeStatus {
    Pending,
    Ok,
    Failed,
}

impl ExchangeStatus {
    /// `ok`/`success`, `failed`/`failure`/`error`, `pending`.
    fn parse(text: &str) -> Option<ExchangeStatus> {
        match text {
            "ok" | "success" => Some(ExchangeStatus::Ok),
            "failed" | "failure" | "error" => Some(ExchangeStatus::Failed),
            "pending" => Some(ExchangeStatus::Pending),
            _ => None,
        }
    }
}

/// A host's highest metrics of a day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostPeaks {
    pub samples: u64,
    pub cpu: Option<Peak>,
    pub mem: Option<Peak>,
    pub disk: Option<Peak>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Peak {
    pub value: f64,
    /// When it was reached first (ms).
    pub at: i64,
}

impl Peak {
    /// The higher; of two equal, the earlier.
    fn max(a: Option<Peak>, b: Option<Peak>) -> Option<Peak> {
        match (a, b) {
            (Some(a), Some(b)) => Some(match a.value.total_cmp(&b.value).then(b.at.cmp(&a.at)) {
                Ordering::Less => b,
                _ => a,
            }),
            (a, b) => a.or(b),
        }
    }
}

/// Backup job events of one set on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupDay {
    pub ok: u64,
    pub failed: u64,
    /// Other statuses (`started`, `running`, …).
    pub other: u64,
    pub last: Option<BackupEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BackupEvent {
    pub at: i64,
    pub status: String,
    pub host: String,
    pub msg: String,
}

/// A backup event's status read as success or failure.
pub fn backup_outcome(status: &str) -> Option<bool> {
    match status {
        "ok" | "success" | "succeeded" | "done" => Some(true),
        "failed" | "failure" | "error" => Some(false),
        _ => None,
    }
}

impl Aggregate {
    /// Adds `later`, whose lines follow this one's (its line numbers
    /// already counted from the start of the same file).
    pub fn merge(&mut self, later: Aggregate) {
        self.lines += later.lines;
        self.malformed += later.malformed;
        let room = KEPT_MALFORMED.saturating_sub(self.malformed_lines.len());
        self.malformed_lines
            .extend(later.malformed_lines.into_iter().take(room));
        for (date, day) in later.days {
            self.days.entry(date).or_default().merge(day);
        }
        for (id, doc) in later.documents {
            match self.documents.get_mut(&id) {
                Some(mine) => mine.merge(doc),
                None => {
                    self.documents.insert(id, doc);
                }
            }
        }
    }

    /// Counts line numbers from `by` lines further on.
    pub fn shift_lines(&mut self, by: u64) {
        for bad in &mut self.malformed_lines {
            bad.line += by;
        }
    }
}

impl Document {
    fn merge(&mut self, o: Document) {
        self.pending_since = match (self.pending_since, o.pending_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if (o.last, o.status) > (self.last, self.status) {
            self.last = o.last;
            self.status = o.status;
        }
    }
}

impl DayAgg {
    fn merge(&mut self, o: DayAgg) {
        self.lines += o.lines;
        for (service, counts) in o.services {
            self.services.entry(service).or_default().add(&counts);
        }
        for (service, groups) in o.errors {
            let mine = self.errors.entry(service).or_default();
            for (pattern, group) in groups {
                match mine.get_mut(&pattern) {
                    Some(g) => g.merge(group),
                    None => {
                        mine.insert(pattern, group);
                    }
                }
            }
        }
        self.logins_ok += o.logins_ok;
        add_nested(&mut self.failed_logins, o.failed_logins);
        self.exchange.ok += o.exchange.ok;
        self.exchange.failed += o.exchange.failed;
        self.exchange.pending += o.exchange.pending;
        for (doc, f) in o.exchange.failures {
            let mine = self.exchange.failures.entry(doc).or_default();
            mine.count += f.count;
            if (f.last, &f.msg) > (mine.last, &mine.msg) {
                mine.last = f.last;
                mine.msg = f.msg;
            }
        }
        for (host, p) in o.metrics {
            let mine = self.metrics.entry(host).or_default();
            mine.samples += p.samples;
            mine.cpu = Peak::max(mine.cpu, p.cpu);
            mine.mem = Peak::max(mine.mem, p.mem);
            mine.disk = Peak::max(mine.disk, p.disk);
        }
        for (set, b) in o.backups {
            let mine = self.backups.entry(set).or_default();
            mine.ok += b.ok;
            mine.failed += b.failed;
            mine.other += b.other;
            mine.last = mine.last.take().max(b.last);
        }
        add_nested(&mut self.rules, o.rules);
        for (host, h) in o.hosts {
            match self.hosts.get_mut(&host) {
                Some(mine) => mine.merge(h),
                None => {
                    self.hosts.insert(host, h);
                }
            }
        }
    }
}

fn add_nested(
    into: &mut BTreeMap<String, BTreeMap<String, u64>>,
    from: BTreeMap<String, BTreeMap<String, u64>>,
) {
    for (a, inner) in from {
        let mine = into.entry(a).or_default();
        for (b, n) in inner {
            *mine.entry(b).or_default() += n;
        }
    }
}

/// The value of `map[key]`, inserted empty if missing, without allocating a
/// key when there is one already (the common case on the hot path).
fn slot<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("the key was just inserted")
}

/// `text` cut to at most `max` bytes, at a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Adds lines to an [`Aggregate`], one call per line.
pub struct Accumulator<'r> {
    days: DayFinder,
    rules: &'r Rules,
    folded: String,
    pub agg: Aggregate,
}

impl<'r> Accumulator<'r> {
    pub fn new(tz: Tz, rules: &'r Rules) -> Self {
        Accumulator {
            days: DayFinder::new(tz),
            rules,
            folded: String::new(),
            agg: Aggregate::default(),
        }
    }

    /// Reads one line (without its newline); `number` is its line number.
    pub fn line(&mut self, bytes: &[u8], number: u64) {
        match parse::parse(bytes) {
            Ok(Some(rec)) => self.record(&rec),
            Ok(None) => {}
            Err(why) => self.malformed(number, &why),
        }
    }

    pub fn malformed(&mut self, number: u64, why: &Malformed) {
        self.agg.malformed += 1;
        if self.agg.malformed_lines.len() < KEPT_MALFORMED {
            self.agg.malformed_lines.push(BadLine {
                line: number,
                reason: why.to_string(),
            });
        }
    }

    fn record(&mut self, r: &Record<'_>) {
        self.agg.lines += 1;
        let (date, minute) = self.days.minute(r.ts);
        let day = self.agg.days.entry(date).or_default();
        day.lines += 1;
        let level = r.level();
        let service = text(r.service);
        // One lookup for the line's counter (`slot` would take two): this
        // runs for every line.
        match day.services.get_mut(service.as_ref()) {
            Some(counts) => counts.0[level as usize] += 1,
            None => {
                let mut counts = LevelCounts::default();
                counts.0[level as usize] = 1;
                day.services.insert(service.to_string(), counts);
            }
        }

        if level.is_error() {
            let msg = text(r.msg);
            fold(&msg, &mut self.folded);
            let example = cut(&msg, MAX_MESSAGE);
            if let Some(host) = r.host.map(|h| h.text()).filter(|h| !h.is_empty()) {
                *slot(&mut slot(&mut day.hosts, &host).errors, &service) += 1;
            }
            let groups = slot(&mut day.errors, &service);
            match groups.get_mut(self.folded.as_str()) {
                Some(g) => {
                    g.count += 1;
                    g.last = g.last.max(r.ts);
                    if (r.ts, example) < (g.first, g.example.as_str()) {
                        g.first = r.ts;
                        g.example = example.to_string();
                    }
                }
                None => {
                    groups.insert(
                        self.folded.clone(),
                        ErrorGroup {
                            count: 1,
                            first: r.ts,
                            example: example.to_string(),
                            last: r.ts,
                        },
                    );
                }
            }
        }

        if let Some(event) = r.event {
            if event.is("login") {
                login(day, r);
            } else if event.is("exchange") {
                exchange(day, &mut self.agg.documents, r);
            } else if event.is("metric") {
                metric(day, r, minute);
            } else if event.is("backup") {
                backup(day, r);
            }
        }

        self.rules.each_match(r, level, |rule, group| {
            *slot(slot(&mut day.rules, rule), &group) += 1;
        });
    }
}

fn text<'a>(s: Option<super::json::JsonStr<'a>>) -> Cow<'a, str> {
    s.map(|s| s.text()).unwrap_or_default()
}

fn login(day: &mut DayAgg, r: &Record<'_>) {
    match r.outcome.map(|o| o.text()).as_deref() {
        Some("success") => day.logins_ok += 1,
        Some("failure") => {
            let per_host = slot(&mut day.failed_logins, &text(r.user));
            *slot(per_host, &text(r.host)) += 1;
        }
        _ => {}
    }
}

fn exchange(day: &mut DayAgg, documents: &mut BTreeMap<String, Document>, r: &Record<'_>) {
    let Some(status) = r.status.and_then(|s| ExchangeStatus::parse(&s.text())) else {
        return;
    };
    let doc_id = text(r.doc_id);
    match status {
        ExchangeStatus::Ok => day.exchange.ok += 1,
        ExchangeStatus::Pending => day.exchange.pending += 1,
        ExchangeStatus::Failed => {
            day.exchange.failed += 1;
            let msg = text(r.msg);
            let f = slot(&mut day.exchange.failures, &doc_id);
            f.count += 1;
            if (r.ts, cut(&msg, MAX_MESSAGE)) > (f.last, f.msg.as_str()) {
                f.last = r.ts;
                f.msg = cut(&msg, MAX_MESSAGE).to_string();
            }
        }
    }
    if doc_id.is_empty() {
        return;
    }
    let event = Document {
        pending_since: (status == ExchangeStatus::Pending).then_some(r.ts),
        last: r.ts,
        status,
    };
    match documents.get_mut(doc_id.as_ref()) {
        Some(doc) => doc.merge(event),
        None => {
            documents.insert(doc_id.into_owned(), event);
        }
    }
}

fn metric(day: &mut DayAgg, r: &Record<'_>, minute: u32) {
    let host = text(r.host);
    if !host.is_empty() {
        slot(&mut day.hosts, &host).sample(minute, r.cpu, r.mem, r.disk);
    }
    let peaks = slot(&mut day.metrics, &host);
    peaks.samples += 1;
    let at = |v: Option<f64>| v.map(|value| Peak { value, at: r.ts });
    peaks.cpu = Peak::max(peaks.cpu, at(r.cpu));
    peaks.mem = Peak::max(peaks.mem, at(r.mem));
    peaks.disk = Peak::max(peaks.disk, at(r.disk));
}

fn backup(day: &mut DayAgg, r: &Record<'_>) {
    let b = slot(&mut day.backups, &text(r.set));
    let status = text(r.status);
    let outcome = backup_outcome(&status);
    match outcome {
        Some(true) => b.ok += 1,
        Some(false) => b.failed += 1,
        None => b.other += 1,
    }
    let host = text(r.host);
    if !host.is_empty() {
        let jobs = slot(&mut slot(&mut day.hosts, &host).backups, &text(r.set));
        match outcome {
            Some(true) => jobs.ok += 1,
            Some(false) => jobs.failed += 1,
            None => jobs.other += 1,
        }
    }
    let event = BackupEvent {
        at: r.ts,
        status: cut(&status, MAX_MESSAGE).to_string(),
        host: cut(&text(r.host), MAX_MESSAGE).to_string(),
        msg: cut(&text(r.msg), MAX_MESSAGE).to_string(),
    };
    b.last = b.last.take().max(Some(event));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::settings::logs::LogSettings;

    fn aggregate(lines: &[&str]) -> Aggregate {
        let rules = Rules::new(&LogSettings::default().alerts);
        let mut acc = Accumulator::new(chrono_tz::Asia::Shanghai, &rules);
        for (i, l) in lines.iter().enumerate() {
            acc.line(l.as_bytes(), i as u64 + 1);
        }
        acc.agg
    }

    const LINES: [&str; 12] = [
        r#"{"ts":"2025-12-01T00:30:00+08:00","level":"INFO","service":"oa-web","msg":"started"}"#,
        r#"{"ts":"2025-12-01T09:00:00+08:00","level":"ERROR","service":"oa-web","msg":"timeout after 3012 ms calling 10.2.0.15:8443"}"#,
        r#"{"ts":"2025-12-01T09:05:00+08:00","level":"ERROR","service":"oa-web","msg":"timeout after 87 ms calling 10.2.0.16:8443"}"#,
        "not json",
        r#"{"ts":"2025-12-01T10:00:00+08:00","level":"WARN","service":"auth","event":"login","outcome":"failure","user":"zhangsan","host":"app-01"}"#,
        r#"{"ts":"2025-12-01T10:01:00+08:00","level":"INFO","service":"auth","event":"login","outcome":"success","user":"zhangsan","host":"app-01"}"#,
        r#"{"ts":"2025-12-01T11:00:00+08:00","level":"INFO","service":"exchange","event":"exchange","status":"pending","doc_id":"D1"}"#,
        r#"{"ts":"2025-12-01T11:30:00+08:00","level":"ERROR","service":"exchange","event":"exchange","status":"failed","doc_id":"D2","msg":"city gateway 502"}"#,
        r#"{"ts":"2025-12-01T12:00:00+08:00","level":"INFO","host":"db-01","event":"metric","cpu":40,"mem":60,"disk":91.5}"#,
        r#"{"ts":"2025-12-01T13:00:00+08:00","level":"INFO","host":"db-01","event":"metric","cpu":70,"mem":50,"disk":91.5}"#,
        r#"{"ts":"2025-12-01T02:00:00+08:00","level":"INFO","host":"db-01","event":"backup","set":"oa-db","status":"ok","msg":"done"}"#,
        r#"{"ts":"2025-12-02T14:00:00+08:00","level":"FATAL","service":"oa-web","msg":"out of memory"}"#,
    ];

    #[test]
    fn counts_a_day() {
        let agg = aggregate(&LINES);
        assert_eq!((agg.lines, agg.malformed), (11, 1));
        assert_eq!(agg.malformed_lines[0].line, 4);
        let d1 = &agg.days[&NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()];
        assert_eq!(d1.lines, 10);
        assert_eq!(d1.services["oa-web"].get(Level::Error), 2);
        assert_eq!(d1.services[""].get(Level::Info), 3);
        let groups = &d1.errors["oa-web"];
        assert_eq!(groups.len(), 1);
        let g = &groups["timeout after <n> ms calling <ip>"];
        assert_eq!(g.count, 2);
        assert!(g.example.contains("3012"), "{g:?}");
        assert_eq!(d1.failed_logins["zhangsan"]["app-01"], 1);
        assert_eq!(d1.logins_ok, 1);
        assert_eq!((d1.exchange.pending, d1.exchange.failed), (1, 1));
        assert_eq!(d1.exchange.failures["D2"].msg, "city gateway 502");
        let peaks = &d1.metrics["db-01"];
        assert_eq!(peaks.samples, 2);
        assert_eq!(peaks.cpu.unwrap().value, 70.0);
        // Of two equal peaks, the first.
        assert_eq!(
            peaks.disk.unwrap().at,
            crate::analyse::logs::parse::parse_ts(b"2025-12-01T12:00:00+08:00").unwrap()
        );
        assert_eq!(d1.backups["oa-db"].ok, 1);
        let db = &d1.hosts["db-01"];
        assert_eq!((db.cpu.samples, db.cpu.average()), (2, Some(55.0)));
        assert_eq!(db.minutes.iter().collect::<Vec<_>>(), [720, 780]);
        assert_eq!(db.backups["oa-db"].ok, 1);
        assert_eq!(agg.documents["D1"].status, ExchangeStatus::Pending);
        let d2 = &agg.days[&NaiveDate::from_ymd_opt(2025, 12, 2).unwrap()];
        assert_eq!(d2.rules["fatal"]["oa-web"], 1);
    }

    #[test]
    fn merging_in_parts_is_reading_at_once() {
        let whole = aggregate(&LINES);
        for split in 0..=LINES.len() {
            let mut a = aggregate(&LINES[..split]);
            let mut b = aggregate(&LINES[split..]);
            b.shift_lines(split as u64);
            // Either order: everything but the malformed lines' order commutes.
            let mut c = b.clone();
            a.merge(b);
            assert_eq!(a, whole, "split at {split}");
            c.malformed_lines.clear();
            let mut first = aggregate(&LINES[..split]);
            first.malformed_lines.clear();
            c.merge(first);
            let mut w = whole.clone();
            w.malformed_lines.clear();
            assert_eq!(c, w, "reversed at {split}");
        }
    }

    #[test]
    fn survives_a_trip_through_json() {
        let agg = aggregate(&LINES);
        let json = serde_json::to_string(&agg).unwrap();
        // The host-days travel in a binary file of their own (`cache`).
        let mut without_hosts = agg.clone();
        let mut hosts = Vec::new();
        for (date, day) in &mut without_hosts.days {
            hosts.push((*date, std::mem::take(&mut day.hosts)));
        }
        assert!(hosts.iter().any(|(_, h)| !h.is_empty()));
        assert_eq!(serde_json::from_str::<Aggregate>(&json).unwrap(), without_hosts);
        let binary = postcard::to_stdvec(&hosts).unwrap();
        assert_eq!(
            postcard::from_bytes::<Vec<(NaiveDate, BTreeMap<String, HostDay>)>>(&binary).unwrap(),
            hosts
        );
    }
}
