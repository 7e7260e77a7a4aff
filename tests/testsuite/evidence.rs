//! Inspections held against the machines' evidence: `opsbook check` and
//! `opsbook nightly` warn where a record contradicts the logs or the
//! verifications of its day, and `opsbook new inspection` fills items from
//! the evidence.

use crate::support::{MINIMAL_SETTINGS, TestProject};

/// The logs of three days: 1 December goes wrong in every way the
/// cross-check knows (a failed backup job, a failed exchange, a disk over
/// its 85 % threshold, 3 failed logins); 2 December goes well (1 failed
/// login); 3 December has no logs at all.
const LOGS: &str = concat!(
    r#"{"ts":"2025-12-01T01:00:00+08:00","level":"ERROR","host":"bk-01","service":"backup","event":"backup","set":"oa-files","status":"failed","msg":"rsync exited 23"}"#,
    "\n",
    r#"{"ts":"2025-12-01T01:10:00+08:00","level":"INFO","host":"bk-01","service":"backup","event":"backup","set":"oa-db","status":"ok","msg":"done"}"#,
    "\n",
    r#"{"ts":"2025-12-01T09:00:00+08:00","level":"INFO","host":"app-01","service":"monitor","event":"metric","cpu":40.0,"mem":50.0,"disk":91.5}"#,
    "\n",
    r#"{"ts":"2025-12-01T10:00:00+08:00","level":"ERROR","host":"ex-01","service":"exchange","event":"exchange","status":"failed","doc_id":"D-1","msg":"HTTP 502"}"#,
    "\n",
    r#"{"ts":"2025-12-01T10:30:00+08:00","level":"INFO","host":"ex-01","service":"exchange","event":"exchange","status":"ok","doc_id":"D-1","msg":"ok"}"#,
    "\n",
    r#"{"ts":"2025-12-01T08:00:00+08:00","level":"INFO","host":"app-01","service":"auth","event":"login","outcome":"success","user":"a"}"#,
    "\n",
    r#"{"ts":"2025-12-01T08:01:00+08:00","level":"WARN","host":"app-01","service":"auth","event":"login","outcome":"failure","user":"b"}"#,
    "\n",
    r#"{"ts":"2025-12-01T08:02:00+08:00","level":"WARN","host":"app-01","service":"auth","event":"login","outcome":"failure","user":"b"}"#,
    "\n",
    r#"{"ts":"2025-12-01T08:03:00+08:00","level":"WARN","host":"app-01","service":"auth","event":"login","outcome":"failure","user":"c"}"#,
    "\n",
    r#"{"ts":"2025-12-02T01:00:00+08:00","level":"INFO","host":"bk-01","service":"backup","event":"backup","set":"oa-files","status":"ok","msg":"done"}"#,
    "\n",
    r#"{"ts":"2025-12-02T09:00:00+08:00","level":"INFO","host":"app-01","service":"monitor","event":"metric","cpu":40.0,"mem":50.0,"disk":60.0}"#,
    "\n",
    r#"{"ts":"2025-12-02T10:00:00+08:00","level":"INFO","host":"ex-01","service":"exchange","event":"exchange","status":"ok","doc_id":"D-2","msg":"ok"}"#,
    "\n",
    r#"{"ts":"2025-12-02T08:00:00+08:00","level":"INFO","host":"app-01","service":"auth","event":"login","outcome":"success","user":"a"}"#,
    "\n",
    r#"{"ts":"2025-12-02T08:01:00+08:00","level":"WARN","host":"app-01","service":"auth","event":"login","outcome":"failure","user":"b"}"#,
    "\n",
);

/// A daily inspection of `date` with every item `ok`, and `text` as its
/// analysis. Line 9 holds the first item, then one item every 4 lines.
fn inspection(id: &str, date: &str, text: &str) -> String {
    format!(
        r#"+++
id = "{id}"
date = {date}
inspector = "张昊"
method = "remote"

[[checks]]
result = "ok"
item = "应用服务器CPU/内存/磁盘"

[[checks]]
result = "ok"
item = "公文交换接口状态"

[[checks]]
result = "ok"
item = "备份任务结果"

[[checks]]
result = "ok"
item = "数据库连接与表空间"
+++

## 检查内容

逐项检查。

## 巡检结果分析

{text}
"#
    )
}

fn project() -> TestProject {
    let p = TestProject::new();
    p.file("logs/all.jsonl", LOGS)
        .file(
            "content/inspections/251201-01.md",
            inspection("251201-01", "2025-12-01", "各项正常，失败登录 9 次。"),
        )
        .file(
            "content/inspections/251202-01.md",
            inspection("251202-01", "2025-12-02", "各项正常，失败登录 1 次。"),
        )
        .file(
            "content/inspections/251203-01.md",
            inspection("251203-01", "2025-12-03", "各项正常，失败登录 5 次。"),
        );
    p
}

