//! Every file of the portal, from the report model: pages with their
//! contexts, the data behind them (`data/*.json`), the search index, the feed
//! and the theme's static files. See [`super::plan`] for how each is
//! fingerprinted and when it is rendered.
//!
//! Nothing is counted here: a page's context is parts of the model, picked,
//! never added up; every figure a page shows is a field of the model.

mod docs;
mod hardware;
mod inspections;
mod schedule;
mod servers;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::feed;
use super::plan::Plan;
use super::search;
use crate::period::{Every, Period};
use crate::report::backups::Backups;
use crate::report::contract::Limits;
use crate::report::corrections::{Correction, PartialView};
use crate::report::lists::Reviews;
use crate::report::logs::{LogMonth, LogsOverview};
use crate::report::summary::Summary;
use crate::report::views::*;
use crate::report::{CheckReport, RecordView, Report};

/// The site-wide values every page may read (`site` in templates).
#[derive(Debug, Serialize)]
pub struct SiteInfo<'a> {
    pub project: &'a crate::report::ProjectInfo,
    /// Where the verification history was found not to continue the one
    /// the portal published before: shown on the dashboard and the
    /// backups page.
    pub history_breaks: &'a [crate::state::published::HistoryBreak],
    pub audience: crate::report::Audience,
    /// `zh-CN` or `en`, for `<html lang>`.
    pub lang: &'static str,
}

#[derive(Serialize)]
struct DashboardPage<'a> {
    d: &'a crate::report::dashboard::Dashboard,
    check: &'a Option<CheckReport>,
    /// Every record being corrected.
    corrections: &'a [Correction],
}

#[derive(Serialize)]
pub(super) struct NotePage<'a, T> {
    page: &'a T,
}

#[derive(Serialize)]
struct ListPage<'a, R> {
    rows: std::sync::Arc<[R]>,
    /// The kind's records that could not be read as such, listed under
    /// the others.
    corrections: Vec<&'a Correction>,
    /// The list's charts of each year, newest first.
    years: Vec<YearCharts<'a>>,
    limits: &'a Limits,
}

/// A year's chart of incidents per month, for the list of incidents: that
/// list depends on the chart, not on all of the year's report.
#[derive(Clone, Copy, Serialize)]
struct YearCharts<'a> {
    period: Period,
    charts: IncidentCharts<'a>,
}

#[derive(Clone, Copy, Serialize)]
struct IncidentCharts<'a> {
    incidents_by_month: Option<&'a crate::report::chart::SeriesChart>,
}

#[derive(Serialize)]
struct FaqTable<'a> {
    entries: &'a [FaqView],
    corrections: Vec<&'a Correction>,
}

#[derive(Serialize)]
struct SummaryPage<'a> {
    page: &'a Summary,
    record: &'a RecordView,
}

/// A report in the list of reports: its key numbers only, so the list is
/// not rendered again for every change in a report's details.
#[derive(Serialize)]
struct SummaryLink<'a> {
    period: Period,
    every: Every,
    url: &'a str,
    inspections: usize,
    incidents: usize,
    workorders: usize,
    vulnerabilities_found: usize,
    vulnerabilities_fixed: usize,
    trainings: usize,
    upgrades: usize,
    /// The client signed the period's archive off, and whether it still
    /// matches (`intact`).
    handin: Option<HandinBrief>,
}

#[derive(Serialize)]
struct HandinBrief {
    name: String,
    intact: bool,
}

#[derive(Serialize)]
struct ReportsIndex<'a> {
    summaries: Vec<SummaryLink<'a>>,
}

#[derive(Serialize)]
struct BackupsPage<'a> {
    part: &'a Option<Backups>,
}

#[derive(Serialize)]
struct LogsPage<'a> {
    part: Option<&'a LogsOverview>,
    months: Vec<MonthLink<'a>>,
}

/// A month of logs in the list of months.
#[derive(Serialize)]
struct MonthLink<'a> {
    period: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct LogsMonthPage<'a> {
    month: &'a LogMonth,
}

/// `data/site.json`: the project and the parts of the model every page
/// shares.
#[derive(Serialize)]
struct SiteData<'a> {
    audience: crate::report::Audience,
    record: &'a RecordView,
    /// The moment the record stands at.
    at: crate::time::Timestamp,
    project: &'a crate::report::ProjectInfo,
    limits: &'a Limits,
    check: &'a Option<CheckReport>,
}

