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
//! mmap = true               # read large files through a memory map
//! retries = 3               # object storage: tries again after a failure
//! request_timeout = "30s"   # object storage: longest wait for an answer
//! ```

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::duration::Dur;
use crate::size::ByteSize;

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
    /// Read large files through a memory map (plain ones hashed on every
    /// core, as `b3sum` does), without copying them out of the page cache: the
    /// fastest way, but a file cut short by another process while it is
    /// being read stops the whole run (SIGBUS). Set `false` where backup jobs
    /// may still be writing or pruning while opsbook reads.
    pub mmap: bool,
    /// Object storage: how many times a request that failed (a 5xx
    /// answer, a broken connection) or stalled is tried again, with
    /// backoff, before its object is reported `unreadable`.
    pub retries: u32,
    /// Object storage: how long a request may wait for its answer, or for
    /// the next bytes of an object, before it counts as stalled.
    pub request_timeout: Dur,
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
            retries: 3,
            request_timeout: Dur::from_secs(30),
        }
    }
}

impl VerifySettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout.as_secs().max(1) as u64)
    }

    pub fn restore_timeout(&self) -> Duration {
        Duration::from_secs(self.restore_timeout.as_secs().max(1) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_deserializes_with_defaults() {
        let s: VerifySettings = toml::from_str("max_window = \"2GiB\"\nmax_ratio = 50").unwrap();
        assert_eq!(s.max_window, ByteSize(2 << 30));
        assert_eq!(s.max_ratio, 50);
        assert_eq!(s.pg_restore, "pg_restore");
        assert!(toml::from_str::<VerifySettings>("max_windw = 1").is_err());
    }
}
