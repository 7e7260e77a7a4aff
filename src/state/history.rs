//! `state/history.jsonl`: one JSON line per verification run, each line
//! carrying the BLAKE3 of the line before it.
//!
//! The chain makes an edited or removed line visible: every line names the
//! digest of its predecessor (`prev`) and its own number (`seq`), and
//! `state/history.head` names the number and digest of the last line, so
//! that cutting lines off the end is seen too. Runs are recorded in the
//! order of their clocks (`started_at`): a line earlier than the one before
//! it is reported, and [`append`] refuses to write one.
//!
//! What the chain does not prove: anyone who can write `state/` can rewrite
//! the whole chain, or cut lines off and rewrite the head to match. That
//! is caught by comparing with a copy kept elsewhere: the head the portal
//! last published ([`super::published`]), and `git` where `state/` is
//! committed. The chain proves the history was not changed by accident or
//! by a careless hand; it is no signature.
//!
//! Lines are appended by rewriting the file atomically (the history grows by
//! one short line a night), so a crash never leaves half a line behind.

use std::fs;
use std::io;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::state::write_atomic;

pub const FILE: &str = "history.jsonl";
pub const HEAD: &str = "history.head";

/// The `prev` of the first line.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One line of the history: the chain fields and the run's own record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line<T> {
    /// 1 for the first line, then one more per line.
    pub seq: u64,
    /// BLAKE3 (hex) of the previous line's bytes, without its newline.
    pub prev: String,
    #[serde(flatten)]
    pub entry: T,
}

/// The chain fields alone, for checking lines whatever else they hold.
#[derive(Deserialize)]
struct Link {
    seq: u64,
    prev: String,
    /// When the run recorded by the line started, by its clock.
    #[serde(default)]
    started_at: Option<String>,
}

impl Link {
    fn time(&self) -> Option<DateTime<FixedOffset>> {
        self.started_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    }
}

/// Where a history ends: the number and digest of its last line (`0` and
/// the genesis digest when it is empty). Two histories with the same head
/// at the same number agree on every line up to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub digest: String,
}

/// The head of the history as its lines are now (not as `history.head`
/// says: that file is the chain's own claim).
pub fn head(state_dir: &Path) -> io::Result<Head> {
    let text = read_or_empty(&state_dir.join(FILE))?;
    Ok(match lines(&text).last() {
        Some((n, last)) => Head {
            seq: n as u64,
            digest: digest(last),
        },
        None => Head {
            seq: 0,
            digest: GENESIS.to_string(),
        },
    })
}

/// Whether the history still holds `earlier` (a head taken before): its
/// line `earlier.seq` is there, with that digest. False when lines were
/// cut off, the file emptied or the line rewritten.
pub fn extends(state_dir: &Path, earlier: &Head) -> io::Result<bool> {
    if earlier.seq == 0 {
        return Ok(true);
    }
    let text = read_or_empty(&state_dir.join(FILE))?;
    Ok(lines(&text)
        .nth(earlier.seq as usize - 1)
        .is_some_and(|(n, line)| n as u64 == earlier.seq && digest(line) == earlier.digest))
}

/// When the last recorded run started, by its clock.
pub fn last_started(state_dir: &Path) -> io::Result<Option<DateTime<FixedOffset>>> {
    let text = read_or_empty(&state_dir.join(FILE))?;
    Ok(lines(&text)
        .last()
        .and_then(|(_, line)| serde_json::from_str::<Link>(line).ok())
        .and_then(|link| link.time()))
}

/// The number the next appended line will get.
pub fn next_seq(state_dir: &Path) -> io::Result<u64> {
    Ok(lines(&read_or_empty(&state_dir.join(FILE))?).count() as u64 + 1)
}

/// Appends `entry` as the next line and moves the head to it; returns its
/// `seq`. The caller holds the state lock.
///
/// A line whose `started_at` is earlier than the last line's is refused
/// (`InvalidInput`): the history is in the order of the runs' clocks, and a
/// run with an earlier clock (`--now` in the past) must not add to it.
pub fn append<T: Serialize>(state_dir: &Path, entry: &T) -> io::Result<u64> {
    let path = state_dir.join(FILE);
    let mut text = read_or_empty(&path)?;
    let (seq, prev) = match lines(&text).last() {
        Some((n, last)) => (n as u64 + 1, digest(last)),
        None => (1, GENESIS.to_string()),
    };
    let line = serde_json::to_string(&Line { seq, prev, entry }).map_err(io::Error::other)?;
    let time_of = |line: &str| serde_json::from_str::<Link>(line).ok().and_then(|l| l.time());
    if let (Some(new), Some(last)) = (time_of(&line), lines(&text).last().and_then(|(_, l)| time_of(l)))
        && new < last
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "a run of {new} cannot follow the run of {last} in {FILE}: runs are recorded in the order of their clocks"
            ),
        ));
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&line);
    text.push('\n');
    write_atomic(&path, text.as_bytes())?;
    write_atomic(
        &state_dir.join(HEAD),
        format!("{seq} {}\n", digest(&line)).as_bytes(),
    )?;
    Ok(seq)
}

