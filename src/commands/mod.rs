//! One function per CLI command, wiring load → analyse → report → render.
//!
//! Commands take plain option structs (the CLI's flags, parsed), print what a
//! person needs to read, and return how the run ended; the binary turns that
//! into an exit code (0 all well, 1 problems found, 2 could not run).

pub mod build;
pub mod check;
pub mod init;
pub mod logs;
pub mod manifest;
pub mod new;
pub mod nightly;
pub mod progress;
pub mod serve;
pub mod session;
pub mod verify;

use std::io::Write;
use std::path::PathBuf;

use crate::diag::{Diagnostic, Printer};
use crate::load::LoadError;

/// Global options of every command.
#[derive(Debug, Clone)]
pub struct Context {
    /// `-C DIR`: where to look for the project.
    pub dir: PathBuf,
    /// `--now`: the clock of this run, as written.
    pub now: Option<String>,
    /// `--quiet`: problems only, no summaries, no progress.
    pub quiet: bool,
    /// Colour in diagnostics.
    pub color: bool,
    /// Progress bars: stderr is a terminal and not `--quiet`.
    pub progress: bool,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            dir: PathBuf::from("."),
            now: None,
            quiet: false,
            color: false,
            progress: false,
        }
    }
}

impl Context {
    /// Prints diagnostics to stderr in rustc's style (warnings not with `--quiet`).
    pub fn print_diagnostics(&self, diags: &[Diagnostic]) {
        let printer = Printer::new(self.color);
        let mut err = anstream::stderr().lock();
        for d in diags.iter().filter(|d| d.is_error() || !self.quiet) {
            let _ = writeln!(err, "{}\n", printer.render(d));
        }
    }

    /// A line for the person at the terminal (stdout), unless `--quiet`.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet {
            println!("{}", line.as_ref());
        }
    }
}

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: all well.
    Clean,
    /// 1: the run finished and found problems.
    Problems,
}

impl Exit {
    pub fn from_problems(any: bool) -> Exit {
        if any { Exit::Problems } else { Exit::Clean }
    }

    /// The worse of two outcomes.
    pub fn and(self, other: Exit) -> Exit {
        if self == Exit::Problems || other == Exit::Problems {
            Exit::Problems
        } else {
            Exit::Clean
        }
    }
}

/// Why a command could not run (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{0}")]
    Usage(String),
    #[error("`opsbook {0}` is not built yet")]
    NotBuilt(&'static str),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

/// `1 file`, `3 files`: a count with its noun, for summaries.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Writes `text` to a file (atomically) or to stdout for `-`.
pub fn write_output(target: &str, text: &str) -> Result<(), Fatal> {
    if target == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write to stdout: {e}")))
    } else {
        crate::state::write_atomic(std::path::Path::new(target), text.as_bytes())
            .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write {target}: {e}")))
    }
}
