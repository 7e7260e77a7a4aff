//! `opsbook manifest DIR`: a b3sum-compatible manifest of a folder (SPEC 5.2).

use std::path::Path;

use super::{Context, Exit, Fatal};

pub fn run(_ctx: &Context, _dir: &Path) -> Result<Exit, Fatal> {
    Err(Fatal::NotBuilt("manifest"))
}
