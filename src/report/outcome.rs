//! A note's service-level outcomes as its page and its rows show them: the
//! judgement of `analyse::contract::sla`, taken as it is.
//!
//! Whether an incident is open, how long it took, whether a finding was
//! fixed late: every view reads these from the outcome of its note's main
//! rule (the resolve rule of an incident, the fix rule of a finding, the
//! window of an upgrade), never from the note's own times. The outcome only
//! counts times that had happened by the record's moment, so a page built
//! with `--now` before a fix says "open", as the SLA does.
//!
//! The rule, status and measure are the analysis's own codes (`breached`,
//! `general_resolve`, `2h30m`): a shared vocabulary, serialized as codes that
//! templates turn into labels. Every struct a page or data file reads is
//! defined in `report`.

use serde::Serialize;

use crate::analyse::contract::sla::Outcome;
pub use crate::analyse::contract::sla::{Measure, Rule, Status};
use crate::duration::Dur;

/// One limit held against one note.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeView {
    pub rule: Rule,
    pub status: Status,
    pub limit: Measure,
    /// The time taken (so far, while open) or the share tested; `None`
    /// when the note does not record it.
    pub actual: Option<Measure>,
    /// While pending: the time left.
    pub remaining: Option<Dur>,
    /// Still running at the record's moment.
    pub open: bool,
}

impl From<&Outcome> for OutcomeView {
    fn from(o: &Outcome) -> Self {
        OutcomeView {
            rule: o.rule,
            status: o.status,
            limit: o.limit,
            actual: o.actual,
            remaining: o.remaining,
            open: o.open,
        }
    }
}

/// The rules that decide whether a note is open: an incident's resolution,
/// a finding's fix, an upgrade's window.
const MAIN_RULES: [Rule; 7] = [
    Rule::GeneralResolve,
    Rule::MajorResolve,
    Rule::ThirdPartyResolve,
    Rule::VulnHighFix,
    Rule::VulnMediumFix,
    Rule::VulnLowFix,
    Rule::UpgradeWindow,
];

/// What a note's outcomes say about it as a whole.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    /// Its main rule is still running.
    pub open: bool,
    /// The time its main rule measured, once it has ended.
    pub took: Option<Dur>,
    /// Its main rule's time so far or in all.
    pub elapsed: Option<Dur>,
    /// The main rule's limit.
    pub limit: Option<Dur>,
    /// The main rule is breached (over its limit, ended or not).
    pub over_limit: bool,
    /// The worst of all its outcomes.
    pub worst: Option<Status>,
}

impl Standing {
    pub fn of(outcomes: &[OutcomeView]) -> Standing {
        let main = outcomes.iter().find(|o| MAIN_RULES.contains(&o.rule));
        let time = |m: Option<Measure>| match m {
            Some(Measure::Time(d)) => Some(d),
            _ => None,
        };
        let elapsed = main.and_then(|o| time(o.actual));
        Standing {
            open: main.is_some_and(|o| o.open),
            took: main.filter(|o| !o.open).and(elapsed),
            elapsed,
            limit: main.and_then(|o| time(Some(o.limit))),
            over_limit: main.is_some_and(|o| o.status == Status::Breached),
            worst: worst(outcomes),
        }
    }
}

/// The worst of a note's outcomes: a breach, else one still running, else
/// met; `None` when no limit applies to it.
pub fn worst(outcomes: &[OutcomeView]) -> Option<Status> {
    let rank = |s: Status| match s {
        Status::Breached => 2,
        Status::Pending => 1,
        Status::Met => 0,
    };
    outcomes.iter().map(|o| o.status).max_by_key(|s| rank(*s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(rule: Rule, status: Status, actual: Dur, open: bool) -> OutcomeView {
        OutcomeView {
            rule,
            status,
            limit: Measure::Time(Dur::days(7)),
            actual: Some(Measure::Time(actual)),
            remaining: None,
            open,
        }
    }

    #[test]
    fn the_main_rule_decides_open_and_time_taken() {
        let open_late = [outcome(Rule::VulnHighFix, Status::Breached, Dur::days(9), true)];
        let s = Standing::of(&open_late);
        assert!(s.open && s.over_limit);
        assert_eq!(s.took, None, "an open finding has taken no time yet");
        assert_eq!(s.elapsed, Some(Dur::days(9)));

        let fixed = [
            outcome(Rule::GeneralResolve, Status::Met, Dur::hours(1), false),
            outcome(Rule::FaqAfterResolve, Status::Pending, Dur::days(1), true),
        ];
        let s = Standing::of(&fixed);
        assert!(!s.open && !s.over_limit, "the FAQ entry owed does not reopen it");
        assert_eq!(s.took, Some(Dur::hours(1)));
        assert_eq!(s.worst, Some(Status::Pending));
        assert!(!Standing::of(&[]).open);
    }
}
