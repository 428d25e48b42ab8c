//! The main job: load the inputs, build the run context, run the selected
//! checks, and hand the result to `report`. Knows nothing about files beyond
//! what ingest and report expose.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::calendar::WorkCalendar;
use crate::checks::{self, Check, CheckMeta, CheckOutput, Inputs, Prior, RunContext, Severity};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::load::{FileReport, Profile, Rejected};
use crate::ingest::mapping::MappingFile;
use crate::ingest::{self, LoadOptions};
use crate::model::Table;
use crate::model::col::*;

/// What to audit and how.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Files and folders to read.
    pub inputs: Vec<PathBuf>,
    /// Profile.
    pub profile: Profile,
    /// Mapping file.
    pub mapping: Option<PathBuf>,
    /// Config file (else `pipetrust.toml` in the first input folder).
    pub config: Option<PathBuf>,
    /// Checks to run (all when `None`).
    pub checks: Option<Vec<String>>,
    /// As-of day (else the latest instant in the data).
    pub as_of: Option<NaiveDate>,
    /// Only events from this day.
    pub since: Option<NaiveDate>,
    /// Only events up to this day.
    pub until: Option<NaiveDate>,
    /// Findings of this severity or worse make the run fail (exit 2).
    pub fail_on: Option<Severity>,
}

/// One check's outcome.
pub struct CheckRun {
    /// The check.
    pub meta: &'static CheckMeta,
    /// Its output, or why it failed.
    pub result: std::result::Result<CheckOutput, String>,
}

/// Everything a run produced, ready to be written.
pub struct AuditRun {
    /// Deterministic id: a hash of the inputs, config and options.
    pub run_id: String,
    /// The as-of instant.
    pub as_of: DateTime<Utc>,
    /// Company zone name.
    pub zone: String,
    /// Hash of the config text (or of the defaults).
    pub config_hash: String,
    /// Where the config came from.
    pub config_source: String,
    /// Input files.
    pub inputs: Vec<FileReport>,
    /// Rejected rows.
    pub rejected: Vec<Rejected>,
    /// Rows per canonical table.
    pub table_rows: Vec<(&'static str, usize)>,
    /// Check outcomes, in registry order.
    pub checks: Vec<CheckRun>,
    /// Severity from which the run fails (`fail` unless `--fail-on warn`).
    pub fail_on: Severity,
    /// `--since`, if given.
    pub since: Option<NaiveDate>,
    /// `--until`, if given.
    pub until: Option<NaiveDate>,
}

/// Exit status of a run (DESIGN.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No finding over threshold.
    Clean = 0,
    /// Warnings only.
    Warnings = 1,
    /// At least one failing finding.
    Failing = 2,
    /// The run itself failed.
    RunFailed = 3,
}

impl AuditRun {
    /// True when no input row loaded: there was nothing to audit, which is a
    /// failed run, not a clean one.
    pub fn nothing_loaded(&self) -> bool {
        self.inputs.iter().map(|f| f.rows_loaded).sum::<u64>() == 0
    }

    /// The worst severity among findings, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.checks
            .iter()
            .filter_map(|c| c.result.as_ref().ok())
            .flat_map(|o| o.findings.iter().map(|f| f.severity))
            .max()
    }

    /// The exit status this run earns.
    pub fn exit_status(&self) -> ExitStatus {
        if self.checks.iter().any(|c| c.result.is_err()) || self.nothing_loaded() {
            return ExitStatus::RunFailed;
        }
        match self.worst() {
            Some(s) if s >= self.fail_on => ExitStatus::Failing,
            Some(Severity::Warn | Severity::Fail) => ExitStatus::Warnings,
            _ => ExitStatus::Clean,
        }
    }
}

/// Runs an audit.
pub fn run(opts: &AuditOptions) -> Result<AuditRun> {
    if let (Some(since), Some(until)) = (opts.since, opts.until)
        && since > until
    {
        return Err(Error::Other(format!("`--since {since}` is after `--until {until}`")));
    }
    let (config, config_text, config_source) = load_config(opts)?;
    let zone = config.zone().map_err(Error::Other)?;
    let mapping = opts.mapping.as_deref().map(MappingFile::load).transpose()?;
    let selected = select_checks(opts.checks.as_deref())?;
    let load_opts =
        LoadOptions { inputs: opts.inputs.clone(), profile: opts.profile, mapping, zone: None };
    tracing::info!(inputs = opts.inputs.len(), "loading");
    let loaded = ingest::load(&load_opts)?;
    let as_of = match opts.as_of {
        Some(day) => end_of_day(day, zone),
        None => latest_instant(&loaded.frames)?,
    };
    let calendar = WorkCalendar::new(config.company.holidays.iter().copied());
    let ctx = RunContext { config, zone, calendar, as_of, since: opts.since, until: opts.until };
    let inputs = Inputs::new(&loaded.frames);
    let checks = run_checks(&selected, &inputs, &ctx);
    let table_rows = Table::ALL.iter().map(|t| (t.name(), loaded.frame(*t).height())).collect();
    let config_hash = hex(&Sha256::digest(config_text.as_bytes()));
    let run_id = run_id(&loaded.files, &config_hash, as_of, opts);
    Ok(AuditRun {
        run_id,
        as_of,
        zone: zone.name().to_owned(),
        config_hash,
        config_source,
        inputs: loaded.files,
        rejected: loaded.rejected,
        table_rows,
        checks,
        fail_on: opts.fail_on.unwrap_or(Severity::Fail),
        since: opts.since,
        until: opts.until,
    })
}

