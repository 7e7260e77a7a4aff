//! What the command line says about itself: shell completions, the man
//! page, and the help of each command.

use crate::support::{TestProject, opsbook, require_tool};

/// Every command, as `opsbook help` lists them.
const COMMANDS: &[&str] = &[
    "init",
    "new",
    "check",
    "verify",
    "manifest",
    "logs",
    "build",
    "nightly",
    "archive",
    "serve",
    "completions",
    "man",
];

fn stdout_of(args: &[&str]) -> String {
    let out = opsbook().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "opsbook {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_command_list_is_the_one_tested_here() {
    let help = stdout_of(&["--help"]);
    let listed: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(listed, COMMANDS, "{help}");
}

#[test]
fn completions_for_every_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        for command in COMMANDS {
            assert!(script.contains(command), "{shell}: {command}");
        }
        // Values known in advance are offered too (PowerShell's and
        // Elvish's scripts complete names only).
        if ["bash", "zsh", "fish"].contains(&shell) {
            for value in ["backup-set", "quarterly", "pgdump"] {
                assert!(script.contains(value), "{shell}: {value}");
            }
        }
    }
    // The bash script is valid bash.
    let p = TestProject::empty();
    p.file("opsbook.bash", stdout_of(&["completions", "bash"]));
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(p.join("opsbook.bash"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // And it completes a command's name.
    let complete = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(opsbook ver); COMP_CWORD=1; _opsbook opsbook ver opsbook; echo \"${{COMPREPLY[@]}}\"",
            p.join("opsbook.bash").display()
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&complete.stdout).trim(), "verify");
}

/// `opsbook man --dir man1` in a new folder.
fn man_pages() -> TestProject {
    let p = TestProject::empty();
    let out = opsbook()
        .args(["man", "--dir"])
        .arg(p.join("man1"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    p
}

#[test]
fn the_man_page_lists_every_command_and_the_exit_codes() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH opsbook 1"), "{page}");
    for command in COMMANDS {
        assert!(
            page.contains(&format!("opsbook\\-{command}(1)")),
            "{command}\n{page}"
        );
    }
    assert!(page.contains("Exit codes:"), "{page}");
    assert!(!page.contains("opsbook\\-help"), "{page}");

    // With --dir, one page per command.
    let p = man_pages();
    for command in COMMANDS {
        let page = p.read(&format!("man1/opsbook-{command}.1"));
        assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    }
    assert!(p.read("man1/opsbook-verify.1").contains("docs/verify.md"));
}

#[test]
#[ignore = "needs groff"]
fn the_man_pages_render_without_warnings() {
    require_tool("groff", "apt-get install groff-base");
    let p = man_pages();
    for entry in std::fs::read_dir(p.join("man1")).unwrap() {
        let path = entry.unwrap().path();
        let render = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww"])
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&render.stdout);
        assert!(render.status.success(), "{}", path.display());
        assert!(
            render.stderr.is_empty(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&render.stderr)
        );
        assert!(text.contains("opsbook"), "{}: {text}", path.display());
    }
}

#[test]
fn each_commands_help_names_its_exit_codes_an_example_and_its_documentation() {
    for (command, doc) in [
        ("init", "docs/ci.md"),
        ("new", "docs/reference.md"),
        ("check", "docs/reference.md"),
        ("verify", "docs/verify.md"),
        ("manifest", "docs/verify.md"),
        ("logs", "docs/logs.md"),
        ("build", "docs/portal.md"),
        ("nightly", "docs/ci.md"),
        ("serve", "docs/portal.md"),
    ] {
        let help = stdout_of(&[command, "--help"]);
        assert!(help.contains("Exit code"), "{command}\n{help}");
        assert!(help.contains("Example"), "{command}\n{help}");
        assert!(
            help.contains(&format!("Documentation: {doc}")),
            "{command}\n{help}"
        );
        assert!(help.contains(&format!("opsbook {command}")), "{command}\n{help}");
    }
    let help = stdout_of(&["verify", "--help"]);
    assert!(help.contains("1 a\nproblem of error severity"), "{help}");
}
