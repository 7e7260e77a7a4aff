//! The example portal in a real browser: headless Chromium opens the built
//! pages from disk (`file://`), as the client does, on a 1366 px office
//! screen and on a narrow one, checks them with axe-core, and searches.
//! Printing is in `print.rs`. Skipped where Chromium is not installed; CI
//! installs it, and axe-core (`.ci/run`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use opsbook::render::search;
use serde_json::Value;

use crate::support::{TestProject, require_tool};

/// The example project (this repository's notes, backups and logs), its
/// backups verified and its portal built as at the end of its service year.
pub fn example_portal() -> TestProject {
    let p = TestProject::example();
    p.run(&["--now", "2025-12-31T09:00:00", "verify"]).expect_code(0);
    p.run(&["--now", "2025-12-31T09:00:00", "build"]).expect_code(0);
    p
}

/// One headless Chromium run on one page, in a profile of its own.
pub fn chromium(args: &[&str], url: &str) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn url(site: &Path, page: &str) -> String {
    format!("file://{}/{page}", site.display())
}

/// The messages pages wrote to the browser console (errors included):
/// Chromium logs them as `INFO:CONSOLE:…] "message", source: …`.
pub fn console_messages(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect()
}

/// Fails the test unless Chromium and pdfinfo are installed; the tests
/// that call it are `#[ignore = "needs chromium"]`.
pub fn tools() {
    require_tool("chromium", "apt-get install chromium fonts-wqy-zenhei");
    require_tool("pdfinfo", "apt-get install poppler-utils");
}

/// How `measure.js` looks at a page.
#[derive(Clone, Copy)]
pub enum Mode {
    /// On a screen this many CSS pixels wide.
    Screen(u32),
    /// Under the print rules, as wide as an A4 page box.
    Print,
    /// Checked by axe-core, on a 1366 px screen.
    Axe,
    /// The search page's answer to the query in its address.
    Search,
}

/// An A4 sheet less the 12 mm margins of the portal's `@page`, in CSS
/// pixels (96 a inch): 186 mm.
pub const A4_PAGE_BOX: u32 = 703;

/// axe-core's script, installed by `.ci/run` under `target/npm`; `None`
/// (and a note) where it is missing, a failure where tools are required.
pub fn axe_core() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/npm/node_modules/axe-core/axe.min.js");
    if path.is_file() {
        return Some(path);
    }
    let why = "npm install --prefix target/npm axe-core@4 (as .ci/run does)";
    if std::env::var_os("OPSBOOK_REQUIRE_TOOLS").is_some() {
        panic!("axe-core is required here (OPSBOOK_REQUIRE_TOOLS is set): {why}");
    }
    eprintln!("SKIPPED: axe-core is not installed; {why}");
    None
}

