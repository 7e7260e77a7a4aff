//! The monthly summary, the quarterly phase summary (阶段工作总结表 /
//! 维护总结报告) and the annual summary report (年终总结报告): the numbers of
//! a period, counted from the views (so from the judgements they carry),
//! with the hand-written text of `content/reports/` on top, its figures
//! filled from the same numbers ([`super::text`]).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use super::backups::RunRow;
use super::chart::{Calendar, DayState, Series, SeriesChart};
use super::contract::{
    BreachRow, ContractView, MonthTally, PeriodCounts, RuleTally, Tally, missed_runs, used_rules,
};
use super::note::NoteInfo;
use super::text;
use super::views::*;
use crate::analyse::contract::RecordTime;
use crate::analyse::contract::sla::SlaReport;
use crate::duration::Dur;
use crate::load::notes::kinds::{
    Cycle, IncidentSeverity, Method, Rating, UpgradeOutcome, VulnSeverity, WorkOrderStatus,
};
use crate::period::{Every, Period};
use crate::time::Timestamp;

/// The report of one month, quarter or year.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `2025-06`, `2025-Q2`, `2025`.
    pub period: Period,
    pub every: Every,
    pub url: String,
    pub data: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days of the period inside the service period, up to the record's
    /// last day.
    pub days_elapsed: usize,
    /// The period's last day is after the record's, in a service period
    /// that has not ended: the numbers are so far.
    pub in_progress: bool,
    /// The client's sign-off of this period's hand-in archive, if any.
    pub handin: Option<super::handins::HandinView>,
    /// The hand-written text for this period, its figures filled in.
    pub text: Option<SummaryText>,
    /// The year, quarter or month this period is part of, and its parts.
    pub parent: Option<PeriodLink>,
    pub parts: Vec<PeriodLink>,
    pub inspections: InspectionStats,
    pub incidents: IncidentStats,
    pub workorders: WorkOrderStats,
    pub vulnerabilities: VulnerabilityStats,
    pub trainings: TrainingStats,
    pub upgrades: UpgradeStats,
    pub faq: FaqStats,
    pub ratings: RatingStats,
    /// Each obligation's periods that fall in this one.
    pub obligations: Vec<ObligationStats>,
    /// Outcomes of the notes dated in the period.
    pub sla: SlaStats,
    /// Verification runs started in the period; `None` when no backup was
    /// ever verified.
    pub backups: Option<BackupStats>,
    pub charts: SummaryCharts,
}

/// A report's hand-written text.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryText {
    pub note: NoteInfo,
    /// The markdown, every `{figure}` it names filled from this report.
    pub body: String,
    /// Placeholders that name no figure of the report, left as written.
    pub unknown: Vec<String>,
    /// Where the body starts in its file.
    pub first_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodLink {
    pub period: Period,
    pub every: Every,
    pub url: String,
}

