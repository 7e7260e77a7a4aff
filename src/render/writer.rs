//! Writes the portal incrementally and all-or-nothing.
//!
//! A build renders only the files whose fingerprint changed, but a failed
//! build must still leave the previous `site/` exactly as it was. Files are
//! therefore never written into `site/` directly. Beside it (`out` is
//! `site/`):
//!
//! * `.site.opsbook-lock`: holds the id of the process building; a second
//!   build of the same site refuses to start while that process lives;
//! * `.site.opsbook-staging/`: this build's new and changed files, laid out
//!   as in the site;
//! * `.site.opsbook-journal`: written (and flushed to disk) once every file
//!   is staged. It is the commit point: it lists the files to move into
//!   `site/` and the ones to delete;
//! * `.site.opsbook-old/`: the previous site while a whole new one replaces it.
//!
//! A build that fails before the journal exists (a template error, a full
//! disk) deletes its staging folder; `site/` was never touched. After the
//! journal exists, the files are moved into place one by one (each `rename`
//! is atomic, so every file is whole, old or new) and the journal is
//! removed. If the process dies in between, the next build, or anything else
//! that opens the writer, first finishes the moves the journal lists
//! (roll-forward), so an interrupted commit is completed, never half-kept.
//! A build without a usable manifest stages a whole site and replaces the
//! folder in two renames, with the same journal.
//!
//! Staged pages are not flushed to disk one by one (as no static site
//! generator does; it would cost more than the build); the journal and the
//! manifest are. After a power cut in the seconds after a build, the disk
//! may hold pages the manifest believes current: delete `site/` to rebuild it
//! whole.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::state::atomic::{sync_dir, write_atomic};

/// What the commit does, written before any of it is done.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    /// The staging folder is a whole site that replaces `out`.
    replace: bool,
    /// Staged files to move into `out`, in order (the manifest last).
    files: Vec<String>,
    /// Files of `out` to delete.
    delete: Vec<String>,
}

pub struct SiteWriter {
    out: PathBuf,
    staging: PathBuf,
    journal: PathBuf,
    old: PathBuf,
    lock: PathBuf,
    replace: bool,
    staged: bool,
}

impl SiteWriter {
    /// Takes the site's lock and completes any commit an earlier build left
    /// unfinished.
    pub fn open(out: &Path) -> io::Result<SiteWriter> {
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".into());
        let beside = |suffix: &str| parent.join(format!(".{name}.opsbook-{suffix}"));
        let writer = SiteWriter {
            out: out.to_path_buf(),
            staging: beside("staging"),
            journal: beside("journal"),
            old: beside("old"),
            lock: beside("lock"),
            replace: false,
            staged: false,
        };
        take_lock(&writer.lock)?;
        if let Err(e) = writer.recover() {
            let _ = fs::remove_file(&writer.lock);
            return Err(e);
        }
        Ok(writer)
    }

