//! The third stage: one plain model of everything a run found.
//!
//! Templates render only from [`Report`], and the portal's `data/*.json` files
//! are written from the same structs, so a page and its data cannot disagree.
//! Every struct a page or data file reads is defined in this module (the
//! codes of the notes' enumerations and of SLA rules and statuses are shared
//! vocabulary, written as their codes); dates are dates, times are
//! timestamps, durations are durations.
//!
//! The model judges nothing itself. Which records exist yet, open or
//! closed, over a limit or not, met or missed: all of it comes from
//! `analyse::contract`, which applied the run's clock once
//! ([`RecordTime`]); every count is counted from views that carry those
//! judgements, by one function per count, wherever a page shows it.
//!
//! Building the model is where the audience is applied: the client's report
//! has no internal notes in it and no check diagnostics, and carries the
//! audience's masking ([`Report::mask`]), through which every text is
//! serialized on its way out ([`redact::Masked`]). Everything made from it is
//! therefore clean by construction.
//!
//! The entry point is [`build`]: `report::build(&Inputs { .. }, audience)`.

pub mod backup_set;
pub mod backups;
pub mod chart;
pub mod contract;
pub mod corrections;
pub mod dashboard;
pub mod evidence;
pub mod handins;
pub mod hardware;
pub mod lists;
pub mod log_day;
pub mod logs;
pub mod note;
pub mod outcome;
pub mod redact;
pub mod schedule;
pub mod servers;
pub mod summary;
pub mod text;
pub mod validity;
pub mod views;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::analyse::contract::{ContractReport, RecordTime};
use crate::analyse::logs::LogReport;
use crate::analyse::verify::{RunRecord, VerifyReport};
use crate::diag::Diagnostic;
use crate::load::Project;
use crate::load::git::GitHistory;
pub use crate::load::notes::Audience;
use crate::load::notes::kinds::Meta;
use crate::load::notes::{Note, Partial};
use crate::load::schedules::Schedules;
use crate::load::settings::{Language, ProjectSettings};
use crate::state::history::Line;
use crate::state::published::HistoryBreak;
use crate::time::{Clock, Timestamp};
use backups::Backups;
use contract::{AudienceContract, ContractView, Limits};
use corrections::{Correction, PartialView};
use dashboard::{Dashboard, LogAlerts};
use lists::Lists;
use logs::Logs;
use note::{Ctx, NoteInfo, NoteRef, unique_page, url_safe};
use outcome::{OutcomeView, Standing};
use redact::Redactor;
use summary::Summary;
pub use validity::Validity;
use views::*;

/// The whole portal's data for one audience.
#[derive(Debug, Clone)]
pub struct Report {
    pub audience: Audience,
    /// The day the record stands at, as the pages say it.
    pub record: RecordView,
    /// The moment the record stands at (`data/site.json`); pages show the
    /// day, so that they do not change with every minute of the clock.
    pub record_at: Timestamp,
    /// The clocks at which this is the same model: from the run's clock to
    /// the first deadline it depends on.
    pub validity: Validity,
    /// The audience's masking: the model keeps texts as written, and
    /// whatever leaves it is serialized through this
    /// ([`Redactor::masked`]); for the team, it masks nothing.
    pub mask: Redactor,
    pub project: ProjectInfo,
    /// The check of the notes; for the team only (`None` for the client).
    pub check: Option<CheckReport>,
    /// The contract's limits the pages measure against, by rule.
    pub limits: Limits,
    /// Every note of the record as its view, by kind.
    pub views: Views,
    /// Every record being corrected: this audience's notes that fail
    /// `check` ([`corrections`]).
    pub corrections: Vec<Correction>,
    /// The notes that could not be read as their kind, as far as they
    /// could be read: each has a page, and is judged nothing.
    pub partial: Vec<PartialView>,
    /// Years, then quarters, then months.
    pub summaries: Vec<Summary>,
    /// Inspection records by month and week, sign-offs by month.
    pub lists: Lists,
    pub dashboard: Dashboard,
    /// Backup verification: each set's last run, files, problems
    /// and history; `None` before the first verification.
    pub backups: Option<Backups>,
    /// Log aggregates: per day, errors, failed logins, exchange
    /// failures, metric peaks, alerts; `None` without logs.
    pub logs: Option<Logs>,
    /// Server inspection records and monthly server reports; `None`
    /// when no host sent metrics.
    pub servers: Option<servers::Servers>,
    /// The hardware register; `None` without `content/hardware/`.
    pub hardware: Option<hardware::Register>,
    /// Obligations met or missed per period, SLA outcomes of this
    /// audience's notes (`data/contract.json`).
    pub contract: ContractView,
    /// The schedule and SLA page (`data/schedule.json`).
    pub schedule: schedule::ScheduleView,
    /// Where the verification history was found cut short or rewritten.
    pub history_breaks: Vec<HistoryBreak>,
}

