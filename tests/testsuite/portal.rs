//! `opsbook build`: the client portal on the `portal` fixture (one note of
//! each kind, personal data and secrets in every kind of field, raw HTML in
//! markdown, internal notes, SLA breaches, a backup set with a damaged file,
//! and a day of logs with personal data in its messages).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use opsbook::render::search;
use regex::Regex;

use crate::support::TestProject;

const NOW: &str = "2025-03-31";

fn fixture() -> TestProject {
    TestProject::fixture("portal")
}

/// Verifies the fixture's backup set: one file no longer matches its
/// manifest.
fn verify(p: &TestProject) {
    p.run(&["--now", NOW, "verify"]).expect_code(1);
}

fn build(p: &TestProject, args: &[&str]) -> String {
    let mut all = vec!["--now", NOW, "build"];
    all.extend_from_slice(args);
    let run = p.run(&all);
    run.expect_code(0);
    run.stdout()
}

/// Every file of the site: path → (inode, modification time, bytes).
fn site_files(p: &TestProject) -> BTreeMap<String, (u64, std::time::SystemTime, Vec<u8>)> {
    use std::os::unix::fs::MetadataExt;
    let root = p.join("site");
    walkdir::WalkDir::new(&root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            let rel = e
                .path()
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                rel,
                (
                    meta.ino(),
                    meta.modified().unwrap(),
                    std::fs::read(e.path()).unwrap(),
                ),
            )
        })
        .collect()
}

/// The page's `<main>` element: what snapshots hold (the header and footer
/// are the same on every page).
fn main_of(html: &str) -> String {
    let start = html.find("<main>").expect("a <main>");
    let end = html.find("</main>").expect("a </main>") + "</main>".len();
    html[start..end].to_string()
}

#[test]
fn the_contract_forms_render_as_the_client_knows_them() {
    let p = fixture();
    build(&p, &[]);
    for (name, page) in [
        ("inspection_form", "inspections/250311-01.html"),
        ("workorder_form", "workorders/WO-250313-01.html"),
        ("faq_table", "faq/index.html"),
        ("incident", "incidents/INC-250315-01.html"),
    ] {
        insta::assert_snapshot!(name, main_of(&p.read(&format!("site/{page}"))));
    }
}

#[test]
fn every_label_of_the_inspection_form_is_on_its_page() {
    let p = fixture();
    build(&p, &[]);
    let html = p.read("site/inspections/250311-01.html");
    for label in [
        "软件巡检记录单",
        "编号：250311-01",
        "项目名称",
        "甲方单位",
        "巡检人",
        "记录人",
        "检查方式",
        "日期",
        "时间",
        "检查内容",
        "巡检结果分析",
        "测试运维服务项目",
        "测试甲方单位",
        "2025 年 3 月 11 日",
        "☑满意",
    ] {
        assert!(html.contains(label), "{label} is missing");
    }
    let html = p.read("site/workorders/WO-250313-01.html");
    for label in [
        "项目工单",
        "服务单位",
        "服务地点",
        "联系人",
        "申请时间",
        "工作事由",
        "需求提出人部门",
        "需求提出人签字",
        "操作人员签字",
        "项目经理签字",
        "工业和信息化局签字",
        "影响性分析",
        "评审意见",
        "工作结果",
        "备注",
    ] {
        assert!(html.contains(label), "{label} is missing");
    }
}

/// Sensitive values written in the fixture's notes, none of which may reach
/// the client's portal.
const SECRETS: &[&str] = &[
    "13800138000",
    "audit@example.com",
    "abcd1234",
    "13912345678",
    "110101199003077715",
    "zhang.san@gov.cn",
    "88886666",
    "sk-live-123",
    "Hunter2!",
    // In a log line's message and user.
    "13612345678",
    "ops-alert@example.com",
    "Sms2025x",
    "zhang.wei@example.com",
];

/// What only the internal note has.
const INTERNAL: &[&str] = &[
    "内部专用标记XYZ",
    "WO-250314-01",
    "运维堡垒机账号调整",
    "13700000000",
    // An internal incident, whose SLA breach is the team's alone.
    "INC-250323-01",
    "内部演练故障ABC",
];

