//! The example project at the repository's root, which the README's first
//! command runs: these tests keep it valid, and nothing more. Every other
//! test works on `tests/fixtures/` (the example's notes, logs and backups are
//! frozen there as `tests/fixtures/example`), so the example can be edited
//! freely as long as it stays a clean project.

use crate::support::{TestProject, copy_dir, repository_dir};

/// A copy of the example project, so that runs write nothing into the
/// repository.
fn copy() -> TestProject {
    let p = TestProject::empty();
    let root = repository_dir();
    std::fs::copy(root.join("opsbook.toml"), p.join("opsbook.toml")).unwrap();
    for part in ["schedules", "content", "backups", "logs", "themes"] {
        if root.join(part).is_dir() {
            copy_dir(&root.join(part), &p.join(part));
        }
    }
    p
}

/// Clean, but for the one record the example keeps untrue on purpose, to
/// show the cross-check: 251231-01 says the backups were fine and counts 36
/// failed logins, where that day's logs show a failed backup job and 7.
#[test]
fn the_example_project_checks_clean() {
    let run = copy().run(&["check"]);
    run.expect_code(0);
    let err = run.stderr();
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(
        warnings,
        [
            "warning[contradicts_backup_jobs]: `备份任务结果` is marked ok, but the backup jobs of 2025-12-31 show a failure: oa-files 成功 0 次，失败 1 次，其他 1 次",
            "warning[count_differs_failed_logins]: the record says `失败登录 36 次`, but the logs of 2025-12-31 count 7 failed logins",
        ],
        "{err}"
    );
    assert!(!err.contains("error"), "{err}");
}

#[test]
fn the_example_projects_year_ends_with_every_obligation_met() {
    // After the service period: its last days' log alerts are history, and
    // every obligation is decided.
    let run = copy().run(&["--now", "2026-01-10", "nightly", "--json", "-"]);
    run.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v["obligations"]["missed"], serde_json::json!([]));
    assert_eq!(v["verify"]["ok"], true, "{:#}", v["verify"]);
    assert_eq!(v["build"]["ok"], true);
}
