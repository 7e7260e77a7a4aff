//! `opsbook verify` and `opsbook manifest` on backup sets made in the test:
//! real zstd frames, real tar archives, faults injected into copies. Each
//! fault asserts the exact problem kind and path.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::support::{MINIMAL_SETTINGS, Run, TestProject, require_tool};

/// A project whose settings are the minimal ones plus `extra` TOML.
pub fn project(extra: &str) -> TestProject {
    let p = TestProject::empty();
    p.file("opsbook.toml", format!("{MINIMAL_SETTINGS}\n{extra}"));
    p
}

/// A run of `opsbook verify --json - ARGS` and its report.
pub struct Verified {
    pub run: Run,
    pub json: Value,
}

pub fn verify(p: &TestProject, args: &[&str]) -> Verified {
    let mut all = vec!["verify", "--json", "-"];
    all.extend_from_slice(args);
    Verified::of(p.run(&all))
}

impl Verified {
    /// A run of `opsbook verify --json -` and the report it printed.
    pub fn of(run: Run) -> Verified {
        let json = serde_json::from_slice(&run.0.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON report ({e}); exit {}\n--- stdout\n{}\n--- stderr\n{}",
                run.code(),
                run.stdout(),
                run.stderr()
            )
        });
        Verified { run, json }
    }

    /// `(set, path, kind)` of every problem.
    pub fn problems(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for set in self.json["sets"].as_array().unwrap() {
            for p in set["problems"].as_array().unwrap() {
                out.push((
                    set["name"].as_str().unwrap().to_string(),
                    p["path"].as_str().unwrap().to_string(),
                    p["kind"].as_str().unwrap().to_string(),
                ));
            }
        }
        out
    }

    /// The problems as `(path, kind)` of a one-set project.
    pub fn kinds(&self) -> Vec<(String, String)> {
        self.problems().into_iter().map(|(_, p, k)| (p, k)).collect()
    }

    pub fn detail(&self, path: &str, kind: &str) -> String {
        for set in self.json["sets"].as_array().unwrap() {
            for p in set["problems"].as_array().unwrap() {
                if p["path"] == path && p["kind"] == kind {
                    return p["detail"].as_str().unwrap().to_string();
                }
            }
        }
        panic!("no {kind} problem on `{path}`: {:?}", self.problems())
    }

    pub fn set(&self, name: &str) -> &Value {
        self.json["sets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no set {name}"))
    }

    pub fn record(&self, set: &str, path: &str) -> &Value {
        self.set(set)["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"] == path)
            .unwrap_or_else(|| panic!("no record {path}"))
    }

    pub fn checked(&self, set: &str) -> Vec<String> {
        self.set(set)["checked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// Bytes that do not compress: zstd stores them in raw blocks.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// Text like a dump's: compresses well.
pub fn text(lines: usize) -> Vec<u8> {
    (0..lines)
        .map(|i| format!("{i}\t公文 {i}\tapproved\t2025-11-0{}\n", i % 9 + 1))
        .collect::<String>()
        .into_bytes()
}

/// One zstd frame of `data`, with or without a content checksum.
pub fn zst(data: &[u8], checksum: bool) -> Vec<u8> {
    let mut e = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    e.include_checksum(checksum).unwrap();
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_735_689_600);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// Sets a file's modification time `ago` in the past.
pub fn age(path: &Path, ago: Duration) {
    set_mtime(path, SystemTime::now() - ago);
}

fn set_mtime(path: &Path, at: SystemTime) {
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(at)
        .unwrap();
}

/// Writes `bytes` over a file and gives it back its modification time, as
/// silent bit rot would: same size, same time, other content.
fn rewrite_silently(path: &Path, bytes: &[u8]) {
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    fs::write(path, bytes).unwrap();
    set_mtime(path, mtime);
}

const DAY: Duration = Duration::from_secs(86_400);

/// A set of every file shape the pipeline handles, all sound.
fn clean_corpus(p: &TestProject) {
    p.file("b/plain.txt", text(2000));
    p.file("b/empty.txt", "");
    p.file("b/big.bin", noise(5 << 20, 1));
    p.file("b/dump.sql.zst", zst(&text(50_000), true));
    p.file("b/nochecksum.zst", zst(&text(10), false));
    let mut two = zst(b"first frame\n", true);
    two.extend(zst(&text(100), false));
    p.file("b/two-frames.zst", two);
    let tar = tar_of(&[("a.txt", b"alpha"), ("dir/b.bin", &noise(70_000, 2))]);
    p.file("b/files.tar", &tar);
    p.file("b/files.tar.zst", zst(&tar, true));
}

#[test]
fn a_clean_corpus_has_no_problems() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nmax_age = \"1d\"\nmin_count = 8\n");
    clean_corpus(&p);
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert!(v.problems().is_empty(), "{:?}", v.problems());
    assert_eq!(v.json["ok"], true);
    let set = v.set("b");
    assert_eq!(set["files"], 8);
    assert_eq!(v.checked("b").len(), 8);

    let dump = v.record("b", "dump.sql.zst");
    let decoded = text(50_000);
    assert_eq!(dump["decoded"]["bytes"], decoded.len());
    assert_eq!(
        dump["decoded"]["blake3"],
        blake3::hash(&decoded).to_hex().as_str()
    );
    assert_eq!(dump["decoded"]["checksummed"], 1);
    assert_eq!(
        dump["blake3"],
        blake3::hash(&fs::read(p.join("b/dump.sql.zst")).unwrap())
            .to_hex()
            .as_str()
    );
    assert_eq!(v.record("b", "two-frames.zst")["decoded"]["frames"], 2);
    for tar in ["files.tar", "files.tar.zst"] {
        let r = &v.record("b", tar)["restore"];
        assert_eq!(r["test"], "tar");
        assert_eq!(r["entries"], 2);
        assert_eq!(r["bytes"], 70_005);
    }
    assert_eq!(
        v.record("b", "big.bin")["blake3"],
        blake3::hash(&noise(5 << 20, 1)).to_hex().as_str()
    );
    // The human summary went to stderr, beside the JSON on stdout.
    assert!(
        v.run.stderr().contains("b (files): 8 files"),
        "{}",
        v.run.stderr()
    );
    // The report is kept under state/ too.
    let kept: Value = serde_json::from_str(&p.read("state/verify.json")).unwrap();
    assert_eq!(kept["sets"][0]["files"], 8);
}

