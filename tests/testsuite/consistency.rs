//! One truth on every page: the example project and a project with faults
//! in every stage, each run at several clocks (mid-period, a minute past a
//! deadline, after the service period), and every count the portal shows
//! (dashboard, lists, monthly, quarterly and annual reports, `data/*.json`)
//! held against the nightly summary and against each other.
//!
//! The internal portal shows every note, so its counts are the nightly
//! summary's. The client's portal leaves the internal notes out: its SLA
//! counts are the nightly summary's less the internal notes' outcomes (read
//! from the internal portal's pages), while obligations, logs and backups
//! are the same judgement for both.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{Run, TestProject};

fn json(p: &TestProject, rel: &str) -> Value {
    serde_json::from_str(&p.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `nightly --json -` at `now`: the summary; the client's portal is built.
fn nightly(p: &TestProject, now: &str) -> Value {
    let run = p.run(&["--now", now, "nightly", "--json", "-"]);
    assert!(matches!(run.code(), 0 | 1), "{}", run.stderr());
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout()))
}

fn build(p: &TestProject, now: &str, audience: &str) -> Run {
    let run = p.run(&["--now", now, "build", "--audience", audience]);
    assert!(matches!(run.code(), 0 | 1), "{}", run.stderr());
    run
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn list(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}"))
}

/// Met, breached, pending.
type Tally = (u64, u64, u64);

fn tally(v: &Value) -> Tally {
    (n(&v["met"]), n(&v["breached"]), n(&v["pending"]))
}

fn add(a: Tally, b: Tally) -> Tally {
    (a.0 + b.0, a.1 + b.1, a.2 + b.2)
}

fn sub(a: Tally, b: Tally) -> Tally {
    (a.0 - b.0, a.1 - b.1, a.2 - b.2)
}

/// The outcomes of the internal notes, by rule and by month, from the
/// internal portal's note data.
#[derive(Default)]
struct Hidden {
    by_rule: BTreeMap<String, Tally>,
    by_month: BTreeMap<String, Tally>,
    files: BTreeSet<String>,
}

impl Hidden {
    fn read(p: &TestProject) -> Hidden {
        let mut h = Hidden::default();
        for kind in ["incidents", "upgrades", "vulnerabilities"] {
            let dir = p.join(&format!("site/data/{kind}"));
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries {
                let path = e.unwrap().path();
                if path.file_name().unwrap() == "index.json" {
                    continue;
                }
                let notes: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                for v in list(&notes)
                    .iter()
                    .filter(|v| v["note"]["audience"] == "internal")
                {
                    h.files.insert(v["note"]["path"].as_str().unwrap().to_string());
                    let month = v["note"]["date"].as_str().unwrap()[..7].to_string();
                    for o in list(&v["sla"]) {
                        let one = match o["status"].as_str().unwrap() {
                            "met" => (1, 0, 0),
                            "breached" => (0, 1, 0),
                            _ => (0, 0, 1),
                        };
                        let rule = o["rule"].as_str().unwrap().to_string();
                        let r = h.by_rule.entry(rule).or_default();
                        *r = add(*r, one);
                        let m = h.by_month.entry(month.clone()).or_default();
                        *m = add(*m, one);
                    }
                }
            }
        }
        h
    }
}

