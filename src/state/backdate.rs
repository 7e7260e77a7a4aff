//! A run whose clock is earlier than the last recorded run writes nothing
//! to `state/`.
//!
//! `--now` re-runs a past night. Such a run may report on that night, but
//! what it would write would be false history: a verification "done" in a
//! year that is over, baselines and log caches that step back in time. So
//! every writer of `state/` (verification: report, baselines, history; log
//! ingestion: its cache) asks [`Backdated::check`] first and, when the run
//! is backdated, writes nothing; the command says so once.
//!
//! "The last recorded run" is the last line of `state/history.jsonl`, the
//! only record of when runs happened. A clock equal to it is no step back
//! (the same night run again).

use std::fmt;
use std::path::Path;

use chrono::{DateTime, FixedOffset};

use super::history;

/// The clock of a run, earlier than the last run on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backdated {
    pub now: DateTime<FixedOffset>,
    pub last: DateTime<FixedOffset>,
}

impl Backdated {
    /// `Some` when `now` is earlier than the last run recorded in
    /// `state_dir`. A history that cannot be read records no run here:
    /// whatever would write to it fails and says why.
    pub fn check(state_dir: &Path, now: DateTime<FixedOffset>) -> Option<Backdated> {
        let last = history::last_started(state_dir).ok().flatten()?;
        (now < last).then_some(Backdated { now, last })
    }
}

impl fmt::Display for Backdated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the clock of this run ({}) is earlier than the last recorded run ({}): \
             it reports as of its clock, but writes nothing to state/ \
             (no history, baselines or log cache)",
            self.now.format("%Y-%m-%d %H:%M:%S %:z"),
            self.last.format("%Y-%m-%d %H:%M:%S %:z"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Run<'a> {
        started_at: &'a str,
    }

    #[test]
    fn only_a_clock_before_the_last_run_is_backdated() {
        let dir = tempfile::tempdir().unwrap();
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap();
        assert_eq!(Backdated::check(dir.path(), at("2000-01-01T00:00:00Z")), None);
        history::append(
            dir.path(),
            &Run {
                started_at: "2026-01-02T02:00:00+08:00",
            },
        )
        .unwrap();
        let back = Backdated::check(dir.path(), at("2025-12-31T23:00:00+08:00")).unwrap();
        assert_eq!(
            back.to_string(),
            "the clock of this run (2025-12-31 23:00:00 +08:00) is earlier than the last recorded \
             run (2026-01-02 02:00:00 +08:00): it reports as of its clock, but writes nothing to \
             state/ (no history, baselines or log cache)"
        );
        assert_eq!(
            Backdated::check(dir.path(), at("2026-01-02T02:00:00+08:00")),
            None
        );
        // The same instant in another offset is no step back either.
        assert_eq!(Backdated::check(dir.path(), at("2026-01-01T18:00:00Z")), None);
    }
}
