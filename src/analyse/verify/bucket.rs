//! Object storage sets (`path = "s3://bucket/prefix"`): listing a bucket's
//! objects and reading each as a stream of ranged GETs, so the same
//! pipeline that reads a local file (BLAKE3, the zstd decoder, the restore
//! tests) reads an object, once per byte.
//!
//! The S3 protocol is spoken by the `object_store` crate (Apache Arrow's),
//! on a small tokio runtime of opsbook's own; the rest of the verifier
//! stays synchronous. [`ObjectReader`] is a [`std::io::Read`]: each read
//! waits for the next piece of the response body, so memory holds one
//! piece (tens of KiB) per object read at a time, never an object.
//!
//! Failures are retried here, not in the client, so that one count and one
//! backoff cover every way a request can fail: a 5xx answer, a broken
//! connection, a body that ends early, and a stall (no answer, or no next
//! bytes, within `request_timeout`). A read that fails resumes where it
//! stopped, with a ranged GET of the rest; the object's ETag must still be
//! the one listed, else the object was rewritten while it was read. After
//! the last retry the object is `unreadable`, the message naming the object
//! and the last error.
//!
//! Credentials come from the environment only (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, and the rest of the
//! standard `AWS_*` variables); see `docs/verify.md`.

use std::io;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, GetOptions, GetRange, ObjectStore, RetryConfig};

use super::report::{Problem, ProblemKind};
use super::set::SetFile;
use crate::load::settings::verify::VerifySettings;
use crate::load::settings::{Addressing, BackupSet, Location};

/// Bytes asked for by one GET. Responses are streamed, so this bounds no
/// memory: it bounds how much a retry after a broken connection has to
/// fetch again from its start, and spreads a large object over requests.
const RANGE: u64 = 64 << 20;

/// The first wait before a retry; doubled each time, at most [`BACKOFF_MAX`].
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// The runtime every bucket's requests run on: started on the first use,
/// its threads only drive sockets (hashing and decoding stay on the
/// verifier's threads).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("opsbook-s3")
            .enable_all()
            .build()
            .expect("a runtime can be started")
    })
}

/// A set's bucket, its prefix, and how it is asked.
pub struct Bucket {
    store: AmazonS3,
    /// `s3://bucket/prefix`, for messages.
    pub url: String,
    /// The prefix as a path of the store; objects' names are relative to it.
    prefix: Option<ObjectPath>,
    retries: u32,
    timeout: Duration,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Why a request was given up.
#[derive(Debug)]
struct Failed {
    message: String,
    /// Worth trying again (a 5xx, a broken connection, a stall).
    transient: bool,
}

impl Bucket {
    /// The bucket of a set whose `path` is `s3://…`. Settings of the set
    /// (`endpoint`, `region`, `addressing`) win over the environment's.
    pub fn open(set: &BackupSet, settings: &VerifySettings) -> Result<Bucket, String> {
        let Some(Location::Bucket { bucket, prefix }) = set.location() else {
            return Err(format!("`{}` names no bucket", set.path.display()));
        };
        let timeout = settings.request_timeout();
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            // Retries are made by the reader, which also retries stalls
            // and bodies cut short; see the module's comment.
            .with_retry(RetryConfig {
                max_retries: 0,
                ..RetryConfig::default()
            })
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(timeout)
                    // A whole response may take long; a stall is caught
                    // per piece of it by the reader.
                    .with_timeout_disabled(),
            )
            .with_virtual_hosted_style_request(set.addressing == Addressing::Virtual);
        if let Some(endpoint) = &set.endpoint {
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_endpoint(endpoint);
        }
        if let Some(region) = &set.region {
            builder = builder.with_region(region);
        }
        let store = builder.build().map_err(|e| e.to_string())?;
        Ok(Bucket {
            store,
            url: set.path.display().to_string(),
            prefix: (!prefix.is_empty()).then(|| ObjectPath::from(prefix)),
            retries: settings.retries,
            timeout,
        })
    }

    /// The full key of a file of the set.
    fn key(&self, rel: &str) -> ObjectPath {
        match &self.prefix {
            Some(p) => p.parts().chain(ObjectPath::from(rel).parts()).collect(),
            None => ObjectPath::from(rel),
        }
    }

