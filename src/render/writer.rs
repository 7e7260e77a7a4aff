//! Writes the portal incrementally and all-or-nothing, and only into a
//! folder of its own.
//!
//! A build renders only the files whose fingerprint changed, but a failed
//! build must still leave the previous `site/` exactly as it was. Files are
//! therefore never written into `site/` directly. Beside it (`out` is
//! `site/`):
//!
//! * `.site.opsbook-lock`: an advisory lock ([`StateLock`], `flock`) held
//!   while a build writes; a second build of the same site is refused. The
//!   kernel releases it when its holder ends, however it ends, and only
//!   the holder removes the file, so a refused build cannot take the lock
//!   from the one that holds it;
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
//! (roll-forward), so an interrupted commit is completed, never half-kept;
//! a staging or old folder without a journal is removed. A build without a
//! usable manifest stages a whole site and replaces the folder in two
//! renames, with the same journal.
//!
//! The writer never deletes or overwrites a file an earlier build did not
//! write: it opens only an empty folder or one with a manifest
//! ([`site_out::ownership`]), replaces a folder whole only when every file
//! in it is listed in that manifest, and refuses to stage a page over a
//! file the manifest does not list ([`SiteWriter::check_unlisted`]).
//!
//! Staged pages are not flushed to disk one by one (as no static site
//! generator does; it would cost more than the build); the journal and the
//! manifest are. After a power cut in the seconds after a build, the disk
//! may hold pages the manifest believes current: delete `site/` to rebuild it
//! whole.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::site_out::{self, OutError};
use crate::state::atomic::{sync_dir, write_atomic};
use crate::state::{LockError, StateLock};

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

/// Why the site could not be opened or staged.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Out(#[from] OutError),
    // `error` is not a `source`: the message already says it, and a source
    // would be printed a second time by the chain at the edge.
    #[error("cannot {doing} {}: {error}", .path.display())]
    Io {
        doing: &'static str,
        path: PathBuf,
        error: io::Error,
    },
}

fn io_err(doing: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SiteError {
    let path = path.to_path_buf();
    move |error| SiteError::Io { doing, path, error }
}

pub struct SiteWriter {
    out: PathBuf,
    /// `out` as the user should see it.
    shown: String,
    staging: PathBuf,
    journal: PathBuf,
    old: PathBuf,
    /// Held until the writer is dropped.
    _lock: StateLock,
    /// The files of `out` its manifest lists: those an earlier build
    /// wrote. Read when first needed (an up-to-date build never needs it).
    listed: OnceLock<HashSet<String>>,
    replace: bool,
    staged: bool,
}

impl SiteWriter {
    /// Takes the site's lock, completes any commit an earlier build left
    /// unfinished, and checks that `out` (resolved, see
    /// [`site_out::resolve_out`]) is a folder opsbook may write.
    pub fn open(out: &Path, shown: &str) -> Result<SiteWriter, SiteError> {
        let not_a_folder = || OutError::NotAFolder {
            shown: shown.to_string(),
        };
        let parent = out.parent().ok_or_else(not_a_folder)?;
        let name = out
            .file_name()
            .ok_or_else(not_a_folder)?
            .to_string_lossy()
            .into_owned();
        fs::create_dir_all(parent).map_err(|e| OutError::Unusable {
            shown: shown.to_string(),
            message: e.to_string(),
        })?;
        let beside = |suffix: &str| parent.join(format!(".{name}.opsbook-{suffix}"));
        let lock = StateLock::acquire(&beside("lock"))?;
        let writer = SiteWriter {
            out: out.to_path_buf(),
            shown: shown.to_string(),
            staging: beside("staging"),
            journal: beside("journal"),
            old: beside("old"),
            _lock: lock,
            listed: OnceLock::new(),
            replace: false,
            staged: false,
        };
        writer
            .recover()
            .map_err(io_err("finish the interrupted build of", out))?;
        site_out::ownership(out, shown)?;
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
    /// A whole new site replaces `out` only when `out` holds nothing but
    /// what its manifest lists.
    pub fn stage(&mut self, replace: bool) -> Result<(), SiteError> {
        if replace {
            let unlisted = self.unlisted_files();
            if !unlisted.is_empty() {
                return Err(self.foreign(&unlisted).into());
            }
        }
        remove_dir_if_exists(&self.staging).map_err(io_err("remove", &self.staging))?;
        fs::create_dir(&self.staging).map_err(io_err("create", &self.staging))?;
        self.replace = replace;
        self.staged = true;
        Ok(())
    }

    /// Refuses to stage any of `rels` over a file of `out` that its
    /// manifest does not list (a file put there by hand).
    pub fn check_unlisted<'a>(&self, rels: impl IntoIterator<Item = &'a str>) -> Result<(), SiteError> {
        let taken: Vec<String> = rels
            .into_iter()
            .filter(|rel| !self.is_listed(rel) && fs::symlink_metadata(self.out.join(rel)).is_ok())
            .map(str::to_string)
            .collect();
        if taken.is_empty() {
            Ok(())
        } else {
            Err(self.foreign(&taken).into())
        }
    }

    fn is_listed(&self, rel: &str) -> bool {
        rel.starts_with(".opsbook/") || self.listed.get_or_init(|| listed_files(&self.out)).contains(rel)
    }

    /// Files (and links) of `out` that its manifest does not list.
    fn unlisted_files(&self) -> Vec<String> {
        let mut found: Vec<String> = walkdir::WalkDir::new(&self.out)
            .min_depth(1)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| !e.file_type().is_dir())
            .filter_map(|e| {
                let rel = e.path().strip_prefix(&self.out).ok()?;
                let rel = rel.to_string_lossy().into_owned();
                (!self.is_listed(&rel)).then_some(rel)
            })
            .collect();
        found.sort();
        found
    }

    fn foreign(&self, files: &[String]) -> OutError {
        OutError::Foreign {
            shown: self.shown.clone(),
            files: site_out::some_of(files),
        }
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
        // The lock is released (and its file removed) as it is dropped.
    }
}

