//! Verification split across machines: `--shard I/N` reads a stable N-th of
//! every set's files, and `--merge` puts the N results together into the one
//! report, baseline and history line that a single run would have kept.
//!
//! **Which files a shard reads.** A file belongs to one shard, chosen by the
//! BLAKE3 of its path within its set ([`owner`]): the same shard night after
//! night, whatever else the set holds and in whatever order it is listed, and
//! with no list of files to agree on beforehand. The digest is spread evenly,
//! so every file falls in any shard with the same chance 1/N whatever its
//! size: each shard's expected share is 1/N of the files *and* of the bytes.
//! What a shard reads varies around that share by about the size of the
//! largest files (one 40 GiB dump is read by one shard); sets of many files
//! of like size balance closely. The digest is cut into N equal ranges
//! rather than taken modulo N, so a shard of N splits into shards of 2N.
//!
//! **What a shard does.** It lists each whole set (sizes and times
//! included), reads only its own files (sampling, if any, among them), and
//! judges them against the baseline as a single run would. Its result keeps
//! only what is its own: the records, problems and new baseline lines of its
//! paths. What only the whole set can tell (`stale`, `too_few`, the newest
//! file, `name_time` warnings) is left to the merge, which works it out from
//! every shard's files together. A shard writes its result and nothing else:
//! neither the baselines nor the history, so it takes no lock, and N shards
//! can run side by side on one machine.
//!
//! **The run identity.** Shards merge only when they belong to one run:
//! the same clock (`--now`), the same N, the same settings (`opsbook.toml`
//! and opsbook's version), the same state (the history's last line and the
//! baselines of the sets verified), the same sets, sampling and `--full`.
//! The merge refuses anything else, and a shard missing or given twice, and
//! a result file whose content does not match the digest it carries; it then
//! holds the identity against `state/` as it is under the lock, so that a
//! run kept meanwhile cannot be overwritten by an older one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::DateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use super::baseline::{self, Baseline, Entry};
use super::judge::{self, RunInfo};
use super::report::{ProblemKind, SetReport, VerifyReport};
use super::set::SetFile;
use super::{Options, Verified, VerifyError};
use crate::load::Project;
use crate::load::settings::Sample;
use crate::progress::Progress;
use crate::state::{self, StateLock};
use crate::time::Clock;

/// Where shard results are kept: `state/verify/shards/<run>/<I>-of-<N>.json`.
pub const DIR: &str = "verify/shards";

/// The version of the result file's layout.
const FORMAT: u32 = 1;

/// `I/N`: the I-th of N shards, 1 ≤ I ≤ N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether the file at `path` (relative to its set's folder) is this
    /// shard's to read.
    pub fn owns(&self, path: &str) -> bool {
        owner(path, self.count) == self.index
    }

    /// The result's file name, `2-of-4.json`.
    pub fn file_name(&self) -> String {
        format!("{}-of-{}.json", self.index, self.count)
    }
}