#[test]
fn faults_in_zstd_and_tar_files() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    let dump = zst(&text(50_000), true);
    let mut flipped = dump.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x04;
    p.file("b/flipped.sql.zst", flipped);
    p.file("b/cut.sql.zst", &dump[..dump.len() - 100]);
    let tar = tar_of(&[("a.txt", &text(3000)), ("b.txt", b"b")]);
    let tar_zst = zst(&tar, true);
    p.file("b/cut.tar.zst", &tar_zst[..tar_zst.len() / 2]);
    p.file("b/cut.tar", &tar[..tar.len() - 1024 - 512]);
    // A bad checksum: the frame's last four bytes.
    let mut bad_sum = zst(&text(100), true);
    let n = bad_sum.len();
    bad_sum[n - 2] ^= 0xff;
    p.file("b/badsum.zst", bad_sum);
    p.file("b/empty.zst", "");
    let mut garbage = zst(b"ok\n", true);
    garbage.extend_from_slice(b"trailing garbage");
    p.file("b/garbage.zst", garbage);
    p.file("b/not-zstd.zst", "just text");

    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(
        v.kinds(),
        pairs(&[
            ("badsum.zst", "corrupt"),
            ("cut.sql.zst", "truncated"),
            ("cut.tar", "truncated"),
            ("cut.tar.zst", "truncated"),
            ("empty.zst", "truncated"),
            ("flipped.sql.zst", "corrupt"),
            ("garbage.zst", "corrupt"),
            ("not-zstd.zst", "corrupt"),
        ])
    );
    assert!(
        v.detail("badsum.zst", "corrupt").contains("checksum"),
        "{}",
        v.detail("badsum.zst", "corrupt")
    );
    assert!(v.detail("cut.sql.zst", "truncated").contains("frame 1"));
    // Stored digests are recorded even when decoding failed.
    assert!(v.record("b", "flipped.sql.zst")["blake3"].is_string());
    assert!(v.record("b", "flipped.sql.zst")["decoded"].is_null());
}

#[test]
fn a_frame_without_checksum_changed_is_caught_by_its_digest() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nmanifest = \"B3SUMS\"\n");
    // Incompressible data is stored raw: a flipped byte still decodes.
    let original = zst(&noise(100_000, 7), false);
    p.file("b/raw.zst", &original);
    p.file(
        "b/B3SUMS",
        format!("{}  raw.zst\n", blake3::hash(&original).to_hex()),
    );
    verify(&p, &[]).run.expect_code(0);

    let mut changed = original.clone();
    changed[50_000] ^= 0x01;
    rewrite_silently(&p.join("b/raw.zst"), &changed);

    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(
        v.kinds(),
        pairs(&[("raw.zst", "digest_mismatch"), ("raw.zst", "changed")])
    );
    assert!(
        v.detail("raw.zst", "changed")
            .contains("same size and modification time")
    );
}