/// The moment the portal's record stands at, as the pages say it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RecordView {
    /// The record's last day: the clock's day, or the service period's
    /// last day once it has ended.
    pub day: NaiveDate,
    /// The service period has ended: the portal is a closed record.
    pub ended: bool,
    /// Notes of this audience dated after the record's moment, not shown.
    pub later: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectInfo {
    pub name: String,
    pub client: String,
    pub contractor: String,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub timezone: String,
    pub language: Language,
}

impl ProjectInfo {
    fn new(p: &ProjectSettings) -> Self {
        ProjectInfo {
            name: p.name.clone(),
            client: p.client.clone(),
            contractor: p.contractor.clone(),
            start: p.start.map(|d| d.0),
            end: p.end.map(|d| d.0),
            timezone: p.timezone.name().to_string(),
            language: p.language,
        }
    }
}

/// The result of `opsbook check` (the `check` object of the nightly summary).
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub notes: usize,
    pub problems: Vec<Diagnostic>,
}

impl CheckReport {
    pub fn new(notes: usize, problems: Vec<Diagnostic>) -> Self {
        CheckReport {
            ok: !problems.iter().any(|d| d.is_error()),
            notes,
            problems,
        }
    }
}

/// What the model is built from.
pub struct Inputs<'a> {
    pub project: &'a Project,
    pub clock: &'a Clock,
    pub schedules: &'a Schedules,
    /// Every note loaded, of every audience.
    pub notes: &'a [Note],
    /// What could be read of the notes that could not be typed.
    pub partial: &'a [Partial],
    /// The hardware register's devices.
    pub hardware: &'a [crate::load::hardware::Device],
    /// The client's masking, when the check compiled it already.
    pub mask: Option<&'a Redactor>,
    pub check: CheckReport,
    /// The history of `content/` (`load::git::GitLog`); empty without git.
    pub git: &'a GitHistory,
    pub analyses: Analyses<'a>,
    /// Where the verification history did not continue the one the portal
    /// published before ([`crate::state::published`]).
    pub history_breaks: &'a [HistoryBreak],
}

/// What the other analyses found, for the parts of the portal that show it.
pub struct Analyses<'a> {
    /// Obligations and SLA outcomes of every note, at the clock.
    pub contract: &'a ContractReport,
    /// The last verification (`state/verify.json`), if any.
    pub verify: Option<&'a VerifyReport>,
    /// The verification runs of `state/history.jsonl`, oldest first.
    pub history: &'a [Line<RunRecord>],
    /// The log aggregates; `None` when there are no logs.
    pub logs: Option<&'a LogReport>,
}

