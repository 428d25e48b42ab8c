//! All output of a run: Parquet tables, SVG charts, `report.md` and
//! `summary.json`, written into a temporary folder beside the target and
//! renamed into place, so a failed run never leaves a half-written report
//! over a good one.

pub mod charts;
pub mod markdown;
pub mod tables;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audit::AuditRun;
use crate::error::{Error, Result};

/// Version of the output table schemas, stored in Parquet key-value metadata.
pub const SCHEMA_VERSION: &str = "1";

/// Writes every output of `run` to `out`, atomically.
///
/// Staging folders left by killed runs (`.OUT.tmp-<pid>`) are removed first;
/// two runs writing to the same `OUT` at once are not supported.
pub fn write(run: &AuditRun, out: &Path) -> Result<()> {
    check_target(run, out)?;
    remove_stale(out)?;
    let staging = sibling(out, "tmp");
    fs_err::create_dir_all(staging.join("tables"))?;
    fs_err::create_dir_all(staging.join("charts"))?;
    let result = write_into(run, &staging);
    if let Err(e) = result {
        let _ = fs_err::remove_dir_all(&staging);
        return Err(e);
    }
    swap_into_place(&staging, out)
}

fn write_into(run: &AuditRun, dir: &Path) -> Result<()> {
    tables::write_all(run, &dir.join("tables"))?;
    let mut chart_files = Vec::new();
    for check in &run.checks {
        let Ok(output) = &check.result else { continue };
        for chart in &output.charts {
            let svg = charts::render(chart)?;
            let name = format!("{}.svg", chart.file);
            fs_err::write(dir.join("charts").join(&name), svg)?;
            chart_files.push((check.meta.name, format!("charts/{name}")));
        }
    }
    fs_err::write(dir.join("report.md"), markdown::render(run, &chart_files))?;
    let summary = serde_json::to_string_pretty(&Summary::of(run)).unwrap_or_default();
    fs_err::write(dir.join("summary.json"), summary + "\n")?;
    Ok(())
}

/// File every report folder holds; only a folder with it (or an empty one)
/// is replaced.
pub const MARKER: &str = "summary.json";

/// Refuses an output path that is a file, the current folder, an input, a
/// folder holding an input, or a non-empty folder that is not a pipetrust
/// report: replacing it would delete the user's files.
fn check_target(run: &AuditRun, out: &Path) -> Result<()> {
    let refuse = |why: &str| {
        Err(Error::Other(format!("refusing to write the report to `{}`: {why}", out.display())))
    };
    if out.as_os_str().is_empty() || out.file_name().is_none() {
        return refuse("name a folder of its own for the report");
    }
    if out.exists() && !out.is_dir() {
        return refuse("it is a file");
    }
    let abs = |p: &Path| fs_err::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    let target = abs(out);
    for input in &run.inputs {
        let input = abs(Path::new(&input.path));
        if input.starts_with(&target) {
            return refuse("it holds the input being audited");
        }
    }
    if out.is_dir() && !out.join(MARKER).is_file() && fs_err::read_dir(out)?.next().is_some() {
        return refuse("it is a folder that is not empty and holds no earlier pipetrust report");
    }
    Ok(())
}

/// Removes `.name.tmp-*` and `.name.old-*` folders beside `out`.
fn remove_stale(out: &Path) -> Result<()> {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Ok(());
    }
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-")];
    for entry in fs_err::read_dir(parent)? {
        let entry = entry?;
        let file = entry.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| file.starts_with(p.as_str())) {
            fs_err::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// `.name.<tag>` beside `out`.
fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

fn swap_into_place(staging: &Path, out: &Path) -> Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs_err::create_dir_all(parent)?;
    }
    if out.exists() {
        let old = sibling(out, "old");
        fs_err::rename(out, &old)?;
        fs_err::rename(staging, out)?;
        fs_err::remove_dir_all(&old)?;
    } else {
        fs_err::rename(staging, out)?;
    }
    Ok(())
}

/// `summary.json`: what a scheduler needs.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Run id.
    pub run_id: String,
    /// As-of instant.
    pub as_of: String,
    /// Exit status the run ended with.
    pub exit_status: i32,
    /// Findings by severity.
    pub findings: Counts,
    /// Per check: status and findings by severity.
    pub checks: Vec<CheckSummary>,
    /// Rows read, loaded and rejected over all inputs.
    pub rows: RowCounts,
}

/// Counts by severity.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    /// Failing.
    pub fail: usize,
    /// Warnings.
    pub warn: usize,
    /// Informational.
    pub info: usize,
}

/// One check in the summary.
#[derive(Debug, Serialize)]
pub struct CheckSummary {
    /// Check name.
    pub check: String,
    /// `ok` or `error: …`.
    pub status: String,
    /// Findings by severity.
    pub findings: Counts,
}

/// Row reconciliation totals.
#[derive(Debug, Default, Serialize)]
pub struct RowCounts {
    /// Read.
    pub read: u64,
    /// Loaded.
    pub loaded: u64,
    /// Rejected.
    pub rejected: u64,
}

impl Summary {
    /// Summarises a run.
    pub fn of(run: &AuditRun) -> Summary {
        let mut total = Counts::default();
        let checks = run
            .checks
            .iter()
            .map(|c| {
                let mut counts = Counts::default();
                let status = match &c.result {
                    Ok(out) => {
                        for f in &out.findings {
                            bump(&mut counts, f.severity);
                            bump(&mut total, f.severity);
                        }
                        "ok".to_owned()
                    },
                    Err(e) => format!("error: {e}"),
                };
                CheckSummary { check: c.meta.name.to_owned(), status, findings: counts }
            })
            .collect();
        let rows = RowCounts {
            read: run.inputs.iter().map(|f| f.rows_read).sum(),
            loaded: run.inputs.iter().map(|f| f.rows_loaded).sum(),
            rejected: run.inputs.iter().map(|f| f.rows_rejected).sum(),
        };
        Summary {
            run_id: run.run_id.clone(),
            as_of: run.as_of.to_rfc3339(),
            exit_status: run.exit_status() as i32,
            findings: total,
            checks,
            rows,
        }
    }
}

fn bump(c: &mut Counts, s: crate::checks::Severity) {
    match s {
        crate::checks::Severity::Fail => c.fail += 1,
        crate::checks::Severity::Warn => c.warn += 1,
        crate::checks::Severity::Info => c.info += 1,
    }
}
