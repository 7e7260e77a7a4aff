//! What every note of the model shares: its identity, page, source commit and
//! body parts; and the context the note views are built in.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use serde::Serialize;

use crate::analyse::contract::RecordTime;
use crate::load::git::{Commit, GitHistory};
use crate::load::notes::body::Body;
use crate::load::notes::{Audience, Kind};
use crate::time::Timestamp;

/// The part of a note every page, list and feed entry needs.
#[derive(Debug, Clone, Serialize)]
pub struct NoteInfo {
    pub id: String,
    pub kind: Kind,
    /// The page, relative to the site root (`incidents/INC-250311-01.html`).
    pub url: String,
    /// Source file, relative to the project.
    pub path: String,
    pub title: String,
    /// The note's day (`2025-03-11`), for lists and calendars.
    pub date: Option<NaiveDate>,
    pub audience: Audience,
    /// The source file's newest commit, when the project is in git.
    pub source: Option<Commit>,
    /// The `data/*.json` file that holds this note's data.
    pub data: String,
    /// The note fails `check`: its pages say it is being corrected
    /// (see `report::corrections`).
    pub correcting: bool,
    /// The note was edited (or its file removed) after the archive of this
    /// period was handed in: its page says so ([`super::handins`]).
    pub edited_after: Option<crate::period::Period>,
}

/// A link to another note; `url` is `None` when the note is not in this
/// audience's portal (or does not exist), and the id is shown unlinked.
#[derive(Debug, Clone, Serialize)]
pub struct NoteRef {
    pub id: String,
    pub url: Option<String>,
    pub title: String,
}

/// A heading of a note's body and the markdown under it.
#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    pub heading: String,
    pub markdown: String,
}

/// A body cut along the sections a contract form names.
pub struct FormBody {
    /// Text before the first heading.
    pub intro: Option<String>,
    /// The markdown of each named section, in the order asked for.
    pub named: Vec<Option<String>>,
    /// Other top-level sections, shown after the form's own.
    pub other: Vec<SectionView>,
}

/// Everything note views are built from, besides the note itself.
pub struct Ctx<'a> {
    pub tz: Tz,
    /// The moment the record stands at: what happened after it is not shown.
    pub record: RecordTime,
    pub git: &'a GitHistory,
    /// The page and title of every note in this audience's portal, by id.
    pub index: HashMap<String, (String, String)>,
}

impl Ctx<'_> {
    /// A text from a note, as written: it is masked for the audience when
    /// it leaves the model (`redact::Masked`).
    pub fn text(&self, s: &str) -> String {
        s.to_string()
    }

    pub fn opt(&self, s: &Option<String>) -> Option<String> {
        s.as_deref().map(|s| self.text(s))
    }

    pub fn texts(&self, list: &[String]) -> Vec<String> {
        list.iter().map(|s| self.text(s)).collect()
    }

    /// A timestamp in the project's timezone.
    pub fn time(&self, t: &Timestamp) -> Timestamp {
        local(t, self.tz)
    }

    /// A timestamp in the project's timezone, if it had happened by the
    /// record's moment.
    pub fn happened(&self, t: &Option<Timestamp>) -> Option<Timestamp> {
        t.as_ref()
            .filter(|t| self.record.happened(t))
            .map(|t| self.time(t))
    }

    pub fn reference(&self, id: &str) -> NoteRef {
        match self.index.get(id) {
            Some((url, title)) => NoteRef {
                id: id.to_string(),
                url: Some(url.clone()),
                title: title.clone(),
            },
            None => NoteRef {
                id: self.text(id),
                url: None,
                title: String::new(),
            },
        }
    }

    /// A body's parts along `named` headings, every text masked.
    pub fn form_body(&self, body: &Body, named: &[&str]) -> FormBody {
        let sections = &body.sections;
        let mut found: Vec<Option<String>> = vec![None; named.len()];
        let mut other = Vec::new();
        // (level, known) of the headings enclosing the current one.
        let mut stack: Vec<(u8, bool)> = Vec::new();
        for (i, s) in sections.iter().enumerate() {
            while stack.last().is_some_and(|(level, _)| *level >= s.level) {
                stack.pop();
            }
            let inside_known = stack.iter().any(|(_, known)| *known);
            let slot = named.iter().position(|n| *n == s.heading);
            match slot {
                Some(k) if !inside_known && found[k].is_none() => {
                    found[k] = Some(self.text(&s.markdown));
                }
                None if stack.is_empty() && !contains_named(sections, i, named) => {
                    other.push(SectionView {
                        heading: self.text(&s.heading),
                        markdown: self.text(&s.markdown),
                    });
                }
                _ => {}
            }
            stack.push((s.level, slot.is_some()));
        }
        let before_first = sections
            .first()
            .map_or(usize::MAX, |s| s.line.saturating_sub(body.first_line));
        let intro: Vec<&str> = body.markdown.lines().take(before_first).collect();
        let intro = intro.join("\n");
        let intro = intro.trim();
        FormBody {
            intro: (!intro.is_empty()).then(|| self.text(intro)),
            named: found,
            other,
        }
    }

    /// The newest commit of a note's file.
    pub fn source(&self, path: &str) -> Option<Commit> {
        self.git.file(path).map(|h| Commit {
            date: self.git_date(&h.last.date),
            author: h.last.author.clone(),
        })
    }

    /// Who first committed a note's file.
    pub fn git_author(&self, path: &str) -> Option<String> {
        self.git.file(path).map(|h| h.first.author.clone())
    }

    /// A git date shown in the project's timezone.
    fn git_date(&self, date: &str) -> String {
        DateTime::parse_from_rfc3339(date)
            .map(|d| d.with_timezone(&self.tz).to_rfc3339())
            .unwrap_or_else(|_| date.to_string())
    }
}

