//! `opsbook.toml`: the project's settings. Every key is described, with its
//! type and default, in [`crate::load::schema::settings`] and in
//! `docs/reference.md`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize};

use crate::diag::Diagnostic;
use crate::duration::Dur;
use crate::load::schema::{self, FileCheck};
use crate::time::{DEFAULT_TIMEZONE, Day};

pub mod logs;
pub mod name_time;
pub mod redact;
mod secrets;
pub mod verify;

pub use logs::LogSettings;
pub use redact::RedactSettings;
pub use verify::VerifySettings;

pub const FILE_NAME: &str = "opsbook.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub project: ProjectSettings,
    pub site: SiteSettings,
    pub logs: LogSettings,
    pub backups: Vec<BackupSet>,
    /// `[verify]`: bounds and programs of backup verification.
    pub verify: VerifySettings,
    /// `[redact]`: what the client's portal masks.
    pub redact: RedactSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectSettings {
    /// 项目名称
    pub name: String,
    /// 甲方单位
    pub client: String,
    /// 承建方 / 运维方
    pub contractor: String,
    /// First day of the service period.
    pub start: Option<Day>,
    /// Last day of the service period.
    pub end: Option<Day>,
    #[serde(deserialize_with = "timezone", serialize_with = "show_timezone")]
    pub timezone: Tz,
    pub language: Language,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        ProjectSettings {
            name: String::new(),
            client: String::new(),
            contractor: String::new(),
            start: None,
            end: None,
            timezone: DEFAULT_TIMEZONE,
            language: Language::ZhCn,
        }
    }
}

impl ProjectSettings {
    /// The service period, when both ends are set.
    pub fn period(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((self.start?.0, self.end?.0))
    }
}

fn timezone<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let name = String::deserialize(d)?;
    Tz::from_str(&name).map_err(|_| {
        serde::de::Error::custom(format!(
            "unknown timezone `{name}`: use an IANA name such as `Asia/Shanghai`"
        ))
    })
}

fn show_timezone<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

/// The portal's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteSettings {
    /// Output folder, relative to the project.
    pub out: PathBuf,
    pub base_url: String,
    /// A theme under `themes/` whose templates override the built-in ones.
    pub theme: Option<String>,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            out: PathBuf::from("site"),
            base_url: "/".to_string(),
            theme: None,
        }
    }
}

/// How a restore test of a backup set is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    #[default]
    Files,
    Tar,
    Sqlite,
    Pgdump,
    Mysqldump,
}

/// One `[[backups]]` table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSet {
    pub name: String,
    /// As written; resolved against the project folder by [`crate::load::Project::backup_dir`].
    pub path: PathBuf,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub kind: BackupKind,
    pub manifest: Option<String>,
    pub max_age: Option<Dur>,
    pub min_count: Option<usize>,
    pub retain: Option<Dur>,
    pub sample: Option<Sample>,
    #[serde(default)]
    pub min_rows: BTreeMap<String, u64>,
    pub restore_command: Option<String>,
    /// How the files' names carry the backup's time (`"%Y%m%d"`): then
    /// freshness and ages come from the names, not modification times.
    pub name_time: Option<name_time::NameTime>,
    /// Object storage sets (`path = "s3://bucket/prefix"`): the service's
    /// address, its region and how buckets are addressed. Credentials are
    /// never settings: they come from the `AWS_*` environment variables.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    #[serde(default)]
    pub addressing: Addressing,
}

/// How an S3 request names its bucket: in the path (`endpoint/bucket/key`,
/// what MinIO and most machine-room servers expect) or in the host name
/// (`bucket.endpoint/key`, what Aliyun OSS and AWS itself expect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Addressing {
    #[default]
    Path,
    Virtual,
}

/// Where a set's files are kept, as its `path` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location<'a> {
    /// A folder, as written (relative to the project when relative).
    Folder(&'a std::path::Path),
    /// Objects of a bucket under a prefix (no leading or trailing `/`;
    /// empty for the whole bucket).
    Bucket { bucket: &'a str, prefix: &'a str },
}

