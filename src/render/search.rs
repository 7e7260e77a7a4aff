//! The portal's search: an index built at build time that finds Chinese
//! words typed without spaces, and works opened from disk.
//!
//! Text is cut into tokens the same way here and in `static/search.js`:
//! every run of CJK characters gives its overlapping bigrams (a run of one
//! gives that character), every run of other letters and digits gives the
//! lowercased word. A query matches the notes that have all its tokens, so a
//! two-character word finds every note containing it, with no dictionary.
//! A query shorter than two characters asks for more instead: one Chinese
//! character matches half the portal.
//!
//! Results are ranked by relevance, then newest first. Each posting carries
//! a score: how often the note has the token (up to [`MAX_COUNT`]), more when
//! its title has it ([`TITLE_SCORE`]); a note's relevance is the sum over
//! the query's tokens. A note's number (`INC-250108-01`, lowercased) is a
//! token of its own, which no text produces, scored [`ID_SCORE`]: a query
//! that is exactly a number puts that record first.
//!
//! Browsers refuse `fetch` and WebAssembly on `file://` pages, so the index
//! is written as JavaScript files that call a function when loaded by a
//! `<script>` tag: `search/meta.js` (the notes, and how many shards there
//! are), `search/NNN.js`, the shards, each holding the tokens whose FNV-1a
//! hash falls in it, and `search/text/NNN.js`, the notes' plain text,
//! [`TEXT_CHUNK`] notes a file, from which the page cuts each result's
//! snippet. A query loads only its tokens' shards and the texts of the
//! results it shows, so large projects do not load the whole index.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Longest word token kept, in characters.
const MAX_WORD: usize = 40;
/// Occurrences of a token in a note that count towards its score.
const MAX_COUNT: u32 = 20;
/// Added to a token's score when the note's title has it.
const TITLE_SCORE: u32 = 10;
/// The score of a note's own number, queried exactly.
pub const ID_SCORE: u32 = 1000;
/// Notes whose texts share a `search/text/NNN.js` file.
pub const TEXT_CHUNK: usize = 32;
/// Characters of a note's text kept for snippets.
const MAX_TEXT: usize = 20_000;

/// One searchable page.
#[derive(Clone, Serialize)]
pub struct Doc {
    pub url: String,
    /// What the record is, as a reader names it ("软件巡检记录单 2025-11-18").
    pub title: String,
    /// A code the search page labels (`incident`).
    pub kind: String,
    pub date: String,
    /// The record's number (`INC-250108-01`), or empty.
    pub id: String,
    /// The fields a person would search for and the body, joined; the
    /// snippets are cut from it. The number and title are indexed too.
    pub text: String,
}

/// `search/meta.js`'s payload.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    shards: u32,
    /// Notes a `search/text/NNN.js` file holds.
    text_chunk: usize,
    /// Names of the kinds, for the result list.
    kinds: BTreeMap<String, String>,
    /// `[url, title, kind, date, id]` per note; a posting is an index here.
    docs: Vec<[String; 5]>,
}

pub const META_FILE: &str = "search/meta.js";
const META_CALL: &str = "opsbookSearch.meta(";
const SHARD_CALL: &str = "opsbookSearch.shard(";
const TEXT_CALL: &str = "opsbookSearch.text(";

pub fn shard_file(n: u32) -> String {
    format!("search/{n:03}.js")
}

pub fn text_file(n: usize) -> String {
    format!("search/text/{n:03}.js")
}

/// How many shards an index of `docs` notes gets: about 64 notes' tokens a
/// shard, at most 256 files.
fn shard_count(docs: usize) -> u32 {
    (docs / 64).clamp(1, 256).next_power_of_two().min(256) as u32
}

/// A shard's tokens, each with its notes and their scores, in note order.
type Postings<'a> = HashMap<Token<'a>, Vec<(u32, u32)>, FnvBuild>;

/// Notes tokenized at once: bounds the memory the token lists take.
const CHUNK: usize = 512;

