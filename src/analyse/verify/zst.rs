//! Streaming zstd decoding for the restore test of `.zst` files: every
//! frame, with bounds.
//!
//! libzstd's streaming decoder does the work and checks each frame's
//! content checksum where the frame carries one, and its declared content
//! size. Around it this module
//!
//! * reads each frame's header itself, to count frames and checksums, to
//!   name the frame and offset of a fault, to hold the decoded size against
//!   the declared one, and to refuse at once a frame that declares more
//!   content or a larger window than the bounds allow;
//! * bounds the window (`max_window`, zstd's `windowLogMax`) so a frame
//!   cannot make the decoder allocate gigabytes, and the total decoded size
//!   (`max_ratio` × stored size) so a decompression bomb stops early;
//! * tells truncation from corruption: input that ends inside a frame (or
//!   no frame at all) is `truncated`; any error libzstd reports is `corrupt`.
//!   A file cut exactly between two frames decodes cleanly: only its digest
//!   can tell.

use zstd::zstd_safe::{self, DCtx, DParameter, InBuffer, OutBuffer};

use std::io::{self, Read};

use super::settings::MIN_DECODED_LIMIT;
use crate::size::{ByteSize, human_bytes};

/// Why a `.zst` file failed its restore test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended inside a frame, or held no frame.
    Truncated(String),
    /// Anything else: damaged data, a bad checksum, a bound exceeded.
    Corrupt(String),
}

/// Counts of a cleanly decoded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub frames: u32,
    pub checksummed: u32,
    pub decoded: u64,
}

/// The bounds a file is decoded under.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// zstd's window log bound (10–31).
    pub window_log_max: u32,
    /// Decoded bytes allowed for the whole file.
    pub max_decoded: u64,
    /// The settings table whose `max_window` and `max_ratio` set the
    /// bounds (`[verify]`, `[logs]`): messages say which to raise.
    pub table: &'static str,
}

impl Limits {
    /// The bounds for a file of `stored` bytes: `max_window` as zstd's
    /// window log, and `max_ratio` times the stored size (never less than
    /// [`MIN_DECODED_LIMIT`]).
    pub fn new(max_window: ByteSize, max_ratio: u64, stored: u64, table: &'static str) -> Limits {
        let bytes = max_window.0.max(1);
        Limits {
            window_log_max: (63 - bytes.leading_zeros()).clamp(10, 31),
            max_decoded: stored.saturating_mul(max_ratio).max(MIN_DECODED_LIMIT),
            table,
        }
    }
}

/// The largest frame header: magic, descriptor, window, dictionary id, size.
const MAX_HEADER: usize = 18;

/// A push decoder: raw chunks in, decoded bytes out, in fixed buffers.
pub struct Decoder {
    dctx: DCtx<'static>,
    limits: Limits,
    /// Frames completed so far.
    frames: u32,
    checksummed: u32,
    /// Inside a frame: some of its bytes were given to libzstd, its end not
    /// yet seen.
    in_frame: bool,
    /// The first bytes of the current frame, until its header parses.
    head: Vec<u8>,
    /// Stored offset just past the collected `head`.
    head_ends_at: u64,
    header: Option<FrameHeader>,
    /// Stored offset of the current frame.
    frame_start: u64,
    /// Decoded bytes of the current frame and of the whole file.
    frame_decoded: u64,
    decoded: u64,
    /// Stored bytes consumed by libzstd.
    consumed: u64,
    /// The last call filled the output: libzstd may hold more to flush.
    pending_flush: bool,
}

impl Decoder {
    pub fn new(limits: Limits) -> Decoder {
        let mut dctx = DCtx::create();
        // Cannot fail for a log within zstd's range, which Limits keeps.
        let _ = dctx.set_parameter(DParameter::WindowLogMax(limits.window_log_max));
        Decoder {
            dctx,
            limits,
            frames: 0,
            checksummed: 0,
            in_frame: false,
            head: Vec::with_capacity(MAX_HEADER),
            head_ends_at: 0,
            header: None,
            frame_start: 0,
            frame_decoded: 0,
            decoded: 0,
            consumed: 0,
            pending_flush: false,
        }
    }

