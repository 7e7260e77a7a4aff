//! What opsbook keeps between runs under `state/`, and how anything is
//! written to disk: atomically, so that a crash or a full disk never leaves a
//! half-written file behind.

pub mod atomic;

pub use atomic::{write_atomic, write_json_atomic};
