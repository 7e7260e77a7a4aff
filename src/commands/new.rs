//! `opsbook new KIND [--date D] [--cycle C]`: a new note with the next free
//! id of its day, from its kind's form (`opsbook new backup-set` adds a
//! backup set to the settings instead: [`backup_set`]).
//!
//! The note carries every key of its kind (optional ones commented out), the
//! body sections of the contract's form, the checklist of an inspection's
//! cycle from `schedules/`, and the git user's name where a name is asked
//! for. It is written only if no file of that name exists, at the path
//! [`note_path`] gives, which `opsbook init` uses too.

pub mod backup_set;
pub mod prefill;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::session::Session;
use super::{Context, Exit, Fatal};
use crate::analyse::evidence::PeriodEvidence;
use crate::load::Project;
use crate::load::notes::id::{DatedId, parse_dated, parse_faq};
use crate::load::notes::kinds::{Cycle, Kind, Meta};
use crate::load::notes::{self, Note};
use crate::load::schedules::{self, Schedules};
use crate::period::{Every, Period};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub kind: String,
    /// A backup set's name.
    pub name: Option<String>,
    pub date: Option<String>,
    /// `--cycle`: an inspection's cycle (default `daily`).
    pub cycle: Option<String>,
    /// `--path`: a backup set's folder.
    pub path: Option<String>,
    /// `--set-kind`: a backup set's kind.
    pub set_kind: Option<String>,
    /// `--from-evidence`: print an inspection's evidence, write nothing.
    pub from_evidence: bool,
    /// `--json`: that evidence as JSON.
    pub json: bool,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let session = Session::open(ctx)?;
    if opts.kind == backup_set::BACKUP_SET {
        return backup_set::run(
            ctx,
            &session.project,
            opts.name.as_deref(),
            opts.path.as_deref(),
            opts.set_kind.as_deref(),
        );
    }
    if opts.name.is_some() || opts.path.is_some() || opts.set_kind.is_some() {
        return Err(Fatal::Usage(format!(
            "a name, --path and --set-kind apply to `opsbook new {}` only",
            backup_set::BACKUP_SET
        )));
    }
    let kind = Kind::from_name(&opts.kind).ok_or_else(|| {
        Fatal::Usage(format!(
            "unknown note kind `{}`: use one of {}, or {}",
            opts.kind,
            Kind::ALL.map(|k| k.singular()).join(", "),
            backup_set::BACKUP_SET
        ))
    })?;
    let date = match &opts.date {
        Some(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| Fatal::Usage(format!("--date: invalid date `{text}`: write `2025-03-11`")))?,
        None => session.clock.today(),
    };
    let cycle = match (&opts.cycle, kind) {
        (None, _) => Cycle::Daily,
        (Some(name), Kind::Inspection) => parse_cycle(name)?,
        (Some(_), _) => return Err(Fatal::Usage("--cycle applies to inspections only".into())),
    };
    if opts.from_evidence && kind != Kind::Inspection {
        return Err(Fatal::Usage("--from-evidence applies to inspections only".into()));
    }
    let project = &session.project;
    let (schedules, _) = schedules::load(project);
    let loaded = notes::load_all(project);
    let evidence = (kind == Kind::Inspection).then(|| {
        prefill::gather(
            &session,
            &loaded.notes,
            &schedules,
            cycle,
            cycle_name(cycle).as_str(),
            date,
        )
    });
    if let (true, Some(evidence)) = (opts.from_evidence, &evidence) {
        if opts.json {
            let mut json = serde_json::to_string_pretty(evidence).map_err(|e| Fatal::Other(e.into()))?;
            json.push('\n');
            print!("{json}");
        } else {
            print!("{}", prefill::text(evidence));
        }
        return Ok(Exit::Clean);
    }
    let (id, path) = next_free(project, &loaded.notes, kind, date)?;

    let author = git_user_name(&project.root);
    let time = if date == session.clock.today() {
        let now = session.clock.now().with_timezone(&project.tz());
        NaiveTime::from_hms_opt(now.hour(), now.minute(), 0).unwrap_or(NaiveTime::MIN)
    } else {
        NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN)
    };
    let form = Form {
        id: &id,
        date,
        at: date.and_time(time),
        author: toml_string(author.as_deref().unwrap_or("（填写姓名）")),
        cycle,
        schedules: &schedules,
        evidence: evidence.as_ref(),
    };
    write_new(&path, form.text(kind).as_bytes()).map_err(|e| {
        Fatal::Other(anyhow::anyhow!(
            "cannot write {}: {e}{}",
            project.rel(&path),
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                "; opsbook new never overwrites a note"
            } else {
                ""
            }
        ))
    })?;
    println!("{}", shown(&path).display());
    if author.is_none() {
        anstream::eprintln!(
            "warning: git has no user.name here; fill in the names in the note, or run `git config user.name \"姓名\"`"
        );
    }
    Ok(Exit::Clean)
}

