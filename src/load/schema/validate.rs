//! Holding a document against its [`Table`], every key and every value.
//!
//! The validator walks the document's values (a `toml::Table`, whatever the
//! document's syntax) beside the schema and reports, each at its place:
//! unknown keys (with the nearest known key as a suggestion), values of the
//! wrong type or outside their range, required keys that are missing, and the
//! [`Rule`]s between keys. It never stops at the first problem. The paths of
//! the values that are wrong come back in [`Outcome::bad`], so that a loader
//! can drop them and read the rest.

use std::collections::BTreeSet;
use std::ops::Range;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::de::DeserializeOwned;
use toml::Value;

use super::{Field, IdForm, Rule, Table, Type, YEARS, is_placeholder_name};
use crate::diag::Diagnostic;
use crate::load::notes::id::{DatedId, parse_dated, parse_faq};
use crate::load::toml_doc::KeyIndex;
use crate::time::{ClockTime, Day, Timestamp};

/// A document to validate and where its text is.
pub struct Input<'a> {
    /// The file, relative to the project.
    pub file: &'a str,
    /// The text the spans of `index` refer to.
    pub text: &'a str,
    /// File line of the text's first line.
    pub first_line: usize,
    pub index: &'a KeyIndex,
    /// Where a key missing from the top-level table is reported: the file
    /// line and its text (the closing `+++` of a note's front matter). Absent:
    /// the text's first line.
    pub end: Option<(usize, &'a str)>,
    /// The project's timezone, for the dates of moments.
    pub tz: Tz,
    /// The parser could not read every value: a key may be missing only
    /// because its value was unreadable, so missing keys are not reported.
    pub partial: bool,
}

/// What validation found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub problems: Vec<Diagnostic>,
    /// Dotted paths of the values that are wrong, unknown, or tables that
    /// miss a required key: what a loader drops to read the rest.
    pub bad: Vec<String>,
    /// Whether the document can be read into its struct: every value valid
    /// and every required key there. Broken rules, blank titles and
    /// placeholder names are problems that leave it readable.
    pub readable: bool,
}

/// Validates `values` against `schema`.
pub fn validate(schema: &'static Table, values: &toml::Table, input: &Input<'_>) -> Outcome {
    let mut v = Validator {
        input,
        out: Outcome::default(),
        blocking: false,
    };
    let complete = v.table(schema, values, "");
    v.out.readable = complete && !v.blocking;
    v.out
}

struct Validator<'a, 'b> {
    input: &'b Input<'a>,
    out: Outcome,
    /// A problem that keeps the document from being read was found.
    blocking: bool,
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The last part of a dotted path, for messages: `result` of `checks.2.result`.
fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

impl Validator<'_, '_> {
    /// Validates one table; true when every required key is there and valid.
    fn table(&mut self, schema: &'static Table, values: &toml::Table, path: &str) -> bool {
        let mut complete = true;
        let mut suggested = BTreeSet::new();
        for (key, value) in values {
            let here = join(path, key);
            match schema.field(key) {
                Some(field) => {
                    if !self.value(field, &field.ty, value, &here) {
                        self.out.bad.push(here);
                        if field.is_required() {
                            complete = false;
                        }
                    }
                }
                None => {
                    // Past the problems that will be listed, no suggestion
                    // is looked for: each costs a comparison with every key.
                    let full = self.out.problems.len() >= crate::diag::MAX_PER_FILE;
                    let guess = if full { None } else { suggest(key, schema, values) };
                    if let Some(g) = guess {
                        suggested.insert(g);
                    }
                    self.unknown(schema, key, &here, guess);
                    self.out.bad.push(here);
                }
            }
        }
        for field in schema.fields.iter().filter(|f| f.is_required()) {
            if values.contains_key(field.key) {
                continue;
            }
            complete = false;
            // A misspelt key was reported with this one as its suggestion:
            // one mistake, one message.
            if self.input.partial || suggested.contains(field.key) {
                self.blocking = true;
                continue;
            }
            self.missing(schema, field, path);
        }
        self.rules(schema, values, path);
        complete
    }

