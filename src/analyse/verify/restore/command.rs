//! A set's `restore_command`: a shell command run once per file, after the
//! file was read cleanly, with `{file}` (the backup file) and `{restored}`
//! (its decoded copy; the file itself when it is not compressed) replaced
//! by shell-quoted paths. A file named `x; rm -rf ~` is one harmless word.
//!
//! The command runs in the set's folder, in a process group of its own,
//! with standard output and error captured together in a temporary file; a
//! command past `restore_timeout` is killed with its whole group. A
//! non-zero exit or a timeout is `restore_failed`, with the output (cut to
//! a few KiB) in the problem's detail. The same paths are in the
//! environment as `OPSBOOK_FILE` and `OPSBOOK_RESTORED`.

use std::fs::File;
use std::io::{self, Read, Seek};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::analyse::verify::report::{CommandRun, ProblemKind};
use crate::analyse::verify::set::io_message;
use crate::duration::Dur;

use super::Fault;

/// Output kept: the first and the last bytes of it.
const OUTPUT_HEAD: usize = 1024;
const OUTPUT_TAIL: usize = 3072;

/// Runs `template` for one file.
pub fn run(
    template: &str,
    file: &Path,
    restored: &Path,
    cwd: &Path,
    timeout: Duration,
) -> Result<CommandRun, Fault> {
    let command = template
        .replace("{file}", &shell_quote(file))
        .replace("{restored}", &shell_quote(restored));
    let failed = |e: io::Error| {
        Fault::new(
            ProblemKind::RestoreFailed,
            format!("cannot run restore_command `{command}`: {}", io_message(&e)),
        )
    };
    let mut output = tempfile::tempfile().map_err(failed)?;
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(cwd)
        .env("OPSBOOK_FILE", file)
        .env("OPSBOOK_RESTORED", restored)
        .stdin(Stdio::null())
        .stdout(output.try_clone().map_err(failed)?)
        .stderr(output.try_clone().map_err(failed)?)
        .process_group(0)
        .spawn()
        .map_err(failed)?;
    let waited = wait(&mut child, timeout, true).map_err(failed)?;
    let run = CommandRun {
        command,
        exit: waited.and_then(|s| s.code()),
        timed_out: waited.is_none(),
        seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        output: read_output(&mut output),
    };
    match waited {
        Some(status) if status.success() => Ok(run),
        Some(status) => Err(Fault::new(
            ProblemKind::RestoreFailed,
            format!(
                "restore_command {}: {}",
                describe(status),
                shown_output(&run.output)
            ),
        )),
        None => Err(Fault::new(
            ProblemKind::RestoreFailed,
            format!(
                "restore_command ran past restore_timeout ({}) and was killed: {}",
                Dur::from_secs(timeout.as_secs() as i64),
                shown_output(&run.output)
            ),
        )),
    }
}

/// Waits for `child` at most `timeout`; `None` when it had to be killed.
/// With `group`, the child leads a process group, and the whole group is
/// killed (on timeout, and afterwards, so nothing it started lingers).
///
/// `wait-timeout` waits for the child's exit without polling; the group is
/// signalled with rustix's `kill_process_group` (no crate does both for a
/// `std::process::Child` without also wrapping how it is spawned, which
/// `process-wrap` does at the cost of `nix` and a layer over `Command`).
pub fn wait(child: &mut Child, timeout: Duration, group: bool) -> io::Result<Option<ExitStatus>> {
    use wait_timeout::ChildExt;
    let status = match child.wait_timeout(timeout)? {
        Some(status) => Some(status),
        None => {
            kill(child, group);
            child.wait()?;
            None
        }
    };
    if group {
        kill(child, true);
    }
    Ok(status)
}

fn kill(child: &mut Child, group: bool) {
    if group {
        // The group the child leads (spawned with `process_group(0)`): the
        // shell and whatever it started. It may be gone already.
        let leader = rustix::process::Pid::from_child(child);
        let _ = rustix::process::kill_process_group(leader, rustix::process::Signal::KILL);
    } else {
        let _ = child.kill();
    }
}

