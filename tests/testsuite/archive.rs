//! `opsbook archive`: a period's hand-in archive, its signatures, and the
//! checks that find any file changed, added or removed, by opsbook and by
//! the stock tools (`b3sum --check`, `ssh-keygen -Y verify`).

use std::path::{Path, PathBuf};
use std::process::Command;

use opsbook::archive::pack;
use ssh_key::LineEnding;
use ssh_key::private::{Ed25519Keypair, PrivateKey};

use crate::support::{Run, TestProject, require_tool};

const NOW: &str = "2026-01-10";
const FOLDER: &str = "opsbook-archive-2025-11";

/// Keys of both parties, made from fixed seeds, in a folder outside the
/// project, with an `allowed_signers` naming both.
struct Keys {
    dir: tempfile::TempDir,
}

impl Keys {
    fn new() -> Keys {
        let dir = tempfile::tempdir().unwrap();
        let mut allowed = String::new();
        for (name, seed, who) in [("team", 7u8, "ops@team"), ("client", 9u8, "admin@client")] {
            let key = PrivateKey::new(Ed25519Keypair::from_seed(&[seed; 32]).into(), who).unwrap();
            let path = dir.path().join(name);
            std::fs::write(&path, key.to_openssh(LineEnding::LF).unwrap().as_bytes()).unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
            allowed.push_str(&format!("{who} {}\n", key.public_key().to_openssh().unwrap()));
        }
        std::fs::write(dir.path().join("allowed_signers"), allowed).unwrap();
        Keys { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// `opsbook --now NOW archive --period 2025-11 --key TEAM ARGS…`, to run.
fn make_cmd(p: &TestProject, keys: &Keys, args: &[&str]) -> assert_cmd::Command {
    let team = keys.path("team");
    let mut cmd = p.cmd(&["--now", NOW, "archive", "--period", "2025-11", "--key", &team]);
    cmd.args(args);
    cmd
}

fn make(p: &TestProject, keys: &Keys, args: &[&str]) -> Run {
    Run(make_cmd(p, keys, args).output().unwrap())
}

/// The client's counter-signature of the archive at `file`.
fn countersign(p: &TestProject, keys: &Keys, file: &str) -> Run {
    p.run(&["archive", "countersign", file, "--key", &keys.path("client")])
}

/// The example project, a key pair per party, and November 2025's archive.
fn archived() -> (TestProject, Keys, PathBuf) {
    let p = TestProject::example();
    let keys = Keys::new();
    let out = keys.dir.path().join("nov.zip");
    make(&p, &keys, &["--out", out.to_str().unwrap(), "--no-pdf"]).expect_code(0);
    (p, keys, out)
}

fn verify(p: &TestProject, keys: &Keys, file: &Path) -> Run {
    p.run(&[
        "archive",
        "verify",
        file.to_str().unwrap(),
        "--allowed-signers",
        &keys.path("allowed_signers"),
    ])
}

/// Rewrites the archive at `file` with `edit` applied to its files.
fn tamper(file: &Path, edit: impl FnOnce(&mut Vec<opsbook::archive::Entry>)) {
    let mut unpacked = pack::unpack("t", &std::fs::read(file).unwrap()).unwrap();
    edit(&mut unpacked.entries);
    let bytes = pack::pack(&unpacked.folder, &unpacked.entries, unpacked.time).unwrap();
    std::fs::write(file, bytes).unwrap();
}

fn paths(file: &Path) -> Vec<String> {
    let unpacked = pack::unpack("t", &std::fs::read(file).unwrap()).unwrap();
    unpacked.entries.into_iter().map(|e| e.path).collect()
}

#[test]
fn an_archive_holds_the_period_and_verifies_with_its_signers() {
    let (p, keys, out) = archived();
    let files = paths(&out);
    for expected in [
        "B3SUMS",
        "B3SUMS.sig",
        "site/index.html",
        "site/search.html",
        "site/incidents/INC-251118-01.html",
        "site/reports/2025-11.html",
        "content/incidents/INC-251118-01.md",
        "summaries/verification.json",
        "summaries/logs.json",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} missing from {files:?}"
        );
    }
    // Only the period: no record of October, no report of another month.
    assert!(
        !files
            .iter()
            .any(|f| f.contains("INC-2510") || f.contains("reports/2025-10"))
    );
    let run = verify(&p, &keys, &out);
    run.expect_code(0);
    assert!(
        run.stdout().contains("B3SUMS.sig: good signature by ops@team"),
        "{}",
        run.stdout()
    );
}

/// Two runs on the same inputs, PDF included where Chromium is installed.
#[test]
fn the_same_inputs_make_the_same_bytes() {
    let p = TestProject::example();
    let keys = Keys::new();
    let make = |name: &str| {
        let out = keys.dir.path().join(name);
        make(&p, &keys, &["--out", out.to_str().unwrap()]).expect_code(0);
        std::fs::read(out).unwrap()
    };
    let (one, two) = (make("one.zip"), make("two.zip"));
    if one != two {
        // Name what differs: a file's bytes, or a file only one has.
        let entries = |bytes: &[u8]| {
            let unpacked = pack::unpack("t", bytes).unwrap();
            let map: std::collections::BTreeMap<String, Vec<u8>> =
                unpacked.entries.into_iter().map(|e| (e.path, e.bytes)).collect();
            map
        };
        let (a, b) = (entries(&one), entries(&two));
        let differ: Vec<&String> = a
            .keys()
            .chain(b.keys())
            .filter(|k| a.get(*k) != b.get(*k))
            .collect();
        panic!("two runs made different archives; the files that differ: {differ:?}");
    }
}

#[test]
fn without_a_browser_the_archive_is_made_without_its_pdf_and_says_so() {
    let p = TestProject::example();
    let keys = Keys::new();
    let out = keys.dir.path().join("nov.zip");
    let run = make_cmd(&p, &keys, &["--out"])
        .arg(&out)
        .env("OPSBOOK_CHROMIUM", "/nonexistent/chromium")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("warning: /nonexistent/chromium could not print the PDF"),
        "{err}"
    );
    assert!(!paths(&out).iter().any(|f| f == "archive.pdf"));
    verify(&p, &keys, &out).expect_code(0);
}

