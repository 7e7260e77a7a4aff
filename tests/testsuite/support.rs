//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A throwaway project folder.
pub struct TestProject {
    dir: tempfile::TempDir,
}

/// Settings for a small project with a service period and the default
/// timezone.
pub const MINIMAL_SETTINGS: &str = r#"[project]
name = "测试项目"
client = "测试甲方"
contractor = "测试运维方"
start = 2025-01-01
end = 2025-12-31
"#;

impl TestProject {
    /// An empty folder with [`MINIMAL_SETTINGS`] as its `opsbook.toml`.
    pub fn new() -> TestProject {
        let p = TestProject::empty();
        p.file("opsbook.toml", MINIMAL_SETTINGS);
        p
    }

    /// An empty folder, no settings.
    pub fn empty() -> TestProject {
        TestProject {
            dir: tempfile::Builder::new()
                .prefix("opsbook-test-")
                .tempdir()
                .unwrap(),
        }
    }

    /// A copy of `tests/fixtures/NAME`.
    pub fn fixture(name: &str) -> TestProject {
        let p = TestProject::empty();
        copy_dir(&fixtures_dir().join(name), p.path());
        p
    }

    /// A copy of `tests/fixtures/example`: a service year of notes, backup
    /// sets and logs, frozen from the example project at the repository's
    /// root, so that editing the example cannot change what tests see.
    pub fn example() -> TestProject {
        TestProject::fixture("example")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating folders), returning the project for chaining.
    pub fn file(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// `opsbook -C <project> --color never ARGS…`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = opsbook();
        cmd.arg("-C")
            .arg(self.path())
            .args(["--color", "never"])
            .args(args);
        cmd
    }

    /// Runs opsbook and returns its output, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.cmd(args).output().unwrap())
    }
}

/// The built binary, with no CI-only environment leaking in.
pub fn opsbook() -> Command {
    let mut cmd = Command::cargo_bin("opsbook").unwrap();
    cmd.env_remove("CI").env("NO_COLOR", "1");
    cmd
}

/// What a run printed and how it ended.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Fails the test, showing both streams, unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    /// Fails the test, showing stderr, unless it contains `text`.
    pub fn expect_stderr(&self, text: &str) -> &Self {
        let stderr = self.stderr();
        assert!(stderr.contains(text), "stderr lacks {text:?}:\n{stderr}");
        self
    }
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The repository root: the example project the README runs, and the docs.
/// Only `tests/testsuite/example.rs` runs opsbook on the example (to keep it
/// valid); every other test works on a fixture.
pub fn repository_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Fails the test unless an outside program is installed.
///
/// Tests that need a program most machines lack (Chromium, PostgreSQL,
/// b3sum, groff) are marked `#[ignore = "needs chromium"]`, so a plain
/// `cargo test` lists them as ignored rather than passing them unrun;
/// `cargo test -- --include-ignored` (what `.ci/run` does, after installing
/// them) runs them, and there a missing program is a failure with the
/// install step to take, never a silent pass. Tests that need git, which
/// every checkout of this repository has, call it without being ignored.
pub fn require_tool(program: &str, install: &str) {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(found, "this test needs `{program}`: {install}");
}

/// Runs git in `dir` with a fixed identity and no user or system settings,
/// failing the test when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    require_tool("git", "apt-get install git");
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=测试", "-c", "user.email=test@example.invalid"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One test case of a JUnit report, flattened for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JunitCase {
    pub suite: String,
    pub classname: String,
    pub name: String,
    /// `passed`, `failure`, `error` or `skipped`.
    pub outcome: &'static str,
    pub message: String,
    /// The failure's `type`.
    pub kind: String,
}

/// Every test case of a JUnit XML report, read back with quick-junit.
pub fn junit_cases(xml: &str) -> Vec<JunitCase> {
    use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
    let report = Report::deserialize_from_str(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let text =
        |s: &Option<quick_junit::XmlString>| s.as_ref().map(|s| s.as_str().to_string()).unwrap_or_default();
    report
        .test_suites
        .iter()
        .flat_map(|suite| {
            suite.test_cases.iter().map(move |case| {
                let (outcome, message, kind) = match &case.status {
                    TestCaseStatus::Success { .. } => ("passed", String::new(), String::new()),
                    TestCaseStatus::NonSuccess {
                        kind, message, ty, ..
                    } => (
                        match kind {
                            NonSuccessKind::Failure => "failure",
                            NonSuccessKind::Error => "error",
                        },
                        text(message),
                        text(ty),
                    ),
                    TestCaseStatus::Skipped { message, .. } => ("skipped", text(message), String::new()),
                };
                JunitCase {
                    suite: suite.name.as_str().to_string(),
                    classname: text(&case.classname),
                    name: case.name.as_str().to_string(),
                    outcome,
                    message,
                    kind,
                }
            })
        })
        .collect()
}
