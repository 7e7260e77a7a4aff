//! Splitting a note into front matter and body, and reading the front matter
//! (TOML between `+++` lines, or YAML between `---` lines) into its kind's
//! typed struct.

use chrono_tz::Tz;
use serde::de::DeserializeOwned;

use super::kinds::{Kind, Meta};
use super::{Audience, NoteSource};
use crate::diag::Diagnostic;
use crate::load::nesting;
use crate::load::schema::{self, Input, notes::KIND_NAMES};
use crate::load::toml_doc::{KeyIndex, TomlDoc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

impl Format {
    pub fn fence(self) -> &'static str {
        match self {
            Format::Toml => "+++",
            Format::Yaml => "---",
        }
    }
}

/// A note's text cut at its fences.
#[derive(Debug)]
pub struct Split<'a> {
    pub format: Format,
    pub front: &'a str,
    /// File line of the front matter's first line (the one after the fence).
    pub front_line: usize,
    pub body: &'a str,
    pub body_line: usize,
    /// File line and text of the closing fence.
    pub fence: (usize, &'a str),
}

/// Cuts `text` at its front-matter fences.
pub fn split<'a>(text: &'a str, file: &str) -> Result<Split<'a>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("").trim_end();
    let format = match first {
        "+++" => Format::Toml,
        "---" => Format::Yaml,
        _ => {
            return Err(Diagnostic::error(file, "the note has no front matter")
                .at_line(1)
                .with_hint(
                    "start the file with a `+++` line, the TOML keys of its kind, and another `+++` line",
                ));
        }
    };
    let after_open = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = after_open;
    for (line, l) in (2..).zip(text[after_open..].split_inclusive('\n')) {
        if l.trim_end() == format.fence() {
            let front = &text[after_open..offset];
            let body_start = offset + l.len();
            return Ok(Split {
                format,
                front,
                front_line: 2,
                body: &text[body_start..],
                body_line: line + 1,
                fence: (line, l.trim_end()),
            });
        }
        offset += l.len();
    }
    Err(Diagnostic::error(
        file,
        format!(
            "the front matter is not closed: no second `{}` line",
            format.fence()
        ),
    )
    .at_line(1)
    .with_hint(format!(
        "end the front matter with a line holding only `{}`",
        format.fence()
    )))
}

/// What the front matter says, before the body is attached.
pub struct Front {
    pub kind: Kind,
    pub audience: Audience,
    pub meta: Meta,
    pub source: NoteSource,
}

/// Reads front matter into the typed struct of the note's kind, validating
/// every key against the kind's schema. `folder_kind` is the kind named by
/// the note's folder; a `type` key overrides it. Comes back with every
/// problem found, and the note's front matter when it could be read (with
/// problems that do not keep it from being read: broken rules between keys,
/// blank titles).
pub fn parse(
    split: &Split<'_>,
    file: &str,
    folder_kind: Option<Kind>,
    tz: Tz,
) -> (Option<Front>, Vec<Diagnostic>) {
    let (values, keys, mut problems) = match split.format {
        Format::Toml => {
            let doc = TomlDoc::parse(split.front, file, split.front_line);
            (doc.values, doc.index, doc.errors)
        }
        Format::Yaml => match yaml_values(split, file) {
            Ok(parsed) => parsed,
            Err(d) => return (None, vec![d]),
        },
    };
    let syntax_ok = problems.is_empty();
    let source = NoteSource {
        front: split.front.to_string(),
        front_line: split.front_line,
        fence: (split.fence.0, split.fence.1.to_string()),
        keys,
    };
    let kind = match values
        .get("type")
        .and_then(|v| v.as_str())
        .and_then(Kind::from_name)
    {
        Some(k) => k,
        None => match folder_kind {
            Some(k) => k,
            None => {
                if values.contains_key("type") {
                    problems.push(
                        source
                            .error(file, "type", "unknown note type")
                            .with_hint(format!("use one of: {}", KIND_NAMES.join(", "))),
                    );
                } else {
                    problems.push(
                        source
                            .error(file, "", "cannot tell what kind of note this is")
                            .with_hint(format!(
                                "put it in one of the folders content/{{{}}}/ or set `type` in its front matter",
                                Kind::ALL.map(|k| k.folder()).join(",")
                            )),
                    );
                }
                return (None, problems);
            }
        },
    };
    let input = Input {
        file,
        text: split.front,
        first_line: split.front_line,
        index: &source.keys,
        end: Some(split.fence),
        tz,
        partial: !syntax_ok,
    };
    let outcome = schema::validate(schema::notes::of(kind), &values, &input);
    problems.extend(outcome.problems);
    if !syntax_ok || !outcome.readable {
        return (None, problems);
    }
    let mut values = values;
    values.remove("type");
    let audience = match values.remove("audience").as_ref().and_then(|v| v.as_str()) {
        Some("internal") => Audience::Internal,
        _ => Audience::Client,
    };
    let table = toml::Value::Table(values);
    fn typed<T: DeserializeOwned>(v: toml::Value) -> Result<T, toml::de::Error> {
        T::deserialize(v)
    }
    let meta = match kind {
        Kind::Inspection => typed(table).map(Meta::Inspection),
        Kind::Incident => typed(table).map(Meta::Incident),
        Kind::WorkOrder => typed(table).map(Meta::WorkOrder),
        Kind::Faq => typed(table).map(Meta::Faq),
        Kind::Training => typed(table).map(Meta::Training),
        Kind::Upgrade => typed(table).map(Meta::Upgrade),
        Kind::Vulnerability => typed(table).map(Meta::Vulnerability),
        Kind::Report => typed(table).map(Meta::Report),
        Kind::Handin => typed(table).map(Meta::Handin),
    };
    match meta {
        Ok(meta) => (
            Some(Front {
                kind,
                audience,
                meta,
                source,
            }),
            problems,
        ),
        // The schema accepted what the struct refuses: a defect of
        // opsbook's, still reported rather than lost.
        Err(e) => {
            problems.push(source.error(
                file,
                "",
                format!("the front matter cannot be read: {}", e.message()),
            ));
            (None, problems)
        }
    }
}

