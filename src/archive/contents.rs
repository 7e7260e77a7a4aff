//! What a period's archive holds, besides its manifest and signatures:
//!
//! * `site/`: the client's portal of the period, rendered from a model of
//!   the period's notes only (the run's judgements of them unchanged), so
//!   that its links, lists and search index hold the period and nothing
//!   else, and work opened from disk;
//! * `content/`: the source files of those notes, masked as the client's
//!   portal masks their texts (a phone number masked on the page is not
//!   given away in the source beside it);
//! * `summaries/verification.json`: the backup verification runs of the
//!   period (`state/history.jsonl`'s lines), and the last verification
//!   when it was made in the period;
//! * `summaries/logs.json`: the log aggregates of the period's days;
//! * `summaries/records.json`: each record's source path, id and the
//!   BLAKE3 of its file as written (before masking), by which the portal
//!   later tells whether a handed-in record was edited since
//!   ([`crate::analyse::handins`]).

use chrono::NaiveDate;
use serde::Serialize;

use super::Entry;
use crate::analyse::handins::{HandedRecord, RECORDS};
use crate::analyse::logs::LogReport;
use crate::analyse::verify::{RunRecord, VerifyReport};
use crate::load::Project;
use crate::load::notes::Note;
use crate::load::notes::kinds::Meta;
use crate::period::Period;
use crate::report::Report;
use crate::state::history::Line;

/// Whether a note belongs to the period's archive: a note dated in it, a
/// report text of a period within it, and every FAQ entry (the knowledge
/// base as it stands is part of every hand-in).
pub fn belongs(note: &Note, period: &Period, tz: chrono_tz::Tz) -> bool {
    match &note.meta {
        Meta::Faq(_) => true,
        Meta::Report(r) => within(&r.period, period),
        // A sign-off is written after its archive, never into one.
        Meta::Handin(_) => false,
        meta => meta.day(tz).is_some_and(|d| period.contains(d)),
    }
}

/// Whether `inner` lies wholly within `outer`.
pub fn within(inner: &Period, outer: &Period) -> bool {
    outer.first_day() <= inner.first_day() && inner.last_day() <= outer.last_day()
}

/// Narrows the client's model (built from the period's notes) to the
/// period: the reports of periods within it, the inspection lists of its
/// months, and calendar days outside it linking nowhere. The copy then
/// links only to pages it holds.
pub fn narrow(model: &mut Report, period: &Period) {
    let inside = |p: &Period| within(p, period);
    model.summaries.retain(|s| inside(&s.period));
    for s in &mut model.summaries {
        s.parent = s.parent.take().filter(|l| inside(&l.period));
        s.parts.retain(|l| inside(&l.period));
    }
    model.lists.inspection_months.retain(|m| inside(&m.period));
    model.dashboard.current.retain(|l| inside(&l.period));
    let calendars = model
        .dashboard
        .schedule
        .iter_mut()
        .flat_map(|a| a.calendars.iter_mut());
    for day in calendars.flat_map(|c| c.days.iter_mut()) {
        if !day.date.parse::<NaiveDate>().is_ok_and(|d| period.contains(d)) {
            day.count = 0;
        }
    }
}

/// The site's pages the PDF prints, in order: the period's reports, then
/// every record, kind by kind, each in the model's order.
pub fn printed_pages(model: &Report) -> Vec<String> {
    let v = &model.views;
    let mut pages: Vec<String> = model.summaries.iter().map(|s| s.url.clone()).collect();
    pages.extend(v.inspections.iter().map(|x| x.note.url.clone()));
    pages.extend(v.incidents.iter().map(|x| x.note.url.clone()));
    pages.extend(v.workorders.iter().map(|x| x.note.url.clone()));
    pages.extend(v.trainings.iter().map(|x| x.note.url.clone()));
    pages.extend(v.upgrades.iter().map(|x| x.note.url.clone()));
    pages.extend(v.vulnerabilities.iter().map(|x| x.note.url.clone()));
    pages.extend(v.faq.iter().map(|x| x.note.url.clone()));
    pages
}

/// What the archive is made from.
pub struct Sources<'a> {
    pub project: &'a Project,
    pub period: Period,
    /// The client's model of the period.
    pub model: &'a Report,
    /// Its portal, rendered ([`crate::render::render_in_memory`]).
    pub site: &'a [(String, Vec<u8>)],
    /// The period's notes of the client's audience.
    pub notes: Vec<&'a Note>,
    pub verification: Option<&'a VerifyReport>,
    pub history: &'a [Line<RunRecord>],
    pub logs: Option<&'a LogReport>,
}

#[derive(Serialize)]
struct Verification<'a> {
    period: String,
    /// The verification runs of the period, oldest first.
    runs: Vec<&'a Line<RunRecord>>,
    /// The last verification's full report, when it was made in the period.
    last: Option<&'a VerifyReport>,
}

#[derive(Serialize)]
struct Logs<'a> {
    period: String,
    days: Vec<&'a crate::analyse::logs::report::DayReport>,
}

/// The archive's files, but the manifest, the PDF and the signatures.
/// A note's source that cannot be read is an error naming it.
pub fn gather(s: Sources) -> Result<Vec<Entry>, std::io::Error> {
    let mut entries: Vec<Entry> = s
        .site
        .iter()
        .map(|(path, bytes)| Entry::new(format!("site/{path}"), bytes.clone()))
        .collect();
    let mut records = Vec::new();
    for note in &s.notes {
        let bytes = std::fs::read(s.project.root.join(&note.path))
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", note.path)))?;
        records.push(HandedRecord {
            path: note.path.clone(),
            id: note.id(),
            blake3: blake3::hash(&bytes).to_hex().to_string(),
        });
        let masked = s.model.mask.mask(&String::from_utf8_lossy(&bytes)).into_owned();
        entries.push(Entry::new(note.path.clone(), masked));
    }
    let in_period = |t: &str| {
        t.get(..10)
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .is_some_and(|d| s.period.contains(d))
    };
    let verification = Verification {
        period: s.period.to_string(),
        runs: s
            .history
            .iter()
            .filter(|l| in_period(&l.entry.started_at))
            .collect(),
        last: s.verification.filter(|v| in_period(&v.started_at)),
    };
    let logs = Logs {
        period: s.period.to_string(),
        days: s
            .logs
            .map(|l| l.days.iter().filter(|d| s.period.contains(d.date)).collect())
            .unwrap_or_default(),
    };
    for (path, json) in [
        (
            "summaries/verification.json",
            serde_json::to_vec_pretty(&s.model.mask.masked(&verification)),
        ),
        (
            "summaries/logs.json",
            serde_json::to_vec_pretty(&s.model.mask.masked(&logs)),
        ),
        (RECORDS, serde_json::to_vec_pretty(&records)),
    ] {
        let mut bytes = json.map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        entries.push(Entry::new(path, bytes));
    }
    Ok(entries)
}
