//! The contract's obligations and SLA outcomes (`analyse::contract`) as one
//! audience's portal shows them: `data/contract.json`, the adherence
//! calendar of the dashboard, the compliance panel, and each breach with its
//! note's page.
//!
//! Nothing is judged again here. A period's status is the one the analysis
//! gave it, also in the client's portal: a period met by an internal note
//! is met (its note is not named, and `others` counts it), as the nightly
//! summary says. SLA outcomes are counted over the audience's own notes: an
//! internal note's outcomes are left out of the client's counts, since the
//! client sees no page for it.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::chart::{Calendar, DayState};
use super::note::{Ctx, NoteRef};
use super::outcome::{Measure, OutcomeView, Rule, Status};
use crate::analyse::contract::ContractReport;
use crate::analyse::contract::obligations::{ObligationsReport, PeriodStatus};
use crate::analyse::contract::sla::{self, Compliance, SlaReport};
use crate::duration::Dur;
use crate::load::notes::Note;
use crate::load::schedules::Sla;
use crate::period::{Every, Period};
use crate::time::Timestamp;

/// How many breaches the dashboard lists, the newest.
const DASHBOARD_BREACHES: usize = 10;

/// The analysis restricted to one audience's notes; what the views and
/// summaries are made from.
pub struct AudienceContract {
    pub obligations: ObligationsReport,
    pub sla: SlaReport,
}

impl AudienceContract {
    /// `report` for the audience of `notes`.
    pub fn new(report: &ContractReport, notes: &[&Note]) -> AudienceContract {
        let files: HashSet<&str> = notes.iter().map(|n| n.path.as_str()).collect();
        let ids: HashSet<String> = notes.iter().map(|n| n.id()).collect();
        let mut obligations = report.obligations.clone();
        for ob in &mut obligations.obligations {
            for p in &mut ob.periods {
                p.notes.retain(|id| ids.contains(id));
            }
        }
        let sla = report.sla.only(|o| files.contains(o.file.as_str()));
        AudienceContract { obligations, sla }
    }

    /// The SLA outcomes of each note, by its file.
    pub fn outcomes_by_file(&self) -> HashMap<&str, Vec<OutcomeView>> {
        let mut by_file: HashMap<&str, Vec<OutcomeView>> = HashMap::new();
        for o in &self.sla.outcomes {
            by_file.entry(o.file.as_str()).or_default().push(o.into());
        }
        by_file
    }
}