/// `Pages:` of a PDF, and its text without white space (pdftotext spaces
/// CJK text as it likes).
fn pdf_facts(pdf: &Path) -> (usize, String) {
    let info = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let text = Command::new("pdftotext").arg(pdf).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (pages, text)
}

#[test]
#[ignore = "needs chromium"]
fn the_pdf_holds_every_record_each_from_a_new_page_with_the_digest_in_its_footer() {
    crate::browser::tools();
    require_tool("pdftotext", "apt-get install poppler-utils");
    let p = TestProject::example();
    let keys = Keys::new();
    let out = keys.dir.path().join("nov.zip");
    make(&p, &keys, &["--out", out.to_str().unwrap()]).expect_code(0);
    let tmp = tempfile::tempdir().unwrap();
    let dir = unpacked(&out, tmp.path());
    let manifest = std::fs::read_to_string(dir.join("B3SUMS")).unwrap();
    assert!(
        manifest.contains("  archive.pdf\n"),
        "the PDF is covered by B3SUMS"
    );
    // The footer's digest: B3SUMS without the PDF's line.
    let before: String = manifest
        .lines()
        .filter(|l| !l.ends_with("  archive.pdf"))
        .map(|l| format!("{l}\n"))
        .collect();
    let digest = blake3::hash(before.as_bytes()).to_hex().to_string();
    let records: Vec<String> = std::fs::read_to_string(dir.join("summaries/records.json"))
        .map(|t| serde_json::from_str::<Vec<serde_json::Value>>(&t).unwrap())
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let (pages, text) = pdf_facts(&dir.join("archive.pdf"));
    // One report (2025-11) and every record, each from a new page.
    assert!(
        pages > records.len(),
        "{pages} pages for {} records and a report",
        records.len()
    );
    for id in &records {
        assert!(text.contains(id.as_str()), "{id} is not in the PDF");
    }
    assert_eq!(
        text.matches(&digest).count(),
        pages,
        "every page's footer quotes {digest}"
    );
    assert!(text.contains(&format!("1/{pages}")) && text.contains(&format!("{pages}/{pages}")));
}

