//! `opsbook check` on fixture projects and on bad input.

use crate::support::TestProject;

#[test]
fn a_clean_project_checks_clean() {
    let p = TestProject::fixture("valid");
    let run = p.run(&["check"]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("9 notes checked, 0 problems"),
        "{}",
        run.stdout()
    );
    assert_eq!(run.stderr(), "");
}

/// Each note of the `invalid` fixture holds one kind of mistake; every one
/// is reported, at its line, in one run.
#[test]
fn every_problem_is_listed_with_its_place() {
    let p = TestProject::fixture("invalid");
    let run = p.run(&["check"]);
    run.expect_code(1);
    let err = run.stderr();
    let expected = [
        (
            "content/inspections/250312-01-syntax.md:5:",
            "invalid basic string",
        ),
        (
            "content/inspections/250313-01-missing.md:1",
            "missing required key `inspector`",
        ),
        (
            "content/inspections/250313-01-missing.md:1",
            "missing required key `method`",
        ),
        (
            "content/inspections/250314-01-date.md:2:6",
            "is dated 2025-03-14, but `date` is 2025-03-15",
        ),
        (
            "content/inspections/250401-04-checklist.md:8:1",
            "does not cover: 系统错误报告及日志",
        ),
        (
            "content/inspections/250402-01-enum.md:5:10",
            "unknown variant `by phone`",
        ),
        (
            "content/incidents/bad-id.md:2:6",
            "id `INC-25031-01` has no YYMMDD date",
        ),
        (
            "content/incidents/INC-250312-01.md:6:15",
            "`resolved_at` (2025-03-12 08:00) must be at or after",
        ),
        (
            "content/incidents/INC-250312-01.md:8:7",
            "FAQ entry `FAQ-099` does not exist",
        ),
        (
            "content/incidents/INC-250313-01.md:6:1",
            "unknown field `resloved_at`",
        ),
        (
            "content/incidents/INC-250314-01.md:5:15",
            "invalid time `yesterday`",
        ),
        ("content/faq/FAQ-002.md:2:6", "id `FAQ-002` is used twice"),
        (
            "content/faq/FAQ-002.md:4:14",
            "incident `INC-250101-09` does not exist",
        ),
        (
            "content/upgrades/UP-250420-01.md:5:14",
            "`window_end` (2025-04-20 21:30) must be after",
        ),
        (
            "content/vulnerabilities/VUL-250501-01.md:8:12",
            "unknown audience `secret`",
        ),
        ("content/reports/bad-period.md:2:10", "invalid period `2025-Q5`"),
        (
            "content/workorders/no-front-matter.md:1",
            "the note has no front matter",
        ),
        (
            "content/workorders/unclosed.md:1",
            "the front matter is not closed",
        ),
        ("content/stray.md:1", "cannot tell what kind of note this is"),
        ("schedules/extra.toml:4:8", "unknown note kind `weekly-reports`"),
    ];
    for (place, message) in expected {
        let found = err
            .split("\n\n")
            .any(|block| block.contains(message) && block.contains(&format!("--> {place}")));
        assert!(found, "expected `{message}` at {place} in:\n{err}");
    }
    assert!(
        run.stdout()
            .contains("17 notes checked, 20 problems (20 errors, 0 warnings)"),
        "{}",
        run.stdout()
    );
    insta::assert_snapshot!("invalid_project_check", err);
}