/// Runs the ordinary checks, then those that read their findings; returns
/// the outcomes in registry order.
fn run_checks(selected: &[&'static dyn Check], inputs: &Inputs, ctx: &RunContext) -> Vec<CheckRun> {
    let run_one = |check: &dyn Check, inputs: &Inputs| {
        tracing::info!(check = check.meta().name, "running");
        let result = check.run(inputs, ctx).map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(check = check.meta().name, "check failed: {e}");
        }
        CheckRun { meta: check.meta(), result }
    };
    let mut runs: Vec<CheckRun> =
        selected.iter().filter(|c| !c.reads_findings()).map(|c| run_one(*c, inputs)).collect();
    let prior: Vec<Prior> = runs
        .iter()
        .filter_map(|r| {
            let out = r.result.as_ref().ok()?;
            let (findings, metrics) = (out.findings.clone(), out.metrics.clone());
            Some(Prior { check: r.meta.name, needs: r.meta.needs, findings, metrics })
        })
        .collect();
    let with_prior = inputs.with_prior(prior);
    runs.extend(selected.iter().filter(|c| c.reads_findings()).map(|c| run_one(*c, &with_prior)));
    let order = |name: &str| checks::REGISTRY.iter().position(|c| c.meta().name == name);
    runs.sort_by_key(|r| order(r.meta.name));
    runs
}

fn load_config(opts: &AuditOptions) -> Result<(Config, String, String)> {
    let beside = opts.inputs.iter().find(|p| p.is_dir()).map(|d| d.join("pipetrust.toml"));
    let path = opts.config.clone().or_else(|| beside.filter(|p| p.is_file()));
    match path {
        Some(path) => {
            let text = fs_err::read_to_string(&path)?;
            let config = Config::parse(&text)
                .map_err(|message| Error::Config { path: path.clone(), message })?;
            Ok((config, text, path.display().to_string()))
        },
        None => {
            let config = Config::parse("").map_err(Error::Other)?;
            Ok((config, String::new(), "defaults".to_owned()))
        },
    }
}

fn select_checks(names: Option<&[String]>) -> Result<Vec<&'static dyn checks::Check>> {
    let Some(names) = names else { return Ok(checks::REGISTRY.to_vec()) };
    names
        .iter()
        .map(|n| {
            checks::by_name(n).ok_or_else(|| {
                let known: Vec<_> = checks::REGISTRY.iter().map(|c| c.meta().name).collect();
                Error::Other(format!("unknown check `{n}`; known checks: {}", known.join(", ")))
            })
        })
        .collect()
}

fn end_of_day(day: NaiveDate, zone: chrono_tz::Tz) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day).and_hms_opt(0, 0, 0).unwrap_or_default();
    let local = zone.from_local_datetime(&next).earliest();
    local.map_or_else(|| next.and_utc(), |t| t.with_timezone(&Utc))
        - chrono::Duration::microseconds(1)
}

/// The data's own "now", deterministic: the latest timestamp of the change
/// log and the deals (else, for exports without deals, of activities, notes
/// and calendar events), ignoring stray values more than 30 days past the
/// 99.9th percentile, so one mistyped year cannot move it (such values are
/// reported as future timestamps by `timestamp_drift`).
fn latest_instant(frames: &std::collections::BTreeMap<Table, DataFrame>) -> Result<DateTime<Utc>> {
    let primary = [
        (Table::DealChanges, CHANGED_AT),
        (Table::Deals, UPDATED_AT),
        (Table::Deals, CREATED_AT),
        (Table::Deals, CLOSED_AT),
    ];
    let secondary = [
        (Table::Activities, CREATED_AT),
        (Table::Notes, CREATED_AT),
        (Table::CalendarEvents, START_AT),
    ];
    let mut values = instants(frames, &primary)?;
    if values.is_empty() {
        values = instants(frames, &secondary)?;
    }
    if values.is_empty() {
        return Ok(Utc.timestamp_opt(0, 0).single().unwrap_or_default());
    }
    values.sort_unstable();
    let p999 = values[(values.len() - 1) * 999 / 1000];
    let cap = p999.saturating_add(30 * 86_400 * 1_000_000);
    let latest = values.iter().rev().find(|v| **v <= cap).copied().unwrap_or(p999);
    Ok(DateTime::from_timestamp_micros(latest).unwrap_or_default())
}

/// Every non-null instant of the given columns, in microseconds.
fn instants(
    frames: &std::collections::BTreeMap<Table, DataFrame>,
    sources: &[(Table, &str)],
) -> Result<Vec<i64>> {
    let mut values = Vec::new();
    for (table, column) in sources {
        let s = frames[table].column(column)?.as_materialized_series().to_physical_repr();
        values.extend(s.i64()?.iter().flatten());
    }
    Ok(values)
}

fn run_id(
    files: &[FileReport],
    config_hash: &str,
    as_of: DateTime<Utc>,
    opts: &AuditOptions,
) -> String {
    let mut h = Sha256::new();
    for f in files {
        h.update(f.sha256.as_bytes());
    }
    h.update(config_hash.as_bytes());
    h.update(as_of.to_rfc3339().as_bytes());
    h.update(format!("{:?}{:?}{:?}", opts.checks, opts.since, opts.until).as_bytes());
    hex(&h.finalize())[..16].to_owned()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
