//! Calendar periods, named the way the nightly JSON and the portal write them:
//! `2025-03-15` (day), `2025-W11` (ISO week), `2025-03` (month), `2025-Q3`
//! (quarter), `2025` (year).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How often something recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Day(NaiveDate),
    /// ISO year and ISO week number.
    Week(i32, u32),
    Month(i32, u32),
    Quarter(i32, u32),
    Year(i32),
}

impl Period {
    /// The period of kind `every` that contains `date`.
    pub fn containing(every: Every, date: NaiveDate) -> Period {
        match every {
            Every::Day => Period::Day(date),
            Every::Week => {
                let w = date.iso_week();
                Period::Week(w.year(), w.week())
            }
            Every::Month => Period::Month(date.year(), date.month()),
            Every::Quarter => Period::Quarter(date.year(), (date.month() - 1) / 3 + 1),
            Every::Year => Period::Year(date.year()),
        }
    }

    pub fn every(&self) -> Every {
        match self {
            Period::Day(_) => Every::Day,
            Period::Week(..) => Every::Week,
            Period::Month(..) => Every::Month,
            Period::Quarter(..) => Every::Quarter,
            Period::Year(_) => Every::Year,
        }
    }

    /// First day of the period.
    pub fn first_day(&self) -> NaiveDate {
        match *self {
            Period::Day(d) => d,
            Period::Week(y, w) => NaiveDate::from_isoywd_opt(y, w, Weekday::Mon).expect("valid week"),
            Period::Month(y, m) => NaiveDate::from_ymd_opt(y, m, 1).expect("valid month"),
            Period::Quarter(y, q) => NaiveDate::from_ymd_opt(y, (q - 1) * 3 + 1, 1).expect("valid quarter"),
            Period::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1).expect("valid year"),
        }
    }

    /// Last day of the period (inclusive).
    pub fn last_day(&self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }

    /// The period right after this one.
    pub fn next(&self) -> Period {
        match *self {
            Period::Day(d) => Period::Day(d + Duration::days(1)),
            Period::Week(..) => Period::containing(Every::Week, self.first_day() + Duration::days(7)),
            Period::Month(y, 12) => Period::Month(y + 1, 1),
            Period::Month(y, m) => Period::Month(y, m + 1),
            Period::Quarter(y, 4) => Period::Quarter(y + 1, 1),
            Period::Quarter(y, q) => Period::Quarter(y, q + 1),
            Period::Year(y) => Period::Year(y + 1),
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }

    /// Every period of kind `every` that overlaps `from..=to`, in order.
    pub fn range(every: Every, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
        let mut out = Vec::new();
        if from > to {
            return out;
        }
        let mut p = Period::containing(every, from);
        while p.first_day() <= to {
            out.push(p);
            p = p.next();
        }
        out
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A date's own display is `%Y-%m-%d` (years 0 to 9999), and far
            // cheaper than a format string parsed on every call.
            Period::Day(d) => write!(f, "{d}"),
            Period::Week(y, w) => write!(f, "{y}-W{w:02}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Year(y) => write!(f, "{y}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid period `{0}`: write `2025`, `2025-Q3`, `2025-11`, `2025-W07` or `2025-11-03`")]
pub struct ParsePeriodError(String);

impl FromStr for Period {
    type Err = ParsePeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParsePeriodError(s.to_string());
        let s = s.trim();
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Period::Day(d));
        }
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let period = match rest {
            None => Period::Year(year),
            Some(r) if r.starts_with('Q') => {
                let q: u32 = r[1..].parse().map_err(|_| err())?;
                if !(1..=4).contains(&q) || r.len() != 2 {
                    return Err(err());
                }
                Period::Quarter(year, q)
            }
            Some(r) if r.starts_with('W') => {
                let w: u32 = r[1..].parse().map_err(|_| err())?;
                NaiveDate::from_isoywd_opt(year, w, Weekday::Mon).ok_or_else(err)?;
                Period::Week(year, w)
            }
            Some(r) => {
                let m: u32 = r.parse().map_err(|_| err())?;
                if !(1..=12).contains(&m) || r.len() != 2 {
                    return Err(err());
                }
                Period::Month(year, m)
            }
        };
        Ok(period)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A bare year may come as a TOML integer (`period = 2025`).
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Year(i64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(s) => s.parse().map_err(serde::de::Error::custom),
            Raw::Year(y) => y.to_string().parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_written_as_year_month_day() {
        let mut day = NaiveDate::from_ymd_opt(1999, 12, 31).unwrap();
        while day.year() < 2101 {
            assert_eq!(Period::Day(day).to_string(), day.format("%Y-%m-%d").to_string());
            day += chrono::Duration::days(13);
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn names_round_trip() {
        for s in ["2025-03-15", "2025-W01", "2025-W52", "2025-03", "2025-Q3", "2025"] {
            let p: Period = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
        }
        for bad in ["2025-Q5", "2025-13", "25", "2025-W54", "2025-3", "x"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn iso_weeks_cross_the_year_boundary() {
        // 2024-12-30 (Monday) starts ISO week 1 of 2025.
        let p = Period::containing(Every::Week, d(2024, 12, 30));
        assert_eq!(p.to_string(), "2025-W01");
        assert_eq!(p.last_day(), d(2025, 1, 5));
        // 2027-01-01 is in 2026-W53.
        assert_eq!(
            Period::containing(Every::Week, d(2027, 1, 1)).to_string(),
            "2026-W53"
        );
    }

    #[test]
    fn ranges_cover_the_span() {
        let qs = Period::range(Every::Quarter, d(2025, 1, 1), d(2025, 12, 31));
        assert_eq!(qs.len(), 4);
        assert_eq!(qs[3].last_day(), d(2025, 12, 31));
        let months = Period::range(Every::Month, d(2025, 1, 31), d(2025, 3, 1));
        assert_eq!(
            months.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            ["2025-01", "2025-02", "2025-03"]
        );
    }
}
