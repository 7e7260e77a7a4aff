//! Before any file is read: what each set holds, what its manifest and
//! baseline say, and which files this run reads.

use std::fs;
use std::io;
use std::path::PathBuf;

use crate::load::Project;
use crate::load::settings::verify::VerifySettings;
use crate::load::settings::{BackupSet, Sample};

use super::baseline::{self, Baseline};
use super::bucket::{self, Bucket};
use super::file::{CommandSpec, FileOutcome};
use super::manifest::Manifest;
use super::report::{Problem, ProblemKind};
use super::restore::TestSpec;
use super::set::{self, Listing, Origin, SetFile, io_message};
use super::shard::Shard;
use super::{Options, VerifyError, sample};

/// One set, ready to be read.
pub struct Plan<'a> {
    pub set: &'a BackupSet,
    pub dir: PathBuf,
    /// `None` when the set's folder cannot be listed (then `problems` says
    /// why, and nothing about the set's files is concluded).
    pub listing: Option<Listing>,
    /// The manifest, when the set has one and it could be read.
    pub manifest: Option<Manifest>,
    pub baseline: Baseline,
    pub baseline_file: PathBuf,
    /// Indices into `listing.files` to read this run.
    pub selected: Vec<usize>,
    pub sample: Option<Sample>,
    pub test: TestSpec,
    pub command: Option<CommandSpec>,
    /// Problems found before reading: the folder, the manifest.
    pub problems: Vec<Problem>,
}

impl<'a> Plan<'a> {
    pub fn new(
        project: &Project,
        set: &'a BackupSet,
        opts: &Options,
        shard: Option<Shard>,
        temp_dir: PathBuf,
    ) -> Result<Plan<'a>, VerifyError> {
        let settings = &project.settings.verify;
        let in_bucket = set.is_bucket();
        // A bucket's `s3://…` stands as written in messages.
        let dir = if in_bucket {
            set.path.clone()
        } else {
            project.backup_dir(set)
        };
        let include = set::globs(&set.include).map_err(|e| VerifyError::Glob {
            set: set.name.clone(),
            error: e.to_string(),
        })?;
        let baseline_file = baseline::path(&project.state_dir(), &set.name);
        let sample = if opts.full {
            None
        } else {
            opts.sample.or(set.sample)
        };
        // Only sampling must know every file's size before reading; a
        // shard, which reads a part, must know the whole set's sizes and
        // times too, for the set's freshness and its records.
        let stat = sample.is_some() || shard.is_some();
        // Neither needs the other, and each waits on the disk at times.
        let (baseline, listed) = rayon::join(
            || Baseline::load(&baseline_file),
            || {
                if in_bucket {
                    list_bucket(set, settings, include.as_ref())
                } else {
                    set::list(&dir, include.as_ref(), set.manifest.as_deref(), stat)
                        .map_err(|e| unlisted_folder(project, &dir, &e))
                }
            },
        );
        let baseline = baseline?;
        let mut problems = Vec::new();
        let listing = match listed {
            Ok(mut l) => {
                problems.append(&mut l.problems);
                Some(l)
            }
            Err(problem) => {
                problems.push(problem);
                None
            }
        };

        let manifest = match (&set.manifest, &listing) {
            (Some(name), Some(l)) => {
                let bytes = match &l.dir {
                    Origin::Folder(_) => fs::read(dir.join(name)),
                    Origin::Bucket(b) => match b.read_small(name) {
                        Ok(Some(bytes)) => Ok(bytes),
                        Ok(None) => Err(io::ErrorKind::NotFound.into()),
                        Err(message) => Err(io::Error::other(message)),
                    },
                };
                read_manifest(bytes, name, &mut problems)
            }
            _ => None,
        };

        let selected = listing
            .as_ref()
            .map(|l| select(&l.files, &baseline, sample, shard))
            .unwrap_or_default();
        let command = set.restore_command.as_ref().map(|template| CommandSpec {
            template: template.clone(),
            // An object set's commands get local copies: they run where
            // those are written.
            cwd: if in_bucket { temp_dir.clone() } else { dir.clone() },
            timeout: settings.restore_timeout(),
        });
        Ok(Plan {
            set,
            test: TestSpec::new(set.kind, set.min_rows.clone(), settings, temp_dir),
            dir,
            listing,
            manifest,
            baseline,
            baseline_file,
            selected,
            sample,
            command,
            problems,
        })
    }
}

impl Plan<'_> {
    /// After the reads: see [`settle`].
    pub fn settle(&mut self, outcomes: &mut Vec<Option<FileOutcome>>) {
        if let Some(listing) = self.listing.as_mut() {
            settle(listing, outcomes, &mut self.problems);
        }
    }
}

