//! Figures named in prose: `{workorders.total}` in a report's text is the
//! number the report's own table shows, for the page's audience.
//!
//! A hand-written summary that types "11 work orders" goes wrong the day an
//! internal work order is left out of the client's table, or a late note is
//! added; one that writes `{workorders.total}` cannot. The same filling is
//! applied to the sentences the theme writes around a report's figures, so
//! every number in prose comes from the model field the table beside it
//! shows.
//!
//! A placeholder is a dotted path of lowercase names in braces, with at
//! least one dot (`{incidents.open}`, `{sla.total.percent}`), so braces in
//! ordinary text are left alone. A path that names no figure is left as
//! written and reported, never dropped silently.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)\}").expect("a valid pattern"));

/// A text with its figures filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    pub text: String,
    /// Placeholders that name no figure, each once, as written.
    pub unknown: Vec<String>,
}

/// Fills every `{path}` of `text` from `figures` (the serialized model of
/// the page). Numbers are written as they are, a percentage with one
/// decimal at most; strings as they are; anything else (a list, a missing
/// value) counts as unknown.
pub fn fill(text: &str, figures: &Value) -> Filled {
    let mut unknown: Vec<String> = Vec::new();
    let out = PLACEHOLDER.replace_all(text, |c: &regex::Captures| {
        let path = &c[1];
        match lookup(figures, path) {
            Some(v) => v.into_owned(),
            None => {
                if !unknown.iter().any(|u| u == path) {
                    unknown.push(path.to_string());
                }
                c[0].to_string()
            }
        }
    });
    Filled {
        text: out.into_owned(),
        unknown,
    }
}

/// The figure at a dotted `path`, as text.
fn lookup<'a>(figures: &'a Value, path: &str) -> Option<Cow<'a, str>> {
    let value = path.split('.').try_fold(figures, |v, key| v.get(key))?;
    match value {
        Value::Number(n) => Some(Cow::Owned(match n.as_f64() {
            Some(f) if n.is_f64() => number(f),
            _ => n.to_string(),
        })),
        Value::String(s) => Some(Cow::Borrowed(s)),
        _ => None,
    }
}

/// `71.4`, `100`: at most one decimal, none when whole.
fn number(f: f64) -> String {
    if (f - f.round()).abs() < 1e-9 {
        format!("{}", f.round() as i64)
    } else {
        format!("{f:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_take_the_models_figures() {
        let figures = serde_json::json!({
            "workorders": { "total": 10, "done": 7 },
            "sla": { "total": { "percent": 71.42857 } },
            "period": "2025",
            "rows": [1, 2],
        });
        let filled = fill(
            "全年受理工单 {workorders.total} 项（完成 {workorders.done} 项），达标率 {sla.total.percent}%。{x} {period}",
            &figures,
        );
        assert_eq!(
            filled.text,
            "全年受理工单 10 项（完成 7 项），达标率 71.4%。{x} {period}"
        );
        assert!(filled.unknown.is_empty(), "braces without a dot are plain text");

        let filled = fill("{workorders.totl} {workorders.totl} {rows.x}", &figures);
        assert_eq!(filled.text, "{workorders.totl} {workorders.totl} {rows.x}");
        assert_eq!(filled.unknown, ["workorders.totl", "rows.x"]);
    }
}
