//! `opsbook build`: the portal is written all-or-nothing.

use crate::support::TestProject;

#[test]
fn a_valid_project_builds_a_page_per_note() {
    let p = TestProject::fixture("valid");
    p.run(&["build"]).expect_code(0);
    for page in [
        "site/index.html",
        "site/inspections/250311-01.html",
        "site/incidents/INC-250311-01.html",
        "site/workorders/WO-250402-01.html",
        "site/faq/FAQ-001.html",
        "site/trainings/TR-250315-01.html",
        "site/upgrades/UP-250420-01.html",
        "site/vulnerabilities/VUL-250501-01.html",
    ] {
        assert!(p.join(page).is_file(), "{page} was not written");
    }
    assert!(
        p.read("site/incidents/INC-250311-01.html")
            .contains("公文交换接口超时")
    );
}

#[test]
fn values_are_html_escaped() {
    let p = TestProject::new();
    p.file(
        "content/faq/FAQ-001.md",
        "+++\nid = \"FAQ-001\"\nquestion = \"<script>alert('x')</script>\"\n+++\n正文<img src=x onerror=alert(1)>\n",
    );
    p.run(&["build"]).expect_code(0);
    for page in ["site/faq/FAQ-001.html", "site/index.html"] {
        let html = p.read(page);
        assert!(!html.contains("<script>alert"), "{page}: {html}");
        assert!(!html.contains("onerror"), "{page}: {html}");
    }
}