impl PeriodLink {
    pub fn of(p: &Period) -> PeriodLink {
        PeriodLink {
            period: *p,
            every: p.every(),
            url: format!("reports/{p}.html"),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InspectionStats {
    pub total: usize,
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
    pub quarterly: usize,
    pub adhoc: usize,
    /// Days with a daily inspection record.
    pub days_covered: usize,
    pub onsite: usize,
    pub remote: usize,
    /// Checks found in warning or failure.
    pub warn_checks: usize,
    pub fail_checks: usize,
    /// Every record of a month; longer periods link to their months.
    pub rows: Vec<InspectionRow>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentStats {
    pub total: usize,
    /// Open at the period's end (or at the record's moment, if sooner).
    pub open: usize,
    pub resolved: usize,
    pub general: usize,
    pub major: usize,
    pub by_category: Vec<CategoryCount>,
    /// Mean time from report to resolution of the resolved ones.
    pub mean_resolve: Option<Dur>,
    pub mean_resolve_general: Option<Dur>,
    pub mean_resolve_major: Option<Dur>,
    pub longest_resolve: Option<Dur>,
    pub rows: Vec<IncidentRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryCount {
    /// The category as written; `None` for incidents without one.
    pub category: Option<String>,
    pub count: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkOrderStats {
    pub total: usize,
    pub open: usize,
    pub approved: usize,
    pub done: usize,
    pub rejected: usize,
    pub rows: Vec<WorkOrderRow>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VulnerabilityStats {
    /// Found in the period.
    pub found: usize,
    pub found_high: usize,
    pub found_medium: usize,
    pub found_low: usize,
    /// Fixed in the period.
    pub fixed: usize,
    /// Fixed in the period later than their limit.
    pub fixed_over_limit: usize,
    /// Found by the period's end and not fixed by then.
    pub open_at_end: usize,
    /// Found or fixed in the period, or open at its end.
    pub rows: Vec<VulnerabilityRow>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TrainingStats {
    pub sessions: usize,
    pub attendees: u64,
    pub rows: Vec<TrainingRow>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct UpgradeStats {
    pub total: usize,
    pub success: usize,
    pub rolled_back: usize,
    pub failed: usize,
    pub mean_duration: Option<Dur>,
    pub rows: Vec<UpgradeRow>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FaqStats {
    /// Entries added in the period.
    pub added: usize,
    /// Entries in the knowledge base at the period's end.
    pub total_at_end: usize,
    pub rows: Vec<FaqRow>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RatingStats {
    /// Inspection records the client signed off.
    pub reviewed: usize,
    pub satisfied: usize,
    pub fair: usize,
    pub unsatisfied: usize,
    /// Share of reviews rated 满意, in percent.
    pub satisfied_percent: Option<f64>,
    /// Every review of a month; for longer periods the 不满意 ones.
    pub rows: Vec<ReviewRow>,
}

/// An obligation's periods that fall in a summary's period: those whose
/// first day inside the service period does.
#[derive(Debug, Clone, Serialize)]
pub struct ObligationStats {
    pub name: String,
    pub every: Every,
    /// The note kind that satisfies it (`inspections`).
    pub kind: String,
    #[serde(flatten)]
    pub counts: PeriodCounts,
    /// The missed periods, a run of consecutive ones as `first – last`.
    pub missed_periods: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlaStats {
    /// Every outcome of the period together.
    pub total: Tally,
    /// The rules with outcomes in the period.
    pub rules: Vec<RuleTally>,
    pub breaches: Vec<BreachRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupStats {
    pub runs: usize,
    /// Runs that found no error.
    pub ok: usize,
    /// `ok / runs` in percent, one decimal.
    pub percent: Option<f64>,
    /// Runs after the end of a service period that has ended, when this
    /// report is its last: checks of the backups the record still owes.
    pub after_end: Option<RunsAfter>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunsAfter {
    pub runs: usize,
    pub ok: usize,
    /// When the newest of them started.
    pub last: Timestamp,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SummaryCharts {
    /// Incidents per month by severity (quarters and years).
    pub incidents_by_month: Option<SeriesChart>,
    /// Inspection records per month by cycle (quarters and years).
    pub inspections_by_month: Option<SeriesChart>,
    /// Knowledge-base entries added and in total, per month (years).
    pub faq_by_month: Option<SeriesChart>,
    /// SLA outcomes met, breached and pending per month (quarters and years).
    pub sla_by_month: Option<SeriesChart>,
    /// Days with a daily inspection record.
    pub calendar: Option<Calendar>,
}

/// What summaries are computed from: the model's views, sorted by date.
pub struct Sources<'a> {
    pub views: &'a Views,
    /// The audience's obligations, and its SLA outcomes as analysed.
    pub contract: &'a ContractView,
    pub sla: &'a SlaReport,
    /// The verification runs; `None` when there is no history.
    pub runs: Option<&'a [RunRow]>,
    /// The service period, or the span of the notes' dates.
    pub span: Option<(NaiveDate, NaiveDate)>,
    /// The service period as set.
    pub service: Option<(NaiveDate, NaiveDate)>,
    pub record: RecordTime,
}

impl Sources<'_> {
    /// The record's last day.
    fn last_day(&self) -> NaiveDate {
        self.record.day.0
    }

    /// Every period that gets a report: each year, quarter and month of the
    /// span up to the record's last day, and every period with hand-written
    /// text.
    pub fn periods(&self) -> Vec<Period> {
        let mut periods = Vec::new();
        if let Some((from, to)) = self.span {
            let last = to.min(self.last_day());
            for every in [Every::Year, Every::Quarter, Every::Month] {
                periods.extend(Period::range(every, from, last));
            }
        }
        for t in &self.views.texts {
            if let Ok(p) = t.period.parse::<Period>()
                && matches!(p.every(), Every::Year | Every::Quarter | Every::Month)
                && !periods.contains(&p)
            {
                periods.push(p);
            }
        }
        periods.sort_by_key(|p| (std::cmp::Reverse(p.every()), p.first_day()));
        periods
    }

    /// Whether a day is in the service period (every day is, without one).
    fn in_service(&self, d: NaiveDate) -> bool {
        self.service.is_none_or(|(from, to)| from <= d && d <= to)
    }

    pub fn summary(&self, p: &Period, periods: &[Period]) -> Summary {
        let (from, to) = (p.first_day(), p.last_day());
        let is_month = p.every() == Every::Month;
        let inspections = slice(&self.views.inspections, from, to, |v| Some(v.date));
        let incidents = slice(&self.views.incidents, from, to, |v| v.note.date);
        let workorders = slice(&self.views.workorders, from, to, |v| v.note.date);
        let trainings = slice(&self.views.trainings, from, to, |v| Some(v.date));
        let upgrades = slice(&self.views.upgrades, from, to, |v| v.note.date);
        let (parent, parts) = links(p, periods);
        let mut summary = Summary {
            period: *p,
            every: p.every(),
            url: format!("reports/{p}.html"),
            data: format!("data/reports/{p}.json"),
            from,
            to,
            days_elapsed: days(from, to)
                .filter(|d| self.in_service(*d) && *d <= self.last_day())
                .count(),
            in_progress: !self.record.ended && to > self.last_day(),
            handin: None,
            text: None,
            parent,
            parts,
            inspections: inspection_stats(inspections, is_month),
            incidents: incident_stats(incidents),
            workorders: workorder_stats(workorders),
            vulnerabilities: self.vulnerability_stats(from, to),
            trainings: training_stats(trainings),
            upgrades: upgrade_stats(upgrades),
            faq: self.faq_stats(from, to),
            ratings: rating_stats(inspections, is_month),
            obligations: self.obligation_stats(p),
            sla: self.sla_stats(p),
            backups: self.backup_stats(p),
            charts: self.charts(p, inspections, incidents),
        };
        summary.text = self.text(&summary);
        summary
    }

    /// The period's hand-written text, its figures filled from `summary`.
    fn text(&self, summary: &Summary) -> Option<SummaryText> {
        let period = summary.period.to_string();
        let t = self.views.texts.iter().find(|x| x.period == period)?;
        let figures = serde_json::to_value(summary).expect("summaries serialize");
        let filled = text::fill(&t.body, &figures);
        Some(SummaryText {
            note: t.note.clone(),
            body: filled.text,
            unknown: filled.unknown,
            first_line: t.first_line,
        })
    }

    fn obligation_stats(&self, p: &Period) -> Vec<ObligationStats> {
        let start = self.service.map_or(NaiveDate::MIN, |(from, _)| from);
        self.contract
            .obligations
            .iter()
            .map(|ob| {
                let mut counts = PeriodCounts::default();
                // A week that began before the service period counts in
                // the period where the service began. The periods are in
                // order, so those of `p` are one run of them: a daily
                // obligation has hundreds, and every report asks.
                let (from, to) = (p.first_day(), p.last_day());
                let begins = |q: &super::contract::PeriodView| q.period.first_day().max(start);
                let lo = ob.periods.partition_point(|q| begins(q) < from);
                let hi = lo + ob.periods[lo..].partition_point(|q| begins(q) <= to);
                let within = &ob.periods[lo..hi];
                debug_assert!(ob.periods.is_sorted_by_key(|q| q.period.first_day()));
                for q in within {
                    counts.add(q.status);
                }
                ObligationStats {
                    name: ob.name.clone(),
                    every: ob.every,
                    kind: ob.kind.clone(),
                    counts,
                    missed_periods: missed_runs(within.iter()),
                }
            })
            .collect()
    }

    /// The outcomes of the notes dated in the period, counted by the
    /// analysis, and their breaches.
    fn sla_stats(&self, p: &Period) -> SlaStats {
        let sla = self.sla.only(|o| p.contains(o.month.first_day()));
        SlaStats {
            total: sla.total().into(),
            rules: used_rules(&sla),
            breaches: self
                .contract
                .sla
                .breaches
                .iter()
                .filter(|b| p.contains(b.month.first_day()))
                .cloned()
                .collect(),
        }
    }

    fn vulnerability_stats(&self, from: NaiveDate, to: NaiveDate) -> VulnerabilityStats {
        let mut s = VulnerabilityStats::default();
        let within = |d: NaiveDate| from <= d && d <= to;
        for v in &self.views.vulnerabilities {
            let found = v.found_at.0.date_naive();
            let fixed = v.fixed_at.map(|t| t.0.date_naive());
            let found_in = within(found);
            let fixed_in = fixed.is_some_and(within);
            let open_at_end = found <= to && fixed.is_none_or(|x| x > to);
            if found_in {
                s.found += 1;
                match v.severity {
                    VulnSeverity::High => s.found_high += 1,
                    VulnSeverity::Medium => s.found_medium += 1,
                    VulnSeverity::Low => s.found_low += 1,
                }
            }
            if fixed_in {
                s.fixed += 1;
                s.fixed_over_limit += usize::from(v.over_limit);
            }
            s.open_at_end += usize::from(open_at_end);
            if found_in || fixed_in || open_at_end {
                s.rows.push(VulnerabilityRow::from(v));
            }
        }
        s
    }

    fn faq_stats(&self, from: NaiveDate, to: NaiveDate) -> FaqStats {
        let added: Vec<&FaqView> = self
            .views
            .faq
            .iter()
            .filter(|v| v.added.is_some_and(|a| from <= a && a <= to))
            .collect();
        FaqStats {
            added: added.len(),
            total_at_end: self
                .views
                .faq
                .iter()
                .filter(|v| v.added.is_none_or(|a| a <= to))
                .count(),
            rows: added.into_iter().map(FaqRow::from).collect(),
        }
    }

    /// Verification runs started in the period and the service period, by
    /// their day in the project's timezone; for the reports that hold the
    /// last day of a service period that has ended, the runs after it.
    fn backup_stats(&self, p: &Period) -> Option<BackupStats> {
        let runs = self.runs?;
        let started = |r: &RunRow| r.started_at.map(|t| t.0.date_naive());
        let within: Vec<&RunRow> = runs
            .iter()
            .filter(|r| started(r).is_some_and(|d| p.contains(d) && self.in_service(d)))
            .collect();
        let ok = within.iter().filter(|r| r.ok).count();
        let end = self
            .service
            .map(|(_, end)| end)
            .filter(|end| self.record.ended && p.contains(*end));
        let after_end = end.and_then(|end| {
            let after: Vec<&RunRow> = runs
                .iter()
                .filter(|r| started(r).is_some_and(|d| d > end))
                .collect();
            Some(RunsAfter {
                runs: after.len(),
                ok: after.iter().filter(|r| r.ok).count(),
                // Runs are newest first.
                last: after.first()?.started_at?,
            })
        });
        Some(BackupStats {
            runs: within.len(),
            ok,
            percent: percent(ok, within.len()),
            after_end,
        })
    }

    fn charts(
        &self,
        p: &Period,
        inspections: &[InspectionView],
        incidents: &[IncidentView],
    ) -> SummaryCharts {
        let months: Vec<String> = Period::range(Every::Month, p.first_day(), p.last_day())
            .iter()
            .map(|m| m.to_string())
            .collect();
        let by_month = p.every() != Every::Month;
        let month_of = |d: NaiveDate| Period::containing(Every::Month, d).to_string();
        SummaryCharts {
            incidents_by_month: by_month.then(|| {
                SeriesChart::count(months.clone(), &["general", "major"], true, incidents, |v| {
                    Some((month_of(v.note.date?), code(&v.severity)))
                })
            }),
            inspections_by_month: by_month.then(|| {
                SeriesChart::count(
                    months.clone(),
                    &["daily", "weekly", "monthly", "quarterly", "adhoc"],
                    true,
                    inspections,
                    |v| Some((month_of(v.date), code(&v.cycle))),
                )
            }),
            faq_by_month: (p.every() == Every::Year).then(|| self.faq_chart(p, &months)),
            sla_by_month: by_month.then(|| sla_chart(&self.contract.sla.months, &months)),
            calendar: Some(self.calendar(p, inspections)),
        }
    }

    /// Knowledge-base entries added per month, and in total.
    fn faq_chart(&self, p: &Period, months: &[String]) -> SeriesChart {
        let mut chart = SeriesChart::count(months.to_vec(), &["added"], false, &self.views.faq, |v| {
            v.added.map(|a| {
                (
                    Period::containing(Every::Month, a).to_string(),
                    "added".to_string(),
                )
            })
        });
        let before = self
            .views
            .faq
            .iter()
            .filter(|v| v.added.is_none_or(|a| a < p.first_day()))
            .count() as f64;
        let total = chart.series[0]
            .values
            .iter()
            .scan(before, |running, v| {
                *running += v;
                Some(*running)
            })
            .collect();
        chart.series.push(Series {
            key: "total".into(),
            values: total,
        });
        chart
    }

    /// Each day of the period: a daily record, missing, or still to come.
    fn calendar(&self, p: &Period, inspections: &[InspectionView]) -> Calendar {
        let mut per_day: HashMap<NaiveDate, (bool, u32)> = HashMap::new();
        for v in inspections {
            let e = per_day.entry(v.date).or_default();
            e.0 |= v.cycle == Cycle::Daily;
            e.1 += 1;
        }
        Calendar::days(p.first_day(), p.last_day(), |d| {
            let (daily, count) = per_day.get(&d).copied().unwrap_or_default();
            let state = if !self.in_service(d) {
                DayState::Outside
            } else if daily {
                DayState::Done
            } else if d > self.last_day() {
                DayState::Future
            } else {
                DayState::Missing
            };
            (state, count)
        })
    }
}

/// SLA outcomes met, breached and pending in each of `months`.
fn sla_chart(tallies: &[MonthTally], months: &[String]) -> SeriesChart {
    let of = |month: &str| tallies.iter().find(|m| m.month.to_string() == month);
    let series = |key: &str, count: fn(&Tally) -> usize| Series {
        key: key.into(),
        values: months
            .iter()
            .map(|m| of(m).map_or(0.0, |c| count(&c.tally) as f64))
            .collect(),
    };
    SeriesChart {
        series: vec![
            series("met", |c| c.met),
            series("breached", |c| c.breached),
            series("pending", |c| c.pending),
        ],
        x: months.to_vec(),
        stacked: true,
    }
}

/// The year, quarter or month `p` is part of, and its parts, among the
/// periods that have reports.
fn links(p: &Period, periods: &[Period]) -> (Option<PeriodLink>, Vec<PeriodLink>) {
    let from = p.first_day();
    let parent = match p.every() {
        Every::Month => Some(Period::containing(Every::Quarter, from)),
        Every::Quarter => Some(Period::containing(Every::Year, from)),
        _ => None,
    }
    .filter(|q| periods.contains(q))
    .map(|q| PeriodLink::of(&q));
    let child_every = match p.every() {
        Every::Year => Some(Every::Quarter),
        Every::Quarter => Some(Every::Month),
        _ => None,
    };
    let parts = periods
        .iter()
        .filter(|q| Some(q.every()) == child_every && p.contains(q.first_day()))
        .map(PeriodLink::of)
        .collect();
    (parent, parts)
}

pub fn inspection_stats(list: &[InspectionView], with_rows: bool) -> InspectionStats {
    let mut s = InspectionStats {
        total: list.len(),
        ..Default::default()
    };
    let mut covered: Vec<NaiveDate> = Vec::new();
    for v in list {
        match v.cycle {
            Cycle::Daily => {
                s.daily += 1;
                covered.push(v.date);
            }
            Cycle::Weekly => s.weekly += 1,
            Cycle::Monthly => s.monthly += 1,
            Cycle::Quarterly => s.quarterly += 1,
            Cycle::Adhoc => s.adhoc += 1,
        }
        match v.method {
            Method::Onsite => s.onsite += 1,
            Method::Remote => s.remote += 1,
        }
        s.warn_checks += v.counts.warn;
        s.fail_checks += v.counts.fail;
    }
    covered.dedup();
    s.days_covered = covered.len();
    if with_rows {
        s.rows = list.iter().map(InspectionRow::from).collect();
    }
    s
}

fn incident_stats(list: &[IncidentView]) -> IncidentStats {
    let mut by_category: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    for v in list {
        *by_category.entry(v.category.as_deref()).or_default() += 1;
    }
    let mut by_category: Vec<CategoryCount> = by_category
        .into_iter()
        .map(|(c, count)| CategoryCount {
            category: c.map(str::to_string),
            count,
        })
        .collect();
    by_category.sort_by_key(|c| std::cmp::Reverse(c.count));
    let resolve = |severity: Option<IncidentSeverity>| {
        mean(
            list.iter()
                .filter(|v| severity.is_none_or(|s| s == v.severity))
                .filter_map(|v| v.time_to_resolve),
        )
    };
    let open = list.iter().filter(|v| v.open).count();
    let severity = |s: IncidentSeverity| list.iter().filter(|v| v.severity == s).count();
    IncidentStats {
        total: list.len(),
        open,
        resolved: list.len() - open,
        general: severity(IncidentSeverity::General),
        major: severity(IncidentSeverity::Major),
        by_category,
        mean_resolve: resolve(None),
        mean_resolve_general: resolve(Some(IncidentSeverity::General)),
        mean_resolve_major: resolve(Some(IncidentSeverity::Major)),
        longest_resolve: list.iter().filter_map(|v| v.time_to_resolve).max(),
        rows: list.iter().map(IncidentRow::from).collect(),
    }
}

fn workorder_stats(list: &[WorkOrderView]) -> WorkOrderStats {
    let count = |s: WorkOrderStatus| list.iter().filter(|v| v.status == s).count();
    WorkOrderStats {
        total: list.len(),
        open: count(WorkOrderStatus::Open),
        approved: count(WorkOrderStatus::Approved),
        done: count(WorkOrderStatus::Done),
        rejected: count(WorkOrderStatus::Rejected),
        rows: list.iter().map(WorkOrderRow::from).collect(),
    }
}

fn training_stats(list: &[TrainingView]) -> TrainingStats {
    TrainingStats {
        sessions: list.len(),
        attendees: list.iter().filter_map(|v| v.attendees).map(u64::from).sum(),
        rows: list.iter().map(TrainingRow::from).collect(),
    }
}

fn upgrade_stats(list: &[UpgradeView]) -> UpgradeStats {
    let count = |o: UpgradeOutcome| list.iter().filter(|v| v.outcome == Some(o)).count();
    UpgradeStats {
        total: list.len(),
        success: count(UpgradeOutcome::Success),
        rolled_back: count(UpgradeOutcome::RolledBack),
        failed: count(UpgradeOutcome::Failed),
        mean_duration: mean(list.iter().filter(|v| !v.open).filter_map(|v| v.duration)),
        rows: list.iter().map(UpgradeRow::from).collect(),
    }
}

fn rating_stats(list: &[InspectionView], all_rows: bool) -> RatingStats {
    let mut s = RatingStats::default();
    for v in list {
        let Some(r) = &v.review else { continue };
        s.reviewed += 1;
        match r.rating {
            Rating::Satisfied => s.satisfied += 1,
            Rating::Fair => s.fair += 1,
            Rating::Unsatisfied => s.unsatisfied += 1,
        }
        if all_rows || r.rating == Rating::Unsatisfied {
            s.rows.extend(ReviewRow::of(v));
        }
    }
    s.satisfied_percent = percent(s.satisfied, s.reviewed);
    s
}

/// `part / whole` in percent, one decimal; `None` of nothing.
pub fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The items of a date-sorted list dated within `from..=to`.
fn slice<T>(list: &[T], from: NaiveDate, to: NaiveDate, date: impl Fn(&T) -> Option<NaiveDate>) -> &[T] {
    let start = list.partition_point(|v| date(v).is_none_or(|d| d < from));
    let end = list.partition_point(|v| date(v).is_none_or(|d| d <= to));
    &list[start..end.max(start)]
}

/// The mean, to the minute.
fn mean(values: impl Iterator<Item = Dur>) -> Option<Dur> {
    let (sum, n) = values.fold((0i64, 0i64), |(s, n), d| (s + d.as_secs(), n + 1));
    (n > 0).then(|| Dur::minutes((sum as f64 / n as f64 / 60.0).round() as i64))
}

/// The serde name of an enum value (`general`, `daily`).
fn code<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}
