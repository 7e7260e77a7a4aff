//! Durations as people write them in settings and schedules: `26h`, `7d`,
//! `1h30m`, `90s`, `2w`.
//!
//! A written duration is at most [`Dur::MAX`] (100 years): longer than any
//! limit, grace or retention a contract sets, and short enough that adding
//! it to any date opsbook accepts stays far inside the calendar, so no date
//! arithmetic on a duration that parsed can overflow.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A span of time with second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dur {
    secs: i64,
}

impl Dur {
    /// The longest duration a setting or schedule may give: 36500 days.
    pub const MAX: Dur = Dur::days(36_500);

    pub const fn from_secs(secs: i64) -> Self {
        Dur { secs }
    }
    pub const fn minutes(m: i64) -> Self {
        Dur { secs: m * 60 }
    }
    pub const fn hours(h: i64) -> Self {
        Dur { secs: h * 3600 }
    }
    pub const fn days(d: i64) -> Self {
        Dur { secs: d * 86_400 }
    }
    pub const fn as_secs(self) -> i64 {
        self.secs
    }
    /// As chrono's span; saturating, though no duration opsbook reads or
    /// computes comes near chrono's limits (about 292 million years).
    pub fn to_chrono(self) -> chrono::TimeDelta {
        chrono::TimeDelta::try_seconds(self.secs).unwrap_or(if self.secs < 0 {
            chrono::TimeDelta::MIN
        } else {
            chrono::TimeDelta::MAX
        })
    }
    pub fn from_chrono(d: chrono::TimeDelta) -> Self {
        Dur {
            secs: d.num_seconds(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseDurError {
    #[error(
        "invalid duration `{0}`: write a number and a unit, like `26h`, `7d`, `1h30m` (units: s, m, h, d, w)"
    )]
    Form(String),
    #[error("duration `{0}` is too long: durations are at most 36500d (100 years)")]
    TooLong(String),
}

impl FromStr for Dur {
    type Err = ParseDurError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseDurError::Form(s.to_string());
        let too_long = || ParseDurError::TooLong(s.to_string());
        let text = s.trim();
        if text.is_empty() {
            return Err(err());
        }
        let mut secs: i64 = 0;
        let mut digits = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            if c == ' ' {
                continue;
            }
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => return Err(err()),
            };
            if digits.is_empty() {
                return Err(err());
            }
            // Digits past any sane length are a duration too long, not one
            // whose number cannot be read.
            let n: i64 = digits.parse().map_err(|_| too_long())?;
            secs = n
                .checked_mul(unit)
                .and_then(|v| secs.checked_add(v))
                .filter(|&v| v <= Dur::MAX.secs)
                .ok_or_else(too_long)?;
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(err());
        }
        Ok(Dur { secs })
    }
}

impl fmt::Display for Dur {
    /// The compact form, largest units first: `2h30m`, `7d`, `1d2h`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secs == 0 {
            return f.write_str("0s");
        }
        if self.secs < 0 {
            f.write_str("-")?;
        }
        let mut rest = self.secs.unsigned_abs();
        for (unit, name) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
            if rest >= unit {
                write!(f, "{}{}", rest / unit, name)?;
                rest %= unit;
            }
        }
        Ok(())
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (text, secs, shown) in [
            ("2h", 7200, "2h"),
            ("26h", 93_600, "1d2h"),
            ("7d", 604_800, "7d"),
            ("1h30m", 5400, "1h30m"),
            ("90s", 90, "1m30s"),
            ("2w", 1_209_600, "14d"),
        ] {
            let d: Dur = text.parse().unwrap();
            assert_eq!(d.as_secs(), secs, "{text}");
            assert_eq!(d.to_string(), shown, "{text}");
        }
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "h", "12", "3x", "1.5h", "d1"] {
            assert!(matches!(bad.parse::<Dur>(), Err(ParseDurError::Form(_))), "{bad}");
        }
    }

    #[test]
    fn every_duration_is_bounded() {
        assert_eq!("36500d".parse::<Dur>(), Ok(Dur::MAX));
        for long in [
            "36501d",
            "99999999999d",
            "99999999999999999999d",
            "5215w",
            "36500d1s",
        ] {
            assert!(
                matches!(long.parse::<Dur>(), Err(ParseDurError::TooLong(_))),
                "{long}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever parses is within the bound, and adding it to the
        /// furthest dates opsbook accepts does not overflow.
        #[test]
        fn parsed_durations_are_safe_to_add(text in "[0-9]{1,14}[smhdw]([0-9]{1,6}[smhdw]){0,3}") {
            if let Ok(d) = text.parse::<Dur>() {
                proptest::prop_assert!(d >= Dur::default() && d <= Dur::MAX);
                let last = chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap().and_hms_opt(23, 59, 59).unwrap();
                let first = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
                proptest::prop_assert!(last.checked_add_signed(d.to_chrono()).is_some());
                proptest::prop_assert!(first.checked_sub_signed(d.to_chrono()).is_some());
            }
        }
    }
}
