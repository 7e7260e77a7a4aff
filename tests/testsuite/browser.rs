//! The example portal in a real browser: headless Chromium opens the built
//! pages from disk (`file://`), as the client does, and prints them to PDF.
//! Skipped where Chromium is not installed; CI installs it (`.ci/run`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use opsbook::render::search;

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
fn chromium(args: &[&str], url: &str) -> Output {
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

fn url(site: &Path, page: &str) -> String {
    format!("file://{}/{page}", site.display())
}

/// The messages pages wrote to the browser console (errors included):
/// Chromium logs them as `INFO:CONSOLE:…] "message", source: …`.
fn console_messages(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect()
}

/// `Pages:` and `Page size:` of a PDF, from pdfinfo.
fn pdf_pages(pdf: &Path) -> (usize, String) {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_string())
            .unwrap_or_default()
    };
    (field("Pages:").parse().unwrap(), field("Page size:"))
}

fn print_pdf(site: &Path, page: &str, dir: &Path) -> PathBuf {
    let pdf = dir.join(format!("{}.pdf", page.replace('/', "_")));
    chromium(
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
        &url(site, page),
    );
    pdf
}

fn tools() {
    require_tool("chromium", "apt-get install chromium fonts-wqy-zenhei");
    require_tool("pdfinfo", "apt-get install poppler-utils");
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

    // The search page, opened from disk, finds a note by two Chinese
    // characters from its body, as the index lookup in Rust does.
    let query = "明文";
    let body = std::fs::read_to_string(p.join("content/inspections/2025/06/250618-01.md")).unwrap();
    assert!(body.contains(query));
    let encoded: String = query.bytes().map(|b| format!("%{b:02X}")).collect();
    let out = chromium(
        &["--dump-dom"],
        &format!("{}?q={encoded}", url(&site, "search.html")),
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(console_messages(&out).is_empty(), "{:?}", console_messages(&out));
    let list = &dom[dom.find("<ol id=\"search-results\"").expect("the result list")..];
    let list = &list[..list.find("</ol>").unwrap()];
    assert!(list.contains("href=\"inspections/250618-01.html\""), "{list}");
    let expected = search::lookup(&site, query).unwrap();
    assert_eq!(list.matches("<li>").count(), expected.len(), "{list}");

    // Printing: each inspection form on one A4 page, a month of them one
    // page each, and the annual report on A4 pages.
    let pdfs = tempfile::tempdir().unwrap();
    let (pages, size) = pdf_pages(&print_pdf(&site, "inspections/250618-01.html", pdfs.path()));
    assert_eq!(pages, 1);
    assert!(size.ends_with("(A4)"), "{size}");
    for month in ["2025-06", "2025-12"] {
        let page = format!("inspections/month/{month}-print.html");
        let forms = std::fs::read_to_string(site.join(&page))
            .unwrap()
            .matches("class=\"form-page\"")
            .count();
        assert!(forms > 28, "{month}: {forms} forms");
        let (pages, _) = pdf_pages(&print_pdf(&site, &page, pdfs.path()));
        assert_eq!(pages, forms, "{month}: every form on a page of its own");
    }
    let (pages, size) = pdf_pages(&print_pdf(&site, "reports/2025.html", pdfs.path()));
    assert!((2..=20).contains(&pages), "the annual report is {pages} pages");
    assert!(size.ends_with("(A4)"), "{size}");
    let (pages, _) = pdf_pages(&print_pdf(&site, "workorders/WO-250414-01.html", pdfs.path()));
    assert_eq!(pages, 1, "a work order is one page");

    // Screenshots to look at, kept under target/tmp/portal-browser/.
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
                &format!("--window-size=1280,{height}"),
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
