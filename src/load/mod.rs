//! The first stage: read what is on disk into typed values.
//!
//! Settings ([`settings`]), the contract's schedules ([`schedules`]), the
//! engineers' notes ([`notes`]), their history in git ([`git`]) and the
//! digest of every input's metadata ([`inputs`]). Loading never stops at the
//! first problem: it returns what it could read together with a diagnostic
//! for everything else.

pub mod evidence_map;
pub mod git;
pub mod inputs;
pub mod nesting;
pub mod notes;
pub mod schedules;
pub mod schema;
pub mod settings;
pub mod toml_doc;

use std::io;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::diag::Diagnostic;
use settings::{BackupSet, Settings};

/// A project folder and its settings.
#[derive(Debug, Clone)]
pub struct Project {
    /// The folder that holds `opsbook.toml`.
    pub root: PathBuf,
    pub settings: Settings,
}

/// Why a project could not be opened at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no {} in {} or any folder above it", settings::FILE_NAME, .0.display())]
    NotFound(PathBuf),
    #[error("{} is a folder: the project's settings must be a file", .0.display())]
    NotAFile(PathBuf),
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{} has {} problem(s)", settings::FILE_NAME, .0.len())]
    Invalid(Vec<Diagnostic>),
}

impl Project {
    /// Opens the project whose `opsbook.toml` is in `dir` or the nearest folder
    /// above it, as git and cargo find their roots.
    ///
    /// The nearest `opsbook.toml` that is there in any form counts: one
    /// that is a folder, a dangling link or a link loop is reported as
    /// such, not passed over for one further up.
    pub fn open(dir: &Path) -> Result<Project, LoadError> {
        let (project, problems) = Project::open_lenient(dir)?;
        if problems.iter().any(Diagnostic::is_error) {
            return Err(LoadError::Invalid(problems));
        }
        Ok(project)
    }

    /// Opens the project as [`Project::open`] does, but with settings that
    /// have problems read as far as they can be (each wrong value at its
    /// default), returned with the problems. Fails only when the settings
    /// cannot be found or read at all.
    pub fn open_lenient(dir: &Path) -> Result<(Project, Vec<Diagnostic>), LoadError> {
        let start = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let root = start
            .ancestors()
            .find(|d| std::fs::symlink_metadata(d.join(settings::FILE_NAME)).is_ok())
            .ok_or_else(|| LoadError::NotFound(start.clone()))?
            .to_path_buf();
        let path = root.join(settings::FILE_NAME);
        if path.is_dir() {
            return Err(LoadError::NotAFile(path));
        }
        let bytes = std::fs::read(&path).map_err(|source| LoadError::Unreadable {
            path: path.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            LoadError::Invalid(vec![notes::utf8_diagnostic(
                settings::FILE_NAME,
                e.as_bytes(),
                e.utf8_error(),
            )])
        })?;
        match settings::read(&text, settings::FILE_NAME) {
            (Some(settings), problems) => Ok((Project { root, settings }, problems)),
            (None, problems) => Err(LoadError::Invalid(problems)),
        }
    }

    /// A project with default settings rooted at `root` (for tests and `init`).
    pub fn with_settings(root: PathBuf, settings: Settings) -> Project {
        Project { root, settings }
    }

    pub fn tz(&self) -> Tz {
        self.settings.project.timezone
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    pub fn schedules_dir(&self) -> PathBuf {
        self.root.join("schedules")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.root.join("themes")
    }

    /// What opsbook keeps between runs.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join("state")
    }

    /// The rendered portal.
    pub fn site_dir(&self) -> PathBuf {
        self.root.join(&self.settings.site.out)
    }

    /// A backup set's folder; relative paths are relative to `opsbook.toml`.
    pub fn backup_dir(&self, set: &BackupSet) -> PathBuf {
        self.root.join(&set.path)
    }

    /// `path` relative to the project root, `/`-separated, for messages and
    /// reports; paths outside the project are shown whole.
    /// The project folder itself is `.`.
    pub fn rel(&self, path: &Path) -> String {
        let Ok(inside) = path.strip_prefix(&self.root) else {
            return path.to_string_lossy().into_owned();
        };
        let shown = inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if shown.is_empty() { ".".to_string() } else { shown }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_relative_whole_or_as_dot() {
        let p = Project::with_settings(PathBuf::from("/srv/project"), Settings::default());
        assert_eq!(p.rel(Path::new("/srv/project/content/a.md")), "content/a.md");
        assert_eq!(p.rel(Path::new("/srv/project")), ".");
        assert_eq!(p.rel(Path::new("/tmp/backups")), "/tmp/backups");
    }
}