/// The paths of the index files of `docs` notes, in the order [`build`]
/// gives them.
pub fn paths(docs: usize) -> Vec<String> {
    let shards = (0..shard_count(docs)).map(shard_file);
    let texts = (0..docs.div_ceil(TEXT_CHUNK)).map(text_file);
    shards.chain(texts).chain([META_FILE.to_string()]).collect()
}

/// The index files, as (site path, bytes).
pub fn build(docs: &[Doc], kinds: BTreeMap<String, String>) -> Vec<(String, Vec<u8>)> {
    let shards = shard_count(docs.len());
    // Per shard: token → the notes that have it, in note order, with scores.
    let mut maps: Vec<Postings> = (0..shards).map(|_| HashMap::default()).collect();
    for (c, chunk) in docs.chunks(CHUNK).enumerate() {
        let first = (c * CHUNK) as u32;
        // Each note's distinct tokens with their scores, grouped by shard.
        let tokenized: Vec<DocTokens> = chunk.par_iter().map(|d| DocTokens::new(d, shards)).collect();
        maps.par_iter_mut().enumerate().for_each(|(s, map)| {
            for (i, doc) in tokenized.iter().enumerate() {
                for (tok, score) in doc.in_shard(s) {
                    map.entry(tok.clone())
                        .or_default()
                        .push((first + i as u32, score));
                }
            }
        });
    }
    let mut files: Vec<(String, Vec<u8>)> = maps
        .into_par_iter()
        .enumerate()
        .map(|(s, postings)| {
            let mut keys: Vec<&Token> = postings.keys().collect();
            keys.sort_unstable_by(|a, b| a.text.cmp(&b.text));
            // Per token: note numbers as gaps from the previous one (smaller
            // files), each followed by its score.
            let mut out = format!("{SHARD_CALL}{s},{{").into_bytes();
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, k.text.as_ref()).expect("a string serializes");
                out.extend_from_slice(b":[");
                let mut prev = 0;
                for (j, (d, score)) in postings[*k].iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(format!("{},{score}", d - prev).as_bytes());
                    prev = *d;
                }
                out.push(b']');
            }
            out.extend_from_slice(b"});\n");
            (shard_file(s as u32), out)
        })
        .collect();
    files.par_extend(docs.par_chunks(TEXT_CHUNK).enumerate().map(|(n, chunk)| {
        let texts: Vec<String> = chunk.iter().map(|d| plain(&d.text)).collect();
        let mut out = format!("{TEXT_CALL}{n},").into_bytes();
        serde_json::to_writer(&mut out, &texts).expect("strings serialize");
        out.extend_from_slice(b");\n");
        (text_file(n), out)
    }));
    let meta = Meta {
        shards,
        text_chunk: TEXT_CHUNK,
        kinds,
        docs: docs
            .iter()
            .map(|d| {
                [
                    d.url.clone(),
                    d.title.clone(),
                    d.kind.clone(),
                    d.date.clone(),
                    d.id.clone(),
                ]
            })
            .collect(),
    };
    let mut bytes = META_CALL.as_bytes().to_vec();
    serde_json::to_writer(&mut bytes, &meta).expect("the index serializes");
    bytes.extend_from_slice(b");\n");
    files.push((META_FILE.to_string(), bytes));
    files
}

/// A note's text as its snippets show it: markdown's marks, table rules
/// and line breaks gone, spaces collapsed, at most [`MAX_TEXT`] characters.
fn plain(text: &str) -> String {
    let words = text
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | '*' | '#' | '`' | '>' | '_'))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| matches!(c, '-' | ':' | '=')));
    let mut out = String::with_capacity(text.len().min(MAX_TEXT * 3));
    let mut chars = 0;
    for word in words {
        if chars > 0 {
            if chars + 1 >= MAX_TEXT {
                break;
            }
            out.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars >= MAX_TEXT {
                return out;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

/// A token with its FNV-1a hash, which picks its shard and, compared
/// before the text, makes sorting and hashing cheap.
#[derive(Clone, PartialEq, Eq)]
struct Token<'a> {
    hash: u32,
    text: Cow<'a, str>,
}

impl std::hash::Hash for Token<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u32(self.hash);
    }
}

