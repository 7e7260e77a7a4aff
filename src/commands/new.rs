//! `opsbook new KIND [--date D]`: a new note with the next free id.

use super::{Context, Exit, Fatal};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub kind: String,
    pub date: Option<String>,
}

pub fn run(_ctx: &Context, _opts: &Options) -> Result<Exit, Fatal> {
    Err(Fatal::NotBuilt("new"))
}
