//! The client's sign-offs of handed-in archives, as the reports show them:
//! who signed which period off, with what rating and opinion, and whether
//! the archive is still what they signed and the records still what it
//! holds ([`crate::analyse::handins`] found it). A record edited after its
//! hand-in is listed here and flagged on its own page.

use chrono::NaiveDate;
use serde::Serialize;

use super::note::{Ctx, NoteInfo, NoteRef};
use crate::analyse::handins::HandinCheck;
use crate::load::notes::Note;
use crate::load::notes::kinds::{Handin, Rating};
use crate::period::Period;

#[derive(Debug, Clone, Serialize)]
pub struct HandinView {
    pub note: NoteInfo,
    pub period: Period,
    /// Who signed it off for the client (签署人), and when.
    pub name: String,
    pub date: NaiveDate,
    pub rating: Rating,
    /// 签署意见: the note's body, markdown.
    pub opinion: String,
    /// The digest the sign-off quotes.
    pub digest: String,
    /// The archive, relative to the project; `None` when it is not there.
    pub archive: Option<String>,
    /// The archive's digest is the one signed off.
    pub digest_matches: bool,
    /// The archive carries the client's counter-signature.
    pub countersigned: bool,
    /// Records the archive holds that were edited or removed since.
    pub edited: Vec<NoteRef>,
    /// Why the archive could not be read.
    pub problem: Option<String>,
    /// Archive there, digest as signed, no record edited since.
    pub intact: bool,
}

impl HandinView {
    pub fn new(info: NoteInfo, n: &Note, h: &Handin, ctx: &Ctx) -> HandinView {
        HandinView {
            note: info,
            period: h.period,
            name: ctx.text(&h.name),
            date: h.date.0,
            rating: h.rating,
            opinion: ctx.text(&n.body.markdown),
            digest: h.digest.trim().to_ascii_lowercase(),
            archive: None,
            digest_matches: false,
            countersigned: false,
            edited: Vec::new(),
            problem: None,
            intact: false,
        }
    }

    /// Fills in what the analysis found of this sign-off's archive.
    fn found(&mut self, check: &HandinCheck, ctx: &Ctx) {
        self.archive = check.archive.clone();
        self.digest_matches = check.digest_matches;
        self.countersigned = check.countersigned;
        self.edited = check.edited.iter().map(|r| ctx.reference(&r.id)).collect();
        self.problem = check.problem.clone();
        self.intact = self.archive.is_some() && self.digest_matches && self.edited.is_empty();
    }
}

/// Fills every sign-off with its check.
pub fn attach(views: &mut [HandinView], checks: &[HandinCheck], ctx: &Ctx) {
    for view in views.iter_mut() {
        if let Some(check) = checks.iter().find(|c| c.note == view.note.path) {
            view.found(check, ctx);
        }
    }
}
