//! Durations as people write them in settings and schedules: `26h`, `7d`,
//! `1h30m`, `90s`, `2w`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A span of time with second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dur {
    secs: i64,
}

impl Dur {
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
    pub fn to_chrono(self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(self.secs)
    }
    pub fn from_chrono(d: chrono::TimeDelta) -> Self {
        Dur {
            secs: d.num_seconds(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration `{0}`: write a number and a unit, like `26h`, `7d`, `1h30m` (units: s, m, h, d, w)"
)]
pub struct ParseDurError(String);

impl FromStr for Dur {
    type Err = ParseDurError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseDurError(s.to_string());
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
            let n: i64 = digits.parse().map_err(|_| err())?;
            secs = n
                .checked_mul(unit)
                .and_then(|v| secs.checked_add(v))
                .ok_or_else(err)?;
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
        for bad in ["", "h", "12", "3x", "1.5h", "99999999999999999999d"] {
            assert!(bad.parse::<Dur>().is_err(), "{bad}");
        }
    }
}
