//! Verifying one file: its single read (digests and decoding), its restore
//! test, and the set's `restore_command`.

use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::pipeline::{self, Buffers, Content, Digests, Failure, Input, Producer, Source};
use super::report::{CommandRun, Decoded, ProblemKind, Restore};
use super::restore::{Fault, RestoreTest, TestSpec, command};
use super::set::{self, Origin, SetFile, io_message, not_a_file};
use super::zst::{DecodeError, Summary};
use crate::load::settings::BackupKind;
use crate::load::settings::verify::VerifySettings;
use crate::progress::Progress;

/// A set's `restore_command`. Its runs are made one at a time, off the
/// hashing pool (see [`super::schedule`]): restores of one set usually
/// share a scratch database, and one may take an hour.
#[derive(Debug)]
pub struct CommandSpec {
    pub template: String,
    /// The set's folder: where the command runs.
    pub cwd: PathBuf,
    pub timeout: std::time::Duration,
}

impl CommandSpec {
    /// Whether a compressed file's decoded copy is made for the command.
    /// `OPSBOOK_RESTORED` always names one, and a script the template runs
    /// may read it unseen: the copy is left out only when the template
    /// shows it uses the file alone (`{file}` or `OPSBOOK_FILE`, and
    /// neither `{restored}` nor `OPSBOOK_RESTORED`).
    fn wants_restored(&self) -> bool {
        let t = &self.template;
        let restored = t.contains("{restored}") || t.contains("OPSBOOK_RESTORED");
        let file = t.contains("{file}") || t.contains("OPSBOOK_FILE");
        restored || !file
    }

    /// Runs the command for one file, into its outcome.
    pub fn run(&self, pending: PendingCommand, outcome: &mut FileOutcome) {
        match command::run(
            &self.template,
            &pending.file,
            &pending.restored,
            &self.cwd,
            self.timeout,
        ) {
            Ok(run) => outcome.command = Some(Box::new(run)),
            Err(fault) => outcome.faults.push(fault),
        }
        // The restored copy and the test's own copy go only now.
        drop(pending);
    }
}

/// A file read cleanly whose `restore_command` is still to run: the paths
/// it is given, and what keeps a restored copy on disk until then.
pub struct PendingCommand {
    pub file: PathBuf,
    pub restored: PathBuf,
    _copy: Option<tempfile::NamedTempFile>,
    _test: Option<Box<dyn RestoreTest>>,
    /// An object's local copy (`{file}` of an object storage set).
    _object: Option<tempfile::NamedTempFile>,
}

impl std::fmt::Debug for PendingCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCommand")
            .field("file", &self.file)
            .field("restored", &self.restored)
            .finish_non_exhaustive()
    }
}

/// A file's size and modification time.
pub type Seen = (u64, SystemTime);

/// What reading one file found. What only some files have is boxed: a
/// set of many small files holds an outcome per file, and a lean one is
/// cheaper to write and move.
#[derive(Debug, Default)]
pub struct FileOutcome {
    /// Size and time of the file as opened (or, when it could not be
    /// opened, as its `lstat` says); `None` when neither could be had.
    pub seen: Option<Seen>,
    /// BLAKE3 and length of the stored bytes; `None` when the file could
    /// not be read to its end.
    pub stored: Option<(blake3::Hash, u64)>,
    pub decoded: Option<Box<Decoded>>,
    pub faults: Vec<Fault>,
    pub restore: Option<Box<Restore>>,
    pub command: Option<Box<CommandRun>>,
    /// The set's `restore_command`, when it is still to run on this file.
    pub pending: Option<PendingCommand>,
}

/// Everything a file's verification needs from its set and the settings.
pub struct FileJob<'a> {
    pub dir: &'a Origin,
    pub file: &'a SetFile,
    /// The listing did not read the file's size: it is learnt on opening,
    /// and told to the progress.
    pub learns_size: bool,
    pub test: &'a TestSpec,
    pub command: Option<&'a CommandSpec>,
    pub settings: &'a VerifySettings,
}