fn parse_cycle(name: &str) -> Result<Cycle, Fatal> {
    use serde::Deserialize;
    use serde::de::value::{Error, StrDeserializer};
    Cycle::deserialize(StrDeserializer::<Error>::new(name.trim())).map_err(|_| {
        Fatal::Usage(format!(
            "--cycle: unknown cycle `{name}`: use daily, weekly, monthly, quarterly or adhoc"
        ))
    })
}

/// The id and the file of a new note of `kind` on `date`: the day's next
/// number after the highest taken, counting both the ids of the notes that
/// loaded and the file names under `content/` (a note too broken to load
/// still holds its number).
fn next_free(
    project: &Project,
    notes: &[Note],
    kind: Kind,
    date: NaiveDate,
) -> Result<(String, PathBuf), Fatal> {
    let mut taken: BTreeSet<String> = notes.iter().map(|n| n.id()).collect();
    taken.extend(
        walkdir::WalkDir::new(project.content_dir())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .filter_map(|e| e.path().file_stem().map(|s| s.to_string_lossy().into_owned())),
    );
    let id = match (kind, kind.id_prefix()) {
        (Kind::Report, _) | (_, None) => {
            let period = Period::containing(Every::Month, date);
            if let Some(note) = notes.iter().find(|n| match &n.meta {
                Meta::Report(r) => kind == Kind::Report && r.period == period,
                Meta::Handin(h) => kind == Kind::Handin && h.period == period,
                _ => false,
            }) {
                return Err(Fatal::Other(anyhow::anyhow!(
                    "the {} note for {period} exists already: {}",
                    kind.singular(),
                    note.path
                )));
            }
            period.to_string()
        }
        (Kind::Faq, _) => {
            let last = taken
                .iter()
                .filter_map(|id| parse_faq(id).ok())
                .max()
                .unwrap_or(0);
            format!("FAQ-{:03}", last + 1)
        }
        (_, Some(prefix)) => {
            let last = taken
                .iter()
                .filter_map(|id| parse_dated(id, prefix).ok())
                .filter(|d| d.date == date)
                .map(|d| d.seq)
                .max()
                .unwrap_or(0);
            if last >= 99 {
                return Err(Fatal::Other(anyhow::anyhow!(
                    "{} already has its last id `{}`: a day holds at most 99 notes of a kind",
                    date,
                    DatedId { date, seq: 99 }.format(prefix)
                )));
            }
            DatedId { date, seq: last + 1 }.format(prefix)
        }
    };
    let path = project.content_dir().join(note_path(kind, &id, date));
    Ok((id, path))
}

/// Where a new note goes under `content/`: `inspections/2025/03/250311-01.md`
/// (a year of daily inspections is kept in folders by month), and
/// `incidents/INC-250311-01.md` for every other kind.
pub fn note_path(kind: Kind, id: &str, date: NaiveDate) -> PathBuf {
    let folder = Path::new(kind.folder());
    match kind {
        Kind::Inspection => folder
            .join(date.format("%Y").to_string())
            .join(date.format("%m").to_string())
            .join(format!("{id}.md")),
        _ => folder.join(format!("{id}.md")),
    }
}

/// Writes `bytes` to a new file at `path`, creating its folder; fails with
/// `AlreadyExists` rather than replace a file. The file appears whole or not
/// at all (written beside it, then linked into place).
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".opsbook-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// `git config user.name` in the project, if git is there and it is set.
fn git_user_name(root: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["config", "user.name"])
        .current_dir(root)
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}

/// `daily`, `weekly` …: a cycle as the schedules name its checklist.
fn cycle_name(cycle: Cycle) -> String {
    serde_json::to_value(cycle)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A TOML string literal (quoted and escaped).
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `path` relative to the current folder when it is below it.
fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// What a new note is filled in with.
struct Form<'a> {
    id: &'a str,
    date: NaiveDate,
    /// When it happened: now for today's notes, 09:00 for other days.
    at: NaiveDateTime,
    /// The author's name as a TOML string.
    author: String,
    cycle: Cycle,
    schedules: &'a Schedules,
    /// What the machines recorded over an inspection's period.
    evidence: Option<&'a PeriodEvidence>,
}

