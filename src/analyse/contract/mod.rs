//! The contract held against the notes: which obligations
//! were met or missed in each period of the service period ([`obligations`]),
//! and which service limits were kept ([`sla`]).
//!
//! Both analyses judge at the run's clock, so `--now` re-runs a past night as
//! it was, and both return plain data for the nightly summary and the portal.
//! The clock is applied here once, as a [`RecordTime`]: the report stage reads
//! open or closed, over a limit or not, and which records exist yet, from
//! what this module found, and never compares times with the clock itself.

pub mod obligations;
pub mod sla;

use chrono::NaiveDate;
use serde::Serialize;

use crate::load::Project;
use crate::load::notes::Note;
use crate::load::notes::kinds::Meta;
use crate::load::schedules::Schedules;
use crate::time::{Clock, Day, Timestamp, start_of_day};
pub use obligations::ObligationsReport;
pub use sla::SlaReport;

/// Obligations and SLAs at the clock.
#[derive(Debug, Clone, Serialize)]
pub struct ContractReport {
    /// The moment the record stands at.
    pub record: RecordTime,
    pub obligations: ObligationsReport,
    pub sla: SlaReport,
}

/// The moment the contract's record stands at: the run's clock while the
/// service period lasts; once it has ended, the first instant after its
/// last day, so that the record of a finished contract stays as it was when
/// it closed (what was still open is open at the end, measured to the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecordTime {
    /// Times up to this one have happened.
    pub at: Timestamp,
    /// The last day the record covers: the clock's day, or the service
    /// period's last day once it has ended.
    pub day: Day,
    /// The service period ended before the clock.
    pub ended: bool,
}

impl RecordTime {
    /// The record at `clock`, for a service period (first and last day).
    pub fn new(clock: &Clock, period: Option<(NaiveDate, NaiveDate)>) -> RecordTime {
        if let Some((_, end)) = period {
            let close = start_of_day(end + chrono::Duration::days(1), clock.tz());
            if clock.now() > close {
                return RecordTime {
                    at: Timestamp(close),
                    day: Day(end),
                    ended: true,
                };
            }
        }
        RecordTime {
            at: Timestamp(clock.now()),
            day: Day(clock.today()),
            ended: false,
        }
    }

    /// Whether a time has happened by the record's moment.
    pub fn happened(&self, t: &Timestamp) -> bool {
        t.0 <= self.at.0
    }

    /// Whether a note is part of the record yet: its day (inspections,
    /// trainings) or its moment (an incident's report, a finding, a work
    /// order's request, an upgrade's window start) is not after the record's.
    /// FAQ entries and report texts carry no date and always are.
    pub fn holds(&self, note: &Note) -> bool {
        match &note.meta {
            Meta::Inspection(m) => m.date.0 <= self.day.0,
            Meta::Training(m) => m.date.0 <= self.day.0,
            Meta::Incident(m) => self.happened(&m.reported_at),
            Meta::WorkOrder(m) => self.happened(&m.requested_at),
            Meta::Upgrade(m) => self.happened(&m.window_start),
            Meta::Vulnerability(m) => self.happened(&m.found_at),
            Meta::Faq(_) | Meta::Report(_) | Meta::Handin(_) => true,
        }
    }

    /// The clock the record is judged by.
    pub fn clock(&self, tz: chrono_tz::Tz) -> Clock {
        Clock::at(self.at.0, tz)
    }
}

/// Judges every obligation and service limit of `schedules` against `notes`.
pub fn analyse(project: &Project, schedules: &Schedules, notes: &[Note], clock: &Clock) -> ContractReport {
    let period = project.settings.project.period();
    let record = RecordTime::new(clock, period);
    ContractReport {
        record,
        // Obligations keep the run's clock: a record of the last days of
        // the period may still be written within its grace after the end.
        obligations: obligations::evaluate(&schedules.obligations, notes, period, clock),
        sla: sla::evaluate(notes, &schedules.sla, &record.clock(clock.tz())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::DEFAULT_TIMEZONE;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_record_stops_at_the_end_of_the_service_period() {
        let year = Some((d("2025-01-01"), d("2025-12-31")));
        let during = RecordTime::new(
            &Clock::parse("2025-06-01T10:00:00", DEFAULT_TIMEZONE).unwrap(),
            year,
        );
        assert!(!during.ended);
        assert_eq!(during.day, Day(d("2025-06-01")));
        assert_eq!(during.at.to_string(), "2025-06-01T10:00:00+08:00");

        let after = RecordTime::new(&Clock::parse("2026-03-01", DEFAULT_TIMEZONE).unwrap(), year);
        assert!(after.ended);
        assert_eq!(after.day, Day(d("2025-12-31")));
        assert_eq!(after.at.to_string(), "2026-01-01T00:00:00+08:00");

        let unbounded = RecordTime::new(&Clock::parse("2026-03-01", DEFAULT_TIMEZONE).unwrap(), None);
        assert!(!unbounded.ended);
        assert_eq!(unbounded.day, Day(d("2026-03-01")));
    }
}
