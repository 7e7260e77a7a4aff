//! The contract's schedules and SLAs as a project sets them, judged through
//! `opsbook nightly --json -`.

use crate::support::{Run, TestProject};

fn summary(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}\n{}\n{}", run.stdout(), run.stderr()))
}

fn inspection(p: &TestProject, date: &str, extra: &str) {
    let id = format!("{}-01", date[2..].replace('-', ""));
    p.file(
        &format!("content/inspections/{id}.md"),
        format!("+++\nid = \"{id}\"\ndate = {date}\ninspector = \"李婷\"\n{extra}\n+++\n"),
    );
}

#[test]
fn a_project_schedule_replaces_the_obligations_and_overrides_limits() {
    let p = TestProject::new();
    p.file(
        "schedules/onsite.toml",
        r#"
[[obligation]]
name = "月度现场巡检"
every = "month"
kind = "inspections"
where = { method = "onsite", cycle = "monthly" }
grace = "5d"

[[obligation]]
name = "年终总结"
every = "year"
kind = "trainings"

[sla]
general_resolve = "3h"
"#,
    );
    inspection(&p, "2025-01-20", "method = \"onsite\"\ncycle = \"monthly\"");
    // Remote, so it does not count for February.
    inspection(&p, "2025-02-20", "method = \"remote\"\ncycle = \"monthly\"");
    // Internal notes are still work done.
    inspection(
        &p,
        "2025-03-20",
        "method = \"onsite\"\ncycle = \"monthly\"\naudience = \"internal\"",
    );
    p.file(
        "content/incidents/INC-250311-01.md",
        "+++\nid = \"INC-250311-01\"\ntitle = \"公文交换超时\"\nseverity = \"general\"\nreported_at = 2025-03-11T09:00:00\nresolved_at = 2025-03-11T11:30:00\nengineers = [\"张昊\"]\n+++\n",
    );

    // April is due on 2025-05-06 (end of April plus five days of grace).
    let run = p.run(&["--now", "2025-05-05T23:00:00", "nightly", "--json", "-"]);
    run.expect_code(1);
    let v = summary(&run);
    assert_eq!(
        v["obligations"]["missed"],
        serde_json::json!([{ "name": "月度现场巡检", "period": "2025-02" }])
    );
    let obligations = v["obligations"]["obligations"].as_array().unwrap();
    assert_eq!(
        obligations.len(),
        2,
        "the project's obligations replace the contract's"
    );
    assert_eq!(
        (&obligations[0]["met"], &obligations[0]["pending"]),
        (&2.into(), &9.into())
    );
    assert_eq!(
        (&obligations[1]["name"], &obligations[1]["pending"]),
        (&"年终总结".into(), &1.into())
    );

    // 2h30m is within the project's 3h; the FAQ entry is still owed.
    let breaches = v["sla"]["breaches"].as_array().unwrap();
    assert_eq!(breaches.len(), 1, "{breaches:?}");
    assert_eq!(breaches[0]["rule"], "faq_after_resolve");
    let general = v["sla"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "general_resolve")
        .unwrap();
    assert_eq!((&general["limit"], &general["met"]), (&"3h".into(), &1.into()));

    let run = p.run(&["--now", "2025-05-06", "nightly", "--json", "-"]);
    let missed: Vec<String> = summary(&run)["obligations"]["missed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["period"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(missed, ["2025-02", "2025-04"]);
}

#[test]
fn periods_are_named_as_the_summary_writes_them() {
    let p = TestProject::new();
    p.file(
        "schedules/contract.toml",
        r#"
[[obligation]]
name = "日"
every = "day"
kind = "inspections"
[[obligation]]
name = "周"
every = "week"
kind = "inspections"
[[obligation]]
name = "季"
every = "quarter"
kind = "trainings"
[[obligation]]
name = "年"
every = "year"
kind = "upgrades"
"#,
    );
    let run = p.run(&["--now", "2025-01-07", "nightly", "--json", "-"]);
    run.expect_code(1);
    let missed: Vec<String> = summary(&run)["obligations"]["missed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m["name"].as_str().unwrap(),
                m["period"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        missed,
        [
            "日 2025-01-01",
            "日 2025-01-02",
            "日 2025-01-03",
            "日 2025-01-04",
            "日 2025-01-05",
            "日 2025-01-06",
            "周 2025-W01"
        ]
    );
    let run = p.run(&["--now", "2026-01-02", "nightly", "--json", "-"]);
    let v = summary(&run);
    let missed = v["obligations"]["missed"].as_array().unwrap();
    assert!(missed.iter().any(|m| m["period"] == "2025-Q4"));
    assert!(missed.iter().any(|m| m["period"] == "2025"));
    assert!(missed.iter().any(|m| m["period"] == "2025-W52"));
}

#[test]
fn after_the_service_period_open_items_are_measured_to_its_end() {
    // MINIMAL_SETTINGS: the service period is 2025.
    let p = TestProject::new();
    let finding = |id: &str, found: &str| {
        p.file(
            &format!("content/vulnerabilities/{id}.md"),
            format!(
                "+++\nid = \"{id}\"\ntitle = \"t\"\nsource = \"等保测评机构\"\nseverity = \"low\"\nfound_at = {found}\n+++\n"
            ),
        );
    };
    finding("VUL-251215-01", "2025-12-15T10:00:00");
    finding("VUL-250901-01", "2025-09-01T10:00:00");

    let run = p.run(&["--now", "2026-11-28", "nightly", "--json", "-"]);
    let v = summary(&run);
    assert_eq!(
        v["sla"]["breaches"],
        serde_json::json!([{
            "id": "VUL-250901-01",
            "rule": "vuln_low_fix",
            "limit": "90d",
            "actual": "121d14h",
            "file": "content/vulnerabilities/VUL-250901-01.md"
        }]),
        "{v:#}"
    );
}
