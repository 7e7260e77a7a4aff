//! TOML documents with their places kept, so that every problem found in a
//! settings file, a schedule or a note's front matter can name its line.
//!
//! A document is parsed once into toml's spanned tree. From that tree we keep
//! a [`KeyIndex`] (dotted key path → byte spans of its key and its value) and
//! the plain values, which the schema's validator walks and the typed structs
//! are read from.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::diag::Diagnostic;

/// Byte spans of every key and its value in a document, by dotted path:
/// `severity`, `review.rating`, `checks.2.result`.
#[derive(Debug, Clone, Default)]
pub struct KeyIndex {
    spans: BTreeMap<String, Place>,
}

#[derive(Debug, Clone)]
struct Place {
    key: Range<usize>,
    value: Range<usize>,
}

impl KeyIndex {
    /// The span of the value at `path`.
    pub fn span(&self, path: &str) -> Option<Range<usize>> {
        self.spans.get(path).map(|p| p.value.clone())
    }

    /// The span of the key at `path` (of the value, for list items).
    pub fn key_span(&self, path: &str) -> Option<Range<usize>> {
        self.spans.get(path).map(|p| p.key.clone())
    }

    pub fn contains(&self, path: &str) -> bool {
        self.spans.contains_key(path)
    }

    /// Top-level keys, in order of their path.
    pub fn top_level(&self) -> impl Iterator<Item = &str> {
        self.spans.keys().map(|k| k.as_str()).filter(|k| !k.contains('.'))
    }

    pub fn insert(&mut self, path: String, key: Range<usize>, value: Range<usize>) {
        self.spans.insert(path, Place { key, value });
    }

    fn collect(&mut self, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let path = join(prefix, key.get_ref());
            self.collect_value(&path, key.span(), value);
        }
    }

    fn collect_value(&mut self, path: &str, key: Range<usize>, value: &Spanned<DeValue<'_>>) {
        self.insert(path.to_string(), key, value.span());
        match value.get_ref() {
            DeValue::Table(t) => self.collect(path, t),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.collect_value(&format!("{path}.{i}"), item.span(), item);
                }
            }
            _ => {}
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// A parsed TOML document: its values, their places, its syntax errors.
pub struct TomlDoc {
    pub values: toml::Table,
    pub index: KeyIndex,
    /// Every syntax error the parser found; with any, some values may be
    /// missing from `values`.
    pub errors: Vec<Diagnostic>,
}

impl TomlDoc {
    /// Parses `text`, whose first line is line `first_line` of `file`,
    /// keeping every value it can read and reporting every syntax error.
    pub fn parse(text: &str, file: &str, first_line: usize) -> TomlDoc {
        let (root, errors) = DeTable::parse_recoverable(text);
        let mut index = KeyIndex::default();
        index.collect("", root.get_ref());
        let mut values = toml::Table::new();
        for (key, value) in root.get_ref().iter() {
            // A value the parser could not read whole is left out; its
            // syntax error is reported.
            if let Ok(v) = toml::Value::deserialize(ValueDeserializer::from(value.clone())) {
                values.insert(key.get_ref().to_string(), v);
            }
        }
        // Each error placed costs a pass over the text before it: a file of
        // a hundred thousand broken lines is described by its first errors.
        let mut listed: Vec<Diagnostic> = errors
            .iter()
            .take(crate::diag::MAX_PER_FILE)
            .map(|e| toml_error(e, text, file, first_line))
            .collect();
        let more = errors.len().saturating_sub(crate::diag::MAX_PER_FILE);
        if more > 0 {
            crate::diag::cap(file, &mut listed, more);
        }
        TomlDoc {
            values,
            index,
            errors: listed,
        }
    }
}

/// A toml error as a diagnostic.
pub fn toml_error(e: &toml::de::Error, text: &str, file: &str, first_line: usize) -> Diagnostic {
    let mut message = e.message().trim().to_string();
    if message.contains("recurs") {
        message = "tables and lists are nested too deeply here (at most 80 levels)".into();
    }
    let d = Diagnostic::error(file, message);
    match e.span() {
        Some(span) => d.at_span(text, span, first_line),
        None => d.at_line(first_line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_has_nested_paths_and_key_spans() {
        let text =
            "id = \"x\"\n[review]\nrating = \"fair\"\n[[checks]]\nitem = \"a\"\n[[checks]]\nitem = \"b\"\n";
        let doc = TomlDoc::parse(text, "n.md", 2);
        let span = doc.index.span("checks.1.item").unwrap();
        assert_eq!(&text[span], "\"b\"");
        assert_eq!(&text[doc.index.key_span("review.rating").unwrap()], "rating");
        assert_eq!(
            doc.index.top_level().collect::<Vec<_>>(),
            ["checks", "id", "review"]
        );
        assert_eq!(doc.values["checks"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn syntax_errors_are_all_reported_with_lines() {
        let text = "a = 1\nb = = 2\nc = \"unterminated\nd = 2026-02-30\ne = 4\n";
        let doc = TomlDoc::parse(text, "n.md", 2);
        let lines: Vec<_> = doc.errors.iter().map(|d| d.line.unwrap()).collect();
        assert!(lines.contains(&3), "{:?}", doc.errors);
        assert!(lines.contains(&4), "{:?}", doc.errors);
        assert!(lines.contains(&5), "{:?}", doc.errors);
        // What could be read still is.
        assert_eq!(doc.values["a"].as_integer(), Some(1));
        assert_eq!(doc.values["e"].as_integer(), Some(4));
    }

    #[test]
    fn deep_nesting_is_one_clear_error() {
        let text = format!("a = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
        let doc = TomlDoc::parse(&text, "n.md", 2);
        assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
        assert!(doc.errors[0].message.contains("nested too deeply"));
        assert_eq!(doc.errors[0].line, Some(2));
    }
}
