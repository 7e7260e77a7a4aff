//! Records being corrected: the notes of this audience that fail `check`.
//!
//! No record may silently leave the client's portal because of a typo. A
//! note with an error stays where it was, marked "being corrected":
//!
//! * a note that was read as its kind (a wrong id date, say) keeps its own
//!   page, rows and outcomes, with a notice on its page;
//! * a note that could not be read as its kind (`severity = "urgent"`) gets
//!   a page of what could be read of it ([`PartialView`]) and a row under
//!   its kind's list; nothing is judged on it, and its page says so, since
//!   a limit or an obligation judged on a half-read record would be a guess.
//!
//! The dashboard, `data/corrections.json` and the nightly summary list them
//! all ([`Correction`]).

use std::collections::HashSet;

use serde::Serialize;

use super::note::{Ctx, NoteInfo, unique_page, url_safe};
use super::redact::Redactor;
use crate::load::notes::{Audience, Kind, Partial};

/// A record being corrected, as the dashboard and the nightly summary list
/// it.
#[derive(Debug, Clone, Serialize)]
pub struct Correction {
    pub id: String,
    /// `None` for a file that names no kind (directly under `content/`,
    /// without `type`): it has no page.
    pub kind: Option<Kind>,
    pub title: String,
    pub date: Option<chrono::NaiveDate>,
    /// Its page, relative to the site root.
    pub url: Option<String>,
    /// The note's file, relative to the project.
    pub path: String,
    /// Read as its kind: shown and judged as usual, with a notice. `false`:
    /// shown as far as it could be read, and not judged.
    pub typed: bool,
}

/// The page of a note that could not be read as its kind.
#[derive(Debug, Clone, Serialize)]
pub struct PartialView {
    pub note: NoteInfo,
    /// The folder of its kind, for the way back to its list.
    pub folder: &'static str,
    /// The audience could not be read: the client sees only the record's
    /// place, not what it says.
    pub withheld: bool,
    /// Every front-matter key that could be read, as written.
    pub fields: Vec<Field>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub key: String,
    pub value: String,
}

/// Whether `audience`'s portal shows the partial note `p`: the client's
/// shows all but those that say `audience = "internal"`, even those whose
/// audience could not be read (withheld, see [`PartialView`]).
pub fn shown(p: &Partial, audience: Audience) -> bool {
    audience == Audience::Internal || p.audience != Some(Audience::Internal)
}

/// The pages of the partial notes shown to `audience`, each given a page
/// name not `taken` yet. Those that name no kind have no page, and are
/// left to [`list`].
pub fn partial_views(
    partial: &[&Partial],
    audience: Audience,
    ctx: &Ctx,
    mask: &Redactor,
    taken: &mut HashSet<String>,
) -> Vec<PartialView> {
    partial
        .iter()
        .filter_map(|p| {
            let kind = p.kind?;
            let folder = kind.folder();
            let url = unique_page(&format!("{folder}/{}", url_safe(&mask.mask(&p.id))), taken);
            let withheld = audience == Audience::Client && p.audience.is_none();
            Some(PartialView {
                note: NoteInfo {
                    id: p.id.clone(),
                    kind,
                    url,
                    path: p.path.clone(),
                    title: if withheld {
                        String::new()
                    } else {
                        p.title.clone().unwrap_or_default()
                    },
                    date: p.date,
                    audience: p.audience.unwrap_or_default(),
                    source: ctx.source(&p.path),
                    data: "data/corrections.json".into(),
                    correcting: true,
                    edited_after: None,
                },
                folder,
                withheld,
                fields: if withheld {
                    Vec::new()
                } else {
                    p.fields
                        .iter()
                        .map(|(key, value)| Field {
                            key: key.clone(),
                            value: value.clone(),
                        })
                        .collect()
                },
                body: if withheld { None } else { p.body.clone() },
            })
        })
        .collect()
}

/// Every record being corrected: the `typed` notes marked so, the
/// `partial` pages, and the `unplaced` partial notes that name no kind.
pub fn list<'a>(
    typed: impl Iterator<Item = &'a NoteInfo>,
    partial: &[PartialView],
    unplaced: impl Iterator<Item = &'a Partial>,
) -> Vec<Correction> {
    let of = |n: &NoteInfo, typed: bool| Correction {
        id: n.id.clone(),
        kind: Some(n.kind),
        title: n.title.clone(),
        date: n.date,
        url: Some(n.url.clone()),
        path: n.path.clone(),
        typed,
    };
    let mut all: Vec<Correction> = typed
        .filter(|n| n.correcting)
        .map(|n| of(n, true))
        .chain(partial.iter().map(|p| of(&p.note, false)))
        .chain(unplaced.map(|p| Correction {
            id: p.id.clone(),
            kind: None,
            title: String::new(),
            date: None,
            url: None,
            path: p.path.clone(),
            typed: false,
        }))
        .collect();
    all.sort_by(|a, b| (a.kind, &a.date, &a.id, &a.path).cmp(&(b.kind, &b.date, &b.id, &b.path)));
    all
}
