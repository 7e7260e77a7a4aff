//! `tar` (`*.tar`, `*.tar.zst`): every entry read to its end, entries and
//! bytes counted.
//!
//! The tar crate checks each header's checksum. It also takes a clean end
//! of input at an entry boundary for the end of the archive, so this test
//! watches the input itself: an archive whose input ran out before its
//! end-of-archive block is `truncated`.

use std::io::{self, BufRead, Read};

use crate::analyse::verify::report::{ProblemKind, Restore};

use super::{Fault, RestoreTest};

#[derive(Debug, Default)]
pub struct TarTest {
    entries: u64,
    bytes: u64,
    fault: Option<Fault>,
}

/// Notes when the input runs out.
struct EofWatch<'a> {
    inner: &'a mut dyn BufRead,
    eof: bool,
}

impl Read for EofWatch<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        }
        Ok(n)
    }
}

impl TarTest {
    fn walk(&mut self, archive: &mut tar::Archive<EofWatch<'_>>) -> Result<(), String> {
        for entry in archive.entries().map_err(|e| e.to_string())? {
            let mut entry = entry.map_err(|e| e.to_string())?;
            let name = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
            let size = entry.size();
            let read = io::copy(&mut entry, &mut io::sink()).map_err(|e| format!("entry `{name}`: {e}"))?;
            if read < size {
                return Err(format!("entry `{name}` ends after {read} of its {size} bytes"));
            }
            self.entries += 1;
            self.bytes += read;
        }
        Ok(())
    }
}

impl RestoreTest for TarTest {
    fn read(&mut self, content: &mut dyn BufRead) {
        let mut archive = tar::Archive::new(EofWatch {
            inner: content,
            eof: false,
        });
        let walked = self.walk(&mut archive);
        let eof = archive.into_inner().eof;
        self.fault = match walked {
            Ok(()) if eof => Some(Fault::new(
                ProblemKind::Truncated,
                format!(
                    "the archive ends without its end-of-archive block, after {} entries: it was cut short",
                    self.entries
                ),
            )),
            Ok(()) => None,
            Err(e) if eof => Some(Fault::new(
                ProblemKind::Truncated,
                format!("the archive was cut short after {} entries: {e}", self.entries),
            )),
            Err(e) => Some(Fault::new(
                ProblemKind::Corrupt,
                format!("after {} entries: {e}", self.entries),
            )),
        };
    }

    fn finish(&mut self) -> Result<Restore, Vec<Fault>> {
        match self.fault.clone() {
            Some(f) => Err(vec![f]),
            None => Ok(Restore::Tar {
                entries: self.entries,
                bytes: self.bytes,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, len) in [("a.txt", 1000usize), ("dir/b.bin", 70_000)] {
            let data = vec![7u8; len];
            let mut h = tar::Header::new_gnu();
            h.set_size(len as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, &data[..]).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn run(bytes: &[u8]) -> Result<Restore, Vec<Fault>> {
        let mut t = Box::new(TarTest::default());
        t.read(&mut &bytes[..]);
        t.finish()
    }

    #[test]
    fn counts_entries_and_bytes() {
        assert_eq!(
            run(&archive()).unwrap(),
            Restore::Tar {
                entries: 2,
                bytes: 71_000
            }
        );
    }

    #[test]
    fn cuts_are_truncation_and_bad_headers_corruption() {
        let tar = archive();
        // Inside an entry's data, and exactly after the last entry.
        let end_of_entries = 512 + 1024 + 512 + 70_144;
        for cut in [0, 700, end_of_entries] {
            let faults = run(&tar[..cut]).unwrap_err();
            assert_eq!(faults[0].kind, ProblemKind::Truncated, "cut {cut}: {faults:?}");
        }
        let mut bad = tar.clone();
        bad[512 + 1024 + 3] ^= 0x20; // a byte of the second header's name
        let faults = run(&bad).unwrap_err();
        assert_eq!(faults[0].kind, ProblemKind::Corrupt, "{faults:?}");
    }
}