impl FileJob<'_> {
    /// Verifies the file.
    pub fn run(&self, buffers: &mut Buffers, progress: &dyn Progress) -> FileOutcome {
        match self.open(progress) {
            Ok((handle, seen)) => self.read(handle, seen, buffers, progress),
            Err(outcome) => outcome,
        }
    }

    /// Verifies the file when it is found small on opening (below
    /// [`pipeline::WHOLE_MAX`]); a larger one is closed again and its size
    /// returned, to be [`run`](Self::run) later, largest first.
    /// Whether the file, read, leaves a decoded copy on disk for the set's
    /// `restore_command` (`{restored}` of a compressed file or a SQLite
    /// database): such files are read where the command runs, one at a
    /// time, so that copies waiting their turn cannot fill the disk.
    /// An object of a bucket is copied to a local file for the command
    /// in any case: its `{file}`.
    pub fn keeps_copy(&self) -> bool {
        let remote = matches!(self.dir, Origin::Bucket(_));
        (remote && self.command.is_some())
            || self.command.is_some_and(CommandSpec::wants_restored)
                && (self.file.rel.ends_with(".zst") || self.test.kind == BackupKind::Sqlite)
    }

    pub fn run_if_small(&self, buffers: &mut Buffers, progress: &dyn Progress) -> Result<FileOutcome, u64> {
        match self.open(progress) {
            Ok((_, (size, _))) if size >= pipeline::WHOLE_MAX => Err(size),
            Ok((handle, seen)) => Ok(self.read(handle, seen, buffers, progress)),
            Err(outcome) => Ok(outcome),
        }
    }

    /// Opens the file, and takes its size and time from the open file
    /// (`fstat`): no second look-up of its name.
    /// An object of a bucket was listed with its size and time; it is
    /// opened by its first ranged GET.
    fn open(&self, progress: &dyn Progress) -> Result<(Input, Seen), FileOutcome> {
        let dir = match self.dir {
            Origin::Folder(dir) => dir,
            Origin::Bucket(bucket) => {
                let reader = bucket.reader(self.file);
                return Ok((
                    Input::Stream(Box::new(reader)),
                    (self.file.size, self.file.modified),
                ));
            }
        };
        let handle = match dir.open_file(self.file) {
            Ok(h) => h,
            Err(e) => {
                return Err(FileOutcome {
                    seen: dir.lstat(self.file).ok().map(|m| seen(&m)),
                    ..unreadable(format!("cannot open: {}", io_message(&e)))
                });
            }
        };
        let meta = match handle.metadata() {
            Ok(m) if m.is_file() => m,
            Ok(m) => {
                let problem = not_a_file(String::new(), set::file_type(&m));
                return Err(FileOutcome {
                    faults: vec![Fault::new(problem.kind, problem.detail)],
                    ..FileOutcome::default()
                });
            }
            Err(e) => return Err(unreadable(format!("cannot stat: {}", io_message(&e)))),
        };
        if self.learns_size {
            progress.more(meta.len());
        }
        Ok((Input::File(handle), seen(&meta)))
    }

    fn read(&self, handle: Input, seen: Seen, buffers: &mut Buffers, progress: &dyn Progress) -> FileOutcome {
        FileOutcome {
            seen: Some(seen),
            ..self.read_content(handle, seen.0, buffers, progress)
        }
    }

    fn read_content(
        &self,
        mut handle: Input,
        size: u64,
        buffers: &mut Buffers,
        progress: &dyn Progress,
    ) -> FileOutcome {
        let file = self.file;
        // The set's command needs a local file: an object is copied as it
        // is read.
        let mut object_copy = None;
        if let (Input::Stream(_), Some(_)) = (&handle, self.command) {
            let Input::Stream(stream) = handle else {
                unreachable!("matched above")
            };
            match object_copy_of(stream, &self.test.temp_dir) {
                Ok((copying, copy)) => {
                    handle = Input::Stream(Box::new(copying));
                    object_copy = Some(copy);
                }
                Err(e) => {
                    return FileOutcome {
                        faults: vec![Fault::new(
                            ProblemKind::RestoreFailed,
                            format!("cannot make the object's local copy: {}", io_message(&e)),
                        )],
                        ..FileOutcome::default()
                    };
                }
            }
        }
        let compressed = file.rel.ends_with(".zst");
        let content_name = file.rel.strip_suffix(".zst").unwrap_or(&file.rel);
        let needs_content = compressed || self.test.applies(content_name);
        if !needs_content && size < pipeline::WHOLE_MAX {
            let hashed = match &mut handle {
                Input::File(f) => pipeline::hash_whole(f, buffers, progress),
                Input::Stream(s) => pipeline::hash_whole(s, buffers, progress),
            };
            return match hashed {
                Ok(stored) => self.plain(stored, object_copy),
                Err((e, read)) => read_error(read, &e),
            };
        }
        if let Input::File(f) = &handle
            && !needs_content
            && self.settings.mmap
            && size >= pipeline::MMAP_MIN
        {
            return match pipeline::hash_mapped(f, progress) {
                Ok(stored) => self.plain(stored, None),
                Err(e) => unreadable(format!("cannot read: {}", io_message(&e))),
            };
        }

        let mut test = self.test.start(content_name);
        // `{restored}` of a compressed file is a decoded copy, written during
        // the read; a SQLite test makes that copy anyway.
        let mut copy = None;
        if compressed
            && self.command.is_some_and(CommandSpec::wants_restored)
            && self.test.kind != BackupKind::Sqlite
        {
            match restored_copy(&self.test.temp_dir) {
                Ok(c) => copy = Some(c),
                Err(e) => {
                    return FileOutcome {
                        faults: vec![Fault::new(
                            ProblemKind::RestoreFailed,
                            format!("cannot make the restored copy: {}", io_message(&e)),
                        )],
                        ..FileOutcome::default()
                    };
                }
            }
        }

        let s = self.settings;
        let limits = compressed.then(|| super::zst::Limits::new(s.max_window, s.max_ratio, size, "[verify]"));
        let mut producer = Producer::new(handle, limits, std::mem::take(buffers));
        if self.settings.mmap && size >= pipeline::MMAP_MIN {
            producer = producer.mapping(size);
        }
        let (digests, summary, copied) = if needs_content && size >= pipeline::THREAD_MIN {
            // Decoding on a thread of its own, hashing and testing here.
            std::thread::scope(|s| {
                let (pieces, returns, remote) = pipeline::channel();
                let producing = s.spawn(move || producer.run(pieces, returns));
                let content = Content::new(remote, compressed, progress);
                let (mut digests, remote, copied) = read_through(content, test.as_deref_mut(), copy.as_mut());
                drop(remote);
                // A reader that died would look like a file that ended.
                let summary = producing.join().unwrap_or_else(|_| {
                    digests.failure = Some(Failure::Read(io::Error::other("the reading thread failed")));
                    None
                });
                (digests, summary, copied)
            })
        } else {
            let content = Content::new(producer, compressed, progress);
            let (digests, producer, copied) = read_through(content, test.as_deref_mut(), copy.as_mut());
            let (summary, reused) = producer.finish();
            *buffers = reused;
            (digests, summary, copied)
        };

        let stored = Some((digests.stored, digests.stored_bytes));
        match digests.failure {
            Some(Failure::Read(e)) => read_error(digests.stored_bytes, &e),
            // The rest of the file was read for its digest all the same.
            Some(Failure::Decode(e)) => FileOutcome {
                stored,
                faults: vec![decode_fault(e)],
                ..FileOutcome::default()
            },
            None => {
                let restored = copy
                    .as_ref()
                    .map(|c| c.path().to_path_buf())
                    .or_else(|| {
                        test.as_ref()
                            .and_then(|t| t.restored_copy())
                            .map(Path::to_path_buf)
                    })
                    .or_else(|| object_copy.as_ref().map(|c| c.path().to_path_buf()))
                    .unwrap_or_else(|| self.dir.path_of(file));
                let mut outcome = FileOutcome {
                    stored,
                    decoded: decoded_info(&digests, summary).map(Box::new),
                    ..FileOutcome::default()
                };
                if let Some(t) = test.as_mut() {
                    match t.finish() {
                        Ok(r) => outcome.restore = Some(Box::new(r)),
                        Err(faults) => outcome.faults = faults,
                    }
                }
                if let Err(e) = copied {
                    outcome.faults.push(Fault::new(
                        ProblemKind::RestoreFailed,
                        format!("cannot write the restored copy: {}", io_message(&e)),
                    ));
                }
                if outcome.faults.is_empty() && self.command.is_some() {
                    outcome.pending = Some(PendingCommand {
                        file: object_copy
                            .as_ref()
                            .map_or_else(|| self.dir.path_of(file), |c| c.path().to_path_buf()),
                        restored,
                        _copy: copy,
                        _test: test,
                        _object: object_copy,
                    });
                }
                outcome
            }
        }
    }

    /// The outcome of a plain file, hashed without a restore test.
    /// `object_copy`: the local copy of an object, which the command gets.
    fn plain(
        &self,
        stored: (blake3::Hash, u64),
        object_copy: Option<tempfile::NamedTempFile>,
    ) -> FileOutcome {
        FileOutcome {
            stored: Some(stored),
            pending: self.command.map(|_| {
                let path = object_copy
                    .as_ref()
                    .map_or_else(|| self.dir.path_of(self.file), |c| c.path().to_path_buf());
                PendingCommand {
                    file: path.clone(),
                    restored: path,
                    _copy: None,
                    _test: None,
                    _object: object_copy,
                }
            }),
            ..FileOutcome::default()
        }
    }
}

