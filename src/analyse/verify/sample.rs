//! Which files of a set this run reads (`--sample K/N`, `sample`).
//!
//! With sampling `K/N`, files never read come first, then the least
//! recently read (by the run that last read them), until about K/N of the
//! set's bytes are chosen. Each run takes at least K/N of the bytes and no
//! file comes round again before every other has had its turn, so N
//! consecutive runs read every file, and a file added between runs is read
//! on the next one. An object of a bucket whose ETag differs from its
//! baseline's was rewritten: it is read first, as a new file is.

use crate::load::settings::Sample;

use super::baseline::Baseline;
use super::set::SetFile;

/// The indices into `files` to read, in `files`' order.
pub fn select(files: &[SetFile], baseline: &Baseline, sample: Option<Sample>) -> Vec<usize> {
    let Some(Sample { k, n }) = sample else {
        return (0..files.len()).collect();
    };
    let total: u64 = files.iter().map(|f| f.size).sum();
    // Round up, so that N runs of K/N never fall short of the whole.
    let want = (u128::from(total) * u128::from(k)).div_ceil(u128::from(n)) as u64;
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| {
        // An object rewritten since it was baselined (another ETag) is read
        // as one never read: its bytes are the news.
        let last = baseline
            .get(&files[i].rel)
            .filter(|e| super::baseline::same_object(e, &files[i]))
            .map(|e| e.verified_run);
        (last.is_some(), last, i)
    });
    let mut chosen = Vec::new();
    let mut bytes = 0u64;
    for i in order {
        if !chosen.is_empty() && bytes >= want {
            break;
        }
        bytes += files[i].size;
        chosen.push(i);
    }
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::verify::baseline::Entry;
    use std::time::SystemTime;

    fn files(sizes: &[u64]) -> Vec<SetFile> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| SetFile {
                rel: format!("f{i:02}"),
                os_rel: None,
                size,
                modified: SystemTime::UNIX_EPOCH,
                etag: None,
            })
            .collect()
    }

    fn mark(baseline: &mut Baseline, files: &[SetFile], chosen: &[usize], run: u64) {
        let mut entries = std::mem::take(baseline).into_entries();
        entries.extend(chosen.iter().map(|&i| Entry {
            path: files[i].rel.clone(),
            blake3: String::new(),
            size: files[i].size,
            modified: String::new(),
            first_seen: String::new(),
            verified_at: String::new(),
            verified_run: run,
            etag: None,
        }));
        *baseline = Baseline::from_entries(entries);
    }

    #[test]
    fn n_runs_cover_every_file_and_new_files_go_first() {
        let set = files(&[5, 1, 9, 3, 3, 7, 2, 8, 1, 4]);
        let total: u64 = set.iter().map(|f| f.size).sum();
        let sample = Some(Sample { k: 1, n: 3 });
        let mut baseline = Baseline::default();
        let mut seen = std::collections::BTreeSet::new();
        for run in 1..=3 {
            let chosen = select(&set, &baseline, sample);
            let bytes: u64 = chosen.iter().map(|&i| set[i].size).sum();
            assert!(bytes * 3 >= total, "run {run} read {bytes} of {total}");
            seen.extend(chosen.iter().copied());
            mark(&mut baseline, &set, &chosen, run);
        }
        assert_eq!(seen.len(), set.len());

        let mut grown = set.clone();
        grown.push(SetFile {
            rel: "new".into(),
            os_rel: None,
            size: 1,
            modified: SystemTime::UNIX_EPOCH,
            etag: None,
        });
        let chosen = select(&grown, &baseline, sample);
        assert!(chosen.contains(&(grown.len() - 1)));
    }

    #[test]
    fn no_sampling_reads_everything() {
        let set = files(&[1, 2, 3]);
        assert_eq!(select(&set, &Baseline::default(), None), [0, 1, 2]);
        assert_eq!(
            select(&[], &Baseline::default(), Some(Sample { k: 1, n: 7 })),
            Vec::<usize>::new()
        );
    }
}
