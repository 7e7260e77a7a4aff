//! The second stage: everything opsbook concludes from what was loaded.
//!
//! Each analysis takes typed input from [`crate::load`] and returns plain
//! results with their diagnostics; none of them prints or renders.

pub mod check;
pub mod contract;
pub mod evidence;
pub mod handins;
pub mod logs;
pub mod verify;
