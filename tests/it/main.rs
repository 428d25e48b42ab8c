//! Integration tests: one binary, a module per area.

mod cli;
mod common;
mod duplicates;
mod ingest;
mod maven;
mod sample;
