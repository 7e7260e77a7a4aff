//! What the search index holds of each note.

use crate::render::search::Doc;
use crate::report::Report;
use crate::report::note::NoteInfo;

/// What the search index holds of each note: its title, id, the fields a
/// person would search for, and its text.
pub(super) fn search_docs(report: &Report) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut push = |info: &NoteInfo, parts: Vec<&str>| {
        let mut text = format!("{} {}", info.id, info.title);
        for p in parts {
            text.push('\n');
            text.push_str(p);
        }
        docs.push(Doc {
            url: info.url.clone(),
            title: info.title.clone(),
            kind: info.kind.singular().to_string(),
            date: info.date.map(|d| d.to_string()).unwrap_or_default(),
            text,
        });
    };
    let opt = |s: &Option<String>| s.as_deref().unwrap_or("").to_string();
    for v in &report.views.inspections {
        let mut parts = vec![v.inspector.clone(), opt(&v.recorder)];
        for c in &v.checks {
            parts.push(c.item.clone());
            parts.push(opt(&c.note));
        }
        parts.extend([opt(&v.intro), opt(&v.content), opt(&v.analysis)]);
        parts.extend(v.other.iter().map(|s| s.markdown.clone()));
        if let Some(r) = &v.review {
            parts.extend([r.name.clone(), opt(&r.opinion)]);
        }
        push(&v.note, parts.iter().map(String::as_str).collect());
    }
    for v in &report.views.incidents {
        let mut parts = vec![opt(&v.category), v.modules.join(" "), v.engineers.join(" ")];
        parts.extend([&v.intro, &v.cause, &v.handling, &v.result, &v.prevention].map(opt));
        parts.extend(v.other.iter().map(|s| s.markdown.clone()));
        push(&v.note, parts.iter().map(String::as_str).collect());
    }
    for v in &report.views.workorders {
        let mut parts = vec![
            opt(&v.unit),
            opt(&v.location),
            opt(&v.contact),
            opt(&v.requester_dept),
        ];
        parts.extend([&v.intro, &v.impact, &v.review, &v.outcome, &v.remarks].map(opt));
        parts.extend(v.other.iter().map(|s| s.markdown.clone()));
        push(&v.note, parts.iter().map(String::as_str).collect());
    }
    for v in &report.views.faq {
        let tags = v.tags.join(" ");
        push(&v.note, vec![&tags, &v.solution]);
    }
    for v in &report.views.trainings {
        push(&v.note, vec![&opt(&v.trainer), &opt(&v.participants), &v.body]);
    }
    for v in &report.views.upgrades {
        push(&v.note, vec![&v.version, &opt(&v.rollback_text), &v.body]);
    }
    for v in &report.views.vulnerabilities {
        let mut parts = vec![v.source.clone(), v.systems.join(" ")];
        parts.extend([&v.intro, &v.description, &v.fix, &v.retest].map(opt));
        push(&v.note, parts.iter().map(String::as_str).collect());
    }
    // A report text is found on its period's report, with its figures
    // filled in as the report shows them.
    for t in report.summaries.iter().filter_map(|s| s.text.as_ref()) {
        push(&t.note, vec![&t.body]);
    }
    docs
}
