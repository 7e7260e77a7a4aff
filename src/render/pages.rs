//! What the portal is made of: every file of `site/`, each with the data it
//! is made from and a fingerprint of that data.
//!
//! A page's fingerprint is the digest of the theme and site-wide values (the
//! `engine` digest), its template's name and its context serialized as JSON.
//! A page is rendered again only when its fingerprint changed, so a page
//! depends on exactly the data it is given: that is how a changed note
//! re-renders its own page and the lists and summaries that show it, and
//! nothing else. Templates must therefore read only their `page` context and
//! the site-wide `site` and `t` values, never the whole report.

use std::collections::{BTreeMap, HashMap};

use minijinja::Value;
use minijinja::value::Serde;
use rayon::prelude::*;
use serde::Serialize;

use super::feed;
use super::search::{self, Doc};
use crate::load::notes::kinds::Cycle;
use crate::period::{Every, Period};
use crate::report::chart::Calendar;
use crate::report::summary::Summary;
use crate::report::views::*;
use crate::report::{CheckReport, Pending, Report};

/// One file of the site.
pub struct Output<'a> {
    /// Relative to the site root, `/`-separated.
    pub path: String,
    pub fingerprint: blake3::Hash,
    pub content: Content<'a>,
}

pub enum Content<'a> {
    /// Rendered from `template` with the context `context` makes, and the
    /// HTML of `fragments` (indices into [`Plan::fragments`]) as the list
    /// `fragments`.
    Page {
        template: &'static str,
        context: Context<'a>,
        fragments: Vec<usize>,
    },
    /// Made directly: data, search index, static files.
    Bytes(Vec<u8>),
}

/// Makes a template's context when the page (or fragment) is rendered.
pub type Context<'a> = Box<dyn Fn() -> Value + Send + Sync + 'a>;

/// A piece of HTML that several pages show (a contract form on its own page
/// and in a print view), rendered once per build that needs it.
pub struct Fragment<'a> {
    pub template: &'static str,
    pub fingerprint: blake3::Hash,
    pub context: Context<'a>,
}

/// Every output of the site, and the fragments its pages are made with.
pub struct Plan<'a> {
    engine: blake3::Hash,
    pub outputs: Vec<Output<'a>>,
    pub fragments: Vec<Fragment<'a>>,
}

impl<'a> Plan<'a> {
    fn page<T: Serialize + Send + Sync + 'a>(&mut self, path: String, template: &'static str, context: T) {
        let json = serde_json::to_vec(&context).expect("page contexts serialize");
        self.page_json(path, template, &json, context, Vec::new());
    }

    /// A page whose context's JSON is already at hand. The page's
    /// fingerprint covers its fragments' too.
    fn page_json<T: Serialize + Send + Sync + 'a>(
        &mut self,
        path: String,
        template: &'static str,
        json: &[u8],
        context: T,
        fragments: Vec<usize>,
    ) {
        let mut h = self.hasher(template);
        h.update(json);
        for f in &fragments {
            h.update(self.fragments[*f].fingerprint.as_bytes());
        }
        self.outputs.push(Output {
            path,
            fingerprint: h.finalize(),
            content: Content::Page {
                template,
                context: Box::new(move || Value::from(Serde(&context))),
                fragments,
            },
        });
    }

    /// A fragment rendered from `template` with `context`, whose JSON is at
    /// hand; returns its index.
    fn fragment<T: Serialize + Send + Sync + 'a>(
        &mut self,
        template: &'static str,
        json: &[u8],
        context: T,
    ) -> usize {
        let mut h = self.hasher(template);
        h.update(json);
        self.fragments.push(Fragment {
            template,
            fingerprint: h.finalize(),
            context: Box::new(move || Value::from(Serde(&context))),
        });
        self.fragments.len() - 1
    }

    fn hasher(&self, template: &str) -> blake3::Hasher {
        let mut h = blake3::Hasher::new();
        h.update(self.engine.as_bytes());
        h.update(template.as_bytes());
        h.update(&[0]);
        h
    }

    fn bytes(&mut self, path: String, bytes: Vec<u8>) {
        self.outputs.push(Output {
            path,
            fingerprint: blake3::hash(&bytes),
            content: Content::Bytes(bytes),
        });
    }

    fn json<T: Serialize + ?Sized>(&mut self, path: String, value: &T) {
        let mut bytes = serde_json::to_vec(value).expect("data serializes");
        bytes.push(b'\n');
        self.bytes(path, bytes);
    }
}

/// The site-wide values every page may read (`site` in templates).
#[derive(Debug, Serialize)]
pub struct SiteInfo<'a> {
    pub project: &'a crate::report::ProjectInfo,
    pub audience: crate::report::Audience,
    /// `zh-CN` or `en`, for `<html lang>`.
    pub lang: &'static str,
}

