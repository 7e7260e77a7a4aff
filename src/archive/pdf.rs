//! The period's records and reports as one A4 PDF for filing, printed by
//! headless Chromium from the same pages and print stylesheet as the
//! portal: what is filed on paper is what the client reads on screen.
//!
//! Why not a browser-free route (the `typst` crate): it would lay the forms
//! out a second time, in another language, and take minutes to build on
//! small CI machines; the portal's print rules are already tested in
//! Chromium. Without Chromium the archive is still made, without the PDF,
//! and the command says so.
//!
//! The pages are put in one HTML file, each record and report starting on
//! a new page (`break-before: page`); the footer carries the page number
//! and the pre-PDF digest: the BLAKE3 of the archive's manifest as it is
//! before the PDF is added (the PDF cannot quote a digest that covers
//! itself).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

/// Set to a browser's path to choose it.
pub const BROWSER_ENV: &str = "OPSBOOK_CHROMIUM";
const BROWSERS: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];
/// A browser that has not printed after this long is stopped.
const TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "no Chromium found (looked for {} on PATH, and ${BROWSER_ENV}): the archive is made without its PDF",
        BROWSERS.join(", ")
    )]
    NoBrowser,
    #[error("{browser} could not print the PDF: {message}")]
    Failed { browser: String, message: String },
}

/// The browser to print with: `$OPSBOOK_CHROMIUM`, else the first of
/// [`BROWSERS`] on `PATH`.
pub fn find_browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(BROWSER_ENV) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| BROWSERS.iter().map(move |b| dir.join(b)))
        .find(|p| p.is_file())
}

/// The `<main>` of a rendered page.
fn main_of(html: &str) -> &str {
    let start = html.find("<main>").map_or(0, |i| i + "<main>".len());
    let end = html[start..].find("</main>").map_or(html.len(), |i| start + i);
    &html[start..end]
}

/// One HTML file of `pages` (paths of the site), each starting a new page,
/// the footer saying `footer` and the page number.
pub fn book(site: &[(String, Vec<u8>)], pages: &[String], lang: &str, footer: &str) -> String {
    let footer = footer.replace('\\', "\\\\").replace('"', "\\\"");
    let mut html = format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{}</title>
<link rel="stylesheet" href="static/style.css">
<style>
@page {{ size: A4; @bottom-left {{ content: "{footer}"; font-size: 7pt; color: #5b6b7c; }} }}
.book-page + .book-page {{ break-before: page; }}
</style></head><body>
"#,
        crate::render::escape_html(&footer)
    );
    for page in pages {
        let Some((_, bytes)) = site.iter().find(|(p, _)| p == page) else {
            continue;
        };
        html.push_str("<main class=\"book-page\">");
        html.push_str(main_of(&String::from_utf8_lossy(bytes)));
        html.push_str("</main>\n");
    }
    html.push_str("</body></html>\n");
    html
}

/// Prints `book` (an HTML file beside the `site` it draws on) to PDF with
/// `browser`, in a folder of its own that is removed afterwards.
pub fn print(browser: &Path, site: &[(String, Vec<u8>)], book: &str) -> Result<Vec<u8>, PdfError> {
    let failed = |message: String| PdfError::Failed {
        browser: browser.display().to_string(),
        message,
    };
    let dir = tempfile::Builder::new()
        .prefix("opsbook-pdf-")
        .tempdir()
        .map_err(|e| failed(e.to_string()))?;
    for (path, bytes) in site.iter().filter(|(p, _)| p.starts_with("static/")) {
        let to = dir.path().join(path);
        std::fs::create_dir_all(to.parent().unwrap_or(dir.path()))
            .and_then(|_| std::fs::write(&to, bytes))
            .map_err(|e| failed(e.to_string()))?;
    }
    let html = dir.path().join("book.html");
    let pdf = dir.path().join("book.pdf");
    std::fs::write(&html, book).map_err(|e| failed(e.to_string()))?;
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    let mut stderr = child.stderr.take();
    let status = match child.wait_timeout(TIMEOUT).map_err(|e| failed(e.to_string()))? {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(failed(format!("no PDF after {} s", TIMEOUT.as_secs())));
        }
    };
    let mut said = String::new();
    if let Some(e) = stderr.as_mut() {
        let _ = e.read_to_string(&mut said);
    }
    match std::fs::read(&pdf) {
        Ok(bytes) if status.success() && bytes.starts_with(b"%PDF") => Ok(bytes),
        _ => Err(failed(format!(
            "{status}: {}",
            said.lines().rev().take(3).collect::<Vec<_>>().join(" / ")
        ))),
    }
}

/// Sets the PDF's creation and modification dates (Chromium writes the
/// time of printing) to `day`, in place: digits for digits, so no offset
/// in the file moves, and the same pages make the same bytes.
pub fn fix_dates(pdf: &mut [u8], day: chrono::NaiveDate) {
    let stamp = day.format("%Y%m%d000000").to_string();
    for key in [&b"/CreationDate (D:"[..], &b"/ModDate (D:"[..]] {
        let mut from = 0;
        while let Some(i) = memchr::memmem::find(&pdf[from..], key) {
            let at = from + i + key.len();
            let digits = pdf[at..]
                .iter()
                .take(14)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 14 {
                pdf[at..at + 14].copy_from_slice(stamp.as_bytes());
            }
            from = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_set_digits_for_digits() {
        let mut pdf =
            b"<</CreationDate (D:20261203130827+00'00')\n/ModDate (D:20261203130827+00'00')>>".to_vec();
        let len = pdf.len();
        fix_dates(&mut pdf, chrono::NaiveDate::from_ymd_opt(2025, 11, 30).unwrap());
        assert_eq!(pdf.len(), len);
        let text = String::from_utf8(pdf).unwrap();
        assert_eq!(text.matches("(D:20251130000000+00'00')").count(), 2, "{text}");
    }

    #[test]
    fn a_book_holds_each_page_s_main_in_order() {
        let site = vec![
            (
                "a.html".to_string(),
                b"<html><main><h1>A</h1></main></html>".to_vec(),
            ),
            (
                "b.html".to_string(),
                b"<html><main><h1>B</h1></main></html>".to_vec(),
            ),
        ];
        let html = book(
            &site,
            &["b.html".into(), "a.html".into()],
            "zh-CN",
            "digest \"x\"",
        );
        let b = html.find("<h1>B</h1>").unwrap();
        assert!(b < html.find("<h1>A</h1>").unwrap());
        assert_eq!(html.matches("class=\"book-page\"").count(), 2);
        assert!(html.contains(r#"content: "digest \"x\"""#));
    }
}
