//! The third stage: one plain model of everything a run found.
//!
//! Templates render only from [`Report`], and the portal's `data/*.json` files
//! are written from the same structs, so a page and its data cannot disagree.
//! Building the model is where the audience is applied: the client's report
//! simply has no internal notes in it.

pub mod notes;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::load::Project;
pub use crate::load::notes::Audience;
use crate::load::notes::Note;
use crate::load::settings::{Language, ProjectSettings};
use crate::time::Clock;
pub use notes::NoteView;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub generated_at: String,
    pub audience: Audience,
    pub project: ProjectInfo,
    pub check: CheckReport,
    /// Every note the audience may see, sorted by kind then id.
    pub notes: Vec<NoteView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectInfo {
    pub name: String,
    pub client: String,
    pub contractor: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub timezone: String,
    pub language: Language,
}

impl ProjectInfo {
    fn from_settings(p: &ProjectSettings) -> Self {
        ProjectInfo {
            name: p.name.clone(),
            client: p.client.clone(),
            contractor: p.contractor.clone(),
            start: p.start.map(|d| d.to_string()),
            end: p.end.map(|d| d.to_string()),
            timezone: p.timezone.name().to_string(),
            language: p.language,
        }
    }
}

/// The result of `opsbook check` (SPEC 8.1 `check`).
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub notes: usize,
    pub problems: Vec<Diagnostic>,
}

impl CheckReport {
    pub fn new(notes: usize, problems: Vec<Diagnostic>) -> Self {
        CheckReport {
            ok: !problems.iter().any(|d| d.is_error()),
            notes,
            problems,
        }
    }
}

/// Builds the model for `audience` from the loaded notes and the check.
pub fn build(
    project: &Project,
    clock: &Clock,
    notes: &[Note],
    check: CheckReport,
    audience: Audience,
) -> Report {
    let tz = project.tz();
    let mut views: Vec<NoteView> = notes
        .iter()
        .filter(|n| audience == Audience::Internal || !n.is_internal())
        .map(|n| NoteView::new(n, tz))
        .collect();
    views.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    Report {
        generated_at: clock.now().to_rfc3339(),
        audience,
        project: ProjectInfo::from_settings(&project.settings.project),
        check,
        notes: views,
    }
}
