//! The site as a list of files, each with a fingerprint of what it is made
//! from, rendered later and only when that changed.
//!
//! A page's fingerprint is the digest of the theme and site-wide values (the
//! `engine` digest), its template's name, its context (the digest of its
//! unmasked form, [`super::digest`], beside the digest of the masking's
//! rules; or its masked JSON, where that is made anyway for a data file),
//! and the fingerprints of the fragments it shows. A page therefore depends on
//! exactly the data it is given: that is how a changed note re-renders its
//! own page and the lists and summaries that show it, and nothing else.
//! Templates must read only their context and the site-wide `site` and `t`
//! values, never the whole report.
//!
//! Every context and every data file is serialized through the audience's
//! masking ([`Plan::mask`]): that is where the client's portal has personal
//! data and secrets masked, whatever part of the model they come from.

use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use crate::report::redact::Redactor;

/// One file of the site.
pub struct Output<'a> {
    /// Relative to the site root, `/`-separated.
    pub path: String,
    pub fingerprint: blake3::Hash,
    pub content: Content<'a>,
}

pub enum Content<'a> {
    /// Rendered from `template` with the context `context` makes, and the
    /// HTML of `fragments` (indices into [`Plan::fragments`]) as the list
    /// `fragments`.
    Page {
        template: &'static str,
        context: Context<'a>,
        fragments: Vec<usize>,
    },
    /// Made directly: data, search index, static files.
    Bytes(Vec<u8>),
    /// Made directly when it is written ([`Plan::json_keyed`]).
    Made(Box<dyn Fn() -> Vec<u8> + Send + Sync + 'a>),
    /// The file at this place of the files a [`Group`] makes together.
    Part(Arc<Group<'a>>, usize),
}

/// Files made together by one costly pass over the same data (the search
/// index's shards, texts and list of notes), once, when the first of them
/// is written ([`make_parts`]).
pub struct Group<'a> {
    make: Box<dyn Fn() -> Vec<(String, Vec<u8>)> + Send + Sync + 'a>,
    made: OnceLock<Vec<(String, Vec<u8>)>>,
}

impl Group<'_> {
    fn made(&self) -> &[(String, Vec<u8>)] {
        self.made.get_or_init(|| (self.make)())
    }

    /// The bytes of the file at place `i`, `path`.
    pub fn part(&self, i: usize, path: &str) -> &[u8] {
        let (made, bytes) = &self.made()[i];
        assert_eq!(
            made, path,
            "a group makes the files it was planned with, in order"
        );
        bytes
    }
}

/// Makes the groups that any of `outputs` belongs to. Called before they
/// are rendered, and outside the thread pool that renders them: a group's
/// pass runs on that pool, and a worker that waited for a group while
/// rendering another of its files could be the one making it, and wait for
/// itself.
pub fn make_parts(outputs: &[&Output]) {
    for o in outputs {
        if let Content::Part(group, _) = &o.content {
            group.made();
        }
    }
}

/// Makes a template's context when the page (or fragment) is rendered.
pub type Context<'a> = Box<dyn Fn() -> Value + Send + Sync + 'a>;

/// A piece of HTML that several pages show (a contract form on its own page
/// and in a print view), rendered once per build that needs it.
pub struct Fragment<'a> {
    pub template: &'static str,
    pub fingerprint: blake3::Hash,
    pub context: Context<'a>,
}

/// Every output of the site, and the fragments its pages are made with.
pub struct Plan<'a> {
    engine: blake3::Hash,
    mask: &'a Redactor,
    pub outputs: Vec<Output<'a>>,
    pub fragments: Vec<Fragment<'a>>,
}

impl<'a> Plan<'a> {
    /// A plan whose contexts and data are masked by `mask`.
    pub fn new(engine: blake3::Hash, mask: &'a Redactor) -> Plan<'a> {
        Plan {
            engine,
            mask,
            outputs: Vec::new(),
            fragments: Vec::new(),
        }
    }

    /// Adds the files `other` planned (on another thread), after this
    /// plan's own.
    pub fn append(&mut self, other: Plan<'a>) {
        // `other`'s pages name its fragments by their place in its own list.
        let shift = self.fragments.len();
        self.outputs.extend(other.outputs.into_iter().map(|mut o| {
            if let Content::Page { fragments, .. } = &mut o.content {
                fragments.iter_mut().for_each(|f| *f += shift);
            }
            o
        }));
        self.fragments.extend(other.fragments);
    }

    /// The audience's masking, for data serialized before it is planned
    /// ([`Plan::page_json`]) and texts made into files directly.
    pub fn mask(&self) -> &'a Redactor {
        self.mask
    }

    /// `value` as masked JSON.
    pub fn to_json<T: Serialize + ?Sized>(&self, value: &T) -> Vec<u8> {
        serde_json::to_vec(&self.mask.masked(value)).expect("the model serializes")
    }