#[test]
fn verify_names_every_file_changed_added_or_removed() {
    let (p, keys, out) = archived();
    tamper(&out, |entries| {
        let changed = entries.iter_mut().find(|e| e.path == "site/index.html").unwrap();
        changed.bytes[0] ^= 1;
        entries.retain(|e| e.path != "content/incidents/INC-251118-01.md");
        entries.push(opsbook::archive::Entry::new("site/extra.html", "<p>"));
    });
    let run = verify(&p, &keys, &out);
    run.expect_code(1);
    let err = run.stderr();
    assert!(err.contains("site/index.html: changed"), "{err}");
    assert!(err.contains("site/extra.html: added"), "{err}");
    assert!(
        err.contains("content/incidents/INC-251118-01.md: removed"),
        "{err}"
    );
}

#[test]
fn a_changed_manifest_breaks_the_signature() {
    let (p, keys, out) = archived();
    tamper(&out, |entries| {
        let m = entries.iter_mut().find(|e| e.path == "B3SUMS").unwrap();
        m.bytes
            .extend_from_slice(format!("{}  site/extra.html\n", "0".repeat(64)).as_bytes());
    });
    let run = verify(&p, &keys, &out);
    run.expect_code(1);
    assert!(
        run.stderr().contains("B3SUMS.sig: bad signature"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("site/extra.html: removed"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_signer_not_allowed_is_refused() {
    let (p, keys, out) = archived();
    std::fs::write(keys.path("allowed_signers"), "").unwrap();
    let run = verify(&p, &keys, &out);
    run.expect_code(1);
    assert!(
        run.stderr().contains("a key no allowed signer has"),
        "{}",
        run.stderr()
    );
}

#[test]
fn the_counter_signature_round_trips() {
    let (p, keys, out) = archived();
    let before = paths(&out);
    countersign(&p, &keys, out.to_str().unwrap()).expect_code(0);
    let after = paths(&out);
    assert_eq!(after.len(), before.len() + 1);
    let run = verify(&p, &keys, &out);
    run.expect_code(0);
    assert!(
        run.stdout()
            .contains("B3SUMS.client.sig: good signature by admin@client"),
        "{}",
        run.stdout()
    );
    // Once is enough; and a tampered archive is never counter-signed.
    countersign(&p, &keys, out.to_str().unwrap())
        .expect_code(1)
        .expect_stderr("already counter-signed");
    let (p, keys, out) = archived();
    tamper(&out, |entries| entries.retain(|e| e.path != "site/index.html"));
    countersign(&p, &keys, out.to_str().unwrap())
        .expect_code(1)
        .expect_stderr("does not verify");
}

#[test]
fn keys_inside_the_project_and_archives_already_there_are_refused() {
    let (p, keys, out) = archived();
    std::fs::copy(keys.path("team"), p.join("team")).unwrap();
    p.run(&["--now", NOW, "archive", "--period", "2025-11", "--key", "team"])
        .expect_code(2)
        .expect_stderr("inside the project");
    make(&p, &keys, &["--out", out.to_str().unwrap()])
        .expect_code(2)
        .expect_stderr("never replaced");
    p.cmd(&["--now", NOW, "archive", "--period", "2025-11"])
        .env_remove("OPSBOOK_ARCHIVE_KEY")
        .assert()
        .code(2);
}

/// Unpacks `file` into a new folder; the archive's folder in it.
fn unpacked(file: &Path, into: &Path) -> PathBuf {
    let unpacked = pack::unpack("t", &std::fs::read(file).unwrap()).unwrap();
    let root = into.join(&unpacked.folder);
    for e in unpacked.entries {
        let path = root.join(&e.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, e.bytes).unwrap();
    }
    root
}

fn tool(dir: &Path, program: &str, args: &[&str], stdin: Option<&Path>) -> (bool, String) {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir).args(args);
    if let Some(file) = stdin {
        cmd.stdin(std::fs::File::open(file).unwrap());
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn ssh_verify(dir: &Path, keys: &Keys, who: &str, sig: &str) -> (bool, String) {
    tool(
        dir,
        "ssh-keygen",
        &[
            "-Y",
            "verify",
            "-f",
            &keys.path("allowed_signers"),
            "-I",
            who,
            "-n",
            "opsbook-archive",
            "-s",
            sig,
        ],
        Some(&dir.join("B3SUMS")),
    )
}

#[test]
#[ignore = "needs b3sum and ssh-keygen"]
fn stock_tools_verify_an_unpacked_archive_and_catch_changes() {
    require_tool("b3sum", "cargo install b3sum --locked");
    require_tool("ssh-keygen", "apt-get install openssh-client");
    let (p, keys, out) = archived();
    countersign(&p, &keys, out.to_str().unwrap()).expect_code(0);
    let tmp = tempfile::tempdir().unwrap();
    let dir = unpacked(&out, tmp.path());
    assert!(dir.ends_with(FOLDER));
    let (ok, text) = tool(&dir, "b3sum", &["--check", "B3SUMS"], None);
    assert!(ok, "{text}");
    let (ok, text) = ssh_verify(&dir, &keys, "ops@team", "B3SUMS.sig");
    assert!(
        ok && text.contains("Good \"opsbook-archive\" signature for ops@team"),
        "{text}"
    );
    let (ok, text) = ssh_verify(&dir, &keys, "admin@client", "B3SUMS.client.sig");
    assert!(ok, "{text}");

    // One byte changed, one file removed: b3sum names both.
    let page = dir.join("site/index.html");
    let mut bytes = std::fs::read(&page).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&page, bytes).unwrap();
    std::fs::remove_file(dir.join("content/incidents/INC-251118-01.md")).unwrap();
    let (ok, text) = tool(&dir, "b3sum", &["--check", "B3SUMS"], None);
    assert!(!ok);
    assert!(text.contains("site/index.html: FAILED"), "{text}");
    assert!(text.contains("content/incidents/INC-251118-01.md"), "{text}");
    // A line added to the manifest (to cover an added file): the signature fails.
    let manifest = dir.join("B3SUMS");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(&format!("{}  site/extra.html\n", "0".repeat(64)));
    std::fs::write(&manifest, text).unwrap();
    let (ok, text) = ssh_verify(&dir, &keys, "ops@team", "B3SUMS.sig");
    assert!(!ok, "{text}");
}

/// A sign-off note of November's archive, quoting `digest`.
fn sign_off(p: &TestProject, digest: &str) {
    p.file(
        "content/handins/2025-11.md",
        format!(
            "+++\nperiod = \"2025-11\"\ndigest = \"{digest}\"\nname = \"王建国\"\ndate = 2025-12-05\nrating = \"fair\"\n+++\n\n本月记录齐全，同意归档。\n"
        ),
    );
}

fn digest_of(run: &Run) -> String {
    let out = run.stdout();
    let line = out
        .lines()
        .find(|l| l.starts_with("digest"))
        .expect("a digest line");
    line.rsplit(' ').next().unwrap().to_string()
}

#[test]
fn the_reports_show_a_sign_off_and_flag_records_edited_after_it() {
    let p = TestProject::example();
    let keys = Keys::new();
    let run = make(&p, &keys, &["--no-pdf"]);
    run.expect_code(0);
    let archive = p.join("archives/opsbook-archive-2025-11.zip");
    assert!(archive.exists());
    sign_off(&p, &digest_of(&run));
    p.run(&["--now", NOW, "check"]).expect_code(0);
    p.run(&["--now", NOW, "build"]).expect_code(0);
    let report = p.read("site/reports/2025-11.html");
    assert!(
        report.contains("id=\"handin\"") && report.contains("王建国"),
        "no sign-off block"
    );
    assert!(
        report.contains("归档与签署时一致"),
        "the archive should be found intact"
    );
    assert!(report.contains("未会签"));
    assert!(p.read("site/reports/index.html").contains("王建国"));

    // The client counter-signs: the report says so, without a note changed.
    countersign(&p, &keys, archive.to_str().unwrap()).expect_code(0);
    p.run(&["--now", NOW, "build"]).expect_code(0);
    assert!(p.read("site/reports/2025-11.html").contains("已会签"));

    // A handed-in record edited later: flagged on its page and in the report.
    let note = "content/incidents/INC-251118-01.md";
    let text = p.read(note);
    p.file(note, format!("{text}\n补充说明。\n"));
    p.run(&["--now", NOW, "build"]).expect_code(0);
    let report = p.read("site/reports/2025-11.html");
    assert!(
        report.contains("以下记录在归档签署后被修改或删除"),
        "edit not listed"
    );
    assert!(report.contains("INC-251118-01"));
    let page = p.read("site/incidents/INC-251118-01.html");
    assert!(
        page.contains("本记录在 2025-11 归档签署后被修改"),
        "edit not flagged on the page"
    );
    assert!(
        !p.read("site/incidents/INC-251103-01.html")
            .contains("签署后已修改")
    );
}

#[test]
fn a_sign_off_quoting_another_digest_is_shown_as_not_matching() {
    let p = TestProject::example();
    let keys = Keys::new();
    make(&p, &keys, &["--no-pdf"]).expect_code(0);
    sign_off(&p, &"ab".repeat(32));
    p.run(&["--now", NOW, "build"]).expect_code(0);
    assert!(
        p.read("site/reports/2025-11.html")
            .contains("归档文件的摘要与签署时的摘要不符")
    );
}

#[test]
fn nightly_archives_the_closed_month_once_its_grace_has_passed() {
    let p = TestProject::example();
    let keys = Keys::new();
    let nightly = |now: &str, key: Option<&str>| {
        let mut cmd = p.cmd(&["--now", now, "nightly", "--json", "-"]);
        match key {
            Some(k) => cmd.env("OPSBOOK_ARCHIVE_KEY", k),
            None => cmd.env_remove("OPSBOOK_ARCHIVE_KEY"),
        };
        let out = cmd
            .env("OPSBOOK_CHROMIUM", "/nonexistent/chromium")
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            json["archive"].clone(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let team = keys.path("team");
    let november = p.join("archives/opsbook-archive-2025-11.zip");
    // December 2: November has closed, its 3 days' grace (月巡检) have not
    // passed: nothing to do, and the summary does not mention it.
    let (archive, _) = nightly("2025-12-02T10:00", Some(&team));
    assert!(archive.is_null(), "{archive}");
    assert!(!november.exists());
    // Without a key, a project that hands no archives in is not bothered…
    let (archive, err) = nightly("2025-12-05", None);
    assert!(archive.is_null() && !err.contains("no key"), "{archive} {err}");
    // … one that does is warned, and nothing is written.
    std::fs::create_dir(p.join("archives")).unwrap();
    let (archive, err) = nightly("2025-12-05", None);
    assert!(
        archive["skipped"].as_str().unwrap().contains("no key"),
        "{archive}"
    );
    assert!(err.contains("warning: no key to sign 2025-11's archive"), "{err}");
    assert!(!november.exists());
    let (archive, _) = nightly("2025-12-05", Some(&team));
    assert_eq!(
        archive["file"], "archives/opsbook-archive-2025-11.zip",
        "{archive}"
    );
    verify(&p, &keys, &november).expect_code(0);
    // Once only: a handed-in archive is never written again.
    let before = std::fs::read(&november).unwrap();
    let (archive, _) = nightly("2025-12-06", Some(&team));
    assert!(archive.is_null(), "{archive}");
    assert!(std::fs::read(&november).unwrap() == before);
}
