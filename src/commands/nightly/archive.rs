//! The nightly hand-in archive: once a month of the service period has
//! closed and the longest grace of the monthly obligations has passed (the
//! records of the month may be written up to then), the run writes that
//! month's archive to `archives/`, unless it is there already.
//!
//! It signs with the key of `$OPSBOOK_ARCHIVE_KEY` (a CI secret file,
//! outside the project). Without a key it writes nothing: an unsigned
//! archive would stand in the way of the signed one (a handed-in archive is
//! never replaced), so none is better than an unsigned one. A project that
//! hands archives in (it has an `archives/` folder) is warned; one that
//! does not is not bothered every night.
//!
//! The stage is `None` (left out of the summary) when there is nothing to
//! do: no month closed, its grace not passed, its archive there already.

use chrono::Duration;
use serde::Serialize;

use super::Stage;
use crate::analyse::handins;
use crate::archive;
use crate::commands::archive::{KEY_ENV, make, signing_key};
use crate::commands::session::{Checked, Session};
use crate::commands::{Context, Exit};
use crate::period::{Every, Period};
use crate::time::start_of_day;

/// `archive` in the nightly summary: the archive this run wrote.
#[derive(Debug, Serialize)]
pub struct ArchiveSection {
    pub period: String,
    /// The archive, relative to the project.
    pub file: String,
    /// The BLAKE3 of its `B3SUMS`.
    pub digest: String,
    pub bytes: usize,
}

/// The last month of the service period that has closed by the clock.
fn closed_month(session: &Session) -> Option<Period> {
    let today = session.clock.today();
    let this = Period::containing(Every::Month, today);
    let mut month = Period::containing(Every::Month, this.first_day() - Duration::days(1));
    if let Some((start, end)) = session.project.settings.project.period() {
        if month.last_day() > end {
            month = Period::containing(Every::Month, end);
        }
        if month.last_day() < start || month.last_day() >= today {
            return None;
        }
    }
    Some(month)
}

pub fn archive_stage(ctx: &Context, session: &Session, checked: &Checked) -> Option<Stage<ArchiveSection>> {
    let project = &session.project;
    if session.backdated.is_some() {
        return None;
    }
    let month = closed_month(session)?;
    let grace = checked
        .schedules
        .obligations
        .iter()
        .filter(|o| o.every == Every::Month)
        .map(|o| o.grace.to_chrono())
        .max()
        .unwrap_or_default();
    let due = start_of_day(month.last_day() + Duration::days(1), project.tz()) + grace;
    let rel = format!("{}/{}", handins::DIR, archive::file_name(&month));
    let path = project.root.join(&rel);
    if session.clock.now() < due || path.exists() {
        return None;
    }
    if std::env::var_os(KEY_ENV).is_none() {
        if !project.root.join(handins::DIR).is_dir() {
            return None;
        }
        let why = format!("no key to sign {month}'s archive with: set {KEY_ENV}");
        if !ctx.quiet {
            eprintln!("warning: {why}");
        }
        return Some(Stage::Skipped(why));
    }
    let made = signing_key(&project.root, None).and_then(|key| make(ctx, session, month, &key, true));
    Some(match made {
        Ok(made) => match crate::state::write_atomic(&path, &made.bytes) {
            Ok(()) => Stage::Ran {
                ok: made.exit == Exit::Clean,
                report: ArchiveSection {
                    period: month.to_string(),
                    file: rel,
                    digest: made.digest,
                    bytes: made.bytes.len(),
                },
            },
            Err(e) => Stage::Failed(format!("cannot write {rel}: {e}")),
        },
        Err(e) => Stage::Failed(format!("{month}'s archive: {e}")),
    })
}