#[test]
fn no_output_file_of_the_client_portal_holds_personal_data_secrets_or_internal_notes() {
    let p = fixture();
    verify(&p);
    build(&p, &[]);
    let patterns = [
        (
            "a mobile number",
            Regex::new(r"(?-u:\b)1[3-9]\d{9}(?-u:\b)").unwrap(),
        ),
        (
            "an ID-card number",
            Regex::new(r"(?-u:\b)\d{17}[\dXx](?-u:\b)").unwrap(),
        ),
        (
            "an e-mail address",
            Regex::new(r"[\w.+-]+@[\w-]+\.[\w.]+").unwrap(),
        ),
        (
            "a landline",
            Regex::new(r"(?-u:\b)0\d{2,3}-\d{7,8}(?-u:\b)").unwrap(),
        ),
        (
            "a secret",
            Regex::new(r"(?i)(password|token|apikey|secret)\s*[=:]\s*[A-Za-z0-9]").unwrap(),
        ),
    ];
    let files = site_files(&p);
    assert!(files.len() > 40, "{} files", files.len());
    for (path, (_, _, bytes)) in &files {
        let text = String::from_utf8_lossy(bytes);
        for s in SECRETS.iter().chain(INTERNAL) {
            assert!(!text.contains(s), "{path} holds `{s}`");
        }
        for (what, re) in &patterns {
            assert!(!re.is_match(&text), "{path} holds {what}: {:?}", re.find(&text));
        }
    }
    // Masked, not dropped.
    let wo = p.read("site/workorders/WO-250313-01.html");
    assert!(wo.contains("139****5678"), "the phone is shown masked");
    let logs = p.read("site/logs/2025-03.html");
    assert!(logs.contains("136****5678"), "{}", main_of(&logs));
    assert!(logs.contains("password=****"), "{}", main_of(&logs));
    assert!(!p.join("site/workorders/WO-250314-01.html").exists());
}

