//! The template environment: the default theme compiled into the binary, and
//! a project's theme folder whose files of the same name override it (as
//! Zola's themes do).

use std::path::PathBuf;

use minijinja::{Environment, Value};

/// The default theme's templates, compiled in.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "note.html",
        include_str!("../../themes/default/templates/note.html"),
    ),
];

/// The default theme's static files, copied to `site/static/`.
pub const STATIC: &[(&str, &[u8])] = &[(
    "style.css",
    include_bytes!("../../themes/default/static/style.css"),
)];

/// The environment for a build. `theme_dir` is `themes/<name>/` when the
/// project names a theme; its `templates/` folder is searched first.
pub fn environment(theme_dir: Option<PathBuf>) -> Environment<'static> {
    let mut env = Environment::new();
    // HTML-escape every value in .html templates; markdown output is marked
    // safe by the `markdown` filter after sanitising.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".xml") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env.set_loader(move |name| {
        if let Some(dir) = &theme_dir {
            let path = dir.join("templates").join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => return Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("cannot read {}: {e}", path.display()),
                    ));
                }
            }
        }
        Ok(TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string()))
    });
    env.add_filter("markdown", |text: Option<String>| {
        Value::from_safe_string(super::markdown::to_html(text.as_deref().unwrap_or("")))
    });
    env
}

/// Static files of the theme folder, if any, as (site-relative path, path).
pub fn theme_static_files(theme_dir: Option<&PathBuf>) -> Vec<(String, PathBuf)> {
    let Some(dir) = theme_dir else { return Vec::new() };
    let root = dir.join("static");
    walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((format!("static/{rel}"), e.into_path()))
        })
        .collect()
}
