//! Reading log files as lines, in constant memory.
//!
//! Every read goes through a [`LineReader`] with one fixed buffer: lines
//! longer than `max_line` are skipped to their end without being held, so a
//! 2 GB file without a newline costs no more memory than a short one.
//!
//! A plain file is read in [`Chunk`]s that parallel workers take: a chunk owns
//! the lines that *start* within its byte range, reading past its end to
//! finish the last one, so the chunks of a file together see each line
//! exactly once. Each chunk opens the file itself and reads from its own
//! offset (positioned reads rather than a memory map: a log that is
//! truncated while opsbook reads it — logrotate's `copytruncate` — ends a
//! read early instead of killing the process with SIGBUS).
//!
//! A `.zst` file is one stream and is read by one worker, start to end,
//! decoded under the bounds backups are decoded under (`max_window`,
//! `max_ratio` of `[logs]`): a small file that decodes to gigabytes stops
//! at the bound as `corrupt`, its lines up to there counted.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use chrono_tz::Tz;
use memchr::memchr;

use super::aggregate::{Accumulator, Aggregate};
use super::parse::Malformed;
use super::report::ProblemKind;
use super::rules::Rules;
use crate::analyse::verify::zst::{BoundedReader, Limits};
use crate::progress::Progress;
use crate::size::ByteSize;

/// Bytes asked of the file system per read (and at most read past a
/// chunk's end to finish its last line).
const BLOCK: usize = 256 * 1024;

/// What the reading of a part of a file needs to know.
pub struct Reading<'a> {
    pub tz: Tz,
    pub rules: &'a Rules,
    pub max_line: usize,
    /// Bounds of `.zst` decoding.
    pub max_window: ByteSize,
    pub max_ratio: u64,
    pub progress: &'a dyn Progress,
}

/// One line, or a line too long to keep.
pub enum Line<'b> {
    Text(&'b [u8]),
    TooLong,
}

/// Splits a byte stream into lines with a buffer of fixed size.
pub struct LineReader<R> {
    src: R,
    buf: Box<[u8]>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    max_line: usize,
    /// Offset in the stream of `buf[start]`.
    pos: u64,
}

impl<R: Read> LineReader<R> {
    /// Reads `src`, whose first byte is at offset `pos` of its file.
    pub fn new(src: R, max_line: usize, pos: u64) -> Self {
        LineReader {
            src,
            buf: vec![0; max_line.max(BLOCK) + 1].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            max_line,
            pos,
        }
    }

    /// Offset of the next unread byte.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.pos += n as u64;
    }

    /// Reads more into the buffer, first moving what is unread to its front.
    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let room = (self.buf.len() - self.end).min(BLOCK);
        loop {
            match self.src.read(&mut self.buf[self.end..self.end + room]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next line (without its newline) and whether a newline ended it;
    /// `None` at the end of the stream.
    pub fn next_line(&mut self) -> io::Result<Option<(Line<'_>, bool)>> {
        loop {
            let pending = self.end - self.start;
            if let Some(i) = memchr(b'\n', &self.buf[self.start..self.end]) {
                if i > self.max_line {
                    self.consume(i + 1);
                    return Ok(Some((Line::TooLong, true)));
                }
                let from = self.start;
                self.consume(i + 1);
                return Ok(Some((Line::Text(&self.buf[from..from + i]), true)));
            }
            if pending > self.max_line {
                let terminated = self.skip_line()?;
                return Ok(Some((Line::TooLong, terminated)));
            }
            if self.eof {
                if pending == 0 {
                    return Ok(None);
                }
                let from = self.start;
                self.consume(pending);
                return Ok(Some((Line::Text(&self.buf[from..from + pending]), false)));
            }
            self.fill()?;
        }
    }

    /// Drops bytes up to and including the next newline; false when the
    /// stream ends first.
    fn skip_line(&mut self) -> io::Result<bool> {
        loop {
            if let Some(i) = memchr(b'\n', &self.buf[self.start..self.end]) {
                self.consume(i + 1);
                return Ok(true);
            }
            self.consume(self.end - self.start);
            if self.eof {
                return Ok(false);
            }
            self.fill()?;
        }
    }

    /// Moves just past the next newline that lies before offset `limit`;
    /// false when there is none there. Bytes at or after `limit` are not
    /// looked at, so a chunk in the middle of one enormous line costs no
    /// more than its own length.
    pub fn skip_past_newline_before(&mut self, limit: u64) -> io::Result<bool> {
        loop {
            let window = (self.end - self.start)
                .min(usize::try_from(limit.saturating_sub(self.pos)).unwrap_or(usize::MAX));
            if let Some(i) = memchr(b'\n', &self.buf[self.start..self.start + window]) {
                self.consume(i + 1);
                return Ok(true);
            }
            self.consume(window);
            if self.pos >= limit || self.eof {
                return Ok(false);
            }
            self.fill()?;
        }
    }
}

/// Counts the bytes read from a file and tells the progress about them.
struct Metered<'a, R> {
    inner: R,
    read: &'a Cell<u64>,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// A byte range of a plain file whose lines one worker reads.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    /// Where the part of the file being read starts (0, or where the last
    /// run stopped): a line starts there.
    pub region_start: u64,
    /// The lines this chunk owns start in `start..end`.
    pub start: u64,
    pub end: u64,
    /// The file's length when the run began; later growth waits for the
    /// next run.
    pub len: u64,
}

