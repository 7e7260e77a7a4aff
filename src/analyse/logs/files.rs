//! Finding the log files that `[logs] paths` names.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use globset::GlobBuilder;
use walkdir::WalkDir;

use super::LogError;
use super::report::{FileProblem, ProblemKind};
use crate::load::Project;

/// One log file.
#[derive(Debug, Clone)]
pub struct LogFile {
    pub path: PathBuf,
    /// As reports show it: relative to the project, `/`-separated.
    pub rel: String,
    /// A `.zst` stream, read whole by one worker.
    pub compressed: bool,
}

/// Every file matched by one of `patterns` (relative to the project, or
/// absolute), sorted by path, each once; and the folders that could not be
/// searched.
pub fn find(project: &Project, patterns: &[String]) -> Result<(Vec<LogFile>, Vec<FileProblem>), LogError> {
    let mut found = BTreeMap::new();
    let mut problems = Vec::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|source| LogError::Pattern {
                pattern: pattern.clone(),
                source,
            })?
            .compile_matcher();
        let absolute = Path::new(pattern).is_absolute();
        let base = project.root.join(literal_prefix(pattern));
        if !base.exists() {
            continue;
        }
        for entry in WalkDir::new(&base).follow_links(true) {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().unwrap_or(&base).to_path_buf();
                    problems.push(FileProblem {
                        file: project.rel(&path),
                        kind: ProblemKind::Unreadable,
                        detail: e.to_string(),
                        recent: true,
                    });
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.into_path();
            let candidate = if absolute {
                path.as_path()
            } else {
                path.strip_prefix(&project.root).unwrap_or(&path)
            };
            if glob.is_match(candidate) {
                let rel = project.rel(&path);
                let compressed = rel.ends_with(".zst");
                found.entry(rel.clone()).or_insert(LogFile {
                    path,
                    rel,
                    compressed,
                });
            }
        }
    }
    Ok((found.into_values().collect(), problems))
}

/// The folders of a pattern before its first wildcard: where to search.
/// The folders `patterns` search: each pattern's part before its first
/// wildcard (the project folder for a pattern that starts with one).
pub fn search_roots(project: &Project, patterns: &[String]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = patterns
        .iter()
        .map(|p| project.root.join(literal_prefix(p)))
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

fn literal_prefix(pattern: &str) -> PathBuf {
    let path = Path::new(pattern);
    let parts: Vec<Component<'_>> = path.components().collect();
    let mut prefix = PathBuf::new();
    for (i, c) in parts.iter().enumerate() {
        let text = c.as_os_str().to_string_lossy();
        if i + 1 == parts.len() || text.contains(['*', '?', '[', '{', '\\']) {
            break;
        }
        prefix.push(c);
    }
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::settings::Settings;

    #[test]
    fn finds_matching_files_once() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "logs/app.jsonl",
            "logs/2025/12/audit.jsonl.zst",
            "logs/notes.txt",
            "other/x.jsonl",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let project = Project::with_settings(dir.path().to_path_buf(), Settings::default());
        let patterns = [
            "logs/**/*.jsonl".to_string(),
            "logs/**/*.jsonl.zst".to_string(),
            "logs/app.jsonl".to_string(),
            "missing/*.jsonl".to_string(),
        ];
        let (files, problems) = find(&project, &patterns).unwrap();
        let rels: Vec<_> = files.iter().map(|f| (f.rel.as_str(), f.compressed)).collect();
        assert_eq!(
            rels,
            [("logs/2025/12/audit.jsonl.zst", true), ("logs/app.jsonl", false)]
        );
        assert!(problems.is_empty());
        assert_eq!(
            literal_prefix("/var/log/app/*.jsonl"),
            PathBuf::from("/var/log/app")
        );
        assert_eq!(literal_prefix("logs/**/x.jsonl"), PathBuf::from("logs"));
    }
}
