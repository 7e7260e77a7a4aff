//! The files of `content/hardware/`: one device of the hardware register
//! (硬件设备记录) each.

use super::{Field, Rule, Table, Type};

pub static DEVICE: Table = Table {
    name: "a hardware file",
    fields: &[
        Field::required(
            "name",
            Type::Title,
            "\"db-01\"",
            "the device's name; for a server, the `host` its logs carry; unique",
        ),
        Field::optional(
            "role",
            Type::Text,
            "\"db\"",
            "what it does (`app`, `db`, `gateway`, `storage`); its `[logs.roles]` thresholds apply",
        ),
        Field::optional("model", Type::Text, "\"华为 TaiShan 200 2280\"", "型号"),
        Field::optional("serial", Type::Text, "\"2102312RKH10M3000112\"", "序列号"),
        Field::optional("location", Type::Text, "\"管委会机房 A03 机柜 12U\"", "安装位置"),
        Field::optional(
            "ip",
            Type::Text,
            "\"10.20.1.21\"",
            "IP 地址; masked in the client's portal",
        ),
        Field::optional("os", Type::Text, "\"openEuler 22.03 LTS SP3\"", "操作系统"),
        Field::optional("purchased", Type::Date, "2023-06-15", "购置日期"),
        Field::optional(
            "warranty_until",
            Type::Date,
            "2026-06-14",
            "保修截止; flagged when it ends within the service period",
        ),
        Field::optional("engineer", Type::Name, "\"李工\"", "责任工程师"),
        Field::optional(
            "changes",
            Type::Tables(&CHANGE),
            "",
            "the device's change log (disk replaced, memory added, moved)",
        ),
    ],
    rules: &[Rule::Order {
        earlier: "purchased",
        later: "warranty_until",
        strict: false,
    }],
};

pub static CHANGE: Table = Table {
    name: "[[changes]]",
    fields: &[
        Field::required("date", Type::Date, "2025-08-12", "when"),
        Field::required(
            "what",
            Type::Title,
            "\"更换 2 号硬盘（原盘 SMART 告警）\"",
            "what was changed",
        ),
        Field::optional("by", Type::Name, "\"李工\"", "who did it"),
    ],
    rules: &[],
};