#[test]
fn bit_rot_with_same_size_and_mtime_is_changed() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("b/a.bin", noise(10_000, 3));
    p.file("b/b.bin", noise(10_000, 4));
    let first = verify(&p, &[]);
    first.run.expect_code(0);
    let baseline = p.read("state/baseline/b.jsonl");
    assert_eq!(baseline.lines().count(), 2);

    let path = p.join("b/a.bin");
    let mut bytes = fs::read(&path).unwrap();
    bytes[1234] ^= 0x80;
    rewrite_silently(&path, &bytes);

    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(v.kinds(), pairs(&[("a.bin", "changed")]));
    assert!(v.detail("a.bin", "changed").contains("bit rot"));
    // Still reported on the next run: the baseline keeps the first digest.
    assert_eq!(verify(&p, &[]).kinds(), pairs(&[("a.bin", "changed")]));
}

#[test]
fn manifest_missing_unlisted_and_mismatch() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nmanifest = \"B3SUMS\"\n");
    p.file("b/kept.txt", "kept");
    p.file("b/flipped.txt", "flipped");
    p.file("b/extra.txt", "not listed");
    let h = |s: &str| blake3::hash(s.as_bytes()).to_hex().to_string();
    p.file(
        "b/B3SUMS",
        format!(
            "{}  kept.txt\n{}  flipped.txt\n{}  gone.txt\nnot a line\n{}  ../up.txt\n",
            h("kept"),
            h("flipped!"),
            h("gone"),
            h("up")
        ),
    );
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(
        v.kinds(),
        pairs(&[
            ("B3SUMS", "corrupt"),
            ("B3SUMS", "corrupt"),
            ("extra.txt", "unlisted"),
            ("flipped.txt", "digest_mismatch"),
            ("gone.txt", "missing"),
        ])
    );
    let unlisted = &v.set("b")["problems"].as_array().unwrap()[2];
    assert_eq!(unlisted["severity"], "warning");
    assert!(v.detail("B3SUMS", "corrupt").starts_with("line 4:"));
    let manifest_problems: Vec<&str> = v.set("b")["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["path"] == "B3SUMS")
        .map(|p| p["detail"].as_str().unwrap())
        .collect();
    assert!(
        manifest_problems[1].starts_with("line 5:") && manifest_problems[1].contains("leaves"),
        "{manifest_problems:?}"
    );
    // The manifest is not one of the set's files.
    assert_eq!(v.set("b")["files"], 3);
}

#[test]
fn warnings_alone_exit_zero() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nmanifest = \"B3SUMS\"\n");
    p.file("b/a.txt", "a");
    p.file("b/B3SUMS", "");
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert_eq!(v.kinds(), pairs(&[("a.txt", "unlisted")]));
    assert_eq!(v.json["ok"], true);
}

#[test]
fn stale_too_few_and_a_missing_folder() {
    let p = project(
        "[[backups]]\nname = \"old\"\npath = \"old\"\nmax_age = \"26h\"\nmin_count = 3\n\
         [[backups]]\nname = \"fresh\"\npath = \"fresh\"\nmax_age = \"26h\"\nmin_count = 1\n\
         [[backups]]\nname = \"nowhere\"\npath = \"nowhere\"\nmax_age = \"26h\"\n\
         [[backups]]\nname = \"empty\"\npath = \"empty\"\nmax_age = \"26h\"\n",
    );
    p.file("old/a.sql", "x");
    p.file("old/b.sql", "y");
    age(&p.join("old/a.sql"), 3 * DAY);
    age(&p.join("old/b.sql"), 2 * DAY);
    p.file("fresh/a.sql", "x");
    fs::create_dir_all(p.join("empty")).unwrap();
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    let mut found = v.problems();
    found.sort();
    let expect: Vec<(String, String, String)> = [
        ("empty", "", "stale"),
        ("nowhere", "", "missing"),
        ("old", "", "stale"),
        ("old", "", "too_few"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(found, expect);
    assert!(v.detail("", "too_few").contains("2 files; min_count is 3"));
}

#[test]
fn a_young_baselined_file_may_not_vanish_and_an_old_one_retires() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nretain = \"7d\"\n");
    p.file("b/young.sql", "y");
    p.file("b/old.sql", "o");
    p.file("b/keep.sql", "k");
    age(&p.join("b/old.sql"), 10 * DAY);
    verify(&p, &[]).run.expect_code(0);
    fs::remove_file(p.join("b/young.sql")).unwrap();
    fs::remove_file(p.join("b/old.sql")).unwrap();
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(v.kinds(), pairs(&[("young.sql", "missing")]));
    let baseline = p.read("state/baseline/b.jsonl");
    assert!(!baseline.contains("old.sql"), "{baseline}");
    assert!(baseline.contains("young.sql"), "{baseline}");
}

/// A real zstd frame of `blocks` RLE blocks, 4 bytes each for 128 KiB of
/// `byte`: a decompression bomb of `blocks` × 128 KiB.
pub fn rle_bomb(byte: u8, blocks: usize) -> Vec<u8> {
    let mut bomb = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38];
    for i in 0..blocks {
        let last = u32::from(i == blocks - 1);
        let header = (128 * 1024) << 3 | 1 << 1 | last;
        bomb.extend_from_slice(&header.to_le_bytes()[..3]);
        bomb.push(byte);
    }
    bomb
}

