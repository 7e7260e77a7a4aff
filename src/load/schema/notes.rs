//! The front matter of each note kind.

use super::{Field, IdForm, Rule, Table, Type};
use crate::load::notes::Kind;

/// The front matter of a note of `kind`.
pub fn of(kind: Kind) -> &'static Table {
    match kind {
        Kind::Inspection => &INSPECTION,
        Kind::Incident => &INCIDENT,
        Kind::WorkOrder => &WORK_ORDER,
        Kind::Faq => &FAQ,
        Kind::Training => &TRAINING,
        Kind::Upgrade => &UPGRADE,
        Kind::Vulnerability => &VULNERABILITY,
        Kind::Report => &REPORT,
        Kind::Handin => &HANDIN,
    }
}

/// The names `type` accepts: each kind's folder and its singular.
pub const KIND_NAMES: &[&str] = &[
    "inspections",
    "incidents",
    "workorders",
    "faq",
    "trainings",
    "upgrades",
    "vulnerabilities",
    "reports",
    "handins",
];

const TYPE: Field = Field::optional(
    "type",
    Type::Kind,
    "\"faq\"",
    "the note's kind, when its folder under content/ does not say it",
);

const AUDIENCE: Field = Field::default(
    "audience",
    Type::OneOf(&["client", "internal"]),
    "\"client\"",
    "\"internal\"",
    "`internal` leaves the note out of the client's portal",
);

