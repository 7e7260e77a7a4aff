//! The Atom feed of incidents and inspections (`feed.xml`). Entries link to
//! their pages by relative URLs, which feed readers resolve against the
//! feed's own address, so the feed works wherever the portal is put.

use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::Serialize;

use super::markdown::plain_text;
use crate::report::Report;
use crate::report::redact::Redactor;
use crate::time::local_to_instant;

/// How many of the newest records the feed carries.
const ENTRIES: usize = 50;
/// Characters of text in an entry's summary.
const SUMMARY_CHARS: usize = 200;

#[derive(Debug, Serialize)]
pub struct Feed {
    /// `urn:opsbook:` and a digest of the project's name: stable, unique.
    pub id: String,
    pub title: String,
    /// The newest entry's time, so a build with no new entry changes nothing.
    pub updated: String,
    /// `[site] base_url` when it is an absolute URL, for `xml:base`.
    pub base: Option<String>,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub url: String,
    pub updated: String,
    pub summary: String,
}

/// An entry before its summary is made: only the newest get one.
struct Candidate<'a> {
    entry: Entry,
    text: [&'a Option<String>; 2],
}

/// The feed of `report`. Each entry's summary is cut from the note's text,
/// so that text is masked first (`mask`), lest the cut leave part of a
/// phone number the mask would no longer recognise; the rest is masked when
/// the feed is serialized.
pub fn build(report: &Report, mask: &Redactor, base_url: &str) -> Feed {
    let tz: Tz = report
        .project
        .timezone
        .parse()
        .unwrap_or(crate::time::DEFAULT_TIMEZONE);
    let feed_id = format!(
        "urn:opsbook:{}",
        &blake3::hash(report.project.name.as_bytes()).to_hex()[..16]
    );
    let mut entries: Vec<Candidate> = Vec::new();
    for v in &report.views.incidents {
        entries.push(Candidate {
            entry: Entry {
                id: format!("{feed_id}:{}", v.note.id),
                kind: "incident",
                title: format!("{} {}", v.note.id, v.note.title),
                url: v.note.url.clone(),
                updated: v.resolved_at.unwrap_or(v.reported_at).to_string(),
                summary: String::new(),
            },
            text: [&v.cause, &v.result],
        });
    }
    for v in &report.views.inspections {
        let time = v.end.or(v.start).map_or(NaiveTime::MIN, |t| t.0);
        let Some(updated) = local_to_instant(v.date.and_time(time), tz) else {
            continue;
        };
        entries.push(Candidate {
            entry: Entry {
                id: format!("{feed_id}:{}", v.note.id),
                kind: "inspection",
                title: v.note.id.clone(),
                url: v.note.url.clone(),
                updated: updated.to_rfc3339(),
                summary: String::new(),
            },
            text: [&v.analysis, &v.content],
        });
    }
    // Newest first; RFC 3339 in one timezone sorts as text.
    entries.sort_by(|a, b| (b.entry.updated.cmp(&a.entry.updated)).then_with(|| a.entry.id.cmp(&b.entry.id)));
    entries.truncate(ENTRIES);
    let entries: Vec<Entry> = entries
        .into_iter()
        .map(|c| {
            let text: Vec<&str> = c.text.iter().filter_map(|t| t.as_deref()).collect();
            Entry {
                summary: plain_text(&mask.mask(&text.join("\n\n")), SUMMARY_CHARS),
                ..c.entry
            }
        })
        .collect();
    Feed {
        id: feed_id,
        title: report.project.name.clone(),
        updated: entries
            .first()
            .map(|e| e.updated.clone())
            .unwrap_or_else(|| format!("{}T00:00:00+00:00", report.record.day)),
        base: (base_url.starts_with("http://") || base_url.starts_with("https://"))
            .then(|| base_url.to_string()),
        entries,
    }
}
