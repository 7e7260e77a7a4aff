//! The portal's look: templates, static files and labels.
//!
//! The default theme (`themes/default/` in this repository) is compiled into
//! the binary. A project that sets `[site] theme = "NAME"` may put files of
//! the same names under `themes/NAME/` to replace them, as Zola's themes do:
//! `templates/*.html`, `static/*`, and `labels/<language>.toml`, whose keys
//! are laid over the built-in labels of that language (so a theme changes one
//! label without copying the table).

use std::path::{Path, PathBuf};

use minijinja::value::Serde;
use minijinja::{Environment, Value};

use super::RenderError;
use super::filters;
use crate::load::settings::Language;

macro_rules! compiled_in {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/", $dir, "/", $name)))),*]
    };
}

/// The default theme's templates.
pub const TEMPLATES: &[(&str, &str)] = compiled_in!("templates":
    "base.html",
    "index.html",
    "inspection.html",
    "inspections.html",
    "inspections-month.html",
    "inspections-week.html",
    "inspections-print.html",
    "incident.html",
    "incidents.html",
    "workorder.html",
    "workorders.html",
    "faq.html",
    "faq-entry.html",
    "training.html",
    "trainings.html",
    "upgrade.html",
    "upgrades.html",
    "vulnerability.html",
    "vulnerabilities.html",
    "correction.html",
    "reviews.html",
    "summary.html",
    "reports.html",
    "backups.html",
    "schedule.html",
    "logs.html",
    "logs-month.html",
    "search.html",
    "feed.xml",
    "parts/inspection-form.html",
    "parts/source.html",
    "parts/signoff.html",
    "parts/inspection-rows.html",
    "parts/inspection-brief.html",
    "parts/incident-rows.html",
    "parts/incident-brief.html",
    "parts/workorder-rows.html",
    "parts/workorder-brief.html",
    "parts/vulnerability-rows.html",
    "parts/vulnerability-brief.html",
    "parts/training-rows.html",
    "parts/upgrade-rows.html",
    "parts/sla-outcomes.html",
    "parts/sla-rules.html",
    "parts/breach-rows.html",
    "parts/alert-rows.html",
    "parts/alert-name.html",
    "parts/correction-rows.html",
    "parts/history-breaks.html",
);

/// The default theme's static files, copied to `site/static/`.
const STATIC: &[(&str, &str)] = compiled_in!("static": "style.css", "search.js");

/// The built-in label tables, one per language.
const LABELS: &[(&str, &str)] = compiled_in!("labels": "zh-CN.toml", "en.toml");

/// A loaded theme.
pub struct Theme {
    pub env: Environment<'static>,
    /// Every template's name and source, in name order: what a page's look
    /// depends on.
    pub sources: Vec<(String, String)>,
    /// The labels of the portal's language (`t` in templates).
    pub labels: toml::Table,
    /// Files to copy, as (site-relative path, bytes).
    pub static_files: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// The default theme, with `theme_dir`'s files over it.
    pub fn load(theme_dir: Option<&Path>, language: Language) -> Result<Theme, RenderError> {
        let mut sources: Vec<(String, String)> = TEMPLATES
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        let mut static_files: Vec<(String, Vec<u8>)> = STATIC
            .iter()
            .map(|(n, s)| (format!("static/{n}"), s.as_bytes().to_vec()))
            .collect();
        let lang = language_code(language);
        let file = format!("{lang}.toml");
        let builtin = LABELS
            .iter()
            .find(|(n, _)| *n == file)
            .map(|(_, s)| *s)
            .expect("a label table per language");
        let mut labels: toml::Table = toml::from_str(builtin).expect("the built-in labels parse");

        if let Some(dir) = theme_dir {
            for (rel, path) in files_under(&dir.join("templates"))? {
                let text = std::fs::read_to_string(&path).map_err(|e| RenderError::theme(&path, e))?;
                match sources.iter_mut().find(|(n, _)| *n == rel) {
                    Some(slot) => slot.1 = text,
                    None => sources.push((rel, text)),
                }
            }
            for (rel, path) in files_under(&dir.join("static"))? {
                let bytes = std::fs::read(&path).map_err(|e| RenderError::theme(&path, e))?;
                let rel = format!("static/{rel}");
                match static_files.iter_mut().find(|(n, _)| *n == rel) {
                    Some(slot) => slot.1 = bytes,
                    None => static_files.push((rel, bytes)),
                }
            }
            let path = dir.join("labels").join(&file);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let over: toml::Table =
                        toml::from_str(&text).map_err(|e| RenderError::theme(&path, e))?;
                    merge(&mut labels, over);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(RenderError::theme(&path, e)),
            }
        }
        sources.sort();

