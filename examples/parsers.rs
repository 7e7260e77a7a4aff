//! How much the hand-written parsers save against the crates they stand in
//! for, on the same input, one core each:
//!
//! * a log line (`opsbook::analyse::logs::parse::parse`, a validating
//!   scanner that borrows what it reads) against `serde_json` deserializing
//!   the same fields into a struct of borrowed strings, its fastest use;
//! * an RFC 3339 time (`parse::parse_ts`) against chrono's
//!   `DateTime::parse_from_rfc3339`.
//!
//! Run it in release mode from the repository root (the log lines are the
//! example project's, repeated):
//!
//!     cargo run --release --example parsers
//!
//! The figures measured are in docs/parsers.md.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::{Duration, Instant};

use opsbook::analyse::logs::parse::{parse, parse_ts};
use serde::Deserialize;

/// The fields opsbook reads from a line, as serde would read them.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Line<'a> {
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(borrow, default)]
    level: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    service: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    outcome: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    user: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    doc_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    set: Option<Cow<'a, str>>,
    #[serde(default)]
    cpu: Option<serde_json::Value>,
    #[serde(default)]
    mem: Option<serde_json::Value>,
    #[serde(default)]
    disk: Option<serde_json::Value>,
}

/// The best of `runs` timings of `work`.
fn best(runs: usize, mut work: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .min()
        .unwrap()
}

fn report(what: &str, bytes: usize, ours: Duration, theirs: Duration, them: &str) {
    let rate = |d: Duration| bytes as f64 / d.as_secs_f64() / (1 << 20) as f64;
    println!(
        "{what:<22} opsbook {:>8.1} MiB/s   {them:<24} {:>8.1} MiB/s   opsbook ×{:.2}",
        rate(ours),
        rate(theirs),
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}

fn main() {
    const RUNS: usize = 7;

    // Log lines: the example project's plain JSON-lines files, repeated to
    // about 32 MiB.
    let mut sample = String::new();
    for entry in walkdir::WalkDir::new("logs").sort_by_file_name() {
        let entry = entry.expect("run from the repository root");
        if entry.path().extension().is_some_and(|e| e == "jsonl") {
            sample.push_str(&std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    let text = sample.repeat((32 << 20) / sample.len().max(1) + 1);
    let lines: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();
    let ours = best(RUNS, || {
        for line in &lines {
            black_box(parse(line).unwrap());
        }
    });
    let theirs = best(RUNS, || {
        for line in &lines {
            let l: Line = serde_json::from_slice(line).unwrap();
            black_box(&l);
        }
    });
    report(
        "log line (JSON)",
        text.len(),
        ours,
        theirs,
        "serde_json (borrowed)",
    );

    // RFC 3339 times, as the logs write them.
    let times: Vec<String> = (0..1_000_000)
        .map(|i| {
            format!(
                "2025-{:02}-{:02}T{:02}:{:02}:{:02}{}",
                i % 12 + 1,
                i % 28 + 1,
                i % 24,
                i % 60,
                (i / 7) % 60,
                ["+08:00", "Z", ".123+08:00", ".5Z"][i % 4]
            )
        })
        .collect();
    let bytes: usize = times.iter().map(String::len).sum();
    for t in times.iter().take(1000) {
        let chrono = chrono::DateTime::parse_from_rfc3339(t)
            .unwrap()
            .timestamp_millis();
        assert_eq!(parse_ts(t.as_bytes()), Some(chrono), "{t}");
    }
    let ours = best(RUNS, || {
        for t in &times {
            black_box(parse_ts(t.as_bytes()));
        }
    });
    let theirs = best(RUNS, || {
        for t in &times {
            black_box(
                chrono::DateTime::parse_from_rfc3339(t)
                    .unwrap()
                    .timestamp_millis(),
            );
        }
    });
    report("RFC 3339 time", bytes, ours, theirs, "chrono");
}
