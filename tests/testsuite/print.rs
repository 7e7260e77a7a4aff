//! The example portal on paper: headless Chromium prints each kind of
//! record and each report to PDF as the client's office does, on A4. Page
//! counts come from pdfinfo, what each page says from pdftotext; whether
//! anything is wider than the page from the pages laid out under their print
//! rules (`measure.js`). Skipped where Chromium is not installed; CI installs
//! it (`.ci/run`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::browser::{Mode, chromium, example_portal, layout_problems, measure, tools, url};

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

/// The text of page `n` (from 1), without any white space: pdftotext
/// spaces CJK text as it likes.
fn page_text(pdf: &Path, n: usize) -> String {
    let n = n.to_string();
    let out = Command::new("pdftotext")
        .args(["-f", &n, "-l", &n])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A page's `<title>` without white space: what its printed footer says.
fn title(site: &Path, page: &str) -> String {
    let html = std::fs::read_to_string(site.join(page)).unwrap();
    let title = &html[html.find("<title>").unwrap() + 7..html.find("</title>").unwrap()];
    title
        .replace("&amp;", "&")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
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

/// Each form, the registers and the reports, as they are printed.
const FORMS: [&str; 6] = [
    "inspections/250618-01.html",
    "incidents/INC-250311-01.html",
    "workorders/WO-250414-01.html",
    "vulnerabilities/VUL-250616-01.html",
    "upgrades/UP-250415-01.html",
    "trainings/TR-250612-01.html",
];
const REPORTS: [&str; 3] = [
    "reports/2025.html",
    "reports/2025-Q2.html",
    "reports/2025-06.html",
];
const REGISTERS: [&str; 5] = [
    "vulnerabilities/index.html",
    "incidents/index.html",
    "faq/index.html",
    "reviews/index.html",
    "schedule/index.html",
];

#[test]
#[ignore = "needs chromium"]
fn every_record_and_report_prints_whole_on_a4() {
    tools();
    let p = example_portal();
    let site = p.join("site");

    // Laid out under the print rules, as wide as the A4 page box: no table
    // wider than the page (whose right border Chromium would cut off), no
    // column squeezed to a character or two a line ("高" over "危"), no
    // number, date or status broken over two lines.
    let mut printed: Vec<&str> = FORMS.iter().chain(&REPORTS).chain(&REGISTERS).copied().collect();
    printed.push("inspections/month/2025-06-print.html");
    let pages: Vec<(&str, Mode)> = printed.iter().map(|p| (*p, Mode::Print)).collect();
    for (page, r) in printed.iter().zip(measure(&site, &pages, None)) {
        let problems = layout_problems(&r);
        assert!(problems.is_empty(), "{page} on paper: {problems:#?}");
        assert!(r["layout"]["tables"].as_u64().unwrap() > 0, "{page}: {r}");
    }

    // Printed: every form on one A4 page, a month of inspections a page a
    // form, each page's footer naming the record and numbering the page.
    let pdfs = tempfile::tempdir().unwrap();
    let jobs: Vec<&str> = printed.clone();
    let pdf_of = |page: &str| pdfs.path().join(format!("{}.pdf", page.replace('/', "_")));
    std::thread::scope(|s| {
        for chunk in jobs.chunks(jobs.len().div_ceil(3)) {
            let (site, dir) = (&site, pdfs.path());
            s.spawn(move || {
                for page in chunk {
                    print_pdf(site, page, dir);
                }
            });
        }
    });
    for page in FORMS {
        let pdf = pdf_of(page);
        let (pages, size) = pdf_pages(&pdf);
        assert_eq!(pages, 1, "{page} prints on one page");
        assert!(size.ends_with("(A4)"), "{page}: {size}");
        let id = page.rsplit('/').next().unwrap().trim_end_matches(".html");
        let footer = title(&site, page);
        assert!(footer.contains(id), "{footer}");
        let text = page_text(&pdf, 1);
        assert!(
            text.contains(&footer),
            "{page}: the footer names the record: {text}"
        );
        assert!(
            text.ends_with("1/1"),
            "{page}: the footer numbers the page: {text}"
        );
    }
    let month = "inspections/month/2025-06-print.html";
    let forms = std::fs::read_to_string(site.join(month))
        .unwrap()
        .matches("class=\"form-page\"")
        .count();
    assert!(forms > 28, "{forms} forms in June");
    assert_eq!(
        pdf_pages(&pdf_of(month)).0,
        forms,
        "every form on a page of its own"
    );
    for page in REGISTERS {
        let (pages, size) = pdf_pages(&pdf_of(page));
        assert!((1..=6).contains(&pages), "{page}: {pages} pages");
        assert!(size.ends_with("(A4)"), "{page}: {size}");
    }

    // The schedule and SLA page: the schedule and its SLA table on two
    // pages at most, each numbered under the page's name.
    let schedule = pdf_of("schedule/index.html");
    let (pages, _) = pdf_pages(&schedule);
    assert!(pages <= 2, "the schedule page prints on {pages} pages");
    let footer = title(&site, "schedule/index.html");
    for n in 1..=pages {
        let text = page_text(&schedule, n);
        assert!(
            text.contains(&footer) && text.ends_with(&format!("{n}/{pages}")),
            "{text}"
        );
    }
    assert!(page_text(&schedule, 1).contains("进度安排执行情况"));

    // The reports: every page numbered "n/N" under the report's name; the
    // client's signature box whole, and never alone on the last page.
    for page in REPORTS {
        let pdf = pdf_of(page);
        let (pages, size) = pdf_pages(&pdf);
        assert!((2..=12).contains(&pages), "{page} is {pages} pages");
        assert!(size.ends_with("(A4)"), "{page}: {size}");
        let texts: Vec<String> = (1..=pages).map(|n| page_text(&pdf, n)).collect();
        let footer = title(&site, page);
        for (n, text) in texts.iter().enumerate() {
            assert!(
                text.ends_with(&format!("{}/{pages}", n + 1)),
                "{page} page {}: {text}",
                n + 1
            );
            assert!(
                text.contains(&footer),
                "{page} page {}: the footer names the report",
                n + 1
            );
        }
        let signed: Vec<usize> = (0..pages)
            .filter(|n| texts[*n].contains("甲方意见及签字"))
            .collect();
        assert_eq!(signed.len(), 1, "{page}: the signature box is on one page");
        assert!(texts[signed[0]].contains("签字："), "{page}: the box is whole");
        let rest = texts[pages - 1]
            .replace("甲方意见及签字", "")
            .replace("签字：", "")
            .replace("日期：", "")
            .replace(&footer, "")
            .replace(&format!("{pages}/{pages}"), "");
        assert!(
            rest.chars().count() > 30,
            "{page}: the last page holds only the signature box: {rest}"
        );
    }
}