        let mut env = Environment::new();
        // Every value printed into an .html or .xml template is escaped;
        // markdown becomes safe only through the sanitising `markdown` filter.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".xml") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        // minijinja's own escaping also writes `/` as `&#x2f;`, which makes
        // every relative link unreadable; quotes and angle brackets are what
        // matter, so strings are escaped here and the rest left to it.
        env.set_formatter(|out, state, value| match value.as_str() {
            Some(s) if *state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() => out
                .write_str(&super::escape_html(s))
                .map_err(minijinja::Error::from),
            _ => minijinja::escape_formatter(out, state, value),
        });
        // A field the model does not have (renamed, misspelt) fails the
        // build, and the tests with it, instead of rendering as nothing.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in &sources {
            env.add_template_owned(name.clone(), source.clone())
                .map_err(RenderError::TemplateSource)?;
        }
        filters::register(&mut env);
        env.add_global("t", Value::from(Serde(&labels)));
        Ok(Theme {
            env,
            sources,
            labels,
            static_files,
        })
    }
}

pub fn language_code(language: Language) -> &'static str {
    match language {
        Language::ZhCn => "zh-CN",
        Language::En => "en",
    }
}

/// Lays `over`'s keys onto `base`, table by table.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Files under `root` as (`/`-separated relative path, path); none when the
/// folder does not exist.
fn files_under(root: &Path) -> Result<Vec<(String, PathBuf)>, RenderError> {
    if !root.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(|e| RenderError::theme(root, e))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .expect("walkdir stays under its root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.push((rel, entry.into_path()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of one language's labels is in the other's.
    #[test]
    fn the_languages_have_the_same_labels() {
        fn keys(t: &toml::Table, prefix: &str, out: &mut Vec<String>) {
            for (k, v) in t {
                let path = format!("{prefix}{k}");
                match v {
                    toml::Value::Table(t) => keys(t, &format!("{path}."), out),
                    _ => out.push(path),
                }
            }
        }
        let tables: Vec<Vec<String>> = LABELS
            .iter()
            .map(|(_, text)| {
                let mut out = Vec::new();
                keys(&toml::from_str(text).unwrap(), "", &mut out);
                out.sort();
                out
            })
            .collect();
        assert_eq!(tables[0], tables[1]);
    }

    #[test]
    fn a_theme_overrides_a_template_and_one_label() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::create_dir_all(dir.path().join("labels")).unwrap();
        std::fs::write(dir.path().join("templates/logs.html"), "mine").unwrap();
        std::fs::write(dir.path().join("labels/zh-CN.toml"), "[nav]\nfaq = \"知识库\"\n").unwrap();
        let theme = Theme::load(Some(dir.path()), Language::ZhCn).unwrap();
        assert_eq!(
            theme.env.get_template("logs.html").unwrap().render(()).unwrap(),
            "mine"
        );
        let nav = theme.labels["nav"].as_table().unwrap();
        assert_eq!(nav["faq"].as_str(), Some("知识库"));
        assert!(nav.contains_key("incidents"), "other labels stay");
    }
}
