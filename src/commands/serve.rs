//! `opsbook serve`: preview the portal locally, rebuilt on change.
//!
//! It builds the client's portal into `site/` as `opsbook build` does, serves
//! it on 127.0.0.1, and watches `content/`, `schedules/`, `themes/`,
//! `opsbook.toml`, the last verification under `state/` and the log files
//! with the system's file notifications (inotify, through `notify`, as
//! mdBook and Zola do), so nothing is re-read while nothing changes. Editors
//! and `git checkout` write several files in a row: events are gathered for
//! [`SETTLE`] before one rebuild. After a rebuild, open pages reload
//! themselves: HTML is served with a small script that asks [`STATUS_PATH`]
//! for the build number once a second. The script is added only on the way
//! out, so the portal in `site/` stays free of JavaScript. A failed build
//! keeps the previous portal and shows its error at the foot of the page.
//! Ctrl-C stops the server; `site/` is whole at every moment, since each
//! build replaces it at once.
//!
//! Only requests addressed to `localhost` or `127.0.0.1` are answered: a web
//! page elsewhere could otherwise point a name of its own at 127.0.0.1 (DNS
//! rebinding) and read the preview, internal notes included.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};
use tiny_http::{Header, Method, Request, Response, Server};

use super::session::Session;
use super::{Context, Exit, Fatal, build};
use crate::load::{LoadError, Project, settings};
use crate::render::escape_html;
use crate::report::Audience;
use crate::report::git::GitLog;

#[derive(Debug, Clone)]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one (the address is printed).
    pub port: u16,
}

/// Where open pages ask for the build number and the last build's error.
pub const STATUS_PATH: &str = "/__opsbook/build";

/// How long file events are gathered before a rebuild.
const SETTLE: Duration = Duration::from_millis(200);

/// Added before `</body>` of every HTML page served.
const RELOAD_SCRIPT: &str = r#"<script>
(() => {
  let seen = null;
  const banner = document.createElement("pre");
  banner.style.cssText = "position:fixed;left:0;right:0;bottom:0;margin:0;padding:1em;max-height:40vh;overflow:auto;background:#fff0f0;color:#8a1010;border-top:2px solid #8a1010;z-index:99999;white-space:pre-wrap";
  const poll = async () => {
    try {
      const build = await (await fetch("/__opsbook/build", { cache: "no-store" })).json();
      if (seen !== null && build.version !== seen) { location.reload(); return; }
      seen = build.version;
      if (build.error) {
        banner.textContent = "opsbook: the last build failed; this is the portal before it.\n\n" + build.error;
        document.body.appendChild(banner);
      } else {
        banner.remove();
      }
    } catch (e) {}
    setTimeout(poll, 1000);
  };
  poll();
})();
</script>
"#;

/// The last build, shared by the watcher and the request handlers.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct BuildStatus {
    /// Counts builds, failed ones too; pages reload when it changes.
    version: u64,
    /// Why the last build failed.
    error: Option<String>,
    /// The site folder being served.
    #[serde(skip)]
    site: PathBuf,
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let session = Session::open(ctx)?;
    let root = session.project.root.clone();
    let status = Arc::new(Mutex::new(BuildStatus {
        site: session.project.site_dir(),
        ..BuildStatus::default()
    }));
    drop(session);
    // Watching starts before the first build, so that no change made from
    // then on is missed.
    let watching = Watching::start(&root);
    rebuild(ctx, &status);

    let server = Server::http(("127.0.0.1", opts.port))
        .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", opts.port)))?;
    let port = server.server_addr().to_ip().map_or(opts.port, |a| a.port());
    // Printed even with --quiet: the address is what the command is for.
    println!("serving the portal at http://127.0.0.1:{port}/ (Ctrl-C to stop)");

    if let Some(watching) = watching {
        let ctx = ctx.clone();
        let status = Arc::clone(&status);
        std::thread::spawn(move || watching.rebuild_on_change(&ctx, &root, &status));
    }

    for request in server.incoming_requests() {
        let status = Arc::clone(&status);
        std::thread::spawn(move || respond(request, port, &status));
    }
    Ok(Exit::Clean)
}

