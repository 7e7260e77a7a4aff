//! What opsbook writes, and nothing else: `[site] out` may not name a folder
//! opsbook did not write, the site's lock belongs to its holder, a killed
//! build is finished or rolled back by the next, a run with an earlier clock
//! writes nothing to `state/`, and a history cut short or gone is seen.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use crate::support::{MINIMAL_SETTINGS, TestProject};

/// Every file under `dir` (links as their target's text), by path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let bytes = if e.file_type().is_symlink() {
                std::fs::read_link(e.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
                    .into_bytes()
            } else {
                std::fs::read(e.path()).unwrap()
            };
            (rel, bytes)
        })
        .collect()
}

/// A project with something in every input folder.
fn project_with_inputs(site: &str) -> TestProject {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        format!(
            "{MINIMAL_SETTINGS}\n[site]\n{site}\n\n[[backups]]\nname = \"files\"\npath = \"backups/files\"\n"
        ),
    );
    p.file(
        "content/faq/FAQ-001.md",
        "+++\nid = \"FAQ-001\"\nquestion = \"登录失败怎么办\"\n+++\n清除缓存后重新登录。\n",
    );
    p.file("schedules/contract.toml", "[sla]\ngeneral_resolve = \"2h\"\n");
    p.file("themes/mine/templates/faq.html", "{% extends \"base.html\" %}");
    p.file(
        "logs/app.jsonl",
        "{\"ts\":\"2025-03-01T08:00:00+08:00\",\"level\":\"INFO\",\"msg\":\"up\"}\n",
    );
    p.file("state/history.jsonl", "");
    p.file("backups/files/a.txt", "backup");
    p
}

#[test]
fn an_out_that_names_an_input_or_the_project_is_refused_and_nothing_is_lost() {
    for (out, says) in [
        ("", "is the project folder itself"),
        (".", "is the project folder itself"),
        ("..", "contains the project folder"),
        ("content", "is the notes folder (content)"),
        ("site/../content", "is the notes folder (content)"),
        ("content/faq", "lies inside the notes folder (content)"),
        ("logs", "is the logs folder (logs)"),
        ("schedules", "is the schedules folder (schedules)"),
        ("themes/mine", "lies inside the themes folder (themes)"),
        ("state", "is the folder opsbook keeps its state in (state)"),
        ("opsbook.toml", "is opsbook.toml (opsbook.toml)"),
        (
            "backups",
            "contains the folder of backup set `files` (backups/files)",
        ),
    ] {
        let p = project_with_inputs(&format!("out = \"{out}\""));
        let before = files(p.path());
        let parent = p.path().parent().unwrap();
        let beside_before = files_named_like(parent, p.path());

        let run = p.run(&["build"]);
        run.expect_code(2);
        run.expect_stderr(&format!("[site] out = \"{out}\" {says}"));
        assert_eq!(files(p.path()), before, "out = {out:?}: a file changed");
        assert_eq!(
            files_named_like(parent, p.path()),
            beside_before,
            "out = {out:?}: something was left beside the project"
        );

        // `check` says the same, at the line of the setting.
        let run = p.run(&["check"]);
        run.expect_code(1);
        run.expect_stderr(&format!("[site] out = \"{out}\" {says}"));
        let line = MINIMAL_SETTINGS.lines().count() + 3;
        run.expect_stderr(&format!("opsbook.toml:{line}:"));

        // `nightly` verifies and reports, but builds nothing: exit 2.
        let run = p.run(&["nightly"]);
        run.expect_code(2);
        let after = files(p.path());
        for (path, bytes) in &before {
            if !path.starts_with("state/") {
                assert_eq!(
                    after.get(path),
                    Some(bytes),
                    "out = {out:?}: nightly changed {path}"
                );
            }
        }
    }
}

/// Entries of `dir` whose names start with `.NAME` (the writer's files
/// beside a site named NAME).
fn files_named_like(dir: &Path, project: &Path) -> Vec<String> {
    let name = project.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}")))
        .collect()
}

