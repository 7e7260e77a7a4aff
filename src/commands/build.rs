//! `opsbook build`: render the portal.
//!
//! A build first compares a digest of its inputs' metadata with the one the
//! site was last built from; when nothing changed it stops there, having
//! read no note. Otherwise it checks the notes, reads the git history
//! alongside, builds the report model and renders what changed.

use std::time::Instant;

use super::session::{Checked, Session};
use super::{Context, Exit, Fatal};
use crate::diag;
use crate::load::LoadError;
use crate::render::manifest::{self, CheckCounts};
use crate::render::{self, SiteOptions, SiteSummary};
use crate::report::git::{GitHistory, GitLog};
use crate::report::{self, Audience, Inputs};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub audience: Audience,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let started = Instant::now();
    let session = Session::open(ctx)?;
    let site_dir = session.project.site_dir();
    let digest = manifest::inputs_digest(&session.project, opts.audience, session.clock.today());
    if let Some(check) = manifest::up_to_date(&site_dir, opts.audience, &digest) {
        ctx.say(format!(
            "{} notes checked, {} errors, {} warnings (as at the last build; `opsbook check` lists them)",
            check.notes, check.errors, check.warnings
        ));
        ctx.say(format!(
            "{} is up to date: nothing changed since the last build ({:.2?})",
            session.project.rel(&site_dir),
            started.elapsed()
        ));
        return Ok(Exit::from_problems(check.errors > 0));
    }

    let git = GitLog::start(&session.project.root);
    let checked = session.check();
    ctx.print_diagnostics(&checked.problems);
    let ok = !checked.problems.iter().any(|d| d.is_error());
    let site = portal(&session, &checked, &git.finish(), opts.audience, Some(digest))?;
    ctx.say(checked.summary());
    ctx.say(format!(
        "built {} ({} files: {} written, {} removed) in {:.2?}",
        session.project.rel(&site.out),
        site.files,
        site.written,
        site.removed,
        started.elapsed()
    ));
    Ok(Exit::from_problems(!ok))
}

/// Builds the report model for `audience` from checked notes and renders the
/// portal: the step `build`, `nightly` and `serve` share. `inputs` is
/// [`manifest::inputs_digest`] when the caller took one.
pub fn portal(
    session: &Session,
    checked: &Checked,
    git: &GitHistory,
    audience: Audience,
    inputs: Option<String>,
) -> Result<SiteSummary, Fatal> {
    let errors = diag::count_errors(&checked.problems);
    let counts = CheckCounts {
        notes: checked.files,
        errors,
        warnings: checked.problems.len() - errors,
    };
    let model = report::build(
        Inputs {
            project: &session.project,
            clock: &session.clock,
            schedules: &checked.schedules,
            notes: &checked.notes,
            check: checked.report(),
            git,
        },
        audience,
    )
    .map_err(|problems| Fatal::Load(LoadError::Invalid(problems)))?;
    render::build_site(
        &session.project,
        &model,
        &SiteOptions {
            inputs,
            check: counts,
        },
    )
    .map_err(|e| Fatal::Other(e.into()))
}
