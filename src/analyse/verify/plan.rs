//! Before any file is read: what each set holds, what its manifest and
//! baseline say, and which files this run reads.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::load::Project;
use crate::load::settings::{BackupSet, Sample};

use super::baseline::{self, Baseline};
use super::file::CommandSpec;
use super::manifest::Manifest;
use super::report::{Problem, ProblemKind};
use super::restore::TestSpec;
use super::set::{self, Listing, io_message};
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
        temp_dir: PathBuf,
    ) -> Result<Plan<'a>, VerifyError> {
        let settings = &project.settings.verify;
        let dir = project.backup_dir(set);
        let include = set::globs(&set.include).map_err(|e| VerifyError::Glob {
            set: set.name.clone(),
            error: e.to_string(),
        })?;
        let baseline_file = baseline::path(&project.state_dir(), &set.name);
        let baseline = Baseline::load(&baseline_file)?;
        let mut problems = Vec::new();

        let listing = match set::list(&dir, include.as_ref(), set.manifest.as_deref()) {
            Ok(mut l) => {
                problems.append(&mut l.problems);
                Some(l)
            }
            Err(e) => {
                let detail = if e.kind() == io::ErrorKind::NotFound {
                    format!("the set's folder {} does not exist", project.rel(&dir))
                } else {
                    format!(
                        "cannot list the set's folder {}: {}",
                        project.rel(&dir),
                        io_message(&e)
                    )
                };
                let kind = if e.kind() == io::ErrorKind::NotFound {
                    ProblemKind::Missing
                } else {
                    ProblemKind::Unreadable
                };
                problems.push(Problem::of_set(kind, detail));
                None
            }
        };

        let manifest = match (&set.manifest, &listing) {
            (Some(name), Some(_)) => read_manifest(&dir, name, &mut problems),
            _ => None,
        };

        let sample = if opts.full {
            None
        } else {
            opts.sample.or(set.sample)
        };
        let selected = listing
            .as_ref()
            .map(|l| sample::select(&l.files, &baseline, sample))
            .unwrap_or_default();
        let command = set.restore_command.as_ref().map(|template| CommandSpec {
            template: template.clone(),
            cwd: dir.clone(),
            timeout: settings.restore_timeout(),
            one_at_a_time: Mutex::new(()),
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

fn read_manifest(dir: &std::path::Path, name: &str, problems: &mut Vec<Problem>) -> Option<Manifest> {
    let bytes = match fs::read(dir.join(name)) {
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