/// The captured output, first and last bytes kept when it is long.
pub fn read_output(file: &mut File) -> String {
    let mut bytes = Vec::new();
    let _ = file.rewind().and_then(|_| file.read_to_end(&mut bytes));
    if bytes.len() <= OUTPUT_HEAD + OUTPUT_TAIL {
        return String::from_utf8_lossy(&bytes).trim_end().to_string();
    }
    let cut = bytes.len() - OUTPUT_HEAD - OUTPUT_TAIL;
    format!(
        "{}\n… {cut} bytes cut …\n{}",
        String::from_utf8_lossy(&bytes[..OUTPUT_HEAD]),
        String::from_utf8_lossy(&bytes[bytes.len() - OUTPUT_TAIL..]).trim_end()
    )
}

fn shown_output(output: &str) -> String {
    if output.is_empty() {
        "(no output)".to_string()
    } else {
        output.to_string()
    }
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        _ => "failed".to_string(),
    }
}

/// `path` as one word for `sh`: in single quotes, each `'` written `'\''`.
pub fn shell_quote(path: &Path) -> String {
    let text = String::from_utf8_lossy(path.as_os_str().as_bytes());
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_makes_one_harmless_word() {
        let dir = tempfile::tempdir().unwrap();
        // Names that break out of single quotes, out of no quotes, and run
        // commands through $() and backticks, each in both placeholders.
        let evil = dir
            .path()
            .join("x'; touch pwned; echo '$(touch pwned2) `touch pwned3`.sql");
        let restored = dir.path().join("y\" ; touch pwned4 ; \"$(touch pwned5)");
        std::fs::write(&evil, "data").unwrap();
        let run = run(
            "printf '[%s]\\n' {file} {restored}; cat {file}",
            &evil,
            &restored,
            dir.path(),
            Duration::from_secs(10),
        )
        .unwrap();
        // Each placeholder reached the command as exactly one word, the path.
        assert_eq!(
            run.output,
            format!("[{}]\n[{}]\ndata", evil.display(), restored.display())
        );
        assert_eq!(run.exit, Some(0));
        for name in ["pwned", "pwned2", "pwned3", "pwned4", "pwned5"] {
            assert!(!dir.path().join(name).exists(), "{name}");
        }
    }

    #[test]
    fn failure_and_timeout_are_restore_failed_with_output() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        let fault = run(
            "echo restoring {restored}; exit 3",
            &f,
            &f,
            dir.path(),
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert_eq!(fault.kind, ProblemKind::RestoreFailed);
        assert!(fault.detail.contains("exited with 3"), "{}", fault.detail);
        assert!(fault.detail.contains("restoring"), "{}", fault.detail);

        let started = Instant::now();
        let fault = run(
            "echo started; sleep 30 & wait",
            &f,
            &f,
            dir.path(),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(fault.detail.contains("restore_timeout (1s)"), "{}", fault.detail);
        assert!(fault.detail.contains("started"), "{}", fault.detail);
    }

    /// Whether process `pid` still runs (a zombie waiting to be reaped does
    /// not).
    fn running(pid: &str) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z'),
            Err(_) => false,
        }
    }

    #[test]
    fn what_the_command_started_is_killed_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        // Past the timeout, and after a clean exit that left a child behind.
        for (template, timeout) in [
            ("sleep 300 & echo $! > pid; wait", Duration::from_millis(300)),
            ("sleep 300 & echo $! > pid; exit 0", Duration::from_secs(60)),
        ] {
            let _ = run(template, &f, &f, dir.path(), timeout);
            let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
            let pid = pid.trim();
            // SIGKILL is delivered at once; give the kernel a moment to
            // finish the process, bounded.
            let gone = (0..200).any(|_| {
                std::thread::sleep(Duration::from_millis(10));
                !running(pid)
            });
            assert!(gone, "`{template}` left process {pid} running");
        }
    }

    #[test]
    fn long_output_is_cut_in_the_middle() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        let run = run("seq 1 5000", &f, &f, dir.path(), Duration::from_secs(10)).unwrap();
        assert!(run.output.starts_with("1\n2\n"));
        assert!(run.output.ends_with("5000"));
        assert!(run.output.contains("bytes cut"));
        assert!(run.output.len() < OUTPUT_HEAD + OUTPUT_TAIL + 100);
    }
}
