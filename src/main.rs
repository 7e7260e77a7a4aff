//! The `opsbook` binary: parse arguments, run one command, turn its outcome
//! into an exit code (0 all well, 1 problems found, 2 could not run).

mod cli;

use std::process::ExitCode;

use clap::Parser;
use opsbook::commands::{Exit, Fatal};
use opsbook::diag::Printer;
use opsbook::load::LoadError;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let color = cli.context().color;
    if let Some(dir) = &cli.directory
        && let Err(e) = std::env::set_current_dir(dir)
    {
        anstream::eprintln!("error: cannot change to {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    match cli.run() {
        Ok(Exit::Clean) => ExitCode::SUCCESS,
        Ok(Exit::Problems) => ExitCode::from(1),
        Ok(Exit::CouldNotRun) => ExitCode::from(2),
        Err(fatal) => {
            report_fatal(&fatal, color);
            ExitCode::from(2)
        }
    }
}

fn report_fatal(fatal: &Fatal, color: bool) {
    if let Fatal::Load(LoadError::Invalid(diags)) = fatal {
        let printer = Printer::new(color);
        for d in diags {
            anstream::eprintln!("{}\n", printer.render(d));
        }
    }
    let hint = match fatal {
        Fatal::Load(LoadError::NotFound(_)) => {
            "\nhelp: run `opsbook init` to create a project, or pass -C DIR"
        }
        _ => "",
    };
    anstream::eprintln!("error: {fatal}{hint}");
}