#[test]
fn a_folder_of_foreign_files_is_refused_and_kept() {
    let www = tempfile::tempdir().unwrap();
    std::fs::write(www.path().join("index.php"), "<?php phpinfo();").unwrap();
    std::fs::write(www.path().join("README"), "the web root").unwrap();
    let before = files(www.path());
    let p = project_with_inputs(&format!("out = \"{}\"", www.path().display()));

    let run = p.run(&["build"]);
    run.expect_code(2);
    run.expect_stderr(&format!(
        "the site folder {} holds files opsbook did not write (README, index.php)",
        www.path().display()
    ));
    assert_eq!(files(www.path()), before);
    p.run(&["check"])
        .expect_code(1)
        .expect_stderr("holds files opsbook did not write");

    // Emptied, it is the portal's; and the portal's again the next time.
    std::fs::remove_file(www.path().join("index.php")).unwrap();
    std::fs::remove_file(www.path().join("README")).unwrap();
    p.run(&["build"]).expect_code(0);
    p.run(&["build"]).expect_code(0);
    assert!(www.path().join("index.html").is_file());
}

#[test]
fn an_out_through_a_link_is_judged_where_it_leads() {
    let p = project_with_inputs("out = \"www\"");
    std::os::unix::fs::symlink(p.join("content"), p.join("www")).unwrap();
    let before = files(p.path());
    p.run(&["build"])
        .expect_code(2)
        .expect_stderr("[site] out = \"www\" is the notes folder (content)");
    assert_eq!(files(p.path()), before);

    std::fs::remove_file(p.join("www")).unwrap();
    std::os::unix::fs::symlink("www", p.join("www")).unwrap();
    let run = p.run(&["build"]);
    run.expect_code(2).expect_stderr("www is a symbolic link loop");
    assert!(!run.stderr().contains("does not exist"), "{}", run.stderr());
}

#[test]
fn a_held_site_lock_refuses_every_other_build_and_stays() {
    let p = TestProject::new();
    p.run(&["build"]).expect_code(0);
    let before = files(&p.join("site"));

    // A build in progress: it holds the lock (flock) on the lock file.
    let lock_path = p.join(".site.opsbook-lock");
    let held = File::create(&lock_path).unwrap();
    held.try_lock().unwrap();
    std::fs::write(&lock_path, "4242\n").unwrap();
    // Something to build, so that nothing is up to date.
    p.file(
        "content/faq/FAQ-001.md",
        "+++\nid = \"FAQ-001\"\nquestion = \"问\"\n+++\n答\n",
    );
    for _ in 0..2 {
        // A second build, then a third: each refused, the lock untouched.
        let run = p.run(&["build"]);
        run.expect_code(2);
        run.expect_stderr(".site.opsbook-lock is held by another opsbook run (pid 4242)");
        assert_eq!(std::fs::read_to_string(&lock_path).unwrap(), "4242\n");
    }
    assert_eq!(files(&p.join("site")), before);

    // Its holder gone, the lock is free again (the kernel released it).
    drop(held);
    p.run(&["build"]).expect_code(0);
    assert!(p.join("site/faq/FAQ-001.html").is_file());
    assert!(!lock_path.exists(), "the holder removes its lock as it ends");
}

/// Names beside the project's site that belong to the writer.
fn leftovers(p: &TestProject) -> Vec<String> {
    std::fs::read_dir(p.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".site.opsbook-"))
        .collect()
}

#[test]
fn an_up_to_date_build_still_finishes_what_a_killed_one_left() {
    let p = TestProject::new();
    p.file(
        "content/faq/FAQ-001.md",
        "+++\nid = \"FAQ-001\"\nquestion = \"问\"\n+++\n答\n",
    );
    p.run(&["build"]).expect_code(0);
    let site = files(&p.join("site"));

    // Killed while removing the previous site after a replace: the journal,
    // the old site half deleted, a lock naming a process long gone.
    p.file(
        ".site.opsbook-journal",
        r#"{"replace":true,"files":[],"delete":[]}"#,
    );
    p.file(".site.opsbook-old/index.html", "the site before");
    p.file(".site.opsbook-old/faq/FAQ-001.html", "the site before");
    p.file(".site.opsbook-lock", "999999\n");
    let out = p.run(&["build"]).expect_code(0).0.stdout.clone();
    assert!(String::from_utf8_lossy(&out).contains("up to date"));
    assert_eq!(leftovers(&p), Vec::<String>::new());
    assert_eq!(files(&p.join("site")), site);

    // Killed after its commit point, with one page moved and one not: the
    // next build, up to date or not, moves the rest.
    p.file(".site.opsbook-staging/faq/FAQ-001.html", "new page");
    p.file(
        ".site.opsbook-journal",
        r#"{"replace":false,"files":["index.html","faq/FAQ-001.html"],"delete":[]}"#,
    );
    let out = p.run(&["build"]).expect_code(0).0.stdout.clone();
    assert!(String::from_utf8_lossy(&out).contains("up to date"));
    assert_eq!(p.read("site/faq/FAQ-001.html"), "new page");
    assert_eq!(leftovers(&p), Vec::<String>::new());

    // Killed before it: the staging folder goes, the site stays.
    p.file(".site.opsbook-staging/index.html", "half a build");
    let before = files(&p.join("site"));
    p.run(&["build"]).expect_code(0);
    assert_eq!(leftovers(&p), Vec::<String>::new());
    assert_eq!(files(&p.join("site")), before);
}

