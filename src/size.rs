//! Sizes as people write them in settings (`128MiB`, `2GiB`, `4096`) and
//! as summaries show them (`1.5 GiB`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A size as people write it: `128MiB`, `2GiB`, `64MB`, `4096`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let err = || format!("invalid size `{s}`: write a number and a unit, like `128MiB` or `2GiB`");
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let n: u64 = digits.parse().map_err(|_| err())?;
        let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kib" => 1 << 10,
            "m" | "mib" => 1 << 20,
            "g" | "gib" => 1 << 30,
            "kb" => 1_000,
            "mb" => 1_000_000,
            "gb" => 1_000_000_000,
            _ => return Err(err()),
        };
        n.checked_mul(mult).map(ByteSize).ok_or_else(err)
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human_bytes(self.0))
    }
}

/// Written as a number of bytes, which reads back.
impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(ByteSize(n)),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// `1.5 GiB`, `320 KiB`, `12 B`: sizes for people.
pub fn human_bytes(n: u64) -> String {
    let (value, unit) = scaled(n, ["KiB", "MiB", "GiB", "TiB", "PiB"]);
    match unit {
        None => format!("{n} B"),
        Some(unit) if value.fract() == 0.0 => format!("{value:.0} {unit}"),
        Some(unit) => format!("{value:.1} {unit}"),
    }
}

/// `1.5 MB`, `320 KB`, `12 B`: sizes as Chinese offices write them, in
/// units of 1024 (1 KB = 1024 B) with at most one decimal, and none when it
/// would be `.0`. What the client's portal shows; the command line keeps
/// the exact binary units of [`human_bytes`].
pub fn office_bytes(n: u64) -> String {
    let (value, unit) = scaled(n, ["KB", "MB", "GB", "TB", "PB"]);
    match unit {
        None => format!("{n} B"),
        Some(unit) => {
            let rounded = format!("{value:.1}");
            format!("{} {unit}", rounded.strip_suffix(".0").unwrap_or(&rounded))
        }
    }
}

/// `n` in the largest of `units` (each 1024 times the one before, the
/// first 1024 B) that leaves at least 1; no unit under 1024 B.
fn scaled(n: u64, units: [&'static str; 5]) -> (f64, Option<&'static str>) {
    if n < 1024 {
        return (n as f64, None);
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    (value, Some(units[unit]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        for (text, bytes, shown) in [
            ("128MiB", 128 << 20, "128 MiB"),
            ("2GiB", 2 << 30, "2 GiB"),
            ("64 MB", 64_000_000, "61.0 MiB"),
            ("4096", 4096, "4 KiB"),
            ("12", 12, "12 B"),
        ] {
            let s: ByteSize = text.parse().unwrap();
            assert_eq!(s.0, bytes, "{text}");
            assert_eq!(s.to_string(), shown, "{text}");
        }
        for bad in ["", "MiB", "1.5GiB", "3 parsecs", "99999999999999999999"] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
    }

    #[test]
    fn office_sizes_are_kb_and_mb_of_1024() {
        for (bytes, shown) in [
            (12, "12 B"),
            (1024, "1 KB"),
            (1536, "1.5 KB"),
            (1_572_864, "1.5 MB"),
            (64_000_000, "61 MB"),
            (320 << 10, "320 KB"),
            (3 << 30, "3 GB"),
        ] {
            assert_eq!(office_bytes(bytes), shown, "{bytes}");
        }
    }
}