fn remove_dir_if_exists(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The files the manifest of the site at `out` lists, whatever its format
/// version (`FINGERPRINT PATH` lines after a header line); none without one.
fn listed_files(out: &Path) -> HashSet<String> {
    let text = fs::read_to_string(out.join(site_out::MARKER)).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|line| line.split_once(' ').map(|(_, path)| path.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What stays beside a site between builds: nothing but the site.
    const BESIDE: [&str; 1] = ["site"];

    /// A manifest listing `files`, as a build writes it (last).
    fn stage_manifest(w: &SiteWriter, files: &[&str]) {
        let lines: String = files.iter().map(|f| format!("ff {f}\n")).collect();
        w.write(site_out::MARKER, format!("{{}}\n{lines}").as_bytes())
            .unwrap();
    }

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
        let mut w = SiteWriter::open(&out, "site").unwrap();
        w.stage(true).unwrap();
        w.write("index.html", b"v1").unwrap();
        w.write("a/b.html", b"b1").unwrap();
        stage_manifest(&w, &["index.html", "a/b.html"]);
        w.commit(vec![], vec![]).unwrap();

        let mut w = SiteWriter::open(&out, "site").unwrap();
        w.stage(false).unwrap();
        w.write("index.html", b"v2").unwrap();
        assert!(w.write("../escape.html", b"x").is_err());
        drop(w);
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"v1");
        assert_eq!(entries(dir.path()), BESIDE, "nothing left beside the site");
    }

    #[test]
    fn an_update_moves_changed_files_and_deletes_removed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let mut w = SiteWriter::open(&out, "site").unwrap();
        w.stage(true).unwrap();
        let files = ["index.html", "a/b.html", "a/c.html", "d/e.html"];
        for f in files {
            w.write(f, b"1").unwrap();
        }
        stage_manifest(&w, &files);
        w.commit(vec![], vec![]).unwrap();

        let mut w = SiteWriter::open(&out, "site").unwrap();
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
        assert_eq!(entries(dir.path()), BESIDE);
    }

    #[test]
    fn a_commit_cut_short_is_finished_by_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let mut w = SiteWriter::open(&out, "site").unwrap();
        w.stage(true).unwrap();
        w.write("a.html", b"1").unwrap();
        w.write("b.html", b"1").unwrap();
        stage_manifest(&w, &["a.html", "b.html"]);
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

        drop(SiteWriter::open(&out, "site").unwrap());
        assert_eq!(fs::read(out.join("a.html")).unwrap(), b"2");
        assert_eq!(fs::read(out.join("b.html")).unwrap(), b"2");
        assert_eq!(entries(dir.path()), BESIDE);
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
        fs::create_dir_all(staging.join(".opsbook")).unwrap();
        fs::write(staging.join(site_out::MARKER), "{}\nff index.html\n").unwrap();
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
        drop(SiteWriter::open(&out, "site").unwrap());
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"new");
        assert_eq!(entries(dir.path()), BESIDE);
    }

    #[test]
    fn a_held_lock_is_never_taken_from_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let held = SiteWriter::open(&out, "site").unwrap();
        for _ in 0..2 {
            // The second, then a third: both refused, the lock file intact.
            let err = SiteWriter::open(&out, "site").err().expect("refused");
            assert!(matches!(err, SiteError::Lock(LockError::Busy { .. })), "{err}");
            assert!(
                dir.path().join(".site.opsbook-lock").is_file(),
                "the lock is kept"
            );
        }
        drop(held);
        SiteWriter::open(&out, "site").unwrap();
    }

    #[test]
    fn files_it_did_not_write_are_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("index.php"), b"<?php").unwrap();
        let err = SiteWriter::open(&out, "site").err().expect("a foreign folder");
        assert!(matches!(err, SiteError::Out(OutError::Foreign { .. })), "{err}");
        fs::remove_file(out.join("index.php")).unwrap();

        let mut w = SiteWriter::open(&out, "site").unwrap();
        w.stage(true).unwrap();
        w.write("index.html", b"1").unwrap();
        w.write(".opsbook/manifest", b"{}\nff index.html\n").unwrap();
        w.commit(vec![], vec![]).unwrap();

        // A file put into the site by hand: an update may not write over
        // it, and a whole new site may not replace the folder.
        fs::write(out.join("CNAME"), b"portal.example").unwrap();
        let mut w = SiteWriter::open(&out, "site").unwrap();
        assert!(w.check_unlisted(["index.html", "new.html"]).is_ok());
        assert!(w.check_unlisted(["CNAME"]).is_err());
        let err = w.stage(true).unwrap_err().to_string();
        assert!(err.contains("holds files opsbook did not write (CNAME)"), "{err}");
        drop(w);
        assert_eq!(fs::read(out.join("CNAME")).unwrap(), b"portal.example");
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"1");
    }
}
