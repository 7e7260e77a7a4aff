//! What the search index holds of each note.

use crate::render::search::Doc;
use crate::report::note::NoteInfo;
use crate::report::redact::Redactor;
use crate::report::{Audience, Report};

/// The labels a result's title is made of: the form's name for records
/// whose own title is only a number or a version.
pub(super) struct Titles {
    /// `软件巡检记录单`: an inspection is "软件巡检记录单 2025-11-18".
    pub inspection: String,
    /// `软件升级`: an upgrade is "软件升级 3.6.2".
    pub upgrade: String,
    /// `运行日志 {date}`: a day of logs.
    pub log_day: String,
}

impl Titles {
    pub(super) fn from_labels(labels: &toml::Table) -> Titles {
        let label = |table: &str, key: &str, default: &str| {
            labels
                .get(table)
                .and_then(|t| t.get(key))
                .and_then(|v| v.as_str())
                .unwrap_or(default)
                .to_string()
        };
        Titles {
            inspection: label("inspection", "form", "Inspection"),
            upgrade: label("upgrade", "title", "Upgrade"),
            log_day: label("search", "log_day", "Logs {date}"),
        }
    }
}

/// What the search index holds of each note: a title that says what the
/// record is, its number, the fields a person would search for, and its
/// text. The team's portal also indexes each day of logs.
pub(super) fn search_docs(report: &Report, titles: &Titles) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut push = |info: &NoteInfo, parts: Vec<&str>| {
        let date = info.date.map(|d| d.to_string()).unwrap_or_default();
        let title = match info.kind.singular() {
            "inspection" => format!("{} {}", titles.inspection, date),
            "upgrade" => format!("{} {}", titles.upgrade, info.title),
            _ => info.title.clone(),
        };
        // The result's title and number are indexed beside the text; the
        // note's own title is in one of them (an inspection's is its number,
        // an upgrade's its version).
        let text = parts.join("\n");
        // A report's id (`report-2025-Q4`) is no number a reader types.
        let id = match info.kind.singular() {
            "report" => String::new(),
            _ => info.id.clone(),
        };
        docs.push(Doc {
            url: info.url.clone(),
            title,
            kind: info.kind.singular().to_string(),
            date,
            id,
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
    for v in &report.partial {
        let mut parts: Vec<&str> = v.fields.iter().map(|f| f.value.as_str()).collect();
        parts.extend(v.body.as_deref());
        push(&v.note, parts);
    }
    // A report text is found on its period's report, with its figures
    // filled in as the report shows them.
    for t in report.summaries.iter().filter_map(|s| s.text.as_ref()) {
        push(&t.note, vec![&t.body]);
    }
    if report.audience == Audience::Internal {
        docs.extend(log_days(report, titles));
    }
    docs
}

/// `docs` masked for the audience. The index is not serialized from the
/// model but made of its words and of snippets cut from its text, so what
/// a result shows and what it is found by are masked here, before they are
/// cut.
pub(super) fn masked(docs: Vec<Doc>, mask: &Redactor) -> Vec<Doc> {
    if mask.is_none() {
        return docs;
    }
    let text = |s: String| match mask.mask(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(masked) => masked,
    };
    docs.into_iter()
        .map(|d| Doc {
            url: text(d.url),
            title: text(d.title),
            kind: d.kind,
            date: d.date,
            id: text(d.id),
            text: text(d.text),
        })
        .collect()
}

/// Each day of logs as a search result: its alerts, an example message of
/// each of its most frequent errors, and its document exchange failures.
/// Only for the team: the client's portal shows logs counted, not searched.
fn log_days(report: &Report, titles: &Titles) -> Vec<Doc> {
    let Some(logs) = &report.logs else {
        return Vec::new();
    };
    let mut docs = Vec::new();
    for month in &logs.months {
        for d in &month.days {
            let date = d.date.format("%Y-%m-%d").to_string();
            let mut text = Vec::new();
            for a in &d.alerts {
                text.extend([a.rule.as_str(), a.subject.as_str()]);
            }
            // The example as logged: the folded pattern (`<n> ms`) reads worse
            // and finds nothing more.
            for e in &d.top_errors {
                text.extend([e.service.as_str(), e.example.as_str()]);
            }
            for f in &d.exchange.failures {
                text.extend([f.doc_id.as_str(), f.msg.as_str()]);
            }
            for o in &d.exchange.overdue {
                text.push(o.doc_id.as_str());
            }
            if text.is_empty() {
                continue;
            }
            docs.push(Doc {
                url: format!("{}#d-{date}", month.url),
                title: titles.log_day.replace("{date}", &date),
                kind: "log".to_string(),
                date: date.clone(),
                id: String::new(),
                text: text.join("\n"),
            });
        }
    }
    docs
}
