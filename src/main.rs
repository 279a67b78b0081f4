//! The `cardrecon` binary: parse the command line, run it, map errors to exit code 2.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cardrecon::cli::Cli::parse();
    match cardrecon::cli::run(cli) {
        Ok(code) => code,
        // Output piped into `head` and closed early: not an error.
        Err(cardrecon::error::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cardrecon: error: {:#}", anyhow::Error::from(e));
            ExitCode::from(2)
        }
    }
}
