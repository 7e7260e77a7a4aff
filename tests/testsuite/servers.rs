//! Server inspection records: made from a host's metrics, errors and backup
//! jobs, they must say what the samples say. The test computes each figure
//! from the samples it wrote, by itself, and compares.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write as _;

use serde_json::Value;

use crate::support::{MINIMAL_SETTINGS, TestProject};

/// One metric sample: day of December 2025, minute of the day, second,
/// cpu, mem, disk.
#[derive(Clone, Copy)]
struct Sample {
    day: u32,
    minute: u32,
    second: u32,
    cpu: f64,
    mem: f64,
    disk: f64,
}

impl Sample {
    fn line(&self, host: &str) -> String {
        format!(
            r#"{{"ts":"2025-12-{:02}T{:02}:{:02}:{:02}+08:00","level":"INFO","host":"{host}","service":"agent","event":"metric","cpu":{},"mem":{},"disk":{}}}"#,
            self.day,
            self.minute / 60,
            self.minute % 60,
            self.second,
            self.cpu,
            self.mem,
            self.disk
        )
    }
}

/// Two days of samples every 5 minutes (with a jitter of seconds), from a
/// fixed pseudo-random sequence: an outage of 40 minutes on the first day,
/// a few samples over the thresholds, and the second day ending early.
fn samples() -> Vec<Sample> {
    let mut seed: u64 = 7;
    let mut next = move |range: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % range
    };
    let mut out = Vec::new();
    for day in [1, 2] {
        let mut minute = 1;
        while minute < 1440 {
            let down = day == 1 && (600..640).contains(&minute);
            let ended = day == 2 && minute > 1300;
            if !down && !ended {
                let spike = day == 1 && (800..815).contains(&minute);
                out.push(Sample {
                    day,
                    minute,
                    second: next(50) as u32,
                    cpu: if spike { 95.5 } else { (next(6000) as f64) / 100.0 },
                    mem: 40.0 + (next(300) as f64) / 10.0,
                    disk: if day == 2 && minute == 721 { 88.0 } else { 70.25 },
                });
            }
            minute += 5;
        }
    }
    out
}

/// What the record of `day` should say, computed here from the samples.
struct Expected {
    cpu_peak: f64,
    cpu_avg: f64,
    mem_avg: f64,
    disk_peak: f64,
    samples: usize,
    /// (from minute, to minute) of each silence over 7 minutes.
    gaps: Vec<(u32, u32)>,
    /// (from minute, to minute) of each 5-minute run with cpu ≥ 90.
    cpu_over: Vec<(u32, u32)>,
}

fn expected(all: &[Sample], day: u32, judged: u32) -> Expected {
    let s: Vec<&Sample> = all.iter().filter(|s| s.day == day).collect();
    let avg = |f: fn(&Sample) -> f64| {
        let sum: f64 = s.iter().map(|x| f(x)).sum();
        (sum / s.len() as f64 * 100.0).round() / 100.0
    };
    let max = |f: fn(&Sample) -> f64| s.iter().map(|x| f(x)).fold(f64::MIN, f64::max);
    let mut gaps = Vec::new();
    let mut last = 0;
    for m in s.iter().map(|x| x.minute).chain([judged]) {
        if m - last > 7 {
            gaps.push((last, m));
        }
        last = m;
    }
    let mut cpu_over: Vec<(u32, u32)> = Vec::new();
    for x in s.iter().filter(|x| x.cpu >= 90.0) {
        let bucket = x.minute / 5 * 5;
        match cpu_over.last_mut() {
            Some(run) if run.1 == bucket => run.1 = bucket + 5,
            Some(run) if run.1 > bucket => {}
            _ => cpu_over.push((bucket, bucket + 5)),
        }
    }
    Expected {
        cpu_peak: max(|x| x.cpu),
        cpu_avg: avg(|x| x.cpu),
        mem_avg: avg(|x| x.mem),
        disk_peak: max(|x| x.disk),
        samples: s.len(),
        gaps,
        cpu_over,
    }
}

