//! The wiring `build`, `nightly` and `serve` share: from a checked project
//! to the portal, load → analyse → report → render.
//!
//! `build` and `serve` take the analyses as they find them on disk (the
//! last verification on record, the logs); `nightly` runs its own stages
//! first and hands their reports in. Both end in [`portal`].
//!
//! The analyses write nothing: what a run keeps under `state/` (the log
//! cache here, a verification's baselines and history in `verify` and
//! `nightly`) is written by the command, while it holds `state/`'s lock
//! ([`lock_state`]). A command that cannot have the lock (another run holds
//! it) still reads and reports, and keeps nothing.

use std::path::PathBuf;

use super::session::{Checked, Session};
use super::{Context, Fatal};
use crate::analyse::contract::{self, ContractReport};
use crate::analyse::logs::{self, LogReport};
use crate::analyse::verify::{self, RunRecord, VerifyReport};
use crate::diag::{self, Diagnostic};
use crate::load::git::GitHistory;
use crate::load::{LoadError, Project};
use crate::progress::{Progress, Silent};
use crate::render::manifest::CheckCounts;
use crate::render::{self, SiteOptions, SiteSummary};
use crate::report::corrections::Correction;
use crate::report::{self, Analyses, Audience, Inputs};
use crate::state::history::{self, Line};
use crate::state::published::Published;
use crate::state::{LockError, StateLock};

/// What the portal shows besides the notes, as `build` and `serve` find it
/// (`nightly` has the same from its own stages).
pub struct Analysed {
    pub contract: ContractReport,
    pub verify: Option<VerifyReport>,
    pub history: Vec<Line<RunRecord>>,
    pub logs: Option<LogReport>,
}

impl Analysed {
    /// Holds the checked notes against the contract, reads the last
    /// verification and its history from `state/`, and ingests the logs.
    /// What cannot be read is said as a warning, and the portal shows no
    /// data for it.
    pub fn run(ctx: &Context, session: &Session, checked: &Checked) -> Analysed {
        let project = &session.project;
        let mut warnings = Vec::new();
        let verify = last_verification(project, &mut warnings);
        let history = verification_history(project, &mut warnings);
        let lock = lock_state(project);
        warnings.extend(not_kept(session, &lock));
        let logs = match ingest_logs(session, &lock, &Silent) {
            Ok(report) if report.files.is_empty() && report.problems.is_empty() => None,
            Ok(report) => Some(report),
            Err(e) => {
                warnings.push(Diagnostic::warning(
                    crate::load::settings::FILE_NAME,
                    format!("the logs could not be read, the portal shows none: {e}"),
                ));
                None
            }
        };
        ctx.print_diagnostics(&warnings);
        Analysed {
            contract: contract_of(session, checked, logs.as_ref()),
            verify,
            history,
            logs,
        }
    }

    pub fn analyses(&self) -> Analyses<'_> {
        Analyses {
            contract: &self.contract,
            verify: self.verify.as_ref(),
            history: &self.history,
            logs: self.logs.as_ref(),
        }
    }
}

/// The inspections held against the evidence of their day: the logs'
/// aggregates and the verification runs on record. Warnings only; none
/// where there is no evidence.
pub fn cross_check(
    session: &Session,
    checked: &Checked,
    logs: Option<&LogReport>,
    history: &[Line<RunRecord>],
) -> Vec<Diagnostic> {
    let evidence =
        crate::analyse::evidence::Evidence::new(logs, history, &checked.notes, session.project.tz());
    crate::analyse::check::evidence::diagnostics(&checked.notes, &checked.schedules.evidence, &evidence)
}

/// The logs as they stand, for a command that only reads them (`check`,
/// `new`): what earlier runs learnt is used, nothing is kept. None when
/// they cannot be read, or no file matches.
pub fn logs_as_they_stand(session: &Session) -> Option<LogReport> {
    let report = logs::ingest(
        &session.project,
        &session.clock,
        &register_roles(session),
        &Silent,
    )
    .ok()?
    .report;
    (!report.files.is_empty()).then_some(report)
}

