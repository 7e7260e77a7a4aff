//! One function per CLI command, wiring load → analyse → report → render.
//!
//! Commands take plain option structs (the CLI's flags, parsed), print what a
//! person needs to read, and return how the run ended; the binary turns that
//! into an exit code (0 all well, 1 problems found, 2 could not run).

pub mod archive;
pub mod build;
pub mod check;
pub mod derived;
pub mod init;
pub mod logs;
pub mod manifest;
pub mod new;
pub mod nightly;
pub mod pipeline;
pub mod progress;
pub mod serve;
pub mod session;
pub mod verify;
pub mod verify_shard;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: all well.
    Clean,
    /// 1: the run finished and found problems.
    Problems,
    /// 2: a part of the run could not run at all (a `nightly` stage), though
    /// the rest ran and reported.
    CouldNotRun,
}

impl Exit {
    pub fn from_problems(any: bool) -> Exit {
        if any { Exit::Problems } else { Exit::Clean }
    }

    /// The worse of two outcomes.
    pub fn and(self, other: Exit) -> Exit {
        self.max(other)
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
    #[error("{}", said_once(.0))]
    Other(#[from] anyhow::Error),
}

/// An error with its causes, each said once. Library errors often hold
/// their cause in the message (`cannot write site: No space left on
/// device`) and as their source too; a cause the text already says is not
/// repeated.
fn said_once(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_os_error_held_in_the_message_and_as_its_cause_is_said_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot write site: {source}")]
        struct Write {
            source: std::io::Error,
        }
        let full = std::io::Error::from_raw_os_error(28);
        let fatal = Fatal::Other(Write { source: full }.into());
        let text = fatal.to_string();
        assert_eq!(text.matches("(os error 28)").count(), 1, "{text}");
        assert!(text.starts_with("cannot write site: "), "{text}");

        // A cause the message does not hold is still said.
        let fatal =
            Fatal::Other(anyhow::Error::new(std::io::Error::from_raw_os_error(2)).context("cannot read x"));
        assert!(fatal.to_string().starts_with("cannot read x: "), "{fatal}");
    }
}