/// The `file:line` and code of every warning in `check`'s output.
fn warnings(err: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut code = None;
    for line in err.lines() {
        if let Some(rest) = line.strip_prefix("warning[") {
            code = rest.split(']').next().map(str::to_string);
        } else if let (Some(place), Some(c)) = (line.trim().strip_prefix("--> "), &code) {
            let place: Vec<&str> = place.split(':').collect();
            out.push((format!("{}:{}", place[0], place[1]), c.clone()));
            code = None;
        }
    }
    out.sort();
    out
}

#[test]
fn each_kind_of_contradiction_is_reported_at_its_line() {
    let p = project();
    let run = p.run(&["--now", "2025-12-05", "check"]);
    run.expect_code(0);
    let file = "content/inspections/251201-01.md";
    let mut want: Vec<(String, String)> = [
        (9, "contradicts_metrics"),
        (13, "contradicts_exchange"),
        (17, "contradicts_backup_jobs"),
        (30, "count_differs_failed_logins"),
    ]
    .into_iter()
    .map(|(line, code)| (format!("{file}:{line}"), code.to_string()))
    .collect();
    want.sort();
    // 251202-01 agrees with its day, and 251203-01 has no evidence: neither
    // is reported.
    assert_eq!(warnings(&run.stderr()), want, "{}", run.stderr());
    let err = run.stderr();
    assert!(err.contains("app-01 disk 91.5%（阈值 85%）"), "{err}");
    assert!(err.contains("oa-files"), "{err}");
    assert!(err.contains("D-1"), "{err}");
    assert!(err.contains("count 3 failed logins"), "{err}");
}

#[test]
fn without_logs_nothing_is_reported() {
    let p = project();
    std::fs::remove_file(p.join("logs/all.jsonl")).unwrap();
    let run = p.run(&["--now", "2025-12-05", "check"]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("3 notes checked, 0 problems"),
        "{}",
        run.stdout()
    );
    assert_eq!(run.stderr(), "");
}

#[test]
fn a_project_can_change_the_mapping() {
    let p = project();
    // The backup item held against nothing; the database item against the
    // metrics.
    p.file(
        "schedules/evidence.toml",
        "[evidence.items]\n\"备份任务结果\" = []\n\"数据库连接与表空间\" = [\"metrics\"]\n",
    );
    let run = p.run(&["--now", "2025-12-05", "check"]);
    let codes: Vec<(String, String)> = warnings(&run.stderr());
    assert!(
        !codes.iter().any(|(_, c)| c == "contradicts_backup_jobs"),
        "{codes:?}"
    );
    assert!(
        codes.contains(&(
            "content/inspections/251201-01.md:21".into(),
            "contradicts_metrics".into()
        )),
        "{codes:?}"
    );
}

#[test]
fn a_bad_mapping_is_reported_at_its_line() {
    let p = project();
    p.file(
        "schedules/evidence.toml",
        "[evidence.items]\n\"备份任务结果\" = [\"backups\"]\n\n[evidence.counts]\nfailed_logins = [\"失败登录次数\"]\n",
    );
    let run = p.run(&["--now", "2025-12-05", "check"]);
    run.expect_code(1);
    let err = run.stderr();
    assert!(err.contains("schedules/evidence.toml:2:"), "{err}");
    assert!(err.contains("must hold `{n}` once"), "{err}");
    assert!(err.contains("schedules/evidence.toml:5:"), "{err}");
}

#[test]
fn a_failed_verification_contradicts_the_backup_item_of_its_day() {
    let p = project();
    p.file(
        "opsbook.toml",
        format!(
            "{MINIMAL_SETTINGS}\n[[backups]]\nname = \"oa-db\"\npath = \"backups/oa-db\"\nmin_count = 3\n"
        ),
    )
    .file("backups/oa-db/a.bin", "a")
    .file(
        "content/inspections/251204-01.md",
        inspection("251204-01", "2025-12-04", "各项正常。"),
    );
    p.run(&["--now", "2025-12-04T08:00:00+08:00", "verify"])
        .expect_code(1);
    let run = p.run(&["--now", "2025-12-05", "check"]);
    assert!(
        warnings(&run.stderr()).contains(&(
            "content/inspections/251204-01.md:17".into(),
            "contradicts_verification".into()
        )),
        "{}",
        run.stderr()
    );
}

#[test]
fn the_nightly_summary_lists_the_contradictions() {
    let p = project();
    let run = p.run(&["--now", "2025-12-05", "nightly", "--json", "summary.json"]);
    assert!(
        run.stdout()
            .contains("inspections that disagree with the machines' evidence:"),
        "{}",
        run.stdout()
    );
    let summary: serde_json::Value = serde_json::from_str(&p.read("summary.json")).unwrap();
    let problems = summary["check"]["problems"].as_array().unwrap();
    let found: Vec<(&str, u64, &str)> = problems
        .iter()
        .filter_map(|d| Some((d["file"].as_str()?, d["line"].as_u64()?, d["code"].as_str()?)))
        .collect();
    assert!(
        found.contains(&("content/inspections/251201-01.md", 17, "contradicts_backup_jobs")),
        "{found:?}"
    );
    assert_eq!(found.len(), 4, "{found:?}");
}
