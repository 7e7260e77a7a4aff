//! The last stage: the portal, rendered from the report model with minijinja
//! and written all-or-nothing to `site/`.

pub mod junit;
pub mod markdown;
pub mod templates;
pub mod writer;

use std::path::PathBuf;

use minijinja::value::Serde;
use minijinja::{Value, context};
use rayon::prelude::*;

use crate::load::Project;
use crate::report::Report;
use writer::SiteWriter;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template error: {0:#}")]
    Template(#[from] minijinja::Error),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

/// What a build wrote.
#[derive(Debug, Clone, Default)]
pub struct SiteSummary {
    pub pages: usize,
    pub files: usize,
    pub out: PathBuf,
}

/// One file of the site to render: a template and its page context.
struct Page {
    path: String,
    template: &'static str,
    context: Value,
}

/// "../" repeated for a page's depth, so links work opened from disk.
fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// Renders `report` into the project's `site/`.
pub fn build_site(project: &Project, report: &Report) -> Result<SiteSummary, RenderError> {
    let theme_dir = project
        .settings
        .site
        .theme
        .as_ref()
        .map(|t| project.themes_dir().join(t));
    let mut env = templates::environment(theme_dir.clone());
    env.add_global("site", Value::from(Serde(report)));

    let mut pages = vec![Page {
        path: "index.html".into(),
        template: "index.html",
        context: Value::UNDEFINED,
    }];
    for note in &report.notes {
        pages.push(Page {
            path: note.url.clone(),
            template: "note.html",
            context: Value::from(Serde(note)),
        });
    }

    let out = project.site_dir();
    let write_error = |path: &str| {
        let path = path.to_string();
        move |source| RenderError::Write { path, source }
    };
    let writer = SiteWriter::new(&out).map_err(write_error("site"))?;
    pages.par_iter().try_for_each(|page| -> Result<(), RenderError> {
        let template = env.get_template(page.template)?;
        let html = template.render(context! { page => page.context.clone(), root => root_of(&page.path) })?;
        writer
            .write(&page.path, html.as_bytes())
            .map_err(write_error(&page.path))
    })?;
    let mut files = pages.len();
    for (name, bytes) in templates::STATIC {
        let path = format!("static/{name}");
        writer.write(&path, bytes).map_err(write_error(&path))?;
        files += 1;
    }
    for (rel, path) in templates::theme_static_files(theme_dir.as_ref()) {
        let bytes = std::fs::read(&path).map_err(write_error(&rel))?;
        writer.write(&rel, &bytes).map_err(write_error(&rel))?;
        files += 1;
    }
    writer.commit().map_err(write_error("site"))?;
    Ok(SiteSummary {
        pages: pages.len(),
        files,
        out,
    })
}
