//! What the client reads: names of things in words, not the engineers'
//! codes; empty cells and rows said to be empty.

use crate::support::{MINIMAL_SETTINGS, TestProject};

/// A day of logs that trips a labelled rule of the project's, an unlabelled
/// one and the built-in `failed_logins`.
fn logs_with_alerts() -> TestProject {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        format!(
            "{MINIMAL_SETTINGS}\n[[logs.alerts]]\nname = \"db_timeouts\"\nlabel = \"数据库连接超时\"\nmsg_contains = \"timeout\"\n\n\
             [[logs.alerts]]\nname = \"slow_pages\"\nmsg_contains = \"slow\"\n\n\
             [[logs.alerts]]\nname = \"failed_logins\"\nevent = \"login\"\noutcome = \"failure\"\nby = \"user\"\nmin_count = 2\n"
        ),
    );
    let line = |msg: &str, extra: &str| {
        format!(
            "{{\"ts\":\"2025-03-30T10:00:00+08:00\",\"level\":\"ERROR\",\"service\":\"oa-web\",\"msg\":\"{msg}\"{extra}}}\n"
        )
    };
    let mut log = line("db timeout", "");
    log += &line("page slow", "");
    for _ in 0..2 {
        log += &line(
            "login failed",
            ",\"event\":\"login\",\"outcome\":\"failure\",\"user\":\"zhang\"",
        );
    }
    p.file("logs/app-2025-03-30.jsonl", log);
    p
}

#[test]
fn alerts_are_named_by_their_labels_and_no_rule_name_reaches_the_client() {
    let p = logs_with_alerts();
    for audience in ["client", "internal"] {
        p.run(&["--now", "2025-03-31T09:00:00", "build", "--audience", audience]);
        for page in [
            "site/index.html",
            "site/logs/index.html",
            "site/logs/2025-03.html",
        ] {
            let html = p.read(page);
            assert!(
                html.contains("数据库连接超时"),
                "{audience} {page}: the rule's label"
            );
            assert!(
                html.contains("同一账号登录失败次数过多"),
                "{audience} {page}: the built-in label"
            );
            for code in ["db_timeouts", "failed_logins"] {
                assert!(!html.contains(code), "{audience} {page} shows {code}");
            }
            // A rule without a label: its name for the engineers only.
            let named = html.contains("slow_pages");
            assert_eq!(named, audience == "internal", "{audience} {page}");
            if audience == "client" {
                assert!(html.contains("日志告警"), "{page}");
            }
        }
    }
}

#[test]
fn an_alert_label_is_a_setting_check_knows() {
    let p = logs_with_alerts();
    let run = p.run(&["check"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let settings = p
        .read("opsbook.toml")
        .replace("label = \"数据库连接超时\"", "label = 3");
    p.file("opsbook.toml", settings);
    let run = p.run(&["check"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("`label` must be a string, found the number 3"),
        "{}",
        run.stderr()
    );
}
