//! `opsbook check`: the rules every note must keep (SPEC 3), beyond what its
//! front matter's types already enforce.
//!
//! [`note`] holds the rules of a single note (id form, dates, time order,
//! required body sections, the quarterly checklist); [`project`] the rules
//! across notes (unique ids, references that resolve).

pub mod note;
pub mod project;

use chrono_tz::Tz;

use crate::diag::Diagnostic;
use crate::load::notes::Note;
use crate::load::schedules::Schedules;

/// Every problem of every note; loading problems are reported by the loader.
pub fn notes(notes: &[Note], schedules: &Schedules, tz: Tz) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = notes.iter().flat_map(|n| note::check(n, schedules, tz)).collect();
    out.extend(project::check(notes));
    out
}
