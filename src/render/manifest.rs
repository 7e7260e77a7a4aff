//! What a built site remembers of its build: `site/.opsbook/manifest`.
//!
//! The first line is a JSON header: the manifest's format, opsbook's
//! version, the audience, the digest of the build's inputs and the counts of
//! the check. Each further line is `FINGERPRINT PATH` for one file of the
//! site (the digest of the data it was made from, see [`super::pages`]).
//!
//! Two uses:
//!
//! * the next build renders only the files whose fingerprint changed and
//!   deletes those no longer made;
//! * [`up_to_date`] compares the header's inputs digest with one taken from
//!   file metadata alone (`load::inputs::digest`), and the run's clock with
//!   the span the last build's model holds for ([`Validity`]): when nothing
//!   changed and no deadline has passed, `opsbook build` stops there,
//!   without reading a single note.
//!
//! The manifest holds no text of any note, only digests and site paths, so
//! it is safe to publish with the client's portal.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::report::{Audience, Validity};

/// The manifest's path inside the site.
pub const PATH: &str = ".opsbook/manifest";
/// Bumped when the manifest or the fingerprints change meaning.
const FORMAT: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub version: String,
    /// `client` or `internal`.
    pub audience: String,
    /// `load::inputs::digest` of the build, when the build took one.
    pub inputs: Option<String>,
    /// The clocks the build's model holds for, recorded with `inputs`.
    pub valid: Option<Validity>,
    pub check: CheckCounts,
}

/// The check's result, replayed by a build that finds the site up to date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCounts {
    pub notes: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Header {
    /// The header of a build; `valid` is kept only with an inputs digest,
    /// as only a build that took one can be found up to date.
    pub fn new(audience: Audience, inputs: Option<String>, valid: Validity, check: CheckCounts) -> Header {
        Header {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            audience: audience_name(audience).to_string(),
            valid: inputs.is_some().then_some(valid),
            inputs,
            check,
        }
    }

    /// Whether a site built with this header can be updated in place by a
    /// build for `audience` (else it is rebuilt whole).
    fn compatible(&self, audience: Audience) -> bool {
        self.format == FORMAT
            && self.version == env!("CARGO_PKG_VERSION")
            && self.audience == audience_name(audience)
    }
}

fn audience_name(audience: Audience) -> &'static str {
    match audience {
        Audience::Client => "client",
        Audience::Internal => "internal",
    }
}

/// The manifest read back owns its paths; the one a build writes borrows
/// them from the build's plan.
pub struct Manifest<P = String> {
    pub header: Header,
    /// Site path → fingerprint.
    pub files: HashMap<P, blake3::Hash>,
}

impl Manifest {
    /// The manifest of the site at `site`, if it has a readable one that a
    /// build for `audience` can update.
    pub fn read(site: &Path, audience: Audience) -> Option<Manifest> {
        let text = std::fs::read_to_string(site.join(PATH)).ok()?;
        let mut lines = text.lines();
        let header: Header = serde_json::from_str(lines.next()?).ok()?;
        if !header.compatible(audience) {
            return None;
        }
        let mut files = HashMap::new();
        for line in lines {
            let (hash, path) = line.split_once(' ')?;
            files.insert(path.to_string(), blake3::Hash::from_hex(hash).ok()?);
        }
        Some(Manifest { header, files })
    }
}

impl<P: Borrow<str>> Manifest<P> {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(&self.header).expect("the header serializes");
        out.push(b'\n');
        let mut files: Vec<(&str, &blake3::Hash)> = self.files.iter().map(|(p, h)| (p.borrow(), h)).collect();
        files.sort_unstable_by_key(|(path, _)| *path);
        for (path, hash) in files {
            out.extend_from_slice(hash.to_hex().as_bytes());
            out.push(b' ');
            out.extend_from_slice(path.as_bytes());
            out.push(b'\n');
        }
        out
    }
}

/// The check counts of the site's last build, when the site was built for
/// `audience` from exactly the inputs `digest` describes, and its model
/// still holds at `now`: the clock is not before the build's, and has not
/// reached a deadline the model depends on.
pub fn up_to_date(
    site: &Path,
    audience: Audience,
    digest: &str,
    now: DateTime<FixedOffset>,
) -> Option<CheckCounts> {
    let file = std::fs::File::open(site.join(PATH)).ok()?;
    let mut first = String::new();
    BufReader::new(file).read_line(&mut first).ok()?;
    let header: Header = serde_json::from_str(&first).ok()?;
    let holds = header.valid.is_some_and(|v| v.holds_at(now));
    (header.compatible(audience) && header.inputs.as_deref() == Some(digest) && holds).then_some(header.check)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(text: &str) -> DateTime<FixedOffset> {
        crate::time::Clock::parse(text, crate::time::DEFAULT_TIMEZONE)
            .unwrap()
            .now()
    }

    #[test]
    fn the_manifest_round_trips_and_knows_its_audience_and_clocks() {
        let dir = tempfile::tempdir().unwrap();
        let valid = Validity {
            from: clock("2025-03-11T09:30"),
            until: clock("2025-03-11T11:00"),
        };
        let m = Manifest {
            header: Header::new(
                Audience::Client,
                Some("abc".into()),
                valid,
                CheckCounts::default(),
            ),
            files: [("index.html".to_string(), blake3::hash(b"index"))].into(),
        };
        std::fs::create_dir_all(dir.path().join(".opsbook")).unwrap();
        std::fs::write(dir.path().join(PATH), m.to_bytes()).unwrap();
        let back = Manifest::read(dir.path(), Audience::Client).unwrap();
        assert_eq!(back.header, m.header);
        assert_eq!(back.files["index.html"], blake3::hash(b"index"));
        assert!(Manifest::read(dir.path(), Audience::Internal).is_none());
        let now = clock("2025-03-11T10:00");
        assert!(up_to_date(dir.path(), Audience::Client, "abc", now).is_some());
        assert!(up_to_date(dir.path(), Audience::Client, "abd", now).is_none());
        for stale in ["2025-03-11T11:00", "2025-03-11T13:00", "2025-03-11T09:00"] {
            assert!(
                up_to_date(dir.path(), Audience::Client, "abc", clock(stale)).is_none(),
                "{stale}"
            );
        }
    }
}
