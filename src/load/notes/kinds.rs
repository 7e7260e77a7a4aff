//! The note kinds, one typed struct each. Their keys, types and rules are
//! described in [`crate::load::schema::notes`], which validates a note key
//! by key before it is read into these structs, so that a note with three
//! mistakes gets three diagnostics, not serde's first one; tests hold each
//! struct to its schema. The keys every kind shares (`type`, `audience`)
//! are taken out before deserializing.

use serde::{Deserialize, Serialize};

use crate::period::Period;
use crate::time::{ClockTime, Day, Timestamp};

/// A note's kind: the folder under `content/`, or its `type` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Inspection,
    Incident,
    #[serde(rename = "workorder")]
    WorkOrder,
    Faq,
    Training,
    Upgrade,
    Vulnerability,
    Report,
    Handin,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Inspection,
        Kind::Incident,
        Kind::WorkOrder,
        Kind::Faq,
        Kind::Training,
        Kind::Upgrade,
        Kind::Vulnerability,
        Kind::Report,
        Kind::Handin,
    ];

    /// The folder under `content/` that holds notes of this kind; also the
    /// name schedules use (`kind = "inspections"`).
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Inspection => "inspections",
            Kind::Incident => "incidents",
            Kind::WorkOrder => "workorders",
            Kind::Faq => "faq",
            Kind::Training => "trainings",
            Kind::Upgrade => "upgrades",
            Kind::Vulnerability => "vulnerabilities",
            Kind::Report => "reports",
            Kind::Handin => "handins",
        }
    }

    /// Accepts the folder name or the singular (`incidents`, `incident`).
    pub fn from_name(name: &str) -> Option<Kind> {
        let name = name.trim().to_ascii_lowercase();
        Kind::ALL.into_iter().find(|k| {
            let folder = k.folder();
            name == folder || Some(name.as_str()) == folder.strip_suffix('s') || name == k.singular()
        })
    }

    pub fn singular(self) -> &'static str {
        match self {
            Kind::Inspection => "inspection",
            Kind::Incident => "incident",
            Kind::WorkOrder => "workorder",
            Kind::Faq => "faq",
            Kind::Training => "training",
            Kind::Upgrade => "upgrade",
            Kind::Vulnerability => "vulnerability",
            Kind::Report => "report",
            Kind::Handin => "handin",
        }
    }

    /// The body sections (markdown headings) the contract's form has.
    pub fn sections(self) -> &'static [&'static str] {
        match self {
            Kind::Inspection => &["检查内容", "巡检结果分析"],
            Kind::Incident => &["原因分析", "处理方法", "处理结果", "预防措施"],
            Kind::WorkOrder => &["影响性分析", "评审意见", "工作结果", "备注"],
            Kind::Vulnerability => &["漏洞描述", "修复措施", "复测结果"],
            _ => &[],
        }
    }

    /// The id prefix (`INC-`); empty for inspections (`YYMMDD-NN`).
    pub fn id_prefix(self) -> Option<&'static str> {
        match self {
            Kind::Inspection => Some(""),
            Kind::Incident => Some("INC-"),
            Kind::WorkOrder => Some("WO-"),
            Kind::Faq => Some("FAQ-"),
            Kind::Training => Some("TR-"),
            Kind::Upgrade => Some("UP-"),
            Kind::Vulnerability => Some("VUL-"),
            Kind::Report | Kind::Handin => None,
        }
    }
}

/// The typed front matter of a note.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Meta {
    Inspection(Inspection),
    Incident(Incident),
    WorkOrder(WorkOrder),
    Faq(Faq),
    Training(Training),
    Upgrade(Upgrade),
    Vulnerability(Vulnerability),
    Report(ReportText),
    Handin(Handin),
}

impl Meta {
    pub fn kind(&self) -> Kind {
        match self {
            Meta::Inspection(_) => Kind::Inspection,
            Meta::Incident(_) => Kind::Incident,
            Meta::WorkOrder(_) => Kind::WorkOrder,
            Meta::Faq(_) => Kind::Faq,
            Meta::Training(_) => Kind::Training,
            Meta::Upgrade(_) => Kind::Upgrade,
            Meta::Vulnerability(_) => Kind::Vulnerability,
            Meta::Report(_) => Kind::Report,
            Meta::Handin(_) => Kind::Handin,
        }
    }

    /// The note's id; report texts are known by their period.
    pub fn id(&self) -> String {
        match self {
            Meta::Inspection(m) => m.id.clone(),
            Meta::Incident(m) => m.id.clone(),
            Meta::WorkOrder(m) => m.id.clone(),
            Meta::Faq(m) => m.id.clone(),
            Meta::Training(m) => m.id.clone(),
            Meta::Upgrade(m) => m.id.clone(),
            Meta::Vulnerability(m) => m.id.clone(),
            Meta::Report(m) => format!("report-{}", m.period),
            Meta::Handin(m) => format!("handin-{}", m.period),
        }
    }

    /// The day the note is about, in the project's timezone: its `date`, or
    /// the moment it starts (`reported_at`, `requested_at`, `window_start`,
    /// `found_at`). FAQ entries and report texts have none.
    pub fn day(&self, tz: chrono_tz::Tz) -> Option<chrono::NaiveDate> {
        match self {
            Meta::Inspection(m) => Some(m.date.0),
            Meta::Incident(m) => Some(m.reported_at.date_in(tz)),
            Meta::WorkOrder(m) => Some(m.requested_at.date_in(tz)),
            Meta::Training(m) => Some(m.date.0),
            Meta::Upgrade(m) => Some(m.window_start.date_in(tz)),
            Meta::Vulnerability(m) => Some(m.found_at.date_in(tz)),
            Meta::Faq(_) | Meta::Report(_) | Meta::Handin(_) => None,
        }
    }
}