    /// `s3://bucket/prefix/rel`, for messages and commands.
    pub fn url_of(&self, rel: &str) -> String {
        format!("{}/{rel}", self.url.trim_end_matches('/'))
    }

    /// Every object under the prefix whose name `keep` accepts, sorted by
    /// name, with its size, time and ETag; the listing is paged by the
    /// service (1000 a page on S3) and read to its end. A listing that
    /// fails is tried again from the start.
    pub fn list(&self, keep: impl Fn(&str) -> bool) -> Result<Vec<SetFile>, String> {
        let strip = self.prefix.as_ref().map(|p| p.parts().count()).unwrap_or(0);
        let found = self.retrying("cannot list", || async {
            let mut stream = self.store.list(self.prefix.as_ref());
            let mut found = Vec::new();
            loop {
                match tokio::time::timeout(self.timeout, stream.next()).await {
                    Err(_) => return Err(stalled(self.timeout)),
                    Ok(None) => return Ok(found),
                    Ok(Some(Err(e))) => return Err(failed(e)),
                    Ok(Some(Ok(meta))) => found.push(meta),
                }
            }
        })?;
        let mut files: Vec<SetFile> = found
            .into_iter()
            .filter_map(|meta| {
                let rel = meta
                    .location
                    .parts()
                    .skip(strip)
                    .map(|p| p.as_ref().to_string())
                    .collect::<Vec<_>>()
                    .join("/");
                keep(&rel).then(|| SetFile {
                    rel,
                    os_rel: None,
                    size: meta.size,
                    modified: SystemTime::from(meta.last_modified),
                    etag: meta.e_tag.map(String::into_boxed_str),
                })
            })
            .collect();
        files.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
        Ok(files)
    }

    /// A small object whole (a manifest); `Ok(None)` when there is none.
    pub fn read_small(&self, rel: &str) -> Result<Option<Vec<u8>>, String> {
        let key = self.key(rel);
        let got = self.retrying("cannot read", || async {
            let read = async {
                match self.store.get(&key).await {
                    Ok(r) => r.bytes().await.map(Some),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            };
            match tokio::time::timeout(self.timeout, read).await {
                Err(_) => Err(stalled(self.timeout)),
                Ok(r) => r.map_err(failed),
            }
        })?;
        Ok(got.map(|b| b.to_vec()))
    }

    /// A reader of the object behind `file`, as listed.
    pub fn reader(self: &Arc<Self>, file: &SetFile) -> ObjectReader {
        ObjectReader {
            bucket: Arc::clone(self),
            key: self.key(&file.rel),
            etag: file.etag.as_deref().map(str::to_string),
            size: file.size,
            pos: 0,
            body: None,
            range_end: 0,
            piece: bytes::Bytes::new(),
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or has failed
    /// `retries + 1` times, waiting longer after each failure.
    fn retrying<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T, String>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Failed>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            match runtime().block_on(attempt()) {
                Ok(v) => return Ok(v),
                Err(f) if f.transient && tries <= self.retries => {
                    std::thread::sleep(backoff(tries));
                }
                Err(f) => return Err(given_up(what, tries, &f)),
            }
        }
    }
}

fn backoff(tries: u32) -> Duration {
    BACKOFF_FIRST
        .saturating_mul(1 << tries.saturating_sub(1).min(16))
        .min(BACKOFF_MAX)
}

fn given_up(what: &str, tries: u32, f: &Failed) -> String {
    if tries > 1 {
        format!("{what} after {tries} tries: {}", f.message)
    } else {
        format!("{what}: {}", f.message)
    }
}

fn stalled(timeout: Duration) -> Failed {
    Failed {
        message: format!("no answer within {}s (request_timeout)", timeout.as_secs()),
        transient: true,
    }
}

/// Errors the service answers for good are not tried again: a missing
/// object, a refusal, a precondition. Anything else (a 5xx, a broken or
/// refused connection) may pass.
fn failed(e: object_store::Error) -> Failed {
    use object_store::Error as E;
    let transient = !matches!(
        e,
        E::NotFound { .. }
            | E::PermissionDenied { .. }
            | E::Unauthenticated { .. }
            | E::Precondition { .. }
            | E::NotImplemented
            | E::NotSupported { .. }
            | E::InvalidPath { .. }
            | E::UnknownConfigurationKey { .. }
    );
    Failed {
        message: one_line(&e),
        transient,
    }
}

/// An error and its causes on one line, without the noise of nested
/// debug output.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// An object read as a stream of ranged GETs; see the module's comment.
pub struct ObjectReader {
    bucket: Arc<Bucket>,
    key: ObjectPath,
    /// As listed (or as first answered): every answer must carry it.
    etag: Option<String>,
    size: u64,
    /// Bytes handed out so far.
    pos: u64,
    body: Option<BoxStream<'static, object_store::Result<bytes::Bytes>>>,
    /// Where the current response's range ends.
    range_end: u64,
    /// The piece of the body not yet handed out.
    piece: bytes::Bytes,
}

impl ObjectReader {
    /// The next piece of the object, after as many tries as allowed.
    fn fill(&mut self) -> io::Result<()> {
        let mut tries = 0;
        loop {
            tries += 1;
            let got = runtime().block_on(self.next_piece());
            match got {
                Ok(()) => return Ok(()),
                Err(f) if f.transient && tries <= self.bucket.retries => {
                    self.body = None;
                    std::thread::sleep(backoff(tries));
                }
                Err(f) => {
                    self.body = None;
                    let what = format!(
                        "cannot read {} at byte {}",
                        self.bucket.url_of_key(&self.key),
                        self.pos
                    );
                    return Err(io::Error::other(given_up(&what, tries, &f)));
                }
            }
        }
    }

