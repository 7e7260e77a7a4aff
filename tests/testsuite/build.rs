//! `opsbook build`: the portal is written all-or-nothing.

use crate::support::TestProject;

#[test]
fn a_valid_project_builds_a_page_per_note() {
    let p = TestProject::fixture("valid");
    p.run(&["build"]).expect_code(0);
    for page in [
        "site/index.html",
        "site/inspections/250311-01.html",
        "site/incidents/INC-250311-01.html",
        "site/workorders/WO-250402-01.html",
        "site/faq/FAQ-001.html",
        "site/trainings/TR-250315-01.html",
        "site/upgrades/UP-250420-01.html",
        "site/vulnerabilities/VUL-250501-01.html",
    ] {
        assert!(p.join(page).is_file(), "{page} was not written");
    }
    assert!(
        p.read("site/incidents/INC-250311-01.html")
            .contains("公文交换接口超时")
    );
}

#[test]
fn values_are_html_escaped() {
    let p = TestProject::new();
    p.file(
        "content/faq/FAQ-001.md",
        "+++\nid = \"FAQ-001\"\nquestion = \"<script>alert('x')</script>\"\n+++\n正文<img src=x onerror=alert(1)>\n",
    );
    p.run(&["build"]).expect_code(0);
    for page in ["site/faq/FAQ-001.html", "site/index.html"] {
        let html = p.read(page);
        assert!(!html.contains("<script>alert"), "{page}: {html}");
        assert!(!html.contains("onerror"), "{page}: {html}");
    }
}

#[test]
fn a_theme_overrides_a_template_by_name() {
    let p = TestProject::fixture("valid");
    p.file(
        "opsbook.toml",
        format!("{}\n[site]\ntheme = \"mine\"\n", p.read("opsbook.toml")),
    );
    p.file(
        "themes/mine/templates/faq.html",
        "{% extends \"base.html\" %}{% block content %}<p class=\"mine\">问答</p>{% endblock %}",
    );
    p.file("themes/mine/static/extra.css", "p { color: red }");
    p.run(&["build"]).expect_code(0);
    assert!(
        p.read("site/faq/index.html")
            .contains("<p class=\"mine\">问答</p>")
    );
    assert!(p.join("site/static/extra.css").is_file());
    assert!(
        p.join("site/static/style.css").is_file(),
        "built-in static files stay"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site() {
    let p = TestProject::fixture("valid");
    p.run(&["build"]).expect_code(0);
    let before = p.read("site/index.html");

    p.file(
        "opsbook.toml",
        format!("{}\n[site]\ntheme = \"broken\"\n", p.read("opsbook.toml")),
    );
    p.file("themes/broken/templates/note.html", "{% for x in %}");
    let run = p.run(&["build"]);
    run.expect_code(2);
    run.expect_stderr("syntax error");
    run.expect_stderr("note.html:1");
    assert_eq!(p.read("site/index.html"), before);
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn broken_notes_are_listed_and_the_rest_is_published() {
    let p = TestProject::fixture("valid");
    p.file("content/faq/FAQ-009.md", "+++\nid = \"FAQ-009\"\n+++\n");
    let run = p.run(&["build"]);
    run.expect_code(1);
    run.expect_stderr("missing required key `question`");
    assert!(p.join("site/faq/FAQ-001.html").is_file());
    assert!(!p.join("site/faq/FAQ-009.html").exists());
}

/// An open general incident reported at 09:00 has a 2 h limit: a build at
/// 09:30 shows it pending, and a build at 13:00 the same day must not find
/// that site up to date, as the limit has passed since.
#[test]
fn a_deadline_passed_since_the_last_build_rebuilds_the_site() {
    let p = TestProject::new();
    p.file(
        "content/incidents/INC-250311-01.md",
        "+++\nid = \"INC-250311-01\"\ntitle = \"公文交换接口超时\"\nseverity = \"general\"\nreported_at = 2025-03-11T09:00:00\nengineers = [\"张伟\"]\n+++\n",
    );
    let page = "site/incidents/INC-250311-01.html";
    let sla_status = |html: &str| -> String {
        let start = html.find("<td class=\"status\">").expect("an SLA status cell");
        html[start..].split("</td>").next().unwrap().to_string()
    };

    let run = p.run(&["--now", "2025-03-11T09:30", "build"]);
    run.expect_code(0);
    assert!(sla_status(&p.read(page)).contains("进行中"), "{}", p.read(page));

    // Nothing changed and no deadline passed: up to date.
    let run = p.run(&["--now", "2025-03-11T10:00", "build"]);
    run.expect_code(0);
    assert!(run.stdout().contains("up to date"), "{}", run.stdout());

    // 11:00 passed: built again, and the breach shown.
    let run = p.run(&["--now", "2025-03-11T13:00", "build"]);
    run.expect_code(0);
    assert!(!run.stdout().contains("up to date"), "{}", run.stdout());
    assert!(sla_status(&p.read(page)).contains("超时"), "{}", p.read(page));

    // A clock before the last build's is another night, not this one.
    let run = p.run(&["--now", "2025-03-11T09:30", "build"]);
    run.expect_code(0);
    assert!(!run.stdout().contains("up to date"), "{}", run.stdout());
    assert!(sla_status(&p.read(page)).contains("进行中"));
}