/// The hardware register's roles, which choose hosts' thresholds; the
/// register's problems are `check`'s to report.
fn register_roles(session: &Session) -> std::collections::BTreeMap<String, String> {
    let (devices, _) = crate::load::hardware::load(&session.project);
    crate::load::hardware::roles(&devices)
}

/// `state/`'s lock, for a run that writes there.
pub fn lock_state(project: &Project) -> Result<StateLock, LockError> {
    StateLock::of_state(&project.state_dir())
}

/// The warning of a run that reads the logs while another run holds
/// `state/`'s lock: it keeps nothing of what it read.
pub fn not_kept(session: &Session, lock: &Result<StateLock, LockError>) -> Option<Diagnostic> {
    let Err(e @ LockError::Busy { .. }) = lock else {
        return None;
    };
    Some(Diagnostic::warning(
        session.project.rel(&session.project.state_dir()),
        format!("what the logs' ingest learnt is not kept for the next run: {e}"),
    ))
}

/// Ingests the logs; with `state/`'s `lock` held, keeps what was learnt for
/// the next run. While another run holds it ([`not_kept`]) the ingest
/// reports and keeps nothing (the next run reads the same again); when
/// `state/` cannot be locked at all, it cannot be kept, and the ingest
/// fails. A run whose clock is earlier than the last recorded run keeps
/// nothing.
pub fn ingest_logs(
    session: &Session,
    lock: &Result<StateLock, LockError>,
    progress: &dyn Progress,
) -> Result<LogReport, logs::LogError> {
    let lock = match lock {
        Ok(lock) => Some(lock),
        Err(LockError::Busy { .. }) => None,
        Err(e) => {
            return Err(logs::LogError::State {
                path: session.project.state_dir(),
                source: std::io::Error::other(e.to_string()),
            });
        }
    };
    let ingested = logs::ingest(
        &session.project,
        &session.clock,
        &register_roles(session),
        progress,
    )?;
    match lock {
        Some(lock) if session.backdated.is_none() => ingested.save(&session.project, lock),
        _ => Ok(ingested.report),
    }
}

/// Verifies the backups while holding `state/`'s `lock`, and keeps the run
/// (report, baselines, history), unless its clock is earlier than the last
/// recorded run: then it reports, and keeps nothing.
pub fn verify_backups(
    session: &Session,
    opts: &verify::Options,
    progress: &dyn Progress,
    lock: &StateLock,
) -> Result<VerifyReport, verify::VerifyError> {
    let run = verify::verify(&session.project, &session.clock, opts, progress, lock)?;
    match session.backdated {
        Some(_) => Ok(run.report),
        None => run.save(&session.project, lock),
    }
}

/// Obligations and SLAs held against the checked notes, at the session's
/// clock; with each server's coverage (its days with metrics, from `logs`,
/// or with an inspection) among the obligations.
pub fn contract_of(session: &Session, checked: &Checked, logs: Option<&LogReport>) -> ContractReport {
    let mut report = contract::analyse(
        &session.project,
        &checked.schedules,
        &checked.notes,
        &session.clock,
    );
    let mut monitored: std::collections::BTreeMap<String, std::collections::BTreeSet<chrono::NaiveDate>> =
        checked
            .hardware
            .iter()
            .map(|d| (d.name.clone(), Default::default()))
            .collect();
    for m in logs.map_or(&[][..], |l| l.servers.as_slice()) {
        let days = monitored.entry(m.host.clone()).or_default();
        days.extend(m.days.iter().filter(|d| d.monitored).map(|d| d.date));
    }
    if !monitored.is_empty() {
        let coverage = contract::obligations::server_coverage(
            &monitored,
            &checked.notes,
            session.project.settings.project.period(),
            &session.clock,
        );
        report.obligations = report.obligations.with(coverage);
    }
    report
}

/// The last verification on record (`state/verify.json`); when it cannot be
/// read, none, and a warning.
pub fn last_verification(project: &Project, warnings: &mut Vec<Diagnostic>) -> Option<VerifyReport> {
    verify::last_report(project).unwrap_or_else(|e| {
        warnings.push(Diagnostic::warning(
            project.rel(&project.state_dir().join(verify::REPORT_FILE)),
            format!("cannot read the last verification, the portal shows none: {e}"),
        ));
        None
    })
}

