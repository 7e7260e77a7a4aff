//! `opsbook check`: validate settings, schedules and notes; list every problem.

use super::session::Session;
use super::{Context, Exit, Fatal};

/// Settings with errors make the run exit 2, as every other command would
/// with them, but `check` still reads the rest of the project with what can
/// be read of them, and lists every problem of every file.
pub fn run(ctx: &Context) -> Result<Exit, Fatal> {
    let (session, settings_problems) = Session::open_lenient(ctx)?;
    let mut checked = session.check();
    // The inspections against the evidence of their day, as the logs and
    // the verification history stand (read, never written: `check` keeps
    // nothing under `state/`).
    let logs = super::pipeline::logs_as_they_stand(&session);
    let history = crate::analyse::verify::history(&session.project).unwrap_or_default();
    let contradictions = super::pipeline::cross_check(&session, &checked, logs.as_ref(), &history);
    checked.problems.extend(contradictions);
    let settings_errors = settings_problems.iter().filter(|d| d.is_error()).count();
    checked.problems.extend(settings_problems);
    crate::diag::sort(&mut checked.problems);
    ctx.print_diagnostics(&checked.problems);
    ctx.say(checked.summary());
    if settings_errors > 0 {
        // Listed above with the rest; the exit code says no other command
        // can run with these settings.
        return Err(Fatal::Other(anyhow::anyhow!(
            "{} has {}; no other command runs until they are corrected",
            crate::load::settings::FILE_NAME,
            super::plural(settings_errors, "error")
        )));
    }
    Ok(Exit::from_problems(!checked.report().ok))
}