#[test]
fn a_theme_overrides_a_template_by_name() {
    let p = TestProject::fixture("valid");
    p.file(
        "opsbook.toml",
        format!("{}\n[site]\ntheme = \"mine\"\n", p.read("opsbook.toml")),
    );
    p.file(
        "themes/mine/templates/faq.html",
        "{% extends \"base.html\" %}{% block content %}<p class=\"mine\">问答</p>{% endblock %}",
    );
    p.file("themes/mine/static/extra.css", "p { color: red }");
    p.run(&["build"]).expect_code(0);
    assert!(
        p.read("site/faq/index.html")
            .contains("<p class=\"mine\">问答</p>")
    );
    assert!(p.join("site/static/extra.css").is_file());
    assert!(
        p.join("site/static/style.css").is_file(),
        "built-in static files stay"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site() {
    let p = TestProject::fixture("valid");
    p.run(&["build"]).expect_code(0);
    let before = p.read("site/index.html");

    p.file(
        "opsbook.toml",
        format!("{}\n[site]\ntheme = \"broken\"\n", p.read("opsbook.toml")),
    );
    p.file("themes/broken/templates/note.html", "{% for x in %}");
    let run = p.run(&["build"]);
    run.expect_code(2);
    run.expect_stderr("syntax error");
    run.expect_stderr("note.html:1");
    assert_eq!(p.read("site/index.html"), before);
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn broken_notes_are_listed_and_the_rest_is_published() {
    let p = TestProject::fixture("valid");
    p.file("content/faq/FAQ-009.md", "+++\nid = \"FAQ-009\"\n+++\n");
    let run = p.run(&["build"]);
    run.expect_code(1);
    run.expect_stderr("missing required key `question`");
    assert!(p.join("site/faq/FAQ-001.html").is_file());
    // The broken note keeps its place, as a record being corrected.
    assert!(p.read("site/faq/FAQ-009.html").contains("更正中"));
}

/// One typo in an incident must not take it out of the client's portal: it
/// stays listed, with a page that says it is being corrected and judges
/// nothing, and the dashboard and the nightly summary count it.
#[test]
fn a_note_that_fails_check_stays_in_the_portal_as_being_corrected() {
    let p = TestProject::new();
    p.file(
        "content/incidents/INC-250311-01.md",
        "+++\nid = \"INC-250311-01\"\ntitle = \"公文交换接口超时\"\nseverity = \"urgent\"\nreported_at = 2025-03-11T09:00:00\nresolved_at = 2025-03-11T10:00:00\nengineers = [\"张伟\"]\n+++\n\n## 原因分析\n\n证书过期，联系 13912345678。\n",
    );
    p.file(
        "content/incidents/INC-250312-01.md",
        "+++\nid = \"INC-250312-01\"\ntitle = \"会议管理页面报错\"\nseverity = \"general\"\nreported_at = 2025-03-12T09:00:00\nresolved_at = 2025-03-12T10:00:00\nengineers = [\"张伟\"]\n+++\n\n## 原因分析\n\n缓存失效。\n\n## 处理方法\n\n重建缓存。\n\n## 处理结果\n\n恢复。\n\n## 预防措施\n\n监控。\n",
    );
    p.file(
        "content/faq/FAQ-001.md",
        "+++\nid = \"FAQ-001\"\nquestion = \"证书过期怎么办\"\nincidents = [\"INC-250311-01\"]\naudience = \"intern\"\n+++\n内部步骤\n",
    );
    let run = p.run(&["--now", "2025-03-31", "build"]);
    run.expect_code(1);
    run.expect_stderr("urgent");
    assert!(
        run.stdout().contains("2 records shown as being corrected"),
        "{}",
        run.stdout()
    );

    // Its page: what could be read, the notice, no judgement; masked.
    let page = p.read("site/incidents/INC-250311-01.html");
    for text in [
        "更正中",
        "不判定其服务时限",
        "公文交换接口超时",
        "urgent",
        "证书过期",
        "139****5678",
    ] {
        assert!(page.contains(text), "the page lacks {text}: {page}");
    }
    assert!(!page.contains("13912345678"));
    // Its row, under the list of incidents.
    let list = p.read("site/incidents/index.html");
    assert!(list.contains("更正中的记录"), "{list}");
    assert!(
        list.contains("href=\"../incidents/INC-250311-01.html\""),
        "{list}"
    );
    assert!(list.contains("INC-250312-01"));
    // The dashboard counts and names both records being corrected.
    let index = p.read("site/index.html");
    assert!(index.contains("2 条记录正在更正"), "{index}");
    assert!(index.contains("INC-250311-01") && index.contains("FAQ-001"));
    // A note whose audience cannot be read shows its place, not its text.
    let faq = p.read("site/faq/FAQ-001.html");
    assert!(faq.contains("更正中") && !faq.contains("内部步骤") && !faq.contains("证书过期怎么办"));
    let data = p.read("site/data/corrections.json");
    assert!(
        data.contains("\"INC-250311-01\"") && !data.contains("内部步骤"),
        "{data}"
    );

    // The nightly summary says so, in its text and its JSON.
    let run = p.run(&["--now", "2025-03-31", "nightly", "--json", "summary.json"]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.contains("2 records being corrected"), "{out}");
    assert!(
        out.contains("INC-250311-01 (could not be read, not judged): content/incidents/INC-250311-01.md"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&p.read("summary.json")).unwrap();
    let records = json["build"]["corrections"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(
        records
            .iter()
            .any(|r| r["id"] == "INC-250311-01" && r["typed"] == false)
    );
}

/// A note read as its kind but failing a check (its id's date is not its
/// date) keeps its own page, judged as written, with the notice on it.
#[test]
fn a_typed_note_with_an_error_is_marked_on_its_page() {
    let p = TestProject::new();
    p.file(
        "content/inspections/250312-01.md",
        "+++\nid = \"250312-01\"\ndate = 2025-03-11\ninspector = \"张昊\"\nmethod = \"remote\"\n+++\n",
    );
    p.file(
        "content/inspections/250313-01.md",
        "+++\nid = \"250313-01\"\ndate = 2025-03-13\ninspector = \"张昊\"\nmethod = \"remote\"\n+++\n\n## 检查内容\n\n系统。\n\n## 巡检结果分析\n\n正常。\n",
    );
    let run = p.run(&["--now", "2025-03-31", "build"]);
    run.expect_code(1);
    let page = p.read("site/inspections/250312-01.html");
    assert!(page.contains("本记录未通过校验"), "{page}");
    assert!(page.contains("软件巡检记录单"), "its own form: {page}");
    assert!(
        !p.read("site/inspections/250313-01.html")
            .contains("本记录未通过校验")
    );
    assert!(p.read("site/index.html").contains("1 条记录正在更正"));
}

/// A build keeps what its log ingest learnt under `state/logs/` only while
/// it holds `state/`'s lock: with another run holding it, the portal is
/// built all the same and `state/` is left alone.
#[test]
fn a_build_writes_state_only_under_its_lock() {
    let p = TestProject::new();
    p.file(
        "logs/app.jsonl",
        "{\"ts\":\"2025-03-11T09:00:00+08:00\",\"level\":\"ERROR\",\"service\":\"oa\",\"msg\":\"timeout\"}\n",
    );
    let held = opsbook::state::StateLock::of_state(&p.join("state")).unwrap();
    let run = p.run(&["--now", "2025-03-11T10:00", "build"]);
    run.expect_code(0);
    run.expect_stderr("is not kept for the next run");
    assert!(p.read("site/logs/index.html").contains("2025-03-11"));
    assert!(
        !p.join("state/logs").exists(),
        "state/ was written without the lock"
    );

    drop(held);
    p.run(&["--now", "2025-03-12T10:00", "build"]).expect_code(0);
    let kept = std::fs::read_dir(p.join("state/logs")).unwrap().count();
    assert_eq!(
        kept, 2,
        "the ingest (an entry and its host-days) is kept once the lock is free"
    );
}

/// A document pending since 09:00 turns overdue at 11:00 (`pending_after`
/// is 2h): the logs' pages built at 10:00 are stale after that.
#[test]
fn a_pending_document_turning_overdue_rebuilds_the_site() {
    let p = TestProject::new();
    p.file(
        "logs/app.jsonl",
        "{\"ts\":\"2025-03-11T09:00:00+08:00\",\"level\":\"INFO\",\"service\":\"exchange\",\"event\":\"exchange\",\"status\":\"pending\",\"doc_id\":\"GW-1\"}\n",
    );
    p.run(&["--now", "2025-03-11T10:00", "build"]).expect_code(0);
    assert!(!p.read("site/logs/2025-03.html").contains("GW-1"));
    let run = p.run(&["--now", "2025-03-11T10:30", "build"]);
    assert!(run.stdout().contains("up to date"), "{}", run.stdout());
    let run = p.run(&["--now", "2025-03-11T11:30", "build"]);
    assert!(!run.stdout().contains("up to date"), "{}", run.stdout());
    assert!(p.read("site/logs/2025-03.html").contains("GW-1"));
}

/// An open general incident reported at 09:00 has a 2 h limit: a build at
/// 09:30 shows it pending, and a build at 13:00 the same day must not find
/// that site up to date, as the limit has passed since.
#[test]
fn a_deadline_passed_since_the_last_build_rebuilds_the_site() {
    let p = TestProject::new();
    p.file(
        "content/incidents/INC-250311-01.md",
        "+++\nid = \"INC-250311-01\"\ntitle = \"公文交换接口超时\"\nseverity = \"general\"\nreported_at = 2025-03-11T09:00:00\nengineers = [\"张伟\"]\n+++\n",
    );
    let page = "site/incidents/INC-250311-01.html";
    let sla_status = |html: &str| -> String {
        let start = html.find("<td class=\"status\">").expect("an SLA status cell");
        html[start..].split("</td>").next().unwrap().to_string()
    };

    let run = p.run(&["--now", "2025-03-11T09:30", "build"]);
    run.expect_code(0);
    assert!(sla_status(&p.read(page)).contains("进行中"), "{}", p.read(page));

    // Nothing changed and no deadline passed: up to date.
    let run = p.run(&["--now", "2025-03-11T10:00", "build"]);
    run.expect_code(0);
    assert!(run.stdout().contains("up to date"), "{}", run.stdout());

    // 11:00 passed: built again, and the breach shown.
    let run = p.run(&["--now", "2025-03-11T13:00", "build"]);
    run.expect_code(0);
    assert!(!run.stdout().contains("up to date"), "{}", run.stdout());
    assert!(sla_status(&p.read(page)).contains("超时"), "{}", p.read(page));

    // A clock before the last build's is another night, not this one.
    let run = p.run(&["--now", "2025-03-11T09:30", "build"]);
    run.expect_code(0);
    assert!(!run.stdout().contains("up to date"), "{}", run.stdout());
    assert!(sla_status(&p.read(page)).contains("进行中"));
}