    fn error(&mut self, path: &str, key_span: bool, message: String) -> Diagnostic {
        self.at(path, key_span, Diagnostic::error(self.input.file, message))
    }

    /// Places `d` at the value of `path` (or its key), or at the nearest
    /// enclosing value the index knows (YAML front matter knows top-level
    /// keys only).
    fn at(&self, path: &str, key_span: bool, d: Diagnostic) -> Diagnostic {
        // Past what will be listed, a problem is counted, not placed: placing
        // costs a pass over the text, and a hostile document may hold a
        // million wrong keys.
        if self.out.problems.len() >= crate::diag::MAX_PER_FILE {
            return d;
        }
        let mut p = path;
        loop {
            let span = if key_span && p == path {
                self.input.index.key_span(p)
            } else {
                self.input.index.span(p)
            };
            if let Some(span) = span {
                return d.at_span(self.input.text, span, self.input.first_line);
            }
            match p.rsplit_once('.') {
                Some((parent, _)) => p = parent,
                None => return d.at_line(self.input.first_line),
            }
        }
    }

    fn unknown(&mut self, schema: &Table, key: &str, path: &str, guess: Option<&str>) {
        self.blocking = true;
        if self.out.problems.len() >= crate::diag::MAX_PER_FILE {
            // Counted, not listed.
            self.out
                .problems
                .push(Diagnostic::error(self.input.file, "unknown key"));
            return;
        }
        let mut d = self.error(path, true, format!("unknown key `{key}` in {}", describe(schema)));
        d = match guess {
            Some(g) => {
                let required = schema.field(g).is_some_and(Field::is_required);
                d.with_hint(format!(
                    "did you mean `{g}`{}?",
                    if required { " (a required key)" } else { "" }
                ))
            }
            None => d.with_hint(format!("the keys of {} are: {}", describe(schema), keys(schema))),
        };
        self.out.problems.push(d);
    }

    fn missing(&mut self, schema: &Table, field: &Field, path: &str) {
        self.blocking = true;
        let message = format!("missing required key `{}` in {}", field.key, describe(schema));
        let hint = match field.ty {
            Type::Table(_) => format!("add a `[{}]` table", join(path, field.key)),
            Type::Tables(_) => format!("add a `[[{}]]` table", join(path, field.key)),
            _ => format!("add `{} = {}`", field.key, field.example),
        };
        let d = Diagnostic::error(self.input.file, message);
        let d = if path.is_empty() {
            match self.input.end {
                Some((line, text)) => d
                    .at_span(text, 0..text.len(), line)
                    .with_hint(format!("{hint} above this line")),
                None => d.at_line(self.input.first_line).with_hint(hint),
            }
        } else {
            self.at(path, true, d).with_hint(format!("{hint} to this table"))
        };
        self.out.problems.push(d);
    }

    /// Checks one value; false when it is wrong (and reported).
    fn value(&mut self, field: &Field, ty: &Type, value: &Value, path: &str) -> bool {
        match self.check(field, ty, value, path) {
            Ok(()) => true,
            Err(Some((message, hint))) => {
                self.blocking = true;
                let mut d = self.error(path, false, message);
                if let Some(h) = hint {
                    d = d.with_hint(h);
                }
                self.out.problems.push(d);
                false
            }
            // Reported already, deeper down.
            Err(None) => {
                self.blocking = true;
                false
            }
        }
    }

