//! cardrecon's integration tests: one binary, one module per area (ripgrep's layout).

mod architecture;
mod browser;
mod cards;
mod cli;
mod corpus;
mod deliver;
mod engine;
mod fetch;
mod fifth_provider;
mod generated;
mod ledger_formats;
mod links;
mod long_text;
mod oracle;
mod properties;
mod provider_files;
mod readme;
mod reports;
mod rollforward;
mod secrets;
mod sql;
mod stage6;
mod store;
mod tinypay;
mod util;
mod workspace;
