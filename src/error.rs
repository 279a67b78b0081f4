//! Typed errors of the library. Every error that comes from input names where the input was:
//! the file, the line or row (or page), and the field or column, so a person can go and look.
//! `main.rs` turns any of these into exit code 2 with the message.
//!
//! **Causes are kept, not flattened.** Where an error comes from another library's (an I/O
//! error, sqlx's, the workbook writer's, TOML's, reqwest's, lettre's), that error is the
//! variant's `source()` ([`Cause`]), so code can match on its kind (a full disk, a refused
//! connection, a unique-key violation) and a test can downcast it.
//!
//! **Why the message shows the cause too.** Each variant's text is whole: the place and the
//! cause, in words a person reads on the terminal, a workspace page or a log line, each of which
//! prints one error with `{}`. A reporter that walks the `source()` chain as well would repeat
//! the cause, so `main.rs` prints `{}`, not a chain.

use std::path::PathBuf;

/// What a ledger file calls its rows: a text file has lines, a spreadsheet or table rows.
pub fn row_word(file: &std::path::Path) -> &'static str {
    let text = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("txt"));
    if text {
        "line"
    } else {
        "row"
    }
}

/// Another library's error, kept as the cause of one of ours.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can stop cardrecon from producing a result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A provider wire record (one JSON object per line) that cannot be read.
    #[error("{file}, line {line}, field `{field}`: {message}")]
    ProviderRecord {
        file: PathBuf,
        line: usize,
        field: String,
        message: String,
    },

    /// A ledger row that cannot be read. `row` is the file's own 1-based line for a CSV file,
    /// the row as a spreadsheet shows it for the others (the header is 1 either way).
    #[error("{file}, {} {row}, column `{column}`: {message}", row_word(file))]
    LedgerRow {
        file: PathBuf,
        row: usize,
        column: String,
        message: String,
    },

    /// A ledger file that cannot be read as a whole (missing column, unreadable format).
    #[error("{file}: {message}")]
    LedgerFile {
        file: PathBuf,
        message: String,
        #[source]
        cause: Option<Cause>,
    },

    /// A configuration value that is missing or wrong.
    #[error("configuration {source_name}, `{field}`: {message}")]
    Config {
        source_name: String,
        field: String,
        message: String,
        #[source]
        cause: Option<Cause>,
    },

    /// A command-line argument or other direct input that is not usable.
    #[error("{what}: {message}")]
    Input {
        what: String,
        message: String,
        #[source]
        cause: Option<Cause>,
    },

    /// A file or directory operation failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The dataframe engine failed (a bug in cardrecon rather than bad input, usually).
    #[error("dataframe engine: {0}")]
    Polars(#[from] polars::prelude::PolarsError),

    /// A provider API could not be fetched (after retries), or answered with an error.
    #[error("fetching from {provider}: {what}: {message}")]
    Fetch {
        provider: String,
        what: String,
        message: String,
        #[source]
        cause: Option<Cause>,
    },

    /// A provider reported a total that the records fetched do not reach.
    #[error("fetch from {provider} is incomplete: {window}: {message}")]
    Incomplete {
        provider: String,
        window: String,
        message: String,
    },

    /// Writing an output failed.
    #[error("{path}: {message}")]
    Output {
        path: PathBuf,
        message: String,
        #[source]
        cause: Option<Cause>,
    },

    /// The store (its URL shown without the password) could not be opened, read or written,
    /// or refused what was asked of it.
    #[error("store {store}: {message}")]
    Store {
        store: String,
        message: String,
        #[source]
        cause: Option<Cause>,
    },

    /// A write found the store changed since the writer read it (another run or a person's
    /// decision was committed in between); nothing was written. A run plans again and retries
    /// (`pipeline::stored`); a decision is refused and says to try again.
    #[error("store {store}: the store changed while this command was working (another run or a decision was written in between); nothing was written: run the command again")]
    StoreChanged { store: String },

    /// Delivering a finished run's reports failed (the run itself is complete; `cardrecon
    /// deliver --run DIR` tries again). `to` is the server or directory, never a credential.
    #[error("delivery to {to}: {message}")]
    Delivery {
        to: String,
        message: String,
        #[source]
        cause: Option<Cause>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn input(what: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            what: what.into(),
            message: message.into(),
            cause: None,
        }
    }

    pub fn delivery(to: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Delivery {
            to: to.into(),
            message: message.into(),
            cause: None,
        }
    }

    /// Writing `path` failed because of `cause` (kept as the source).
    pub fn output(
        path: impl Into<PathBuf>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Output {
            path: path.into(),
            message: cause.to_string(),
            cause: Some(Box::new(cause)),
        }
    }

    /// The same error with `cause` as its source, for the variants that keep one (the others
    /// are returned unchanged: their cause is cardrecon's own finding, in the message).
    pub fn because(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        match &mut self {
            Error::LedgerFile { cause: c, .. }
            | Error::Config { cause: c, .. }
            | Error::Input { cause: c, .. }
            | Error::Fetch { cause: c, .. }
            | Error::Output { cause: c, .. }
            | Error::Store { cause: c, .. }
            | Error::Delivery { cause: c, .. } => *c = Some(Box::new(cause)),
            _ => {}
        }
        self
    }

    pub fn config(
        source_name: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            source_name: source_name.into(),
            field: field.into(),
            message: message.into(),
            cause: None,
        }
    }
}