/// The shard (1 to `count`) that reads the file at `path`: the first 64
/// bits of the BLAKE3 of the path, cut into `count` equal ranges.
pub fn owner(path: &str, count: u32) -> u32 {
    let hash = blake3::hash(path.as_bytes());
    let head = u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"));
    ((u128::from(head) * u128::from(count)) >> 64) as u32 + 1
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let err = || format!("invalid shard `{s}`: write `I/N` with 1 ≤ I ≤ N, like `2/4`");
        let (i, n) = s.trim().split_once('/').ok_or_else(err)?;
        let index: u32 = i.trim().parse().map_err(|_| err())?;
        let count: u32 = n.trim().parse().map_err(|_| err())?;
        if index == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Serialize for Shard {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// What makes shards parts of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// The run's clock, as its report's `started_at`.
    pub now: String,
    /// How many shards the run was split in.
    pub shards: u32,
    /// BLAKE3 of `opsbook.toml` and opsbook's version.
    pub settings: String,
    /// BLAKE3 of what `state/` held: the history's last line and the
    /// baselines of the sets verified.
    pub state: String,
    /// The sets verified (`--set`), in order; empty for all.
    pub sets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<Sample>,
    pub full: bool,
}

impl RunIdentity {
    /// A short name of the run: the first 16 hex digits of the identity's
    /// digest, which names the folder of its shards' results.
    pub fn id(&self) -> String {
        let json = serde_json::to_vec(self).expect("an identity serializes");
        blake3::hash(&json).to_hex()[..16].to_string()
    }

    /// How `other` differs from this one, said of `other`; `None` when the
    /// two are the same run.
    fn difference(&self, other: &RunIdentity) -> Option<String> {
        Some(if self.now != other.now {
            format!(
                "its clock is {}, not {} (give every shard of a run the same --now)",
                other.now, self.now
            )
        } else if self.shards != other.shards {
            format!("it is one of {} shards, not {}", other.shards, self.shards)
        } else if self.settings != other.settings {
            "it ran with another opsbook.toml or another version of opsbook".to_string()
        } else if self.state != other.state {
            "it found another state/ (history or baselines): a run was kept between the shards, \
             or they ran on different copies"
                .to_string()
        } else if self.sets != other.sets {
            format!("it verified the sets {:?}, not {:?}", other.sets, self.sets)
        } else if self.sample != other.sample || self.full != other.full {
            "it ran with another --sample or --full".to_string()
        } else {
            return None;
        })
    }
}

/// BLAKE3 of `opsbook.toml` and of opsbook's version.
pub fn settings_digest(project: &Project) -> Result<String, VerifyError> {
    let path = project.root.join(crate::load::settings::FILE_NAME);
    let bytes = std::fs::read(&path).map_err(|source| VerifyError::State { path, source })?;
    let mut hasher = blake3::Hasher::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(b"\0");
    hasher.update(&bytes);
    Ok(hasher.finalize().to_hex().to_string())
}

/// BLAKE3 of the history's last line and of each set's baseline, as loaded.
pub fn state_digest<'a>(
    head: &state::history::Head,
    baselines: impl IntoIterator<Item = (&'a str, &'a Baseline)>,
) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(format!("{} {}\n", head.seq, head.digest).as_bytes());
    for (name, baseline) in baselines {
        hasher.update(name.as_bytes());
        hasher.update(b"\0");
        for entry in baseline.entries() {
            serde_json::to_writer(&mut hasher, entry).expect("an entry serializes");
            hasher.update(b"\n");
        }
        hasher.update(b"\0");
    }
    hasher.finalize().to_hex().to_string()
}

/// A set's new baseline lines, those of the shard's paths.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardBaseline {
    pub set: String,
    /// The set's folder could be listed (else its baseline stays as it was).
    pub listed: bool,
    pub entries: Vec<Entry>,
}

/// What one shard found: its part of the report, and of the baselines.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardResult {
    pub format: u32,
    pub shard: Shard,
    pub run: RunIdentity,
    /// The shard's part: each set's `records`, `checked` and `problems`
    /// are of the shard's paths; `files` and `bytes` are the whole set's.
    /// `stale` and `too_few` are left to the merge.
    pub report: VerifyReport,
    pub baselines: Vec<ShardBaseline>,
}

/// The file as written: the result, and the BLAKE3 of its exact bytes.
#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    blake3: String,
    #[serde(borrow)]
    result: &'a RawValue,
}

impl ShardResult {
    /// The result file's text: JSON, the result with its digest.
    pub fn to_json(&self) -> String {
        let result = serde_json::to_string(self).expect("a shard result serializes");
        let raw = RawValue::from_string(result).expect("serde_json writes JSON");
        let envelope = Envelope {
            blake3: blake3::hash(raw.get().as_bytes()).to_hex().to_string(),
            result: &raw,
        };
        let mut text = serde_json::to_string_pretty(&envelope).expect("an envelope serializes");
        text.push('\n');
        text
    }

