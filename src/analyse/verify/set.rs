//! Listing a backup set: the files under its folder that its `include`
//! globs match, the manifest left out.
//!
//! Symbolic links are never followed out of the set: a link whose target
//! lies outside the set's folder (or nowhere) is reported `unreadable`, and
//! a link to a file inside it is skipped, since that file is verified under
//! its own name. Anything else that is no regular file (a pipe, a socket,
//! a device) is `unreadable` too: opening a pipe would hang the run.

use std::ffi::CString;
use std::fs::{self, File};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
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
    /// The exact relative path, only when `rel` had to replace bytes of
    /// its name that are not UTF-8.
    pub os_rel: Option<PathBuf>,
    pub size: u64,
    pub modified: SystemTime,
}

impl SetFile {
    /// Relative to the set's folder, as the file system names it.
    pub fn rel_path(&self) -> &Path {
        self.os_rel.as_deref().unwrap_or(Path::new(&self.rel))
    }
}

/// A set's folder, held open: its files are opened relative to it, so the
/// kernel looks up a file's name in its own folder, not the whole path
/// from the root of the file system, once per file.
#[derive(Debug)]
pub struct SetDir {
    /// The folder as the settings name it.
    pub path: PathBuf,
    handle: File,
}

impl SetDir {
    pub fn open(path: &Path) -> io::Result<SetDir> {
        Ok(SetDir {
            path: path.to_path_buf(),
            handle: File::open(path)?,
        })
    }

