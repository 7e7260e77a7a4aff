//! `opsbook check`: validate settings, schedules and notes; list every problem.

use super::session::Session;
use super::{Context, Exit, Fatal};

pub fn run(ctx: &Context) -> Result<Exit, Fatal> {
    let session = Session::open(ctx)?;
    let checked = session.check();
    ctx.print_diagnostics(&checked.problems);
    ctx.say(checked.summary());
    Ok(Exit::from_problems(!checked.report().ok))
}
