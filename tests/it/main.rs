//! Integration tests: one binary, a module per area.

mod cli;
mod common;
mod ingest;
mod maven;
mod provenance;
mod sample;