    /// Reads a result file; the error says what is wrong with it.
    pub fn read(path: &Path) -> Result<ShardResult, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
        let damaged = |why: String| format!("not a whole shard result of opsbook verify: {why}");
        let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        if blake3::hash(envelope.result.get().as_bytes()).to_hex().as_str() != envelope.blake3 {
            return Err(damaged("its content does not match the digest it carries".into()));
        }
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let Format { format } =
            serde_json::from_str(envelope.result.get()).map_err(|e| damaged(e.to_string()))?;
        if format != FORMAT {
            return Err(format!(
                "written in layout {format} by another version of opsbook, which this one (layout {FORMAT}) cannot merge"
            ));
        }
        serde_json::from_str(envelope.result.get()).map_err(|e| damaged(e.to_string()))
    }

    /// Where the result is kept under `state/`.
    pub fn path(&self, state_dir: &Path) -> PathBuf {
        state_dir
            .join(DIR)
            .join(self.run.id())
            .join(self.shard.file_name())
    }
}

/// Problems that only the whole set can tell, worked out by the merge.
fn whole_set_kind(kind: ProblemKind) -> bool {
    matches!(kind, ProblemKind::Stale | ProblemKind::TooFew)
}

/// Verifies the files of `shard` (of every set `opts` names) and returns
/// its result. Reads `state/` and writes nothing: no lock is taken.
pub fn verify_shard(
    project: &Project,
    clock: &Clock,
    opts: &Options,
    shard: Shard,
    progress: &dyn Progress,
) -> Result<ShardResult, VerifyError> {
    let (verified, state) = super::read_and_judge(project, clock, opts, Some(shard), progress)?;
    let run = RunIdentity {
        now: verified.report.started_at.clone(),
        shards: shard.count,
        settings: settings_digest(project)?,
        state: state.expect("a shard's run digests its state"),
        sets: opts.sets.clone(),
        sample: opts.sample,
        full: opts.full,
    };
    let Verified {
        mut report,
        baselines,
    } = verified;
    for set in &mut report.sets {
        set.records.retain(|r| shard.owns(&r.path));
        set.problems
            .retain(|p| !whole_set_kind(p.kind) && shard.owns(&p.path));
        set.checked = set
            .records
            .iter()
            .filter(|r| r.checked)
            .map(|r| r.path.clone())
            .collect();
        set.checked_bytes = set.records.iter().filter(|r| r.checked).map(|r| r.size).sum();
        set.ok = !set.problems.iter().any(|p| p.is_error());
    }
    report.ok = report.sets.iter().all(|s| s.ok);
    let baselines = report
        .sets
        .iter()
        .zip(baselines)
        .map(|(set, (_, baseline))| ShardBaseline {
            set: set.name.clone(),
            listed: baseline.is_some(),
            entries: baseline
                .map(Baseline::into_entries)
                .unwrap_or_default()
                .into_iter()
                .filter(|e| shard.owns(&e.path))
                .collect(),
        })
        .collect();
    Ok(ShardResult {
        format: FORMAT,
        shard,
        run,
        report,
        baselines,
    })
}

/// Why shard results cannot be merged: every reason, each naming its file.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("cannot merge the shard results:\n{}", .0.iter().map(|r| format!("  {r}")).collect::<Vec<_>>().join("\n"))]
    Refused(Vec<String>),
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

