//! The engineers' notes: every markdown file under `content/`.

pub mod body;
pub mod frontmatter;
pub mod id;
pub mod kinds;

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use rayon::prelude::*;
use serde::Serialize;

use crate::diag::{Diagnostic, Severity};
use crate::load::toml_doc::KeyIndex;
use crate::load::{Project, nesting};
pub use body::Body;
pub use kinds::{Kind, Meta};

/// Notes larger than this are refused: a note is a form, not a data dump, and
/// a runaway file should not make a page of tens of megabytes.
pub const MAX_NOTE_BYTES: u64 = 8 * 1024 * 1024;

/// Who may read a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// Shown in the client's portal (the default).
    #[default]
    Client,
    /// `audience = "internal"`: left out of the client's portal.
    Internal,
}

/// One note, read and typed.
#[derive(Debug, Clone)]
pub struct Note {
    /// Path relative to the project, `/`-separated.
    pub path: String,
    pub kind: Kind,
    pub audience: Audience,
    pub meta: Meta,
    pub body: Body,
    /// The front matter as written, for diagnostics of later checks.
    pub source: NoteSource,
}

/// A note's front matter text and where each key sits in it.
#[derive(Debug, Clone)]
pub struct NoteSource {
    pub front: String,
    /// File line of the front matter's first line.
    pub front_line: usize,
    /// File line and text of the closing fence (`+++`).
    pub fence: (usize, String),
    pub keys: KeyIndex,
}

impl NoteSource {
    /// A diagnostic at the value of `key` (a dotted path such as
    /// `checks.2.result`), or at the closing fence of the front matter, where
    /// an absent key would be added.
    pub fn diagnostic(
        &self,
        severity: Severity,
        file: &str,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let d = Diagnostic::new(severity, file, message);
        match self.keys.span(key) {
            Some(span) => d.at_span(&self.front, span, self.front_line),
            None => {
                let (line, text) = &self.fence;
                d.at_span(text, 0..text.len(), *line)
            }
        }
    }

    pub fn error(&self, file: &str, key: &str, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(Severity::Error, file, key, message)
    }
}

impl Note {
    pub fn id(&self) -> String {
        self.meta.id()
    }

    pub fn is_internal(&self) -> bool {
        self.audience == Audience::Internal
    }

    /// An error at the value of `key` in this note's front matter.
    pub fn error(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        self.source.error(&self.path, key, message)
    }

    pub fn warning(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        self.source
            .diagnostic(Severity::Warning, &self.path, key, message)
    }
}

/// Every note that could be read, and a diagnostic for every file that could not.
#[derive(Debug, Default)]
pub struct Loaded {
    pub notes: Vec<Note>,
    pub diagnostics: Vec<Diagnostic>,
    /// Markdown files found (read or not).
    pub files: usize,
}

/// Loads every `.md` file under the project's `content/`, in parallel.
pub fn load_all(project: &Project) -> Loaded {
    let content = project.content_dir();
    let mut loaded = Loaded::default();
    if !content.is_dir() {
        return loaded;
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in walkdir::WalkDir::new(&content)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
    {
        match entry {
            Ok(e) if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md") => {
                paths.push(e.into_path());
            }
            Ok(_) => {}
            Err(err) => loaded.diagnostics.push(walk_error(project, &err)),
        }
    }
    loaded.files = paths.len();
    let tz = project.tz();
    let results: Vec<_> = paths
        .par_iter()
        .map(|path| read_note(project, path, tz))
        .collect();
    for r in results {
        match r {
            Ok((note, diags)) => {
                loaded.notes.extend(note);
                loaded.diagnostics.extend(diags);
            }
            Err(diags) => loaded.diagnostics.extend(diags),
        }
    }
    loaded
}

fn walk_error(project: &Project, err: &walkdir::Error) -> Diagnostic {
    let path = err
        .path()
        .map(|p| project.rel(p))
        .unwrap_or_else(|| "content".into());
    if let Some(ancestor) = err.loop_ancestor() {
        return Diagnostic::error(
            path,
            format!("symbolic link loop: it leads back to {}", project.rel(ancestor)),
        )
        .with_hint("remove the link or point it outside its own folder; the rest of content/ was read");
    }
    let reason = err
        .io_error()
        .map(|e| e.to_string())
        .unwrap_or_else(|| err.to_string());
    Diagnostic::error(path, format!("cannot read this folder entry: {reason}"))
}

