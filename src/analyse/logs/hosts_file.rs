//! The `.hosts` file beside each entry of `state/logs/`: what each host
//! logged per day in one log file ([`HostDay`]), in a binary form
//! (postcard), behind a summary of each host-day ([`DaySummary`]).
//!
//! A year of 5-minute metrics is megabytes of host-days, and a run whose
//! server records are all up to date needs none of them: each day's verdict
//! and each month's key come from the summaries and the file's digest. So
//! the file is laid out for reading its front alone:
//!
//! ```text
//! [summary length, 8 bytes little-endian][summaries][host-days of done and rest]
//! ```
//!
//! The entry's JSON holds the BLAKE3 of the whole file, checked when it is
//! read back: a file that does not match is not used, and its log is read
//! again. The host-days behind the summaries are decoded only for a month
//! whose records are made ([`FileHosts::days`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;

use super::aggregate::Aggregate;
use super::host_day::{DaySummary, HostDay};

/// Host-days by day, then host.
pub type HostsMap = BTreeMap<NaiveDate, BTreeMap<String, HostDay>>;
/// Summaries by day, then host.
pub type Summaries = BTreeMap<NaiveDate, BTreeMap<String, DaySummary>>;
type Days = Vec<(NaiveDate, BTreeMap<String, HostDay>)>;

/// The file for the host-days of an entry's `done` and `rest`, and its
/// BLAKE3 (hex).
pub fn bytes(done: &Aggregate, rest: Option<&Aggregate>) -> (Vec<u8>, String) {
    let (done, rest) = (days_of(Some(done)), days_of(rest));
    let summaries = summarize(done.iter().chain(&rest).map(|(date, hosts)| (*date, *hosts)));
    let front = postcard::to_stdvec(&summaries).expect("summaries serialize");
    let mut out = (front.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&front);
    let out = postcard::to_extend(&(done, rest), out).expect("host-days serialize");
    let digest = blake3::hash(&out).to_hex().to_string();
    (out, digest)
}

/// The summaries of host-days, those of one day and host merged.
fn summarize<'a>(days: impl Iterator<Item = (NaiveDate, &'a BTreeMap<String, HostDay>)>) -> Summaries {
    let mut summaries = Summaries::new();
    for (date, hosts) in days {
        let day = summaries.entry(date).or_default();
        for (host, h) in hosts {
            day.entry(host.clone()).or_default().merge(&DaySummary::of(h));
        }
    }
    summaries
}

/// The host-days of an aggregate, by day.
fn days_of(agg: Option<&Aggregate>) -> Vec<(NaiveDate, &BTreeMap<String, HostDay>)> {
    agg.into_iter()
        .flat_map(|a| a.days.iter())
        .filter(|(_, d)| !d.hosts.is_empty())
        .map(|(date, d)| (*date, &d.hosts))
        .collect()
}

/// A `.hosts` file read back: its summaries decoded, its host-days kept as
/// bytes until they are needed.
#[derive(Debug)]
pub struct Kept {
    pub digest: String,
    pub summaries: Summaries,
    bytes: memmap2::Mmap,
    /// Where the host-days start.
    days_at: usize,
}

impl Kept {
    /// The file at `path`, if its BLAKE3 is `digest` and its summaries read.
    pub fn read(path: &Path, digest: &str) -> Option<Kept> {
        let file = std::fs::File::open(path).ok()?;
        // SAFETY: the map is only read. opsbook replaces the files of
        // `state/logs/` by renaming a new one over them, never in place, and
        // a map keeps the contents it was made of after such a rename. (A
        // program that cut the file short in place would raise SIGBUS.)
        // Mapped rather than read: a year of host-days is megabytes, and a
        // copy of it costs more than everything done with it on most runs.
        // Populated: the whole file is hashed at once, and one call that
        // maps every page costs far less than a page fault for each.
        let bytes = unsafe { memmap2::MmapOptions::new().populate().map(&file) }.ok()?;
        if blake3::hash(&bytes).to_hex().as_str() != digest {
            return None;
        }
        let len = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
        let days_at = len.checked_add(8)?;
        let summaries = postcard::from_bytes(bytes.get(8..days_at)?).ok()?;
        Some(Kept {
            digest: digest.to_string(),
            summaries,
            bytes,
            days_at,
        })
    }

    /// The host-days of `done` and of `rest`.
    pub fn unpack(&self) -> (Days, Days) {
        // The digest was checked when the file was read, and opsbook wrote
        // it: bytes that then do not decode are a bug, not a damaged file.
        postcard::from_bytes(&self.bytes[self.days_at..]).expect("host-days opsbook wrote decode")
    }
}

/// One log file's host-days, as the server records take them: summaries at
/// once, host-days when a record is made.
#[derive(Debug)]
pub struct FileHosts {
    /// The digest of its `.hosts` file: the same digest, the same host-days.
    pub digest: String,
    pub summaries: Summaries,
    days: Held,
}

#[derive(Debug)]
enum Held {
    /// Read from the log by this run.
    Here(HostsMap),
    /// Read back from `state/logs/`, decoded when first needed.
    Kept(Box<Kept>, OnceLock<HostsMap>),
}

impl FileHosts {
    /// Host-days read from the log by this run (`done` and `rest` merged),
    /// with the digest of the file that keeps them.
    pub fn here(digest: String, days: HostsMap) -> FileHosts {
        let summaries = summarize(days.iter().map(|(date, hosts)| (*date, hosts)));
        FileHosts {
            digest,
            summaries,
            days: Held::Here(days),
        }
    }

    /// Host-days read back from `state/logs/`.
    pub fn kept(mut kept: Box<Kept>) -> FileHosts {
        FileHosts {
            digest: kept.digest.clone(),
            summaries: std::mem::take(&mut kept.summaries),
            days: Held::Kept(kept, OnceLock::new()),
        }
    }

    /// The host-days, `done` and `rest` merged.
    pub fn days(&self) -> &HostsMap {
        match &self.days {
            Held::Here(days) => days,
            Held::Kept(kept, decoded) => decoded.get_or_init(|| {
                let (done, rest) = kept.unpack();
                let mut days: HostsMap = done.into_iter().collect();
                for (date, hosts) in rest {
                    let day = days.entry(date).or_default();
                    for (host, h) in hosts {
                        day.entry(host).or_default().merge(h);
                    }
                }
                days
            }),
        }
    }
}
