//! Errors of a whole file (row-level problems are rows, not errors).

use std::path::{Path, PathBuf};

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes could not be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file is malformed as a whole.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Input {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// Expected versus found.
        message: String,
    },
}

impl Error {
    /// An input error at a line of a file.
    pub fn input(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Error::Input { path: path.to_owned(), line, message: message.into() }
    }
}
