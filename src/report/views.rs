//! Each note kind as its page shows it: the contract's forms (软件巡检记录单,
//! 项目工单), the fault analysis report, the FAQ table, the registers; and the
//! short rows lists and summaries show.
//!
//! Every text comes through [`Ctx::text`], so the client's model holds only
//! masked values. Days are dates and times are [`Timestamp`]s in the
//! project's timezone (both written as RFC 3339 text); durations are
//! [`Dur`]s (`2h30m`); enumerations keep their front-matter codes (`general`,
//! `onsite`), which the templates turn into labels of the portal's language.
//!
//! Nothing here is judged again: open or closed, the time taken, the limit
//! and whether it was kept come from the note's SLA outcomes ([`Standing`]);
//! a time the note records that had not happened by the record's moment (a
//! fix dated after `--now`) is not shown.

use chrono::NaiveDate;
use serde::Serialize;

use super::note::{Ctx, FormBody, NoteInfo, NoteRef, SectionView};
use super::outcome::{OutcomeView, Standing, Status};
use crate::duration::Dur;
use crate::load::notes::kinds::{
    CheckResult, Cycle, Escalation, IncidentSeverity, Method, Rating, RollbackPlan, Signoff, UpgradeOutcome,
    VulnSeverity, WorkOrderStatus,
};
use crate::load::notes::{Note, kinds};
use crate::time::{ClockTime, Timestamp};

/// Every note's view, sorted into its kind's list (by day, then id).
#[derive(Debug, Clone, Default)]
pub struct Views {
    pub inspections: Vec<InspectionView>,
    pub incidents: Vec<IncidentView>,
    pub workorders: Vec<WorkOrderView>,
    pub faq: Vec<FaqView>,
    pub trainings: Vec<TrainingView>,
    pub upgrades: Vec<UpgradeView>,
    pub vulnerabilities: Vec<VulnerabilityView>,
    pub texts: Vec<ReportTextView>,
    /// The client's sign-offs of handed-in archives.
    pub handins: Vec<super::handins::HandinView>,
}

// ---------------------------------------------------------------------------
// 软件巡检记录单

#[derive(Debug, Clone, Serialize)]
pub struct InspectionView {
    pub note: NoteInfo,
    pub date: NaiveDate,
    pub cycle: Cycle,
    /// 巡检人
    pub inspector: String,
    /// 记录人: as written, else the git author of the file.
    pub recorder: Option<String>,
    pub recorder_from_git: bool,
    /// 检查方式
    pub method: Method,
    pub start: Option<ClockTime>,
    pub end: Option<ClockTime>,
    pub checks: Vec<CheckView>,
    pub counts: CheckCounts,
    pub review: Option<ReviewView>,
    pub intro: Option<String>,
    /// 检查内容
    pub content: Option<String>,
    /// 巡检结果分析
    pub analysis: Option<String>,
    pub other: Vec<SectionView>,
    /// Held against the machines' evidence of its day, when there was some.
    pub evidence: Option<super::evidence::EvidenceCheckView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub item: String,
    pub result: CheckResult,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CheckCounts {
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    pub na: usize,
}

/// The client's sign-off of an inspection record.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    pub name: String,
    pub date: Option<NaiveDate>,
    pub rating: Rating,
    pub opinion: Option<String>,
}

impl InspectionView {
    pub fn new(info: NoteInfo, note: &Note, m: &kinds::Inspection, ctx: &Ctx) -> Self {
        let FormBody { intro, named, other } = ctx.form_body(&note.body, &["检查内容", "巡检结果分析"]);
        let mut named = named.into_iter();
        let (recorder, recorder_from_git) = match &m.recorder {
            Some(r) => (Some(ctx.text(r)), false),
            None => {
                let git = ctx.git_author(&note.path).map(|a| ctx.text(&a));
                let from_git = git.is_some();
                (git, from_git)
            }
        };
        let mut counts = CheckCounts::default();
        for c in &m.checks {
            match c.result {
                CheckResult::Ok => counts.ok += 1,
                CheckResult::Warn => counts.warn += 1,
                CheckResult::Fail => counts.fail += 1,
                CheckResult::Na => counts.na += 1,
            }
        }
        InspectionView {
            note: info,
            date: m.date.0,
            cycle: m.cycle,
            inspector: ctx.text(&m.inspector),
            recorder,
            recorder_from_git,
            method: m.method,
            start: m.start,
            end: m.end,
            checks: m
                .checks
                .iter()
                .map(|c| CheckView {
                    item: ctx.text(&c.item),
                    result: c.result,
                    note: ctx.opt(&c.note),
                })
                .collect(),
            counts,
            review: m.review.as_ref().map(|r| ReviewView {
                name: ctx.text(&r.name),
                date: r.date.map(|d| d.0),
                rating: r.rating,
                opinion: ctx.opt(&r.opinion),
            }),
            intro,
            content: named.next().flatten(),
            analysis: named.next().flatten(),
            other,
            evidence: None,
        }
    }
}

