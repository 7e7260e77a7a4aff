//! `opsbook build`: render the portal.
//!
//! A build first compares a digest of its inputs' metadata with the one the
//! site was last built from; when nothing changed it stops there, having
//! read no note. Otherwise it checks the notes, reads the git history
//! alongside, holds the notes against the contract, reads the last backup
//! verification from `state/`, ingests the logs (only what is new), builds
//! the report model and renders what changed.

use std::time::Instant;

use super::session::{Checked, Session};
use super::{Context, Exit, Fatal};
use crate::analyse::contract::{self, ContractReport};
use crate::analyse::logs::{self, LogReport};
use crate::analyse::verify::{self, RunRecord, VerifyReport};
use crate::diag::{self, Diagnostic};
use crate::load::{LoadError, Project};
use crate::progress::Silent;
use crate::render::manifest::{self, CheckCounts};
use crate::render::{self, SiteOptions, SiteSummary};
use crate::report::git::{GitHistory, GitLog};
use crate::report::{self, Analyses, Audience, Inputs};
use crate::state::history::{self, Line};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub audience: Audience,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let started = Instant::now();
    let session = Session::open(ctx)?;
    session.warn_if_backdated(ctx);
    // Whatever the manifest says, a build interrupted before is finished or
    // rolled back first, and a site folder opsbook may not write is refused.
    let site_dir = render::open_site(&session.project).map_err(|e| Fatal::Other(e.into()))?;
    let digest = manifest::inputs_digest(&session.project, opts.audience, session.clock.today());
    if let Some(check) = manifest::up_to_date(&site_dir, opts.audience, &digest) {
        ctx.say(format!(
            "{} notes checked, {} errors, {} warnings (as at the last build; `opsbook check` lists them)",
            check.notes, check.errors, check.warnings
        ));
        ctx.say(format!(
            "{} is up to date: nothing changed since the last build ({:.2?})",
            session.project.rel(&site_dir),
            started.elapsed()
        ));
        return Ok(Exit::from_problems(check.errors > 0));
    }

    let git = GitLog::start(&session.project.root);
    let checked = session.check();
    ctx.print_diagnostics(&checked.problems);
    let ok = !checked.problems.iter().any(|d| d.is_error());
    let analysed = Analysed::run(ctx, &session, &checked);
    let site = portal(
        &session,
        &checked,
        &git.finish(),
        analysed.analyses(),
        opts.audience,
        Some(digest),
    )?;
    ctx.say(checked.summary());
    ctx.say(format!(
        "built {} ({} files: {} written, {} removed) in {:.2?}",
        session.project.rel(&site.out),
        site.files,
        site.written,
        site.removed,
        started.elapsed()
    ));
    Ok(Exit::from_problems(!ok))
}

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
        let logs = match logs::ingest(project, &session.clock, &Silent) {
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
            contract: contract::analyse(project, &checked.schedules, &checked.notes, &session.clock),
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

/// Builds the report model for `audience` from checked notes and the other
/// analyses, and renders the portal: the step `build`, `nightly` and `serve`
/// share. `inputs` is [`manifest::inputs_digest`] when the caller took one.
pub fn portal(
    session: &Session,
    checked: &Checked,
    git: &GitHistory,
    analyses: Analyses,
    audience: Audience,
    inputs: Option<String>,
) -> Result<SiteSummary, Fatal> {
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
    let model = report::build(
        Inputs {
            project: &session.project,
            clock: &session.clock,
            schedules: &checked.schedules,
            notes: &checked.notes,
            check: checked.report(),
            git,
            analyses,
            history_breaks: published.as_ref().map_or(&[], |p| p.breaks.as_slice()),
        },
        audience,
    )
    .map_err(|problems| Fatal::Load(LoadError::Invalid(problems)))?;
    render::build_site(
        &session.project,
        &model,
        &SiteOptions {
            inputs,
            check: counts,
            published,
        },
    )
    .map_err(|e| Fatal::Other(e.into()))
}
