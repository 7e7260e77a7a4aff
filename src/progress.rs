//! Progress of long work (verifying backups, reading logs), told from the
//! worker threads as bytes are read. The analyses only call this trait; the
//! command layer decides whether a bar is drawn.

/// Told how a run advances. The default methods do nothing.
pub trait Progress: Sync {
    /// Before reading: how many files and bytes this run reads.
    fn start(&self, _files: u64, _bytes: u64) {}
    /// `bytes` more to read than `start` said: sizes learnt as files are
    /// opened.
    fn more(&self, _bytes: u64) {}
    /// `bytes` more were read.
    fn advance(&self, _bytes: u64) {}
    /// Everything was read.
    fn finish(&self) {}
}

/// No progress shown.
pub struct Silent;

impl Progress for Silent {}