#[test]
fn no_script_handler_or_javascript_url_reaches_a_page() {
    let p = fixture();
    build(&p, &[]);
    let handler = Regex::new(r#"(?i)<[^>]*\son[a-z]+\s*="#).unwrap();
    let js_url = Regex::new(r#"(?i)(href|src|action)\s*=\s*["']?\s*(javascript|vbscript|data):"#).unwrap();
    let script = Regex::new(r#"(?i)<script\b[^>]*>"#).unwrap();
    for (path, (_, _, bytes)) in site_files(&p) {
        if !(path.ends_with(".html") || path.ends_with(".xml")) {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        assert!(!handler.is_match(&html), "{path}: {:?}", handler.find(&html));
        assert!(!js_url.is_match(&html), "{path}: {:?}", js_url.find(&html));
        for tag in script.find_iter(&html) {
            // Only the search page loads scripts, and only the portal's own.
            assert_eq!(path, "search.html", "{}", tag.as_str());
            assert!(
                tag.as_str().contains("static/search.js") || tag.as_str().contains("search/meta.js"),
                "{}",
                tag.as_str()
            );
        }
    }
    let page = p.read("site/inspections/250312-01.html");
    assert!(
        page.contains("本周复核正常"),
        "the text around the raw HTML stays"
    );
    assert!(page.contains(r#"href="https://example.org/doc""#));
}

#[test]
fn the_internal_portal_has_everything_unmasked() {
    let p = fixture();
    build(&p, &["--audience", "internal"]);
    let wo = p.read("site/workorders/WO-250314-01.html");
    assert!(wo.contains("内部专用标记XYZ"));
    assert!(wo.contains("13700000000"));
    assert!(
        p.read("site/workorders/WO-250313-01.html")
            .contains("110101199003077715")
    );
    assert!(p.read("site/index.html").contains("内部版"));

    // Back to the client's portal: the internal pages are gone again.
    build(&p, &[]);
    assert!(!p.join("site/workorders/WO-250314-01.html").exists());
    for (path, (_, _, bytes)) in site_files(&p) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("内部专用标记XYZ"), "{path}");
    }
}

#[test]
fn a_two_character_chinese_query_finds_its_note() {
    let p = fixture();
    build(&p, &[]);
    let site = p.join("site");
    // 延迟 is written only in the inspection's body ("巡检发现公文交换延迟").
    let found = search::lookup(&site, "延迟").unwrap();
    assert_eq!(found, ["inspections/250311-01.html"]);
    let found = search::lookup(&site, "证书").unwrap();
    assert!(
        found.contains(&"incidents/INC-250315-01.html".to_string()),
        "{found:?}"
    );
    assert!(found.contains(&"faq/FAQ-001.html".to_string()), "{found:?}");
    assert!(
        search::lookup(&site, "公文交换接口超时")
            .unwrap()
            .contains(&"incidents/INC-250315-01.html".to_string())
    );
    assert!(
        search::lookup(&site, "堡垒").unwrap().is_empty(),
        "internal notes are not indexed"
    );
    assert!(search::lookup(&site, "不存在的词").unwrap().is_empty());
}

#[test]
fn search_results_say_what_each_record_is_and_logs_are_the_teams() {
    let p = fixture();
    build(&p, &[]);
    let site = p.join("site");
    // An inspection is named by its form and day, not its number alone.
    let meta = p.read("site/search/meta.js");
    assert!(
        meta.contains(
            r#"["inspections/250311-01.html","软件巡检记录单 2025-03-11","inspection","2025-03-11","250311-01"]"#
        ),
        "{meta}"
    );
    // Its number, typed as written, finds it first.
    assert_eq!(
        search::lookup(&site, "250311-01").unwrap()[0],
        "inspections/250311-01.html"
    );
    assert_eq!(
        search::lookup(&site, "INC-250315-01").unwrap()[0],
        "incidents/INC-250315-01.html"
    );
    // A logged message is for the team's portal only.
    assert!(search::lookup(&site, "短信网关").unwrap().is_empty());
    build(&p, &["--audience", "internal"]);
    assert_eq!(
        search::lookup(&site, "短信网关").unwrap(),
        ["logs/2025-03.html#d-2025-03-30"]
    );
    assert!(
        p.read("site/search/meta.js")
            .contains(r#""运行日志 2025-03-30","log","2025-03-30""#)
    );
}

#[test]
fn the_feed_lists_incidents_and_inspections_with_relative_links() {
    let p = fixture();
    build(&p, &[]);
    let feed = p.read("site/feed.xml");
    assert!(feed.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
    ));
    assert_eq!(feed.matches("<entry>").count(), 4, "{feed}");
    assert!(feed.contains("<id>urn:opsbook:"), "{feed}");
    assert!(
        feed.contains("<updated>2025-03-15T10:50:00+08:00</updated>"),
        "{feed}"
    );
    let hrefs: Vec<&str> = feed
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(hrefs.contains(&"incidents/INC-250315-01.html"), "{hrefs:?}");
    for h in hrefs {
        assert!(!h.starts_with('/') && !h.contains(':'), "{h} is not relative");
    }
    // Every page links to its neighbours by relative paths too.
    let page = p.read("site/inspections/month/2025-03.html");
    assert!(
        page.contains(r#"href="../../static/style.css""#),
        "{}",
        &page[..400]
    );
}

#[test]
fn an_unchanged_project_rebuilds_nothing() {
    let p = fixture();
    build(&p, &[]);
    let before = site_files(&p);
    let out = build(&p, &[]);
    assert!(out.contains("up to date"), "{out}");
    let after = site_files(&p);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, (ino, mtime, _)) in &before {
        assert_eq!(
            (ino, mtime),
            (&after[path].0, &after[path].1),
            "{path} was rewritten"
        );
    }

    // Touching a note costs a check, but still rewrites no page.
    let note = p.join("content/faq/FAQ-001.md");
    let text = std::fs::read(&note).unwrap();
    std::fs::write(&note, text).unwrap();
    let out = build(&p, &[]);
    assert!(out.contains("0 written"), "{out}");
    let after = site_files(&p);
    for (path, (ino, ..)) in &before {
        if path != ".opsbook/manifest" {
            assert_eq!(ino, &after[path].0, "{path} was rewritten");
        }
    }
}

#[test]
fn a_changed_note_rewrites_only_the_files_made_from_it() {
    let p = fixture();
    build(&p, &[]);
    let before = site_files(&p);
    let note = "content/inspections/2025/03/250312-01.md";
    let text = p.read(note).replace("无异常。", "无异常，机房温度正常。");
    p.file(note, text);
    let out = build(&p, &[]);
    assert!(out.contains("written"), "{out}");
    let after = site_files(&p);
    let changed: BTreeSet<&str> = after
        .iter()
        .filter(|(path, (ino, ..))| before.get(*path).is_none_or(|b| b.0 != *ino))
        .map(|(path, _)| path.as_str())
        .filter(|path| !path.starts_with("search/"))
        .collect();
    assert_eq!(
        changed,
        BTreeSet::from([
            ".opsbook/manifest",
            "data/inspections/2025-03.json",
            "feed.xml",
            "inspections/250312-01.html",
            "inspections/month/2025-03-print.html",
        ])
    );
    assert!(p.read("site/inspections/250312-01.html").contains("机房温度正常"));
    assert!(search::lookup(&p.join("site"), "温度").unwrap() == ["inspections/250312-01.html"]);

    // A removed note takes its page and its lists' entries with it.
    std::fs::remove_file(p.join("content/trainings/TR-250320-01.md")).unwrap();
    build(&p, &[]);
    assert!(!p.join("site/trainings/TR-250320-01.html").exists());
    assert!(!p.join("site/data/trainings/2025.json").exists());
    assert!(!p.read("site/trainings/index.html").contains("TR-250320-01"));
}

#[test]
fn a_failed_build_leaves_the_previous_site_as_it_was() {
    let p = fixture();
    build(&p, &[]);
    let before = site_files(&p);
    // A theme whose template fails while rendering, after other pages rendered.
    p.file(
        "opsbook.toml",
        format!("{}\n[site]\ntheme = \"broken\"\n", p.read("opsbook.toml")),
    );
    p.file(
        "themes/broken/templates/training.html",
        "{{ page.note.id | no_such_filter }}",
    );
    p.file(
        "content/faq/FAQ-001.md",
        p.read("content/faq/FAQ-001.md").replace("刷新", "重新刷新"),
    );
    let run = p.run(&["--now", NOW, "build"]);
    run.expect_code(2);
    run.expect_stderr("no_such_filter");
    let after = site_files(&p);
    assert_eq!(before.len(), after.len());
    for (path, (ino, mtime, bytes)) in &before {
        let a = &after[path];
        assert_eq!((ino, mtime, bytes), (&a.0, &a.1, &a.2), "{path} changed");
    }
    let beside: Vec<String> = std::fs::read_dir(p.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".site"))
        .collect();
    assert!(beside.is_empty(), "left behind: {beside:?}");
}

#[test]
fn a_bad_redact_rule_stops_the_client_build() {
    let p = fixture();
    p.file(
        "opsbook.toml",
        format!(
            "{}\n[redact]\ndisable = [\"phones\"]\n[[redact.patterns]]\nname = \"工号\"\nregex = \"(GH\"\n",
            p.read("opsbook.toml")
        ),
    );
    let run = p.run(&["--now", NOW, "build"]);
    run.expect_code(2);
    run.expect_stderr("phones");
    run.expect_stderr("regex = \"(GH\"");
    assert!(!p.join("site").exists());
}

#[test]
fn project_redact_rules_apply() {
    let p = fixture();
    // Without the rule the name is on the work order's page, as its contact
    // and its requester's sign-off.
    build(&p, &[]);
    let before = p.read("site/workorders/WO-250313-01.html");
    assert_eq!(before.matches("陈静").count(), 2, "{}", main_of(&before));

    p.file(
        "opsbook.toml",
        format!(
            "{}\n[redact]\n[[redact.patterns]]\nname = \"人名\"\nregex = \"陈静\"\n",
            p.read("opsbook.toml")
        ),
    );
    build(&p, &[]);
    // Each of them, and nothing else, is masked character by character.
    let after = p.read("site/workorders/WO-250313-01.html");
    assert_eq!(after, before.replace("陈静", "**"), "{}", main_of(&after));
    // And no page, data file or search index of the portal holds it.
    for entry in walkdir::WalkDir::new(p.join("site")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("陈静"),
                "{}",
                entry.path().display()
            );
        }
    }
}

#[test]
fn english_labels_when_the_project_says_so() {
    let p = fixture();
    p.file(
        "opsbook.toml",
        p.read("opsbook.toml")
            .replace("end = 2025-05-31", "end = 2025-05-31\nlanguage = \"en\""),
    );
    build(&p, &[]);
    let html = p.read("site/inspections/250311-01.html");
    assert!(html.contains("<html lang=\"en\" "));
    assert!(html.contains("Software inspection record"));
    assert!(html.contains("2025-03-11"));
    assert!(!html.contains("软件巡检记录单"));
}

#[test]
fn summaries_count_what_the_notes_say() {
    let p = fixture();
    build(&p, &[]);
    let data: serde_json::Value = serde_json::from_str(&p.read("site/data/reports/2025-03.json")).unwrap();
    assert_eq!(data["inspections"]["total"], 2);
    assert_eq!(data["inspections"]["daily"], 1);
    assert_eq!(data["incidents"]["total"], 2, "the internal one is not counted");
    assert_eq!(data["incidents"]["mean_resolve"], "2h20m");
    assert_eq!(data["vulnerabilities"]["found"], 1);
    assert_eq!(data["vulnerabilities"]["fixed"], 1);
    assert_eq!(data["trainings"]["attendees"], 32);
    assert_eq!(data["faq"]["added"], 1);
    assert_eq!(data["ratings"]["satisfied"], 1);
    assert_eq!(data["workorders"]["total"], 1, "the internal one is not counted");
    assert_eq!(data["text"]["note"]["title"], "2025年3月运维月报");
    // A page and its data come from the same model.
    let page = p.read("site/reports/2025-03.html");
    assert!(page.contains("3 月平台运行平稳"));
    let site: serde_json::Value = serde_json::from_str(&p.read("site/data/site.json")).unwrap();
    assert!(site["check"].is_null(), "the client sees no check diagnostics");

    // The contract's schedule and limits in the month: 28 days without a
    // daily record once their grace passed, and two of INC-250322-01's
    // limits breached (the internal incident's breach is not counted).
    let daily = &data["obligations"][0];
    assert_eq!(daily["name"], "软件巡检报告");
    assert_eq!(
        (daily["met"].as_u64(), daily["missed"].as_u64()),
        (Some(1), Some(28))
    );
    assert_eq!(daily["missed_periods"][0], "2025-03-01 – 2025-03-10");
    assert_eq!(data["sla"]["total"]["breached"], 2);
    assert_eq!(data["sla"]["total"]["met"], 5);
    let breached: Vec<&str> = data["sla"]["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["rule"].as_str().unwrap())
        .collect();
    assert_eq!(breached, ["general_resolve", "faq_after_resolve"]);
    assert!(page.contains("软件巡检报告 28"), "{}", main_of(&page));
    assert!(page.contains("71.4%"), "{}", main_of(&page));
    // No verification yet: the page says so.
    assert!(data["backups"].is_null());
    assert!(page.contains("尚无备份校验记录"));
}

#[test]
fn git_gives_the_recorder_and_each_page_its_last_commit_in_one_call() {
    crate::support::require_tool("git", "apt-get install git");
    let p = TestProject::new();
    p.file(
        "content/inspections/2025/03/250311-01.md",
        "+++\nid = \"250311-01\"\ndate = 2025-03-11\ninspector = \"张昊\"\nmethod = \"remote\"\n+++\n\n## 检查内容\n\n正常。\n\n## 巡检结果分析\n\n无。\n",
    );
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(p.path())
            .args(args)
            .env("GIT_AUTHOR_DATE", "2025-03-11T18:00:00+08:00")
            .env("GIT_COMMITTER_DATE", "2025-03-11T18:00:00+08:00")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=王测试",
        "-c",
        "user.email=w@example.invalid",
        "commit",
        "-qm",
        "巡检",
    ]);

    // A `git` in front of the real one that logs how it is called.
    let bin = tempfile::tempdir().unwrap();
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let log = bin.path().join("calls");
    let wrapper = bin.path().join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.trim()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap());
    let run = crate::support::Run(
        p.cmd(&["--now", NOW, "build"])
            .env("PATH", path)
            .output()
            .unwrap(),
    );
    run.expect_code(0);

    let html = p.read("site/inspections/250311-01.html");
    assert!(
        html.contains("<td>王测试 <span class=\"muted\">（据提交记录）</span></td>"),
        "{}",
        main_of(&html)
    );
    assert!(
        html.contains("记录人：王测试 · 来源：<code>content/inspections/2025/03/250311-01.md</code> · 最后修改：2025-03-11 18:00"),
        "{}",
        main_of(&html)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let logs: Vec<&str> = calls.lines().filter(|l| l.contains(" log ")).collect();
    assert_eq!(logs.len(), 1, "one `git log` for the whole tree: {calls}");
}