/// Every line, parsed as `T` (for the portal's history of each set).
pub fn read<T: DeserializeOwned>(state_dir: &Path) -> io::Result<Vec<Line<T>>> {
    let text = read_or_empty(&state_dir.join(FILE))?;
    lines(&text)
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{FILE} line {n}: {e}")))
        })
        .collect()
}

/// What `opsbook check` reports about the history: every broken link.
/// `shown_dir` is the state folder as the user should see it (`state`).
pub fn check(state_dir: &Path, shown_dir: &str) -> Vec<Diagnostic> {
    let file = format!("{shown_dir}/{FILE}");
    let restore_hint = "the history is append-only: restore it from version control or a backup";
    let text = match read_or_empty(&state_dir.join(FILE)) {
        Ok(t) => t,
        Err(e) => return vec![Diagnostic::error(&file, format!("cannot read the history: {e}"))],
    };
    let mut problems = Vec::new();
    let mut expected_prev = GENESIS.to_string();
    let mut last = None;
    // The latest run time so far, and its line.
    let mut latest: Option<(DateTime<FixedOffset>, usize)> = None;
    for (n, line) in lines(&text) {
        match serde_json::from_str::<Link>(line) {
            Err(e) => problems.push(
                Diagnostic::error(&file, format!("line {n} is not a history record: {e}"))
                    .at_line(n)
                    .with_hint(restore_hint),
            ),
            Ok(link) => {
                if link.seq != n as u64 {
                    problems.push(
                        Diagnostic::error(
                            &file,
                            format!(
                                "line {n} is record {} of the history: lines before it were removed or added",
                                link.seq
                            ),
                        )
                        .at_line(n)
                        .with_hint(restore_hint),
                    );
                } else if link.prev != expected_prev {
                    let what = if n == 1 {
                        "the lines before it were removed".to_string()
                    } else {
                        format!("line {} was edited, or lines after it were removed", n - 1)
                    };
                    problems.push(
                        Diagnostic::error(
                            &file,
                            format!("line {n} does not follow the line before it: {what}"),
                        )
                        .at_line(n)
                        .with_hint(restore_hint),
                    );
                }
                if let Some(time) = link.time() {
                    match latest {
                        Some((before, at)) if time < before => problems.push(
                            Diagnostic::error(
                                &file,
                                format!(
                                    "line {n} records a run of {time}, earlier than the run of {before} on line {at}: \
                                     runs are recorded in the order of their clocks"
                                ),
                            )
                            .at_line(n)
                            .with_hint(
                                "a run with an earlier clock (`--now` in the past) wrote this line; \
                                 restore the history from version control or a backup",
                            ),
                        ),
                        _ => latest = Some((time, n)),
                    }
                }
            }
        }
        expected_prev = digest(line);
        last = Some((n as u64, expected_prev.clone()));
    }
    let head_file = format!("{shown_dir}/{HEAD}");
    let head = fs::read_to_string(state_dir.join(HEAD)).ok();
    match (head.as_deref().map(str::trim), last) {
        (None, None) => {}
        (None, Some(_)) => problems.push(
            Diagnostic::error(&head_file, "the history has lines but its head record is missing")
                .with_hint(restore_hint),
        ),
        (Some(head), last) => {
            let (seq, hash) = last.unwrap_or((0, GENESIS.to_string()));
            if head != format!("{seq} {hash}") {
                let named = head.split(' ').next().unwrap_or("?");
                problems.push(
                    Diagnostic::error(
                        &file,
                        format!(
                            "the history ends at line {seq}, but its head names line {named}: \
                             the last lines were removed or edited"
                        ),
                    )
                    .with_hint(restore_hint),
                );
            }
        }
    }
    problems
}

/// Non-empty lines with their 1-based numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty())
}

fn digest(line: &str) -> String {
    blake3::hash(line.as_bytes()).to_hex().to_string()
}