/// `data/contract.json`: obligations and SLA outcomes.
#[derive(Debug, Clone, Serialize)]
pub struct ContractView {
    /// No period is missed.
    pub ok: bool,
    pub service_period: Option<ServicePeriodView>,
    pub obligations: Vec<ObligationView>,
    /// Every missed period, obligation by obligation, oldest first.
    pub missed: Vec<MissedPeriod>,
    pub sla: SlaView,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct ServicePeriodView {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub ended: bool,
}

/// One obligation over the service period.
#[derive(Debug, Clone, Serialize)]
pub struct ObligationView {
    pub name: String,
    pub every: Every,
    /// The note kind that satisfies it (`inspections`).
    pub kind: String,
    pub grace: Dur,
    #[serde(flatten)]
    pub counts: PeriodCounts,
    pub periods: Vec<PeriodView>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PeriodCounts {
    pub met: usize,
    pub missed: usize,
    pub pending: usize,
}

impl PeriodCounts {
    pub fn add(&mut self, status: PeriodStatus) {
        match status {
            PeriodStatus::Met => self.met += 1,
            PeriodStatus::Missed => self.missed += 1,
            PeriodStatus::Pending => self.pending += 1,
        }
    }
}

/// One period of one obligation.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodView {
    pub period: Period,
    pub status: PeriodStatus,
    /// When an unmet period turns from pending to missed.
    pub due: Timestamp,
    /// Ids of this audience's notes that satisfy it.
    pub notes: Vec<String>,
    /// Notes that satisfy it and are not in this audience's portal.
    pub others: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissedPeriod {
    pub name: String,
    pub period: Period,
}

/// SLA outcomes counted: in all, per rule, per month, and every breach.
#[derive(Debug, Clone, Serialize)]
pub struct SlaView {
    /// No limit is breached.
    pub ok: bool,
    pub total: Tally,
    /// Every rule, with its limit.
    pub rules: Vec<RuleTally>,
    /// Months of the notes' days, those with outcomes.
    pub months: Vec<MonthTally>,
    /// Every breach, newest month first.
    pub breaches: Vec<BreachRow>,
}

/// Outcomes met, breached and still pending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    pub met: usize,
    pub breached: usize,
    pub pending: usize,
    /// `met / (met + breached)` in percent, one decimal; `None` when
    /// nothing has been decided yet.
    pub percent: Option<f64>,
}

impl From<Compliance> for Tally {
    fn from(c: Compliance) -> Self {
        Tally {
            met: c.met,
            breached: c.breached,
            pending: c.pending,
            percent: c.percent,
        }
    }
}

impl Tally {
    pub fn is_empty(&self) -> bool {
        self.met + self.breached + self.pending == 0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleTally {
    pub rule: Rule,
    pub limit: Measure,
    #[serde(flatten)]
    pub tally: Tally,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthTally {
    pub month: Period,
    #[serde(flatten)]
    pub tally: Tally,
}

/// A breached limit, with the page of its note.
#[derive(Debug, Clone, Serialize)]
pub struct BreachRow {
    pub note: NoteRef,
    /// The note's file, relative to the project.
    pub file: String,
    pub rule: Rule,
    pub limit: Measure,
    pub actual: Option<Measure>,
    /// Still running: the breach grows until it ends.
    pub open: bool,
    /// The month of the note's day.
    pub month: Period,
}

impl SlaView {
    pub fn new(sla: &SlaReport, ctx: &Ctx) -> SlaView {
        let mut breaches: Vec<BreachRow> = sla
            .outcomes
            .iter()
            .filter(|o| o.status == Status::Breached)
            .map(|o| BreachRow {
                note: ctx.reference(&o.id),
                file: o.file.clone(),
                rule: o.rule,
                limit: o.limit,
                actual: o.actual,
                open: o.open,
                month: o.month,
            })
            .collect();
        breaches.sort_by(|a, b| b.month.cmp(&a.month).then_with(|| a.note.id.cmp(&b.note.id)));
        SlaView {
            ok: sla.ok,
            total: sla.total().into(),
            rules: rule_tallies(sla),
            months: sla
                .months
                .iter()
                .map(|m| MonthTally {
                    month: m.month,
                    tally: m.compliance.into(),
                })
                .collect(),
            breaches,
        }
    }

    /// The rules some outcome was judged by.
    pub fn used_rules(&self) -> Vec<RuleTally> {
        self.rules
            .iter()
            .filter(|r| !r.tally.is_empty())
            .cloned()
            .collect()
    }
}

fn rule_tallies(sla: &SlaReport) -> Vec<RuleTally> {
    sla.rules
        .iter()
        .map(|r| RuleTally {
            rule: r.rule,
            limit: r.limit,
            tally: r.compliance.into(),
        })
        .collect()
}

/// The rules of `sla` some outcome was judged by.
pub fn used_rules(sla: &SlaReport) -> Vec<RuleTally> {
    rule_tallies(sla)
        .into_iter()
        .filter(|r| !r.tally.is_empty())
        .collect()
}

impl ContractView {
    pub fn new(report: &ContractReport, audience: &AudienceContract, ctx: &Ctx) -> ContractView {
        let obligations = &audience.obligations;
        ContractView {
            ok: obligations.ok,
            service_period: obligations.service_period.map(|p| ServicePeriodView {
                start: p.start.0,
                end: p.end.0,
                ended: p.ended,
            }),
            obligations: obligations
                .obligations
                .iter()
                .zip(&report.obligations.obligations)
                .map(|(ob, all)| ObligationView {
                    name: ob.name.clone(),
                    every: ob.every,
                    kind: ob.kind.clone(),
                    grace: ob.grace,
                    counts: PeriodCounts {
                        met: ob.counts.met,
                        missed: ob.counts.missed,
                        pending: ob.counts.pending,
                    },
                    periods: ob
                        .periods
                        .iter()
                        .zip(&all.periods)
                        .map(|(p, all)| PeriodView {
                            period: p.period,
                            status: p.status,
                            due: p.due,
                            notes: p.notes.clone(),
                            others: all.notes.len() - p.notes.len(),
                        })
                        .collect(),
                })
                .collect(),
            missed: obligations
                .missed
                .iter()
                .map(|m| MissedPeriod {
                    name: m.name.clone(),
                    period: m.period,
                })
                .collect(),
            sla: SlaView::new(&audience.sla, ctx),
        }
    }
}

/// The missed periods of `periods` (in order), a run of consecutive ones
/// written `first – last`: how the schedule page and the reports list them.
pub fn missed_runs<'a>(periods: impl Iterator<Item = &'a PeriodView>) -> Vec<String> {
    let mut runs: Vec<(Period, Period)> = Vec::new();
    for q in periods.filter(|q| q.status == PeriodStatus::Missed) {
        match runs.last_mut() {
            Some((_, last)) if last.next() == q.period => *last = q.period,
            _ => runs.push((q.period, q.period)),
        }
    }
    runs.into_iter()
        .map(|(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first} – {last}")
            }
        })
        .collect()
}

/// The limit of every rule, by its name (`limits.general_resolve`).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Limits(std::collections::BTreeMap<&'static str, Measure>);

impl Limits {
    pub fn new(sla: &Sla) -> Limits {
        Limits(
            Rule::ALL
                .iter()
                .map(|r| (r.name(), sla::limit_of(sla, *r)))
                .collect(),
        )
    }
}

/// The dashboard's compliance panel.
#[derive(Debug, Clone, Serialize)]
pub struct SlaBrief {
    pub total: Tally,
    pub rules: Vec<RuleTally>,
    /// The newest breaches.
    pub breaches: Vec<BreachRow>,
    pub breach_count: usize,
}

impl SlaBrief {
    pub fn new(sla: &SlaView) -> SlaBrief {
        SlaBrief {
            total: sla.total,
            rules: sla.used_rules(),
            breaches: sla.breaches.iter().take(DASHBOARD_BREACHES).cloned().collect(),
            breach_count: sla.breaches.len(),
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
    pub counts: PeriodCounts,
    pub calendars: Vec<Calendar>,
    pub periods: Vec<PeriodCell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodCell {
    pub period: Period,
    pub state: DayState,
    /// Ids of the notes that satisfy it.
    pub notes: Vec<String>,
}

/// Every obligation's adherence; periods that begin after `day` (the
/// record's last day) are still to come.
pub fn adherence(contract: &ContractView, day: NaiveDate) -> Vec<Adherence> {
    contract
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
                    calendars(&ob.periods, day)
                } else {
                    Vec::new()
                },
                periods: if daily {
                    Vec::new()
                } else {
                    ob.periods
                        .iter()
                        .map(|p| PeriodCell {
                            period: p.period,
                            state: state(p, day),
                            notes: p.notes.clone(),
                        })
                        .collect()
                },
            }
        })
        .collect()
}

/// A period's mark: pending periods that have not begun are still to come.
fn state(p: &PeriodView, day: NaiveDate) -> DayState {
    match p.status {
        PeriodStatus::Met => DayState::Done,
        PeriodStatus::Missed => DayState::Missing,
        PeriodStatus::Pending if p.period.first_day() > day => DayState::Future,
        PeriodStatus::Pending => DayState::Pending,
    }
}

/// One calendar per year of a daily obligation's periods.
fn calendars(periods: &[PeriodView], day: NaiveDate) -> Vec<Calendar> {
    let by_day: HashMap<NaiveDate, &PeriodView> = periods.iter().map(|p| (p.period.first_day(), p)).collect();
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return Vec::new();
    };
    (first.period.first_day().year()..=last.period.first_day().year())
        .filter_map(|year| {
            let from = NaiveDate::from_ymd_opt(year, 1, 1)?;
            let to = NaiveDate::from_ymd_opt(year, 12, 31)?;
            Some(Calendar::days(from, to, |d| match by_day.get(&d) {
                Some(p) => (state(p, day), (p.notes.len() + p.others) as u32),
                None => (DayState::Outside, 0),
            }))
        })
        .collect()
}
