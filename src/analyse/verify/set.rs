//! Listing a backup set: the files under its folder that its `include`
//! globs match, the manifest left out.
//!
//! Symbolic links are never followed out of the set: a link whose target
//! lies outside the set's folder (or nowhere) is reported `unreadable`, and
//! a link to a file inside it is skipped, since that file is verified under
//! its own name. Anything else that is no regular file (a pipe, a socket,
//! a device) is `unreadable` too: opening a pipe would hang the run.
//!
//! The set's folder is walked by descriptor: each subfolder is opened
//! relative to the open folder above it, refusing a symbolic link
//! (`O_NOFOLLOW | O_DIRECTORY`), and each file is opened beneath the set's
//! folder with no link followed on the way (`openat2` with
//! `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`; where the kernel lacks it, one
//! folder at a time with `O_NOFOLLOW`). A folder swapped for a link to
//! `/etc` between the listing and the read is therefore never entered.
//!
//! Names are kept as bytes: [`SetFile::rel`] is the name written by
//! [`crate::name::escape`], which two names never share, and
//! [`SetFile::rel_path`] the exact one.

use std::borrow::Cow;
use std::ffi::{CStr, CString, OsStr};
use std::fs::{self, File};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags};

use super::report::{Problem, ProblemKind};
use crate::name;

/// A regular file of a set.
#[derive(Debug, Clone)]
pub struct SetFile {
    /// Relative to the set's folder, `/`-separated, the name escaped by
    /// [`crate::name::escape`] (an ordinary name is as it is).
    pub rel: String,
    /// The exact relative path, only when `rel` differs from it.
    pub os_rel: Option<PathBuf>,
    pub size: u64,
    pub modified: SystemTime,
    /// An object's ETag, as its bucket's listing gives it (`None` for a
    /// local file): with size and time, the object's identity.
    pub etag: Option<Box<str>>,
}

impl SetFile {
    /// Relative to the set's folder, as the file system names it.
    pub fn rel_path(&self) -> &Path {
        self.os_rel.as_deref().unwrap_or(Path::new(&self.rel))
    }

    /// The name of the file itself (its last component), as bytes.
    pub fn file_name(&self) -> &[u8] {
        self.rel_path().file_name().map_or(&[], OsStr::as_bytes)
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

/// How a file of a set is opened: for reading, never making a terminal
/// ours, and without blocking on a named pipe (`O_NONBLOCK`, which regular
/// files ignore): callers check what they opened.
const FILE_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NONBLOCK);

/// How a folder on the way to a file is opened: never through a link.
const FOLDER_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::CLOEXEC)
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW);

impl SetDir {
    pub fn open(path: &Path) -> io::Result<SetDir> {
        Ok(SetDir {
            path: path.to_path_buf(),
            handle: File::open(path)?,
        })
    }

    /// Opens a file of the set for reading. A symbolic link put in place of
    /// the file, or of any folder on its way, since the listing is refused,
    /// not followed.
    pub fn open_file(&self, file: &SetFile) -> io::Result<File> {
        open_beneath(self.handle.as_fd(), file.rel_path()).map(File::from)
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

/// Where a set's files are read from: a folder, held open, or a bucket.
#[derive(Debug)]
pub enum Origin {
    Folder(SetDir),
    Bucket(std::sync::Arc<super::bucket::Bucket>),
}

impl Origin {
    /// Opens a local file of the set (see [`SetDir::open_file`]); an
    /// object of a bucket is no local file.
    pub fn open_file(&self, file: &SetFile) -> io::Result<File> {
        match self {
            Origin::Folder(dir) => dir.open_file(file),
            Origin::Bucket(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "an object of a bucket is no local file",
            )),
        }
    }

    /// The file's full path (`s3://bucket/prefix/name` for an object),
    /// for messages and commands.
    pub fn path_of(&self, file: &SetFile) -> PathBuf {
        match self {
            Origin::Folder(dir) => dir.path_of(file),
            Origin::Bucket(bucket) => PathBuf::from(bucket.url_of(&file.rel)),
        }
    }
}

/// Opens `rel` beneath the folder `dir`, no link followed on the way.
fn open_beneath(dir: BorrowedFd<'_>, rel: &Path) -> io::Result<OwnedFd> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::ResolveFlags;
        use std::sync::atomic::{AtomicBool, Ordering};
        // Linux before 5.6 (or a sandbox that forbids the call) has no
        // openat2: learnt once, then the portable way is taken.
        static NO_OPENAT2: AtomicBool = AtomicBool::new(false);
        if !NO_OPENAT2.load(Ordering::Relaxed) {
            let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
            match rustix::fs::openat2(dir, rel, FILE_FLAGS, Mode::empty(), resolve) {
                Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => {
                    NO_OPENAT2.store(true, Ordering::Relaxed);
                }
                opened => return opened.map_err(io::Error::from),
            }
        }
    }
    open_by_components(dir, rel)
}

