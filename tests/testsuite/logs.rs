//! `opsbook logs` on projects with known logs.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::Write as _;

use serde_json::Value;

use crate::support::{MINIMAL_SETTINGS, Run, TestProject};

/// Runs `opsbook logs --json -` (with `args` before it) and parses the report.
fn ingest(p: &TestProject, args: &[&str]) -> (Run, Value) {
    let mut all = args.to_vec();
    all.extend(["logs", "--json", "-"]);
    let run = p.run(&all);
    let json = serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("{e}\n--- stdout\n{}\n--- stderr\n{}", run.stdout(), run.stderr()));
    (run, json)
}

fn day<'a>(report: &'a Value, date: &str) -> &'a Value {
    report["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == date)
        .unwrap_or_else(|| panic!("no day {date} in {:#}", report["days"]))
}

fn rules_of(day: &Value) -> Vec<(String, String)> {
    day["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().unwrap().to_string(),
                a["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A day of an office platform's logs, with counts known by construction.
const APP: &str = r#"{"ts":"2025-12-01T08:00:00+08:00","level":"INFO","host":"app-01","service":"oa-web","msg":"started"}
{"ts":"2025-12-01T09:00:00+08:00","level":"ERROR","host":"app-01","service":"oa-web","msg":"timeout after 3012 ms calling 10.2.0.15:8443"}
{"ts":"2025-12-01T09:30:00+08:00","level":"ERROR","host":"app-02","service":"oa-web","msg":"timeout after 87 ms calling 10.2.0.16:8443"}
{"ts":"2025-12-01T09:40:00+08:00","level":"error","host":"app-02","service":"oa-web","msg":"timeout after 5 ms calling 10.2.0.17:8443"}
{"ts":"2025-12-01T10:00:00+08:00","level":"WARN","host":"app-01","service":"oa-web","msg":"slow request 2300 ms"}
{"ts":"2025-12-01T10:05:00+08:00","level":"FATAL","host":"ofd-01","service":"ofd-convert","msg":"out of memory converting DOC-20251201-0042"}
{"ts":"2025-12-01T11:00:00+08:00","level":"INFO","host":"ex-01","service":"exchange","event":"exchange","status":"ok","doc_id":"D-1"}
{"ts":"2025-12-01T11:10:00+08:00","level":"ERROR","host":"ex-01","service":"exchange","event":"exchange","status":"failed","doc_id":"D-2","msg":"city gateway returned 502"}
{"ts":"2025-12-01T11:20:00+08:00","level":"ERROR","host":"ex-01","service":"exchange","event":"exchange","status":"failed","doc_id":"D-2","msg":"city gateway returned 503"}
{"ts":"2025-12-01T12:00:00+08:00","level":"INFO","host":"db-01","service":"monitor","event":"metric","cpu":41.5,"mem":62,"disk":86.5}
{"ts":"2025-12-01T12:30:00+08:00","level":"INFO","host":"db-01","service":"monitor","event":"metric","cpu":77,"mem":64,"disk":84}
{"ts":"2025-12-01T12:30:00+08:00","level":"INFO","host":"app-01","service":"monitor","event":"metric","cpu":95,"mem":50,"disk":40}
{"ts":"2025-12-01T02:00:00+08:00","level":"INFO","host":"db-01","service":"backup","event":"backup","set":"oa-db","status":"started"}
{"ts":"2025-12-01T02:20:00+08:00","level":"INFO","host":"db-01","service":"backup","event":"backup","set":"oa-db","status":"ok","msg":"done, 812 MB"}
{"ts":"2025-12-01T03:00:00+08:00","level":"ERROR","host":"db-01","service":"backup","event":"backup","set":"oa-files","status":"failed","msg":"no space left"}
"#;

/// Five failed logins of one user (the default rule's limit), two of
/// another, one success.
fn audit() -> String {
    let mut text = String::new();
    for (i, (user, host)) in [
        ("admin", "app-02"),
        ("admin", "app-02"),
        ("admin", "app-01"),
        ("admin", "app-02"),
        ("admin", "app-02"),
        ("lina", "app-01"),
        ("lina", "app-01"),
    ]
    .iter()
    .enumerate()
    {
        writeln!(
            text,
            r#"{{"ts":"2025-12-01T14:0{i}:00+08:00","level":"WARN","host":"{host}","service":"auth","event":"login","outcome":"failure","user":"{user}"}}"#
        )
        .unwrap();
    }
    text.push_str(r#"{"ts":"2025-12-01T15:00:00+08:00","level":"INFO","host":"app-01","service":"auth","event":"login","outcome":"success","user":"lina"}"#);
    text.push('\n');
    text
}

fn office() -> TestProject {
    let p = TestProject::new();
    p.file("logs/app.jsonl", APP)
        .file("logs/audit/auth.jsonl", audit());
    p
}

#[test]
fn a_day_adds_up_to_its_known_counts() {
    let p = office();
    let (run, r) = ingest(&p, &["--now", "2025-12-01T18:00:00+08:00"]);
    run.expect_code(1);
    assert_eq!(r["lines"], 23);
    assert_eq!(r["malformed_count"], 0);
    let d = day(&r, "2025-12-01");
    assert_eq!(d["lines"], 23);
    assert_eq!(d["errors"], 7);
    assert_eq!(d["warnings"], 8);
    assert_eq!(d["failed_logins"], 7);
    assert_eq!(d["exchange_failed"], 2);
    assert_eq!(d["exchange_pending"], 0);

    let services = d["services"].as_array().unwrap();
    let web = services.iter().find(|s| s["service"] == "oa-web").unwrap();
    assert_eq!(
        web["levels"],
        serde_json::json!({"INFO": 1, "WARN": 1, "ERROR": 3})
    );

    // The three timeouts fold into one message; the example is the first.
    let top = &d["top_errors"][0];
    assert_eq!(top["pattern"], "timeout after <n> ms calling <ip>");
    assert_eq!(top["count"], 3);
    assert_eq!(top["example"], "timeout after 3012 ms calling 10.2.0.15:8443");
    assert_eq!(top["first"], "2025-12-01T09:00:00+08:00");

    assert_eq!(d["logins"]["succeeded"], 1);
    assert_eq!(
        d["logins"]["failed"][0],
        serde_json::json!({"user": "admin", "host": "app-02", "count": 4})
    );
    assert_eq!(d["exchange"]["failures"][0]["doc_id"], "D-2");
    assert_eq!(d["exchange"]["failures"][0]["count"], 2);
    assert_eq!(d["exchange"]["failures"][0]["msg"], "city gateway returned 503");

    let db = d["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["host"] == "db-01")
        .unwrap();
    assert_eq!(db["samples"], 2);
    assert_eq!(db["disk"]["peak"], 86.5);
    assert_eq!(db["disk"]["over"], true);
    assert_eq!(db["cpu"]["over"], false);

    let backups = d["backups"].as_array().unwrap();
    assert_eq!(
        (
            backups[0]["set"].as_str(),
            backups[0]["ok"].as_u64(),
            backups[0]["other"].as_u64()
        ),
        (Some("oa-db"), Some(1), Some(1))
    );
    assert_eq!(backups[1]["failed"], 1);

    let mut alerts = rules_of(d);
    alerts.sort();
    let want = [
        ("backup_failed", "oa-files"),
        ("cpu", "app-01"),
        ("disk", "db-01"),
        ("exchange_failed", "D-2"),
        ("failed_logins", "admin"),
        ("fatal", "ofd-convert"),
    ];
    assert_eq!(alerts, want.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[test]
fn the_table_shows_days_alerts_and_errors() {
    let p = office();
    let run = p.run(&["--now", "2025-12-01T18:00:00+08:00", "logs"]);
    run.expect_code(1);
    insta::assert_snapshot!(run.stdout());
}

#[test]
fn quiet_lists_the_alerts_that_fail_the_run() {
    let p = office();
    let run = p.run(&["--now", "2025-12-01T18:00:00+08:00", "logs", "--quiet"]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.starts_with("alerts:\n"), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("  2025-12-01  ")).count(),
        6,
        "{out}"
    );
    assert!(
        out.contains("  2025-12-01  backup_failed     oa-files: 1 time"),
        "{out}"
    );
    // Problems only: neither the table nor the closing count.
    assert!(!out.contains("failed logins"), "{out}");
    assert!(!out.contains("log file"), "{out}");

    // With the JSON on stdout they go to stderr.
    let run = p.run(&[
        "--now",
        "2025-12-01T18:00:00+08:00",
        "logs",
        "--quiet",
        "--json",
        "-",
    ]);
    run.expect_code(1);
    run.expect_stderr("  2025-12-01  fatal             ofd-convert");
    serde_json::from_str::<Value>(&run.stdout()).unwrap();

    // Once they are history, nothing fails and nothing is printed.
    let run = p.run(&["--now", "2025-12-20", "logs", "--quiet"]);
    assert_eq!((run.code(), run.stdout().as_str()), (0, ""));
}

#[test]
fn half_past_midnight_belongs_to_its_local_day() {
    let p = TestProject::new();
    p.file(
        "logs/edge.jsonl",
        concat!(
            r#"{"ts":"2025-12-01T00:30:00+08:00","level":"ERROR","msg":"a"}"#,
            "\n",
            r#"{"ts":"2025-11-30T16:30:00Z","level":"ERROR","msg":"b"}"#,
            "\n",
            r#"{"ts":"2025-11-30T23:59:59.999+08:00","level":"ERROR","msg":"c"}"#,
            "\n",
        ),
    );
    let (_, r) = ingest(&p, &[]);
    assert_eq!(day(&r, "2025-12-01")["errors"], 2);
    assert_eq!(day(&r, "2025-11-30")["errors"], 1);
    assert_eq!(r["days"].as_array().unwrap().len(), 2);
}

#[test]
fn the_project_timezone_decides_the_day() {
    let p = TestProject::new();
    p.file("opsbook.toml", format!("{MINIMAL_SETTINGS}timezone = \"UTC\"\n"));
    p.file(
        "logs/edge.jsonl",
        "{\"ts\":\"2025-12-01T00:30:00+08:00\",\"level\":\"INFO\"}\n",
    );
    let (_, r) = ingest(&p, &[]);
    assert_eq!(r["days"][0]["date"], "2025-11-30");
}

const MALFORMED: &str = concat!(
    r#"{"ts":"2025-12-01T08:00:00+08:00","level":"INFO"}"#,
    "\n",
    r#"{"ts":"2025-12-01T08:01:00+08:00","level":"INFO"}"#,
    "\n",
    r#"{"ts":"2025-12-01T08:02:00+08:00","level":"INFO""#,
    "\n",
    "\n",
    r#"{"level":"ERROR","msg":"no time"}"#,
    "\n",
    r#"{"ts":"2025-12-01T08:05:00+08:00","level":"INFO"}"#,
    "\n",
    r#"{"ts":"01/12/2025 08:06","level":"INFO"}"#,
    "\n",
    r#"{"ts":"2025-12-01T08:07:00+08:00","level":"INFO"}"#,
    "\n",
    "plain text, not JSON\n",
    r#"{"ts":"2025-12-01T08:09:00+08:00","level":"INFO"}"#,
);

#[test]
fn malformed_lines_are_listed_with_their_place_and_the_run_goes_on() {
    let p = TestProject::new();
    p.file("logs/app.jsonl", MALFORMED);
    let (run, r) = ingest(&p, &[]);
    run.expect_code(1);
    let places: Vec<(String, u64)> = r["malformed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["file"].as_str().unwrap().to_string(),
                m["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [3, 5, 7, 9].map(|l| ("logs/app.jsonl".to_string(), l));
    assert_eq!(places, want);
    assert_eq!(r["malformed_count"], 4);
    assert_eq!(r["lines"], 5);
    assert!(
        r["malformed"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    assert!(r["malformed"][1]["reason"].as_str().unwrap().contains("no `ts`"));
    assert!(
        r["malformed"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("01/12/2025 08:06")
    );
    let err = run.stderr();
    assert!(err.contains("logs/app.jsonl:3"), "{err}");
    assert!(err.contains("error: malformed log line"), "{err}");
}

#[test]
fn old_problems_are_listed_but_do_not_fail_the_run() {
    let p = TestProject::new();
    p.file("logs/app.jsonl", MALFORMED);
    p.file(
        "logs/metrics.jsonl",
        "{\"ts\":\"2025-12-01T08:00:00+08:00\",\"host\":\"db-01\",\"event\":\"metric\",\"disk\":99}\n",
    );
    // A clock long after the files were written and the disk peaked.
    let (run, r) = ingest(&p, &["--now", "2099-01-01"]);
    run.expect_code(0);
    assert_eq!(r["ok"], true);
    assert_eq!(r["malformed_count"], 4);
    assert_eq!(r["malformed"][0]["recent"], false);
    assert_eq!(
        rules_of(&r["days"][0]),
        [("disk".to_string(), "db-01".to_string())]
    );
    run.expect_stderr("warning: malformed log line");

    // On the day itself the disk alert fails the run.
    let (run, r) = ingest(&p, &["--now", "2025-12-01T20:00:00+08:00"]);
    run.expect_code(1);
    assert_eq!(r["days"][0]["recent"], true);
}

#[test]
fn long_lines_are_malformed_and_skipped() {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        format!("{MINIMAL_SETTINGS}\n[logs]\nmax_line = 1024\n"),
    );
    let long = format!(
        r#"{{"ts":"2025-12-01T08:00:00+08:00","msg":"{}"}}"#,
        "x".repeat(5000)
    );
    p.file(
        "logs/a.jsonl",
        format!("{long}\n{{\"ts\":\"2025-12-01T08:00:00+08:00\"}}\n{long}"),
    );
    let (_, r) = ingest(&p, &[]);
    assert_eq!(r["lines"], 1);
    assert_eq!(r["malformed"][0]["line"], 1);
    assert_eq!(r["malformed"][1]["line"], 3);
    assert_eq!(r["malformed"][0]["reason"], "longer than 1024 bytes");
}

/// `n` lines, one a minute from 08:00 on 2025-12-01 (the 10th an ERROR).
fn lines(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| {
            let level = if i % 10 == 9 { "ERROR" } else { "INFO" };
            format!(
                "{{\"ts\":\"2025-12-01T{:02}:{:02}:00+08:00\",\"level\":\"{level}\",\"service\":\"oa-web\",\"msg\":\"request {i} done\"}}\n",
                8 + i / 60 % 16,
                i % 60
            )
        })
        .collect()
}

fn zst(text: &str) -> Vec<u8> {
    zstd::encode_all(text.as_bytes(), 3).unwrap()
}

#[test]
fn compressed_logs_are_read() {
    let p = TestProject::new();
    p.file("logs/old/app.jsonl.zst", zst(&lines(0, 500)));
    let (run, r) = ingest(&p, &[]);
    run.expect_code(0);
    assert_eq!(r["lines"], 500);
    assert_eq!(r["files"][0]["file"], "logs/old/app.jsonl.zst");
    assert_eq!(day(&r, "2025-12-01")["errors"], 50);
}

#[test]
fn a_truncated_zst_is_reported_and_its_readable_part_counted() {
    let p = TestProject::new();
    // Many frames' worth of lines, cut in the middle.
    let text = lines(0, 20_000);
    let mut bytes = Vec::new();
    for part in text.as_bytes().chunks(64 * 1024) {
        bytes.extend(zstd::encode_all(part, 3).unwrap());
    }
    bytes.truncate(bytes.len() / 2);
    p.file("logs/app.jsonl.zst", bytes);
    let (run, r) = ingest(&p, &[]);
    run.expect_code(1);
    assert_eq!(r["problems"][0]["file"], "logs/app.jsonl.zst");
    assert_eq!(r["problems"][0]["kind"], "truncated");
    let read = r["lines"].as_u64().unwrap();
    assert!(read > 1000 && read < 20_000, "{read}");
    assert_eq!(r["malformed_count"], 0, "a cut last line is not a malformed one");
    run.expect_stderr("log file is cut short");
    // The result is kept: an unchanged damaged file is not read again, and
    // is still reported.
    let (run, again) = ingest(&p, &[]);
    run.expect_code(1);
    assert_eq!(again["bytes_read"], 0);
    assert_eq!(again["problems"][0]["kind"], "truncated");
    assert_eq!(again["lines"], read);
}

#[test]
fn a_corrupt_zst_is_reported() {
    let p = TestProject::new();
    let mut bytes = zst(&lines(0, 2000));
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 32] {
        *b ^= 0x5a;
    }
    p.file("logs/app.jsonl.zst", bytes);
    let (run, r) = ingest(&p, &[]);
    run.expect_code(1);
    assert_eq!(r["problems"][0]["kind"], "corrupt");
}

#[test]
fn a_zst_of_a_huge_run_of_newlines_stops_at_the_decode_bound() {
    // 4 KiB on disk, 128 MiB of newlines decoded.
    let p = TestProject::new();
    let bomb = crate::verify::rle_bomb(b'\n', 1024);
    p.file("logs/flood.jsonl.zst", &bomb);
    p.file("logs/app.jsonl.zst", zst(&lines(0, 10)));
    let (run, r) = ingest(&p, &[]);
    run.expect_code(1);
    let problems = r["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["file"], "logs/flood.jsonl.zst");
    assert_eq!(problems[0]["kind"], "corrupt");
    let detail = problems[0]["detail"].as_str().unwrap();
    assert!(detail.contains("raise [logs] max_ratio"), "{detail}");
    // Stopped at the bound, within one decoding buffer: max_ratio (1000) ×
    // the stored size, but never below 64 MiB.
    let bound = (1000 * bomb.len() as u64).max(64 << 20);
    let stopped = crate::verify::stopped_after(detail);
    assert!(
        stopped > bound && stopped <= bound + (1 << 20),
        "{stopped} for a bound of {bound}"
    );
    // The other file is read all the same.
    assert!(r["lines"].as_u64().unwrap() >= 10);

    // Under the bound's floor (64 MiB whatever the ratio), a run of
    // newlines is a file like any other, read whole.
    let q = TestProject::new();
    let small = crate::verify::rle_bomb(b'\n', 64);
    q.file("logs/flood.jsonl.zst", &small);
    let (run, r) = ingest(&q, &[]);
    run.expect_code(0);
    assert_eq!(r["problems"].as_array().map_or(0, Vec::len), 0, "{r}");
}

#[test]
fn an_unchanged_file_is_not_read_again() {
    let p = TestProject::new();
    p.file("logs/app.jsonl", lines(0, 300));
    p.file("logs/old.jsonl.zst", zst(&lines(300, 100)));
    let (_, first) = ingest(&p, &[]);
    assert_eq!(first["files"][0]["read"], "whole");
    assert!(first["bytes_read"].as_u64().unwrap() > 0);
    let (_, second) = ingest(&p, &[]);
    assert_eq!(second["bytes_read"], 0);
    assert_eq!(second["bytes_checked"], 0);
    for f in second["files"].as_array().unwrap() {
        assert_eq!(f["read"], "cached", "{f}");
    }
    assert_eq!(second["days"], first["days"]);
    assert_eq!(second["lines"], 400);
}

#[test]
fn an_appended_file_is_read_from_where_it_stopped() {
    let p = TestProject::new();
    // The last line has no newline yet: it is being written.
    let start = lines(0, 300);
    let (done, partial) = start.split_at(start.len() - 40);
    p.file("logs/app.jsonl", done);
    let (_, first) = ingest(&p, &[]);
    assert_eq!(first["malformed_count"], 1, "the cut line, for now");

    let mut file = OpenOptions::new()
        .append(true)
        .open(p.join("logs/app.jsonl"))
        .unwrap();
    let added = format!("{partial}{}", lines(300, 200));
    file.write_all(added.as_bytes()).unwrap();
    drop(file);
    let (run, second) = ingest(&p, &[]);
    run.expect_code(0);
    assert_eq!(second["files"][0]["read"], "appended");
    // Only the part after the last whole line was read: the cut line and
    // what came after it.
    let cut_line = done.len() - done.rfind('\n').unwrap() - 1;
    assert_eq!(second["bytes_read"], (cut_line + added.len()) as u64);
    assert_eq!(second["lines"], 500);
    assert_eq!(second["malformed_count"], 0);

    // The same as reading it all afresh.
    std::fs::remove_dir_all(p.join("state")).unwrap();
    let (_, fresh) = ingest(&p, &[]);
    assert_eq!(fresh["files"][0]["read"], "whole");
    assert_eq!(fresh["days"], second["days"]);
}

#[test]
fn malformed_lines_keep_their_numbers_across_runs() {
    let p = TestProject::new();
    p.file("logs/app.jsonl", format!("{}oops\n", lines(0, 10)));
    ingest(&p, &[]);
    let mut file = OpenOptions::new()
        .append(true)
        .open(p.join("logs/app.jsonl"))
        .unwrap();
    writeln!(file, "{}again", lines(10, 5)).unwrap();
    drop(file);
    let (_, r) = ingest(&p, &[]);
    let at: Vec<u64> = r["malformed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["line"].as_u64().unwrap())
        .collect();
    assert_eq!(at, [11, 17]);
}

#[test]
fn a_rewritten_file_is_read_whole() {
    let p = TestProject::new();
    p.file("logs/app.jsonl", lines(0, 100));
    ingest(&p, &[]);
    // Longer than before, but its beginning changed: not an append.
    p.file("logs/app.jsonl", lines(1, 150));
    let (_, r) = ingest(&p, &[]);
    assert_eq!(r["files"][0]["read"], "whole");
    assert_eq!(r["lines"], 150);
}

#[test]
fn changed_rules_read_the_logs_again_and_changed_thresholds_do_not() {
    let p = office();
    ingest(&p, &[]);
    p.file("opsbook.toml", format!("{MINIMAL_SETTINGS}\n[logs]\ndisk = 90\n"));
    let (_, r) = ingest(&p, &[]);
    assert_eq!(r["bytes_read"], 0);
    assert!(
        !rules_of(day(&r, "2025-12-01"))
            .iter()
            .any(|(rule, _)| rule == "disk")
    );
    p.file(
        "opsbook.toml",
        format!("{MINIMAL_SETTINGS}\n[logs]\n[[logs.alerts]]\nname = \"gateway\"\nmsg_contains = \"gateway\"\nby = \"host\"\n"),
    );
    let (_, r) = ingest(&p, &[]);
    assert!(r["bytes_read"].as_u64().unwrap() > 0);
    assert_eq!(
        rules_of(day(&r, "2025-12-01"))
            .iter()
            .filter(|(rule, _)| rule == "gateway")
            .count(),
        1
    );
}

#[test]
fn removed_files_leave_the_cache() {
    let p = TestProject::new();
    p.file("logs/a.jsonl", lines(0, 5))
        .file("logs/b.jsonl", lines(5, 5));
    ingest(&p, &[]);
    // Each log file has an entry and its host-days.
    let count = || std::fs::read_dir(p.join("state/logs")).unwrap().count();
    assert_eq!(count(), 4);
    std::fs::remove_file(p.join("logs/b.jsonl")).unwrap();
    let (_, r) = ingest(&p, &[]);
    assert_eq!(r["lines"], 5);
    assert_eq!(count(), 2, "both files of the removed log are gone");
}

#[test]
fn pending_documents_older_than_the_limit_are_reported() {
    let p = TestProject::new();
    let event = |t: &str, doc: &str, status: &str| {
        format!(
            r#"{{"ts":"2025-12-01T{t}:00+08:00","level":"INFO","event":"exchange","status":"{status}","doc_id":"{doc}"}}"#
        )
    };
    let text = [
        event("10:00", "stuck", "pending"),
        event("10:00", "quick", "pending"),
        event("10:30", "quick", "ok"),
        event("10:00", "slow", "pending"),
        event("12:45", "slow", "ok"),
    ]
    .join("\n");
    // Exchange events may be spread over files.
    p.file(
        "logs/a.jsonl",
        &text[..text.find("\n{\"ts\":\"2025-12-01T12:45").unwrap()],
    );
    p.file("logs/b.jsonl", event("12:45", "slow", "ok"));
    let (_, r) = ingest(&p, &["--now", "2025-12-01T13:00:00+08:00"]);
    let d = day(&r, "2025-12-01");
    assert_eq!(d["exchange_pending"], 2);
    let overdue = &d["exchange"]["overdue"];
    assert_eq!(overdue[0]["doc_id"], "slow");
    assert_eq!(overdue[0]["waited"], "2h45m");
    assert_eq!(overdue[0]["status"], "ok");
    assert_eq!(overdue[1]["doc_id"], "stuck");
    assert_eq!(overdue[1]["waited"], "3h");
    assert_eq!(overdue[1]["status"], "pending");
    // Before the limit has passed, the stuck one is not yet late.
    let (_, r) = ingest(&p, &["--now", "2025-12-01T11:30:00+08:00"]);
    assert_eq!(day(&r, "2025-12-01")["exchange_pending"], 1);
}

#[test]
fn a_big_file_is_split_and_read_in_parallel_with_the_same_result() {
    let p = TestProject::new();
    // Over two 8 MiB parts, with malformed lines in the first and last.
    let mut text = String::from("not json\n");
    let body = lines(0, 30_000);
    while text.len() < 17 << 20 {
        text.push_str(&body);
    }
    text.push_str("{\"broken\n");
    let total = text.lines().count() as u64;
    p.file("logs/big.jsonl", &text);
    let (_, r) = ingest(&p, &[]);
    assert_eq!(r["malformed_count"], 2);
    assert_eq!(r["malformed"][0]["line"], 1);
    assert_eq!(r["malformed"][1]["line"], total);
    assert_eq!(r["lines"], total - 2);
    // Each part reads on a little past its end to finish its last line.
    let read = r["bytes_read"].as_u64().unwrap();
    assert!(
        read >= text.len() as u64 && read < text.len() as u64 + (1 << 20),
        "{read}"
    );
}

#[test]
fn a_huge_line_without_newline_is_read_in_bounded_memory() {
    let p = TestProject::new();
    p.file("logs/ok.jsonl", lines(0, 3));
    // 2 GiB without a newline, sparse: it takes no room on disk.
    let huge = std::fs::File::create(p.join("logs/huge.jsonl")).unwrap();
    huge.set_len(2 << 30).unwrap();
    drop(huge);
    // Under a 1 GiB address-space limit a run that held the line would fail.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" -C \"$1\" --color never logs --json -")
        .arg(assert_cmd::cargo::cargo_bin("opsbook"))
        .arg(p.path())
        .env("NO_COLOR", "1")
        // Threads reserve address space too; keep their number fixed.
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .unwrap();
    let run = Run(out);
    run.expect_code(1);
    let r: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(r["lines"], 3);
    assert_eq!(r["malformed"][0]["file"], "logs/huge.jsonl");
    assert_eq!(r["malformed"][0]["line"], 1);
    assert_eq!(r["malformed"][0]["reason"], "longer than 1048576 bytes");
}

#[test]
fn json_goes_to_a_file_and_the_table_to_the_terminal() {
    let p = office();
    let out = p.join("out/logs.json");
    let run = p.run(&["--now", "2099-01-01", "logs", "--json", out.to_str().unwrap()]);
    run.expect_code(0);
    assert!(run.stdout().contains("2025-12-01"), "{}", run.stdout());
    let r: Value = serde_json::from_str(&p.read("out/logs.json")).unwrap();
    assert_eq!(r["days"][0]["date"], "2025-12-01");
}

#[test]
fn a_project_without_logs_is_fine() {
    let p = TestProject::new();
    let (run, r) = ingest(&p, &[]);
    run.expect_code(0);
    assert_eq!(r["days"], serde_json::json!([]));
    assert_eq!(r["ok"], true);
}

#[test]
fn bad_log_settings_stop_the_run_with_their_line() {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        format!("{MINIMAL_SETTINGS}\n[logs]\n[[logs.alerts]]\nname = \"x\"\nlevel = \"LOUD\"\n"),
    );
    let run = p.run(&["logs"]);
    run.expect_code(2);
    run.expect_stderr("unknown level `LOUD`");
    run.expect_stderr("opsbook.toml:11");
}

#[test]
fn the_example_project_shows_its_logs() {
    let p = TestProject::empty();
    let example = crate::support::fixtures_dir().join("example");
    std::fs::copy(example.join("opsbook.toml"), p.join("opsbook.toml")).unwrap();
    crate::support::copy_dir(&example.join("logs"), &p.join("logs"));
    let (run, r) = ingest(&p, &["--now", "2025-12-31T23:00:00+08:00"]);
    run.expect_code(1);
    let dates: Vec<&str> = r["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2025-12-28", "2025-12-29", "2025-12-30", "2025-12-31"]);
    assert_eq!(r["malformed_count"], 0);
    assert!(
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file"] == "logs/metrics/metrics-2025-12.jsonl.zst")
    );
    let alerts: Vec<(String, String)> = r["days"].as_array().unwrap().iter().flat_map(rules_of).collect();
    for want in [
        ("disk", "db-01"),
        ("exchange_failed", "XAGX-1230-101"),
        ("exchange_pending", "XAGX-1231-201"),
        ("failed_logins", "admin"),
        ("backup_failed", "oa-files"),
    ] {
        assert!(
            alerts.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {alerts:?}"
        );
    }
}
