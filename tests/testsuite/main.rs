//! Integration tests: each runs the real `opsbook` binary on a small project
//! made in a temporary folder (or copied from `tests/fixtures/`).
//!
//! All areas live in this one test binary, as in mdBook's testsuite, so the
//! crate is linked once rather than once per file.

mod support;

mod archive;
mod browser;
mod build;
mod chart_tables;
mod check;
mod cli;
mod consistency;
mod contract;
mod evidence;
mod example;
mod hardware;
mod init_new;
mod integrity;
mod logs;
mod nightly;
mod pg;
mod portal;
mod print;
mod s3;
mod schedule;
mod serve;
mod servers;
mod shard;
mod verify;
mod verify_db;
mod wording;