/// A project whose nightly run is clean: no service period (no
/// obligations are due), a backup set and a log.
fn nightly_project() -> TestProject {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        "[project]\nname = \"测试项目\"\n\n[[backups]]\nname = \"files\"\npath = \"backups/files\"\n",
    );
    p.file("backups/files/a.txt", "backup");
    p.file(
        "logs/app.jsonl",
        "{\"ts\":\"2025-12-30T08:00:00+08:00\",\"level\":\"INFO\",\"service\":\"oa\",\"msg\":\"up\"}\n",
    );
    p
}

fn nightly_at(p: &TestProject, now: &str) -> crate::support::Run {
    p.run(&["--now", now, "nightly"])
}

#[test]
fn a_shortened_history_is_reported_and_stays_on_the_portal() {
    let p = nightly_project();
    nightly_at(&p, "2026-01-01T02:00:00").expect_code(0);
    nightly_at(&p, "2026-01-02T02:00:00").expect_code(0);

    // The last run removed, the head rewritten to match: a whole chain.
    let history = p.read("state/history.jsonl");
    let first = history.lines().next().unwrap();
    p.file("state/history.jsonl", format!("{first}\n"));
    p.file(
        "state/history.head",
        format!("1 {}\n", blake3::hash(first.as_bytes()).to_hex()),
    );
    let run = p.run(&["check"]);
    run.expect_code(1);
    run.expect_stderr(
        "the history has 1 run but the portal in site/ was built from 2 runs: runs were removed since",
    );

    let run = p.run(&["--now", "2026-01-03T02:00:00", "nightly", "--json", "-"]);
    run.expect_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let problems = json["check"]["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|d| d["file"] == "state/history.jsonl"
            && d["message"].as_str().unwrap().contains("runs were removed since")),
        "{problems:?}"
    );
    assert!(run.stderr().contains("failed: check\n"), "{}", run.stderr());
    for page in ["site/index.html", "site/backups/index.html"] {
        let html = p.read(page);
        assert!(html.contains("备份校验记录不连续"), "{page}");
        assert!(html.contains("共 2 次，此时仅有 1 次"), "{page}");
    }

    // The next night is clean again, and the portal still shows the break.
    nightly_at(&p, "2026-01-04T02:00:00").expect_code(0);
    assert!(p.read("site/index.html").contains("备份校验记录不连续"));
}

#[test]
fn a_deleted_state_folder_is_reported() {
    let p = nightly_project();
    nightly_at(&p, "2026-01-01T02:00:00").expect_code(0);
    std::fs::remove_dir_all(p.join("state")).unwrap();
    let run = nightly_at(&p, "2026-01-02T02:00:00");
    run.expect_code(1);
    run.expect_stderr(
        "error: the history has no runs but the portal in site/ was built from 1 run: runs were removed since\n --> state/history.jsonl",
    );
    assert!(
        p.read("site/backups/index.html")
            .contains("共 1 次，此时仅有 0 次")
    );
}