/// YAML front matter as TOML values, with the places of its top-level keys.
fn yaml_values(
    split: &Split<'_>,
    file: &str,
) -> Result<(toml::Table, KeyIndex, Vec<Diagnostic>), Diagnostic> {
    if let Some(deep) = nesting::yaml(split.front) {
        return Err(too_deep(file, split.front, split.front_line, &deep));
    }
    let yaml_error = |e: serde_yaml_ng::Error| {
        let d = Diagnostic::error(file, format!("invalid YAML front matter: {e}"));
        match e.location() {
            Some(loc) => d.at_span(split.front, loc.index()..loc.index() + 1, split.front_line),
            None => d.at_line(split.front_line),
        }
    };
    let value: serde_yaml_ng::Value = if split.front.trim().is_empty() {
        serde_yaml_ng::Value::Mapping(Default::default())
    } else {
        serde_yaml_ng::from_str(split.front).map_err(yaml_error)?
    };
    let serde_yaml_ng::Value::Mapping(map) = value else {
        return Err(
            Diagnostic::error(file, "the YAML front matter must be a mapping of keys to values")
                .at_line(split.front_line),
        );
    };
    let mut values = toml::Table::new();
    for (k, v) in map {
        values.insert(yaml_key(&k), yaml_to_toml(v));
    }
    Ok((values, yaml_keys(split.front), Vec::new()))
}

fn yaml_key(k: &serde_yaml_ng::Value) -> String {
    match k {
        serde_yaml_ng::Value::String(s) => s.clone(),
        other => serde_yaml_ng::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// A YAML value as the TOML value it stands for. YAML's dates are strings,
/// which the date parsers read as well; an empty value (`~`) is an empty
/// string, which the validator then reports as the key's problem.
fn yaml_to_toml(v: serde_yaml_ng::Value) -> toml::Value {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => toml::Value::String(String::new()),
        Y::Bool(b) => toml::Value::Boolean(b),
        Y::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Y::String(s) => toml::Value::String(s),
        Y::Sequence(items) => toml::Value::Array(items.into_iter().map(yaml_to_toml).collect()),
        Y::Mapping(map) => toml::Value::Table(
            map.into_iter()
                .map(|(k, v)| (yaml_key(&k), yaml_to_toml(v)))
                .collect(),
        ),
        Y::Tagged(t) => yaml_to_toml(t.value),
    }
}

/// Spans of the top-level keys of YAML front matter (`key: value` lines).
fn yaml_keys(text: &str) -> KeyIndex {
    let mut index = KeyIndex::default();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some((key, _)) = line.split_once(':')
            && !key.is_empty()
            && !key.starts_with([' ', '\t', '-', '#'])
        {
            let value_start = offset + key.len() + 1;
            let value_end = offset + line.trim_end().len();
            index.insert(
                key.trim().to_string(),
                offset..offset + key.trim_end().len(),
                value_start..value_end.max(value_start),
            );
        }
        offset += line.len();
    }
    index
}

/// The problem of text nested deeper than opsbook reads.
pub fn too_deep(file: &str, text: &str, first_line: usize, deep: &nesting::TooDeep) -> Diagnostic {
    Diagnostic::error(
        file,
        format!(
            "{} are nested more than {} levels deep here",
            deep.what,
            nesting::MAX_DEPTH
        ),
    )
    .at_span(text, deep.offset..deep.offset + 1, first_line)
    .with_hint("no note needs this much nesting; flatten it (opsbook refuses it so that reading stays fast)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_finds_both_fences() {
        let s = split("+++\nid = \"x\"\n+++\n\nbody\n", "n.md").unwrap();
        assert_eq!(s.format, Format::Toml);
        assert_eq!(s.front, "id = \"x\"\n");
        assert_eq!(s.body, "\nbody\n");
        assert_eq!(s.body_line, 4);
        let s = split("---\r\nid: x\r\n---\r\n", "n.md").unwrap();
        assert_eq!(s.format, Format::Yaml);
    }

    #[test]
    fn split_reports_missing_and_unclosed() {
        assert!(
            split("# 标题\n", "n.md")
                .unwrap_err()
                .message
                .contains("no front matter")
        );
        assert!(
            split("+++\nid = 1\n", "n.md")
                .unwrap_err()
                .message
                .contains("not closed")
        );
        assert!(split("", "n.md").is_err());
    }
}