#[test]
fn warnings_do_not_fail_the_run() {
    let p = TestProject::new();
    p.file(
        "content/incidents/INC-250311-01.md",
        "+++\nid = \"INC-250311-01\"\ntitle = \"t\"\nseverity = \"general\"\nreported_at = 2025-03-11T09:00:00\nengineers = [\"张伟\"]\nmodules = [\"食堂管理\"]\n+++\n",
    );
    let run = p.run(&["check"]);
    run.expect_code(0);
    let err = run.stderr();
    assert!(
        err.contains("warning: `食堂管理` is not one of the platform's modules"),
        "{err}"
    );
    assert!(
        err.contains("warning: the body has no section `原因分析`"),
        "{err}"
    );
    assert!(
        run.stdout()
            .contains("1 note checked, 2 problems (0 errors, 2 warnings)")
    );
    let quiet = p.run(&["check", "--quiet"]);
    quiet.expect_code(0);
    assert_eq!(quiet.stdout(), "");
    assert_eq!(quiet.stderr(), "");
}

#[test]
fn bad_files_are_reported_and_the_rest_is_still_checked() {
    let p = TestProject::fixture("valid");
    let mut gbk = b"+++\nid = \"FAQ-010\"\nquestion = \"".to_vec();
    gbk.extend_from_slice(&[0xd6, 0xd0, 0xce, 0xc4]); // "中文" in GBK
    gbk.extend_from_slice(b"\"\n+++\n");
    p.file("content/faq/gbk.md", gbk);
    p.file("content/faq/empty.md", "");
    p.file("content/faq/plain.md", "只有正文，没有前置元数据。\n");
    let mut big = String::from("+++\nid = \"FAQ-011\"\nquestion = \"大文件\"\n+++\n");
    big.push_str(&"数据".repeat(9 * 1024 * 1024));
    p.file("content/faq/huge.md", big);
    std::fs::create_dir_all(p.join("content/faq/loop")).unwrap();
    std::os::unix::fs::symlink("..", p.join("content/faq/loop/up")).unwrap();
    std::os::unix::fs::symlink("nowhere.md", p.join("content/faq/dangling.md")).unwrap();

    let run = p.run(&["check"]);
    run.expect_code(1);
    let err = run.stderr();
    for (place, message) in [
        ("content/faq/gbk.md:3:", "the file is not valid UTF-8"),
        ("content/faq/empty.md", "the note is empty"),
        ("content/faq/plain.md:1", "the note has no front matter"),
        ("content/faq/huge.md", "notes may be at most 8 MB"),
        ("content/faq/loop/up", "symbolic link loop"),
        ("content/faq/dangling.md", "cannot read"),
    ] {
        let found = err
            .split("\n\n")
            .any(|b| b.contains(message) && b.contains(place));
        assert!(found, "expected `{message}` at {place} in:\n{err}");
    }
    // The good notes were all still read and checked.
    assert!(
        run.stdout().contains("13 notes checked, 6 problems"),
        "{}",
        run.stdout()
    );
}

#[test]
fn unreadable_settings_cannot_run() {
    let p = TestProject::empty();
    p.file(
        "opsbook.toml",
        "[project]\nname = \"x\"\n\n[site]\nouput = \"public\"\n",
    );
    let run = p.run(&["check"]);
    run.expect_code(2);
    let err = run.stderr();
    assert!(err.contains("unknown field `ouput`"), "{err}");
    assert!(err.contains("opsbook.toml:5:1"), "{err}");

    let none = TestProject::empty();
    let run = none.run(&["check"]);
    run.expect_code(2);
    run.expect_stderr("no opsbook.toml");
}

#[test]
fn the_project_is_found_from_a_subfolder() {
    let p = TestProject::fixture("valid");
    let run = crate::support::opsbook()
        .arg("-C")
        .arg(p.join("content/incidents"))
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
}

#[test]
fn an_unreadable_note_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let p = TestProject::fixture("valid");
    p.file(
        "content/faq/locked.md",
        "+++\nid = \"FAQ-012\"\nquestion = \"q\"\n+++\n",
    );
    let path = p.join("content/faq/locked.md");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        eprintln!("SKIPPED: running as root, permissions do not stop reads");
        return;
    }
    let run = p.run(&["check"]);
    run.expect_code(1);
    run.expect_stderr("content/faq/locked.md");
    run.expect_stderr("Permission denied");
}
