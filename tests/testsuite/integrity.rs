//! What opsbook writes, and nothing else: `[site] out` may not name a folder
//! opsbook did not write, the site's lock belongs to its holder, and a killed
//! build is finished or rolled back by the next.

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
