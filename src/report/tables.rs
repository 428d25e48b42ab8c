//! The Parquet tables of a run: `findings`, `evidence`, `metrics`, `run`,
//! `rejected`, and each check's own tables. Columns come from `model::col`;
//! rows are sorted so the same input gives the same bytes.

use std::path::Path;

use polars::prelude::*;

use super::SCHEMA_VERSION;
use crate::audit::AuditRun;
use crate::error::Result;
use crate::model::col::*;

/// The shared output tables and their columns, for `pipetrust schema`.
pub const OUTPUT_TABLES: &[(&str, &[&str])] = &[
    (
        "findings",
        &[
            FINDING_ID,
            CHECK,
            SEVERITY,
            SEGMENT,
            METRIC,
            METRIC_VALUE,
            THRESHOLD,
            MESSAGE,
            VALUE_AT_STAKE,
            EVIDENCE_COUNT,
        ],
    ),
    ("evidence", &[FINDING_ID, CHECK, ENTITY_KIND, ENTITY_KEY]),
    ("metrics", &[CHECK, METRIC, SEGMENT, METRIC_VALUE]),
    (
        "run",
        &[
            "run_id",
            "as_of",
            "tool_version",
            "config_hash",
            FILE,
            "object",
            "format",
            "encoding",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "bytes",
            "sha256",
            "status",
        ],
    ),
    ("rejected", &[TABLE, FILE, LINE, COLUMN, RAW_VALUE, REASON]),
];

/// Writes every table into `dir`.
pub fn write_all(run: &AuditRun, dir: &Path) -> Result<()> {
    let mut tables = vec![
        ("findings", findings(run)?),
        ("evidence", evidence(run)?),
        ("metrics", metrics(run)?),
        ("run", run_table(run)?),
        ("rejected", rejected(run)?),
    ];
    for check in &run.checks {
        if let Ok(out) = &check.result {
            tables.extend(out.tables.iter().map(|(n, df)| (*n, df.clone())));
        }
    }
    for (name, mut df) in tables {
        write_parquet(&mut df, &dir.join(format!("{name}.parquet")), name)?;
    }
    Ok(())
}

/// Writes one frame with the schema version in its key-value metadata.
pub fn write_parquet(df: &mut DataFrame, path: &Path, table: &str) -> Result<()> {
    let file = fs_err::File::create(path)?;
    let meta = KeyValueMetadata::from_static(vec![
        ("pipetrust.schema_version".to_owned(), SCHEMA_VERSION.to_owned()),
        ("pipetrust.table".to_owned(), table.to_owned()),
        ("pipetrust.version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
    ]);
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(meta))
        .finish(df)?;
    Ok(())
}

/// Finding ids in order: `<check>:<n>`.
fn finding_rows(run: &AuditRun) -> Vec<(String, &'static str, &crate::checks::Finding)> {
    let mut rows = Vec::new();
    for check in &run.checks {
        let Ok(out) = &check.result else { continue };
        for (i, f) in out.findings.iter().enumerate() {
            rows.push((format!("{}:{}", check.meta.name, i + 1), check.meta.name, f));
        }
    }
    rows
}

fn findings(run: &AuditRun) -> Result<DataFrame> {
    let rows = finding_rows(run);
    Ok(df!(
        FINDING_ID => rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        CHECK => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        SEVERITY => rows.iter().map(|r| r.2.severity.as_str()).collect::<Vec<_>>(),
        SEGMENT => rows.iter().map(|r| r.2.segment.clone()).collect::<Vec<_>>(),
        METRIC => rows.iter().map(|r| r.2.metric.clone()).collect::<Vec<_>>(),
        METRIC_VALUE => rows.iter().map(|r| r.2.value).collect::<Vec<_>>(),
        THRESHOLD => rows.iter().map(|r| r.2.threshold).collect::<Vec<_>>(),
        MESSAGE => rows.iter().map(|r| r.2.message.clone()).collect::<Vec<_>>(),
        VALUE_AT_STAKE => rows.iter().map(|r| r.2.value_at_stake).collect::<Vec<_>>(),
        EVIDENCE_COUNT => rows.iter().map(|r| r.2.evidence.len() as u64).collect::<Vec<_>>(),
    )?)
}

fn evidence(run: &AuditRun) -> Result<DataFrame> {
    let (mut ids, mut checks, mut kinds, mut keys) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, check, f) in finding_rows(run) {
        for (kind, key) in &f.evidence {
            ids.push(id.clone());
            checks.push(check);
            kinds.push(*kind);
            keys.push(key.clone());
        }
    }
    Ok(df!(FINDING_ID => ids, CHECK => checks, ENTITY_KIND => kinds, ENTITY_KEY => keys)?)
}

fn metrics(run: &AuditRun) -> Result<DataFrame> {
    let (mut checks, mut names, mut segments, mut values) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for check in &run.checks {
        let Ok(out) = &check.result else { continue };
        for m in &out.metrics {
            checks.push(check.meta.name);
            names.push(m.metric.clone());
            segments.push(m.segment.clone());
            values.push(m.value);
        }
    }
    Ok(df!(CHECK => checks, METRIC => names, SEGMENT => segments, METRIC_VALUE => values)?)
}

fn run_table(run: &AuditRun) -> Result<DataFrame> {
    let n = run.inputs.len();
    let f = &run.inputs;
    Ok(df!(
        "run_id" => vec![run.run_id.clone(); n],
        "as_of" => vec![run.as_of.to_rfc3339(); n],
        "tool_version" => vec![env!("CARGO_PKG_VERSION"); n],
        "config_hash" => vec![run.config_hash.clone(); n],
        FILE => f.iter().map(|r| r.path.clone()).collect::<Vec<_>>(),
        "object" => f.iter().map(|r| r.object).collect::<Vec<_>>(),
        "format" => f.iter().map(|r| r.format).collect::<Vec<_>>(),
        "encoding" => f.iter().map(|r| r.encoding).collect::<Vec<_>>(),
        "rows_read" => f.iter().map(|r| r.rows_read).collect::<Vec<_>>(),
        "rows_loaded" => f.iter().map(|r| r.rows_loaded).collect::<Vec<_>>(),
        "rows_rejected" => f.iter().map(|r| r.rows_rejected).collect::<Vec<_>>(),
        "bytes" => f.iter().map(|r| r.bytes).collect::<Vec<_>>(),
        "sha256" => f.iter().map(|r| r.sha256.clone()).collect::<Vec<_>>(),
        "status" => f.iter().map(|r| r.status.clone()).collect::<Vec<_>>(),
    )?)
}

fn rejected(run: &AuditRun) -> Result<DataFrame> {
    let r = &run.rejected;
    Ok(df!(
        TABLE => r.iter().map(|x| x.table.clone()).collect::<Vec<_>>(),
        FILE => r.iter().map(|x| x.file.clone()).collect::<Vec<_>>(),
        LINE => r.iter().map(|x| x.line).collect::<Vec<_>>(),
        COLUMN => r.iter().map(|x| x.column.clone()).collect::<Vec<_>>(),
        RAW_VALUE => r.iter().map(|x| x.raw_value.clone()).collect::<Vec<_>>(),
        REASON => r.iter().map(|x| x.reason.clone()).collect::<Vec<_>>(),
    )?)
}
