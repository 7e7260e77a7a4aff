//! Service-level outcomes of incidents, upgrades and vulnerability fixes
//! (`docs/contract.md` has the rules): every limit the contract
//! sets on incidents, upgrades and vulnerability fixes, held against the
//! notes.
//!
//! Incidents, each measured from `reported_at`:
//!
//! | rule | applies when | limit on |
//! |---|---|---|
//! | `general_resolve` | severity general, escalation not third_party | `resolved_at` |
//! | `major_resolve` | severity major, escalation not third_party | `resolved_at` |
//! | `third_party_resolve` | escalation third_party | `resolved_at` |
//! | `onsite_arrival` | onsite_required, escalation none | `onsite_at` |
//! | `support_onsite` | onsite_required, escalation support or third_party | `onsite_at` |
//!
//! and `faq_after_resolve`, from `resolved_at` to an FAQ entry (the
//! incident's `faq` key or an FAQ listing it). Upgrades: `upgrade_window`
//! (`window_end − window_start`) and `upgrade_tested_percent`. Findings:
//! `vuln_{high,medium,low}_fix`, from `found_at` to `fixed_at`.
//!
//! A limit is kept when the actual time equals it, breached once past it.
//! What has not ended by the clock (an open incident, an open finding, a
//! resolved incident with no FAQ entry yet) is measured up to the clock:
//! pending while within its limit, a breach once past it. Times after the
//! clock have not happened yet, so re-running a past night with `--now`
//! sees that night's state.
//!
//! Two cases the contract leaves open, decided so:
//! - an on-site incident with no `onsite_at`: the arrival clock stops at
//!   `resolved_at`, since nobody needs to arrive for a solved fault; resolved
//!   within the arrival limit it is kept, after it it is breached;
//! - an upgrade without `tested_percent` breaches `upgrade_tested_percent`
//!   (the contract asks for proof of 80 % tested), with the actual value
//!   "not recorded".

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use crate::duration::Dur;
use crate::load::notes::Note;
use crate::load::notes::kinds::{
    Escalation, Incident, IncidentSeverity, Kind, Meta, Upgrade, VulnSeverity, Vulnerability,
};
use crate::load::schedules::Sla;
use crate::period::{Every, Period};
use crate::time::{Clock, Timestamp};

/// One limit of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    GeneralResolve,
    MajorResolve,
    ThirdPartyResolve,
    OnsiteArrival,
    SupportOnsite,
    FaqAfterResolve,
    UpgradeWindow,
    UpgradeTestedPercent,
    VulnHighFix,
    VulnMediumFix,
    VulnLowFix,
}

impl Rule {
    pub const ALL: [Rule; 11] = [
        Rule::GeneralResolve,
        Rule::MajorResolve,
        Rule::ThirdPartyResolve,
        Rule::OnsiteArrival,
        Rule::SupportOnsite,
        Rule::FaqAfterResolve,
        Rule::UpgradeWindow,
        Rule::UpgradeTestedPercent,
        Rule::VulnHighFix,
        Rule::VulnMediumFix,
        Rule::VulnLowFix,
    ];

