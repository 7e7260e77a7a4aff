//! The portal's search: an index built at build time that finds Chinese
//! words typed without spaces, and works opened from disk.
//!
//! Text is cut into tokens the same way here and in `static/search.js`:
//! every run of CJK characters gives its overlapping bigrams (a run of one
//! gives that character), every run of other letters and digits gives the
//! lowercased word. A query matches the notes that have all its tokens, so a
//! two-character word finds every note containing it, with no dictionary.
//!
//! Browsers refuse `fetch` and WebAssembly on `file://` pages, so the index
//! is written as JavaScript files that call a function when loaded by a
//! `<script>` tag: `search/meta.js` (the notes, and how many shards there
//! are) and `search/NNN.js`, the shards, each holding the tokens whose
//! FNV-1a hash falls in it. A query loads only its tokens' shards, so large
//! projects do not load the whole index.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Longest word token kept, in characters.
const MAX_WORD: usize = 40;

/// One searchable page.
pub struct Doc {
    pub url: String,
    pub title: String,
    /// A code the search page labels (`incident`).
    pub kind: String,
    pub date: String,
    /// Everything to index, joined.
    pub text: String,
}

/// `search/meta.js`'s payload.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    shards: u32,
    /// Names of the kinds, for the result list.
    kinds: BTreeMap<String, String>,
    /// `[url, title, kind, date]` per note; a posting is an index here.
    docs: Vec<[String; 4]>,
}

pub const META_FILE: &str = "search/meta.js";
const META_CALL: &str = "opsbookSearch.meta(";
const SHARD_CALL: &str = "opsbookSearch.shard(";

pub fn shard_file(n: u32) -> String {
    format!("search/{n:03}.js")
}

/// How many shards an index of `docs` notes gets: about 64 notes' tokens a
/// shard, at most 256 files.
fn shard_count(docs: usize) -> u32 {
    (docs / 64).clamp(1, 256).next_power_of_two().min(256) as u32
}

/// Notes tokenized at once: bounds the memory the token lists take.
const CHUNK: usize = 512;

/// The index files, as (site path, bytes).
pub fn build(docs: &[Doc], kinds: BTreeMap<String, String>) -> Vec<(String, Vec<u8>)> {
    let shards = shard_count(docs.len());
    // Per shard: token → the notes that have it, in note order.
    let mut maps: Vec<HashMap<Token, Vec<u32>, FnvBuild>> = (0..shards).map(|_| HashMap::default()).collect();
    for (c, chunk) in docs.chunks(CHUNK).enumerate() {
        let first = (c * CHUNK) as u32;
        // Each note's distinct tokens, grouped by shard.
        let tokenized: Vec<DocTokens> = chunk
            .par_iter()
            .map(|d| DocTokens::new(&d.text, shards))
            .collect();
        maps.par_iter_mut().enumerate().for_each(|(s, map)| {
            for (i, doc) in tokenized.iter().enumerate() {
                for tok in doc.in_shard(s) {
                    map.entry(tok.clone()).or_default().push(first + i as u32);
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
            // Note numbers as gaps from the previous one: smaller files.
            let mut out = format!("{SHARD_CALL}{s},{{").into_bytes();
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, k.text.as_ref()).expect("a string serializes");
                out.extend_from_slice(b":[");
                let mut prev = 0;
                for (j, d) in postings[*k].iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice((d - prev).to_string().as_bytes());
                    prev = *d;
                }
                out.push(b']');
            }
            out.extend_from_slice(b"});\n");
            (shard_file(s as u32), out)
        })
        .collect();
    let meta = Meta {
        shards,
        kinds,
        docs: docs
            .iter()
            .map(|d| [d.url.clone(), d.title.clone(), d.kind.clone(), d.date.clone()])
            .collect(),
    };
    let mut bytes = META_CALL.as_bytes().to_vec();
    serde_json::to_writer(&mut bytes, &meta).expect("the index serializes");
    bytes.extend_from_slice(b");\n");
    files.push((META_FILE.to_string(), bytes));
    files
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

/// One note's distinct tokens, sorted by shard, with where each shard's
/// tokens start.
struct DocTokens<'a> {
    tokens: Vec<(u32, Token<'a>)>,
    starts: Vec<u32>,
}

impl<'a> DocTokens<'a> {
    fn new(text: &'a str, shards: u32) -> DocTokens<'a> {
        let mut tokens: Vec<(u32, Token)> = Vec::new();
        self::tokens(text, |text| {
            let hash = fnv1a(&text);
            tokens.push((hash % shards, Token { hash, text }));
        });
        // By shard, then hash; the texts are compared only when hashes tie.
        let key = |(shard, t): &(u32, Token)| (*shard, t.hash);
        tokens.sort_unstable_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.1.text.cmp(&b.1.text)));
        tokens.dedup();
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

    fn in_shard(&self, s: usize) -> impl Iterator<Item = &Token<'a>> {
        self.tokens[self.starts[s] as usize..self.starts[s + 1] as usize]
            .iter()
            .map(|(_, t)| t)
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

/// Looks `query` up in the index written under `site`, as the search page
/// does: the pages (urls) of the notes that have every token of the query.
pub fn lookup(site: &Path, query: &str) -> io::Result<Vec<String>> {
    let meta: Meta = parse_call(&std::fs::read_to_string(site.join(META_FILE))?, META_CALL)?;
    let mut wanted: Vec<Cow<str>> = Vec::new();
    tokens(query, |t| wanted.push(t));
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut result: Option<Vec<u32>> = None;
    for token in &wanted {
        let shard = fnv1a(token) % meta.shards;
        let text = std::fs::read_to_string(site.join(shard_file(shard)))?;
        let start = format!("{SHARD_CALL}{shard},");
        let postings: HashMap<String, Vec<u32>> = parse_call(&text, &start)?;
        let docs: Vec<u32> = postings
            .get(token.as_ref())
            .map(|gaps| {
                gaps.iter()
                    .scan(0, |acc, g| {
                        *acc += g;
                        Some(*acc)
                    })
                    .collect()
            })
            .unwrap_or_default();
        result = Some(match result {
            None => docs,
            Some(prev) => prev.into_iter().filter(|d| docs.contains(d)).collect(),
        });
    }
    Ok(result
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| meta.docs.get(d as usize).map(|doc| doc[0].clone()))
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

    #[test]
    fn a_query_finds_the_notes_with_all_its_tokens() {
        let doc = |url: &str, text: &str| Doc {
            url: url.into(),
            title: url.into(),
            kind: "faq".into(),
            date: String::new(),
            text: text.into(),
        };
        let docs = vec![
            doc("a.html", "公文交换接口超时"),
            doc("b.html", "个人云盘扩容"),
            doc("c.html", "交换机故障 Exchange"),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (path, bytes) in build(&docs, BTreeMap::new()) {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        assert_eq!(lookup(dir.path(), "交换").unwrap(), ["a.html", "c.html"]);
        assert_eq!(lookup(dir.path(), "公文交换").unwrap(), ["a.html"]);
        assert_eq!(lookup(dir.path(), "云盘").unwrap(), ["b.html"]);
        assert_eq!(lookup(dir.path(), "exchange").unwrap(), ["c.html"]);
        assert!(lookup(dir.path(), "数据库").unwrap().is_empty());
    }

    #[test]
    fn fnv_matches_the_reference() {
        assert_eq!(fnv1a(""), 0x811c9dc5);
        assert_eq!(fnv1a("a"), 0xe40c292c);
    }
}
