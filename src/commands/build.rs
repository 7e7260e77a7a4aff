//! `opsbook build`: render the portal.
//!
//! A build first compares a digest of its inputs' metadata with the one the
//! site was last built from; when nothing changed, and the clock has not
//! reached a deadline the last build's model depends on (an SLA limit, an
//! obligation's due time, midnight), it stops there, having read no note. Otherwise it checks the notes, reads the git history
//! alongside, holds the notes against the contract, reads the last backup
//! verification from `state/`, ingests the logs (only what is new), builds
//! the report model and renders what changed.

use std::time::Instant;

use super::pipeline::{self, Analysed};
use super::session::Session;
use super::{Context, Exit, Fatal};
use crate::load::git::GitLog;
use crate::render::{self, manifest};
use crate::report::Audience;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub audience: Audience,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let started = Instant::now();
    let session = Session::open(ctx)?;
    session.warn_if_backdated(ctx);
    // Whatever the manifest says, a build interrupted before is finished or
    // rolled back first, and a site folder opsbook may not write is refused.
    let site_dir = render::open_site(&session.project).map_err(|e| Fatal::Other(e.into()))?;
    let digest = pipeline::inputs_digest(&session.project, opts.audience);
    if let Some(check) = manifest::up_to_date(&site_dir, opts.audience, &digest, session.clock.now()) {
        ctx.say(format!(
            "{} notes checked, {} errors, {} warnings (as at the last build; `opsbook check` lists them)",
            check.notes, check.errors, check.warnings
        ));
        ctx.say(format!(
            "{} is up to date: nothing changed since the last build, and no deadline passed ({:.2?})",
            session.project.rel(&site_dir),
            started.elapsed()
        ));
        return Ok(Exit::from_problems(check.errors > 0));
    }

    let git = GitLog::start(&session.project.root);
    let checked = session.check();
    ctx.print_diagnostics(&checked.problems);
    let ok = !checked.problems.iter().any(|d| d.is_error());
    let analysed = Analysed::run(ctx, &session, &checked);
    let built = pipeline::portal(
        &session,
        &checked,
        &git.finish(),
        analysed.analyses(),
        opts.audience,
        Some(digest),
    )?;
    ctx.say(checked.summary());
    let site = &built.site;
    ctx.say(format!(
        "built {} ({} files: {} written, {} removed{}) in {:.2?}",
        session.project.rel(&site.out),
        site.files,
        site.written,
        site.removed,
        built.corrections_note(),
        started.elapsed()
    ));
    Ok(Exit::from_problems(!ok))
}