/// Feeds the content to the test (and the restored copy), then reads the
/// rest for the digests. The last value says whether the copy was written.
fn read_through<'p, S: Source>(
    mut content: Content<'p, S>,
    test: Option<&mut (dyn RestoreTest + '_)>,
    copy: Option<&mut tempfile::NamedTempFile>,
) -> (Digests, S, io::Result<()>) {
    let mut copied = Ok(());
    match copy {
        Some(copy) => {
            let mut tee = Tee {
                inner: &mut content,
                out: io::BufWriter::with_capacity(pipeline::OUT_CHUNK, copy.as_file_mut()),
                error: None,
            };
            if let Some(t) = test {
                t.read(&mut tee);
            }
            let _ = io::copy(&mut tee, &mut io::sink());
            let flushed = tee.out.flush();
            if let Some(e) = tee.error.or(flushed.err()) {
                copied = Err(e);
            }
        }
        None => {
            if let Some(t) = test {
                t.read(&mut content);
            }
        }
    }
    let (digests, source) = content.finish();
    (digests, source, copied)
}

/// Writes whatever its reader consumes to a file: the restored copy.
struct Tee<'a> {
    inner: &'a mut dyn BufRead,
    out: io::BufWriter<&'a mut File>,
    error: Option<io::Error>,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Tee<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.error.is_none()
            && let Ok(data) = self.inner.fill_buf()
            && let Err(e) = self.out.write_all(&data[..n.min(data.len())])
        {
            self.error = Some(e);
        }
        self.inner.consume(n);
    }
}

