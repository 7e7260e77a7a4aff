//! Splitting a note into front matter and body, and reading the front matter
//! (TOML between `+++` lines, or YAML between `---` lines) into its kind's
//! typed struct.

use serde::de::DeserializeOwned;

use super::kinds::{Kind, Meta};
use super::{Audience, NoteSource};
use crate::diag::Diagnostic;
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

/// Reads front matter into the typed struct of the note's kind. `folder_kind`
/// is the kind named by the note's folder; a `type` key overrides it.
pub fn parse(split: &Split<'_>, file: &str, folder_kind: Option<Kind>) -> Result<Front, Vec<Diagnostic>> {
    match split.format {
        Format::Toml => parse_toml(split, file, folder_kind),
        Format::Yaml => parse_yaml(split, file, folder_kind),
    }
}

fn parse_toml(split: &Split<'_>, file: &str, folder_kind: Option<Kind>) -> Result<Front, Vec<Diagnostic>> {
    let mut doc = TomlDoc::parse(split.front, file, split.front_line)?;
    let keys = doc.keys();
    let source = NoteSource {
        front: split.front.to_string(),
        front_line: split.front_line,
        keys,
    };
    let mut problems = Vec::new();
    let type_name = doc.take_string("type").unwrap_or_else(|d| {
        problems.push(d);
        None
    });
    let audience = doc.take_string("audience").unwrap_or_else(|d| {
        problems.push(d);
        None
    });
    let (kind, audience) = common(&source, file, folder_kind, type_name, audience, &mut problems);
    let Some(kind) = kind else {
        return Err(problems);
    };
    problems.extend(missing_keys(&source, file, kind));
    if !problems.is_empty() {
        return Err(problems);
    }
    let meta = match kind {
        Kind::Inspection => doc.deserialize().map(Meta::Inspection),
        Kind::Incident => doc.deserialize().map(Meta::Incident),
        Kind::WorkOrder => doc.deserialize().map(Meta::WorkOrder),
        Kind::Faq => doc.deserialize().map(Meta::Faq),
        Kind::Training => doc.deserialize().map(Meta::Training),
        Kind::Upgrade => doc.deserialize().map(Meta::Upgrade),
        Kind::Vulnerability => doc.deserialize().map(Meta::Vulnerability),
        Kind::Report => doc.deserialize().map(Meta::Report),
    }
    .map_err(|d| vec![d])?;
    Ok(Front {
        kind,
        audience,
        meta,
        source,
    })
}

fn parse_yaml(split: &Split<'_>, file: &str, folder_kind: Option<Kind>) -> Result<Front, Vec<Diagnostic>> {
    let yaml_error = |e: serde_yaml_ng::Error| {
        let d = Diagnostic::error(file, format!("invalid YAML front matter: {e}"));
        match e.location() {
            Some(loc) => d.at_span(split.front, loc.index()..loc.index() + 1, split.front_line),
            None => d.at_line(split.front_line),
        }
    };
    let mut value: serde_yaml_ng::Value = if split.front.trim().is_empty() {
        serde_yaml_ng::Value::Mapping(Default::default())
    } else {
        serde_yaml_ng::from_str(split.front).map_err(|e| vec![yaml_error(e)])?
    };
    let Some(map) = value.as_mapping_mut() else {
        return Err(vec![
            Diagnostic::error(file, "the YAML front matter must be a mapping of keys to values")
                .at_line(split.front_line),
        ]);
    };
    let source = NoteSource {
        front: split.front.to_string(),
        front_line: split.front_line,
        keys: yaml_keys(split.front),
    };
    let mut problems = Vec::new();
    let mut take = |key: &str| match map.remove(key) {
        None => None,
        Some(serde_yaml_ng::Value::String(s)) => Some(s),
        Some(_) => {
            problems.push(source.error(file, key, format!("`{key}` must be a string")));
            None
        }
    };
    let type_name = take("type");
    let audience = take("audience");
    let (kind, audience) = common(&source, file, folder_kind, type_name, audience, &mut problems);
    let Some(kind) = kind else {
        return Err(problems);
    };
    problems.extend(missing_keys(&source, file, kind));
    if !problems.is_empty() {
        return Err(problems);
    }
    fn typed<T: DeserializeOwned>(v: serde_yaml_ng::Value) -> Result<T, serde_yaml_ng::Error> {
        serde_yaml_ng::from_value(v)
    }
    let meta = match kind {
        Kind::Inspection => typed(value).map(Meta::Inspection),
        Kind::Incident => typed(value).map(Meta::Incident),
        Kind::WorkOrder => typed(value).map(Meta::WorkOrder),
        Kind::Faq => typed(value).map(Meta::Faq),
        Kind::Training => typed(value).map(Meta::Training),
        Kind::Upgrade => typed(value).map(Meta::Upgrade),
        Kind::Vulnerability => typed(value).map(Meta::Vulnerability),
        Kind::Report => typed(value).map(Meta::Report),
    }
    .map_err(|e| vec![yaml_error(e)])?;
    Ok(Front {
        kind,
        audience,
        meta,
        source,
    })
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
            index.insert(key.trim().to_string(), value_start..value_end.max(value_start));
        }
        offset += line.len();
    }
    index
}