    /// Decodes from `input[*pos..]` into the spare capacity of `out`,
    /// returning when `out` is full (call again with the same input after
    /// emptying it) or when the input is used up.
    pub fn decode(&mut self, input: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        while out.len() < out.capacity() && (*pos < input.len() || self.pending_flush) {
            if !self.in_frame {
                if *pos == input.len() {
                    break;
                }
                self.start_frame(&input[*pos..])?;
            } else if self.header.is_none() && self.head.len() < MAX_HEADER {
                // The header began at the end of an earlier chunk: its
                // next bytes start where the collected ones end.
                let from = *pos + (self.head_ends_at - self.consumed) as usize;
                if from < input.len() {
                    let take = (MAX_HEADER - self.head.len()).min(input.len() - from);
                    self.head.extend_from_slice(&input[from..from + take]);
                    self.head_ends_at += take as u64;
                    self.parse_header()?;
                }
            }
            let (in_before, out_before) = (*pos, out.len());
            let mut inb = InBuffer {
                src: input,
                pos: *pos,
            };
            let start = out.len();
            let mut outb = OutBuffer::around_pos(out, start);
            let result = self.dctx.decompress_stream(&mut outb, &mut inb);
            *pos = inb.pos;
            let produced = (out.len() - out_before) as u64;
            self.consumed += (*pos - in_before) as u64;
            self.frame_decoded += produced;
            self.decoded += produced;
            let hint = result.map_err(|code| self.corrupt(zstd_safe::get_error_name(code)))?;
            if self.decoded > self.limits.max_decoded {
                return Err(self.bomb());
            }
            if let Some(declared) = self.header.and_then(|h| h.content_size)
                && self.frame_decoded > declared
            {
                return Err(self.size_mismatch(declared));
            }
            if hint == 0 {
                self.end_frame()?;
            } else {
                self.pending_flush = out.len() == out.capacity();
                if *pos == in_before && out.len() == out_before {
                    break; // libzstd needs more input
                }
            }
        }
        Ok(())
    }

    /// Called at the end of the input: the counts, or why the file ends
    /// badly.
    pub fn finish(&mut self) -> Result<Summary, DecodeError> {
        if self.in_frame {
            return Err(DecodeError::Truncated(format!(
                "ends inside frame {} (which starts at stored byte {}) after {} of content: the file was cut short",
                self.frames + 1,
                self.frame_start,
                human_bytes(self.frame_decoded)
            )));
        }
        if self.frames == 0 {
            return Err(DecodeError::Truncated(
                "holds no zstd frame: the file is empty".to_string(),
            ));
        }
        Ok(Summary {
            frames: self.frames,
            checksummed: self.checksummed,
            decoded: self.decoded,
        })
    }

    fn start_frame(&mut self, rest: &[u8]) -> Result<(), DecodeError> {
        self.in_frame = true;
        self.header = None;
        self.head.clear();
        let take = rest.len().min(MAX_HEADER);
        self.head.extend_from_slice(&rest[..take]);
        self.head_ends_at = self.consumed + take as u64;
        self.frame_start = self.consumed;
        self.frame_decoded = 0;
        self.parse_header()
    }

    /// Parses the collected header once it is complete (bytes that begin no
    /// frame are left to libzstd, which names the fault), and refuses at once
    /// a frame whose window or declared size is beyond the bounds.
    fn parse_header(&mut self) -> Result<(), DecodeError> {
        let Some(h) = FrameHeader::parse(&self.head) else {
            return Ok(());
        };
        self.header = Some(h);
        if h.window > 1u64 << self.limits.window_log_max {
            return Err(self.corrupt(&format!(
                "needs a {} window, more than max_window allows ({}); raise {} max_window if the file is genuine",
                human_bytes(h.window),
                human_bytes(1u64 << self.limits.window_log_max),
                self.limits.table
            )));
        }
        if let Some(size) = h.content_size
            && self.decoded - self.frame_decoded + size > self.limits.max_decoded
        {
            return Err(self.corrupt(&format!(
                "declares {} of content, more than the decoded-size bound ({}, from max_ratio); raise {} max_ratio if the file is genuine",
                human_bytes(size),
                human_bytes(self.limits.max_decoded),
                self.limits.table
            )));
        }
        Ok(())
    }

