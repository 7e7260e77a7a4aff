//! The inspection records: each as its 软件巡检记录单 (a fragment shared with
//! its month's print view), and the lists by month and by week.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{NotePage, data_chunks, view_json};
use crate::load::notes::kinds::Cycle;
use crate::period::{Every, Period};
use crate::render::plan::Plan;
use crate::report::Report;
use crate::report::chart::{Calendar, DayState};
use crate::report::views::{InspectionRow, InspectionView};

#[derive(Serialize)]
struct MonthLink {
    period: String,
    url: String,
    print_url: String,
    total: usize,
    days_covered: usize,
    days: usize,
    warn_checks: usize,
    fail_checks: usize,
}

#[derive(Serialize)]
struct WeekLink {
    period: String,
    url: String,
    from: String,
    to: String,
    total: usize,
}

#[derive(Serialize)]
struct InspectionsIndex<'a> {
    months: Vec<MonthLink>,
    corrections: Vec<&'a crate::report::corrections::Correction>,
    weeks: Vec<WeekLink>,
    calendars: Vec<&'a Calendar>,
}

#[derive(Serialize)]
struct DayGroup {
    date: String,
    rows: Vec<InspectionRow>,
}

#[derive(Serialize)]
struct Neighbour {
    period: String,
    url: String,
}

#[derive(Serialize)]
struct MonthPage<'a> {
    period: String,
    /// The month's report, when it has one.
    report: Option<String>,
    print_url: String,
    data: String,
    days: Vec<DayGroup>,
    calendar: Option<&'a Calendar>,
    prev: Option<Neighbour>,
    next: Option<Neighbour>,
}

#[derive(Serialize)]
struct WeekPage {
    period: String,
    from: String,
    to: String,
    rows: Vec<InspectionRow>,
    prev: Option<Neighbour>,
    next: Option<Neighbour>,
}

/// A month's forms for printing: the forms themselves are its fragments.
#[derive(Serialize)]
struct PrintPage {
    period: String,
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
/// `forms`) and by week.
pub(super) fn lists<'a>(plan: &mut Plan<'a>, report: &'a Report, forms: &[usize]) {
    let mut by_month: BTreeMap<&str, Vec<&'a InspectionView>> = BTreeMap::new();
    let mut forms_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (v, form) in report.inspections.iter().zip(forms) {
        by_month.entry(&v.date[..7]).or_default().push(v);
        forms_of.entry(&v.date[..7]).or_default().push(*form);
    }
    // Months of the reports with no record yet are listed too: an empty
    // month is news to the client.
    for s in report.summaries.iter().filter(|s| s.every == Every::Month) {
        by_month.entry(&s.period).or_default();
    }
    let calendars: HashMap<&str, &Calendar> = report
        .summaries
        .iter()
        .filter(|s| s.every == Every::Month)
        .filter_map(|s| Some((s.period.as_str(), s.charts.calendar.as_ref()?)))
        .collect();
    let months: Vec<&str> = by_month.keys().copied().collect();
    let month_url = |m: &str| format!("inspections/month/{m}.html");
    let mut links = Vec::new();
    for (i, (&month, records)) in by_month.iter().enumerate() {
        let mut days: Vec<DayGroup> = Vec::new();
        for v in records {
            match days.last_mut() {
                Some(g) if g.date == v.date => g.rows.push(InspectionRow::from(*v)),
                _ => days.push(DayGroup {
                    date: v.date.clone(),
                    rows: vec![InspectionRow::from(*v)],
                }),
            }
        }
        let neighbour = |m: Option<&&str>| {
            m.map(|m| Neighbour {
                period: m.to_string(),
                url: month_url(m),
            })
        };
        let print_url = format!("inspections/month/{month}-print.html");
        let calendar = calendars.get(month).copied();
        links.push(MonthLink {
            period: month.to_string(),
            url: month_url(month),
            print_url: print_url.clone(),
            total: records.len(),
            days_covered: days
                .iter()
                .filter(|d| d.rows.iter().any(|r| r.cycle == Cycle::Daily))
                .count(),
            days: calendar.map_or(0, |c| {
                c.days
                    .iter()
                    .filter(|d| matches!(d.state, DayState::Done | DayState::Missing))
                    .count()
            }),
            warn_checks: records.iter().map(|v| v.counts.warn).sum(),
            fail_checks: records.iter().map(|v| v.counts.fail).sum(),
        });
        plan.page(
            month_url(month),
            "inspections-month.html",
            MonthPage {
                period: month.to_string(),
                report: calendar.map(|_| format!("reports/{month}.html")),
                print_url: print_url.clone(),
                data: format!("data/inspections/{month}.json"),
                days,
                calendar,
                prev: neighbour(i.checked_sub(1).and_then(|i| months.get(i))),
                next: neighbour(months.get(i + 1)),
            },
        );
        let context = PrintPage {
            period: month.to_string(),
        };
        let json = plan.to_json(&context);
        let forms = forms_of.get(month).cloned().unwrap_or_default();
        plan.page_json(print_url, "inspections-print.html", &json, context, forms);
    }

    let mut by_week: BTreeMap<Period, Vec<InspectionRow>> = BTreeMap::new();
    for v in &report.inspections {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(&v.date, "%Y-%m-%d") {
            by_week
                .entry(Period::containing(Every::Week, d))
                .or_default()
                .push(InspectionRow::from(v));
        }
    }
    let weeks: Vec<Period> = by_week.keys().copied().collect();
    let week_url = |w: &Period| format!("inspections/week/{w}.html");
    let mut week_links = Vec::new();
    for (i, (week, rows)) in by_week.into_iter().enumerate() {
        let neighbour = |w: Option<&Period>| {
            w.map(|w| Neighbour {
                period: w.to_string(),
                url: week_url(w),
            })
        };
        week_links.push(WeekLink {
            period: week.to_string(),
            url: week_url(&week),
            from: week.first_day().to_string(),
            to: week.last_day().to_string(),
            total: rows.len(),
        });
        plan.page(
            week_url(&week),
            "inspections-week.html",
            WeekPage {
                period: week.to_string(),
                from: week.first_day().to_string(),
                to: week.last_day().to_string(),
                rows,
                prev: neighbour(i.checked_sub(1).and_then(|i| weeks.get(i))),
                next: neighbour(weeks.get(i + 1)),
            },
        );
    }
    week_links.reverse();
    links.reverse();
    plan.json("data/inspections/index.json".into(), &links);
    plan.page(
        "inspections/index.html".into(),
        "inspections.html",
        InspectionsIndex {
            months: links,
            corrections: super::partial_of(report, "inspections"),
            weeks: week_links,
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