/// Builds the portal afresh (settings included) and records how it went.
fn rebuild(ctx: &Context, status: &Mutex<BuildStatus>) {
    let started = Instant::now();
    let result = Session::open(ctx)
        .map_err(|e| opening_error(ctx, e))
        .and_then(|session| {
            let git = GitLog::start(&session.project.root);
            let checked = session.check();
            ctx.print_diagnostics(&checked.problems);
            let analysed = build::Analysed::run(ctx, &session, &checked);
            build::portal(
                &session,
                &checked,
                &git.finish(),
                analysed.analyses(),
                Audience::Client,
                None,
            )
            .map(|site| (site, checked.summary()))
            .map_err(|e| e.to_string())
        });
    let mut s = status.lock().unwrap_or_else(|e| e.into_inner());
    s.version += 1;
    match result {
        Ok((site, summary)) => {
            ctx.say(format!(
                "built {} files ({} written) in {:.2?}; {summary}",
                site.files,
                site.written,
                started.elapsed()
            ));
            s.site = site.out;
            s.error = None;
        }
        Err(e) => {
            anstream::eprintln!("error: the portal could not be built, the previous one is served: {e}");
            s.error = Some(e);
        }
    }
}

/// Why the project could not be opened, with every problem of its settings.
fn opening_error(ctx: &Context, fatal: Fatal) -> String {
    match fatal {
        Fatal::Load(LoadError::Invalid(diags)) => {
            ctx.print_diagnostics(&diags);
            diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
        }
        other => other.to_string(),
    }
}

/// The project's sources being watched, and the paths that changed.
///
/// Only events that change something count: notify also reports files
/// being opened and read, which the build itself does to every note.
/// (notify's debouncer crates are not used: the small one drops the kind of
/// each event, which is needed here, and the full one keeps a cache of file
/// ids that this does not need; gathering events for [`SETTLE`] is a loop in
/// [`Watching::rebuild_on_change`].)
struct Watching {
    watcher: notify::RecommendedWatcher,
    changed: mpsc::Receiver<PathBuf>,
}

impl Watching {
    fn start(root: &Path) -> Option<Watching> {
        let (tx, changed) = mpsc::channel::<PathBuf>();
        let handler = move |event: notify::Result<notify::Event>| match event {
            Ok(e) if is_change(e.kind) => {
                for path in e.paths {
                    let _ = tx.send(path);
                }
            }
            Ok(_) => {}
            Err(e) => anstream::eprintln!("warning: watching the project: {e}"),
        };
        match notify::recommended_watcher(handler) {
            Ok(mut watcher) => {
                Sources::of(root).watch(&mut watcher);
                Some(Watching { watcher, changed })
            }
            Err(e) => {
                anstream::eprintln!(
                    "warning: cannot watch the project ({e}); the portal is not rebuilt on change"
                );
                None
            }
        }
    }

    /// Rebuilds whenever the project's sources change; runs until the
    /// process ends.
    fn rebuild_on_change(mut self, ctx: &Context, root: &Path, status: &Mutex<BuildStatus>) {
        while let Ok(first) = self.changed.recv() {
            let mut changed = vec![first];
            while let Ok(path) = self.changed.recv_timeout(SETTLE) {
                changed.push(path);
            }
            // Read afresh: the settings may have changed what is watched.
            let sources = Sources::of(root);
            if changed.iter().any(|path| sources.covers(path)) {
                rebuild(ctx, status);
                // New folders, or other `[logs] paths`.
                Sources::of(root).watch(&mut self.watcher);
            }
        }
    }
}

/// Whether an event changed a file or folder; opening and reading one does
/// not.
fn is_change(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
    )
}

/// What the portal is made from, as folders and files to watch.
#[derive(Debug)]
struct Sources {
    root: PathBuf,
    /// Watched with everything below them: `content/`, `schedules/`,
    /// `themes/`.
    trees: Vec<PathBuf>,
    /// The folders the log patterns search, watched with everything below
    /// them. Any change there counts: a new folder's first log file may be
    /// written before the folder is watched.
    log_roots: Vec<PathBuf>,
    /// `opsbook.toml`, the last verification, its history, the log files.
    files: BTreeSet<PathBuf>,
}

impl Sources {
    fn of(root: &Path) -> Sources {
        let project = Project::open(root).ok();
        let dir = |name: &str, of: fn(&Project) -> PathBuf| project.as_ref().map_or(root.join(name), of);
        let mut files = BTreeSet::from([root.join(settings::FILE_NAME)]);
        let mut log_roots = Vec::new();
        if let Some(project) = &project {
            files.extend(crate::render::manifest::analysis_inputs(project));
            // A search that takes in the site or the project itself would
            // watch every file the build writes: such logs are seen at the
            // next change of a note instead.
            let site = project.site_dir();
            log_roots = crate::analyse::logs::search_roots(project)
                .into_iter()
                .filter(|r| r != root && !site.starts_with(r))
                .collect();
        }
        Sources {
            root: root.to_path_buf(),
            trees: vec![
                dir("content", Project::content_dir),
                dir("schedules", Project::schedules_dir),
                dir("themes", Project::themes_dir),
            ],
            log_roots,
            files,
        }
    }

