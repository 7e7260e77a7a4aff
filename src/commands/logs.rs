//! `opsbook logs`: ingest structured logs and print the daily aggregates (SPEC 6).

use super::{Context, Exit, Fatal};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--json FILE|-`.
    pub json: Option<String>,
}

pub fn run(_ctx: &Context, _opts: &Options) -> Result<Exit, Fatal> {
    Err(Fatal::NotBuilt("logs"))
}