    /// The rule's key in `[sla]` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Rule::GeneralResolve => "general_resolve",
            Rule::MajorResolve => "major_resolve",
            Rule::ThirdPartyResolve => "third_party_resolve",
            Rule::OnsiteArrival => "onsite_arrival",
            Rule::SupportOnsite => "support_onsite",
            Rule::FaqAfterResolve => "faq_after_resolve",
            Rule::UpgradeWindow => "upgrade_window",
            Rule::UpgradeTestedPercent => "upgrade_tested_percent",
            Rule::VulnHighFix => "vuln_high_fix",
            Rule::VulnMediumFix => "vuln_medium_fix",
            Rule::VulnLowFix => "vuln_low_fix",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A limit or an actual value: a duration (`2h30m`) or a percentage (`75%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    Time(Dur),
    Percent(f64),
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measure::Time(d) => write!(f, "{d}"),
            Measure::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for Measure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within the limit.
    Met,
    /// Past the limit.
    Breached,
    /// Still running at the clock and within the limit so far.
    Pending,
}

/// One rule applied to one incident, upgrade or finding.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The note's id (`INC-250311-01`).
    pub id: String,
    pub kind: Kind,
    /// The note's file, relative to the project.
    pub file: String,
    pub rule: Rule,
    pub status: Status,
    pub limit: Measure,
    /// The time taken (up to the clock while still running) or the percent
    /// tested; `None` when the note does not record it.
    pub actual: Option<Measure>,
    /// While pending: the time left before the limit.
    pub remaining: Option<Dur>,
    /// Still running at the clock (no `resolved_at`, `onsite_at`,
    /// `fixed_at` or FAQ entry yet).
    pub open: bool,
    /// The month of the note's day (`reported_at`, `window_start`,
    /// `found_at`), for compliance per month.
    pub month: Period,
}

/// A breach as the nightly summary lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub id: String,
    pub rule: Rule,
    pub limit: String,
    pub actual: String,
    pub file: String,
}

/// How many outcomes kept their limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Compliance {
    pub met: usize,
    pub breached: usize,
    pub pending: usize,
    /// `met / (met + breached)` in percent, one decimal; `None` when nothing
    /// has been decided yet.
    pub percent: Option<f64>,
}

impl Compliance {
    /// The compliance of outcomes with these statuses.
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> Compliance {
        let mut c = Compliance::default();
        for s in statuses {
            c.add(s);
        }
        c
    }

    fn add(&mut self, status: Status) {
        match status {
            Status::Met => self.met += 1,
            Status::Breached => self.breached += 1,
            Status::Pending => self.pending += 1,
        }
        let decided = self.met + self.breached;
        self.percent = (decided > 0).then(|| (self.met as f64 * 1000.0 / decided as f64).round() / 10.0);
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleCompliance {
    pub rule: Rule,
    pub limit: Measure,
    #[serde(flatten)]
    pub compliance: Compliance,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthCompliance {
    pub month: Period,
    #[serde(flatten)]
    pub compliance: Compliance,
}

/// Every SLA outcome of the project at the clock.
#[derive(Debug, Clone, Serialize)]
pub struct SlaReport {
    /// No limit is breached.
    pub ok: bool,
    pub breaches: Vec<Breach>,
    /// Compliance per rule, every rule listed.
    pub rules: Vec<RuleCompliance>,
    /// Compliance per month of the notes' days, months with outcomes only.
    pub months: Vec<MonthCompliance>,
    /// Every outcome, by note id then rule.
    pub outcomes: Vec<Outcome>,
}

impl SlaReport {
    /// The outcomes of one note (an incident's resolve, on-site and FAQ rules).
    pub fn outcomes_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Outcome> + 'a {
        self.outcomes.iter().filter(move |o| o.id == id)
    }

    /// The report of only the outcomes `keep` accepts, breaches and
    /// compliance counted again from them: the outcomes of one period, or of
    /// the notes one audience may see.
    pub fn only(&self, keep: impl Fn(&Outcome) -> bool) -> SlaReport {
        let limits: BTreeMap<Rule, Measure> = self.rules.iter().map(|r| (r.rule, r.limit)).collect();
        tally(
            self.outcomes.iter().filter(|o| keep(o)).cloned().collect(),
            |rule| limits[&rule],
        )
    }

    /// The compliance of every outcome together.
    pub fn total(&self) -> Compliance {
        Compliance::of(self.outcomes.iter().map(|o| o.status))
    }
}

/// Applies every rule to every note it concerns.
pub fn evaluate(notes: &[Note], sla: &Sla, clock: &Clock) -> SlaReport {
    let judge = Judge {
        now: clock.now(),
        tz: clock.tz(),
        sla,
        faq_listed: notes
            .iter()
            .filter_map(|n| match &n.meta {
                Meta::Faq(f) => Some(f.incidents.iter().cloned()),
                _ => None,
            })
            .flatten()
            .collect(),
        faqs: notes
            .iter()
            .filter(|n| matches!(n.meta, Meta::Faq(_)))
            .map(|n| n.id())
            .collect(),
    };
    let mut outcomes = Vec::new();
    for note in notes {
        match &note.meta {
            Meta::Incident(m) => judge.incident(note, m, &mut outcomes),
            Meta::Upgrade(m) => judge.upgrade(note, m, &mut outcomes),
            Meta::Vulnerability(m) => judge.vulnerability(note, m, &mut outcomes),
            _ => {}
        }
    }
    outcomes.sort_by(|a, b| (&a.id, a.rule, &a.file).cmp(&(&b.id, b.rule, &b.file)));
    tally(outcomes, |rule| limit_of(sla, rule))
}

/// The report of `outcomes` (sorted): its breaches, and compliance per rule
/// (every rule, with the limit `limit` gives it) and per month.
fn tally(outcomes: Vec<Outcome>, limit: impl Fn(Rule) -> Measure) -> SlaReport {
    let breaches: Vec<Breach> = outcomes
        .iter()
        .filter(|o| o.status == Status::Breached)
        .map(|o| Breach {
            id: o.id.clone(),
            rule: o.rule,
            limit: o.limit.to_string(),
            actual: o
                .actual
                .map_or_else(|| "not recorded".to_string(), |a| a.to_string()),
            file: o.file.clone(),
        })
        .collect();
    let mut by_rule: BTreeMap<Rule, Compliance> =
        Rule::ALL.iter().map(|r| (*r, Compliance::default())).collect();
    let mut by_month: BTreeMap<Period, Compliance> = BTreeMap::new();
    for o in &outcomes {
        by_rule.entry(o.rule).or_default().add(o.status);
        by_month.entry(o.month).or_default().add(o.status);
    }
    SlaReport {
        ok: breaches.is_empty(),
        breaches,
        rules: by_rule
            .into_iter()
            .map(|(rule, compliance)| RuleCompliance {
                rule,
                limit: limit(rule),
                compliance,
            })
            .collect(),
        months: by_month
            .into_iter()
            .map(|(month, compliance)| MonthCompliance { month, compliance })
            .collect(),
        outcomes,
    }
}

/// The limit `sla` sets for `rule`.
pub fn limit_of(sla: &Sla, rule: Rule) -> Measure {
    Measure::Time(match rule {
        Rule::GeneralResolve => sla.general_resolve,
        Rule::MajorResolve => sla.major_resolve,
        Rule::ThirdPartyResolve => sla.third_party_resolve,
        Rule::OnsiteArrival => sla.onsite_arrival,
        Rule::SupportOnsite => sla.support_onsite,
        Rule::FaqAfterResolve => sla.faq_after_resolve,
        Rule::UpgradeWindow => sla.upgrade_window,
        Rule::UpgradeTestedPercent => return Measure::Percent(sla.upgrade_tested_percent),
        Rule::VulnHighFix => sla.vuln_high_fix,
        Rule::VulnMediumFix => sla.vuln_medium_fix,
        Rule::VulnLowFix => sla.vuln_low_fix,
    })
}

/// What applying a rule found.
struct Found {
    status: Status,
    actual: Option<Measure>,
    remaining: Option<Dur>,
    open: bool,
}

struct Judge<'a> {
    now: DateTime<FixedOffset>,
    tz: Tz,
    sla: &'a Sla,
    /// Incident ids some FAQ entry lists.
    faq_listed: BTreeSet<String>,
    /// Ids of the FAQ entries that exist.
    faqs: BTreeSet<String>,
}

impl Judge<'_> {
    /// A moment that has happened by the clock.
    fn happened(&self, t: Option<&Timestamp>) -> Option<DateTime<FixedOffset>> {
        t.map(|t| t.instant()).filter(|t| *t <= self.now)
    }

    /// The time from `start` to `end` held against `limit`; without an end,
    /// the time so far.
    fn timed(&self, start: DateTime<FixedOffset>, end: Option<DateTime<FixedOffset>>, limit: Dur) -> Found {
        let actual = Dur::from_chrono(end.unwrap_or(self.now) - start);
        let over = actual > limit;
        let status = match (over, end) {
            (true, _) => Status::Breached,
            (false, Some(_)) => Status::Met,
            (false, None) => Status::Pending,
        };
        Found {
            status,
            actual: Some(Measure::Time(actual)),
            remaining: (status == Status::Pending)
                .then(|| Dur::from_secs(limit.as_secs() - actual.as_secs())),
            open: end.is_none(),
        }
    }

    fn outcome(&self, note: &Note, rule: Rule, limit: Measure, found: Found) -> Outcome {
        let day = note
            .meta
            .day(self.tz)
            .unwrap_or_else(|| self.now.with_timezone(&self.tz).date_naive());
        Outcome {
            id: note.id(),
            kind: note.kind,
            file: note.path.clone(),
            rule,
            status: found.status,
            limit,
            actual: found.actual,
            remaining: found.remaining,
            open: found.open,
            month: Period::containing(Every::Month, day),
        }
    }

    /// A rule on the time from `start` to `end`.
    fn time_rule(
        &self,
        note: &Note,
        start: DateTime<FixedOffset>,
        end: Option<DateTime<FixedOffset>>,
        (rule, limit): (Rule, Dur),
    ) -> Outcome {
        self.outcome(note, rule, Measure::Time(limit), self.timed(start, end, limit))
    }

    fn incident(&self, note: &Note, m: &Incident, out: &mut Vec<Outcome>) {
        let Some(reported) = self.happened(Some(&m.reported_at)) else {
            return;
        };
        let sla = self.sla;
        let resolved = self.happened(m.resolved_at.as_ref());
        let resolve = match (m.escalation, m.severity) {
            (Escalation::ThirdParty, _) => (Rule::ThirdPartyResolve, sla.third_party_resolve),
            (_, IncidentSeverity::General) => (Rule::GeneralResolve, sla.general_resolve),
            (_, IncidentSeverity::Major) => (Rule::MajorResolve, sla.major_resolve),
        };
        out.push(self.time_rule(note, reported, resolved, resolve));

        if m.onsite_required {
            let onsite = match m.escalation {
                Escalation::None => (Rule::OnsiteArrival, sla.onsite_arrival),
                Escalation::Support | Escalation::ThirdParty => (Rule::SupportOnsite, sla.support_onsite),
            };
            let arrived = self.happened(m.onsite_at.as_ref()).or(resolved);
            out.push(self.time_rule(note, reported, arrived, onsite));
        }

        if let Some(resolved) = resolved {
            let has_faq =
                m.faq.as_ref().is_some_and(|f| self.faqs.contains(f)) || self.faq_listed.contains(&m.id);
            let faq = (Rule::FaqAfterResolve, sla.faq_after_resolve);
            out.push(if has_faq {
                // FAQ entries carry no date: one that exists keeps the rule.
                let found = Found {
                    status: Status::Met,
                    actual: None,
                    remaining: None,
                    open: false,
                };
                self.outcome(note, faq.0, Measure::Time(faq.1), found)
            } else {
                self.time_rule(note, resolved, None, faq)
            });
        }
    }

    fn upgrade(&self, note: &Note, m: &Upgrade, out: &mut Vec<Outcome>) {
        let Some(start) = self.happened(Some(&m.window_start)) else {
            return;
        };
        let end = self.happened(Some(&m.window_end));
        out.push(self.time_rule(note, start, end, (Rule::UpgradeWindow, self.sla.upgrade_window)));

        let limit = self.sla.upgrade_tested_percent;
        let status = match (end, m.tested_percent) {
            (None, _) => Status::Pending,
            (Some(_), Some(p)) if p >= limit => Status::Met,
            (Some(_), _) => Status::Breached,
        };
        let found = Found {
            status,
            actual: m.tested_percent.map(Measure::Percent),
            remaining: None,
            open: end.is_none(),
        };
        out.push(self.outcome(note, Rule::UpgradeTestedPercent, Measure::Percent(limit), found));
    }

    fn vulnerability(&self, note: &Note, m: &Vulnerability, out: &mut Vec<Outcome>) {
        let Some(found) = self.happened(Some(&m.found_at)) else {
            return;
        };
        let sla = self.sla;
        let fix = match m.severity {
            VulnSeverity::High => (Rule::VulnHighFix, sla.vuln_high_fix),
            VulnSeverity::Medium => (Rule::VulnMediumFix, sla.vuln_medium_fix),
            VulnSeverity::Low => (Rule::VulnLowFix, sla.vuln_low_fix),
        };
        out.push(self.time_rule(note, found, self.happened(m.fixed_at.as_ref()), fix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::notes::parse_note;
    use crate::time::DEFAULT_TIMEZONE;

    fn note(folder: &str, front: &str) -> Note {
        let text = format!("+++\n{front}\n+++\n");
        parse_note(
            &format!("content/{folder}/x.md"),
            text.as_bytes(),
            Some(folder),
            DEFAULT_TIMEZONE,
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// An incident reported 2025-03-11 09:00 with extra keys.
    fn incident(extra: &str) -> Note {
        incident_on("2025-03-11", extra)
    }

    /// An incident reported at 09:00 on `day`; `extra` may use `DAY`.
    fn incident_on(day: &str, extra: &str) -> Note {
        let yymmdd = day[2..].replace('-', "");
        let extra = extra.replace("DAY", day);
        note(
            "incidents",
            &format!(
                "id = \"INC-{yymmdd}-01\"\ntitle = \"公文交换超时\"\nreported_at = {day}T09:00:00\nengineers = [\"张昊\"]\n{extra}"
            ),
        )
    }

    fn faq_for(incident: &str) -> Note {
        note(
            "faq",
            &format!("id = \"FAQ-001\"\nquestion = \"公文交换超时\"\nincidents = [\"{incident}\"]"),
        )
    }

    fn at(t: &str) -> Clock {
        Clock::parse(t, DEFAULT_TIMEZONE).unwrap()
    }

    const LATE: &str = "2026-06-01";

    fn outcomes(notes: &[Note], now: &str) -> Vec<(Rule, Status, String)> {
        evaluate(notes, &Sla::default(), &at(now))
            .outcomes
            .into_iter()
            .map(|o| (o.rule, o.status, o.actual.map_or("-".into(), |a| a.to_string())))
            .collect()
    }

    fn rule_outcome(notes: &[Note], rule: Rule, now: &str) -> (Status, String) {
        let all = outcomes(notes, now);
        let (_, status, actual) = all
            .into_iter()
            .find(|(r, ..)| *r == rule)
            .unwrap_or_else(|| panic!("no {rule} outcome"));
        (status, actual)
    }

    #[test]
    fn resolve_limits_at_under_and_over() {
        use Status::*;
        for (severity, escalation, rule, under, at_limit, over) in [
            (
                "general",
                "none",
                Rule::GeneralResolve,
                "10:59:59",
                "11:00:00",
                "11:00:01",
            ),
            (
                "general",
                "support",
                Rule::GeneralResolve,
                "10:59:59",
                "11:00:00",
                "11:00:01",
            ),
            (
                "major",
                "none",
                Rule::MajorResolve,
                "16:59:59",
                "17:00:00",
                "17:00:01",
            ),
            (
                "major",
                "third_party",
                Rule::ThirdPartyResolve,
                "20:59:59",
                "21:00:00",
                "21:00:01",
            ),
            (
                "general",
                "third_party",
                Rule::ThirdPartyResolve,
                "20:59:59",
                "21:00:00",
                "21:00:01",
            ),
        ] {
            let case = |resolved: &str| {
                let n = incident(&format!(
                    "severity = \"{severity}\"\nescalation = \"{escalation}\"\nresolved_at = 2025-03-11T{resolved}"
                ));
                rule_outcome(&[n], rule, LATE).0
            };
            assert_eq!(case(under), Met, "{rule} {severity}/{escalation} under");
            assert_eq!(case(at_limit), Met, "{rule} {severity}/{escalation} at");
            assert_eq!(case(over), Breached, "{rule} {severity}/{escalation} over");
        }
    }

    #[test]
    fn onsite_limits_follow_the_escalation() {
        use Status::*;
        for (escalation, rule, under, at_limit, over) in [
            ("none", Rule::OnsiteArrival, "09:59:59", "10:00:00", "10:00:01"),
            ("support", Rule::SupportOnsite, "10:59:59", "11:00:00", "11:00:01"),
            (
                "third_party",
                Rule::SupportOnsite,
                "10:59:59",
                "11:00:00",
                "11:00:01",
            ),
        ] {
            let case = |onsite: &str| {
                let n = incident(&format!(
                    "severity = \"major\"\nescalation = \"{escalation}\"\nonsite_required = true\nonsite_at = 2025-03-11T{onsite}\nresolved_at = 2025-03-11T12:00:00"
                ));
                rule_outcome(&[n], rule, LATE).0
            };
            assert_eq!(case(under), Met, "{rule} under");
            assert_eq!(case(at_limit), Met, "{rule} at");
            assert_eq!(case(over), Breached, "{rule} over");
        }
    }

    #[test]
    fn which_rules_apply_to_which_incident() {
        let rules = |extra: &str| -> Vec<Rule> {
            outcomes(&[incident(extra), faq_for("INC-250311-01")], LATE)
                .into_iter()
                .map(|(r, ..)| r)
                .collect()
        };
        assert_eq!(
            rules("severity = \"general\"\nresolved_at = 2025-03-11T10:00:00"),
            [Rule::GeneralResolve, Rule::FaqAfterResolve]
        );
        assert_eq!(
            rules("severity = \"major\"\nonsite_required = true"),
            [Rule::MajorResolve, Rule::OnsiteArrival]
        );
        assert_eq!(
            rules("severity = \"major\"\nescalation = \"support\"\nonsite_required = true"),
            [Rule::MajorResolve, Rule::SupportOnsite]
        );
        assert_eq!(
            rules("severity = \"general\"\nescalation = \"third_party\"\nonsite_required = true"),
            [Rule::ThirdPartyResolve, Rule::SupportOnsite]
        );
        // Escalated without an on-site visit: only the resolve rule.
        assert_eq!(
            rules("severity = \"general\"\nescalation = \"support\""),
            [Rule::GeneralResolve]
        );
    }

    #[test]
    fn an_open_incident_is_pending_then_breached() {
        let n = incident("severity = \"general\"\nonsite_required = true");
        let report = evaluate(
            std::slice::from_ref(&n),
            &Sla::default(),
            &at("2025-03-11T09:40:00"),
        );
        let resolve = &report.outcomes[0];
        assert_eq!(
            (resolve.rule, resolve.status),
            (Rule::GeneralResolve, Status::Pending)
        );
        assert_eq!(resolve.remaining, Some(Dur::minutes(80)));
        assert!(resolve.open);
        assert!(report.ok);

        let report = evaluate(
            std::slice::from_ref(&n),
            &Sla::default(),
            &at("2025-03-11T11:30:00"),
        );
        assert_eq!(
            report.breaches,
            [
                Breach {
                    id: "INC-250311-01".into(),
                    rule: Rule::GeneralResolve,
                    limit: "2h".into(),
                    actual: "2h30m".into(),
                    file: "content/incidents/x.md".into(),
                },
                Breach {
                    id: "INC-250311-01".into(),
                    rule: Rule::OnsiteArrival,
                    limit: "1h".into(),
                    actual: "2h30m".into(),
                    file: "content/incidents/x.md".into(),
                },
            ]
        );
        assert!(!report.ok);
    }

    #[test]
    fn times_after_the_clock_have_not_happened() {
        let n = incident("severity = \"general\"\nresolved_at = 2025-03-11T10:00:00");
        assert_eq!(
            rule_outcome(
                std::slice::from_ref(&n),
                Rule::GeneralResolve,
                "2025-03-11T09:30:00"
            ),
            (Status::Pending, "30m".into())
        );
        assert!(outcomes(&[n], "2025-03-11T08:00:00").is_empty());
    }

    #[test]
    fn onsite_without_arrival_stops_at_resolution() {
        let quick =
            incident("severity = \"general\"\nonsite_required = true\nresolved_at = 2025-03-11T09:45:00");
        assert_eq!(
            rule_outcome(&[quick], Rule::OnsiteArrival, LATE),
            (Status::Met, "45m".into())
        );
        let slow =
            incident("severity = \"general\"\nonsite_required = true\nresolved_at = 2025-03-11T10:30:00");
        assert_eq!(
            rule_outcome(&[slow], Rule::OnsiteArrival, LATE),
            (Status::Breached, "1h30m".into())
        );
    }

    #[test]
    fn faq_after_resolve() {
        let resolved = "severity = \"general\"\nresolved_at = 2025-03-11T10:00:00";
        let by_key = vec![
            incident(&format!("{resolved}\nfaq = \"FAQ-001\"")),
            note("faq", "id = \"FAQ-001\"\nquestion = \"公文交换超时\""),
        ];
        assert_eq!(
            rule_outcome(&by_key, Rule::FaqAfterResolve, LATE),
            (Status::Met, "-".into())
        );
        let listed = vec![incident(resolved), faq_for("INC-250311-01")];
        assert_eq!(rule_outcome(&listed, Rule::FaqAfterResolve, LATE).0, Status::Met);
        // A `faq` key naming an entry that does not exist is no entry.
        let dangling = vec![incident(&format!("{resolved}\nfaq = \"FAQ-009\""))];
        assert_eq!(
            rule_outcome(&dangling, Rule::FaqAfterResolve, LATE).0,
            Status::Breached
        );

        let none = vec![incident(resolved)];
        let case = |now| rule_outcome(&none, Rule::FaqAfterResolve, now);
        assert_eq!(
            case("2025-03-18T09:59:59"),
            (Status::Pending, "6d23h59m59s".into())
        );
        assert_eq!(case("2025-03-18T10:00:00"), (Status::Pending, "7d".into()));
        assert_eq!(case("2025-03-18T10:00:01"), (Status::Breached, "7d1s".into()));
        // An open incident owes no FAQ entry yet.
        let open = vec![incident("severity = \"general\"")];
        assert!(
            outcomes(&open, LATE)
                .iter()
                .all(|(r, ..)| *r != Rule::FaqAfterResolve)
        );
    }

    fn upgrade(end: &str, tested: Option<&str>) -> Note {
        let tested = tested
            .map(|t| format!("tested_percent = {t}\n"))
            .unwrap_or_default();
        note(
            "upgrades",
            &format!(
                "id = \"UP-250415-01\"\nversion = \"V3.2\"\nwindow_start = 2025-04-15T22:00:00\nwindow_end = 2025-04-15T{end}\n{tested}"
            ),
        )
    }

    #[test]
    fn upgrade_window_at_under_and_over() {
        let case = |end| rule_outcome(&[upgrade(end, Some("90"))], Rule::UpgradeWindow, LATE);
        assert_eq!(case("22:59:59"), (Status::Met, "59m59s".into()));
        assert_eq!(case("23:00:00"), (Status::Met, "1h".into()));
        assert_eq!(case("23:00:01"), (Status::Breached, "1h1s".into()));
    }

    #[test]
    fn upgrade_tested_percent_at_under_and_over() {
        let case = |t| rule_outcome(&[upgrade("22:30:00", t)], Rule::UpgradeTestedPercent, LATE);
        assert_eq!(case(Some("79.9")), (Status::Breached, "79.9%".into()));
        assert_eq!(case(Some("80")), (Status::Met, "80%".into()));
        assert_eq!(case(Some("80.5")), (Status::Met, "80.5%".into()));
        assert_eq!(case(None), (Status::Breached, "-".into()));
        let report = evaluate(&[upgrade("22:30:00", None)], &Sla::default(), &at(LATE));
        assert_eq!(report.breaches[0].limit, "80%");
        assert_eq!(report.breaches[0].actual, "not recorded");
        // Still in its window: nothing to hold it to yet.
        assert_eq!(
            rule_outcome(
                &[upgrade("22:30:00", None)],
                Rule::UpgradeTestedPercent,
                "2025-04-15T22:10:00"
            )
            .0,
            Status::Pending
        );
    }

    #[test]
    fn vulnerability_fix_limits_by_severity() {
        let finding = |severity: &str, fixed: Option<&str>| {
            let fixed = fixed.map(|f| format!("fixed_at = {f}\n")).unwrap_or_default();
            note(
                "vulnerabilities",
                &format!(
                    "id = \"VUL-250305-01\"\ntitle = \"弱口令\"\nsource = \"等保测评机构\"\nseverity = \"{severity}\"\nfound_at = 2025-03-05T10:00:00\n{fixed}"
                ),
            )
        };
        for (severity, rule, under, at_limit, over) in [
            (
                "high",
                Rule::VulnHighFix,
                "2025-03-12T09:59:59",
                "2025-03-12T10:00:00",
                "2025-03-12T10:00:01",
            ),
            (
                "medium",
                Rule::VulnMediumFix,
                "2025-04-04T09:59:59",
                "2025-04-04T10:00:00",
                "2025-04-04T10:00:01",
            ),
            (
                "low",
                Rule::VulnLowFix,
                "2025-06-03T09:59:59",
                "2025-06-03T10:00:00",
                "2025-06-03T10:00:01",
            ),
        ] {
            let case = |fixed| rule_outcome(&[finding(severity, Some(fixed))], rule, LATE).0;
            assert_eq!(case(under), Status::Met, "{rule} under");
            assert_eq!(case(at_limit), Status::Met, "{rule} at");
            assert_eq!(case(over), Status::Breached, "{rule} over");
            // Open: pending up to the limit, breached past it.
            let open = |now| rule_outcome(&[finding(severity, None)], rule, now).0;
            assert_eq!(open(at_limit), Status::Pending, "{rule} open at");
            assert_eq!(open(over), Status::Breached, "{rule} open over");
        }
    }

    #[test]
    fn compliance_per_rule_and_month() {
        let notes = [
            incident_on("2025-03-11", "severity = \"general\"\nresolved_at = DAYT12:00:00"),
            incident_on("2025-04-02", "severity = \"general\"\nresolved_at = DAYT10:00:00"),
            faq_for("INC-250311-01"),
            note(
                "faq",
                "id = \"FAQ-002\"\nquestion = \"q\"\nincidents = [\"INC-250402-01\"]",
            ),
        ];
        let report = evaluate(&notes, &Sla::default(), &at(LATE));
        let general = report
            .rules
            .iter()
            .find(|r| r.rule == Rule::GeneralResolve)
            .unwrap();
        assert_eq!((general.compliance.met, general.compliance.breached), (1, 1));
        assert_eq!(general.compliance.percent, Some(50.0));
        assert_eq!(general.limit.to_string(), "2h");
        let unused = report.rules.iter().find(|r| r.rule == Rule::VulnLowFix).unwrap();
        assert_eq!(unused.compliance.percent, None);
        let months: Vec<_> = report
            .months
            .iter()
            .map(|m| (m.month.to_string(), m.compliance.percent))
            .collect();
        assert_eq!(
            months,
            [("2025-03".into(), Some(50.0)), ("2025-04".into(), Some(100.0))]
        );
        assert_eq!(report.outcomes_of("INC-250402-01").count(), 2);
        assert_eq!(report.total().percent, Some(75.0));

        // The outcomes of one month, counted again.
        let april = report.only(|o| o.month.to_string() == "2025-04");
        assert!(april.ok && april.breaches.is_empty());
        assert_eq!(april.outcomes.len(), 2);
        assert_eq!(april.months.len(), 1);
        let general = april
            .rules
            .iter()
            .find(|r| r.rule == Rule::GeneralResolve)
            .unwrap();
        assert_eq!((general.compliance.met, general.compliance.breached), (1, 0));
        assert_eq!(general.limit.to_string(), "2h");
        assert_eq!(april.rules.len(), Rule::ALL.len());
        assert_eq!(april.total().percent, Some(100.0));
    }
}