    /// Watches the project folder itself (`opsbook.toml`, folders made
    /// later), `state/`, and every tree. Watching a folder twice is harmless.
    fn watch(&self, watcher: &mut impl Watcher) {
        let state = self.root.join("state");
        let flat = [&self.root, &state]
            .into_iter()
            .map(|d| (d, RecursiveMode::NonRecursive));
        let deep = self
            .trees
            .iter()
            .chain(&self.log_roots)
            .map(|d| (d, RecursiveMode::Recursive));
        for (dir, mode) in flat.chain(deep) {
            if dir.is_dir()
                && let Err(e) = watcher.watch(dir, mode)
            {
                anstream::eprintln!("warning: cannot watch {}: {e}", dir.display());
            }
        }
    }

    /// Whether a change at `path` can change the portal. Editors' swap and
    /// backup files (`.x.md.swp`, `x.md~`) cannot; nor can what the build
    /// writes itself (the site, the logs' cache under `state/`).
    fn covers(&self, path: &Path) -> bool {
        let scratch = path.file_name().is_some_and(|name| {
            let name = name.to_string_lossy();
            name.starts_with('.') || name.ends_with('~')
        });
        let below = |dirs: &[PathBuf]| dirs.iter().any(|d| path.starts_with(d));
        !scratch && (self.files.contains(path) || below(&self.trees) || below(&self.log_roots))
    }
}

fn respond(request: Request, port: u16, status: &Mutex<BuildStatus>) {
    let build = status.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let path = request.url().split(['?', '#']).next().unwrap_or("/").to_string();
    let host = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_string());
    let response = if !is_local(host.as_deref(), port) {
        Response::from_string(format!(
            "opsbook serve answers requests for localhost:{port} and 127.0.0.1:{port} only, not for {}",
            host.as_deref().unwrap_or("a request without a Host header")
        ))
        .with_status_code(403)
    } else if !matches!(request.method(), Method::Get | Method::Head) {
        Response::from_string("only GET and HEAD are served").with_status_code(405)
    } else if path == STATUS_PATH {
        let body = serde_json::to_string(&build).unwrap_or_default();
        Response::from_string(body)
            .with_header(header("Content-Type", "application/json"))
            .with_header(header("Cache-Control", "no-store"))
    } else {
        match file_of(&build.site, &path).and_then(|file| std::fs::read(&file).ok().map(|b| (file, b))) {
            Some((file, bytes)) => {
                let kind = content_type(&file);
                let bytes = if kind.starts_with("text/html") {
                    with_reload_script(bytes)
                } else {
                    bytes
                };
                Response::from_data(bytes)
                    .with_header(header("Content-Type", &kind))
                    .with_header(header("Cache-Control", "no-store"))
            }
            None => Response::from_data(with_reload_script(
                format!("<!doctype html><meta charset=\"utf-8\"><title>404</title><body><p>No page at {}</p></body>", escape_html(&path)).into_bytes(),
            ))
            .with_header(header("Content-Type", "text/html; charset=utf-8"))
            .with_status_code(404),
        }
    };
    // The browser may have gone away; nothing to do about it.
    let _ = request.respond(response);
}

/// Whether a request's `Host` names this server: `localhost` or
/// `127.0.0.1`, with the port it listens on or none.
fn is_local(host: Option<&str>, port: u16) -> bool {
    let Some(host) = host else { return false };
    let (name, given) = match host.rsplit_once(':') {
        Some((name, p)) => (name, Some(p)),
        None => (host, None),
    };
    let name_ok = name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1";
    name_ok && given.is_none_or(|p| p.parse::<u16>() == Ok(port))
}

/// The file under `site` that a URL path names (`/` and folders give their
/// `index.html`); `None` for anything that would leave `site`.
fn file_of(site: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path.trim_start_matches('/'))?;
    let rel = Path::new(&decoded);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = site.join(rel);
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

/// `%E5%B7%A1` → UTF-8 text; `None` when the bytes are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|text| text.into_owned())
}

fn with_reload_script(mut html: Vec<u8>) -> Vec<u8> {
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    html.splice(at..at, RELOAD_SCRIPT.bytes());
    html
}

