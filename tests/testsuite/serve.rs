//! `opsbook serve`: the real server on a free port, spoken to over HTTP.
//! Every wait is bounded, and the server is killed when a test ends, passed
//! or failed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::TestProject;

const WAIT: Duration = Duration::from_secs(30);

/// A running `opsbook serve`, killed on drop.
struct Serving {
    child: Child,
    port: u16,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on a port the system picks, and waits for its address.
fn serve(p: &TestProject) -> Serving {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsbook"))
        .arg("-C")
        .arg(p.path())
        .args([
            "--color",
            "never",
            "--now",
            "2025-03-11T10:20:00",
            "serve",
            "--port",
            "0",
        ])
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut serving = Serving { child, port: 0 };
    let deadline = Instant::now() + WAIT;
    while serving.port == 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .expect("opsbook serve printed its address in time");
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            serving.port = rest
                .trim_end_matches(|c: char| !c.is_ascii_digit())
                .split('/')
                .next()
                .unwrap()
                .parse()
                .unwrap();
        }
    }
    serving
}

/// `GET path`: the status code and the body.
fn get(port: u16, path: &str) -> (u16, String) {
    get_for(port, &format!("127.0.0.1:{port}"), path)
}

/// `GET path` with `Host: host`.
fn get_for(port: u16, host: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let code = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, body.to_string())
}

fn build_status(port: u16) -> serde_json::Value {
    let (code, body) = get(port, "/__opsbook/build");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Waits until the build number passes `after`, and returns the status.
fn next_build(port: u16, after: u64) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let status = build_status(port);
        if status["version"].as_u64().unwrap() > after {
            return status;
        }
        assert!(Instant::now() < deadline, "no rebuild within {WAIT:?}: {status}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn faq(question: &str) -> String {
    format!("+++\nid = \"FAQ-001\"\nquestion = \"{question}\"\n+++\n在登录页点击“忘记密码”。\n")
}

#[test]
fn serves_the_portal_with_a_reload_script() {
    let p = TestProject::new();
    p.file("content/faq/FAQ-001.md", faq("如何重置密码"));
    let s = serve(&p);

    let (code, index) = get(s.port, "/");
    assert_eq!(code, 200);
    assert!(index.contains("测试项目"), "{index}");
    assert!(
        index.contains("/__opsbook/build"),
        "the served page reloads itself"
    );
    let (code, page) = get(s.port, "/faq/FAQ-001.html?x=1");
    assert_eq!(code, 200);
    assert!(page.contains("忘记密码"), "{page}");
    let (code, css) = get(s.port, "/static/style.css");
    assert_eq!(code, 200);
    assert!(!css.contains("<script"));
    assert_eq!(get(s.port, "/nope.html").0, 404);
    assert_eq!(get(s.port, "/../opsbook.toml").0, 404);
    assert_eq!(build_status(s.port)["error"], serde_json::Value::Null);

    // The portal on disk stays free of scripts.
    assert!(!p.read("site/index.html").contains("<script"));
}

#[test]
fn rebuilds_after_a_change_and_keeps_the_last_good_site() {
    let p = TestProject::new();
    p.file("content/faq/FAQ-001.md", faq("如何重置密码"));
    let s = serve(&p);
    let first = build_status(s.port)["version"].as_u64().unwrap();

    p.file("content/faq/FAQ-001.md", faq("如何修改密码"));
    let status = next_build(s.port, first);
    assert_eq!(status["error"], serde_json::Value::Null, "{status}");
    let (_, page) = get(s.port, "/faq/FAQ-001.html");
    assert!(page.contains("如何修改密码"), "{page}");

    // Broken settings: the build fails, its error is shown, the site stays.
    let settings = p.read("opsbook.toml");
    p.file("opsbook.toml", format!("{settings}\n[site]\nnot_a_key = 1\n"));
    let status = next_build(s.port, status["version"].as_u64().unwrap());
    assert!(
        status["error"].as_str().unwrap().contains("opsbook.toml"),
        "{status}"
    );
    assert!(get(s.port, "/faq/FAQ-001.html").1.contains("如何修改密码"));

    p.file("opsbook.toml", settings);
    let status = next_build(s.port, status["version"].as_u64().unwrap());
    assert_eq!(status["error"], serde_json::Value::Null, "{status}");
}

#[test]
fn answers_only_requests_addressed_to_this_machine() {
    let p = TestProject::new();
    p.file("content/faq/FAQ-001.md", faq("如何重置密码"));
    let s = serve(&p);
    // A page on another site that points its own name at 127.0.0.1 (DNS
    // rebinding) sends that name: it gets nothing of the portal.
    for host in ["evil.example", &format!("evil.example:{}", s.port)] {
        for path in ["/", "/faq/FAQ-001.html", "/__opsbook/build"] {
            let (code, body) = get_for(s.port, host, path);
            assert_eq!(code, 403, "{host}{path}: {body}");
            assert!(!body.contains("忘记密码") && !body.contains("version"), "{body}");
        }
    }
    for host in [format!("localhost:{}", s.port), format!("127.0.0.1:{}", s.port)] {
        let (code, page) = get_for(s.port, &host, "/faq/FAQ-001.html");
        assert_eq!(code, 200, "{host}");
        assert!(page.contains("忘记密码"));
    }
}

#[test]
fn a_new_log_file_rebuilds_the_portal() {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        format!(
            "{}\n[logs]\npaths = [\"logs/**/*.jsonl\"]\n",
            p.read("opsbook.toml")
        ),
    );
    p.file("logs/.keep", "");
    let s = serve(&p);
    let first = build_status(s.port)["version"].as_u64().unwrap();
    p.file(
        "logs/app/app-2025-03-11.jsonl",
        "{\"ts\":\"2025-03-11T09:00:00+08:00\",\"level\":\"ERROR\",\"service\":\"oa-web\",\"msg\":\"数据库连接超时\"}\n",
    );
    let status = next_build(s.port, first);
    assert_eq!(status["error"], serde_json::Value::Null, "{status}");
    let (_, page) = get(s.port, "/logs/index.html");
    assert!(page.contains("2025-03-11"), "{page}");
}

#[test]
fn outside_a_project_it_cannot_run() {
    let p = TestProject::empty();
    p.run(&["serve", "--port", "0"]).expect_code(2);
}
