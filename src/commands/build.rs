//! `opsbook build`: render the portal.

use std::time::Instant;

use super::session::{Checked, Session};
use super::{Context, Exit, Fatal};
use crate::render::{self, RenderError, SiteSummary};
use crate::report::{self, Audience};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub audience: Audience,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let started = Instant::now();
    let session = Session::open(ctx)?;
    let checked = session.check();
    ctx.print_diagnostics(&checked.problems);
    let site = portal(&session, &checked, opts.audience).map_err(|e| Fatal::Other(e.into()))?;
    ctx.say(checked.summary());
    ctx.say(format!(
        "built {} ({} pages, {} files) in {:.2?}",
        session.project.rel(&site.out),
        site.pages,
        site.files,
        started.elapsed()
    ));
    Ok(Exit::from_problems(!checked.report().ok))
}

/// Renders the portal for `audience` from an opened project and its checked
/// notes (so `nightly` and `serve` build without loading twice). All or
/// nothing: on an error the previous `site/` stays as it was.
pub fn portal(session: &Session, checked: &Checked, audience: Audience) -> Result<SiteSummary, RenderError> {
    let model = report::build(
        &session.project,
        &session.clock,
        &checked.notes,
        checked.report(),
        audience,
    );
    render::build_site(&session.project, &model)
}