    /// `Err(Some((message, hint)))` for a problem to report here,
    /// `Err(None)` for one reported inside the value.
    #[allow(clippy::type_complexity)]
    fn check(
        &mut self,
        field: &Field,
        ty: &Type,
        value: &Value,
        path: &str,
    ) -> Result<(), Option<(String, Option<String>)>> {
        let key = leaf(path);
        let wrong_type = |expected: &str| {
            Some((
                format!("`{key}` must be {expected}, found {}", describe_value(value)),
                (!field.example.is_empty())
                    .then(|| format!("write it like `{} = {}`", field.key, field.example)),
            ))
        };
        match ty {
            Type::Text | Type::Title | Type::Name => {
                let Value::String(s) = value else {
                    return Err(wrong_type("a string"));
                };
                self.blank_or_placeholder(field, ty, s, path);
                Ok(())
            }
            Type::Texts | Type::Names => {
                let Value::Array(items) = value else {
                    return Err(wrong_type("a list of strings"));
                };
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}.{i}");
                    match item {
                        Value::String(s) => {
                            if matches!(ty, Type::Names) {
                                self.blank_or_placeholder(field, &Type::Name, s, &item_path);
                            }
                        }
                        other => {
                            ok = false;
                            let d = self.error(
                                &item_path,
                                false,
                                format!(
                                    "`{key}` is a list of strings; this item is {}",
                                    describe_value(other)
                                ),
                            );
                            self.out.problems.push(d);
                        }
                    }
                }
                if ok && items.is_empty() && field.is_required() {
                    let d = self.error(path, false, format!("`{key}` is empty"));
                    self.out
                        .problems
                        .push(d.with_hint(format!("write it like `{} = {}`", field.key, field.example)));
                }
                if ok { Ok(()) } else { Err(None) }
            }
            Type::Id(form) => {
                let Value::String(id) = value else {
                    return Err(wrong_type("a string"));
                };
                match form {
                    IdForm::Dated(prefix) => parse_dated(id, prefix).map(|_| ()),
                    IdForm::Faq => parse_faq(id).map(|_| ()),
                }
                .map_err(|e| Some((e, None)))
            }
            Type::Date => {
                let day = parsed::<Day>(value, "a date such as 2025-03-11")?;
                in_years(day.0)
            }
            Type::DateTime => {
                let at = parsed::<Timestamp>(value, "a date-time such as 2025-03-11T09:20:00")?;
                in_years(at.date_in(self.input.tz))
            }
            Type::ClockTime => parsed::<ClockTime>(value, "a time such as \"09:30\"").map(|_| ()),
            Type::Bool => match value {
                Value::Boolean(_) => Ok(()),
                _ => Err(wrong_type("`true` or `false`")),
            },
            Type::Int { min, max } => {
                let Value::Integer(n) = value else {
                    return Err(wrong_type("a whole number"));
                };
                if n < min || n > max {
                    return Err(Some((range_message(key, *n, *min, *max), None)));
                }
                Ok(())
            }
            Type::Percent => {
                let n = match value {
                    Value::Integer(n) => *n as f64,
                    Value::Float(f) => *f,
                    _ => return Err(wrong_type("a number from 0 to 100")),
                };
                if !(0.0..=100.0).contains(&n) {
                    return Err(Some((
                        format!("`{key}` is {n}; it is a percentage, 0 to 100"),
                        None,
                    )));
                }
                Ok(())
            }
            Type::OneOf(names) => {
                let Value::String(s) = value else {
                    return Err(wrong_type("a string"));
                };
                one_of(key, s, names)
            }
            Type::ListOf(names) => {
                let Value::Array(items) = value else {
                    return Err(wrong_type("a list of strings"));
                };
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    let problem = match item {
                        Value::String(s) => one_of(key, s, names).err().flatten(),
                        other => Some((
                            format!(
                                "`{key}` is a list of strings; this item is {}",
                                describe_value(other)
                            ),
                            None,
                        )),
                    };
                    if let Some((message, hint)) = problem {
                        ok = false;
                        let mut d = self.error(&format!("{path}.{i}"), false, message);
                        if let Some(h) = hint {
                            d = d.with_hint(h);
                        }
                        self.out.problems.push(d);
                    }
                }
                if ok { Ok(()) } else { Err(None) }
            }
            Type::Level => {
                parsed::<crate::analyse::logs::Level>(value, "a level such as \"ERROR\"").map(|_| ())
            }
            Type::Kind => {
                let Value::String(s) = value else {
                    return Err(wrong_type("a string"));
                };
                match crate::load::notes::Kind::from_name(s) {
                    Some(_) => Ok(()),
                    None => Err(Some((
                        format!("unknown note kind `{s}`"),
                        Some(match closest(s, super::notes::KIND_NAMES) {
                            Some(g) => format!("did you mean `{g}`?"),
                            None => format!("use one of: {}", super::notes::KIND_NAMES.join(", ")),
                        }),
                    ))),
                }
            }
            Type::Period => from_str::<crate::period::Period>(value, &wrong_type),
            Type::Duration { min } => {
                let Value::String(s) = value else {
                    return Err(wrong_type("a duration such as \"26h\""));
                };
                let d: crate::duration::Dur = s
                    .parse()
                    .map_err(|e: crate::duration::ParseDurError| Some((e.to_string(), None)))?;
                if d.as_secs() < *min {
                    return Err(Some((
                        format!(
                            "`{key}` is {d}; it must be at least {}",
                            crate::duration::Dur::from_secs(*min)
                        ),
                        None,
                    )));
                }
                Ok(())
            }
            Type::Size { min } => {
                let size = parsed::<crate::size::ByteSize>(value, "a size such as \"128MiB\"")?;
                if size.0 < *min {
                    return Err(Some((
                        format!(
                            "`{key}` is {size}; it must be at least {}",
                            crate::size::ByteSize(*min)
                        ),
                        None,
                    )));
                }
                Ok(())
            }
            Type::Globs => {
                let Value::Array(items) = value else {
                    return Err(wrong_type("a list of globs"));
                };
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    let problem = match item {
                        Value::String(s) => glob_problem(s),
                        other => Some(format!(
                            "`{key}` is a list of globs; this item is {}",
                            describe_value(other)
                        )),
                    };
                    if let Some(message) = problem {
                        ok = false;
                        let d = self.error(&format!("{path}.{i}"), false, message).with_hint(
                            "`*` matches within a folder, `**` across folders, `{a,b}` either; escape `[` as `[[]`",
                        );
                        self.out.problems.push(d);
                    }
                }
                if ok { Ok(()) } else { Err(None) }
            }
            Type::Regex => {
                let Value::String(s) = value else {
                    return Err(wrong_type("a string"));
                };
                regex::Regex::new(s).map(|_| ()).map_err(|e| {
                    Some((
                        format!(
                            "invalid regex: {}",
                            e.to_string().lines().last().unwrap_or_default().trim()
                        ),
                        Some(
                            "write a Rust `regex` pattern; in TOML, double each backslash or use '…' quotes"
                                .into(),
                        ),
                    ))
                })
            }
            Type::Timezone => {
                let Value::String(s) = value else {
                    return Err(wrong_type("a string"));
                };
                Tz::from_str(s).map(|_| ()).map_err(|_| {
                    Some((
                        format!("unknown timezone `{s}`: use an IANA name such as `Asia/Shanghai`"),
                        None,
                    ))
                })
            }
            Type::Sample => from_str::<crate::load::settings::Sample>(value, &wrong_type),
            Type::Format { shown, parse } => {
                let Value::String(s) = value else {
                    return Err(wrong_type(&format!("a string: {shown}")));
                };
                parse(s).map_err(|e| Some((e, None)))
            }
            Type::TextOrBool => match value {
                Value::String(_) | Value::Boolean(_) => Ok(()),
                _ => Err(wrong_type("a string or `true`")),
            },
            Type::Table(schema) => {
                let Value::Table(t) = value else {
                    return Err(wrong_type("a table"));
                };
                if self.table(schema, t, path) {
                    Ok(())
                } else {
                    Err(None)
                }
            }
            Type::Tables(schema) => {
                let Value::Array(items) = value else {
                    return Err(wrong_type(&format!("tables, each written `[[{path}]]`")));
                };
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}.{i}");
                    match item {
                        Value::Table(t) => {
                            if !self.table(schema, t, &item_path) {
                                self.out.bad.push(item_path);
                            }
                        }
                        other => {
                            self.blocking = true;
                            let d = self.error(
                                &item_path,
                                false,
                                format!("`{key}` holds tables; this item is {}", describe_value(other)),
                            );
                            self.out.problems.push(d);
                            self.out.bad.push(item_path);
                        }
                    }
                }
                Ok(())
            }
            Type::Map(inner) => {
                let Value::Table(t) = value else {
                    return Err(wrong_type("a table"));
                };
                for (k, v) in t {
                    let entry = join(path, k);
                    let entry_field = Field {
                        key: field.key,
                        ty: **inner,
                        need: super::Need::Optional,
                        example: "",
                        about: "",
                    };
                    if !self.value(&entry_field, inner, v, &entry) {
                        self.out.bad.push(entry);
                    }
                }
                Ok(())
            }
            Type::Scalar => match value {
                Value::Array(_) | Value::Table(_) => Err(wrong_type("a string, number, boolean or date")),
                _ => Ok(()),
            },
        }
    }

    /// A required title left blank, or a name that is still the form's
    /// placeholder: the record would be published unfinished.
    fn blank_or_placeholder(&mut self, field: &Field, ty: &Type, s: &str, path: &str) {
        let key = field.key;
        let problem = match ty {
            Type::Title | Type::Name if field.is_required() && s.trim().is_empty() => Some((
                format!(
                    "`{}` is blank; the record would be published without it",
                    field.key
                ),
                format!("fill it in, e.g. `{} = {}`", field.key, field.example),
            )),
            Type::Name if is_placeholder_name(s) => Some((
                format!("`{key}` is still the placeholder `{s}`, not a person's name"),
                "write the name; `git config user.name \"姓名\"` lets `opsbook new` fill it in".to_string(),
            )),
            _ => None,
        };
        if let Some((message, hint)) = problem {
            let d = self.error(path, false, message).with_hint(hint);
            self.out.problems.push(d);
        }
    }

    fn rules(&mut self, schema: &'static Table, values: &toml::Table, path: &str) {
        for rule in schema.rules {
            match *rule {
                Rule::IdDate { key } => self.id_date(schema, values, path, key),
                Rule::Order {
                    earlier,
                    later,
                    strict,
                } => self.order(schema, values, path, earlier, later, strict),
                Rule::Needs { key, needs } => {
                    if values.contains_key(key) && !values.contains_key(needs) {
                        let d = self.error(
                            &join(path, key),
                            true,
                            format!("`{key}` is given without `{needs}`"),
                        );
                        self.out
                            .problems
                            .push(d.with_hint(format!("add `{needs}`, or remove `{key}`",)));
                    }
                }
            }
        }
    }

    /// A valid value at a dotted `key` under `values`, with its field.
    fn lookup<'v>(
        &self,
        schema: &'static Table,
        values: &'v toml::Table,
        path: &str,
        key: &str,
    ) -> Option<(&'static Field, &'v Value)> {
        let mut schema = schema;
        let mut table = values;
        let mut parts = key.split('.').peekable();
        while let Some(part) = parts.next() {
            let field = schema.field(part)?;
            let value = table.get(part)?;
            if parts.peek().is_none() {
                let full = join(path, key);
                return (!self.out.bad.contains(&full)).then_some((field, value));
            }
            match (&field.ty, value) {
                (Type::Table(inner), Value::Table(t)) => {
                    schema = inner;
                    table = t;
                }
                _ => return None,
            }
        }
        None
    }

    fn moment(&self, field: &Field, value: &Value) -> Option<Moment> {
        match field.ty {
            Type::Date => Day::deserialize_value(value).map(|d| Moment::Day(d.0)),
            Type::DateTime => Timestamp::deserialize_value(value).map(|t| Moment::At(t.0)),
            Type::ClockTime => ClockTime::deserialize_value(value).map(|t| Moment::Clock(t.0)),
            _ => None,
        }
    }

    fn order(
        &mut self,
        schema: &'static Table,
        values: &toml::Table,
        path: &str,
        earlier: &str,
        later: &str,
        strict: bool,
    ) {
        let (Some((fa, va)), Some((fb, vb))) = (
            self.lookup(schema, values, path, earlier),
            self.lookup(schema, values, path, later),
        ) else {
            return;
        };
        let (Some(a), Some(b)) = (self.moment(fa, va), self.moment(fb, vb)) else {
            return;
        };
        let tz = self.input.tz;
        let Some(ordering) = a.compare(&b, tz) else {
            return;
        };
        let wrong = ordering.is_gt() || (strict && ordering.is_eq());
        if wrong {
            // Left out by a loader that reads what it can: a settings file
            // whose period ends before it starts has no period.
            self.out.bad.push(join(path, later));
            let relation = if strict { "after" } else { "at or after" };
            let d = self.error(
                &join(path, later),
                false,
                format!(
                    "`{later}` ({}) must be {relation} `{earlier}` ({})",
                    b.show(tz),
                    a.show(tz)
                ),
            );
            self.out.problems.push(d);
        }
    }

    fn id_date(&mut self, schema: &'static Table, values: &toml::Table, path: &str, key: &str) {
        let Some((id_field, Value::String(id))) = self.lookup(schema, values, path, "id") else {
            return;
        };
        let Type::Id(IdForm::Dated(prefix)) = id_field.ty else {
            return;
        };
        let Ok(parsed) = parse_dated(id, prefix) else {
            return;
        };
        let Some((field, value)) = self.lookup(schema, values, path, key) else {
            return;
        };
        let tz = self.input.tz;
        let own = match self.moment(field, value) {
            Some(Moment::Day(d)) => d,
            Some(Moment::At(t)) => t.with_timezone(&tz).date_naive(),
            _ => return,
        };
        if parsed.date != own {
            let d = self
                .error(
                    &join(path, "id"),
                    false,
                    format!("id `{id}` is dated {}, but `{key}` is {own}", parsed.date),
                )
                .with_hint(format!(
                    "the id's date is the note's date: `{}`",
                    DatedId {
                        date: own,
                        seq: parsed.seq
                    }
                    .format(prefix)
                ));
            self.out.problems.push(d);
        }
    }
}