/// The portal in `site/` agrees with the nightly summary, less what
/// `hidden` (the internal notes, for the client's portal) accounts for.
fn agrees_with_nightly(p: &TestProject, night: &Value, hidden: &Hidden, what: &str) {
    let contract = json(p, "site/data/contract.json");
    let dashboard = json(p, "site/data/dashboard.json");

    // SLA: per rule, per month, in all, and every breach.
    let mut total = (0, 0, 0);
    for rule in list(&night["sla"]["rules"]) {
        let name = rule["rule"].as_str().unwrap();
        let expected = sub(tally(rule), hidden.by_rule.get(name).copied().unwrap_or_default());
        let shown = list(&contract["sla"]["rules"])
            .iter()
            .find(|r| r["rule"] == name)
            .unwrap_or_else(|| panic!("{what}: no rule {name}"));
        assert_eq!(tally(shown), expected, "{what}: rule {name}");
        assert_eq!(shown["limit"], rule["limit"], "{what}: limit of {name}");
        total = add(total, expected);
    }
    assert_eq!(tally(&contract["sla"]["total"]), total, "{what}: SLA total");
    assert_eq!(
        tally(&dashboard["sla"]["total"]),
        total,
        "{what}: dashboard SLA total"
    );
    let months: BTreeMap<String, Tally> = list(&night["sla"]["months"])
        .iter()
        .map(|m| {
            let month = m["month"].as_str().unwrap().to_string();
            let hide = hidden.by_month.get(&month).copied().unwrap_or_default();
            (month, sub(tally(m), hide))
        })
        .filter(|(_, t)| *t != (0, 0, 0))
        .collect();
    let shown: BTreeMap<String, Tally> = list(&contract["sla"]["months"])
        .iter()
        .map(|m| (m["month"].as_str().unwrap().to_string(), tally(m)))
        .collect();
    assert_eq!(shown, months, "{what}: SLA per month");
    let breaches: BTreeSet<(String, String)> = list(&night["sla"]["breaches"])
        .iter()
        .filter(|b| !hidden.files.contains(b["file"].as_str().unwrap()))
        .map(|b| {
            (
                b["id"].as_str().unwrap().into(),
                b["rule"].as_str().unwrap().into(),
            )
        })
        .collect();
    let shown: BTreeSet<(String, String)> = list(&contract["sla"]["breaches"])
        .iter()
        .map(|b| {
            (
                b["note"]["id"].as_str().unwrap().into(),
                b["rule"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(shown, breaches, "{what}: breaches");
    assert_eq!(
        n(&dashboard["sla"]["breach_count"]),
        breaches.len() as u64,
        "{what}"
    );

    // Obligations: judged once, the same for every audience.
    let counts = |v: &Value| -> Vec<(String, Tally)> {
        list(v)
            .iter()
            .map(|o| {
                let t = (n(&o["met"]), n(&o["missed"]), n(&o["pending"]));
                (o["name"].as_str().unwrap().to_string(), t)
            })
            .collect()
    };
    let obligations = counts(&night["obligations"]["obligations"]);
    assert_eq!(
        counts(&contract["obligations"]),
        obligations,
        "{what}: obligations"
    );
    assert_eq!(counts(&dashboard["schedule"]), obligations, "{what}: schedule");
    assert_eq!(
        contract["missed"], night["obligations"]["missed"],
        "{what}: missed"
    );

    // Logs: every day's counts, and the recent days' alerts.
    if let Some(days) = night["logs"]["days"].as_array() {
        let logs = json(p, "site/data/logs/index.json");
        let row = |d: &Value| {
            (
                d["date"].as_str().unwrap().to_string(),
                n(&d["errors"]),
                n(&d["failed_logins"]),
                n(&d["exchange_failed"]),
            )
        };
        let mut expected: Vec<_> = days.iter().map(row).collect();
        expected.reverse();
        assert_eq!(
            list(&logs["days"]).iter().map(row).collect::<Vec<_>>(),
            expected,
            "{what}: log days"
        );
        let recent: usize = days
            .iter()
            .filter(|d| d["recent"] == true)
            .map(|d| list(&d["alerts"]).len())
            .sum();
        assert_eq!(
            list(&dashboard["log_alerts"]["alerts"]).len(),
            recent,
            "{what}: recent alerts"
        );
        assert_eq!(logs["recent"], night["logs"]["recent"], "{what}: the recent days");
    }

    // Backups: each set's last verification.
    if let Some(sets) = night["verify"]["sets"].as_array() {
        for s in sets {
            let shown = list(&dashboard["backups"])
                .iter()
                .find(|b| b["name"] == s["name"])
                .unwrap_or_else(|| panic!("{what}: set {}", s["name"]));
            assert_eq!(shown["ok"], s["ok"], "{what}");
            assert_eq!(n(&shown["problems"]), list(&s["problems"]).len() as u64, "{what}");
        }
    }
}

/// The pages of `site/` agree with each other: the dashboard with the
/// lists, the lists with every report, each note with its outcomes.
fn agrees_within(p: &TestProject, what: &str) {
    let dashboard = json(p, "site/data/dashboard.json");
    let contract = json(p, "site/data/contract.json");
    let index = |kind: &str| json(p, &format!("site/data/{kind}/index.json"));
    let ids = |rows: &Value, keep: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        list(rows)
            .iter()
            .filter(|r| keep(r))
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (incidents, vulnerabilities, workorders) =
        (index("incidents"), index("vulnerabilities"), index("workorders"));
    for (kind, rows) in [
        ("incidents", &incidents),
        ("vulnerabilities", &vulnerabilities),
        ("workorders", &workorders),
        ("trainings", &index("trainings")),
        ("upgrades", &index("upgrades")),
    ] {
        assert_eq!(
            n(&dashboard["totals"][kind]),
            list(rows).len() as u64,
            "{what}: {kind}"
        );
    }
    let months = index("inspections");
    let inspections: u64 = list(&months).iter().map(|m| n(&m["total"])).sum();
    assert_eq!(
        n(&dashboard["totals"]["inspections"]),
        inspections,
        "{what}: inspections"
    );
    let open = |r: &Value| r["open"] == true;
    assert_eq!(
        ids(&dashboard["open_incidents"], &|_| true),
        ids(&incidents, &open),
        "{what}"
    );
    assert_eq!(
        ids(&dashboard["open_vulnerabilities"], &|_| true),
        ids(&vulnerabilities, &open),
        "{what}"
    );
    let pending = |r: &Value| r["status"] == "open" || r["status"] == "approved";
    assert_eq!(
        ids(&dashboard["pending_workorders"], &|_| true),
        ids(&workorders, &pending),
        "{what}"
    );

    // Each note's page data: open as its resolve or fix rule says.
    for (kind, main) in [
        ("incidents", "_resolve"),
        ("vulnerabilities", "_fix"),
        ("upgrades", "upgrade_window"),
    ] {
        for e in std::fs::read_dir(p.join(&format!("site/data/{kind}"))).unwrap() {
            let path = e.unwrap().path();
            if path.file_name().unwrap() == "index.json" {
                continue;
            }
            let notes: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for v in list(&notes) {
                let rule = list(&v["sla"])
                    .iter()
                    .find(|o| o["rule"].as_str().unwrap().ends_with(main))
                    .unwrap_or_else(|| panic!("{what}: {} has no {main} outcome", v["note"]["id"]));
                assert_eq!(v["open"], rule["open"], "{what}: {}", v["note"]["id"]);
                let closed_at = match kind {
                    "incidents" => &v["resolved_at"],
                    "vulnerabilities" => &v["fixed_at"],
                    _ => &v["window_end"],
                };
                assert_eq!(
                    closed_at.is_null(),
                    v["open"] == true,
                    "{what}: {}",
                    v["note"]["id"]
                );
            }
        }
    }

    // Every report: its counts are the lists' counts over its days, its SLA
    // figures the contract's months, its obligations the contract's periods.
    let reports = p.join("site/data/reports");
    let sla_months: BTreeMap<String, Tally> = list(&contract["sla"]["months"])
        .iter()
        .map(|m| (m["month"].as_str().unwrap().to_string(), tally(m)))
        .collect();
    let mut checked = 0;
    for e in std::fs::read_dir(&reports).unwrap() {
        let s: Value = serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
        let (from, to) = (s["from"].as_str().unwrap(), s["to"].as_str().unwrap());
        let period = s["period"].as_str().unwrap();
        let within = |date: &str| from <= &date[..10] && &date[..10] <= to;
        let count = |rows: &Value, date: &str, keep: &dyn Fn(&Value) -> bool| {
            list(rows)
                .iter()
                .filter(|r| within(r[date].as_str().unwrap()) && keep(r))
                .count() as u64
        };
        assert_eq!(
            n(&s["incidents"]["total"]),
            count(&incidents, "reported_at", &|_| true),
            "{what}: {period}"
        );
        assert_eq!(
            n(&s["incidents"]["open"]),
            count(&incidents, "reported_at", &open),
            "{what}: {period}"
        );
        assert_eq!(
            n(&s["workorders"]["total"]),
            count(&workorders, "requested_at", &|_| true),
            "{what}: {period}"
        );
        assert_eq!(
            n(&s["workorders"]["done"]),
            count(&workorders, "requested_at", &|r| r["status"] == "done"),
            "{what}: {period}"
        );
        let sla = sla_months
            .iter()
            .filter(|(m, _)| from[..7] <= m[..] && m[..] <= to[..7])
            .fold((0, 0, 0), |a, (_, t)| add(a, *t));
        assert_eq!(tally(&s["sla"]["total"]), sla, "{what}: SLA of {period}");
        if s["every"] == "year" {
            for (ob, all) in list(&s["obligations"]).iter().zip(list(&contract["obligations"])) {
                assert_eq!(
                    tally_of_periods(ob),
                    tally_of_periods(all),
                    "{what}: {period} {}",
                    ob["name"]
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "{what}: no report");

    agrees_on_the_schedule_page(p, &dashboard, &contract, what);

    // The figures the dashboard's HTML prints are its data's.
    let html = p.read("site/index.html");
    let t = &dashboard["sla"]["total"];
    if n(&t["met"]) + n(&t["breached"]) + n(&t["pending"]) > 0 {
        for (label, key) in [("达标", "met"), ("超时", "breached"), ("进行中", "pending")] {
            let shown = format!("{label} {}", t[key]);
            assert!(html.contains(&shown), "{what}: the dashboard lacks {shown:?}");
        }
    }
}

/// The schedule and SLA page shows the dashboard's and the contract's
/// figures, and the annual reports' together: every obligation's periods,
/// the SLA outcomes and every breach, in its data and on the page.
fn agrees_on_the_schedule_page(p: &TestProject, dashboard: &Value, contract: &Value, what: &str) {
    let schedule = json(p, "site/data/schedule.json");
    let rows = list(&schedule["rows"]);
    let names = |v: &Value| -> Vec<(String, Tally)> {
        list(v)
            .iter()
            .map(|o| (o["name"].as_str().unwrap().to_string(), tally_of_periods(o)))
            .collect()
    };
    assert_eq!(
        names(&schedule["rows"]),
        names(&dashboard["schedule"]),
        "{what}: schedule page"
    );
    assert_eq!(
        names(&schedule["rows"]),
        names(&contract["obligations"]),
        "{what}: schedule page"
    );
    for r in rows {
        let (met, missed, pending) = tally_of_periods(r);
        let name = r["name"].as_str().unwrap();
        assert_eq!(met + missed + pending, n(&r["periods"]), "{what}: {name}");
        assert!(
            n(&r["due"]) >= missed && n(&r["late"]) <= pending,
            "{what}: {name} {r}"
        );
        assert_eq!(
            list(&r["late_periods"]).len() as u64,
            n(&r["late"]),
            "{what}: {name}"
        );
    }

    // The SLA part is the dashboard's, and the contract's every breach.
    assert_eq!(
        tally(&schedule["sla"]["total"]),
        tally(&dashboard["sla"]["total"]),
        "{what}"
    );
    let breaches = |v: &Value| -> BTreeSet<(String, String)> {
        list(v)
            .iter()
            .map(|b| {
                (
                    b["note"]["id"].as_str().unwrap().into(),
                    b["rule"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let all = breaches(&contract["sla"]["breaches"]);
    assert_eq!(
        breaches(&schedule["sla"]["breaches"]),
        all,
        "{what}: schedule breaches"
    );
    assert_eq!(n(&dashboard["sla"]["breach_count"]), all.len() as u64, "{what}");

    // The annual reports together: the same periods, outcomes and breaches.
    let mut obligations: BTreeMap<String, Tally> = BTreeMap::new();
    let (mut sla, mut in_years) = ((0, 0, 0), BTreeSet::new());
    for e in std::fs::read_dir(p.join("site/data/reports")).unwrap() {
        let s: Value = serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
        if s["every"] != "year" {
            continue;
        }
        for ob in list(&s["obligations"]) {
            let t = obligations
                .entry(ob["name"].as_str().unwrap().into())
                .or_default();
            *t = add(*t, tally_of_periods(ob));
        }
        sla = add(sla, tally(&s["sla"]["total"]));
        in_years.extend(breaches(&s["sla"]["breaches"]));
    }
    if !obligations.is_empty() {
        let rows: BTreeMap<String, Tally> = names(&schedule["rows"]).into_iter().collect();
        assert_eq!(rows, obligations, "{what}: the annual reports' obligations");
    }
    assert_eq!(
        tally(&schedule["sla"]["total"]),
        sla,
        "{what}: the annual reports' SLA"
    );
    assert_eq!(in_years, all, "{what}: the annual reports' breaches");

    // The page prints its data: each row's figures after its name, each
    // breach with its record, linked where the audience has its page.
    let html = p.read("site/schedule/index.html");
    let text = text_of(&html);
    for r in rows {
        let figures = format!("{} {} {} {}", r["periods"], r["due"], r["met"], r["missed"]);
        let name = r["name"].as_str().unwrap();
        let at = text
            .find(&format!("{name} "))
            .unwrap_or_else(|| panic!("{what}: no row {name}"));
        assert!(
            text[at..].contains(&figures),
            "{what}: {name} lacks {figures:?}: {text}"
        );
    }
    for b in list(&schedule["sla"]["breaches"]) {
        let id = b["note"]["id"].as_str().unwrap();
        match b["note"]["url"].as_str() {
            Some(url) => assert!(
                html.contains(&format!("href=\"../{url}\">{id}</a>")),
                "{what}: {id} not linked"
            ),
            None => assert!(text.contains(id), "{what}: {id}"),
        }
    }
}

fn tally_of_periods(o: &Value) -> Tally {
    (n(&o["met"]), n(&o["missed"]), n(&o["pending"]))
}

/// Nightly at `now`, then each audience's portal checked.
fn check_at(p: &TestProject, now: &str) {
    let night = nightly(p, now);
    build(p, now, "internal");
    let hidden = Hidden::read(p);
    agrees_with_nightly(p, &night, &Hidden::default(), &format!("internal at {now}"));
    agrees_within(p, &format!("internal at {now}"));
    build(p, now, "client");
    agrees_with_nightly(p, &night, &hidden, &format!("client at {now}"));
    agrees_within(p, &format!("client at {now}"));
}

#[test]
fn the_example_portal_agrees_with_the_nightly_summary_at_every_clock() {
    let p = TestProject::example();
    // Mid-period; a minute past the day INC-251118-01's FAQ entry was due;
    // after the service period.
    for now in [
        "2025-06-15T12:00:00",
        "2025-11-25T10:51:00",
        "2026-02-01T09:00:00",
    ] {
        check_at(&p, now);
    }
}

/// The portal fixture (breaches, an internal incident, a damaged backup, a
/// day of log alerts) with an incident that stays open and a finding fixed
/// after the service period.
fn faults() -> TestProject {
    let p = TestProject::fixture("portal");
    p.file(
        "content/incidents/INC-250520-01.md",
        "+++\nid = \"INC-250520-01\"\ntitle = \"统一认证登录缓慢\"\nseverity = \"general\"\nreported_at = 2025-05-20T09:00:00\nengineers = [\"张昊\"]\n+++\n",
    );
    p.file(
        "content/vulnerabilities/VUL-250501-01.md",
        "+++\nid = \"VUL-250501-01\"\ntitle = \"弱口令\"\nsource = \"等保测评机构\"\nseverity = \"medium\"\nfound_at = 2025-05-01T10:00:00\nfixed_at = 2025-06-10T10:00:00\n+++\n",
    );
    p
}

#[test]
fn a_portal_with_faults_agrees_with_the_nightly_summary_at_every_clock() {
    let p = faults();
    // Mid-period; a minute past INC-250520-01's two hours; after the period.
    for now in [
        "2025-04-15T12:00:00",
        "2025-05-20T11:01:00",
        "2025-07-01T09:00:00",
    ] {
        check_at(&p, now);
    }
    // The client's counts were checked less an internal incident's.
    build(&p, "2025-05-20T11:01:00", "internal");
    assert!(
        Hidden::read(&p)
            .files
            .contains("content/incidents/INC-250323-01.md")
    );
    // A minute past its limit, the open incident is a breach on every page.
    let night = nightly(&p, "2025-05-20T11:01:00");
    assert!(
        list(&night["sla"]["breaches"])
            .iter()
            .any(|b| b["id"] == "INC-250520-01" && b["rule"] == "general_resolve"),
        "{night}"
    );
    assert!(p.read("site/incidents/index.html").contains("INC-250520-01"));
}

/// The `<main>` of a page, without tags: what a reader sees.
fn text_of(html: &str) -> String {
    let main = &html[html.find("<main>").unwrap()..html.find("</main>").unwrap()];
    let tags = regex::Regex::new(r"<[^>]+>").unwrap();
    tags.replace_all(main, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_fix_dated_after_the_clock_has_not_happened_on_any_page() {
    let p = TestProject::new();
    p.file(
        "content/vulnerabilities/VUL-250301-01.md",
        "+++\nid = \"VUL-250301-01\"\ntitle = \"弱口令\"\nsource = \"等保测评机构\"\nseverity = \"high\"\nfound_at = 2025-03-01T10:00:00\nfixed_at = 2025-03-20T10:00:00\n+++\n",
    );
    p.file(
        "content/incidents/INC-250310-01.md",
        "+++\nid = \"INC-250310-01\"\ntitle = \"公文交换超时\"\nseverity = \"major\"\nreported_at = 2025-03-10T08:00:00\nresolved_at = 2025-03-10T15:00:00\nengineers = [\"张昊\"]\n+++\n",
    );
    build(&p, "2025-03-10T12:00:00", "client");

    // The finding: open, nine days against seven, on its page, its row, the
    // dashboard and the month's report; its outcome says the same.
    let page = text_of(&p.read("site/vulnerabilities/VUL-250301-01.html"));
    assert!(page.contains("修复时间 未修复"), "{page}");
    assert!(
        !page.contains("2025-03-20"),
        "a fix after the clock is shown: {page}"
    );
    let row = &json(&p, "site/data/vulnerabilities/index.json")[0];
    assert_eq!(
        (&row["open"], &row["fixed_at"], &row["time_to_fix"]),
        (&true.into(), &Value::Null, &Value::Null)
    );
    assert_eq!(
        (&row["over_limit"], &row["sla"]),
        (&true.into(), &"breached".into())
    );
    let dashboard = json(&p, "site/data/dashboard.json");
    assert_eq!(dashboard["open_vulnerabilities"][0]["id"], "VUL-250301-01");
    let march = json(&p, "site/data/reports/2025-03.json");
    let v = &march["vulnerabilities"];
    assert_eq!((n(&v["found"]), n(&v["fixed"]), n(&v["open_at_end"])), (1, 0, 1));

    // The incident: still open at noon, its resolution not yet shown.
    let page = text_of(&p.read("site/incidents/INC-250310-01.html"));
    assert!(
        page.contains("处理状态 处理中") || page.contains("处理中"),
        "{page}"
    );
    assert!(
        !page.contains("15:00"),
        "a resolution after the clock is shown: {page}"
    );
    assert_eq!(dashboard["open_incidents"][0]["id"], "INC-250310-01");
    assert_eq!(n(&march["incidents"]["open"]), 1);
    let contract = json(&p, "site/data/contract.json");
    let major = list(&contract["sla"]["rules"])
        .iter()
        .find(|r| r["rule"] == "major_resolve")
        .unwrap()
        .clone();
    assert_eq!(tally(&major), (0, 0, 1), "four hours of eight: pending");
}

#[test]
fn the_numbers_in_a_reports_prose_are_its_tables_for_each_audience() {
    let p = TestProject::example();
    // The annual text names its figures, as the repository's example does;
    // one of the eleven work orders is internal.
    p.file(
        "content/reports/2025.md",
        "+++\nperiod = \"2025\"\n+++\n\n全年受理项目工单 {workorders.total} 项（完成 {workorders.done} 项）。\n",
    );
    for (audience, total, done) in [("client", 10, 7), ("internal", 11, 8)] {
        build(&p, "2026-01-05", audience);
        let data = json(&p, "site/data/reports/2025.json");
        let w = &data["workorders"];
        assert_eq!((n(&w["total"]), n(&w["done"])), (total, done), "{audience}");
        let page = text_of(&p.read("site/reports/2025.html"));
        // The hand-written text, its figures filled from the same fields…
        let written = format!("全年受理项目工单 {total} 项（完成 {done} 项");
        assert!(page.contains(&written), "{audience}: {written:?} not in {page}");
        // …the sentence the report writes itself…
        let digest = format!("受理项目工单 {total} 项（已完成 {done} 项）");
        assert!(page.contains(&digest), "{audience}: {digest:?} not in {page}");
        // …and the table beside them.
        let table = format!("{total}（已完成 {done}");
        assert!(page.contains(&table), "{audience}: {table:?} not in {page}");
        assert!(!page.contains('{'), "{audience}: a placeholder was left: {page}");
    }
}

#[test]
fn an_unknown_figure_in_a_report_text_is_shown_as_written_and_reported() {
    let p = TestProject::new();
    p.file(
        "content/reports/2025-03.md",
        "+++\nperiod = \"2025-03\"\n+++\n\n本月受理工单 {workorders.total} 项。\n\n故障 {incidents.totl} 起。\n",
    );
    build(&p, "2025-04-01", "internal");
    let page = text_of(&p.read("site/reports/2025-03.html"));
    assert!(page.contains("本月受理工单 0 项。"), "{page}");
    assert!(page.contains("故障 {incidents.totl} 起。"), "{page}");
    let site = json(&p, "site/data/site.json");
    let problem = list(&site["check"]["problems"])
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("{incidents.totl}"))
        .unwrap_or_else(|| panic!("{site}"))
        .clone();
    assert_eq!(
        (&problem["file"], &problem["line"]),
        (&"content/reports/2025-03.md".into(), &7.into())
    );
}

#[test]
fn recent_is_the_logs_recent_setting_on_every_page_and_says_its_days() {
    let p = TestProject::fixture("portal");
    // The alerts of 03-30 are five days old: not recent with `[logs] recent`
    // of two days, for the exit code and for every page.
    let night = nightly(&p, "2025-04-04T09:00:00");
    assert_eq!(night["logs"]["ok"], true, "{}", night["logs"]);
    let dashboard = json(&p, "site/data/dashboard.json");
    assert_eq!(list(&dashboard["log_alerts"]["alerts"]).len(), 0);
    assert!(n(&dashboard["log_alerts"]["earlier"]) > 0);
    for page in ["site/index.html", "site/logs/index.html"] {
        let text = text_of(&p.read(page));
        assert!(
            text.contains("2025-04-03 至 2025-04-04（近 2 天）没有告警。"),
            "{page}: {text}"
        );
        assert!(!text.contains("近 7 天"), "{page}: {text}");
    }

    // With `recent = "7d"`, they are recent everywhere, and the run fails.
    let settings = p
        .read("opsbook.toml")
        .replace("[logs]\n", "[logs]\nrecent = \"7d\"\n");
    p.file("opsbook.toml", settings);
    let night = nightly(&p, "2025-04-04T09:00:00");
    assert_eq!(night["logs"]["ok"], false);
    let dashboard = json(&p, "site/data/dashboard.json");
    let alerts = list(&dashboard["log_alerts"]["alerts"]);
    assert!(!alerts.is_empty() && alerts.iter().all(|a| a["date"] == "2025-03-30"));
    let text = text_of(&p.read("site/logs/index.html"));
    assert!(
        text.contains("近 7 天的告警（2025-03-29 至 2025-04-04）"),
        "{text}"
    );
}

#[test]
fn after_the_service_period_the_portal_is_the_record_at_its_end() {
    let p = faults();
    let run = p.run(&["--now", "2025-07-01T09:00:00", "nightly"]);
    let out = run.stdout();
    assert_eq!(
        out.matches("the service period ended on 2025-05-31").count(),
        1,
        "the nightly summary says so once:\n{out}"
    );

    let dashboard = text_of(&p.read("site/index.html"));
    assert!(dashboard.contains("数据截至 2025 年 5 月 31 日"), "{dashboard}");
    assert!(
        dashboard.contains("服务期已于 2025 年 5 月 31 日 结束"),
        "{dashboard}"
    );
    assert!(!dashboard.contains("今日尚无巡检记录"), "{dashboard}");
    assert!(
        dashboard.contains("服务期结束时未处理完毕的故障 INC-250520-01"),
        "{dashboard}"
    );
    // The finding fixed in June was open when the period ended.
    assert!(
        dashboard.contains("服务期结束时未修复的安全漏洞 VUL-250501-01"),
        "{dashboard}"
    );

    // The open incident's limit is measured to the end of the period, not
    // to July: 11 days 15 hours from 05-20 09:00.
    let incidents = json(&p, "site/data/incidents/2025.json");
    let open = list(&incidents)
        .iter()
        .find(|v| v["note"]["id"] == "INC-250520-01")
        .unwrap();
    assert_eq!(open["sla"][0]["actual"], "11d15h");
    assert_eq!(open["resolved_at"], Value::Null);

    // The last report: the verification that ran after the end is said to
    // be after it, not missing.
    let year = json(&p, "site/data/reports/2025.json");
    assert_eq!(n(&year["backups"]["runs"]), 0);
    assert_eq!(n(&year["backups"]["after_end"]["runs"]), 1);
    let page = text_of(&p.read("site/reports/2025.html"));
    assert!(page.contains("服务期结束后又校验 1 次"), "{page}");
    assert!(
        page.contains("服务期结束时，本期故障中仍有 1 起未排除。"),
        "{page}"
    );
}
