//! The third stage: one plain model of everything a run found.
//!
//! Templates render only from [`Report`], and the portal's `data/*.json` files
//! are written from the same structs, so a page and its data cannot disagree.
//! Building the model is where the audience is applied: the client's report
//! has no internal notes in it and no check diagnostics, and carries the
//! audience's masking ([`Report::mask`]), through which every text is
//! serialized on its way out ([`redact::Masked`]). Everything made from it is
//! therefore clean by construction.
//!
//! The entry point is [`build`]: `report::build(&Inputs { .. }, audience)`.

pub mod backups;
pub mod chart;
pub mod contract;
pub mod corrections;
pub mod dashboard;
pub mod logs;
pub mod note;
pub mod redact;
pub mod summary;
pub mod validity;
pub mod views;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::analyse::contract::ContractReport;
use crate::analyse::contract::obligations::ObligationsReport;
use crate::analyse::contract::sla::SlaReport;
use crate::analyse::logs::LogReport;
use crate::analyse::verify::{RunRecord, VerifyReport};
use crate::diag::Diagnostic;
use crate::load::Project;
use crate::load::git::GitHistory;
pub use crate::load::notes::Audience;
use crate::load::notes::kinds::Meta;
use crate::load::notes::{Note, Partial};
use crate::load::schedules::{Schedules, Sla};
use crate::load::settings::{Language, ProjectSettings};
use crate::state::history::Line;
use crate::state::published::HistoryBreak;
use crate::time::Clock;
use backups::Backups;
use corrections::{Correction, PartialView};
use dashboard::Dashboard;
use logs::Logs;
use note::{Ctx, NoteInfo, NoteRef, day, unique_page, url_safe};
use redact::Redactor;
use summary::Summary;
pub use validity::Validity;
use views::*;

/// The whole portal's data for one audience.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub audience: Audience,
    /// The report's day: the date of the run's clock.
    pub as_of: String,
    /// The clocks at which this is the same model: from the run's clock to
    /// the first deadline it depends on.
    #[serde(skip)]
    pub validity: Validity,
    /// The audience's masking: the model keeps texts as written, and
    /// whatever leaves it is serialized through this
    /// ([`Redactor::masked`]); for the team, it masks nothing.
    #[serde(skip)]
    pub mask: Redactor,
    pub project: ProjectInfo,
    /// The check of the notes; for the team only (`None` for the client).
    pub check: Option<CheckReport>,
    /// The contract's limits the pages measure against.
    pub limits: Sla,
    pub inspections: Vec<InspectionView>,
    pub incidents: Vec<IncidentView>,
    pub workorders: Vec<WorkOrderView>,
    pub faq: Vec<FaqView>,
    pub trainings: Vec<TrainingView>,
    pub upgrades: Vec<UpgradeView>,
    pub vulnerabilities: Vec<VulnerabilityView>,
    /// Hand-written report texts (`content/reports/`).
    pub texts: Vec<ReportTextView>,
    /// Every record being corrected: this audience's notes that fail
    /// `check` ([`corrections`]).
    pub corrections: Vec<Correction>,
    /// The notes that could not be read as their kind, as far as they
    /// could be read: each has a page, and is judged nothing.
    pub partial: Vec<PartialView>,
    /// Years, then quarters, then months.
    pub summaries: Vec<Summary>,
    pub dashboard: Dashboard,
    /// Backup verification: each set's last run, files, problems
    /// and history; `None` before the first verification.
    pub backups: Option<Backups>,
    /// Log aggregates: per day, errors, failed logins, exchange
    /// failures, metric peaks, alerts; `None` without logs.
    pub logs: Option<Logs>,
    /// Obligations of `schedules/` met or missed per period, judged on this
    /// audience's notes.
    pub obligations: ObligationsReport,
    /// SLA outcome of each incident, upgrade and vulnerability of this
    /// audience's notes.
    pub sla: SlaReport,
    /// Where the verification history was found cut short or rewritten.
    pub history_breaks: Vec<HistoryBreak>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectInfo {
    pub name: String,
    pub client: String,
    pub contractor: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub timezone: String,
    pub language: Language,
}