/// One note's distinct tokens with their scores, sorted by shard, with
/// where each shard's tokens start.
struct DocTokens<'a> {
    tokens: Vec<(u32, Token<'a>, u32)>,
    starts: Vec<u32>,
}

impl<'a> DocTokens<'a> {
    fn new(doc: &'a Doc, shards: u32) -> DocTokens<'a> {
        let mut all: Vec<(u32, Token)> = Vec::new();
        for part in [&doc.id, &doc.title, &doc.text] {
            self::tokens(part, |text| {
                let hash = fnv1a(&text);
                all.push((hash % shards, Token { hash, text }));
            });
        }
        // By shard, then hash; the texts are compared only when hashes tie.
        let key = |(shard, t): &(u32, Token)| (*shard, t.hash);
        all.sort_unstable_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.1.text.cmp(&b.1.text)));
        let mut title: Vec<Cow<str>> = Vec::new();
        self::tokens(&doc.title, |t| title.push(t));
        title.sort_unstable();
        // Repeats become a count, the count and the title a score.
        let mut tokens: Vec<(u32, Token, u32)> = Vec::with_capacity(all.len());
        for (shard, token) in all {
            match tokens.last_mut() {
                Some((_, last, count)) if *last == token => *count += 1,
                _ => tokens.push((shard, token, 1)),
            }
        }
        for (_, token, score) in &mut tokens {
            *score = (*score).min(MAX_COUNT);
            if title.binary_search(&token.text).is_ok() {
                *score += TITLE_SCORE;
            }
        }
        if !doc.id.is_empty() {
            let text = Cow::Owned(doc.id.to_lowercase());
            let hash = fnv1a(&text);
            let token = Token { hash, text };
            match tokens.iter_mut().find(|(_, t, _)| *t == token) {
                Some((_, _, score)) => *score += ID_SCORE,
                None => {
                    let at = tokens.partition_point(|(s, t, _)| (*s, t.hash) < (hash % shards, hash));
                    tokens.insert(at, (hash % shards, token, ID_SCORE));
                }
            }
        }
        let mut starts = Vec::with_capacity(shards as usize + 1);
        let mut at = 0;
        for s in 0..=shards {
            while at < tokens.len() && tokens[at].0 < s {
                at += 1;
            }
            starts.push(at as u32);
        }
        DocTokens { tokens, starts }
    }

    fn in_shard(&self, s: usize) -> impl Iterator<Item = (&Token<'a>, u32)> {
        self.tokens[self.starts[s] as usize..self.starts[s + 1] as usize]
            .iter()
            .map(|(_, t, score)| (t, *score))
    }
}

/// Hashing for the token maps: FNV-1a, much cheaper than the default
/// SipHash for millions of short keys (no untrusted input to defend).
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// Calls `f` with each token of `text` (repeats included).
pub fn tokens<'a>(text: &'a str, mut f: impl FnMut(Cow<'a, str>)) {
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if is_cjk(c) {
            // A run of CJK characters: its bigrams, or the one character.
            let mut prev = (start, c);
            let mut single = true;
            while let Some(&(i, next)) = chars.peek() {
                if !is_cjk(next) {
                    break;
                }
                f(Cow::Borrowed(&text[prev.0..i + next.len_utf8()]));
                single = false;
                prev = (i, next);
                chars.next();
            }
            if single {
                f(Cow::Borrowed(&text[start..start + c.len_utf8()]));
            }
        } else if c.is_alphanumeric() {
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if !next.is_alphanumeric() || is_cjk(next) {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            let word = &text[start..end];
            let word = match word.char_indices().nth(MAX_WORD) {
                Some((cut, _)) => &word[..cut],
                None => word,
            };
            if word.chars().any(char::is_uppercase) {
                f(Cow::Owned(word.to_lowercase()));
            } else {
                f(Cow::Borrowed(word));
            }
        }
    }
}

/// Han, kana and Hangul: scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF       // Hiragana, Katakana
        | 0x3400..=0x4DBF     // CJK Extension A
        | 0x4E00..=0x9FFF     // CJK Unified Ideographs
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0xF900..=0xFAFF     // CJK Compatibility Ideographs
        | 0x20000..=0x2FFFF) // CJK Extensions B–F and supplements
}

