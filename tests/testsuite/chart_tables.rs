//! Every chart keeps its data: each inline SVG chart of the portal is
//! followed by a table with the same figures, so that a reader without
//! sight of the chart (a screen reader, a printout in black and white)
//! loses nothing. Held on the example portal's pages that draw charts.

use std::collections::BTreeMap;

use regex::Regex;

use crate::support::TestProject;

/// `(row, column) -> figure` of a chart's table: its first column heads
/// the rows, its header the columns.
fn table_of(figure: &str) -> BTreeMap<(String, String), String> {
    let table = &figure[figure.find("<table").expect("a chart without a table")..];
    let head = &table[..table.find("</thead>").unwrap()];
    let th = Regex::new(r"<th[^>]*>([^<]*)</th>").unwrap();
    let mut columns: Vec<String> = th.captures_iter(head).map(|c| c[1].to_string()).collect();
    // The corner cell heads the rows, when it is a header.
    if head.contains("<tr><th") {
        columns.remove(0);
    }
    let row = Regex::new(r"<tr><th>([^<]*)</th>((?:<td>[^<]*</td>)*)</tr>").unwrap();
    let td = Regex::new(r"<td>([^<]*)</td>").unwrap();
    let mut cells = BTreeMap::new();
    for r in row.captures_iter(table) {
        let values: Vec<String> = td.captures_iter(&r[2]).map(|c| c[1].to_string()).collect();
        assert_eq!(
            values.len(),
            columns.len(),
            "a row of {} cells under {columns:?}",
            values.len()
        );
        for (column, value) in columns.iter().zip(values) {
            cells.insert((r[1].to_string(), column.clone()), value);
        }
    }
    cells
}

/// Each bar's figure is its table's, and each figure above zero has its bar.
fn bars_agree(page: &str, figure: &str) -> usize {
    let table = table_of(figure);
    let svg = &figure[figure.find("<svg").unwrap()..figure.find("</svg>").unwrap()];
    let bar = Regex::new(r"<title>([^<]*) · ([^<]*): ([^<]*)</title>").unwrap();
    let mut bars = 0;
    for b in bar.captures_iter(svg) {
        let key = (b[1].to_string(), b[2].to_string());
        assert_eq!(
            table.get(&key),
            Some(&b[3].to_string()),
            "{page}: the bar {key:?}"
        );
        bars += 1;
    }
    let drawn = table.values().filter(|v| v.parse::<f64>().unwrap() > 0.0).count();
    assert_eq!(bars, drawn, "{page}: every figure above zero is a bar");
    bars
}

/// Each month's days of each state, counted in the grid, are its table's.
fn calendar_agrees(page: &str, figure: &str) -> usize {
    let table = table_of(figure);
    let svg = &figure[figure.find("<svg").unwrap()..figure.find("</svg>").unwrap()];
    let day = Regex::new(r"<title>(\d{4}-\d{2})-\d{2} · ([^<(]*?)(?: \(\d+\))?</title>").unwrap();
    let mut counted: BTreeMap<(String, String), usize> = BTreeMap::new();
    for d in day.captures_iter(svg) {
        *counted.entry((d[1].to_string(), d[2].to_string())).or_default() += 1;
    }
    for (key, value) in &table {
        let n = counted.get(key).copied().unwrap_or(0);
        assert_eq!(value, &n.to_string(), "{page}: {key:?}");
    }
    assert_eq!(
        counted.values().sum::<usize>(),
        table.values().map(|v| v.parse::<usize>().unwrap()).sum::<usize>(),
        "{page}: every day is counted in the table"
    );
    counted.len()
}

#[test]
fn every_chart_has_a_table_with_its_figures() {
    let p = TestProject::example();
    p.run(&["--now", "2025-12-31T09:00:00", "verify"]);
    p.run(&["--now", "2025-12-31T09:00:00", "build"]).expect_code(0);
    let figure = Regex::new(r#"(?s)<figure class="chart">.*?</figure>"#).unwrap();
    for (page, at_least) in [
        ("site/index.html", 1),
        ("site/backups/index.html", 1),
        ("site/reports/2025.html", 5),
        ("site/reports/2025-Q2.html", 4),
        ("site/logs/index.html", 1),
        ("site/incidents/index.html", 1),
        ("site/inspections/index.html", 1),
    ] {
        let html = p.read(page);
        let figures: Vec<&str> = figure.find_iter(&html).map(|m| m.as_str()).collect();
        assert!(figures.len() >= at_least, "{page}: {} charts", figures.len());
        assert_eq!(
            figures.len(),
            html.matches("<svg").count(),
            "{page}: an SVG outside a chart figure"
        );
        for f in figures {
            let checked = if f.contains("calendar-svg") {
                calendar_agrees(page, f)
            } else {
                bars_agree(page, f)
            };
            assert!(checked > 0, "{page}: a chart of nothing: {f}");
            assert!(!f.contains("<th></th>"), "{page}: an empty header cell");
        }
    }
}
