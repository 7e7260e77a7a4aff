//! A digest of everything a build reads, taken from file metadata alone.
//!
//! `opsbook build` compares it with the digest the site was last built from
//! (kept in the site's manifest): when they are equal, and the clock has not
//! passed a deadline the portal depends on, the site is up to date and no
//! note is read. A `stat` per file costs far less than reading the notes.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::Project;
use super::notes::Audience;

/// The digest of the settings, schedules, every file under `content/` and
/// the theme (path, size, modification and change times, inode), of the
/// `others` files (what the analyses read: the last verification, the
/// logs), of the commit `HEAD` points at, of the binary itself, and of the
/// audience.
///
/// The clock is not part of it: what the clock changes is the report
/// model's to say (see `report::Validity`).
pub fn digest(project: &Project, audience: Audience, others: &[PathBuf]) -> String {
    let mut h = blake3::Hasher::new();
    let mut line = |parts: &[&[u8]]| {
        for p in parts {
            h.update(p);
            h.update(&[0]);
        }
        h.update(b"\n");
    };
    let audience = match audience {
        Audience::Client => "client",
        Audience::Internal => "internal",
    };
    line(&[env!("CARGO_PKG_VERSION").as_bytes(), audience.as_bytes()]);
    if let Ok(exe) = std::env::current_exe() {
        line(&[b"exe", stat(&exe).as_bytes()]);
    }
    let head = super::git::head(&project.root).unwrap_or_default();
    line(&[b"head", head.as_bytes()]);
    let mut roots = vec![
        project.root.join(super::settings::FILE_NAME),
        project.schedules_dir(),
        project.content_dir(),
    ];
    if let Some(theme) = &project.settings.site.theme {
        roots.push(project.themes_dir().join(theme));
    }
    let mut paths = others.to_vec();
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
    fn touching_a_note_or_another_input_changes_the_digest() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project::with_settings(dir.path().to_path_buf(), Default::default());
        std::fs::create_dir_all(dir.path().join("content/faq")).unwrap();
        let note = dir.path().join("content/faq/a.md");
        std::fs::write(&note, "x").unwrap();
        let log = dir.path().join("logs/app.jsonl");
        let others = [log.clone()];
        let a = digest(&project, Audience::Client, &others);
        assert_eq!(a, digest(&project, Audience::Client, &others));
        assert_ne!(a, digest(&project, Audience::Internal, &others));
        std::fs::write(&note, "y").unwrap();
        let f = std::fs::File::options().write(true).open(&note).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
        let b = digest(&project, Audience::Client, &others);
        assert_ne!(a, b);

        // Another input that appears, then grows.
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        std::fs::write(&log, "{}\n").unwrap();
        let c = digest(&project, Audience::Client, &others);
        assert_ne!(b, c);
        std::fs::write(&log, "{}\n{}\n").unwrap();
        assert_ne!(c, digest(&project, Audience::Client, &others));
        // A file that is not an input does not.
        let d = digest(&project, Audience::Client, &others);
        std::fs::create_dir_all(dir.path().join("state/logs")).unwrap();
        std::fs::write(dir.path().join("state/logs/cache.json"), "{}").unwrap();
        assert_eq!(d, digest(&project, Audience::Client, &others));
    }
}
