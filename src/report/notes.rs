//! Notes as the portal shows them.

use chrono_tz::Tz;
use serde::Serialize;

use crate::load::notes::kinds::{Kind, Meta};
use crate::load::notes::{Audience, Note};

/// One note in the report model.
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub id: String,
    pub kind: Kind,
    /// Source file, relative to the project.
    pub path: String,
    /// The page, relative to the site root (`incidents/INC-250311-01.html`).
    pub url: String,
    pub title: String,
    /// The note's day (`2025-03-11`), for lists and calendars.
    pub date: Option<String>,
    pub audience: Audience,
    /// The typed front matter.
    pub meta: Meta,
    /// The markdown body.
    pub body: String,
    /// The body's sections by heading.
    pub sections: Vec<SectionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    pub heading: String,
    pub markdown: String,
}

impl NoteView {
    pub fn new(note: &Note, tz: Tz) -> NoteView {
        let id = note.id();
        NoteView {
            url: format!("{}/{}.html", note.kind.folder(), url_safe(&id)),
            title: title(&note.meta),
            date: date(&note.meta, tz),
            id,
            kind: note.kind,
            path: note.path.clone(),
            audience: note.audience,
            meta: note.meta.clone(),
            body: note.body.markdown.clone(),
            sections: note
                .body
                .sections
                .iter()
                .map(|s| SectionView {
                    heading: s.heading.clone(),
                    markdown: s.markdown.clone(),
                })
                .collect(),
        }
    }
}

/// A file name from an id: ids are ASCII by rule, but a broken one must not
/// reach outside its folder.
fn url_safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn title(meta: &Meta) -> String {
    match meta {
        Meta::Inspection(m) => m
            .title
            .clone()
            .unwrap_or_else(|| format!("软件巡检记录单 {}", m.id)),
        Meta::Incident(m) => m.title.clone(),
        Meta::WorkOrder(m) => m.title.clone(),
        Meta::Faq(m) => m.question.clone(),
        Meta::Training(m) => m.topic.clone(),
        Meta::Upgrade(m) => m.title.clone().unwrap_or_else(|| format!("升级 {}", m.version)),
        Meta::Vulnerability(m) => m.title.clone(),
        Meta::Report(m) => m.title.clone().unwrap_or_else(|| m.period.to_string()),
    }
}

fn date(meta: &Meta, tz: Tz) -> Option<String> {
    let day = match meta {
        Meta::Inspection(m) => m.date.0,
        Meta::Incident(m) => m.reported_at.date_in(tz),
        Meta::WorkOrder(m) => m.requested_at.date_in(tz),
        Meta::Training(m) => m.date.0,
        Meta::Upgrade(m) => m.window_start.date_in(tz),
        Meta::Vulnerability(m) => m.found_at.date_in(tz),
        Meta::Faq(_) | Meta::Report(_) => return None,
    };
    Some(day.format("%Y-%m-%d").to_string())
}
