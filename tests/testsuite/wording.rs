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

/// An inspection of 11 March by 张昊, recorded by 刘洋, committed by
/// someone else on `date`.
fn committed_on(date: &str) -> TestProject {
    crate::support::require_tool("git", "apt-get install git");
    let p = TestProject::new();
    p.file(
        "content/inspections/2025/03/250311-01.md",
        "+++\nid = \"250311-01\"\ndate = 2025-03-11\ninspector = \"张昊\"\nrecorder = \"刘洋\"\nmethod = \"remote\"\nstart = \"09:00\"\n+++\n\n## 检查内容\n\n正常。\n",
    );
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(p.path())
            .args(["-c", "user.name=提交人", "-c", "user.email=c@example.invalid"])
            .args(args)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "巡检"]);
    p.run(&["--now", "2025-04-01", "build"]).expect_code(0);
    p
}

#[test]
fn the_footer_names_the_recorder_and_a_later_change_as_a_revision() {
    let p = committed_on("2025-03-11T18:00:00+08:00");
    let html = p.read("site/inspections/250311-01.html");
    let footer = &html[html.find("<p class=\"source\">").unwrap()..];
    assert!(
        footer.starts_with("<p class=\"source\">记录人：刘洋 · "),
        "{footer}"
    );
    assert!(footer.contains("最后修改：2025-03-11 18:00"), "{footer}");
    assert!(
        !html.contains("提交人"),
        "the committer is not the record's: {footer}"
    );

    // Changed after the record's day: a revision, and labelled as one.
    let p = committed_on("2025-03-20T10:00:00+08:00");
    let html = p.read("site/inspections/250311-01.html");
    let footer = &html[html.find("<p class=\"source\">").unwrap()..];
    assert!(footer.contains("修订日期：2025 年 3 月 20 日"), "{footer}");
    assert!(!footer.contains("最后修改"), "{footer}");
}

#[test]
fn blank_parts_of_a_form_say_so() {
    let p = committed_on("2025-03-11T18:00:00+08:00");
    let html = p.read("site/inspections/250311-01.html");
    // The time row: the label table's colon, the end time labelled, the
    // missing end a dash; the analysis not written: 无.
    assert!(
        html.contains("<tr><th>时间：</th><td class=\"when\">09:00</td><th>结束时间：</th><td class=\"when\">—</td></tr>"),
        "{html}"
    );
    assert!(!html.contains("时间:"), "{html}");
    let analysis = &html[html.find("巡检结果分析").unwrap()..];
    assert!(analysis.contains("<p class=\"blank\">无</p>"), "{analysis}");
}

#[test]
fn the_backups_page_says_what_normal_proves_in_office_units() {
    let p = TestProject::fixture("portal");
    p.run(&["--now", "2025-03-31T09:00:00", "verify"]);
    p.run(&["--now", "2025-03-31T10:00:00", "build"]);
    let html = p.read("site/backups/index.html");
    assert!(
        html.contains(
            "<p class=\"lead explain\">“正常”表示：本次读取的每个备份文件都与首次登记时的校验值一致"
        ),
        "{html}"
    );
    // Sizes as an office writes them: B, KB, MB, never KiB.
    assert!(!html.contains("KiB") && !html.contains("MiB"), "{html}");
    let size = regex::Regex::new(r"\d (B|KB|MB)\b").unwrap();
    assert!(size.is_match(&html), "{html}");
    // The history chart says what its axes count.
    let chart = &html[html.find("<figure class=\"chart\">").expect("a history chart")..];
    assert!(chart.contains(">备份集（个）</text>"), "{chart}");
    assert!(chart.contains("<th scope=\"col\">校验日期</th>"), "{chart}");
}
