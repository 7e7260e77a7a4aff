//! Who wrote each note and when it last changed, from git.
//!
//! One `git log --name-only` over `content/` gives the whole history at once;
//! asking git once per file would cost a process per note. The log is read on
//! a thread of its own while the notes load ([`GitLog::start`]), and a
//! project outside a repository, or a machine without git, simply has no
//! history: the portal is built all the same.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;

use serde::Serialize;

/// One commit as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    /// The author date, RFC 3339 as git writes it.
    pub date: String,
    pub author: String,
}

/// The history of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHistory {
    /// The newest commit that touched it.
    pub last: Commit,
    /// The oldest commit that touched it: who wrote it, and when.
    pub first: Commit,
}

/// The history of every file under `content/`, keyed by its path relative
/// to the project (`content/faq/FAQ-001.md`).
#[derive(Debug, Clone, Default)]
pub struct GitHistory {
    files: HashMap<String, FileHistory>,
}

/// `git log` running on its own thread.
pub struct GitLog(Option<JoinHandle<GitHistory>>);

impl GitLog {
    /// Starts reading the history of `root`'s `content/` folder.
    pub fn start(root: &Path) -> GitLog {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(root)
            .args([
                "-c",
                "core.quotepath=off",
                "log",
                "-z",
                "--name-only",
                "--relative",
                // Record separator, author date, unit separator, author name.
                "--format=%x1e%aI%x1f%an",
                "--",
                "content",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let handle = std::thread::Builder::new()
            .name("git-log".into())
            .spawn(move || {
                let Ok(mut child) = command.spawn() else {
                    return GitHistory::default();
                };
                let mut out = Vec::new();
                let read = child.stdout.take().map(|mut s| s.read_to_end(&mut out));
                let ok = child.wait().is_ok_and(|s| s.success());
                if ok && matches!(read, Some(Ok(_))) {
                    GitHistory::parse(&String::from_utf8_lossy(&out))
                } else {
                    GitHistory::default()
                }
            })
            .ok();
        GitLog(handle)
    }

    /// Waits for the log; an empty history when git failed or is absent.
    pub fn finish(self) -> GitHistory {
        self.0.and_then(|h| h.join().ok()).unwrap_or_default()
    }
}

impl GitHistory {
    /// Parses `git log -z --name-only --format=%x1e%aI%x1f%an` output, newest
    /// commit first.
    pub fn parse(log: &str) -> GitHistory {
        let mut files: HashMap<String, FileHistory> = HashMap::new();
        for record in log.split('\x1e').filter(|r| !r.is_empty()) {
            let (header, names) = record.split_once('\0').unwrap_or((record, ""));
            let Some((date, author)) = header.split_once('\x1f') else {
                continue;
            };
            let commit = Commit {
                date: date.trim().to_string(),
                author: author.trim().to_string(),
            };
            for name in names.split('\0').map(|n| n.trim_start_matches('\n')) {
                if name.is_empty() {
                    continue;
                }
                files
                    .entry(name.to_string())
                    .and_modify(|h| h.first = commit.clone())
                    .or_insert_with(|| FileHistory {
                        last: commit.clone(),
                        first: commit.clone(),
                    });
            }
        }
        GitHistory { files }
    }

    /// The history of `path` (relative to the project), if git has one.
    pub fn file(&self, path: &str) -> Option<&FileHistory> {
        self.files.get(path)
    }
}

/// The commit `HEAD` points at, or `None` outside a repository. Cheap (one
/// small git process); the portal's up-to-date check uses it to notice a new
/// commit that changed no file.
pub fn head(root: &Path) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "-q", "--verify", "HEAD"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_commit_and_first_author_per_file() {
        let log = "\x1e2025-03-02T10:00:00+08:00\x1f李婷\0\ncontent/a.md\0content/b 空格.md\0\
                   \x1e2025-03-01T09:00:00+08:00\x1f张昊\0\ncontent/a.md\0";
        let h = GitHistory::parse(log);
        let a = h.file("content/a.md").unwrap();
        assert_eq!(a.last.author, "李婷");
        assert_eq!(a.last.date, "2025-03-02T10:00:00+08:00");
        assert_eq!(a.first.author, "张昊");
        assert_eq!(a.first.date, "2025-03-01T09:00:00+08:00");
        assert_eq!(h.file("content/b 空格.md").unwrap().first.author, "李婷");
        assert!(h.file("content/c.md").is_none());
    }

    #[test]
    fn no_repository_means_no_history() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::write(dir.path().join("content/a.md"), "x").unwrap();
        assert!(GitLog::start(dir.path()).finish().file("content/a.md").is_none());
        assert_eq!(head(dir.path()), None);
    }
}
