//! A new inspection filled from the evidence of the period it inspects:
//! each checklist item that the `[evidence]` mapping of `schedules/` holds
//! against some evidence gets the result and the note that evidence gives
//! it (a failed backup job: `fail`; a pending document: `warn`; all well:
//! `ok`), marked by a comment that names the sources, for the engineer to
//! confirm or correct and then remove. Items without evidence stay `na`,
//! for the engineer to fill in.
//!
//! `opsbook new inspection --from-evidence [--json]` prints the same
//! evidence and writes nothing.

use chrono::{Days, NaiveDate};

use crate::analyse::check::evidence::UNCONFIRMED;
use crate::analyse::evidence::{Evidence, ItemEvidence, PeriodEvidence};
use crate::commands::pipeline;
use crate::commands::session::Session;
use crate::load::notes::Note;
use crate::load::notes::kinds::{CheckResult, Cycle};
use crate::load::schedules::Schedules;

use super::toml_string;

/// The days an inspection of `cycle` on `date` looks back over: the day
/// itself for a daily or ad-hoc one, else the week, 30 days or 91 days up
/// to and including it.
pub fn period_of(cycle: Cycle, date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let days = match cycle {
        Cycle::Daily | Cycle::Adhoc => 0,
        Cycle::Weekly => 6,
        Cycle::Monthly => 29,
        Cycle::Quarterly => 90,
    };
    (date.checked_sub_days(Days::new(days)).unwrap_or(date), date)
}

/// What the logs, the verification history and the incident notes say of
/// each item of the cycle's checklist over the inspected period.
pub fn gather(
    session: &Session,
    notes: &[Note],
    schedules: &Schedules,
    cycle: Cycle,
    cycle_name: &str,
    date: NaiveDate,
) -> PeriodEvidence {
    let logs = pipeline::logs_as_they_stand(session);
    let history = crate::analyse::verify::history(&session.project).unwrap_or_default();
    let evidence = Evidence::new(logs.as_ref(), &history, notes, session.project.tz());
    let items = schedules
        .checklists
        .get(cycle_name)
        .map_or(&[][..], |v| v.as_slice());
    let (from, to) = period_of(cycle, date);
    evidence.period(items, &schedules.evidence, from, to)
}

fn result_name(r: CheckResult) -> &'static str {
    match r {
        CheckResult::Ok => "ok",
        CheckResult::Warn => "warn",
        CheckResult::Fail => "fail",
        CheckResult::Na => "na",
    }
}

/// The `[[checks]]` table of one item.
pub fn check_table(item: &ItemEvidence) -> String {
    let mut t = format!("\n[[checks]]\nitem = {}\n", toml_string(&item.item));
    match (item.result, &item.note) {
        (Some(result), Some(note)) => {
            let sources: Vec<&str> = item.sources.iter().map(|s| s.label()).collect();
            t.push_str(&format!(
                "# 据{}预填，{UNCONFIRMED}\nresult = \"{}\"              # ok / warn / fail / na\nnote = {}\n",
                sources.join("、"),
                result_name(result),
                toml_string(note)
            ));
        }
        _ => t.push_str("result = \"na\"              # ok / warn / fail / na\n"),
    }
    t
}

/// The text under 检查内容 and 巡检结果分析: the evidence of each item
/// that has some, and the day's counts.
pub fn sections(report: &PeriodEvidence) -> (String, String) {
    let mut content = String::new();
    let with: Vec<&ItemEvidence> = report.items.iter().filter(|i| i.note.is_some()).collect();
    if !with.is_empty() {
        content.push_str(&format!("\n<!-- 以下据机器证据预填，{UNCONFIRMED} -->\n\n"));
        for i in with {
            content.push_str(&format!(
                "- **{}**：{}\n",
                i.item,
                i.note.as_deref().unwrap_or("")
            ));
        }
    }
    let mut counts = Vec::new();
    if let Some(n) = report.failed_logins {
        counts.push(format!("失败登录 {n} 次"));
    }
    if let Some(n) = report.exchange_failed {
        counts.push(format!("交换失败 {n} 件"));
    }
    let analysis = if counts.is_empty() {
        String::new()
    } else {
        format!(
            "\n<!-- 据日志统计预填，{UNCONFIRMED} -->\n\n日志统计：{}。\n",
            counts.join("，")
        )
    };
    (content, analysis)
}

/// `--from-evidence` without `--json`: one line per item, then every
/// finding.
pub fn text(report: &PeriodEvidence) -> String {
    let mut t = format!("evidence of {} to {}:\n", report.from, report.to);
    for i in &report.items {
        let result = i.result.map_or("no evidence", result_name);
        t.push_str(&format!("  {:<6} {}", result, i.item));
        if let Some(note) = &i.note {
            t.push_str(&format!(": {note}"));
        }
        t.push('\n');
    }
    if let Some(n) = report.failed_logins {
        t.push_str(&format!("failed logins: {n}\n"));
    }
    if let Some(n) = report.exchange_failed {
        t.push_str(&format!("failed exchanges: {n}\n"));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_ends_on_the_inspection_day() {
        let d = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        assert_eq!(period_of(Cycle::Daily, d), (d, d));
        assert_eq!(
            period_of(Cycle::Weekly, d).0,
            NaiveDate::from_ymd_opt(2025, 12, 25).unwrap()
        );
    }
}