/// A stream that writes what it reads to a temporary file: an object's
/// local copy, removed when the command that needs it is done.
fn object_copy_of(
    stream: Box<dyn Read + Send>,
    dir: &Path,
) -> io::Result<(Copying, tempfile::NamedTempFile)> {
    let copy = tempfile::Builder::new()
        .prefix("opsbook-object-")
        .tempfile_in(dir)?;
    let out = io::BufWriter::with_capacity(pipeline::OUT_CHUNK, copy.as_file().try_clone()?);
    Ok((Copying { inner: stream, out }, copy))
}

struct Copying {
    inner: Box<dyn Read + Send>,
    out: io::BufWriter<File>,
}

impl Read for Copying {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let written = if n == 0 {
            self.out.flush()
        } else {
            self.out.write_all(&buf[..n])
        };
        written.map_err(|e| {
            io::Error::other(format!(
                "cannot write the object's local copy: {}",
                io_message(&e)
            ))
        })?;
        Ok(n)
    }
}

fn restored_copy(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix("opsbook-restored-")
        .tempfile_in(dir)
}

fn unreadable(detail: String) -> FileOutcome {
    FileOutcome {
        faults: vec![Fault::new(ProblemKind::Unreadable, detail)],
        ..FileOutcome::default()
    }
}

fn seen(meta: &std::fs::Metadata) -> Seen {
    (meta.len(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH))
}

fn read_error(read: u64, e: &io::Error) -> FileOutcome {
    unreadable(format!("read error after {read} bytes: {}", io_message(e)))
}

fn decode_fault(e: DecodeError) -> Fault {
    match e {
        DecodeError::Truncated(d) => Fault::new(ProblemKind::Truncated, d),
        DecodeError::Corrupt(d) => Fault::new(ProblemKind::Corrupt, d),
    }
}