impl BackupSet {
    /// Where the set's files are: `s3://bucket/prefix` names a bucket,
    /// anything else a folder. `None` for an `s3://` path without a bucket.
    pub fn location(&self) -> Option<Location<'_>> {
        let Some(rest) = self.path.to_str().and_then(|p| p.strip_prefix(S3_SCHEME)) else {
            return Some(Location::Folder(&self.path));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| Location::Bucket {
            bucket,
            prefix: prefix.trim_matches('/'),
        })
    }

    /// Whether the set's files are objects of a bucket.
    pub fn is_bucket(&self) -> bool {
        matches!(self.location(), Some(Location::Bucket { .. }) | None)
    }
}

/// The scheme of an object storage set's `path`.
pub const S3_SCHEME: &str = "s3://";

/// `K/N`: verify about K N-ths of a set's bytes per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub k: u32,
    pub n: u32,
}

impl FromStr for Sample {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let err = || format!("invalid sample `{s}`: write `K/N` with 0 < K ≤ N, like `1/7`");
        let (k, n) = s.trim().split_once('/').ok_or_else(err)?;
        let k: u32 = k.trim().parse().map_err(|_| err())?;
        let n: u32 = n.trim().parse().map_err(|_| err())?;
        if k == 0 || n == 0 || k > n {
            return Err(err());
        }
        Ok(Sample { k, n })
    }
}

impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Serialize for Sample {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sample {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses settings text; every problem found comes back as a diagnostic.
pub fn parse(text: &str, file: &str) -> Result<Settings, Vec<Diagnostic>> {
    match read(text, file) {
        (Some(settings), problems) if !problems.iter().any(Diagnostic::is_error) => Ok(settings),
        (_, problems) => Err(problems),
    }
}

/// Reads settings text as far as it can be read: a value that is wrong is
/// reported and left at its default (a backup set or alert rule that lacks a
/// required key is left out), so that `opsbook check` can go on to the notes
/// and list every problem of the project in one run. `None` when the text is
/// not TOML at all.
pub fn read(text: &str, file: &str) -> (Option<Settings>, Vec<Diagnostic>) {
    let FileCheck {
        mut values,
        index,
        bad,
        mut problems,
        parsed,
    } = schema::check_file(&schema::settings::SETTINGS, text, file, DEFAULT_TIMEZONE);
    if !parsed {
        crate::diag::tidy(file, &mut problems);
        return (None, problems);
    }
    let len = |path: &[&str]| {
        let mut v = values.get(path[0]);
        for p in &path[1..] {
            v = v.and_then(|v| v.get(p));
        }
        v.and_then(|v| v.as_array()).map_or(0, Vec::len)
    };
    problems.extend(secrets::warnings(&values, &index, text, file));
    let backups_at = schema::validate::kept(&bad, "backups", len(&["backups"]));
    let alerts_at = schema::validate::kept(&bad, "logs.alerts", len(&["logs", "alerts"]));
    schema::validate::prune(&mut values, &bad);
    let settings = match Settings::deserialize(toml::Value::Table(values)) {
        Ok(s) => s,
        Err(e) => {
            problems.push(
                Diagnostic::error(file, format!("the settings cannot be read: {}", e.message())).at_line(1),
            );
            return (None, problems);
        }
    };
    let at = |path: &str, message: String| {
        let d = Diagnostic::error(file, message);
        match schema::validate::span_of(&index, path) {
            Some(span) => d.at_span(text, span, 1),
            None => d,
        }
    };
    let mut seen = BTreeMap::new();
    for (set, &i) in settings.backups.iter().zip(&backups_at) {
        if set.name.trim().is_empty() {
            problems.push(at(
                &format!("backups.{i}.name"),
                "a backup set needs a name".into(),
            ));
        } else if let Some(first) = seen.insert(set.name.as_str(), i) {
            problems.push(
                at(
                    &format!("backups.{i}.name"),
                    format!("backup set `{}` is defined twice", set.name),
                )
                .with_hint(format!(
                    "the first definition is [[backups]] number {}",
                    first + 1
                )),
            );
        }
        for message in object_storage_problems(set) {
            problems.push(at(&format!("backups.{i}.path"), message));
        }
        // (A `kind` that was wrong is reported already, not judged here.)
        let kind_known = !bad.contains(&format!("backups.{i}.kind"));
        if kind_known && set.kind != BackupKind::Sqlite && !set.min_rows.is_empty() {
            problems.push(at(
                &format!("backups.{i}.min_rows"),
                format!(
                    "`min_rows` applies to sqlite sets only; `{}` is not one",
                    set.name
                ),
            ));
        }
    }
    for (path, message) in settings.logs.problems() {
        // `logs.alerts.K…`: K counts the rules that were kept.
        let path = match path.strip_prefix("logs.alerts.") {
            Some(rest) => {
                let (k, tail) = rest.split_once('.').unwrap_or((rest, ""));
                let original = k
                    .parse::<usize>()
                    .ok()
                    .and_then(|k| alerts_at.get(k))
                    .copied()
                    .unwrap_or(0);
                // A rule that lost a wrong value to the pruning would be
                // judged without it: its own problem is reported already.
                let rule = format!("logs.alerts.{original}.");
                if bad.iter().any(|b| b.starts_with(&rule)) {
                    continue;
                }
                let tail = if tail.is_empty() {
                    String::new()
                } else {
                    format!(".{tail}")
                };
                format!("logs.alerts.{original}{tail}")
            }
            None => path,
        };
        problems.push(at(&path, message));
    }
    crate::diag::tidy(file, &mut problems);
    (Some(settings), problems)
}

/// What is wrong with a set's object storage keys: an `s3://` path
/// without a bucket, or `endpoint`, `region` or `addressing` on a folder.
fn object_storage_problems(set: &BackupSet) -> Vec<String> {
    match set.location() {
        None => vec![format!(
            "backup set `{}`: `{}` names no bucket; write `s3://BUCKET/PREFIX`",
            set.name,
            set.path.display()
        )],
        Some(Location::Folder(_)) => {
            let mut found = Vec::new();
            if set.endpoint.is_some() {
                found.push("endpoint");
            }
            if set.region.is_some() {
                found.push("region");
            }
            if set.addressing != Addressing::Path {
                found.push("addressing");
            }
            found
                .into_iter()
                .map(|key| {
                    format!(
                        "backup set `{}`: `{key}` applies to object storage sets (`path = \"s3://BUCKET/PREFIX\"`) only",
                        set.name
                    )
                })
                .collect()
        }
        Some(Location::Bucket { .. }) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let s = parse("", "opsbook.toml").unwrap();
        assert_eq!(s.project.timezone, DEFAULT_TIMEZONE);
        assert_eq!(s.site.out, PathBuf::from("site"));
        assert_eq!(s.logs.paths.len(), 2);
        assert!(s.backups.is_empty());
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let errs = parse("[project]\nname = \"x\"\nclinet = \"y\"\n", "opsbook.toml").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("clinet"), "{:?}", errs[0]);
        assert_eq!(errs[0].line, Some(3));
    }

    #[test]
    fn backups_parse_with_durations_and_samples() {
        let text = r#"
[[backups]]
name = "oa-db"
path = "/srv/backup/oa-db"
include = ["*.sql.zst"]
kind = "pgdump"
max_age = "26h"
sample = "1/7"
"#;
        let s = parse(text, "opsbook.toml").unwrap();
        let b = &s.backups[0];
        assert_eq!(b.kind, BackupKind::Pgdump);
        assert_eq!(b.max_age, Some(Dur::hours(26)));
        assert_eq!(b.sample, Some(Sample { k: 1, n: 7 }));
    }

    #[test]
    fn semantic_errors_are_all_listed() {
        let text = "[project]\nstart = 2025-12-31\nend = 2025-01-01\ntimezone = \"Asia/Shanghai\"\n[[backups]]\nname = \"a\"\npath = \"x\"\n[[backups]]\nname = \"a\"\npath = \"y\"\n";
        let errs = parse(text, "opsbook.toml").unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].line, Some(3));
        assert_eq!(errs[1].line, Some(9));
    }

    /// Values no later command could use are refused where they are
    /// written, each with its line.
    #[test]
    fn unusable_values_are_refused_at_their_line() {
        for (text, line, needle) in [
            (
                "[verify]\nrestore_timeout = \"0s\"\n",
                2,
                "`restore_timeout` is 0s; it must be at least 1s",
            ),
            ("[verify]\nmax_ratio = 0\n", 2, "`max_ratio` is 0"),
            ("[verify]\nmax_window = \"12\"\n", 2, "`max_window` is 12 B"),
            ("[logs]\nmax_line = 0\n", 2, "`max_line` is 0"),
            ("[logs]\n\npending_after = \"0s\"\n", 3, "`pending_after` is 0s"),
            (
                "[[backups]]\nname = \"a\"\npath = \"a\"\nmax_age = \"99999999999d\"\n",
                4,
                "duration `99999999999d` is too long",
            ),
            (
                "[[backups]]\nname = \"a\"\npath = \"a\"\ninclude = [\"ok/*\", \"db/[x\"]\n",
                4,
                "invalid glob `db/[x`",
            ),
            ("[logs]\npaths = [\"logs/{a,b\"]\n", 2, "invalid glob"),
            (
                "[[redact.patterns]]\nname = \"工号\"\nregex = \"GH(\\\\d{6}\"\n",
                3,
                "invalid regex",
            ),
            (
                "[redact]\ndisable = [\"phones\"]\n",
                2,
                "`disable` cannot be `phones`",
            ),
            (
                "[[backups]]\nname = \"a\"\npath = \"a\"\nsample = \"0/7\"\n",
                4,
                "invalid sample",
            ),
        ] {
            let errs = parse(text, "opsbook.toml").unwrap_err();
            assert_eq!(errs.len(), 1, "{text}: {errs:#?}");
            assert!(errs[0].message.contains(needle), "{text}: {errs:#?}");
            assert_eq!(errs[0].line, Some(line), "{text}: {errs:#?}");
        }
    }

    #[test]
    fn several_typos_are_several_errors() {
        let text = "[project]\nnme = \"x\"\nclinet = \"y\"\n\n[site]\nouput = \"public\"\n\n[[backups]]\nname = \"a\"\npaht = \"x\"\n";
        let (settings, errs) = read(text, "opsbook.toml");
        let found: Vec<_> = errs
            .iter()
            .map(|d| (d.line.unwrap(), d.message.as_str(), d.hint.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (2, "unknown key `nme` in [project]", Some("did you mean `name`?")),
                (
                    3,
                    "unknown key `clinet` in [project]",
                    Some("did you mean `client`?")
                ),
                (6, "unknown key `ouput` in [site]", Some("did you mean `out`?")),
                (
                    10,
                    "unknown key `paht` in [[backups]]",
                    Some("did you mean `path` (a required key)?")
                ),
            ]
        );
        // What could be read was: the defaults stand in for the rest, and
        // the set without a path is left out.
        let settings = settings.unwrap();
        assert_eq!(settings.site.out, PathBuf::from("site"));
        assert!(settings.backups.is_empty());
    }

    #[test]
    fn bad_timezone_points_at_value() {
        let errs = parse("[project]\ntimezone = \"Mars/Olympus\"\n", "opsbook.toml").unwrap_err();
        assert!(errs[0].message.contains("Mars/Olympus"));
        assert_eq!(errs[0].line, Some(2));
    }
}
