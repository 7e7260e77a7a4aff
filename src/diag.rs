//! Diagnostics: the problems a run finds, as data.
//!
//! Every stage (loading settings and notes, checking, verifying, ingesting logs)
//! returns its problems as [`Diagnostic`] values instead of printing them. The
//! command layer prints them in rustc's style, the report model shows them in the
//! portal, and the nightly JSON carries them. Nothing deep inside opsbook prints.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// How bad a problem is. Errors make a run exit 1; warnings are shown only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem, with its place in a file when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable name for the kind of problem, for CI and dashboards to
    /// match on (`contradicts_backup_jobs`); most problems have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// Path relative to the project directory, `/`-separated.
    pub file: String,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The text of `line`, for the snippet under the message.
    #[serde(skip)]
    pub source_line: Option<String>,
    /// Characters of `source_line` to underline, from `column`.
    #[serde(skip)]
    pub underline: usize,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, message)
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, message)
    }

    pub fn new(severity: Severity, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code: None,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            hint: None,
            source_line: None,
            underline: 0,
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Place the problem at a line (1-based) with no snippet.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Place the problem at a byte span of `source`, whose first line is line
    /// `first_line` of the file (front matter starts below its `+++` fence).
    pub fn at_span(mut self, source: &str, span: Range<usize>, first_line: usize) -> Self {
        let loc = Location::of(source, span.start);
        let line_text = source[loc.line_start..].lines().next().unwrap_or("");
        let end = span.end.clamp(span.start, loc.line_start + line_text.len());
        let underline = source
            .get(span.start..end)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        self.line = Some(first_line + loc.line);
        self.column = Some(loc.column + 1);
        self.source_line = Some(line_text.to_string());
        self.underline = underline.max(1);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, as far as it is known.
    /// Control characters in the file's name are escaped
    /// ([`crate::name::printable`]): a name cannot split a line of a CI log.
    pub fn place(&self) -> String {
        let file = crate::name::printable(&self.file, false);
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.into_owned(),
        }
    }
}

impl fmt::Display for Diagnostic {
    /// The one-line form: `file:line:col: error: message`, or
    /// `warning[code]` for a problem with a code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place(), self.severity)?;
        if let Some(code) = self.code {
            write!(f, "[{code}]")?;
        }
        write!(f, ": {}", crate::name::printable(&self.message, true))
    }
}

/// Zero-based line and column (in characters) of a byte offset.
struct Location {
    line: usize,
    column: usize,
    line_start: usize,
}

impl Location {
    fn of(source: &str, offset: usize) -> Location {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let before = &source[..offset];
        let line = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..offset].chars().count();
        Location {
            line,
            column,
            line_start,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The most problems listed for one file; past this many, the rest are
/// counted in one line. This also bounds the work a hostile file can cause:
/// placing a problem at its line costs a pass over the text before it.
pub const MAX_PER_FILE: usize = 50;

/// Keeps the first [`MAX_PER_FILE`] problems of `file`'s list, and says how
/// many more there were.
/// A line that says so is merged into the one this writes, so that a list
/// capped twice (syntax errors, then every problem) says it once.
pub fn cap(file: &str, problems: &mut Vec<Diagnostic>, more: usize) {
    let mut more = more;
    problems.retain(|d| match unlisted(d) {
        Some(n) => {
            more += n;
            false
        }
        None => true,
    });
    more += problems.len().saturating_sub(MAX_PER_FILE);
    problems.truncate(MAX_PER_FILE);
    if more > 0 {
        problems.push(Diagnostic::error(
            file,
            format!("{UNLISTED_START}{more}{UNLISTED_END}"),
        ));
    }
}

/// A file's problems as they are listed: capped in the order they were
/// found (which puts the ones placed at their lines first, see [`cap`]),
/// then sorted by line.
pub fn tidy(file: &str, problems: &mut Vec<Diagnostic>) {
    cap(file, problems, 0);
    sort(problems);
}

const UNLISTED_START: &str = "… and ";
const UNLISTED_END: &str = " more problems in this file, not listed";

/// How many problems a line written by [`cap`] stands for.
fn unlisted(d: &Diagnostic) -> Option<usize> {
    d.message
        .strip_prefix(UNLISTED_START)?
        .strip_suffix(UNLISTED_END)?
        .parse()
        .ok()
}

/// Counts of a list of diagnostics.
pub fn count_errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

/// Sort diagnostics by file, line and column, so output is stable whatever
/// order the parallel stages finished in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.column, a.severity, &a.message).cmp(&(
            b.file.as_str(),
            b.line,
            b.column,
            b.severity,
            &b.message,
        ))
    });
}

/// Renders diagnostics in rustc's style with annotate-snippets.
pub struct Printer {
    renderer: annotate_snippets::Renderer,
}

impl Printer {
    pub fn new(color: bool) -> Self {
        let renderer = if color {
            annotate_snippets::Renderer::styled()
        } else {
            annotate_snippets::Renderer::plain()
        };
        Printer { renderer }
    }

    pub fn render(&self, d: &Diagnostic) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Origin, Snippet};

        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        // Names quoted in messages and paths are shown with their control
        // characters escaped: a file name cannot restyle the terminal or
        // forge a line of the log.
        let message = crate::name::printable(&d.message, true);
        let file = crate::name::printable(&d.file, false);
        let mut title = level.primary_title(message.as_ref());
        if let Some(code) = d.code {
            title = title.id(code);
        }
        let mut groups = Vec::new();
        let main = match (&d.source_line, d.line, d.column) {
            (Some(text), Some(line), Some(col)) => {
                let start = byte_of_char(text, col - 1);
                let end = byte_of_char(text, col - 1 + d.underline).max(start);
                title.element(
                    Snippet::source(text.as_str())
                        .line_start(line)
                        .path(file.as_ref())
                        .annotation(AnnotationKind::Primary.span(start..end)),
                )
            }
            (_, Some(line), col) => {
                let mut origin = Origin::path(file.as_ref()).line(line);
                if let Some(col) = col {
                    origin = origin.char_column(col);
                }
                title.element(origin)
            }
            _ => title.element(Origin::path(file.as_ref())),
        };
        groups.push(main);
        if let Some(hint) = &d.hint {
            groups.push(Group::with_title(Level::HELP.secondary_title(hint.as_str())));
        }
        self.renderer.render(&groups)
    }
}

fn byte_of_char(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_maps_to_line_and_column_with_offset() {
        let src = "id = \"1\"\n日期 = 3\n";
        let off = src.find('3').unwrap();
        let d = Diagnostic::error("a.md", "bad").at_span(src, off..off + 1, 2);
        assert_eq!(d.line, Some(3));
        assert_eq!(d.column, Some(6));
        assert_eq!(d.source_line.as_deref(), Some("日期 = 3"));
        assert_eq!(d.place(), "a.md:3:6");
    }

    #[test]
    fn rendering_names_the_place_and_the_hint() {
        let src = "severity = \"huge\"\n";
        let d = Diagnostic::error("content/incidents/x.md", "unknown severity")
            .at_span(src, 11..17, 2)
            .with_hint("use `general` or `major`");
        let out = Printer::new(false).render(&d);
        assert!(out.contains("error: unknown severity"), "{out}");
        assert!(out.contains("content/incidents/x.md:2:12"), "{out}");
        assert!(out.contains("^^^^^^"), "{out}");
        assert!(out.contains("help: use `general` or `major`"), "{out}");
    }
}