// ---------------------------------------------------------------------------
// Page contexts

#[derive(Serialize)]
struct Parts<'a> {
    backups: &'a Option<Pending>,
    logs: &'a Option<Pending>,
    obligations: &'a Option<Pending>,
    sla: &'a Option<Pending>,
}

#[derive(Serialize)]
struct DashboardPage<'a> {
    d: &'a crate::report::dashboard::Dashboard,
    check: &'a Option<CheckReport>,
    parts: Parts<'a>,
}

#[derive(Serialize)]
struct NotePage<'a, T> {
    page: &'a T,
}

#[derive(Serialize)]
struct IncidentPage<'a> {
    page: &'a IncidentView,
    limits: &'a crate::load::schedules::Sla,
    sla: &'a Option<Pending>,
}

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
    weeks: Vec<WeekLink>,
    calendars: &'a [Calendar],
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

#[derive(Serialize)]
struct ListPage<'a, R> {
    rows: Vec<R>,
    /// The charts of each year's report, newest first.
    years: Vec<&'a Summary>,
    limits: &'a crate::load::schedules::Sla,
}

#[derive(Serialize)]
struct FaqTable<'a> {
    entries: &'a [FaqView],
}

#[derive(Serialize)]
struct ReviewsPage {
    rows: Vec<ReviewRow>,
    satisfied: usize,
    fair: usize,
    unsatisfied: usize,
    /// Per month: (month, satisfied, fair, unsatisfied).
    months: Vec<(String, usize, usize, usize)>,
}

#[derive(Serialize)]
struct SummaryPage<'a> {
    page: &'a Summary,
    parts: Parts<'a>,
}

/// A report in the list of reports: its key numbers only, so the list is
/// not rendered again for every change in a report's details.
#[derive(Serialize)]
struct SummaryLink<'a> {
    period: &'a str,
    every: Every,
    url: &'a str,
    inspections: usize,
    incidents: usize,
    workorders: usize,
    vulnerabilities_found: usize,
    vulnerabilities_fixed: usize,
    trainings: usize,
    upgrades: usize,
}

#[derive(Serialize)]
struct ReportsIndex<'a> {
    summaries: Vec<SummaryLink<'a>>,
}

#[derive(Serialize)]
struct PartPage<'a> {
    part: &'a Option<Pending>,
}

/// Every output of the site for `report`.
pub fn plan<'a>(
    report: &'a Report,
    engine: blake3::Hash,
    static_files: Vec<(String, Vec<u8>)>,
    labels: &toml::Table,
    base_url: &str,
) -> Plan<'a> {
    let mut plan = Plan {
        engine,
        outputs: Vec::new(),
        fragments: Vec::new(),
    };
    let parts = || Parts {
        backups: &report.backups,
        logs: &report.logs,
        obligations: &report.obligations,
        sla: &report.sla,
    };

    plan.page(
        "index.html".into(),
        "index.html",
        DashboardPage {
            d: &report.dashboard,
            check: &report.check,
            parts: parts(),
        },
    );
    plan.json("data/dashboard.json".into(), &report.dashboard);
    plan.json(
        "data/site.json".into(),
        &SiteData {
            audience: report.audience,
            as_of: &report.as_of,
            project: &report.project,
            limits: &report.limits,
            check: &report.check,
            backups: &report.backups,
            logs: &report.logs,
            obligations: &report.obligations,
            sla: &report.sla,
        },
    );

    let forms = inspection_pages(&mut plan, &report.inspections);
    note_pages(&mut plan, &report.workorders, "workorder.html");
    note_pages(&mut plan, &report.faq, "faq-entry.html");
    note_pages(&mut plan, &report.trainings, "training.html");
    note_pages(&mut plan, &report.upgrades, "upgrade.html");
    note_pages(&mut plan, &report.vulnerabilities, "vulnerability.html");
    // Incident pages also show the limits that apply and the SLA outcome.
    let incident_json = view_json(&report.incidents);
    data_chunks(&mut plan, &report.incidents, &incident_json);
    for (v, json) in report.incidents.iter().zip(&incident_json) {
        let mut json = json.clone();
        json.extend(serde_json::to_vec(&(&report.limits, &report.sla)).expect("limits serialize"));
        plan.page_json(
            v.note.url.clone(),
            "incident.html",
            &json,
            IncidentPage {
                page: v,
                limits: &report.limits,
                sla: &report.sla,
            },
            Vec::new(),
        );
    }

    inspection_lists(&mut plan, report, &forms);
    let years: Vec<&Summary> = report
        .summaries
        .iter()
        .filter(|s| s.every == Every::Year)
        .rev()
        .collect();
    let list = ListArgs {
        years: &years,
        limits: &report.limits,
    };
    list.add(
        &mut plan,
        "incidents",
        "incidents.html",
        rows::<_, IncidentRow>(&report.incidents),
    );
    list.add(
        &mut plan,
        "workorders",
        "workorders.html",
        rows::<_, WorkOrderRow>(&report.workorders),
    );
    list.add(
        &mut plan,
        "trainings",
        "trainings.html",
        rows::<_, TrainingRow>(&report.trainings),
    );
    list.add(
        &mut plan,
        "upgrades",
        "upgrades.html",
        rows::<_, UpgradeRow>(&report.upgrades),
    );
    list.add(
        &mut plan,
        "vulnerabilities",
        "vulnerabilities.html",
        rows::<_, VulnerabilityRow>(&report.vulnerabilities),
    );
    plan.page(
        "faq/index.html".into(),
        "faq.html",
        FaqTable { entries: &report.faq },
    );
    reviews(&mut plan, report);

    for s in &report.summaries {
        plan.json(s.data.clone(), s);
        plan.page(
            s.url.clone(),
            "summary.html",
            SummaryPage {
                page: s,
                parts: parts(),
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
                    period: &s.period,
                    every: s.every,
                    url: &s.url,
                    inspections: s.inspections.total,
                    incidents: s.incidents.total,
                    workorders: s.workorders.total,
                    vulnerabilities_found: s.vulnerabilities.found,
                    vulnerabilities_fixed: s.vulnerabilities.fixed,
                    trainings: s.trainings.sessions,
                    upgrades: s.upgrades.total,
                })
                .collect(),
        },
    );
    plan.page(
        "backups/index.html".into(),
        "backups.html",
        PartPage {
            part: &report.backups,
        },
    );
    plan.page(
        "logs/index.html".into(),
        "logs.html",
        PartPage { part: &report.logs },
    );

    plan.page("search.html".into(), "search.html", ());
    let kinds = labels
        .get("kind")
        .and_then(|k| k.as_table())
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    for (path, bytes) in search::build(&search_docs(report), kinds) {
        plan.bytes(path, bytes);
    }
    plan.page("feed.xml".into(), "feed.xml", feed::build(report, base_url));
    for (path, bytes) in static_files {
        plan.bytes(path, bytes);
    }
    plan
}

