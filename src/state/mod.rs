//! What opsbook keeps between runs under `state/`, and how anything is
//! written to disk: atomically, so that a crash or a full disk never leaves a
//! half-written file behind.

pub mod atomic;
pub mod backdate;
pub mod history;
pub mod lock;
pub mod published;

pub use atomic::{write_atomic, write_json_atomic};
pub use backdate::Backdated;
pub use lock::{LockError, StateLock};
