//! Nesting depth, measured before any parser sees a note.
//!
//! Parsers of nested syntax can take time out of proportion to the input
//! when it is nested thousands deep: YAML flow collections (`[[[[…`) cost the
//! YAML parser quadratic time, and thousands of nested HTML elements or
//! blockquotes cost the HTML sanitiser the same when the portal is built.
//! No real note nests more than a handful of levels, so a note nested beyond
//! [`MAX_DEPTH`] is refused with a problem at the place where it goes too
//! deep. Each scan is one pass over the bytes.
//!
//! TOML needs no scan: its parser stops at 80 levels by itself, in linear
//! time.

/// The deepest nesting a note may have, in any one syntax.
pub const MAX_DEPTH: usize = 32;

/// Where a text first nests deeper than [`MAX_DEPTH`], and in what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// Byte offset of the opening that goes one level too deep.
    pub offset: usize,
    /// What nests: `YAML lists and mappings`, `HTML elements` …
    pub what: &'static str,
}

/// Flow collections (`[`, `{`) of YAML front matter, outside quoted
/// scalars and comments.
pub fn yaml(text: &str) -> Option<TooDeep> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' && q == b'"' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(TooDeep {
                            offset: i,
                            what: "YAML lists and mappings",
                        });
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// HTML elements whose end tag may be left out, and void elements: they do
/// not nest when written one after another.
const FLAT_ELEMENTS: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rp", "rt",
    "colgroup", "caption", "html", "head", "body", "br", "img", "hr", "input", "meta", "link", "wbr", "area",
    "base", "col", "embed", "source", "track", "param",
];

