//! `opsbook manifest DIR`: a b3sum-compatible manifest of a folder.
//!
//! Paths are relative to DIR, sorted; `cd DIR && b3sum --check FILE` accepts
//! the output. Files are hashed in parallel. Left out: the file stdout is
//! being written to (so `opsbook manifest DIR > DIR/B3SUMS` works), and, when
//! DIR is the folder of one of the project's backup sets, that set's manifest
//! and any file its `include` globs leave out. A file whose name is not
//! UTF-8 is left out with a warning: no manifest line can name it (b3sum
//! refuses such lines). No project is needed.

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use rayon::prelude::*;

use super::{Context, Exit, Fatal};
use crate::analyse::verify::manifest;
use crate::analyse::verify::pipeline::{self, Buffers};
use crate::analyse::verify::set::{self, io_message};
use crate::diag::Diagnostic;
use crate::load::Project;

pub fn run(ctx: &Context, dir: &Path) -> Result<Exit, Fatal> {
    let project = Project::open(&ctx.dir).ok();
    let canonical = std::fs::canonicalize(dir)
        .map_err(|e| Fatal::Usage(format!("{}: {}", dir.display(), io_message(&e))))?;
    let backup_set = project.as_ref().and_then(|p| {
        p.settings
            .backups
            .iter()
            .find(|s| std::fs::canonicalize(p.backup_dir(s)).is_ok_and(|d| d == canonical))
    });
    let include = match backup_set {
        Some(s) => {
            set::globs(&s.include).map_err(|e| Fatal::Usage(format!("backup set `{}`: {e}", s.name)))?
        }
        None => None,
    };
    let listing = set::list(
        dir,
        include.as_ref(),
        backup_set.and_then(|s| s.manifest.as_deref()),
        true,
    )
    .map_err(|e| Fatal::Usage(format!("{}: {}", dir.display(), io_message(&e))))?;
    let stdout_file = std::fs::metadata("/dev/stdout")
        .ok()
        .filter(|m| m.is_file())
        .map(|m| (m.dev(), m.ino()));
    let mmap = project.as_ref().is_none_or(|p| p.settings.verify.mmap);

    // A name that is not UTF-8 cannot be written in a manifest line: such
    // files are left out, and said to be.
    let shown = |rel: &str| format!("{}/{rel}", dir.display());
    let (listable, unlistable): (Vec<_>, Vec<_>) = listing
        .files
        .iter()
        .partition(|f| std::str::from_utf8(f.rel_path().as_os_str().as_bytes()).is_ok());
    let hashed: Vec<Result<String, Diagnostic>> = listable
        .into_par_iter()
        .filter(|f| {
            stdout_file.is_none_or(|out| {
                std::fs::metadata(listing.dir.path_of(f)).is_ok_and(|m| (m.dev(), m.ino()) != out)
            })
        })
        .map_init(Buffers::default, |buffers, f| {
            listing
                .dir
                .open_file(f)
                .and_then(|h| pipeline::hash_file(h, f.size, mmap, buffers))
                .map(|hash| {
                    manifest::line(f.rel_path().as_os_str().as_bytes(), &hash)
                        .expect("only UTF-8 names are hashed")
                })
                .map_err(|e| Diagnostic::error(shown(&f.rel), format!("cannot read: {}", io_message(&e))))
        })
        .collect();

    let mut problems: Vec<Diagnostic> = listing
        .problems
        .iter()
        .map(|p| Diagnostic::warning(shown(&p.path), format!("left out: {}", p.detail)))
        .chain(unlistable.iter().map(|f| {
            Diagnostic::warning(
                shown(&f.rel),
                "left out: its name is not UTF-8, which no manifest line can hold (b3sum refuses such lines); \
                 rename the file to list it",
            )
        }))
        .collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in hashed {
        match line {
            Ok(text) => out
                .write_all(text.as_bytes())
                .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write to stdout: {e}")))?,
            Err(d) => problems.push(d),
        }
    }
    out.flush()
        .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write to stdout: {e}")))?;
    ctx.print_diagnostics(&problems);
    Ok(Exit::from_problems(problems.iter().any(Diagnostic::is_error)))
}
