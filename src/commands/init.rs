//! `opsbook init [DIR]`: a new project with the contract's default schedules.
//!
//! It writes `opsbook.toml` (a one-year service period from today),
//! `schedules/contract.toml` (the contract's obligations, limits and
//! checklists), a `.gitignore` for what opsbook writes (the portal, its
//! staging folders and lock, `state/`, the nightly reports), the nightly CI
//! job for GitLab CI and for GitHub Actions (the same files docs/ci.md
//! shows), and one example note of every kind, dated today and placed where
//! `opsbook new` would put it, so that `opsbook check` and `opsbook build`
//! pass at once and each form shows how it is filled in. It never writes over
//! anything: a folder that holds a project, or any of these files, is left
//! as it is.

use std::path::Path;

use chrono::{Duration, Months, NaiveDate};

use super::{Context, Exit, Fatal};
use crate::load::notes::id::DatedId;
use crate::load::notes::kinds::Kind;
use crate::load::schedules::DEFAULT_SCHEDULE;
use crate::load::settings;
use crate::time::{Clock, DEFAULT_TIMEZONE};

/// The example notes, one of every kind. In their text `{DATE}`, `{YYMMDD}`
/// and `{MONTH}` stand for today.
const EXAMPLES: &[(Kind, &str)] = &[
    (Kind::Inspection, include_str!("init/inspection.md")),
    (Kind::Incident, include_str!("init/incident.md")),
    (Kind::WorkOrder, include_str!("init/workorder.md")),
    (Kind::Faq, include_str!("init/faq.md")),
    (Kind::Training, include_str!("init/training.md")),
    (Kind::Upgrade, include_str!("init/upgrade.md")),
    (Kind::Vulnerability, include_str!("init/vulnerability.md")),
    (Kind::Report, include_str!("init/report.md")),
];

/// The nightly job for GitLab CI, as docs/ci.md shows it.
pub const GITLAB_CI: (&str, &str) = (".gitlab-ci.yml", include_str!("init/gitlab-ci.yml"));
/// The nightly workflow for GitHub Actions, as docs/ci.md shows it.
pub const GITHUB_ACTIONS: (&str, &str) = (
    ".github/workflows/nightly.yml",
    include_str!("init/github-nightly.yml"),
);

pub fn run(ctx: &Context, dir: &Path) -> Result<Exit, Fatal> {
    let settings_path = dir.join(settings::FILE_NAME);
    if settings_path.exists() {
        return Err(Fatal::Usage(format!(
            "{} is an opsbook project already (it has {}); nothing was written",
            dir.display(),
            settings::FILE_NAME
        )));
    }
    // A new project's timezone is the default one, which its settings name.
    let clock = match &ctx.now {
        Some(text) => {
            Clock::parse(text, DEFAULT_TIMEZONE).map_err(|e| Fatal::Usage(format!("--now: {e}")))?
        }
        None => Clock::system(DEFAULT_TIMEZONE),
    };
    let files = project_files(dir, clock.today());

    let existing: Vec<&str> = files
        .iter()
        .filter(|(rel, _)| dir.join(rel).exists())
        .map(|(rel, _)| rel.as_str())
        .collect();
    if !existing.is_empty() {
        return Err(Fatal::Usage(format!(
            "{} has files that a new project would replace: {}; nothing was written",
            dir.display(),
            existing.join(", ")
        )));
    }
    for (rel, text) in &files {
        super::new::write_new(&dir.join(rel), text.as_bytes())
            .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write {}: {e}", dir.join(rel).display())))?;
    }
    ctx.say(format!(
        "created an opsbook project in {} ({} files)

next:
  edit opsbook.toml (project name, client, service period)
  opsbook check                 validate the notes
  opsbook build                 render the portal into site/
  opsbook new inspection        write today's inspection
  opsbook new backup-set NAME --path DIR    add a backup set to verify
  set OPSBOOK_GIT in {} or {} (the nightly CI job)",
        dir.display(),
        files.len(),
        GITLAB_CI.0,
        GITHUB_ACTIONS.0,
    ));
    Ok(Exit::Clean)
}

/// Every file of a new project in `dir` started on `today`.
fn project_files(dir: &Path, today: NaiveDate) -> Vec<(String, String)> {
    let end = today
        .checked_add_months(Months::new(12))
        .map_or(today, |d| d - Duration::days(1));
    let name = std::path::absolute(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "运维服务项目".into());
    let fill = |text: &str| {
        text.replace("{DATE}", &today.format("%Y-%m-%d").to_string())
            .replace("{YYMMDD}", &today.format("%y%m%d").to_string())
            .replace("{MONTH}", &today.format("%Y-%m").to_string())
            .replace("{END}", &end.format("%Y-%m-%d").to_string())
            .replace("{NAME}", &toml::Value::String(name.clone()).to_string())
    };
    let mut files = vec![
        (
            settings::FILE_NAME.to_string(),
            fill(include_str!("init/opsbook.toml")),
        ),
        (
            "schedules/contract.toml".to_string(),
            DEFAULT_SCHEDULE.to_string(),
        ),
        (
            ".gitignore".to_string(),
            include_str!("init/gitignore").to_string(),
        ),
        (GITLAB_CI.0.to_string(), GITLAB_CI.1.to_string()),
        (GITHUB_ACTIONS.0.to_string(), GITHUB_ACTIONS.1.to_string()),
    ];
    files.extend(EXAMPLES.iter().map(|(kind, text)| {
        let id = match kind {
            Kind::Report => today.format("%Y-%m").to_string(),
            Kind::Faq => "FAQ-001".to_string(),
            _ => DatedId { date: today, seq: 1 }.format(kind.id_prefix().unwrap_or_default()),
        };
        let path = Path::new("content").join(super::new::note_path(*kind, &id, today));
        (path.to_string_lossy().into_owned(), fill(text))
    }));
    files
}
