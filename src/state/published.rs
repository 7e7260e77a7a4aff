//! The verification history as the portal last published it:
//! `site/.opsbook/history`.
//!
//! Why a copy in the site: the hash chain of `state/history.jsonl` shows an
//! edited line, but a history cut short whose head was rewritten to match is
//! still a whole chain, and so is an empty `state/` (a deleted folder, an
//! evicted CI cache). The portal is published, away from the machine that
//! runs opsbook, so every build writes into it the head of the history it
//! was built from. Every run that opens the project holds the history
//! against that head as it starts ([`Continuity::examine`], before it adds
//! a run of its own): when its line is gone or different, runs were removed
//! or rewritten since, and `opsbook check` (so `nightly` too) says so.
//!
//! A break found is kept in the record ([`Published::breaks`]) and shown on
//! the portal from then on, so it stays visible after the history grows
//! again. The record holds digests, run counts and times only: it is safe to
//! publish with the client's portal.
//!
//! What it cannot see: a `site/` that is not kept between runs (no earlier
//! head to compare with), and a person who rewrites the record too. The
//! client's own copy of the portal, and `git` where `state/` is committed,
//! are the evidence then.

use std::io;
use std::path::Path;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::{Deserialize, Serialize};

use super::history::{self, Head};
use crate::diag::Diagnostic;

/// The record's path inside the site.
pub const PATH: &str = ".opsbook/history";

/// What a build publishes of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The head of the history the portal was built from.
    pub head: Head,
    /// Every break found so far, oldest first.
    #[serde(default)]
    pub breaks: Vec<HistoryBreak>,
}

/// A history found not to continue the one published before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryBreak {
    /// The clock of the run that found it (RFC 3339).
    pub found_at: String,
    /// Runs in the history the portal had published.
    pub published_runs: u64,
    /// Runs in the history when the break was found.
    pub found_runs: u64,
}

impl Published {
    /// The record of the site at `site`; `None` when it has none (a site
    /// built before records were kept, or never built) or it cannot be read.
    pub fn read(site: &Path) -> Option<Published> {
        let bytes = std::fs::read(site.join(PATH)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("the record serializes");
        bytes.push(b'\n');
        bytes
    }
}

/// The history held against the record the portal last published, as a
/// run finds them when it starts (before it adds a run of its own).
#[derive(Debug, Clone, Default)]
pub struct Continuity {
    before: Option<Published>,
    /// Set when the history does not continue the published head.
    pub broken: Option<HistoryBreak>,
}

impl Continuity {
    /// Holds the history in `state_dir` against the record of the site at
    /// `site_dir`. A history that cannot be read is judged by no one here:
    /// `opsbook check` says it cannot be read.
    pub fn examine(site_dir: &Path, state_dir: &Path, now: DateTime<FixedOffset>) -> Continuity {
        let before = Published::read(site_dir);
        let broken = before.as_ref().and_then(|b| {
            let runs = history::head(state_dir).ok()?.seq;
            let kept = history::extends(state_dir, &b.head).ok()?;
            (!kept).then(|| HistoryBreak {
                found_at: now.to_rfc3339_opts(SecondsFormat::Secs, false),
                published_runs: b.head.seq,
                found_runs: runs,
            })
        });
        Continuity { before, broken }
    }

    /// Every break on record: those published before, and this one.
    pub fn breaks(&self) -> Vec<HistoryBreak> {
        let mut breaks = self.before.as_ref().map(|b| b.breaks.clone()).unwrap_or_default();
        breaks.extend(self.broken.clone());
        breaks
    }

    /// The record a build publishes: the history's head now (with the
    /// runs added since it was examined), and every break.
    pub fn publish(&self, state_dir: &Path) -> io::Result<Published> {
        Ok(Published {
            head: history::head(state_dir)?,
            breaks: self.breaks(),
        })
    }

