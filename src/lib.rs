//! pipetrust audits a CRM's historical export for forecast trust.
//!
//! The data's path: [`ingest`] reads the export files and maps them onto the
//! canonical tables of [`model`]; [`audit`] runs the [`checks`] (pure
//! functions of lazy frames) with the [`config`] and [`calendar`]; [`report`]
//! writes the Parquet tables, charts, Markdown and summary. [`generate`]
//! writes synthetic exports with labelled faults. See ARCHITECTURE.md.

#![warn(missing_docs)]

pub mod audit;
pub mod calendar;
pub mod checks;
pub mod cli;
pub mod config;
pub mod error;
pub mod generate;
pub mod ingest;
pub mod model;
pub mod report;
pub mod stats;
pub mod text;
