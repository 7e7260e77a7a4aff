//! Verifying one file: its single read (digests and decoding), its restore
//! test, and the set's `restore_command`.

use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::pipeline::{self, Buffers, Content, Digests, Failure, Producer, Source};
use super::report::{CommandRun, Decoded, ProblemKind, Restore};
use super::restore::{Fault, RestoreTest, TestSpec, command};
use super::set::{SetFile, io_message};
use super::settings::VerifySettings;
use super::zst::{DecodeError, Limits, Summary};
use crate::load::settings::BackupKind;
use crate::progress::Progress;

/// A set's `restore_command`, run on one file at a time: restores of one
/// set usually share a scratch database.
#[derive(Debug)]
pub struct CommandSpec {
    pub template: String,
    /// The set's folder: where the command runs.
    pub cwd: PathBuf,
    pub timeout: std::time::Duration,
    pub one_at_a_time: Mutex<()>,
}

impl CommandSpec {
    fn wants_restored(&self) -> bool {
        self.template.contains("{restored}")
    }
}

/// What reading one file found.
#[derive(Debug, Default)]
pub struct FileOutcome {
    /// BLAKE3 and length of the stored bytes; `None` when the file could
    /// not be read to its end.
    pub stored: Option<(blake3::Hash, u64)>,
    pub decoded: Option<Decoded>,
    pub faults: Vec<Fault>,
    pub restore: Option<Restore>,
    pub command: Option<CommandRun>,
}

/// Everything a file's verification needs from its set and the settings.
pub struct FileJob<'a> {
    pub file: &'a SetFile,
    pub test: &'a TestSpec,
    pub command: Option<&'a CommandSpec>,
    pub settings: &'a VerifySettings,
}

impl FileJob<'_> {
    pub fn run(&self, buffers: &mut Buffers, progress: &dyn Progress) -> FileOutcome {
        let file = self.file;
        let compressed = file.rel.ends_with(".zst");
        let content_name = file.rel.strip_suffix(".zst").unwrap_or(&file.rel);
        let handle = match File::open(&file.path) {
            Ok(h) => h,
            Err(e) => return unreadable(format!("cannot open: {}", io_message(&e))),
        };
        let needs_content = compressed || self.test.applies(content_name);
        if !needs_content && self.settings.mmap && file.size >= pipeline::MMAP_MIN {
            return match pipeline::hash_mapped(&handle, progress) {
                Ok(stored) => {
                    let mut outcome = FileOutcome {
                        stored: Some(stored),
                        ..FileOutcome::default()
                    };
                    self.run_command(&file.path, &mut outcome);
                    outcome
                }
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

        let limits = compressed.then(|| Limits {
            window_log_max: self.settings.window_log_max(),
            max_decoded: self.settings.decoded_limit(file.size),
        });
        let producer = Producer::new(handle, limits, std::mem::take(buffers));
        let (digests, summary, copied) = if needs_content && file.size >= pipeline::THREAD_MIN {
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
            Some(Failure::Read(e)) => unreadable(format!(
                "read error after {} bytes: {}",
                digests.stored_bytes,
                io_message(&e)
            )),
            // The rest of the file was read for its digest all the same.
            Some(Failure::Decode(e)) => FileOutcome {
                stored,
                faults: vec![decode_fault(e)],
                ..FileOutcome::default()
            },
            None => {
                let restored = copy
                    .as_ref()
                    .map(|c| c.path())
                    .or_else(|| test.as_ref().and_then(|t| t.restored_copy()))
                    .unwrap_or(&file.path)
                    .to_path_buf();
                let mut outcome = FileOutcome {
                    stored,
                    decoded: decoded_info(&digests, summary),
                    ..FileOutcome::default()
                };
                if let Some(t) = test.as_mut() {
                    match t.finish() {
                        Ok(r) => outcome.restore = Some(r),
                        Err(faults) => outcome.faults = faults,
                    }
                }
                if let Err(e) = copied {
                    outcome.faults.push(Fault::new(
                        ProblemKind::RestoreFailed,
                        format!("cannot write the restored copy: {}", io_message(&e)),
                    ));
                }
                if outcome.faults.is_empty() {
                    self.run_command(&restored, &mut outcome);
                }
                // The test's copy and `copy` go only now, after the command.
                outcome
            }
        }
    }

    fn run_command(&self, restored: &Path, outcome: &mut FileOutcome) {
        let Some(spec) = self.command else { return };
        let _turn = spec.one_at_a_time.lock().unwrap_or_else(|e| e.into_inner());
        match command::run(&spec.template, &self.file.path, restored, &spec.cwd, spec.timeout) {
            Ok(run) => outcome.command = Some(run),
            Err(fault) => outcome.faults.push(fault),
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
