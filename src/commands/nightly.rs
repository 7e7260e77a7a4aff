//! `opsbook nightly`: check, ingest, verify, obligations and SLAs, build (SPEC 8.1).

use super::{Context, Exit, Fatal};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--json FILE|-`: the nightly summary.
    pub json: Option<String>,
    /// `--junit FILE`.
    pub junit: Option<String>,
    /// `--strict`: SLA breaches fail the run too.
    pub strict: bool,
}

pub fn run(_ctx: &Context, _opts: &Options) -> Result<Exit, Fatal> {
    Err(Fatal::NotBuilt("nightly"))
}
