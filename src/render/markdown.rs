//! Markdown to HTML for the portal, safe by construction: no script, event
//! handler or `javascript:` URL can reach a page.
//!
//! pulldown-cmark escapes every text and attribute it writes, so markdown
//! without raw HTML is safe once link and image URLs are held to safe
//! schemes, which is done on the event stream. Raw HTML in a note
//! (`<img onerror=…>`) sends the whole output through ammonia's sanitiser;
//! most notes have none and skip its cost (it parses the HTML again).

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd, html};

use crate::load::notes::body::markdown_options;

/// URL schemes a link or image may use; relative URLs are always allowed.
const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto", "tel", "ftp"];

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["align"]);
    b.url_schemes(SAFE_SCHEMES.iter().copied().collect());
    b
});

/// Renders markdown to sanitised HTML.
pub fn to_html(markdown: &str) -> String {
    let raw_html = std::cell::Cell::new(false);
    let events = Parser::new_ext(markdown, markdown_options()).map(|event| match event {
        Event::Html(_) | Event::InlineHtml(_) => {
            raw_html.set(true);
            event
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    if raw_html.get() {
        SANITISER.clean(&out).to_string()
    } else {
        out
    }
}

/// The URL if its scheme is safe (or it has none), else `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    // Browsers ignore whitespace and control characters inside a scheme
    // (`java\tscript:`), so they are dropped before looking at it.
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_end = cleaned.find(':');
    let path_start = cleaned.find(['/', '?', '#']).unwrap_or(usize::MAX);
    match scheme_end {
        Some(end) if end < path_start && !SAFE_SCHEMES.contains(&&cleaned[..end]) => CowStr::Borrowed("#"),
        _ => url,
    }
}

/// The text of markdown without its markup, cut to about `max` characters:
/// for feed summaries.
pub fn plain_text(markdown: &str, max: usize) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock,
            ) if !out.ends_with(' ') => out.push(' '),
            _ => {}
        }
        if out.chars().count() > max {
            let cut: String = out.chars().take(max).collect();
            return format!("{}…", cut.trim_end());
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_render_and_scripts_do_not() {
        let html = to_html(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))",
        );
        assert!(html.contains("<table>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("=\"javascript:"), "{html}");
    }

    #[test]
    fn unsafe_urls_are_dropped_without_raw_html() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "![i](vbscript:msgbox)",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "<javascript:alert(1)>",
        ] {
            let html = to_html(md).to_lowercase().replace(['\t', ' '], "");
            for bad in ["=\"javascript:", "=\"vbscript:", "=\"data:"] {
                assert!(!html.contains(bad), "{md} → {html}");
            }
        }
        let html = to_html("[文档](docs/a.html) [站点](https://example.org/a?b=1#c) [邮件](mailto:a@b.cn)");
        assert!(html.contains(r#"href="docs/a.html""#), "{html}");
        assert!(html.contains(r#"href="https://example.org/a?b=1#c""#), "{html}");
        assert!(html.contains(r#"href="mailto:a@b.cn""#), "{html}");
    }

    #[test]
    fn escaped_text_stays_text() {
        let html = to_html("a <b onclick=x>b</b> & \"c\"");
        assert!(!html.contains("onclick"), "{html}");
        let html = to_html("`<script>` and 1 < 2");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text("## 原因\n\n**磁盘**满了。\n\n- a\n- b", 100),
            "原因 磁盘满了。 a b"
        );
        assert_eq!(plain_text("一二三四五六", 3), "一二三…");
    }
}