/// Whether a section of `named` lies under `sections[i]`.
fn contains_named(sections: &[crate::load::notes::body::Section], i: usize, named: &[&str]) -> bool {
    let level = sections[i].level;
    sections[i + 1..]
        .iter()
        .take_while(|s| s.level > level)
        .any(|s| named.contains(&s.heading.as_str()))
}

/// The same instant, with `tz`'s offset: serialized as RFC 3339 in the
/// project's timezone.
pub fn local(t: &Timestamp, tz: Tz) -> Timestamp {
    Timestamp(t.0.with_timezone(&tz).fixed_offset())
}

/// `{base}.html`, or `{base}-2.html`, `-3` … when that page is `taken`
/// (two notes with one id, an error `check` reports): neither page is lost.
pub fn unique_page(base: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let mut url = format!("{base}.html");
    let mut k = 2;
    while !taken.insert(url.clone()) {
        url = format!("{base}-{k}.html");
        k += 1;
    }
    url
}

/// A file name from an id: ids are ASCII by rule, but a broken one must not
/// reach outside its folder.
pub fn url_safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(git: &GitHistory) -> Ctx<'_> {
        Ctx {
            tz: crate::time::DEFAULT_TIMEZONE,
            record: RecordTime::new(
                &crate::time::Clock::parse("2025-06-01", crate::time::DEFAULT_TIMEZONE).unwrap(),
                None,
            ),
            git,
            index: HashMap::new(),
        }
    }

    #[test]
    fn form_body_finds_named_intro_and_other_sections() {
        let g = GitHistory::default();
        let body = Body::new(
            "前言\n\n## 原因分析\n\n磁盘满\n\n### 细节\n\n日志\n\n## 附录\n\n清单\n\n## 处理方法\n\n扩容\n"
                .into(),
            5,
        );
        let parts = ctx(&g).form_body(&body, &["原因分析", "处理方法", "预防措施"]);
        assert_eq!(parts.intro.as_deref(), Some("前言"));
        assert_eq!(parts.named[0].as_deref(), Some("磁盘满\n\n### 细节\n\n日志"));
        assert_eq!(parts.named[1].as_deref(), Some("扩容"));
        assert_eq!(parts.named[2], None);
        assert_eq!(parts.other.len(), 1);
        assert_eq!(parts.other[0].heading, "附录");
    }

    #[test]
    fn a_wrapping_heading_is_not_shown_twice() {
        let g = GitHistory::default();
        let body = Body::new("# 记录\n\n## 检查内容\n\nA\n\n## 巡检结果分析\n\nB\n".into(), 1);
        let parts = ctx(&g).form_body(&body, &["检查内容", "巡检结果分析"]);
        assert!(parts.other.is_empty());
        assert_eq!(parts.named[1].as_deref(), Some("B"));
        let plain = Body::new("只有正文。\n".into(), 1);
        let parts = ctx(&g).form_body(&plain, &["检查内容"]);
        assert_eq!(parts.intro.as_deref(), Some("只有正文。"));
    }
}
