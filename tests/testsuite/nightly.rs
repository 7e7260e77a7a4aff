//! `opsbook nightly` on the fixture project `tests/fixtures/nightly`, which
//! has a fault in every stage: a note that does not load, a malformed log
//! line and alerts, a backup file that no longer matches its manifest, a missed day of inspection, SLA breaches of
//! every kind of note, and a theme whose template does not compile.

use crate::support::TestProject;

/// The fixture's clock: the morning after the last inspection.
const NOW: &str = "2025-03-09T08:00:00";

fn nightly(p: &TestProject, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["--now", NOW, "nightly"];
    args.extend_from_slice(extra);
    p.run(&args)
}

/// The JSON written to stdout, with the wall-clock times of the run and
/// the modification times of log and backup files (the fixture's copy time)
/// redacted.
fn json_of(run: &crate::support::Run) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout()));
    for key in ["started_at", "finished_at"] {
        let t = v[key].as_str().expect(key);
        assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{key}: {t}");
        v[key] = "[time]".into();
    }
    for file in v["logs"]["files"].as_array_mut().into_iter().flatten() {
        file["modified"] = "[mtime]".into();
    }
    for set in v["verify"]["sets"].as_array_mut().into_iter().flatten() {
        set["newest"] = "[mtime]".into();
        for record in set["records"].as_array_mut().into_iter().flatten() {
            record["modified"] = "[mtime]".into();
        }
    }
    v
}

#[test]
fn every_stage_reports_its_faults() {
    let p = TestProject::fixture("nightly");
    let run = nightly(&p, &["--json", "-"]);
    // Every stage ran but the build, which could not: exit 2.
    run.expect_code(2);
    insta::assert_snapshot!(serde_json::to_string_pretty(&json_of(&run)).unwrap());

    // The summary went to stderr, since the JSON owns stdout.
    let err = run.stderr();
    assert!(err.contains("INC-250306-01.md:4:12"), "{err}");
    assert!(err.contains("软件巡检报告: 2025-03-04"), "{err}");
    assert!(
        err.contains("failed: check, logs, verify, obligations; could not run: build\n"),
        "{err}"
    );
    assert!(
        err.contains("needs attention (exit 2: a stage could not run)"),
        "{err}"
    );
    // No portal: its theme does not compile.
    assert!(!p.join("site").exists());
}

