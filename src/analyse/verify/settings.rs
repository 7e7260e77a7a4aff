//! The `[verify]` table of `opsbook.toml`: bounds and programs for every
//! backup set. Each default is safe for a hostile file and fits ordinary
//! backups; raise a bound only for a set that needs it.
//!
//! ```toml
//! [verify]
//! max_window = "128MiB"     # largest zstd window a frame may ask for
//! max_ratio = 1000          # decoded bytes per stored byte, at most
//! restore_timeout = "1h"    # pg_restore and restore_command
//! temp_dir = "/var/tmp"     # where restored copies are written
//! pg_restore = "pg_restore" # the program that reads custom-format dumps
//! mmap = true               # hash large plain files through a memory map
//! ```

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::duration::Dur;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifySettings {
    /// The largest window a zstd frame may need. A frame written with
    /// `zstd --long=31` needs `"2GiB"`; the default matches the zstd tool's
    /// own default limit, so a frame it decodes without `--memory`, opsbook
    /// decodes too.
    pub max_window: ByteSize,
    /// A compressed file may decode to at most this many times its stored
    /// size (and always to at least [`MIN_DECODED_LIMIT`]): a small file that
    /// claims gigabytes is stopped as soon as it passes the bound.
    pub max_ratio: u64,
    /// How long `pg_restore` and a set's `restore_command` may run per file
    /// before they are killed and the file reported.
    pub restore_timeout: Dur,
    /// Where restored copies (SQLite databases, `{restored}`) are written;
    /// relative to the project. Default: the system's temporary folder.
    pub temp_dir: Option<PathBuf>,
    /// The program that reads custom-format PostgreSQL dumps.
    pub pg_restore: String,
    /// Hash large plain files through a memory map, as `b3sum` does: the
    /// fastest way, but a file cut short by another process while it is
    /// being read stops the whole run (SIGBUS). Set `false` where backup jobs
    /// may still be writing or pruning while opsbook reads.
    pub mmap: bool,
}

/// The decoded-size bound is never below this, so that small, very
/// compressible files (an empty table's dump) are not taken for bombs.
pub const MIN_DECODED_LIMIT: u64 = 64 << 20;

impl Default for VerifySettings {
    fn default() -> Self {
        VerifySettings {
            max_window: ByteSize(128 << 20),
            max_ratio: 1000,
            restore_timeout: Dur::hours(1),
            temp_dir: None,
            pg_restore: "pg_restore".to_string(),
            mmap: true,
        }
    }
}

impl VerifySettings {
    /// `max_window` as zstd's window log (10 to 31).
    pub fn window_log_max(&self) -> u32 {
        let bytes = self.max_window.0.max(1);
        (63 - bytes.leading_zeros()).clamp(10, 31)
    }

    /// How many decoded bytes a file of `stored` bytes may produce.
    pub fn decoded_limit(&self, stored: u64) -> u64 {
        stored.saturating_mul(self.max_ratio).max(MIN_DECODED_LIMIT)
    }

    pub fn restore_timeout(&self) -> Duration {
        Duration::from_secs(self.restore_timeout.as_secs().max(1) as u64)
    }
}

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
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
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
    fn window_log_and_decoded_limit() {
        let mut s = VerifySettings::default();
        assert_eq!(s.window_log_max(), 27);
        s.max_window = ByteSize(2 << 30);
        assert_eq!(s.window_log_max(), 31);
        assert_eq!(s.decoded_limit(10), MIN_DECODED_LIMIT);
        assert_eq!(s.decoded_limit(1 << 20), 1000 << 20);
    }

    #[test]
    fn the_table_deserializes_with_defaults() {
        let s: VerifySettings = toml::from_str("max_window = \"2GiB\"\nmax_ratio = 50").unwrap();
        assert_eq!(s.max_window, ByteSize(2 << 30));
        assert_eq!(s.max_ratio, 50);
        assert_eq!(s.pg_restore, "pg_restore");
        assert!(toml::from_str::<VerifySettings>("max_windw = 1").is_err());
    }
}
