//! `state/history.jsonl`: one JSON line per verification run, each line
//! carrying the BLAKE3 of the line before it.
//!
//! The chain makes an edited or removed line visible: every line names the
//! digest of its predecessor (`prev`) and its own number (`seq`), and
//! `state/history.head` names the number and digest of the last line, so
//! that cutting lines off the end is seen too. Nothing here stops a person
//! who rewrites the whole chain; it proves that the history was not changed
//! by accident or by a careless hand, and `git` keeps the rest honest.
//!
//! Lines are appended by rewriting the file atomically (the history grows by
//! one short line a night), so a crash never leaves half a line behind.

use std::fs;
use std::io;
use std::path::Path;

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
}

/// The number the next appended line will get.
pub fn next_seq(state_dir: &Path) -> io::Result<u64> {
    Ok(lines(&read_or_empty(&state_dir.join(FILE))?).count() as u64 + 1)
}

/// Appends `entry` as the next line and moves the head to it; returns its
/// `seq`. The caller holds the state lock.
pub fn append<T: Serialize>(state_dir: &Path, entry: &T) -> io::Result<u64> {
    let path = state_dir.join(FILE);
    let mut text = read_or_empty(&path)?;
    let (seq, prev) = match lines(&text).last() {
        Some((n, last)) => (n as u64 + 1, digest(last)),
        None => (1, GENESIS.to_string()),
    };
    let line = serde_json::to_string(&Line { seq, prev, entry }).map_err(io::Error::other)?;
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
}
