//! What can be read of a note that cannot be typed.
//!
//! One typo (`severity = "urgent"`) makes a note fail its kind's schema, and
//! `check` says so. The note must not vanish from the portal meanwhile: the
//! client would lose a record without a word. So the loader keeps, beside
//! its diagnostics, a [`Partial`]: the note's place (kind, id, day) and
//! whatever keys of its front matter could be read, as plain text. The
//! portal shows it as a record being corrected, and judges nothing on it.

use std::path::Path;

use chrono::NaiveDate;

use super::frontmatter::{self, Format};
use super::{Audience, Kind};

/// At most this many fields are kept of a partial note.
const MAX_FIELDS: usize = 200;

/// A note that could not be typed, as far as it could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// Path relative to the project, `/`-separated.
    pub path: String,
    /// From `type`, else from the folder; `None` for a file with neither.
    pub kind: Option<Kind>,
    /// `None` when the front matter could not be read, or names no audience
    /// opsbook knows: then nothing of the note but its place is shown to the
    /// client, lest an internal note be published by a typo in `audience`.
    pub audience: Option<Audience>,
    /// The front matter's `id` (a report text's `period`), else the file
    /// name without `.md`.
    pub id: String,
    /// `title`, `question`, `topic` or `version`, whichever the note has.
    pub title: Option<String>,
    /// The day of its kind's date key, when that reads as a date.
    pub date: Option<NaiveDate>,
    /// Every key that could be read, dotted for nested tables
    /// (`signoffs.requester.name`), with its value as written.
    pub fields: Vec<(String, String)>,
    /// The markdown after the front matter.
    pub body: Option<String>,
}

impl Partial {
    /// What can be read of the note at `rel` whose bytes are `bytes`, in the
    /// folder `folder` (the one directly under `content/`, if any).
    pub fn read(rel: &str, bytes: Option<&[u8]>, folder: Option<&str>) -> Partial {
        let stem = Path::new(rel)
            .file_stem()
            .map_or_else(|| rel.to_string(), |s| s.to_string_lossy().into_owned());
        let mut partial = Partial {
            path: rel.to_string(),
            kind: folder.and_then(Kind::from_name),
            audience: None,
            id: stem,
            title: None,
            date: None,
            fields: Vec::new(),
            body: None,
        };
        let Some(text) = bytes.and_then(|b| std::str::from_utf8(b).ok()) else {
            return partial;
        };
        let Ok(split) = frontmatter::split(text, rel) else {
            return partial;
        };
        partial.body = Some(split.body.trim().to_string()).filter(|b| !b.is_empty());
        let fields = match split.format {
            Format::Toml => split.front.parse::<toml::Table>().ok().map(|t| flatten_toml(&t)),
            Format::Yaml => serde_yaml_ng::from_str::<serde_yaml_ng::Mapping>(split.front)
                .ok()
                .map(|m| flatten_yaml(&m)),
        };
        let Some(mut fields) = fields else {
            return partial;
        };
        fields.truncate(MAX_FIELDS);
        let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        if let Some(kind) = get("type").and_then(|t| Kind::from_name(&t)) {
            partial.kind = Some(kind);
        }
        partial.audience = match get("audience").as_deref() {
            None | Some("client") => Some(Audience::Client),
            Some("internal") => Some(Audience::Internal),
            Some(_) => None,
        };
        let id_key = if matches!(partial.kind, Some(Kind::Report | Kind::Handin)) {
            "period"
        } else {
            "id"
        };
        if let Some(id) = get(id_key).filter(|id| !id.trim().is_empty()) {
            partial.id = id;
        }
        partial.title = ["title", "question", "topic", "version"]
            .iter()
            .find_map(|k| get(k));
        partial.date = partial.kind.and_then(date_key).and_then(|k| {
            let value = get(k)?;
            NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()
        });
        fields.retain(|(k, _)| k != "type" && k != "audience");
        partial.fields = fields;
        partial
    }
}

/// The key whose day a note of `kind` is filed under.
fn date_key(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Inspection | Kind::Training => Some("date"),
        Kind::Incident => Some("reported_at"),
        Kind::WorkOrder => Some("requested_at"),
        Kind::Upgrade => Some("window_start"),
        Kind::Vulnerability => Some("found_at"),
        Kind::Faq | Kind::Report | Kind::Handin => None,
    }
}

