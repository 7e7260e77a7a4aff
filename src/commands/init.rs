//! `opsbook init [DIR]`: a new project with the contract's default schedules.

use std::path::Path;

use super::{Context, Exit, Fatal};

pub fn run(_ctx: &Context, _dir: &Path) -> Result<Exit, Fatal> {
    Err(Fatal::NotBuilt("init"))
}