/// What reading one chunk (or one compressed file) found.
#[derive(Debug, Default)]
pub struct ChunkOut {
    /// Lines that end with a newline; line numbers counted from the chunk's
    /// first line (1).
    pub done: Aggregate,
    /// Lines ended with a newline, blank and malformed ones included.
    pub lines: u64,
    /// The last line of the file when no newline ends it (it may still be
    /// being written): its number, too, counts from the chunk's first line.
    pub tail: Option<Aggregate>,
    /// Offset just after the last newline read, if any was.
    pub end: Option<u64>,
    /// Bytes read from disk.
    pub read: u64,
    /// Why reading stopped early.
    pub error: Option<(ProblemKind, String)>,
}

/// Reads the lines a chunk owns.
pub fn read_chunk(path: &Path, chunk: Chunk, cx: &Reading<'_>) -> ChunkOut {
    let read = Cell::new(0);
    let mut out = ChunkOut::default();
    let result = (|| {
        let mut file = File::open(path)?;
        // A chunk after the first starts on the line after the newline that
        // precedes its range, so it looks at the byte before its start.
        let from = if chunk.start > chunk.region_start {
            chunk.start - 1
        } else {
            chunk.start
        };
        file.seek(SeekFrom::Start(from))?;
        let src = Metered {
            inner: file.take(chunk.len.saturating_sub(from)),
            read: &read,
            progress: cx.progress,
        };
        let mut lines = LineReader::new(src, cx.max_line, from);
        if from < chunk.start && !lines.skip_past_newline_before(chunk.end)? {
            return Ok(());
        }
        read_lines(&mut lines, chunk.end, cx, &mut out)
    })();
    out.error = result.err().map(|e| (ProblemKind::Unreadable, e.to_string()));
    out.read = read.get();
    out
}

/// Reads a whole `.zst` file. An error of the decoder ends the reading;
/// what was read before it stays counted.
pub fn read_zst(path: &Path, cx: &Reading<'_>) -> ChunkOut {
    let read = Cell::new(0);
    let mut out = ChunkOut::default();
    let decoder = File::open(path).and_then(|file| {
        let stored = file.metadata()?.len();
        let limits = Limits::new(cx.max_window, cx.max_ratio, stored, "[logs]");
        let metered = Metered {
            inner: file,
            read: &read,
            progress: cx.progress,
        };
        Ok(BoundedReader::new(metered, limits))
    });
    let result = match decoder {
        Ok(decoder) => read_lines(
            &mut LineReader::new(decoder, cx.max_line, 0),
            u64::MAX,
            cx,
            &mut out,
        ),
        Err(e) => {
            out.error = Some((ProblemKind::Unreadable, e.to_string()));
            return out;
        }
    };
    out.read = read.get();
    if let Err(e) = result {
        out.error = Some(match e.kind() {
            io::ErrorKind::UnexpectedEof => (
                ProblemKind::Truncated,
                format!("the zstd stream {e}; the lines before are counted"),
            ),
            _ => (
                ProblemKind::Corrupt,
                format!("the zstd stream does not decode: {e}; the lines before are counted"),
            ),
        });
        // A damaged stream's last line is cut short, not unterminated.
        out.tail = None;
    }
    out
}

