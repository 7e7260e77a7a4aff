//! `[logs]` in `opsbook.toml`: where the logs are, and what in them needs a
//! person. Every key is optional; `docs/logs.md` is the reference.
//!
//! ```toml
//! [logs]
//! paths = ["logs/**/*.jsonl", "logs/**/*.jsonl.zst"]
//! cpu = 90                 # percent; a host's daily peak at or over it alerts
//! mem = 90
//! disk = 85
//! pending_after = "2h"     # a document pending longer than this alerts
//! recent = "2d"            # problems this recent fail the run (exit 1)
//! top_errors = 10          # folded error messages shown per day
//! max_line = 1048576       # bytes; a longer line is malformed
//! max_window = "128MiB"    # .jsonl.zst: largest zstd window a frame may ask for
//! max_ratio = 1000         # .jsonl.zst: decoded bytes per stored byte, at most
//!
//! [[logs.alerts]]          # replaces the default rules when given
//! name = "failed_logins"
//! label = "登录失败次数过多"   # what the portal calls it; the name otherwise
//! event = "login"
//! outcome = "failure"
//! by = "user"              # count per user (or host, service, set, doc_id)
//! min_count = 5            # per day
//! ```

use std::collections::BTreeSet;
use std::fmt;

use globset::Glob;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::duration::Dur;
use crate::size::ByteSize;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// Globs relative to the project (or absolute); `**` crosses folders.
    #[serde(deserialize_with = "globs")]
    pub paths: Vec<String>,
    /// Metric thresholds, in percent.
    pub cpu: Percent,
    pub mem: Percent,
    pub disk: Percent,
    /// How long a document may stay `pending` in the exchange.
    pub pending_after: Dur,
    /// Alerts on a day this close to the clock, and malformed lines or
    /// damaged files in a log written this recently, fail the run. Older
    /// ones are still reported: they are history, and a run over last
    /// month's logs should not fail every night for a line nobody can fix.
    pub recent: Dur,
    /// Folded error messages listed per day (all are counted).
    pub top_errors: usize,
    /// The longest line read, in bytes; longer ones are malformed and
    /// skipped without being held in memory.
    pub max_line: usize,
    /// The largest zstd window a `.jsonl.zst` frame may ask for, as
    /// `[verify] max_window` bounds backups.
    pub max_window: ByteSize,
    /// A `.jsonl.zst` may decode to at most this many times its stored
    /// size (never less than 64 MiB), as `[verify] max_ratio` bounds
    /// backups: a small file of gigabytes of newlines is stopped at the
    /// bound and reported `corrupt`, not read for minutes.
    pub max_ratio: u64,
    pub alerts: Vec<AlertRule>,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            paths: vec!["logs/**/*.jsonl".into(), "logs/**/*.jsonl.zst".into()],
            cpu: Percent(90.0),
            mem: Percent(90.0),
            disk: Percent(85.0),
            pending_after: Dur::hours(2),
            recent: Dur::days(2),
            top_errors: 10,
            max_line: 1024 * 1024,
            max_window: ByteSize(128 << 20),
            max_ratio: 1000,
            alerts: default_rules(),
        }
    }
}

/// A percentage, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
pub struct Percent(pub f64);

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if (0.0..=100.0).contains(&v) {
            Ok(Percent(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "{v} is not a percentage: write a number from 0 to 100"
            )))
        }
    }
}

/// One `[[logs.alerts]]` rule: lines that match every condition given are
/// counted per day (per `by` value, when set); a count of `min_count` or
/// more is an alert.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    pub name: String,
    /// What the portal calls the rule's alerts, for readers who do not
    /// know its name (`数据库连接超时` for `db_timeouts`). Without one,
    /// the portal shows the label table's `[alert]` entry for the name,
    /// then the name itself on the internal portal only.
    pub label: Option<String>,
    pub level: Option<Level>,
    pub service: Option<String>,
    pub host: Option<String>,
    pub event: Option<String>,
    pub outcome: Option<String>,
    pub status: Option<String>,
    pub user: Option<String>,
    pub set: Option<String>,
    /// The message contains this text.
    pub msg_contains: Option<String>,
    pub by: Option<GroupBy>,
    #[serde(default = "one")]
    pub min_count: u64,
}

fn one() -> u64 {
    1
}

/// What a rule counts separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    User,
    Host,
    Service,
    Set,
    DocId,
}

/// Names of the alerts opsbook raises itself, which rules may not take.
pub const BUILT_IN_ALERTS: [&str; 6] = [
    "cpu",
    "mem",
    "disk",
    "exchange_failed",
    "exchange_pending",
    "backup_failed",
];

impl AlertRule {
    fn conditions(&self) -> usize {
        [
            self.service.is_some(),
            self.host.is_some(),
            self.event.is_some(),
            self.outcome.is_some(),
            self.status.is_some(),
            self.user.is_some(),
            self.set.is_some(),
            self.msg_contains.is_some(),
            self.level.is_some(),
        ]
        .into_iter()
        .filter(|&c| c)
        .count()
    }
}

