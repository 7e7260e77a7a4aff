//! Obligations met or missed: for every obligation of the
//! schedules and every period of the service period, whether a note of the
//! right kind was written for it.
//!
//! A period is *due* when its last day has ended and the obligation's grace
//! has passed; before that an unmet period is *pending*, not missed. Periods
//! are whole calendar periods (`2025-W01` runs from Monday 2024-12-30), and
//! every period that overlaps the service period counts, so a contract that
//! starts on a Wednesday still owes that week's inspection.
//!
//! Notes dated after the clock's day are left out: re-running a past night
//! with `--now` sees only what had been written by then.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::duration::Dur;
use crate::load::notes::Note;
use crate::load::schedules::Obligation;
use crate::period::{Every, Period};
use crate::time::{Clock, Day, Timestamp, start_of_day};

/// Every obligation's periods, judged at the clock.
#[derive(Debug, Clone, Serialize)]
pub struct ObligationsReport {
    /// No period is missed.
    pub ok: bool,
    /// The span the periods are counted over; `None` when `opsbook.toml`
    /// sets no `start` and `end`, and then no period is counted.
    pub service_period: Option<ServicePeriod>,
    pub obligations: Vec<ObligationResult>,
    /// Every missed period, obligation by obligation, oldest first.
    pub missed: Vec<Missed>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct ServicePeriod {
    pub start: Day,
    pub end: Day,
    /// The period ended before the clock: the record is closed, open items
    /// are measured to its end.
    pub ended: bool,
}

/// One obligation over the service period.
#[derive(Debug, Clone, Serialize)]
pub struct ObligationResult {
    pub name: String,
    pub every: Every,
    /// The note kind that satisfies it, as the schedule names it.
    pub kind: String,
    pub grace: Dur,
    #[serde(flatten)]
    pub counts: Counts,
    /// Every period of the service period, in order: the adherence calendar.
    pub periods: Vec<PeriodResult>,
}

/// How an obligation's periods stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub met: usize,
    pub missed: usize,
    pub pending: usize,
}

/// One period of one obligation.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodResult {
    pub period: Period,
    pub status: PeriodStatus,
    /// When an unmet period turns from pending to missed: the end of its last
    /// day plus the grace.
    pub due: Timestamp,
    /// Ids of the notes that satisfy it.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodStatus {
    /// A matching note is dated within the period.
    Met,
    /// Due, and no matching note.
    Missed,
    /// Not yet due, and no matching note so far.
    Pending,
}

/// A missed period, as the nightly summary lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missed {
    pub name: String,
    pub period: Period,
}

/// Judges every obligation over `service` (first and last day) at the clock.
pub fn evaluate(
    obligations: &[Obligation],
    notes: &[Note],
    service: Option<(NaiveDate, NaiveDate)>,
    clock: &Clock,
) -> ObligationsReport {
    let tz = clock.tz();
    let today = clock.today();
    // Each note's day and its front matter as JSON (defaults filled in, so an
    // inspection without `cycle` matches `cycle = "daily"`), once per note.
    let dated: Vec<(&Note, NaiveDate, serde_json::Value)> = notes
        .iter()
        .filter_map(|n| {
            let day = n.meta.day(tz).filter(|d| *d <= today)?;
            let meta = serde_json::to_value(&n.meta).ok()?;
            Some((n, day, meta))
        })
        .collect();
    let results: Vec<ObligationResult> = obligations
        .iter()
        .map(|ob| {
            let satisfying = dated
                .iter()
                .filter(|(n, _, meta)| Some(n.kind) == ob.note_kind() && matches_where(ob, meta))
                .map(|(n, day, _)| (*day, n.id()));
            judge(ob, satisfying, service, clock.now(), tz)
        })
        .collect();
    report(
        service.map(|(start, end)| ServicePeriod {
            start: Day(start),
            end: Day(end),
            ended: super::RecordTime::new(clock, service).ended,
        }),
        results,
    )
}

/// What a day of a server's coverage is met by when its metrics did.
pub const METRICS: &str = "metrics";