/// Looks at `pages` of `site` in one Chromium run: a page of our own loads
/// each into a frame and runs `measure.js` on it (see there), which writes
/// its findings into the page as JSON. One result per page, in order.
pub fn measure(site: &Path, pages: &[(&str, Mode)], axe: Option<&Path>) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/measure.js");
    let config = serde_json::json!({
        "pages": pages.iter().map(|(page, mode)| {
            let (mode, width) = match mode {
                Mode::Screen(width) => ("screen", *width),
                Mode::Print => ("print", A4_PAGE_BOX),
                Mode::Axe => ("axe", 1366),
                Mode::Search => ("search", 1366),
            };
            serde_json::json!({ "url": url(site, page), "mode": mode, "width": width })
        }).collect::<Vec<_>>(),
        "axe": axe.map(|a| format!("file://{}", a.display())),
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("measure.html"),
        format!(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>measure</title>\
             <pre id=\"result\"></pre><script>window.MEASURE = {config};</script>\
             <script src=\"file://{}\"></script>",
            script.display()
        ),
    )
    .unwrap();
    let out = chromium(
        &[
            "--allow-file-access-from-files",
            "--virtual-time-budget=120000",
            "--window-size=1400,1000",
            "--dump-dom",
        ],
        &url(dir.path(), "measure.html"),
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let json = dom
        .split_once("<pre id=\"result\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| {
            json.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .unwrap_or_default();
    let result: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {dom}"));
    assert!(
        result.get("error").is_none(),
        "measure.js failed: {}",
        result["error"]
    );
    let results = result["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), pages.len());
    results
}

/// The findings of `layout` in `measure.js` that are a reader's problem.
pub fn layout_problems(r: &Value) -> Vec<String> {
    let layout = &r["layout"];
    let mut problems = Vec::new();
    for (key, what) in [
        ("wrapped", "numbers, dates or statuses broken over lines"),
        ("narrow", "columns of a character or two a line"),
        ("overflow", "tables wider than the page"),
        ("unmarked", "statuses told apart by colour alone"),
    ] {
        let list = layout[key].as_array().unwrap();
        if !list.is_empty() {
            problems.push(format!("{what}: {list:?}"));
        }
    }
    if layout["scroll_width"].as_f64() > layout["page_width"].as_f64() {
        problems.push(format!(
            "the page scrolls sideways: {} of {} px",
            layout["scroll_width"], layout["page_width"]
        ));
    }
    problems
}

#[test]
#[ignore = "needs chromium"]
fn the_console_detector_sees_errors() {
    tools();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.html"),
        "<!doctype html><p>x</p><script>console.error('boom'); nope();</script>",
    )
    .unwrap();
    let out = chromium(&["--dump-dom"], &url(dir.path(), "bad.html"));
    let messages = console_messages(&out);
    assert!(messages.iter().any(|m| m.contains("boom")), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("nope is not defined")),
        "{messages:?}"
    );
}

#[test]
#[ignore = "needs chromium"]
fn the_example_portal_in_a_browser() {
    tools();
    let p = example_portal();
    let site = p.join("site");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-browser");
    std::fs::create_dir_all(&shots).unwrap();

    // Every kind of page renders, with no console message at all.
    let pages = [
        ("index.html", "运维服务门户"),
        ("inspections/index.html", "按月查看"),
        ("inspections/month/2025-06.html", "月巡检记录"),
        ("inspections/week/2025-W25.html", "周巡检记录"),
        ("inspections/250618-01.html", "软件巡检记录单"),
        ("incidents/index.html", "故障处理记录"),
        ("incidents/INC-250311-01.html", "原因分析"),
        ("workorders/WO-250414-01.html", "工业和信息化局签字"),
        ("faq/index.html", "问题描述"),
        ("trainings/index.html", "定期培训"),
        ("upgrades/UP-250415-01.html", "回滚预案"),
        ("vulnerabilities/index.html", "安全漏洞登记表"),
        ("reviews/index.html", "甲方签认与服务评价"),
        ("reports/2025-Q2.html", "阶段工作总结表"),
        ("reports/2025.html", "年终总结报告"),
        ("schedule/index.html", "进度安排执行情况"),
        ("backups/index.html", "SQLite 完整性检查通过"),
        ("logs/index.html", "每日错误数"),
        ("logs/2025-12.html", "最常见的错误"),
    ];
    std::thread::scope(|s| {
        for chunk in pages.chunks(pages.len().div_ceil(3)) {
            let site = &site;
            s.spawn(move || {
                for (page, text) in chunk {
                    let out = chromium(&["--dump-dom"], &url(site, page));
                    let dom = String::from_utf8_lossy(&out.stdout);
                    assert!(dom.contains(text), "{page} does not show {text}");
                    assert!(dom.contains("</main>"), "{page} did not render whole");
                    let messages = console_messages(&out);
                    assert!(messages.is_empty(), "{page} wrote to the console: {messages:#?}");
                }
            });
        }
    });

    // At 1366 px, as the client's office PCs: no record number, date,
    // duration or register header broken over two lines, no page scrolling
    // sideways, the content using the screen's width. On a narrow screen a
    // register scrolls inside its box, not the page. Search and axe-core in
    // the same run.
    let screen = [
        "index.html",
        "incidents/index.html",
        "incidents/INC-250311-01.html",
        "vulnerabilities/index.html",
        "workorders/index.html",
        "upgrades/index.html",
        "trainings/index.html",
        "inspections/index.html",
        "inspections/month/2025-06.html",
        "reviews/index.html",
        "reports/2025.html",
        "reports/2025-Q2.html",
        "schedule/index.html",
        "logs/index.html",
        "logs/2025-12.html",
        "backups/index.html",
    ];
    let axe = axe_core();
    let accessible = [
        "index.html",
        "inspections/250618-01.html",
        "reports/2025.html",
        "schedule/index.html",
    ];
    let queries = ["INC-250108-01", "明文", "公文交换", "备"];
    let mut pages: Vec<(String, Mode)> = screen
        .iter()
        .map(|p| (p.to_string(), Mode::Screen(1366)))
        .collect();
    pages.push(("vulnerabilities/index.html".into(), Mode::Screen(600)));
    if axe.is_some() {
        pages.extend(accessible.iter().map(|p| (p.to_string(), Mode::Axe)));
    }
    let encode = |q: &str| q.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    pages.extend(
        queries
            .iter()
            .map(|q| (format!("search.html?q={}", encode(q)), Mode::Search)),
    );
    let pages: Vec<(&str, Mode)> = pages.iter().map(|(p, m)| (p.as_str(), *m)).collect();
    let results = measure(&site, &pages, axe.as_deref());
    let mut results = results.iter();
    for page in screen {
        let r = results.next().unwrap();
        let problems = layout_problems(r);
        assert!(problems.is_empty(), "{page} at 1366 px: {problems:#?}");
        let layout = &r["layout"];
        let (main, width) = (
            layout["main_width"].as_f64().unwrap(),
            layout["page_width"].as_f64().unwrap(),
        );
        assert!(
            main >= 0.95 * width,
            "{page}: the content is {main} px of {width}"
        );
    }
    let narrow = results.next().unwrap();
    assert!(
        layout_problems(narrow).is_empty(),
        "{:#?}",
        layout_problems(narrow)
    );
    assert_eq!(
        narrow["layout"]["scrolling"], 1,
        "the register scrolls in its box: {narrow}"
    );
    if axe.is_some() {
        for page in accessible {
            let r = results.next().unwrap();
            let serious: Vec<&Value> = r["violations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
                .collect();
            assert!(serious.is_empty(), "{page}: {serious:#?}");
            // Nor any header cell without text (a chart table's corner,
            // an unlabelled row of the report), whatever its impact.
            let empty_headers: Vec<&Value> = r["violations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["id"] == "empty-table-header")
                .collect();
            assert!(empty_headers.is_empty(), "{page}: {empty_headers:#?}");
        }
    }

    // Search, opened from disk. A record's number puts that record first,
    // its snippet the start of its text.
    let answer = |r: &Value| r["search"].clone();
    let by_id = answer(results.next().unwrap());
    assert_eq!(
        by_id["results"][0]["href"], "incidents/INC-250108-01.html",
        "{by_id:#}"
    );
    assert!(
        by_id["results"][0]["snippet"].as_str().unwrap().chars().count() > 20,
        "{by_id:#}"
    );
    // Two Chinese characters from an inspection's body: its result says
    // what the record is, and shows the words around them.
    let body = std::fs::read_to_string(p.join("content/inspections/2025/06/250618-01.md")).unwrap();
    assert!(body.contains("明文"));
    let two = answer(results.next().unwrap());
    let first = &two["results"][0];
    assert_eq!(first["href"], "inspections/250618-01.html", "{two:#}");
    assert_eq!(first["title"], "软件巡检记录单 2025-06-18", "{two:#}");
    assert_eq!(first["mark"], "明文", "{two:#}");
    assert!(
        first["snippet"].as_str().unwrap().contains("数据库口令明文保存"),
        "{two:#}"
    );
    assert_eq!(
        two["results"].as_array().unwrap().len(),
        search::lookup(&site, "明文").unwrap().len()
    );
    // A phrase found in hundreds of notes: the first fifty, in the index's
    // order (relevance, then newest), each snippet marking the phrase.
    let phrase = answer(results.next().unwrap());
    let shown: Vec<&str> = phrase["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["href"].as_str().unwrap())
        .collect();
    let ranked = search::lookup(&site, "公文交换").unwrap();
    assert!(ranked.len() > 50, "{}", ranked.len());
    assert_eq!(shown, ranked[..50]);
    assert!(
        phrase["status"]
            .as_str()
            .unwrap()
            .contains(&ranked.len().to_string()),
        "{phrase:#}"
    );
    let marks = ["公文交换", "公文", "文交", "交换"];
    for r in phrase["results"].as_array().unwrap() {
        assert!(marks.iter().any(|m| r["mark"] == *m), "{r:#}");
    }
    // One character asks for two.
    let one = answer(results.next().unwrap());
    assert_eq!(one["status"], "请至少输入两个字。", "{one:#}");
    assert_eq!(one["results"].as_array().unwrap().len(), 0);

    // Screenshots at 1366 px to look at, kept under target/tmp/portal-browser/.
    for (page, name, height) in [
        ("index.html", "dashboard", "2400"),
        ("backups/index.html", "backups", "2600"),
        ("logs/index.html", "logs", "1400"),
        ("logs/2025-12.html", "logs-month", "2600"),
        ("reports/2025.html", "annual", "4200"),
        ("inspections/250618-01.html", "inspection", "1400"),
    ] {
        let png = shots.join(format!("{name}.png"));
        chromium(
            &[
                &format!("--window-size=1366,{height}"),
                "--hide-scrollbars",
                &format!("--screenshot={}", png.display()),
            ],
            &url(&site, page),
        );
        assert!(
            std::fs::metadata(&png).unwrap().len() > 10_000,
            "{name} screenshot"
        );
    }
}
