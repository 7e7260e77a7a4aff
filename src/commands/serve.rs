//! `opsbook serve`: preview the portal locally, rebuilt on change.
//!
//! It builds the client's portal into `site/` as `opsbook build` does, serves
//! it on 127.0.0.1, and watches `content/`, `schedules/`, `themes/`,
//! `opsbook.toml`, the last verification under `state/` and the log files
//! (by polling their files' sizes and times, which works the same on every
//! system and file system). After a change it rebuilds, and
//! open pages reload themselves: HTML is served with a small script that
//! asks [`STATUS_PATH`] for the build number once a second. The script is
//! added only on the way out, so the portal in `site/` stays free of
//! JavaScript. A failed build keeps the previous portal and shows its error
//! at the foot of the page. Ctrl-C stops the server; `site/` is whole at
//! every moment, since each build replaces it at once.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tiny_http::{Header, Method, Request, Response, Server};

use super::session::Session;
use super::{Context, Exit, Fatal, pipeline};
use crate::load::git::GitLog;
use crate::load::{LoadError, settings};
use crate::report::Audience;

#[derive(Debug, Clone)]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one (the address is printed).
    pub port: u16,
}

/// Where open pages ask for the build number and the last build's error.
pub const STATUS_PATH: &str = "/__opsbook/build";

/// How often the watched files are looked at.
const POLL: Duration = Duration::from_millis(300);

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
    rebuild(ctx, &status);

    let server = Server::http(("127.0.0.1", opts.port))
        .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", opts.port)))?;
    let port = server.server_addr().to_ip().map_or(opts.port, |a| a.port());
    // Printed even with --quiet: the address is what the command is for.
    println!("serving the portal at http://127.0.0.1:{port}/ (Ctrl-C to stop)");

    let watcher = {
        let ctx = ctx.clone();
        let status = Arc::clone(&status);
        move || watch(&ctx, &root, &status)
    };
    std::thread::spawn(watcher);

    for request in server.incoming_requests() {
        let status = Arc::clone(&status);
        std::thread::spawn(move || respond(request, &status));
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
            let analysed = pipeline::Analysed::run(ctx, &session, &checked);
            pipeline::portal(
                &session,
                &checked,
                &git.finish(),
                analysed.analyses(),
                Audience::Client,
                None,
            )
            .map(|built| (built.site, checked.summary()))
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

/// Rebuilds whenever the project's sources change; runs until the process ends.
fn watch(ctx: &Context, root: &Path, status: &Mutex<BuildStatus>) {
    let mut last = fingerprint(root);
    loop {
        std::thread::sleep(POLL);
        let now = fingerprint(root);
        if now == last {
            continue;
        }
        // Editors and `git checkout` write several files in a row: let them
        // settle, so one change makes one build.
        std::thread::sleep(POLL);
        last = fingerprint(root);
        rebuild(ctx, status);
    }
}

/// A digest of the names, sizes and modification times of every source file.
fn fingerprint(root: &Path) -> u64 {
    let mut h = DefaultHasher::new();
    let settings = root.join(settings::FILE_NAME);
    for dir in ["content", "schedules", "themes"] {
        let files = walkdir::WalkDir::new(root.join(dir))
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !is_scratch(e.file_name()))
            .filter_map(Result::ok);
        for entry in files {
            entry.path().hash(&mut h);
            if let Ok(meta) = entry.metadata() {
                (meta.len(), meta.modified().ok()).hash(&mut h);
            }
        }
    }
    if let Ok(meta) = std::fs::metadata(&settings) {
        (meta.len(), meta.modified().ok()).hash(&mut h);
    }
    // A new verification or a grown log shows on the portal too.
    if let Ok(project) = crate::load::Project::open(root) {
        for path in super::pipeline::analysis_inputs(&project) {
            path.hash(&mut h);
            if let Ok(meta) = std::fs::metadata(&path) {
                (meta.len(), meta.modified().ok()).hash(&mut h);
            }
        }
    }
    h.finish()
}

/// Editors' swap and backup files (`.x.md.swp`, `x.md~`), which do not
/// change the portal.
fn is_scratch(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.ends_with('~')
}

fn respond(request: Request, status: &Mutex<BuildStatus>) {
    let build = status.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let path = request.url().split(['?', '#']).next().unwrap_or("/").to_string();
    let response = if !matches!(request.method(), Method::Get | Method::Head) {
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
                    .with_header(header("Content-Type", kind))
                    .with_header(header("Cache-Control", "no-store"))
            }
            None => Response::from_data(with_reload_script(
                format!("<!doctype html><meta charset=\"utf-8\"><title>404</title><body><p>No page at {}</p></body>", html_escape(&path)).into_bytes(),
            ))
            .with_header(header("Content-Type", "text/html; charset=utf-8"))
            .with_status_code(404),
        }
    };
    // The browser may have gone away; nothing to do about it.
    let _ = request.respond(response);
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

/// `%E5%B7%A1` → UTF-8 text; `None` for bad escapes or bytes.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn with_reload_script(mut html: Vec<u8>) -> Vec<u8> {
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    html.splice(at..at, RELOAD_SCRIPT.bytes());
    html
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "atom" => "application/atom+xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
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
    fn the_script_goes_before_the_last_body_end() {
        let html = with_reload_script(b"<html><body><p>x</p></BODY></html>".to_vec());
        let html = String::from_utf8(html).unwrap();
        assert!(html.starts_with("<html><body><p>x</p><script>"), "{html}");
        assert!(html.ends_with("</script>\n</BODY></html>"), "{html}");
        let bare = String::from_utf8(with_reload_script(b"<p>x</p>".to_vec())).unwrap();
        assert!(bare.starts_with("<p>x</p><script>"));
    }
}
