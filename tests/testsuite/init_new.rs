//! `opsbook init` and `opsbook new`.

use crate::support::{TestProject, git};

const NOW: &str = "2025-03-11T10:20:00";

#[test]
fn init_makes_a_project_that_checks_and_builds() {
    let p = TestProject::empty();
    let dir = p.join("合同项目");
    let run = crate::support::opsbook()
        .args(["--now", NOW, "init"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));

    let in_dir = |args: &[&str]| {
        let out = crate::support::opsbook()
            .arg("-C")
            .arg(&dir)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = in_dir(&["--now", NOW, "check"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("8 notes checked, 0 problems"), "{out}");
    let (code, out) = in_dir(&["--now", NOW, "build"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(dir.join("site/index.html").is_file());
    assert!(dir.join("site/incidents/INC-250311-01.html").is_file());
    let (code, out) = in_dir(&["--now", "2025-03-12T08:00:00", "nightly"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 breaches"), "{out}");

    let settings = std::fs::read_to_string(dir.join("opsbook.toml")).unwrap();
    assert!(settings.contains("name = \"合同项目\""), "{settings}");
    assert!(
        settings.contains("start = 2025-03-11\nend = 2026-03-10"),
        "{settings}"
    );
    let gitignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l == "/site/"), "{gitignore}");
    // The schedule written is the contract's, as the example project has it.
    assert_eq!(
        std::fs::read_to_string(dir.join("schedules/contract.toml")).unwrap(),
        opsbook::load::schedules::DEFAULT_SCHEDULE
    );
    for folder in [
        "inspections",
        "incidents",
        "workorders",
        "faq",
        "trainings",
        "upgrades",
        "vulnerabilities",
        "reports",
    ] {
        assert_eq!(
            std::fs::read_dir(dir.join("content").join(folder))
                .unwrap()
                .count(),
            1,
            "{folder}"
        );
    }
}

#[test]
fn init_never_writes_over_a_project_or_a_file() {
    let p = TestProject::new();
    let before = p.read("opsbook.toml");
    let run = p.run(&["init", p.path().to_str().unwrap()]);
    run.expect_code(2);
    run.expect_stderr("is an opsbook project already");
    assert_eq!(p.read("opsbook.toml"), before);

    let q = TestProject::empty();
    q.file("content/faq/FAQ-001.md", "mine");
    let run = q.run(&["init", q.path().to_str().unwrap()]);
    run.expect_code(2);
    run.expect_stderr("content/faq/FAQ-001.md");
    assert_eq!(q.read("content/faq/FAQ-001.md"), "mine");
    assert!(!q.join("opsbook.toml").exists(), "nothing was written");
}

/// `opsbook new ARGS` at the fixed clock, with git's user settings hidden.
fn new(p: &TestProject, args: &[&str]) -> crate::support::Run {
    let mut cmd = p.cmd(&["--now", NOW, "new"]);
    cmd.args(args)
        .current_dir(p.path())
        .env("HOME", p.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", p.join("no-gitconfig"));
    crate::support::Run(cmd.output().unwrap())
}

#[test]
fn new_numbers_each_day_from_the_last_taken() {
    let p = TestProject::new();
    let path = |run: crate::support::Run| run.expect_code(0).stdout().trim().to_string();
    assert_eq!(
        path(new(&p, &["inspection"])),
        "content/inspections/2025/03/250311-01.md"
    );
    assert_eq!(
        path(new(&p, &["inspection"])),
        "content/inspections/2025/03/250311-02.md"
    );
    // A note too broken to load still holds its number.
    p.file("content/inspections/250311-07.md", "not a note");
    assert_eq!(
        path(new(&p, &["inspection"])),
        "content/inspections/2025/03/250311-08.md"
    );
    assert_eq!(
        path(new(&p, &["inspection", "--date", "2025-03-12"])),
        "content/inspections/2025/03/250312-01.md"
    );
    assert_eq!(path(new(&p, &["incident"])), "content/incidents/INC-250311-01.md");
    assert_eq!(
        path(new(&p, &["incidents"])),
        "content/incidents/INC-250311-02.md"
    );
    assert_eq!(path(new(&p, &["faq"])), "content/faq/FAQ-001.md");
    assert_eq!(path(new(&p, &["faq"])), "content/faq/FAQ-002.md");
    assert_eq!(path(new(&p, &["report"])), "content/reports/2025-03.md");

    let note = p.read("content/incidents/INC-250311-01.md");
    assert!(note.contains("reported_at = 2025-03-11T10:20:00"), "{note}");
    assert!(note.contains("## 原因分析\n"), "{note}");
}

#[test]
fn new_refuses_past_99_and_never_overwrites() {
    let p = TestProject::new();
    p.file("content/workorders/WO-250311-99.md", "the day's last work order");
    let run = new(&p, &["workorder"]);
    run.expect_code(2);
    run.expect_stderr("`WO-250311-99`");
    run.expect_stderr("at most 99");

    new(&p, &["report", "--date", "2025-03-02"]).expect_code(0);
    let first = p.read("content/reports/2025-03.md");
    let run = new(&p, &["report", "--date", "2025-03-30"]);
    run.expect_code(2);
    run.expect_stderr("exists already");
    assert_eq!(p.read("content/reports/2025-03.md"), first);

    for bad in [
        &["invoice"][..],
        &["incident", "--cycle", "weekly"],
        &["inspection", "--cycle", "hourly"],
        &["faq", "--date", "11/03/2025"],
    ] {
        new(&p, bad).expect_code(2);
    }
}

#[test]
fn new_notes_are_prefilled_and_pass_check() {
    let p = TestProject::new();
    for kind in [
        "inspection",
        "incident",
        "workorder",
        "faq",
        "training",
        "upgrade",
        "vulnerability",
        "report",
    ] {
        new(&p, &[kind]).expect_code(0);
    }
    let run = new(&p, &["inspection", "--cycle", "quarterly"]);
    run.expect_code(0);
    run.expect_stderr("git has no user.name");
    let quarterly = p.read("content/inspections/2025/03/250311-02.md");
    assert!(quarterly.contains("cycle = \"quarterly\""), "{quarterly}");
    assert_eq!(quarterly.matches("[[checks]]").count(), 8, "{quarterly}");
    assert!(
        quarterly.contains("item = \"操作系统/数据库/微码/补丁\""),
        "{quarterly}"
    );
    assert!(quarterly.contains("inspector = \"（填写姓名）\""), "{quarterly}");
    let daily = p.read("content/inspections/2025/03/250311-01.md");
    assert!(daily.contains("item = \"公文交换接口状态\""), "{daily}");

    // Every form is well formed; `check` lists only what is left to fill
    // in, so that an untouched form is never published blank.
    let run = p.run(&["--now", NOW, "check"]);
    run.expect_code(1);
    assert!(run.stdout().contains("9 notes checked"), "{}", run.stdout());
    let unfinished = [
        "is blank",
        "still the placeholder",
        "no text",
        "has no section",
        "no solution",
        // A value filled from the evidence (the quarterly checklist's
        // error-report item, from init's open incident), to confirm.
        "not confirmed yet",
    ];
    for block in run.stderr().split("\n\n").filter(|b| !b.trim().is_empty()) {
        assert!(unfinished.iter().any(|m| block.contains(m)), "{block}");
    }
}

#[test]
fn new_takes_the_name_from_git() {
    crate::support::require_tool("git", "apt-get install git");
    let p = TestProject::new();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(p.path())
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["config", "user.name", "王 \"小\" 磊"]);
    let run = new(&p, &["training"]);
    run.expect_code(0);
    assert!(!run.stderr().contains("user.name"), "{}", run.stderr());
    let note = p.read("content/trainings/TR-250311-01.md");
    let front: toml::Table = toml::from_str(note.split("+++").nth(1).unwrap()).unwrap();
    assert_eq!(front["trainer"].as_str(), Some(r#"王 "小" 磊"#), "{note}");
    // The name is taken; what is left is the topic, which the form leaves blank.
    let check = p.run(&["--now", NOW, "check"]);
    check.expect_code(1);
    check.expect_stderr("`topic` is blank");
    assert!(!check.stderr().contains("trainer"), "{}", check.stderr());
}

/// `opsbook init` into `p`'s folder at the fixed clock.
fn init(p: &TestProject) {
    p.run(&["--now", NOW, "init", p.path().to_str().unwrap()])
        .expect_code(0);
}

#[test]
fn init_and_new_put_notes_in_the_same_folders() {
    let p = TestProject::empty();
    init(&p);
    assert!(p.join("content/inspections/2025/03/250311-01.md").is_file());
    for (kind, path) in [
        ("inspection", "content/inspections/2025/03/250311-02.md"),
        ("incident", "content/incidents/INC-250311-02.md"),
        ("workorder", "content/workorders/WO-250311-02.md"),
        ("faq", "content/faq/FAQ-002.md"),
        ("training", "content/trainings/TR-250311-02.md"),
        ("upgrade", "content/upgrades/UP-250311-02.md"),
        ("vulnerability", "content/vulnerabilities/VUL-250311-02.md"),
    ] {
        let run = new(&p, &[kind]);
        run.expect_code(0);
        assert_eq!(run.stdout().trim(), path, "{kind}");
        // Beside the one init wrote.
        let folder = p.join(path);
        let siblings = std::fs::read_dir(folder.parent().unwrap()).unwrap().count();
        assert_eq!(siblings, 2, "{kind}");
    }
}

/// The fenced block of docs/ci.md whose first line names `file`.
fn docs_block(file: &str) -> String {
    let docs = std::fs::read_to_string(crate::support::repository_dir().join("docs/ci.md")).unwrap();
    docs.split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.starts_with(&format!("# {file}\n")))
        .unwrap_or_else(|| panic!("docs/ci.md has no block for {file}"))
        .to_string()
}

#[test]
fn init_writes_the_nightly_jobs_that_the_docs_show() {
    let p = TestProject::empty();
    init(&p);
    for file in [".gitlab-ci.yml", ".github/workflows/nightly.yml"] {
        let written = p.read(file);
        assert_eq!(written, docs_block(file), "{file}");
        assert!(written.contains("opsbook nightly --json nightly.json --junit nightly.xml"));
    }
}

#[test]
fn the_gitignore_covers_everything_opsbook_writes() {
    let p = TestProject::empty();
    init(&p);
    p.file("backups/db/db-20250310.sql", "-- Dump completed on 2025-03-10\n");
    new(
        &p,
        &[
            "backup-set",
            "db",
            "--path",
            "backups/db",
            "--set-kind",
            "mysqldump",
        ],
    )
    .expect_code(0);
    git(p.path(), &["init", "-q"]);
    git(p.path(), &["add", "-A"]);
    git(p.path(), &["commit", "-q", "-m", "a new project"]);

    for args in [
        &["verify"][..],
        &["build"],
        &["build", "--audience", "internal"],
        &["nightly", "--json", "nightly.json", "--junit", "nightly.xml"],
        &["logs"],
    ] {
        let mut all = vec!["--now", "2025-03-12T08:00:00"];
        all.extend_from_slice(args);
        let run = p.run(&all);
        assert!(run.code() < 2, "{args:?}: {}", run.stderr());
    }
    assert!(p.join("site/index.html").is_file());
    assert!(p.join("state").is_dir());
    assert!(p.join("nightly.json").is_file());
    let status = git(p.path(), &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(status, "", "files opsbook wrote that .gitignore misses");
}

#[test]
fn new_backup_set_adds_a_set_that_verifies() {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        format!("# 我们的项目\n{}[logs]\npaths = []", p.read("opsbook.toml")),
    );
    p.file("backups/oa/oa-20250311.db", "");
    let before = p.read("opsbook.toml");
    let run = new(
        &p,
        &[
            "backup-set",
            "oa-db",
            "--path",
            "backups/oa",
            "--set-kind",
            "sqlite",
        ],
    );
    run.expect_code(0);
    assert!(
        run.stdout().contains("added backup set `oa-db`"),
        "{}",
        run.stdout()
    );
    let after = p.read("opsbook.toml");
    // Appended: the file's own text, comments included, is kept as it was.
    assert!(after.starts_with(&format!("{before}\n\n")), "{after}");
    let settings: toml::Table = toml::from_str(&after).unwrap();
    let set = &settings["backups"][0];
    assert_eq!(set["name"].as_str(), Some("oa-db"));
    assert_eq!(set["path"].as_str(), Some("backups/oa"));
    assert_eq!(set["kind"].as_str(), Some("sqlite"));
    assert_eq!(settings["logs"]["paths"].as_array().map(Vec::len), Some(0));

    p.run(&["--now", NOW, "check"]).expect_code(0);
    let run = p.run(&["--now", NOW, "verify", "--set", "oa-db", "--json", "-"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(report["sets"][0]["name"], "oa-db");
    assert_eq!(report["sets"][0]["files"], 1);

    // A name taken, no path, or set options on a note: nothing is written.
    for (args, says) in [
        (&["backup-set", "oa-db", "--path", "elsewhere"][..], "already"),
        (&["backup-set", "files"], "--path"),
        (&["backup-set", "--path", "x"], "needs a name"),
        (
            &["incident", "--path", "x"],
            "apply to `opsbook new backup-set` only",
        ),
    ] {
        let run = new(&p, args);
        run.expect_code(2);
        run.expect_stderr(says);
        assert_eq!(p.read("opsbook.toml"), after, "{args:?}");
    }
}
