//! `opsbook.toml`.

use super::{Field, Rule, Table, Type};

pub static SETTINGS: Table = Table {
    name: "opsbook.toml",
    fields: &[
        Field::optional(
            "project",
            Type::Table(&PROJECT),
            "",
            "the contract and the portal's language",
        ),
        Field::optional("site", Type::Table(&SITE), "", "where the portal is written"),
        Field::optional(
            "logs",
            Type::Table(&LOGS),
            "",
            "the structured logs and their alerts",
        ),
        Field::optional("backups", Type::Tables(&BACKUP), "", "one table per backup set"),
        Field::optional(
            "verify",
            Type::Table(&VERIFY),
            "",
            "bounds and programs of backup verification",
        ),
        Field::optional(
            "redact",
            Type::Table(&REDACT),
            "",
            "what the client's portal masks",
        ),
    ],
    rules: &[],
};

pub static PROJECT: Table = Table {
    name: "[project]",
    fields: &[
        Field::default(
            "name",
            Type::Text,
            "\"\"",
            "\"综合办公平台2025年运维服务项目\"",
            "the project (项目名称)",
        ),
        Field::default(
            "client",
            Type::Text,
            "\"\"",
            "\"西安高新区管委会\"",
            "the client (甲方单位)",
        ),
        Field::default(
            "contractor",
            Type::Text,
            "\"\"",
            "\"某某信息技术有限公司\"",
            "the O&M contractor (运维方)",
        ),
        Field::optional(
            "start",
            Type::Date,
            "2025-01-01",
            "first day of the service period; obligations are counted from here",
        ),
        Field::optional("end", Type::Date, "2025-12-31", "last day of the service period"),
        Field::default(
            "timezone",
            Type::Timezone,
            "\"Asia/Shanghai\"",
            "\"Asia/Shanghai\"",
            "the zone of times written without an offset, and of every day boundary",
        ),
        Field::default(
            "language",
            Type::OneOf(&["zh-CN", "en"]),
            "\"zh-CN\"",
            "\"en\"",
            "the portal's labels",
        ),
    ],
    rules: &[Rule::Order {
        earlier: "start",
        later: "end",
        strict: false,
    }],
};

pub static SITE: Table = Table {
    name: "[site]",
    fields: &[
        Field::default(
            "out",
            Type::Text,
            "\"site\"",
            "\"public\"",
            "the folder the portal is written to",
        ),
        Field::default(
            "base_url",
            Type::Text,
            "\"/\"",
            "\"/ops/\"",
            "where the portal is served",
        ),
        Field::optional(
            "theme",
            Type::Text,
            "\"gov\"",
            "a folder under themes/ whose templates override the built-in ones",
        ),
    ],
    rules: &[],
};

pub static LOGS: Table = Table {
    name: "[logs]",
    fields: &[
        Field::default(
            "paths",
            Type::Globs,
            "[\"logs/**/*.jsonl\", \"logs/**/*.jsonl.zst\"]",
            "[\"/var/log/oa/*.jsonl\"]",
            "the log files, relative to the project or absolute; `**` crosses folders",
        ),
        Field::default(
            "cpu",
            Type::Percent,
            "90",
            "85",
            "a host's daily CPU peak at or over this alerts, unless `[logs.hosts]` or `[logs.roles]` set its own",
        ),
        Field::default("mem", Type::Percent, "90", "85", "the same for memory"),
        Field::default("disk", Type::Percent, "85", "80", "the same for disk"),
        Field::default(
            "pending_after",
            Type::Duration { min: 1 },
            "\"2h\"",
            "\"4h\"",
            "a document pending in the exchange longer than this alerts",
        ),
        Field::default(
            "recent",
            Type::Duration { min: 0 },
            "\"2d\"",
            "\"1d\"",
            "problems in logs this recent fail the run; older ones are reported only",
        ),
        Field::default(
            "top_errors",
            Type::Int { min: 0, max: 1000 },
            "10",
            "20",
            "folded error messages listed per day",
        ),
        Field::default(
            "max_window",
            Type::Size { min: 1024 },
            "\"128MiB\"",
            "\"256MiB\"",
            "`.jsonl.zst`: the largest zstd window a frame may ask for",
        ),
        Field::default(
            "max_ratio",
            Type::Int {
                min: 1,
                max: i64::MAX,
            },
            "1000",
            "100",
            "`.jsonl.zst`: decoded bytes per stored byte, at most (never below 64 MiB per file)",
        ),
        Field::default(
            "max_line",
            Type::Int { min: 1, max: 1 << 30 },
            "1048576",
            "4194304",
            "bytes; a longer line is malformed and skipped",
        ),
        Field::default(
            "metric_interval",
            Type::Duration { min: 60 },
            "\"5m\"",
            "\"1m\"",
            "how often each host sends a `metric` event",
        ),
        Field::default(
            "metric_tolerance",
            Type::Duration { min: 0 },
            "\"2m\"",
            "\"5m\"",
            "a host silent for longer than `metric_interval` plus this has a gap in its server record",
        ),
        Field::optional(
            "roles",
            Type::Map(&Type::Table(&THRESHOLDS)),
            "{ db = { disk = 80 } }",
            "by role name: the cpu, mem and disk thresholds of every host of that role",
        ),
        Field::optional(
            "hosts",
            Type::Map(&Type::Table(&HOST)),
            "{ db-01 = { role = \"db\", cpu = 95 } }",
            "by host name: the host's `role` and its own cpu, mem and disk thresholds",
        ),
        Field::optional(
            "alerts",
            Type::Tables(&ALERT),
            "",
            "alert rules; given, they replace the built-in `failed_logins` and `fatal`",
        ),
    ],
    rules: &[],
};