/// `data/site.json`: the project and the parts of the model every page
/// shares.
#[derive(Serialize)]
struct SiteData<'a> {
    audience: crate::report::Audience,
    as_of: &'a str,
    project: &'a crate::report::ProjectInfo,
    limits: &'a crate::load::schedules::Sla,
    check: &'a Option<CheckReport>,
    backups: &'a Option<Pending>,
    logs: &'a Option<Pending>,
    obligations: &'a Option<Pending>,
    sla: &'a Option<Pending>,
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
    ReportTextView
);

/// A page per inspection record, made of its form (a fragment, shared with
/// the month's print view); returns each record's fragment.
fn inspection_pages<'a>(plan: &mut Plan<'a>, views: &'a [InspectionView]) -> Vec<usize> {
    let json = view_json(views);
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

fn view_json<T: Serialize + Sync>(views: &[T]) -> Vec<Vec<u8>> {
    views
        .par_iter()
        .map(|v| serde_json::to_vec(v).expect("views serialize"))
        .collect()
}

/// A page per note, and its data in the note's `data/*.json` chunk.
fn note_pages<'a, T: HasNote + Serialize + Send + Sync + 'a>(
    plan: &mut Plan<'a>,
    views: &'a [T],
    template: &'static str,
) {
    let json = view_json(views);
    data_chunks(plan, views, &json);
    // The context is `{"page": …}`; its fingerprint is made of the view's own JSON.
    for (v, json) in views.iter().zip(&json) {
        plan.page_json(
            v.note().url.clone(),
            template,
            json,
            NotePage { page: v },
            Vec::new(),
        );
    }
}

/// The `data/*.json` files of a kind: its views, grouped by their `data` path,
/// written from the same JSON the pages' fingerprints are made of.
fn data_chunks<T: HasNote>(plan: &mut Plan, views: &[T], json: &[Vec<u8>]) {
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
    years: &'r [&'a Summary],
    limits: &'a crate::load::schedules::Sla,
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
        plan.json(format!("data/{kind}/index.json"), &rows);
        plan.page(
            format!("{kind}/index.html"),
            template,
            ListPage {
                rows,
                years: self.years.to_vec(),
                limits: self.limits,
            },
        );
    }
}

fn rows<'v, V: 'v, R: From<&'v V>>(views: &'v [V]) -> Vec<R> {
    views.iter().map(R::from).collect()
}

