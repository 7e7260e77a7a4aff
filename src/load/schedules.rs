//! `schedules/*.toml`: the contract's obligations, SLA limits and checklists.
//!
//! The contract's own schedule is built in ([`DEFAULT_SCHEDULE`], also what
//! `opsbook init` writes). A project's files change it this way:
//! - `[[obligation]]` tables: if any file declares obligations, the files'
//!   obligations are the whole list (so one can be dropped by leaving it out);
//! - `[sla]` keys: each key set in a file replaces that default; files are read
//!   in name order and a later file wins;
//! - `[checklists]`: each named list replaces the default list of that name;
//! - `[evidence]`: each item or count named replaces the default's
//!   ([`crate::load::evidence_map`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::duration::Dur;
use crate::load::Project;
use crate::load::evidence_map::{EvidenceFile, EvidenceMap};
use crate::load::notes::Kind;
use crate::load::schema::{self, FileCheck};
use crate::load::toml_doc::KeyIndex;
use crate::period::Every;

/// The contract's schedule, as `opsbook init` writes it.
pub const DEFAULT_SCHEDULE: &str = include_str!("default_schedule.toml");

#[derive(Debug, Clone, Serialize)]
pub struct Schedules {
    pub obligations: Vec<Obligation>,
    pub sla: Sla,
    pub checklists: BTreeMap<String, Vec<String>>,
    /// Which evidence speaks to each checklist item.
    pub evidence: EvidenceMap,
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

/// Response and resolution limits of incidents, upgrades and vulnerability
/// fixes.
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
pub struct ScheduleFile {
    #[serde(default)]
    obligation: Vec<Obligation>,
    #[serde(default)]
    sla: SlaFile,
    #[serde(default)]
    checklists: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    evidence: EvidenceFile,
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
        let mut evidence = EvidenceMap::default();
        evidence.apply(file.evidence);
        Schedules {
            obligations: file.obligation,
            sla,
            checklists: file.checklists,
            evidence,
        }
    }

    /// The quarterly preventive inspection's checklist.
    pub fn quarterly_checklist(&self) -> &[String] {
        self.checklists.get("quarterly").map_or(&[], |v| v.as_slice())
    }
}

/// Loads the project's schedules over the contract's defaults. Every problem
/// of every file is reported; a value with a problem is left out, and what
/// is right in the same file still applies.
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
        let (file, problems) = read_file(&path, &rel, project.tz());
        diagnostics.extend(problems);
        if let Some(file) = file {
            any_obligations |= !file.obligation.is_empty();
            obligations.extend(file.obligation);
            file.sla.apply(&mut schedules.sla);
            schedules.checklists.extend(file.checklists);
            schedules.evidence.apply(file.evidence);
        }
    }
    if any_obligations {
        schedules.obligations = obligations;
    }
    (schedules, diagnostics)
}

fn read_file(path: &Path, rel: &str, tz: chrono_tz::Tz) -> (Option<ScheduleFile>, Vec<Diagnostic>) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return (None, vec![Diagnostic::error(rel, format!("cannot read: {e}"))]),
    };
    match std::str::from_utf8(&bytes) {
        Ok(text) => parse(text, rel, tz),
        Err(e) => (None, vec![crate::load::notes::utf8_diagnostic(rel, &bytes, e)]),
    }
}

/// Reads one schedule file: what can be read of it, and every problem.
pub fn parse(text: &str, rel: &str, tz: chrono_tz::Tz) -> (Option<ScheduleFile>, Vec<Diagnostic>) {
    let FileCheck {
        mut values,
        index,
        bad,
        mut problems,
        parsed,
    } = schema::check_file(&schema::schedules::SCHEDULE, text, rel, tz);
    if !parsed {
        crate::diag::tidy(rel, &mut problems);
        return (None, problems);
    }
    problems.extend(where_problems(&values, &index, text, rel));
    problems.extend(crate::load::evidence_map::problems(&values, &index, text, rel));
    crate::diag::tidy(rel, &mut problems);
    schema::validate::prune(&mut values, &bad);
    match ScheduleFile::deserialize(toml::Value::Table(values)) {
        Ok(file) => (Some(file), problems),
        Err(e) => {
            problems.push(
                Diagnostic::error(rel, format!("the schedule cannot be read: {}", e.message())).at_line(1),
            );
            (None, problems)
        }
    }
}

