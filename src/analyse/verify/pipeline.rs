//! One read per byte: a file's stored bytes are read once, in fixed
//! buffers, and every consumer takes them from that read.
//!
//! ```text
//!   file ──read──▶ stored chunk ──▶ BLAKE3 (stored)
//!                       │
//!                       └─(.zst)─▶ zstd decoder ──▶ decoded chunk ──▶ BLAKE3 (decoded)
//!                                                        │
//!                                                        └──▶ restore test (tar, SQL, SQLite, pg_restore…)
//! ```
//!
//! A [`Producer`] reads and decodes; a [`Content`] hashes what the producer
//! hands out and serves the content to the restore test as a [`BufRead`].
//! For a small file both run on the caller's thread. For a large one the
//! producer runs on a thread of its own and hands chunks over a short
//! channel, so decoding overlaps hashing and the restore test: one large
//! `.zst` takes about as long as decoding it alone. Either way memory is a
//! handful of buffers, whatever the file's size.
//!
//! Large plain files that need no restore test are hashed from a memory map
//! on every core instead ([`hash_mapped`]), as b3sum does.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek};
use std::sync::mpsc::{Receiver, Sender, SyncSender};

use super::zst::{DecodeError, Decoder, Limits, Summary};
use crate::progress::Progress;

/// Stored bytes read at a time.
pub const RAW_CHUNK: usize = 512 << 10;
/// Decoded bytes handed out at a time.
pub const OUT_CHUNK: usize = 1 << 20;
/// Files at least this large decode on a thread of their own.
pub const THREAD_MIN: u64 = 16 << 20;
/// Plain files at least this large are hashed from a memory map.
pub const MMAP_MIN: u64 = 4 << 20;
/// Plain files smaller than this are read whole into one buffer
/// ([`hash_whole`]).
pub const WHOLE_MAX: u64 = RAW_CHUNK as u64;
/// Chunks in flight between a producer thread and its consumer.
const IN_FLIGHT: usize = 4;
/// Spare buffers kept for the next file.
const POOL_MAX: usize = IN_FLIGHT + 2;

/// Stored bytes mapped at a time, when a file is read through a memory map.
const MAP_WINDOW: usize = 4 << 20;

/// A buffer, or a window of the file, and how much of it holds data.
pub struct Chunk {
    data: Data,
    len: usize,
}

enum Data {
    /// A read buffer (initialised, full length).
    Read(Vec<u8>),
    /// A decode buffer (length = data).
    Decoded(Vec<u8>),
    /// A window of the file, mapped: unmapped when dropped.
    Mapped(memmap2::Mmap),
}

impl Chunk {
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Read(buf) | Data::Decoded(buf) => &buf[..self.len],
            Data::Mapped(map) => &map[..self.len],
        }
    }

    fn decoded(buf: Vec<u8>) -> Chunk {
        Chunk {
            len: buf.len(),
            data: Data::Decoded(buf),
        }
    }
}

/// What a producer hands out, in file order.
pub enum Piece {
    /// Stored bytes of a compressed file: hashed, not content.
    Stored(Chunk),
    /// Stored bytes of a plain file: hashed, and the content too.
    Plain(Chunk),
    /// Decoded content.
    Decoded(Chunk),
    /// Reading or decoding stopped here. Stored bytes may still follow
    /// (after a decode error the rest is read for its digest).
    Failed(Failure),
}

#[derive(Debug)]
pub enum Failure {
    Read(io::Error),
    Decode(DecodeError),
}

/// Buffers reused from file to file by one worker.
#[derive(Default)]
pub struct Buffers {
    stored: Vec<Vec<u8>>,
    decoded: Vec<Vec<u8>>,
}

impl Buffers {
    fn take_stored(&mut self) -> Vec<u8> {
        self.stored.pop().unwrap_or_else(|| vec![0; RAW_CHUNK])
    }

