//! Listing a backup set: the files under its folder that its `include`
//! globs match, the manifest left out.
//!
//! Symbolic links are never followed out of the set: a link whose target
//! lies outside the set's folder (or nowhere) is reported `unreadable`, and
//! a link to a file inside it is skipped, since that file is verified under
//! its own name. Anything else that is no regular file (a pipe, a socket,
//! a device) is `unreadable` too: opening a pipe would hang the run.

use std::fs::{self, Metadata};
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use super::report::{Problem, ProblemKind};

/// A regular file of a set.
#[derive(Debug, Clone)]
pub struct SetFile {
    /// Relative to the set's folder, `/`-separated.
    pub rel: String,
    pub path: PathBuf,
    pub size: u64,
    pub modified: SystemTime,
}

/// What was found under a set's folder.
#[derive(Debug, Default)]
pub struct Listing {
    /// Sorted by `rel`.
    pub files: Vec<SetFile>,
    /// Links out of the set, special files, unreadable folders.
    pub problems: Vec<Problem>,
}

/// The `include` globs of a set, matched against paths relative to its
/// folder. `*` stays within one folder; `**` crosses folders.
pub fn globs(include: &[String]) -> Result<Option<GlobSet>, globset::Error> {
    if include.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for pattern in include {
        b.add(
            globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()?,
        );
    }
    b.build().map(Some)
}

/// Checks one glob as written, for settings validation.
pub fn check_glob(pattern: &str) -> Result<(), globset::Error> {
    Glob::new(pattern).map(|_| ())
}

/// Lists `dir`. An error means the folder itself cannot be read (it is
/// missing, or not a folder).
pub fn list(dir: &Path, include: Option<&GlobSet>, manifest: Option<&str>) -> io::Result<Listing> {
    let meta = fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(io::Error::new(io::ErrorKind::NotADirectory, "not a folder"));
    }
    let root = fs::canonicalize(dir)?;
    let mut stats = Vec::new();
    let mut problems = Vec::new();
    walk(dir, "", include, manifest, &mut stats, &mut problems);
    let mut files = Vec::with_capacity(stats.len());
    for (rel, path, meta) in stats {
        let meta = match meta {
            Ok(m) => m,
            Err(e) => {
                problems.push(Problem::new(rel, ProblemKind::Unreadable, io_message(&e)));
                continue;
            }
        };
        let ft = meta.file_type();
        if ft.is_file() {
            files.push(SetFile {
                rel,
                size: meta.len(),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                path,
            });
        } else if ft.is_symlink() {
            if let Some(problem) = link_problem(&root, &rel, &path) {
                problems.push(problem);
            }
        } else {
            let what = if ft.is_fifo() {
                "a named pipe"
            } else if ft.is_socket() {
                "a socket"
            } else if ft.is_block_device() || ft.is_char_device() {
                "a device"
            } else {
                "not a regular file"
            };
            problems.push(Problem::new(
                rel,
                ProblemKind::Unreadable,
                format!("is {what}, not a regular file: a backup set holds files"),
            ));
        }
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Listing { files, problems })
}

/// Lists one folder, then its subfolders. Each file's `lstat` is made
/// relative to its folder (`DirEntry::metadata`), on every core: with many
/// small files, a full path lookup per file would cost as much as hashing.
fn walk(
    dir: &Path,
    prefix: &str,
    include: Option<&GlobSet>,
    manifest: Option<&str>,
    stats: &mut Vec<(String, PathBuf, io::Result<Metadata>)>,
    problems: &mut Vec<Problem>,
) {
    let unlisted = |problems: &mut Vec<Problem>, rel: &str, e: &io::Error| {
        problems.push(Problem::new(
            rel,
            ProblemKind::Unreadable,
            format!("cannot list: {}", io_message(e)),
        ))
    };
    let entries = match fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => return unlisted(problems, prefix.trim_end_matches('/'), &e),
    };
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                unlisted(problems, prefix.trim_end_matches('/'), &e);
                continue;
            }
        };
        let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            folders.push((entry.path(), rel));
        } else if Some(rel.as_str()) != manifest && include.is_none_or(|g| g.is_match(&rel)) {
            files.push((rel, entry));
        }
    }
    stats.par_extend(
        files
            .into_par_iter()
            .map(|(rel, entry)| (rel, entry.path(), entry.metadata())),
    );
    folders.sort();
    for (path, rel) in folders {
        walk(&path, &format!("{rel}/"), include, manifest, stats, problems);
    }
}

/// `None` for a link to a regular file inside the set (skipped: verified
/// under its own name); a problem otherwise. The link is never opened.
fn link_problem(root: &Path, rel: &str, path: &Path) -> Option<Problem> {
    let target = fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "?".into());
    match fs::canonicalize(path) {
        Ok(resolved) if resolved.starts_with(root) => {
            if fs::metadata(&resolved).is_ok_and(|m| m.is_file()) {
                None
            } else {
                Some(Problem::new(
                    rel,
                    ProblemKind::Unreadable,
                    format!("is a symbolic link to `{target}`, which is no regular file"),
                ))
            }
        }
        Ok(_) => Some(Problem::new(
            rel,
            ProblemKind::Unreadable,
            format!(
                "is a symbolic link to `{target}`, outside the set: opsbook never follows links out of a set"
            ),
        )),
        Err(_) => Some(Problem::new(
            rel,
            ProblemKind::Unreadable,
            format!("is a symbolic link to `{target}`, which does not exist"),
        )),
    }
}

/// An I/O error as a person reads it: "Permission denied", not the
/// debug form.
pub fn io_message(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_manifest_links_and_pipes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("2025/11")).unwrap();
        fs::write(d.join("a.sql.zst"), b"a").unwrap();
        fs::write(d.join("2025/11/b.sql.zst"), b"bb").unwrap();
        fs::write(d.join("notes.txt"), b"x").unwrap();
        fs::write(d.join("B3SUMS"), b"").unwrap();
        std::os::unix::fs::symlink("a.sql.zst", d.join("latest.sql.zst")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", d.join("escape.sql.zst")).unwrap();
        std::os::unix::fs::symlink("nowhere", d.join("dangling.sql.zst")).unwrap();

        let g = globs(&["*.sql.zst".into(), "**/*.sql.zst".into()]).unwrap();
        let l = list(d, g.as_ref(), Some("B3SUMS")).unwrap();
        let names: Vec<_> = l.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(names, ["2025/11/b.sql.zst", "a.sql.zst"]);
        assert_eq!(l.files[0].size, 2);
        let problems: Vec<_> = l.problems.iter().map(|p| (p.path.as_str(), p.kind)).collect();
        assert_eq!(
            problems,
            [
                ("dangling.sql.zst", ProblemKind::Unreadable),
                ("escape.sql.zst", ProblemKind::Unreadable)
            ]
        );
        assert!(l.problems[1].detail.contains("outside the set"));

        let all = list(d, None, Some("B3SUMS")).unwrap();
        assert_eq!(all.files.len(), 3);
        assert!(list(&d.join("absent"), None, None).is_err());
    }

    #[test]
    fn star_stays_in_one_folder() {
        let g = globs(&["*.zst".into()]).unwrap().unwrap();
        assert!(g.is_match("a.zst"));
        assert!(!g.is_match("sub/a.zst"));
        assert!(globs(&["[".into()]).is_err());
    }
}
