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

/// The front matter of a note, as TOML.
fn front(text: &str) -> toml::Table {
    let front = text.split("+++").nth(1).unwrap();
    toml::from_str(front).unwrap()
}

/// `item → (result, note)` of a note's checks.
fn checks(front: &toml::Table) -> Vec<(String, String, Option<String>)> {
    front["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["item"].as_str().unwrap().to_string(),
                c["result"].as_str().unwrap().to_string(),
                c.get("note").and_then(|n| n.as_str()).map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn a_new_inspection_is_filled_from_the_evidence_of_its_day() {
    let p = project();
    p.run(&["--now", "2025-12-05", "new", "inspection", "--date", "2025-12-01"])
        .expect_code(0);
    let text = p.read("content/inspections/2025/12/251201-02.md");
    let found = checks(&front(&text));
    let get = |item: &str| found.iter().find(|c| c.0 == item).unwrap().clone();
    let (_, result, note) = get("应用服务器CPU/内存/磁盘");
    assert_eq!(result, "fail");
    assert_eq!(note.as_deref(), Some("app-01 disk 91.5%（阈值 85%）"));
    let (_, result, note) = get("公文交换接口状态");
    assert_eq!(result, "fail");
    assert_eq!(note.as_deref(), Some("D-1 交换失败 1 次"));
    let (_, result, note) = get("备份任务结果");
    assert_eq!(result, "fail");
    let note = note.unwrap();
    assert!(
        note.starts_with("oa-files 成功 0 次，失败 1 次；oa-db 成功 1 次"),
        "{note}"
    );
    // No evidence speaks to it: left to the engineer.
    assert_eq!(get("数据库连接与表空间").1, "na");
    // What came from the evidence says so, for the engineer to confirm.
    assert!(
        text.contains("# 据备份任务日志、备份校验预填，核实后删除本行"),
        "{text}"
    );
    assert!(
        text.contains("日志统计：失败登录 3 次，交换失败 1 件。"),
        "{text}"
    );

    // A day that went well is filled `ok`, and the record agrees with its
    // evidence.
    p.run(&["--now", "2025-12-05", "new", "inspection", "--date", "2025-12-02"])
        .expect_code(0);
    let found = checks(&front(&p.read("content/inspections/2025/12/251202-02.md")));
    for item in ["应用服务器CPU/内存/磁盘", "公文交换接口状态", "备份任务结果"] {
        let c = found.iter().find(|c| c.0 == item).unwrap();
        assert_eq!(c.1, "ok", "{c:?}");
    }
    // Until the engineer confirms the values, check says so at each line
    // filled from the evidence; it finds no contradiction.
    let file = "content/inspections/2025/12/251202-02.md";
    let run = p.run(&["--now", "2025-12-05", "check"]);
    let mine: Vec<(String, String)> = warnings(&run.stderr())
        .into_iter()
        .filter(|(place, _)| place.starts_with(file))
        .collect();
    assert!(!mine.is_empty(), "{}", run.stderr());
    assert!(
        mine.iter().all(|(_, code)| code == "unconfirmed_evidence"),
        "{mine:?}"
    );
    // Confirmed: the markers removed, the record is clean.
    let text = p.read(file);
    let confirmed: String = text
        .lines()
        .filter(|l| !l.contains("核实后删除本行"))
        .map(|l| format!("{l}\n"))
        .collect();
    p.file(file, confirmed);
    let run = p.run(&["--now", "2025-12-05", "check"]);
    assert!(!run.stderr().contains(file), "{}", run.stderr());
}

#[test]
fn the_evidence_report_as_json() {
    let p = project();
    let run = p.run(&[
        "--now",
        "2025-12-05",
        "new",
        "inspection",
        "--date",
        "2025-12-02",
        "--from-evidence",
        "--json",
    ]);
    run.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let backup = &v["items"][4];
    assert_eq!(backup["item"], "备份任务结果");
    insta::assert_snapshot!(serde_json::to_string_pretty(backup).unwrap(), @r#"
    {
      "findings": [
        {
          "date": "2025-12-02",
          "detail": "bk-01 ok: done",
          "source": "backup_jobs",
          "status": "ok",
          "subject": "oa-files",
          "value": "成功 1 次"
        }
      ],
      "item": "备份任务结果",
      "note": "oa-files 成功 1 次",
      "result": "ok",
      "sources": [
        "backup_jobs",
        "verification"
      ]
    }
    "#);
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    insta::assert_snapshot!(format!("{keys:?}"), @r#"["exchange_failed", "failed_logins", "findings", "from", "items", "logs", "to"]"#);
    // Nothing was written.
    assert!(!p.join("content/inspections/2025").exists());
}

#[test]
fn the_record_page_says_what_disagreed_with_the_evidence() {
    let p = project();
    p.run(&["--now", "2025-12-05", "build"]).expect_code(0);
    let page = p.read("site/inspections/251201-01.html");
    for line in [
        "备份任务结果：记录为正常，备份任务日志显示异常",
        "公文交换接口状态：记录为正常，公文交换日志显示异常",
        "应用服务器CPU/内存/磁盘：记录为正常，服务器监控指标显示异常",
        "失败登录次数：记录的数字与日志统计不一致",
    ] {
        assert!(page.contains(line), "{line} in:\n{page}");
    }
    // The client reads what disagreed, not the machines' values.
    for detail in ["91.5%", "rsync exited 23", "D-1", "日志 3"] {
        assert!(!page.contains(detail), "{detail} in:\n{page}");
    }
    let agrees = "本记录已与当日监控、日志及备份校验记录核对，未发现不一致。";
    assert!(p.read("site/inspections/251202-01.html").contains(agrees));
    // No evidence that day: nothing is claimed.
    assert!(
        !p.read("site/inspections/251203-01.html")
            .contains("class=\"evidence\"")
    );

    p.run(&["--now", "2025-12-05", "build", "--audience", "internal"])
        .expect_code(0);
    let page = p.read("site/inspections/251201-01.html");
    for detail in [
        "服务器监控指标：app-01 disk 91.5%（阈值 85%）",
        "rsync exited 23",
        "失败登录次数：记录 9，日志 3",
    ] {
        assert!(page.contains(detail), "{detail} in:\n{page}");
    }
}
