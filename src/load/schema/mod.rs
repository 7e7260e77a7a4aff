//! The schema of every TOML document opsbook reads: each note kind's front
//! matter, `opsbook.toml` and the schedule files.
//!
//! One description serves three purposes:
//! - [`validate`] holds a document against it field by field, so that every
//!   unknown key, bad value, missing key and broken cross-field rule of a
//!   document is reported in one run, each at its place;
//! - [`reference`] renders it as the tables of `docs/reference.md` (a test
//!   keeps the two the same);
//! - tests beside each table hold it against the serde structs that the rest
//!   of opsbook deserializes, so that what the schema accepts is what the
//!   typed structs accept.
//!
//! Values are checked by the same parsers the typed structs use (dates,
//! times, durations, periods, sizes, globs, regexes), so a document that
//! passes validation deserializes.

pub mod hardware;
pub mod notes;
pub mod reference;
pub mod schedules;
pub mod settings;
pub mod validate;

pub use validate::{Input, Outcome, validate};

use chrono_tz::Tz;

use crate::diag::Diagnostic;
use crate::load::toml_doc::{KeyIndex, TomlDoc};

/// A whole TOML file (settings, a schedule) held against its schema.
pub struct FileCheck {
    /// Its values, the wrong ones still among them (see `bad`).
    pub values: toml::Table,
    pub index: KeyIndex,
    /// Dotted paths of what is wrong, as [`Outcome::bad`].
    pub bad: Vec<String>,
    pub problems: Vec<Diagnostic>,
    /// It parsed as TOML. With syntax errors, what it means cannot be told:
    /// its problems are listed, and nothing of it is used.
    pub parsed: bool,
}

/// Parses `text`, the whole of `file`, and validates it against `schema`.
pub fn check_file(schema: &'static Table, text: &str, file: &str, tz: Tz) -> FileCheck {
    let TomlDoc {
        values,
        index,
        errors,
    } = TomlDoc::parse(text, file, 1);
    let input = Input {
        file,
        text,
        first_line: 1,
        index: &index,
        end: None,
        tz,
        partial: !errors.is_empty(),
    };
    let outcome = validate(schema, &values, &input);
    let parsed = errors.is_empty();
    let mut problems = errors;
    problems.extend(outcome.problems);
    FileCheck {
        values,
        index,
        bad: outcome.bad,
        problems,
        parsed,
    }
}

/// A table of a document: its keys and the rules between them.
#[derive(Debug)]
pub struct Table {
    /// How messages name it: `inspection`, `[[backups]]`, `[sla]`.
    pub name: &'static str,
    pub fields: &'static [Field],
    pub rules: &'static [Rule],
}

impl Table {
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// One key of a table.
#[derive(Debug)]
pub struct Field {
    pub key: &'static str,
    pub ty: Type,
    pub need: Need,
    /// A value as it is written in TOML, for the reference and for hints.
    pub example: &'static str,
    /// What it means, in one line.
    pub about: &'static str,
}

/// Whether a key must be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
    /// Optional, with this default (as the reference shows it).
    Default(&'static str),
}

impl Field {
    pub const fn required(key: &'static str, ty: Type, example: &'static str, about: &'static str) -> Field {
        Field {
            key,
            ty,
            need: Need::Required,
            example,
            about,
        }
    }

    pub const fn optional(key: &'static str, ty: Type, example: &'static str, about: &'static str) -> Field {
        Field {
            key,
            ty,
            need: Need::Optional,
            example,
            about,
        }
    }

    pub const fn default(
        key: &'static str,
        ty: Type,
        default: &'static str,
        example: &'static str,
        about: &'static str,
    ) -> Field {
        Field {
            key,
            ty,
            need: Need::Default(default),
            example,
            about,
        }
    }