fn flatten_toml(table: &toml::Table) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<(String, String)>) {
        match value {
            toml::Value::String(s) => out.push((prefix.to_string(), s.clone())),
            toml::Value::Table(t) => {
                for (k, v) in t {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            toml::Value::Array(items) if items.iter().all(|v| !v.is_table() && !v.is_array()) => {
                let items: Vec<String> = items.iter().map(scalar).collect();
                out.push((prefix.to_string(), items.join(", ")));
            }
            toml::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(&format!("{prefix}.{}", i + 1), v, out);
                }
            }
            other => out.push((prefix.to_string(), scalar(other))),
        }
    }
    fn scalar(v: &toml::Value) -> String {
        match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    let mut out = Vec::new();
    for (k, v) in table {
        walk(k, v, &mut out);
    }
    out
}

fn flatten_yaml(map: &serde_yaml_ng::Mapping) -> Vec<(String, String)> {
    use serde_yaml_ng::Value;
    fn key(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => scalar(other),
        }
    }
    fn scalar(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            Value::Tagged(t) => scalar(&t.value),
            Value::Sequence(_) | Value::Mapping(_) => String::new(),
        }
    }
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Mapping(m) => {
                for (k, v) in m {
                    walk(&format!("{prefix}.{}", key(k)), v, out);
                }
            }
            Value::Sequence(items) if items.iter().all(|v| !v.is_mapping() && !v.is_sequence()) => {
                let items: Vec<String> = items.iter().map(scalar).collect();
                out.push((prefix.to_string(), items.join(", ")));
            }
            Value::Sequence(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(&format!("{prefix}.{}", i + 1), v, out);
                }
            }
            other => out.push((prefix.to_string(), scalar(other))),
        }
    }
    let mut out = Vec::new();
    for (k, v) in map {
        walk(&key(k), v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_with_a_bad_value_keeps_its_place_and_its_other_keys() {
        let text = "+++\nid = \"INC-250311-01\"\ntitle = \"公文交换接口超时\"\nseverity = \"urgent\"\nreported_at = 2025-03-11T09:20:00\nengineers = [\"张伟\", \"李婷\"]\n[signoffs]\nrequester = { name = \"王\" }\n+++\n\n## 原因分析\n\n证书过期。\n";
        let p = Partial::read("content/incidents/x.md", Some(text.as_bytes()), Some("incidents"));
        assert_eq!(p.kind, Some(Kind::Incident));
        assert_eq!(p.audience, Some(Audience::Client));
        assert_eq!(p.id, "INC-250311-01");
        assert_eq!(p.title.as_deref(), Some("公文交换接口超时"));
        assert_eq!(p.date, NaiveDate::from_ymd_opt(2025, 3, 11));
        let get = |k: &str| p.fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("severity"), Some("urgent"));
        assert_eq!(get("engineers"), Some("张伟, 李婷"));
        assert_eq!(get("signoffs.requester.name"), Some("王"));
        assert_eq!(p.body.as_deref(), Some("## 原因分析\n\n证书过期。"));
    }

    #[test]
    fn what_cannot_be_read_leaves_the_file_name_and_no_audience() {
        for bytes in [
            &b"+++\nid = \"x\n+++\n"[..],
            b"# no front matter\n",
            &[0xd6, 0xd0],
        ] {
            let p = Partial::read("content/faq/FAQ-007.md", Some(bytes), Some("faq"));
            assert_eq!(p.id, "FAQ-007");
            assert_eq!(p.kind, Some(Kind::Faq));
            assert_eq!(p.audience, None, "{bytes:?}");
            assert!(p.fields.is_empty());
        }
        let p = Partial::read("content/x.md", None, None);
        assert_eq!((p.kind, p.id.as_str()), (None, "x"));
        // An audience opsbook does not know may mean "internal": not for the client.
        let p = Partial::read(
            "content/faq/a.md",
            Some(b"---\nid: FAQ-002\naudience: intern\n---\n"),
            Some("faq"),
        );
        assert_eq!((p.audience, p.id.as_str()), (None, "FAQ-002"));
    }
}
