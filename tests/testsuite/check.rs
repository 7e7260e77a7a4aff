//! `opsbook check` on fixture projects.

use crate::support::TestProject;

#[test]
fn a_clean_project_checks_clean() {
    let p = TestProject::new();
    p.file(
        "content/faq/FAQ-001.md",
        "+++\nid = \"FAQ-001\"\nquestion = \"如何重置密码\"\n+++\n在登录页点击“忘记密码”。\n",
    );
    let run = p.run(&["check"]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("1 note checked, 0 problems"),
        "{}",
        run.stdout()
    );
}