/// An inspection in lists, calendars and summaries.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionRow {
    pub id: String,
    pub url: String,
    pub date: NaiveDate,
    pub cycle: Cycle,
    pub inspector: String,
    pub method: Method,
    pub counts: CheckCounts,
    pub rating: Option<Rating>,
}

impl From<&InspectionView> for InspectionRow {
    fn from(v: &InspectionView) -> Self {
        InspectionRow {
            id: v.note.id.clone(),
            url: v.note.url.clone(),
            date: v.date,
            cycle: v.cycle,
            inspector: v.inspector.clone(),
            method: v.method,
            counts: v.counts,
            rating: v.review.as_ref().map(|r| r.rating),
        }
    }
}

/// A client's review of an inspection, for the sign-off register.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewRow {
    pub id: String,
    pub url: String,
    pub date: NaiveDate,
    pub cycle: Cycle,
    pub review: ReviewView,
}

impl ReviewRow {
    pub fn of(v: &InspectionView) -> Option<ReviewRow> {
        Some(ReviewRow {
            id: v.note.id.clone(),
            url: v.note.url.clone(),
            date: v.date,
            cycle: v.cycle,
            review: v.review.clone()?,
        })
    }
}

// ---------------------------------------------------------------------------
// 故障 and its fault analysis report

#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    pub note: NoteInfo,
    pub severity: IncidentSeverity,
    pub category: Option<String>,
    pub modules: Vec<String>,
    pub reported_at: Timestamp,
    pub responded_at: Option<Timestamp>,
    pub onsite_required: bool,
    pub onsite_at: Option<Timestamp>,
    pub escalation: Escalation,
    /// When it was resolved; `None` while open at the record's moment.
    pub resolved_at: Option<Timestamp>,
    pub open: bool,
    /// From report to resolution, once resolved.
    pub time_to_resolve: Option<Dur>,
    /// The limit of its resolve rule.
    pub limit: Option<Dur>,
    pub engineers: Vec<String>,
    pub timeline: Vec<TimelineEvent>,
    /// The FAQ entry written for it: its own `faq` key, or an entry listing it.
    pub faq: Vec<NoteRef>,
    /// Its SLA outcomes: resolution, arrival on site, FAQ entry.
    pub sla: Vec<OutcomeView>,
    pub intro: Option<String>,
    /// 原因分析
    pub cause: Option<String>,
    /// 处理方法
    pub handling: Option<String>,
    /// 处理结果
    pub result: Option<String>,
    /// 预防措施
    pub prevention: Option<String>,
    pub other: Vec<SectionView>,
}

/// One step of an incident: `reported`, `responded`, `onsite`, `resolved`.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    pub event: &'static str,
    pub at: Timestamp,
    /// Since the report.
    pub elapsed: Dur,
}

