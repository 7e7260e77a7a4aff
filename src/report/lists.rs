//! The registers that group records: inspection records by month and by
//! week, and the client's sign-offs by month. Their counts come from the
//! same functions as the summaries' ([`super::summary`]), so a month's line
//! in the list of inspections and the month's report cannot differ.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use serde::Serialize;

use super::chart::DayState;
use super::summary::{Summary, inspection_stats, percent};
use super::views::{InspectionRow, InspectionView, ReviewRow};
use crate::load::notes::kinds::Rating;
use crate::period::{Every, Period};

/// Inspection records grouped for the lists, and the sign-off register.
#[derive(Debug, Clone, Serialize)]
pub struct Lists {
    /// Every month with a record or a report, oldest first.
    pub inspection_months: Vec<InspectionMonth>,
    /// Every ISO week with a record, oldest first.
    pub inspection_weeks: Vec<InspectionWeek>,
    pub reviews: Reviews,
}

/// A month of inspection records.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionMonth {
    pub period: Period,
    pub url: String,
    pub print_url: String,
    pub data: String,
    /// The month's report, when it has one.
    pub report: Option<String>,
    /// Counted as the month's report counts them.
    pub total: usize,
    pub days_covered: usize,
    /// Days of the month the daily obligation counts so far (in the service
    /// period, up to the record's day); 0 without a report.
    pub days: usize,
    pub warn_checks: usize,
    pub fail_checks: usize,
    /// The records, day by day.
    pub day_groups: Vec<DayGroup>,
    /// Where the month's records are in the model's inspections.
    #[serde(skip)]
    pub records: Range<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayGroup {
    pub date: NaiveDate,
    pub rows: Vec<InspectionRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InspectionWeek {
    pub period: Period,
    pub url: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: usize,
    pub rows: Vec<InspectionRow>,
}

/// The client's sign-offs of inspection records and their ratings.
#[derive(Debug, Clone, Serialize)]
pub struct Reviews {
    /// Newest first.
    pub rows: Vec<ReviewRow>,
    pub reviewed: usize,
    pub satisfied: usize,
    pub fair: usize,
    pub unsatisfied: usize,
    pub satisfied_percent: Option<f64>,
    pub months: Vec<ReviewMonth>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReviewMonth {
    pub month: Option<Period>,
    pub satisfied: usize,
    pub fair: usize,
    pub unsatisfied: usize,
}

impl Lists {
    pub fn new(inspections: &[InspectionView], summaries: &[Summary]) -> Lists {
        Lists {
            inspection_months: months(inspections, summaries),
            inspection_weeks: weeks(inspections),
            reviews: reviews(inspections),
        }
    }
}

/// The page of a month of inspection records.
fn month_url(m: &Period) -> String {
    format!("inspections/month/{m}.html")
}

fn months(inspections: &[InspectionView], summaries: &[Summary]) -> Vec<InspectionMonth> {
    // The model's records are sorted by date: a month's are consecutive.
    let mut by_month: BTreeMap<Period, Range<usize>> = BTreeMap::new();
    for (i, v) in inspections.iter().enumerate() {
        by_month
            .entry(Period::containing(Every::Month, v.date))
            .or_insert(i..i)
            .end = i + 1;
    }
    // Months of the reports with no record yet are listed too: an empty
    // month is news to the client.
    let reports: BTreeMap<Period, &Summary> = summaries
        .iter()
        .filter(|s| s.every == Every::Month)
        .map(|s| (s.period, s))
        .collect();
    for m in reports.keys() {
        by_month.entry(*m).or_insert(0..0);
    }
    by_month
        .into_iter()
        .map(|(month, records)| {
            let views = &inspections[records.clone()];
            let stats = inspection_stats(views, false);
            let report = reports.get(&month);
            InspectionMonth {
                url: month_url(&month),
                print_url: format!("inspections/month/{month}-print.html"),
                data: format!("data/inspections/{month}.json"),
                report: report.map(|s| s.url.clone()),
                total: stats.total,
                days_covered: stats.days_covered,
                days: report.and_then(|s| s.charts.calendar.as_ref()).map_or(0, |c| {
                    c.days
                        .iter()
                        .filter(|d| matches!(d.state, DayState::Done | DayState::Missing))
                        .count()
                }),
                warn_checks: stats.warn_checks,
                fail_checks: stats.fail_checks,
                day_groups: day_groups(views),
                records,
                period: month,
            }
        })
        .collect()
}

fn day_groups(views: &[InspectionView]) -> Vec<DayGroup> {
    let mut days: Vec<DayGroup> = Vec::new();
    for v in views {
        match days.last_mut() {
            Some(g) if g.date == v.date => g.rows.push(InspectionRow::from(v)),
            _ => days.push(DayGroup {
                date: v.date,
                rows: vec![InspectionRow::from(v)],
            }),
        }
    }
    days
}

fn weeks(inspections: &[InspectionView]) -> Vec<InspectionWeek> {
    let mut by_week: BTreeMap<Period, Vec<InspectionRow>> = BTreeMap::new();
    for v in inspections {
        by_week
            .entry(Period::containing(Every::Week, v.date))
            .or_default()
            .push(InspectionRow::from(v));
    }
    by_week
        .into_iter()
        .map(|(week, rows)| InspectionWeek {
            url: format!("inspections/week/{week}.html"),
            from: week.first_day(),
            to: week.last_day(),
            total: rows.len(),
            rows,
            period: week,
        })
        .collect()
}

fn reviews(inspections: &[InspectionView]) -> Reviews {
    let rows: Vec<ReviewRow> = inspections.iter().rev().filter_map(ReviewRow::of).collect();
    let mut months: BTreeMap<Period, ReviewMonth> = BTreeMap::new();
    let mut all = ReviewMonth::default();
    for r in &rows {
        let month = Period::containing(Every::Month, r.date);
        let m = months.entry(month).or_insert_with(|| ReviewMonth {
            month: Some(month),
            ..Default::default()
        });
        for tally in [m, &mut all] {
            match r.review.rating {
                Rating::Satisfied => tally.satisfied += 1,
                Rating::Fair => tally.fair += 1,
                Rating::Unsatisfied => tally.unsatisfied += 1,
            }
        }
    }
    Reviews {
        reviewed: rows.len(),
        satisfied: all.satisfied,
        fair: all.fair,
        unsatisfied: all.unsatisfied,
        satisfied_percent: percent(all.satisfied, rows.len()),
        months: months.into_values().collect(),
        rows,
    }
}
