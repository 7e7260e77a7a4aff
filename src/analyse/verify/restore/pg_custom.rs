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
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

use crate::analyse::verify::report::{ProblemKind, Restore};
use crate::analyse::verify::set::io_message;
use crate::duration::Dur;

use super::command::{kill, read_output, wait};
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
        /// `restore_timeout` after pg_restore was started: it holds while
        /// pg_restore is fed as well as after.
        deadline: Instant,
        /// It stopped reading and was killed at the deadline.
        timed_out: bool,
    },
    /// pg_restore is not installed.
    Absent,
    /// It could not be started for another reason.
    Failed(String),
}

impl PgRestoreTest {
    pub fn start(program: &str, timeout: Duration) -> PgRestoreTest {
        let state = match spawn(program, timeout) {
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

/// Starts pg_restore in a process group of its own (killed whole at the
/// deadline), its input a pipe written without blocking: a pg_restore that
/// stops reading cannot hold the run past the deadline.
fn spawn(program: &str, timeout: Duration) -> io::Result<State> {
    let output = tempfile::tempfile()?;
    let mut child = Command::new(program)
        .args(["--exit-on-error", "-f", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(output.try_clone()?)
        .stderr(output.try_clone()?)
        .process_group(0)
        .spawn()?;
    let deadline = Instant::now() + timeout;
    let stdin = child.stdin.take();
    if let Some(pipe) = &stdin {
        let flags = rustix::fs::fcntl_getfl(pipe)?;
        rustix::fs::fcntl_setfl(pipe, flags | rustix::fs::OFlags::NONBLOCK)?;
    }
    Ok(State::Running {
        child,
        stdin,
        output,
        deadline,
        timed_out: false,
    })
}

/// How feeding pg_restore one piece went.
enum Fed {
    All,
    /// It stopped reading (a broken pipe): its exit status tells why.
    Closed,
    /// The deadline passed while it was not reading.
    Late,
}

/// Writes `data` to the non-blocking pipe, waiting for room at most until
/// `deadline`.
fn feed(pipe: &mut ChildStdin, mut data: &[u8], deadline: Instant) -> Fed {
    while !data.is_empty() {
        match pipe.write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Fed::Late;
                }
                let wait = Timespec::try_from(left).unwrap_or(Timespec {
                    tv_sec: i32::MAX.into(),
                    tv_nsec: 0,
                });
                let mut fds = [PollFd::new(pipe, PollFlags::OUT)];
                if let Err(e) = rustix::event::poll(&mut fds, Some(&wait))
                    && e != rustix::io::Errno::INTR
                {
                    return Fed::Closed;
                }
            }
            Err(_) => return Fed::Closed,
        }
    }
    Fed::All
}

impl RestoreTest for PgRestoreTest {
    fn read(&mut self, content: &mut dyn BufRead) {
        let State::Running {
            child,
            stdin: stdin @ Some(_),
            deadline,
            timed_out,
            ..
        } = &mut self.state
        else {
            return;
        };
        let pipe = stdin.as_mut().expect("matched Some");
        loop {
            let n = match content.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(data) => match feed(pipe, data, *deadline) {
                    Fed::All => data.len(),
                    Fed::Closed => break,
                    Fed::Late => {
                        kill(child, true);
                        *timed_out = true;
                        break;
                    }
                },
            };
            content.consume(n);
        }
        // The rest of the content is read for its digests alone.
        if *timed_out {
            drop(stdin.take());
        }
    }

    fn finish(&mut self) -> Result<Restore, Vec<Fault>> {
        let fail = |kind, detail: String| Err(vec![Fault::new(kind, detail)]);
        let timeout = Dur::from_secs(self.timeout.as_secs() as i64);
        let program = self.program.clone();
        match &mut self.state {
            State::Absent => Ok(Restore::Skipped {
                reason: format!(
                    "`{program}` is not installed: custom-format dumps are checked by digest only"
                ),
            }),
            State::Failed(why) => fail(ProblemKind::RestoreFailed, why.clone()),
            State::Running {
                child,
                stdin,
                output,
                deadline,
                timed_out,
            } => {
                drop(stdin.take());
                let status = if *timed_out {
                    child.wait().map(|_| None)
                } else {
                    wait(child, *deadline, true)
                };
                let status = match status {
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
                        format!(
                            "pg_restore ran past restore_timeout ({timeout}) and was killed: {}",
                            if text.is_empty() { "(no output)" } else { &text }
                        ),
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
                kill(child, true);
            }
            let _ = child.wait();
        }
    }
}