pub static THRESHOLDS: Table = Table {
    name: "[logs.roles.NAME]",
    fields: &[
        Field::optional("cpu", Type::Percent, "95", "CPU threshold of the role's hosts"),
        Field::optional("mem", Type::Percent, "95", "memory threshold"),
        Field::optional("disk", Type::Percent, "80", "disk threshold"),
    ],
    rules: &[],
};

pub static HOST: Table = Table {
    name: "[logs.hosts.NAME]",
    fields: &[
        Field::optional(
            "role",
            Type::Text,
            "\"db\"",
            "the host's role, whose `[logs.roles]` thresholds apply (else the hardware register's)",
        ),
        Field::optional("cpu", Type::Percent, "95", "the host's own CPU threshold"),
        Field::optional("mem", Type::Percent, "95", "memory threshold"),
        Field::optional("disk", Type::Percent, "80", "disk threshold"),
    ],
    rules: &[],
};

pub static ALERT: Table = Table {
    name: "[[logs.alerts]]",
    fields: &[
        Field::required("name", Type::Text, "\"db_timeouts\"", "the alert's name; unique"),
        Field::optional(
            "label",
            Type::Text,
            "\"数据库连接超时\"",
            "what the portal calls its alerts; without it, the theme's label for the name",
        ),
        Field::optional(
            "level",
            Type::Level,
            "\"ERROR\"",
            "lines at this level (DEBUG, INFO, WARN, ERROR, FATAL)",
        ),
        Field::optional("service", Type::Text, "\"oa-web\"", "lines of this service"),
        Field::optional("host", Type::Text, "\"app01\"", "lines of this host"),
        Field::optional("event", Type::Text, "\"login\"", "lines of this event"),
        Field::optional("outcome", Type::Text, "\"failure\"", "lines with this outcome"),
        Field::optional("status", Type::Text, "\"failed\"", "lines with this status"),
        Field::optional("user", Type::Text, "\"admin\"", "lines of this user"),
        Field::optional("set", Type::Text, "\"oa-db\"", "lines of this backup set"),
        Field::optional(
            "msg_contains",
            Type::Text,
            "\"数据库连接超时\"",
            "lines whose message contains this",
        ),
        Field::optional(
            "by",
            Type::OneOf(&["user", "host", "service", "set", "doc_id"]),
            "\"user\"",
            "count separately per user, host, service, set or doc_id",
        ),
        Field::default(
            "min_count",
            Type::Int {
                min: 1,
                max: i64::MAX,
            },
            "1",
            "5",
            "matching lines per day (and per `by` value) that make an alert",
        ),
    ],
    rules: &[],
};

pub static BACKUP: Table = Table {
    name: "[[backups]]",
    fields: &[
        Field::required("name", Type::Text, "\"oa-db\"", "the set's name; unique"),
        Field::required(
            "path",
            Type::Text,
            "\"/srv/backup/oa-db\"",
            "its folder, relative to opsbook.toml when relative; or `s3://BUCKET/PREFIX` for objects of a bucket",
        ),
        Field::default(
            "include",
            Type::Globs,
            "every file",
            "[\"*.sql.zst\"]",
            "globs relative to `path`; `*` stays in a folder, `**` crosses folders",
        ),
        Field::default(
            "kind",
            Type::OneOf(&["files", "tar", "sqlite", "pgdump", "mysqldump"]),
            "\"files\"",
            "\"pgdump\"",
            "how a restore test is done",
        ),
        Field::optional(
            "manifest",
            Type::Text,
            "\"B3SUMS\"",
            "a b3sum-format digest list, relative to `path`",
        ),
        Field::optional(
            "max_age",
            Type::Duration { min: 1 },
            "\"26h\"",
            "the newest file must be younger than this",
        ),
        Field::optional(
            "min_count",
            Type::Int {
                min: 0,
                max: i64::MAX,
            },
            "7",
            "at least this many files",
        ),
        Field::optional(
            "retain",
            Type::Duration { min: 0 },
            "\"30d\"",
            "a file seen before and younger than this may not disappear",
        ),
        Field::optional(
            "sample",
            Type::Sample,
            "\"1/7\"",
            "verify about K/N of the bytes per run",
        ),
        Field::optional(
            "min_rows",
            Type::Map(&Type::Int {
                min: 0,
                max: i64::MAX,
            }),
            "{ documents = 1 }",
            "sqlite sets: tables that must hold at least N rows",
        ),
        Field::optional(
            "name_time",
            Type::Format {
                shown: "time format",
                parse: |s| crate::load::settings::name_time::NameTime::parse(s).map(|_| ()),
            },
            "\"%Y%m%d\"",
            "how the files' names carry the backup's time (`oa-20251231.sql.zst`); then ages come from the names",
        ),
        Field::optional(
            "restore_command",
            Type::Text,
            "\"pg_restore --list \\\"$OPSBOOK_FILE\\\"\"",
            "an external restore test, run by the shell for each file",
        ),
        Field::optional(
            "endpoint",
            Type::Text,
            "\"http://minio.local:9000\"",
            "s3:// sets: the service's address; default: `AWS_ENDPOINT`, else AWS",
        ),
        Field::optional(
            "region",
            Type::Text,
            "\"cn-north-4\"",
            "s3:// sets: the region; default: `AWS_DEFAULT_REGION`, else `us-east-1`",
        ),
        Field::default(
            "addressing",
            Type::OneOf(&["path", "virtual"]),
            "\"path\"",
            "\"virtual\"",
            "s3:// sets: the bucket in the path (MinIO) or in the host name (OSS, AWS)",
        ),
    ],
    rules: &[],
};

