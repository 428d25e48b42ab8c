//! Synthetic Pipedrive-shaped export with labelled, injected faults (DESIGN §7).
//!
//! [`generate`] writes users, pipelines, stages, organizations, persons, deals, the deal change
//! feed (`deal_flow`), activities, notes, a calendar export (`calendar.ics`) and the matching
//! `pipetrust.toml` into one folder, plus ground-truth labels under `labels/`. Everything is a
//! pure function of [`GenerateOptions`]: the same options give byte-identical files. Deals are
//! generated one at a time in creation order and streamed out, so memory stays bounded even at
//! a million deals.
//!
//! Layout: `world` (users, pipelines, organizations, persons), `deals`, `edits` and `activity`
//! (human behaviour), `faults` (one injector per fault, plus clean look-alikes), `plan` (the
//! per-deal model), `ledger` (replays a plan into flow rows and the final state), `engine` (the
//! day-by-day loop), and `write`, `emit`, `rows`, `labels`, `calendar`, `config` (output files).

mod activity;
mod calendar;
mod clock;
mod config;
mod deals;
mod edits;
mod emit;
mod engine;
mod faults;
mod labels;
mod ledger;
mod names;
mod plan;
mod rates;
mod rng;
mod rows;
mod source;
mod world;
mod write;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

/// File format of the generated tables (`calendar.ics`, `pipetrust.toml` and the labels are the
/// same in both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Pipedrive v1 API shapes: list pages (`users.json`...) and JSON Lines (`deals.jsonl`...).
    Json,
    /// One CSV per object with the same keys as headers (`deals.csv`...).
    Csv,
}

/// What to generate and where.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// Output folder (created if missing; files in it are overwritten).
    pub out: PathBuf,
    /// Number of real deals (the duplicate creator adds about 4% more).
    pub deals: usize,
    /// Random seed.
    pub seed: u64,
    /// Table format.
    pub format: ExportFormat,
}

/// What a generation wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    /// File name relative to the output folder (`labels/...` for labels) and rows written,
    /// sorted by name.
    pub files: Vec<(String, u64)>,
}

/// Writes a synthetic export into `opts.out`.
pub fn generate(opts: &GenerateOptions) -> anyhow::Result<GenerateSummary> {
    engine::run(opts)
}