/// Every output of the site for `report`.
pub fn plan<'a>(
    report: &'a Report,
    engine: blake3::Hash,
    static_files: Vec<(String, Vec<u8>)>,
    labels: &toml::Table,
    base_url: &str,
) -> Plan<'a> {
    // The logs' months, the server records and the hardware register are
    // thousands of pages in a year, made from data of their own: they are
    // planned on another core, beside the rest.
    let (mut plan, records) = rayon::join(
        || notes_and_reports(Plan::new(engine, &report.mask), report),
        || {
            let mut plan = Plan::new(engine, &report.mask);
            logs(&mut plan, report);
            servers::servers(&mut plan, report);
            hardware::hardware(&mut plan, report);
            plan
        },
    );
    plan.append(records);
    search_and_feed(&mut plan, report, labels, base_url);
    for (path, bytes) in static_files {
        plan.bytes(path, bytes);
    }
    plan
}

/// The dashboard, the contract's pages, every note's page, the lists, the
/// reports and the backups.
fn notes_and_reports<'a>(mut plan: Plan<'a>, report: &'a Report) -> Plan<'a> {
    overview(&mut plan, report);
    schedule::page(&mut plan, &report.schedule, &report.record);
    corrections(&mut plan, report);
    let forms = inspections::pages(&mut plan, &report.views.inspections);
    inspections::lists(&mut plan, report, &forms);
    note_pages(
        &mut plan,
        &report.views.incidents,
        "incident.html",
        &report.limits,
    );
    note_pages(
        &mut plan,
        &report.views.workorders,
        "workorder.html",
        &report.limits,
    );
    note_pages(&mut plan, &report.views.faq, "faq-entry.html", &report.limits);
    note_pages(
        &mut plan,
        &report.views.trainings,
        "training.html",
        &report.limits,
    );
    note_pages(&mut plan, &report.views.upgrades, "upgrade.html", &report.limits);
    note_pages(
        &mut plan,
        &report.views.vulnerabilities,
        "vulnerability.html",
        &report.limits,
    );
    kind_lists(&mut plan, report);
    reviews(&mut plan, &report.lists.reviews);
    summaries(&mut plan, report);
    plan.json("data/backups.json".into(), &report.backups);
    plan.page(
        "backups/index.html".into(),
        "backups.html",
        BackupsPage {
            part: &report.backups,
        },
    );
    plan
}

/// The dashboard and the data every page shares.
fn overview<'a>(plan: &mut Plan<'a>, report: &'a Report) {
    // The page and the data file show the same dashboard (a calendar row
    // for every obligation, every server's among them): digested once.
    let dashboard = Plan::key_of(&report.dashboard);
    plan.json_keyed("data/dashboard.json".into(), &dashboard, || &report.dashboard);
    plan.page_keyed(
        "index.html".into(),
        "index.html",
        &Plan::key_of(&(dashboard.as_bytes(), &report.check, &report.corrections)),
        || DashboardPage {
            d: &report.dashboard,
            check: &report.check,
            corrections: &report.corrections,
        },
    );
    plan.json(
        "data/site.json".into(),
        SiteData {
            audience: report.audience,
            record: &report.record,
            at: report.record_at,
            project: &report.project,
            limits: &report.limits,
            check: &report.check,
        },
    );
    plan.json("data/contract.json".into(), &report.contract);
}

/// The list page of each kind, with its data.
fn kind_lists<'a>(plan: &mut Plan<'a>, report: &'a Report) {
    let years: Vec<YearCharts> = report
        .summaries
        .iter()
        .filter(|s| s.every == Every::Year)
        .rev()
        .map(|s| YearCharts {
            period: s.period,
            charts: IncidentCharts {
                incidents_by_month: s.charts.incidents_by_month.as_ref(),
            },
        })
        .collect();
    let with_charts = ListArgs {
        years: &years,
        limits: &report.limits,
        report,
    };
    let list = ListArgs {
        years: &[],
        limits: &report.limits,
        report,
    };
    with_charts.add(
        plan,
        "incidents",
        "incidents.html",
        rows::<_, IncidentRow>(&report.views.incidents),
    );
    list.add(
        plan,
        "workorders",
        "workorders.html",
        rows::<_, WorkOrderRow>(&report.views.workorders),
    );
    list.add(
        plan,
        "trainings",
        "trainings.html",
        rows::<_, TrainingRow>(&report.views.trainings),
    );
    list.add(
        plan,
        "upgrades",
        "upgrades.html",
        rows::<_, UpgradeRow>(&report.views.upgrades),
    );
    list.add(
        plan,
        "vulnerabilities",
        "vulnerabilities.html",
        rows::<_, VulnerabilityRow>(&report.views.vulnerabilities),
    );
    plan.page(
        "faq/index.html".into(),
        "faq.html",
        FaqTable {
            entries: &report.views.faq,
            corrections: partial_of(report, "faq"),
        },
    );
}