/// The kind and audience from the folder and the shared keys.
fn common(
    source: &NoteSource,
    file: &str,
    folder_kind: Option<Kind>,
    type_name: Option<String>,
    audience: Option<String>,
    problems: &mut Vec<Diagnostic>,
) -> (Option<Kind>, Audience) {
    let kind = match type_name {
        Some(name) => match Kind::from_name(&name) {
            Some(k) => Some(k),
            None => {
                problems.push(
                    source
                        .error(file, "type", format!("unknown note type `{name}`"))
                        .with_hint(format!(
                            "use one of: {}",
                            Kind::ALL.map(|k| k.singular()).join(", ")
                        )),
                );
                None
            }
        },
        None => {
            if folder_kind.is_none() {
                problems.push(
                    Diagnostic::error(file, "cannot tell what kind of note this is")
                        .at_line(1)
                        .with_hint(format!(
                            "put it in one of the folders content/{{{}}}/ or set `type` in its front matter",
                            Kind::ALL.map(|k| k.folder()).join(",")
                        )),
                );
            }
            folder_kind
        }
    };
    let audience = match audience.as_deref() {
        None | Some("client") => Audience::Client,
        Some("internal") => Audience::Internal,
        Some(other) => {
            problems.push(
                source
                    .error(file, "audience", format!("unknown audience `{other}`"))
                    .with_hint(
                        "use `internal` to keep the note out of the client's portal, or leave the key out",
                    ),
            );
            Audience::Client
        }
    };
    (kind, audience)
}

fn missing_keys(source: &NoteSource, file: &str, kind: Kind) -> Vec<Diagnostic> {
    kind.required()
        .iter()
        .filter(|key| !source.keys.contains(key))
        .map(|key| {
            Diagnostic::error(
                file,
                format!(
                    "missing required key `{key}` (every {} note has it)",
                    kind.singular()
                ),
            )
            .at_line(1)
            .with_hint(format!(
                "add `{key} = {}` to the front matter",
                example_value(key)
            ))
        })
        .collect()
}

/// An example value for a key, for hints.
fn example_value(key: &str) -> &'static str {
    match key {
        "date" => "2025-03-11",
        "reported_at" | "requested_at" | "window_start" | "window_end" | "found_at" => "2025-03-11T09:20:00",
        "method" => "\"remote\"",
        "severity" => "\"general\"",
        "engineers" => "[\"姓名\"]",
        "period" => "\"2025-Q3\"",
        "id" => "\"…\" (see the id rules of its kind)",
        _ => "\"…\"",
    }
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
