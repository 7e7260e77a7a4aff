//! `schedules/*.toml`: the contract's obligations, SLA limits and checklists
//! (SPEC 4).
//!
//! The contract's own schedule is built in ([`DEFAULT_SCHEDULE`], also what
//! `opsbook init` writes). A project's files change it this way:
//! - `[[obligation]]` tables: if any file declares obligations, the files'
//!   obligations are the whole list (so one can be dropped by leaving it out);
//! - `[sla]` keys: each key set in a file replaces that default; files are read
//!   in name order and a later file wins;
//! - `[checklists]`: each named list replaces the default list of that name.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::duration::Dur;
use crate::load::Project;
use crate::load::notes::Kind;
use crate::load::toml_doc::TomlDoc;
use crate::period::Every;

/// The contract's schedule, as `opsbook init` writes it.
pub const DEFAULT_SCHEDULE: &str = include_str!("default_schedule.toml");

#[derive(Debug, Clone, Serialize)]
pub struct Schedules {
    pub obligations: Vec<Obligation>,
    pub sla: Sla,
    pub checklists: BTreeMap<String, Vec<String>>,
}

/// Something the contract requires once every period.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Obligation {
    pub name: String,
    pub every: Every,
    /// Notes of this kind satisfy it (`inspections`, `trainings` …).
    pub kind: String,
    /// … when these front-matter keys have these values.
    #[serde(default, rename = "where")]
    pub matches: BTreeMap<String, toml::Value>,
    /// How late the note may be written.
    #[serde(default)]
    pub grace: Dur,
}

impl Obligation {
    pub fn note_kind(&self) -> Option<Kind> {
        Kind::from_name(&self.kind)
    }
}

/// Response and resolution limits (SPEC 3.2, 3.6, 3.7).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sla {
    pub general_resolve: Dur,
    pub major_resolve: Dur,
    pub onsite_arrival: Dur,
    pub support_onsite: Dur,
    pub third_party_resolve: Dur,
    pub upgrade_window: Dur,
    pub upgrade_tested_percent: f64,
    pub faq_after_resolve: Dur,
    pub vuln_high_fix: Dur,
    pub vuln_medium_fix: Dur,
    pub vuln_low_fix: Dur,
}

impl Default for Sla {
    /// The contract's limits: 2 h / 8 h / 1 h / 2 h / 12 h, upgrades within
    /// 1 h testing 80 %, FAQ within 7 days, fixes within 7 / 30 / 90 days.
    fn default() -> Self {
        Sla {
            general_resolve: Dur::hours(2),
            major_resolve: Dur::hours(8),
            onsite_arrival: Dur::hours(1),
            support_onsite: Dur::hours(2),
            third_party_resolve: Dur::hours(12),
            upgrade_window: Dur::hours(1),
            upgrade_tested_percent: 80.0,
            faq_after_resolve: Dur::days(7),
            vuln_high_fix: Dur::days(7),
            vuln_medium_fix: Dur::days(30),
            vuln_low_fix: Dur::days(90),
        }
    }
}

/// One schedule file as written: every part optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    #[serde(default)]
    obligation: Vec<Obligation>,
    #[serde(default)]
    sla: SlaFile,
    #[serde(default)]
    checklists: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaFile {
    general_resolve: Option<Dur>,
    major_resolve: Option<Dur>,
    onsite_arrival: Option<Dur>,
    support_onsite: Option<Dur>,
    third_party_resolve: Option<Dur>,
    upgrade_window: Option<Dur>,
    upgrade_tested_percent: Option<f64>,
    faq_after_resolve: Option<Dur>,
    vuln_high_fix: Option<Dur>,
    vuln_medium_fix: Option<Dur>,
    vuln_low_fix: Option<Dur>,
}

impl SlaFile {
    fn apply(self, sla: &mut Sla) {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = self.$field { sla.$field = v; } )* };
        }
        set!(
            general_resolve,
            major_resolve,
            onsite_arrival,
            support_onsite,
            third_party_resolve,
            upgrade_window,
            upgrade_tested_percent,
            faq_after_resolve,
            vuln_high_fix,
            vuln_medium_fix,
            vuln_low_fix
        );
    }
}

impl Schedules {
    /// The contract's schedule alone.
    pub fn contract_default() -> Schedules {
        let file: ScheduleFile = toml::from_str(DEFAULT_SCHEDULE).expect("the built-in schedule parses");
        let mut sla = Sla::default();
        file.sla.apply(&mut sla);
        Schedules {
            obligations: file.obligation,
            sla,
            checklists: file.checklists,
        }
    }

    /// The quarterly preventive inspection's checklist.
    pub fn quarterly_checklist(&self) -> &[String] {
        self.checklists.get("quarterly").map_or(&[], |v| v.as_slice())
    }
}

/// Loads the project's schedules over the contract's defaults. Files with
/// problems are reported and left out; the rest still apply.
pub fn load(project: &Project) -> (Schedules, Vec<Diagnostic>) {
    let mut schedules = Schedules::contract_default();
    let mut diagnostics = Vec::new();
    let dir = project.schedules_dir();
    let mut paths: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    let mut obligations = Vec::new();
    let mut any_obligations = false;
    for path in paths {
        let rel = project.rel(&path);
        match read_file(&path, &rel) {
            Ok(file) => {
                any_obligations |= !file.obligation.is_empty();
                obligations.extend(file.obligation);
                file.sla.apply(&mut schedules.sla);
                schedules.checklists.extend(file.checklists);
            }
            Err(diags) => diagnostics.extend(diags),
        }
    }
    if any_obligations {
        schedules.obligations = obligations;
    }
    (schedules, diagnostics)
}

fn read_file(path: &Path, rel: &str) -> Result<ScheduleFile, Vec<Diagnostic>> {
    let bytes = std::fs::read(path).map_err(|e| vec![Diagnostic::error(rel, format!("cannot read: {e}"))])?;
    let text =
        std::str::from_utf8(&bytes).map_err(|e| vec![crate::load::notes::utf8_diagnostic(rel, &bytes, e)])?;
    let doc = TomlDoc::parse(text, rel, 1)?;
    let keys = doc.keys();
    let file: ScheduleFile = doc.deserialize().map_err(|d| vec![d])?;
    let mut problems = Vec::new();
    for (i, ob) in file.obligation.iter().enumerate() {
        if ob.note_kind().is_none() {
            let span = keys.span(&format!("obligation.{i}.kind")).unwrap_or(0..0);
            problems.push(
                Diagnostic::error(
                    rel,
                    format!(
                        "obligation `{}` names an unknown note kind `{}`",
                        ob.name, ob.kind
                    ),
                )
                .at_span(text, span, 1)
                .with_hint(format!(
                    "use one of: {}",
                    Kind::ALL.map(|k| k.folder()).join(", ")
                )),
            );
        }
    }
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_default_has_its_obligations_and_limits() {
        let s = Schedules::contract_default();
        assert!(
            s.obligations
                .iter()
                .any(|o| o.name == "软件巡检报告" && o.every == Every::Day)
        );
        assert!(
            s.obligations
                .iter()
                .any(|o| o.name == "定期培训" && o.every == Every::Quarter)
        );
        assert_eq!(s.sla, Sla::default());
        assert_eq!(s.quarterly_checklist().len(), 8);
        for o in &s.obligations {
            assert!(o.note_kind().is_some(), "{}", o.name);
        }
    }
}