/// 32-bit FNV-1a of the UTF-8 bytes (as `search.js` computes it).
fn fnv1a(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.as_bytes() {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The fewest letters, digits or characters a query needs.
pub const MIN_QUERY: usize = 2;

/// Whether `query` is long enough to look up ([`MIN_QUERY`]).
pub fn long_enough(query: &str) -> bool {
    query.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_QUERY
}

/// Looks `query` up in the index written under `site`, as the search page
/// does: the pages (urls) of the notes that have every token of the query,
/// and the note whose number it is, most relevant first, then newest.
pub fn lookup(site: &Path, query: &str) -> io::Result<Vec<String>> {
    let meta: Meta = parse_call(&std::fs::read_to_string(site.join(META_FILE))?, META_CALL)?;
    if !long_enough(query) {
        return Ok(Vec::new());
    }
    let mut wanted: Vec<Cow<str>> = Vec::new();
    tokens(query, |t| wanted.push(t));
    wanted.sort();
    wanted.dedup();
    let postings = |token: &str| -> io::Result<HashMap<u32, u32>> {
        let shard = fnv1a(token) % meta.shards;
        let text = std::fs::read_to_string(site.join(shard_file(shard)))?;
        let start = format!("{SHARD_CALL}{shard},");
        let map: HashMap<String, Vec<u32>> = parse_call(&text, &start)?;
        let mut doc = 0;
        Ok(map
            .get(token)
            .map(|pairs| {
                pairs
                    .chunks(2)
                    .map(|pair| {
                        doc += pair[0];
                        (doc, pair.get(1).copied().unwrap_or(0))
                    })
                    .collect()
            })
            .unwrap_or_default())
    };
    // Every token's notes, their scores summed.
    let mut found: Option<HashMap<u32, u32>> = None;
    for token in &wanted {
        let docs = postings(token)?;
        found = Some(match found {
            None => docs,
            Some(prev) => prev
                .into_iter()
                .filter_map(|(d, score)| docs.get(&d).map(|s| (d, score + s)))
                .collect(),
        });
    }
    let mut found = found.unwrap_or_default();
    let exact = query.trim().to_lowercase();
    if !exact.contains(char::is_whitespace) {
        for (d, score) in postings(&exact)? {
            *found.entry(d).or_default() += score;
        }
    }
    let mut ranked: Vec<(u32, u32)> = found.into_iter().collect();
    let date = |d: u32| meta.docs.get(d as usize).map_or("", |doc| doc[3].as_str());
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| date(b.0).cmp(date(a.0)))
            .then(a.0.cmp(&b.0))
    });
    Ok(ranked
        .into_iter()
        .filter_map(|(d, _)| meta.docs.get(d as usize).map(|doc| doc[0].clone()))
        .collect())
}

