//! A backup's time from its file name: `name_time = "%Y%m%d"` in a set.
//!
//! Backup jobs name their files for the day (or moment) they were made:
//! `oa-20251231.sql.zst`. That name stays true where a file's modification
//! time does not: a fresh clone, a copy without `-p`, a restore from tape
//! all give the files the time they were written there. A set whose
//! settings say how its names carry the time is judged by the names: its
//! freshness (`stale`), its newest file, the age of a vanished file
//! (`retain`).
//!
//! The format is a strftime-like pattern found anywhere in the file's name
//! (its last component), not preceded or followed by a digit when it starts
//! or ends with one. Understood: `%Y` (4 digits), `%y` (2, 2000–2099), `%m`,
//! `%d`, `%H`, `%M`, `%S` (2 digits each), `%F` (`%Y-%m-%d`), `%T`
//! (`%H:%M:%S`), `%%`; year, month and day are required. The time is local
//! to the project's timezone; without hours it is the start of the day.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A parsed `name_time` format.
#[derive(Debug, Clone)]
pub struct NameTime {
    format: String,
    pattern: Regex,
    /// The field each capture group holds, in order.
    fields: Vec<Field>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Year,
    Year2,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

impl Field {
    fn digits(self) -> usize {
        if self == Field::Year { 4 } else { 2 }
    }
}

impl NameTime {
    pub fn parse(format: &str) -> Result<NameTime, String> {
        let expanded = format.replace("%F", "%Y-%m-%d").replace("%T", "%H:%M:%S");
        let mut pattern = String::new();
        let mut fields = Vec::new();
        // Whether the format starts and ends with a number.
        let mut first_is_field = None;
        let mut last_is_field = false;
        let mut chars = expanded.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                pattern.push_str(&regex::escape(&c.to_string()));
                first_is_field.get_or_insert(false);
                last_is_field = false;
                continue;
            }
            let field = match chars.next() {
                Some('Y') => Field::Year,
                Some('y') => Field::Year2,
                Some('m') => Field::Month,
                Some('d') => Field::Day,
                Some('H') => Field::Hour,
                Some('M') => Field::Minute,
                Some('S') => Field::Second,
                Some('%') => {
                    pattern.push('%');
                    first_is_field.get_or_insert(false);
                    last_is_field = false;
                    continue;
                }
                other => {
                    return Err(format!(
                        "name_time `{format}`: `%{}` is not understood; use %Y %y %m %d %H %M %S %F %T %%",
                        other.map(String::from).unwrap_or_default()
                    ));
                }
            };
            if fields.contains(&field) {
                return Err(format!("name_time `{format}` gives `%{}` twice", spec(field)));
            }
            pattern.push_str(&format!("([0-9]{{{}}})", field.digits()));
            fields.push(field);
            first_is_field.get_or_insert(true);
            last_is_field = true;
        }
        let has = |f: Field| fields.contains(&f);
        if !(has(Field::Year) || has(Field::Year2)) || !has(Field::Month) || !has(Field::Day) {
            return Err(format!(
                "name_time `{format}` must give the year, month and day (`%Y%m%d`, `%F`, …)"
            ));
        }
        if has(Field::Year) && has(Field::Year2) {
            return Err(format!("name_time `{format}` gives the year twice"));
        }
        // A format that starts or ends with a number is not found inside a
        // longer run of digits: `%Y%m%d` in `oa-120251231` matches nothing.
        let pattern = format!(
            "{}{pattern}{}",
            if first_is_field == Some(true) {
                "(?:^|[^0-9])"
            } else {
                ""
            },
            if last_is_field { "(?:[^0-9]|$)" } else { "" }
        );
        Ok(NameTime {
            format: format.to_string(),
            pattern: Regex::new(&pattern).map_err(|e| format!("name_time `{format}`: {e}"))?,
            fields,
        })
    }

    /// The format as written.
    pub fn format(&self) -> &str {
        &self.format
    }

    /// The time `file_name` carries, in `tz`: the first place the format
    /// matches with a real date and time. `None` when there is none.
    pub fn time_of(&self, file_name: &str, tz: Tz) -> Option<DateTime<FixedOffset>> {
        // Candidates may overlap (`v20251399-20251231`): each search starts
        // just after the last one's start.
        let mut from = 0;
        while let Some(caps) = self.pattern.captures_at(file_name, from) {
            if let Some(t) = self.read(&caps, tz) {
                return Some(t);
            }
            let start = caps.get(0).map_or(file_name.len(), |m| m.start());
            from = file_name[start..]
                .char_indices()
                .nth(1)
                .map_or(file_name.len() + 1, |(i, _)| start + i);
            if from > file_name.len() {
                break;
            }
        }
        None
    }

    fn read(&self, caps: &regex::Captures<'_>, tz: Tz) -> Option<DateTime<FixedOffset>> {
        let value = |f: Field| -> Option<u32> {
            let i = self.fields.iter().position(|x| *x == f)?;
            caps.get(i + 1)?.as_str().parse().ok()
        };
        let year = match value(Field::Year) {
            Some(y) => i32::try_from(y).ok()?,
            None => 2000 + i32::try_from(value(Field::Year2)?).ok()?,
        };
        let date = NaiveDate::from_ymd_opt(year, value(Field::Month)?, value(Field::Day)?)?;
        let time = NaiveTime::from_hms_opt(
            value(Field::Hour).unwrap_or(0),
            value(Field::Minute).unwrap_or(0),
            value(Field::Second).unwrap_or(0),
        )?;
        crate::time::local_to_instant(date.and_time(time), tz)
    }
}

