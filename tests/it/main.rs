//! Integration tests: one binary, a module per area.

mod cli;
mod common;
mod drift;
mod ingest;
mod maven;
mod rollout;
mod provenance;
mod sample;
mod writes;