/// A markdown body: blockquote and list markers chained at the start of a
/// line (`> > > - - x`), and HTML elements, outside fenced code blocks.
///
/// Indentation alone is not counted: nesting by indentation needs as many
/// bytes as its depth on every line, so its cost stays in proportion to the
/// text.
pub fn markdown(text: &str) -> Option<TooDeep> {
    let mut html_depth = 0usize;
    let mut fence: Option<(u8, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_start_matches([' ', '\t']);
        // Fenced code: nothing inside is markdown or HTML.
        let run = trimmed.bytes().take_while(|&b| b == b'`' || b == b'~').count();
        if let Some((ch, len)) = fence {
            if run >= len && trimmed.as_bytes()[0] == ch && trimmed[run..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if run >= 3 && trimmed.bytes().take(run).all(|b| b == trimmed.as_bytes()[0]) {
            fence = Some((trimmed.as_bytes()[0], run));
            continue;
        }
        if let Some(at) = container_markers(trimmed) {
            return Some(TooDeep {
                offset: start + (line.len() - trimmed.len()) + at,
                what: "blockquotes and lists",
            });
        }
        if let Some(at) = html(line, &mut html_depth) {
            return Some(TooDeep {
                offset: start + at,
                what: "HTML elements",
            });
        }
    }
    None
}

/// The offset in `line` of the container marker that is one too many.
fn container_markers(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut depth = 0;
    let mut i = 0;
    loop {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        let marker_end = match bytes.get(i) {
            Some(b'>') => Some(i + 1),
            Some(b'-' | b'*' | b'+') if matches!(bytes.get(i + 1), Some(b' ' | b'\t')) => Some(i + 1),
            Some(b'0'..=b'9') => {
                let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                let after = i + digits;
                (digits <= 9
                    && matches!(bytes.get(after), Some(b'.' | b')'))
                    && matches!(bytes.get(after + 1), Some(b' ' | b'\t')))
                .then_some(after + 1)
            }
            _ => None,
        };
        let end = marker_end?;
        depth += 1;
        if depth > MAX_DEPTH {
            return Some(i);
        }
        i = end;
    }
}

/// Counts HTML start and end tags of `line` into `depth`; the offset of the
/// start tag that goes too deep, if one does.
fn html(line: &str, depth: &mut usize) -> Option<usize> {
    let bytes = line.as_bytes();
    let code = code_spans(bytes);
    // Both in order: the next code span that may hold a `<`.
    let mut next_code = 0;
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + found;
        i = at + 1;
        while next_code < code.len() && code[next_code].end <= at {
            next_code += 1;
        }
        // `<div>` written as code is text, not an element.
        if code.get(next_code).is_some_and(|r| r.contains(&at)) {
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = line[name_start..name_start + name_len].to_ascii_lowercase();
        if FLAT_ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        let tag_end = memchr::memchr(b'>', &bytes[name_start..]).map(|e| name_start + e);
        if closing {
            *depth = depth.saturating_sub(1);
        } else if tag_end.is_some_and(|e| e > 0 && bytes[e - 1] == b'/') {
            // `<x/>` closes itself.
        } else {
            *depth += 1;
            if *depth > MAX_DEPTH {
                return Some(at);
            }
        }
    }
    None
}

/// The byte ranges of a line's code spans (`` `<div>` ``): from a run of
/// backticks to the next run of the same length. Each run is looked at
/// once (runs are queued by length), so a line of unmatched runs of every
/// length costs no more than its length.
fn code_spans(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'`', &bytes[i..]) {
        let start = i + found;
        let len = bytes[start..].iter().take_while(|&&b| b == b'`').count();
        runs.push((start, len));
        i = start + len;
    }
    let mut by_len: std::collections::HashMap<usize, std::collections::VecDeque<usize>> =
        std::collections::HashMap::new();
    for (k, &(_, len)) in runs.iter().enumerate() {
        by_len.entry(len).or_default().push_back(k);
    }
    let mut spans = Vec::new();
    let mut k = 0;
    while k < runs.len() {
        let (start, len) = runs[k];
        let queue = by_len.get_mut(&len).expect("every run is queued");
        while queue.front().is_some_and(|&m| m <= k) {
            queue.pop_front();
        }
        match queue.pop_front() {
            Some(m) => {
                spans.push(start..runs[m].0 + len);
                k = m + 1;
            }
            None => k += 1,
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_notes_pass() {
        let md = "## 检查内容\n\n> 引用\n> - 项目\n>   - 子项\n\n<details><summary>日志</summary>\n\n<p>a<p>b<br><img src=x>\n</details>\n\n```\n<div><div><div>\n```\n";
        assert_eq!(markdown(md), None);
        assert_eq!(
            yaml("tags: [OFD, \"[x\"]\nreview: {name: a, date: 2025-01-01}\n# [[[[\n"),
            None
        );
    }

    #[test]
    fn each_shape_is_refused_where_it_goes_too_deep() {
        let deep = MAX_DEPTH + 1;
        let quotes = format!("intro\n{}x\n", "> ".repeat(deep));
        assert_eq!(
            markdown(&quotes),
            Some(TooDeep {
                offset: 6 + 2 * MAX_DEPTH,
                what: "blockquotes and lists"
            })
        );
        let lists = format!("{}x\n", "1. ".repeat(deep));
        assert_eq!(markdown(&lists).unwrap().what, "blockquotes and lists");
        let divs = "<div>\n".repeat(deep);
        assert_eq!(
            markdown(&divs),
            Some(TooDeep {
                offset: 6 * MAX_DEPTH,
                what: "HTML elements"
            })
        );
        let spans = format!("x {}", "<span>".repeat(deep));
        assert_eq!(markdown(&spans).unwrap().what, "HTML elements");
        let flow = format!("a: {}1{}", "[".repeat(deep), "]".repeat(deep));
        assert_eq!(
            yaml(&flow),
            Some(TooDeep {
                offset: 3 + MAX_DEPTH,
                what: "YAML lists and mappings"
            })
        );
    }

    #[test]
    fn closed_elements_do_not_add_up() {
        let md = "<div>x</div>\n".repeat(10_000);
        assert_eq!(markdown(&md), None);
        let md = "<div><span>x</span></div>".repeat(10_000);
        assert_eq!(markdown(&md), None);
        // Written as code, elements are text.
        let md = "用 `<div>` 包裹，或 ``<section>`` 。".repeat(100);
        assert_eq!(markdown(&md), None);
        assert_eq!(code_spans(b"a `x` b ``y`` c ` d"), [2..5, 8..13]);
        assert!(code_spans(b"` `` ``` <div>").is_empty());
    }

    proptest! {
        /// Any depth up to the limit passes, any beyond is refused, for
        /// every shape.
        #[test]
        fn the_limit_is_exact(depth in 1usize..3 * MAX_DEPTH, shape in 0usize..5) {
            let text = match shape {
                0 => format!("{}x\n", "> ".repeat(depth)),
                1 => format!("{}x\n", "- ".repeat(depth)),
                2 => "<div>\n".repeat(depth),
                3 => format!("<section>{}", "<em>".repeat(depth - 1)),
                _ => format!("k: {}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
            };
            let found = if shape == 4 { yaml(&text) } else { markdown(&text) };
            prop_assert_eq!(found.is_some(), depth > MAX_DEPTH, "{}", text);
        }

        #[test]
        fn never_panics(text in "\\PC{0,300}") {
            let _ = markdown(&text);
            let _ = yaml(&text);
        }
    }
}
