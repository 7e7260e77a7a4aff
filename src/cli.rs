//! Command-line arguments. Parsing only: each command is a function
//! in `opsbook::commands`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use opsbook::commands::{self, Context};
use opsbook::report::Audience;

#[derive(Debug, Parser)]
#[command(
    name = "opsbook",
    version,
    about = "Notes, backup verification, schedules and SLAs, and a static portal for an O&M service contract",
    propagate_version = true
)]
pub struct Cli {
    /// Run as if started in DIR, as `git -C` does (the project is the nearest folder at or
    /// above it with an opsbook.toml; relative paths in other arguments are relative to it)
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub directory: Option<PathBuf>,

    /// The clock of this run: an RFC 3339 time or a date (for tests and re-running a past night)
    #[arg(long, value_name = "TIME", global = true)]
    pub now: Option<String>,

    /// Print problems only: no summaries, no progress
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to colour the output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AudienceArg {
    /// The client's portal: internal notes left out, personal data masked
    Client,
    /// Everything, for the team
    Internal,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new project with the contract's default schedules
    Init {
        /// Folder of the new project (default: the current folder)
        dir: Option<PathBuf>,
    },
    /// Write a new note with the next free id, from a template
    New {
        /// inspection, incident, workorder, faq, training, upgrade, vulnerability or report
        kind: String,
        /// The note's date (default: today)
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// An inspection's cycle: daily (default), weekly, monthly, quarterly or adhoc
        #[arg(long, value_name = "CYCLE")]
        cycle: Option<String>,
    },
    /// Validate notes, schedules, settings and history; list every problem
    Check,
    /// Verify the backup sets: digests, restore tests, freshness
    Verify {
        /// Only this set (repeatable)
        #[arg(long = "set", value_name = "NAME")]
        sets: Vec<String>,
        /// Read about K/N of each set's bytes this run
        #[arg(long, value_name = "K/N", conflicts_with = "full")]
        sample: Option<String>,
        /// Read every file, whatever the sampling settings
        #[arg(long)]
        full: bool,
        /// Write the JSON report to FILE (- for stdout)
        #[arg(long, value_name = "FILE")]
        json: Option<String>,
        /// Write a JUnit XML report to FILE
        #[arg(long, value_name = "FILE")]
        junit: Option<String>,
    },
    /// Print a b3sum-compatible manifest of DIR
    Manifest { dir: PathBuf },
    /// Ingest logs and print the daily aggregates
    Logs {
        /// Write the aggregates as JSON to FILE (- for stdout)
        #[arg(long, value_name = "FILE")]
        json: Option<String>,
    },
    /// Render the portal into site/
    Build {
        /// Who the portal is for
        #[arg(long, value_enum, default_value_t = AudienceArg::Client)]
        audience: AudienceArg,
    },
    /// Check, ingest logs, verify backups, check schedules and SLAs, and build: one summary
    Nightly {
        /// Write the nightly summary as JSON to FILE (- for stdout)
        #[arg(long, value_name = "FILE")]
        json: Option<String>,
        /// Write a JUnit XML report to FILE
        #[arg(long, value_name = "FILE")]
        junit: Option<String>,
        /// SLA breaches fail the run too
        #[arg(long)]
        strict: bool,
    },
    /// Preview the portal locally, rebuilt on change
    Serve {
        /// Port on 127.0.0.1
        #[arg(long, default_value_t = 1111)]
        port: u16,
    },
}

impl Cli {
    pub fn context(&self) -> Context {
        let stderr_tty = std::io::stderr().is_terminal();
        let color = match self.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => stderr_tty && std::env::var_os("NO_COLOR").is_none(),
        };
        Context {
            // main() has already changed into `-C DIR`.
            dir: PathBuf::from("."),
            now: self.now.clone(),
            quiet: self.quiet,
            color,
            progress: stderr_tty && !self.quiet && std::env::var_os("CI").is_none(),
        }
    }

    pub fn run(&self) -> Result<commands::Exit, commands::Fatal> {
        let ctx = self.context();
        match &self.command {
            Command::Init { dir } => {
                let dir = dir.clone().unwrap_or_else(|| ctx.dir.clone());
                commands::init::run(&ctx, &dir)
            }
            Command::New { kind, date, cycle } => commands::new::run(
                &ctx,
                &commands::new::Options {
                    kind: kind.clone(),
                    date: date.clone(),
                    cycle: cycle.clone(),
                },
            ),
            Command::Check => commands::check::run(&ctx),
            Command::Verify {
                sets,
                sample,
                full,
                json,
                junit,
            } => commands::verify::run(
                &ctx,
                &commands::verify::Options {
                    sets: sets.clone(),
                    sample: sample.clone(),
                    full: *full,
                    json: json.clone(),
                    junit: junit.clone(),
                },
            ),
            Command::Manifest { dir } => commands::manifest::run(&ctx, dir),
            Command::Logs { json } => {
                commands::logs::run(&ctx, &commands::logs::Options { json: json.clone() })
            }
            Command::Build { audience } => commands::build::run(
                &ctx,
                &commands::build::Options {
                    audience: match audience {
                        AudienceArg::Client => Audience::Client,
                        AudienceArg::Internal => Audience::Internal,
                    },
                },
            ),
            Command::Nightly { json, junit, strict } => commands::nightly::run(
                &ctx,
                &commands::nightly::Options {
                    json: json.clone(),
                    junit: junit.clone(),
                    strict: *strict,
                },
            ),
            Command::Serve { port } => commands::serve::run(&ctx, &commands::serve::Options { port: *port }),
        }
    }
}
