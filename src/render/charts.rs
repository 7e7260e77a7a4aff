//! Charts drawn at build time as inline SVG, each in a `<figure>` with its
//! title and the same numbers as a table, so a chart reads without scripts,
//! prints, and has a text alternative. The drawing knows nothing of what it
//! shows: any [`SeriesChart`] becomes bars and any [`Calendar`] a grid of
//! days.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use super::escape_html as esc;
use crate::report::chart::{Calendar, SeriesChart};

/// Names shown for series keys and day states; a key without one shows as is.
pub type Names = BTreeMap<String, String>;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 28.0;
const MAX_BAR: f64 = 48.0;

/// What a bar chart's axes measure (`x`: 月份, `y`: 起数), drawn along them
/// and heading the table's first column; either may be missing.
pub type Axes = BTreeMap<String, String>;

/// Bars (stacked or side by side) with a legend, axes and table.
pub fn bar_chart(chart: &SeriesChart, title: &str, names: &Names, axes: &Axes) -> String {
    let name = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let n = chart.x.len().max(1) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let top_value = if chart.stacked {
        (0..chart.x.len())
            .map(|i| chart.series.iter().map(|s| s.values[i]).sum::<f64>())
            .fold(0.0, f64::max)
    } else {
        chart
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(0.0, f64::max)
    };
    let (max, step) = axis(top_value);
    let y = |v: f64| TOP + plot_h - v / max * plot_h;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" role="img" aria-label="{}">"#,
        esc(title)
    );
    // Grid and y axis.
    let mut v = 0.0;
    while v <= max + 1e-9 {
        let yy = y(v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 4.0,
            yy + 3.5,
            number(v)
        );
        v += step;
    }
    // What the axes measure: the values' along the left edge, turned, and
    // the categories' under the bars' labels, at the right.
    if let Some(label) = axes.get("y").filter(|l| !l.is_empty()) {
        let _ = write!(
            svg,
            r#"<text class="axis-label" transform="rotate(-90)" x="{:.1}" y="10" text-anchor="middle">{}</text>"#,
            -(TOP + plot_h / 2.0),
            esc(label)
        );
    }
    if let Some(label) = axes.get("x").filter(|l| !l.is_empty()) {
        let _ = write!(
            svg,
            r#"<text class="axis-label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            WIDTH - RIGHT,
            HEIGHT - 2.0,
            esc(label)
        );
    }
    // Bars.
    let band = plot_w / n;
    let groups = if chart.stacked {
        1.0
    } else {
        chart.series.len().max(1) as f64
    };
    // Bars fill most of their band, but a chart of a few categories does
    // not draw them as wide as walls.
    let bar_w = (band * 0.7 / groups).min(MAX_BAR);
    for (i, x) in chart.x.iter().enumerate() {
        let x0 = LEFT + band * i as f64 + (band - bar_w * groups) / 2.0;
        let mut base = 0.0;
        for (k, s) in chart.series.iter().enumerate() {
            let value = s.values.get(i).copied().unwrap_or(0.0);
            if value <= 0.0 {
                continue;
            }
            let (from, to) = if chart.stacked {
                (base, base + value)
            } else {
                (0.0, value)
            };
            let bx = if chart.stacked { x0 } else { x0 + bar_w * k as f64 };
            let _ = write!(
                svg,
                r#"<rect class="s{k}" x="{bx:.1}" y="{:.1}" width="{bar_w:.1}" height="{:.1}"><title>{} · {}: {}</title></rect>"#,
                y(to),
                y(from) - y(to),
                esc(x),
                esc(&name(&s.key)),
                number(value)
            );
            base += value;
        }
        let _ = write!(
            svg,
            r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + band * (i as f64 + 0.5),
            HEIGHT - BOTTOM + 14.0,
            esc(short_x(x))
        );
    }
    // Legend.
    let mut lx = LEFT;
    for (k, s) in chart.series.iter().enumerate() {
        let label = name(&s.key);
        let _ = write!(
            svg,
            r#"<rect class="s{k}" x="{lx:.1}" y="6" width="10" height="10"/><text class="legend" x="{:.1}" y="15">{}</text>"#,
            lx + 14.0,
            esc(&label)
        );
        lx += 24.0 + text_width(&label);
    }
    svg.push_str("</svg>");

    let mut table = format!(
        "<table class=\"chart-table\"><thead><tr>{}",
        corner(axes.get("x").map(String::as_str))
    );
    for s in &chart.series {
        let _ = write!(table, "<th>{}</th>", esc(&name(&s.key)));
    }
    table.push_str("</tr></thead><tbody>");
    for (i, x) in chart.x.iter().enumerate() {
        let _ = write!(table, "<tr><th>{}</th>", esc(x));
        for s in &chart.series {
            let _ = write!(
                table,
                "<td>{}</td>",
                number(s.values.get(i).copied().unwrap_or(0.0))
            );
        }
        table.push_str("</tr>");
    }
    table.push_str("</tbody></table>");
    figure(title, &svg, &table)
}

const CELL: f64 = 11.0;
const GAP: f64 = 2.0;

