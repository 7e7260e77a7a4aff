//! `[evidence]` of `schedules/`: which of the machines' evidence speaks to
//! each inspection checklist item, and how counts are written in an
//! inspection's text.
//!
//! The contract's mapping is built in (the `[evidence]` of
//! `default_schedule.toml`); a project's schedule files change it item by
//! item (`[evidence.items]`: each item named replaces the default's list,
//! an empty list holds the item against nothing) and count by count
//! (`[evidence.counts]`).
//!
//! Items are matched by name, exactly as the checklist and the records
//! write them: an item the mapping does not name is held against no
//! evidence, so a record can never be warned about on a guess.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::load::toml_doc::KeyIndex;

/// What the machines recorded that can speak to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `event = "backup"` lines of the logs: the backup jobs of the day.
    BackupJobs,
    /// `opsbook verify` runs of the day (`state/history.jsonl`).
    Verification,
    /// `event = "exchange"` lines: failed exchanges and documents pending
    /// too long.
    Exchange,
    /// `event = "login"` lines that failed.
    FailedLogins,
    /// `event = "metric"` lines: CPU, memory and disk peaks against their
    /// thresholds.
    Metrics,
    /// Incident notes open during the day.
    Incidents,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::BackupJobs,
        Source::Verification,
        Source::Exchange,
        Source::FailedLogins,
        Source::Metrics,
        Source::Incidents,
    ];

    /// Its name in `schedules/` and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Source::BackupJobs => "backup_jobs",
            Source::Verification => "verification",
            Source::Exchange => "exchange",
            Source::FailedLogins => "failed_logins",
            Source::Metrics => "metrics",
            Source::Incidents => "incidents",
        }
    }

    /// How the portal names it (zh-CN, as the records are written).
    pub fn label(self) -> &'static str {
        match self {
            Source::BackupJobs => "备份任务日志",
            Source::Verification => "备份校验",
            Source::Exchange => "公文交换日志",
            Source::FailedLogins => "登录审计日志",
            Source::Metrics => "服务器监控指标",
            Source::Incidents => "故障记录",
        }
    }
}

/// A figure of the day's logs that an inspection's text may state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Count {
    FailedLogins,
    ExchangeFailed,
}

impl Count {
    pub fn name(self) -> &'static str {
        match self {
            Count::FailedLogins => "failed_logins",
            Count::ExchangeFailed => "exchange_failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Count::FailedLogins => "失败登录次数",
            Count::ExchangeFailed => "公文交换失败次数",
        }
    }
}

/// The mapping in force: the contract's, as a project changed it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvidenceMap {
    /// By checklist item, the evidence it is held against.
    pub items: BTreeMap<String, Vec<Source>>,
    /// By figure, how the text writes it (`{n}` for the number).
    pub counts: BTreeMap<Count, Vec<String>>,
}

impl EvidenceMap {
    /// The evidence an item is held against (none when the mapping does not
    /// name it).
    pub fn sources(&self, item: &str) -> &[Source] {
        self.items.get(item).map_or(&[], |v| v.as_slice())
    }

    pub(crate) fn apply(&mut self, file: EvidenceFile) {
        self.items.extend(file.items);
        for (count, patterns) in [
            (Count::FailedLogins, file.counts.failed_logins),
            (Count::ExchangeFailed, file.counts.exchange_failed),
        ] {
            if let Some(p) = patterns {
                self.counts.insert(count, p);
            }
        }
    }

    /// The patterns of every count, as regular expressions whose one group
    /// is the number. Spaces around `{n}` may be there or not (`失败登录36次`,
    /// `失败登录 36 次`).
    pub fn count_patterns(&self) -> Vec<(Count, regex::Regex)> {
        let mut out = Vec::new();
        for (count, patterns) in &self.counts {
            for p in patterns {
                if let Some(re) = count_regex(p) {
                    out.push((*count, re));
                }
            }
        }
        out
    }
}

/// `失败登录 {n} 次` → `失败登录\s*(\d+)\s*次`; none without `{n}`.
fn count_regex(pattern: &str) -> Option<regex::Regex> {
    let (before, after) = pattern.split_once("{n}")?;
    let part = |s: &str| {
        s.split_whitespace()
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join(r"\s*")
    };
    let text = format!(r"{}\s*(\d+)\s*{}", part(before), part(after));
    regex::Regex::new(&text).ok()
}

/// `[evidence]` as one schedule file writes it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFile {
    #[serde(default)]
    items: BTreeMap<String, Vec<Source>>,
    #[serde(default)]
    counts: CountsFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountsFile {
    failed_logins: Option<Vec<String>>,
    exchange_failed: Option<Vec<String>>,
}

/// A count pattern must say where its number is.
pub(crate) fn problems(values: &toml::Table, index: &KeyIndex, text: &str, rel: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(counts) = values
        .get("evidence")
        .and_then(|e| e.get("counts"))
        .and_then(|c| c.as_table())
    else {
        return out;
    };
    for (key, list) in counts {
        for (i, p) in list.as_array().into_iter().flatten().enumerate() {
            let Some(p) = p.as_str() else { continue };
            if p.matches("{n}").count() != 1 {
                let d = Diagnostic::error(rel, format!("the count pattern `{p}` must hold `{{n}}` once"));
                let d = match index.span(&format!("evidence.counts.{key}.{i}")) {
                    Some(span) => d.at_span(text, span, 1),
                    None => d,
                };
                out.push(d.with_hint("`{n}` stands for the number, as in \"失败登录 {n} 次\""));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_patterns_find_the_number_with_or_without_spaces() {
        let re = count_regex("失败登录 {n} 次").unwrap();
        for (text, n) in [("当日失败登录 36 次，", "36"), ("失败登录7次", "7")] {
            assert_eq!(&re.captures(text).unwrap()[1], n, "{text}");
        }
        assert!(re.captures("失败登录若干次").is_none());
        assert!(count_regex("失败登录次数").is_none());
    }

    #[test]
    fn a_file_replaces_the_items_it_names() {
        let mut map = crate::load::schedules::Schedules::contract_default().evidence;
        assert_eq!(
            map.sources("备份任务结果"),
            [Source::BackupJobs, Source::Verification]
        );
        let file: EvidenceFile =
            toml::from_str("[items]\n\"备份任务结果\" = []\n\"机房巡视\" = [\"metrics\"]\n").unwrap();
        map.apply(file);
        assert!(map.sources("备份任务结果").is_empty());
        assert_eq!(map.sources("机房巡视"), [Source::Metrics]);
        assert!(map.counts.contains_key(&Count::FailedLogins));
    }

    #[test]
    fn the_schema_lists_every_source() {
        let names: Vec<&str> = Source::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, crate::load::schema::schedules::SOURCES);
    }
}