impl ProjectInfo {
    fn new(p: &ProjectSettings) -> Self {
        ProjectInfo {
            name: p.name.clone(),
            client: p.client.clone(),
            contractor: p.contractor.clone(),
            start: p.start.map(|d| d.to_string()),
            end: p.end.map(|d| d.to_string()),
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
        Audience::Client => Redactor::new(&inputs.project.settings.redact)?,
        Audience::Internal => Redactor::none(),
    };
    let tz = inputs.project.tz();
    let today = inputs.clock.today();

    let mut notes: Vec<&Note> = inputs
        .notes
        .iter()
        .filter(|n| audience == Audience::Internal || !n.is_internal())
        .collect();
    notes.sort_by_cached_key(|n| (n.kind, note_date(n, tz), n.id(), n.path.clone()));

    let ctx_index = Ctx {
        tz,
        git: inputs.git,
        index: HashMap::new(),
    };
    // A note with an error keeps its place, marked as being corrected.
    let failing: HashSet<&str> = inputs
        .check
        .problems
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.file.as_str())
        .collect();
    let mut taken = HashSet::new();
    let infos: Vec<NoteInfo> = notes
        .iter()
        .map(|n| {
            let info = info(n, &ctx_index, &redactor, &mut taken);
            NoteInfo {
                correcting: failing.contains(n.path.as_str()),
                ..info
            }
        })
        .collect();
    let partial_notes: Vec<&Partial> = inputs
        .partial
        .iter()
        .filter(|p| corrections::shown(p, audience))
        .collect();
    let partial = corrections::partial_views(&partial_notes, audience, &ctx_index, &redactor, &mut taken);
    let corrections = corrections::list(
        infos.iter(),
        &partial,
        partial_notes.iter().copied().filter(|p| p.kind.is_none()),
    );
    let ctx = Ctx {
        // A typed note wins over a partial one of the same id.
        index: partial
            .iter()
            .map(|p| (p.note.id.clone(), (p.note.url.clone(), p.note.title.clone())))
            .chain(
                infos
                    .iter()
                    .zip(&notes)
                    .map(|(i, n)| (n.id(), (i.url.clone(), i.title.clone()))),
            )
            .collect(),
        ..ctx_index
    };

