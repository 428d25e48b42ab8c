//! Integration tests: one binary, a module per area.

mod cli;
mod common;
mod drift;
mod duplicates;
mod ingest;
mod maven;
mod provenance;
mod rollout;
mod sample;
mod scorecard;
mod writes;