    fn take_decoded(&mut self) -> Vec<u8> {
        self.decoded
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(OUT_CHUNK))
    }

    fn put(&mut self, chunk: Chunk) {
        match chunk.data {
            Data::Read(buf) => self.put_stored(buf),
            Data::Decoded(buf) => self.put_decoded(buf),
            Data::Mapped(_) => {}
        }
    }

    fn put_stored(&mut self, buf: Vec<u8>) {
        if self.stored.len() < POOL_MAX {
            self.stored.push(buf);
        }
    }

    fn put_decoded(&mut self, mut buf: Vec<u8>) {
        if self.decoded.len() < POOL_MAX {
            buf.clear();
            self.decoded.push(buf);
        }
    }
}

/// Where a [`Content`] gets its pieces.
pub trait Source {
    fn next(&mut self) -> Option<Piece>;
    /// Gives a used chunk back for reuse.
    fn recycle(&mut self, chunk: Chunk);
}

/// Where a producer reads stored bytes: a local file (which may also be
/// mapped), or a stream (an object of a bucket, read by ranged GETs).
pub enum Input {
    File(File),
    Stream(Box<dyn Read + Send>),
}

impl From<File> for Input {
    fn from(file: File) -> Input {
        Input::File(file)
    }
}

/// Reads a file once and decodes it when it is a `.zst`.
pub struct Producer {
    input: Input,
    /// For a file read through a memory map: the stored bytes not yet
    /// mapped, up to the size the file had when it was opened (a file that
    /// has grown since is read on past it).
    unmapped: Option<std::ops::Range<u64>>,
    decoder: Option<Decoder>,
    buffers: Buffers,
    /// Chunks given back by a consumer on another thread.
    returns: Option<Receiver<Chunk>>,
    /// The stored chunk being decoded, and how far.
    current: Option<Chunk>,
    pos: usize,
    eof: bool,
    done: bool,
    /// Decoding stopped: the rest is read for its digest only.
    failed: bool,
    summary: Option<Summary>,
}

impl Producer {
    pub fn new(input: impl Into<Input>, zstd: Option<Limits>, buffers: Buffers) -> Producer {
        Producer {
            input: input.into(),
            unmapped: None,
            decoder: zstd.map(Decoder::new),
            buffers,
            returns: None,
            current: None,
            pos: 0,
            eof: false,
            done: false,
            failed: false,
            summary: None,
        }
    }

    /// Takes the file's first `size` bytes from a memory map, a window at a
    /// time, instead of reading them: no copy out of the page cache, which
    /// for a large `.zst` costs a tenth of its decoding. Only the windows in
    /// flight are mapped, so memory stays bounded. Another process cutting
    /// the file short meanwhile raises SIGBUS: the reason the `mmap` setting
    /// exists.
    /// (A stream is never mapped.)
    pub fn mapping(mut self, size: u64) -> Producer {
        if let Input::File(_) = self.input {
            self.unmapped = Some(0..size);
        }
        self
    }

    /// After the last piece: the decoder's counts (for a `.zst` that
    /// decoded cleanly), and the buffers for the next file.
    pub fn finish(self) -> (Option<Summary>, Buffers) {
        (self.summary, self.buffers)
    }

    /// Runs on a thread of its own, handing pieces to `out` until the file
    /// ends or the consumer goes away.
    pub fn run(mut self, out: SyncSender<Piece>, returns: Receiver<Chunk>) -> Option<Summary> {
        self.returns = Some(returns);
        while let Some(piece) = self.produce() {
            if out.send(piece).is_err() {
                break;
            }
        }
        self.summary
    }