#[test]
fn a_run_with_an_earlier_clock_writes_nothing_to_state() {
    let p = nightly_project();
    nightly_at(&p, "2026-01-02T02:00:00").expect_code(0);
    let state = files(&p.join("state"));
    assert!(state.contains_key("history.jsonl"));
    assert!(state.keys().any(|k| k.starts_with("baseline/")), "{state:?}");
    assert!(state.keys().any(|k| k.starts_with("logs/")), "{state:?}");

    // A new backup and a grown log, seen by a run dated the year before.
    p.file("backups/files/b.txt", "another");
    p.file(
        "logs/app.jsonl",
        format!(
            "{}{}",
            p.read("logs/app.jsonl"),
            "{\"ts\":\"2025-12-31T08:00:00+08:00\",\"level\":\"ERROR\",\"service\":\"oa\",\"msg\":\"down\"}\n"
        ),
    );
    for _ in 0..2 {
        let run = nightly_at(&p, "2025-12-31T23:00:00");
        let said = format!("{}{}", run.stdout(), run.stderr());
        let note = "is earlier than the last recorded run (2026-01-02 02:00:00 +08:00)";
        assert_eq!(said.matches(note).count(), 1, "{said}");
        // It still reports on the night it was given.
        assert!(said.contains("opsbook nightly at 2025-12-31 23:00"), "{said}");
        assert_eq!(files(&p.join("state")), state, "state/ was written");
    }
    p.run(&["check"]).expect_code(0);
    p.run(&["--now", "2025-12-31T23:00:00", "verify"]).expect_code(0);
    p.run(&["--now", "2025-12-31T23:00:00", "logs"]);
    assert_eq!(files(&p.join("state")), state, "state/ was written");

    // The clock moves on: the run is recorded again.
    nightly_at(&p, "2026-01-03T02:00:00").expect_code(0);
    assert_eq!(p.read("state/history.jsonl").lines().count(), 2);
}

#[test]
fn a_stage_that_cannot_run_makes_the_night_exit_2() {
    // `state/` is a file: neither verification nor the logs can keep
    // anything, so neither can run.
    let p = nightly_project();
    p.file("state", "not a folder");
    let run = p.run(&["--now", "2026-01-02T02:00:00", "nightly"]);
    run.expect_code(2);
    let out = run.stdout();
    assert!(out.contains("logs         could not run"), "{out}");
    assert!(
        out.contains("needs attention (exit 2: a stage could not run)"),
        "{out}"
    );

    // The site's folder cannot be made: the build cannot run.
    let p = nightly_project();
    p.file(
        "opsbook.toml",
        format!("{}\n[site]\nout = \"blocker/site\"\n", p.read("opsbook.toml")),
    );
    p.file("blocker", "a file");
    let run = p.run(&["--now", "2026-01-02T02:00:00", "nightly"]);
    run.expect_code(2);
    let out = run.stdout();
    assert!(out.contains("build        could not run"), "{out}");
    assert!(out.contains("cannot use the site folder blocker/site"), "{out}");
}

#[test]
fn each_error_is_said_once_and_plainly() {
    // An OS error held in a message and as its cause: said once.
    let p = nightly_project();
    p.file("state", "not a folder");
    let run = p.run(&["verify"]);
    run.expect_code(2);
    let err = run.stderr();
    assert_eq!(err.matches("(os error").count(), 1, "{err}");

    // A set outside the project is shown by its path, not `//tmp/...`.
    let p = TestProject::new();
    let gone = tempfile::tempdir().unwrap().path().join("gone");
    p.file(
        "opsbook.toml",
        format!(
            "{MINIMAL_SETTINGS}\n[[backups]]\nname = \"x\"\npath = \"{}\"\n",
            gone.display()
        ),
    );
    let run = p.run(&["verify"]);
    run.expect_code(1);
    let text = format!("{}{}", run.stdout(), run.stderr());
    assert!(
        text.contains(&format!("the set's folder {} does not exist", gone.display())),
        "{text}"
    );
    assert!(!text.contains("//"), "{text}");

    // opsbook.toml as a folder, or as a link loop: said so, not "no opsbook.toml".
    let p = TestProject::empty();
    std::fs::create_dir(p.join("opsbook.toml")).unwrap();
    let run = p.run(&["check"]);
    run.expect_code(2);
    run.expect_stderr("opsbook.toml is a folder: the project's settings must be a file");

    let p = TestProject::empty();
    std::os::unix::fs::symlink("opsbook.toml", p.join("opsbook.toml")).unwrap();
    let run = p.run(&["check"]);
    run.expect_code(2);
    run.expect_stderr("cannot read");
    run.expect_stderr("symbolic links");
    assert!(!run.stderr().contains("no opsbook.toml"), "{}", run.stderr());
}
