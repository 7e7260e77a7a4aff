//! Filters and functions the templates use to show the model's values:
//! markdown, times, form dates, durations, percentages and charts. Labels
//! come in as arguments from the label table (`t`), so none of these knows
//! the portal's language.

use std::collections::BTreeMap;

use minijinja::value::Serde;
use minijinja::{Environment, Value};

use super::charts::{self, Names};
use super::markdown;
use crate::duration::Dur;
use crate::report::chart::{Calendar, SeriesChart};
use crate::size::office_bytes;

pub fn register(env: &mut Environment<'static>) {
    // `code | label(t.alert)`: the label of a code, or the code itself when
    // the table has none (a project's own alert rule, a free category);
    // `fallback` when there is no code. Templates run with strict undefined
    // behaviour, so a missing label must be asked for this way.
    env.add_filter(
        "label",
        |code: Option<String>, table: Value, fallback: Option<String>| match code {
            None => Ok(Value::from(fallback.unwrap_or_default())),
            Some(code) => match table.get_attr(&code) {
                Ok(v) if !v.is_undefined() && !v.is_none() => Ok(v),
                Ok(_) => Ok(Value::from(code)),
                Err(e) => Err(e),
            },
        },
    );
    env.add_filter("fill", |text: String, figures: Serde<serde_json::Value>| {
        crate::report::text::fill(&text, &figures.0).text
    });
    // `text | markdown(t.site.none)`: a form's section left blank says so
    // ("无") rather than leaving an empty box the reader cannot tell from
    // a rendering fault.
    env.add_filter("markdown", |text: Option<String>, blank: Option<String>| {
        let text = text.as_deref().unwrap_or("");
        Value::from_safe_string(match blank {
            Some(blank) if text.trim().is_empty() => {
                format!("<p class=\"blank\">{}</p>", super::escape_html(&blank))
            }
            _ => markdown::to_html(text),
        })
    });
    env.add_filter("datetime", |t: Option<String>| {
        t.map(|t| datetime(&t)).unwrap_or_default()
    });
    env.add_filter("hm", |t: Option<String>| {
        t.and_then(|t| t.get(11..16).map(str::to_string))
            .unwrap_or_default()
    });
    env.add_filter("form_date", |t: Option<String>, format: String| {
        t.map(|t| form_date(&t, &format)).unwrap_or_default()
    });
    // Any other value (a limit of `80%`) is shown as it is.
    env.add_filter(
        "duration",
        |d: Option<String>, units: Serde<BTreeMap<String, String>>| {
            d.map(|d| d.parse::<Dur>().map_or(d, |dur| duration(dur, &units)))
                .unwrap_or_default()
        },
    );
    env.add_filter("percent", |v: Option<f64>| v.map(percent).unwrap_or_default());
    env.add_filter("bytes", |n: Option<u64>| n.map(office_bytes).unwrap_or_default());
    // A value as a CSS string, for a custom property in a `style`
    // attribute (the printed page's footer reads `--print-title`). Takes
    // rendered HTML, such as a block (`self.title()`), or plain text.
    env.add_filter("css_string", |v: Value| {
        let text = match v.as_str() {
            Some(html) if v.is_safe() => unescape_html(html),
            _ => v.to_string(),
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        Value::from_safe_string(super::escape_html(&css_string(&text)))
    });
    env.add_function(
        "bar_chart",
        |chart: Option<Serde<SeriesChart>>,
         title: String,
         names: Option<Serde<Names>>,
         axes: Option<Serde<charts::Axes>>| {
            let names = names.map(|n| n.0).unwrap_or_default();
            let axes = axes.map(|a| a.0).unwrap_or_default();
            Value::from_safe_string(
                chart.map_or_else(String::new, |c| charts::bar_chart(&c, &title, &names, &axes)),
            )
        },
    );
    env.add_function(
        "calendar_chart",
        |cal: Option<Serde<Calendar>>, title: String, names: Option<Serde<Names>>, href: Option<String>| {
            let names = names.map(|n| n.0).unwrap_or_default();
            Value::from_safe_string(cal.map_or_else(String::new, |c| {
                charts::calendar(&c, &title, &names, href.as_deref())
            }))
        },
    );
}

/// `text` as a quoted CSS string: quotes and backslashes escaped, control
/// characters as hexadecimal escapes.
fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The text of HTML written by an escaper (the templates' or
/// [`super::escape_html`]): its entities back to characters.
fn unescape_html(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// `2025-03-11T09:20:00+08:00` → `2025-03-11 09:20`.
fn datetime(t: &str) -> String {
    match (t.get(..10), t.get(11..16)) {
        (Some(d), Some(hm)) => format!("{d} {hm}"),
        _ => t.to_string(),
    }
}

/// A day (or the day of a time) in a form's style: `{y} 年 {m} 月 {d} 日`.
fn form_date(t: &str, format: &str) -> String {
    let Some(day) = t.get(..10) else {
        return t.to_string();
    };
    let mut parts = day.split('-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return t.to_string();
    };
    format
        .replace("{y}", y)
        .replace("{m}", m.trim_start_matches('0'))
        .replace("{d}", d.trim_start_matches('0'))
        .replace("{mm}", m)
        .replace("{dd}", d)
}

/// `2h30m` with the label table's units: `2 小时 30 分`. `units` maps `d`,
/// `h`, `m`, `s` to patterns with `{n}`, and `sep` to what joins them.
fn duration(d: Dur, units: &BTreeMap<String, String>) -> String {
    let mut secs = d.as_secs().unsigned_abs();
    if secs == 0 {
        return units.get("m").map_or("0".into(), |u| u.replace("{n}", "0"));
    }
    let mut parts = Vec::new();
    for (size, unit) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if secs >= size {
            let n = secs / size;
            secs %= size;
            let pattern = units.get(unit).map_or("{n}", String::as_str);
            parts.push(pattern.replace("{n}", &n.to_string()));
        }
    }
    let sep = units.get("sep").map_or(" ", String::as_str);
    let sign = if d.as_secs() < 0 { "-" } else { "" };
    format!("{sign}{}", parts.join(sep))
}

fn percent(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}%", v.round() as i64)
    } else {
        format!("{v:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_becomes_a_css_string_inside_an_attribute() {
        // `.html` templates escape what they print, as the portal's do.
        let mut env = Environment::new();
        register(&mut env);
        let render = |source: &'static str| {
            let mut env = env.clone();
            env.add_template("t.html", source).unwrap();
            env.get_template("t.html")
                .unwrap()
                .render(minijinja::context! {})
                .unwrap()
        };
        assert_eq!(
            render(r#"<html style="--t: {{ 'A "B" & C\\D' | css_string }}">"#),
            r#"<html style="--t: &quot;A \&quot;B\&quot; &amp; C\\D&quot;">"#
        );
        // A block is rendered HTML already: its entities are not escaped twice.
        assert_eq!(
            render("{% block b %}R&D  {{ '<x>' }}\n{% endblock %}{{ self.b() | css_string }}"),
            "R&D  &lt;x&gt;\n&quot;R&amp;D &lt;x&gt;&quot;"
        );
        assert_eq!(css_string("a\nb"), "\"a\\a b\"");
    }

    #[test]
    fn values_are_shown_the_forms_way() {
        assert_eq!(datetime("2025-03-11T09:20:00+08:00"), "2025-03-11 09:20");
        assert_eq!(
            form_date("2025-04-14", "{y} 年 {m} 月 {d} 日"),
            "2025 年 4 月 14 日"
        );
        assert_eq!(
            form_date("2025-04-04T10:00:00+08:00", "{y}-{mm}-{dd}"),
            "2025-04-04"
        );
        let units: BTreeMap<String, String> = [
            ("d", "{n} 天"),
            ("h", "{n} 小时"),
            ("m", "{n} 分"),
            ("s", "{n} 秒"),
            ("sep", " "),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(duration(Dur::minutes(150), &units), "2 小时 30 分");
        assert_eq!(duration(Dur::days(42), &units), "42 天");
        assert_eq!(duration(Dur::default(), &units), "0 分");
        assert_eq!(percent(86.0), "86%");
        assert_eq!(percent(95.38), "95.4%");
    }
}