    fn produce(&mut self) -> Option<Piece> {
        loop {
            if self.done {
                return None;
            }
            if let Some(chunk) = self.current.take() {
                if self.decoder.is_none() {
                    return Some(Piece::Plain(chunk));
                }
                if self.failed {
                    return Some(Piece::Stored(chunk));
                }
                // Decode buffers handed back since, before a fresh one.
                self.take_returns();
                let decoder = self.decoder.as_mut().expect("checked above");
                let mut out = self.buffers.take_decoded();
                match decoder.decode(chunk.bytes(), &mut self.pos, &mut out) {
                    Err(e) => {
                        self.failed = true;
                        self.buffers.put_decoded(out);
                        self.current = Some(chunk);
                        return Some(Piece::Failed(Failure::Decode(e)));
                    }
                    Ok(()) if out.is_empty() => {
                        // This stored chunk is used up: hand it on for its digest.
                        self.buffers.put_decoded(out);
                        return Some(Piece::Stored(chunk));
                    }
                    Ok(()) => {
                        self.current = Some(chunk);
                        return Some(Piece::Decoded(Chunk::decoded(out)));
                    }
                }
            }
            if self.eof {
                return self.end();
            }
            self.take_returns();
            match self.next_stored() {
                Ok(None) => self.eof = true,
                Ok(Some(chunk)) => {
                    self.pos = 0;
                    self.current = Some(chunk);
                }
                Err(e) => {
                    self.done = true;
                    return Some(Piece::Failed(Failure::Read(e)));
                }
            }
        }
    }

    /// At the end of the file: the decoder's last output, then its verdict.
    fn end(&mut self) -> Option<Piece> {
        if let Some(decoder) = self.decoder.as_mut().filter(|_| !self.failed) {
            let mut out = self.buffers.take_decoded();
            let flushed = decoder.decode(&[], &mut 0, &mut out);
            if !out.is_empty() && flushed.is_ok() {
                return Some(Piece::Decoded(Chunk::decoded(out)));
            }
            self.buffers.put_decoded(out);
            self.done = true;
            return match flushed.and_then(|()| decoder.finish()) {
                Ok(summary) => {
                    self.summary = Some(summary);
                    None
                }
                Err(e) => Some(Piece::Failed(Failure::Decode(e))),
            };
        }
        self.done = true;
        None
    }

    /// The next stored bytes, mapped or read; `None` at the end.
    fn next_stored(&mut self) -> io::Result<Option<Chunk>> {
        if let (Some(unmapped), Input::File(file)) = (&mut self.unmapped, &mut self.input) {
            if !unmapped.is_empty() {
                let len = (unmapped.end - unmapped.start).min(MAP_WINDOW as u64) as usize;
                // SAFETY: the map is only read, and only while `file` is
                // open; see `mapping` for a file cut short meanwhile. Windows
                // start at multiples of MAP_WINDOW, so at page boundaries.
                let map = unsafe {
                    memmap2::MmapOptions::new()
                        .offset(unmapped.start)
                        .len(len)
                        .populate()
                        .map(&*file)?
                };
                unmapped.start += len as u64;
                return Ok(Some(Chunk {
                    data: Data::Mapped(map),
                    len,
                }));
            }
            file.seek(io::SeekFrom::Start(unmapped.end))?;
            self.unmapped = None;
        }
        let mut buf = self.buffers.take_stored();
        let read = match &mut self.input {
            Input::File(file) => read_some(file, &mut buf),
            Input::Stream(stream) => read_some(stream, &mut buf),
        };
        match read {
            Ok(0) => {
                self.buffers.put_stored(buf);
                Ok(None)
            }
            Ok(len) => Ok(Some(Chunk {
                data: Data::Read(buf),
                len,
            })),
            Err(e) => {
                self.buffers.put_stored(buf);
                Err(e)
            }
        }
    }

    fn take_returns(&mut self) {
        if let Some(returns) = &self.returns {
            while let Ok(chunk) = returns.try_recv() {
                self.buffers.put(chunk);
            }
        }
    }
}

impl Source for Producer {
    fn next(&mut self) -> Option<Piece> {
        self.produce()
    }

    fn recycle(&mut self, chunk: Chunk) {
        self.buffers.put(chunk);
    }
}

/// The consumer's end of a producer on another thread.
pub struct Remote {
    pub pieces: Receiver<Piece>,
    pub returns: Sender<Chunk>,
}

impl Source for Remote {
    fn next(&mut self) -> Option<Piece> {
        self.pieces.recv().ok()
    }

