//! Rules of a single note.

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::diag::Diagnostic;
use crate::load::notes::Note;
use crate::load::notes::id::{parse_dated, parse_faq};
use crate::load::notes::kinds::{Cycle, Meta, WorkOrderStatus};
use crate::load::schedules::Schedules;
use crate::time::Timestamp;

/// The platform's modules, as the contract names them (SPEC 3.2).
pub const MODULES: [&str; 11] = [
    "综合办公",
    "会议管理",
    "日程管理",
    "通知公告",
    "公文传输",
    "个人云盘",
    "资料库",
    "个人设置",
    "OFD阅读",
    "OFD转换",
    "在线编辑",
];

pub fn check(note: &Note, schedules: &Schedules, tz: Tz) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    check_id(note, tz, &mut out);
    check_times(note, &mut out);
    check_sections(note, &mut out);
    match &note.meta {
        Meta::Inspection(m) if m.cycle == Cycle::Quarterly => {
            let missing: Vec<&str> = schedules
                .quarterly_checklist()
                .iter()
                .filter(|item| !m.checks.iter().any(|c| &c.item == *item))
                .map(|s| s.as_str())
                .collect();
            if !missing.is_empty() {
                out.push(
                    note.error("checks", format!("the quarterly inspection does not cover: {}", missing.join("、")))
                        .with_hint("add a [[checks]] table with `item = \"…\"` and its result for each item of the quarterly checklist in schedules/"),
                );
            }
        }
        Meta::Incident(m) => {
            for (i, module) in m.modules.iter().enumerate() {
                if !MODULES.contains(&module.as_str()) {
                    out.push(
                        note.warning(
                            &format!("modules.{i}"),
                            format!("`{module}` is not one of the platform's modules"),
                        )
                        .with_hint(format!("the contract's modules are: {}", MODULES.join("、"))),
                    );
                }
            }
            if m.engineers.is_empty() {
                out.push(note.error("engineers", "an incident names at least one engineer"));
            }
        }
        Meta::WorkOrder(m) if m.status == WorkOrderStatus::Done => {
            let s = &m.signoffs;
            let missing: Vec<&str> = [
                ("requester", s.requester.is_some()),
                ("operator", s.operator.is_some()),
                ("manager", s.manager.is_some()),
                ("authority", s.authority.is_some()),
            ]
            .into_iter()
            .filter(|(_, present)| !present)
            .map(|(name, _)| name)
            .collect();
            if !missing.is_empty() {
                out.push(
                    note.warning(
                        "status",
                        format!(
                            "the work order is done but lacks the sign-offs of: {}",
                            missing.join(", ")
                        ),
                    )
                    .with_hint("add them under [signoffs] as `name = { name = \"…\", date = 2025-04-02 }`"),
                );
            }
        }
        Meta::Upgrade(m) => {
            if let Some(p) = m.tested_percent
                && !(0.0..=100.0).contains(&p)
            {
                out.push(note.error(
                    "tested_percent",
                    format!("tested_percent is {p}; it is a percentage, 0 to 100"),
                ));
            }
        }
        _ => {}
    }
    out
}

