//! The computations later commands make from the settings, made by `check`
//! too, so that what `check` accepts every other command can use. They need
//! the later stages (the report's masking, the renderer's theme), so they
//! are wired here, among the commands, not in `analyse`.
//!
//! Each value is already held against its type when the settings are read
//! (every regex compiles, every glob parses, every duration is bounded);
//! what is left is what only the values together, or the files they name,
//! decide: the masking rules compiled into one set (which has a size limit
//! of its own), each backup set's globs built as verification builds them,
//! and the theme loaded and its templates compiled as a build does.

use crate::diag::Diagnostic;
use crate::load::Project;
use crate::load::settings::FILE_NAME;
use crate::load::toml_doc::TomlDoc;
use crate::render::theme::Theme;
use crate::report::redact::Redactor;

/// `mask` is the client's masking as `[redact]` compiles, or its problems.
pub fn check(project: &Project, mask: &Result<Redactor, Vec<Diagnostic>>) -> Vec<Diagnostic> {
    let settings = &project.settings;
    let mut out: Vec<(&str, Diagnostic)> = Vec::new();
    if let Err(problems) = mask {
        out.extend(problems.iter().map(|d| ("redact", d.clone())));
    }
    for set in &settings.backups {
        if let Err(e) = crate::analyse::verify::set::globs(&set.include) {
            out.push((
                "backups",
                Diagnostic::error(
                    FILE_NAME,
                    format!("backup set `{}`: its include globs cannot be used: {e}", set.name),
                ),
            ));
        }
    }
    if let Some(name) = &settings.site.theme {
        let dir = project.themes_dir().join(name);
        if !dir.is_dir() {
            out.push((
                "site.theme",
                Diagnostic::warning(
                    FILE_NAME,
                    format!("there is no theme folder {}: the built-in theme is used", project.rel(&dir)),
                )
                .with_hint("create the folder with the templates, labels or static files to replace, or remove `theme`"),
            ));
        } else if let Err(e) = Theme::load(Some(&dir), settings.project.language) {
            // The template engine's message goes on with the template's
            // lines; its first line names the file and line.
            let e = e.to_string();
            let first = e.lines().next().unwrap_or_default();
            out.push((
                "site.theme",
                Diagnostic::error(FILE_NAME, format!("the theme `{name}` cannot be used: {first}")),
            ));
        }
    }
    if out.is_empty() {
        return Vec::new();
    }
    // Placed at the setting, in the settings as written.
    let text = std::fs::read_to_string(project.root.join(FILE_NAME)).unwrap_or_default();
    let index = TomlDoc::parse(&text, FILE_NAME, 1).index;
    out.into_iter()
        .map(|(path, d)| match (d.line, index.span(path)) {
            (None, Some(span)) => d.at_span(&text, span, 1),
            _ => d,
        })
        .collect()
}