    fn end_frame(&mut self) -> Result<(), DecodeError> {
        if let Some(h) = self.header {
            if let Some(declared) = h.content_size
                && self.frame_decoded != declared
            {
                return Err(self.size_mismatch(declared));
            }
            if h.checksum {
                self.checksummed += 1;
            }
        }
        self.frames += 1;
        self.in_frame = false;
        self.pending_flush = false;
        Ok(())
    }

    fn corrupt(&self, what: &str) -> DecodeError {
        DecodeError::Corrupt(format!(
            "frame {} (at stored byte {}): {what}",
            self.frames + 1,
            self.frame_start
        ))
    }

    fn size_mismatch(&self, declared: u64) -> DecodeError {
        self.corrupt(&format!(
            "decodes to {} bytes or more, but its header declares {declared}",
            self.frame_decoded
        ))
    }

    fn bomb(&self) -> DecodeError {
        self.corrupt(&format!(
            "decodes to more than {} (max_ratio × its stored size): stopped after {} decoded bytes, as a likely \
             decompression bomb; raise {} max_ratio if the file is genuine",
            human_bytes(self.limits.max_decoded),
            self.decoded,
            self.limits.table
        ))
    }
}

/// A [`Read`] of the content of a `.zst` stream, decoded by [`Decoder`]
/// under its bounds: for structured logs, which are read as lines rather
/// than chunks. A decode error is an [`io::Error`]: `UnexpectedEof` for a
/// stream that ends inside a frame (or holds none), `Other` for the rest,
/// each with the decoder's message.
pub struct BoundedReader<R> {
    src: R,
    decoder: Decoder,
    input: Box<[u8]>,
    /// Unread input is `input[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    out: Vec<u8>,
    /// Decoded bytes not yet handed out are `out[given..]`.
    given: usize,
    done: bool,
}

/// Stored bytes read, and decoded bytes made, at a time.
const READER_CHUNK: usize = 128 * 1024;

impl<R: Read> BoundedReader<R> {
    pub fn new(src: R, limits: Limits) -> BoundedReader<R> {
        BoundedReader {
            src,
            decoder: Decoder::new(limits),
            input: vec![0; READER_CHUNK].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            out: Vec::with_capacity(READER_CHUNK),
            given: 0,
            done: false,
        }
    }

    /// Decodes more into `out` (empty on return only at the clean end).
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.given = 0;
        while self.out.is_empty() && !self.done {
            if self.start == self.end && !self.eof {
                match self.src.read(&mut self.input) {
                    Ok(0) => self.eof = true,
                    Ok(n) => (self.start, self.end) = (0, n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
                continue;
            }
            if self.start == self.end {
                // The input is over: what libzstd still holds, then the end.
                let mut pos = 0;
                self.decoder.decode(&[], &mut pos, &mut self.out).map_err(as_io)?;
                if self.out.is_empty() {
                    self.decoder.finish().map_err(as_io)?;
                    self.done = true;
                }
                continue;
            }
            let mut pos = self.start;
            self.decoder
                .decode(&self.input[..self.end], &mut pos, &mut self.out)
                .map_err(as_io)?;
            self.start = pos;
        }
        Ok(())
    }
}

impl<R: Read> Read for BoundedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.given == self.out.len() {
            self.refill()?;
        }
        let n = (self.out.len() - self.given).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.given..self.given + n]);
        self.given += n;
        Ok(n)
    }
}

fn as_io(e: DecodeError) -> io::Error {
    match e {
        DecodeError::Truncated(m) => io::Error::new(io::ErrorKind::UnexpectedEof, m),
        DecodeError::Corrupt(m) => io::Error::other(m),
    }
}

