//! The provider sandbox: an emulator of every provider API on one loopback port, each under
//! `/<provider>`, serving `DIR/<provider>/*.jsonl` wire records (the files `generate` writes and
//! `reconcile` reads).
//!
//! Each provider's emulator lives in its own directory (`providers/<name>/sandbox.rs`) and is
//! found through its spec ([`Spec::emulator`](crate::providers::Spec)); this module only loads
//! the files and mounts the routes of the specs it is given ([`SandboxOptions::specs`], by
//! default every provider). The emulators enforce what the documents state (credentials, clock
//! and day-boundary rules, window limits, page bases, size caps, error bodies and codes) and the
//! choices this project made where they are silent (each provider's file says which). Faults
//! ([`Faults`]) are switched on by flags and are deterministic for a seed: whether a request
//! fails depends only on the seed, the request itself and how many times it was made before.
//!
//! Tests start it in-process on port 0 with [`run`], as mini-redis does.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use axum::Router;

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::providers::Spec;

pub use crate::providers::emulator::{
    splitmix, Credentials, Faults, SandboxCredential, Served, State, Store,
};
use crate::providers::SPECS;

/// What a sandbox serves and how it misbehaves.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub seed: u64,
    pub faults: Faults,
    /// The credentials it accepts; by default each provider's sandbox values.
    pub credentials: Credentials,
    /// The providers it emulates (those of them with an emulator); by default [`SPECS`].
    pub specs: Vec<&'static Spec>,
}

impl Default for SandboxOptions {
    fn default() -> SandboxOptions {
        SandboxOptions::of(SPECS.to_vec())
    }
}

impl SandboxOptions {
    /// Emulates `specs`, with their sandbox credentials and no faults.
    pub fn of(specs: Vec<&'static Spec>) -> SandboxOptions {
        SandboxOptions {
            seed: 0,
            faults: Faults::default(),
            credentials: Credentials::of(specs.iter().flat_map(|s| s.config.credentials)),
            specs,
        }
    }

    /// The running sandbox's state over `store`.
    pub fn state(&self, store: Store) -> State {
        State::new(
            store,
            crate::providers::emulator::Options {
                seed: self.seed,
                faults: self.faults.clone(),
                credentials: self.credentials.clone(),
            },
        )
    }
}

/// Loads `DIR/<provider>/*.jsonl` of every spec with an emulator into the store. Records are
/// parsed with the adapters (so a bad file is refused with its line named) and kept as their
/// original text.
pub fn load_store(dir: &Path, seed: u64, drift: bool, specs: &[&'static Spec]) -> Result<Store> {
    let settings = Settings::defaults();
    let mut store = Store::default();
    for spec in specs {
        let Some(emulator) = &spec.emulator else {
            continue;
        };
        let sub = dir.join(spec.name);
        if !sub.is_dir() {
            continue;
        }
        let files = crate::normalize::jsonl_files(&sub)?;
        let options = settings
            .providers
            .get(spec.name)
            .map(|p| p.options.clone())
            .unwrap_or_default();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let fail = |field: String, message: String| Error::ProviderRecord {
                    file: file.clone(),
                    line: i + 1,
                    field,
                    message,
                };
                let parsed = (spec.parse)(spec.name, line, String::new(), &options)
                    .map_err(|e| fail(e.field, e.message))?;
                let value: serde_json::Value = serde_json::from_str(line)
                    .map_err(|e| fail("(record)".into(), e.to_string()))?;
                let hidden = drift && splitmix(seed ^ (i as u64) ^ 0xd1f7).is_multiple_of(50);
                (emulator.keep)(&mut store, parsed, &value, line, hidden);
            }
        }
    }
    store.sort();
    Ok(store)
}

/// The paths the sandbox serves: `/<provider>` for each emulated provider (for messages).
pub fn mounts(specs: &[&'static Spec]) -> String {
    specs
        .iter()
        .filter(|s| s.emulator.is_some())
        .map(|s| format!("/{}", s.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The router of every emulated API of `specs`, each under `/<provider>`.
pub fn router(state: Arc<State>, specs: &[&'static Spec]) -> Router {
    let mut router = Router::new();
    for spec in specs {
        if let Some(emulator) = &spec.emulator {
            router = router.nest(&format!("/{}", spec.name), (emulator.routes)());
        }
    }
    router.with_state(state)
}

/// Serves until `shutdown` completes. Bind the listener to `127.0.0.1:0` in tests.
pub async fn run(
    listener: tokio::net::TcpListener,
    store: Store,
    options: &SandboxOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("sandbox listener", e))?;
    tracing::info!(%addr, "sandbox serving");
    let app = router(Arc::new(options.state(store)), &options.specs);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::io("sandbox", e))
}

/// Starts a sandbox on a free loopback port in the background; returns its base URL and a
/// handle that stops it when dropped.
pub async fn start(data: &Path, options: SandboxOptions) -> Result<(String, SandboxHandle)> {
    let store = load_store(
        data,
        options.seed,
        options.faults.page_drift_after.is_some(),
        &options.specs,
    )?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::io("127.0.0.1:0", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("sandbox listener", e))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        run(listener, store, &options, async move {
            let _ = rx.await;
        })
        .await
    });
    Ok((
        format!("http://{addr}"),
        SandboxHandle {
            stop: Some(tx),
            task: Some(task),
        },
    ))
}

/// Stops the sandbox when dropped.
pub struct SandboxHandle {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl SandboxHandle {
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}