/// Checks that `results` (read from the files named beside them) are every
/// shard of one run, found `state/` as it is now (under `_lock`) and ran
/// with these settings; then puts them together into the run a single
/// `opsbook verify` would have made, ready to be [saved](Verified::save).
pub fn merge(
    project: &Project,
    results: Vec<(String, ShardResult)>,
    _lock: &StateLock,
) -> Result<Verified, MergeError> {
    let run = one_run(&results)?;
    let sets = super::choose_sets(project, &run.sets)?;
    let seq = as_found(project, &run, &sets)?;
    let first_file = &results[0].0;
    let now = DateTime::parse_from_rfc3339(&run.now)
        .map_err(|e| MergeError::Refused(vec![format!("{first_file}: its clock `{}`: {e}", run.now)]))?;
    let info = RunInfo {
        now,
        tz: project.tz(),
        seq,
    };
    let mut results: Vec<ShardResult> = results.into_iter().map(|(_, r)| r).collect();
    results.sort_by_key(|r| r.shard.index);

    let mut refused = Vec::new();
    let mut merged_sets = Vec::with_capacity(sets.len());
    let mut baselines = Vec::with_capacity(sets.len());
    let mut set_warnings = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        let mut parts: Vec<(&SetReport, &ShardBaseline)> = Vec::with_capacity(results.len());
        for r in &results {
            match (r.report.sets.get(i), r.baselines.get(i)) {
                (Some(s), Some(b)) if s.name == set.name && b.set == set.name => parts.push((s, b)),
                _ => refused.push(format!(
                    "shard {}: it holds no part of set `{}` where its run says it should",
                    r.shard, set.name
                )),
            }
        }
        if parts.len() < results.len() {
            continue;
        }
        let listed = parts[0].1.listed;
        if parts.iter().any(|(_, b)| b.listed != listed) {
            refused.push(format!(
                "set `{}`: some shards could list its folder and others could not: run the shards again",
                set.name
            ));
            continue;
        }
        let (report, warning) = merge_set(set, &parts, listed, &info);
        merged_sets.push(report);
        set_warnings.extend(warning);
        let entries: Vec<Entry> = parts
            .iter()
            .flat_map(|(_, b)| b.entries.iter().cloned())
            .collect();
        baselines.push((
            baseline::path(&project.state_dir(), &set.name),
            listed.then(|| Baseline::from_entries(entries)),
        ));
    }
    if !refused.is_empty() {
        return Err(MergeError::Refused(refused));
    }
    // The run ends when its last shard ended.
    let finished_at = results
        .iter()
        .map(|r| r.report.finished_at.as_str())
        .max_by_key(|t| DateTime::parse_from_rfc3339(t).ok())
        .unwrap_or(&run.now)
        .to_string();
    let report = VerifyReport {
        ok: merged_sets.iter().all(|s| s.ok),
        started_at: run.now.clone(),
        finished_at,
        warnings: set_warnings
            .into_iter()
            .chain(super::warnings(&merged_sets))
            .collect(),
        sets: merged_sets,
    };
    Ok(Verified { report, baselines })
}

/// The identity of the run `results` are every shard of, once each; else
/// every file that is not, and the shards missing.
fn one_run(results: &[(String, ShardResult)]) -> Result<RunIdentity, MergeError> {
    let Some((first_file, first)) = results.first() else {
        return Err(MergeError::Refused(vec!["no shard result was given".into()]));
    };
    let run = first.run.clone();
    let mut refused = Vec::new();
    let mut by_index: BTreeMap<u32, &str> = BTreeMap::new();
    for (file, result) in results {
        if let Some(why) = run.difference(&result.run) {
            refused.push(format!(
                "{file}: shard {} belongs to another run than {first_file}: {why}",
                result.shard
            ));
            continue;
        }
        if let Some(earlier) = by_index.insert(result.shard.index, file) {
            refused.push(format!(
                "{file}: shard {} is given twice (also {earlier})",
                result.shard
            ));
        }
    }
    let missing: Vec<String> = (1..=run.shards)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{}", run.shards))
        .collect();
    // With a file of another run among them, which shards are missing is
    // beside the point.
    if refused.is_empty() && !missing.is_empty() {
        refused.push(format!(
            "shard{} {} of run {} (clock {}) {} missing: a run merges only with every one of its {} shards",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            run.id(),
            run.now,
            if missing.len() == 1 { "is" } else { "are" },
            run.shards,
        ));
    }
    if refused.is_empty() {
        Ok(run)
    } else {
        Err(MergeError::Refused(refused))
    }
}

/// Checks that the project's settings and `state/` are those the shards of
/// `run` found; returns the history number the merged run gets.
fn as_found(
    project: &Project,
    run: &RunIdentity,
    sets: &[&crate::load::settings::BackupSet],
) -> Result<u64, MergeError> {
    let mut refused = Vec::new();
    if settings_digest(project)? != run.settings {
        refused.push(format!(
            "{}: it is not the one the shards ran with (or opsbook's version differs): merge in the same checkout, with the same opsbook",
            crate::load::settings::FILE_NAME
        ));
    }
    let state_dir = project.state_dir();
    let head = state::history::head(&state_dir).map_err(|source| VerifyError::State {
        path: state_dir.join(state::history::FILE),
        source,
    })?;
    let loaded = sets
        .iter()
        .map(|s| Baseline::load(&baseline::path(&state_dir, &s.name)).map_err(VerifyError::from))
        .collect::<Result<Vec<_>, _>>()?;
    if state_digest(&head, sets.iter().map(|s| s.name.as_str()).zip(&loaded)) != run.state {
        refused.push(format!(
            "{}: it is not as the shards found it (a run was kept since they ran, or they ran on another copy): run the shards again",
            project.rel(&state_dir)
        ));
    }
    if refused.is_empty() {
        Ok(head.seq + 1)
    } else {
        Err(MergeError::Refused(refused))
    }
}