    /// What `opsbook check` says of a break. `shown_state` and
    /// `shown_site` are the folders as the user should see them.
    pub fn diagnostic(&self, shown_state: &str, shown_site: &str) -> Option<Diagnostic> {
        let b = self.broken.as_ref()?;
        let message = if b.found_runs < b.published_runs {
            format!(
                "the history has {} but the portal in {shown_site}/ was built from {}: \
                 runs were removed since",
                runs(b.found_runs),
                runs(b.published_runs)
            )
        } else {
            format!(
                "run {} of the history is not the one the portal in {shown_site}/ was built from: \
                 the history was rewritten since",
                b.published_runs
            )
        };
        Some(
            Diagnostic::error(format!("{shown_state}/{}", history::FILE), message).with_hint(format!(
                "restore {shown_state}/ from version control or a backup; otherwise the next build \
                 records the break on the portal ({shown_site}/{PATH})"
            )),
        )
    }
}

fn runs(n: u64) -> String {
    match n {
        0 => "no runs".into(),
        1 => "1 run".into(),
        n => format!("{n} runs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Run {
        n: u32,
    }

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-01-03T02:00:00+08:00").unwrap()
    }

    fn publish(site: &Path, state: &Path) -> Published {
        let record = Continuity::examine(site, state, now()).publish(state).unwrap();
        std::fs::create_dir_all(site.join(".opsbook")).unwrap();
        std::fs::write(site.join(PATH), record.to_bytes()).unwrap();
        record
    }

    #[test]
    fn a_history_that_grows_continues_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let (state, site) = (dir.path().join("state"), dir.path().join("site"));
        assert_eq!(publish(&site, &state).head.seq, 0);
        history::append(&state, &Run { n: 1 }).unwrap();
        history::append(&state, &Run { n: 2 }).unwrap();
        let second = publish(&site, &state);
        assert_eq!(second.head.seq, 2);
        assert!(second.breaks.is_empty());
        assert_eq!(Published::read(&site), Some(second));
        history::append(&state, &Run { n: 3 }).unwrap();
        let c = Continuity::examine(&site, &state, now());
        assert!(c.broken.is_none());
        assert!(c.diagnostic("state", "site").is_none());
    }

    #[test]
    fn a_shortened_or_vanished_history_is_a_break_that_stays() {
        let dir = tempfile::tempdir().unwrap();
        let (state, site) = (dir.path().join("state"), dir.path().join("site"));
        for n in 1..=3 {
            history::append(&state, &Run { n }).unwrap();
        }
        publish(&site, &state);

        std::fs::remove_dir_all(&state).unwrap();
        let c = Continuity::examine(&site, &state, now());
        assert_eq!(
            c.diagnostic("state", "site").unwrap().to_string(),
            "state/history.jsonl: error: the history has no runs but the portal in site/ \
             was built from 3 runs: runs were removed since"
        );
        // This run adds one of its own before it publishes.
        history::append(&state, &Run { n: 9 }).unwrap();
        let record = c.publish(&state).unwrap();
        assert_eq!(record.head.seq, 1);
        assert_eq!(
            record.breaks,
            [HistoryBreak {
                found_at: "2026-01-03T02:00:00+08:00".into(),
                published_runs: 3,
                found_runs: 0,
            }]
        );
        std::fs::write(site.join(PATH), record.to_bytes()).unwrap();

        // The history grows again: no new break, the old one is kept.
        history::append(&state, &Run { n: 10 }).unwrap();
        let later = Continuity::examine(&site, &state, now());
        assert!(later.broken.is_none());
        assert_eq!(later.breaks().len(), 1);
    }

    #[test]
    fn a_rewritten_run_is_a_break() {
        let dir = tempfile::tempdir().unwrap();
        let (state, site) = (dir.path().join("state"), dir.path().join("site"));
        history::append(&state, &Run { n: 1 }).unwrap();
        history::append(&state, &Run { n: 2 }).unwrap();
        publish(&site, &state);
        std::fs::remove_dir_all(&state).unwrap();
        history::append(&state, &Run { n: 1 }).unwrap();
        history::append(&state, &Run { n: 7 }).unwrap();
        let c = Continuity::examine(&site, &state, now());
        assert!(
            c.diagnostic("state", "site")
                .unwrap()
                .message
                .starts_with("run 2 of the history is not the one the portal in site/ was built from")
        );
    }
}
