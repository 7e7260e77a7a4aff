//! The contract held against the notes: which obligations
//! were met or missed in each period of the service period ([`obligations`]),
//! and which service limits were kept ([`sla`]).
//!
//! Both analyses judge at the run's clock, so `--now` re-runs a past night as
//! it was, and both return plain data for the nightly summary and the portal.

pub mod obligations;
pub mod sla;

use serde::Serialize;

use crate::load::Project;
use crate::load::notes::Note;
use crate::load::schedules::Schedules;
use crate::time::{Clock, start_of_day};
pub use obligations::ObligationsReport;
pub use sla::SlaReport;

/// Obligations and SLAs at the clock.
#[derive(Debug, Clone, Serialize)]
pub struct ContractReport {
    pub obligations: ObligationsReport,
    pub sla: SlaReport,
}

/// Judges every obligation and service limit of `schedules` against `notes`.
pub fn analyse(project: &Project, schedules: &Schedules, notes: &[Note], clock: &Clock) -> ContractReport {
    let period = project.settings.project.period();
    // The contract's limits run within its service period: once it has
    // ended, what is still open is measured to its end, not to today, so the
    // record of a finished contract stays as it was when it closed.
    let sla_clock = match period {
        Some((_, end)) => {
            let close = start_of_day(end + chrono::Duration::days(1), clock.tz());
            if clock.now() > close {
                Clock::at(close, clock.tz())
            } else {
                *clock
            }
        }
        None => *clock,
    };
    ContractReport {
        obligations: obligations::evaluate(&schedules.obligations, notes, period, clock),
        sla: sla::evaluate(notes, &schedules.sla, &sla_clock),
    }
}
