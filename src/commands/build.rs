//! `opsbook build`: render the portal.

use std::time::Instant;

use super::session::Session;
use super::{Context, Exit, Fatal};
use crate::render;
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
    let check = checked.report();
    let ok = check.ok;
    let model = report::build(
        &session.project,
        &session.clock,
        &checked.notes,
        check,
        opts.audience,
    );
    let site = render::build_site(&session.project, &model).map_err(|e| Fatal::Other(e.into()))?;
    ctx.say(checked.summary());
    ctx.say(format!(
        "built {} ({} pages, {} files) in {:.2?}",
        session.project.rel(&site.out),
        site.pages,
        site.files,
        started.elapsed()
    ));
    Ok(Exit::from_problems(!ok))
}
