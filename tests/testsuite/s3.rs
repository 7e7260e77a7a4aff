//! Object storage sets (`path = "s3://bucket/prefix"`) against a real
//! S3 server: s3s-fs, started by each test as a process of its own on
//! 127.0.0.1, which keeps every object as a plain file under its root, so a
//! test damages an object by editing that file. Faults of the network (a
//! 500 answer, a stall) come from a small proxy in the test process that
//! forwards to the real server and answers some requests itself.
//!
//! Each test is `#[ignore = "needs s3s-fs"]`: `.ci/run` installs it
//! (`cargo install s3s-fs@0.14.1 --locked --features binary`) and runs them.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::{MINIMAL_SETTINGS, TestProject, require_tool};
use crate::verify::{Verified, noise, tar_of, text, zst};

const KEY: &str = "opsbook-test-key";
const SECRET: &str = "opsbook-test-secret";
const BUCKET: &str = "backups";

/// An s3s-fs process serving a temporary root, killed when dropped.
struct S3Server {
    child: Child,
    root: tempfile::TempDir,
    port: u16,
}

impl S3Server {
    fn start() -> S3Server {
        require_tool("s3s-fs", "cargo install s3s-fs@0.14.1 --locked --features binary");
        let root = tempfile::Builder::new().prefix("opsbook-s3-").tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let port = free_port();
        let child = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", KEY, "--secret-key", SECRET])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = S3Server { child, root, port };
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("s3s-fs did not start listening on port {port}");
    }

    /// The file that holds an object of the bucket.
    fn object(&self, key: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(key)
    }

