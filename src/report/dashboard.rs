//! The portal's first page: today, what is open, and the service period at a
//! glance.

use serde::Serialize;

use super::backups::SetBrief;
use super::contract::{Adherence, SlaBrief};
use super::logs::AlertRow;
use super::summary::{PeriodLink, Summary};
use super::views::*;
use crate::load::notes::kinds::WorkOrderStatus;
use crate::period::Every;

/// How many recent incidents the dashboard lists.
const RECENT: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// The report's day (the clock of the run).
    pub today: String,
    pub today_inspections: Vec<InspectionRow>,
    /// The newest inspection record up to today.
    pub latest_inspection: Option<InspectionRow>,
    pub open_incidents: Vec<IncidentRow>,
    pub recent_incidents: Vec<IncidentRow>,
    pub open_vulnerabilities: Vec<VulnerabilityRow>,
    /// Work orders not yet done or rejected.
    pub pending_workorders: Vec<WorkOrderRow>,
    pub totals: Totals,
    /// The reports of the month, quarter and year of today (or the latest).
    pub current: Vec<PeriodLink>,
    /// Each backup set's last verification; `None` before the first.
    pub backups: Option<Vec<SetBrief>>,
    pub sla: SlaBrief,
    /// Every obligation over the service period.
    pub schedule: Vec<Adherence>,
    /// Alerts of the last days' logs; `None` without logs.
    pub log_alerts: Option<Vec<AlertRow>>,
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

pub struct Parts<'a> {
    pub today: &'a str,
    pub inspections: &'a [InspectionView],
    pub incidents: &'a [IncidentView],
    pub workorders: &'a [WorkOrderView],
    pub vulnerabilities: &'a [VulnerabilityView],
    pub faq: usize,
    pub trainings: usize,
    pub upgrades: usize,
    pub summaries: &'a [Summary],
    pub backups: Option<Vec<SetBrief>>,
    pub sla: SlaBrief,
    pub schedule: Vec<Adherence>,
    pub log_alerts: Option<Vec<AlertRow>>,
}

pub fn build(p: Parts) -> Dashboard {
    let today = p.today;
    let current = [Every::Month, Every::Quarter, Every::Year]
        .into_iter()
        .filter_map(|every| {
            let mut of_kind = p.summaries.iter().filter(|s| s.every == every);
            of_kind
                .clone()
                .find(|s| s.from.as_str() <= today && today <= s.to.as_str())
                .or_else(|| of_kind.rfind(|s| s.from.as_str() <= today))
                .map(|s| PeriodLink {
                    period: s.period.clone(),
                    every: s.every,
                    url: s.url.clone(),
                })
        })
        .collect();
    let mut recent: Vec<IncidentRow> = p
        .incidents
        .iter()
        .rev()
        .filter(|v| v.reported_at.as_str() <= today || v.reported_at.starts_with(today))
        .take(RECENT)
        .map(IncidentRow::from)
        .collect();
    recent.sort_by(|a, b| b.reported_at.cmp(&a.reported_at));
    Dashboard {
        today: today.to_string(),
        today_inspections: p
            .inspections
            .iter()
            .filter(|v| v.date == today)
            .map(InspectionRow::from)
            .collect(),
        latest_inspection: p
            .inspections
            .iter()
            .rev()
            .find(|v| v.date.as_str() <= today)
            .map(InspectionRow::from),
        open_incidents: p
            .incidents
            .iter()
            .filter(|v| v.open)
            .map(IncidentRow::from)
            .collect(),
        recent_incidents: recent,
        open_vulnerabilities: p
            .vulnerabilities
            .iter()
            .filter(|v| v.open)
            .map(VulnerabilityRow::from)
            .collect(),
        pending_workorders: p
            .workorders
            .iter()
            .filter(|v| matches!(v.status, WorkOrderStatus::Open | WorkOrderStatus::Approved))
            .map(WorkOrderRow::from)
            .collect(),
        totals: Totals {
            inspections: p.inspections.len(),
            incidents: p.incidents.len(),
            workorders: p.workorders.len(),
            faq: p.faq,
            trainings: p.trainings,
            upgrades: p.upgrades,
            vulnerabilities: p.vulnerabilities.len(),
        },
        current,
        backups: p.backups,
        sla: p.sla,
        schedule: p.schedule,
        log_alerts: p.log_alerts,
    }
}
