//! The contract held against the notes (SPEC 3.2, 4, 8.1): which obligations
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
use crate::time::Clock;
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
    ContractReport {
        obligations: obligations::evaluate(
            &schedules.obligations,
            notes,
            project.settings.project.period(),
            clock,
        ),
        sla: sla::evaluate(notes, &schedules.sla, clock),
    }
}