/// The MIME type of a file, by its extension; text in UTF-8.
fn content_type(file: &Path) -> String {
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    match (mime.type_(), mime.subtype()) {
        (mime_guess::mime::TEXT, _) | (_, mime_guess::mime::JAVASCRIPT) => format!("{mime}; charset=utf-8"),
        _ => mime.to_string(),
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("faq")).unwrap();
        std::fs::write(site.join("index.html"), "i").unwrap();
        std::fs::write(site.join("faq/常见问题.html"), "f").unwrap();
        std::fs::write(dir.path().join("opsbook.toml"), "secret").unwrap();
        assert_eq!(file_of(&site, "/"), Some(site.join("index.html")));
        assert_eq!(
            file_of(&site, "/faq/%E5%B8%B8%E8%A7%81%E9%97%AE%E9%A2%98.html"),
            Some(site.join("faq/常见问题.html"))
        );
        for bad in [
            "/../opsbook.toml",
            "/%2e%2e/opsbook.toml",
            "/faq/../../opsbook.toml",
            "/%zz",
            "/nope.html",
        ] {
            assert_eq!(file_of(&site, bad), None, "{bad}");
        }
    }

    #[test]
    fn only_requests_for_this_machine_are_answered() {
        for host in ["localhost", "LOCALHOST:1111", "127.0.0.1", "127.0.0.1:1111"] {
            assert!(is_local(Some(host), 1111), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:1111",
            "localhost:2222",
            "127.0.0.1:x",
            "localhost.evil.example",
            "127.0.0.2",
            "",
        ] {
            assert!(!is_local(Some(host), 1111), "{host}");
        }
        assert!(!is_local(None, 1111));
    }

    #[test]
    fn types_by_extension_with_text_in_utf8() {
        for (file, kind) in [
            ("a.html", "text/html; charset=utf-8"),
            ("a.css", "text/css; charset=utf-8"),
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.json", "application/json"),
            ("feed.atom", "application/atom+xml"),
            ("a.svg", "image/svg+xml"),
            ("a.woff2", "font/woff2"),
            ("a.unknown", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(file)), kind, "{file}");
        }
    }

    #[test]
    fn reading_a_file_is_no_change() {
        use notify::event::{
            AccessKind, AccessMode, CreateKind, DataChange, ModifyKind, RemoveKind, RenameMode,
        };
        for kind in [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Remove(RemoveKind::Folder),
        ] {
            assert!(is_change(kind), "{kind:?}");
        }
        for kind in [
            EventKind::Access(AccessKind::Open(AccessMode::Read)),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
        ] {
            assert!(!is_change(kind), "{kind:?}");
        }
    }

    #[test]
    fn changes_to_sources_count_and_the_builds_own_writes_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("opsbook.toml"),
            "[logs]\npaths = [\"logs/**/*.jsonl\", \"*.jsonl\"]\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("logs/app")).unwrap();
        std::fs::write(root.join("logs/app/a.jsonl"), "").unwrap();
        let sources = Sources::of(root);
        // `*.jsonl` searches the project itself: not watched as a tree.
        assert_eq!(sources.log_roots, [root.join("logs")]);
        for path in [
            "opsbook.toml",
            "content/faq/FAQ-001.md",
            "content/inspections/2025/03/250311-01.md",
            "schedules/contract.toml",
            "themes/default/page.html",
            "state/verify.json",
            "state/history.jsonl",
            "logs/app/a.jsonl",
            "logs/new-folder",
        ] {
            assert!(sources.covers(&root.join(path)), "{path}");
        }
        for path in [
            "site/index.html",
            ".site.opsbook-staging/index.html",
            "state/logs/0123456789abcdef.json",
            "content/faq/.FAQ-001.md.swp",
            "content/faq/FAQ-001.md~",
            "b.txt",
            "target/debug/opsbook",
        ] {
            assert!(!sources.covers(&root.join(path)), "{path}");
        }
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let html = with_reload_script(b"<html><body><p>x</p></BODY></html>".to_vec());
        let html = String::from_utf8(html).unwrap();
        assert!(html.starts_with("<html><body><p>x</p><script>"), "{html}");
        assert!(html.ends_with("</script>\n</BODY></html>"), "{html}");
        let bare = String::from_utf8(with_reload_script(b"<p>x</p>".to_vec())).unwrap();
        assert!(bare.starts_with("<p>x</p><script>"));
    }
}
