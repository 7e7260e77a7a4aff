//! Which thread reads which file, and where restore commands run.
//!
//! Files are read on rayon's pool, on every core. A set's
//! `restore_command` never runs there: it may take an hour, and a pool
//! worker it held would stop hashing meanwhile (and with every worker
//! waiting on one set's commands, every other set would wait too). Each set
//! with a command has a lane instead, a thread of its own that runs the
//! set's commands one after another, as files read cleanly are handed to it;
//! the pool goes on reading.
//!
//! A file whose command needs a decoded copy on disk (`{restored}` of a
//! `.zst`, or of a SQLite database) is read on its set's lane too, just
//! before its command runs: copies waiting their turn would otherwise pile
//! up in `temp_dir`, one per file of the set. Such a set is read one file at
//! a time, which its commands, slower than reading, would impose anyway.

use std::sync::mpsc;

use rayon::prelude::*;

use super::file::{FileJob, FileOutcome, PendingCommand};
use super::pipeline;
use super::plan::Plan;
use super::settings::VerifySettings;
use crate::progress::Progress;

thread_local! {
    static BUFFERS: std::cell::RefCell<pipeline::Buffers> = std::cell::RefCell::default();
}

/// Where a file's outcome goes.
type Slot<'o> = &'o mut Option<FileOutcome>;

/// A file read on the pool whose command is still to run.
type Handed<'o> = (Slot<'o>, FileOutcome, PendingCommand);

