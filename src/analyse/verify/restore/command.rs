//! A set's `restore_command`: a shell command run once per file, after the
//! file was read cleanly, with `{file}` (the backup file) and `{restored}`
//! (its decoded copy; the file itself when it is not compressed) replaced
//! by shell-quoted paths. A file named `x; rm -rf ~` is one harmless word.
//!
//! Both placeholders are replaced in one pass over the template: a path put
//! in is never searched for placeholders again, so a file named
//! `a;touch PWNED;{restored}` cannot smuggle a placeholder, or its quoting,
//! into the command. The same paths are in the environment as
//! `OPSBOOK_FILE` and `OPSBOOK_RESTORED`, the safest way to use them
//! (`pg_restore "$OPSBOOK_FILE"`): no quoting is involved at all.
//!
//! A placeholder written inside quotes (`"{file}"`, `sh -c '… {file}'`)
//! cannot be protected by quoting: inside double quotes `$(…)` still runs,
//! and inside `sh -c '…'` the path is read again by a second shell. There
//! the path is put in bare, and only for a file whose path is plain
//! (letters, digits and `/._-+,:@%=~`); for any other file the command is
//! not run and the file is `restore_failed`, saying why. `opsbook check`
//! warns about such a template ([`template_warnings`]).
//!
//! The command runs in the set's folder, in a process group of its own,
//! with standard output and error captured together in a temporary file; a
//! command past `restore_timeout` is killed with its whole group. A
//! non-zero exit or a timeout is `restore_failed`, with the output (cut to
//! a few KiB, control characters escaped) in the problem's detail.

use std::ffi::OsStr;
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
use crate::name;

use super::Fault;

/// Output kept: the first and the last bytes of it.
const OUTPUT_HEAD: usize = 1024;
const OUTPUT_TAIL: usize = 3072;

/// How the shell reads the text around a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// Outside quotes: the path goes in as one single-quoted word.
    Bare,
    /// Inside `'…'`.
    Single,
    /// Inside `"…"`.
    Double,
}

/// A `{file}` or `{restored}` in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placeholder {
    /// `file` or `restored`.
    pub name: &'static str,
    /// Byte offset of its `{` in the template.
    pub at: usize,
    pub quoting: Quoting,
}

impl Placeholder {
    fn len(&self) -> usize {
        self.name.len() + 2
    }
}