/// `HH:MM` of an RFC 3339 time.
fn hm(v: &Value) -> String {
    v.as_str().unwrap()[11..16].to_string()
}

fn hm_of(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn project(lines: &str) -> TestProject {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        format!("{MINIMAL_SETTINGS}\n[logs]\ncpu = 90\n[logs.roles.db]\ndisk = 80\n[logs.hosts.db-01]\nrole = \"db\"\n"),
    );
    p.file("logs/metrics.jsonl", lines);
    p
}

const EVENTS: &str = r#"{"ts":"2025-12-01T02:00:00+08:00","level":"INFO","host":"db-01","service":"backup","event":"backup","set":"oa-db","status":"ok"}
{"ts":"2025-12-02T02:00:00+08:00","level":"ERROR","host":"db-01","service":"backup","event":"backup","set":"oa-db","status":"failed","msg":"disk full"}
{"ts":"2025-12-02T09:00:00+08:00","level":"ERROR","host":"db-01","service":"postgres","msg":"deadlock detected"}
{"ts":"2025-12-02T09:01:00+08:00","level":"ERROR","host":"db-01","service":"postgres","msg":"deadlock detected"}
{"ts":"2025-12-02T09:02:00+08:00","level":"ERROR","host":"app-01","service":"oa-web","msg":"not this host"}
"#;

fn all_lines(samples: &[Sample]) -> String {
    let mut text: String = samples.iter().map(|s| s.line("db-01") + "\n").collect();
    text.push_str(EVENTS);
    text
}

fn month(p: &TestProject) -> Vec<Value> {
    serde_json::from_str(&p.read("site/data/servers/db-01/2025-12.json")).unwrap()
}

