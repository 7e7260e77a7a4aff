//! The schema as the tables of `docs/reference.md`.
//!
//! The reference holds blocks between `<!-- BEGIN GENERATED: NAME -->` and
//! `<!-- END GENERATED: NAME -->` lines; [`blocks`] renders each from the
//! schema, and a test fails with a diff when the file differs. Run
//! `UPDATE_REFERENCE=1 cargo test --lib reference` to rewrite them.

use std::fmt::Write;

use super::{Field, IdForm, Need, Rule, Table, Type, notes, schedules, settings};
use crate::load::notes::Kind;

/// Each generated block of the reference: its name and its markdown.
pub fn blocks() -> Vec<(&'static str, String)> {
    vec![
        ("settings", tables(&settings::SETTINGS, 3, "")),
        ("notes", notes_block()),
        ("schedules", tables(&schedules::SCHEDULE, 3, "")),
    ]
}

/// `text` with every generated block replaced by its rendering.
pub fn regenerate(text: &str) -> Result<String, String> {
    let mut out = text.to_string();
    for (name, body) in blocks() {
        let begin = format!("<!-- BEGIN GENERATED: {name} -->\n");
        let end = format!("<!-- END GENERATED: {name} -->");
        let start = out
            .find(&begin)
            .ok_or_else(|| format!("the reference has no `{}` line", begin.trim()))?
            + begin.len();
        let stop = out[start..]
            .find(&end)
            .ok_or_else(|| format!("the reference has no `{end}` line"))?
            + start;
        out.replace_range(start..stop, &body);
    }
    Ok(out)
}