/// The rules in force when `[[logs.alerts]]` is not given: a user with five
/// failed logins in a day (password guessing, 安全审计), and any FATAL line.
fn default_rules() -> Vec<AlertRule> {
    let rule = |name: &str| AlertRule {
        name: name.into(),
        label: None,
        level: None,
        service: None,
        host: None,
        event: None,
        outcome: None,
        status: None,
        user: None,
        set: None,
        msg_contains: None,
        by: None,
        min_count: 1,
    };
    vec![
        AlertRule {
            event: Some("login".into()),
            outcome: Some("failure".into()),
            by: Some(GroupBy::User),
            min_count: 5,
            ..rule("failed_logins")
        },
        AlertRule {
            level: Some(Level::Fatal),
            by: Some(GroupBy::Service),
            ..rule("fatal")
        },
    ]
}

fn globs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let paths = Vec::<String>::deserialize(d)?;
    for p in &paths {
        Glob::new(p).map_err(|e| serde::de::Error::custom(format!("invalid glob `{p}`: {}", e.kind())))?;
    }
    Ok(paths)
}

impl LogSettings {
    /// What is wrong with the alert rules, beyond each value's type: as
    /// (dotted path in opsbook.toml, message) pairs, every one of them.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut names = BTreeSet::new();
        for (i, r) in self.alerts.iter().enumerate() {
            let path = format!("logs.alerts.{i}");
            if r.name.trim().is_empty() {
                out.push((format!("{path}.name"), "an alert rule needs a `name`".to_string()));
            } else if BUILT_IN_ALERTS.contains(&r.name.as_str()) {
                out.push((
                    format!("{path}.name"),
                    format!(
                        "alert rule `{}` takes the name of a built-in alert (built in: {})",
                        r.name,
                        BUILT_IN_ALERTS.join(", ")
                    ),
                ));
            } else if !names.insert(r.name.as_str()) {
                out.push((
                    format!("{path}.name"),
                    format!("alert rule `{}` is defined twice", r.name),
                ));
            }
            if r.conditions() == 0 {
                out.push((
                    path,
                    format!(
                        "alert rule `{}` has no condition: give at least one of level, service, host, event, outcome, status, user, set, msg_contains",
                        r.name
                    ),
                ));
            }
        }
        out
    }
}

/// The severity a line was logged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
    /// No `level`, or one opsbook does not know.
    Other,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
        Level::Other,
    ];

    /// `DEBUG`, `INFO`, `WARN`/`WARNING`, `ERROR`, `FATAL`, in any case.
    pub fn parse(text: &[u8]) -> Level {
        let is = |name: &str| text.eq_ignore_ascii_case(name.as_bytes());
        if is("INFO") {
            Level::Info
        } else if is("ERROR") {
            Level::Error
        } else if is("WARN") || is("WARNING") {
            Level::Warn
        } else if is("DEBUG") {
            Level::Debug
        } else if is("FATAL") {
            Level::Fatal
        } else {
            Level::Other
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
            Level::Other => "OTHER",
        }
    }

    /// ERROR and FATAL: what a day's `errors` counts.
    pub fn is_error(self) -> bool {
        matches!(self, Level::Error | Level::Fatal)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Level {
    /// Settings name a level exactly; a misspelt one is an error there, not
    /// a silent `OTHER`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match Level::parse(text.as_bytes()) {
            Level::Other if !text.eq_ignore_ascii_case("OTHER") => Err(serde::de::Error::custom(format!(
                "unknown level `{text}`: use DEBUG, INFO, WARN, ERROR, FATAL or OTHER"
            ))),
            level => Ok(level),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::load::settings::parse;

    #[test]
    fn defaults() {
        let s = parse("", "opsbook.toml").unwrap().logs;
        assert_eq!(s.disk.0, 85.0);
        assert_eq!(s.pending_after.to_string(), "2h");
        assert_eq!(s.alerts.len(), 2);
    }

    #[test]
    fn rules_replace_the_defaults() {
        let text = "[logs]\ndisk = 80\n[[logs.alerts]]\nname = \"oom\"\nmsg_contains = \"OutOfMemory\"\nby = \"host\"\n";
        let s = parse(text, "opsbook.toml").unwrap().logs;
        assert_eq!(s.disk.0, 80.0);
        assert_eq!(s.alerts.len(), 1);
        assert_eq!(s.alerts[0].min_count, 1);
    }

    #[test]
    fn mistakes_name_their_line() {
        for (text, needle, line) in [
            ("[logs]\ndisk = 185\n", "it is a percentage", 2),
            ("[logs]\npaths = [\"logs/[\"]\n", "invalid glob", 2),
            ("[logs]\n[[logs.alerts]]\nname = \"x\"\n", "has no condition", 2),
            (
                "[logs]\n[[logs.alerts]]\nname = \"disk\"\nlevel = \"ERROR\"\n",
                "built-in",
                3,
            ),
            (
                "[logs]\n[[logs.alerts]]\nname = \"x\"\nlevel = \"LOUD\"\n",
                "unknown level",
                4,
            ),
            (
                "[logs]\n[[logs.alerts]]\nname = \"x\"\nlevel = \"ERROR\"\nby = \"ip\"\n",
                "`by` cannot be `ip`",
                5,
            ),
        ] {
            let errs = parse(text, "opsbook.toml").unwrap_err();
            assert!(errs[0].message.contains(needle), "{text}: {errs:?}");
            assert_eq!(errs[0].line, Some(line), "{text}: {errs:?}");
        }
    }
}
