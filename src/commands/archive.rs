//! `opsbook archive --period P`: the period's hand-in archive, signed;
//! `opsbook archive verify FILE` and `opsbook archive countersign FILE`.
//!
//! Making one wires the stages as `build` does, with the model narrowed to
//! the period's notes, then hands the rendered pages to [`crate::archive`].

mod countersign;
mod verify;

use std::path::{Path, PathBuf};

pub use countersign::countersign;
pub use verify::verify;

use super::pipeline::{self, Analysed};
use super::session::Session;
use super::{Context, Exit, Fatal};
use crate::archive::sign::Key;
use crate::archive::{self, Entry, contents, manifest, pack, pdf};
use crate::load::git::GitLog;
use crate::period::Period;
use crate::report::Audience;

/// The key's path when `--key` is not given.
pub const KEY_ENV: &str = "OPSBOOK_ARCHIVE_KEY";

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub period: String,
    /// `--key`: the team's private key (else [`KEY_ENV`]).
    pub key: Option<PathBuf>,
    /// `--out`: where to write (else `archives/` under the project).
    pub out: Option<PathBuf>,
    /// Print the PDF (not with `--no-pdf`).
    pub pdf: bool,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let period: Period = opts
        .period
        .parse()
        .map_err(|e: crate::period::ParsePeriodError| Fatal::Usage(e.to_string()))?;
    let session = Session::open(ctx)?;
    let key = signing_key(&session.project.root, opts.key.as_deref())?;
    let out = opts.out.clone().unwrap_or_else(|| {
        session
            .project
            .root
            .join(crate::analyse::handins::DIR)
            .join(archive::file_name(&period))
    });
    if out.exists() {
        return Err(Fatal::Usage(format!(
            "{} exists: a handed-in archive is never replaced; move it away to make a new one",
            out.display()
        )));
    }
    let made = make(ctx, &session, period, &key, opts.pdf)?;
    crate::state::write_atomic(&out, &made.bytes)
        .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write {}: {e}", out.display())))?;
    ctx.say(format!(
        "wrote {} ({} files, {} bytes), signed by {}\ndigest (BLAKE3 of B3SUMS): {}",
        out.display(),
        made.files,
        made.bytes.len(),
        key.fingerprint(),
        made.digest
    ));
    Ok(made.exit)
}

/// A period's archive, made in memory.
pub struct Made {
    pub bytes: Vec<u8>,
    pub files: usize,
    pub digest: String,
    /// Problems in the notes make it 1.
    pub exit: Exit,
}

/// Makes `period`'s archive, signed with `key`, with its PDF when asked
/// and a browser can print it (else a warning says why not).
pub fn make(
    ctx: &Context,
    session: &Session,
    period: Period,
    key: &Key,
    with_pdf: bool,
) -> Result<Made, Fatal> {
    let project = &session.project;
    let git = GitLog::start(&project.root);
    let mut checked = session.check();
    ctx.print_diagnostics(&checked.problems);
    let exit = Exit::from_problems(checked.problems.iter().any(|d| d.is_error()));
    // The contract is judged on every note, as on the live portal; the
    // model, and so the pages, hold the period's notes only.
    let analysed = Analysed::run(ctx, session, &checked);
    let tz = project.tz();
    checked.notes.retain(|n| contents::belongs(n, &period, tz));
    let published = session.history.publish(&project.state_dir()).ok();
    let mut model = pipeline::model(
        session,
        &checked,
        &git.finish(),
        analysed.analyses(),
        Audience::Client,
        published.as_ref(),
    )?;
    contents::narrow(&mut model, &period);
    let site = crate::render::render_in_memory(project, &model).map_err(|e| Fatal::Other(e.into()))?;
    let mut entries = contents::gather(contents::Sources {
        project,
        period,
        model: &model,
        site: &site,
        notes: checked.notes.iter().filter(|n| !n.is_internal()).collect(),
        verification: analysed.verify.as_ref(),
        history: &analysed.history,
        logs: analysed.logs.as_ref(),
    })
    .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot read a note's source: {e}")))?;
    let folder = archive::folder_name(&period);
    match pdf::find_browser().filter(|_| with_pdf) {
        _ if !with_pdf => {}
        Some(browser) => {
            // The footer quotes the digest of the manifest without the PDF.
            let before = manifest::digest(&manifest::write(&entries));
            let footer = format!("{folder} · BLAKE3 of B3SUMS without {}: {before}", archive::PDF);
            let lang = crate::render::theme::language_code(model.project.language);
            let book = pdf::book(&site, &contents::printed_pages(&model), lang, &footer);
            match pdf::print(&browser, &site, &book) {
                Ok(mut bytes) => {
                    pdf::fix_dates(&mut bytes, period.last_day());
                    entries.push(Entry::new(archive::PDF, bytes));
                }
                Err(e) => warn(ctx, &e.to_string()),
            }
        }
        None => warn(ctx, &pdf::PdfError::NoBrowser.to_string()),
    }
    let text = manifest::write(&entries);
    let digest = manifest::digest(&text);
    let signature = key.sign(text.as_bytes()).map_err(|e| Fatal::Other(e.into()))?;
    entries.push(Entry::new(archive::MANIFEST, text));
    entries.push(Entry::new(archive::SIGNATURE, signature));
    let bytes = pack::pack(&folder, &entries, pack::time_of(period.last_day()))
        .map_err(|e| Fatal::Other(e.into()))?;
    Ok(Made {
        bytes,
        files: entries.len(),
        digest,
        exit,
    })
}

/// The key to sign with: `--key`, else `$OPSBOOK_ARCHIVE_KEY`. A key inside
/// the project is refused: a private key must never be committed with it.
pub fn signing_key(project_root: &Path, given: Option<&Path>) -> Result<Key, Fatal> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => std::env::var_os(KEY_ENV).map(PathBuf::from).ok_or_else(|| {
            Fatal::Usage(format!(
                "no key to sign the archive with: give --key PATH or set {KEY_ENV} (a private key kept outside the project)"
            ))
        })?,
    };
    refuse_inside(project_root, &path)?;
    Key::read(&path).map_err(|e| Fatal::Usage(e.to_string()))
}

/// Refuses a private key path inside the project.
pub fn refuse_inside(project_root: &Path, key: &Path) -> Result<(), Fatal> {
    let root = std::fs::canonicalize(project_root).unwrap_or_else(|_| project_root.to_path_buf());
    let key_abs = std::fs::canonicalize(key).unwrap_or_else(|_| key.to_path_buf());
    if key_abs.starts_with(&root) {
        return Err(Fatal::Usage(format!(
            "{}: a private key inside the project would be committed with it; keep it outside the project",
            key.display()
        )));
    }
    Ok(())
}

/// A warning on stderr (not with `--quiet`).
fn warn(ctx: &Context, message: &str) {
    if !ctx.quiet {
        eprintln!("warning: {message}");
    }
}