/// The placeholders of `template`, in order, each with the quoting the
/// shell reads it in. Backslash escapes and `#` comments are followed as
/// `sh` follows them; a placeholder in a comment is not one.
pub fn placeholders(template: &str) -> Vec<Placeholder> {
    let bytes = template.as_bytes();
    let mut found = Vec::new();
    let mut quoting = Quoting::Bare;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'{' {
            let rest = &template[i..];
            let name = ["file", "restored"].into_iter().find(|n| {
                rest.strip_prefix('{')
                    .and_then(|r| r.strip_prefix(n))
                    .is_some_and(|r| r.starts_with('}'))
            });
            if let Some(name) = name {
                found.push(Placeholder { name, at: i, quoting });
                i += name.len() + 2;
                continue;
            }
        }
        match (quoting, b) {
            (Quoting::Bare, b'\\') | (Quoting::Double, b'\\') => i += 1,
            (Quoting::Bare, b'\'') => quoting = Quoting::Single,
            (Quoting::Bare, b'"') => quoting = Quoting::Double,
            (Quoting::Single, b'\'') | (Quoting::Double, b'"') => quoting = Quoting::Bare,
            (Quoting::Bare, b'#') if i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b';' => {
                i += bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .unwrap_or(bytes.len() - i);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// What `opsbook check` says of a template: each placeholder inside
/// quotes, where quoting cannot protect it.
pub fn template_warnings(template: &str) -> Vec<String> {
    placeholders(template)
        .into_iter()
        .filter(|p| p.quoting != Quoting::Bare)
        .map(|p| {
            let (quotes, env) = match (p.quoting, p.name) {
                (Quoting::Double, _) => ("double quotes", format!("\"$OPSBOOK_{}\"", p.name.to_uppercase())),
                (_, _) => (
                    "single quotes (as in `sh -c '… {file}'`)",
                    format!("\"$OPSBOOK_{}\" (passed on to the inner shell)", p.name.to_uppercase()),
                ),
            };
            format!(
                "restore_command puts `{{{name}}}` inside {quotes}, where quoting cannot protect a file name: \
                 opsbook then runs it only on files whose paths are plain (letters, digits, `/._-+,:@%=~`) and \
                 reports the others restore_failed; write it bare (`{{{name}}}`, which opsbook quotes) or use {env}",
                name = p.name,
            )
        })
        .collect()
}

/// Whether `path` can stand bare inside quotes without the shell reading
/// anything in it: letters and digits (any script), and `/._-+,:@%=~`.
fn plain(path: &Path) -> bool {
    std::str::from_utf8(path.as_os_str().as_bytes()).is_ok_and(|text| {
        text.chars()
            .all(|c| c.is_alphanumeric() || "/._-+,:@%=~".contains(c))
    })
}

/// The command to run, as bytes for `sh -c`, and as text to show (the
/// paths escaped as [`crate::name::escape`] writes them). Every placeholder
/// is replaced in one pass; `Err` names a placeholder inside quotes whose
/// path is not plain.
pub fn substitute(template: &str, file: &Path, restored: &Path) -> Result<(Vec<u8>, String), String> {
    let mut command = Vec::with_capacity(template.len() + 64);
    let mut shown = String::with_capacity(template.len() + 64);
    let mut from = 0;
    for p in placeholders(template) {
        command.extend_from_slice(&template.as_bytes()[from..p.at]);
        shown.push_str(&template[from..p.at]);
        from = p.at + p.len();
        let path = if p.name == "file" { file } else { restored };
        let bytes = path.as_os_str().as_bytes();
        let escaped = name::escape(bytes);
        if p.quoting == Quoting::Bare {
            command.push(b'\'');
            for &b in bytes {
                if b == b'\'' {
                    command.extend_from_slice(br"'\''");
                } else {
                    command.push(b);
                }
            }
            command.push(b'\'');
            shown.push_str(&shell_quote(&escaped));
        } else if plain(path) {
            command.extend_from_slice(bytes);
            shown.push_str(&escaped);
        } else {
            return Err(format!(
                "restore_command was not run: it puts `{{{}}}` inside quotes, where quoting cannot protect the path `{escaped}`; \
                 write the placeholder bare, or use \"$OPSBOOK_{}\"",
                p.name,
                p.name.to_uppercase()
            ));
        }
    }
    command.extend_from_slice(&template.as_bytes()[from..]);
    shown.push_str(&template[from..]);
    Ok((command, shown))
}

/// Runs `template` for one file.
pub fn run(
    template: &str,
    file: &Path,
    restored: &Path,
    cwd: &Path,
    timeout: Duration,
) -> Result<CommandRun, Fault> {
    let (command, shown) =
        substitute(template, file, restored).map_err(|why| Fault::new(ProblemKind::RestoreFailed, why))?;
    let failed = |e: io::Error| {
        Fault::new(
            ProblemKind::RestoreFailed,
            format!("cannot run restore_command `{shown}`: {}", io_message(&e)),
        )
    };
    let mut output = tempfile::tempfile().map_err(failed)?;
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(OsStr::from_bytes(&command))
        .current_dir(cwd)
        .env("OPSBOOK_FILE", file)
        .env("OPSBOOK_RESTORED", restored)
        .stdin(Stdio::null())
        .stdout(output.try_clone().map_err(failed)?)
        .stderr(output.try_clone().map_err(failed)?)
        .process_group(0)
        .spawn()
        .map_err(failed)?;
    let waited = wait(&mut child, Instant::now() + timeout, true).map_err(failed)?;
    let run = CommandRun {
        command: shown,
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

/// Waits for `child` until `deadline`; `None` when it had to be killed.
/// With `group`, the child leads a process group, and the whole group is
/// killed (on timeout, and afterwards, so nothing it started lingers).
///
/// `wait-timeout` waits for the child's exit without polling; the group is
/// signalled with rustix's `kill_process_group` (no crate does both for a
/// `std::process::Child` without also wrapping how it is spawned, which
/// `process-wrap` does at the cost of `nix` and a layer over `Command`).
pub fn wait(child: &mut Child, deadline: Instant, group: bool) -> io::Result<Option<ExitStatus>> {
    use wait_timeout::ChildExt;
    let status = match child.wait_timeout(deadline.saturating_duration_since(Instant::now()))? {
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

/// Kills `child`, or with `group` the process group it leads (spawned with
/// `process_group(0)`). Called only while the child is not yet reaped, so
/// its id cannot have been given to another process.
pub fn kill(child: &mut Child, group: bool) {
    if group {
        let pid = rustix::process::Pid::from_child(child);
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    } else {
        let _ = child.kill();
    }
}

/// The captured output, first and last bytes kept when it is long.
pub fn read_output(file: &mut File) -> String {
    let mut bytes = Vec::new();
    let _ = file.rewind().and_then(|_| file.read_to_end(&mut bytes));
    let text = |b: &[u8]| name::printable(&String::from_utf8_lossy(b), true).into_owned();
    if bytes.len() <= OUTPUT_HEAD + OUTPUT_TAIL {
        return text(&bytes).trim_end().to_string();
    }
    let cut = bytes.len() - OUTPUT_HEAD - OUTPUT_TAIL;
    format!(
        "{}\n… {cut} bytes cut …\n{}",
        text(&bytes[..OUTPUT_HEAD]),
        text(&bytes[bytes.len() - OUTPUT_TAIL..]).trim_end()
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

/// `text` as one word for `sh`: in single quotes, each `'` written `'\''`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_in(dir: &Path, template: &str, file: &Path, restored: &Path) -> Result<CommandRun, Fault> {
        run(template, file, restored, dir, Duration::from_secs(20))
    }

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
        // The attack is real: pasted in naively, the name runs commands.
        let naive = format!("cat '{}'", evil.display());
        Command::new("sh")
            .arg("-c")
            .arg(&naive)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(dir.path().join("pwned").exists());
        std::fs::remove_file(dir.path().join("pwned")).unwrap();

        let run = run_in(
            dir.path(),
            "printf '[%s]\\n' {file} {restored}; cat {file}",
            &evil,
            &restored,
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
    fn placeholders_in_names_are_not_replaced_again() {
        let dir = tempfile::tempdir().unwrap();
        // Replaced one after the other, `{restored}` inside the first path
        // would be replaced by the second, quotes and all, closing the
        // quoting around `;touch PWNED;`.
        let file = dir.path().join("a;touch PWNED;{restored}");
        let restored = dir.path().join("b;touch PWNED2;{file}");
        std::fs::write(&file, "file").unwrap();
        std::fs::write(&restored, "restored").unwrap();
        let run = run_in(dir.path(), "cat {file} {restored}", &file, &restored).unwrap();
        assert_eq!(run.output, "filerestored");
        assert!(!dir.path().join("PWNED").exists());
        assert!(!dir.path().join("PWNED2").exists());
        let (_, shown) = substitute("x {file} {restored}", &file, &restored).unwrap();
        assert_eq!(shown, format!("x '{}' '{}'", file.display(), restored.display()));
        // The environment holds the same paths, exactly.
        let run = run_in(
            dir.path(),
            r#"cat "$OPSBOOK_FILE" "$OPSBOOK_RESTORED""#,
            &file,
            &restored,
        )
        .unwrap();
        assert_eq!(run.output, "filerestored");
    }

    #[test]
    fn names_that_are_not_utf8_reach_the_command_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(OsStr::from_bytes(b"x\xff.sql"));
        std::fs::write(&file, "ff").unwrap();
        std::fs::write(dir.path().join(OsStr::from_bytes(b"x\xef\xbf\xbd.sql")), "lossy").unwrap();
        let run = run_in(dir.path(), "cat {file}", &file, &file).unwrap();
        assert_eq!(run.output, "ff");
        assert!(run.command.ends_with("x\\xFF.sql'"), "{}", run.command);
    }

    #[test]
    fn placeholders_inside_quotes_run_only_for_plain_paths() {
        let dir = tempfile::tempdir().unwrap();
        let plain_file = dir.path().join("oa-20251231.sql");
        std::fs::write(&plain_file, "plain").unwrap();
        let run = run_in(dir.path(), r#"cat "{file}""#, &plain_file, &plain_file).unwrap();
        assert_eq!(run.output, "plain");
        let run = run_in(dir.path(), "sh -c 'cat {file}'", &plain_file, &plain_file).unwrap();
        assert_eq!(run.output, "plain");

        let evil = dir.path().join("$(touch PWNED).sql");
        std::fs::write(&evil, "evil").unwrap();
        for template in [
            r#"cat "{file}""#,
            "sh -c 'cat {file}'",
            r#"sh -c "cat {restored}""#,
        ] {
            let fault = run_in(dir.path(), template, &evil, &evil).unwrap_err();
            assert_eq!(fault.kind, ProblemKind::RestoreFailed);
            assert!(fault.detail.contains("was not run"), "{}", fault.detail);
            assert!(fault.detail.contains("$OPSBOOK_"), "{}", fault.detail);
        }
        assert!(!dir.path().join("PWNED").exists());
    }

    #[test]
    fn the_quoting_around_each_placeholder_is_known() {
        let q = |t: &str| {
            placeholders(t)
                .into_iter()
                .map(|p| (p.name, p.quoting))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            q(r#"a {file} "{restored}" '{file}' \'{file} "\"{file}" {nope} # {file}"#),
            [
                ("file", Quoting::Bare),
                ("restored", Quoting::Double),
                ("file", Quoting::Single),
                ("file", Quoting::Bare),
                ("file", Quoting::Double),
            ]
        );
        assert_eq!(q("x#{file}"), [("file", Quoting::Bare)]);
        assert!(template_warnings("pg_restore -f /dev/null {file}").is_empty());
        let w = template_warnings(r#"sh -c 'psql -f {restored}'; echo "{file}""#);
        assert_eq!(w.len(), 2);
        assert!(w[0].contains("`{restored}` inside single quotes"), "{}", w[0]);
        assert!(w[1].contains("\"$OPSBOOK_FILE\""), "{}", w[1]);
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

        // What the command started in the background dies with it.
        let fault = run(
            "echo started; sleep 300 & echo $! > child.pid; wait",
            &f,
            &f,
            dir.path(),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(fault.detail.contains("restore_timeout (1s)"), "{}", fault.detail);
        // On a loaded machine the shell may not have got as far as starting
        // its child within the second; when it did, the child was killed.
        let Ok(pid) = std::fs::read_to_string(dir.path().join("child.pid")) else {
            return;
        };
        assert!(fault.detail.contains("started"), "{}", fault.detail);
        // SIGKILL is delivered asynchronously: give the kernel a moment to
        // end the child. Gone, or a zombie waiting for init to reap it.
        let killed =
            |stat: &std::io::Result<String>| stat.as_ref().map_or(true, |s| s.split(' ').nth(2) == Some("Z"));
        let path = format!("/proc/{}/stat", pid.trim());
        let mut stat = std::fs::read_to_string(&path);
        for _ in 0..100 {
            if killed(&stat) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
            stat = std::fs::read_to_string(&path);
        }
        assert!(killed(&stat), "{stat:?}");
    }

    #[test]
    fn output_control_characters_are_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        let run = run_in(dir.path(), r"printf 'red \033[31m\nnext\n'", &f, &f).unwrap();
        assert_eq!(run.output, "red \\x1B[31m\nnext");
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
