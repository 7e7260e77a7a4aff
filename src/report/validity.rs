//! How long a report model stays true as the clock moves on.
//!
//! The model is judged at the run's clock: an open incident is pending until
//! its limit passes, an unmet obligation period is pending until its end plus
//! grace, a `resolved_at` later than the clock has not happened yet, and the
//! dashboard, the "recent" windows and the service period's end go by the
//! day. A site built from the model is therefore up to date, for unchanged
//! inputs, from the clock it was built at until the first of those
//! deadlines, the logs' among them (a pending document turning overdue, a
//! file's problems no longer recent): [`Validity`]. `opsbook build` keeps it in the site's manifest
//! and builds again once the clock reaches `until`, even on the same day.
//!
//! The deadlines are taken wider than strictly needed rather than narrower:
//! every future time written in a note counts, whether or not a rule
//! measures it, and a model is rebuilt at a deadline, not just after it.
//! A rebuild too many costs a second; one too few shows the client a
//! breach as "pending".

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::analyse::contract::obligations::{ObligationsReport, PeriodStatus};
use crate::analyse::contract::sla::{SlaReport, Status};
use crate::load::notes::{Meta, Note};
use crate::time::{Timestamp, start_of_day};

/// The span of clocks at which a model built at `from` is the same model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    /// The clock the model was built at.
    pub from: DateTime<FixedOffset>,
    /// The first deadline after it: an SLA limit of an open item, an
    /// obligation period's end plus grace, a time written in a note, or the
    /// next midnight in the project's timezone.
    pub until: DateTime<FixedOffset>,
}

impl Validity {
    /// The validity of a model judged at `now` from `contract` (the
    /// obligations and SLA outcomes the model shows), `notes` (the notes of
    /// its audience) and the deadlines of its other parts (`others`: the
    /// logs').
    pub fn of(
        now: DateTime<FixedOffset>,
        tz: Tz,
        (obligations, sla): (&ObligationsReport, &SlaReport),
        notes: &[&Note],
        others: impl IntoIterator<Item = DateTime<FixedOffset>>,
    ) -> Validity {
        let today = now.with_timezone(&tz).date_naive();
        let midnight = today
            .succ_opt()
            .map_or(DateTime::<FixedOffset>::MAX_UTC.fixed_offset(), |d| {
                start_of_day(d, tz)
            });
        let sla = sla
            .outcomes
            .iter()
            .filter(|o| o.status == Status::Pending)
            .filter_map(|o| o.remaining)
            .map(|left| now + left.to_chrono());
        let obligations = obligations
            .obligations
            .iter()
            .flat_map(|o| &o.periods)
            .filter(|p| p.status == PeriodStatus::Pending)
            .map(|p| p.due.instant());
        let written = notes.iter().flat_map(|n| times(&n.meta)).map(|t| t.instant());
        let until = sla
            .chain(obligations)
            .chain(written)
            .chain(others)
            .filter(|t| *t > now)
            .fold(midnight, DateTime::min);
        Validity { from: now, until }
    }

    /// Whether a model built with this validity is the model of a run at
    /// `now`: a clock before `from` (a past night re-run) or at `until` and
    /// after is not.
    pub fn holds_at(&self, now: DateTime<FixedOffset>) -> bool {
        self.from <= now && now < self.until
    }
}

/// The instants a note records (days are covered by the next midnight).
fn times(meta: &Meta) -> Vec<Timestamp> {
    match meta {
        Meta::Incident(m) => [Some(m.reported_at), m.responded_at, m.onsite_at, m.resolved_at]
            .into_iter()
            .flatten()
            .collect(),
        Meta::WorkOrder(m) => vec![m.requested_at],
        Meta::Upgrade(m) => vec![m.window_start, m.window_end],
        Meta::Vulnerability(m) => [Some(m.found_at), m.fixed_at, m.verified_at]
            .into_iter()
            .flatten()
            .collect(),
        Meta::Inspection(_) | Meta::Faq(_) | Meta::Training(_) | Meta::Report(_) | Meta::Handin(_) => {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::notes::parse_note;
    use crate::load::schedules::Sla;
    use crate::time::{Clock, DEFAULT_TIMEZONE};

    fn at(text: &str) -> Clock {
        Clock::parse(text, DEFAULT_TIMEZONE).unwrap()
    }

    fn incident(resolved: Option<&str>) -> Note {
        let resolved = resolved.map_or(String::new(), |r| format!("resolved_at = {r}\n"));
        let text = format!(
            "+++\nid = \"INC-250311-01\"\ntitle = \"t\"\nseverity = \"general\"\nreported_at = 2025-03-11T09:00:00\n{resolved}engineers = [\"张伟\"]\n+++\n"
        );
        parse_note(
            "content/incidents/a.md",
            text.as_bytes(),
            Some("incidents"),
            DEFAULT_TIMEZONE,
        )
        .unwrap()
    }

    fn validity(notes: &[Note], clock: &Clock) -> Validity {
        let sla = crate::analyse::contract::sla::evaluate(notes, &Sla::default(), clock);
        let obligations = crate::analyse::contract::obligations::evaluate(&[], notes, None, clock);
        let refs: Vec<&Note> = notes.iter().collect();
        Validity::of(clock.now(), DEFAULT_TIMEZONE, (&obligations, &sla), &refs, None)
    }

    #[test]
    fn an_open_incident_holds_until_its_limit() {
        let clock = at("2025-03-11T09:30:00");
        let v = validity(&[incident(None)], &clock);
        assert_eq!(v.until, at("2025-03-11T11:00:00").now());
        assert!(v.holds_at(at("2025-03-11T10:59:59").now()));
        assert!(!v.holds_at(at("2025-03-11T11:00:00").now()));
        assert!(!v.holds_at(at("2025-03-11T09:29:00").now()), "an earlier clock");
    }

    #[test]
    fn a_resolution_after_the_clock_is_a_deadline_and_without_any_midnight_is() {
        let clock = at("2025-03-11T09:30:00");
        let v = validity(&[incident(Some("2025-03-11T10:00:00"))], &clock);
        assert_eq!(v.until, at("2025-03-11T10:00:00").now());
        let v = validity(&[], &clock);
        assert_eq!(v.until, at("2025-03-12").now());
        let v = validity(&[incident(Some("2025-03-11T10:00:00"))], &at("2025-03-11T12:00"));
        assert_eq!(v.until, at("2025-03-12").now(), "met: only the day is left");
    }
}