pub static INSPECTION: Table = Table {
    name: "inspection",
    fields: &[
        Field::required(
            "id",
            Type::Id(IdForm::Dated("")),
            "\"250311-01\"",
            "the record's number (编号): its day, then the day's number 01–99",
        ),
        Field::required("date", Type::Date, "2025-03-11", "the inspection day (巡检日期)"),
        Field::default(
            "cycle",
            Type::OneOf(&["daily", "weekly", "monthly", "quarterly", "adhoc"]),
            "\"daily\"",
            "\"weekly\"",
            "which schedule it serves; a quarterly one covers the quarterly checklist",
        ),
        Field::required("inspector", Type::Name, "\"张伟\"", "who inspected (巡检人)"),
        Field::optional(
            "recorder",
            Type::Name,
            "\"李娜\"",
            "who wrote the record (记录人); defaults to the file's git author",
        ),
        Field::required(
            "method",
            Type::OneOf(&["remote", "onsite"]),
            "\"remote\"",
            "how (检查方式): remote (远程) or onsite (现场)",
        ),
        Field::optional("start", Type::ClockTime, "\"09:00\"", "when it started (时间)"),
        Field::optional("end", Type::ClockTime, "\"09:30\"", "when it ended"),
        Field::optional(
            "title",
            Type::Text,
            "\"春节前专项巡检\"",
            "a title for the record's page",
        ),
        Field::optional(
            "checks",
            Type::Tables(&CHECK),
            "",
            "each item checked and its result",
        ),
        Field::optional(
            "review",
            Type::Table(&REVIEW),
            "",
            "the client's sign-off of the record",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[
        Rule::IdDate { key: "date" },
        Rule::Order {
            earlier: "start",
            later: "end",
            strict: true,
        },
        Rule::Order {
            earlier: "date",
            later: "review.date",
            strict: false,
        },
    ],
};

pub static CHECK: Table = Table {
    name: "[[checks]]",
    fields: &[
        Field::required(
            "item",
            Type::Text,
            "\"数据库连接与表空间\"",
            "the item checked (检查项)",
        ),
        Field::required(
            "result",
            Type::OneOf(&["ok", "warn", "fail", "na"]),
            "\"ok\"",
            "ok (正常), warn (预警), fail (异常) or na (不适用)",
        ),
        Field::optional("note", Type::Text, "\"表空间使用率 78%\"", "what was seen"),
    ],
    rules: &[],
};

pub static REVIEW: Table = Table {
    name: "[review]",
    fields: &[
        Field::required("name", Type::Name, "\"王主任\"", "who signed for the client"),
        Field::optional("date", Type::Date, "2025-03-12", "when"),
        Field::required(
            "rating",
            Type::OneOf(&["satisfied", "fair", "unsatisfied"]),
            "\"satisfied\"",
            "满意 (satisfied), 基本满意 (fair) or 不满意 (unsatisfied)",
        ),
        Field::optional("opinion", Type::Text, "\"巡检到位\"", "the client's words"),
    ],
    rules: &[],
};

pub static INCIDENT: Table = Table {
    name: "incident",
    fields: &[
        Field::required(
            "id",
            Type::Id(IdForm::Dated("INC-")),
            "\"INC-250311-01\"",
            "`INC-`, the day it was reported, the day's number",
        ),
        Field::required("title", Type::Title, "\"公文交换接口超时\"", "what happened"),
        Field::required(
            "severity",
            Type::OneOf(&["general", "major"]),
            "\"general\"",
            "general (一般) or major (重大); sets the resolution limit",
        ),
        Field::optional(
            "category",
            Type::Text,
            "\"exchange\"",
            "e.g. application, database, network, security, hardware, exchange (公文交换)",
        ),
        Field::default(
            "modules",
            Type::Texts,
            "[]",
            "[\"公文传输\"]",
            "the platform's modules affected",
        ),
        Field::required(
            "reported_at",
            Type::DateTime,
            "2025-03-11T09:20:00",
            "when the fault was reported (故障时间); limits run from here",
        ),
        Field::optional(
            "responded_at",
            Type::DateTime,
            "2025-03-11T09:25:00",
            "first response",
        ),
        Field::default(
            "onsite_required",
            Type::Bool,
            "false",
            "true",
            "whether an engineer had to come on site",
        ),
        Field::optional(
            "onsite_at",
            Type::DateTime,
            "2025-03-11T10:05:00",
            "arrival on site",
        ),
        Field::default(
            "escalation",
            Type::OneOf(&["none", "support", "third_party"]),
            "\"none\"",
            "\"support\"",
            "none, support (运维支撑工程师) or third_party (第三方)",
        ),
        Field::optional(
            "resolved_at",
            Type::DateTime,
            "2025-03-11T10:40:00",
            "when it was fixed; absent while the incident is open",
        ),
        Field::required("engineers", Type::Names, "[\"张伟\", \"李娜\"]", "who handled it"),
        Field::optional(
            "faq",
            Type::Id(IdForm::Faq),
            "\"FAQ-007\"",
            "the FAQ entry written for it",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[
        Rule::IdDate { key: "reported_at" },
        Rule::Order {
            earlier: "reported_at",
            later: "responded_at",
            strict: false,
        },
        Rule::Order {
            earlier: "reported_at",
            later: "onsite_at",
            strict: false,
        },
        Rule::Order {
            earlier: "reported_at",
            later: "resolved_at",
            strict: false,
        },
    ],
};

pub static WORK_ORDER: Table = Table {
    name: "workorder",
    fields: &[
        Field::required(
            "id",
            Type::Id(IdForm::Dated("WO-")),
            "\"WO-250402-01\"",
            "`WO-`, the day it was requested, the day's number",
        ),
        Field::required(
            "title",
            Type::Title,
            "\"新增督查督办流程\"",
            "the work asked for (工作事由)",
        ),
        Field::required(
            "requested_at",
            Type::DateTime,
            "2025-04-02T10:30:00",
            "when it was asked for (申请时间)",
        ),
        Field::optional("unit", Type::Text, "\"党政办公室\"", "the unit served (服务单位)"),
        Field::optional("location", Type::Text, "\"管委会 5 楼\"", "where (服务地点)"),
        Field::optional(
            "contact",
            Type::Text,
            "\"刘芳\"",
            "the requester's contact person",
        ),
        Field::optional(
            "phone",
            Type::Text,
            "\"029-88331265\"",
            "their phone (masked in the portal)",
        ),
        Field::optional(
            "requester_dept",
            Type::Text,
            "\"督查科\"",
            "the requesting department",
        ),
        Field::optional(
            "signoffs",
            Type::Table(&SIGNOFFS),
            "",
            "who signed the form, and when",
        ),
        Field::default(
            "status",
            Type::OneOf(&["open", "approved", "done", "rejected"]),
            "\"open\"",
            "\"done\"",
            "where the work order stands",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[Rule::IdDate { key: "requested_at" }],
};

pub static SIGNOFFS: Table = Table {
    name: "[signoffs]",
    fields: &[
        Field::optional("requester", Type::Table(&SIGNOFF), "", "需求提出人"),
        Field::optional("operator", Type::Table(&SIGNOFF), "", "操作人员"),
        Field::optional("manager", Type::Table(&SIGNOFF), "", "项目经理"),
        Field::optional(
            "authority",
            Type::Table(&SIGNOFF),
            "",
            "工业和信息化局, the client's authority",
        ),
    ],
    rules: &[],
};

pub static SIGNOFF: Table = Table {
    name: "sign-off",
    fields: &[
        Field::required("name", Type::Name, "\"刘芳\"", "who signed"),
        Field::optional("date", Type::Date, "2025-04-02", "when"),
    ],
    rules: &[],
};

pub static FAQ: Table = Table {
    name: "faq",
    fields: &[
        Field::required(
            "id",
            Type::Id(IdForm::Faq),
            "\"FAQ-007\"",
            "`FAQ-` and a number of three digits or more",
        ),
        Field::required(
            "question",
            Type::Title,
            "\"OFD 文件预览空白\"",
            "the problem (问题描述)",
        ),
        Field::default(
            "tags",
            Type::Texts,
            "[]",
            "[\"OFD\", \"浏览器\"]",
            "words to find it by",
        ),
        Field::default(
            "incidents",
            Type::Texts,
            "[]",
            "[\"INC-250311-01\"]",
            "the incidents it answers",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[],
};

pub static TRAINING: Table = Table {
    name: "training",
    fields: &[
        Field::required(
            "id",
            Type::Id(IdForm::Dated("TR-")),
            "\"TR-250612-01\"",
            "`TR-`, the day of the training, the day's number",
        ),
        Field::required("date", Type::Date, "2025-06-12", "the day of the training"),
        Field::required("topic", Type::Title, "\"公文传输操作培训\"", "what was taught"),
        Field::optional("trainer", Type::Name, "\"张伟\"", "who taught"),
        Field::optional(
            "participants",
            Type::Text,
            "\"各部门办公人员\"",
            "who was trained",
        ),
        Field::optional(
            "attendees",
            Type::Int {
                min: 0,
                max: u32::MAX as i64,
            },
            "36",
            "how many attended",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[Rule::IdDate { key: "date" }],
};

pub static UPGRADE: Table = Table {
    name: "upgrade",
    fields: &[
        Field::required(
            "id",
            Type::Id(IdForm::Dated("UP-")),
            "\"UP-250420-01\"",
            "`UP-`, the day the window opened, the day's number",
        ),
        Field::required("version", Type::Title, "\"V3.2.1\"", "the version installed"),
        Field::optional(
            "title",
            Type::Text,
            "\"OFD 组件升级\"",
            "a title for the upgrade's page",
        ),
        Field::required(
            "window_start",
            Type::DateTime,
            "2025-04-20T21:00:00",
            "when the upgrade window opened",
        ),
        Field::required(
            "window_end",
            Type::DateTime,
            "2025-04-20T21:45:00",
            "when it closed; held to the `upgrade_window` limit",
        ),
        Field::optional(
            "tested_percent",
            Type::Percent,
            "85",
            "share of the functions tested; held to `upgrade_tested_percent`",
        ),
        Field::optional(
            "rollback_plan",
            Type::TextOrBool,
            "\"回退到 V3.2.0 安装包\"",
            "the rollback plan, or `true` when one exists elsewhere",
        ),
        Field::optional(
            "outcome",
            Type::OneOf(&["success", "rolled_back", "failed"]),
            "\"success\"",
            "how it ended",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[
        Rule::IdDate { key: "window_start" },
        Rule::Order {
            earlier: "window_start",
            later: "window_end",
            strict: true,
        },
    ],
};

pub static VULNERABILITY: Table = Table {
    name: "vulnerability",
    fields: &[
        Field::required(
            "id",
            Type::Id(IdForm::Dated("VUL-")),
            "\"VUL-250501-01\"",
            "`VUL-`, the day it was found, the day's number",
        ),
        Field::required("title", Type::Title, "\"Apache Tomcat 版本过低\"", "the finding"),
        Field::required(
            "source",
            Type::Title,
            "\"等保测评机构\"",
            "who reported it (网信部门, 公安部门, 大数据局 …)",
        ),
        Field::required(
            "severity",
            Type::OneOf(&["high", "medium", "low"]),
            "\"high\"",
            "high (高), medium (中) or low (低); sets the fix limit",
        ),
        Field::required(
            "found_at",
            Type::DateTime,
            "2025-05-01T10:00:00",
            "when it was reported",
        ),
        Field::optional(
            "fixed_at",
            Type::DateTime,
            "2025-05-03T18:00:00",
            "when it was repaired; absent while it is open",
        ),
        Field::optional(
            "verified_at",
            Type::DateTime,
            "2025-05-06T10:00:00",
            "when the re-test passed",
        ),
        Field::default(
            "systems",
            Type::Texts,
            "[]",
            "[\"oa-web\"]",
            "the systems affected",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[
        Rule::IdDate { key: "found_at" },
        Rule::Order {
            earlier: "found_at",
            later: "fixed_at",
            strict: false,
        },
        Rule::Order {
            earlier: "fixed_at",
            later: "verified_at",
            strict: false,
        },
        Rule::Needs {
            key: "verified_at",
            needs: "fixed_at",
        },
    ],
};

pub static HANDIN: Table = Table {
    name: "handin",
    fields: &[
        Field::required(
            "period",
            Type::Period,
            "\"2025-11\"",
            "the period of the archive signed off: a year, quarter or month",
        ),
        Field::required(
            "digest",
            Type::Title,
            "\"8e9b1091…\"",
            "the archive's digest (BLAKE3 of its B3SUMS), as `opsbook archive` prints it",
        ),
        Field::required(
            "name",
            Type::Name,
            "\"王建国\"",
            "who signed it off for the client (签署人)",
        ),
        Field::required("date", Type::Date, "2025-12-05", "when (签署日期)"),
        Field::required(
            "rating",
            Type::OneOf(&["satisfied", "fair", "unsatisfied"]),
            "\"satisfied\"",
            "the service rating for the period: 满意 / 基本满意 / 不满意",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[],
};

pub static REPORT: Table = Table {
    name: "report",
    fields: &[
        Field::required(
            "period",
            Type::Period,
            "\"2025-Q3\"",
            "the report it opens: a year, quarter or month",
        ),
        Field::optional(
            "title",
            Type::Text,
            "\"第三季度工作总结\"",
            "a heading for the text",
        ),
        TYPE,
        AUDIENCE,
    ],
    rules: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::notes::kinds;
    use crate::load::schema::validate::tests::assert_matches;

    #[test]
    fn every_kind_matches_its_struct() {
        // `type` and `audience` are taken out before the struct is read.
        let shared = ["type", "audience"];
        assert_matches::<kinds::Inspection>(&INSPECTION, &shared);
        assert_matches::<kinds::Check>(&CHECK, &[]);
        assert_matches::<kinds::Review>(&REVIEW, &[]);
        assert_matches::<kinds::Incident>(&INCIDENT, &shared);
        assert_matches::<kinds::WorkOrder>(&WORK_ORDER, &shared);
        assert_matches::<kinds::Signoffs>(&SIGNOFFS, &[]);
        assert_matches::<kinds::Signoff>(&SIGNOFF, &[]);
        assert_matches::<kinds::Faq>(&FAQ, &shared);
        assert_matches::<kinds::Training>(&TRAINING, &shared);
        assert_matches::<kinds::Upgrade>(&UPGRADE, &shared);
        assert_matches::<kinds::Vulnerability>(&VULNERABILITY, &shared);
        assert_matches::<kinds::ReportText>(&REPORT, &shared);
        assert_matches::<kinds::Handin>(&HANDIN, &shared);
    }

    #[test]
    fn type_names_every_kind() {
        for kind in Kind::ALL {
            assert!(KIND_NAMES.contains(&kind.folder()), "{kind:?}");
            assert_eq!(of(kind).name, kind.singular());
        }
    }
}
