//! Time as opsbook sees it: the project's timezone, the clock of a run
//! (`--now`), and the timestamps written in notes.
//!
//! Notes are written by people in one office, so a time without an offset
//! (`reported_at = 2025-03-11T09:20:00`) is read in the project's timezone.

use std::cell::Cell;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

pub const DEFAULT_TIMEZONE: Tz = chrono_tz::Asia::Shanghai;

/// The moment a run takes as "now": the system clock, or `--now`.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    now: DateTime<FixedOffset>,
    tz: Tz,
}

impl Clock {
    pub fn system(tz: Tz) -> Clock {
        Clock {
            now: Utc::now().with_timezone(&tz).fixed_offset(),
            tz,
        }
    }

    /// `--now`: an RFC 3339 time, a local date-time, or a date (its midnight),
    /// read in the project's timezone.
    pub fn parse(text: &str, tz: Tz) -> Result<Clock, TimeError> {
        Ok(Clock {
            now: parse_instant(text, tz)?,
            tz,
        })
    }

    /// A clock stopped at `now`.
    pub fn at(now: DateTime<FixedOffset>, tz: Tz) -> Clock {
        Clock { now, tz }
    }

    pub fn now(&self) -> DateTime<FixedOffset> {
        self.now
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Today's date in the project's timezone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz).date_naive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "invalid time `{0}`: write `2025-03-11T09:20:00`, `2025-03-11 09:20`, `2025-03-11T09:20:00+08:00` or `2025-03-11`"
    )]
    Format(String),
    #[error("`{0}` does not exist in timezone {1} (a daylight-saving gap)")]
    Gap(String, Tz),
}

/// Parses a time as people write it: with or without offset, `T` or space,
/// with or without seconds, or a date alone (its midnight).
pub fn parse_instant(text: &str, tz: Tz) -> Result<DateTime<FixedOffset>, TimeError> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt);
    }
    for f in ["%Y-%m-%d %H:%M:%S%:z", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z"] {
        if let Ok(dt) = DateTime::parse_from_str(t, f) {
            return Ok(dt);
        }
    }
    let local = parse_local(t).ok_or_else(|| TimeError::Format(text.to_string()))?;
    local_to_instant(local, tz).ok_or_else(|| TimeError::Gap(text.to_string(), tz))
}

fn parse_local(t: &str) -> Option<NaiveDateTime> {
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Some(dt);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN))
}

/// A local time in `tz`; the earlier one when a clock change makes it
/// ambiguous, `None` when it falls in a gap.
pub fn local_to_instant(local: NaiveDateTime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|dt| dt.fixed_offset())
}

/// The first instant of `date` in `tz`: its midnight, or the first time the
/// day has when a clock change skips midnight.
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<FixedOffset> {
    (0..24 * 4)
        .find_map(|quarter| {
            local_to_instant(
                date.and_time(NaiveTime::MIN) + chrono::Duration::minutes(15 * quarter),
                tz,
            )
        })
        .unwrap_or_else(|| {
            Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
                .fixed_offset()
        })
}

thread_local! {
    /// The timezone in which offset-less timestamps are read while a note is
    /// being deserialized. serde's derive gives a field no way to receive
    /// context, and the alternative (a raw struct per note kind, converted
    /// field by field) would double every note type; so the note loader sets
    /// this around each parse with [`with_timezone`].
    static PARSE_TZ: Cell<Tz> = const { Cell::new(DEFAULT_TIMEZONE) };
}

/// Runs `f` with offset-less timestamps read in `tz`.
pub fn with_timezone<R>(tz: Tz, f: impl FnOnce() -> R) -> R {
    let previous = PARSE_TZ.with(|c| c.replace(tz));
    let out = f();
    PARSE_TZ.with(|c| c.set(previous));
    out
}

/// A point in time written in a note, resolved to an instant with its offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<FixedOffset>);

impl Timestamp {
    pub fn instant(&self) -> DateTime<FixedOffset> {
        self.0
    }

    /// The local date in `tz`.
    pub fn date_in(&self, tz: Tz) -> NaiveDate {
        self.0.with_timezone(&tz).date_naive()
    }

    /// `2025-03-11 09:20` in `tz`.
    pub fn display_in(&self, tz: Tz) -> String {
        self.0.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.to_rfc3339())
    }
}

/// Accepts a TOML date-time or date (which serde sees as a one-entry map), or
/// a string (YAML, or a quoted TOML value), and hands back its text.
struct DatetimeText;

impl<'de> Visitor<'de> for DatetimeText {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a date-time such as 2025-03-11T09:20:00")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
        match map.next_entry::<String, String>()? {
            Some((_, text)) => Ok(text),
            None => Err(de::Error::custom("empty date-time")),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = d.deserialize_any(DatetimeText)?;
        let tz = PARSE_TZ.with(|c| c.get());
        parse_instant(&text, tz).map(Timestamp).map_err(de::Error::custom)
    }
}

/// A calendar day written in a note (`date = 2025-03-11`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = d.deserialize_any(DatetimeText)?;
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Day)
            .map_err(|_| de::Error::custom(format!("invalid date `{text}`: write `2025-03-11`")))
    }
}

/// A time of day written as `"HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(pub NaiveTime);

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = d.deserialize_any(DatetimeText)?;
        let t = text.trim();
        NaiveTime::parse_from_str(t, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
            .map(ClockTime)
            .map_err(|_| de::Error::custom(format!("invalid time of day `{text}`: write `\"09:30\"`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_take_the_project_zone() {
        let t = parse_instant("2025-03-11T09:20:00", DEFAULT_TIMEZONE).unwrap();
        assert_eq!(t.to_rfc3339(), "2025-03-11T09:20:00+08:00");
        let t = parse_instant("2025-03-11 09:20", DEFAULT_TIMEZONE).unwrap();
        assert_eq!(t.to_rfc3339(), "2025-03-11T09:20:00+08:00");
        let t = parse_instant("2025-03-11T01:20:00Z", DEFAULT_TIMEZONE).unwrap();
        assert_eq!(
            t.with_timezone(&DEFAULT_TIMEZONE).to_rfc3339(),
            "2025-03-11T09:20:00+08:00"
        );
        let d = parse_instant("2025-03-11", DEFAULT_TIMEZONE).unwrap();
        assert_eq!(d.to_rfc3339(), "2025-03-11T00:00:00+08:00");
        assert!(parse_instant("11/03/2025", DEFAULT_TIMEZONE).is_err());
    }

    #[test]
    fn days_start_at_their_first_local_instant() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 11).unwrap();
        assert_eq!(
            start_of_day(d, DEFAULT_TIMEZONE).to_rfc3339(),
            "2025-03-11T00:00:00+08:00"
        );
        // Midnight does not exist in Santiago on the day clocks go forward.
        let gap = NaiveDate::from_ymd_opt(2024, 9, 8).unwrap();
        assert_eq!(
            start_of_day(gap, chrono_tz::America::Santiago).to_rfc3339(),
            "2024-09-08T01:00:00-03:00"
        );
    }

    #[test]
    fn toml_datetimes_deserialize() {
        #[derive(Deserialize)]
        struct T {
            at: Timestamp,
            on: Day,
            start: ClockTime,
        }
        let t: T = with_timezone(chrono_tz::UTC, || {
            toml::from_str("at = 2025-03-11T09:20:00\non = 2025-03-11\nstart = \"09:05\"").unwrap()
        });
        assert_eq!(t.at.to_string(), "2025-03-11T09:20:00+00:00");
        assert_eq!(t.on.to_string(), "2025-03-11");
        assert_eq!(t.start.to_string(), "09:05");
    }
}
