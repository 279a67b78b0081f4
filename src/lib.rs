//! cardrecon reconciles the records of card-issuing providers against a company's ledger.
//!
//! # Layout
//!
//! Modules follow the data flow, provider APIs and ledger files in, reports out:
//!
//! | module | its job |
//! |---|---|
//! | [`providers`] | one directory per provider API (wire structs, conversion, endpoints, credentials) and its [`providers::Spec`]; [`providers::SPECS`] lists them; shared [`providers::spec`], [`providers::fetch`], [`providers::http`] |
//! | [`sandbox`] | serves every provider's emulator (`providers/<name>/sandbox.rs`, found through its spec; shared parts in [`providers::emulator`]) with fault injection, for the demo and the tests |
//! | [`columns`] | polars columns built from Rust values (text, exact money, instants, accounting days), for every frame the crate builds |
//! | [`normalize`] | provider wire files → the canonical `provider_records` table (polars) |
//! | [`ledger`] | ledger CSV / XLSX / Parquet → the canonical `ledger_entries` table |
//! | [`parquet_input`] | Parquet files from outside: page headers checked before polars decodes them |
//! | [`matching`] | the reconciliation engine: pairs (ids, groups, the team's rules, suggestions), compares and classifies, columnar over the Arrow buffers |
//! | [`tolerance`] | how far two amounts may differ and still agree (absolute, relative, per currency) |
//! | [`cards`] | card balances rolled forward: the provider's card list against its records |
//! | [`links`] | a provider's refunds and fees against the originals they name (orphans, refunds above the original) |
//! | [`export`] | the canonical tables as hive-partitioned Parquet, for Spark, DuckDB or polars |
//! | [`sql`] | stages 1-5 as one SQL statement (Spark, DuckDB) generated from the engine's rules |
//! | [`results`] | the matching result as every stage reads it (rows, what is at stake, the store's close view): shared by the reports and the store |
//! | [`report`] | writers of the outputs: `results.csv`, `discrepancies.csv`, `summary.json`, `report.xlsx`, `report.html`, `manifest.json` (from facts it is given) |
//! | [`pipeline`] | a whole reconciliation as its stages (`stages.rs`) and its outputs as a list of writers ([`pipeline::writers`]) |
//! | [`run_dir`] | the names of a run directory's files (the output contract), in one place |
//! | [`store`] | memory across months (SQLite or PostgreSQL): items, decisions, events, period close, what each run reported, the workspace's users |
//! | [`workspace`] | the review workspace (`serve`): sign-in, roles, items, proposals and approvals, close, audit log, in a browser |
//! | [`formula_guard`] | provider and ledger text never read as a formula in a CSV |
//! | [`deliver`] | a finished run's reports by email (SMTP, lettre) and into a drop directory |
//! | [`explain`] | one id's story in a run: both sides, how it matched, raw record, related records |
//! | [`close_pack`] | a closed period's folder and archive for the auditor: the close workbook, decisions, events, the final run's reports, the journal, every file's SHA-256 |
//! | [`journal`] | after the close: accepted items as adjusting journal entries, by the team's `[journal]` rules, rendered for its ERP |
//! | [`generate`] | synthetic months with labelled discrepancies, for demos, tests and benchmarks |
//! | [`config`] | the TOML configuration and its resolved settings |
//! | [`cli`] | the command line, one file per command |
//! | [`model`] | the canonical record types every stage shares |
//! | [`money`] | exact decimal money: parsing, units, formatting |
//! | [`period`] | instants, business days and periods in a named timezone |
//! | [`secret`] | credentials that never print, and `${ENV}` references resolved through an injected lookup |
//! | [`error`] | typed errors that name file, row and field, and keep another library's error as their cause |
//!
//! Money is never a binary float: amounts are `rust_decimal::Decimal` in Rust and
//! `Decimal(38, 8)` in polars. Instants are UTC; accounting days come from chrono-tz.

pub mod bookings;
pub mod cards;
pub mod cli;
pub mod close_pack;
pub mod columns;
pub mod config;
pub mod deliver;
pub mod error;
pub mod explain;
pub mod export;
pub mod formula_guard;
pub mod generate;
pub mod journal;
pub mod ledger;
pub mod links;
pub mod matching;
pub mod model;
pub mod money;
pub mod normalize;
pub mod parquet_input;
pub mod period;
pub mod pipeline;
pub mod providers;
pub mod report;
pub mod results;
pub mod run_dir;
pub mod sandbox;
pub mod secret;
pub mod sql;
pub mod store;
pub mod tolerance;
pub mod workspace;

pub use error::{Error, Result};
