//! A lock file that keeps two runs from writing the same place at once:
//! `state/` (verification) and a site folder (a build).
//!
//! The lock is an advisory `flock` on the file, taken with std's
//! [`File::try_lock`]. The operating system drops it when the holder exits,
//! however it exits, so a lock left behind by a crashed or killed run is
//! simply taken over: there is no stale-lock guessing by PID or age. The PID
//! written into the file only serves the message a refused run prints.
//!
//! Only the holder ever removes the file, while it still holds the lock, as
//! it lets go. A run that opened the file just before, and locks it just
//! after, then holds a lock on a file that is no longer at the path: so a
//! lock counts only once the file locked is the one at the path (same
//! device and inode), else the run opens the path again. A refused run
//! never touches the file.
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{} is held by another opsbook run{}: wait for it to finish, or stop it",
        .path.display(),
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Busy { path: PathBuf, pid: Option<u32> },
    #[error("cannot lock {}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl StateLock {
    /// Takes the lock at `path` (creating the file and its folder), or says
    /// which process holds it.
    pub fn acquire(path: &Path) -> Result<StateLock, LockError> {
        let io_err = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err)?;
        }
        let mut file = loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io_err)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(LockError::Busy {
                        path: path.to_path_buf(),
                        pid: text.trim().parse().ok(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_err(e)),
            }
            if is_at(&file, path) {
                break file;
            }
            // The holder removed it as we opened it: try the path again.
        };
        // Ours now: whatever PID a dead holder left is replaced by ours.
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .map_err(io_err)?;
        Ok(StateLock {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Removed while still held: see the module's comment.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `file` is the file at `path` now.
fn is_at(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/verify.lock");
        let held = StateLock::acquire(&path).unwrap();
        match StateLock::acquire(&path) {
            Err(LockError::Busy { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Busy, got {other:?}"),
        }
        assert!(path.is_file(), "a refused run leaves the file alone");
        drop(held);
        assert!(!path.exists(), "the holder removes it as it lets go");
        StateLock::acquire(&path).expect("free again once dropped");
    }

    #[test]
    fn a_file_removed_under_a_late_locker_is_not_a_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.lock");
        // A run that opened the file as its holder removed it.
        let stale = File::create(&path).unwrap();
        fs::remove_file(&path).unwrap();
        stale.try_lock().unwrap();
        assert!(!is_at(&stale, &path));
        let lock = StateLock::acquire(&path).unwrap();
        assert!(is_at(&lock.file, &path));
        drop(stale);
        assert!(matches!(StateLock::acquire(&path), Err(LockError::Busy { .. })));
    }

    #[test]
    fn a_lock_file_left_by_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("verify.lock");
        fs::write(&path, "999999\n").unwrap();
        let lock = StateLock::acquire(&path).unwrap();
        assert_eq!(
            fs::read_to_string(lock.path()).unwrap().trim(),
            std::process::id().to_string()
        );
    }
}
