//! The opening every project command shares: settings, clock, schedules and
//! checked notes.

use crate::analyse;
use crate::diag::{self, Diagnostic};
use crate::load::Project;
use crate::load::notes::{self, Note, Partial};
use crate::load::schedules::{self, Schedules};
use crate::render::site_out;
use crate::report::CheckReport;
use crate::report::redact::Redactor;
use crate::state::Backdated;
use crate::state::history;
use crate::state::published::Continuity;
use crate::time::Clock;

use super::{Context, Fatal, plural};

/// An opened project and the clock of this run.
pub struct Session {
    pub project: Project,
    pub clock: Clock,
    /// Set when the clock is earlier than the last recorded run: then
    /// nothing is written to `state/` (see [`Backdated`]).
    pub backdated: Option<Backdated>,
    /// The verification history held against the one the portal last
    /// published, as this run found them when it started.
    pub history: Continuity,
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
        let backdated = Backdated::check(&project.state_dir(), clock.now());
        let history = Continuity::examine(&project.site_dir(), &project.state_dir(), clock.now());
        Ok(Session {
            project,
            clock,
            backdated,
            history,
        })
    }

    /// Says, once, that this run writes nothing to `state/` because its
    /// clock is earlier than the last recorded run. For the commands that
    /// would write there.
    pub fn warn_if_backdated(&self, ctx: &Context) {
        if let Some(b) = &self.backdated {
            let file = self.project.rel(&self.project.state_dir().join(history::FILE));
            ctx.print_diagnostics(&[Diagnostic::warning(file, b.to_string())]);
        }
    }

    /// Loads schedules and notes and checks them: every problem of both.
    pub fn check(&self) -> Checked {
        self.check_with_history(analyse::verify::check_history(&self.project))
    }

    /// [`Session::check`], with the verification history's chain already
    /// checked (`history`): `nightly` checks it before its verification
    /// starts appending to it, and checks the rest beside it.
    pub fn check_with_history(&self, history: Vec<Diagnostic>) -> Checked {
        let (schedules, mut problems) = schedules::load(&self.project);
        let loaded = notes::load_all(&self.project);
        problems.extend(loaded.diagnostics);
        problems.extend(analyse::check::notes(
            &loaded.notes,
            &schedules,
            &self.project,
            &self.clock,
        ));
        let (hardware, hardware_problems) = crate::load::hardware::load(&self.project);
        problems.extend(hardware_problems);
        // Compiled once: the check reports its problems, the client's
        // portal masks with it.
        let mask = Redactor::new(&self.project.settings.redact);
        problems.extend(super::derived::check(&self.project, &mask));
        problems.extend(analyse::verify::check_settings(&self.project));
        problems.extend(history);
        problems.extend(self.integrity());
        diag::sort(&mut problems);
        Checked {
            files: loaded.files,
            schedules,
            notes: loaded.notes,
            partial: loaded.partial,
            hardware,
            mask: mask.ok(),
            problems,
        }
    }
}

impl Session {
    /// What the project's settings and state risk for what opsbook writes:
    /// a `[site] out` it may not build into, and a verification history
    /// that does not continue the one the portal last published.
    fn integrity(&self) -> Vec<Diagnostic> {
        let project = &self.project;
        let mut problems = site_out::check(project);
        problems.extend(self.history.diagnostic(
            &project.rel(&project.state_dir()),
            &project.rel(&project.site_dir()),
        ));
        problems
    }
}

/// Notes and schedules as loaded, with every problem found in them.
pub struct Checked {
    /// Markdown files found under `content/`.
    pub files: usize,
    pub schedules: Schedules,
    /// The notes that could be read (with or without problems).
    pub notes: Vec<Note>,
    /// What could be read of the notes that could not be typed.
    pub partial: Vec<Partial>,
    /// The hardware register's devices that could be read.
    pub hardware: Vec<crate::load::hardware::Device>,
    /// The client's masking (`[redact]`), when its rules compile.
    pub mask: Option<Redactor>,
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