/// The number in "stopped after N decoded bytes" of a bomb's detail.
pub fn stopped_after(detail: &str) -> u64 {
    let (_, rest) = detail
        .split_once("stopped after ")
        .unwrap_or_else(|| panic!("{detail}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_zstd_bomb_stops_early() {
    // 128 KiB on disk that decode to 4 GiB.
    let bomb = rle_bomb(0, 32 * 1024);
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("b/bomb.sql.zst", &bomb);
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(v.kinds(), pairs(&[("bomb.sql.zst", "corrupt")]));
    let detail = v.detail("bomb.sql.zst", "corrupt");
    assert!(detail.contains("decompression bomb"), "{detail}");
    // Decoding stopped at the bound (1000 × 128 KiB), within one output
    // buffer of it: not after the 4 GiB.
    let bound = 1000 * bomb.len() as u64;
    let stopped = stopped_after(&detail);
    assert!(
        stopped > bound && stopped <= bound + (1 << 20),
        "{stopped} for a bound of {bound}"
    );

    // The same frame is valid zstd: with the bound raised it decodes.
    {
        require_tool("zstd", "apt-get install zstd");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("zstd -dc {} | wc -c", p.join("b/bomb.sql.zst").display()))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            (4u64 << 30).to_string()
        );
    }
}

#[test]
fn a_window_beyond_max_window_is_refused() {
    let p = project("[verify]\nmax_window = \"1MiB\"\n[[backups]]\nname = \"b\"\npath = \"b\"\n");
    let mut e = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    e.window_log(24).unwrap();
    e.write_all(&text(300_000)).unwrap();
    p.file("b/wide.zst", e.finish().unwrap());
    let v = verify(&p, &[]);
    assert_eq!(v.kinds(), pairs(&[("wide.zst", "corrupt")]));
    assert!(v.detail("wide.zst", "corrupt").contains("max_window"));
}

#[test]
fn links_out_of_the_set_and_special_files_are_unreadable() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("b/a.sql", "a");
    p.file("outside.sql", "secret");
    std::os::unix::fs::symlink(p.join("outside.sql"), p.join("b/escape.sql")).unwrap();
    std::os::unix::fs::symlink("a.sql", p.join("b/latest.sql")).unwrap();
    let fifo = p.join("b/pipe.sql");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(
        v.kinds(),
        pairs(&[("escape.sql", "unreadable"), ("pipe.sql", "unreadable")])
    );
    assert!(v.detail("escape.sql", "unreadable").contains("outside the set"));
    assert_eq!(v.checked("b"), ["a.sql"]);
}

#[test]
fn a_file_without_read_permission_is_unreadable() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("b/a.sql", "a");
    p.file("b/locked.sql", "b");
    fs::set_permissions(
        p.join("b/locked.sql"),
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let run = if root {
        // Root reads every file: run opsbook as `nobody`, on a project it
        // can write state into.
        use std::os::unix::fs::PermissionsExt;
        for dir in ["", "b"] {
            fs::set_permissions(p.join(dir), fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::create_dir_all(p.join("state")).unwrap();
        fs::set_permissions(p.join("state"), fs::Permissions::from_mode(0o777)).unwrap();
        // The build folder may be closed to other users (a clone under
        // /root): run a copy that lies in the project.
        let bin = p.join("opsbook");
        fs::copy(assert_cmd::cargo::cargo_bin("opsbook"), &bin).unwrap();
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(bin)
            .args(["-C"])
            .arg(p.path())
            .args(["verify", "--json", "-"])
            .output()
            .unwrap();
        Run(out)
    } else {
        p.run(&["verify", "--json", "-"])
    };
    run.expect_code(1);
    let json: Value = serde_json::from_slice(&run.0.stdout).unwrap();
    let problems = &json["sets"][0]["problems"];
    assert_eq!(problems.as_array().unwrap().len(), 1, "{problems}");
    assert_eq!(problems[0]["path"], "locked.sql");
    assert_eq!(problems[0]["kind"], "unreadable");
    assert!(
        problems[0]["detail"]
            .as_str()
            .unwrap()
            .contains("Permission denied")
    );
}

#[test]
fn sampling_covers_every_file_in_n_runs() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nsample = \"1/3\"\n");
    for i in 0..10 {
        p.file(&format!("b/f{i}.bin"), noise(1000 + i * 300, i as u64));
    }
    let mut seen = std::collections::BTreeSet::new();
    for run in 0..3 {
        let v = verify(&p, &[]);
        v.run.expect_code(0);
        let checked = v.checked("b");
        let bytes = v.set("b")["checked_bytes"].as_u64().unwrap();
        let total = v.set("b")["bytes"].as_u64().unwrap();
        assert!(bytes * 3 >= total && checked.len() < 10, "run {run}: {checked:?}");
        assert_eq!(v.set("b")["files"], 10);
        seen.extend(checked);
    }
    assert_eq!(seen.len(), 10, "{seen:?}");
    // A file added now is read on the next run; --full reads everything.
    p.file("b/new.bin", "new");
    assert!(verify(&p, &[]).checked("b").contains(&"new.bin".to_string()));
    assert_eq!(verify(&p, &["--full"]).checked("b").len(), 11);
    assert_eq!(verify(&p, &["--sample", "1/1"]).checked("b").len(), 11);
}