impl Form<'_> {
    fn text(&self, kind: Kind) -> String {
        let Form { id, date, author, .. } = self;
        let time = |t: NaiveDateTime| t.format("%Y-%m-%dT%H:%M:00").to_string();
        let at = time(self.at);
        let half_hour_later = time(self.at + chrono::Duration::minutes(30));
        let front = match kind {
            Kind::Inspection => self.inspection(),
            Kind::Incident => format!(
                r#"id = "{id}"
title = ""
severity = "general"        # general（一般）/ major（重大）
# category = "application"  # application / database / network / security / hardware / exchange
# modules = ["综合办公"]
reported_at = {at}
# responded_at = {at}
# onsite_required = true
# onsite_at = {at}
# escalation = "support"    # none（默认）/ support（运维支撑工程师）/ third_party（第三方）
# 解决后填写 resolved_at；未填写表示故障尚未解决
# resolved_at = {at}
engineers = [{author}]
# faq = "FAQ-001"           # 为本故障编写的常见问题条目
"#
            ),
            Kind::WorkOrder => format!(
                r#"id = "{id}"
title = ""                  # 工作事由
requested_at = {at}
unit = ""                   # 服务单位
location = ""               # 服务地点
contact = ""
phone = ""
requester_dept = ""
status = "open"             # open / approved / done / rejected

[signoffs]
# requester = {{ name = "", date = {date} }}   # 需求提出人
operator = {{ name = {author}, date = {date} }}
# manager = {{ name = "", date = {date} }}     # 项目经理
# authority = {{ name = "", date = {date} }}   # 工业和信息化局
"#
            ),
            Kind::Faq => format!(
                r#"id = "{id}"
question = ""               # 问题描述
tags = []
incidents = []              # 相关故障编号，如 ["INC-250311-01"]
"#
            ),
            Kind::Training => format!(
                r#"id = "{id}"
date = {date}
topic = ""
trainer = {author}
participants = "各部门办公人员"
# attendees = 30
"#
            ),
            Kind::Upgrade => format!(
                r#"id = "{id}"
title = ""
version = ""
# 升级窗口，合同要求不超过 1 小时
window_start = {at}
window_end = {half_hour_later}
# tested_percent = 80       # 测试覆盖的功能比例，合同要求不低于 80
# rollback_plan = "回退方案：……"
# outcome = "success"       # success / rolled_back / failed
"#
            ),
            Kind::Vulnerability => format!(
                r#"id = "{id}"
title = ""
source = ""                 # 网信部门 / 公安部门 / 大数据局 / 等保测评机构
severity = "medium"         # high / medium / low
found_at = {at}
# fixed_at = {at}
# 复测通过的时间
# verified_at = {at}
systems = []
"#
            ),
            Kind::Report => format!("period = \"{id}\"\n"),
            Kind::Handin => format!(
                r#"period = "{id}"
digest = ""                 # 归档摘要：opsbook archive 输出的 BLAKE3（B3SUMS 的摘要）
name = ""                   # 签署人（甲方管理员）
date = {date}               # 签署日期
rating = "satisfied"        # satisfied（满意）/ fair（基本满意）/ unsatisfied（不满意）
"#
            ),
        };
        let (content, analysis) = match (kind, self.evidence) {
            (Kind::Inspection, Some(e)) => prefill::sections(e),
            _ => Default::default(),
        };
        let sections: String = kind
            .sections()
            .iter()
            .map(|s| match *s {
                "检查内容" => format!("\n## {s}\n{content}"),
                "巡检结果分析" => format!("\n## {s}\n{analysis}"),
                _ => format!("\n## {s}\n"),
            })
            .collect();
        format!("+++\n{front}+++\n{sections}")
    }

    fn inspection(&self) -> String {
        let Form {
            id,
            date,
            author,
            cycle,
            ..
        } = self;
        let cycle_name = cycle_name(*cycle);
        let mut text = format!(
            r#"id = "{id}"
date = {date}
cycle = "{cycle_name}"
inspector = {author}
method = "remote"           # remote（远程）/ onsite（现场）
# start = "09:00"
# end = "09:30"
"#
        );
        let items = self
            .schedules
            .checklists
            .get(&cycle_name)
            .map_or(&[][..], |v| v.as_slice());
        for item in items {
            match self
                .evidence
                .and_then(|e| e.items.iter().find(|i| &i.item == item))
            {
                Some(found) => text.push_str(&prefill::check_table(found)),
                None => text.push_str(&format!(
                    "\n[[checks]]\nitem = {}\nresult = \"na\"              # ok / warn / fail / na\n",
                    toml_string(item)
                )),
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("content/faq/FAQ-001.md");
        write_new(&path, b"first").unwrap();
        let err = write_new(&path, b"second").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
