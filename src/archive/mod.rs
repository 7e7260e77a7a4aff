//! The hand-in archive: one `.zip` of a period (a month, a quarter, the
//! year) that the client keeps, and can check with stock tools.
//!
//! It comes after [`crate::render`]: the archive holds the period's pages as
//! the render stage draws them for the client, in memory, beside the notes'
//! sources and the period's backup and log summaries. What this module adds
//! is the envelope:
//!
//! * [`manifest`]: `B3SUMS`, a line in b3sum's format for every other file,
//!   so that `b3sum --check B3SUMS` proves the unpacked files;
//! * [`sign`]: SSH signatures of `B3SUMS` (the SSHSIG format of
//!   `ssh-keygen -Y sign`, namespace [`NAMESPACE`]), the team's in
//!   [`SIGNATURE`] and the client administrator's in [`CLIENT_SIGNATURE`];
//! * [`pack`]: the `.zip`, byte for byte the same for the same inputs;
//! * [`verify`]: both checks in one step, naming every file added,
//!   removed or changed.
//!
//! Why a `.zip` and not a `.tar.zst`: the client's office PCs run Windows,
//! whose Explorer opens a `.zip` without any tool; `b3sum` and `ssh-keygen`
//! (part of Windows' OpenSSH client) then check the unpacked folder.

pub mod contents;
pub mod manifest;
pub mod pack;
pub mod pdf;
pub mod sign;
pub mod verify;

use crate::period::Period;

/// The SSHSIG namespace of every archive signature: a signature made for
/// something else (a git commit, a file) cannot pass for one of these.
pub const NAMESPACE: &str = "opsbook-archive";
/// The manifest of every other file of the archive.
pub const MANIFEST: &str = "B3SUMS";
/// The team's signature of [`MANIFEST`].
pub const SIGNATURE: &str = "B3SUMS.sig";
/// The client administrator's counter-signature of [`MANIFEST`].
pub const CLIENT_SIGNATURE: &str = "B3SUMS.client.sig";
/// The period's pages and reports, printed on A4.
pub const PDF: &str = "archive.pdf";

/// One file of the archive, its path relative to the archive's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl Entry {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Entry {
        Entry {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// The folder every file of a period's archive sits in, once unpacked:
/// `opsbook-archive-2025-11`.
pub fn folder_name(period: &Period) -> String {
    format!("opsbook-archive-{period}")
}

/// The archive's file name: `opsbook-archive-2025-11.zip`.
pub fn file_name(period: &Period) -> String {
    crate::analyse::handins::archive_name(period)
}

/// Whether `path` is one of the signatures, which the manifest does not
/// list (they are made from it).
pub fn is_signature(path: &str) -> bool {
    path == SIGNATURE || path == CLIENT_SIGNATURE
}

/// Why an archive could not be made, read or signed.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{path}: not a readable archive: {message}")]
    Unreadable { path: String, message: String },
    #[error("{path}: {message}")]
    Layout { path: String, message: String },
    #[error(transparent)]
    Key(#[from] sign::KeyError),
    #[error("cannot write the archive: {0}")]
    Zip(String),
}
