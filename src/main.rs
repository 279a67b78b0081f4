//! The `cardrecon` binary: parse the command line, run it, map errors to exit code 2.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cardrecon::cli::Cli::parse();
    match cardrecon::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cardrecon: error: {:#}", anyhow::Error::from(e));
            ExitCode::from(2)
        }
    }
}