/// Opens `rel` beneath `dir` one folder at a time, each with `O_NOFOLLOW`.
fn open_by_components(dir: BorrowedFd<'_>, rel: &Path) -> io::Result<OwnedFd> {
    let mut parts: Vec<&OsStr> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(p) => parts.push(p),
            Component::CurDir => {}
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the path leaves the set's folder",
                ));
            }
        }
    }
    let Some((last, folders)) = parts.split_last() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "an empty path"));
    };
    let mut held: Option<OwnedFd> = None;
    for part in folders {
        let at = held.as_ref().map_or(dir, |f| f.as_fd());
        held = Some(rustix::fs::openat(at, *part, FOLDER_FLAGS, Mode::empty())?);
    }
    let at = held.as_ref().map_or(dir, |f| f.as_fd());
    Ok(rustix::fs::openat(at, *last, FILE_FLAGS, Mode::empty())?)
}

/// What was found under a set's folder.
#[derive(Debug)]
pub struct Listing {
    pub dir: Origin,
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
        rel: String::new(),
        os_rel: None,
    };
    let cx = Walk {
        include,
        manifest,
        stat,
    };
    let Walked { found, mut problems } = match Dir::read_from(set_dir.handle.as_fd()) {
        Ok(d) => walk(d, top, &cx),
        Err(e) => return Err(e.into()),
    };
    let mut files = Vec::with_capacity(found.len());
    for Found { rel, os_rel, what } in found {
        let (ft, meta) = match what {
            Ok(w) => w,
            Err(e) => {
                problems.push(Problem::new(rel, ProblemKind::Unreadable, io_message(&e)));
                continue;
            }
        };
        if ft == FileType::RegularFile {
            let (size, modified) = meta.unwrap_or((0, SystemTime::UNIX_EPOCH));
            files.push(SetFile {
                rel,
                os_rel,
                size,
                modified,
                etag: None,
            });
        } else if ft == FileType::Symlink {
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
        dir: Origin::Folder(set_dir),
        files,
        sized: stat,
        problems,
    })
}

/// The problem of a name in a set that is no regular file, nor a folder or
/// a link.
pub fn not_a_file(rel: String, ft: FileType) -> Problem {
    let what = match ft {
        FileType::Fifo => "a named pipe",
        FileType::Socket => "a socket",
        FileType::BlockDevice | FileType::CharacterDevice => "a device",
        FileType::Directory => "a folder",
        _ => "not a regular file",
    };
    Problem::new(
        rel,
        ProblemKind::Unreadable,
        format!("is {what}, not a regular file: a backup set holds files"),
    )
}

/// The type of what `meta` describes, as the listing names types.
pub fn file_type(meta: &fs::Metadata) -> FileType {
    use std::os::unix::fs::MetadataExt;
    FileType::from_raw_mode(meta.mode() as rustix::fs::RawMode)
}

/// A name found by [`walk`]: its type, and its size and time when asked
/// for.
struct Found {
    rel: String,
    os_rel: Option<PathBuf>,
    what: io::Result<(FileType, Option<(u64, SystemTime)>)>,
}

/// A folder being listed: its path relative to the set's folder (`rel`,
/// escaped, with a final `/` unless empty; `os_rel`, the exact one, only
/// when it differs).
struct Folder {
    rel: String,
    os_rel: Option<PathBuf>,
}

/// What every folder of one listing is listed with.
struct Walk<'a> {
    include: Option<&'a GlobSet>,
    manifest: Option<&'a str>,
    stat: bool,
}

/// What [`walk`] found under a folder.
#[derive(Default)]
struct Walked {
    found: Vec<Found>,
    problems: Vec<Problem>,
}

