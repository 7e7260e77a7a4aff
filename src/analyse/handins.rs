//! Hand-ins: each client sign-off (`content/handins/PERIOD.md`) held
//! against the archive it signs off, `archives/opsbook-archive-PERIOD.zip`,
//! as `opsbook archive` writes it.
//!
//! What is found, for the reports to show: whether the archive is there,
//! whether its digest (the BLAKE3 of its `B3SUMS`) is the one the sign-off
//! quotes, whether it carries the client's counter-signature, and which of
//! the records it holds were edited or removed since: the archive lists the
//! BLAKE3 of every record's source file as it was handed in
//! (`summaries/records.json`), and each is held against the file now. A
//! record edited after its hand-in is thus flagged, never hidden.
//!
//! The signatures themselves are checked by `opsbook archive verify`; here
//! only their presence is read, so a build needs no keys.

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::load::Project;
use crate::load::notes::Note;
use crate::load::notes::kinds::{Handin, Meta};
use crate::period::Period;

/// The folder archives are written to and looked for in.
pub const DIR: &str = "archives";
/// Where in an archive the records' source digests are listed.
pub const RECORDS: &str = "summaries/records.json";
/// The manifest and the client's counter-signature, as named in an archive.
const MANIFEST: &str = "B3SUMS";
const CLIENT_SIGNATURE: &str = "B3SUMS.client.sig";

/// A record as handed in: its source file and that file's BLAKE3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedRecord {
    pub path: String,
    pub id: String,
    pub blake3: String,
}

/// One sign-off, held against its archive.
#[derive(Debug, Clone, Serialize)]
pub struct HandinCheck {
    /// The sign-off note.
    pub note: String,
    pub period: Period,
    /// The archive, relative to the project, when it is there.
    pub archive: Option<String>,
    /// The archive's digest is the one the sign-off quotes.
    pub digest_matches: bool,
    /// The archive carries the client's counter-signature.
    pub countersigned: bool,
    /// Records of the archive whose source changed since, or is gone: by
    /// source path, with its id.
    pub edited: Vec<HandedRecord>,
    /// Why the archive could not be read, when it could not.
    pub problem: Option<String>,
}

/// The archive's name for `period`.
pub fn archive_name(period: &Period) -> String {
    format!("opsbook-archive-{period}.zip")
}

/// Every sign-off among `notes`, each held against its archive.
pub fn check(project: &Project, notes: &[&Note]) -> Vec<HandinCheck> {
    notes
        .iter()
        .filter_map(|n| match &n.meta {
            Meta::Handin(h) => Some(check_one(project, &n.path, h)),
            _ => None,
        })
        .collect()
}

fn check_one(project: &Project, note: &str, h: &Handin) -> HandinCheck {
    let rel = format!("{DIR}/{}", archive_name(&h.period));
    let mut out = HandinCheck {
        note: note.to_string(),
        period: h.period,
        archive: None,
        digest_matches: false,
        countersigned: false,
        edited: Vec::new(),
        problem: None,
    };
    let path = project.root.join(&rel);
    if !path.exists() {
        return out;
    }
    out.archive = Some(rel.clone());
    match read_archive(&path) {
        Ok(found) => {
            out.digest_matches = found.digest.eq_ignore_ascii_case(h.digest.trim());
            out.countersigned = found.countersigned;
            out.edited = found
                .records
                .into_iter()
                .filter(|r| {
                    std::fs::read(project.root.join(&r.path))
                        .map_or(true, |bytes| blake3::hash(&bytes).to_hex().as_str() != r.blake3)
                })
                .collect();
        }
        Err(e) => out.problem = Some(format!("{rel}: {e}")),
    }
    out
}

struct Found {
    digest: String,
    countersigned: bool,
    records: Vec<HandedRecord>,
}

/// Reads the three things a hand-in needs from an archive: its manifest's
/// digest, whether it is counter-signed, and its records' digests.
fn read_archive(path: &std::path::Path) -> Result<Found, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut countersigned = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let Some((_, rel)) = name.split_once('/') else {
            continue;
        };
        if rel == CLIENT_SIGNATURE {
            countersigned = true;
        } else if rel == MANIFEST || rel == RECORDS {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
            files.insert(rel.to_string(), bytes);
        }
    }
    let manifest = files.get(MANIFEST).ok_or(format!("no {MANIFEST} in it"))?;
    let records = match files.get(RECORDS) {
        Some(bytes) => serde_json::from_slice(bytes).map_err(|e| format!("{RECORDS}: {e}"))?,
        None => Vec::new(),
    };
    Ok(Found {
        digest: blake3::hash(manifest).to_hex().to_string(),
        countersigned,
        records,
    })
}
