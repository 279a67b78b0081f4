//! The `cardrecon` binary: parse the command line, run it, map errors to exit code 2.

use std::process::ExitCode;

use clap::Parser;

/// jemalloc rather than glibc's malloc: the engine allocates and frees column-sized buffers
/// (80 MB each at 1e7 rows), which glibc hands back to the kernel and maps again, zeroed, every
/// time; at 1e7 records that was a third of the run (BENCHMARKS.md). jemalloc keeps and reuses
/// them, as polars' Python package and DuckDB do.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
            // `{}`, not the `{:#}` chain: each of our errors already says its cause in words
            // (and keeps it as `source()` for code); the chain would say it twice
            // ("/x: No such file or directory: No such file or directory").
            eprintln!("cardrecon: error: {}", anyhow::Error::from(e));
            ExitCode::from(2)
        }
    }
}
