//! The files of `schedules/`.

use super::{Field, Table, Type};

pub static SCHEDULE: Table = Table {
    name: "a schedule file",
    fields: &[
        Field::optional(
            "obligation",
            Type::Tables(&OBLIGATION),
            "",
            "something the contract requires once every period",
        ),
        Field::optional("sla", Type::Table(&SLA), "", "response and resolution limits"),
        Field::optional(
            "checklists",
            Type::Map(&Type::Texts),
            "{ quarterly = [\"系统备份\", \"系统漏洞\"] }",
            "the items `opsbook new inspection --cycle C` lists, by cycle; `quarterly` is also what a quarterly inspection must cover",
        ),
        Field::optional(
            "evidence",
            Type::Table(&EVIDENCE),
            "",
            "which of the machines' evidence speaks to each checklist item",
        ),
    ],
    rules: &[],
};

/// The names of the evidence an inspection item can be held against
/// (`crate::load::schedules::Source`).
pub const SOURCES: &[&str] = &[
    "backup_jobs",
    "verification",
    "exchange",
    "failed_logins",
    "metrics",
    "incidents",
];

pub static EVIDENCE: Table = Table {
    name: "[evidence]",
    fields: &[
        Field::optional(
            "items",
            Type::Map(&Type::ListOf(SOURCES)),
            "{ \"备份任务结果\" = [\"backup_jobs\", \"verification\"] }",
            "by checklist item: the evidence it is held against (an empty list: none)",
        ),
        Field::optional(
            "counts",
            Type::Table(&COUNTS),
            "",
            "how a count is written in an inspection's text, `{n}` standing for the number",
        ),
    ],
    rules: &[],
};

pub static COUNTS: Table = Table {
    name: "[evidence.counts]",
    fields: &[
        Field::optional(
            "failed_logins",
            Type::Texts,
            "[\"失败登录 {n} 次\"]",
            "the day's failed logins",
        ),
        Field::optional(
            "exchange_failed",
            Type::Texts,
            "[\"交换失败 {n} 件\"]",
            "the day's failed document exchanges",
        ),
    ],
    rules: &[],
};

pub static OBLIGATION: Table = Table {
    name: "[[obligation]]",
    fields: &[
        Field::required(
            "name",
            Type::Text,
            "\"软件巡检报告\"",
            "what the contract calls it",
        ),
        Field::required(
            "every",
            Type::OneOf(&["day", "week", "month", "quarter", "year"]),
            "\"day\"",
            "its period",
        ),
        Field::required(
            "kind",
            Type::Kind,
            "\"inspections\"",
            "notes of this kind satisfy it",
        ),
        Field::optional(
            "where",
            Type::Map(&Type::Scalar),
            "{ cycle = \"daily\" }",
            "… when these front-matter keys have these values",
        ),
        Field::default(
            "grace",
            Type::Duration { min: 0 },
            "\"0s\"",
            "\"1d\"",
            "how late after its period the note may be written",
        ),
    ],
    rules: &[],
};

const LIMIT: Type = Type::Duration { min: 1 };

pub static SLA: Table = Table {
    name: "[sla]",
    fields: &[
        Field::default(
            "general_resolve",
            LIMIT,
            "\"2h\"",
            "\"2h\"",
            "a general incident is resolved within this",
        ),
        Field::default(
            "major_resolve",
            LIMIT,
            "\"8h\"",
            "\"8h\"",
            "a major incident is resolved within this",
        ),
        Field::default(
            "onsite_arrival",
            LIMIT,
            "\"1h\"",
            "\"1h\"",
            "on site within this, when needed and not escalated",
        ),
        Field::default(
            "support_onsite",
            LIMIT,
            "\"2h\"",
            "\"2h\"",
            "the support engineer on site within this, when escalated",
        ),
        Field::default(
            "third_party_resolve",
            LIMIT,
            "\"12h\"",
            "\"12h\"",
            "a third party resolves within this",
        ),
        Field::default(
            "upgrade_window",
            LIMIT,
            "\"1h\"",
            "\"1h\"",
            "an upgrade's window is at most this",
        ),
        Field::default(
            "upgrade_tested_percent",
            Type::Percent,
            "80",
            "80",
            "an upgrade tests at least this share of the functions",
        ),
        Field::default(
            "faq_after_resolve",
            LIMIT,
            "\"7d\"",
            "\"7d\"",
            "a resolved incident has its FAQ entry within this",
        ),
        Field::default(
            "vuln_high_fix",
            LIMIT,
            "\"7d\"",
            "\"7d\"",
            "a high-severity finding is fixed within this",
        ),
        Field::default(
            "vuln_medium_fix",
            LIMIT,
            "\"30d\"",
            "\"30d\"",
            "a medium one within this",
        ),
        Field::default(
            "vuln_low_fix",
            LIMIT,
            "\"90d\"",
            "\"90d\"",
            "a low one within this",
        ),
    ],
    rules: &[],
};