#[test]
fn records_say_what_the_samples_say() {
    let samples = samples();
    let p = project(&all_lines(&samples));
    // The clock on the second day at 22:00: that day is judged up to then.
    p.run(&["--now", "2025-12-02T22:00", "build"]).expect_code(0);
    let days = month(&p);
    assert_eq!(days.len(), 2, "{days:#?}");

    for (record, (day, judged)) in days.iter().zip([(1, 1440), (2, 22 * 60)]) {
        let want = expected(&samples, day, judged);
        assert_eq!(record["date"], format!("2025-12-0{day}"));
        assert_eq!(record["cpu"]["samples"], want.samples);
        assert_eq!(record["cpu"]["peak"], want.cpu_peak);
        assert_eq!(record["cpu"]["average"], want.cpu_avg);
        assert_eq!(record["mem"]["average"], want.mem_avg);
        assert_eq!(record["disk"]["peak"], want.disk_peak);
        assert_eq!(record["judged_minutes"], judged);
        let gaps: Vec<(String, String)> = record["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (hm(&g["from"]), hm(&g["to"])))
            .collect();
        let want_gaps: Vec<(String, String)> = want
            .gaps
            .iter()
            .map(|(a, b)| (hm_of(*a), if *b == 1440 { "00:00".into() } else { hm_of(*b) }))
            .collect();
        assert_eq!(gaps, want_gaps, "day {day}");
        let over: Vec<(String, String)> = record["cpu"]["over"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (hm(&o["from"]), hm(&o["to"])))
            .collect();
        let want_over: Vec<(String, String)> = want
            .cpu_over
            .iter()
            .map(|(a, b)| (hm_of(*a), hm_of(*b)))
            .collect();
        assert_eq!(over, want_over, "day {day}");
    }
    // Day 1: one outage (no sample from 09:56 to 10:41), the cpu
    // spike, its backup job; not normal.
    assert_eq!(days[0]["gaps"].as_array().unwrap().len(), 1);
    assert!(!days[0]["cpu"]["over"].as_array().unwrap().is_empty());
    assert_eq!(days[0]["backups"][0]["ok"], 1);
    assert_eq!(days[0]["normal"], false);
    // Day 2: the role's disk threshold (80, not [logs]' 85) catches 88 %;
    // errors of this host only, by service; the failed backup job; and the
    // silence after 21:41 up to the clock.
    assert_eq!(days[1]["thresholds"]["disk"], 80.0);
    assert_eq!(days[1]["role"], "db");
    assert_eq!(hm(&days[1]["disk"]["over"][0]["from"]), "12:00");
    let errors: BTreeMap<String, u64> = days[1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["service"].as_str().unwrap().to_string(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        BTreeMap::from([("backup".into(), 1), ("postgres".into(), 2)])
    );
    assert_eq!(days[1]["backups"][0]["failed"], 1);

    // The record's page and the month's report show the same figures.
    let page = p.read("site/servers/db-01/2025-12-01.html");
    assert!(page.contains("服务器巡检记录"), "{page}");
    let want = expected(&samples, 1, 1440);
    assert!(page.contains("09:56–10:41"), "the outage: {page}");
    // Pages show percentages to one decimal.
    let shown = (want.mem_avg * 10.0).round() / 10.0;
    assert!(page.contains(&format!("{shown}%")), "{page}");
    let report = p.read("site/servers/db-01/2025-12.html");
    assert!(report.contains("<svg"), "trend charts: {report}");
    assert!(report.contains("servers/db-01/2025-12-02.html"), "{report}");
    let index = p.read("site/servers/index.html");
    assert!(index.contains("db-01"), "{index}");
}

#[test]
fn ingesting_in_parts_gives_the_same_records() {
    let samples = samples();
    let text = all_lines(&samples);
    let whole = project(&text);
    whole.run(&["--now", "2025-12-02T22:00", "build"]).expect_code(0);

    // The same lines, appended in three parts with a run after each: the
    // later runs read only what was added.
    let parts = project("");
    let lines: Vec<&str> = text.lines().collect();
    for chunk in lines.chunks(lines.len() / 3 + 1) {
        let mut f = OpenOptions::new()
            .append(true)
            .open(parts.join("logs/metrics.jsonl"))
            .unwrap();
        for l in chunk {
            writeln!(f, "{l}").unwrap();
        }
        drop(f);
        parts.run(&["--now", "2025-12-02T22:00", "build"]).expect_code(0);
    }
    assert_eq!(month(&parts), month(&whole));
    assert_eq!(
        parts.read("site/servers/db-01/2025-12-01.html"),
        whole.read("site/servers/db-01/2025-12-01.html")
    );
}

/// A month's pages are made from its evidence alone, and planned by a key
/// of it: a month whose evidence is as it was is not rendered again (a
/// mark left in its page stays), one whose evidence changed is, and so is
/// every month when what judges them (the thresholds) changes.
#[test]
fn a_month_is_rendered_again_only_when_its_evidence_changes() {
    let day = |month: u32, day: u32, minute: u32, cpu: f64| {
        Sample {
            day,
            minute,
            second: 0,
            cpu,
            mem: 20.0,
            disk: 30.0,
        }
        .line("db-01")
        .replace("2025-12-", &format!("2025-{month:02}-"))
    };
    let p = project("");
    p.file("logs/metrics.jsonl", "");
    let nov: String = (0..288).map(|i| day(11, 30, i * 5, 10.0) + "\n").collect();
    let dec: String = (0..288).map(|i| day(12, 1, i * 5, 95.0) + "\n").collect();
    p.file("logs/2025-11.jsonl", nov);
    p.file("logs/2025-12.jsonl", &dec);
    let build = || {
        p.run(&["--now", "2025-12-02T00:00", "build"]).expect_code(0);
    };
    build();
    let (nov_page, dec_page) = (
        "site/servers/db-01/2025-11-30.html",
        "site/servers/db-01/2025-12-01.html",
    );
    let mark = |rel: &str| {
        let text = p.read(rel).replace("</body>", "<!-- kept -->\n</body>");
        std::fs::write(p.join(rel), text).unwrap();
    };
    let kept = |rel: &str| p.read(rel).contains("<!-- kept -->");
    mark(nov_page);
    mark(dec_page);
    // December's file grows: its month is made again, November's is not.
    let mut f = OpenOptions::new()
        .append(true)
        .open(p.join("logs/2025-12.jsonl"))
        .unwrap();
    writeln!(f, "{}", day(12, 1, 1439, 99.5)).unwrap();
    drop(f);
    build();
    assert!(kept(nov_page), "November's evidence did not change");
    assert!(!kept(dec_page), "December's evidence changed");
    let december = month(&p);
    assert_eq!(december[0]["cpu"]["peak"], 99.5);
    // The list of servers counts what the records say.
    let index: Value = serde_json::from_str(&p.read("site/data/servers/index.json")).unwrap();
    let abnormal = |period: &str| {
        index[0]["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["period"] == period)
            .unwrap()["abnormal"]
            .as_u64()
            .unwrap()
    };
    let not_normal = december.iter().filter(|d| d["normal"] == false).count() as u64;
    assert_eq!((abnormal("2025-11"), abnormal("2025-12")), (0, not_normal));
    assert_eq!(not_normal, 1, "over the cpu threshold of 90 on the 1st");
    // Thresholds judge every month: all are made again.
    mark(nov_page);
    let settings = p.read("opsbook.toml").replace("cpu = 90", "cpu = 9");
    p.file("opsbook.toml", settings);
    build();
    assert!(!kept(nov_page), "a new threshold judges November again");
    let index: Value = serde_json::from_str(&p.read("site/data/servers/index.json")).unwrap();
    assert_eq!(index[0]["months"][0]["abnormal"], 1, "10 % is over 9 %");
    // So does what the client's portal masks.
    mark(nov_page);
    let settings = p.read("opsbook.toml") + "\n[[redact.patterns]]\nname = \"agent\"\nregex = \"agent\"\n";
    p.file("opsbook.toml", settings);
    build();
    assert!(!kept(nov_page), "a new masking rule shows November again");
}

/// The host-days kept under `state/logs/` are checked against the digest
/// their entry holds: a damaged or missing file makes its log be read again,
/// never a wrong record.
#[test]
fn damaged_host_days_in_the_state_are_read_again() {
    let p = project(&all_lines(&samples()));
    p.run(&["--now", "2025-12-02T22:00", "build"]).expect_code(0);
    let before = month(&p);
    let hosts: Vec<std::path::PathBuf> = std::fs::read_dir(p.join("state/logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|f| f.extension().is_some_and(|x| x == "hosts"))
        .collect();
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    let mut bytes = std::fs::read(&hosts[0]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&hosts[0], &bytes).unwrap();
    let run = p.run(&["--now", "2025-12-02T22:00", "logs"]);
    assert!(run.stdout().contains("1 read whole"), "{}", run.stdout());
    std::fs::remove_file(&hosts[0]).unwrap();
    let run = p.run(&["--now", "2025-12-02T22:00", "logs"]);
    assert!(run.stdout().contains("1 read whole"), "{}", run.stdout());
    std::fs::remove_dir_all(p.join("site")).unwrap();
    p.run(&["--now", "2025-12-02T22:00", "build"]).expect_code(0);
    assert_eq!(month(&p), before);
}

/// A server's day with neither metrics nor an inspection is a gap in its
/// coverage, missed like an inspection; a day with either is met.
#[test]
fn a_day_without_metrics_or_inspection_is_missed() {
    let p = TestProject::new();
    p.file(
        "opsbook.toml",
        MINIMAL_SETTINGS
            .replace("start = 2025-01-01", "start = 2025-12-01")
            .replace("end = 2025-12-31", "end = 2025-12-04"),
    );
    let metric = |day: u32| {
        Sample {
            day,
            minute: 600,
            second: 0,
            cpu: 10.0,
            mem: 20.0,
            disk: 30.0,
        }
        .line("db-01")
    };
    p.file("logs/m.jsonl", format!("{}\n{}\n", metric(1), metric(3)));
    p.file(
        "content/hardware/st-01.toml",
        "name = \"st-01\"\nrole = \"storage\"\n",
    );
    p.file(
        "content/inspections/251202-01.md",
        "+++\nid = \"251202-01\"\ndate = 2025-12-02\ninspector = \"李婷\"\nmethod = \"remote\"\n+++\n## 检查内容\n正常\n## 巡检结果分析\n正常\n",
    );
    let run = p.run(&["--now", "2025-12-10", "nightly", "--json", "-"]);
    run.expect_code(1);
    let v: Value = serde_json::from_str(&run.stdout()).unwrap();
    let missed: Vec<(String, String)> = v["obligations"]["missed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"].as_str().unwrap().starts_with("服务器巡检"))
        .map(|m| {
            (
                m["name"].as_str().unwrap().into(),
                m["period"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = |host: &str, days: &[&str]| {
        days.iter()
            .map(|d| (format!("服务器巡检 {host}"), d.to_string()))
            .collect::<Vec<_>>()
    };
    // db-01: metrics on the 1st and 3rd, the inspection on the 2nd; st-01
    // (in the register, no metrics): only the inspection's day.
    let mut expected = want("db-01", &["2025-12-04"]);
    expected.extend(want("st-01", &["2025-12-01", "2025-12-03", "2025-12-04"]));
    assert_eq!(missed, expected);
    // The dashboard's calendar shows each server's coverage.
    let contract: Value = serde_json::from_str(&p.read("site/data/contract.json")).unwrap();
    let names: Vec<&str> = contract["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"服务器巡检 db-01"), "{names:?}");
}

/// The server record, the monthly report, the register and a device page
/// on paper: nothing wider than A4, and each form on one A4 page.
#[test]
#[ignore = "needs chromium"]
fn server_and_hardware_pages_print_on_a4() {
    use crate::browser::{Mode, chromium, layout_problems, measure, tools, url};
    tools();
    let p = project(&all_lines(&samples()));
    p.file(
        "content/hardware/db-01.toml",
        "name = \"db-01\"\nrole = \"db\"\nmodel = \"华为 TaiShan 200 2280（2 × 鲲鹏 920 64 核，512 GB）\"\nserial = \"2102312RKH10M3000201\"\nlocation = \"高新区管委会信息中心机房 A03 机柜 12U\"\nip = \"10.20.1.21\"\nos = \"openEuler 22.03 LTS SP3\"\npurchased = 2022-12-26\nwarranty_until = 2025-12-25\nengineer = \"王磊\"\n\n[[changes]]\ndate = 2025-08-12\nwhat = \"更换 5 号 SSD（SMART 预警），阵列重建完成\"\nby = \"王磊\"\n",
    );
    p.run(&["--now", "2025-12-02T22:00", "build"]).expect_code(0);
    let site = p.join("site");
    let pages = [
        "servers/db-01/2025-12-01.html",
        "servers/db-01/2025-12.html",
        "hardware/index.html",
        "hardware/db-01.html",
    ];
    let modes: Vec<(&str, Mode)> = pages.iter().map(|p| (*p, Mode::Print)).collect();
    for (page, r) in pages.iter().zip(measure(&site, &modes, None)) {
        let problems = layout_problems(&r);
        assert!(problems.is_empty(), "{page} on paper: {problems:#?}");
    }
    let pdfs = tempfile::tempdir().unwrap();
    for (page, most) in pages.iter().zip([1, 4, 1, 1]) {
        let pdf = pdfs.path().join(format!("{}.pdf", page.replace('/', "_")));
        chromium(
            &[
                "--no-pdf-header-footer",
                &format!("--print-to-pdf={}", pdf.display()),
            ],
            &url(&site, page),
        );
        let info = std::process::Command::new("pdfinfo").arg(&pdf).output().unwrap();
        let info = String::from_utf8_lossy(&info.stdout).into_owned();
        let field = |name: &str| {
            info.lines()
                .find(|l| l.starts_with(name))
                .map(|l| l[name.len()..].trim().to_string())
                .unwrap_or_default()
        };
        let count: usize = field("Pages:").parse().unwrap();
        assert!((1..=most).contains(&count), "{page}: {count} pages");
        assert!(field("Page size:").ends_with("(A4)"), "{page}: {info}");
    }
}
