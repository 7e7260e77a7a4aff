//! Rules of a single note that need more than its front matter: the
//! quarterly checklist from `schedules/`, the platform's modules, the
//! sign-offs of a finished work order. (Each key's form, and the rules
//! between keys, such as the id's date and the order of times, are checked
//! when the note is read, against its kind's schema.)

use crate::diag::Diagnostic;
use crate::load::notes::Note;
use crate::load::notes::kinds::{Cycle, Meta, WorkOrderStatus};
use crate::load::schedules::Schedules;

/// The platform's modules, as the contract names them.
pub const MODULES: [&str; 11] = [
    "综合办公",
    "会议管理",
    "日程管理",
    "通知公告",
    "公文传输",
    "个人云盘",
    "资料库",
    "个人设置",
    "OFD阅读",
    "OFD转换",
    "在线编辑",
];

pub fn check(note: &Note, schedules: &Schedules) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    match &note.meta {
        Meta::Inspection(m) if m.cycle == Cycle::Quarterly => {
            let missing: Vec<&str> = schedules
                .quarterly_checklist()
                .iter()
                .filter(|item| !m.checks.iter().any(|c| &c.item == *item))
                .map(|s| s.as_str())
                .collect();
            if !missing.is_empty() {
                out.push(
                    note.error("checks", format!("the quarterly inspection does not cover: {}", missing.join("、")))
                        .with_hint("add a [[checks]] table with `item = \"…\"` and its result for each item of the quarterly checklist in schedules/"),
                );
            }
        }
        Meta::Incident(m) => {
            for (i, module) in m.modules.iter().enumerate() {
                if !MODULES.contains(&module.as_str()) {
                    out.push(
                        note.warning(
                            &format!("modules.{i}"),
                            format!("`{module}` is not one of the platform's modules"),
                        )
                        .with_hint(format!("the contract's modules are: {}", MODULES.join("、"))),
                    );
                }
            }
        }
        Meta::WorkOrder(m) if m.status == WorkOrderStatus::Done => {
            let s = &m.signoffs;
            let missing: Vec<&str> = [
                ("requester", s.requester.is_some()),
                ("operator", s.operator.is_some()),
                ("manager", s.manager.is_some()),
                ("authority", s.authority.is_some()),
            ]
            .into_iter()
            .filter(|(_, present)| !present)
            .map(|(name, _)| name)
            .collect();
            if !missing.is_empty() {
                out.push(
                    note.warning(
                        "status",
                        format!(
                            "the work order is done but lacks the sign-offs of: {}",
                            missing.join(", ")
                        ),
                    )
                    .with_hint("add them under [signoffs] as `name = { name = \"…\", date = 2025-04-02 }`"),
                );
            }
        }
        _ => {}
    }
    out
}