/// One set from the shards' parts (in shard order): each path's record and
/// problems from the shard that owns it, and the whole set's checks worked
/// out from every file together.
fn merge_set(
    set: &crate::load::settings::BackupSet,
    parts: &[(&SetReport, &ShardBaseline)],
    listed: bool,
    run: &RunInfo,
) -> (SetReport, Option<String>) {
    let first = parts[0].0;
    let mut records: Vec<_> = parts
        .iter()
        .flat_map(|(s, _)| s.records.iter().cloned())
        .collect();
    records.sort_by(|a, b| a.path.cmp(&b.path));
    let mut problems: Vec<_> = parts
        .iter()
        .flat_map(|(s, _)| s.problems.iter().cloned())
        .collect();
    let files: Vec<SetFile> = records
        .iter()
        .map(|r| SetFile {
            rel: r.path.clone(),
            os_rel: None,
            size: r.size,
            modified: DateTime::parse_from_rfc3339(&r.modified)
                .map(std::time::SystemTime::from)
                .unwrap_or(std::time::UNIX_EPOCH),
            // The set-wide checks judge names, sizes and times alone.
            etag: None,
        })
        .collect();
    let whole = judge::whole_set(set, &files, run);
    if listed {
        problems.extend(whole.problems);
    }
    judge::order_problems(&mut problems);
    let checked: Vec<String> = records
        .iter()
        .filter(|r| r.checked)
        .map(|r| r.path.clone())
        .collect();
    let report = SetReport {
        name: first.name.clone(),
        ok: !problems.iter().any(|p| p.is_error()),
        files: records.len(),
        bytes: records.iter().map(|r| r.size).sum(),
        checked,
        problems,
        kind: first.kind,
        path: first.path.clone(),
        checked_bytes: records.iter().filter(|r| r.checked).map(|r| r.size).sum(),
        sample: first.sample,
        newest: whole.newest,
        records,
    };
    (report, whole.warning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every path belongs to exactly one shard of N, the one `owner`
        /// names, whatever N and the paths are.
        #[test]
        fn the_shards_of_a_run_cover_every_file_exactly_once(
            paths in proptest::collection::btree_set("[a-z0-9/._-]{1,24}", 0..200),
            count in 1u32..12,
        ) {
            let shards: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
            for path in &paths {
                let owners: Vec<u32> = shards.iter().filter(|s| s.owns(path)).map(|s| s.index).collect();
                prop_assert_eq!(owners, vec![owner(path, count)]);
            }
        }

        /// Doubling N splits each shard in two: a file of shard i of N is in
        /// shard 2i-1 or 2i of 2N.
        #[test]
        fn a_shard_of_n_splits_into_two_of_2n(path in "[a-z0-9/._-]{1,24}", count in 1u32..50) {
            let i = owner(&path, count);
            let j = owner(&path, 2 * count);
            prop_assert!(j == 2 * i - 1 || j == 2 * i, "{} of {} became {} of {}", i, count, j, 2 * count);
        }
    }

    #[test]
    fn shards_are_spread_evenly() {
        let count = 4;
        let mut per = [0usize; 4];
        for i in 0..40_000 {
            per[owner(&format!("oa-{i:05}.sql.zst"), count) as usize - 1] += 1;
        }
        for n in per {
            assert!((9_500..10_500).contains(&n), "{per:?}");
        }
    }

    #[test]
    fn shard_text_round_trips_and_bad_ones_are_refused() {
        let s: Shard = "2/4".parse().unwrap();
        assert_eq!(s, Shard { index: 2, count: 4 });
        assert_eq!(s.to_string(), "2/4");
        assert_eq!(s.file_name(), "2-of-4.json");
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