    /// Writes an object as the server keeps it.
    fn put(&self, key: &str, bytes: &[u8]) {
        let path = self.object(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A project whose set `s3` reads `s3://backups/nightly` at `port`.
fn project(port: u16, extra_set: &str, extra: &str) -> TestProject {
    let p = TestProject::empty();
    p.file(
        "opsbook.toml",
        format!(
            "{MINIMAL_SETTINGS}\n{extra}\n[[backups]]\nname = \"s3\"\npath = \"s3://{BUCKET}/nightly\"\n\
             endpoint = \"http://127.0.0.1:{port}\"\nregion = \"us-east-1\"\n{extra_set}\n"
        ),
    );
    p
}

/// `opsbook verify --json - ARGS`, with the server's credentials in the
/// environment (and no proxy of the machine's in the way).
fn verify(p: &TestProject, args: &[&str]) -> Verified {
    let mut all = vec!["verify", "--json", "-"];
    all.extend_from_slice(args);
    let mut cmd = p.cmd(&all);
    for var in [
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_")) {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    Verified::of(crate::support::Run(cmd.output().unwrap()))
}

/// `(path, kind)` of every problem of a set, sorted.
fn kinds_of(v: &Verified, set: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v.set(set)["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The backups of the fault test: a dump, an archive, plain files.
fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let mut dump = text(20_000);
    dump.extend_from_slice(b"--\n-- PostgreSQL database dump complete\n--\n");
    vec![
        ("oa-20251101.sql.zst", zst(&dump, true)),
        (
            "files-20251101.tar.zst",
            zst(&tar_of(&[("a.txt", b"a"), ("b/c.txt", &noise(70_000, 1))]), true),
        ),
        ("rewritten.bin", noise(3000, 2)),
        ("deleted.bin", noise(10, 3)),
        ("cut.sql.zst", zst(&dump, true)),
        ("rotted.sql.zst", zst(&dump, false)),
        ("large.bin", noise(5 << 20, 4)),
    ]
}

/// The same backups on local disk and in the bucket, the same faults
/// made to both: the bucket's set reports what the folder's does.
#[test]
#[ignore = "needs s3s-fs"]
fn objects_fail_as_local_files_do() {
    let server = S3Server::start();
    let p = project(
        server.port,
        "retain = \"30d\"",
        "[[backups]]\nname = \"local\"\npath = \"local\"\nretain = \"30d\"\n",
    );
    for (name, bytes) in corpus() {
        server.put(&format!("nightly/{name}"), &bytes);
        p.file(&format!("local/{name}"), &bytes);
    }
    // Outside the prefix: not the set's.
    server.put("elsewhere/x.bin", b"x");

    let first = verify(&p, &[]);
    first.run.expect_code(0);
    assert_eq!(kinds_of(&first, "s3"), []);
    assert_eq!(first.checked("s3"), first.checked("local"));
    assert_eq!(first.checked("s3").len(), corpus().len());
    assert_eq!(first.set("s3")["bytes"], first.set("local")["bytes"]);
    let digest = first.record("s3", "rewritten.bin")["blake3"].clone();
    assert_eq!(digest, first.record("local", "rewritten.bin")["blake3"]);

    let fault = |path: &Path| {
        // Rewritten with other bytes of the same size.
        std::fs::write(path.join("rewritten.bin"), noise(3000, 9)).unwrap();
        std::fs::remove_file(path.join("deleted.bin")).unwrap();
        let cut = std::fs::read(path.join("cut.sql.zst")).unwrap();
        std::fs::write(path.join("cut.sql.zst"), &cut[..cut.len() / 2]).unwrap();
        let mut rot = std::fs::read(path.join("rotted.sql.zst")).unwrap();
        let mid = rot.len() / 2;
        rot[mid] ^= 0x10;
        std::fs::write(path.join("rotted.sql.zst"), rot).unwrap();
    };
    fault(&server.object("nightly"));
    fault(&p.join("local"));

    let second = verify(&p, &[]);
    second.run.expect_code(1);
    let kinds = kinds_of(&second, "s3");
    assert_eq!(kinds, kinds_of(&second, "local"));
    let has = |path: &str, kind: &str| kinds.contains(&(path.to_string(), kind.to_string()));
    assert!(has("rewritten.bin", "changed"), "{kinds:?}");
    assert!(has("deleted.bin", "missing"), "{kinds:?}");
    assert!(has("cut.sql.zst", "truncated"), "{kinds:?}");
    assert!(has("rotted.sql.zst", "corrupt"), "{kinds:?}");
    assert!(
        !kinds
            .iter()
            .any(|(p, _)| p.starts_with("oa-") || p.starts_with("files-") || p == "large.bin")
    );
    // The rewrite is named as one. (s3s-fs lists no ETags: its identity
    // here is the size and the time.)
    let detail = second.detail("rewritten.bin", "changed");
    assert!(detail.contains("rewritten"), "{detail}");
}

#[test]
#[ignore = "needs s3s-fs"]
fn a_listing_of_more_than_one_page_is_read_to_its_end() {
    let server = S3Server::start();
    // S3 answers at most 1000 keys a page.
    for i in 0..1005 {
        server.put(
            &format!("nightly/d{}/f{i:04}.bin", i % 3),
            format!("{i}").as_bytes(),
        );
    }
    let p = project(server.port, "", "");
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert_eq!(v.set("s3")["files"], 1005);
    let checked = v.checked("s3");
    assert_eq!(checked.len(), 1005);
    assert!(
        checked.contains(&"d2/f1004.bin".to_string()),
        "{:?}",
        &checked[..3]
    );
}

/// What the proxy does with a request whose first line contains `target`.
#[derive(Clone, Copy)]
enum Fault {
    /// Answers `500 Internal Server Error` itself.
    Error,
    /// Answers nothing, and holds the connection open a while.
    Stall,
}

/// A proxy to the server that injects `fault` into the first `times`
/// requests whose first line contains `target`, and forwards every other
/// one (one request a connection, so that each is seen). Counts the
/// requests for `target`.
struct FaultProxy {
    port: u16,
    seen: Arc<AtomicUsize>,
}

impl FaultProxy {
    fn start(upstream: u16, target: &str, fault: Fault, times: usize) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&seen);
        let target = target.to_string();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let counter = Arc::clone(&counter);
                let target = target.clone();
                std::thread::spawn(move || serve(client, upstream, &target, fault, times, &counter));
            }
        });
        FaultProxy { port, seen }
    }
}

