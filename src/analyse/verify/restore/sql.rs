//! Plain SQL dumps of pg_dump and mysqldump: the tool's completion trailer
//! within the last lines (else `truncated`), and statement counts for the
//! portal.
//!
//! pg_dump ends with `-- PostgreSQL database dump complete` (pg_dumpall with
//! `-- PostgreSQL database cluster dump complete`), and recent versions add
//! `\unrestrict <key>` after it; mysqldump ends with `-- Dump completed`,
//! with a date unless `--skip-dump-date`. The scan looks at each line's
//! first bytes only, so it keeps pace with decoding.

use std::io::BufRead;

use memchr::{memchr, memmem, memrchr};

use crate::analyse::verify::report::{ProblemKind, Restore};

use super::{Fault, RestoreTest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    PgDump,
    Mysqldump,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::PgDump => "pg_dump",
            Tool::Mysqldump => "mysqldump",
        }
    }

    fn trailer(self) -> &'static str {
        match self {
            Tool::PgDump => "-- PostgreSQL database dump complete",
            Tool::Mysqldump => "-- Dump completed",
        }
    }

    fn is_trailer(self, line: &str) -> bool {
        match self {
            Tool::PgDump => line.starts_with("-- PostgreSQL database") && line.ends_with("dump complete"),
            Tool::Mysqldump => line.starts_with("-- Dump completed"),
        }
    }
}

/// Bytes of a line looked at to classify it.
const HEAD: usize = 16;
/// The end of the dump kept for the trailer.
const TAIL: usize = 4096;
/// How many of the last lines may hold the trailer.
const TRAILER_WITHIN: usize = 8;

pub struct SqlTest {
    tool: Tool,
    head: [u8; HEAD],
    head_len: usize,
    /// The current line's head is classified; skipping to its end.
    head_done: bool,
    in_copy: bool,
    create_table: u64,
    copy: u64,
    copy_rows: u64,
    insert: u64,
    tail: Vec<u8>,
    bytes: u64,
}

impl SqlTest {
    pub fn new(tool: Tool) -> SqlTest {
        SqlTest {
            tool,
            head: [0; HEAD],
            head_len: 0,
            head_done: false,
            in_copy: false,
            create_table: 0,
            copy: 0,
            copy_rows: 0,
            insert: 0,
            tail: Vec::with_capacity(2 * TAIL),
            bytes: 0,
        }
    }

    fn scan(&mut self, mut data: &[u8]) {
        self.bytes += data.len() as u64;
        self.keep_tail(data);
        while !data.is_empty() {
            if self.in_copy && self.head_len == 0 && !self.head_done {
                data = self.skip_copy_rows(data);
            }
            if data.is_empty() {
                break;
            }
            if self.head_done {
                match memchr(b'\n', data) {
                    Some(i) => {
                        data = &data[i + 1..];
                        self.head_len = 0;
                        self.head_done = false;
                    }
                    None => return,
                }
                continue;
            }
            let room = (HEAD - self.head_len).min(data.len());
            let newline = memchr(b'\n', &data[..room]);
            let take = newline.unwrap_or(room);
            self.head[self.head_len..self.head_len + take].copy_from_slice(&data[..take]);
            self.head_len += take;
            if newline.is_some() || self.head_len == HEAD {
                self.classify();
                self.head_done = true;
            }
            match newline {
                Some(i) => {
                    data = &data[i + 1..];
                    self.head_len = 0;
                    self.head_done = false;
                }
                None => data = &data[take..],
            }
        }
    }

    /// At a line start inside a `COPY … FROM stdin` block: counts whole rows
    /// up to the block's end line (`\.`) or the chunk's last newline, by
    /// their newlines alone (a data line never starts with `\.`: COPY
    /// escapes backslashes). Most of a dump is such rows, and this keeps
    /// their scan far cheaper than decoding them.
    fn skip_copy_rows<'d>(&mut self, data: &'d [u8]) -> &'d [u8] {
        let end = if data.starts_with(b"\\.") {
            Some(0)
        } else {
            memmem::find(data, b"\n\\.").map(|i| i + 1)
        };
        let rows_end = end.unwrap_or_else(|| memrchr(b'\n', data).map_or(0, |i| i + 1));
        let rows = &data[..rows_end];
        self.copy_rows += count_newlines(rows);
        &data[rows_end..]
    }

    fn classify(&mut self) {
        let head = &self.head[..self.head_len];
        if self.in_copy {
            let head = head.strip_suffix(b"\r").unwrap_or(head);
            if head == b"\\." {
                self.in_copy = false;
            } else {
                self.copy_rows += 1;
            }
        } else if head.starts_with(b"CREATE TABLE ") {
            self.create_table += 1;
        } else if head.starts_with(b"INSERT INTO ") {
            self.insert += 1;
        } else if head.starts_with(b"COPY ") && self.tool == Tool::PgDump {
            self.copy += 1;
            self.in_copy = true;
        }
    }

    fn keep_tail(&mut self, data: &[u8]) {
        if data.len() >= TAIL {
            self.tail.clear();
            self.tail.extend_from_slice(&data[data.len() - TAIL..]);
        } else {
            self.tail.extend_from_slice(data);
            if self.tail.len() > TAIL {
                let excess = self.tail.len() - TAIL;
                self.tail.drain(..excess);
            }
        }
    }
}