/// Builds the model for `audience`. Fails only on an invalid `[redact]` table
/// (every problem of it listed), since a client portal must not be built
/// without its masking.
pub fn build(inputs: Inputs, audience: Audience) -> Result<Report, Vec<Diagnostic>> {
    let redactor = match audience {
        Audience::Client => match inputs.mask {
            Some(mask) => mask.clone(),
            None => Redactor::new(&inputs.project.settings.redact)?,
        },
        Audience::Internal => Redactor::none(),
    };
    let tz = inputs.project.tz();
    let analysed = inputs.analyses.contract;
    let (notes, later) = notes_of(inputs.notes, audience, &analysed.record, tz);
    let record = RecordView {
        day: analysed.record.day.0,
        ended: analysed.record.ended,
        later,
    };
    let audience_contract = AudienceContract::new(analysed, &notes);
    let outcomes = audience_contract.outcomes_by_file();
    let shown = Shown::of(inputs.notes, inputs.partial, &inputs.check, audience);
    let handed_in = crate::analyse::handins::check(inputs.project, &notes);
    let (ctx, mut infos, partial) = context(&notes, &shown, &redactor, inputs.git, &analysed.record, tz);
    for info in &mut infos {
        info.edited_after = handed_in
            .iter()
            .find(|h| h.edited.iter().any(|r| r.path == info.path))
            .map(|h| h.period);
    }
    let corrections = corrections::list(
        infos.iter(),
        &partial,
        shown.partial.iter().copied().filter(|p| p.kind.is_none()),
    );
    let mut views = Views::build(&notes, infos, &ctx, &outcomes);
    let mut evidence = evidence::checks(&inputs, audience);
    for v in &mut views.inspections {
        v.evidence = evidence.remove(&v.note.path);
    }
    handins::attach(&mut views.handins, &handed_in, &ctx);
    let contract = ContractView::new(analysed, &audience_contract, &ctx);
    let log_deadline = inputs
        .analyses
        .logs
        .and_then(|l| l.changes_at)
        .map(|t| t.instant());
    let validity = Validity::of(
        inputs.clock.now(),
        tz,
        (&audience_contract.obligations, &audience_contract.sla),
        &shown.notes,
        log_deadline,
    );

    let service = inputs.project.settings.project.period();
    let backups = Backups::new(inputs.analyses.verify, inputs.analyses.history, tz);
    let alert_labels = log_day::alert_labels(&inputs.project.settings.logs.alerts);
    let logs = inputs.analyses.logs.map(|l| Logs::new(l, &alert_labels));
    let servers = inputs
        .analyses
        .logs
        .and_then(|l| servers::Servers::new(&l.servers));
    let hardware = hardware::Register::new(
        inputs.hardware,
        &notes,
        &views,
        servers.as_ref(),
        service,
        record.day,
    );
    let summaries = summaries(&summary::Sources {
        views: &views,
        contract: &contract,
        sla: &audience_contract.sla,
        runs: backups.as_ref().map(|b| b.runs.as_slice()),
        span: service.or_else(|| note_span(&notes, tz)),
        service,
        record: analysed.record,
    });
    let mut summaries = summaries;
    for s in &mut summaries {
        s.handin = views.handins.iter().find(|h| h.period == s.period).cloned();
    }
    let lists = Lists::new(&views.inspections, &summaries);
    let dashboard = dashboard::build(dashboard::Parts {
        record,
        views: &views,
        summaries: &summaries,
        backups: backups.as_ref().map(Backups::briefs),
        sla: contract::SlaBrief::new(&contract.sla),
        schedule: contract::adherence(&contract, record.day),
        log_alerts: logs.as_ref().map(|l| LogAlerts {
            recent: l.overview.recent,
            alerts: l.overview.recent_alerts.clone(),
            earlier: l.overview.earlier_alerts,
        }),
    });
    let schedule = schedule::ScheduleView::new(&contract, inputs.clock.now());
    let check = (audience == Audience::Internal).then(|| with_text_problems(inputs.check, &summaries));
    Ok(Report {
        audience,
        record,
        record_at: note::local(&analysed.record.at, tz),
        validity,
        mask: redactor,
        project: ProjectInfo::new(&inputs.project.settings.project),
        check,
        limits: Limits::new(&inputs.schedules.sla),
        views,
        corrections,
        partial,
        summaries,
        lists,
        dashboard,
        backups,
        logs,
        hardware,
        servers,
        contract,
        schedule,
        history_breaks: inputs.history_breaks.to_vec(),
    })
}

