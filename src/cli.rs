//! Command-line arguments. Parsing only: each command is a function in
//! `opsbook::commands`; the shell completions and the man page, which are
//! about the arguments themselves, are written here.

mod help;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum, ValueHint};
use opsbook::commands::{self, Context, Exit, Fatal};
use opsbook::report::Audience;

#[derive(Debug, Parser)]
#[command(
    name = "opsbook",
    version,
    about = "Notes, backup verification, schedules and SLAs, and a static portal for an O&M service contract",
    propagate_version = true,
    after_help = help::MAIN
)]
pub struct Cli {
    /// Run as if started in DIR, as `git -C` does (the project is the nearest folder at or
    /// above it with an opsbook.toml; relative paths in other arguments are relative to it)
    #[arg(short = 'C', value_name = "DIR", global = true, value_hint = ValueHint::DirPath)]
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
    #[command(after_help = help::INIT)]
    Init {
        /// Folder of the new project (default: the current folder)
        #[arg(value_hint = ValueHint::DirPath)]
        dir: Option<PathBuf>,
    },
    /// Write a new note with the next free id, from a template; or add a backup set
    #[command(after_help = help::NEW)]
    New {
        /// What to write: a kind of note, or `backup-set` (a [[backups]] table in opsbook.toml)
        #[arg(value_parser = new_kinds())]
        kind: String,
        /// A backup set's name (backup-set only)
        #[arg(value_name = "NAME")]
        name: Option<String>,
        /// The note's date (default: today)
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// An inspection's cycle
        #[arg(long, value_name = "CYCLE", value_parser = ["daily", "weekly", "monthly", "quarterly", "adhoc"])]
        cycle: Option<String>,
        /// A backup set's folder, as the backup job writes it (backup-set only)
        #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
        path: Option<String>,
        /// How a backup set's files are restore-tested (backup-set only; default: files)
        #[arg(long, value_name = "KIND", value_parser = ["files", "tar", "sqlite", "pgdump", "mysqldump"])]
        set_kind: Option<String>,
        /// Print the evidence an inspection would be filled from, and write nothing (inspection only)
        #[arg(long)]
        from_evidence: bool,
        /// With --from-evidence: print it as JSON
        #[arg(long, requires = "from_evidence")]
        json: bool,
    },
    /// Validate notes, schedules, settings and history; list every problem
    #[command(after_help = help::CHECK)]
    Check,
    /// Verify the backup sets: digests, restore tests, freshness
    #[command(after_help = help::VERIFY)]
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
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        json: Option<String>,
        /// Write a JUnit XML report to FILE
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        junit: Option<String>,
        /// Verify only shard I of N (a stable N-th of every set's files) and write its result
        #[arg(long, value_name = "I/N", conflicts_with = "merge")]
        shard: Option<String>,
        /// Merge the results of every shard of a run into one report, baseline and history line
        #[arg(long, value_name = "FILE", num_args = 1.., value_hint = ValueHint::FilePath,
              conflicts_with_all = ["sets", "sample", "full"])]
        merge: Vec<String>,
    },
    /// Print a b3sum-compatible manifest of DIR
    #[command(after_help = help::MANIFEST)]
    Manifest {
        #[arg(value_hint = ValueHint::DirPath)]
        dir: PathBuf,
    },
    /// Ingest logs and print the daily aggregates
    #[command(after_help = help::LOGS)]
    Logs {
        /// Write the aggregates as JSON to FILE (- for stdout)
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        json: Option<String>,
    },
    /// Render the portal into site/
    #[command(after_help = help::BUILD)]
    Build {
        /// Who the portal is for
        #[arg(long, value_enum, default_value_t = AudienceArg::Client)]
        audience: AudienceArg,
    },
    /// Check, ingest logs, verify backups, check schedules and SLAs, and build: one summary
    #[command(after_help = help::NIGHTLY)]
    Nightly {
        /// Write the nightly summary as JSON to FILE (- for stdout)
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        json: Option<String>,
        /// Write a JUnit XML report to FILE
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        junit: Option<String>,
        /// SLA breaches fail the run too
        #[arg(long)]
        strict: bool,
    },
    /// Write a period's signed hand-in archive (.zip); verify or counter-sign one
    #[command(
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true,
        after_help = help::ARCHIVE
    )]
    Archive {
        #[command(subcommand)]
        action: Option<ArchiveAction>,
        /// The period: a month (2025-11), a quarter (2025-Q4) or a year (2025)
        #[arg(long, value_name = "PERIOD", required = true)]
        period: Option<String>,
        /// The team's OpenSSH private key, kept outside the project (default: $OPSBOOK_ARCHIVE_KEY)
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        key: Option<PathBuf>,
        /// Where to write the archive (default: archives/opsbook-archive-PERIOD.zip)
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        out: Option<PathBuf>,
        /// Leave the PDF out (it is printed by headless Chromium)
        #[arg(long)]
        no_pdf: bool,
    },
    /// Preview the portal locally, rebuilt on change
    #[command(after_help = help::SERVE)]
    Serve {
        /// Port on 127.0.0.1
        #[arg(long, default_value_t = 1111)]
        port: u16,
    },
    /// Print the completion script of a shell
    #[command(after_help = help::COMPLETIONS)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (or write one page per command into DIR)
    #[command(after_help = help::MAN)]
    Man {
        /// Write opsbook.1 and opsbook-COMMAND.1 into DIR instead
        #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ArchiveAction {
    /// Check every file against B3SUMS and B3SUMS against its signatures; name every difference
    Verify {
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        /// An ssh-keygen allowed_signers file naming who may sign
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        allowed_signers: Option<PathBuf>,
    },
    /// Add the client administrator's signature (B3SUMS.client.sig) to an archive
    Countersign {
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        /// The client administrator's OpenSSH private key
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        key: PathBuf,
    },
}