    pub fn is_required(&self) -> bool {
        self.need == Need::Required
    }
}

/// What a value may be.
#[derive(Debug, Clone, Copy)]
pub enum Type {
    /// Any string.
    Text,
    /// A string that may not be blank when the key is required (a title,
    /// a question: what the client reads).
    Title,
    /// A person's name, not the placeholder `opsbook new` writes.
    Name,
    /// A list of names.
    Names,
    /// A list of strings.
    Texts,
    /// A note id: `{prefix}YYMMDD-NN` (`""` for inspections), or `FAQ-NNN`.
    Id(IdForm),
    /// A calendar day, `2025-03-11`.
    Date,
    /// A moment, `2025-03-11T09:20:00`, in the project's timezone unless it
    /// has an offset.
    DateTime,
    /// A time of day, `"09:30"`.
    ClockTime,
    Bool,
    /// A whole number in this range.
    Int {
        min: i64,
        max: i64,
    },
    /// A number from 0 to 100.
    Percent,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A list of strings, each one of these.
    ListOf(&'static [&'static str]),
    /// A log level, in any case.
    Level,
    /// A note kind: a `content/` folder name or its singular.
    Kind,
    /// A report period: `2025`, `2025-Q3`, `2025-11`, `2025-W07`, `2025-11-03`.
    Period,
    /// A duration, `26h`, `7d`, `1h30m`, at least `min` seconds.
    Duration {
        min: i64,
    },
    /// A size, `128MiB`, or a number of bytes, at least `min` bytes.
    Size {
        min: u64,
    },
    /// A list of globs.
    Globs,
    /// A regular expression (Rust `regex` syntax).
    Regex,
    /// An IANA timezone name.
    Timezone,
    /// `K/N` with 0 < K ≤ N.
    Sample,
    /// A string or `true`/`false`.
    TextOrBool,
    /// A string read by a parser of its own: `shown` is how the reference
    /// names it, `parse` says what is wrong with a value.
    Format {
        shown: &'static str,
        parse: fn(&str) -> Result<(), String>,
    },
    /// A table with its own keys.
    Table(&'static Table),
    /// An array of tables (`[[name]]`).
    Tables(&'static Table),
    /// A table whose keys are the writer's own, each value of this type.
    Map(&'static Type),
    /// A string, number, boolean or date.
    Scalar,
}

/// The forms a note id takes.
#[derive(Debug, Clone, Copy)]
pub enum IdForm {
    /// `{prefix}YYMMDD-NN`: the day, then its number 01–99.
    Dated(&'static str),
    /// `FAQ-NNN`, three digits or more.
    Faq,
}

/// A rule between keys of one table, checked once each key's own value is
/// valid (and whatever else in the document is wrong).
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// The day in the `id` (a [`IdForm::Dated`] id) is the day of `key`.
    IdDate { key: &'static str },
    /// `later` is not before `earlier`; with `strict`, strictly after.
    /// Keys may be dotted (`review.date`).
    Order {
        earlier: &'static str,
        later: &'static str,
        strict: bool,
    },
    /// `key` may be given only together with `needs`.
    Needs { key: &'static str, needs: &'static str },
}

/// The text that `opsbook new` writes where it cannot learn a name (git has
/// no `user.name`); a note that still holds it is an unfinished form.
pub const PLACEHOLDER_NAME: &str = "（填写姓名）";

/// Names that are not names: the placeholder, and what people type to fill
/// a form for later.
pub fn is_placeholder_name(name: &str) -> bool {
    let n = name.trim();
    n == PLACEHOLDER_NAME
        || [
            "填写姓名",
            "姓名",
            "your name",
            "todo",
            "tbd",
            "xxx",
            "n/a",
            "name",
        ]
        .iter()
        .any(|p| n.trim_matches(['（', '）', '(', ')']).eq_ignore_ascii_case(p))
}

/// The earliest and latest years a date may have. Ids write the year in two
/// digits (20YY); keeping every date in that range also keeps all date
/// arithmetic far from the calendar's limits.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;