fn spec(f: Field) -> char {
    match f {
        Field::Year => 'Y',
        Field::Year2 => 'y',
        Field::Month => 'm',
        Field::Day => 'd',
        Field::Hour => 'H',
        Field::Minute => 'M',
        Field::Second => 'S',
    }
}

impl fmt::Display for NameTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format)
    }
}

impl<'de> Deserialize<'de> for NameTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        NameTime::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Serialize for NameTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    fn at(format: &str, name: &str) -> Option<String> {
        NameTime::parse(format)
            .unwrap()
            .time_of(name, TZ)
            .map(|t| t.to_rfc3339())
    }

    #[test]
    fn dates_and_times_are_found_in_names() {
        assert_eq!(
            at("%Y%m%d", "oa-20251230.sql.zst").as_deref(),
            Some("2025-12-30T00:00:00+08:00")
        );
        assert_eq!(
            at("%Y%m%d-%H%M", "oa-20251230-0215.sql.zst").as_deref(),
            Some("2025-12-30T02:15:00+08:00")
        );
        assert_eq!(
            at("%FT%T", "dump_2025-12-30T02:15:09.tar").as_deref(),
            Some("2025-12-30T02:15:09+08:00")
        );
        assert_eq!(
            at("%y%m%d", "x-251230.db").as_deref(),
            Some("2025-12-30T00:00:00+08:00")
        );
        // Not inside a longer number; an impossible date is passed over.
        assert_eq!(at("%Y%m%d", "oa-120251231.sql"), None);
        assert_eq!(
            at("%Y%m%d", "v20251399-20251231.sql").as_deref(),
            Some("2025-12-31T00:00:00+08:00")
        );
        assert_eq!(at("%Y%m%d", "latest.sql"), None);
    }

    #[test]
    fn formats_that_cannot_work_are_refused() {
        for (format, why) in [
            ("%Y%m", "year, month and day"),
            ("%Y%m%d%b", "`%b` is not understood"),
            ("%Y%m%d%Y", "twice"),
            ("%Y%y%m%d", "twice"),
        ] {
            let e = NameTime::parse(format).unwrap_err();
            assert!(e.contains(why), "{format}: {e}");
        }
        let set: toml::Value = toml::from_str("t = \"%Y%m%d\"").unwrap();
        let parsed: NameTime = set["t"].clone().try_into().unwrap();
        assert_eq!(parsed.to_string(), "%Y%m%d");
    }
}
