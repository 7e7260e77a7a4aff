//! The inspection records: each as its 软件巡检记录单 (a fragment shared with
//! its month's print view), and the lists by month and by week, as the
//! model groups and counts them ([`crate::report::lists`]).

use std::collections::HashMap;

use serde::Serialize;

use super::{NotePage, data_chunks, view_json};
use crate::period::{Every, Period};
use crate::render::plan::Plan;
use crate::report::Report;
use crate::report::chart::Calendar;
use crate::report::lists::{DayGroup, InspectionMonth, InspectionWeek};
use crate::report::views::{InspectionRow, InspectionView};

#[derive(Serialize)]
struct InspectionsIndex<'a> {
    months: Vec<MonthLink<'a>>,
    corrections: Vec<&'a crate::report::corrections::Correction>,
    weeks: Vec<WeekLink<'a>>,
    calendars: Vec<&'a Calendar>,
}

/// A month in the list of months: its figures, without its rows, so the
/// list is not rendered again for every change in a record.
#[derive(Serialize)]
struct MonthLink<'a> {
    period: Period,
    url: &'a str,
    print_url: &'a str,
    total: usize,
    days_covered: usize,
    days: usize,
    warn_checks: usize,
    fail_checks: usize,
}

fn month_link(m: &InspectionMonth) -> MonthLink<'_> {
    MonthLink {
        period: m.period,
        url: &m.url,
        print_url: &m.print_url,
        total: m.total,
        days_covered: m.days_covered,
        days: m.days,
        warn_checks: m.warn_checks,
        fail_checks: m.fail_checks,
    }
}

/// A week in the list of weeks: without its rows.
#[derive(Serialize)]
struct WeekLink<'a> {
    period: Period,
    url: &'a str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    total: usize,
}

#[derive(Serialize)]
struct Neighbour<'a> {
    period: Period,
    url: &'a str,
}

#[derive(Serialize)]
struct MonthPage<'a> {
    period: Period,
    /// The month's report, when it has one.
    report: &'a Option<String>,
    print_url: &'a str,
    data: &'a str,
    days: &'a [DayGroup],
    calendar: Option<&'a Calendar>,
    prev: Option<Neighbour<'a>>,
    next: Option<Neighbour<'a>>,
}

#[derive(Serialize)]
struct WeekPage<'a> {
    period: Period,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    rows: &'a [InspectionRow],
    prev: Option<Neighbour<'a>>,
    next: Option<Neighbour<'a>>,
}

/// A month's forms for printing: the forms themselves are its fragments.
#[derive(Serialize)]
struct PrintPage {
    period: Period,
}

/// The context of the 软件巡检记录单 fragment.
#[derive(Serialize)]
struct FormContext<'a> {
    v: &'a InspectionView,
}

/// A page per inspection record, made of its form (a fragment, shared with
/// the month's print view); returns each record's fragment.
pub(super) fn pages<'a>(plan: &mut Plan<'a>, views: &'a [InspectionView]) -> Vec<usize> {
    let json = view_json(plan, views);
    data_chunks(plan, views, &json);
    views
        .iter()
        .zip(&json)
        .map(|(v, json)| {
            let form = plan.fragment("parts/inspection-form.html", json, FormContext { v });
            plan.page_json(
                v.note.url.clone(),
                "inspection.html",
                json,
                NotePage { page: v },
                vec![form],
            );
            form
        })
        .collect()
}

/// Inspections by month (with a print view of each, made of the records'
/// `forms`) and by week, and the index of both.
pub(super) fn lists<'a>(plan: &mut Plan<'a>, report: &'a Report, forms: &[usize]) {
    let months = &report.lists.inspection_months;
    let weeks = &report.lists.inspection_weeks;
    let calendars: HashMap<Period, &Calendar> = report
        .summaries
        .iter()
        .filter(|s| s.every == Every::Month)
        .filter_map(|s| Some((s.period, s.charts.calendar.as_ref()?)))
        .collect();
    for (i, m) in months.iter().enumerate() {
        month_pages(
            plan,
            m,
            neighbours(months, i, |m| (m.period, &m.url)),
            &calendars,
            forms,
        );
    }
    for (i, w) in weeks.iter().enumerate() {
        let (prev, next) = neighbours(weeks, i, |w| (w.period, &w.url));
        plan.page(
            w.url.clone(),
            "inspections-week.html",
            WeekPage {
                period: w.period,
                from: w.from,
                to: w.to,
                rows: &w.rows,
                prev,
                next,
            },
        );
    }
    let links: Vec<MonthLink> = months.iter().rev().map(month_link).collect();
    plan.json(
        "data/inspections/index.json".into(),
        months.iter().rev().map(month_link).collect::<Vec<_>>(),
    );
    plan.page(
        "inspections/index.html".into(),
        "inspections.html",
        InspectionsIndex {
            months: links,
            corrections: super::partial_of(report, "inspections"),
            weeks: weeks.iter().rev().map(week_link).collect(),
            // Daily records over each year of the service period.
            calendars: report
                .summaries
                .iter()
                .filter(|s| s.every == Every::Year)
                .filter_map(|s| s.charts.calendar.as_ref())
                .collect(),
        },
    );
}

/// A month's page and its print view.
fn month_pages<'a>(
    plan: &mut Plan<'a>,
    m: &'a InspectionMonth,
    (prev, next): (Option<Neighbour<'a>>, Option<Neighbour<'a>>),
    calendars: &HashMap<Period, &'a Calendar>,
    forms: &[usize],
) {
    plan.page(
        m.url.clone(),
        "inspections-month.html",
        MonthPage {
            period: m.period,
            report: &m.report,
            print_url: &m.print_url,
            data: &m.data,
            days: &m.day_groups,
            calendar: calendars.get(&m.period).copied(),
            prev,
            next,
        },
    );
    let context = PrintPage { period: m.period };
    let json = plan.to_json(&context);
    plan.page_json(
        m.print_url.clone(),
        "inspections-print.html",
        &json,
        context,
        forms[m.records.clone()].to_vec(),
    );
}

fn week_link(w: &InspectionWeek) -> WeekLink<'_> {
    WeekLink {
        period: w.period,
        url: &w.url,
        from: w.from,
        to: w.to,
        total: w.total,
    }
}

/// The entries before and after the `i`th, by their period and page.
fn neighbours<'a, T>(
    list: &'a [T],
    i: usize,
    link: impl Fn(&'a T) -> (Period, &'a String),
) -> (Option<Neighbour<'a>>, Option<Neighbour<'a>>) {
    let at = |j: Option<usize>| {
        j.and_then(|j| list.get(j)).map(|x| {
            let (period, url) = link(x);
            Neighbour { period, url }
        })
    };
    (at(i.checked_sub(1)), at(Some(i + 1)))
}