    fn recycle(&mut self, chunk: Chunk) {
        let _ = self.returns.send(chunk);
    }
}

/// A producer and a consumer on a channel, for [`Producer::run`].
pub fn channel() -> (SyncSender<Piece>, Receiver<Chunk>, Remote) {
    let (piece_tx, piece_rx) = std::sync::mpsc::sync_channel(IN_FLIGHT);
    let (return_tx, return_rx) = std::sync::mpsc::channel();
    (
        piece_tx,
        return_rx,
        Remote {
            pieces: piece_rx,
            returns: return_tx,
        },
    )
}

/// The digests of one read, and whether it got to the end cleanly.
pub struct Digests {
    pub stored: blake3::Hash,
    pub stored_bytes: u64,
    /// For a compressed file that decoded to its end.
    pub decoded: Option<(blake3::Hash, u64)>,
    pub failure: Option<Failure>,
}

/// The content of a file as a [`BufRead`], hashing every piece as it
/// passes. After the restore test, [`Content::finish`] reads whatever the
/// test left, so the digests always cover the whole file.
pub struct Content<'p, S: Source> {
    source: S,
    compressed: bool,
    stored: blake3::Hasher,
    stored_bytes: u64,
    decoded: blake3::Hasher,
    decoded_bytes: u64,
    current: Option<Chunk>,
    pos: usize,
    failure: Option<Failure>,
    ended: bool,
    progress: &'p dyn Progress,
}

impl<'p, S: Source> Content<'p, S> {
    pub fn new(source: S, compressed: bool, progress: &'p dyn Progress) -> Self {
        Content {
            source,
            compressed,
            stored: blake3::Hasher::new(),
            stored_bytes: 0,
            decoded: blake3::Hasher::new(),
            decoded_bytes: 0,
            current: None,
            pos: 0,
            failure: None,
            ended: false,
            progress,
        }
    }

    /// Whether reading stopped on a fault (so the test's verdict is moot).
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Takes the next piece: hashes it, keeps content for the reader.
    /// `false` at the end of the file.
    fn pull(&mut self) -> bool {
        if let Some(chunk) = self.current.take() {
            self.source.recycle(chunk);
        }
        let Some(piece) = self.source.next() else {
            self.ended = true;
            return false;
        };
        match piece {
            Piece::Stored(chunk) => {
                self.hash_stored(&chunk);
                self.source.recycle(chunk);
            }
            Piece::Plain(chunk) => {
                self.hash_stored(&chunk);
                self.current = Some(chunk);
                self.pos = 0;
            }
            Piece::Decoded(chunk) => {
                self.decoded.update(chunk.bytes());
                self.decoded_bytes += chunk.len as u64;
                self.current = Some(chunk);
                self.pos = 0;
            }
            Piece::Failed(failure) => {
                if self.failure.is_none() {
                    self.failure = Some(failure);
                }
            }
        }
        true
    }

    fn hash_stored(&mut self, chunk: &Chunk) {
        self.stored.update(chunk.bytes());
        self.stored_bytes += chunk.len as u64;
        self.progress.advance(chunk.len as u64);
    }

    /// Reads the rest of the file and returns its digests and the source.
    pub fn finish(mut self) -> (Digests, S) {
        while !self.ended && self.pull() {}
        if let Some(chunk) = self.current.take() {
            self.source.recycle(chunk);
        }
        let decoded = (self.compressed && self.failure.is_none())
            .then(|| (self.decoded.finalize(), self.decoded_bytes));
        (
            Digests {
                stored: self.stored.finalize(),
                stored_bytes: self.stored_bytes,
                decoded,
                failure: self.failure,
            },
            self.source,
        )
    }
}

