//! TOML documents with their places kept, so that every problem found in a
//! settings file, a schedule or a note's front matter can name its line.
//!
//! A document is parsed once into toml's spanned tree. From that tree we keep a
//! [`KeyIndex`] (dotted key path → byte span of its value) for checks that come
//! after deserialization, and we deserialize the typed struct from the same tree.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::Diagnostic;

/// Byte spans of every key's value in a document, by dotted path:
/// `severity`, `review.rating`, `checks.2.result`.
#[derive(Debug, Clone, Default)]
pub struct KeyIndex {
    spans: BTreeMap<String, Range<usize>>,
}

impl KeyIndex {
    pub fn span(&self, path: &str) -> Option<Range<usize>> {
        self.spans.get(path).cloned()
    }

    pub fn contains(&self, path: &str) -> bool {
        self.spans.contains_key(path)
    }

    /// Top-level keys, in order of their path.
    pub fn top_level(&self) -> impl Iterator<Item = &str> {
        self.spans.keys().map(|k| k.as_str()).filter(|k| !k.contains('.'))
    }

    pub fn insert(&mut self, path: String, span: Range<usize>) {
        self.spans.insert(path, span);
    }

    fn collect(&mut self, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let path = join(prefix, key.get_ref());
            self.collect_value(&path, value);
        }
    }

    fn collect_value(&mut self, path: &str, value: &Spanned<DeValue<'_>>) {
        self.spans.insert(path.to_string(), value.span());
        match value.get_ref() {
            DeValue::Table(t) => self.collect(path, t),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.collect_value(&format!("{path}.{i}"), item);
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

/// A parsed TOML document and where its text sits in its file.
pub struct TomlDoc<'a> {
    /// The TOML text (for front matter: the part between the fences).
    pub text: &'a str,
    /// File line of the text's first line (1 for a whole file).
    pub first_line: usize,
    /// The file, relative to the project, for diagnostics.
    pub file: String,
    root: Spanned<DeTable<'a>>,
}

impl<'a> TomlDoc<'a> {
    /// Parses `text`, reporting every syntax error it can recover from.
    pub fn parse(text: &'a str, file: &str, first_line: usize) -> Result<TomlDoc<'a>, Vec<Diagnostic>> {
        let (root, errors) = DeTable::parse_recoverable(text);
        if !errors.is_empty() {
            return Err(errors
                .iter()
                .map(|e| toml_error(e, text, file, first_line))
                .collect());
        }
        Ok(TomlDoc {
            text,
            first_line,
            file: file.to_string(),
            root,
        })
    }

    pub fn keys(&self) -> KeyIndex {
        let mut index = KeyIndex::default();
        index.collect("", self.root.get_ref());
        index
    }

    /// Removes a top-level key, returning its string value (or an error when
    /// it is there but not a string).
    pub fn take_string(&mut self, key: &str) -> Result<Option<String>, Diagnostic> {
        let Some(value) = self.root.get_mut().remove(key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::String(s) => Ok(Some(s.to_string())),
            other => Err(self.error_at(
                value.span(),
                format!("`{key}` must be a string, found {}", other.type_str()),
            )),
        }
    }

    /// A diagnostic at a byte span of the text.
    pub fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.file.clone(), message).at_span(self.text, span, self.first_line)
    }

    /// Deserializes the typed value from the parsed tree.
    pub fn deserialize<T: DeserializeOwned>(self) -> Result<T, Diagnostic> {
        let TomlDoc {
            text,
            first_line,
            file,
            root,
        } = self;
        T::deserialize(toml::de::Deserializer::from(root))
            .map_err(|e| toml_error(&e, text, &file, first_line))
    }
}

/// A toml error as a diagnostic, with a hint for the common mistakes.
pub fn toml_error(e: &toml::de::Error, text: &str, file: &str, first_line: usize) -> Diagnostic {
    let message = e.message().trim().to_string();
    let mut d = Diagnostic::error(file, message.clone());
    d = match e.span() {
        Some(span) => d.at_span(text, span, first_line),
        None => d.at_line(first_line),
    };
    if message.starts_with("unknown field") {
        d = d.with_hint("remove the key or correct its spelling; the keys it accepts are listed above");
    } else if message.contains("invalid type") {
        d = d.with_hint("check the value's type: strings are quoted, dates are written bare (2025-03-11)");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_has_nested_paths() {
        let text =
            "id = \"x\"\n[review]\nrating = \"fair\"\n[[checks]]\nitem = \"a\"\n[[checks]]\nitem = \"b\"\n";
        let doc = TomlDoc::parse(text, "n.md", 2).unwrap();
        let keys = doc.keys();
        let span = keys.span("checks.1.item").unwrap();
        assert_eq!(&text[span], "\"b\"");
        assert!(keys.contains("review.rating"));
        assert_eq!(keys.top_level().collect::<Vec<_>>(), ["checks", "id", "review"]);
    }

    #[test]
    fn syntax_errors_are_all_reported_with_lines() {
        // Front matter starting on the file's line 2: a doubled `=` on file
        // line 3, an unterminated string on line 4, and a good line between.
        let text = "a = 1\nb = = 2\nc = 3\nd = \"unterminated\n";
        let errs = TomlDoc::parse(text, "n.md", 2).err().unwrap();
        let mut lines: Vec<Option<usize>> = errs.iter().map(|e| e.line).collect();
        lines.dedup();
        assert_eq!(lines, [Some(3), Some(5)], "{errs:#?}");
        assert!(errs.iter().all(|e| e.file == "n.md"), "{errs:#?}");
    }

    #[test]
    fn type_errors_point_at_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            n: u32,
        }
        let text = "\n\nn = \"three\"\n";
        let err = TomlDoc::parse(text, "s.toml", 1)
            .unwrap()
            .deserialize::<S>()
            .unwrap_err();
        assert_eq!(err.line, Some(3), "{err:?}");
    }
}
