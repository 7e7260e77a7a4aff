//! `opsbook serve`: preview the portal locally, rebuilt on change.

use super::{Context, Exit, Fatal};

#[derive(Debug, Clone)]
pub struct Options {
    pub port: u16,
}

pub fn run(_ctx: &Context, _opts: &Options) -> Result<Exit, Fatal> {
    Err(Fatal::NotBuilt("serve"))
}