/// Each report with its data, and the list of reports.
fn summaries<'a>(plan: &mut Plan<'a>, report: &'a Report) {
    for s in &report.summaries {
        plan.json(s.data.clone(), s);
        plan.page(
            s.url.clone(),
            "summary.html",
            SummaryPage {
                page: s,
                record: &report.record,
            },
        );
    }
    plan.page(
        "reports/index.html".into(),
        "reports.html",
        ReportsIndex {
            summaries: report
                .summaries
                .iter()
                .map(|s| SummaryLink {
                    period: s.period,
                    every: s.every,
                    url: &s.url,
                    inspections: s.inspections.total,
                    incidents: s.incidents.total,
                    workorders: s.workorders.total,
                    vulnerabilities_found: s.vulnerabilities.found,
                    vulnerabilities_fixed: s.vulnerabilities.fixed,
                    trainings: s.trainings.sessions,
                    upgrades: s.upgrades.total,
                    handin: s.handin.as_ref().map(|h| HandinBrief {
                        name: h.name.clone(),
                        intact: h.intact,
                    }),
                })
                .collect(),
        },
    );
}

/// The search page and index, and the Atom feed.
fn search_and_feed<'a>(plan: &mut Plan<'a>, report: &'a Report, labels: &toml::Table, base_url: &str) {
    plan.page("search.html".into(), "search.html", ());
    let kinds: BTreeMap<String, String> = labels
        .get("kind")
        .and_then(|k| k.as_table())
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    // The index is made only when what it is made from changed: the notes'
    // words, as the masking shows them.
    let docs = docs::search_docs(report, &docs::Titles::from_labels(labels));
    let key = Plan::key_of(&(&docs, &kinds));
    let mask = plan.mask();
    plan.group(search::paths(docs.len()), &key, move || {
        search::build(&docs::masked(docs.clone(), mask), kinds.clone())
    });
    let feed = feed::build(report, plan.mask(), base_url);
    plan.page("feed.xml".into(), "feed.xml", feed);
}

/// The logs' overview page and a page per month, each with its data: a new
/// day of logs rewrites its month and the overview, not the months before.
fn logs<'a>(plan: &mut Plan<'a>, report: &'a Report) {
    let months = report.logs.as_ref().map_or(&[][..], |l| l.months.as_slice());
    let overview = report.logs.as_ref().map(|l| &l.overview);
    plan.json("data/logs/index.json".into(), overview);
    plan.page(
        "logs/index.html".into(),
        "logs.html",
        LogsPage {
            part: overview,
            months: months
                .iter()
                .map(|m| MonthLink {
                    period: &m.period,
                    url: &m.url,
                })
                .collect(),
        },
    );
    // A year of logs is megabytes of rows, the same on most nights: each
    // month is serialized once, for its key, and made into a page and data
    // only when that changed.
    for m in months {
        let key = Plan::key_of(m);
        plan.json_keyed(m.data.clone(), &key, move || &m.days);
        plan.page_keyed(m.url.clone(), "logs-month.html", &key, move || LogsMonthPage {
            month: m,
        });
    }
}

/// The views' `note` field, for the pages and data of every kind.
pub trait HasNote {
    fn note(&self) -> &crate::report::note::NoteInfo;
}

macro_rules! has_note {
    ($($t:ty),*) => { $(impl HasNote for $t { fn note(&self) -> &crate::report::note::NoteInfo { &self.note } })* };
}
has_note!(
    InspectionView,
    IncidentView,
    WorkOrderView,
    FaqView,
    TrainingView,
    UpgradeView,
    VulnerabilityView,
    ReportTextView,
    PartialView
);

/// Each view as masked JSON, for its page's fingerprint and its data file.
pub(super) fn view_json<T: Serialize + Sync>(plan: &Plan, views: &[T]) -> Vec<Vec<u8>> {
    let mask = plan.mask();
    views
        .par_iter()
        .map(|v| serde_json::to_vec(&mask.masked(v)).expect("views serialize"))
        .collect()
}