/// A point in time of a rule, compared at the finest grain both sides have.
enum Moment {
    Day(NaiveDate),
    At(DateTime<FixedOffset>),
    Clock(NaiveTime),
}

impl Moment {
    fn compare(&self, later: &Moment, tz: Tz) -> Option<std::cmp::Ordering> {
        let day = |m: &Moment| match m {
            Moment::Day(d) => Some(*d),
            Moment::At(t) => Some(t.with_timezone(&tz).date_naive()),
            Moment::Clock(_) => None,
        };
        match (self, later) {
            (Moment::At(a), Moment::At(b)) => Some(a.cmp(b)),
            (Moment::Clock(a), Moment::Clock(b)) => Some(a.cmp(b)),
            _ => Some(day(self)?.cmp(&day(later)?)),
        }
    }

    fn show(&self, tz: Tz) -> String {
        match self {
            Moment::Day(d) => d.to_string(),
            Moment::At(t) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            Moment::Clock(t) => t.format("%H:%M").to_string(),
        }
    }
}

/// Reads a value with a typed parser, for rules: `None` when it does not parse.
trait FromValue: Sized {
    fn deserialize_value(value: &Value) -> Option<Self>;
}

impl<T: DeserializeOwned> FromValue for T {
    fn deserialize_value(value: &Value) -> Option<T> {
        T::deserialize(value.clone()).ok()
    }
}