/// Names `[redact]` lists are masked wherever they come from, git authors
/// included: they reach the client's portal through the pages' "last
/// changed by" line, the recorder taken from git and `data/*.json`.
#[test]
fn git_authors_listed_in_redact_appear_in_no_file_of_the_client_portal() {
    crate::support::require_tool("git", "apt-get install git");
    let p = fixture();
    p.file(
        "opsbook.toml",
        format!(
            "{}\n[[redact.patterns]]\nname = \"engineers\"\nregex = \"赵保密|钱保密\"\n",
            p.read("opsbook.toml")
        ),
    );
    let git = |author: &str, args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(p.path())
            .args([
                "-c",
                &format!("user.name={author}"),
                "-c",
                "user.email=x@example.invalid",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    git("赵保密", &["init", "-q"]);
    git("赵保密", &["add", "."]);
    git("赵保密", &["commit", "-qm", "记录"]);
    let note = "content/faq/FAQ-001.md";
    p.file(note, format!("{}\n补充。\n", p.read(note)));
    git("钱保密", &["commit", "-qam", "补充"]);

    build(&p, &["--audience", "internal"]);
    let internal: String = site_files(&p)
        .values()
        .map(|(_, _, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    assert!(
        internal.contains("赵保密") && internal.contains("钱保密"),
        "the team's portal shows who wrote the notes"
    );

    build(&p, &[]);
    let files = site_files(&p);
    for (path, (_, _, bytes)) in &files {
        let text = String::from_utf8_lossy(bytes);
        for name in ["赵保密", "钱保密"] {
            assert!(!text.contains(name), "{path} holds `{name}`");
        }
    }
    let faq = p.read("site/data/faq.json");
    assert!(faq.contains("\"author\":\"***\""), "{faq}");
}

#[test]
fn without_git_the_portal_is_built_all_the_same() {
    let p = fixture();
    let run = crate::support::Run(
        p.cmd(&["--now", NOW, "build"])
            .env("PATH", "/nonexistent")
            .output()
            .unwrap(),
    );
    run.expect_code(0);
    let html = p.read("site/inspections/250311-01.html");
    assert!(html.contains("<td>刘洋</td>"));
    assert!(!html.contains("最后修改"));
}

#[test]
fn a_theme_may_change_one_label() {
    let p = fixture();
    p.file(
        "opsbook.toml",
        format!("{}\n[site]\ntheme = \"ours\"\n", p.read("opsbook.toml")),
    );
    p.file("themes/ours/labels/zh-CN.toml", "[nav]\nfaq = \"知识库\"\n");
    build(&p, &[]);
    let html = p.read("site/index.html");
    assert!(html.contains(">知识库</a>"));
    assert!(html.contains(">巡检记录</a>"));
    assert!(Path::new(&p.join("site/static/style.css")).exists());
}

/// Every relative link and resource of every page points at a file of the
/// site, so the portal works opened from disk.
#[test]
fn every_local_link_of_the_example_portal_resolves() {
    let p = crate::browser::example_portal();
    let site = p.join("site");
    let attr = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).unwrap();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&site) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(path).unwrap();
        for cap in attr.captures_iter(&html) {
            let target = &cap[1];
            if target.contains(':') || target.starts_with('#') || target.is_empty() {
                continue;
            }
            let file = target.split(['#', '?']).next().unwrap();
            let resolved = path.parent().unwrap().join(file);
            assert!(
                resolved.is_file(),
                "{} links to {target}, which is not there",
                path.strip_prefix(&site).unwrap().display()
            );
            checked += 1;
        }
    }
    assert!(checked > 10_000, "{checked} links");
}

#[test]
fn the_portal_shows_backups_logs_and_service_limits() {
    let p = fixture();
    verify(&p);
    build(&p, &[]);

    // Backups: the set's problem, on its page and the dashboard.
    let backups = p.read("site/backups/index.html");
    let row = Regex::new(
        r#"<tr class="p-error"><td><code>attachments-20250330.txt</code></td><td class="kind" data-kind="digest_mismatch">校验值与清单不符"#,
    )
    .unwrap();
    assert!(row.is_match(&backups), "{}", main_of(&backups));
    assert!(backups.contains("export-20250330.txt"));
    let data: serde_json::Value = serde_json::from_str(&p.read("site/data/backups.json")).unwrap();
    let set = &data["sets"][0];
    assert_eq!(set["name"], "files");
    assert_eq!(set["report"]["problems"][0]["kind"], "digest_mismatch");
    assert_eq!(set["report"]["records"].as_array().unwrap().len(), 2);
    assert_eq!(data["runs"].as_array().unwrap().len(), 1);
    let dashboard = p.read("site/index.html");
    assert!(
        dashboard.contains(
            r##"<a href="backups/index.html#set-files">files</a> <span class="late">发现问题 1</span>"##
        ),
        "{}",
        main_of(&dashboard)
    );

    // Logs: the day's alert and its most frequent error.
    let logs = p.read("site/logs/index.html");
    let alert = Regex::new(r#"<td class="when"><a href="../logs/2025-03.html#d-2025-03-30">2025-03-30</a></td><td>公文交换失败</td><td>XAGX-0330-007</td><td>1</td>"#).unwrap();
    assert!(alert.is_match(&logs), "{}", main_of(&logs));
    assert!(logs.contains("<figcaption>每日错误数</figcaption>"));
    let month = p.read("site/logs/2025-03.html");
    let top = Regex::new(r#"<tr><td>oa-web</td><td><code>短信网关发送失败：手机 &lt;n&gt;[^<]*</code><br><span class="muted">首条原文：短信网关发送失败：手机 136\*\*\*\*5678"#).unwrap();
    assert!(top.is_match(&month), "{}", main_of(&month));
    assert!(
        dashboard.contains("XAGX-0330-007"),
        "a recent alert is on the dashboard"
    );

    // Service limits: the breached rule, with its limit and the time taken,
    // on the incident's page; the list marks the breach.
    let incident = p.read("site/incidents/INC-250322-01.html");
    assert!(
        incident.contains(r#"<tr class="sla-breached"><td>一般故障处理</td><td class="dur">2 小时</td><td class="dur">3 小时 10 分钟</td><td class="status">超时</td></tr>"#),
        "{}",
        main_of(&incident)
    );
    assert!(
        p.read("site/incidents/INC-250315-01.html")
            .contains(r#"<tr class="sla-met"><td>一般故障处理</td><td class="dur">2 小时</td><td class="dur">1 小时 30 分钟</td><td class="status">达标</td></tr>"#)
    );
    let list = p.read("site/incidents/index.html");
    let marked = Regex::new(r#"INC-250322-01</a>.*?<td class="short sla-breached">超时</td></tr>"#).unwrap();
    assert!(marked.is_match(&list), "{}", main_of(&list));
    assert!(
        p.read("site/vulnerabilities/index.html")
            .contains(r#"<td class="short sla-met">达标</td>"#)
    );

    // The schedule's calendar marks a day missed, and one still in its grace.
    let missed = Regex::new(r#"<rect class="d-missing" [^>]*><title>2025-03-05 · 未完成</title>"#).unwrap();
    assert!(missed.is_match(&dashboard), "{}", main_of(&dashboard));
    assert!(dashboard.contains("<title>2025-03-30 · 宽限期内</title>"));
    assert!(dashboard.contains("未完成的期次：2025-W09、2025-W10、2025-W12"));

    // The year's report: backup runs, and SLA outcomes per month.
    let year: serde_json::Value = serde_json::from_str(&p.read("site/data/reports/2025.json")).unwrap();
    assert_eq!(year["backups"]["runs"], 1);
    assert_eq!(year["backups"]["ok"], 0);
    let chart = &year["charts"]["sla_by_month"];
    assert_eq!(chart["x"][2], "2025-03");
    assert_eq!(chart["series"][1]["key"], "breached");
    assert_eq!(chart["series"][1]["values"][2], 2.0);
    assert!(
        p.read("site/reports/2025.html")
            .contains("<figcaption>每月服务时限考核结果</figcaption>")
    );
}

#[test]
fn an_internal_notes_service_limits_are_the_teams_alone() {
    let p = fixture();
    build(&p, &[]);
    let contract = |p: &TestProject| -> serde_json::Value {
        serde_json::from_str(&p.read("site/data/contract.json")).unwrap()
    };
    let breaches = |v: &serde_json::Value| -> Vec<String> {
        v["sla"]["breaches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                format!(
                    "{} {}",
                    b["note"]["id"].as_str().unwrap(),
                    b["rule"].as_str().unwrap()
                )
            })
            .collect()
    };
    let client = contract(&p);
    assert_eq!(
        breaches(&client),
        ["INC-250322-01 general_resolve", "INC-250322-01 faq_after_resolve"]
    );
    let major = client["sla"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "major_resolve")
        .unwrap()
        .clone();
    assert_eq!(
        (major["met"].as_u64(), major["breached"].as_u64()),
        (Some(0), Some(0))
    );

    build(&p, &["--audience", "internal"]);
    let internal = contract(&p);
    assert!(breaches(&internal).contains(&"INC-250323-01 major_resolve".to_string()));
    assert!(
        p.read("site/incidents/INC-250323-01.html")
            .contains(r#"<tr class="sla-breached"><td>重大故障处理</td><td class="dur">8 小时</td><td class="dur">12 小时</td>"#)
    );
}

#[test]
fn a_new_verification_or_more_logs_rewrite_the_pages_that_show_them() {
    let p = fixture();
    build(&p, &[]);
    let before = site_files(&p);
    assert!(p.read("site/backups/index.html").contains("尚无备份校验记录"));

    // Nothing else changed: the build would be a no-op, but the new run
    // rewrites what shows backups, and nothing else.
    verify(&p);
    let out = build(&p, &[]);
    assert!(!out.contains("up to date"), "{out}");
    let after = site_files(&p);
    let changed = |before: &BTreeMap<String, (u64, std::time::SystemTime, Vec<u8>)>,
                   after: &BTreeMap<String, (u64, std::time::SystemTime, Vec<u8>)>| {
        after
            .iter()
            .filter(|(path, (ino, ..))| before.get(*path).is_none_or(|b| b.0 != *ino))
            .map(|(path, _)| path.clone())
            .collect::<BTreeSet<String>>()
    };
    let expected: BTreeSet<String> = [
        ".opsbook/history",
        ".opsbook/manifest",
        "backups/index.html",
        "data/backups.json",
        "data/dashboard.json",
        "index.html",
        "data/reports/2025-03.json",
        "data/reports/2025-Q1.json",
        "data/reports/2025.json",
        "reports/2025-03.html",
        "reports/2025-Q1.html",
        "reports/2025.html",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(changed(&before, &after), expected);
    assert!(p.read("site/backups/index.html").contains("digest_mismatch"));
    assert!(build(&p, &[]).contains("up to date"));

    // A log that grows by a line of a new day: the logs' pages and the
    // dashboard's alerts, nothing of the notes.
    let log = p.join("logs/app-2025-03-30.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(r#"{"ts":"2025-03-31T08:00:00+08:00","level":"ERROR","host":"ex-01","service":"exchange","event":"exchange","status":"failed","doc_id":"XAGX-0331-002","msg":"市级平台无响应"}"#);
    text.push('\n');
    std::fs::write(&log, text).unwrap();
    let before = after;
    let out = build(&p, &[]);
    assert!(!out.contains("up to date"), "{out}");
    let after = site_files(&p);
    let changed = changed(&before, &after);
    for page in [
        "logs/index.html",
        "logs/2025-03.html",
        "data/logs/2025-03.json",
        "index.html",
    ] {
        assert!(changed.contains(page), "{page} was not rewritten: {changed:?}");
    }
    assert!(
        changed
            .iter()
            .all(|f| !f.starts_with("inspections/") && !f.starts_with("incidents/")),
        "{changed:?}"
    );
    assert!(p.read("site/logs/index.html").contains("XAGX-0331-002"));
}
