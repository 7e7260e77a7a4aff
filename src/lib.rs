//! opsbook: notes, backup verification, schedules and SLAs, and a static
//! portal for an operations-and-maintenance service contract.
//!
//! Data flows one way through the modules:
//!
//! * [`load`]: settings, notes, schedules (what is on disk, typed);
//! * [`analyse`]: checks of notes, backups, logs, obligations and SLAs;
//! * [`report`]: the one model of everything found, also written as JSON;
//! * [`render`]: the portal, from that model;
//! * [`archive`]: a period's hand-in archive, from the rendered pages, signed.
//!
//! Each stage imports only the ones before it (settings of every stage are
//! read, and typed, by `load`). [`commands`] wires the stages together,
//! one function per CLI command;
//! [`state`] holds what is kept between runs. [`diag`], [`time`],
//! [`duration`], [`period`] and [`name`] are the shared vocabulary.
//!
//! opsbook runs on Unix only (Linux, the BSDs, macOS): it opens backup files
//! relative to their folder without following symbolic links, runs restore
//! commands in process groups of their own, and keeps file names as bytes,
//! all of which it does through Unix system calls.

#[cfg(not(unix))]
compile_error!("opsbook runs on Unix only: it relies on Unix file and process system calls");

pub mod analyse;
pub mod archive;
pub mod commands;
pub mod diag;
pub mod duration;
pub mod load;
pub mod name;
pub mod period;
pub mod progress;
pub mod render;
pub mod report;
pub mod size;
pub mod state;
pub mod time;