#[test]
fn usage_errors_exit_two() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    let run = p.run(&["verify", "--set", "nope"]);
    run.expect_code(2);
    run.expect_stderr("no backup set is named `nope`");
    run.expect_stderr("its sets: b");
    p.run(&["verify", "--sample", "3/2"]).expect_code(2);
    let bad_glob = project("[[backups]]\nname = \"b\"\npath = \"b\"\ninclude = [\"[\"]\n");
    bad_glob.run(&["verify"]).expect_code(2);
    let check = bad_glob.run(&["check"]);
    check.expect_code(2);
    check.expect_stderr("invalid glob `[`");
    check.expect_stderr("opsbook.toml:11:");
}

#[test]
fn only_the_named_sets_are_verified() {
    let p = project("[[backups]]\nname = \"a\"\npath = \"a\"\n[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("a/x", "x");
    p.file("b/y.zst", "bad");
    let v = verify(&p, &["--set", "a"]);
    v.run.expect_code(0);
    assert_eq!(v.json["sets"].as_array().unwrap().len(), 1);
}

#[test]
fn a_second_run_on_the_same_state_is_refused() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("b/a", "a");
    fs::create_dir_all(p.join("state")).unwrap();
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(p.join("state/verify.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    fs::write(p.join("state/verify.lock"), "4242\n").unwrap();
    let run = p.run(&["verify"]);
    run.expect_code(2);
    run.expect_stderr("held by another opsbook run (pid 4242)");
    drop(lock);
    // The lock of a run that is gone is taken over.
    p.run(&["verify"]).expect_code(0);
}

#[test]
fn check_reports_an_edited_or_removed_history_line() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("b/a", "a");
    for _ in 0..3 {
        verify(&p, &[]).run.expect_code(0);
    }
    p.run(&["check"]).expect_code(0);
    let history = p.read("state/history.jsonl");
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 3);

    p.file(
        "state/history.jsonl",
        format!(
            "{}\n{}\n{}\n",
            lines[0],
            lines[1].replace("\"ok\":true", "\"ok\":false"),
            lines[2]
        ),
    );
    let run = p.run(&["check"]);
    run.expect_code(1);
    run.expect_stderr("state/history.jsonl:3");
    run.expect_stderr("line 2 was edited");

    p.file("state/history.jsonl", format!("{}\n{}\n", lines[0], lines[2]));
    let run = p.run(&["check"]);
    run.expect_code(1);
    run.expect_stderr("line 2 is record 3");

    p.file("state/history.jsonl", format!("{}\n{}\n", lines[0], lines[1]));
    let run = p.run(&["check"]);
    run.expect_code(1);
    run.expect_stderr("ends at line 2, but its head names line 3");
}

#[test]
fn junit_has_a_testcase_per_file_and_failures_by_kind() {
    let p = project("[[backups]]\nname = \"oa-db\"\npath = \"b\"\nmin_count = 5\n");
    p.file("b/good.sql.zst", zst(b"x", true));
    let dump = zst(&text(1000), true);
    p.file("b/cut <1>.sql.zst", &dump[..dump.len() / 2]);
    let junit = p.join("junit.xml");
    p.run(&["verify", "--junit", junit.to_str().unwrap()])
        .expect_code(1);
    let xml = fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"),
        "{xml}"
    );
    assert!(xml.contains("name=\"cut &lt;1&gt;.sql.zst\""), "{xml}");
    let cases: Vec<(String, String, &str, String)> = crate::support::junit_cases(&xml)
        .into_iter()
        .map(|c| {
            assert_eq!(c.suite, "oa-db");
            (c.classname, c.name, c.outcome, c.kind)
        })
        .collect();
    let case = |name: &str, outcome, kind: &str| {
        (
            "backups.oa-db".to_string(),
            name.to_string(),
            outcome,
            kind.to_string(),
        )
    };
    assert_eq!(
        cases,
        [
            case("(set)", "failure", "too_few"),
            case("cut <1>.sql.zst", "failure", "truncated"),
            case("good.sql.zst", "passed", ""),
        ]
    );
}

