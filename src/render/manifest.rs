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
//!   file metadata alone ([`inputs_digest`]): when nothing changed, `opsbook
//!   build` stops there, without reading a single note.
//!
//! The manifest holds no text of any note, only digests and site paths, so
//! it is safe to publish with the client's portal.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::load::Project;
use crate::report::Audience;

/// The manifest's path inside the site.
pub const PATH: &str = ".opsbook/manifest";
/// Bumped when the manifest or the fingerprints change meaning.
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub version: String,
    /// `client` or `internal`.
    pub audience: String,
    /// [`inputs_digest`] of the build, when the build took one.
    pub inputs: Option<String>,
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
    pub fn new(audience: Audience, inputs: Option<String>, check: CheckCounts) -> Header {
        Header {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            audience: audience_name(audience).to_string(),
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

pub struct Manifest {
    pub header: Header,
    /// Site path → fingerprint (hex).
    pub files: HashMap<String, String>,
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
            files.insert(path.to_string(), hash.to_string());
        }
        Some(Manifest { header, files })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(&self.header).expect("the header serializes");
        out.push(b'\n');
        let mut files: Vec<(&String, &String)> = self.files.iter().collect();
        files.sort();
        for (path, hash) in files {
            out.extend_from_slice(hash.as_bytes());
            out.push(b' ');
            out.extend_from_slice(path.as_bytes());
            out.push(b'\n');
        }
        out
    }
}

/// The check counts of the site's last build, when the site was built for
/// `audience` from exactly the inputs `digest` describes.
pub fn up_to_date(site: &Path, audience: Audience, digest: &str) -> Option<CheckCounts> {
    let file = std::fs::File::open(site.join(PATH)).ok()?;
    let mut first = String::new();
    BufReader::new(file).read_line(&mut first).ok()?;
    let header: Header = serde_json::from_str(&first).ok()?;
    (header.compatible(audience) && header.inputs.as_deref() == Some(digest)).then_some(header.check)
}

/// A digest of everything a build reads, taken from file metadata only:
/// the settings, schedules, every file under `content/` and the theme
/// (path, size, modification and change times, inode), what the other
/// analyses read ([`analysis_inputs`]), the commit `HEAD` points at, the
/// binary itself, the audience and the day of the clock. Costs a `stat` per
/// note instead of reading it.
pub fn inputs_digest(project: &Project, audience: Audience, today: NaiveDate) -> String {
    let mut h = blake3::Hasher::new();
    let mut line = |parts: &[&[u8]]| {
        for p in parts {
            h.update(p);
            h.update(&[0]);
        }
        h.update(b"\n");
    };
    line(&[
        env!("CARGO_PKG_VERSION").as_bytes(),
        audience_name(audience).as_bytes(),
    ]);
    line(&[today.to_string().as_bytes()]);
    if let Ok(exe) = std::env::current_exe() {
        line(&[b"exe", stat(&exe).as_bytes()]);
    }
    let head = crate::report::git::head(&project.root).unwrap_or_default();
    line(&[b"head", head.as_bytes()]);
    let mut roots = vec![
        project.root.join(crate::load::settings::FILE_NAME),
        project.schedules_dir(),
        project.content_dir(),
    ];
    if let Some(theme) = &project.settings.site.theme {
        roots.push(project.themes_dir().join(theme));
    }
    let mut paths = analysis_inputs(project);
    for root in roots {
        for entry in walkdir::WalkDir::new(&root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            paths.push(entry.into_path());
        }
    }
    // The stats are what this costs; two threads take them about twice as fast.
    let stats: Vec<String> = paths.par_iter().map(|p| stat(p)).collect();
    for (path, stat) in paths.iter().zip(&stats) {
        line(&[path.as_os_str().as_encoded_bytes(), stat.as_bytes()]);
    }
    h.finalize().to_hex().to_string()
}

/// The files the portal's other parts are made from, besides the notes: the
/// last verification and its history under `state/`, and the log files of
/// `[logs] paths` (none when a pattern is invalid: the build says so). A new
/// verification or a grown log changes their metadata.
pub fn analysis_inputs(project: &Project) -> Vec<std::path::PathBuf> {
    let state = project.state_dir();
    let mut paths = vec![
        state.join(crate::analyse::verify::REPORT_FILE),
        state.join(crate::state::history::FILE),
    ];
    paths.extend(crate::analyse::logs::matched_files(project).unwrap_or_default());
    paths
}

/// Size, times and inode of a file, as text; empty when it cannot be read.
fn stat(path: &Path) -> String {
    let Ok(m) = std::fs::metadata(path) else {
        return String::new();
    };
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let extra = {
        use std::os::unix::fs::MetadataExt;
        format!("{} {} {}", m.ctime(), m.ctime_nsec(), m.ino())
    };
    #[cfg(not(unix))]
    let extra = String::new();
    format!("{} {mtime} {extra}", m.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_round_trips_and_knows_its_audience() {
        let dir = tempfile::tempdir().unwrap();
        let m = Manifest {
            header: Header::new(Audience::Client, Some("abc".into()), CheckCounts::default()),
            files: [("index.html".to_string(), "00ff".to_string())].into(),
        };
        std::fs::create_dir_all(dir.path().join(".opsbook")).unwrap();
        std::fs::write(dir.path().join(PATH), m.to_bytes()).unwrap();
        let back = Manifest::read(dir.path(), Audience::Client).unwrap();
        assert_eq!(back.header, m.header);
        assert_eq!(back.files["index.html"], "00ff");
        assert!(Manifest::read(dir.path(), Audience::Internal).is_none());
        assert!(up_to_date(dir.path(), Audience::Client, "abc").is_some());
        assert!(up_to_date(dir.path(), Audience::Client, "abd").is_none());
    }

    #[test]
    fn touching_a_note_changes_the_digest() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project::with_settings(dir.path().to_path_buf(), Default::default());
        std::fs::create_dir_all(dir.path().join("content/faq")).unwrap();
        let note = dir.path().join("content/faq/a.md");
        std::fs::write(&note, "x").unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let a = inputs_digest(&project, Audience::Client, day);
        assert_eq!(a, inputs_digest(&project, Audience::Client, day));
        assert_ne!(a, inputs_digest(&project, Audience::Internal, day));
        assert_ne!(
            a,
            inputs_digest(&project, Audience::Client, day.succ_opt().unwrap())
        );
        std::fs::write(&note, "y").unwrap();
        let f = std::fs::File::options().write(true).open(&note).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
        let b = inputs_digest(&project, Audience::Client, day);
        assert_ne!(a, b);

        // A verification run, or a log file that grows, changes it too.
        std::fs::create_dir_all(dir.path().join("state")).unwrap();
        std::fs::write(dir.path().join("state/verify.json"), "{}").unwrap();
        let c = inputs_digest(&project, Audience::Client, day);
        assert_ne!(b, c);
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        std::fs::write(dir.path().join("logs/app.jsonl"), "{}\n").unwrap();
        let d = inputs_digest(&project, Audience::Client, day);
        assert_ne!(c, d);
        std::fs::write(dir.path().join("logs/app.jsonl"), "{}\n{}\n").unwrap();
        assert_ne!(d, inputs_digest(&project, Audience::Client, day));
        // What the analyses keep for themselves does not.
        let d = inputs_digest(&project, Audience::Client, day);
        std::fs::create_dir_all(dir.path().join("state/logs")).unwrap();
        std::fs::write(dir.path().join("state/logs/cache.json"), "{}").unwrap();
        assert_eq!(d, inputs_digest(&project, Audience::Client, day));
    }
}
