//! A note's markdown body and the sections the contract's forms name
//! (检查内容, 巡检结果分析, 原因分析, 处理方法 …), found by heading.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// Markdown options used everywhere a body is read or rendered.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

#[derive(Debug, Clone, Serialize)]
pub struct Body {
    /// The markdown text after the front matter.
    pub markdown: String,
    /// File line of the body's first line.
    pub first_line: usize,
    /// Its sections, in order.
    pub sections: Vec<Section>,
}

/// The text under one heading, up to the next heading of the same or a higher
/// level.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The heading's text, trimmed of trailing colons (`处理方法：` → `处理方法`).
    pub heading: String,
    pub level: u8,
    /// File line of the heading.
    pub line: usize,
    /// The markdown under the heading.
    pub markdown: String,
}

impl Body {
    pub fn new(markdown: String, first_line: usize) -> Body {
        let sections = find_sections(&markdown, first_line);
        Body {
            markdown,
            first_line,
            sections,
        }
    }

    /// The markdown of the section with this heading, if the body has it.
    pub fn section(&self, heading: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| s.heading == heading)
            .map(|s| s.markdown.as_str())
    }

    /// Whether the body has no text at all.
    pub fn is_blank(&self) -> bool {
        self.markdown.trim().is_empty()
    }
}

fn level_number(level: HeadingLevel) -> u8 {
    level as u8
}

fn find_sections(markdown: &str, first_line: usize) -> Vec<Section> {
    // (heading, level, heading start, content start)
    let mut headings: Vec<(String, u8, usize, usize)> = Vec::new();
    let mut current: Option<(String, u8, usize)> = None;
    for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some((String::new(), level_number(level), range.start));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((text, ..)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((text, level, start)) = current.take() {
                    headings.push((clean_heading(&text), level, start, range.end));
                }
            }
            _ => {}
        }
    }
    let mut sections = Vec::with_capacity(headings.len());
    // Lines are counted once, from heading to heading (headings come in
    // order), so that a body of many headings costs time in proportion to
    // its length.
    let mut line = first_line;
    let mut counted = 0;
    for (i, (heading, level, start, content_start)) in headings.iter().enumerate() {
        line += memchr::memchr_iter(b'\n', &markdown.as_bytes()[counted..*start]).count();
        counted = *start;
        let end = headings[i + 1..]
            .iter()
            .find(|(_, l, ..)| l <= level)
            .map_or(markdown.len(), |(_, _, s, _)| *s);
        let content_start = (*content_start).min(end);
        sections.push(Section {
            heading: heading.clone(),
            level: *level,
            line,
            markdown: markdown[content_start..end].trim().to_string(),
        });
    }
    sections
}

fn clean_heading(text: &str) -> String {
    text.trim().trim_end_matches([':', '：']).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_found_by_heading() {
        let md = "intro\n\n## 原因分析\n\n磁盘满。\n\n### 细节\n\n日志过大\n\n## 处理方法：\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
        let body = Body::new(md.to_string(), 10);
        assert_eq!(
            body.section("原因分析").unwrap(),
            "磁盘满。\n\n### 细节\n\n日志过大"
        );
        assert_eq!(body.section("细节").unwrap(), "日志过大");
        assert!(body.section("处理方法").unwrap().starts_with("| a | b |"));
        assert_eq!(body.sections[0].line, 12);
        assert!(body.section("预防措施").is_none());
    }

    #[test]
    fn lines_are_right_for_many_headings() {
        let md: String = (0..1000).map(|i| format!("## h{i}\n\ntext\n\n")).collect();
        let body = Body::new(md, 7);
        assert_eq!(body.sections.len(), 1000);
        assert_eq!(body.sections[0].line, 7);
        assert_eq!(body.sections[999].line, 7 + 4 * 999);
    }

    #[test]
    fn setext_headings_count_too() {
        let body = Body::new("检查内容\n====\n\nCPU 正常\n".to_string(), 1);
        assert_eq!(body.section("检查内容"), Some("CPU 正常"));
    }
}
