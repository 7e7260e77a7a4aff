//! Markdown to HTML for the portal. Raw HTML in a note goes through ammonia,
//! so no script, event handler or `javascript:` URL reaches a page.

use pulldown_cmark::{Parser, html};

use crate::load::notes::body::markdown_options;

/// Renders markdown to sanitised HTML.
pub fn to_html(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, markdown_options()));
    ammonia::Builder::default()
        .add_generic_attributes(["align"])
        .clean(&raw)
        .to_string()
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
        assert!(
            html.contains("<a") && !html.contains("href=\"javascript:"),
            "{html}"
        );
    }
}