/// The verification runs on record (`state/history.jsonl`); when they cannot
/// be read, none, and a warning.
pub fn verification_history(project: &Project, warnings: &mut Vec<Diagnostic>) -> Vec<Line<RunRecord>> {
    verify::history(project).unwrap_or_else(|e| {
        warnings.push(Diagnostic::warning(
            project.rel(&project.state_dir().join(history::FILE)),
            format!("cannot read the verification history, the portal shows none: {e}"),
        ));
        Vec::new()
    })
}

/// The files the portal's other parts are made from, besides the notes: the
/// last verification and its history under `state/`, the hand-in archives
/// under `archives/`, and the log files of `[logs] paths` (none when a pattern is invalid: the build says so). A new
/// verification or a grown log changes their metadata.
pub fn analysis_inputs(project: &Project) -> Vec<PathBuf> {
    let state = project.state_dir();
    let mut paths = vec![state.join(verify::REPORT_FILE), state.join(history::FILE)];
    paths.extend(logs::matched_files(project).unwrap_or_default());
    // Hand-in archives: a counter-signature added changes what the
    // reports say of their period.
    if let Ok(dir) = std::fs::read_dir(project.root.join(crate::analyse::handins::DIR)) {
        let mut archives: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
        archives.sort();
        paths.extend(archives);
    }
    paths
}

/// The digest of everything a build for `audience` reads
/// (`load::inputs::digest`), the analyses' inputs included.
pub fn inputs_digest(project: &Project, audience: Audience) -> String {
    crate::load::inputs::digest(project, audience, &analysis_inputs(project))
}

/// A portal that was built.
pub struct Built {
    pub site: SiteSummary,
    /// The records the portal shows as being corrected.
    pub corrections: Vec<Correction>,
}

impl Built {
    /// `; 2 records shown as being corrected`, or nothing.
    pub fn corrections_note(&self) -> String {
        match self.corrections.len() {
            0 => String::new(),
            1 => "; 1 record shown as being corrected".into(),
            n => format!("; {n} records shown as being corrected"),
        }
    }
}

/// Builds the report model for `audience` from checked notes and the other
/// analyses, and renders the portal. `inputs` is [`inputs_digest`] when the
/// caller took one.
pub fn portal(
    session: &Session,
    checked: &Checked,
    git: &GitHistory,
    analyses: Analyses,
    audience: Audience,
    inputs: Option<String>,
) -> Result<Built, Fatal> {
    let project = &session.project;
    // The history's record to publish; none (the site keeps its own) when
    // the history cannot be read, which `check` reports.
    let published = session.history.publish(&project.state_dir()).ok();
    let errors = diag::count_errors(&checked.problems);
    let counts = CheckCounts {
        notes: checked.files,
        errors,
        warnings: checked.problems.len() - errors,
    };
    let model = model(session, checked, git, analyses, audience, published.as_ref())?;
    let site = render::build_site(
        &session.project,
        &model,
        &SiteOptions {
            inputs,
            check: counts,
            published,
        },
    )
    .map_err(|e| Fatal::Other(e.into()))?;
    Ok(Built {
        site,
        corrections: model.corrections,
    })
}

/// The report model for `audience` from checked notes and the other
/// analyses; `published` is the verification history's record, whose
/// breaks the pages show.
pub fn model(
    session: &Session,
    checked: &Checked,
    git: &GitHistory,
    analyses: Analyses,
    audience: Audience,
    published: Option<&Published>,
) -> Result<report::Report, Fatal> {
    report::build(
        Inputs {
            project: &session.project,
            clock: &session.clock,
            schedules: &checked.schedules,
            notes: &checked.notes,
            partial: &checked.partial,
            hardware: &checked.hardware,
            mask: checked.mask.as_ref(),
            check: checked.report(),
            git,
            analyses,
            history_breaks: published.map_or(&[], |p| p.breaks.as_slice()),
        },
        audience,
    )
    .map_err(|problems| Fatal::Load(LoadError::Invalid(problems)))
}