/// A grid of days, a column per week (Monday on top), coloured by state.
/// With `href` (`{date}` and `{month}` replaced), days that have records
/// link to them.
pub fn calendar(cal: &Calendar, title: &str, names: &Names, href: Option<&str>) -> String {
    let name = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let Some(first) = cal.days.first().and_then(|d| parse(&d.date)) else {
        return String::new();
    };
    let week0 = first - chrono::Duration::days(first.weekday().num_days_from_monday().into());
    let left = 26.0;
    let top = 16.0;
    let weeks = cal
        .days
        .last()
        .and_then(|d| parse(&d.date))
        .map_or(1, |last| (last - week0).num_days() / 7 + 1) as f64;
    let mut states: Vec<String> = Vec::new();
    for d in &cal.days {
        let state = state_name(d.state);
        if !states.contains(&state) {
            states.push(state);
        }
    }
    let legend: f64 = states.iter().map(|s| 28.0 + text_width(&name(s))).sum();
    let width = (left + weeks * (CELL + GAP) + 4.0).max(left + legend);
    let height = top + 7.0 * (CELL + GAP) + 22.0;

    // A picture, unless its days are links: an image may not hold
    // anything a reader can focus, so a linked calendar is a group whose
    // links are named by their days' titles.
    let role = if href.is_some() { "group" } else { "img" };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="calendar-svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" role="{role}" aria-label="{}">"#,
        esc(title)
    );
    // Per month: counts of each state, for the table.
    let mut months: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut last_month = 0;
    for d in &cal.days {
        let Some(date) = parse(&d.date) else { continue };
        let col = ((date - week0).num_days() / 7) as f64;
        let row = date.weekday().num_days_from_monday() as f64;
        let x = left + col * (CELL + GAP);
        let y = top + row * (CELL + GAP);
        let state = state_name(d.state);
        if date.month() != last_month {
            last_month = date.month();
            let _ = write!(
                svg,
                r#"<text class="tick" x="{x:.1}" y="{:.1}">{}</text>"#,
                top - 5.0,
                date.month()
            );
        }
        let link = href
            .filter(|_| d.count > 0)
            .map(|h| esc(&h.replace("{date}", &d.date).replace("{month}", &d.date[..7])));
        if let Some(link) = &link {
            let _ = write!(svg, r#"<a href="{link}">"#);
        }
        let _ = write!(
            svg,
            r#"<rect class="d-{state}" x="{x:.1}" y="{y:.1}" width="{CELL}" height="{CELL}"><title>{} · {}{}</title></rect>"#,
            d.date,
            esc(&name(&state)),
            if d.count > 0 {
                format!(" ({})", d.count)
            } else {
                String::new()
            }
        );
        if link.is_some() {
            svg.push_str("</a>");
        }
        *months
            .entry(d.date[..7].to_string())
            .or_default()
            .entry(state)
            .or_default() += 1;
    }
    for (row, label) in [(0.0, "1"), (2.0, "3"), (4.0, "5")] {
        let _ = write!(
            svg,
            r#"<text class="tick" x="2" y="{:.1}">{label}</text>"#,
            top + row * (CELL + GAP) + 9.0
        );
    }
    let mut lx = left;
    let ly = top + 7.0 * (CELL + GAP) + 8.0;
    for state in &states {
        let label = name(state);
        let _ = write!(
            svg,
            r#"<rect class="d-{state}" x="{lx:.1}" y="{ly:.1}" width="{CELL}" height="{CELL}"/><text class="legend" x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 15.0,
            ly + 9.5,
            esc(&label)
        );
        lx += 28.0 + text_width(&label);
    }
    svg.push_str("</svg>");

    let mut table = format!("<table class=\"chart-table\"><thead><tr>{}", corner(None));
    for s in &states {
        let _ = write!(table, "<th>{}</th>", esc(&name(s)));
    }
    table.push_str("</tr></thead><tbody>");
    for (month, counts) in &months {
        let _ = write!(table, "<tr><th>{month}</th>");
        for s in &states {
            let _ = write!(table, "<td>{}</td>", counts.get(s).copied().unwrap_or(0));
        }
        table.push_str("</tr>");
    }
    table.push_str("</tbody></table>");
    figure(title, &svg, &table)
}