pub static VERIFY: Table = Table {
    name: "[verify]",
    fields: &[
        Field::default(
            "max_window",
            Type::Size { min: 1024 },
            "\"128MiB\"",
            "\"2GiB\"",
            "the largest zstd window a frame may ask for",
        ),
        Field::default(
            "max_ratio",
            Type::Int {
                min: 1,
                max: i64::MAX,
            },
            "1000",
            "50",
            "decoded bytes per stored byte, at most (never below 64 MiB per file)",
        ),
        Field::default(
            "restore_timeout",
            Type::Duration { min: 1 },
            "\"1h\"",
            "\"20m\"",
            "how long pg_restore and a restore_command may run per file",
        ),
        Field::optional(
            "temp_dir",
            Type::Text,
            "\"/var/tmp\"",
            "where restored copies are written; default: the system's temporary folder",
        ),
        Field::default(
            "pg_restore",
            Type::Text,
            "\"pg_restore\"",
            "\"/usr/lib/postgresql/16/bin/pg_restore\"",
            "the program that reads custom-format dumps",
        ),
        Field::default(
            "mmap",
            Type::Bool,
            "true",
            "false",
            "read large files through a memory map; `false` where backup jobs may still be writing",
        ),
        Field::default(
            "retries",
            Type::Int { min: 0, max: 100 },
            "3",
            "5",
            "s3:// sets: how often a failed or stalled request is tried again",
        ),
        Field::default(
            "request_timeout",
            Type::Duration { min: 1 },
            "\"30s\"",
            "\"2m\"",
            "s3:// sets: how long a request may wait for its answer or its next bytes",
        ),
    ],
    rules: &[],
};

pub static REDACT: Table = Table {
    name: "[redact]",
    fields: &[
        Field::default(
            "disable",
            Type::ListOf(&["phone", "landline", "id_card", "email", "ip", "secret"]),
            "[]",
            "[\"landline\"]",
            "built-in rules to leave out",
        ),
        Field::default(
            "secret_keys",
            Type::Texts,
            "[]",
            "[\"db_pass\"]",
            "more keys whose values are secrets (besides password, token, secret, apikey …)",
        ),
        Field::optional(
            "patterns",
            Type::Tables(&PATTERN),
            "",
            "rules of the project's own",
        ),
    ],
    rules: &[],
};

pub static PATTERN: Table = Table {
    name: "[[redact.patterns]]",
    fields: &[
        Field::required("name", Type::Text, "\"工号\"", "the rule's name"),
        Field::required(
            "regex",
            Type::Regex,
            "'GH\\d{6}'",
            "what it masks; a group named `value` masks only that group",
        ),
        Field::default(
            "keep_start",
            Type::Int { min: 0, max: 1000 },
            "0",
            "2",
            "characters left visible at the start",
        ),
        Field::default(
            "keep_end",
            Type::Int { min: 0, max: 1000 },
            "0",
            "0",
            "characters left visible at the end",
        ),
    ],
    rules: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::schema::validate::tests::assert_matches;

    #[test]
    fn every_table_matches_its_struct() {
        assert_matches::<crate::load::settings::Settings>(&SETTINGS, &[]);
        assert_matches::<crate::load::settings::ProjectSettings>(&PROJECT, &[]);
        assert_matches::<crate::load::settings::SiteSettings>(&SITE, &[]);
        assert_matches::<crate::load::settings::LogSettings>(&LOGS, &[]);
        assert_matches::<crate::load::settings::logs::AlertRule>(&ALERT, &[]);
        assert_matches::<crate::load::settings::logs::Thresholds>(&THRESHOLDS, &[]);
        assert_matches::<crate::load::settings::logs::HostSettings>(&HOST, &[]);
        assert_matches::<crate::load::settings::BackupSet>(&BACKUP, &[]);
        assert_matches::<crate::load::settings::VerifySettings>(&VERIFY, &[]);
        assert_matches::<crate::load::settings::RedactSettings>(&REDACT, &[]);
        assert_matches::<crate::load::settings::redact::PatternSettings>(&PATTERN, &[]);
    }
}
