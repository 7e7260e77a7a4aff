//! Inspections held against the evidence of their own day: an item marked
//! `ok` while that day's evidence shows a failure for it (a failed backup
//! job or verification, failed document exchanges, a metric over its
//! threshold), or a count written in the text (`失败登录 36 次`) that the
//! day's logs count differently.
//!
//! Which evidence speaks to which item, and how counts are written, is the
//! project's `[evidence]` mapping in `schedules/`. Where there is no
//! evidence (no logs of the day, no events of the kind that day), nothing
//! is said: a contradiction is only ever reported against something the
//! machines recorded.
//!
//! Each contradiction is a warning with a stable code (`contradicts_SOURCE`,
//! `count_differs_COUNT`) at the line of the item or of the count in the
//! note; the portal shows the same contradictions on the record's page.

use serde::Serialize;

use crate::analyse::evidence::{Evidence, Finding};
use crate::diag::Diagnostic;
use crate::load::evidence_map::{Count, EvidenceMap, Source};
use crate::load::notes::Note;
use crate::load::notes::kinds::{CheckResult, Cycle, Inspection, Meta};

/// One disagreement between a record and the evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Contradiction {
    /// The inspection's id.
    pub id: String,
    pub code: &'static str,
    /// The record's file.
    pub path: String,
    /// The evidence that shows a failure of an item marked ok …
    pub source: Option<Source>,
    /// … or the figure the text writes otherwise than the logs count it.
    pub count: Option<Count>,
    /// The checklist item, or the figure, that disagrees.
    pub subject: String,
    /// One line for the client: what disagreed, without values.
    pub summary: String,
    /// One line with the values and their sources, for the team.
    pub detail: String,
    /// The warning `check` lists, at its line.
    #[serde(skip)]
    pub diagnostic: Diagnostic,
}

/// Every contradiction of every inspection in `notes`.
pub fn contradictions(notes: &[Note], map: &EvidenceMap, evidence: &Evidence) -> Vec<Contradiction> {
    let patterns = map.count_patterns();
    notes
        .iter()
        .filter_map(|n| match &n.meta {
            Meta::Inspection(m) => Some((n, m)),
            _ => None,
        })
        .flat_map(|(note, m)| {
            let mut out = items(note, m, map, evidence);
            if m.cycle == Cycle::Daily || m.cycle == Cycle::Adhoc {
                out.extend(counts(note, m, &patterns, evidence));
            }
            out
        })
        .collect()
}

/// The words `opsbook new inspection` ends each line it filled from the
/// evidence with (a TOML or HTML comment), for the engineer to remove once
/// the values are confirmed.
pub const UNCONFIRMED: &str = "核实后删除本行";

/// The warnings of [`contradictions`], for `check` and the nightly summary,
/// and of every line filled from the evidence that no one has confirmed.
pub fn diagnostics(notes: &[Note], map: &EvidenceMap, evidence: &Evidence) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = contradictions(notes, map, evidence)
        .into_iter()
        .map(|c| c.diagnostic)
        .collect();
    out.extend(notes.iter().flat_map(unconfirmed));
    out
}