fn read_or_empty(path: &Path) -> io::Result<String> {
    match fs::read_to_string(path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Run {
        ok: bool,
    }

    fn three_runs() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for ok in [true, false, true] {
            append(dir.path(), &Run { ok }).unwrap();
        }
        dir
    }

    fn messages(dir: &Path) -> Vec<String> {
        check(dir, "state")
            .into_iter()
            .map(|d| format!("{}: {}", d.place(), d.message))
            .collect()
    }

    #[test]
    fn an_intact_chain_checks_clean_and_reads_back() {
        let dir = three_runs();
        assert!(messages(dir.path()).is_empty());
        assert_eq!(next_seq(dir.path()).unwrap(), 4);
        let runs: Vec<Line<Run>> = read(dir.path()).unwrap();
        assert_eq!(runs.len(), 3);
        assert!(!runs[1].entry.ok);
        assert_eq!(runs[2].seq, 3);
    }

    #[test]
    fn an_edited_line_breaks_the_next_link() {
        let dir = three_runs();
        let path = dir.path().join(FILE);
        let text = fs::read_to_string(&path).unwrap();
        let edited: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 1 {
                    l.replace("false", "true")
                } else {
                    l.to_string()
                }
            })
            .collect();
        fs::write(&path, edited.join("\n") + "\n").unwrap();
        let found = messages(dir.path());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("state/history.jsonl:3: line 3 does not follow"),
            "{found:?}"
        );
        assert!(found[0].contains("line 2 was edited"), "{found:?}");
    }

    #[test]
    fn removed_lines_are_seen_in_the_middle_and_at_the_end() {
        let dir = three_runs();
        let path = dir.path().join(FILE);
        let text = fs::read_to_string(&path).unwrap();
        let all: Vec<&str> = text.lines().collect();

        fs::write(&path, format!("{}\n{}\n", all[0], all[2])).unwrap();
        let found = messages(dir.path());
        assert!(
            found.iter().any(|m| m.contains("line 2 is record 3")),
            "{found:?}"
        );

        fs::write(&path, format!("{}\n{}\n", all[0], all[1])).unwrap();
        let found = messages(dir.path());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("ends at line 2, but its head names line 3"),
            "{found:?}"
        );
    }

    #[derive(Serialize)]
    struct Timed<'a> {
        started_at: &'a str,
    }

    #[test]
    fn runs_out_of_clock_order_are_refused_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        append(
            dir.path(),
            &Timed {
                started_at: "2026-01-02T02:00:00+08:00",
            },
        )
        .unwrap();
        let err = append(
            dir.path(),
            &Timed {
                started_at: "2025-12-31T23:00:00+08:00",
            },
        )
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(next_seq(dir.path()).unwrap(), 2, "nothing was written");
        // The same clock again is no step back.
        append(
            dir.path(),
            &Timed {
                started_at: "2026-01-02T02:00:00+08:00",
            },
        )
        .unwrap();
        assert_eq!(
            last_started(dir.path()).unwrap().unwrap().to_rfc3339(),
            "2026-01-02T02:00:00+08:00"
        );

        // A chain written by hand in the wrong order is whole, but reported.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let first = serde_json::to_string(&Line {
            seq: 1,
            prev: GENESIS.into(),
            entry: Timed {
                started_at: "2026-01-02T02:00:00+08:00",
            },
        })
        .unwrap();
        let second = serde_json::to_string(&Line {
            seq: 2,
            prev: digest(&first),
            entry: Timed {
                started_at: "2025-12-31T23:00:00+08:00",
            },
        })
        .unwrap();
        fs::write(&path, format!("{first}\n{second}\n")).unwrap();
        fs::write(dir.path().join(HEAD), format!("2 {}\n", digest(&second))).unwrap();
        let found = messages(dir.path());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("state/history.jsonl:2: line 2 records a run of 2025-12-31 23:00:00 +08:00, earlier than the run of 2026-01-02 02:00:00 +08:00 on line 1"),
            "{found:?}"
        );
    }

    #[test]
    fn a_head_taken_before_is_found_until_lines_are_cut_or_rewritten() {
        let dir = three_runs();
        let at_two = {
            let text = fs::read_to_string(dir.path().join(FILE)).unwrap();
            let second = text.lines().nth(1).unwrap().to_string();
            Head {
                seq: 2,
                digest: digest(&second),
            }
        };
        let now = head(dir.path()).unwrap();
        assert_eq!(now.seq, 3);
        assert!(extends(dir.path(), &at_two).unwrap());
        assert!(extends(dir.path(), &now).unwrap());

        // Cut the last line and rewrite the head: the chain checks clean,
        // but the head taken before is gone.
        let text = fs::read_to_string(dir.path().join(FILE)).unwrap();
        let kept: Vec<&str> = text.lines().take(2).collect();
        fs::write(dir.path().join(FILE), kept.join("\n") + "\n").unwrap();
        fs::write(dir.path().join(HEAD), format!("2 {}\n", digest(kept[1]))).unwrap();
        assert!(messages(dir.path()).is_empty());
        assert!(!extends(dir.path(), &now).unwrap());
        assert!(extends(dir.path(), &at_two).unwrap());

        // A history that is gone holds nothing taken before but the start.
        fs::remove_file(dir.path().join(FILE)).unwrap();
        assert!(!extends(dir.path(), &at_two).unwrap());
        assert_eq!(head(dir.path()).unwrap().seq, 0);
        assert!(extends(dir.path(), &head(dir.path()).unwrap()).unwrap());
    }
}
