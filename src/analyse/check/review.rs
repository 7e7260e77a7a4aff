//! What a reviewer would send back although every key is well formed: a
//! form whose body was never filled in, a note dated outside the service
//! period or after the run's day, a file whose name or folder says
//! something else than its front matter.
//!
//! Errors are what would publish something false or empty as a finished
//! record: a closed record with a blank form, a note dated in the future.
//! Warnings are what misleads people but no judgement: a note outside the
//! service period (it may record the handover before it), some sections
//! still empty on an open record, a file in the wrong place.

use chrono::{Datelike, NaiveDate};

use crate::diag::{Diagnostic, Severity};
use crate::load::notes::kinds::{Meta, WorkOrderStatus};
use crate::load::notes::{Kind, Note};
use crate::time::Clock;

/// The rules of this module for one note. `period` is the service period,
/// when the settings give one.
pub fn check(note: &Note, period: Option<(NaiveDate, NaiveDate)>, clock: &Clock) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    sections(note, &mut out);
    dates(note, period, clock, &mut out);
    placement(note, clock, &mut out);
    out
}

/// Whether the record is finished: its form is what the client signs.
fn is_closed(note: &Note) -> bool {
    match &note.meta {
        Meta::Inspection(_) => true,
        Meta::Incident(m) => m.resolved_at.is_some(),
        Meta::WorkOrder(m) => matches!(m.status, WorkOrderStatus::Done | WorkOrderStatus::Rejected),
        Meta::Vulnerability(m) => m.fixed_at.is_some(),
        Meta::Faq(_) => true,
        _ => false,
    }
}

/// The form's body sections: missing or empty ones leave its fields blank.
fn sections(note: &Note, out: &mut Vec<Diagnostic>) {
    let wanted = note.kind.sections();
    if note.kind == Kind::Faq && note.body.is_blank() {
        out.push(
            note.error("", "the FAQ entry has no solution: its body is empty")
                .with_hint("write the solution (解决方案) below the front matter"),
        );
        return;
    }
    if wanted.is_empty() {
        return;
    }
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|s| note.body.section(s).is_none())
        .collect();
    let empty: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|s| note.body.section(s).is_some_and(|text| text.trim().is_empty()))
        .collect();
    if missing.is_empty() && empty.is_empty() {
        return;
    }
    let unfilled = missing.len() + empty.len() == wanted.len();
    let severity = if unfilled && is_closed(note) {
        Severity::Error
    } else {
        Severity::Warning
    };
    let quoted = |list: &[&str]| {
        list.iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hint = if severity == Severity::Error {
        "the record is finished but its form is blank: write what was done under each heading"
    } else {
        "write each as a heading, e.g. `## 处理方法`, with its text below"
    };
    if !missing.is_empty() {
        // At the end of the front matter, below which the body starts.
        out.push(
            note.source
                .diagnostic(
                    severity,
                    &note.path,
                    "",
                    format!("the body has no section {}", quoted(&missing)),
                )
                .with_hint(hint.replace("处理方法", missing[0])),
        );
    }
    if !empty.is_empty() {
        let line = note
            .body
            .sections
            .iter()
            .find(|s| s.heading == empty[0])
            .map_or(note.body.first_line, |s| s.line);
        let (noun, verb) = if empty.len() == 1 {
            ("section", "has")
        } else {
            ("sections", "have")
        };
        let d = Diagnostic::new(
            severity,
            &note.path,
            format!("the {noun} {} {verb} no text", quoted(&empty)),
        );
        // The heading's line, shown under the message.
        let text = note
            .body
            .markdown
            .lines()
            .nth(line - note.body.first_line)
            .unwrap_or("");
        out.push(
            d.at_span(text, 0..text.len(), line)
                .with_hint(hint.replace("处理方法", empty[0])),
        );
    }
}

/// The key that holds the note's day.
fn day_key(meta: &Meta) -> &'static str {
    match meta {
        Meta::Inspection(_) | Meta::Training(_) => "date",
        Meta::Incident(_) => "reported_at",
        Meta::WorkOrder(_) => "requested_at",
        Meta::Upgrade(_) => "window_start",
        Meta::Vulnerability(_) => "found_at",
        Meta::Faq(_) | Meta::Report(_) | Meta::Handin(_) => "",
    }
}

fn dates(note: &Note, period: Option<(NaiveDate, NaiveDate)>, clock: &Clock, out: &mut Vec<Diagnostic>) {
    let Some(day) = note.meta.day(clock.tz()) else {
        return;
    };
    let key = day_key(&note.meta);
    let today = clock.today();
    if day > today {
        out.push(
            note.error(key, format!("the note is dated {day}, after today ({today})"))
                .with_hint("correct the date; a record is written once what it records has happened (`--now` sets the day of a run)"),
        );
    }
    if let Some((start, end)) = period
        && (day < start || day > end)
    {
        out.push(
            note.warning(
                key,
                format!("the note is dated {day}, outside the service period {start} – {end}"),
            )
            .with_hint(
                "no obligation counts it; correct the date, or `[project] start`/`end` in opsbook.toml",
            ),
        );
    }
}

/// The file's folder and name agree with its kind, id and day.
fn placement(note: &Note, clock: &Clock, out: &mut Vec<Diagnostic>) {
    let parts: Vec<&str> = note.path.split('/').collect();
    let [first, rest @ ..] = parts.as_slice() else {
        return;
    };
    // Paths are `content/<folder>/…/<file>.md`.
    if *first != "content" || rest.len() < 2 {
        return;
    }
    let folder = rest[0];
    let file = rest[rest.len() - 1];
    let subfolders = &rest[1..rest.len() - 1];
    if let Some(folder_kind) = Kind::from_name(folder)
        && folder_kind != note.kind
    {
        out.push(
            Diagnostic::warning(
                &note.path,
                format!(
                    "a {} note in the folder of {} notes",
                    note.kind.singular(),
                    folder_kind.singular()
                ),
            )
            .with_hint(format!("move it to content/{}/", note.kind.folder())),
        );
    }
    let id = match &note.meta {
        Meta::Report(r) => r.period.to_string(),
        Meta::Handin(h) => h.period.to_string(),
        other => other.id(),
    };
    let stem = file.strip_suffix(".md").unwrap_or(file);
    let agrees = stem == id
        || stem
            .strip_prefix(id.as_str())
            .is_some_and(|rest| rest.starts_with(['-', '_', '.', ' ']));
    if !agrees {
        out.push(
            Diagnostic::warning(
                &note.path,
                format!("the file name `{file}` does not match the note's id `{id}`"),
            )
            .with_hint(format!("rename it `{id}.md`, so that people find it by its id")),
        );
    }
    if let Some(day) = note.meta.day(clock.tz()) {
        // `…/2025/03/…`: folders named by a year, and a month under it.
        for (i, part) in subfolders.iter().enumerate() {
            let wrong = if part.len() == 4 && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse::<i32>().ok() != Some(day.year())
            } else if part.len() == 2
                && part.bytes().all(|b| b.is_ascii_digit())
                && i > 0
                && subfolders[i - 1].len() == 4
            {
                part.parse::<u32>().ok() != Some(day.month())
            } else {
                false
            };
            if wrong {
                out.push(
                    Diagnostic::warning(
                        &note.path,
                        format!(
                            "the note is dated {day} but filed under `{}`",
                            subfolders[..=i].join("/")
                        ),
                    )
                    .with_hint(format!(
                        "move it to the folder of its day, {}",
                        day.format("%Y/%m")
                    )),
                );
                break;
            }
        }
    }
}
