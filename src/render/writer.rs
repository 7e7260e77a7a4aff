//! Writes the portal all-or-nothing: pages go into a staging folder beside
//! `site/`, which replaces `site/` only when every page was written. A failed
//! build leaves the previous `site/` as it was.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

pub struct SiteWriter {
    staging: tempfile::TempDir,
    out: PathBuf,
}

impl SiteWriter {
    /// Starts a build of `out` (e.g. `site/`).
    pub fn new(out: &Path) -> io::Result<SiteWriter> {
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".into());
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.staging-"))
            .tempdir_in(parent)?;
        Ok(SiteWriter {
            staging,
            out: out.to_path_buf(),
        })
    }

    /// The staging folder's path of a site-relative file.
    fn target(&self, rel: &str) -> io::Result<PathBuf> {
        let rel_path = Path::new(rel);
        if rel_path.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unsafe site path `{rel}`"),
            ));
        }
        Ok(self.staging.path().join(rel_path))
    }

    /// Writes one file of the site (`incidents/INC-250311-01.html`).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.target(rel)?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(path, bytes)
    }

    /// Replaces `out` with the staged site. The old site is moved aside first
    /// and put back if the new one cannot take its place.
    pub fn commit(self) -> io::Result<()> {
        let staged = self.staging.keep();
        let old = if self.out.exists() {
            let aside = staged.with_file_name(format!(
                "{}.old",
                staged
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            fs::rename(&self.out, &aside)?;
            Some(aside)
        } else {
            None
        };
        if let Err(e) = fs::rename(&staged, &self.out) {
            if let Some(aside) = &old {
                let _ = fs::rename(aside, &self.out);
            }
            let _ = fs::remove_dir_all(&staged);
            return Err(e);
        }
        if let Some(aside) = old {
            fs::remove_dir_all(aside)?;
        }
        if let Some(parent) = self.out.parent() {
            crate::state::atomic::sync_dir(parent);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_build_leaves_the_old_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let w = SiteWriter::new(&out).unwrap();
        w.write("index.html", b"v1").unwrap();
        w.commit().unwrap();

        let w = SiteWriter::new(&out).unwrap();
        w.write("index.html", b"v2").unwrap();
        drop(w);
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"v1");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no staging folder left"
        );

        let w = SiteWriter::new(&out).unwrap();
        w.write("a/b.html", b"v3").unwrap();
        assert!(w.write("../escape.html", b"x").is_err());
        w.commit().unwrap();
        assert!(!out.join("index.html").exists());
        assert_eq!(fs::read(out.join("a/b.html")).unwrap(), b"v3");
    }
}