/// Reads every selected file of every set and runs the sets' restore
/// commands. The outcomes of a set's files are in the order of its listing
/// (`None` for files not read), each written once, in place: with many
/// small files, moving them about would cost more than judging them.
///
/// Files that may be small (any whose size the listing did not read) are
/// read first, as they come: they are many and each is quick. Those found
/// large on opening, and those listed large, are read after, largest
/// first: a large file started last would keep one core busy while the
/// others sit idle.
pub fn read_all(
    plans: &[Plan<'_>],
    settings: &VerifySettings,
    progress: &dyn Progress,
) -> Vec<Vec<Option<FileOutcome>>> {
    let mut outcomes: Vec<Vec<Option<FileOutcome>>> = plans
        .iter()
        .map(|plan| {
            let n = plan.listing.as_ref().map_or(0, |l| l.files.len());
            std::iter::repeat_with(|| None).take(n).collect()
        })
        .collect();
    let mut small = Vec::new();
    let mut large = Vec::new();
    // Per set with a command: the files read on its lane.
    let mut lanes: Vec<(usize, Vec<(FileJob<'_>, Slot<'_>)>)> = Vec::new();
    for (set, (plan, slots)) in plans.iter().zip(&mut outcomes).enumerate() {
        let Some(listing) = &plan.listing else { continue };
        let mut on_lane = Vec::new();
        let mut slots = slots.iter_mut().enumerate();
        // `selected` is in the listing's order.
        for &f in &plan.selected {
            let (_, slot) = slots.find(|(i, _)| *i == f).expect("selected files are listed");
            let job = FileJob {
                dir: &listing.dir,
                file: &listing.files[f],
                learns_size: !listing.sized,
                test: &plan.test,
                command: plan.command.as_ref(),
                settings,
            };
            if job.keeps_copy() {
                on_lane.push((job, slot));
                continue;
            }
            match listing.sized.then_some(listing.files[f].size) {
                Some(size) if size >= pipeline::WHOLE_MAX => large.push((set, job, slot, size)),
                _ => small.push((set, job, slot)),
            }
        }
        if plan.command.is_some() {
            lanes.push((set, on_lane));
        }
    }
    let lane_files = lanes.iter().flat_map(|(_, jobs)| jobs.iter().map(|(job, _)| job));
    progress.start(
        (small.len() + large.len() + lane_files.clone().count()) as u64,
        small
            .iter()
            .map(|(_, job, _)| job)
            .chain(lane_files)
            .filter(|job| !job.learns_size)
            .map(|job| job.file.size)
            .chain(large.iter().map(|(_, _, _, size)| *size))
            .sum(),
    );

    std::thread::scope(|scope| {
        // One lane per set with a command; the pool hands it files by set.
        let mut senders: Vec<Option<mpsc::Sender<Handed<'_>>>> = plans.iter().map(|_| None).collect();
        for (set, jobs) in lanes {
            let (tx, rx) = mpsc::channel::<Handed<'_>>();
            senders[set] = Some(tx);
            let spec = plans[set].command.as_ref().expect("a lane's set has a command");
            std::thread::Builder::new()
                .name(format!("restore-{}", plans[set].set.name))
                .spawn_scoped(scope, move || {
                    for (job, slot) in jobs {
                        let mut outcome = with_buffers(|b| job.run(b, progress));
                        if let Some(pending) = outcome.pending.take() {
                            spec.run(pending, &mut outcome);
                        }
                        *slot = Some(outcome);
                    }
                    for (slot, mut outcome, pending) in rx {
                        spec.run(pending, &mut outcome);
                        *slot = Some(outcome);
                    }
                })
                .expect("a thread can be started");
        }
        let settle = |set: usize, slot, outcome| settle(&senders, set, slot, outcome);

        let found_large: Vec<_> = small
            .into_par_iter()
            .filter_map(
                |(set, job, slot)| match with_buffers(|b| job.run_if_small(b, progress)) {
                    Ok(outcome) => {
                        settle(set, slot, outcome);
                        None
                    }
                    Err(size) => Some((
                        set,
                        FileJob {
                            learns_size: false,
                            ..job
                        },
                        slot,
                        size,
                    )),
                },
            )
            .collect();
        large.extend(found_large);
        large.sort_by_key(|(_, _, _, size)| std::cmp::Reverse(*size));
        large.into_par_iter().for_each(|(set, job, slot, _)| {
            let outcome = with_buffers(|b| job.run(b, progress));
            settle(set, slot, outcome);
        });
        // With the senders gone, each lane ends once its queue is empty;
        // the scope waits for them.
        drop(senders);
    });
    progress.finish();
    outcomes
}

/// Puts a file's outcome in its slot, or hands it to its set's lane when
/// its command is still to run.
fn settle<'o>(
    lanes: &[Option<mpsc::Sender<Handed<'o>>>],
    set: usize,
    slot: Slot<'o>,
    mut outcome: FileOutcome,
) {
    match (outcome.pending.take(), &lanes[set]) {
        // A lane lives until its sender is dropped: the send cannot fail.
        (Some(pending), Some(lane)) => {
            let _ = lane.send((slot, outcome, pending));
        }
        _ => *slot = Some(outcome),
    }
}

/// Runs `f` with this thread's buffers, kept from file to file: with many
/// small files, fresh ones would cost more than the reads.
fn with_buffers<T>(f: impl FnOnce(&mut pipeline::Buffers) -> T) -> T {
    BUFFERS.with(|cell| {
        let mut buffers = cell.take();
        let outcome = f(&mut buffers);
        cell.replace(buffers);
        outcome
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::super::{Options, verify};
    use crate::load::Project;
    use crate::load::settings::Sample;
    use crate::progress::Progress;
    use crate::time::Clock;

    /// Creates `release` once every byte of the run was read.
    struct Release {
        total: AtomicU64,
        read: AtomicU64,
        release: PathBuf,
    }

    impl Progress for Release {
        fn start(&self, _files: u64, bytes: u64) {
            self.total.store(bytes, Ordering::SeqCst);
        }
        fn advance(&self, bytes: u64) {
            let read = self.read.fetch_add(bytes, Ordering::SeqCst) + bytes;
            if read == self.total.load(Ordering::SeqCst) {
                std::fs::write(&self.release, "").unwrap();
            }
        }
    }

    #[test]
    fn a_waiting_restore_command_does_not_hold_the_pool() {
        // Each file's command waits until every file was read. On a pool of
        // one thread, a command run there would keep the other file from
        // being read, and would give up at its cap (exit 1).
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("opsbook.toml"),
            "[project]\nname = \"t\"\nclient = \"c\"\ncontractor = \"o\"\nstart = 2025-01-01\nend = 2025-12-31\n\
             [[backups]]\nname = \"b\"\npath = \"b\"\n\
             restore_command = \"i=0; while [ ! -e ../release ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; test -e ../release\"\n",
        )
        .unwrap();
        std::fs::create_dir(d.join("b")).unwrap();
        std::fs::write(d.join("b/one.bin"), "first file").unwrap();
        std::fs::write(d.join("b/two.bin"), "second file").unwrap();
        let project = Project::open(d).unwrap();
        let clock = Clock::parse("2025-06-01T00:00:00+08:00", project.tz()).unwrap();
        let progress = Release {
            total: AtomicU64::new(0),
            read: AtomicU64::new(0),
            release: d.join("release"),
        };
        // Sizes listed up front (sampling 1/1 reads every file): the
        // progress knows the total before the first byte.
        let opts = Options {
            sample: Some(Sample { k: 1, n: 1 }),
            ..Options::default()
        };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let report = pool
            .install(|| verify(&project, &clock, &opts, &progress))
            .unwrap();
        let set = &report.sets[0];
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        for record in &set.records {
            assert_eq!(
                record.command.as_ref().map(|c| c.exit),
                Some(Some(0)),
                "{}",
                record.path
            );
        }
    }
}