    /// A page rendered from `template` with `context`.
    pub fn page<T: Serialize + Send + Sync + 'a>(
        &mut self,
        path: String,
        template: &'static str,
        context: T,
    ) {
        // Fingerprinted by the context before masking and the masking's
        // rules, which determine the masked context as well as its JSON
        // would, without running every rule over every string of every
        // page on every build.
        let mut h = self.hasher(template);
        h.update(self.mask.digest().as_bytes());
        h.update(Plan::key_of(&context).as_bytes());
        self.push_page(path, template, h.finalize(), context, Vec::new());
    }

    /// A page whose context's JSON (masked, [`Plan::to_json`]) is already at
    /// hand. The page's fingerprint covers its fragments' too.
    pub fn page_json<T: Serialize + Send + Sync + 'a>(
        &mut self,
        path: String,
        template: &'static str,
        json: &[u8],
        context: T,
        fragments: Vec<usize>,
    ) {
        let mut h = self.hasher(template);
        h.update(json);
        for f in &fragments {
            h.update(self.fragments[*f].fingerprint.as_bytes());
        }
        self.push_page(path, template, h.finalize(), context, fragments);
    }

    fn push_page<T: Serialize + Send + Sync + 'a>(
        &mut self,
        path: String,
        template: &'static str,
        fingerprint: blake3::Hash,
        context: T,
        fragments: Vec<usize>,
    ) {
        let mask = self.mask;
        self.outputs.push(Output {
            path,
            fingerprint,
            content: Content::Page {
                template,
                context: Box::new(move || Value::from(Serde(mask.masked(&context)))),
                fragments,
            },
        });
    }

    /// A key for [`Plan::page_keyed`] and [`Plan::json_keyed`]: the
    /// digest of `value` as it stands, before masking (a fingerprint made
    /// with it adds the masking's digest). Far cheaper than the masked JSON
    /// a page could be fingerprinted by ([`super::digest`]).
    pub fn key_of<T: Serialize + ?Sized>(value: &T) -> blake3::Hash {
        super::digest::digest(value)
    }

    /// A page whose fingerprint comes from `key` instead of its context's
    /// JSON, so that `make` runs only when the page is rendered: for the
    /// thousands of pages of data that seldom change (server records),
    /// whose contexts cost more to make and serialize on every build than
    /// everything else. `key` must be a digest of all that `make` makes the
    /// context from: the same key, the same context.
    pub fn page_keyed<T, F>(&mut self, path: String, template: &'static str, key: &blake3::Hash, make: F)
    where
        T: Serialize,
        F: Fn() -> T + Send + Sync + 'a,
    {
        let fingerprint = self.keyed(template, key, &path);
        let mask = self.mask;
        self.outputs.push(Output {
            path,
            fingerprint,
            content: Content::Page {
                template,
                context: Box::new(move || Value::from(Serde(mask.masked(&make())))),
                fragments: Vec::new(),
            },
        });
    }

    /// A data file whose value `make` gives, fingerprinted by `key` as
    /// [`Plan::page_keyed`] is.
    pub fn json_keyed<T, F>(&mut self, path: String, key: &blake3::Hash, make: F)
    where
        T: Serialize,
        F: Fn() -> T + Send + Sync + 'a,
    {
        let fingerprint = self.keyed("", key, &path);
        let mask = self.mask;
        self.outputs.push(Output {
            path,
            fingerprint,
            content: Content::Made(Box::new(move || data_file(mask, &make()))),
        });
    }

    /// A fragment rendered from `template` with `context`, whose JSON is at
    /// hand; returns its index.
    pub fn fragment<T: Serialize + Send + Sync + 'a>(
        &mut self,
        template: &'static str,
        json: &[u8],
        context: T,
    ) -> usize {
        let mut h = self.hasher(template);
        h.update(json);
        let mask = self.mask;
        self.fragments.push(Fragment {
            template,
            fingerprint: h.finalize(),
            context: Box::new(move || Value::from(Serde(mask.masked(&context)))),
        });
        self.fragments.len() - 1
    }

    /// The fingerprint of a file made by `template` (none: data) at `path`
    /// from what `key` digests, as the audience's masking shows it.
    fn keyed(&self, template: &str, key: &blake3::Hash, path: &str) -> blake3::Hash {
        let mut h = self.hasher(template);
        h.update(self.mask.digest().as_bytes());
        h.update(key.as_bytes());
        h.update(path.as_bytes());
        h.finalize()
    }

    fn hasher(&self, template: &str) -> blake3::Hasher {
        let mut h = blake3::Hasher::new();
        h.update(self.engine.as_bytes());
        h.update(template.as_bytes());
        h.update(&[0]);
        h
    }

    /// A file made directly (data, search index, static files).
    pub fn bytes(&mut self, path: String, bytes: Vec<u8>) {
        self.outputs.push(Output {
            path,
            fingerprint: blake3::hash(&bytes),
            content: Content::Bytes(bytes),
        });
    }

    /// Files that `make` makes together, exactly those of `paths` in that
    /// order, when the first of them is written; fingerprinted by `key` as
    /// [`Plan::page_keyed`] is.
    pub fn group<F>(&mut self, paths: Vec<String>, key: &blake3::Hash, make: F)
    where
        F: Fn() -> Vec<(String, Vec<u8>)> + Send + Sync + 'a,
    {
        let group = Arc::new(Group {
            make: Box::new(make),
            made: OnceLock::new(),
        });
        for (i, path) in paths.into_iter().enumerate() {
            let fingerprint = self.keyed("", key, &path);
            self.outputs.push(Output {
                path,
                fingerprint,
                content: Content::Part(group.clone(), i),
            });
        }
    }

    /// A data file: `value` as masked JSON, made only when it is written.
    /// It is fingerprinted as a keyed file is, by the digest of `value`: the
    /// data files of the model (the contract, the dashboard, each report) are
    /// the same on most builds, and their masked JSON is dearer to make than
    /// the digest.
    pub fn json<T: Serialize + Send + Sync + 'a>(&mut self, path: String, value: T) {
        let fingerprint = self.keyed("", &Plan::key_of(&value), &path);
        let mask = self.mask;
        self.outputs.push(Output {
            path,
            fingerprint,
            content: Content::Made(Box::new(move || data_file(mask, &value))),
        });
    }
}

