//! The opening every project command shares: settings, clock, schedules and
//! checked notes.

use crate::analyse;
use crate::diag::{self, Diagnostic};
use crate::load::Project;
use crate::load::notes::{self, Note};
use crate::load::schedules::{self, Schedules};
use crate::report::CheckReport;
use crate::time::Clock;

use super::{Context, Fatal, plural};

/// An opened project and the clock of this run.
pub struct Session {
    pub project: Project,
    pub clock: Clock,
}

impl Session {
    pub fn open(ctx: &Context) -> Result<Session, Fatal> {
        let project = Project::open(&ctx.dir)?;
        Session::with_project(ctx, project)
    }

    /// Opens the project even when its settings have problems, as far as
    /// they can be read (`check` lists them with every other problem).
    pub fn open_lenient(ctx: &Context) -> Result<(Session, Vec<Diagnostic>), Fatal> {
        let (project, problems) = Project::open_lenient(&ctx.dir)?;
        Ok((Session::with_project(ctx, project)?, problems))
    }

    fn with_project(ctx: &Context, project: Project) -> Result<Session, Fatal> {
        let tz = project.tz();
        let clock = match &ctx.now {
            Some(text) => Clock::parse(text, tz).map_err(|e| Fatal::Usage(format!("--now: {e}")))?,
            None => Clock::system(tz),
        };
        Ok(Session { project, clock })
    }

    /// Loads schedules and notes and checks them: every problem of both.
    pub fn check(&self) -> Checked {
        let (schedules, mut problems) = schedules::load(&self.project);
        let loaded = notes::load_all(&self.project);
        problems.extend(loaded.diagnostics);
        problems.extend(analyse::check::notes(
            &loaded.notes,
            &schedules,
            &self.project,
            &self.clock,
        ));
        problems.extend(analyse::check::derived::check(&self.project));
        problems.extend(analyse::verify::check(&self.project));
        diag::sort(&mut problems);
        Checked {
            files: loaded.files,
            schedules,
            notes: loaded.notes,
            problems,
        }
    }
}

/// Notes and schedules as loaded, with every problem found in them.
pub struct Checked {
    /// Markdown files found under `content/`.
    pub files: usize,
    pub schedules: Schedules,
    /// The notes that could be read (with or without problems).
    pub notes: Vec<Note>,
    pub problems: Vec<Diagnostic>,
}

impl Checked {
    pub fn report(&self) -> CheckReport {
        CheckReport::new(self.files, self.problems.clone())
    }

    /// `N notes checked, M problems (E errors, W warnings)`.
    pub fn summary(&self) -> String {
        let errors = diag::count_errors(&self.problems);
        let warnings = self.problems.len() - errors;
        let mut line = format!(
            "{} checked, {}",
            plural(self.files, "note"),
            plural(self.problems.len(), "problem")
        );
        if !self.problems.is_empty() {
            line.push_str(&format!(
                " ({}, {})",
                plural(errors, "error"),
                plural(warnings, "warning")
            ));
        }
        line
    }
}
