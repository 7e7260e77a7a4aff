//! The last stage: the portal, rendered from the report model.
//!
//! [`build_site`] is the entry point: it lists every file of the site with a
//! fingerprint of the data it is made from ([`pages`], [`plan`]), renders and writes
//! only the files whose fingerprint changed since the last build (recorded
//! in [`manifest`]), and commits them to `site/` all-or-nothing through
//! [`writer`]. Pages come from minijinja templates ([`theme`], [`filters`]),
//! with sanitised markdown ([`markdown`]), inline SVG charts ([`charts`]), a
//! Chinese-capable search index ([`search`]) and an Atom feed ([`feed`]).

pub mod charts;
pub mod digest;
pub mod feed;
pub mod filters;
pub mod junit;
pub mod manifest;
pub mod markdown;
pub mod pages;
pub mod plan;
pub mod search;
pub mod site_out;
pub mod theme;
pub mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use rayon::prelude::*;

use crate::load::Project;
use crate::report::Report;
use crate::state::published::{self, Published};
use manifest::{CheckCounts, Header, Manifest};
use pages::SiteInfo;
use plan::{Content, Fragment, Output, Plan};
use theme::Theme;
use writer::{SiteError, SiteWriter};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    // minijinja's errors are kept as plain fields, not as `source`: their
    // alternate form already shows the template excerpt, and a chained
    // source would print the same message twice.
    #[error("template error in {path}: {error:#}")]
    Template { path: String, error: minijinja::Error },
    #[error("theme: {0:#}")]
    TemplateSource(minijinja::Error),
    #[error("theme file {path}: {message}")]
    Theme { path: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    Out(#[from] site_out::OutError),
}

impl RenderError {
    pub fn theme(path: &Path, e: impl std::fmt::Display) -> RenderError {
        RenderError::Theme {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// How [`build_site`] is asked to build.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    /// `load::inputs::digest` of this build, when the caller took one, so
    /// that the next `opsbook build` can tell nothing changed.
    pub inputs: Option<String>,
    /// The check's counts, replayed when the site is found up to date.
    pub check: CheckCounts,
    /// The verification history's record to publish with the site
    /// ([`published`]), when the caller took one.
    pub published: Option<Published>,
}

/// What a build did.
#[derive(Debug, Clone, Default)]
pub struct SiteSummary {
    /// Files the site has.
    pub files: usize,
    /// Files rendered and written by this build.
    pub written: usize,
    /// Files deleted because nothing makes them any more.
    pub removed: usize,
    pub out: PathBuf,
}

/// Opens the project's site folder for writing, as a build does, and
/// closes it again: the rules of `[site] out` are checked, and a build
/// that was interrupted (killed) is finished or rolled back. Returns the
/// folder, resolved. `opsbook build` does this before it decides the site
/// is up to date, so that no leftover outlives a build.
pub fn open_site(project: &Project) -> Result<PathBuf, RenderError> {
    let out = site_out::resolve_out(project)?;
    drop(SiteWriter::open(&out, &project.rel(&project.site_dir()))?);
    Ok(out)
}

/// Renders `report` into the project's `site/`, rewriting only what changed.
pub fn build_site(
    project: &Project,
    report: &Report,
    options: &SiteOptions,
) -> Result<SiteSummary, RenderError> {
    let out = site_out::resolve_out(project)?;
    // Opening finishes or rolls back a build that was interrupted, which
    // may leave another manifest: it is read after, beside the planning.
    let mut writer = SiteWriter::open(&out, &project.rel(&project.site_dir()))?;
    let (prepared, old) = rayon::join(
        || prepare(project, report),
        || Manifest::read(&out, report.audience),
    );
    let (
        env,
        Plan {
            outputs, fragments, ..
        },
    ) = prepared?;
    let new = Manifest {
        header: Header::new(
            report.audience,
            options.inputs.clone(),
            report.validity,
            options.check,
        ),
        files: outputs.iter().map(|o| (o.path.as_str(), o.fingerprint)).collect(),
    };
    let dirty: Vec<&Output> = outputs
        .iter()
        .filter(|o| {
            old.as_ref()
                .is_none_or(|m| m.files.get(&o.path) != new.files.get(o.path.as_str()))
        })
        .collect();
    let removed: Vec<String> = old
        .as_ref()
        .map(|m| {
            m.files
                .keys()
                .filter(|p| !new.files.contains_key(p.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    // The history's record changes with the history, or not at all; a
    // whole new site gets it in any case.
    let record = options
        .published
        .as_ref()
        .map(Published::to_bytes)
        .filter(|bytes| {
            old.is_none() || std::fs::read(out.join(published::PATH)).ok().as_ref() != Some(bytes)
        });
    let summary = SiteSummary {
        files: outputs.len(),
        written: dirty.len(),
        removed: removed.len(),
        out: project.site_dir(),
    };
    let unchanged = old.as_ref().is_some_and(|m| m.header == new.header);
    if unchanged && dirty.is_empty() && removed.is_empty() && record.is_none() {
        return Ok(summary);
    }

    // Without a manifest to go by, a whole new site replaces the old one.
    // (A path the old manifest lists is the site's own.)
    if let Some(old) = &old {
        writer.check_unlisted(
            dirty
                .iter()
                .map(|o| o.path.as_str())
                .filter(|p| !old.files.contains_key(*p)),
        )?;
    }
    writer.stage(old.is_none())?;
    writer
        .make_dirs(dirty.iter().map(|o| o.path.as_str()).chain([manifest::PATH]))
        .map_err(write_error("site"))?;
    let shown = render_fragments(&env, &fragments, &dirty)?;
    plan::make_parts(&dirty);
    dirty
        .par_iter()
        .try_for_each(|o| write_output(&env, &writer, o, &shown))?;
    writer
        .write(manifest::PATH, &new.to_bytes())
        .map_err(write_error(manifest::PATH))?;
    let mut files: Vec<String> = dirty.iter().map(|o| o.path.clone()).collect();
    if let Some(bytes) = &record {
        writer
            .write(published::PATH, bytes)
            .map_err(write_error(published::PATH))?;
        files.push(published::PATH.to_string());
    }
    files.push(manifest::PATH.to_string());
    writer.commit(files, removed).map_err(write_error("site"))?;
    Ok(summary)
}

/// The theme's environment, with the site-wide values, and the plan of
/// every file of the site for `report`.
fn prepare<'r>(
    project: &Project,
    report: &'r Report,
) -> Result<(Environment<'static>, Plan<'r>), RenderError> {
    let theme_dir = project
        .settings
        .site
        .theme
        .as_ref()
        .map(|t| project.themes_dir().join(t));
    let Theme {
        mut env,
        sources,
        labels,
        static_files,
    } = Theme::load(theme_dir.as_deref(), report.project.language)?;
    let site_info = SiteInfo {
        project: &report.project,
        history_breaks: &report.history_breaks,
        audience: report.audience,
        lang: theme::language_code(report.project.language),
    };
    env.add_global("site", Value::from(Serde(report.mask.masked(&site_info))));
    let engine = engine_digest(&sources, &labels, &site_info);
    let plan = pages::plan(
        report,
        engine,
        static_files,
        &labels,
        &project.settings.site.base_url,
    );
    Ok((env, plan))
}

/// Every file of the site for `report`, rendered in memory and sorted by
/// path, for copies of the portal kept elsewhere (the hand-in archive);
/// nothing is written, `site/` is left as it is.
pub fn render_in_memory(project: &Project, report: &Report) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let (
        env,
        Plan {
            outputs, fragments, ..
        },
    ) = prepare(project, report)?;
    let all: Vec<&Output> = outputs.iter().collect();
    let shown = render_fragments(&env, &fragments, &all)?;
    plan::make_parts(&all);
    let mut files = all
        .par_iter()
        .map(|o| render_output(&env, o, &shown).map(|bytes| (o.path.clone(), bytes)))
        .collect::<Result<Vec<_>, _>>()?;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// What every page depends on besides its own data: opsbook itself, the
/// templates, the labels and the site-wide values.
fn engine_digest(sources: &[(String, String)], labels: &toml::Table, site: &SiteInfo) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let Some(exe) = std::env::current_exe()
        .ok()
        .and_then(|e| std::fs::metadata(e).ok())
    {
        // A rebuilt binary may draw pages differently: render them again.
        h.update(format!("{:?} {}", exe.modified().ok(), exe.len()).as_bytes());
    }
    for (name, source) in sources {
        h.update(name.as_bytes());
        h.update(&[0]);
        h.update(source.as_bytes());
        h.update(&[0]);
    }
    h.update(toml::to_string(labels).unwrap_or_default().as_bytes());
    h.update(&serde_json::to_vec(site).expect("site info serializes"));
    h.finalize()
}

/// The HTML of the fragments the `dirty` pages show, each rendered once.
fn render_fragments(
    env: &Environment,
    fragments: &[Fragment],
    dirty: &[&Output],
) -> Result<HashMap<usize, Value>, RenderError> {
    let mut needed: Vec<usize> = dirty
        .iter()
        .flat_map(|o| match &o.content {
            Content::Page { fragments, .. } => fragments.as_slice(),
            Content::Bytes(_) | Content::Made(_) | Content::Part(..) => &[],
        })
        .copied()
        .collect();
    needed.sort_unstable();
    needed.dedup();
    needed
        .par_iter()
        .map(|&i| {
            let f = &fragments[i];
            env.get_template(f.template)
                .and_then(|t| t.render((f.context)()))
                .map(|html| (i, Value::from_safe_string(html)))
                .map_err(|error| RenderError::Template {
                    path: f.template.to_string(),
                    error,
                })
        })
        .collect()
}

/// Renders one output (with the `shown` fragments) and stages it.
fn write_output(
    env: &Environment,
    writer: &SiteWriter,
    o: &Output,
    shown: &HashMap<usize, Value>,
) -> Result<(), RenderError> {
    let bytes = render_output(env, o, shown)?;
    writer.write(&o.path, &bytes).map_err(write_error(&o.path))
}

/// One output's bytes, rendered with the `shown` fragments.
fn render_output(
    env: &Environment,
    o: &Output,
    shown: &HashMap<usize, Value>,
) -> Result<Vec<u8>, RenderError> {
    match &o.content {
        Content::Page {
            template,
            context,
            fragments,
        } => {
            let fragments: Vec<Value> = fragments.iter().map(|i| shown[i].clone()).collect();
            env.get_template(template)
                .and_then(|t| t.render(context! { root => root_of(&o.path), fragments, ..context() }))
                .map(String::into_bytes)
                .map_err(|error| RenderError::Template {
                    path: o.path.clone(),
                    error,
                })
        }
        Content::Bytes(bytes) => Ok(bytes.to_vec()),
        Content::Made(make) => Ok(make()),
        Content::Part(group, i) => Ok(group.part(*i, &o.path).to_vec()),
    }
}

fn write_error(path: &str) -> impl FnOnce(std::io::Error) -> RenderError {
    let path = path.to_string();
    move |source| RenderError::Write { path, source }
}

/// Escapes text for HTML, SVG and XML: the five characters that can end a
/// text or an attribute value.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut done = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[done..i]);
        out.push_str(entity);
        done = i + 1;
    }
    out.push_str(&s[done..]);
    out
}

/// "../" repeated for a page's depth, so links work opened from disk.
fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}
