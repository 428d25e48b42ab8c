//! The forecast-trust checks, one module each, listed once in [`REGISTRY`].
//!
//! A check is a pure function of the canonical lazy frames and the run
//! context: it returns its output tables, findings with evidence keys,
//! metrics, chart data and the text of its report section. It never reads or
//! writes files and never prints; `report` owns all output.

pub mod activity_stage_link;
pub mod attribution_overwrites;
pub mod duplicate_deals;
pub mod duplicate_people;
pub mod frame;
pub mod integration_scorecard;
pub mod low_intent_deals;
pub mod month_end_spikes;
pub mod overwrite_conflicts;
pub mod repeated_writes;
pub mod similarity;
pub mod stage_provenance;
pub mod stage_time_rollout;
pub mod sync_gaps;
#[cfg(test)]
mod test_inputs;
pub mod timestamp_drift;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use polars::prelude::{DataFrame, IntoLazy, LazyFrame};
use serde::Serialize;

use crate::calendar::WorkCalendar;
use crate::config::Config;
use crate::error::Result;
use crate::model::Table;

/// What a check is, for `pipetrust checks`, `--checks` and report headings.
#[derive(Debug, Clone, Copy)]
pub struct CheckMeta {
    /// Name used on the command line and in tables.
    pub name: &'static str,
    /// One-line purpose.
    pub purpose: &'static str,
    /// Canonical tables it reads.
    pub needs: &'static [Table],
    /// Output tables it writes (besides findings and metrics).
    pub outputs: &'static [&'static str],
}

/// A check in the registry.
pub trait Check: Sync {
    /// Name, purpose, inputs and outputs.
    fn meta(&self) -> &'static CheckMeta;
    /// Runs the check.
    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput>;
    /// True for checks that read the other checks' findings
    /// ([`Inputs::prior`]); they run after all the others.
    fn reads_findings(&self) -> bool {
        false
    }
}

/// What an earlier check of the same run found, for checks that build on it.
#[derive(Debug, Clone)]
pub struct Prior {
    /// The check's name.
    pub check: &'static str,
    /// The canonical tables it read.
    pub needs: &'static [Table],
    /// Its findings, in order (finding id = `<check>:<index + 1>`).
    pub findings: Vec<Finding>,
    /// Its metrics.
    pub metrics: Vec<Metric>,
}

/// Every check, in report order.
pub static REGISTRY: &[&dyn Check] = &[
    &month_end_spikes::MonthEndSpikes,
    &stage_time_rollout::StageTimeRollout,
    &duplicate_deals::DuplicateDeals,
    &timestamp_drift::TimestampDrift,
    &stage_provenance::StageProvenance,
    &activity_stage_link::ActivityStageLink,
    &overwrite_conflicts::OverwriteConflicts,
    &repeated_writes::RepeatedWrites,
    &low_intent_deals::LowIntentDeals,
    &attribution_overwrites::AttributionOverwrites,
    &sync_gaps::SyncGaps,
    &duplicate_people::DuplicatePeople,
    &integration_scorecard::IntegrationScorecard,
];

/// Looks a check up by name.
pub fn by_name(name: &str) -> Option<&'static dyn Check> {
    REGISTRY.iter().copied().find(|c| c.meta().name == name)
}

/// The canonical tables as lazy frames.
pub struct Inputs {
    frames: BTreeMap<Table, LazyFrame>,
    prior: Vec<Prior>,
}

impl Inputs {
    /// Wraps loaded frames.
    pub fn new(frames: &BTreeMap<Table, DataFrame>) -> Self {
        let frames = frames.iter().map(|(t, df)| (*t, df.clone().lazy())).collect();
        Inputs { frames, prior: Vec::new() }
    }

    /// The same inputs with the results of the checks that already ran.
    pub fn with_prior(&self, prior: Vec<Prior>) -> Self {
        Inputs { frames: self.frames.clone(), prior }
    }

    /// Results of the checks that ran before (empty for ordinary checks).
    pub fn prior(&self) -> &[Prior] {
        &self.prior
    }

    /// The lazy frame of a table (every table is present, perhaps empty).
    pub fn get(&self, table: Table) -> LazyFrame {
        self.frames[&table].clone()
    }
}

/// Facts every check may use.
pub struct RunContext {
    /// The configuration.
    pub config: Config,
    /// Company zone.
    pub zone: Tz,
    /// Working-day calendar.
    pub calendar: WorkCalendar,
    /// "Now" for the audit: open intervals end here, later times are future.
    pub as_of: DateTime<Utc>,
    /// Only events on or after this day.
    pub since: Option<NaiveDate>,
    /// Only events on or before this day.
    pub until: Option<NaiveDate>,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Over the warning threshold.
    Warn,
    /// Over the failing threshold.
    Fail,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Fail => "fail",
        }
    }
}

/// One flag raised by a check, with the rows that caused it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// The writer or segment it concerns (a source key, a stage…).
    pub segment: String,
    /// Metric name.
    pub metric: String,
    /// Observed value.
    pub value: f64,
    /// Threshold it crossed.
    pub threshold: f64,
    /// One sentence for the report and the findings table.
    pub message: String,
    /// Money at stake, where it applies.
    pub value_at_stake: Option<f64>,
    /// (entity kind, key) of every row behind the flag.
    #[serde(skip)]
    pub evidence: Vec<(&'static str, String)>,
}

/// One number a check measured.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// Metric name.
    pub metric: String,
    /// Segment (`all`, a source, a month…).
    pub segment: String,
    /// Value.
    pub value: f64,
}

/// Data for one chart; `report` draws it.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem under `charts/`.
    pub file: String,
    /// Title.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// The y values are shares (0–1), drawn as percentages.
    pub y_share: bool,
    /// Category labels of the x axis, left to right.
    pub x_categories: Vec<String>,
    /// Named series, one value per x category.
    pub series: Vec<(String, Vec<f64>)>,
}

/// The text of a check's report section, in plain words.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// What was tested.
    pub tested: String,
    /// What was found (Markdown, may hold a table).
    pub found: String,
    /// What to do.
    pub todo: String,
    /// Caveats and limits.
    pub caveats: String,
}

/// Everything a check returns.
pub struct CheckOutput {
    /// Output tables by name.
    pub tables: Vec<(&'static str, DataFrame)>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Metrics.
    pub metrics: Vec<Metric>,
    /// Charts.
    pub charts: Vec<Chart>,
    /// Report section.
    pub section: Section,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_unique_and_match_files() {
        let mut names: Vec<_> = REGISTRY.iter().map(|c| c.meta().name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
        for name in names {
            let file = format!("{}/src/checks/{name}.rs", env!("CARGO_MANIFEST_DIR"));
            assert!(std::path::Path::new(&file).exists(), "no module file for {name}");
            assert!(!by_name(name).unwrap().meta().purpose.is_empty());
        }
    }
}
