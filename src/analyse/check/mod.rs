//! `opsbook check`: the rules every note must keep beyond its front
//! matter's schema (which is checked as each note is read).
//!
//! [`note`] holds the rules of a single note that need the schedules (the
//! quarterly checklist) or the contract's lists; [`review`] what a reviewer
//! would send back (blank forms, dates outside the service period or in the
//! future, files filed under the wrong name); [`project`] the rules across
//! notes (unique ids, references that resolve); [`evidence`] inspections
//! against what the machines recorded on their day. What later stages make of
//! the settings (masking rules, the theme) is tried by the `check` command
//! itself (`commands::derived`), since it needs those stages.

pub mod evidence;
pub mod note;
pub mod project;
pub mod review;

use crate::diag::Diagnostic;
use crate::load::Project;
use crate::load::notes::Note;
use crate::load::schedules::Schedules;
use crate::time::Clock;

/// Every problem of every note; loading problems are reported by the loader.
pub fn notes(notes: &[Note], schedules: &Schedules, project: &Project, clock: &Clock) -> Vec<Diagnostic> {
    let period = project.settings.project.period();
    let mut out: Vec<Diagnostic> = notes
        .iter()
        .flat_map(|n| {
            let mut found = note::check(n, schedules);
            found.extend(review::check(n, period, clock));
            found
        })
        .collect();
    out.extend(project::check(notes));
    out
}