/// A name of a folder's listing, before it is looked at.
struct Entry {
    rel: String,
    os_rel: Option<PathBuf>,
    name: CString,
    ft: io::Result<FileType>,
}

/// Lists one open folder, and its subfolders side by side on every core,
/// each opened relative to this one and never through a link. With
/// `stat`, each file's `lstat` is made relative to its folder, on every
/// core too: with many small files, a full path lookup per file would cost
/// as much as hashing.
fn walk(mut dir: Dir, folder: Folder, cx: &Walk<'_>) -> Walked {
    let mut walked = Walked::default();
    let here = folder.rel.trim_end_matches('/').to_string();
    let unlisted = |walked: &mut Walked, what: String| {
        walked
            .problems
            .push(Problem::new(here.as_str(), ProblemKind::Unreadable, what))
    };
    let fd = match dir.fd() {
        Ok(fd) => fd.try_clone_to_owned(),
        Err(e) => Err(e.into()),
    };
    let fd = match fd {
        Ok(fd) => fd,
        Err(e) => {
            unlisted(&mut walked, format!("cannot list: {}", io_message(&e)));
            return walked;
        }
    };
    let mut files = Vec::new();
    let mut folders = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                unlisted(&mut walked, format!("cannot list: {}", io_message(&e.into())));
                break;
            }
        };
        let name = entry.file_name();
        let bytes = name.to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        let part = name::escape(bytes);
        let exact = matches!(part, Cow::Owned(_)) || folder.os_rel.is_some();
        let rel = format!("{}{part}", folder.rel);
        let os_rel = exact.then(|| {
            folder
                .os_rel
                .as_deref()
                .unwrap_or(Path::new(&folder.rel))
                .join(OsStr::from_bytes(bytes))
        });
        // From the folder's entry itself where the file system says (it
        // does on ext4, XFS, Btrfs, tmpfs); else an `lstat`.
        let ft = match entry.file_type() {
            FileType::Unknown => lstat_at(fd.as_fd(), name).map(|st| st.0),
            known => Ok(known),
        };
        if ft.as_ref().is_ok_and(|t| *t == FileType::Directory) {
            folders.push(Entry {
                rel: rel + "/",
                os_rel,
                name: name.to_owned(),
                ft,
            });
            continue;
        }
        let exact_path = os_rel.as_deref().unwrap_or(Path::new(&rel));
        let is_manifest = cx
            .manifest
            .is_some_and(|m| m.as_bytes() == exact_path.as_os_str().as_bytes());
        if !is_manifest && cx.include.is_none_or(|g| g.is_match(exact_path)) {
            files.push(Entry {
                rel,
                os_rel,
                name: name.to_owned(),
                ft,
            });
        }
    }
    drop(dir);
    let fd = fd.as_fd();
    walked.found = if cx.stat {
        files
            .into_par_iter()
            .map(|e| Found {
                what: lstat_at(fd, &e.name).map(|(t, size, time)| (t, Some((size, time)))),
                rel: e.rel,
                os_rel: e.os_rel,
            })
            .collect()
    } else {
        files
            .into_iter()
            .map(|e| Found {
                what: e.ft.map(|t| (t, None)),
                rel: e.rel,
                os_rel: e.os_rel,
            })
            .collect()
    };
    let below: Vec<Walked> = folders
        .into_par_iter()
        .map(|sub| {
            let folder = Folder {
                rel: sub.rel,
                os_rel: sub.os_rel,
            };
            match rustix::fs::openat(fd, &sub.name, FOLDER_FLAGS, Mode::empty()).and_then(Dir::new) {
                Ok(d) => walk(d, folder, cx),
                Err(e) => {
                    let what = match e {
                        // Swapped for a link (or a file) since its folder was read.
                        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
                            "was a folder when listed and is no longer one (a symbolic link put in its place?): not followed".to_string()
                        }
                        e => format!("cannot list: {}", io_message(&e.into())),
                    };
                    Walked {
                        found: Vec::new(),
                        problems: vec![Problem::new(
                            folder.rel.trim_end_matches('/'),
                            ProblemKind::Unreadable,
                            what,
                        )],
                    }
                }
            }
        })
        .collect();
    for mut sub in below {
        walked.found.append(&mut sub.found);
        walked.problems.append(&mut sub.problems);
    }
    walked
}