/// The JSON argument of `prefix{json});`.
fn parse_call<T: for<'de> Deserialize<'de>>(text: &str, prefix: &str) -> io::Result<T> {
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a search file: expected `{prefix}`"),
        )
    };
    let json = text
        .strip_prefix(prefix)
        .and_then(|t| t.trim_end().strip_suffix(");"))
        .ok_or_else(bad)?;
    serde_json::from_str(json).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        tokens(text, |t| out.push(t.into_owned()));
        out
    }

    #[test]
    fn chinese_becomes_bigrams_and_words_stay_whole() {
        assert_eq!(all("公文交换"), ["公文", "文交", "交换"]);
        assert_eq!(all("OFD阅读 v3.7"), ["ofd", "阅读", "v3", "7"]);
        assert_eq!(all("备，份"), ["备", "份"]);
        assert_eq!(all("INC-250311-01"), ["inc", "250311", "01"]);
    }

    fn doc(url: &str, date: &str, title: &str, text: &str) -> Doc {
        Doc {
            url: url.into(),
            title: title.into(),
            kind: "faq".into(),
            date: date.into(),
            id: url.trim_end_matches(".html").to_uppercase(),
            text: text.into(),
        }
    }

    #[test]
    fn the_index_has_the_files_its_paths_name() {
        // Around the sizes where a shard or a text file is added.
        for n in [0, 1, 31, 32, 33, 64, 127, 128, 129, 300, 5000, 20_000] {
            let docs: Vec<Doc> = (0..n)
                .map(|i| doc(&format!("n{i}.html"), "2025-01-01", "巡检", "备份 正常"))
                .collect();
            let made: Vec<String> = build(&docs, BTreeMap::new())
                .into_iter()
                .map(|(p, _)| p)
                .collect();
            assert_eq!(made, paths(n), "{n} notes");
        }
    }

    fn write(docs: &[Doc]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, bytes) in build(docs, BTreeMap::new()) {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        dir
    }

    #[test]
    fn a_query_finds_the_notes_with_all_its_tokens() {
        let dir = write(&[
            doc("a.html", "", "", "公文交换接口超时"),
            doc("b.html", "", "", "个人云盘扩容"),
            doc("c.html", "", "", "交换机故障 Exchange"),
        ]);
        assert_eq!(lookup(dir.path(), "交换").unwrap(), ["a.html", "c.html"]);
        assert_eq!(lookup(dir.path(), "公文交换").unwrap(), ["a.html"]);
        assert_eq!(lookup(dir.path(), "云盘").unwrap(), ["b.html"]);
        assert_eq!(lookup(dir.path(), "exchange").unwrap(), ["c.html"]);
        assert!(lookup(dir.path(), "数据库").unwrap().is_empty());
    }

    #[test]
    fn results_rank_by_relevance_then_newest() {
        let dir = write(&[
            // Once in the body, old.
            doc("inc-250101-01.html", "2025-01-01", "磁盘告警", "公文交换慢"),
            // Three times in the body.
            doc(
                "inc-250201-01.html",
                "2025-02-01",
                "接口超时",
                "公文交换失败，公文交换重试，公文交换恢复",
            ),
            // In the title.
            doc("inc-250301-01.html", "2025-03-01", "公文交换中断", "已恢复"),
            // Once in the body, newer than the first.
            doc("inc-250401-01.html", "2025-04-01", "巡检", "公文交换正常"),
            // Its number shares digits with the others' but is not theirs.
            doc("wo-250101-01.html", "2025-01-01", "工单", "新增用户 250101"),
        ]);
        assert_eq!(
            lookup(dir.path(), "公文交换").unwrap(),
            [
                "inc-250301-01.html",
                "inc-250201-01.html",
                "inc-250401-01.html",
                "inc-250101-01.html"
            ]
        );
        // A record's number, typed as written, puts that record first.
        let found = lookup(dir.path(), "WO-250101-01").unwrap();
        assert_eq!(found[0], "wo-250101-01.html", "{found:?}");
        let found = lookup(dir.path(), " inc-250101-01 ").unwrap();
        assert_eq!(found[0], "inc-250101-01.html", "{found:?}");
    }

    #[test]
    fn a_query_needs_two_characters() {
        let dir = write(&[doc("a.html", "", "", "备 份")]);
        assert!(!long_enough("备"));
        assert!(!long_enough(" a， "));
        assert!(long_enough("备份"));
        assert!(lookup(dir.path(), "备").unwrap().is_empty());
    }

    #[test]
    fn snippets_read_the_text_without_markdown() {
        let files = build(
            &[doc(
                "a.html",
                "",
                "标题",
                "## 处理过程\n\n| 项目 | 结果 |\n|---|---|\n| **CPU** | `正常` |",
            )],
            BTreeMap::new(),
        );
        let (_, text) = files.iter().find(|(path, _)| *path == text_file(0)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(text),
            "opsbookSearch.text(0,[\"处理过程 项目 结果 CPU 正常\"]);\n"
        );
        assert_eq!(plain(&"字".repeat(MAX_TEXT + 5)).chars().count(), MAX_TEXT);
    }

    #[test]
    fn fnv_matches_the_reference() {
        assert_eq!(fnv1a(""), 0x811c9dc5);
        assert_eq!(fnv1a("a"), 0xe40c292c);
    }
}