impl IncidentView {
    pub fn new(
        info: NoteInfo,
        note: &Note,
        m: &kinds::Incident,
        faq: Vec<NoteRef>,
        sla: Vec<OutcomeView>,
        ctx: &Ctx,
    ) -> Self {
        let FormBody { intro, named, other } =
            ctx.form_body(&note.body, &["原因分析", "处理方法", "处理结果", "预防措施"]);
        let mut named = named.into_iter();
        let standing = Standing::of(&sla);
        // Resolved means its resolve rule has ended: the time is shown only then.
        let resolved_at = m.resolved_at.filter(|_| !standing.open);
        let reported_at = ctx.time(&m.reported_at);
        let responded_at = ctx.happened(&m.responded_at);
        let onsite_at = ctx.happened(&m.onsite_at);
        let resolved_at = resolved_at.map(|t| ctx.time(&t));
        let mut timeline = vec![TimelineEvent {
            event: "reported",
            at: reported_at,
            elapsed: Dur::default(),
        }];
        for (event, at) in [
            ("responded", responded_at),
            ("onsite", onsite_at),
            ("resolved", resolved_at),
        ] {
            if let Some(at) = at {
                timeline.push(TimelineEvent {
                    event,
                    at,
                    elapsed: Dur::from_chrono(at.0 - reported_at.0),
                });
            }
        }
        timeline.sort_by_key(|e| e.elapsed);
        IncidentView {
            note: info,
            severity: m.severity,
            category: ctx.opt(&m.category),
            modules: ctx.texts(&m.modules),
            reported_at,
            responded_at,
            onsite_required: m.onsite_required,
            onsite_at,
            escalation: m.escalation,
            resolved_at,
            open: standing.open,
            time_to_resolve: standing.took,
            limit: standing.limit,
            engineers: ctx.texts(&m.engineers),
            timeline,
            faq,
            sla,
            intro,
            cause: named.next().flatten(),
            handling: named.next().flatten(),
            result: named.next().flatten(),
            prevention: named.next().flatten(),
            other,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentRow {
    pub id: String,
    pub url: String,
    pub title: String,
    pub severity: IncidentSeverity,
    pub category: Option<String>,
    pub reported_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub open: bool,
    pub time_to_resolve: Option<Dur>,
    /// The worst of its SLA outcomes.
    pub sla: Option<Status>,
}

impl From<&IncidentView> for IncidentRow {
    fn from(v: &IncidentView) -> Self {
        IncidentRow {
            id: v.note.id.clone(),
            url: v.note.url.clone(),
            title: v.note.title.clone(),
            severity: v.severity,
            category: v.category.clone(),
            reported_at: v.reported_at,
            resolved_at: v.resolved_at,
            open: v.open,
            time_to_resolve: v.time_to_resolve,
            sla: super::outcome::worst(&v.sla),
        }
    }
}

// ---------------------------------------------------------------------------
// 项目工单

#[derive(Debug, Clone, Serialize)]
pub struct WorkOrderView {
    pub note: NoteInfo,
    /// 申请时间
    pub requested_at: Timestamp,
    /// 服务单位
    pub unit: Option<String>,
    /// 服务地点
    pub location: Option<String>,
    /// 联系人
    pub contact: Option<String>,
    /// 电话
    pub phone: Option<String>,
    /// 需求提出人部门
    pub requester_dept: Option<String>,
    pub status: WorkOrderStatus,
    pub signoffs: SignoffsView,
    pub intro: Option<String>,
    /// 影响性分析
    pub impact: Option<String>,
    /// 评审意见
    pub review: Option<String>,
    /// 工作结果
    pub outcome: Option<String>,
    /// 备注
    pub remarks: Option<String>,
    pub other: Vec<SectionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignoffsView {
    /// 需求提出人签字
    pub requester: Option<SignoffView>,
    /// 操作人员签字
    pub operator: Option<SignoffView>,
    /// 项目经理签字
    pub manager: Option<SignoffView>,
    /// 工业和信息化局签字
    pub authority: Option<SignoffView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignoffView {
    pub name: String,
    pub date: Option<NaiveDate>,
}

impl WorkOrderView {
    pub fn new(info: NoteInfo, note: &Note, m: &kinds::WorkOrder, ctx: &Ctx) -> Self {
        let FormBody { intro, named, other } =
            ctx.form_body(&note.body, &["影响性分析", "评审意见", "工作结果", "备注"]);
        let mut named = named.into_iter();
        let signoff = |s: &Option<Signoff>| {
            s.as_ref().map(|s| SignoffView {
                name: ctx.text(&s.name),
                date: s.date.map(|d| d.0),
            })
        };
        WorkOrderView {
            note: info,
            requested_at: ctx.time(&m.requested_at),
            unit: ctx.opt(&m.unit),
            location: ctx.opt(&m.location),
            contact: ctx.opt(&m.contact),
            phone: ctx.opt(&m.phone),
            requester_dept: ctx.opt(&m.requester_dept),
            status: m.status,
            signoffs: SignoffsView {
                requester: signoff(&m.signoffs.requester),
                operator: signoff(&m.signoffs.operator),
                manager: signoff(&m.signoffs.manager),
                authority: signoff(&m.signoffs.authority),
            },
            intro,
            impact: named.next().flatten(),
            review: named.next().flatten(),
            outcome: named.next().flatten(),
            remarks: named.next().flatten(),
            other,
        }
    }

    /// Not yet done or rejected.
    pub fn pending(&self) -> bool {
        matches!(self.status, WorkOrderStatus::Open | WorkOrderStatus::Approved)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkOrderRow {
    pub id: String,
    pub url: String,
    pub title: String,
    pub requested_at: Timestamp,
    pub unit: Option<String>,
    pub status: WorkOrderStatus,
}

impl From<&WorkOrderView> for WorkOrderRow {
    fn from(v: &WorkOrderView) -> Self {
        WorkOrderRow {
            id: v.note.id.clone(),
            url: v.note.url.clone(),
            title: v.note.title.clone(),
            requested_at: v.requested_at,
            unit: v.unit.clone(),
            status: v.status,
        }
    }
}

// ---------------------------------------------------------------------------
// 常见问题及解决方案

#[derive(Debug, Clone, Serialize)]
pub struct FaqView {
    pub note: NoteInfo,
    /// 序号: the entry's place in the table, from 1.
    pub number: usize,
    /// 问题描述
    pub question: String,
    pub tags: Vec<String>,
    /// Incidents it answers: its `incidents` key and incidents naming it.
    pub incidents: Vec<NoteRef>,
    /// When it was added: the earliest resolution of an incident it answers
    /// (the contract has it written once the problem is solved). Entries
    /// answering no resolved incident have no date and count as there from
    /// the start; the first commit of the file is not used, since notes are
    /// often committed long after they were written (or imported at once).
    pub added: Option<NaiveDate>,
    /// 解决方案: the body.
    pub solution: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FaqRow {
    pub id: String,
    pub url: String,
    pub question: String,
    pub added: Option<NaiveDate>,
}

impl From<&FaqView> for FaqRow {
    fn from(v: &FaqView) -> Self {
        FaqRow {
            id: v.note.id.clone(),
            url: v.note.url.clone(),
            question: v.question.clone(),
            added: v.added,
        }
    }
}

// ---------------------------------------------------------------------------
// 定期培训

#[derive(Debug, Clone, Serialize)]
pub struct TrainingView {
    pub note: NoteInfo,
    pub date: NaiveDate,
    pub topic: String,
    pub trainer: Option<String>,
    pub participants: Option<String>,
    pub attendees: Option<u32>,
    pub body: String,
}

impl TrainingView {
    pub fn new(info: NoteInfo, note: &Note, m: &kinds::Training, ctx: &Ctx) -> Self {
        TrainingView {
            note: info,
            date: m.date.0,
            topic: ctx.text(&m.topic),
            trainer: ctx.opt(&m.trainer),
            participants: ctx.opt(&m.participants),
            attendees: m.attendees,
            body: ctx.text(&note.body.markdown),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainingRow {
    pub id: String,
    pub url: String,
    pub date: NaiveDate,
    pub topic: String,
    pub trainer: Option<String>,
    pub attendees: Option<u32>,
}

impl From<&TrainingView> for TrainingRow {
    fn from(v: &TrainingView) -> Self {
        TrainingRow {
            id: v.note.id.clone(),
            url: v.note.url.clone(),
            date: v.date,
            topic: v.topic.clone(),
            trainer: v.trainer.clone(),
            attendees: v.attendees,
        }
    }
}

// ---------------------------------------------------------------------------
// 软件升级

#[derive(Debug, Clone, Serialize)]
pub struct UpgradeView {
    pub note: NoteInfo,
    pub version: String,
    pub window_start: Timestamp,
    /// When the window closed; `None` while it was still open at the
    /// record's moment.
    pub window_end: Option<Timestamp>,
    /// How long the window took (so far, while open), against `limit`
    /// (`upgrade_window`).
    pub duration: Option<Dur>,
    pub limit: Option<Dur>,
    /// Still in its window at the record's moment.
    pub open: bool,
    pub tested_percent: Option<f64>,
    /// The least share of functions tested (`upgrade_tested_percent`).
    pub tested_required: Option<f64>,
    /// `rollback_plan = true`, or the plan's text.
    pub rollback_plan: Option<bool>,
    pub rollback_text: Option<String>,
    pub outcome: Option<UpgradeOutcome>,
    /// Its SLA outcomes: the window and the share tested.
    pub sla: Vec<OutcomeView>,
    pub body: String,
}

impl UpgradeView {
    pub fn new(info: NoteInfo, note: &Note, m: &kinds::Upgrade, sla: Vec<OutcomeView>, ctx: &Ctx) -> Self {
        let (rollback_plan, rollback_text) = match &m.rollback_plan {
            None => (None, None),
            Some(p @ RollbackPlan::Present(_)) => (Some(p.is_present()), None),
            Some(p @ RollbackPlan::Text(t)) => (Some(p.is_present()), Some(ctx.text(t))),
        };
        let standing = Standing::of(&sla);
        let tested_required = sla.iter().find_map(|o| match o.limit {
            super::outcome::Measure::Percent(p) => Some(p),
            super::outcome::Measure::Time(_) => None,
        });
        UpgradeView {
            note: info,
            version: ctx.text(&m.version),
            window_start: ctx.time(&m.window_start),
            window_end: (!standing.open).then(|| ctx.time(&m.window_end)),
            duration: standing.elapsed,
            limit: standing.limit,
            open: standing.open,
            tested_percent: m.tested_percent,
            tested_required,
            rollback_plan,
            rollback_text,
            outcome: m.outcome,
            sla,
            body: ctx.text(&note.body.markdown),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UpgradeRow {
    pub id: String,
    pub url: String,
    pub title: String,
    pub version: String,
    pub window_start: Timestamp,
    pub duration: Option<Dur>,
    pub tested_percent: Option<f64>,
    pub outcome: Option<UpgradeOutcome>,
    pub sla: Option<Status>,
}

impl From<&UpgradeView> for UpgradeRow {
    fn from(v: &UpgradeView) -> Self {
        UpgradeRow {
            id: v.note.id.clone(),
            url: v.note.url.clone(),
            title: v.note.title.clone(),
            version: v.version.clone(),
            window_start: v.window_start,
            duration: v.duration,
            tested_percent: v.tested_percent,
            outcome: v.outcome,
            sla: super::outcome::worst(&v.sla),
        }
    }
}

// ---------------------------------------------------------------------------
// 安全漏洞

#[derive(Debug, Clone, Serialize)]
pub struct VulnerabilityView {
    pub note: NoteInfo,
    /// Who reported it.
    pub source: String,
    pub severity: VulnSeverity,
    pub found_at: Timestamp,
    /// When it was fixed; `None` while open at the record's moment.
    pub fixed_at: Option<Timestamp>,
    /// When the re-test passed.
    pub verified_at: Option<Timestamp>,
    pub systems: Vec<String>,
    pub open: bool,
    /// From finding to fix, once fixed, against `limit` (`vuln_*_fix` of
    /// its severity).
    pub time_to_fix: Option<Dur>,
    pub limit: Option<Dur>,
    /// Its fix rule is breached: fixed late, or still open past its limit.
    pub over_limit: bool,
    /// Its SLA outcome: the fix against its limit (pending while open).
    pub sla: Vec<OutcomeView>,
    pub intro: Option<String>,
    /// 漏洞描述
    pub description: Option<String>,
    /// 修复措施
    pub fix: Option<String>,
    /// 复测结果
    pub retest: Option<String>,
    pub other: Vec<SectionView>,
}

impl VulnerabilityView {
    pub fn new(
        info: NoteInfo,
        note: &Note,
        m: &kinds::Vulnerability,
        sla: Vec<OutcomeView>,
        ctx: &Ctx,
    ) -> Self {
        let FormBody { intro, named, other } =
            ctx.form_body(&note.body, &["漏洞描述", "修复措施", "复测结果"]);
        let mut named = named.into_iter();
        let standing = Standing::of(&sla);
        VulnerabilityView {
            note: info,
            source: ctx.text(&m.source),
            severity: m.severity,
            found_at: ctx.time(&m.found_at),
            fixed_at: m.fixed_at.filter(|_| !standing.open).map(|t| ctx.time(&t)),
            verified_at: ctx.happened(&m.verified_at),
            systems: ctx.texts(&m.systems),
            open: standing.open,
            time_to_fix: standing.took,
            limit: standing.limit,
            over_limit: standing.over_limit,
            sla,
            intro,
            description: named.next().flatten(),
            fix: named.next().flatten(),
            retest: named.next().flatten(),
            other,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VulnerabilityRow {
    pub id: String,
    pub url: String,
    pub title: String,
    pub source: String,
    pub severity: VulnSeverity,
    pub found_at: Timestamp,
    pub fixed_at: Option<Timestamp>,
    pub verified_at: Option<Timestamp>,
    pub open: bool,
    pub time_to_fix: Option<Dur>,
    pub limit: Option<Dur>,
    pub over_limit: bool,
    pub sla: Option<Status>,
}

impl From<&VulnerabilityView> for VulnerabilityRow {
    fn from(v: &VulnerabilityView) -> Self {
        VulnerabilityRow {
            id: v.note.id.clone(),
            url: v.note.url.clone(),
            title: v.note.title.clone(),
            source: v.source.clone(),
            severity: v.severity,
            found_at: v.found_at,
            fixed_at: v.fixed_at,
            verified_at: v.verified_at,
            open: v.open,
            time_to_fix: v.time_to_fix,
            limit: v.limit,
            over_limit: v.over_limit,
            sla: super::outcome::worst(&v.sla),
        }
    }
}

// ---------------------------------------------------------------------------
// Hand-written report text

/// The text of `content/reports/` placed on top of a generated report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportTextView {
    pub note: NoteInfo,
    pub period: String,
    /// The markdown as written, before the figures it names are filled in
    /// (each report fills them from its own numbers).
    pub body: String,
    /// Where the body starts in the file, for messages about it.
    pub first_line: usize,
}
