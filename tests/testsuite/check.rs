//! `opsbook check` on fixture projects and on bad input.

use crate::support::TestProject;

/// Asserts that the diagnostics in `err` hold `message` at `place`
/// (`file:line:col`, or its start).
fn expect_at(err: &str, place: &str, message: &str) {
    let found = err
        .split("\n\n")
        .any(|block| block.contains(message) && block.contains(&format!("--> {place}")));
    assert!(found, "expected `{message}` at {place} in:\n{err}");
}

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
            "content/inspections/250313-01-missing.md:4:1",
            "missing required key `inspector`",
        ),
        (
            "content/inspections/250313-01-missing.md:4:1",
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
            "`method` cannot be `by phone`",
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
            "unknown key `resloved_at`",
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
            "content/vulnerabilities/VUL-250501-01.md:7:1",
            "`verified_at` is given without `fixed_at`",
        ),
        (
            "content/vulnerabilities/VUL-250501-01.md:8:12",
            "`audience` cannot be `secret`",
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
        ("content/stray.md:4:1", "cannot tell what kind of note this is"),
        ("schedules/extra.toml:4:8", "unknown note kind `weekly-reports`"),
    ];
    for (place, message) in expected {
        expect_at(&err, place, message);
    }
    assert!(
        run.stdout()
            .contains("17 notes checked, 21 problems (21 errors, 0 warnings)"),
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
        expect_at(&err, place, message);
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
    assert!(err.contains("unknown key `ouput` in [site]"), "{err}");
    assert!(err.contains("opsbook.toml:5:1"), "{err}");
    assert!(err.contains("help: did you mean `out`?"), "{err}");

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

/// A project with several mistakes in every file: its settings, its
/// schedule and each note. One run lists every one, each at its place.
#[test]
fn every_mistake_of_every_file_is_listed_in_one_run() {
    let p = TestProject::fixture("mistakes");
    let run = p.run(&["--now", "2025-06-30", "check"]);
    // The settings have errors: no other command could run with them.
    run.expect_code(2);
    let err = run.stderr();
    // The inspection of the misspelt key: its four mistakes, at their lines,
    // the misspelling once, as itself.
    for (place, message) in [
        ("content/inspections/2025/03/250311-01.md:3:8", "invalid date"),
        (
            "content/inspections/2025/03/250311-01.md:4:1",
            "unknown key `inspecter`",
        ),
        (
            "content/inspections/2025/03/250311-01.md:6:1",
            "unknown key `weather`",
        ),
        (
            "content/inspections/2025/03/250311-01.md:10:10",
            "`result` cannot be `good`",
        ),
    ] {
        expect_at(&err, place, message);
    }
    assert!(
        err.contains("help: did you mean `inspector` (a required key)?"),
        "{err}"
    );
    assert!(!err.contains("missing required key `inspector`"), "{err}");
    insta::assert_snapshot!(format!("{}\n{err}", run.stdout()));
}

/// `opsbook new` in a folder where git knows no name: the form as it comes
/// is refused, not published blank.
#[test]
fn an_untouched_form_from_new_is_refused() {
    let p = TestProject::new();
    let home = tempfile::tempdir().unwrap();
    for kind in ["incident", "inspection"] {
        let out = p
            .cmd(&["--now", "2025-03-11T10:00", "new", kind])
            .env("HOME", home.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    let run = p.run(&["--now", "2025-03-11T12:00", "check"]);
    run.expect_code(1);
    let err = run.stderr();
    for (place, message) in [
        (
            "content/incidents/INC-250311-01.md:3:9",
            "error: `title` is blank",
        ),
        (
            "content/incidents/INC-250311-01.md:",
            "error: `engineers` is still the placeholder `（填写姓名）`",
        ),
        (
            "content/inspections/2025/03/250311-01.md:",
            "error: `inspector` is still the placeholder",
        ),
        (
            "content/inspections/2025/03/250311-01.md:",
            "error: the sections `检查内容`, `巡检结果分析` have no text",
        ),
        // An open incident may wait for its analysis: a warning.
        (
            "content/incidents/INC-250311-01.md:",
            "warning: the sections `原因分析`, `处理方法`, `处理结果`, `预防措施` have no text",
        ),
    ] {
        expect_at(&err, place, message);
    }
}

/// A note dated after the run's day is an error; one outside the service
/// period, or filed under another name or folder, a warning.
#[test]
fn dates_and_places_a_reviewer_would_question() {
    let p = TestProject::new();
    let training = |id: &str, date: &str| {
        format!("+++\nid = \"{id}\"\ndate = {date}\ntopic = \"培训\"\ntrainer = \"张伟\"\n+++\n")
    };
    p.file(
        "content/trainings/TR-241230-01.md",
        training("TR-241230-01", "2024-12-30"),
    );
    p.file(
        "content/trainings/july.md",
        training("TR-250704-01", "2025-07-04"),
    );
    p.file(
        "content/incidents/TR-250705-01.md",
        training("TR-250705-01", "2025-07-05").replacen("+++\n", "+++\ntype = \"training\"\n", 1),
    );
    let run = p.run(&["--now", "2025-07-10", "check"]);
    run.expect_code(0);
    let err = run.stderr();
    for (place, message) in [
        (
            "content/trainings/TR-241230-01.md:3:8",
            "warning: the note is dated 2024-12-30, outside the service period 2025-01-01 – 2025-12-31",
        ),
        (
            "content/trainings/july.md",
            "warning: the file name `july.md` does not match the note's id `TR-250704-01`",
        ),
        (
            "content/incidents/TR-250705-01.md",
            "warning: a training note in the folder of incident notes",
        ),
    ] {
        expect_at(&err, place, message);
    }
    let run = p.run(&["--now", "2025-07-04T08:00", "check"]);
    run.expect_code(1);
    let err = run.stderr();
    assert!(
        err.contains("error: the note is dated 2025-07-05, after today (2025-07-04)"),
        "{err}"
    );
    assert!(err.contains("content/incidents/TR-250705-01.md:4:8"), "{err}");
}

/// Notes nested thousands deep, in each syntax a note is written in, are
/// refused at the line where they go too deep: reading them would cost
/// time out of proportion to their size. The rest of the project is
/// checked and built as usual.
#[test]
fn deeply_nested_notes_are_refused_at_their_line() {
    let n = 50_000;
    let faq = |id: &str, extra: &str, body: &str| {
        format!("+++\nid = \"{id}\"\nquestion = \"嵌套\"\n{extra}\n+++\n{body}")
    };
    let cases = [
        (
            "content/faq/yaml.md",
            format!(
                "---\nid: FAQ-101\nquestion: 嵌套\ntags: {}x{}\n---\n答案\n",
                "[".repeat(n),
                "]".repeat(n)
            ),
            ":4:",
            "YAML lists and mappings are nested more than 32 levels deep",
        ),
        (
            "content/faq/toml-arrays.md",
            faq(
                "FAQ-102",
                &format!("tags = {}1{}", "[".repeat(n), "]".repeat(n)),
                "答案\n",
            ),
            ":4:",
            "tables and lists are nested too deeply",
        ),
        (
            "content/faq/toml-tables.md",
            faq(
                "FAQ-103",
                &format!("x = {}1{}", "{a=".repeat(n), "}".repeat(n)),
                "答案\n",
            ),
            ":4:",
            "tables and lists are nested too deeply",
        ),
        (
            "content/faq/toml-keys.md",
            faq("FAQ-104", &format!("{}a = 1", "a.".repeat(n)), "答案\n"),
            // The parser does not say where: the front matter's first line.
            ":2",
            "tables and lists are nested too deeply",
        ),
        (
            "content/faq/html.md",
            faq("FAQ-105", "", &"<div>\n".repeat(2 * n)),
            // The 33rd `<div>`: the body starts on line 6.
            ":38:1",
            "HTML elements are nested more than 32 levels deep",
        ),
        (
            "content/faq/spans.md",
            faq("FAQ-106", "", &format!("答案 {}\n", "<span>".repeat(n))),
            ":6:",
            "HTML elements are nested more than 32 levels deep",
        ),
        (
            "content/faq/quotes.md",
            faq("FAQ-107", "", &format!("{}答案\n", "> ".repeat(n))),
            ":6:65",
            "blockquotes and lists are nested more than 32 levels deep",
        ),
        (
            "content/faq/lists.md",
            faq("FAQ-108", "", &format!("{}答案\n", "1. ".repeat(n))),
            ":6:97",
            "blockquotes and lists are nested more than 32 levels deep",
        ),
    ];
    let p = TestProject::fixture("valid");
    for (file, text, _, _) in &cases {
        p.file(file, text);
    }
    let run = p.run(&["check"]);
    run.expect_code(1);
    let err = run.stderr();
    for (file, _, place, message) in &cases {
        expect_at(&err, &format!("{file}{place}"), message);
    }
    // The other notes were read and found right; the deep ones were not
    // read any further than the depth.
    assert!(
        run.stdout()
            .contains(&format!("{} notes checked", 9 + cases.len())),
        "{}",
        run.stdout()
    );
    for block in err.split("\n\n").filter(|b| b.starts_with("error")) {
        assert!(cases.iter().any(|(file, ..)| block.contains(file)), "{block}");
    }
    let build = p.run(&["build"]);
    assert_eq!(build.code(), 1, "{}", build.stderr());
}

mod accepted_values {
    use proptest::prelude::*;

    use crate::support::{MINIMAL_SETTINGS, TestProject};

    /// Durations as people might write them, small and huge.
    fn duration() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{1,6}[smhdw]",
            "[0-9]{1,3}[dw][0-9]{1,3}[hm]",
            "(36500d|5214w|876000h|36499d23h59m59s|1s|0s)",
            "[0-9]{7,15}[smhdw]",
        ]
    }

    fn project(grace: &str, limit: &str, max_age: &str, timeout: &str, recent: &str) -> TestProject {
        let p = TestProject::new();
        p.file(
            "opsbook.toml",
            format!(
                "{MINIMAL_SETTINGS}\n[logs]\npending_after = \"{limit}\"\nrecent = \"{recent}\"\n\n[[backups]]\nname = \"db\"\npath = \"backups/db\"\nmax_age = \"{max_age}\"\nretain = \"{max_age}\"\n\n[verify]\nrestore_timeout = \"{timeout}\"\n"
            ),
        );
        p.file("backups/db/db-20250301.sql", "-- Dump completed\n");
        p.file(
            "schedules/contract.toml",
            format!(
                "[[obligation]]\nname = \"日巡检\"\nevery = \"day\"\nkind = \"inspections\"\ngrace = \"{grace}\"\n\n[sla]\ngeneral_resolve = \"{limit}\"\nfaq_after_resolve = \"{limit}\"\nvuln_high_fix = \"{limit}\"\nupgrade_window = \"{limit}\"\n"
            ),
        );
        p.file(
            "content/incidents/INC-250311-01.md",
            "+++\nid = \"INC-250311-01\"\ntitle = \"接口超时\"\nseverity = \"general\"\nreported_at = 2025-03-11T09:20:00\nresolved_at = 2025-03-11T10:05:00\nengineers = [\"张伟\"]\n+++\n\n## 原因分析\n\n证书过期。\n",
        );
        p
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever durations `check` accepts, `build` and `nightly` run
        /// with them to their end: they may find problems, never crash.
        #[test]
        fn build_and_nightly_run_with_whatever_check_accepts(
            grace in duration(),
            limit in duration(),
            max_age in duration(),
            timeout in duration(),
            recent in duration(),
        ) {
            let p = project(&grace, &limit, &max_age, &timeout, &recent);
            let check = p.run(&["--now", "2025-12-31T23:00", "check"]);
            prop_assert!(matches!(check.code(), 0..=2), "check: {}", check.stderr());
            if check.code() == 0 {
                for command in ["build", "nightly"] {
                    let run = p.run(&["--now", "2025-12-31T23:00", command]);
                    prop_assert!(matches!(run.code(), 0 | 1), "{command} exited {}: {}", run.code(), run.stderr());
                }
            } else {
                prop_assert!(check.stderr().contains("opsbook.toml:") || check.stderr().contains("schedules/contract.toml:"), "{}", check.stderr());
            }
        }
    }
}

/// A note with a hundred thousand wrong keys, or as many broken lines: the
/// first problems are listed at their lines and the rest counted, so that
/// neither the output nor the work grows with the square of the file.
#[test]
fn a_note_of_many_mistakes_is_summed_up() {
    let p = TestProject::new();
    let keys: String = (0..100_000).map(|i| format!("k{i} = 1\n")).collect();
    p.file(
        "content/faq/FAQ-001.md",
        format!("+++\nid = \"FAQ-001\"\nquestion = \"问\"\n{keys}+++\n答\n"),
    );
    let broken: String = (0..100_000).map(|i| format!("k{i} = = 1\n")).collect();
    p.file(
        "content/faq/FAQ-002.md",
        format!("+++\nid = \"FAQ-002\"\nquestion = \"问\"\n{broken}+++\n答\n"),
    );
    let run = p.run(&["check"]);
    run.expect_code(1);
    let err = run.stderr();
    assert!(err.contains("content/faq/FAQ-001.md:4:1"), "{}", &err[..2000]);
    assert!(
        err.contains("… and 99950 more problems in this file, not listed"),
        "{}",
        &err[err.len().saturating_sub(2000)..]
    );
    assert_eq!(err.matches("content/faq/FAQ-001.md:").count(), 50);
    assert_eq!(err.matches("content/faq/FAQ-002.md:").count(), 50);
    assert_eq!(err.matches("more problems in this file").count(), 2);
}

/// A theme that is not there is a warning; one whose templates a build
/// could not compile is an error, found by `check` before a build.
#[test]
fn the_theme_a_build_would_use_is_checked() {
    let p = TestProject::fixture("valid");
    p.file(
        "opsbook.toml",
        format!("{}\n[site]\ntheme = \"gov\"\n", p.read("opsbook.toml")),
    );
    let run = p.run(&["check"]);
    run.expect_code(0);
    expect_at(
        &run.stderr(),
        "opsbook.toml:",
        "warning: there is no theme folder themes/gov: the built-in theme is used",
    );
    p.file("themes/gov/templates/base.html", "{% if %}broken");
    let run = p.run(&["check"]);
    run.expect_code(1);
    expect_at(
        &run.stderr(),
        "opsbook.toml:",
        "error: the theme `gov` cannot be used",
    );
    assert!(run.stderr().contains("base.html"), "{}", run.stderr());
}