/// After the reads, `outcomes[i]` being the outcome of `listing.files[i]`:
/// each file read takes the size and time it had when opened, which its
/// digest goes with. A file of a listing without sizes that could be neither
/// opened nor looked at went while the run listed it: it leaves the listing
/// and its problems become the set's, as the listing reports a name it
/// cannot look at.
fn settle(listing: &mut Listing, outcomes: &mut Vec<Option<FileOutcome>>, problems: &mut Vec<Problem>) {
    let mut gone = false;
    for (file, outcome) in listing.files.iter_mut().zip(outcomes.iter()) {
        match outcome.as_ref().map(|o| o.seen) {
            Some(Some((size, modified))) => {
                file.size = size;
                file.modified = modified;
            }
            Some(None) => gone |= !listing.sized,
            None => {}
        }
    }
    if !gone {
        return;
    }
    let mut files = Vec::with_capacity(listing.files.len());
    let mut kept = Vec::with_capacity(outcomes.len());
    for (file, outcome) in listing.files.drain(..).zip(outcomes.drain(..)) {
        match outcome {
            Some(FileOutcome {
                seen: None, faults, ..
            }) => {
                for fault in faults {
                    problems.push(Problem::new(&file.rel, fault.kind, fault.detail));
                }
            }
            outcome => {
                files.push(file);
                kept.push(outcome);
            }
        }
    }
    listing.files = files;
    *outcomes = kept;
}

/// The files this run reads: with a shard, its own files alone (a filter on
/// the listed paths), sampled among themselves; else [`sample::select`].
fn select(
    files: &[SetFile],
    baseline: &Baseline,
    sample: Option<Sample>,
    shard: Option<Shard>,
) -> Vec<usize> {
    let Some(shard) = shard else {
        return sample::select(files, baseline, sample);
    };
    let own: Vec<usize> = (0..files.len()).filter(|&i| shard.owns(&files[i].rel)).collect();
    let subset: Vec<SetFile> = own.iter().map(|&i| files[i].clone()).collect();
    sample::select(&subset, baseline, sample)
        .into_iter()
        .map(|j| own[j])
        .collect()
}

/// The problem of a set whose folder cannot be listed.
fn unlisted_folder(project: &Project, dir: &std::path::Path, e: &io::Error) -> Problem {
    let (kind, detail) = if e.kind() == io::ErrorKind::NotFound {
        (
            ProblemKind::Missing,
            format!("the set's folder {} does not exist", project.rel(dir)),
        )
    } else {
        (
            ProblemKind::Unreadable,
            format!(
                "cannot list the set's folder {}: {}",
                project.rel(dir),
                io_message(e)
            ),
        )
    };
    Problem::of_set(kind, detail)
}

/// Lists a bucket set's objects (its manifest left out), each with its
/// size, time and ETag.
fn list_bucket(
    set: &BackupSet,
    settings: &VerifySettings,
    include: Option<&globset::GlobSet>,
) -> Result<Listing, Problem> {
    let bucket =
        Bucket::open(set, settings).map_err(|e| bucket::unlisted(&set.path.display().to_string(), &e))?;
    let manifest = set.manifest.as_deref();
    let files = bucket
        .list(|rel| Some(rel) != manifest && include.is_none_or(|g| g.is_match(rel)))
        .map_err(|e| bucket::unlisted(&bucket.url, &e))?;
    Ok(Listing {
        dir: Origin::Bucket(std::sync::Arc::new(bucket)),
        files,
        sized: true,
        problems: Vec::new(),
    })
}

/// Parses a set's manifest, read from its folder or bucket.
fn read_manifest(read: io::Result<Vec<u8>>, name: &str, problems: &mut Vec<Problem>) -> Option<Manifest> {
    let bytes = match read {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            problems.push(Problem::new(
                name,
                ProblemKind::Missing,
                "the set's manifest is missing: write it with `opsbook manifest DIR` or b3sum when the backup is made",
            ));
            return None;
        }
        Err(e) => {
            problems.push(Problem::new(name, ProblemKind::Unreadable, io_message(&e)));
            return None;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        problems.push(Problem::new(
            name,
            ProblemKind::Corrupt,
            "the manifest is not UTF-8 text",
        ));
        return None;
    };
    let (manifest, bad) = Manifest::parse(&text);
    for b in bad {
        problems.push(Problem::new(
            name,
            ProblemKind::Corrupt,
            format!("line {}: {}", b.line, b.message),
        ));
    }
    Some(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::verify::restore::Fault;
    use std::time::{Duration, SystemTime};

    #[test]
    fn files_take_their_size_when_read_and_vanished_ones_leave_an_unsized_listing() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b", "c"] {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let outcomes = || {
            vec![
                Some(FileOutcome {
                    seen: Some((7, at)),
                    ..FileOutcome::default()
                }),
                Some(FileOutcome {
                    seen: None,
                    faults: vec![Fault::new(ProblemKind::Unreadable, "cannot open: gone")],
                    ..FileOutcome::default()
                }),
                None,
            ]
        };
        for sized in [false, true] {
            let mut listing = set::list(dir.path(), None, None, sized).unwrap();
            let mut outs = outcomes();
            let mut problems = Vec::new();
            settle(&mut listing, &mut outs, &mut problems);
            let names: Vec<_> = listing.files.iter().map(|f| (f.rel.as_str(), f.size)).collect();
            if sized {
                // Sized: the listing's own size stands for the file not read.
                assert_eq!(names, [("a", 7), ("b", 1), ("c", 1)]);
                assert!(problems.is_empty());
            } else {
                assert_eq!(names, [("a", 7), ("c", 0)]);
                assert_eq!(
                    problems,
                    [Problem::new("b", ProblemKind::Unreadable, "cannot open: gone")]
                );
            }
            assert_eq!(listing.files[0].modified, at);
            assert_eq!(outs.len(), listing.files.len());
        }
    }
}