type Problem = Option<(String, Option<String>)>;

/// Parses `value` with `T`'s own deserializer: the message is the parser's.
fn parsed<T: DeserializeOwned>(value: &Value, expected: &str) -> Result<T, Problem> {
    if matches!(value, Value::Array(_) | Value::Table(_) | Value::Boolean(_)) {
        return Err(Some((
            format!("expected {expected}, found {}", describe_value(value)),
            None,
        )));
    }
    T::deserialize(value.clone()).map_err(|e| Some((e.message().trim().to_string(), None)))
}

/// Parses a string value with `T::from_str`.
fn from_str<T: FromStr>(value: &Value, wrong_type: &dyn Fn(&str) -> Problem) -> Result<(), Problem>
where
    T::Err: std::fmt::Display,
{
    let Value::String(s) = value else {
        return Err(wrong_type("a string"));
    };
    s.parse::<T>()
        .map(|_| ())
        .map_err(|e| Some((e.to_string(), None)))
}

fn in_years(date: NaiveDate) -> Result<(), Problem> {
    use chrono::Datelike;
    if YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(Some((
            format!(
                "{date} is not a date opsbook accepts: years run from {} to {}",
                YEARS.start(),
                YEARS.end()
            ),
            None,
        )))
    }
}

fn one_of(key: &str, s: &str, names: &[&str]) -> Result<(), Problem> {
    if names.contains(&s) {
        return Ok(());
    }
    let hint = match closest(s, names) {
        Some(g) => format!("did you mean `{g}`? `{key}` is one of: {}", names.join(", ")),
        None => format!("use one of: {}", names.join(", ")),
    };
    Err(Some((format!("`{key}` cannot be `{s}`"), Some(hint))))
}

