//! The contract's obligations and SLA outcomes (`analyse::contract`) as one
//! audience's portal shows them: the adherence calendar of the dashboard,
//! the compliance panel, and each breach with its note's page.
//!
//! The client's portal judges only the notes the client sees: an internal
//! note's outcomes are left out (and not counted), and a period met only by
//! an internal note is judged again without it, as the client's own pages
//! show no record for it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::Serialize;

use super::chart::{Calendar, DayState};
use super::note::{Ctx, NoteRef};
use crate::analyse::contract::ContractReport;
use crate::analyse::contract::obligations::{Counts, ObligationsReport, PeriodResult, PeriodStatus};
use crate::analyse::contract::sla::{Compliance, Measure, Outcome, Rule, RuleCompliance, SlaReport, Status};
use crate::load::notes::Note;
use crate::period::Every;

/// How many breaches the dashboard lists, the newest.
const DASHBOARD_BREACHES: usize = 10;

/// `report` restricted to `notes` (the audience's). `now` is the clock the
/// obligations were judged at.
pub fn for_audience(report: &ContractReport, notes: &[&Note], now: DateTime<FixedOffset>) -> ContractReport {
    let files: HashSet<&str> = notes.iter().map(|n| n.path.as_str()).collect();
    let ids: HashSet<String> = notes.iter().map(|n| n.id()).collect();
    ContractReport {
        obligations: report.obligations.only_notes(|id| ids.contains(id), now),
        sla: report.sla.only(|o| files.contains(o.file.as_str())),
    }
}

/// The SLA outcomes of each note, by its file.
pub fn outcomes_by_file(sla: &SlaReport) -> HashMap<&str, Vec<Outcome>> {
    let mut by_file: HashMap<&str, Vec<Outcome>> = HashMap::new();
    for o in &sla.outcomes {
        by_file.entry(o.file.as_str()).or_default().push(o.clone());
    }
    by_file
}

/// The worst of a note's outcomes: a breach, else one still running, else
/// met; `None` when no limit applies to it.
pub fn worst(outcomes: &[Outcome]) -> Option<Status> {
    let rank = |s: Status| match s {
        Status::Breached => 2,
        Status::Pending => 1,
        Status::Met => 0,
    };
    outcomes.iter().map(|o| o.status).max_by_key(|s| rank(*s))
}

/// A breached limit, with the page of its note.
#[derive(Debug, Clone, Serialize)]
pub struct BreachRow {
    pub note: NoteRef,
    pub rule: Rule,
    pub limit: Measure,
    pub actual: Option<Measure>,
    /// Still running: the breach grows until it ends.
    pub open: bool,
    /// The month of the note's day (`2025-03`).
    pub month: String,
}

/// Every breach, newest month first.
pub fn breach_rows(sla: &SlaReport, ctx: &Ctx) -> Vec<BreachRow> {
    let mut rows: Vec<BreachRow> = sla
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Breached)
        .map(|o| BreachRow {
            note: ctx.reference(&o.id),
            rule: o.rule,
            limit: o.limit,
            actual: o.actual,
            open: o.open,
            month: o.month.to_string(),
        })
        .collect();
    rows.sort_by(|a, b| b.month.cmp(&a.month).then_with(|| a.note.id.cmp(&b.note.id)));
    rows
}

/// The rules some outcome was judged by.
pub fn used_rules(sla: &SlaReport) -> Vec<RuleCompliance> {
    sla.rules
        .iter()
        .filter(|r| r.compliance.met + r.compliance.breached + r.compliance.pending > 0)
        .cloned()
        .collect()
}

/// The dashboard's compliance panel.
#[derive(Debug, Clone, Serialize)]
pub struct SlaBrief {
    pub total: Compliance,
    pub rules: Vec<RuleCompliance>,
    /// The newest breaches.
    pub breaches: Vec<BreachRow>,
    pub breach_count: usize,
}

impl SlaBrief {
    pub fn new(sla: &SlaReport, breaches: &[BreachRow]) -> SlaBrief {
        SlaBrief {
            total: sla.total(),
            rules: used_rules(sla),
            breaches: breaches.iter().take(DASHBOARD_BREACHES).cloned().collect(),
            breach_count: breaches.len(),
        }
    }
}

/// One obligation over the service period, for the dashboard: a calendar a
/// year for a daily one, a cell a period for the others.
#[derive(Debug, Clone, Serialize)]
pub struct Adherence {
    pub name: String,
    pub every: Every,
    /// The note kind that satisfies it (`inspections`).
    pub kind: String,
    #[serde(flatten)]
    pub counts: Counts,
    pub calendars: Vec<Calendar>,
    pub periods: Vec<PeriodCell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodCell {
    pub period: String,
    pub state: DayState,
    /// Ids of the notes that satisfy it.
    pub notes: Vec<String>,
}

/// Every obligation's adherence at `today`.
pub fn adherence(obligations: &ObligationsReport, today: NaiveDate) -> Vec<Adherence> {
    obligations
        .obligations
        .iter()
        .map(|ob| {
            let daily = ob.every == Every::Day;
            Adherence {
                name: ob.name.clone(),
                every: ob.every,
                kind: ob.kind.clone(),
                counts: ob.counts,
                calendars: if daily {
                    calendars(&ob.periods, today)
                } else {
                    Vec::new()
                },
                periods: if daily {
                    Vec::new()
                } else {
                    ob.periods
                        .iter()
                        .map(|p| PeriodCell {
                            period: p.period.to_string(),
                            state: state(p, today),
                            notes: p.notes.clone(),
                        })
                        .collect()
                },
            }
        })
        .collect()
}

/// A period's mark: pending periods that have not begun are still to come.
fn state(p: &PeriodResult, today: NaiveDate) -> DayState {
    match p.status {
        PeriodStatus::Met => DayState::Done,
        PeriodStatus::Missed => DayState::Missing,
        PeriodStatus::Pending if p.period.first_day() > today => DayState::Future,
        PeriodStatus::Pending => DayState::Pending,
    }
}

/// One calendar per year of a daily obligation's periods.
fn calendars(periods: &[PeriodResult], today: NaiveDate) -> Vec<Calendar> {
    let by_day: HashMap<NaiveDate, &PeriodResult> =
        periods.iter().map(|p| (p.period.first_day(), p)).collect();
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return Vec::new();
    };
    (first.period.first_day().year()..=last.period.first_day().year())
        .filter_map(|year| {
            let from = NaiveDate::from_ymd_opt(year, 1, 1)?;
            let to = NaiveDate::from_ymd_opt(year, 12, 31)?;
            Some(Calendar::days(from, to, |d| match by_day.get(&d) {
                Some(p) => (state(p, today), p.notes.len() as u32),
                None => (DayState::Outside, 0),
            }))
        })
        .collect()
}