fn serve(mut client: TcpStream, upstream: u16, target: &str, fault: Fault, times: usize, seen: &AtomicUsize) {
    let Some(head) = read_head(&mut client) else {
        return;
    };
    let first_line = head.lines().next().unwrap_or_default().to_string();
    if first_line.contains(target) {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        if n < times {
            match fault {
                Fault::Error => {
                    let body = "<Error><Code>InternalError</Code><Message>injected</Message></Error>";
                    let _ = write!(
                        client,
                        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/xml\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
                Fault::Stall => std::thread::sleep(Duration::from_secs(8)),
            }
            return;
        }
    }
    // One request a connection: the server is told to close after it.
    let head = head.replacen("\r\n", "\r\nconnection: close\r\n", 1);
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    if server.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut to_server = client.try_clone().unwrap();
    let mut from_server = server.try_clone().unwrap();
    let upload = std::thread::spawn(move || {
        let _ = std::io::copy(&mut to_server, &mut from_server);
        let _ = from_server.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut server, &mut client);
    let _ = client.shutdown(Shutdown::Both);
    let _ = upload.join();
}

/// The request's head (up to its blank line), as text.
fn read_head(client: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

/// Two objects; the proxy's fault on `bad.sql.zst`.
fn faulty(fault: Fault, times: usize, settings: &str) -> (S3Server, FaultProxy, TestProject) {
    let server = S3Server::start();
    let mut dump = text(5000);
    dump.extend_from_slice(b"-- Dump completed on 2025-11-01\n");
    server.put("nightly/bad.sql.zst", &zst(&dump, true));
    server.put("nightly/good.sql.zst", &zst(&dump, false));
    let proxy = FaultProxy::start(server.port, "GET /backups/nightly/bad.sql.zst", fault, times);
    let p = project(proxy.port, "kind = \"mysqldump\"", settings);
    (server, proxy, p)
}

#[test]
#[ignore = "needs s3s-fs"]
fn a_server_error_twice_then_success_is_retried() {
    let (_server, proxy, p) = faulty(Fault::Error, 2, "[verify]\nretries = 3\n");
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert_eq!(kinds_of(&v, "s3"), []);
    assert_eq!(v.checked("s3"), ["bad.sql.zst", "good.sql.zst"]);
    // Two answers of 500, then the one that was read.
    assert_eq!(proxy.seen.load(Ordering::SeqCst), 3);
}

#[test]
#[ignore = "needs s3s-fs"]
fn errors_past_the_last_retry_are_unreadable_naming_the_object() {
    let (_server, proxy, p) = faulty(Fault::Error, 100, "[verify]\nretries = 2\n");
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(
        kinds_of(&v, "s3"),
        [("bad.sql.zst".to_string(), "unreadable".to_string())]
    );
    let detail = v.detail("bad.sql.zst", "unreadable");
    assert!(detail.contains("s3://backups/nightly/bad.sql.zst"), "{detail}");
    assert!(detail.contains("after 3 tries"), "{detail}");
    assert!(detail.contains("500") || detail.contains("Internal"), "{detail}");
    assert_eq!(proxy.seen.load(Ordering::SeqCst), 3);
}

#[test]
#[ignore = "needs s3s-fs"]
fn a_stall_times_out_and_is_retried() {
    let (_server, proxy, p) = faulty(
        Fault::Stall,
        1,
        "[verify]\nrequest_timeout = \"1s\"\nretries = 1\n",
    );
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    assert_eq!(kinds_of(&v, "s3"), []);
    assert_eq!(v.checked("s3"), ["bad.sql.zst", "good.sql.zst"]);
    assert_eq!(proxy.seen.load(Ordering::SeqCst), 2);

    // Stalled on every try: unreadable, saying so.
    let (_server, _proxy, p) = faulty(
        Fault::Stall,
        100,
        "[verify]\nrequest_timeout = \"1s\"\nretries = 1\n",
    );
    let v = verify(&p, &[]);
    v.run.expect_code(1);
    let detail = v.detail("bad.sql.zst", "unreadable");
    assert!(detail.contains("no answer within 1s"), "{detail}");
    assert!(detail.contains("after 2 tries"), "{detail}");
}

/// A restore command gets a local copy of the object as `{file}`, removed
/// when it is done.
#[test]
#[ignore = "needs s3s-fs"]
fn restore_commands_get_a_local_copy_that_is_removed_after() {
    let server = S3Server::start();
    let data = noise(100_000, 7);
    server.put("nightly/a.bin", &data);
    server.put("nightly/b.bin", b"second");
    let p = project(
        server.port,
        "restore_command = \"test -f {file} && cp {file} ../seen-$(basename {file})\"",
        "[verify]\ntemp_dir = \"tmp\"\n",
    );
    std::fs::create_dir(p.join("tmp")).unwrap();
    let v = verify(&p, &[]);
    v.run.expect_code(0);
    for name in ["a.bin", "b.bin"] {
        assert_eq!(v.record("s3", name)["command"]["exit"], 0, "{name}");
    }
    let copies: Vec<Vec<u8>> = std::fs::read_dir(p.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("seen-"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    assert_eq!(copies.len(), 2);
    assert!(copies.contains(&data));
    // The copies are gone once their commands ran.
    assert_eq!(std::fs::read_dir(p.join("tmp")).unwrap().count(), 0);
}

#[test]
fn check_warns_of_credentials_in_the_settings() {
    let p = TestProject::empty();
    p.file(
        "opsbook.toml",
        format!(
            "{MINIMAL_SETTINGS}\n[[backups]]\nname = \"oss\"\npath = \"s3://b/p\"\n\
             endpoint = \"https://oss-cn-hangzhou.aliyuncs.com\"\naddressing = \"virtual\"\n\
             secret_access_key = \"abc\"\n"
        ),
    );
    let run = p.run(&["check"]);
    let err = run.stderr();
    assert!(err.contains("`secret_access_key` looks like a secret"), "{err}");
    assert!(err.contains("opsbook.toml:13"), "{err}");
    assert!(err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
}
