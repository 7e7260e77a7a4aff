//! `opsbook init [DIR]`: a new project with the contract's default schedules.
//!
//! It writes `opsbook.toml` (a one-year service period from today),
//! `schedules/contract.toml` (the contract's obligations, limits and
//! checklists), a `.gitignore` for the rendered portal, and one example note
//! of every kind, dated today, so that `opsbook check` and `opsbook build`
//! pass at once and each form shows how it is filled in. It never writes over
//! anything: a folder that holds a project, or any of these files, is left
//! as it is.

use std::path::Path;

use chrono::{Duration, Months, NaiveDate};

use super::{Context, Exit, Fatal};
use crate::load::schedules::DEFAULT_SCHEDULE;
use crate::load::settings;
use crate::time::{Clock, DEFAULT_TIMEZONE};

/// The example notes: (path under the project, text). `{DATE}`, `{YYMMDD}`
/// and `{MONTH}` stand for today.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "content/inspections/{YYMMDD}-01.md",
        include_str!("init/inspection.md"),
    ),
    (
        "content/incidents/INC-{YYMMDD}-01.md",
        include_str!("init/incident.md"),
    ),
    (
        "content/workorders/WO-{YYMMDD}-01.md",
        include_str!("init/workorder.md"),
    ),
    ("content/faq/FAQ-001.md", include_str!("init/faq.md")),
    (
        "content/trainings/TR-{YYMMDD}-01.md",
        include_str!("init/training.md"),
    ),
    (
        "content/upgrades/UP-{YYMMDD}-01.md",
        include_str!("init/upgrade.md"),
    ),
    (
        "content/vulnerabilities/VUL-{YYMMDD}-01.md",
        include_str!("init/vulnerability.md"),
    ),
    ("content/reports/{MONTH}.md", include_str!("init/report.md")),
];

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
        "created an opsbook project in {} ({} files)\n\nnext:\n  edit opsbook.toml (project name, client, service period)\n  opsbook check     validate the notes\n  opsbook build     render the portal into site/\n  opsbook new inspection   write today's inspection",
        dir.display(),
        files.len()
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
    ];
    files.extend(EXAMPLES.iter().map(|(path, text)| (fill(path), fill(text))));
    files
}
