//! A throwaway PostgreSQL cluster for tests: made in a temporary folder,
//! listening on a unix socket there and nowhere else, stopped when dropped.
//!
//! `initdb` refuses to run as root, so under root (CI) the cluster runs as
//! the system user `opsbook-pg`, created when missing. Clients (psql,
//! pg_dump, and opsbook's restore commands) connect with `PGHOST` set to the
//! folder and the trust-authenticated `postgres` user.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::require_tool;

const USER: &str = "opsbook-pg";

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_user: Option<&'static str>,
}

impl PgCluster {
    /// A running cluster. The tests that start one are marked
    /// `#[ignore = "needs postgresql"]`; run where PostgreSQL is missing,
    /// they fail with the package to install.
    pub fn start() -> PgCluster {
        require_tool("pg_dump", "apt-get install postgresql");
        let bin = server_bin()
            .expect("PostgreSQL's server programs (initdb, pg_ctl) are needed: apt-get install postgresql");
        let root = nix_is_root();
        if root {
            ensure_user();
        }
        let dir = tempfile::Builder::new().prefix("opsbook-pg-").tempdir().unwrap();
        if root {
            let status = Command::new("chown").arg(USER).arg(dir.path()).status().unwrap();
            assert!(status.success(), "chown {USER}");
        }
        let cluster = PgCluster {
            dir,
            bin,
            as_user: root.then_some(USER),
        };
        let data = cluster.dir.path().join("data");
        cluster.server(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        let opts = format!(
            "-k {} -c listen_addresses='' -c fsync=off",
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("log");
        cluster.server(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-o",
                &opts,
                "start",
            ],
        );
        cluster
    }

    /// The socket folder (`PGHOST`).
    pub fn host(&self) -> &Path {
        self.dir.path()
    }

    /// A client command (psql, pg_dump…) pointed at this cluster.
    pub fn client(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("PGHOST", self.host()).env("PGUSER", "postgres");
        cmd
    }

    /// Runs SQL in `db`, failing the test on any error.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let out = self
            .client("psql")
            .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql])
            .output()
            .unwrap();
        String::from_utf8(expect_ok("psql", out)).unwrap()
    }

    /// `pg_dump ARGS db` to its stdout.
    pub fn dump(&self, db: &str, args: &[&str]) -> Vec<u8> {
        let out = self.client("pg_dump").args(args).arg(db).output().unwrap();
        expect_ok("pg_dump", out)
    }

    fn server(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut cmd = match self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let out = cmd.args(args).current_dir(self.dir.path()).output().unwrap();
        expect_ok(program, out);
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let path = self.bin.join("pg_ctl");
        let mut cmd = match self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let _ = cmd
            .args(["-D", data.to_str().unwrap(), "-m", "fast", "stop"])
            .current_dir(self.dir.path())
            .output();
    }
}

fn expect_ok(what: &str, out: Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The newest installed server's bin folder (Debian keeps it off PATH).
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Creates the cluster's user once per test run: tests run on threads, and
/// a second `useradd` racing the first sees a half-written user database.
fn ensure_user() {
    static READY: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    READY.get_or_init(create_user);
}

fn create_user() {
    let exists = Command::new("id")
        .arg(USER)
        .output()
        .is_ok_and(|o| o.status.success());
    if !exists {
        let out = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                USER,
            ])
            .output()
            .unwrap();
        // Another test may have created it at the same moment.
        let raced = Command::new("id")
            .arg(USER)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            out.status.success() || raced,
            "useradd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