/// A note's page: its view, and the limits of the contract (which change
/// what the page says, so they are part of its fingerprint).
#[derive(Serialize)]
struct LimitedPage<'a, T> {
    page: &'a T,
    limits: &'a Limits,
}

/// A page per note, and its data in the note's `data/*.json` chunk.
fn note_pages<'a, T: HasNote + Serialize + Send + Sync + 'a>(
    plan: &mut Plan<'a>,
    views: &'a [T],
    template: &'static str,
    limits: &'a Limits,
) {
    let json = view_json(plan, views);
    data_chunks(plan, views, &json);
    let limits_json = serde_json::to_vec(limits).expect("limits serialize");
    // The context is `{"page": …, "limits": …}`; its fingerprint is made of
    // the view's own JSON and the limits'.
    for (v, json) in views.iter().zip(&json) {
        let mut fingerprint = Vec::with_capacity(json.len() + limits_json.len());
        fingerprint.extend_from_slice(json);
        fingerprint.extend_from_slice(&limits_json);
        plan.page_json(
            v.note().url.clone(),
            template,
            &fingerprint,
            LimitedPage { page: v, limits },
            Vec::new(),
        );
    }
}

/// The `data/*.json` files of a kind: its views, grouped by their `data` path,
/// written from the same JSON the pages' fingerprints are made of.
pub(super) fn data_chunks<T: HasNote>(plan: &mut Plan, views: &[T], json: &[Vec<u8>]) {
    let mut chunks: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    for (v, j) in views.iter().zip(json) {
        let chunk = chunks
            .entry(v.note().data.as_str())
            .or_insert_with(|| b"[".to_vec());
        if chunk.len() > 1 {
            chunk.extend_from_slice(b",\n");
        }
        chunk.extend_from_slice(j);
    }
    for (path, mut bytes) in chunks {
        bytes.extend_from_slice(b"]\n");
        plan.bytes(path.to_string(), bytes);
    }
}

/// What every kind's list page shares.
struct ListArgs<'r, 'a> {
    years: &'r [YearCharts<'a>],
    limits: &'a Limits,
    report: &'a Report,
}

impl<'a> ListArgs<'_, 'a> {
    /// `{kind}/index.html` and its data, `data/{kind}/index.json`.
    fn add<R: Serialize + Send + Sync + 'a>(
        &self,
        plan: &mut Plan<'a>,
        kind: &str,
        template: &'static str,
        rows: Vec<R>,
    ) {
        // The page and the data file share the rows, each made when it is
        // written (if at all).
        let rows: std::sync::Arc<[R]> = rows.into();
        plan.json(format!("data/{kind}/index.json"), rows.clone());
        plan.page(
            format!("{kind}/index.html"),
            template,
            ListPage {
                rows,
                corrections: partial_of(self.report, kind),
                years: self.years.to_vec(),
                limits: self.limits,
            },
        );
    }
}

/// The records of the kind whose folder is `folder` that could not be read
/// as such: they have no row of their kind, so the list shows them apart.
pub(super) fn partial_of<'a>(report: &'a Report, folder: &str) -> Vec<&'a Correction> {
    report
        .corrections
        .iter()
        .filter(|c| !c.typed && c.kind.is_some_and(|k| k.folder() == folder))
        .collect()
}

/// `data/corrections.json`, every record being corrected, and a page for
/// each note that could not be read as its kind.
fn corrections<'a>(plan: &mut Plan<'a>, report: &'a Report) {
    #[derive(Serialize)]
    struct CorrectionsData<'a> {
        records: &'a [Correction],
        partial: &'a [PartialView],
    }
    plan.json(
        "data/corrections.json".into(),
        CorrectionsData {
            records: &report.corrections,
            partial: &report.partial,
        },
    );
    let json = view_json(plan, &report.partial);
    for (v, json) in report.partial.iter().zip(&json) {
        plan.page_json(
            v.note.url.clone(),
            "correction.html",
            json,
            NotePage { page: v },
            Vec::new(),
        );
    }
}

fn rows<'v, V: 'v, R: From<&'v V>>(views: &'v [V]) -> Vec<R> {
    views.iter().map(R::from).collect()
}

/// The client's sign-offs of inspection records and their ratings.
fn reviews<'a>(plan: &mut Plan<'a>, reviews: &'a Reviews) {
    plan.json("data/reviews/index.json".into(), &reviews.rows);
    plan.page("reviews/index.html".into(), "reviews.html", reviews);
}