/// The `where` of each obligation names keys of its kind's front matter,
/// with values those keys can have: else no note could ever satisfy it.
fn where_problems(values: &toml::Table, index: &KeyIndex, text: &str, rel: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(obligations) = values.get("obligation").and_then(|v| v.as_array()) else {
        return out;
    };
    for (i, ob) in obligations.iter().enumerate() {
        let (Some(kind), Some(matches)) = (
            ob.get("kind").and_then(|k| k.as_str()).and_then(Kind::from_name),
            ob.get("where").and_then(|w| w.as_table()),
        ) else {
            continue;
        };
        let front = schema::notes::of(kind);
        for (key, value) in matches {
            let path = format!("obligation.{i}.where.{key}");
            let place = |d: Diagnostic, key_span: bool| {
                let span = if key_span {
                    index.key_span(&path)
                } else {
                    index.span(&path)
                };
                match span.or_else(|| schema::validate::span_of(index, &path)) {
                    Some(span) => d.at_span(text, span, 1),
                    None => d,
                }
            };
            let Some(field) = front.field(key) else {
                let keys: Vec<&str> = front.fields.iter().map(|f| f.key).collect();
                let d = Diagnostic::error(
                    rel,
                    format!("{} notes have no key `{key}`: no note can match", kind.singular()),
                );
                let hint = match schema::validate::closest(key, &keys) {
                    Some(g) => format!("did you mean `{g}`?"),
                    None => format!("their keys are: {}", keys.join(", ")),
                };
                out.push(place(d, true).with_hint(hint));
                continue;
            };
            if let schema::Type::OneOf(names) = field.ty
                && !value.as_str().is_some_and(|v| names.contains(&v))
            {
                let d = Diagnostic::error(
                    rel,
                    format!(
                        "`{key}` of a {} note is never {value}: no note can match",
                        kind.singular()
                    ),
                );
                out.push(place(d, false).with_hint(format!("it is one of: {}", names.join(", "))));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_matches_the_structs() {
        use crate::load::schema::schedules::{OBLIGATION, SCHEDULE, SLA};
        use crate::load::schema::validate::tests::assert_matches;
        assert_matches::<ScheduleFile>(&SCHEDULE, &[]);
        assert_matches::<crate::load::evidence_map::EvidenceFile>(
            &crate::load::schema::schedules::EVIDENCE,
            &[],
        );
        assert_matches::<Obligation>(&OBLIGATION, &[]);
        assert_matches::<SlaFile>(&SLA, &[]);
    }

    #[test]
    fn every_problem_of_a_file_is_reported() {
        let text = "[[obligation]]\nname = \"周报\"\nevry = \"week\"\nkind = \"inspections\"\nwhere = { cycl = \"weekly\" }\ngrace = \"99999999999d\"\n\n[[obligation]]\nname = \"培训\"\nevery = \"quarter\"\nkind = \"trainings\"\n\n[sla]\ngeneral_resolve = \"0s\"\nmajor_resolv = \"8h\"\n";
        let (file, problems) = parse(text, "schedules/x.toml", crate::time::DEFAULT_TIMEZONE);
        let found: Vec<(usize, &str)> = problems
            .iter()
            .map(|d| (d.line.unwrap(), d.message.as_str()))
            .collect();
        assert_eq!(problems.len(), 5, "{found:#?}");
        for (line, needle) in [
            (3, "unknown key `evry`"),
            (5, "no key `cycl`"),
            (6, "is too long"),
            (14, "must be at least"),
            (15, "unknown key `major_resolv`"),
        ] {
            assert!(
                found.iter().any(|(l, m)| *l == line && m.contains(needle)),
                "{needle} at {line}: {found:#?}"
            );
        }
        // What was right still applies: the second obligation.
        let file = file.unwrap();
        assert_eq!(file.obligation.len(), 1);
        assert_eq!(file.obligation[0].name, "培训");
    }

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