/// Each server's monitoring coverage as a daily obligation
/// (服务器巡检 HOST): a day is met when the server sent metrics that day
/// (`monitored`, the days with samples, by host) or an inspection record
/// was written for it, and missed like a missed inspection otherwise.
/// Servers are the register's devices and every host with metrics; a day
/// is due, as an inspection is, one day after it ends.
pub fn server_coverage(
    monitored: &BTreeMap<String, BTreeSet<NaiveDate>>,
    notes: &[Note],
    service: Option<(NaiveDate, NaiveDate)>,
    clock: &Clock,
) -> Vec<ObligationResult> {
    let tz = clock.tz();
    let today = clock.today();
    let inspections: Vec<(NaiveDate, String)> = notes
        .iter()
        .filter(|n| n.kind == crate::load::notes::Kind::Inspection)
        .filter_map(|n| Some((n.meta.day(tz).filter(|d| *d <= today)?, n.id())))
        .collect();
    monitored
        .iter()
        .map(|(host, days)| {
            let ob = Obligation {
                name: format!("服务器巡检 {host}"),
                every: Every::Day,
                kind: "inspections".into(),
                matches: BTreeMap::new(),
                grace: Dur::days(1),
            };
            let satisfying = inspections
                .iter()
                .cloned()
                .chain(days.iter().map(|d| (*d, METRICS.to_string())));
            judge(&ob, satisfying, service, clock.now(), tz)
        })
        .collect()
}

impl ObligationsReport {
    /// The report with `more` obligations judged beside its own.
    pub fn with(&self, more: Vec<ObligationResult>) -> ObligationsReport {
        let mut all = self.obligations.clone();
        all.extend(more);
        report(self.service_period, all)
    }

    /// The report as if only the notes whose ids `keep` accepts had been
    /// written: a period met by other notes alone is judged again, missed
    /// once due and pending before. Judged at `now`, the clock of the
    /// original report.
    pub fn only_notes(&self, keep: impl Fn(&str) -> bool, now: DateTime<FixedOffset>) -> ObligationsReport {
        let results = self
            .obligations
            .iter()
            .map(|ob| {
                let periods: Vec<PeriodResult> = ob
                    .periods
                    .iter()
                    .map(|p| {
                        let notes: Vec<String> = p.notes.iter().filter(|id| keep(id)).cloned().collect();
                        PeriodResult {
                            status: status(!notes.is_empty(), p.due.0, now),
                            notes,
                            ..p.clone()
                        }
                    })
                    .collect();
                ObligationResult {
                    counts: Counts::of(&periods),
                    periods,
                    ..ob.clone()
                }
            })
            .collect();
        report(self.service_period, results)
    }
}

impl Counts {
    fn of(periods: &[PeriodResult]) -> Counts {
        let mut counts = Counts::default();
        for p in periods {
            match p.status {
                PeriodStatus::Met => counts.met += 1,
                PeriodStatus::Missed => counts.missed += 1,
                PeriodStatus::Pending => counts.pending += 1,
            }
        }
        counts
    }
}

/// The report of judged obligations: every missed period listed.
fn report(service_period: Option<ServicePeriod>, results: Vec<ObligationResult>) -> ObligationsReport {
    let missed: Vec<Missed> = results
        .iter()
        .flat_map(|r| {
            r.periods
                .iter()
                .filter(|p| p.status == PeriodStatus::Missed)
                .map(|p| Missed {
                    name: r.name.clone(),
                    period: p.period,
                })
        })
        .collect();
    ObligationsReport {
        ok: missed.is_empty(),
        service_period,
        obligations: results,
        missed,
    }
}