    /// Finishes a committed build, and clears what an uncommitted one left.
    fn recover(&self) -> io::Result<()> {
        match fs::read(&self.journal) {
            Ok(bytes) => {
                let journal: Journal = serde_json::from_slice(&bytes).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{} is damaged ({e}); delete it and the site",
                            self.journal.display()
                        ),
                    )
                })?;
                self.apply(&journal)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        remove_dir_if_exists(&self.staging)?;
        remove_dir_if_exists(&self.old)
    }

    /// Starts staging: a whole new site (`replace`) or the changed files.
    pub fn stage(&mut self, replace: bool) -> io::Result<()> {
        remove_dir_if_exists(&self.staging)?;
        fs::create_dir(&self.staging)?;
        self.replace = replace;
        self.staged = true;
        Ok(())
    }

    /// The staging path of a site-relative file, refusing paths that leave it.
    fn target(&self, rel: &str) -> io::Result<PathBuf> {
        let rel_path = Path::new(rel);
        if rel.is_empty() || rel_path.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unsafe site path `{rel}`"),
            ));
        }
        Ok(self.staging.join(rel_path))
    }

    /// Creates the staging folders of these files (once each, before the
    /// files are written in parallel).
    pub fn make_dirs<'a>(&self, rels: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for rel in rels {
            if let Some(dir) = self.target(rel)?.parent() {
                dirs.push(dir.to_path_buf());
            }
        }
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            fs::create_dir_all(d)?;
        }
        Ok(())
    }

    /// Stages one file (`incidents/INC-250311-01.html`).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.target(rel)?;
        match fs::write(&path, bytes) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(path.parent().unwrap_or(&self.staging))?;
                fs::write(&path, bytes)
            }
            other => other,
        }
    }

    /// Makes the staged files the site: writes the journal (the commit
    /// point), then moves `files` into place and deletes `delete`.
    pub fn commit(mut self, files: Vec<String>, delete: Vec<String>) -> io::Result<()> {
        for rel in files.iter().chain(&delete) {
            self.target(rel)?;
        }
        let journal = Journal {
            replace: self.replace,
            files,
            delete,
        };
        let bytes = serde_json::to_vec(&journal).map_err(io::Error::other)?;
        write_atomic(&self.journal, &bytes)?;
        self.staged = false;
        self.apply(&journal)
    }

    /// Carries out a journal; safe to run again on a half-done one.
    fn apply(&self, journal: &Journal) -> io::Result<()> {
        if journal.replace {
            if self.staging.exists() {
                if self.out.exists() {
                    remove_dir_if_exists(&self.old)?;
                    fs::rename(&self.out, &self.old)?;
                }
                fs::rename(&self.staging, &self.out)?;
            }
            remove_dir_if_exists(&self.old)?;
        } else {
            for rel in &journal.files {
                let from = self.staging.join(rel);
                if !from.exists() {
                    continue;
                }
                let to = self.out.join(rel);
                if let Some(dir) = to.parent() {
                    fs::create_dir_all(dir)?;
                }
                fs::rename(&from, &to)?;
            }
            for rel in &journal.delete {
                let path = self.out.join(rel);
                match fs::remove_file(&path) {
                    Ok(()) => self.prune(&path),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            remove_dir_if_exists(&self.staging)?;
        }
        if let Some(parent) = self.out.parent() {
            sync_dir(parent);
        }
        match fs::remove_file(&self.journal) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes the now empty folders above a deleted file, up to the site.
    fn prune(&self, file: &Path) {
        let mut dir = file.parent();
        while let Some(d) = dir {
            if d == self.out || fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}

impl Drop for SiteWriter {
    fn drop(&mut self) {
        if self.staged {
            let _ = fs::remove_dir_all(&self.staging);
        }
        let _ = fs::remove_file(&self.lock);
    }
}

fn remove_dir_if_exists(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Creates the lock file with this process's id. A lock whose process is
/// gone (a build that was killed) is taken over.
fn take_lock(path: &Path) -> io::Result<()> {
    for _ in 0..2 {
        match fs::OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(mut f) => return write!(f, "{}", std::process::id()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let pid = fs::read_to_string(path).unwrap_or_default();
                if process_alive(pid.trim()) {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        format!(
                            "another opsbook (process {}) is building this site; if it is not, delete {}",
                            pid.trim(),
                            path.display()
                        ),
                    ));
                }
                fs::remove_file(path)?;
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "cannot take the lock {}",
        path.display()
    )))
}

/// Whether the process `pid` still runs. Where that cannot be known (no
/// `/proc`), a lock is taken to be held.
fn process_alive(pid: &str) -> bool {
    let Ok(pid) = pid.parse::<u32>() else { return false };
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_dropped_build_leaves_the_old_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let mut w = SiteWriter::open(&out).unwrap();
        w.stage(true).unwrap();
        w.write("index.html", b"v1").unwrap();
        w.write("a/b.html", b"b1").unwrap();
        w.commit(vec![], vec![]).unwrap();

        let mut w = SiteWriter::open(&out).unwrap();
        w.stage(false).unwrap();
        w.write("index.html", b"v2").unwrap();
        assert!(w.write("../escape.html", b"x").is_err());
        drop(w);
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"v1");
        assert_eq!(entries(dir.path()), ["site"], "nothing left beside the site");
    }

    #[test]
    fn an_update_moves_changed_files_and_deletes_removed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let mut w = SiteWriter::open(&out).unwrap();
        w.stage(true).unwrap();
        for f in ["index.html", "a/b.html", "a/c.html", "d/e.html"] {
            w.write(f, b"1").unwrap();
        }
        w.commit(vec![], vec![]).unwrap();

        let mut w = SiteWriter::open(&out).unwrap();
        w.stage(false).unwrap();
        w.write("a/b.html", b"2").unwrap();
        w.write("n/new.html", b"2").unwrap();
        w.commit(
            vec!["a/b.html".into(), "n/new.html".into()],
            vec!["d/e.html".into()],
        )
        .unwrap();
        assert_eq!(fs::read(out.join("a/b.html")).unwrap(), b"2");
        assert_eq!(fs::read(out.join("a/c.html")).unwrap(), b"1");
        assert_eq!(fs::read(out.join("n/new.html")).unwrap(), b"2");
        assert!(!out.join("d").exists(), "an emptied folder goes too");
        assert_eq!(entries(dir.path()), ["site"]);
    }

    #[test]
    fn a_commit_cut_short_is_finished_by_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let mut w = SiteWriter::open(&out).unwrap();
        w.stage(true).unwrap();
        w.write("a.html", b"1").unwrap();
        w.write("b.html", b"1").unwrap();
        w.commit(vec![], vec![]).unwrap();

        // A build that died after writing its journal and moving one file.
        let staging = dir.path().join(".site.opsbook-staging");
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("b.html"), b"2").unwrap();
        fs::write(out.join("a.html"), b"2").unwrap();
        let journal = Journal {
            replace: false,
            files: vec!["a.html".into(), "b.html".into()],
            delete: vec![],
        };
        fs::write(
            dir.path().join(".site.opsbook-journal"),
            serde_json::to_vec(&journal).unwrap(),
        )
        .unwrap();
        fs::write(dir.path().join(".site.opsbook-lock"), "999999999").unwrap();

        drop(SiteWriter::open(&out).unwrap());
        assert_eq!(fs::read(out.join("a.html")).unwrap(), b"2");
        assert_eq!(fs::read(out.join("b.html")).unwrap(), b"2");
        assert_eq!(entries(dir.path()), ["site"]);
    }

    #[test]
    fn a_replace_cut_between_its_renames_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        // The old site was moved aside; the new one is still staged.
        let old = dir.path().join(".site.opsbook-old");
        let staging = dir.path().join(".site.opsbook-staging");
        fs::create_dir_all(&old).unwrap();
        fs::create_dir_all(&staging).unwrap();
        fs::write(old.join("index.html"), b"old").unwrap();
        fs::write(staging.join("index.html"), b"new").unwrap();
        let journal = Journal {
            replace: true,
            files: vec![],
            delete: vec![],
        };
        fs::write(
            dir.path().join(".site.opsbook-journal"),
            serde_json::to_vec(&journal).unwrap(),
        )
        .unwrap();
        drop(SiteWriter::open(&out).unwrap());
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"new");
        assert_eq!(entries(dir.path()), ["site"]);
    }

    #[test]
    fn a_live_lock_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let held = SiteWriter::open(&out).unwrap();
        let err = SiteWriter::open(&out).err().expect("the second writer waits");
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        drop(held);
        SiteWriter::open(&out).unwrap();
    }
}