#[test]
fn a_broken_note_still_gets_a_portal_that_shows_it() {
    let p = TestProject::fixture("nightly");
    let settings = p.read("opsbook.toml").replace("theme = \"broken\"", "");
    p.file("opsbook.toml", settings);
    let run = nightly(&p, &[]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.contains("build        ok"), "{out}");
    assert!(
        out.contains("passed: build; warnings: sla; failed: check, logs, verify, obligations\n"),
        "{out}"
    );
    // The client's portal has the notes that loaded, and the broken one as
    // a record being corrected, which the summary names.
    assert!(p.join("site/incidents/INC-250305-01.html").is_file());
    assert!(p.read("site/incidents/INC-250306-01.html").contains("更正中"));
    assert!(
        out.contains("shown in the client's portal as being corrected"),
        "{out}"
    );

    // The portal shows what this run's stages found: the verification, the
    // logs' alerts, the missed day and the SLA breaches.
    let backups = p.read("site/backups/index.html");
    assert!(backups.contains(r#"data-kind="digest_mismatch""#), "{backups}");
    assert!(backups.contains("archive-20250308.txt"), "{backups}");
    assert!(p.read("site/logs/index.html").contains("GW-2025-0308-01"));
    let dashboard = p.read("site/index.html");
    assert!(
        dashboard.contains("<title>2025-03-04 · 未完成</title>"),
        "{dashboard}"
    );
    assert!(dashboard.contains(r#"<td class="late">"#), "{dashboard}");
}

#[test]
fn a_failed_build_keeps_the_previous_site() {
    let p = TestProject::fixture("nightly");
    p.file("site/index.html", "yesterday's portal");
    // The build could not run (its theme does not compile): exit 2.
    nightly(&p, &[]).expect_code(2);
    assert_eq!(p.read("site/index.html"), "yesterday's portal");
}

#[test]
fn sla_breaches_fail_only_with_strict() {
    // The fixture without its faults of check, logs, backups, schedule and theme.
    let p = TestProject::fixture("nightly");
    std::fs::remove_dir_all(p.join("logs")).unwrap();
    let manifest = p.run(&["manifest", "backups/files"]);
    manifest.expect_code(0);
    p.file("backups/files/B3SUMS", manifest.stdout());
    p.file(
        "opsbook.toml",
        p.read("opsbook.toml").replace("theme = \"broken\"", ""),
    );
    std::fs::remove_file(p.join("content/incidents/INC-250306-01.md")).unwrap();
    p.file(
        "content/inspections/250304-01.md",
        p.read("content/inspections/250305-01.md")
            .replace("03-05", "03-04")
            .replace("250305", "250304"),
    );

    let run = nightly(&p, &[]);
    run.expect_code(0);
    let out = run.stdout();
    assert!(out.contains("sla          warning"), "{out}");
    // The breaches are listed, and the verdict does not call that all well.
    assert!(
        out.contains("SLA breaches (with --strict they fail the run):\n  INC-"),
        "{out}"
    );
    assert!(!out.contains("all well"), "{out}");
    assert!(
        out.contains("passed: check, verify, obligations, build; skipped: logs; warnings: sla\n"),
        "{out}"
    );
    assert!(out.contains("passed with warnings (exit 0)"), "{out}");

    let run = nightly(&p, &["--strict", "--json", "-"]);
    run.expect_code(1);
    let v = json_of(&run);
    assert_eq!(v["ok"], false);
    assert_eq!(v["strict"], true);
    assert_eq!(v["sla"]["breaches"].as_array().unwrap().len(), 5);
    run.expect_stderr("failed: sla\n");
    run.expect_stderr("SLA breaches:\n  INC-");
}

#[test]
fn junit_has_one_suite_per_stage() {
    let p = TestProject::fixture("nightly");
    let junit = p.join("reports/nightly.xml");
    let json = p.join("reports/nightly.json");
    let run = nightly(
        &p,
        &[
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    );
    run.expect_code(2);
    // With the JSON in a file, the summary is on stdout.
    assert!(
        run.stdout().contains("opsbook nightly at 2025-03-09 08:00"),
        "{}",
        run.stdout()
    );
    let written: serde_json::Value = serde_json::from_str(&p.read("reports/nightly.json")).unwrap();
    assert_eq!(written["ok"], false);

    let xml = std::fs::read_to_string(&junit).unwrap();
    for suite in ["check", "logs", "verify", "obligations", "sla", "build"] {
        assert_eq!(
            xml.matches(&format!("<testsuite name=\"{suite}\"")).count(),
            1,
            "{suite}\n{xml}"
        );
    }
    let cases = crate::support::junit_cases(&xml);
    let case = |classname: &str, name: &str| {
        cases
            .iter()
            .find(|c| c.classname == classname && c.name == name)
            .unwrap_or_else(|| panic!("no case {classname} {name}: {cases:#?}"))
    };
    assert_eq!(
        case("check", "content/incidents/INC-250306-01.md").outcome,
        "failure"
    );
    let missed = case("obligations", "软件巡检报告");
    assert_eq!(
        (missed.outcome, missed.message.as_str()),
        ("failure", "1 period(s) missed")
    );
    let file = case("backups.archives", "archive-20250308.txt");
    assert_eq!((file.outcome, file.kind.as_str()), ("failure", "digest_mismatch"));
    let portal = case("build", "portal");
    assert_eq!(portal.outcome, "error");
    assert!(portal.message.starts_with("theme: syntax error"), "{portal:?}");
    // Without --strict an SLA breach is reported but does not fail its case.
    assert!(!xml.contains("breach(es)\">"), "{xml}");
    assert!(xml.contains("not failing without --strict"), "{xml}");
}

#[test]
fn the_example_project_is_complete() {
    let p = TestProject::example();
    // Ten days after the service period: its last days' log alerts are no
    // longer recent, and open items are measured to the period's end.
    let run = p.run(&["--now", "2026-01-10", "nightly", "--json", "-"]);
    run.expect_code(0);
    let v = json_of(&run);
    assert_eq!(v["obligations"]["missed"], serde_json::json!([]));
    for ob in v["obligations"]["obligations"].as_array().unwrap() {
        assert_eq!(ob["pending"], 0, "{ob}");
        assert!(ob["met"].as_u64().unwrap() >= 4, "{ob}");
    }
    assert_eq!(v["check"]["ok"], true);
    assert_eq!(v["build"]["ok"], true);
}

#[test]
fn without_settings_it_cannot_run() {
    let p = TestProject::empty();
    let run = p.run(&["nightly"]);
    run.expect_code(2);
    run.expect_stderr("opsbook init");
}

#[test]
fn output_paths_are_relative_to_the_project_folder_given_with_dash_c() {
    let p = TestProject::fixture("valid");
    let run = crate::support::opsbook()
        .arg("-C")
        .arg(p.path())
        .args([
            "--now",
            "2025-04-01",
            "nightly",
            "--json",
            "summary.json",
            "--junit",
            "out/junit.xml",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(p.join("summary.json").is_file());
    assert!(p.join("out/junit.xml").is_file());
}

#[test]
fn the_summary_names_every_stage_and_lists_what_failed() {
    let p = TestProject::fixture("nightly");
    let run = nightly(&p, &[]);
    run.expect_code(2);
    let out = run.stdout();
    // No leading blank line; the run's own time is its only varying part.
    assert!(out.starts_with("opsbook nightly at 2025-03-09 08:00"), "{out:?}");
    let took = regex::Regex::new(r"took \d+\.\d\d s\n$").unwrap();
    assert!(took.is_match(&out), "{out}");
    insta::with_settings!({filters => vec![(r"took \d+\.\d\d s", "took [time]")]}, {
        insta::assert_snapshot!(out, @r"
        opsbook nightly at 2025-03-09 08:00 (Asia/Shanghai)
          check        failed         13 notes checked, 2 problems (2 errors, 0 warnings)
          logs         failed         1 log file (1 read whole): 4 lines, 612 B read; 1 malformed line, 2 alerts
          verify       failed         1 set, 3 files, 3 read this run: 1 error, 1 warning
          obligations  failed         2 obligations over 2025-03-01 to 2025-03-31: 7 periods met, 1 missed, 24 pending
          sla          warning        5 breaches in 7 decided outcomes
          build        could not run  theme: syntax error: unexpected end of block (in index.html:2); the previous site is kept

        missed obligations:
          软件巡检报告: 2025-03-04

        SLA breaches (with --strict they fail the run):
          INC-250305-01 general_resolve: 2h30m against 2h (content/incidents/INC-250305-01.md)
          INC-250307-01 major_resolve: 1d23h against 8h (content/incidents/INC-250307-01.md)
          UP-250306-01 upgrade_window: 1h30m against 1h (content/upgrades/UP-250306-01.md)
          UP-250306-01 upgrade_tested_percent: 75% against 80% (content/upgrades/UP-250306-01.md)
          VUL-250301-01 vuln_high_fix: 7d22h against 7d (content/vulnerabilities/VUL-250301-01.md)

        log alerts:
          2025-03-08  exchange_failed   GW-2025-0308-01: 1 time at 2025-03-08 10:00
          2025-03-08  fatal             exchange: 1 (limit 1)

        warnings: sla; failed: check, logs, verify, obligations; could not run: build
        needs attention (exit 2: a stage could not run), took [time]
        ");
    });
}

#[test]
fn quiet_prints_only_what_needs_a_person() {
    let p = TestProject::fixture("nightly");
    let run = nightly(&p, &["--quiet"]);
    run.expect_code(2);
    let out = run.stdout();
    // The failing stages and their lists, never the table of every stage.
    assert!(out.contains("  obligations  failed"), "{out}");
    assert!(
        out.contains("missed obligations:\n  软件巡检报告: 2025-03-04\n"),
        "{out}"
    );
    assert!(
        out.contains("log alerts:\n  2025-03-08  exchange_failed   GW-2025-0308-01"),
        "{out}"
    );
    assert!(
        out.contains("needs attention (exit 2: a stage could not run)"),
        "{out}"
    );
    assert!(!out.contains("opsbook nightly at"), "{out}");
    assert!(!out.contains("sla "), "{out}");
    // The broken note's error is on stderr, as without --quiet.
    run.expect_stderr("INC-250306-01.md:4:12");

    // A clean run says nothing.
    let clean = TestProject::empty();
    clean
        .run(&["--now", "2025-03-11", "init", clean.path().to_str().unwrap()])
        .expect_code(0);
    let run = clean.run(&["--now", "2025-03-12T08:00:00", "nightly", "--quiet"]);
    assert_eq!((run.code(), run.stdout().as_str()), (0, ""), "{}", run.stderr());
}

#[test]
fn problems_are_printed_check_then_logs_then_backups() {
    // The stages run side by side; what they print keeps one order.
    let p = TestProject::fixture("nightly");
    let run = nightly(&p, &[]);
    run.expect_code(2);
    let err = run.stderr();
    let at = |text: &str| err.find(text).unwrap_or_else(|| panic!("no {text:?} in\n{err}"));
    let (note, log, backup) = (
        at("`severity` cannot be `huge`"),
        at("malformed log line"),
        at("digest_mismatch"),
    );
    assert!(note < log && log < backup, "{err}");
}