// ---------------------------------------------------------------------------
// 3.1 Inspection — 软件巡检记录单

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inspection {
    pub id: String,
    pub date: Day,
    #[serde(default)]
    pub cycle: Cycle,
    /// 巡检人
    pub inspector: String,
    /// 记录人; defaults to the git author of the file.
    pub recorder: Option<String>,
    /// 检查方式
    pub method: Method,
    pub start: Option<ClockTime>,
    pub end: Option<ClockTime>,
    #[serde(default)]
    pub checks: Vec<Check>,
    pub review: Option<Review>,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cycle {
    #[default]
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Adhoc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// 远程
    Remote,
    /// 现场
    Onsite,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub item: String,
    pub result: CheckResult,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckResult {
    Ok,
    Warn,
    Fail,
    Na,
}

/// The client's sign-off of an inspection record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub name: String,
    pub date: Option<Day>,
    pub rating: Rating,
    pub opinion: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    Fair,
    /// 不满意
    Unsatisfied,
}

// ---------------------------------------------------------------------------
// 3.2 Incident — 故障

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub severity: IncidentSeverity,
    pub category: Option<String>,
    #[serde(default)]
    pub modules: Vec<String>,
    /// 故障时间
    pub reported_at: Timestamp,
    pub responded_at: Option<Timestamp>,
    #[serde(default)]
    pub onsite_required: bool,
    pub onsite_at: Option<Timestamp>,
    #[serde(default)]
    pub escalation: Escalation,
    /// Absent while the incident is open.
    pub resolved_at: Option<Timestamp>,
    pub engineers: Vec<String>,
    /// The FAQ entry written for it.
    pub faq: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentSeverity {
    /// 一般
    General,
    /// 重大
    Major,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    #[default]
    None,
    /// 运维支撑工程师
    Support,
    /// 第三方
    ThirdParty,
}

// ---------------------------------------------------------------------------
// 3.3 Work order — 项目工单

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkOrder {
    pub id: String,
    /// 工作事由
    pub title: String,
    /// 申请时间
    pub requested_at: Timestamp,
    /// 服务单位
    pub unit: Option<String>,
    /// 服务地点
    pub location: Option<String>,
    pub contact: Option<String>,
    pub phone: Option<String>,
    /// 需求提出人部门
    pub requester_dept: Option<String>,
    #[serde(default)]
    pub signoffs: Signoffs,
    #[serde(default)]
    pub status: WorkOrderStatus,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signoffs {
    /// 需求提出人签字
    pub requester: Option<Signoff>,
    /// 操作人员签字
    pub operator: Option<Signoff>,
    /// 项目经理签字
    pub manager: Option<Signoff>,
    /// 工业和信息化局签字
    pub authority: Option<Signoff>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signoff {
    pub name: String,
    pub date: Option<Day>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkOrderStatus {
    #[default]
    Open,
    Approved,
    Done,
    Rejected,
}

// ---------------------------------------------------------------------------
// 3.4 FAQ — 常见问题及解决方案

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub id: String,
    /// 问题描述
    pub question: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Related incident ids.
    #[serde(default)]
    pub incidents: Vec<String>,
}

// ---------------------------------------------------------------------------
// 3.5 Training — 定期培训

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    pub id: String,
    pub date: Day,
    pub topic: String,
    pub trainer: Option<String>,
    /// Who was trained, e.g. 各部门办公人员.
    pub participants: Option<String>,
    /// How many attended.
    pub attendees: Option<u32>,
}

// ---------------------------------------------------------------------------
// 3.6 Upgrade — 软件升级

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upgrade {
    pub id: String,
    pub version: String,
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    pub tested_percent: Option<f64>,
    pub rollback_plan: Option<RollbackPlan>,
    pub outcome: Option<UpgradeOutcome>,
    pub title: Option<String>,
}

/// `rollback_plan = true` or the plan itself as text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RollbackPlan {
    Present(bool),
    Text(String),
}

impl RollbackPlan {
    pub fn is_present(&self) -> bool {
        match self {
            RollbackPlan::Present(b) => *b,
            RollbackPlan::Text(t) => !t.trim().is_empty(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpgradeOutcome {
    Success,
    RolledBack,
    Failed,
}

// ---------------------------------------------------------------------------
// 3.7 Vulnerability — 安全漏洞

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vulnerability {
    pub id: String,
    pub title: String,
    /// Who reported it (网信部门, 公安部门, 大数据局, 等保测评机构 …).
    pub source: String,
    pub severity: VulnSeverity,
    pub found_at: Timestamp,
    /// Absent while the finding is open.
    pub fixed_at: Option<Timestamp>,
    /// When the re-test passed.
    pub verified_at: Option<Timestamp>,
    #[serde(default)]
    pub systems: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VulnSeverity {
    /// 高
    High,
    /// 中
    Medium,
    /// 低
    Low,
}

// ---------------------------------------------------------------------------
// 3.8 Report text

/// Hand-written text placed at the top of a generated report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportText {
    pub period: Period,
    pub title: Option<String>,
}

// ---------------------------------------------------------------------------
// Hand-in — the client's sign-off of a period's archive (签署意见)

/// The client administrator's sign-off of a period's hand-in archive:
/// `content/handins/2025-11.md`, its body the 签署意见.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handin {
    /// The period the archive holds.
    pub period: Period,
    /// The archive's digest: the BLAKE3 of its `B3SUMS`, as `opsbook
    /// archive` prints it.
    pub digest: String,
    /// Who signed it off for the client (签署人).
    pub name: String,
    /// When (签署日期).
    pub date: Day,
    /// The service rating for the period (服务评价).
    pub rating: Rating,
}
