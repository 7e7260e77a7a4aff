//! `opsbook verify --shard I/N` and `--merge`: N shards and their merge keep
//! exactly what one run keeps; the merge refuses parts of different runs,
//! a missing or doubled shard and a damaged result; a file's shard does not
//! change from night to night; sampling still reads every file in N nights.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::Path;

use chrono::{Duration, Local, SecondsFormat};
use serde_json::Value;

use crate::support::{TestProject, copy_dir};
use crate::verify::{noise, project, text, verify, zst};

/// A clock `hours` from now, as `--now` takes it.
fn clock(hours: i64) -> String {
    (Local::now() + Duration::hours(hours)).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Runs shard `i` of `n` at `now`, its result written to `shard-i.json`
/// in the project; returns the file's path.
fn shard(p: &TestProject, i: u32, n: u32, now: &str, extra: &[&str]) -> String {
    let out = p.join(&format!("shard-{i}-of-{n}.json")).display().to_string();
    let spec = format!("{i}/{n}");
    let mut args = vec!["--now", now, "verify", "--shard", &spec, "--json", &out];
    args.extend_from_slice(extra);
    p.run(&args).expect_code(0);
    out
}

/// Runs every shard of `n` at `now`; returns their result files.
fn shards(p: &TestProject, n: u32, now: &str, extra: &[&str]) -> Vec<String> {
    (1..=n).map(|i| shard(p, i, n, now, extra)).collect()
}

/// `opsbook verify --merge FILES --json -`, whatever its exit code.
fn merge(p: &TestProject, files: &[String]) -> crate::support::Run {
    let mut args = vec!["verify", "--json", "-", "--merge"];
    args.extend(files.iter().map(String::as_str));
    p.run(&args)
}

/// The report without the time the run took.
fn timeless(mut report: Value) -> Value {
    report.as_object_mut().unwrap().remove("finished_at");
    report
}

fn last_history_line(p: &TestProject) -> Value {
    let history = p.read("state/history.jsonl");
    timeless(serde_json::from_str(history.lines().last().unwrap()).unwrap())
}

/// Flips one bit in the middle of a file and gives it back its time: the
/// same size and modification time, other content.
fn flip_bit(path: &Path) {
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    let mut bytes = fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    fs::write(path, bytes).unwrap();
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

/// Two sets: `b` with a manifest, `retain` and every kind of file; `few`,
/// which is stale and holds too few files (problems of a whole set).
fn faulty_project() -> TestProject {
    let p = project(
        "[[backups]]\nname = \"b\"\npath = \"b\"\nmanifest = \"B3SUMS\"\nretain = \"30d\"\nmax_age = \"30d\"\n\
         [[backups]]\nname = \"few\"\npath = \"few\"\nmin_count = 5\nmax_age = \"1h\"\n",
    );
    for i in 0..14 {
        p.file(&format!("b/f{i:02}.bin"), noise(3000 + i * 500, i as u64));
    }
    p.file("b/dump.sql.zst", zst(&text(20_000), true));
    p.file("b/small.zst", zst(&text(50), true));
    p.file("b/sub/deep.bin", noise(7000, 99));
    p.file("few/one.bin", noise(100, 1));
    p.file("few/two.bin", noise(200, 2));
    let manifest = p.run(&["manifest", &p.join("b").display().to_string()]);
    manifest.expect_code(0);
    p.file("b/B3SUMS", manifest.stdout());
    p
}

#[test]
fn n_shards_and_their_merge_keep_what_one_run_keeps() {
    let p = faulty_project();
    verify(&p, &["--now", &clock(1)]).run.expect_code(1);
    // The night's faults: bit rot, a dump cut short, a vanished file and a
    // new one.
    flip_bit(&p.join("b/f03.bin"));
    let dump = fs::read(p.join("b/dump.sql.zst")).unwrap();
    p.file("b/dump.sql.zst", &dump[..dump.len() - 200]);
    fs::remove_file(p.join("b/f05.bin")).unwrap();
    p.file("b/new.bin", noise(4000, 1234));
    let before = tempfile::tempdir().unwrap();
    copy_dir(&p.join("state"), before.path());

    let night = clock(25);
    let single = verify(&p, &["--now", &night]);
    single.run.expect_code(1);
    let kinds: BTreeSet<(String, String, String)> = single.problems().into_iter().collect();
    for expected in [
        ("b", "f03.bin", "changed"),
        ("b", "f03.bin", "digest_mismatch"),
        ("b", "dump.sql.zst", "truncated"),
        ("b", "f05.bin", "missing"),
        ("b", "new.bin", "unlisted"),
        ("few", "", "stale"),
        ("few", "", "too_few"),
    ] {
        let expected = (expected.0.into(), expected.1.into(), expected.2.into());
        assert!(kinds.contains(&expected), "{expected:?} not in {kinds:?}");
    }
    let kept = |p: &TestProject| {
        (
            p.read("state/baseline/b.jsonl"),
            p.read("state/baseline/few.jsonl"),
            last_history_line(p),
            timeless(serde_json::from_str(&p.read("state/verify.json")).unwrap()),
        )
    };
    let single_kept = kept(&p);

    // The same night again, from the same state, in three shards.
    fs::remove_dir_all(p.join("state")).unwrap();
    copy_dir(before.path(), &p.join("state"));
    let files = shards(&p, 3, &night, &[]);
    let mut read_by_shards = Vec::new();
    for file in &files {
        let result: Value = serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
        let checked = result["result"]["report"]["sets"][0]["checked"]
            .as_array()
            .unwrap()
            .clone();
        assert!(!checked.is_empty(), "{file} read nothing");
        read_by_shards.extend(checked);
    }
    // Shards keep nothing but their results.
    for kept in ["history.jsonl", "baseline/b.jsonl", "verify.json"] {
        assert_eq!(
            fs::read(p.join(&format!("state/{kept}"))).unwrap(),
            fs::read(before.path().join(kept)).unwrap(),
            "{kept}"
        );
    }
    let merged = merge(&p, &files);
    merged.expect_code(1);
    merged.expect_stderr("merged the 3 shards of run");
    let merged_report: Value = serde_json::from_slice(&merged.0.stdout).unwrap();
    assert_eq!(timeless(merged_report), timeless(single.json.clone()));
    assert_eq!(read_by_shards.len(), single.checked("b").len());
    let merged_kept = kept(&p);
    assert_eq!(merged_kept.0, single_kept.0, "baseline of b");
    assert_eq!(merged_kept.1, single_kept.1, "baseline of few");
    assert_eq!(merged_kept.2, single_kept.2, "history line");
    assert_eq!(merged_kept.3, single_kept.3, "state/verify.json");
    // The results are kept under state/ too, named by run and shard.
    let kept_results: Vec<_> = fs::read_dir(p.join("state/verify/shards"))
        .unwrap()
        .flat_map(|run| fs::read_dir(run.unwrap().path()).unwrap())
        .map(|f| f.unwrap().file_name().into_string().unwrap())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(kept_results, ["1-of-3.json", "2-of-3.json", "3-of-3.json"]);
}

#[test]
fn the_merge_refuses_mixed_runs_missing_and_doubled_shards_and_damage() {
    let p = faulty_project();
    let night = clock(1);
    let files = shards(&p, 2, &night, &[]);
    let history_before = fs::read(p.join("state/history.jsonl")).ok();
    let refused = |files: &[String], says: &[&str]| {
        let run = merge(&p, files);
        run.expect_code(2);
        for text in says {
            run.expect_stderr(text);
        }
        assert_eq!(fs::read(p.join("state/history.jsonl")).ok(), history_before);
    };

    refused(&files[..1], &["shard 2/2 of run", "is missing"]);
    let again = p.join("again.json").display().to_string();
    fs::copy(&files[1], &again).unwrap();
    refused(
        &[files[0].clone(), files[1].clone(), again.clone()],
        &[&format!("{again}: shard 2/2 is given twice")],
    );

    // Another night's shard, and a shard of a run split in three.
    let other = p.join("other");
    fs::create_dir(&other).unwrap();
    let later = shard(&p, 2, 2, &clock(2), &[]);
    let moved = other.join("2-of-2.json").display().to_string();
    fs::rename(&later, &moved).unwrap();
    shard(&p, 2, 2, &night, &[]);
    refused(
        &[files[0].clone(), moved.clone()],
        &[
            &format!("{moved}: shard 2/2 belongs to another run than {}", files[0]),
            "its clock is",
        ],
    );
    let third = shard(&p, 3, 3, &night, &[]);
    refused(
        &[files[0].clone(), files[1].clone(), third.clone()],
        &[
            &format!("{third}: shard 3/3 belongs to another run"),
            "one of 3 shards, not 2",
        ],
    );
    let sampled = shard(&p, 1, 2, &night, &["--sample", "1/2"]);
    refused(&[sampled, files[1].clone()], &["another --sample or --full"]);
    let files = shards(&p, 2, &night, &[]);

    // Damage: a changed byte, a file cut short.
    let text = fs::read_to_string(&files[1]).unwrap();
    let edited = p.join("edited.json").display().to_string();
    fs::write(&edited, text.replacen("f0", "f9", 1)).unwrap();
    refused(
        &[files[0].clone(), edited.clone()],
        &[
            &format!("{edited}: not a whole shard result"),
            "does not match the digest",
        ],
    );
    let cut = p.join("cut.json").display().to_string();
    fs::write(&cut, &text[..text.len() / 2]).unwrap();
    refused(
        &[files[0].clone(), cut.clone(), edited.clone()],
        &[&format!("{cut}: not a whole shard result"), &format!("{edited}:")],
    );
    refused(
        &[files[0].clone(), p.join("nowhere.json").display().to_string()],
        &["nowhere.json: cannot read it"],
    );

    // A run kept since the shards ran: their state is no longer state/'s.
    verify(&p, &["--now", &clock(3)]);
    let history_before = fs::read(p.join("state/history.jsonl")).ok();
    let run = merge(&p, &files);
    run.expect_code(2);
    run.expect_stderr("state: it is not as the shards found it");
    assert_eq!(fs::read(p.join("state/history.jsonl")).ok(), history_before);

    // A shard without a shared clock could never be merged.
    p.run(&["verify", "--shard", "1/2"])
        .expect_code(2)
        .expect_stderr("--shard needs --now");
    p.run(&["verify", "--shard", "3/2", "--now", &night])
        .expect_code(2);
}

/// The files shard `i` of `n` reads of set `b`.
fn read_by(p: &TestProject, i: u32, n: u32, now: &str) -> BTreeSet<String> {
    let file = shard(p, i, n, now, &[]);
    let result: Value = serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
    result["result"]["report"]["sets"][0]["checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_files_shard_is_the_same_every_night_whatever_the_order_of_files() {
    let names: Vec<String> = (0..30).map(|i| format!("night-{i:02}.bin")).collect();
    let forward = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    let backward = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    for name in &names {
        forward.file(&format!("b/{name}"), name);
    }
    for name in names.iter().rev() {
        backward.file(&format!("b/{name}"), name);
    }
    let night = clock(1);
    let first: Vec<BTreeSet<String>> = (1..=3).map(|i| read_by(&forward, i, 3, &night)).collect();
    for i in 1..=3 {
        assert_eq!(
            read_by(&backward, i, 3, &night),
            first[i as usize - 1],
            "shard {i}"
        );
    }
    let all: BTreeSet<String> = first.iter().flatten().cloned().collect();
    assert_eq!(all.len(), names.len());

    // A night later, with files gone and new ones: every file stays where it was.
    for name in &names[..10] {
        fs::remove_file(forward.join(&format!("b/{name}"))).unwrap();
    }
    for i in 30..40 {
        forward.file(&format!("b/night-{i:02}.bin"), "new");
    }
    let later = clock(25);
    let second: Vec<BTreeSet<String>> = (1..=3).map(|i| read_by(&forward, i, 3, &later)).collect();
    for i in 0..3 {
        let still: BTreeSet<_> = first[i]
            .iter()
            .filter(|n| second.iter().flatten().any(|m| m == *n))
            .collect();
        assert!(still.iter().all(|n| second[i].contains(*n)), "shard {}", i + 1);
    }
    assert_eq!(second.iter().map(BTreeSet::len).sum::<usize>(), 30);
}

#[test]
fn sampling_across_shards_reads_every_file_within_n_nights() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nsample = \"1/3\"\n");
    for i in 0..15 {
        p.file(&format!("b/f{i:02}.bin"), noise(1000 + i * 400, i as u64));
    }
    let mut seen = BTreeSet::new();
    for night in 0..3 {
        let now = clock(1 + 24 * night);
        let files = shards(&p, 2, &now, &[]);
        let merged = merge(&p, &files);
        merged.expect_code(0);
        let report: Value = serde_json::from_slice(&merged.0.stdout).unwrap();
        let set = &report["sets"][0];
        let checked: Vec<String> = serde_json::from_value(set["checked"].clone()).unwrap();
        assert!(checked.len() < 15, "night {night}: {checked:?}");
        assert!(
            set["checked_bytes"].as_u64().unwrap() * 3 >= set["bytes"].as_u64().unwrap(),
            "night {night}"
        );
        seen.extend(checked);
    }
    assert_eq!(seen.len(), 15, "{seen:?}");
}
