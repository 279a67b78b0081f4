//! `cardrecon sandbox`: serve all four provider APIs on loopback from wire files, with optional
//! faults, for trying `run` and `fetch` without a provider account.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::runtime;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Directory of wire files: DIR/<provider>/*.jsonl.
    #[arg(long)]
    pub data: PathBuf,
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Seed of the fault decisions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of requests answered with a 5xx (0.0..1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fault_5xx: f64,
    /// Share of requests answered 429 with Retry-After.
    #[arg(long, default_value_t = 0.0)]
    pub fault_429: f64,
    /// Seconds in Retry-After.
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Tokens expire after this many uses.
    #[arg(long)]
    pub token_uses: Option<u64>,
    /// Hide 1 record in 50 until this many list requests were served, then insert them.
    #[arg(long)]
    pub page_drift_after: Option<u64>,
    /// Share of responses cut off half-way.
    #[arg(long, default_value_t = 0.0)]
    pub fault_truncate: f64,
    /// Add unknown fields to every record.
    #[arg(long)]
    pub extra_fields: bool,
}

pub fn run(a: SandboxArgs) -> Result<ExitCode> {
    let options = crate::sandbox::SandboxOptions {
        seed: a.seed,
        faults: crate::sandbox::Faults {
            server_errors: a.fault_5xx,
            rate_limited: a.fault_429,
            retry_after_secs: a.retry_after,
            latency: std::time::Duration::from_millis(a.latency_ms),
            token_uses: a.token_uses,
            page_drift_after: a.page_drift_after,
            truncated: a.fault_truncate,
            extra_fields: a.extra_fields,
        },
        ..Default::default()
    };
    let store = crate::sandbox::load_store(
        &a.data,
        options.seed,
        options.faults.page_drift_after.is_some(),
        &options.specs,
    )?;
    let rt = runtime()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.addr)
            .await
            .map_err(|e| Error::io(&a.addr, e))?;
        let addr = listener.local_addr().map_err(|e| Error::io(&a.addr, e))?;
        outln!(
            "sandbox serving {} on http://{addr} ({}); Ctrl-C stops it",
            a.data.display(),
            crate::sandbox::mounts(&options.specs)
        );
        crate::sandbox::run(listener, store, &options, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}
