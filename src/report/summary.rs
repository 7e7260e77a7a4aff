//! The monthly summary, the quarterly phase summary (阶段工作总结表 /
//! 维护总结报告) and the annual summary report (年终总结报告): the numbers of
//! a period, computed from the notes, with the hand-written text of
//! `content/reports/` on top.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use super::backups::RunRow;
use super::chart::{Calendar, DayState, Series, SeriesChart};
use super::contract::{BreachRow, used_rules};
use super::views::*;
use crate::analyse::contract::obligations::{ObligationsReport, PeriodStatus};
use crate::analyse::contract::sla::{Compliance, RuleCompliance, SlaReport};
use crate::duration::Dur;
use crate::load::notes::kinds::{
    Cycle, IncidentSeverity, Method, Rating, UpgradeOutcome, VulnSeverity, WorkOrderStatus,
};
use crate::period::{Every, Period};

/// The report of one month, quarter or year.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `2025-06`, `2025-Q2`, `2025`.
    pub period: String,
    pub every: Every,
    pub url: String,
    pub data: String,
    pub from: String,
    pub to: String,
    /// Days of the period inside the service period, up to the report's day.
    pub days_elapsed: usize,
    /// The hand-written text for this period.
    pub text: Option<ReportTextView>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodLink {
    pub period: String,
    pub every: Every,
    pub url: String,
}