fn range_message(key: &str, n: i64, min: i64, max: i64) -> String {
    if max == i64::MAX || max == u32::MAX as i64 {
        format!("`{key}` is {n}; it must be at least {min}")
    } else {
        format!("`{key}` is {n}; it must be from {min} to {max}")
    }
}

/// Why a glob cannot be used, as the code that matches it later builds it.
fn glob_problem(pattern: &str) -> Option<String> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .err()
        .map(|e| format!("invalid glob `{pattern}`: {}", e.kind()))
}

/// The known key nearest to a misspelt one, if any is near: a key not
/// given yet first.
fn suggest(key: &str, schema: &Table, given: &toml::Table) -> Option<&'static str> {
    let free: Vec<&'static str> = schema
        .fields
        .iter()
        .filter(|f| !given.contains_key(f.key))
        .map(|f| f.key)
        .collect();
    closest(key, &free).or_else(|| closest(key, &schema.fields.iter().map(|f| f.key).collect::<Vec<_>>()))
}

/// The candidate most like `word`, when it is alike enough to be a typo.
pub fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let word = word.to_lowercase();
    // Jaro-Winkler finds transpositions and shared starts (`inspecter`);
    // the edit distance finds letters dropped or doubled in short words
    // (`ouput` for `out`).
    candidates
        .iter()
        .map(|c| {
            let c_low = c.to_lowercase();
            let near = strsim::osa_distance(&word, &c_low) <= 2
                && word.chars().count().min(c_low.chars().count()) >= 3;
            let score = strsim::jaro_winkler(&word, &c_low);
            (if near { score.max(0.8) } else { score }, *c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `an inspection`, `[[backups]]`.
fn describe(schema: &Table) -> String {
    if schema.name.starts_with('[') || schema.name.contains(' ') {
        schema.name.to_string()
    } else {
        let article = if schema.name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", schema.name)
    }
}

fn keys(schema: &Table) -> String {
    schema
        .fields
        .iter()
        .map(|f| format!("`{}`", f.key))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string \"{}\"", s.chars().take(40).collect::<String>()),
        Value::Integer(n) => format!("the number {n}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Boolean(b) => format!("`{b}`"),
        Value::Datetime(d) => format!("the date-time {d}"),
        Value::Array(_) => "a list".into(),
        Value::Table(_) => "a table".into(),
    }
}

/// Removes the values at `bad` (dotted paths, as [`Outcome::bad`] gives
/// them) from `values`, so that what is left can be read into its struct.
pub fn prune(values: &mut toml::Table, bad: &[String]) {
    let mut paths: Vec<Vec<Segment>> = bad
        .iter()
        .map(|p| p.split('.').map(Segment::of).collect())
        .collect();
    // Deepest and last first, so that removing an array item does not move
    // the items still to be removed.
    paths.sort_by(|a, b| b.cmp(a));
    paths.dedup();
    for path in paths {
        remove(values, &path);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    Index(usize),
    Key(String),
}

impl Segment {
    fn of(s: &str) -> Segment {
        match s.parse() {
            Ok(i) => Segment::Index(i),
            Err(_) => Segment::Key(s.to_string()),
        }
    }
}

fn remove(table: &mut toml::Table, path: &[Segment]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let key = match first {
        Segment::Key(k) => k.clone(),
        Segment::Index(i) => i.to_string(),
    };
    if rest.is_empty() {
        table.remove(&key);
        return;
    }
    if let Some(value) = table.get_mut(&key) {
        remove_in(value, rest);
    }
}

fn remove_in(value: &mut Value, path: &[Segment]) {
    match value {
        Value::Table(t) => remove(t, path),
        Value::Array(items) => {
            let Some((Segment::Index(i), rest)) = path.split_first() else {
                return;
            };
            if rest.is_empty() {
                if *i < items.len() {
                    items.remove(*i);
                }
            } else if let Some(item) = items.get_mut(*i) {
                remove_in(item, rest);
            }
        }
        _ => {}
    }
}

/// The original positions of the items of the array at `path` (of `len`
/// items) that [`prune`] keeps: item `k` after pruning was item
/// `kept(…)[k]` of the document, whose place the index knows.
pub fn kept(bad: &[String], path: &str, len: usize) -> Vec<usize> {
    let bad: std::collections::HashSet<&str> = bad.iter().map(String::as_str).collect();
    (0..len)
        .filter(|i| !bad.contains(format!("{path}.{i}").as_str()))
        .collect()
}

/// Where the problem is, for loaders that place their own diagnostics.
pub fn span_of(index: &KeyIndex, path: &str) -> Option<Range<usize>> {
    let mut p = path;
    loop {
        if let Some(s) = index.span(p) {
            return Some(s);
        }
        p = p.rsplit_once('.')?.0;
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::load::schema::reference::example_toml;
    use crate::time::{DEFAULT_TIMEZONE, with_timezone};

    /// Holds a schema table against the struct it describes: its example
    /// deserializes, each allowed value of each `OneOf` does, and the keys
    /// the struct accepts are the schema's (less `skip`, taken out before).
    pub fn assert_matches<T: DeserializeOwned>(schema: &'static Table, skip: &[&str]) {
        let example = example_toml(schema, "", skip);
        let read = |text: &str| with_timezone(DEFAULT_TIMEZONE, || toml::from_str::<T>(text));
        if let Err(e) = read(&example) {
            panic!("{}: the example does not read: {e}\n{example}", schema.name);
        }
        for field in schema.fields.iter().filter(|f| !skip.contains(&f.key)) {
            if let Type::OneOf(names) = field.ty {
                for name in names {
                    let text = replace_value(&example, field.key, &format!("\"{name}\""));
                    assert!(
                        read(&text).is_ok(),
                        "{}.{} = {name} does not read",
                        schema.name,
                        field.key
                    );
                }
                let text = replace_value(&example, field.key, "\"not-a-value\"");
                assert!(
                    read(&text).is_err(),
                    "{}.{} takes any value",
                    schema.name,
                    field.key
                );
            }
        }
        // serde names the fields it knows when it meets one it does not.
        let probe = format!("zz_unknown_key = 1\n{example}");
        let err = read(&probe).err().expect("unknown keys are refused").to_string();
        let known: BTreeSet<String> = err
            .split("expected one of ")
            .nth(1)
            .or_else(|| err.split("expected ").nth(1))
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("")
            .split(['`', ',', ' '])
            .filter(|s| !s.is_empty() && *s != "or")
            .map(str::to_string)
            .collect();
        let schema_keys: BTreeSet<String> = schema
            .fields
            .iter()
            .map(|f| f.key.to_string())
            .filter(|k| !skip.contains(&k.as_str()))
            .collect();
        assert_eq!(
            known, schema_keys,
            "{}: the struct's keys and the schema's differ\n{err}",
            schema.name
        );
    }

    /// `example` with the top-level `key = …` line's value replaced.
    fn replace_value(example: &str, key: &str, value: &str) -> String {
        let mut out = String::new();
        let mut top = true;
        for line in example.lines() {
            if line.starts_with('[') {
                top = false;
            }
            if top && line.split_once(" = ").is_some_and(|(k, _)| k == key) {
                out.push_str(&format!("{key} = {value}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn suggestions_are_near_misses_only() {
        assert_eq!(
            closest("inspecter", &["id", "inspector", "method"]),
            Some("inspector")
        );
        assert_eq!(closest("weather", &["id", "inspector", "method"]), None);
        assert_eq!(closest("good", &["ok", "warn", "fail", "na"]), None);
        assert_eq!(closest("fial", &["ok", "warn", "fail", "na"]), Some("fail"));
        assert_eq!(closest("ouput", &["out", "base_url", "theme"]), Some("out"));
        assert_eq!(
            closest("clinet", &["name", "client", "contractor"]),
            Some("client")
        );
    }
}
