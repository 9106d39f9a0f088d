//! The one error type of the command line. Every failure that ends a command is a
//! [`CliError`]; `cli::main` prints it once, escaped, and exits with its code.

use std::path::PathBuf;

use super::exit;
use crate::client::ClientError;

/// A failure that ends a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A missing or wrong setting (exit 1, so that 2 and 3 keep their plan meanings).
    #[error("{0}")]
    Usage(String),
    /// Lint found errors; they were printed above.
    #[error("the files have errors (see above); nothing was planned")]
    Files,
    /// `${env:…}` references to unset variables; they were printed above.
    #[error("secrets are missing (see above); nothing was planned")]
    Secrets,
    /// A request to the proxy failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Writing output failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// Where (`-` for stdout).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The plan could not be serialised (a bug; never an empty plan instead).
    #[error("cannot serialise the plan: {0}")]
    Serialise(#[from] serde_json::Error),
    /// `export` could not make a clean file (a bug: nothing was written).
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// The async runtime did not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl CliError {
    /// The process exit code for this failure.
    pub(crate) fn exit_code(&self) -> u8 {
        // Every failure is 1 today; the match keeps a new variant from defaulting
        // silently to it.
        match self {
            CliError::Usage(_)
            | CliError::Files
            | CliError::Secrets
            | CliError::Client(_)
            | CliError::Write { .. }
            | CliError::Serialise(_)
            | CliError::Export(_)
            | CliError::Runtime(_) => exit::ERROR,
        }
    }
}