/// The lines of an inspection still marked as filled from the evidence.
fn unconfirmed(note: &Note) -> Vec<Diagnostic> {
    if !matches!(note.meta, Meta::Inspection(_)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (text, first_line) in [
        (note.source.front.as_str(), note.source.front_line),
        (note.body.markdown.as_str(), note.body.first_line),
    ] {
        for (at, _) in text.match_indices(UNCONFIRMED) {
            out.push(
                Diagnostic::warning(
                    &note.path,
                    "a value filled from the evidence is not confirmed yet",
                )
                .at_span(text, at..at + UNCONFIRMED.len(), first_line)
                .with_code("unconfirmed_evidence")
                .with_hint(
                    "check the value against what you saw, correct it if need be, then remove this comment",
                ),
            );
        }
    }
    out
}

fn items(note: &Note, m: &Inspection, map: &EvidenceMap, evidence: &Evidence) -> Vec<Contradiction> {
    let day = m.date.0;
    let mut out = Vec::new();
    for (i, check) in m.checks.iter().enumerate() {
        if check.result != CheckResult::Ok {
            continue;
        }
        for &source in map.sources(&check.item) {
            let failed = evidence.failures(source, day, day);
            if failed.is_empty() {
                continue;
            }
            let seen: Vec<String> = failed.iter().map(Finding::describe).collect();
            let code = contradicts(source);
            let diagnostic = note
                .warning(
                    &format!("checks.{i}.item"),
                    format!(
                        "`{}` is marked ok, but {} of {day} show a failure: {}",
                        check.item,
                        source_words(source),
                        seen.join("; ")
                    ),
                )
                .with_code(code)
                .with_hint(
                    "mark the item warn or fail and say why in its note; if this evidence does not speak to the item, change [evidence.items] in schedules/",
                );
            let detail = failed
                .iter()
                .map(|f| match &f.detail {
                    Some(d) => format!("{}（{}）", f.describe(), d),
                    None => f.describe(),
                })
                .collect::<Vec<_>>()
                .join("；");
            out.push(Contradiction {
                id: m.id.clone(),
                code,
                path: note.path.clone(),
                source: Some(source),
                count: None,
                subject: check.item.clone(),
                summary: format!("{}：记录为正常，{}显示异常", check.item, source.label()),
                detail: format!("{}：{detail}", source.label()),
                diagnostic,
            });
        }
    }
    out
}

fn counts(
    note: &Note,
    m: &Inspection,
    patterns: &[(Count, regex::Regex)],
    evidence: &Evidence,
) -> Vec<Contradiction> {
    let day = m.date.0;
    let mut out = Vec::new();
    // The body, then each item's note: wherever the record states a count.
    let body = &note.body;
    let mut places: Vec<(&str, usize, usize)> = vec![(&body.markdown, 0, body.first_line)];
    for i in 0..m.checks.len() {
        if let Some(span) = note.source.keys.span(&format!("checks.{i}.note")) {
            places.push((&note.source.front[..span.end], span.start, note.source.front_line));
        }
    }
    for (count, re) in patterns {
        let Some(logged) = evidence.count(day, *count) else {
            continue;
        };
        for (text, from, first_line) in &places {
            for caps in re.captures_iter(&text[*from..]) {
                let (Some(whole), Some(number)) = (caps.get(0), caps.get(1)) else {
                    continue;
                };
                let Ok(written) = number.as_str().parse::<u64>() else {
                    continue;
                };
                if written == logged {
                    continue;
                }
                let span = from + whole.start()..from + whole.end();
                let code = count_differs(*count);
                let diagnostic = Diagnostic::warning(
                    &note.path,
                    format!(
                        "the record says `{}`, but the logs of {day} count {logged} {}",
                        whole.as_str(),
                        count_words(*count)
                    ),
                )
                .at_span(text, span, *first_line)
                .with_code(code)
                .with_hint("write the count the logs show, or say why the record counts otherwise");
                out.push(Contradiction {
                    id: m.id.clone(),
                    code,
                    path: note.path.clone(),
                    source: None,
                    count: Some(*count),
                    subject: count.label().into(),
                    summary: format!("{}：记录与日志统计不一致", count.label()),
                    detail: format!("{}：记录 {written}，日志 {logged}", count.label()),
                    diagnostic,
                });
            }
        }
    }
    out
}

/// Whether a diagnostic's code is one of a contradiction.
pub fn is_contradiction(code: &str) -> bool {
    code.starts_with("contradicts_") || code.starts_with("count_differs_")
}

/// The code of an item contradicted by a source.
pub fn contradicts(source: Source) -> &'static str {
    match source {
        Source::BackupJobs => "contradicts_backup_jobs",
        Source::Verification => "contradicts_verification",
        Source::Exchange => "contradicts_exchange",
        Source::FailedLogins => "contradicts_failed_logins",
        Source::Metrics => "contradicts_metrics",
        Source::Incidents => "contradicts_incidents",
    }
}

/// The code of a count that differs from the logs.
pub fn count_differs(count: Count) -> &'static str {
    match count {
        Count::FailedLogins => "count_differs_failed_logins",
        Count::ExchangeFailed => "count_differs_exchange_failed",
    }
}

fn source_words(source: Source) -> &'static str {
    match source {
        Source::BackupJobs => "the backup jobs",
        Source::Verification => "the backup verifications",
        Source::Exchange => "the document exchanges",
        Source::FailedLogins => "the logins",
        Source::Metrics => "the servers' metrics",
        Source::Incidents => "the incidents",
    }
}

fn count_words(count: Count) -> &'static str {
    match count {
        Count::FailedLogins => "failed logins",
        Count::ExchangeFailed => "failed document exchanges",
    }
}