impl RestoreTest for SqlTest {
    fn read(&mut self, content: &mut dyn BufRead) {
        loop {
            let n = match content.fill_buf() {
                Ok([]) | Err(_) => return,
                Ok(data) => {
                    let n = data.len();
                    self.scan(data);
                    n
                }
            };
            content.consume(n);
        }
    }

    fn finish(&mut self) -> Result<Restore, Vec<Fault>> {
        if !self.head_done && self.head_len > 0 {
            self.classify();
            self.head_done = true;
        }
        let tail = String::from_utf8_lossy(&self.tail);
        let last: Vec<&str> = tail
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .rev()
            .take(TRAILER_WITHIN)
            .collect();
        if !last.iter().any(|l| self.tool.is_trailer(l)) {
            let detail = match last.first() {
                None => "the dump is empty".to_string(),
                Some(line) => format!(
                    "no `{}` line at its end: the {} dump was cut short (it ends with `{}`)",
                    self.tool.trailer(),
                    self.tool.name(),
                    shorten(line)
                ),
            };
            return Err(vec![Fault::new(ProblemKind::Truncated, detail)]);
        }
        Ok(Restore::SqlDump {
            tool: self.tool.name().to_string(),
            create_table: self.create_table,
            copy: self.copy,
            copy_rows: self.copy_rows,
            insert: self.insert,
        })
    }
}

/// Newlines in `bytes`, summed in blocks small enough for a byte-wide
/// counter, so the compiler compares 32 bytes at a time.
fn count_newlines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|block| {
            let n = block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'));
            u64::from(n)
        })
        .sum()
}

fn shorten(line: &str) -> String {
    let mut chars = line.chars();
    let head: String = chars.by_ref().take(60).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: &str = "--\n-- PostgreSQL database dump\n--\n\\restrict abc\nSET x = 1;\nCREATE TABLE public.documents (\n    id integer\n);\nCOPY public.documents (id) FROM stdin;\n1\n2\nCREATE TABLE looks like data\n\\.\n\nCOPY public.empty (id) FROM stdin;\n\\.\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc\n\n";

    fn run(tool: Tool, text: &[u8], piece: usize) -> Result<Restore, Vec<Fault>> {
        let mut t = Box::new(SqlTest::new(tool));
        for part in text.chunks(piece) {
            t.scan(part);
        }
        t.finish()
    }

    #[test]
    fn counts_statements_whatever_the_chunking() {
        for piece in [1, 2, 5, 16, 17, 4096] {
            let r = run(Tool::PgDump, PG.as_bytes(), piece).unwrap();
            assert_eq!(
                r,
                Restore::SqlDump {
                    tool: "pg_dump".into(),
                    create_table: 1,
                    copy: 2,
                    copy_rows: 3,
                    insert: 0
                },
                "piece {piece}"
            );
        }
    }

    #[test]
    fn copy_rows_are_counted_across_any_chunking() {
        let mut text = String::from("COPY public.t (a) FROM stdin;\n");
        for i in 0..1000 {
            text.push_str(&format!("{i}\t\\\\x\n"));
        }
        text.push_str("\\.\nCREATE TABLE after (x);\n-- PostgreSQL database dump complete\n");
        for piece in [1, 3, 7, 64, 1000, 100_000] {
            match run(Tool::PgDump, text.as_bytes(), piece).unwrap() {
                Restore::SqlDump {
                    copy_rows,
                    create_table,
                    ..
                } => assert_eq!((copy_rows, create_table), (1000, 1), "piece {piece}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_missing_trailer_is_truncation() {
        let cut = &PG.as_bytes()[..PG.find("-- PostgreSQL database dump complete").unwrap() - 5];
        let faults = run(Tool::PgDump, cut, 4096).unwrap_err();
        assert_eq!(faults[0].kind, ProblemKind::Truncated);
        assert!(faults[0].detail.contains("cut short"), "{}", faults[0].detail);
        assert_eq!(
            run(Tool::PgDump, b"", 1).unwrap_err()[0].detail,
            "the dump is empty"
        );
    }

    #[test]
    fn mysqldump_trailer_with_or_without_date() {
        for end in [
            "-- Dump completed on 2025-11-01  2:00:01\n",
            "-- Dump completed\n",
        ] {
            let text = format!("CREATE TABLE `t` (\n);\nINSERT INTO `t` VALUES (1),(2);\n{end}");
            match run(Tool::Mysqldump, text.as_bytes(), 7).unwrap() {
                Restore::SqlDump {
                    create_table, insert, ..
                } => assert_eq!((create_table, insert), (1, 1)),
                other => panic!("{other:?}"),
            }
        }
        assert!(run(Tool::Mysqldump, b"INSERT INTO `t` VALUES (1);\n", 7).is_err());
    }
}