#[test]
#[ignore = "needs b3sum"]
fn manifest_round_trips_with_b3sum() {
    require_tool("b3sum", "cargo install b3sum --locked");
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nmanifest = \"B3SUMS\"\n");
    p.file("b/plain.txt", "plain");
    p.file("b/sub/中文 名.sql.zst", zst(b"x", true));
    p.file("b/back\\slash.txt", "backslash");
    p.file("b/new\nline.txt", "newline");
    p.file("b/big.bin", noise(6 << 20, 9));

    // opsbook's manifest, written into the folder it lists, passes b3sum --check.
    let dir = p.join("b");
    let made = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} manifest . > B3SUMS",
            assert_cmd::cargo::cargo_bin("opsbook").display()
        ))
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let manifest = fs::read_to_string(dir.join("B3SUMS")).unwrap();
    assert_eq!(manifest.lines().count(), 5, "{manifest}");
    assert!(
        manifest
            .lines()
            .any(|l| l.starts_with('\\') && l.ends_with("  new\\nline.txt")),
        "{manifest}"
    );
    let check = std::process::Command::new("b3sum")
        .args(["--check", "B3SUMS"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    verify(&p, &[]).run.expect_code(0);

    // b3sum's manifest, escaped lines and all, is read by opsbook.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("find . -type f ! -name B3SUMS -printf '%P\\0' | xargs -0 b3sum > B3SUMS")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs = fs::read_to_string(dir.join("B3SUMS")).unwrap();
    assert!(theirs.contains("  new\\nline.txt"), "{theirs}");
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert!(v.problems().is_empty(), "{:?}", v.problems());
    // And a wrong line in it is found.
    fs::write(dir.join("plain.txt"), "plaiN").unwrap();
    assert!(
        verify(&p, &[])
            .kinds()
            .contains(&("plain.txt".into(), "digest_mismatch".into()))
    );
}

#[test]
fn the_example_projects_sample_backups_verify_clean() {
    let p = TestProject::empty();
    let example = crate::support::fixtures_dir().join("example");
    fs::copy(example.join("opsbook.toml"), p.join("opsbook.toml")).unwrap();
    crate::support::copy_dir(&example.join("backups"), &p.join("backups"));
    // Its backups are dated by their names (2025-12-30/31), whatever the
    // checkout made their modification times.
    let v = verify(&p, &["--now", "2026-01-01T09:00:00+08:00"]);
    v.run.expect_code(0);
    assert!(v.problems().is_empty(), "{:?}", v.problems());
    assert_eq!(v.set("oa-db")["newest"], "2025-12-31T00:00:00+08:00");
    assert_eq!(v.json["warnings"], Value::Null);
    let names: Vec<&str> = v.json["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["oa-db", "exchange-db", "uploads"]);
    let tables = &v.record("exchange-db", "exchange-20251231.db.zst")["restore"]["tables"];
    assert_eq!(tables[1], serde_json::json!({"name": "documents", "rows": 3}));
    assert_eq!(
        v.record("uploads", "attachments-20251230.tar.zst")["restore"]["entries"],
        3
    );
}

#[test]
fn a_file_caught_while_being_written_is_not_baselined() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    let whole = zst(&text(20_000), true);
    p.file("b/oa.sql.zst", &whole[..whole.len() / 2]);
    assert_eq!(verify(&p, &[]).kinds(), pairs(&[("oa.sql.zst", "truncated")]));
    p.file("b/oa.sql.zst", &whole);
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert!(
        p.read("state/baseline/b.jsonl")
            .contains(blake3::hash(&whole).to_hex().as_str())
    );
}

/// Every file and folder under `dir` whose name starts with `prefix`.
fn found_named(dir: &Path, prefix: &str) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path().to_path_buf())
        .collect()
}

#[test]
fn placeholders_inside_file_names_run_nothing() {
    let p = project(
        "[[backups]]\nname = \"b\"\npath = \"b\"\nrestore_command = \"cat {file} {restored} > /dev/null\"\n\
         [[backups]]\nname = \"quoted\"\npath = \"q\"\nrestore_command = \"sh -c 'cat {file}'\"\n",
    );
    // Replaced one after the other, the placeholder inside each name would
    // be replaced again, quotes and all, and `touch` would run.
    let plain = "a;touch PWNED;{restored}";
    let packed = "b';touch PWNED2;'{file}.zst";
    p.file(&format!("b/{plain}"), "plain");
    p.file(&format!("b/{packed}"), zst(b"packed", true));
    p.file("q/ok.sql", "ok");
    p.file("q/$(touch PWNED3).sql", "evil");
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    for name in [plain, packed] {
        let command = &v.record("b", name)["command"];
        assert_eq!(command["exit"], 0, "{command}");
    }
    assert_eq!(v.record("quoted", "ok.sql")["command"]["output"], "ok");
    // Inside quotes the evil name is not put in at all.
    assert_eq!(v.kinds(), pairs(&[("$(touch PWNED3).sql", "restore_failed")]));
    assert!(
        v.detail("$(touch PWNED3).sql", "restore_failed")
            .contains("\"$OPSBOOK_FILE\""),
        "{}",
        v.detail("$(touch PWNED3).sql", "restore_failed")
    );
    assert_eq!(found_named(p.path(), "PWNED"), Vec::<std::path::PathBuf>::new());
    // check says where quoting cannot protect a name, as a warning.
    let check = p.run(&["check"]);
    check.expect_code(0);
    check.expect_stderr("backup set `quoted`: restore_command puts `{file}` inside single quotes");
}