/// What a zstd frame header says (RFC 8878, section 3.1.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// A skippable frame: no content, its bytes skipped.
    pub skippable: bool,
    /// The window the decoder must hold.
    pub window: u64,
    /// The declared content size, when the frame has one.
    pub content_size: Option<u64>,
    /// The frame ends with a content checksum.
    pub checksum: bool,
}

const MAGIC: u32 = 0xFD2F_B528;
const SKIPPABLE_MASK: u32 = 0xFFFF_FFF0;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;

impl FrameHeader {
    /// `None` while more bytes are needed, and for bytes that begin no zstd
    /// frame (libzstd names that fault when it meets it).
    pub fn parse(b: &[u8]) -> Option<FrameHeader> {
        if b.len() < 4 {
            return None;
        }
        let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        if magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC {
            return Some(FrameHeader {
                skippable: true,
                window: 0,
                content_size: Some(0),
                checksum: false,
            });
        }
        if magic != MAGIC {
            return None;
        }
        let fhd = *b.get(4)?;
        let fcs_flag = fhd >> 6;
        let single_segment = fhd & 0x20 != 0;
        let checksum = fhd & 0x04 != 0;
        let dict_len = [0, 1, 2, 4][usize::from(fhd & 0x03)];
        let fcs_len = match fcs_flag {
            0 if single_segment => 1,
            0 => 0,
            1 => 2,
            2 => 4,
            _ => 8,
        };
        let wd_len = usize::from(!single_segment);
        let need = 5 + wd_len + dict_len + fcs_len;
        if b.len() < need {
            return None;
        }
        let content_size = (fcs_len > 0).then(|| {
            let field = &b[5 + wd_len + dict_len..need];
            let mut v = [0u8; 8];
            v[..fcs_len].copy_from_slice(field);
            let n = u64::from_le_bytes(v);
            if fcs_len == 2 { n + 256 } else { n }
        });
        let window = if single_segment {
            content_size.unwrap_or(0)
        } else {
            let wd = b[5];
            let log = 10 + u32::from(wd >> 3);
            let base = 1u64 << log;
            base + (base / 8) * u64::from(wd & 7)
        };
        Some(FrameHeader {
            skippable: false,
            window,
            content_size,
            checksum,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIMITS: Limits = Limits {
        window_log_max: 27,
        max_decoded: 1 << 30,
        table: "[verify]",
    };

    /// Decodes `data` fed in chunks of `chunk` bytes into outputs of `out`.
    fn decode(
        data: &[u8],
        chunk: usize,
        out: usize,
        limits: Limits,
    ) -> Result<(Vec<u8>, Summary), DecodeError> {
        let mut d = Decoder::new(limits);
        let mut all = Vec::new();
        let mut buf = Vec::with_capacity(out);
        for piece in data.chunks(chunk.max(1)) {
            let mut pos = 0;
            loop {
                d.decode(piece, &mut pos, &mut buf)?;
                all.extend_from_slice(&buf);
                let full = buf.len() == buf.capacity();
                buf.clear();
                if !full && pos == piece.len() {
                    break;
                }
            }
        }
        loop {
            let mut pos = 0;
            d.decode(&[], &mut pos, &mut buf)?;
            let more = buf.len() == buf.capacity();
            all.extend_from_slice(&buf);
            buf.clear();
            if !more {
                break;
            }
        }
        Ok((all, d.finish()?))
    }

    fn frame(data: &[u8], checksum: bool, pledged: bool) -> Vec<u8> {
        let mut cctx = zstd_safe::CCtx::create();
        cctx.set_parameter(zstd_safe::CParameter::ChecksumFlag(checksum))
            .unwrap();
        cctx.set_parameter(zstd_safe::CParameter::ContentSizeFlag(pledged))
            .unwrap();
        let mut out = Vec::with_capacity(zstd_safe::compress_bound(data.len()));
        cctx.compress2(&mut out, data).unwrap();
        out
    }

    #[test]
    fn several_frames_decode_with_counts() {
        let mut file = frame(b"hello ", true, true);
        file.extend(frame(&vec![b'x'; 300_000], false, false));
        let (content, summary) = decode(&file, 7, 1000, LIMITS).unwrap();
        assert_eq!(&content[..6], b"hello ");
        assert_eq!(content.len(), 300_006);
        assert_eq!(
            summary,
            Summary {
                frames: 2,
                checksummed: 1,
                decoded: 300_006
            }
        );
    }

    #[test]
    fn a_cut_is_truncation_and_a_flip_is_corruption() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let file = frame(&data, true, true);
        for cut in [0, 3, 10, file.len() / 2, file.len() - 1] {
            match decode(&file[..cut], 4096, 65536, LIMITS) {
                Err(DecodeError::Truncated(_)) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        let mut flipped = file.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x10;
        assert!(matches!(
            decode(&flipped, 4096, 65536, LIMITS),
            Err(DecodeError::Corrupt(_))
        ));
        let mut garbage = file.clone();
        garbage.extend_from_slice(b"not a frame");
        assert!(matches!(
            decode(&garbage, 4096, 65536, LIMITS),
            Err(DecodeError::Corrupt(_))
        ));
    }

    #[test]
    fn a_wrong_declared_size_is_corruption() {
        let file = frame(&[7u8; 1000], false, true);
        let h = FrameHeader::parse(&file).unwrap();
        assert_eq!(h.content_size, Some(1000));
        // The 2-byte size field (1000 - 256) sits right after the
        // descriptor of a single-segment frame: declare 1001 instead.
        let mut bad = file.clone();
        assert_eq!(u16::from_le_bytes([bad[5], bad[6]]), 1000 - 256);
        bad[5] += 1;
        match decode(&bad, 100, 100, LIMITS) {
            Err(DecodeError::Corrupt(m)) => assert!(m.contains("frame 1"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bounds_stop_a_bomb_and_a_huge_window() {
        let file = frame(&vec![0u8; 8 << 20], false, false);
        let small = Limits {
            max_decoded: 1 << 20,
            ..LIMITS
        };
        match decode(&file, 4096, 65536, small) {
            Err(DecodeError::Corrupt(m)) => assert!(m.contains("bomb"), "{m}"),
            other => panic!("{other:?}"),
        }
        let declared = frame(&vec![0u8; 8 << 20], false, true);
        match decode(&declared, 4096, 65536, small) {
            Err(DecodeError::Corrupt(m)) => assert!(m.contains("declares 8 MiB"), "{m}"),
            other => panic!("{other:?}"),
        }
        let narrow = Limits {
            window_log_max: 10,
            ..LIMITS
        };
        match decode(&file, 4096, 65536, narrow) {
            Err(DecodeError::Corrupt(m)) => assert!(m.contains("max_window"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_reader_gives_the_content_or_the_decoder_s_fault() {
        let data: Vec<u8> = (0..300_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let mut file = frame(&data, true, false);
        file.extend(frame(b"tail", false, true));
        let mut out = Vec::new();
        BoundedReader::new(&file[..], LIMITS)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), data.len() + 4);
        let cut = BoundedReader::new(&file[..file.len() / 2], LIMITS).read_to_end(&mut Vec::new());
        assert_eq!(cut.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        let bomb = frame(&vec![b'\n'; 8 << 20], false, false);
        let small = Limits {
            max_decoded: 1 << 20,
            table: "[logs]",
            ..LIMITS
        };
        let e = BoundedReader::new(&bomb[..], small)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(e.to_string().contains("raise [logs] max_ratio"), "{e}");
    }

    proptest! {
        #[test]
        fn headers_agree_with_libzstd(
            len in 0usize..70_000,
            checksum: bool,
            pledged: bool,
        ) {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 13) as u8).collect();
            let file = frame(&data, checksum, pledged);
            let h = FrameHeader::parse(&file).unwrap();
            let expected = zstd_safe::get_frame_content_size(&file).unwrap();
            prop_assert_eq!(h.content_size, expected);
            prop_assert_eq!(h.checksum, checksum);
            prop_assert!(h.window >= 1 << 10 || h.window as usize >= len);
            let (content, summary) = decode(&file, 977, 4099, LIMITS).unwrap();
            prop_assert_eq!(content, data);
            prop_assert_eq!(summary.frames, 1);
        }
    }
}