/// The notes of `audience` that are part of the record, sorted by kind and
/// day; and how many of its notes are dated after the record's moment.
fn notes_of<'a>(
    all: &'a [Note],
    audience: Audience,
    record: &RecordTime,
    tz: chrono_tz::Tz,
) -> (Vec<&'a Note>, usize) {
    let (mut notes, later): (Vec<&Note>, Vec<&Note>) = all
        .iter()
        .filter(|n| audience == Audience::Internal || !n.is_internal())
        .partition(|n| record.holds(n));
    notes.sort_by_cached_key(|n| (n.kind, n.meta.day(tz), n.id(), n.path.clone()));
    (notes, later.len())
}

/// What of the run's notes `audience` is shown, whenever it is dated: its
/// notes (also those after the record's moment, whose times are deadlines
/// of the model), what could be read of those that could not be typed, and
/// the files of those that fail `check`.
struct Shown<'a> {
    audience: Audience,
    notes: Vec<&'a Note>,
    partial: Vec<&'a Partial>,
    failing: HashSet<String>,
}

impl<'a> Shown<'a> {
    fn of(notes: &'a [Note], partial: &'a [Partial], check: &CheckReport, audience: Audience) -> Shown<'a> {
        Shown {
            audience,
            notes: notes
                .iter()
                .filter(|n| audience == Audience::Internal || !n.is_internal())
                .collect(),
            partial: partial
                .iter()
                .filter(|p| corrections::shown(p, audience))
                .collect(),
            failing: check
                .problems
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.file.clone())
                .collect(),
        }
    }
}

/// What the views are built in (git history, the record's moment, every
/// note's page and title by id), each note's identity, and the pages of the
/// notes that could not be typed. A note that fails `check` keeps its place,
/// marked as being corrected.
fn context<'a>(
    notes: &[&Note],
    shown: &Shown,
    mask: &Redactor,
    git: &'a GitHistory,
    record: &RecordTime,
    tz: chrono_tz::Tz,
) -> (Ctx<'a>, Vec<NoteInfo>, Vec<PartialView>) {
    let mut ctx = Ctx {
        tz,
        record: *record,
        git,
        index: HashMap::new(),
    };
    let mut taken = HashSet::new();
    let infos: Vec<NoteInfo> = notes
        .iter()
        .map(|n| NoteInfo {
            correcting: shown.failing.contains(&n.path),
            ..info(n, &ctx, mask, &mut taken)
        })
        .collect();
    let partial = corrections::partial_views(&shown.partial, shown.audience, &ctx, mask, &mut taken);
    // A typed note wins over a partial one of the same id.
    ctx.index = partial
        .iter()
        .map(|p| (p.note.id.clone(), (p.note.url.clone(), p.note.title.clone())))
        .chain(
            infos
                .iter()
                .zip(notes)
                .map(|(i, n)| (n.id(), (i.url.clone(), i.title.clone()))),
        )
        .collect();
    (ctx, infos, partial)
}

/// A note's view, before the views are sorted into their kinds' lists.
enum View {
    Inspection(InspectionView),
    Incident(IncidentView),
    WorkOrder(WorkOrderView),
    Faq(FaqView),
    Training(TrainingView),
    Upgrade(UpgradeView),
    Vulnerability(VulnerabilityView),
    Text(ReportTextView),
    Handin(handins::HandinView),
}

impl Views {
    /// Each note's view, built in parallel, with its SLA outcomes.
    fn build(
        notes: &[&Note],
        infos: Vec<NoteInfo>,
        ctx: &Ctx,
        outcomes: &HashMap<&str, Vec<OutcomeView>>,
    ) -> Views {
        let links = Links::new(notes, outcomes, ctx);
        let views: Vec<View> = notes
            .par_iter()
            .zip(infos)
            .map(|(n, info)| {
                let sla = || outcomes.get(n.path.as_str()).cloned().unwrap_or_default();
                match &n.meta {
                    Meta::Inspection(m) => View::Inspection(InspectionView::new(info, n, m, ctx)),
                    Meta::Incident(m) => {
                        View::Incident(IncidentView::new(info, n, m, links.faq_of(&m.id), sla(), ctx))
                    }
                    Meta::WorkOrder(m) => View::WorkOrder(WorkOrderView::new(info, n, m, ctx)),
                    Meta::Faq(m) => View::Faq(links.faq_view(info, n, m)),
                    Meta::Training(m) => View::Training(TrainingView::new(info, n, m, ctx)),
                    Meta::Upgrade(m) => View::Upgrade(UpgradeView::new(info, n, m, sla(), ctx)),
                    Meta::Vulnerability(m) => {
                        View::Vulnerability(VulnerabilityView::new(info, n, m, sla(), ctx))
                    }
                    Meta::Handin(m) => View::Handin(handins::HandinView::new(info, n, m, ctx)),
                    Meta::Report(m) => View::Text(ReportTextView {
                        note: info,
                        period: m.period.to_string(),
                        body: ctx.text(&n.body.markdown),
                        first_line: n.body.first_line,
                    }),
                }
            })
            .collect();
        Views::sorted(views)
    }

