//! The schedule and SLA page on a small project whose every column has
//! something to show: a daily record missed for two months, one day late
//! within its grace, a quarter still to come, and a fault fixed too late.

use crate::support::TestProject;

/// The page's `<main>` as a reader sees it: one line per table row.
fn rows_of(html: &str) -> String {
    let main = &html[html.find("<main>").unwrap()..html.find("</main>").unwrap()];
    let row = regex::Regex::new(r"(?s)<tr[^>]*>(.*?)</tr>").unwrap();
    let tag = regex::Regex::new(r"<[^>]+>").unwrap();
    row.captures_iter(main)
        .map(|r| {
            let cells = r[1].replace("</th>", " | ").replace("</td>", " | ");
            let text = tag.replace_all(&cells, "");
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .trim_end_matches(" |")
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_schedule_page_shows_each_obligation_and_every_breach() {
    let p = TestProject::new();
    p.file(
        "schedules/contract.toml",
        "[[obligation]]\nname = \"软件巡检报告\"\nevery = \"day\"\nkind = \"inspections\"\nwhere = { cycle = \"daily\" }\ngrace = \"1d\"\n\n\
         [[obligation]]\nname = \"定期培训\"\nevery = \"quarter\"\nkind = \"trainings\"\n",
    );
    for day in ["01", "02"] {
        p.file(
            &format!("content/inspections/2025/03/2503{day}-01.md"),
            format!("+++\nid = \"2503{day}-01\"\ndate = 2025-03-{day}\ninspector = \"张昊\"\nmethod = \"remote\"\n+++\n"),
        );
    }
    p.file(
        "content/incidents/INC-250210-01.md",
        "+++\nid = \"INC-250210-01\"\ntitle = \"公文交换超时\"\nseverity = \"general\"\nreported_at = 2025-02-10T09:00:00\nresolved_at = 2025-02-10T12:30:00\nengineers = [\"张昊\"]\nfaq = \"FAQ-001\"\n+++\n",
    );
    p.file(
        "content/faq/FAQ-001.md",
        "+++\nid = \"FAQ-001\"\nquestion = \"公文交换超时怎么办\"\nincidents = [\"INC-250210-01\"]\n+++\n\n重启交换服务。\n",
    );
    // 4 March, noon: 3 March is over and has no record, its grace runs to
    // the end of 4 March.
    p.run(&["--now", "2025-03-04T12:00:00", "build"]);
    insta::assert_snapshot!(rows_of(&p.read("site/schedule/index.html")), @"
    工作项目 | 周期 | 记录类型 | 宽限 | 总期数 | 已到期 | 按期完成 | 未完成 | 宽限期内待补 | 待完成 | 按期完成率
    软件巡检报告 | 每日 | 巡检记录 | 1 天 | 365 | 61 | 2 | 59 未完成 | 1 | 304 | 3.3%
    定期培训 | 每季度 | 定期培训 | 无 | 4 | 0 | 0 | 0 | 0 | 4 | —
    工作项目 | 未完成的期次 | 宽限期内待补的期次
    软件巡检报告 | 2025-01-01 – 2025-02-28 | 2025-03-03（可补至 2025 年 3 月 4 日）
    考核项目 | 合同时限 | 达标 | 超时 | 进行中 | 达标率
    一般故障处理 | 2 小时 | 0 | 1 | 0 | 0%
    重大故障处理 | 8 小时 | 0 | 0 | 0 | —
    第三方团队排除故障 | 12 小时 | 0 | 0 | 0 | —
    工程师到场 | 1 小时 | 0 | 0 | 0 | —
    运维支撑工程师到场 | 2 小时 | 0 | 0 | 0 | —
    更新常见问题库 | 7 天 | 1 | 0 | 0 | 100%
    升级时长 | 1 小时 | 0 | 0 | 0 | —
    升级功能测试覆盖率 | 80% | 0 | 0 | 0 | —
    高危漏洞修复 | 7 天 | 0 | 0 | 0 | —
    中危漏洞修复 | 30 天 | 0 | 0 | 0 | —
    低危漏洞修复 | 90 天 | 0 | 0 | 0 | —
    合计 | 1 | 1 | 0 | 50%
    记录 | 考核项目 | 合同时限 | 实际 | 月份
    INC-250210-01 公文交换超时 | 一般故障处理 | 2 小时 | 3 小时 30 分钟 | 2025-02
    ");
}
