//! `opsbook verify --shard I/N` and `opsbook verify --merge FILE…`: one run
//! of verification split across CI jobs, and put back together.
//!
//! A shard prints what it found in its files like any run, writes its
//! result under `state/verify/shards/<run>/` (and to `--json`), and exits 0
//! once the result is written, whatever it found: the verdict is the
//! merge's, whose report, exit code, baselines and history line are those
//! of a single run.

use std::path::Path;
use std::time::Instant;

use chrono::DateTime;

use super::progress::Bar;
use super::session::Session;
use super::verify::{Options, parse_sample, print_report};
use super::{Context, Exit, Fatal};
use crate::analyse::verify::shard::{self, MergeError, Shard, ShardResult};
use crate::analyse::verify::{self};
use crate::diag::Diagnostic;
use crate::state::{Backdated, history};

/// Verifies one shard's files and writes its result.
pub fn shard(ctx: &Context, opts: &Options, text: &str) -> Result<Exit, Fatal> {
    let shard: Shard = text.parse().map_err(|e| Fatal::Usage(format!("--shard: {e}")))?;
    if shard.count > 1 && ctx.now.is_none() {
        return Err(Fatal::Usage(
            "--shard needs --now: the shards of a run must share one clock to be merged \
             (in CI, the pipeline's start time, given to every shard)"
                .into(),
        ));
    }
    let sample = parse_sample(opts)?;
    let session = Session::open(ctx)?;
    let project = &session.project;
    let started = Instant::now();
    let bar = Bar::new(ctx.progress, "verifying");
    let result = shard::verify_shard(
        project,
        &session.clock,
        &verify::Options {
            sets: opts.sets.clone(),
            sample,
            full: opts.full,
        },
        shard,
        &bar,
    )
    .map_err(|e| Fatal::Other(e.into()))?;
    drop(bar);
    let text = result.to_json();
    print_report(ctx, project, &result.report, started, opts, Some(text.clone()))?;
    // A backdated run keeps nothing under state/, its shards included: their
    // merge could keep nothing either.
    if let Some(b) = &session.backdated {
        let file = project.rel(&project.state_dir().join(history::FILE));
        ctx.print_diagnostics(&[Diagnostic::warning(file, b.to_string())]);
        return Ok(Exit::Clean);
    }
    let path = result.path(&project.state_dir());
    crate::state::write_atomic(&path, text.as_bytes())
        .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write {}: {e}", path.display())))?;
    say(
        ctx,
        opts,
        &format!(
            "shard {} of run {}: result written to {}",
            result.shard,
            result.run.id(),
            project.rel(&path)
        ),
    );
    Ok(Exit::Clean)
}

/// A line on stdout, or on stderr when the JSON goes to stdout.
fn say(ctx: &Context, opts: &Options, line: &str) {
    if ctx.quiet {
        return;
    }
    if opts.json.as_deref() == Some("-") {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

/// Merges the results of every shard of a run and keeps the run as a single
/// `opsbook verify` would have.
pub fn merge(ctx: &Context, opts: &Options) -> Result<Exit, Fatal> {
    let session = Session::open(ctx)?;
    let project = &session.project;
    let started = Instant::now();
    let mut results = Vec::with_capacity(opts.merge.len());
    let mut unreadable = Vec::new();
    for file in &opts.merge {
        match ShardResult::read(Path::new(file)) {
            Ok(result) => results.push((file.clone(), result)),
            Err(why) => unreadable.push(format!("  {file}: {why}")),
        }
    }
    if !unreadable.is_empty() {
        return Err(Fatal::Usage(format!(
            "cannot merge the shard results:\n{}",
            unreadable.join("\n")
        )));
    }
    // The run's clock is the shards'; `--now`, if given, must agree.
    let now = results
        .first()
        .and_then(|(_, r)| DateTime::parse_from_rfc3339(&r.run.now).ok());
    if let (Some(now), Some(_)) = (now, &ctx.now)
        && now != session.clock.now()
    {
        return Err(Fatal::Usage(format!(
            "--now is {}, but the shards ran with the clock {now}: a merge takes its clock from its shards",
            session.clock.now()
        )));
    }
    let backdated = now.and_then(|now| Backdated::check(&project.state_dir(), now));
    let merged_line = results.first().map(|(_, r)| {
        format!(
            "merged the {} shards of run {} (clock {})",
            r.run.shards,
            r.run.id(),
            r.run.now
        )
    });
    let lock = super::pipeline::lock_state(project).map_err(|e| Fatal::Other(e.into()))?;
    let merged = shard::merge(project, results, &lock).map_err(|e| match e {
        MergeError::Refused(_) => Fatal::Usage(e.to_string()),
        MergeError::Verify(e) => Fatal::Other(e.into()),
    })?;
    let report = match &backdated {
        Some(b) => {
            let file = project.rel(&project.state_dir().join(history::FILE));
            ctx.print_diagnostics(&[Diagnostic::warning(file, b.to_string())]);
            merged.report
        }
        None => merged.save(project, &lock).map_err(|e| Fatal::Other(e.into()))?,
    };
    drop(lock);
    say(ctx, opts, merged_line.as_deref().unwrap_or_default());
    print_report(ctx, project, &report, started, opts, None)?;
    Ok(Exit::from_problems(!report.ok))
}