    fn sorted(views: Vec<View>) -> Views {
        let mut out = Views::default();
        for view in views {
            match view {
                View::Inspection(v) => out.inspections.push(v),
                View::Incident(v) => out.incidents.push(v),
                View::WorkOrder(v) => out.workorders.push(v),
                View::Faq(v) => out.faq.push(FaqView {
                    number: out.faq.len() + 1,
                    ..v
                }),
                View::Training(v) => out.trainings.push(v),
                View::Upgrade(v) => out.upgrades.push(v),
                View::Vulnerability(v) => out.vulnerabilities.push(v),
                View::Text(v) => out.texts.push(v),
                View::Handin(v) => out.handins.push(v),
            }
        }
        out
    }
}

/// FAQ entries and the incidents they answer, which name each other from
/// either side; and the day each answered incident was resolved.
struct Links<'c> {
    faq_of: HashMap<String, Vec<String>>,
    incidents_of: HashMap<String, Vec<String>>,
    /// Incidents resolved by the record's moment (as their resolve rule
    /// says), and the day.
    resolved: HashMap<String, NaiveDate>,
    ctx: &'c Ctx<'c>,
}

impl<'c> Links<'c> {
    fn new(notes: &[&Note], outcomes: &HashMap<&str, Vec<OutcomeView>>, ctx: &'c Ctx<'c>) -> Links<'c> {
        let mut faq_of: HashMap<String, Vec<String>> = HashMap::new();
        let mut incidents_of: HashMap<String, Vec<String>> = HashMap::new();
        let mut resolved = HashMap::new();
        for n in notes {
            match &n.meta {
                Meta::Incident(m) => {
                    if let Some(f) = &m.faq {
                        push_unique(faq_of.entry(m.id.clone()).or_default(), f);
                        push_unique(incidents_of.entry(f.clone()).or_default(), &m.id);
                    }
                    let open = Standing::of(outcomes.get(n.path.as_str()).map_or(&[], Vec::as_slice)).open;
                    if let Some(at) = m.resolved_at.filter(|_| !open) {
                        resolved.insert(m.id.clone(), at.date_in(ctx.tz));
                    }
                }
                Meta::Faq(m) => {
                    for i in &m.incidents {
                        push_unique(faq_of.entry(i.clone()).or_default(), &m.id);
                        push_unique(incidents_of.entry(m.id.clone()).or_default(), i);
                    }
                }
                _ => {}
            }
        }
        Links {
            faq_of,
            incidents_of,
            resolved,
            ctx,
        }
    }

    fn refs(&self, ids: Option<&Vec<String>>) -> Vec<NoteRef> {
        ids.map(|ids| ids.iter().map(|id| self.ctx.reference(id)).collect())
            .unwrap_or_default()
    }

    /// The FAQ entries written for an incident.
    fn faq_of(&self, incident: &str) -> Vec<NoteRef> {
        self.refs(self.faq_of.get(incident))
    }

    fn faq_view(&self, info: NoteInfo, n: &Note, m: &crate::load::notes::kinds::Faq) -> FaqView {
        let ctx = self.ctx;
        let answers = self.incidents_of.get(&m.id);
        FaqView {
            number: 0,
            question: info.title.clone(),
            note: info,
            tags: ctx.texts(&m.tags),
            incidents: self.refs(answers),
            added: answers
                .into_iter()
                .flatten()
                .filter_map(|i| self.resolved.get(i))
                .min()
                .copied(),
            solution: ctx.text(&n.body.markdown),
        }
    }
}

