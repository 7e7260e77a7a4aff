//! Custom-format PostgreSQL dumps (`pg_dump -Fc`, `PGDMP` magic, also
//! inside a `.zst`): read whole by `pg_restore -f /dev/null`, fed from the
//! single read through its standard input.
//!
//! `pg_restore --list` would read only the table of contents and miss
//! damaged data; restoring into /dev/null decompresses every data block and
//! checks it. A dump cut short makes pg_restore say "end of file"
//! (`truncated`); any other failure is `corrupt`, with pg_restore's message.
//! Where pg_restore is not installed the dump is not tested, and the run
//! says so in its warnings: never a silent pass.

use std::fs::File;
use std::io::{self, BufRead, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use crate::analyse::verify::report::{ProblemKind, Restore};
use crate::analyse::verify::set::io_message;

use super::command::{read_output, wait};
use super::{Fault, RestoreTest};

/// The first bytes of a custom-format dump.
pub const MAGIC: &[u8] = b"PGDMP";

pub struct PgRestoreTest {
    program: String,
    timeout: Duration,
    state: State,
}

enum State {
    Running {
        child: Child,
        stdin: Option<ChildStdin>,
        output: File,
    },
    /// pg_restore is not installed.
    Absent,
    /// It could not be started for another reason.
    Failed(String),
}

impl PgRestoreTest {
    pub fn start(program: &str, timeout: Duration) -> PgRestoreTest {
        let state = match spawn(program) {
            Ok(state) => state,
            Err(e) if e.kind() == io::ErrorKind::NotFound => State::Absent,
            Err(e) => State::Failed(format!("cannot run `{program}`: {}", io_message(&e))),
        };
        PgRestoreTest {
            program: program.to_string(),
            timeout,
            state,
        }
    }
}

fn spawn(program: &str) -> io::Result<State> {
    let output = tempfile::tempfile()?;
    let mut child = Command::new(program)
        .args(["--exit-on-error", "-f", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(output.try_clone()?)
        .stderr(output.try_clone()?)
        .spawn()?;
    let stdin = child.stdin.take();
    Ok(State::Running { child, stdin, output })
}

impl RestoreTest for PgRestoreTest {
    fn read(&mut self, content: &mut dyn BufRead) {
        let State::Running {
            stdin: Some(stdin), ..
        } = &mut self.state
        else {
            return;
        };
        loop {
            let n = match content.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(data) => {
                    // A broken pipe means pg_restore stopped early; its exit
                    // status and message tell why.
                    if stdin.write_all(data).is_err() {
                        break;
                    }
                    data.len()
                }
            };
            content.consume(n);
        }
    }

    fn finish(&mut self) -> Result<Restore, Vec<Fault>> {
        let fail = |kind, detail: String| Err(vec![Fault::new(kind, detail)]);
        let timeout = self.timeout;
        let program = self.program.clone();
        match &mut self.state {
            State::Absent => Ok(Restore::Skipped {
                reason: format!(
                    "`{program}` is not installed: custom-format dumps are checked by digest only"
                ),
            }),
            State::Failed(why) => fail(ProblemKind::RestoreFailed, why.clone()),
            State::Running { child, stdin, output } => {
                drop(stdin.take());
                let status = match wait(child, timeout, false) {
                    Ok(s) => s,
                    Err(e) => {
                        return fail(ProblemKind::RestoreFailed, format!("waiting for pg_restore: {e}"));
                    }
                };
                let text = read_output(output);
                match status {
                    Some(s) if s.success() => Ok(Restore::PgRestore { output: text }),
                    Some(_) if text.contains("end of file") => {
                        fail(ProblemKind::Truncated, format!("the dump was cut short: {text}"))
                    }
                    Some(_) => fail(ProblemKind::Corrupt, text),
                    None => fail(
                        ProblemKind::RestoreFailed,
                        format!("pg_restore ran past restore_timeout and was killed: {text}"),
                    ),
                }
            }
        }
    }
}

impl Drop for PgRestoreTest {
    /// When the content broke off and no verdict is wanted, pg_restore is
    /// stopped rather than left waiting on its input.
    fn drop(&mut self) {
        if let State::Running { child, stdin, .. } = &mut self.state {
            drop(stdin.take());
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}