fn notes_block() -> String {
    let mut out = String::new();
    for kind in Kind::ALL {
        let table = notes::of(kind);
        let _ = writeln!(out, "### {} (`content/{}/`)\n", title(kind), kind.folder());
        out.push_str(&tables(table, 4, ""));
        let sections = kind.sections();
        if !sections.is_empty() {
            let _ = writeln!(
                out,
                "Body sections, each a markdown heading: {}.\n",
                sections
                    .iter()
                    .map(|s| format!("`## {s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        } else if kind == Kind::Faq {
            out.push_str("Body: the solution (解决方案).\n\n");
        } else if kind == Kind::Report {
            out.push_str("Body: placed at the top of the report of that period.\n\n");
        } else if kind == Kind::Handin {
            out.push_str(
                "Body: the client's opinion (签署意见). The file is named after the period: `content/handins/2025-11.md` ([archive.md](archive.md)).\n\n",
            );
        }
    }
    out
}

fn title(kind: Kind) -> &'static str {
    match kind {
        Kind::Inspection => "Inspection — 软件巡检记录单",
        Kind::Incident => "Incident — 故障",
        Kind::WorkOrder => "Work order — 项目工单",
        Kind::Faq => "FAQ — 常见问题及解决方案",
        Kind::Training => "Training — 定期培训",
        Kind::Upgrade => "Upgrade — 软件升级",
        Kind::Vulnerability => "Vulnerability — 安全漏洞",
        Kind::Report => "Report text",
        Kind::Handin => "Hand-in sign-off — 签署意见",
    }
}

/// A table of `schema`'s scalar keys and its rules, then each table inside
/// it under a heading of level `depth`. `path` is the dotted path of
/// `schema` in its document.
fn tables(schema: &Table, depth: usize, path: &str) -> String {
    let mut out = String::new();
    let scalars: Vec<&Field> = schema
        .fields
        .iter()
        .filter(|f| !matches!(f.ty, Type::Table(_) | Type::Tables(_)))
        .collect();
    if !scalars.is_empty() {
        out.push_str("| key | type | required | default | example | meaning |\n|---|---|---|---|---|---|\n");
        for f in &scalars {
            let (required, default) = match f.need {
                Need::Required => ("yes", String::new()),
                Need::Optional => ("no", String::new()),
                Need::Default(d) => ("no", code(d)),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {required} | {default} | {} | {} |",
                f.key,
                type_text(&f.ty),
                code(f.example),
                f.about
            );
        }
        out.push('\n');
    }
    if !schema.rules.is_empty() {
        out.push_str("Rules:\n\n");
        for rule in schema.rules {
            let _ = writeln!(out, "- {}", rule_text(rule));
        }
        out.push('\n');
    }
    let mut done: Vec<*const Table> = Vec::new();
    for f in schema.fields {
        let (inner, many) = match f.ty {
            Type::Table(inner) => (inner, false),
            Type::Tables(inner) => (inner, true),
            _ => continue,
        };
        if done.contains(&(inner as *const Table)) {
            continue;
        }
        done.push(inner);
        // Keys that hold the same kind of table are described once.
        let alike: Vec<&Field> = schema
            .fields
            .iter()
            .filter(|g| matches!(g.ty, Type::Table(t) | Type::Tables(t) if std::ptr::eq(t, inner)))
            .collect();
        let header = |g: &Field| {
            let full = if path.is_empty() {
                g.key.to_string()
            } else {
                format!("{path}.{}", g.key)
            };
            if many {
                format!("`[[{full}]]`")
            } else {
                format!("`[{full}]`")
            }
        };
        let _ = writeln!(
            out,
            "{} {}\n",
            "#".repeat(depth),
            alike.iter().map(|g| header(g)).collect::<Vec<_>>().join(", ")
        );
        if alike.len() == 1 {
            let _ = writeln!(out, "{}.\n", capitalise(f.about));
        } else {
            let _ = writeln!(
                out,
                "Each of {}, with these keys.\n",
                alike
                    .iter()
                    .map(|g| format!("`{}` ({})", g.key, g.about))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let inner_path = if path.is_empty() {
            f.key.to_string()
        } else {
            format!("{path}.{}", f.key)
        };
        out.push_str(&tables(inner, depth + 1, &inner_path));
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn code(s: &str) -> String {
    if s.is_empty() || s.contains(' ') && !s.starts_with(['"', '[', '{', '\'']) {
        s.to_string()
    } else {
        format!("`{s}`")
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How the reference names a type.
pub fn type_text(ty: &Type) -> String {
    match ty {
        Type::Text => "string".into(),
        Type::Title => "string, not blank".into(),
        Type::Name => "a person's name".into(),
        Type::Names => "list of names".into(),
        Type::Texts => "list of strings".into(),
        Type::Id(IdForm::Dated(prefix)) => format!("`{prefix}YYMMDD-NN`"),
        Type::Id(IdForm::Faq) => "`FAQ-NNN`".into(),
        Type::Date => "date".into(),
        Type::DateTime => "date-time".into(),
        Type::ClockTime => "`\"HH:MM\"`".into(),
        Type::Bool => "boolean".into(),
        Type::Int { min, max } if *max >= u32::MAX as i64 => format!("integer ≥ {min}"),
        Type::Int { min, max } => format!("integer {min}–{max}"),
        Type::Percent => "number 0–100".into(),
        Type::OneOf(names) => format!("one of {}", list(names)),
        Type::ListOf(names) => format!("list of {}", list(names)),
        Type::Level => "log level".into(),
        Type::Kind => "note kind".into(),
        Type::Period => "period".into(),
        Type::Duration { min } if *min > 0 => "duration, > 0".into(),
        Type::Duration { .. } => "duration".into(),
        Type::Size { .. } => "size".into(),
        Type::Globs => "list of globs".into(),
        Type::Regex => "regex".into(),
        Type::Timezone => "IANA timezone".into(),
        Type::Sample => "`\"K/N\"`".into(),
        Type::TextOrBool => "string or boolean".into(),
        Type::Format { shown, .. } => (*shown).into(),
        Type::Table(t) => format!("table `{}`", t.name),
        Type::Tables(t) => format!("tables `{}`", t.name),
        Type::Map(inner) => format!("table of {}", type_text(inner)),
        Type::Scalar => "string, number, boolean or date".into(),
    }
}

fn rule_text(rule: &Rule) -> String {
    match rule {
        Rule::IdDate { key } => format!("the date in `id` is the day of `{key}`"),
        Rule::Order {
            earlier,
            later,
            strict,
        } => format!(
            "`{later}` is {} `{earlier}`",
            if *strict { "after" } else { "at or after" }
        ),
        Rule::Needs { key, needs } => format!("`{key}` is given only with `{needs}`"),
    }
}

/// A document holding every key of `schema` with its example value, less
/// `skip`: what the tests read into each struct.
pub fn example_toml(schema: &Table, prefix: &str, skip: &[&str]) -> String {
    let mut out = String::new();
    for f in schema.fields.iter().filter(|f| !skip.contains(&f.key)) {
        if !matches!(f.ty, Type::Table(_) | Type::Tables(_)) {
            let _ = writeln!(out, "{} = {}", f.key, f.example);
        }
    }
    for f in schema.fields.iter().filter(|f| !skip.contains(&f.key)) {
        match f.ty {
            Type::Table(inner) => {
                let _ = writeln!(out, "\n[{prefix}{}]", f.key);
                out.push_str(&example_toml(inner, &format!("{prefix}{}.", f.key), &[]));
            }
            Type::Tables(inner) => {
                let _ = writeln!(out, "\n[[{prefix}{}]]", f.key);
                out.push_str(&example_toml(inner, &format!("{prefix}{}.", f.key), &[]));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference.md");

    /// The reference's tables are the schema the checker uses.
    #[test]
    fn reference_tables_are_the_schema() {
        let text = std::fs::read_to_string(REFERENCE).expect("docs/reference.md");
        let want = regenerate(&text).unwrap_or_else(|e| panic!("{e}"));
        if want == text {
            return;
        }
        if std::env::var_os("UPDATE_REFERENCE").is_some() {
            std::fs::write(REFERENCE, &want).expect("write docs/reference.md");
            return;
        }
        let diff = similar::TextDiff::from_lines(&text, &want);
        panic!(
            "docs/reference.md differs from the schema; run `UPDATE_REFERENCE=1 cargo test --lib reference` to update it\n{}",
            diff.unified_diff()
                .context_radius(2)
                .header("docs/reference.md", "from the schema")
        );
    }

    #[test]
    fn examples_are_valid_documents() {
        for (schema, skip) in [(&settings::SETTINGS, &[][..]), (&schedules::SCHEDULE, &[][..])] {
            let text = example_toml(schema, "", skip);
            assert!(toml::from_str::<toml::Table>(&text).is_ok(), "{text}");
        }
    }
}