/// A data file's bytes: `value` as masked JSON, and a newline.
fn data_file<T: Serialize + ?Sized>(mask: &Redactor, value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(&mask.masked(value)).expect("the model serializes");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fragments a page shows, by their templates.
    fn shown<'p>(plan: &'p Plan, page: &str) -> Vec<&'p str> {
        let output = plan.outputs.iter().find(|o| o.path == page).expect("planned");
        let Content::Page { fragments, .. } = &output.content else {
            panic!("{page} is no page")
        };
        fragments.iter().map(|&f| plan.fragments[f].template).collect()
    }

    #[test]
    fn an_appended_plan_keeps_its_pages_fragments() {
        let mask = Redactor::none();
        let engine = blake3::hash(b"engine");
        let mut first = Plan::new(engine, &mask);
        let a = first.fragment("a.html", b"{}", ());
        let b = first.fragment("b.html", b"{}", ());
        first.page_json("one.html".into(), "page.html", b"{}", (), vec![b, a]);
        let mut second = Plan::new(engine, &mask);
        let c = second.fragment("c.html", b"{}", ());
        second.page_json("two.html".into(), "page.html", b"{}", (), vec![c]);
        second.page("three.html".into(), "page.html", ());

        first.append(second);
        assert_eq!(shown(&first, "one.html"), ["b.html", "a.html"]);
        assert_eq!(shown(&first, "two.html"), ["c.html"]);
        assert_eq!(shown(&first, "three.html"), Vec::<&str>::new());
        let paths: Vec<&str> = first.outputs.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(paths, ["one.html", "two.html", "three.html"]);
    }

    #[test]
    fn a_group_is_made_once_and_only_when_one_of_its_files_is_written() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let mask = Redactor::none();
        let made = AtomicUsize::new(0);
        let mut plan = Plan::new(blake3::hash(b"engine"), &mask);
        let key = blake3::hash(b"data");
        plan.group(vec!["a.js".into(), "b.js".into()], &key, || {
            made.fetch_add(1, Ordering::SeqCst);
            vec![("a.js".into(), b"A".to_vec()), ("b.js".into(), b"B".to_vec())]
        });
        let outputs: Vec<&Output> = plan.outputs.iter().collect();
        make_parts(&[]);
        assert_eq!(made.load(Ordering::SeqCst), 0);
        make_parts(&outputs);
        make_parts(&outputs);
        assert_eq!(made.load(Ordering::SeqCst), 1);
        let bytes: Vec<&[u8]> = outputs
            .iter()
            .map(|o| match &o.content {
                Content::Part(group, i) => group.part(*i, &o.path),
                _ => panic!("{} is no part", o.path),
            })
            .collect();
        assert_eq!(bytes, [b"A", b"B"]);
        // Keyed: the same key, the same fingerprint; another key, another.
        let mut again = Plan::new(blake3::hash(b"engine"), &mask);
        again.group(vec!["a.js".into()], &key, Vec::new);
        again.group(vec!["a.js".into()], &blake3::hash(b"other"), Vec::new);
        assert_eq!(again.outputs[0].fingerprint, plan.outputs[0].fingerprint);
        assert_ne!(again.outputs[1].fingerprint, plan.outputs[0].fingerprint);
    }
}
