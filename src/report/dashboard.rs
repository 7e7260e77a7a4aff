//! The portal's first page: the record's day, what is open, and the service
//! period at a glance. Every figure is one the lists, reports and
//! `data/*.json` show too, taken from the same views.

use serde::Serialize;

use super::RecordView;
use super::backups::SetBrief;
use super::contract::{Adherence, SlaBrief};
use super::logs::{AlertRow, RecentDays};
use super::summary::{PeriodLink, Summary};
use super::views::*;
use crate::period::Every;

/// How many recent incidents the dashboard lists.
const RECENT: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// The moment the portal's record stands at.
    pub record: RecordView,
    /// The inspection records of the record's day; none once the service
    /// period has ended (there is no "today" in a closed record).
    pub today_inspections: Vec<InspectionRow>,
    /// The newest inspection record.
    pub latest_inspection: Option<InspectionRow>,
    /// Open at the record's moment.
    pub open_incidents: Vec<IncidentRow>,
    pub recent_incidents: Vec<IncidentRow>,
    pub open_vulnerabilities: Vec<VulnerabilityRow>,
    /// Work orders not yet done or rejected.
    pub pending_workorders: Vec<WorkOrderRow>,
    pub totals: Totals,
    /// The reports of the month, quarter and year of the record's day (or
    /// the latest).
    pub current: Vec<PeriodLink>,
    /// Each backup set's last verification; `None` before the first.
    pub backups: Option<Vec<SetBrief>>,
    pub sla: SlaBrief,
    /// Every obligation over the service period.
    pub schedule: Vec<Adherence>,
    /// Alerts of the recent days' logs; `None` without logs.
    pub log_alerts: Option<LogAlerts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub inspections: usize,
    pub incidents: usize,
    pub workorders: usize,
    pub faq: usize,
    pub trainings: usize,
    pub upgrades: usize,
    pub vulnerabilities: usize,
}

/// The recent days' alerts, with the window they are of.
#[derive(Debug, Clone, Serialize)]
pub struct LogAlerts {
    pub recent: RecentDays,
    pub alerts: Vec<AlertRow>,
    /// Alerts of earlier days, shown on the logs' page.
    pub earlier: usize,
}

pub struct Parts<'a> {
    pub record: RecordView,
    pub views: &'a Views,
    pub summaries: &'a [Summary],
    pub backups: Option<Vec<SetBrief>>,
    pub sla: SlaBrief,
    pub schedule: Vec<Adherence>,
    pub log_alerts: Option<LogAlerts>,
}

pub fn build(p: Parts) -> Dashboard {
    let day = p.record.day;
    let v = p.views;
    let mut recent: Vec<IncidentRow> = v
        .incidents
        .iter()
        .rev()
        .take(RECENT)
        .map(IncidentRow::from)
        .collect();
    recent.sort_by_key(|r| std::cmp::Reverse(r.reported_at));
    Dashboard {
        today_inspections: if p.record.ended {
            Vec::new()
        } else {
            v.inspections
                .iter()
                .filter(|v| v.date == day)
                .map(InspectionRow::from)
                .collect()
        },
        latest_inspection: v.inspections.last().map(InspectionRow::from),
        open_incidents: v
            .incidents
            .iter()
            .filter(|v| v.open)
            .map(IncidentRow::from)
            .collect(),
        recent_incidents: recent,
        open_vulnerabilities: v
            .vulnerabilities
            .iter()
            .filter(|v| v.open)
            .map(VulnerabilityRow::from)
            .collect(),
        pending_workorders: v
            .workorders
            .iter()
            .filter(|v| v.pending())
            .map(WorkOrderRow::from)
            .collect(),
        totals: Totals {
            inspections: v.inspections.len(),
            incidents: v.incidents.len(),
            workorders: v.workorders.len(),
            faq: v.faq.len(),
            trainings: v.trainings.len(),
            upgrades: v.upgrades.len(),
            vulnerabilities: v.vulnerabilities.len(),
        },
        current: current(p.summaries, day),
        backups: p.backups,
        sla: p.sla,
        schedule: p.schedule,
        log_alerts: p.log_alerts,
        record: p.record,
    }
}

/// The reports of the month, quarter and year that hold `day`, else the
/// latest before it.
fn current(summaries: &[Summary], day: chrono::NaiveDate) -> Vec<PeriodLink> {
    [Every::Month, Every::Quarter, Every::Year]
        .into_iter()
        .filter_map(|every| {
            let mut of_kind = summaries.iter().filter(|s| s.every == every);
            of_kind
                .clone()
                .find(|s| s.from <= day && day <= s.to)
                .or_else(|| of_kind.rfind(|s| s.from <= day))
                .map(|s| PeriodLink {
                    period: s.period,
                    every: s.every,
                    url: s.url.clone(),
                })
        })
        .collect()
}