#[test]
fn names_that_are_not_utf8_are_two_files_and_stay_out_of_manifests() {
    non_utf8_names_with_their_manifest();
}

#[test]
#[ignore = "needs b3sum"]
fn b3sum_checks_the_manifest_of_names_that_are_not_utf8() {
    require_tool("b3sum", "cargo install b3sum --locked");
    let p = non_utf8_names_with_their_manifest();
    let check = std::process::Command::new("b3sum")
        .args(["--check", "B3SUMS"])
        .current_dir(p.join("b"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(said.matches(": OK").count(), 2, "{said}");
}

/// A set with names that are not UTF-8 beside ones that are, verified, and
/// then given the manifest opsbook writes of it.
fn non_utf8_names_with_their_manifest() -> TestProject {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("b/plain.sql", "plain");
    p.file("b/car\rriage.sql", "carriage return");
    for (name, data) in [(&b"x\xff.sql"[..], "ff"), (b"x\xfe.sql", "fe")] {
        fs::write(p.join("b").join(OsStr::from_bytes(name)), data).unwrap();
    }
    let first = verify(&p, &[]);
    first.run.expect_code(0);
    assert_eq!(first.set("b")["files"], 4);
    assert_eq!(
        first.checked("b"),
        ["car\\rriage.sql", "plain.sql", "x\\xFE.sql", "x\\xFF.sql"]
    );
    assert_eq!(
        first.record("b", "x\\xFF.sql")["blake3"],
        blake3::hash(b"ff").to_hex().as_str()
    );
    assert_eq!(p.read("state/baseline/b.jsonl").lines().count(), 4);
    // The second run finds each file as the first left it.
    let second = verify(&p, &[]);
    second.run.expect_code(0);
    assert!(second.problems().is_empty(), "{:?}", second.problems());

    // The manifest lists what b3sum can check, and says what it left out.
    let made = p.run(&["manifest", p.join("b").to_str().unwrap()]);
    made.expect_code(0);
    let manifest = made.stdout();
    assert_eq!(manifest.lines().count(), 2, "{manifest}");
    assert!(manifest.contains("  car\\rriage.sql\n"), "{manifest}");
    assert!(manifest.lines().any(|l| l.starts_with('\\')), "{manifest}");
    made.expect_stderr("x\\xFF.sql");
    made.expect_stderr("its name is not UTF-8");
    p.file("b/B3SUMS", &manifest);
    p.file(
        "opsbook.toml",
        format!("{MINIMAL_SETTINGS}\n[[backups]]\nname = \"b\"\npath = \"b\"\nmanifest = \"B3SUMS\"\n"),
    );
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert_eq!(
        v.kinds(),
        pairs(&[("x\\xFE.sql", "unlisted"), ("x\\xFF.sql", "unlisted")])
    );
    assert!(v.detail("x\\xFF.sql", "unlisted").contains("not UTF-8"));
    p
}

#[test]
fn control_characters_in_names_are_escaped_in_every_line() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nmin_count = 3\n");
    let name = "bad\nname\x1b[31m.sql.zst";
    p.file(&format!("b/{name}"), "not zstd");
    let run = p.run(&["verify"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout(), run.stderr());
    assert!(!all.contains('\x1b'), "{all:?}");
    assert!(all.contains("b/bad\\nname\\x1B[31m.sql.zst"), "{all}");
    assert!(!all.lines().any(|l| l.starts_with("name")), "{all}");
    // The report holds the same escaped name: it reads back to the bytes.
    let v = verify(&p, &[]);
    assert_eq!(
        v.kinds(),
        pairs(&[("", "too_few"), ("bad\\nname\\x1B[31m.sql.zst", "corrupt")])
    );
    assert_eq!(
        opsbook::name::unescape("bad\\nname\\x1B[31m.sql.zst").unwrap(),
        name.as_bytes()
    );
}

#[test]
fn a_subfolder_that_is_a_link_out_of_the_set_is_not_followed() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\n");
    p.file("b/real/a.sql", "a");
    p.file("outside/secret.sql", "secret");
    std::os::unix::fs::symlink(p.join("outside"), p.join("b/linked")).unwrap();
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(v.kinds(), pairs(&[("linked", "unreadable")]));
    assert!(v.detail("linked", "unreadable").contains("outside the set"));
    assert_eq!(v.checked("b"), ["real/a.sql"]);
}

#[test]
fn backup_times_come_from_names_where_the_set_says_how() {
    let p = project(
        "[[backups]]\nname = \"b\"\npath = \"b\"\nmax_age = \"26h\"\nretain = \"7d\"\nname_time = \"%Y%m%d\"\n",
    );
    // A fresh clone: every file modified just now, whatever its name says.
    p.file("b/oa-20251230.sql", "30");
    p.file("b/oa-20251231.sql", "31");
    p.file("b/latest.sql", "latest");
    age(&p.join("b/latest.sql"), 400 * DAY);

    // 36 hours after the newest name: stale, although every file but one
    // was modified after the clock.
    let v = verify(&p, &["--now", "2026-01-01T12:00:00+08:00"]);
    v.run.expect_code(1);
    assert_eq!(v.kinds(), pairs(&[("", "stale")]));
    let detail = v.detail("", "stale");
    assert!(
        detail.contains("oa-20251231.sql, is 1d12h old (named for 2025-12-31T00:00:00+08:00)"),
        "{detail}"
    );
    assert_eq!(v.set("b")["newest"], "2025-12-31T00:00:00+08:00");
    // A name without the date: said once, and its modification time used.
    let warnings = v.json["warnings"].to_string();
    assert!(
        warnings.contains("`latest.sql` does not match name_time `%Y%m%d`: its modification time is used"),
        "{warnings}"
    );
    assert!(
        v.run.stderr().contains("warning: backup set `b`: `latest.sql`"),
        "{}",
        v.run.stderr()
    );

    // Within a day of the newest name: fresh.
    fs::remove_file(p.join("b/latest.sql")).unwrap();
    let v = verify(&p, &["--now", "2026-01-01T20:00:00+08:00"]);
    assert_eq!(v.kinds(), pairs(&[("", "stale")]));
    let v = verify(&p, &["--now", "2025-12-31T23:00:00+08:00"]);
    assert!(v.kinds().iter().all(|(_, k)| k != "stale"), "{:?}", v.kinds());

    // retain counts from the name too: gone 6 days after its name, too
    // young to go; 8 days after, retired.
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nretain = \"7d\"\nname_time = \"%Y%m%d\"\n");
    p.file("b/oa-20251230.sql", "30");
    p.file("b/oa-20251231.sql", "31");
    verify(&p, &["--now", "2025-12-31T02:00:00+08:00"])
        .run
        .expect_code(0);
    fs::remove_file(p.join("b/oa-20251230.sql")).unwrap();
    let v = verify(&p, &["--now", "2026-01-05T02:00:00+08:00"]);
    assert_eq!(v.kinds(), pairs(&[("oa-20251230.sql", "missing")]));
    assert!(
        v.detail("oa-20251230.sql", "missing")
            .contains("named for 2025-12-30T00:00:00+08:00"),
        "{}",
        v.detail("oa-20251230.sql", "missing")
    );
    let v = verify(&p, &["--now", "2026-01-07T02:00:00+08:00"]);
    assert!(v.kinds().is_empty(), "{:?}", v.kinds());
}