impl PeriodLink {
    pub fn of(p: &Period) -> PeriodLink {
        PeriodLink {
            period: p.to_string(),
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
    pub open: usize,
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
    pub met: usize,
    pub missed: usize,
    pub pending: usize,
    /// The missed periods, a run of consecutive ones as `first – last`.
    pub missed_periods: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlaStats {
    /// Every outcome of the period together.
    pub total: Compliance,
    /// The rules with outcomes in the period.
    pub rules: Vec<RuleCompliance>,
    pub breaches: Vec<BreachRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupStats {
    pub runs: usize,
    /// Runs that found no error.
    pub ok: usize,
    /// `ok / runs` in percent, one decimal.
    pub percent: Option<f64>,
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

/// What summaries are computed from: the model's notes, sorted by date.
pub struct Sources<'a> {
    pub inspections: &'a [InspectionView],
    pub incidents: &'a [IncidentView],
    pub workorders: &'a [WorkOrderView],
    pub vulnerabilities: &'a [VulnerabilityView],
    pub trainings: &'a [TrainingView],
    pub upgrades: &'a [UpgradeView],
    pub faq: &'a [FaqView],
    pub texts: &'a [ReportTextView],
    /// The audience's obligations and SLA outcomes.
    pub obligations: &'a ObligationsReport,
    pub sla: &'a SlaReport,
    /// Every breach, with its note's page.
    pub breaches: &'a [BreachRow],
    /// The verification runs; `None` when there is no history.
    pub runs: Option<&'a [RunRow]>,
    /// The service period, or the span of the notes' dates.
    pub span: Option<(NaiveDate, NaiveDate)>,
    /// The service period as set.
    pub service: Option<(NaiveDate, NaiveDate)>,
    pub today: NaiveDate,
}

impl Sources<'_> {
    /// Every period that gets a report: each year, quarter and month of the
    /// span up to today, and every period with hand-written text.
    pub fn periods(&self) -> Vec<Period> {
        let mut periods = Vec::new();
        if let Some((from, to)) = self.span {
            let last = to.min(self.today);
            for every in [Every::Year, Every::Quarter, Every::Month] {
                periods.extend(Period::range(every, from, last));
            }
        }
        for t in self.texts {
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
        let from = p.first_day();
        let to = p.last_day();
        let (f, t) = (day(from), day(to));
        let within = |date: &str| f.as_str() <= date && date <= t.as_str();
        let days_elapsed = days(from, to)
            .filter(|d| self.in_service(*d) && *d <= self.today)
            .count();
        let is_month = p.every() == Every::Month;

        let inspections = slice(self.inspections, &f, &t, |v| &v.date);
        let incidents = slice(self.incidents, &f, &t, |v| v.note.date.as_deref().unwrap_or(""));
        let workorders = slice(self.workorders, &f, &t, |v| v.note.date.as_deref().unwrap_or(""));
        let trainings = slice(self.trainings, &f, &t, |v| &v.date);
        let upgrades = slice(self.upgrades, &f, &t, |v| v.note.date.as_deref().unwrap_or(""));

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

        Summary {
            period: p.to_string(),
            every: p.every(),
            url: format!("reports/{p}.html"),
            data: format!("data/reports/{p}.json"),
            from: f.clone(),
            to: t.clone(),
            days_elapsed,
            text: self.texts.iter().find(|x| x.period == p.to_string()).cloned(),
            parent,
            parts,
            inspections: inspection_stats(inspections, is_month),
            incidents: incident_stats(incidents),
            workorders: workorder_stats(workorders),
            vulnerabilities: self.vulnerability_stats(&f, &t),
            trainings: TrainingStats {
                sessions: trainings.len(),
                attendees: trainings.iter().filter_map(|v| v.attendees).map(u64::from).sum(),
                rows: trainings.iter().map(TrainingRow::from).collect(),
            },
            upgrades: upgrade_stats(upgrades),
            faq: self.faq_stats(&within, &t),
            ratings: rating_stats(inspections, is_month),
            obligations: self.obligation_stats(p),
            sla: self.sla_stats(p),
            backups: self.runs.map(|runs| {
                let within: Vec<&RunRow> = runs
                    .iter()
                    .filter(|r| r.started_at.get(..10).is_some_and(&within))
                    .collect();
                let ok = within.iter().filter(|r| r.ok).count();
                BackupStats {
                    runs: within.len(),
                    ok,
                    percent: percent(ok, within.len()),
                }
            }),
            charts: self.charts(p, inspections, incidents),
        }
    }

    fn obligation_stats(&self, p: &Period) -> Vec<ObligationStats> {
        let start = self.service.map(|(from, _)| from);
        self.obligations
            .obligations
            .iter()
            .map(|ob| {
                let mut s = ObligationStats {
                    name: ob.name.clone(),
                    every: ob.every,
                    kind: ob.kind.clone(),
                    met: 0,
                    missed: 0,
                    pending: 0,
                    missed_periods: Vec::new(),
                };
                let mut runs: Vec<(Period, Period)> = Vec::new();
                // A week that began before the service period counts in
                // the period where the service began.
                let periods = ob
                    .periods
                    .iter()
                    .filter(|q| p.contains(q.period.first_day().max(start.unwrap_or(NaiveDate::MIN))));
                for q in periods {
                    match q.status {
                        PeriodStatus::Met => s.met += 1,
                        PeriodStatus::Missed => {
                            s.missed += 1;
                            match runs.last_mut() {
                                Some((_, last)) if last.next() == q.period => *last = q.period,
                                _ => runs.push((q.period, q.period)),
                            }
                        }
                        PeriodStatus::Pending => s.pending += 1,
                    }
                }
                s.missed_periods = runs
                    .into_iter()
                    .map(|(first, last)| {
                        if first == last {
                            first.to_string()
                        } else {
                            format!("{first} – {last}")
                        }
                    })
                    .collect();
                s
            })
            .collect()
    }

    fn sla_stats(&self, p: &Period) -> SlaStats {
        let sla = self.sla.only(|o| p.contains(o.month.first_day()));
        let (from, to) = (day(p.first_day()), day(p.last_day()));
        SlaStats {
            total: sla.total(),
            rules: used_rules(&sla),
            breaches: self
                .breaches
                .iter()
                .filter(|b| from[..7] <= *b.month && *b.month <= to[..7])
                .cloned()
                .collect(),
        }
    }

    fn vulnerability_stats(&self, f: &str, t: &str) -> VulnerabilityStats {
        let mut s = VulnerabilityStats::default();
        for v in self.vulnerabilities {
            let found = &v.found_at[..10];
            let fixed = v.fixed_at.as_deref().map(|x| &x[..10]);
            let found_in = f <= found && found <= t;
            let fixed_in = fixed.is_some_and(|x| f <= x && x <= t);
            let open_at_end = found <= t && fixed.is_none_or(|x| x > t);
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

    fn faq_stats(&self, within: &dyn Fn(&str) -> bool, to: &str) -> FaqStats {
        let added: Vec<&FaqView> = self
            .faq
            .iter()
            .filter(|v| v.added.as_deref().is_some_and(within))
            .collect();
        FaqStats {
            added: added.len(),
            total_at_end: self
                .faq
                .iter()
                .filter(|v| v.added.as_deref().is_none_or(|a| a <= to))
                .count(),
            rows: added.into_iter().map(FaqRow::from).collect(),
        }
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
        let incidents_by_month = by_month.then(|| {
            SeriesChart::count(months.clone(), &["general", "major"], true, incidents, |v| {
                Some((v.reported_at[..7].to_string(), code(&v.severity)))
            })
        });
        let inspections_by_month = by_month.then(|| {
            SeriesChart::count(
                months.clone(),
                &["daily", "weekly", "monthly", "quarterly", "adhoc"],
                true,
                inspections,
                |v| Some((v.date[..7].to_string(), code(&v.cycle))),
            )
        });
        let faq_by_month = (p.every() == Every::Year).then(|| {
            let added = SeriesChart::count(months.clone(), &["added"], false, self.faq, |v| {
                v.added
                    .as_ref()
                    .map(|a| (a[..7].to_string(), "added".to_string()))
            });
            let before = self
                .faq
                .iter()
                .filter(|v| v.added.as_deref().is_none_or(|a| a < day(p.first_day()).as_str()))
                .count() as f64;
            let mut total = Vec::with_capacity(months.len());
            let mut running = before;
            for v in &added.series[0].values {
                running += v;
                total.push(running);
            }
            let mut chart = added;
            chart.series.push(Series {
                key: "total".into(),
                values: total,
            });
            chart
        });

        let sla_by_month = by_month.then(|| {
            let of = |month: &str| self.sla.months.iter().find(|m| m.month.to_string() == month);
            let series = |key: &str, count: fn(&Compliance) -> usize| Series {
                key: key.into(),
                values: months
                    .iter()
                    .map(|m| of(m).map_or(0.0, |c| count(&c.compliance) as f64))
                    .collect(),
            };
            SeriesChart {
                series: vec![
                    series("met", |c| c.met),
                    series("breached", |c| c.breached),
                    series("pending", |c| c.pending),
                ],
                x: months.clone(),
                stacked: true,
            }
        });

        let mut per_day: HashMap<&str, (bool, u32)> = HashMap::new();
        for v in inspections {
            let e = per_day.entry(v.date.as_str()).or_default();
            e.0 |= v.cycle == Cycle::Daily;
            e.1 += 1;
        }
        let calendar = Calendar::days(p.first_day(), p.last_day(), |d| {
            let (daily, count) = per_day.get(day(d).as_str()).copied().unwrap_or_default();
            let state = if !self.in_service(d) {
                DayState::Outside
            } else if daily {
                DayState::Done
            } else if d > self.today {
                DayState::Future
            } else {
                DayState::Missing
            };
            (state, count)
        });
        SummaryCharts {
            incidents_by_month,
            inspections_by_month,
            faq_by_month,
            sla_by_month,
            calendar: Some(calendar),
        }
    }
}

fn inspection_stats(list: &[InspectionView], with_rows: bool) -> InspectionStats {
    let mut s = InspectionStats {
        total: list.len(),
        ..Default::default()
    };
    let mut covered: Vec<&str> = Vec::new();
    for v in list {
        match v.cycle {
            Cycle::Daily => {
                s.daily += 1;
                covered.push(&v.date);
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
    IncidentStats {
        total: list.len(),
        open: list.iter().filter(|v| v.open).count(),
        general: list
            .iter()
            .filter(|v| v.severity == IncidentSeverity::General)
            .count(),
        major: list
            .iter()
            .filter(|v| v.severity == IncidentSeverity::Major)
            .count(),
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

fn upgrade_stats(list: &[UpgradeView]) -> UpgradeStats {
    let count = |o: UpgradeOutcome| list.iter().filter(|v| v.outcome == Some(o)).count();
    UpgradeStats {
        total: list.len(),
        success: count(UpgradeOutcome::Success),
        rolled_back: count(UpgradeOutcome::RolledBack),
        failed: count(UpgradeOutcome::Failed),
        mean_duration: mean(list.iter().map(|v| v.duration)),
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
fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The items of a date-sorted list dated within `from..=to`.
fn slice<'a, T>(list: &'a [T], from: &str, to: &str, date: impl Fn(&T) -> &str) -> &'a [T] {
    let start = list.partition_point(|v| date(v) < from);
    let end = list.partition_point(|v| date(v) <= to);
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

fn day(d: NaiveDate) -> String {
    super::note::day(d)
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}