fn decoded_info(digests: &Digests, summary: Option<Summary>) -> Option<Decoded> {
    let (hash, bytes) = digests.decoded?;
    let summary = summary.unwrap_or_default();
    Some(Decoded {
        frames: summary.frames,
        checksummed: summary.checksummed,
        bytes,
        blake3: hash.to_hex().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::verify::set;
    use crate::progress::Silent;
    use std::collections::BTreeMap;
    use std::fs;

    fn files_spec(settings: &VerifySettings) -> TestSpec {
        TestSpec::new(BackupKind::Files, BTreeMap::new(), settings, std::env::temp_dir())
    }

    /// The outcome of reading the listing's only file as `run` and as
    /// `run_if_small` read it.
    fn read(listing: &set::Listing, settings: &VerifySettings) -> (FileOutcome, Result<FileOutcome, u64>) {
        let spec = files_spec(settings);
        let job = FileJob {
            dir: &listing.dir,
            file: &listing.files[0],
            learns_size: !listing.sized,
            test: &spec,
            command: None,
            settings,
        };
        let mut buffers = Buffers::default();
        (
            job.run(&mut buffers, &Silent),
            job.run_if_small(&mut buffers, &Silent),
        )
    }

    #[test]
    fn small_and_large_plain_files_give_the_digests_of_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let mmap_off = VerifySettings {
            mmap: false,
            ..VerifySettings::default()
        };
        for len in [
            0,
            4096,
            pipeline::WHOLE_MAX as usize - 1,
            pipeline::WHOLE_MAX as usize,
            5 << 20,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            fs::write(&path, &data).unwrap();
            for settings in [VerifySettings::default(), mmap_off.clone()] {
                let listing = set::list(dir.path(), None, None, false).unwrap();
                let (outcome, small) = read(&listing, &settings);
                assert_eq!(outcome.stored, Some((blake3::hash(&data), len as u64)), "{len}");
                assert_eq!(outcome.seen.map(|s| s.0), Some(len as u64));
                assert!(outcome.faults.is_empty());
                match small {
                    Ok(o) => {
                        assert!((len as u64) < pipeline::WHOLE_MAX);
                        assert_eq!(o.stored, outcome.stored);
                    }
                    Err(size) => assert_eq!(size, len as u64),
                }
            }
        }
    }

    #[test]
    fn a_file_that_changed_size_since_the_listing_is_read_as_it_is_now() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let settings = VerifySettings::default();
        // Listed small, grown large: read whole as a stream, size from the open file.
        fs::write(&path, b"small").unwrap();
        let listing = set::list(dir.path(), None, None, true).unwrap();
        assert_eq!(listing.files[0].size, 5);
        let grown = vec![9u8; 3 << 20];
        fs::write(&path, &grown).unwrap();
        let (outcome, small) = read(&listing, &settings);
        assert_eq!(outcome.stored, Some((blake3::hash(&grown), grown.len() as u64)));
        assert_eq!(outcome.seen.map(|s| s.0), Some(grown.len() as u64));
        assert_eq!(small.err(), Some(grown.len() as u64));
        // Listed large, cut short: read whole at once.
        let listing = set::list(dir.path(), None, None, true).unwrap();
        fs::write(&path, b"cut").unwrap();
        let (outcome, small) = read(&listing, &settings);
        assert_eq!(outcome.stored, Some((blake3::hash(b"cut"), 3)));
        assert_eq!(small.unwrap().stored, outcome.stored);
    }

    #[test]
    fn a_file_gone_or_replaced_since_the_listing_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let settings = VerifySettings::default();
        fs::write(&path, b"x").unwrap();
        let listing = set::list(dir.path(), None, None, false).unwrap();
        fs::remove_file(&path).unwrap();
        let (outcome, _) = read(&listing, &settings);
        assert!(outcome.seen.is_none() && outcome.stored.is_none());
        assert_eq!(outcome.faults[0].kind, ProblemKind::Unreadable);
        assert!(
            outcome.faults[0].detail.starts_with("cannot open"),
            "{:?}",
            outcome.faults
        );

        // A named pipe in its place neither blocks the run nor is read.
        let status = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(status.success());
        let (outcome, small) = read(&listing, &settings);
        assert!(outcome.stored.is_none());
        assert!(
            outcome.faults[0].detail.contains("a named pipe"),
            "{:?}",
            outcome.faults
        );
        assert!(small.unwrap().faults[0].detail.contains("a named pipe"));
    }
}
