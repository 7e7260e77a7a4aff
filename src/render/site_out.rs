//! Where the portal may be written: the rules for `[site] out`.
//!
//! A build replaces the folder it writes (whole, when the folder has no
//! usable manifest), so a setting naming the wrong folder would delete it:
//! `out = ""` the project, `out = "content"` every note, `out = "/var/www"`
//! a web root. These rules keep every build to a folder of its own;
//! `opsbook check` reports a setting that breaks them, with its line in
//! `opsbook.toml`, and `opsbook build` refuses to run (exit 2):
//!
//! * `out` is not the project folder, nor a folder that contains it;
//! * `out` is none of the project's inputs, contains none and lies inside
//!   none: `opsbook.toml`, `content/`, `schedules/`, `themes/`, `logs/` and
//!   the folders `[logs] paths` read, `state/`, and the folder of every
//!   backup set;
//! * an existing `out` is a folder opsbook wrote (it holds
//!   `.opsbook/manifest`) or an empty one ([`ownership`]).
//!
//! Paths are compared as the file system resolves them ([`resolve`]):
//! absolute, with `.`, `..` and every symbolic link of their existing part
//! followed, so `site/../content`, or a link to `content/`, is `content/`.
//! The writer then works on the resolved folder, so what was checked is
//! what is written.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::diag::Diagnostic;
use crate::load::Project;
use crate::load::settings::FILE_NAME;
use crate::load::toml_doc::TomlDoc;

/// The marker of a folder opsbook wrote: the site's manifest.
pub const MARKER: &str = super::manifest::PATH;

/// Symbolic links followed in one path before it counts as a loop (as
/// Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// Why `[site] out` cannot be built into.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    #[error(
        "[site] out = \"{out}\" is the project folder itself: a build replaces the folder it \
         writes, and would delete the project; {ADVICE}"
    )]
    Project { out: String },
    #[error(
        "[site] out = \"{out}\" contains the project folder: a build replaces the folder it \
         writes, and would delete the project; {ADVICE}"
    )]
    ContainsProject { out: String },
    #[error(
        "[site] out = \"{out}\" is {what} ({shown}): a build replaces the folder it writes, \
         and would delete it; {ADVICE}"
    )]
    IsInput {
        out: String,
        what: String,
        shown: String,
    },
    #[error(
        "[site] out = \"{out}\" contains {what} ({shown}): a build replaces the folder it \
         writes, and would delete it; {ADVICE}"
    )]
    ContainsInput {
        out: String,
        what: String,
        shown: String,
    },
    #[error(
        "[site] out = \"{out}\" lies inside {what} ({shown}): the portal would be written among \
         the project's inputs; {ADVICE}"
    )]
    InsideInput {
        out: String,
        what: String,
        shown: String,
    },
    #[error("[site] out = \"{out}\" cannot be resolved: {shown} is a symbolic link loop")]
    Loop { out: String, shown: String },
    #[error("[site] out = \"{out}\" cannot be resolved: {shown}: {message}")]
    Unresolvable {
        out: String,
        shown: String,
        message: String,
    },
    #[error("the site folder {shown} is not a folder; {ADVICE}")]
    NotAFolder { shown: String },
    #[error("cannot use the site folder {shown}: {message}")]
    Unusable { shown: String, message: String },
    #[error(
        "the site folder {shown} holds files opsbook did not write ({files}): opsbook only \
         builds into an empty folder or one it built itself (with {MARKER}); {ADVICE}, or empty \
         this one"
    )]
    Foreign { shown: String, files: String },
}

const ADVICE: &str = "set [site] out to a folder of its own, such as \"site\"";

/// How an existing site folder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Nothing there yet.
    Absent,
    /// An empty folder.
    Empty,
    /// A folder an earlier build wrote: it has the marker.
    Opsbook,
}