/// Reads lines that start before `end` into `out`.
fn read_lines<R: Read>(
    lines: &mut LineReader<R>,
    end: u64,
    cx: &Reading<'_>,
    out: &mut ChunkOut,
) -> io::Result<()> {
    let mut acc = Accumulator::new(cx.tz, cx.rules);
    let result = (|| {
        while lines.pos() < end {
            let number = out.lines + 1;
            let Some((line, terminated)) = lines.next_line()? else {
                break;
            };
            if !terminated {
                let mut tail = Accumulator::new(cx.tz, cx.rules);
                take(&mut tail, line, number, cx.max_line);
                out.tail = Some(tail.agg);
                break;
            }
            take(&mut acc, line, number, cx.max_line);
            out.lines += 1;
            out.end = Some(lines.pos());
        }
        Ok(())
    })();
    out.done = acc.agg;
    result
}

fn take(acc: &mut Accumulator<'_>, line: Line<'_>, number: u64, max_line: usize) {
    match line {
        Line::Text(bytes) => acc.line(bytes, number),
        Line::TooLong => acc.malformed(number, &Malformed::TooLong(max_line)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(data: &[u8], max_line: usize) -> Vec<(String, bool)> {
        let mut r = LineReader::new(data, max_line, 0);
        let mut out = Vec::new();
        while let Some((line, terminated)) = r.next_line().unwrap() {
            let text = match line {
                Line::Text(b) => String::from_utf8_lossy(b).into_owned(),
                Line::TooLong => "<too long>".into(),
            };
            out.push((text, terminated));
        }
        out
    }

    #[test]
    fn splits_lines_and_skips_long_ones() {
        let long = "x".repeat(BLOCK * 3);
        let data = format!("a\n\nbb\n{long}\nccc\n{long}");
        let got = lines_of(data.as_bytes(), 10);
        let want = [
            ("a", true),
            ("", true),
            ("bb", true),
            ("<too long>", true),
            ("ccc", true),
            ("<too long>", false),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for ((g, gt), (w, wt)) in got.iter().zip(want) {
            assert_eq!((g.as_str(), *gt), (w, wt));
        }
        assert_eq!(lines_of(b"last", 10), [("last".to_string(), false)]);
        assert_eq!(lines_of(b"exactly10!\n", 10), [("exactly10!".to_string(), true)]);
        assert_eq!(lines_of(b"eleven11!!!\n", 10)[0].0, "<too long>");
    }

    #[test]
    fn chunks_see_every_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.jsonl");
        let mut text = String::new();
        for i in 0..500 {
            text.push_str(&format!(
                "{{\"ts\":\"2025-12-01T08:00:{:02}+08:00\",\"level\":\"INFO\",\"msg\":\"{}\"}}\n",
                i % 60,
                "y".repeat(i % 37)
            ));
        }
        text.push_str("broken\n{\"ts\":\"2025-12-01T09:00:00+08:00\"}");
        std::fs::write(&path, &text).unwrap();
        let len = text.len() as u64;
        let rules = Rules::new(&[]);
        let cx = Reading {
            tz: chrono_tz::Asia::Shanghai,
            rules: &rules,
            max_line: 1000,
            max_window: ByteSize(128 << 20),
            max_ratio: 1000,
            progress: &crate::progress::Silent,
        };
        for size in [1, 7, 64, 1000, len] {
            let mut done = Aggregate::default();
            let mut lines = 0;
            let mut tails = 0;
            let mut start = 0;
            while start < len {
                let end = (start + size).min(len);
                let out = read_chunk(
                    &path,
                    Chunk {
                        region_start: 0,
                        start,
                        end,
                        len,
                    },
                    &cx,
                );
                assert!(out.error.is_none());
                let mut part = out.done;
                part.shift_lines(lines);
                done.merge(part);
                lines += out.lines;
                tails += usize::from(out.tail.is_some());
                start = end;
            }
            assert_eq!(
                (done.lines, done.malformed, lines, tails),
                (500, 1, 501, 1),
                "chunk size {size}"
            );
            assert_eq!(done.malformed_lines[0].line, 501);
        }
    }
}