    /// One step: a new ranged GET when none is open, then the next piece of
    /// its body.
    async fn next_piece(&mut self) -> Result<(), Failed> {
        let timeout = self.bucket.timeout;
        if self.body.is_none() {
            let end = (self.pos + RANGE).min(self.size);
            let options = GetOptions {
                range: Some(GetRange::Bounded(self.pos..end)),
                ..GetOptions::default()
            };
            let answer = tokio::time::timeout(timeout, self.bucket.store.get_opts(&self.key, options)).await;
            let result = match answer {
                Err(_) => return Err(stalled(timeout)),
                Ok(r) => r.map_err(failed)?,
            };
            // A listing without ETags (some servers give none) leaves the
            // first answer's to hold the later ranges to.
            if self.etag.is_none() {
                self.etag.clone_from(&result.meta.e_tag);
            }
            if let (Some(listed), Some(now)) = (&self.etag, &result.meta.e_tag)
                && listed != now
            {
                return Err(Failed {
                    message: format!(
                        "the object was rewritten while it was read (ETag {listed} when listed, {now} now)"
                    ),
                    transient: false,
                });
            }
            self.range_end = end;
            self.body = Some(result.into_stream());
        }
        let body = self.body.as_mut().expect("opened above");
        match tokio::time::timeout(timeout, body.next()).await {
            Err(_) => Err(stalled(timeout)),
            Ok(Some(Ok(piece))) => {
                // More than asked for would be another object's bytes.
                let room = (self.range_end - self.pos) as usize;
                self.piece = if piece.len() > room {
                    piece.slice(..room)
                } else {
                    piece
                };
                Ok(())
            }
            Ok(Some(Err(e))) => Err(failed(e)),
            Ok(None) if self.pos < self.range_end => Err(Failed {
                message: format!("the answer ended at byte {} of {}", self.pos, self.range_end),
                transient: true,
            }),
            Ok(None) => {
                self.body = None;
                Ok(())
            }
        }
    }
}

impl Bucket {
    fn url_of_key(&self, key: &ObjectPath) -> String {
        let bucket = self.url.trim_start_matches(crate::load::settings::S3_SCHEME);
        let bucket = bucket.split('/').next().unwrap_or(bucket);
        format!("{}{bucket}/{key}", crate::load::settings::S3_SCHEME)
    }
}

impl io::Read for ObjectReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.piece.is_empty() {
            if self.pos >= self.size {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = self.piece.len().min(out.len());
        out[..n].copy_from_slice(&self.piece[..n]);
        self.piece = self.piece.slice(n..);
        self.pos += n as u64;
        Ok(n)
    }
}

/// The problem of a set whose bucket cannot be listed.
pub fn unlisted(url: &str, message: &str) -> Problem {
    Problem::of_set(ProblemKind::Unreadable, format!("cannot list {url}: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_bound() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(4), Duration::from_millis(800));
        assert_eq!(backoff(30), BACKOFF_MAX);
    }
}