/// The folder the portal is written to, resolved, after checking the rules
/// of the settings (not yet what the folder holds: see [`ownership`]).
pub fn resolve_out(project: &Project) -> Result<PathBuf, OutError> {
    let written = project.settings.site.out.display().to_string();
    let resolved = |path: &Path| {
        resolve(path).map_err(|e| match e {
            Resolve::Loop(at) => OutError::Loop {
                out: written.clone(),
                shown: project.rel(&at),
            },
            Resolve::Io(at, e) => OutError::Unresolvable {
                out: written.clone(),
                shown: project.rel(&at),
                message: e.to_string(),
            },
        })
    };
    let out = resolved(&project.site_dir())?;
    // An input that cannot be resolved is compared as written.
    let root = resolve(&project.root).unwrap_or_else(|_| project.root.clone());
    if out == root {
        return Err(OutError::Project { out: written });
    }
    if root.starts_with(&out) {
        return Err(OutError::ContainsProject { out: written });
    }
    for (what, path) in inputs(project) {
        let input = resolve(&path).unwrap_or(path);
        let shown = || project.rel(&input);
        if out == input {
            return Err(OutError::IsInput {
                out: written,
                what,
                shown: shown(),
            });
        }
        if input.starts_with(&out) {
            return Err(OutError::ContainsInput {
                out: written,
                what,
                shown: shown(),
            });
        }
        // Everything the project holds lies inside its folder: that is
        // where a site belongs (a backup set or log glob rooted at the
        // project is not meant by it).
        if input != root && out.starts_with(&input) {
            return Err(OutError::InsideInput {
                out: written,
                what,
                shown: shown(),
            });
        }
    }
    Ok(out)
}

/// The project's inputs, each with what it is, as written (not resolved).
fn inputs(project: &Project) -> Vec<(String, PathBuf)> {
    let root = &project.root;
    let mut inputs = vec![
        (FILE_NAME.to_string(), root.join(FILE_NAME)),
        ("the notes folder".to_string(), project.content_dir()),
        ("the schedules folder".to_string(), project.schedules_dir()),
        ("the themes folder".to_string(), project.themes_dir()),
        ("the logs folder".to_string(), root.join("logs")),
        (
            "the folder opsbook keeps its state in".to_string(),
            project.state_dir(),
        ),
    ];
    for pattern in &project.settings.logs.paths {
        inputs.push((
            format!("the folder of the logs `{pattern}`"),
            root.join(glob_base(pattern)),
        ));
    }
    for set in &project.settings.backups {
        inputs.push((
            format!("the folder of backup set `{}`", set.name),
            project.backup_dir(set),
        ));
    }
    inputs
}

/// The part of a glob before its first wildcard: the folder it reads in.
fn glob_base(pattern: &str) -> PathBuf {
    Path::new(pattern)
        .components()
        .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[', '{']))
        .collect()
}

/// What an existing site folder is, or why it is not one opsbook may
/// build into. `shown` is the folder as the user should see it.
pub fn ownership(out: &Path, shown: &str) -> Result<Owner, OutError> {
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Owner::Absent),
        Err(e) => {
            return Err(OutError::Unusable {
                shown: shown.to_string(),
                message: e.to_string(),
            });
        }
    };
    if !meta.is_dir() {
        return Err(OutError::NotAFolder {
            shown: shown.to_string(),
        });
    }
    if out.join(MARKER).is_file() {
        return Ok(Owner::Opsbook);
    }
    let mut names: Vec<String> = fs::read_dir(out)
        .map_err(|e| OutError::Unusable {
            shown: shown.to_string(),
            message: e.to_string(),
        })?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(Owner::Empty);
    }
    names.sort();
    Err(OutError::Foreign {
        shown: shown.to_string(),
        files: some_of(&names),
    })
}