    /// Opens a file of the set for reading. A symbolic link put in the
    /// file's place since the listing is refused, not followed, and a named
    /// pipe does not block the open (`O_NONBLOCK`, which regular files
    /// ignore): callers check what they opened.
    pub fn open_file(&self, file: &SetFile) -> io::Result<File> {
        let rel = CString::new(file.rel_path().as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in the file name"))?;
        // SAFETY: `rel` is a NUL-terminated string and `handle` an open
        // folder; the descriptor returned is owned by the File alone.
        let fd = unsafe {
            libc::openat(
                self.handle.as_raw_fd(),
                rel.as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NOFOLLOW | libc::O_NONBLOCK,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened and nothing else owns it.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// The file's `lstat`, for a file that cannot be opened.
    pub fn lstat(&self, file: &SetFile) -> io::Result<fs::Metadata> {
        fs::symlink_metadata(self.path_of(file))
    }

    /// The file's full path, for messages and commands.
    pub fn path_of(&self, file: &SetFile) -> PathBuf {
        self.path.join(file.rel_path())
    }
}

/// What was found under a set's folder.
#[derive(Debug)]
pub struct Listing {
    pub dir: SetDir,
    /// Sorted by `rel`.
    pub files: Vec<SetFile>,
    /// The files' sizes and times were read with the listing; else they
    /// are 0 and the epoch until each file is opened.
    pub sized: bool,
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
/// missing, or not a folder). With `stat`, each file's size and time are
/// read too; without, the listing reads folders alone (their entries say
/// which names are files), and the sizes and times are learnt when each
/// file is opened: one look-up of each name instead of two.
pub fn list(
    dir: &Path,
    include: Option<&GlobSet>,
    manifest: Option<&str>,
    stat: bool,
) -> io::Result<Listing> {
    let meta = fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(io::Error::new(io::ErrorKind::NotADirectory, "not a folder"));
    }
    let root = fs::canonicalize(dir)?;
    let set_dir = SetDir::open(dir)?;
    let top = Folder {
        path: dir.to_path_buf(),
        rel: String::new(),
        os_rel: None,
    };
    let Walked { found, mut problems } = walk(top, include, manifest, stat);
    let mut files = Vec::with_capacity(found.len());
    for Found { rel, os_rel, what } in found {
        let (ft, meta) = match what {
            Ok(w) => w,
            Err(e) => {
                problems.push(Problem::new(rel, ProblemKind::Unreadable, io_message(&e)));
                continue;
            }
        };
        if ft.is_file() {
            let (size, modified) = meta.unwrap_or((0, SystemTime::UNIX_EPOCH));
            files.push(SetFile {
                rel,
                os_rel,
                size,
                modified,
            });
        } else if ft.is_symlink() {
            let path = dir.join(os_rel.as_deref().unwrap_or(Path::new(&rel)));
            if let Some(problem) = link_problem(&root, &rel, &path) {
                problems.push(problem);
            }
        } else {
            problems.push(not_a_file(rel, ft));
        }
    }
    files.par_sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Listing {
        dir: set_dir,
        files,
        sized: stat,
        problems,
    })
}

/// The problem of a name in a set that is no regular file, nor a folder or
/// a link.
pub fn not_a_file(rel: String, ft: fs::FileType) -> Problem {
    let what = if ft.is_fifo() {
        "a named pipe"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "a device"
    } else if ft.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    };
    Problem::new(
        rel,
        ProblemKind::Unreadable,
        format!("is {what}, not a regular file: a backup set holds files"),
    )
}

/// A name found by [`walk`]: its type, and its size and time when asked
/// for.
struct Found {
    rel: String,
    os_rel: Option<PathBuf>,
    what: io::Result<(fs::FileType, Option<(u64, SystemTime)>)>,
}

/// A folder being listed: its path, and its path relative to the set's
/// folder (`rel`, lossy UTF-8, with a final `/` unless empty; `os_rel`, the
/// exact one, only when `rel` lost bytes).
struct Folder {
    path: PathBuf,
    rel: String,
    os_rel: Option<PathBuf>,
}

/// What [`walk`] found under a folder.
#[derive(Default)]
struct Walked {
    found: Vec<Found>,
    problems: Vec<Problem>,
}

/// Lists one folder, and its subfolders side by side on every core. With
/// `stat`, each file's `lstat` is made relative to its folder
/// (`DirEntry::metadata`), on every core too: with many small files, a
/// full path lookup per file would cost as much as hashing.
fn walk(folder: Folder, include: Option<&GlobSet>, manifest: Option<&str>, stat: bool) -> Walked {
    let mut walked = Walked::default();
    let unlisted = |walked: &mut Walked, e: &io::Error| {
        walked.problems.push(Problem::new(
            folder.rel.trim_end_matches('/'),
            ProblemKind::Unreadable,
            format!("cannot list: {}", io_message(e)),
        ))
    };
    let entries = match fs::read_dir(&folder.path) {
        Ok(r) => r,
        Err(e) => {
            unlisted(&mut walked, &e);
            return walked;
        }
    };
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                unlisted(&mut walked, &e);
                continue;
            }
        };
        let name = entry.file_name();
        let rel = format!("{}{}", folder.rel, name.to_string_lossy());
        let os_rel = (name.to_str().is_none() || folder.os_rel.is_some()).then(|| match &folder.os_rel {
            Some(p) => p.join(&name),
            None => Path::new(&folder.rel).join(&name),
        });
        // From the folder's entry itself where the file system says (it
        // does on ext4, XFS, Btrfs, tmpfs); else an `lstat`.
        let ft = entry.file_type();
        if ft.as_ref().is_ok_and(|t| t.is_dir()) {
            folders.push(Folder {
                path: entry.path(),
                rel: rel + "/",
                os_rel,
            });
        } else if Some(rel.as_str()) != manifest && include.is_none_or(|g| g.is_match(&rel)) {
            files.push((rel, os_rel, entry, ft));
        }
    }
    if stat {
        walked.found = files
            .into_par_iter()
            .map(|(rel, os_rel, entry, _)| Found {
                rel,
                os_rel,
                what: entry.metadata().map(|m| {
                    let modified = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    (m.file_type(), Some((m.len(), modified)))
                }),
            })
            .collect();
    } else {
        walked.found = files
            .into_iter()
            .map(|(rel, os_rel, _, ft)| Found {
                rel,
                os_rel,
                what: ft.map(|t| (t, None)),
            })
            .collect();
    }
    let below: Vec<Walked> = folders
        .into_par_iter()
        .map(|sub| walk(sub, include, manifest, stat))
        .collect();
    for mut sub in below {
        walked.found.append(&mut sub.found);
        walked.problems.append(&mut sub.problems);
    }
    walked
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
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(Problem::new(
            rel,
            ProblemKind::Unreadable,
            format!("is a symbolic link to `{target}`, which does not exist"),
        )),
        // A loop (ELOOP), or a folder on the way that cannot be read.
        Err(e) => Some(Problem::new(
            rel,
            ProblemKind::Unreadable,
            format!(
                "is a symbolic link to `{target}`, which cannot be followed: {}",
                io_message(&e)
            ),
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
        let l = list(d, g.as_ref(), Some("B3SUMS"), true).unwrap();
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

        let all = list(d, None, Some("B3SUMS"), true).unwrap();
        assert_eq!(all.files.len(), 3);
        assert!(list(&d.join("absent"), None, None, true).is_err());

        // Without stat: the same files and problems, sizes left for later.
        let bare = list(d, g.as_ref(), Some("B3SUMS"), false).unwrap();
        assert!(!bare.sized);
        let names: Vec<_> = bare.files.iter().map(|f| (f.rel.as_str(), f.size)).collect();
        assert_eq!(names, [("2025/11/b.sql.zst", 0), ("a.sql.zst", 0)]);
        assert_eq!(bare.problems, l.problems);
    }

    #[test]
    fn files_open_relative_to_the_set_and_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("sub")).unwrap();
        fs::write(d.join("sub/a.bin"), b"abc").unwrap();
        let l = list(d, None, None, false).unwrap();
        let mut text = String::new();
        io::Read::read_to_string(&mut l.dir.open_file(&l.files[0]).unwrap(), &mut text).unwrap();
        assert_eq!(text, "abc");
        assert_eq!(l.dir.path_of(&l.files[0]), d.join("sub/a.bin"));
        // Replaced by a link since the listing: refused.
        fs::remove_file(d.join("sub/a.bin")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", d.join("sub/a.bin")).unwrap();
        assert!(l.dir.open_file(&l.files[0]).is_err());
    }

    #[test]
    fn a_link_loop_is_no_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::os::unix::fs::symlink("b.sql", d.join("a.sql")).unwrap();
        std::os::unix::fs::symlink("a.sql", d.join("b.sql")).unwrap();
        let l = list(d, None, None, false).unwrap();
        assert_eq!(l.problems.len(), 2);
        for p in &l.problems {
            assert!(!p.detail.contains("does not exist"), "{}", p.detail);
            assert!(p.detail.contains("cannot be followed: "), "{}", p.detail);
            assert!(p.detail.contains("symbolic links"), "{}", p.detail);
        }
    }

    #[test]
    fn star_stays_in_one_folder() {
        let g = globs(&["*.zst".into()]).unwrap().unwrap();
        assert!(g.is_match("a.zst"));
        assert!(!g.is_match("sub/a.zst"));
        assert!(globs(&["[".into()]).is_err());
    }
}