/// The id's form, and its date against the note's own date.
fn check_id(note: &Note, tz: Tz, out: &mut Vec<Diagnostic>) {
    let (id, prefix, own_date, date_key): (&str, &str, NaiveDate, &str) = match &note.meta {
        Meta::Inspection(m) => (&m.id, "", m.date.0, "date"),
        Meta::Incident(m) => (&m.id, "INC-", m.reported_at.date_in(tz), "reported_at"),
        Meta::WorkOrder(m) => (&m.id, "WO-", m.requested_at.date_in(tz), "requested_at"),
        Meta::Training(m) => (&m.id, "TR-", m.date.0, "date"),
        Meta::Upgrade(m) => (&m.id, "UP-", m.window_start.date_in(tz), "window_start"),
        Meta::Vulnerability(m) => (&m.id, "VUL-", m.found_at.date_in(tz), "found_at"),
        Meta::Faq(m) => {
            if let Err(msg) = parse_faq(&m.id) {
                out.push(note.error("id", msg));
            }
            return;
        }
        Meta::Report(_) => return,
    };
    match parse_dated(id, prefix) {
        Err(msg) => out.push(note.error("id", msg)),
        Ok(parsed) if parsed.date != own_date => out.push(
            note.error(
                "id",
                format!(
                    "id `{id}` is dated {}, but `{date_key}` is {own_date}",
                    parsed.date
                ),
            )
            .with_hint(format!(
                "the id's date is the note's date: `{}`",
                crate::load::notes::id::DatedId {
                    date: own_date,
                    seq: parsed.seq
                }
                .format(prefix)
            )),
        ),
        Ok(_) => {}
    }
}

/// Later moments may not come before earlier ones.
fn check_times(note: &Note, out: &mut Vec<Diagnostic>) {
    let mut order = |earlier: (&str, Option<&Timestamp>), later: (&str, Option<&Timestamp>), strict: bool| {
        if let (Some(a), Some(b)) = (earlier.1, later.1)
            && (b < a || (strict && b == a))
        {
            let relation = if strict { "after" } else { "at or after" };
            out.push(note.error(
                later.0,
                format!(
                    "`{}` ({}) must be {relation} `{}` ({})",
                    later.0,
                    b.0.format("%Y-%m-%d %H:%M"),
                    earlier.0,
                    a.0.format("%Y-%m-%d %H:%M")
                ),
            ));
        }
    };
    match &note.meta {
        Meta::Incident(m) => {
            let reported = ("reported_at", Some(&m.reported_at));
            order(reported, ("responded_at", m.responded_at.as_ref()), false);
            order(reported, ("onsite_at", m.onsite_at.as_ref()), false);
            order(reported, ("resolved_at", m.resolved_at.as_ref()), false);
        }
        Meta::Upgrade(m) => {
            order(
                ("window_start", Some(&m.window_start)),
                ("window_end", Some(&m.window_end)),
                true,
            );
        }
        Meta::Vulnerability(m) => {
            order(
                ("found_at", Some(&m.found_at)),
                ("fixed_at", m.fixed_at.as_ref()),
                false,
            );
            order(
                ("fixed_at", m.fixed_at.as_ref()),
                ("verified_at", m.verified_at.as_ref()),
                false,
            );
            if m.verified_at.is_some() && m.fixed_at.is_none() {
                out.push(
                    note.error(
                        "verified_at",
                        "the finding is re-tested (`verified_at`) but not fixed",
                    )
                    .with_hint("add `fixed_at`, the time of the repair"),
                );
            }
        }
        Meta::Inspection(m) => {
            if let (Some(start), Some(end)) = (m.start, m.end)
                && end <= start
            {
                out.push(note.error(
                    "end",
                    format!("the inspection ends ({end}) before it starts ({start})"),
                ));
            }
            if let Some(review) = &m.review
                && let Some(date) = review.date
                && date < m.date
            {
                out.push(note.error(
                    "review.date",
                    format!(
                        "the client's review ({date}) predates the inspection ({})",
                        m.date
                    ),
                ));
            }
        }
        _ => {}
    }
}

/// The form's body sections: a missing one leaves its field blank.
fn check_sections(note: &Note, out: &mut Vec<Diagnostic>) {
    let missing: Vec<&str> = note
        .kind
        .sections()
        .iter()
        .filter(|s| note.body.section(s).is_none())
        .copied()
        .collect();
    if missing.is_empty() {
        return;
    }
    let d = Diagnostic::warning(
        &note.path,
        format!(
            "the body has no section {}",
            missing
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .at_line(note.body.first_line)
    .with_hint(format!(
        "write each as a heading, e.g. `## {}`, with its text below",
        missing[0]
    ));
    out.push(d);
}