/// A day state's code (`done`), the key of its label and its CSS class.
fn state_name(state: crate::report::chart::DayState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// About how wide a label is drawn at 11px: CJK characters are square,
/// Latin ones about half as wide.
fn text_width(label: &str) -> f64 {
    label.chars().map(|c| if c.is_ascii() { 6.5 } else { 11.5 }).sum()
}

/// The cell over a chart table's first column: what its rows are, or an
/// empty data cell, never an empty header (which a screen reader announces
/// as a header of nothing).
fn corner(label: Option<&str>) -> String {
    match label.filter(|l| !l.is_empty()) {
        Some(label) => format!("<th scope=\"col\">{}</th>", esc(label)),
        None => "<td></td>".to_string(),
    }
}

fn figure(title: &str, svg: &str, table: &str) -> String {
    format!(
        "<figure class=\"chart\"><figcaption>{}</figcaption>{svg}<details class=\"chart-data\"><summary>{}</summary>{table}</details></figure>",
        esc(title),
        esc(title)
    )
}

/// The top of the value axis and its step: 1, 2 or 5 times a power of ten,
/// four to five steps high.
fn axis(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    // Counts step by whole numbers.
    let step = if max >= 1.0 { step.max(1.0).round() } else { step };
    ((max / step).ceil() * step, step)
}

/// `3`, `2.5`: whole numbers without a fraction.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Month categories (`2025-03`) are labelled by their month alone, days
/// (`2025-03-07`) by their day of the month; the table has them whole.
fn short_x(x: &str) -> &str {
    let b = x.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() == 7 && b[4] == b'-' && digits(0..4) && digits(5..7) {
        x[5..].trim_start_matches('0')
    } else if b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10) {
        x[8..].trim_start_matches('0')
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::{DayState, Series};

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(axis(0.0), (1.0, 1.0));
        assert_eq!(axis(3.0), (3.0, 1.0));
        assert_eq!(axis(17.0), (20.0, 5.0));
        assert_eq!(axis(365.0), (400.0, 100.0));
    }

    #[test]
    fn bars_have_a_title_a_legend_and_a_table() {
        let chart = SeriesChart {
            x: vec!["2025-01".into(), "2025-02".into()],
            series: vec![
                Series {
                    key: "general".into(),
                    values: vec![1.0, 2.0],
                },
                Series {
                    key: "major".into(),
                    values: vec![0.0, 1.0],
                },
            ],
            stacked: true,
        };
        let names: Names = [
            ("general".into(), "一般".into()),
            ("major".into(), "重大<b>".into()),
        ]
        .into();
        let html = bar_chart(&chart, "每月故障", &names, &Axes::new());
        assert!(html.starts_with("<figure class=\"chart\"><figcaption>每月故障</figcaption><svg"));
        assert!(
            html.contains("<thead><tr><td></td><th>一般</th>"),
            "no empty header: {html}"
        );
        assert!(!html.contains("axis-label"));
        assert_eq!(
            html.matches("<rect class=\"s0\"").count(),
            3,
            "two bars and a legend key"
        );
        assert!(html.contains("<title>2025-02 · 重大&lt;b&gt;: 1</title>"));
        assert!(html.contains("<tr><th>2025-02</th><td>2</td><td>1</td></tr>"));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn axes_are_labelled_along_the_chart_and_over_the_table() {
        let chart = SeriesChart {
            x: vec!["2025-03-30".into()],
            series: vec![crate::report::chart::Series {
                key: "ok".into(),
                values: vec![3.0],
            }],
            stacked: true,
        };
        let axes: Axes = [
            ("x".into(), "校验日期".into()),
            ("y".into(), "备份集（个）".into()),
        ]
        .into();
        let html = bar_chart(&chart, "每次校验的结果", &Names::new(), &axes);
        let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
        assert!(
            svg.contains(
                r#"transform="rotate(-90)" x="-120.0" y="10" text-anchor="middle">备份集（个）</text>"#
            ),
            "{svg}"
        );
        assert!(svg.contains(r#"text-anchor="end">校验日期</text>"#), "{svg}");
        assert!(
            html.contains(r#"<thead><tr><th scope="col">校验日期</th><th>ok</th>"#),
            "{html}"
        );
    }

    #[test]
    fn categories_are_labelled_short() {
        assert_eq!(short_x("2025-03"), "3");
        assert_eq!(short_x("2025-12"), "12");
        assert_eq!(short_x("2025-12-07"), "7");
        assert_eq!(short_x("2025-12-30"), "30");
        assert_eq!(short_x("运维"), "运维");
        assert_eq!(short_x("2025-1x-07"), "2025-1x-07");
    }

    #[test]
    fn a_calendar_marks_each_day() {
        let cal = Calendar::days(
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2025, 1, 31).unwrap(),
            |d| {
                if d.day() % 2 == 0 {
                    (DayState::Done, 1)
                } else {
                    (DayState::Missing, 0)
                }
            },
        );
        let html = calendar(&cal, "日巡检", &Names::new(), Some("m/{month}.html#d-{date}"));
        assert_eq!(html.matches("<rect class=\"d-done\"").count(), 15 + 1);
        assert!(html.contains("<title>2025-01-02 · done (1)</title>"));
        assert!(html.contains("<tr><th>2025-01</th><td>16</td><td>15</td></tr>"));
        assert!(html.contains(r#"<a href="m/2025-01.html#d-2025-01-02"><rect class="d-done""#));
        assert!(
            !html.contains("#d-2025-01-01"),
            "a day without records links nowhere"
        );
        // Links inside an image cannot be reached: a linked calendar is a group.
        assert!(html.contains(r#"role="group" aria-label="日巡检""#), "{html}");
        let plain = calendar(&cal, "日巡检", &Names::new(), None);
        assert!(plain.contains(r#"role="img" aria-label="日巡检""#), "{plain}");
    }
}
