//! Readers of the file formats CRM exports come in — CSV (sniffed delimiter,
//! BOM, Windows-1252), JSON documents, Pipedrive pages, JSON Lines, ICS — and
//! the parsers of the scalars inside them. Kept apart from pipetrust's Polars
//! code so they build in seconds and can be fuzzed on their own (`fuzz/`).

#![warn(missing_docs)]

pub mod error;
pub mod ics;
pub mod parse;
pub mod read;
pub mod record;
pub mod text;

pub use error::{Error, Result};
