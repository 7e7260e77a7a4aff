//! `opsbook verify`: backup verification (SPEC 5).

use super::{Context, Exit, Fatal};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--set NAME`, repeatable; empty means every set.
    pub sets: Vec<String>,
    /// `--sample K/N`.
    pub sample: Option<String>,
    /// `--full`: ignore sampling.
    pub full: bool,
    /// `--json FILE|-`.
    pub json: Option<String>,
    /// `--junit FILE`.
    pub junit: Option<String>,
}

pub fn run(_ctx: &Context, _opts: &Options) -> Result<Exit, Fatal> {
    Err(Fatal::NotBuilt("verify"))
}