fn read_note(
    project: &Project,
    path: &Path,
    tz: Tz,
) -> Result<(Option<Note>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let rel = project.rel(path);
    let unreadable = |e: std::io::Error| {
        vec![Diagnostic::error(
            rel.clone(),
            format!("cannot read the note: {e}"),
        )]
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_NOTE_BYTES {
        return Err(vec![
            Diagnostic::error(
                rel.clone(),
                format!(
                    "the note is {:.1} MB; notes may be at most {} MB",
                    size as f64 / 1e6,
                    MAX_NOTE_BYTES / 1024 / 1024
                ),
            )
            .with_hint("move large attachments or logs out of content/ and link to them"),
        ]);
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let folder = path.strip_prefix(project.content_dir()).ok().and_then(|p| {
        let mut parts = p.components();
        let first = parts.next()?;
        // A file directly in content/ has no kind folder.
        parts.next()?;
        Some(first.as_os_str().to_string_lossy().into_owned())
    });
    Ok(read_note_bytes(&rel, &bytes, folder.as_deref(), tz))
}

/// Parses one note from its bytes. `folder` is the folder directly under
/// `content/` that holds it, if any. Fails with every problem of a note that
/// cannot be read; see [`read_note_bytes`] for the problems of one that can.
pub fn parse_note(rel: &str, bytes: &[u8], folder: Option<&str>, tz: Tz) -> Result<Note, Vec<Diagnostic>> {
    match read_note_bytes(rel, bytes, folder, tz) {
        (Some(note), problems) if !problems.iter().any(Diagnostic::is_error) => Ok(note),
        (_, problems) => Err(problems),
    }
}

/// Reads one note from its bytes: the note, when it can be read, and every
/// problem found in it (a note may be read and still have problems, such as
/// times out of order).
pub fn read_note_bytes(
    rel: &str,
    bytes: &[u8],
    folder: Option<&str>,
    tz: Tz,
) -> (Option<Note>, Vec<Diagnostic>) {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return (None, vec![utf8_diagnostic(rel, bytes, e)]),
    };
    if text.trim().is_empty() {
        let d = Diagnostic::error(rel, "the note is empty")
            .with_hint("write its front matter between `+++` lines, or delete the file");
        return (None, vec![d]);
    }
    let split = match frontmatter::split(text, rel) {
        Ok(s) => s,
        Err(d) => return (None, vec![d]),
    };
    let folder_kind = folder.and_then(Kind::from_name);
    let (front, mut problems) =
        crate::time::with_timezone(tz, || frontmatter::parse(&split, rel, folder_kind, tz));
    let deep_body = nesting::markdown(split.body);
    if let Some(deep) = &deep_body {
        problems.push(frontmatter::too_deep(rel, split.body, split.body_line, deep));
    }
    crate::diag::tidy(rel, &mut problems);
    let note = match front {
        Some(front) if deep_body.is_none() => Some(Note {
            path: rel.to_string(),
            kind: front.kind,
            audience: front.audience,
            meta: front.meta,
            body: Body::new(split.body.to_string(), split.body_line),
            source: front.source,
        }),
        _ => None,
    };
    (note, problems)
}

/// A diagnostic for bytes that are not UTF-8, at the line of the first bad byte.
pub fn utf8_diagnostic(rel: &str, bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let good = &bytes[..e.valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
    let mut d = Diagnostic::error(
        rel,
        format!("the file is not valid UTF-8 (byte {} is not)", e.valid_up_to()),
    )
    .with_hint("save the file as UTF-8; text copied from older Office files is often GBK");
    d.line = Some(line);
    d.column = Some(column);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::DEFAULT_TIMEZONE;
    use proptest::prelude::*;

    const INCIDENT: &str = r#"+++
id = "INC-250311-01"
title = "公文交换接口超时"
severity = "general"
reported_at = 2025-03-11T09:20:00
resolved_at = 2025-03-11T10:05:00
engineers = ["张伟"]
audience = "internal"
+++

## 原因分析

接口证书过期。
"#;

    #[test]
    fn a_valid_incident_is_typed() {
        let note = parse_note(
            "content/incidents/a.md",
            INCIDENT.as_bytes(),
            Some("incidents"),
            DEFAULT_TIMEZONE,
        )
        .unwrap();
        assert_eq!(note.kind, Kind::Incident);
        assert_eq!(note.audience, Audience::Internal);
        let Meta::Incident(inc) = &note.meta else { panic!() };
        assert_eq!(inc.reported_at.to_string(), "2025-03-11T09:20:00+08:00");
        assert_eq!(note.body.section("原因分析"), Some("接口证书过期。"));
        assert_eq!(note.body.sections[0].line, 11);
    }

    #[test]
    fn every_missing_key_is_reported() {
        let text = "+++\nid = \"INC-250311-01\"\n+++\n";
        let errs = parse_note("x.md", text.as_bytes(), Some("incidents"), DEFAULT_TIMEZONE).unwrap_err();
        let missing: Vec<_> = errs.iter().map(|d| d.message.clone()).collect();
        assert_eq!(errs.len(), 4, "{missing:?}");
    }

    #[test]
    fn bad_enum_value_points_at_its_line() {
        let text = INCIDENT.replace("\"general\"", "\"huge\"");
        let errs = parse_note("x.md", text.as_bytes(), Some("incidents"), DEFAULT_TIMEZONE).unwrap_err();
        assert_eq!(errs[0].line, Some(4), "{errs:?}");
        assert!(errs[0].message.contains("huge"));
    }

    #[test]
    fn type_key_overrides_the_folder() {
        let text = "+++\ntype = \"faq\"\nid = \"FAQ-001\"\nquestion = \"如何重置密码\"\n+++\n";
        let note = parse_note(
            "content/misc/a.md",
            text.as_bytes(),
            Some("misc"),
            DEFAULT_TIMEZONE,
        )
        .unwrap();
        assert_eq!(note.kind, Kind::Faq);
    }

    #[test]
    fn yaml_front_matter_is_accepted() {
        let text = "---\nid: FAQ-002\nquestion: 预览空白\ntags: [OFD]\n---\n正文\n";
        let note = parse_note("content/faq/a.md", text.as_bytes(), Some("faq"), DEFAULT_TIMEZONE).unwrap();
        assert_eq!(note.id(), "FAQ-002");
    }

    #[test]
    fn yaml_front_matter_is_held_to_the_same_schema() {
        let text = "---\nid: INC-250311-01\ntitle:\nseverity: huge\nreported_at: 2025-03-11 09:20\nengineers: [张伟]\nweather: 晴\n---\n";
        let (note, errs) = read_note_bytes("x.md", text.as_bytes(), Some("incidents"), DEFAULT_TIMEZONE);
        assert!(note.is_none());
        let found: Vec<_> = errs
            .iter()
            .map(|d| (d.line.unwrap(), d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (3, "`title` is blank; the record would be published without it"),
                (4, "`severity` cannot be `huge`"),
                (7, "unknown key `weather` in an incident"),
            ]
        );
    }

    #[test]
    fn non_utf8_names_the_line() {
        let mut bytes = b"+++\nid = \"x\"\ntitle = \"".to_vec();
        bytes.extend_from_slice(&[0xd6, 0xd0, 0xce, 0xc4]);
        let errs = parse_note("x.md", &bytes, Some("incidents"), DEFAULT_TIMEZONE).unwrap_err();
        assert_eq!(errs[0].line, Some(3));
        assert!(errs[0].message.contains("UTF-8"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_note("x.md", &bytes, Some("incidents"), DEFAULT_TIMEZONE);
        }

        #[test]
        fn arbitrary_front_matter_never_panics(front in "[a-z_ =\"\\[\\]{}.,0-9:T\\n+-]{0,200}") {
            let text = format!("+++\n{front}\n+++\nbody\n");
            for folder in ["inspections", "incidents", "workorders", "faq", "trainings", "upgrades", "vulnerabilities", "reports"] {
                let _ = parse_note("x.md", text.as_bytes(), Some(folder), DEFAULT_TIMEZONE);
            }
        }
    }
}