/// What `opsbook new` writes: every kind of note by its singular name (the
/// folder names are accepted too, unlisted), and `backup-set`.
fn new_kinds() -> PossibleValuesParser {
    use opsbook::load::notes::kinds::Kind;
    let mut values: Vec<PossibleValue> = Kind::ALL
        .iter()
        .map(|k| PossibleValue::new(k.singular()))
        .collect();
    values.push(PossibleValue::new(commands::new::backup_set::BACKUP_SET));
    values.extend(
        Kind::ALL
            .iter()
            .filter(|k| k.folder() != k.singular())
            .map(|k| PossibleValue::new(k.folder()).hide(true)),
    );
    PossibleValuesParser::new(values)
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

    pub fn run(&self) -> Result<Exit, Fatal> {
        let ctx = self.context();
        match &self.command {
            Command::Completions { shell } => {
                // Into memory first: `generate` panics on a failed write
                // (a closed pipe), write_output reports it.
                let mut script = Vec::new();
                clap_complete::generate(*shell, &mut Cli::command(), "opsbook", &mut script);
                commands::write_output("-", &String::from_utf8_lossy(&script))?;
                Ok(Exit::Clean)
            }
            Command::Man { dir } => man(dir.as_deref()),
            Command::Init { dir } => {
                let dir = dir.clone().unwrap_or_else(|| ctx.dir.clone());
                commands::init::run(&ctx, &dir)
            }
            Command::New {
                kind,
                name,
                date,
                cycle,
                path,
                set_kind,
                from_evidence,
                json,
            } => commands::new::run(
                &ctx,
                &commands::new::Options {
                    kind: kind.clone(),
                    name: name.clone(),
                    date: date.clone(),
                    cycle: cycle.clone(),
                    path: path.clone(),
                    set_kind: set_kind.clone(),
                    from_evidence: *from_evidence,
                    json: *json,
                },
            ),
            Command::Check => commands::check::run(&ctx),
            Command::Verify {
                sets,
                sample,
                full,
                json,
                junit,
                shard,
                merge,
            } => commands::verify::run(
                &ctx,
                &commands::verify::Options {
                    sets: sets.clone(),
                    sample: sample.clone(),
                    full: *full,
                    json: json.clone(),
                    junit: junit.clone(),
                    shard: shard.clone(),
                    merge: merge.clone(),
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
            Command::Archive {
                action,
                period,
                key,
                out,
                no_pdf,
            } => match action {
                Some(ArchiveAction::Verify {
                    file,
                    allowed_signers,
                }) => commands::archive::verify(&ctx, file, allowed_signers.as_deref()),
                Some(ArchiveAction::Countersign { file, key }) => {
                    commands::archive::countersign(&ctx, file, key)
                }
                None => commands::archive::run(
                    &ctx,
                    &commands::archive::Options {
                        period: period.clone().unwrap_or_default(),
                        key: key.clone(),
                        out: out.clone(),
                        pdf: !*no_pdf,
                    },
                ),
            },
            Command::Serve { port } => commands::serve::run(&ctx, &commands::serve::Options { port: *port }),
        }
    }
}

/// The man page on stdout, or one page per command written into `dir`.
fn man(dir: Option<&Path>) -> Result<Exit, Fatal> {
    // `opsbook help X` is `opsbook X --help`: no page of its own.
    let cmd = Cli::command().disable_help_subcommand(true);
    match dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot render the man page: {e}")))?;
            commands::write_output("-", &String::from_utf8_lossy(&page))?;
        }
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|_| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| {
                Fatal::Other(anyhow::anyhow!(
                    "cannot write the man pages into {}: {e}",
                    dir.display()
                ))
            })?,
    }
    Ok(Exit::Clean)
}