/// A period with a satisfying note is met; without one it is missed once
/// due, pending before.
fn status(satisfied: bool, due: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> PeriodStatus {
    if satisfied {
        PeriodStatus::Met
    } else if due <= now {
        PeriodStatus::Missed
    } else {
        PeriodStatus::Pending
    }
}

/// One obligation's periods, given the days and ids of the notes that match it.
fn judge(
    ob: &Obligation,
    satisfying: impl Iterator<Item = (NaiveDate, String)>,
    service: Option<(NaiveDate, NaiveDate)>,
    now: DateTime<FixedOffset>,
    tz: chrono_tz::Tz,
) -> ObligationResult {
    let mut by_period: BTreeMap<Period, Vec<String>> = BTreeMap::new();
    for (day, id) in satisfying {
        by_period
            .entry(Period::containing(ob.every, day))
            .or_default()
            .push(id);
    }
    let periods = match service {
        Some((start, end)) => Period::range(ob.every, start, end),
        None => Vec::new(),
    };
    let periods: Vec<PeriodResult> = periods
        .into_iter()
        .map(|period| {
            // Dates (years 2000–2099) and graces (at most 100 years) are
            // bounded when read, so this cannot overflow; checked all the
            // same, so that no value can make a run panic here.
            let period_end = start_of_day(period.next().first_day(), tz);
            let due = period_end
                .checked_add_signed(ob.grace.to_chrono())
                .unwrap_or(period_end);
            let mut notes = by_period.remove(&period).unwrap_or_default();
            notes.sort();
            PeriodResult {
                period,
                status: status(!notes.is_empty(), due, now),
                due: Timestamp(due),
                notes,
            }
        })
        .collect();
    ObligationResult {
        name: ob.name.clone(),
        every: ob.every,
        kind: ob.kind.clone(),
        grace: ob.grace,
        counts: Counts::of(&periods),
        periods,
    }
}

/// Whether every `where` key of the obligation equals the note's value.
fn matches_where(ob: &Obligation, meta: &serde_json::Value) -> bool {
    ob.matches
        .iter()
        .all(|(key, want)| value_matches(want, meta.get(key)))
}

/// A schedule's TOML value against a note's value as JSON. Numbers compare by
/// value (`80` equals `80.0`), tables by the keys they name, dates by their
/// text (`2025-03-11`).
fn value_matches(want: &toml::Value, have: Option<&serde_json::Value>) -> bool {
    use serde_json::Value as J;
    use toml::Value as T;
    let Some(have) = have else { return false };
    match (want, have) {
        (T::String(a), J::String(b)) => a == b,
        (T::Boolean(a), J::Bool(b)) => a == b,
        (T::Integer(a), J::Number(b)) => b.as_f64() == Some(*a as f64),
        (T::Float(a), J::Number(b)) => b.as_f64() == Some(*a),
        (T::Datetime(a), J::String(b)) => a.to_string() == *b,
        (T::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| value_matches(x, Some(y)))
        }
        (T::Table(a), J::Object(b)) => a.iter().all(|(k, v)| value_matches(v, b.get(k))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::notes::parse_note;
    use crate::load::schedules::Schedules;
    use crate::time::DEFAULT_TIMEZONE;
    use chrono::Datelike;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn clock(at: &str) -> Clock {
        Clock::parse(at, DEFAULT_TIMEZONE).unwrap()
    }

    fn inspection(date: NaiveDate, seq: u32, cycle: Option<&str>) -> Note {
        let id = format!("{}-{seq:02}", date.format("%y%m%d"));
        let cycle = cycle.map(|c| format!("cycle = \"{c}\"\n")).unwrap_or_default();
        let text = format!(
            "+++\nid = \"{id}\"\ndate = {date}\n{cycle}inspector = \"李婷\"\nmethod = \"remote\"\n+++\n"
        );
        parse_note("x.md", text.as_bytes(), Some("inspections"), DEFAULT_TIMEZONE).unwrap()
    }

    fn training(date: NaiveDate) -> Note {
        let text = format!(
            "+++\nid = \"TR-{}-01\"\ndate = {date}\ntopic = \"公文传输操作\"\n+++\n",
            date.format("%y%m%d")
        );
        parse_note("x.md", text.as_bytes(), Some("trainings"), DEFAULT_TIMEZONE).unwrap()
    }

    fn obligation(name: &str) -> Obligation {
        Schedules::contract_default()
            .obligations
            .into_iter()
            .find(|o| o.name == name)
            .unwrap()
    }

    fn year_2025() -> Option<(NaiveDate, NaiveDate)> {
        Some((d(2025, 1, 1), d(2025, 12, 31)))
    }

    fn missed_of(report: &ObligationsReport) -> Vec<String> {
        report
            .missed
            .iter()
            .map(|m| format!("{} {}", m.name, m.period))
            .collect()
    }

    /// Daily inspections for every day of 2025 except the given ones.
    fn daily_year_without(gaps: &[NaiveDate]) -> Vec<Note> {
        Period::range(Every::Day, d(2025, 1, 1), d(2025, 12, 31))
            .into_iter()
            .map(|p| p.first_day())
            .filter(|day| !gaps.contains(day))
            .map(|day| inspection(day, 1, if day.day0() % 2 == 0 { Some("daily") } else { None }))
            .collect()
    }

    #[test]
    fn daily_gaps_are_missed_once_the_grace_has_passed() {
        let notes = daily_year_without(&[d(2025, 3, 15), d(2025, 7, 1), d(2025, 12, 30)]);
        let ob = obligation("软件巡检报告");
        // 2025-12-30 is due at 2026-01-01 00:00 (end of day, plus one day of grace).
        let report = evaluate(
            std::slice::from_ref(&ob),
            &notes,
            year_2025(),
            &clock("2025-12-31T23:59:59"),
        );
        assert_eq!(
            missed_of(&report),
            ["软件巡检报告 2025-03-15", "软件巡检报告 2025-07-01"]
        );
        let r = &report.obligations[0];
        assert_eq!(
            r.counts,
            Counts {
                met: 362,
                missed: 2,
                pending: 1
            }
        );
        let dec30 = r
            .periods
            .iter()
            .find(|p| p.period == Period::Day(d(2025, 12, 30)))
            .unwrap();
        assert_eq!(dec30.status, PeriodStatus::Pending);
        assert_eq!(dec30.due.to_string(), "2026-01-01T00:00:00+08:00");

        let report = evaluate(&[ob], &notes, year_2025(), &clock("2026-01-01"));
        assert_eq!(report.missed.len(), 3);
        assert!(!report.ok);
        let r = &report.obligations[0];
        assert_eq!(
            r.counts,
            Counts {
                met: 362,
                missed: 3,
                pending: 0
            }
        );
        let jan1 = &r.periods[0];
        assert_eq!(jan1.notes, ["250101-01"]);

        // Without the records of 2025-01-01 and 2025-12-31: the first is
        // missed, the last still pending (due 2026-01-02, with the grace).
        let fewer = report.only_notes(
            |id| id != "250101-01" && id != "251231-01",
            clock("2026-01-01").now(),
        );
        assert_eq!(fewer.missed.len(), 4);
        assert!(!fewer.ok);
        let r = &fewer.obligations[0];
        assert_eq!(
            r.counts,
            Counts {
                met: 360,
                missed: 4,
                pending: 1
            }
        );
        assert_eq!(r.periods[0].status, PeriodStatus::Missed);
        assert!(r.periods[0].notes.is_empty());
        assert_eq!(r.periods.last().unwrap().status, PeriodStatus::Pending);
    }

    #[test]
    fn where_keys_compare_with_defaults_filled_in() {
        let notes = vec![
            inspection(d(2025, 3, 3), 1, None),
            inspection(d(2025, 3, 4), 1, Some("weekly")),
        ];
        let daily = obligation("软件巡检报告");
        let report = evaluate(
            &[daily],
            &notes,
            Some((d(2025, 3, 3), d(2025, 3, 4))),
            &clock("2025-03-10"),
        );
        let r = &report.obligations[0];
        // The note without `cycle` is a daily one; the weekly one is not.
        assert_eq!(r.periods[0].status, PeriodStatus::Met);
        assert_eq!(r.periods[1].status, PeriodStatus::Missed);
    }

    #[test]
    fn iso_weeks_cross_the_year_boundary() {
        let ob = obligation("周巡检");
        let service = Some((d(2025, 1, 1), d(2025, 12, 31)));
        // Weekly inspections every Monday, the first on 2024-12-30 (2025-W01),
        // none in 2025-W20, and none in 2026-W01 (which starts 2025-12-29).
        let notes: Vec<Note> = Period::range(Every::Week, d(2024, 12, 30), d(2025, 12, 28))
            .into_iter()
            .filter(|p| *p != Period::Week(2025, 20))
            .map(|p| inspection(p.first_day(), 2, Some("weekly")))
            .collect();
        let report = evaluate(std::slice::from_ref(&ob), &notes, service, &clock("2026-01-20"));
        let r = &report.obligations[0];
        assert_eq!(r.periods.first().unwrap().period.to_string(), "2025-W01");
        assert_eq!(r.periods.last().unwrap().period.to_string(), "2026-W01");
        assert_eq!(r.periods.len(), 53);
        assert_eq!(r.periods[0].notes, ["241230-02"]);
        assert_eq!(missed_of(&report), ["周巡检 2025-W20", "周巡检 2026-W01"]);

        // 2026-W01 ends Sunday 2026-01-04; with two days' grace it is due on
        // 2026-01-07, and pending before that.
        let report = evaluate(&[ob], &notes, service, &clock("2026-01-06T23:00:00"));
        assert_eq!(missed_of(&report), ["周巡检 2025-W20"]);
        let last = report.obligations[0].periods.last().unwrap();
        assert_eq!(last.status, PeriodStatus::Pending);
        assert_eq!(last.due.to_string(), "2026-01-07T00:00:00+08:00");
    }

    #[test]
    fn quarters_and_an_obligation_not_yet_due() {
        let ob = obligation("定期培训");
        let notes = vec![training(d(2025, 2, 25)), training(d(2025, 9, 18))];
        let report = evaluate(&[ob], &notes, year_2025(), &clock("2025-10-15"));
        let r = &report.obligations[0];
        let statuses: Vec<_> = r
            .periods
            .iter()
            .map(|p| (p.period.to_string(), p.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("2025-Q1".to_string(), PeriodStatus::Met),
                ("2025-Q2".to_string(), PeriodStatus::Missed),
                ("2025-Q3".to_string(), PeriodStatus::Met),
                ("2025-Q4".to_string(), PeriodStatus::Pending),
            ]
        );
        assert_eq!(missed_of(&report), ["定期培训 2025-Q2"]);
    }

    #[test]
    fn notes_after_the_clock_do_not_count_yet() {
        let ob = obligation("定期培训");
        let notes = vec![training(d(2025, 3, 20))];
        let before = evaluate(
            std::slice::from_ref(&ob),
            &notes,
            year_2025(),
            &clock("2025-03-19"),
        );
        assert_eq!(before.obligations[0].periods[0].status, PeriodStatus::Pending);
        let after = evaluate(&[ob], &notes, year_2025(), &clock("2025-03-20"));
        assert_eq!(after.obligations[0].periods[0].status, PeriodStatus::Met);
    }

    #[test]
    fn without_a_service_period_nothing_is_counted() {
        let report = evaluate(&[obligation("软件巡检报告")], &[], None, &clock("2025-06-01"));
        assert!(report.ok);
        assert!(report.service_period.is_none());
        assert!(report.obligations[0].periods.is_empty());
    }

    #[test]
    fn where_values_of_every_type() {
        let meta = serde_json::json!({
            "cycle": "daily", "ok": true, "n": 80.0, "date": "2025-03-11",
            "tags": ["a", "b"], "review": { "rating": "satisfied", "name": "王" }
        });
        let t = |s: &str| -> toml::Value {
            toml::from_str::<toml::Table>(&format!("v = {s}")).unwrap()["v"].clone()
        };
        for (want, key, expect) in [
            ("\"daily\"", "cycle", true),
            ("\"weekly\"", "cycle", false),
            ("true", "ok", true),
            ("80", "n", true),
            ("80.5", "n", false),
            ("2025-03-11", "date", true),
            ("[\"a\", \"b\"]", "tags", true),
            ("[\"a\"]", "tags", false),
            ("{ rating = \"satisfied\" }", "review", true),
            ("\"daily\"", "absent", false),
        ] {
            assert_eq!(value_matches(&t(want), meta.get(key)), expect, "{key} = {want}");
        }
    }
}