    // FAQ entries and incidents name each other from either side.
    let mut faq_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut incidents_of: HashMap<String, Vec<String>> = HashMap::new();
    for n in &notes {
        match &n.meta {
            Meta::Incident(m) => {
                if let Some(f) = &m.faq {
                    push_unique(faq_of.entry(m.id.clone()).or_default(), f);
                    push_unique(incidents_of.entry(f.clone()).or_default(), &m.id);
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
    let resolved_day: HashMap<&str, String> = notes
        .iter()
        .filter_map(|n| match &n.meta {
            Meta::Incident(m) => Some((m.id.as_str(), day(m.resolved_at?.date_in(tz)))),
            _ => None,
        })
        .collect();
    let refs = |ids: Option<&Vec<String>>| -> Vec<NoteRef> {
        ids.map(|ids| ids.iter().map(|id| ctx.reference(id)).collect())
            .unwrap_or_default()
    };

    let sla = &inputs.schedules.sla;
    let analyses = &inputs.analyses;
    let contract = contract::for_audience(analyses.contract, &notes, inputs.clock.now());
    let log_deadline = analyses.logs.and_then(|l| l.changes_at).map(|t| t.instant());
    let validity = Validity::of(inputs.clock.now(), tz, &contract, &notes, log_deadline);
    let ContractReport {
        obligations,
        sla: outcomes,
    } = contract;
    let outcomes_of = contract::outcomes_by_file(&outcomes);
    let outcomes_of = |n: &Note| outcomes_of.get(n.path.as_str()).cloned().unwrap_or_default();
    // Each note's view, built in parallel, then sorted into its kind's list.
    let views: Vec<View> = notes
        .par_iter()
        .zip(infos)
        .map(|(n, info)| match &n.meta {
            Meta::Inspection(m) => View::Inspection(InspectionView::new(info, n, m, &ctx)),
            Meta::Incident(m) => {
                let faq = refs(faq_of.get(&m.id));
                View::Incident(IncidentView::new(info, n, m, faq, outcomes_of(n), &ctx))
            }
            Meta::WorkOrder(m) => View::WorkOrder(WorkOrderView::new(info, n, m, &ctx)),
            Meta::Faq(m) => {
                let answers = incidents_of.get(&m.id);
                let added = answers
                    .into_iter()
                    .flatten()
                    .filter_map(|i| resolved_day.get(i.as_str()))
                    .min()
                    .cloned();
                View::Faq(FaqView {
                    number: 0,
                    question: info.title.clone(),
                    note: info,
                    tags: ctx.texts(&m.tags),
                    incidents: refs(answers),
                    added,
                    solution: ctx.text(&n.body.markdown),
                })
            }
            Meta::Training(m) => View::Training(TrainingView::new(info, n, m, &ctx)),
            Meta::Upgrade(m) => View::Upgrade(UpgradeView::new(info, n, m, sla, outcomes_of(n), &ctx)),
            Meta::Vulnerability(m) => {
                View::Vulnerability(VulnerabilityView::new(info, n, m, sla, outcomes_of(n), &ctx))
            }
            Meta::Report(m) => View::Text(ReportTextView {
                note: info,
                period: m.period.to_string(),
                body: ctx.text(&n.body.markdown),
            }),
        })
        .collect();
    let mut inspections = Vec::new();
    let mut incidents = Vec::new();
    let mut workorders = Vec::new();
    let mut faq: Vec<FaqView> = Vec::new();
    let mut trainings = Vec::new();
    let mut upgrades = Vec::new();
    let mut vulnerabilities = Vec::new();
    let mut texts = Vec::new();
    for view in views {
        match view {
            View::Inspection(v) => inspections.push(v),
            View::Incident(v) => incidents.push(v),
            View::WorkOrder(v) => workorders.push(v),
            View::Faq(v) => faq.push(FaqView {
                number: faq.len() + 1,
                ..v
            }),
            View::Training(v) => trainings.push(v),
            View::Upgrade(v) => upgrades.push(v),
            View::Vulnerability(v) => vulnerabilities.push(v),
            View::Text(v) => texts.push(v),
        }
    }

    let backups = Backups::new(analyses.verify, analyses.history);
    let logs = analyses.logs.map(|l| Logs::new(l, today));
    let breaches = contract::breach_rows(&outcomes, &ctx);

    let service = inputs.project.settings.project.period();
    let sources = summary::Sources {
        inspections: &inspections,
        incidents: &incidents,
        workorders: &workorders,
        vulnerabilities: &vulnerabilities,
        trainings: &trainings,
        upgrades: &upgrades,
        faq: &faq,
        texts: &texts,
        obligations: &obligations,
        sla: &outcomes,
        breaches: &breaches,
        runs: backups.as_ref().map(|b| b.runs.as_slice()),
        span: service.or_else(|| note_span(&notes, tz)),
        service,
        today,
    };
    let periods = sources.periods();
    let summaries: Vec<Summary> = periods.par_iter().map(|p| sources.summary(p, &periods)).collect();
    let as_of = day(today);
    let dashboard = dashboard::build(dashboard::Parts {
        today: &as_of,
        inspections: &inspections,
        incidents: &incidents,
        workorders: &workorders,
        vulnerabilities: &vulnerabilities,
        faq: faq.len(),
        trainings: trainings.len(),
        upgrades: upgrades.len(),
        summaries: &summaries,
        backups: backups.as_ref().map(Backups::briefs),
        sla: contract::SlaBrief::new(&outcomes, &breaches),
        schedule: contract::adherence(&obligations, today),
        log_alerts: logs.as_ref().map(|l| l.overview.recent_alerts.clone()),
    });
    Ok(Report {
        audience,
        as_of,
        validity,
        mask: redactor,
        project: ProjectInfo::new(&inputs.project.settings.project),
        check: (audience == Audience::Internal).then_some(inputs.check),
        limits: sla.clone(),
        inspections,
        incidents,
        workorders,
        faq,
        trainings,
        upgrades,
        vulnerabilities,
        texts,
        corrections,
        partial,
        summaries,
        dashboard,
        backups,
        logs,
        obligations,
        sla: outcomes,
        history_breaks: inputs.history_breaks.to_vec(),
    })
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
    let date = note_date(n, ctx.tz).map(day);
    let folder = n.kind.folder();
    // A report text is shown on top of its period's report.
    let base = match &n.meta {
        Meta::Report(m) => format!("reports/{}", m.period),
        _ => format!("{folder}/{}", url_safe(&mask.mask(&id))),
    };
    let url = unique_page(&base, taken);
    let data = match (&n.meta, &date) {
        (Meta::Report(m), _) => format!("data/reports/{}.json", m.period),
        (Meta::Faq(_), _) => "data/faq.json".to_string(),
        (Meta::Inspection(_), Some(d)) => format!("data/{folder}/{}.json", &d[..7]),
        (_, Some(d)) => format!("data/{folder}/{}.json", &d[..4]),
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
    }
}

/// The day a note is filed under.
fn note_date(n: &Note, tz: chrono_tz::Tz) -> Option<NaiveDate> {
    Some(match &n.meta {
        Meta::Inspection(m) => m.date.0,
        Meta::Incident(m) => m.reported_at.date_in(tz),
        Meta::WorkOrder(m) => m.requested_at.date_in(tz),
        Meta::Training(m) => m.date.0,
        Meta::Upgrade(m) => m.window_start.date_in(tz),
        Meta::Vulnerability(m) => m.found_at.date_in(tz),
        Meta::Faq(_) | Meta::Report(_) => return None,
    })
}

/// The first and last day of the dated notes.
fn note_span(notes: &[&Note], tz: chrono_tz::Tz) -> Option<(NaiveDate, NaiveDate)> {
    let dates = notes.iter().filter_map(|n| note_date(n, tz));
    let min = dates.clone().min()?;
    Some((min, dates.max()?))
}
