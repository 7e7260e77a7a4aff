//! The hardware register: `content/hardware/*.toml` checked at its lines,
//! the register and each device's page with the records that name it,
//! warranties flagged, IP addresses masked for the client.

use crate::support::TestProject;

const DB: &str = r#"name = "db-01"
role = "db"
model = "TaiShan 200"
serial = "2102312RKH10M3000112"
location = "管委会机房 A03 机柜"
ip = "10.20.1.21"
os = "openEuler 22.03 LTS"
purchased = 2022-12-20
warranty_until = 2025-12-19
engineer = "李工"

[[changes]]
date = 2025-08-12
what = "更换 2 号硬盘"
by = "李工"
"#;

const APP: &str = r#"name = "app-01"
role = "app"
ip = "10.20.1.11"
purchased = 2024-01-10
warranty_until = 2027-01-09
"#;

const INCIDENT: &str = r#"+++
id = "INC-250812-01"
title = "数据库服务器硬盘告警"
severity = "general"
reported_at = 2025-08-12T09:00:00
resolved_at = 2025-08-12T10:30:00
engineers = ["李工"]
hosts = ["db-01"]
+++
## 原因分析
2 号硬盘 SMART 告警。
## 处理方法
更换硬盘。
## 处理结果
阵列重建完成。
## 预防措施
每周查看 SMART。
"#;

fn project() -> TestProject {
    let p = TestProject::new();
    p.file("content/hardware/db-01.toml", DB);
    p.file("content/hardware/app-01.toml", APP);
    p.file("content/incidents/INC-250812-01.md", INCIDENT);
    p
}

#[test]
fn register_mistakes_are_reported_at_their_lines() {
    let p = project();
    p.run(&["--now", "2025-12-31", "check"]).expect_code(0);
    p.file(
        "content/hardware/gw.toml",
        "name = \"db-01\"\npurchased = 2025-03-01\nwarranty_until = 2024-03-01\nspeed = 3\n[[changes]]\nwhen = 2025-01-01\n",
    );
    let run = p.run(&["--now", "2025-12-31", "check"]);
    run.expect_code(1)
        .expect_stderr("content/hardware/gw.toml:3:18")
        .expect_stderr("content/hardware/gw.toml:4:1")
        .expect_stderr("unknown key `speed`")
        .expect_stderr("content/hardware/gw.toml:6:1");
    p.file("content/hardware/gw.toml", "name = \"db-01\"\n");
    p.run(&["--now", "2025-12-31", "check"])
        .expect_code(1)
        .expect_stderr("content/hardware/gw.toml:1")
        .expect_stderr("device `db-01` is already in the register");
}

#[test]
fn the_register_and_each_device_page() {
    let p = project();
    p.run(&["--now", "2025-12-31", "build", "--audience", "internal"])
        .expect_code(0);
    let register = p.read("site/hardware/index.html");
    assert!(register.contains("硬件设备记录"), "{register}");
    assert!(register.contains("10.20.1.21"), "the team sees addresses");
    // db-01's warranty ends within the service year; app-01's after it.
    assert!(
        register.contains("保修在 2025-01-01 至 2025-12-31 内到期的设备：1 台"),
        "{register}"
    );
    let db = p.read("site/hardware/db-01.html");
    assert!(db.contains("更换 2 号硬盘"), "the change log: {db}");
    assert!(
        db.contains("incidents/INC-250812-01.html"),
        "the incident naming it: {db}"
    );
    assert!(db.contains("已过保"), "{db}");
    let app = p.read("site/hardware/app-01.html");
    assert!(!app.contains("INC-250812-01"), "{app}");
    let data: serde_json::Value = serde_json::from_str(&p.read("site/data/hardware.json")).unwrap();
    assert_eq!(data["expiring"], 1);
    assert_eq!(data["devices"][1]["records"][0]["id"], "INC-250812-01");

    p.run(&["--now", "2025-12-31", "build", "--audience", "client"])
        .expect_code(0);
    for page in [
        "site/hardware/index.html",
        "site/hardware/db-01.html",
        "site/data/hardware.json",
    ] {
        let text = p.read(page);
        assert!(!text.contains("10.20.1"), "{page} masks addresses for the client");
        assert!(text.contains("TaiShan 200"), "{page}");
    }
}
