//! The schedule and SLA page (进度安排与服务时限): the contract's obligations
//! as a table, each with how it stands at the run's clock, and the SLA
//! outcomes with every breach.
//!
//! Nothing is judged again here. Every row is made of the periods
//! [`ContractView`] holds, as the analysis judged them: its `met`,
//! `missed` and `pending` are the dashboard's and `data/contract.json`'s.
//! The page adds two readings of the same periods that a client asks for
//! and the other pages leave implicit:
//!
//! - `due`: the periods whose deadline (their last day plus the grace) has
//!   passed, those the contract could already hold the team to;
//! - `late`: the pending periods whose last day is over and whose grace is
//!   still running, written up late if written at all. They are part of
//!   `pending`, which also counts the periods still under way or to come.
//!
//! The SLA part is the contract view's own [`SlaView`]: the same rules,
//! totals and breaches the dashboard and the reports show.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::contract::{ContractView, ObligationView, PeriodCounts, PeriodView, SlaView, missed_runs};
use crate::analyse::contract::obligations::PeriodStatus;
use crate::duration::Dur;
use crate::period::Every;

/// `schedule/index.html` and `data/schedule.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    /// No obligation has a missed period.
    pub ok: bool,
    /// Every obligation of the schedules, in their order.
    pub rows: Vec<ScheduleRow>,
    pub sla: SlaView,
}

/// One obligation of the contract's schedule and how it stands.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleRow {
    pub name: String,
    pub every: Every,
    /// The note kind that satisfies it (`inspections`).
    pub kind: String,
    pub grace: Dur,
    /// Periods of the service period in all.
    pub periods: usize,
    /// Periods whose deadline has passed.
    pub due: usize,
    /// Met, missed and pending periods, as the dashboard counts them.
    #[serde(flatten)]
    pub counts: PeriodCounts,
    /// Pending periods that are over, inside their grace.
    pub late: usize,
    /// Of the due periods, the share met, in percent with one decimal;
    /// `None` while none is due.
    pub percent: Option<f64>,
    /// The missed periods, a run of consecutive ones as `first – last`.
    pub missed_periods: Vec<String>,
    /// The late periods, each with its deadline.
    pub late_periods: Vec<LatePeriod>,
}

/// A period over and not met, whose grace has not yet passed.
#[derive(Debug, Clone, Serialize)]
pub struct LatePeriod {
    pub period: crate::period::Period,
    pub due: crate::time::Timestamp,
    /// The last day a record may still be written for it: the day before
    /// `due`, which is a midnight.
    pub last_day: chrono::NaiveDate,
}

impl ScheduleView {
    /// The page of `contract`, its periods read at `now`, the clock they
    /// were judged by.
    pub fn new(contract: &ContractView, now: DateTime<FixedOffset>) -> ScheduleView {
        ScheduleView {
            ok: contract.ok,
            rows: contract.obligations.iter().map(|ob| row(ob, now)).collect(),
            sla: contract.sla.clone(),
        }
    }
}

fn row(ob: &ObligationView, now: DateTime<FixedOffset>) -> ScheduleRow {
    let is_due = |p: &PeriodView| p.due.0 <= now;
    // The period's end is its deadline less the grace: the analysis sets
    // `due` to the end of the last day plus the grace.
    let is_late = |p: &PeriodView| {
        p.status == PeriodStatus::Pending
            && p.due
                .0
                .checked_sub_signed(ob.grace.to_chrono())
                .is_some_and(|end| end <= now)
    };
    let due = ob.periods.iter().filter(|p| is_due(p)).count();
    let met_due = ob
        .periods
        .iter()
        .filter(|p| is_due(p) && p.status == PeriodStatus::Met)
        .count();
    let late_periods: Vec<LatePeriod> = ob
        .periods
        .iter()
        .filter(|p| is_late(p))
        .map(|p| LatePeriod {
            period: p.period,
            due: p.due,
            last_day: (p.due.0 - chrono::TimeDelta::seconds(1)).date_naive(),
        })
        .collect();
    ScheduleRow {
        name: ob.name.clone(),
        every: ob.every,
        kind: ob.kind.clone(),
        grace: ob.grace,
        periods: ob.periods.len(),
        due,
        counts: ob.counts,
        late: late_periods.len(),
        percent: (due > 0).then(|| (met_due as f64 * 1000.0 / due as f64).round() / 10.0),
        missed_periods: missed_runs(ob.periods.iter()),
        late_periods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;
    use crate::time::Timestamp;
    use chrono::NaiveDate;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn day(d: u32, status: PeriodStatus) -> PeriodView {
        let date = NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
        // Due at the end of the next day: the day itself plus a day's grace.
        let due = at(&format!("{}T00:00:00+08:00", date + chrono::Days::new(2)));
        PeriodView {
            period: Period::Day(date),
            status,
            due: Timestamp(due),
            notes: Vec::new(),
            others: 0,
        }
    }

    #[test]
    fn due_late_and_missed_periods_of_a_daily_obligation() {
        use PeriodStatus::*;
        let ob = ObligationView {
            name: "软件巡检报告".into(),
            every: Every::Day,
            kind: "inspections".into(),
            grace: "1d".parse().unwrap(),
            counts: PeriodCounts {
                met: 2,
                missed: 2,
                pending: 3,
            },
            periods: vec![
                day(1, Met),
                day(2, Missed),
                day(3, Missed),
                day(4, Met),
                // Over, inside its grace: late.
                day(5, Pending),
                // Under way, and to come.
                day(6, Pending),
                day(7, Pending),
            ],
        };
        // 6 March, noon: 1–4 March are due, 5 March is late.
        let r = row(&ob, at("2025-03-06T12:00:00+08:00"));
        assert_eq!((r.periods, r.due, r.late), (7, 4, 1));
        assert_eq!(r.counts, ob.counts);
        assert_eq!(r.percent, Some(50.0));
        assert_eq!(r.missed_periods, ["2025-03-02 – 2025-03-03"]);
        assert_eq!(
            r.late_periods[0].period,
            Period::Day(NaiveDate::from_ymd_opt(2025, 3, 5).unwrap())
        );
        assert_eq!(
            r.late_periods[0].last_day,
            NaiveDate::from_ymd_opt(2025, 3, 6).unwrap()
        );
    }

    #[test]
    fn nothing_due_has_no_percent() {
        let ob = ObligationView {
            name: "定期培训".into(),
            every: Every::Quarter,
            kind: "trainings".into(),
            grace: Dur::default(),
            counts: PeriodCounts::default(),
            periods: vec![day(1, PeriodStatus::Pending)],
        };
        let r = row(&ob, at("2025-03-01T08:00:00+08:00"));
        assert_eq!((r.due, r.late, r.percent), (0, 0, None));
    }
}