/// The type, size and modification time of `name` in the folder `dir`,
/// not following a link.
fn lstat_at(dir: BorrowedFd<'_>, name: &CStr) -> io::Result<(FileType, u64, SystemTime)> {
    let st = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok((
        FileType::from_raw_mode(st.st_mode),
        stat_size(&st),
        stat_mtime(&st),
    ))
}

// The fields' integer types differ from one platform to the next.
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
fn stat_size(st: &rustix::fs::Stat) -> u64 {
    u64::try_from(st.st_size as i64).unwrap_or(0)
}

#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
fn stat_mtime(st: &rustix::fs::Stat) -> SystemTime {
    let secs = st.st_mtime as i64;
    let nanos = Duration::from_nanos(st.st_mtime_nsec as u64);
    match u64::try_from(secs) {
        Ok(s) => SystemTime::UNIX_EPOCH + Duration::from_secs(s) + nanos,
        Err(_) => SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + nanos,
    }
}

/// `None` for a link to a regular file inside the set (skipped: verified
/// under its own name); a problem otherwise. The link is never opened.
fn link_problem(root: &Path, rel: &str, path: &Path) -> Option<Problem> {
    let target = fs::read_link(path)
        .map(|t| name::escape(t.as_os_str().as_bytes()).into_owned())
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
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => Some(Problem::new(
            rel,
            ProblemKind::Unreadable,
            format!("is a symbolic link to `{target}`, which leads round in a loop of links"),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(Problem::new(
            rel,
            ProblemKind::Unreadable,
            format!("is a symbolic link to `{target}`, which does not exist"),
        )),
        // A folder on the way that cannot be read.
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
        // Its folder swapped for a link to a folder outside the set that
        // holds a file of the same name: refused too, by openat2 and by the
        // portable way alike.
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("a.bin"), b"secret").unwrap();
        fs::remove_dir_all(d.join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path(), d.join("sub")).unwrap();
        assert!(fs::read(d.join("sub/a.bin")).is_ok());
        assert!(l.dir.open_file(&l.files[0]).is_err());
        let Origin::Folder(set_dir) = &l.dir else {
            panic!("a folder's listing")
        };
        let by_parts = open_by_components(set_dir.handle.as_fd(), l.files[0].rel_path());
        assert!(by_parts.is_err());
        assert!(open_by_components(set_dir.handle.as_fd(), Path::new("../x")).is_err());
    }

    #[test]
    fn a_subfolder_that_is_a_link_is_not_entered() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.sql"), b"secret").unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        fs::write(dir.path().join("real/a.sql"), b"a").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
        let l = list(dir.path(), None, None, true).unwrap();
        let names: Vec<_> = l.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(names, ["real/a.sql"]);
        assert_eq!(l.problems.len(), 1);
        assert_eq!(l.problems[0].path, "linked");
        assert!(
            l.problems[0].detail.contains("outside the set"),
            "{:?}",
            l.problems
        );
    }

    #[test]
    fn names_that_are_not_utf8_stay_apart() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(OsStr::from_bytes(b"d\xff"))).unwrap();
        let raw: [&[u8]; 5] = [
            b"x\xff.sql",
            b"x\xfe.sql",
            b"n\nl\x1b.sql",
            b"b\\s.sql",
            b"d\xff/in.sql",
        ];
        for name in raw {
            fs::write(dir.path().join(OsStr::from_bytes(name)), name).unwrap();
        }
        let g = globs(&["*.sql".into(), "*/*.sql".into()]).unwrap();
        let l = list(dir.path(), g.as_ref(), None, false).unwrap();
        let names: Vec<_> = l.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            names,
            [
                "b\\\\s.sql",
                "d\\xFF/in.sql",
                "n\\nl\\x1B.sql",
                "x\\xFE.sql",
                "x\\xFF.sql"
            ]
        );
        for f in &l.files {
            let mut read = Vec::new();
            io::Read::read_to_end(&mut l.dir.open_file(f).unwrap(), &mut read).unwrap();
            assert_eq!(read, f.rel_path().as_os_str().as_bytes());
            assert_eq!(name::unescape(&f.rel).unwrap(), read);
        }
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
            assert!(p.detail.contains("loop of links"), "{}", p.detail);
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