#[test]
fn a_name_time_that_cannot_work_is_refused() {
    let p = project("[[backups]]\nname = \"b\"\npath = \"b\"\nname_time = \"%Y-%m\"\n");
    let run = p.run(&["verify"]);
    run.expect_code(2);
    run.expect_stderr("name_time `%Y-%m` must give the year, month and day");
}

#[test]
fn the_environment_names_the_decoded_copy() {
    // A script that reads $OPSBOOK_RESTORED, unseen by the template: the
    // decoded copy is made for it all the same.
    let p = project(
        "[[backups]]\nname = \"b\"\npath = \"b\"\nrestore_command = \"sh ../restore.sh\"\n\
         [[backups]]\nname = \"f\"\npath = \"f\"\nrestore_command = 'test \"$OPSBOOK_FILE\" = \"$OPSBOOK_RESTORED\"'\n",
    );
    p.file(
        "restore.sh",
        "set -eu\ncase \"$OPSBOOK_RESTORED\" in *.zst) exit 9;; esac\ncat \"$OPSBOOK_RESTORED\"\n",
    );
    p.file("b/a;b.sql.zst", zst(b"decoded", true));
    p.file("f/plain.sql", "plain");
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert_eq!(v.record("b", "a;b.sql.zst")["command"]["output"], "decoded");
    assert_eq!(v.record("f", "plain.sql")["command"]["exit"], 0);
}