/// The first few names of a list, and how many more.
pub fn some_of(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// What `opsbook check` says of `[site] out`: the rules broken, at the
/// setting's line in `opsbook.toml`.
pub fn check(project: &Project) -> Vec<Diagnostic> {
    let problem = resolve_out(project)
        .and_then(|out| ownership(&out, &project.rel(&project.site_dir())).map(|_| ()))
        .err();
    let Some(problem) = problem else {
        return Vec::new();
    };
    let d = Diagnostic::error(FILE_NAME, problem.to_string());
    let text = fs::read_to_string(project.root.join(FILE_NAME)).unwrap_or_default();
    let span = TomlDoc::parse(&text, FILE_NAME, 1).index.span("site.out");
    vec![match span {
        Some(span) => d.at_span(&text, span, 1),
        None => d,
    }]
}

/// Why a path could not be resolved.
#[derive(Debug)]
pub enum Resolve {
    /// Too many symbolic links: a loop, at this path.
    Loop(PathBuf),
    Io(PathBuf, io::Error),
}

/// `path` as the file system finds it: absolute, every symbolic link of
/// its existing part followed, `.` and `..` applied (after the links, as
/// the kernel does). The part that does not exist yet is taken as written.
pub fn resolve(path: &Path) -> Result<PathBuf, Resolve> {
    let absolute = std::path::absolute(path).map_err(|e| Resolve::Io(path.to_path_buf(), e))?;
    // Components still to walk, the next one last.
    let mut rest: Vec<OsString> = Vec::new();
    push_components(&mut rest, &absolute);
    let mut done = PathBuf::from("/");
    let mut links = 0;
    let mut exists = true;
    while let Some(part) = rest.pop() {
        if part == "." {
            continue;
        }
        if part == ".." {
            done.pop();
            continue;
        }
        done.push(&part);
        if !exists {
            continue;
        }
        match fs::symlink_metadata(&done) {
            Ok(m) if m.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(Resolve::Loop(done));
                }
                let target = fs::read_link(&done).map_err(|e| Resolve::Io(done.clone(), e))?;
                done.pop();
                if target.is_absolute() {
                    done = PathBuf::from("/");
                }
                push_components(&mut rest, &target);
            }
            Ok(_) => {}
            // Below a missing folder (or a file) nothing exists: the rest
            // is taken as written.
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
                exists = false;
            }
            Err(e) => return Err(Resolve::Io(done, e)),
        }
    }
    Ok(done)
}

/// Pushes `path`'s components onto `stack` so that the first is popped
/// first; the root and prefixes are left out.
fn push_components(stack: &mut Vec<OsString>, path: &Path) {
    let parts: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_os_string()),
            Component::CurDir => Some(".".into()),
            Component::ParentDir => Some("..".into()),
            Component::RootDir | Component::Prefix(_) => None,
        })
        .collect();
    stack.extend(parts.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn resolve_follows_links_then_applies_dot_dot() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir_all(root.join("a/b")).unwrap();
        symlink(root.join("a/b"), root.join("link")).unwrap();
        assert_eq!(resolve(&root.join("site/../a")).unwrap(), root.join("a"));
        // `link/..` is the parent of the link's target, as the kernel has it.
        assert_eq!(resolve(&root.join("link/..")).unwrap(), root.join("a"));
        assert_eq!(resolve(&root.join("link/new/x")).unwrap(), root.join("a/b/new/x"));
        symlink("relative", root.join("a/b/rel")).unwrap();
        assert_eq!(
            resolve(&root.join("link/rel")).unwrap(),
            root.join("a/b/relative")
        );

        symlink(root.join("loop2"), root.join("loop1")).unwrap();
        symlink(root.join("loop1"), root.join("loop2")).unwrap();
        assert!(matches!(resolve(&root.join("loop1/x")), Err(Resolve::Loop(_))));
    }

    #[test]
    fn glob_bases_stop_at_the_first_wildcard() {
        assert_eq!(glob_base("logs/**/*.jsonl"), PathBuf::from("logs"));
        assert_eq!(glob_base("/var/log/app/*.jsonl"), PathBuf::from("/var/log/app"));
        assert_eq!(glob_base("*.jsonl"), PathBuf::new());
    }

    #[test]
    fn only_empty_or_marked_folders_are_opsbooks() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        assert_eq!(ownership(&out, "site").unwrap(), Owner::Absent);
        fs::create_dir(&out).unwrap();
        assert_eq!(ownership(&out, "site").unwrap(), Owner::Empty);
        for name in ["index.php", "README", "a", "b"] {
            fs::write(out.join(name), "x").unwrap();
        }
        let err = ownership(&out, "site").unwrap_err().to_string();
        assert!(err.contains("(README, a, b and 1 more)"), "{err}");
        fs::create_dir_all(out.join(".opsbook")).unwrap();
        fs::write(out.join(MARKER), "{}").unwrap();
        assert_eq!(ownership(&out, "site").unwrap(), Owner::Opsbook);
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            ownership(&file, "file"),
            Err(OutError::NotAFolder { .. })
        ));
    }
}