impl<S: Source> Read for Content<'_, S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<S: Source> BufRead for Content<'_, S> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        loop {
            if self.failure.is_some() {
                return Err(io::Error::other("the file could not be read to its end"));
            }
            if self.current.as_ref().is_some_and(|c| self.pos < c.len) {
                break;
            }
            if self.ended || !self.pull() {
                return Ok(&[]);
            }
        }
        let chunk = self.current.as_ref().expect("checked above");
        Ok(&chunk.bytes()[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

/// BLAKE3 of a plain file through a memory map, on every core (blake3's
/// rayon path): no copy out of the page cache, and a large file is split
/// among the threads that have nothing else to do.
pub fn hash_mapped(file: &File, progress: &dyn Progress) -> io::Result<(blake3::Hash, u64)> {
    // SAFETY: the map is only read, and only while `file` is open. Another
    // process cutting the file short meanwhile raises SIGBUS: the reason
    // the `mmap` setting exists.
    let map = unsafe { memmap2::Mmap::map(file)? };
    let mut hasher = blake3::Hasher::new();
    for piece in map.chunks(64 << 20) {
        hasher.update_rayon(piece);
        progress.advance(piece.len() as u64);
    }
    Ok((hasher.finalize(), map.len() as u64))
}

/// BLAKE3 of a small plain file, read into one of the worker's buffers
/// (one `read` and the one that finds the end) and hashed in one call:
/// with many small files, setting up the streaming pipeline per file would
/// cost more than the hashing. A file that has grown past the buffer since
/// it was listed is hashed on as a stream. An error comes with the number of
/// bytes read before it.
pub fn hash_whole(
    file: &mut impl Read,
    buffers: &mut Buffers,
    progress: &dyn Progress,
) -> Result<(blake3::Hash, u64), (io::Error, u64)> {
    let mut buf = buffers.take_stored();
    let mut grown: Option<blake3::Hasher> = None;
    let mut len = 0;
    let mut total = 0u64;
    let outcome = loop {
        if len == buf.len() {
            grown.get_or_insert_with(blake3::Hasher::new).update(&buf);
            len = 0;
        }
        match read_some(file, &mut buf[len..]) {
            Ok(0) => {
                let hash = match grown.as_mut() {
                    Some(hasher) => hasher.update(&buf[..len]).finalize(),
                    None => blake3::hash(&buf[..len]),
                };
                break Ok((hash, total));
            }
            Ok(n) => {
                len += n;
                total += n as u64;
                progress.advance(n as u64);
            }
            Err(e) => break Err((e, total)),
        }
    };
    buffers.put_stored(buf);
    outcome
}

/// BLAKE3 of a file's stored bytes alone (for `opsbook manifest`): from a
/// memory map when it is large and `mmap` allows, else streamed.
pub fn hash_file(file: File, size: u64, mmap: bool, buffers: &mut Buffers) -> io::Result<blake3::Hash> {
    if mmap && size >= MMAP_MIN {
        return hash_mapped(&file, &crate::progress::Silent).map(|(hash, _)| hash);
    }
    let content = Content::new(
        Producer::new(file, None, std::mem::take(buffers)),
        false,
        &crate::progress::Silent,
    );
    let (digests, producer) = content.finish();
    *buffers = producer.finish().1;
    match digests.failure {
        Some(Failure::Read(e)) => Err(e),
        _ => Ok(digests.stored),
    }
}

fn read_some(file: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;
    use std::io::Write;

    const LIMITS: Limits = Limits {
        window_log_max: 27,
        max_decoded: 1 << 30,
        table: "[verify]",
    };

    fn temp_with(bytes: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        std::io::Seek::rewind(&mut f).unwrap();
        f
    }

    /// How a test reads its file.
    #[derive(Debug, Clone, Copy)]
    enum Way {
        Inline,
        Threaded,
        /// Threaded, its first bytes mapped (all of them when the count
        /// is the file's size; fewer, as for a file that has grown since it
        /// was opened).
        Mapped(u64),
    }

    fn content_of(bytes: &[u8], zstd: bool, way: Way) -> (Vec<u8>, Digests, Option<Summary>) {
        let mut producer = Producer::new(temp_with(bytes), zstd.then_some(LIMITS), Buffers::default());
        if let Way::Mapped(size) = way {
            producer = producer.mapping(size);
        }
        if let Way::Inline = way {
            let mut content = Content::new(producer, zstd, &Silent);
            let mut out = Vec::new();
            let _ = content.read_to_end(&mut out);
            let (digests, producer) = content.finish();
            return (out, digests, producer.finish().0);
        }
        let (tx, returns, remote) = channel();
        std::thread::scope(|s| {
            let handle = s.spawn(move || producer.run(tx, returns));
            let mut content = Content::new(remote, zstd, &Silent);
            let mut out = Vec::new();
            let _ = content.read_to_end(&mut out);
            let (digests, remote) = content.finish();
            drop(remote);
            (out, digests, handle.join().unwrap())
        })
    }

    fn ways(len: usize) -> [Way; 5] {
        let len = len as u64;
        [
            Way::Inline,
            Way::Threaded,
            Way::Mapped(len),
            Way::Mapped(len / 3),
            Way::Mapped(0),
        ]
    }

    #[test]
    fn one_read_gives_both_digests_inline_threaded_and_mapped() {
        // Noise enough that the stored file spans several map windows.
        let mut state = 1u64;
        let data: Vec<u8> = (0..3 * MAP_WINDOW + 12345)
            .map(|i| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                if i % 4 == 0 {
                    (state >> 56) as u8
                } else {
                    (i % 7) as u8
                }
            })
            .collect();
        let zst = zstd::encode_all(&data[..], 1).unwrap();
        assert!(zst.len() > MAP_WINDOW, "{}", zst.len());
        for way in ways(zst.len()) {
            let (out, d, summary) = content_of(&zst, true, way);
            assert!(out == data, "{way:?}");
            assert_eq!(d.stored, blake3::hash(&zst), "{way:?}");
            assert_eq!(d.stored_bytes, zst.len() as u64);
            assert_eq!(d.decoded, Some((blake3::hash(&data), data.len() as u64)));
            assert_eq!(summary.unwrap().frames, 1);
        }
        for way in ways(data.len()) {
            let (out, d, _) = content_of(&data, false, way);
            assert!(out == data, "{way:?}");
            assert_eq!(d.stored, blake3::hash(&data), "{way:?}");
            assert!(d.decoded.is_none());
        }
    }

    #[test]
    fn a_decode_failure_still_hashes_every_stored_byte() {
        let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut encoder = zstd::Encoder::new(Vec::new(), 1).unwrap();
        encoder.include_checksum(true).unwrap();
        encoder.write_all(&data).unwrap();
        let mut zst = encoder.finish().unwrap();
        let mid = zst.len() / 3;
        zst[mid] ^= 0xff;
        for way in ways(zst.len()) {
            let (_, d, summary) = content_of(&zst, true, way);
            assert!(matches!(
                d.failure,
                Some(Failure::Decode(DecodeError::Corrupt(_)))
            ));
            assert_eq!(d.stored, blake3::hash(&zst));
            assert!(d.decoded.is_none());
            assert!(summary.is_none());
        }
    }

    #[test]
    fn a_whole_read_hashes_as_the_stream_does_even_past_its_buffer() {
        let mut buffers = Buffers::default();
        for len in [
            0,
            1,
            4096,
            RAW_CHUNK - 1,
            RAW_CHUNK,
            RAW_CHUNK + 1,
            3 * RAW_CHUNK + 17,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 13 % 256) as u8).collect();
            let (_, streamed, _) = content_of(&data, false, Way::Inline);
            let whole = hash_whole(&mut temp_with(&data), &mut buffers, &Silent).unwrap();
            assert_eq!(whole, (streamed.stored, streamed.stored_bytes), "{len} bytes");
            assert_eq!(whole.0, blake3::hash(&data));
        }
        // The buffer is kept for the next file.
        assert_eq!(buffers.stored.len(), 1);
    }

    #[test]
    fn mapped_hash_matches() {
        let data = vec![5u8; 5 << 20];
        let f = temp_with(&data);
        assert_eq!(
            hash_mapped(&f, &Silent).unwrap(),
            (blake3::hash(&data), data.len() as u64)
        );
    }
}
