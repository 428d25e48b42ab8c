//! Typed errors of the library. Every input error names the file and, where it
//! has one, the line and the column, so a user can open the file at the spot.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The input file.
    pub path: PathBuf,
    /// 1-based line, when the format has lines.
    pub line: Option<usize>,
    /// Column (header name or JSON key), when one is to blame.
    pub column: Option<String>,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written (fs-err puts the path in the message).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An input file is malformed as a whole (not one row of it).
    #[error("{position}: {message}")]
    Input {
        /// Where.
        position: Position,
        /// What is wrong, as "expected …, found …" where possible.
        message: String,
    },
    /// A required column is missing from an input file.
    #[error(
        "`{}`: missing required column {missing} for table `{table}`; the file has: {}",
        path.display(),
        shown(have)
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The canonical table being loaded.
        table: &'static str,
        /// The canonical column (with the source names tried).
        missing: String,
        /// The columns the file does have.
        have: Vec<String>,
    },
    /// The configuration or a mapping file is invalid.
    #[error("`{}`: {message}", path.display())]
    Config {
        /// The config or mapping file.
        path: PathBuf,
        /// What is wrong, with line and column when known.
        message: String,
    },
    /// A Polars computation failed.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
    /// Anything else, with context.
    #[error("{0}")]
    Other(String),
}

/// At most 40 column names, each cut to 60 characters: a garbage header can
/// be one line of megabytes.
fn shown(have: &[String]) -> String {
    let cut = |h: &String| {
        if h.chars().count() > 60 {
            format!("{}…", h.chars().take(60).collect::<String>())
        } else {
            h.clone()
        }
    };
    let mut names: Vec<String> = have.iter().take(40).map(cut).collect();
    if have.len() > 40 {
        names.push(format!("… ({} more)", have.len() - 40));
    }
    names.join(", ")
}

impl From<pipetrust_formats::Error> for Error {
    fn from(e: pipetrust_formats::Error) -> Self {
        match e {
            pipetrust_formats::Error::Io(io) => Error::Io(io),
            pipetrust_formats::Error::Input { path, line, message } => {
                Error::Input { position: Position { path, line, column: None }, message }
            },
        }
    }
}

impl Error {
    /// An input error at a position.
    pub fn input(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        let position = Position { path: path.into(), line, column: None };
        Error::Input { position, message: message.into() }
    }
}