/// Every report, in parallel.
fn summaries(sources: &summary::Sources) -> Vec<Summary> {
    let periods = sources.periods();
    periods.par_iter().map(|p| sources.summary(p, &periods)).collect()
}

/// The check, with a warning for each placeholder of a report text that
/// names no figure (it is shown as written).
fn with_text_problems(mut check: CheckReport, summaries: &[Summary]) -> CheckReport {
    for s in summaries {
        let Some(t) = &s.text else { continue };
        for name in &t.unknown {
            let placeholder = format!("{{{name}}}");
            let line = t
                .body
                .lines()
                .position(|l| l.contains(&placeholder))
                .map_or(t.first_line, |i| t.first_line + i);
            check.problems.push(
                Diagnostic::warning(
                    &t.note.path,
                    format!(
                        "`{placeholder}` names no figure of the {} report; it is shown as written",
                        s.period
                    ),
                )
                .at_line(line)
                .with_hint(
                    "name a figure of the report's data, such as `{workorders.total}` or `{incidents.open}`",
                ),
            );
        }
    }
    check
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|x| x == id) {
        list.push(id.to_string());
    }
}

/// A note's identity in the model. Pages are `{folder}/{id}.html`; two notes
/// with one id (an error `check` reports) get `-2`, `-3` … so neither page is
/// lost. The page's name is made from the id as the audience may see it:
/// file names are not serialized, so they are masked here.
fn info(n: &Note, ctx: &Ctx, mask: &Redactor, taken: &mut HashSet<String>) -> NoteInfo {
    let id = n.id();
    let date = n.meta.day(ctx.tz);
    let folder = n.kind.folder();
    let base = match &n.meta {
        // A report text is shown on top of its period's report.
        Meta::Report(m) => format!("reports/{}", m.period),
        _ => format!("{folder}/{}", url_safe(&mask.mask(&id))),
    };
    let url = match &n.meta {
        // A sign-off is shown on its period's report.
        Meta::Handin(m) => format!("reports/{}.html#handin", m.period),
        _ => unique_page(&base, taken),
    };
    let data = match (&n.meta, &date) {
        (Meta::Report(m), _) => format!("data/reports/{}.json", m.period),
        (Meta::Handin(m), _) => format!("data/reports/{}.json", m.period),
        (Meta::Faq(_), _) => "data/faq.json".to_string(),
        (Meta::Inspection(_), Some(d)) => format!("data/{folder}/{}.json", d.format("%Y-%m")),
        (_, Some(d)) => format!("data/{folder}/{}.json", d.format("%Y")),
        (_, None) => format!("data/{folder}/undated.json"),
    };
    NoteInfo {
        url,
        title: ctx.text(&title(&n.meta)),
        date,
        id: ctx.text(&id),
        kind: n.kind,
        path: n.path.clone(),
        audience: n.audience,
        source: ctx.source(&n.path),
        data,
        correcting: false,
        edited_after: None,
    }
}

fn title(meta: &Meta) -> String {
    match meta {
        Meta::Inspection(m) => m.title.clone().unwrap_or_else(|| m.id.clone()),
        Meta::Incident(m) => m.title.clone(),
        Meta::WorkOrder(m) => m.title.clone(),
        Meta::Faq(m) => m.question.clone(),
        Meta::Training(m) => m.topic.clone(),
        Meta::Upgrade(m) => m.title.clone().unwrap_or_else(|| m.version.clone()),
        Meta::Vulnerability(m) => m.title.clone(),
        Meta::Report(m) => m.title.clone().unwrap_or_else(|| m.period.to_string()),
        Meta::Handin(m) => m.period.to_string(),
    }
}

/// The first and last day of the dated notes.
fn note_span(notes: &[&Note], tz: chrono_tz::Tz) -> Option<(NaiveDate, NaiveDate)> {
    let dates = notes.iter().filter_map(|n| n.meta.day(tz));
    let min = dates.clone().min()?;
    Some((min, dates.max()?))
}