/// Inspections by month (with a print view of each, made of the records'
/// `forms`) and by week.
fn inspection_lists<'a>(plan: &mut Plan<'a>, report: &'a Report, forms: &[usize]) {
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
                    .filter(|d| {
                        matches!(
                            d.state,
                            crate::report::chart::DayState::Done | crate::report::chart::DayState::Missing
                        )
                    })
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
        let json = serde_json::to_vec(&context).expect("page contexts serialize");
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
            weeks: week_links,
            calendars: &report.dashboard.calendars,
        },
    );
}

/// The client's sign-offs of inspection records and their ratings.
fn reviews(plan: &mut Plan, report: &Report) {
    let rows: Vec<ReviewRow> = report
        .inspections
        .iter()
        .rev()
        .filter_map(ReviewRow::of)
        .collect();
    let mut months: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let (mut satisfied, mut fair, mut unsatisfied) = (0, 0, 0);
    for r in &rows {
        let m = months.entry(r.date[..7].to_string()).or_default();
        match r.review.rating {
            crate::load::notes::kinds::Rating::Satisfied => {
                m.0 += 1;
                satisfied += 1;
            }
            crate::load::notes::kinds::Rating::Fair => {
                m.1 += 1;
                fair += 1;
            }
            crate::load::notes::kinds::Rating::Unsatisfied => {
                m.2 += 1;
                unsatisfied += 1;
            }
        }
    }
    plan.json("data/reviews/index.json".into(), &rows);
    plan.page(
        "reviews/index.html".into(),
        "reviews.html",
        ReviewsPage {
            rows,
            satisfied,
            fair,
            unsatisfied,
            months: months.into_iter().map(|(m, (s, f, u))| (m, s, f, u)).collect(),
        },
    );
}

/// What the search index holds of each note: its title, id, the fields a
/// person would search for, and its text.
fn search_docs(report: &Report) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut push = |info: &crate::report::note::NoteInfo, parts: Vec<&str>| {
        let mut text = format!("{} {}", info.id, info.title);
        for p in parts {
            text.push('\n');
            text.push_str(p);
        }
        docs.push(Doc {
            url: info.url.clone(),
            title: info.title.clone(),
            kind: info.kind.singular().to_string(),
            date: info.date.clone().unwrap_or_default(),
            text,
        });
    };
    let opt = |s: &Option<String>| s.as_deref().unwrap_or("").to_string();
    for v in &report.inspections {
        let mut parts = vec![v.inspector.clone(), opt(&v.recorder)];
        for c in &v.checks {
            parts.push(c.item.clone());
            parts.push(opt(&c.note));
        }
        parts.extend([opt(&v.intro), opt(&v.content), opt(&v.analysis)]);
        parts.extend(v.other.iter().map(|s| s.markdown.clone()));
        if let Some(r) = &v.review {
            parts.extend([r.name.clone(), opt(&r.opinion)]);
        }
        push(&v.note, parts.iter().map(String::as_str).collect());
    }
    for v in &report.incidents {
        let mut parts = vec![opt(&v.category), v.modules.join(" "), v.engineers.join(" ")];
        parts.extend([&v.intro, &v.cause, &v.handling, &v.result, &v.prevention].map(opt));
        parts.extend(v.other.iter().map(|s| s.markdown.clone()));
        push(&v.note, parts.iter().map(String::as_str).collect());
    }
    for v in &report.workorders {
        let mut parts = vec![
            opt(&v.unit),
            opt(&v.location),
            opt(&v.contact),
            opt(&v.requester_dept),
        ];
        parts.extend([&v.intro, &v.impact, &v.review, &v.outcome, &v.remarks].map(opt));
        parts.extend(v.other.iter().map(|s| s.markdown.clone()));
        push(&v.note, parts.iter().map(String::as_str).collect());
    }
    for v in &report.faq {
        let tags = v.tags.join(" ");
        push(&v.note, vec![&tags, &v.solution]);
    }
    for v in &report.trainings {
        push(&v.note, vec![&opt(&v.trainer), &opt(&v.participants), &v.body]);
    }
    for v in &report.upgrades {
        push(&v.note, vec![&v.version, &opt(&v.rollback_text), &v.body]);
    }
    for v in &report.vulnerabilities {
        let mut parts = vec![v.source.clone(), v.systems.join(" ")];
        parts.extend([&v.intro, &v.description, &v.fix, &v.retest].map(opt));
        push(&v.note, parts.iter().map(String::as_str).collect());
    }
    // A report text is found on its period's report, when that has a page.
    let reports: std::collections::HashSet<&str> = report.summaries.iter().map(|s| s.url.as_str()).collect();
    for v in report
        .texts
        .iter()
        .filter(|v| reports.contains(v.note.url.as_str()))
    {
        push(&v.note, vec![&v.body]);
    }
    docs
}
