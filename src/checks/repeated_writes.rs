//! `repeated_writes`: retries that are not idempotent. (DESIGN.md §4.8)
//!
//! Two kinds of repeat, each counted per writer:
//! - a note or activity with the same target (deal, else person, else
//!   organization), the same kind and the same normalised content
//!   (`content_hash`) as an earlier one, created within the window (24 h);
//! - a deal change by which a writer writes to a deal's field the same value
//!   it had already written there within the same window.
//!
//! People now and then log the same thing twice; a writer that retries
//! without idempotency does it again and again. A writer is flagged when it
//! has at least `min_repeats` repeats and they are at least `min_rate` of its
//! writes. Notes and activities are attributed to their author / creator,
//! changes to their `source_key`.
//!
//! Cost: one sort of notes + activities and one of the change log, each with
//! a shifted window over (target, content) or (deal, field); the rest runs
//! on per-writer aggregates.

use polars::prelude::*;
use serde::Deserialize;

use super::frame::{f64s, strs, u64s};

use super::{
    Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::Table;
use crate::model::col::*;

/// The check.
pub struct RepeatedWrites;

static META: CheckMeta = CheckMeta {
    name: "repeated_writes",
    purpose: "Notes, activities and field values written again within a day: retries",
    needs: &[Table::Notes, Table::Activities, Table::DealChanges, Table::Users],
    outputs: &["repeated_writes", "repeated_field_writes"],
};

/// Thresholds of `repeated_writes` (`[repeated_writes]` in `pipetrust.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepeatedWritesConfig {
    /// A repeat is created within this many hours of the write it repeats.
    pub window_hours: f64,
    /// Flag a writer with at least this many repeats…
    pub min_repeats: u64,
    /// …that are at least this share of its writes.
    pub min_rate: f64,
    /// A flagged writer with at least this many repeats is a failing finding.
    pub fail_repeats: u64,
}

impl Default for RepeatedWritesConfig {
    fn default() -> Self {
        RepeatedWritesConfig {
            window_hours: 24.0,
            min_repeats: 3,
            min_rate: 0.02,
            fail_repeats: 10,
        }
    }
}

impl Check for RepeatedWrites {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let cfg = &ctx.config.repeated_writes;
        let window = (cfg.window_hours * 3_600_000_000.0) as i64;
        let content = content_repeats(input, ctx, window)?;
        let fields = field_repeats(input, ctx, window)?;
        let names = user_names(input)?;
        let mut writers = writer_stats(&content, "content", &names)?;
        writers.extend(writer_stats(&fields, "field", &names)?);
        writers.sort_by(|a, b| b.repeats.cmp(&a.repeats).then(a.writer.cmp(&b.writer)));
        let findings = findings(&writers, &content, &fields, cfg)?;
        let metrics = metrics(&writers);
        let section = section(&writers, &findings, cfg);
        Ok(CheckOutput {
            tables: vec![
                ("repeated_writes", repeat_rows(&content)?),
                ("repeated_field_writes", repeat_rows(&fields)?),
            ],
            findings,
            metrics,
            charts: Vec::new(),
            section,
        })
    }
}

/// Column names of this check's frames and output tables.
mod out {
    pub const ENTITY: &str = "entity_kind";
    pub const KEY: &str = "entity_key";
    pub const DUPLICATE_OF: &str = "duplicate_of";
    pub const TARGET: &str = "target";
    pub const WRITER: &str = "writer";
    pub const AT_US: &str = "at_us";
    pub const GAP_SECONDS: &str = "gap_seconds";
    pub const IS_REPEAT: &str = "is_repeat";
    pub const WRITES: &str = "writes";
    pub const REPEATS: &str = "repeats";
    pub const MEDIAN_GAP: &str = "median_gap_seconds";
}

/// Keeps rows whose instant falls in the `--since` / `--until` window.
fn in_window(lf: LazyFrame, at: &str, ctx: &RunContext) -> LazyFrame {
    let day = col(at).dt().convert_time_zone(TimeZone::from_chrono(&ctx.zone)).dt().date();
    let mut lf = lf;
    if let Some(since) = ctx.since {
        lf = lf.filter(day.clone().gt_eq(lit(since)));
    }
    if let Some(until) = ctx.until {
        lf = lf.filter(day.lt_eq(lit(until)));
    }
    lf
}

/// The target a note or activity hangs on: deal, else person, else org.
fn target_expr() -> Expr {
    when(col(DEAL_KEY).is_not_null())
        .then(lit("deal:") + col(DEAL_KEY))
        .when(col(PERSON_KEY).is_not_null())
        .then(lit("person:") + col(PERSON_KEY))
        .otherwise(lit("org:") + col(ORG_KEY))
}

/// Notes and activities as one frame of writes.
fn content_writes(input: &Inputs, ctx: &RunContext) -> Result<LazyFrame> {
    let notes = input.get(Table::Notes).select([
        lit("note").alias(out::ENTITY),
        col(NOTE_KEY).alias(out::KEY),
        target_expr().alias(out::TARGET),
        lit("note").alias(KIND),
        col(CONTENT_HASH),
        col(AUTHOR_USER_KEY).alias(out::WRITER),
        col(CREATED_AT),
    ]);
    let activities = input.get(Table::Activities).select([
        lit("activity").alias(out::ENTITY),
        col(ACTIVITY_KEY).alias(out::KEY),
        target_expr().alias(out::TARGET),
        col(KIND),
        col(CONTENT_HASH),
        col(CREATOR_USER_KEY).fill_null(col(OWNER_USER_KEY)).alias(out::WRITER),
        col(CREATED_AT),
    ]);
    let all = concat([notes, activities], UnionArgs::default())?
        .filter(col(out::TARGET).is_not_null().and(col(CONTENT_HASH).is_not_null()))
        .with_column(col(out::WRITER).fill_null(lit("unknown")));
    Ok(in_window(all, CREATED_AT, ctx))
}

/// Marks each row that repeats the previous row of its `group` within `window` µs.
///
/// One sort by group and time; "same group as the previous row" is a
/// comparison with the shifted row, which avoids hashing the group keys.
fn mark_repeats(lf: LazyFrame, group: &[&str], at: &str, window: i64) -> LazyFrame {
    let mut order: Vec<&str> = group.to_vec();
    order.extend([at, out::KEY]);
    let same = group
        .iter()
        .map(|c| col(*c).eq(col(*c).shift(lit(1))))
        .reduce(Expr::and)
        .unwrap_or(lit(false))
        .fill_null(lit(false));
    let gap = col(out::AT_US) - col(out::AT_US).shift(lit(1));
    lf.with_column(col(at).dt().timestamp(TimeUnit::Microseconds).alias(out::AT_US))
        .sort(order, SortMultipleOptions::default())
        .with_columns([
            when(same.clone())
                .then(col(out::KEY).shift(lit(1)))
                .otherwise(lit(NULL))
                .alias(out::DUPLICATE_OF),
            when(same).then(gap).otherwise(lit(NULL)).alias(out::GAP_SECONDS),
        ])
        .with_columns([
            col(out::GAP_SECONDS).lt_eq(lit(window)).fill_null(lit(false)).alias(out::IS_REPEAT),
            (col(out::GAP_SECONDS).cast(DataType::Float64) / lit(1e6)).alias(out::GAP_SECONDS),
        ])
}

/// Every note / activity with its repeat mark, collected.
fn content_repeats(input: &Inputs, ctx: &RunContext, window: i64) -> Result<DataFrame> {
    let writes = content_writes(input, ctx)?;
    let group = [out::TARGET, KIND, CONTENT_HASH];
    Ok(mark_repeats(writes, &group, CREATED_AT, window).collect()?)
}

/// Every deal change with its repeat mark, collected.
fn field_repeats(input: &Inputs, ctx: &RunContext, window: i64) -> Result<DataFrame> {
    let changes = input.get(Table::DealChanges).filter(col(NEW_VALUE).is_not_null()).select([
        lit("deal_change").alias(out::ENTITY),
        col(CHANGE_KEY).alias(out::KEY),
        col(DEAL_KEY).alias(out::TARGET),
        col(FIELD).alias(KIND),
        col(NEW_VALUE).alias(CONTENT_HASH),
        col(SOURCE_KEY).alias(out::WRITER),
        col(CHANGED_AT).alias(CREATED_AT),
    ]);
    let changes = in_window(changes, CREATED_AT, ctx);
    // The same writer writing the same value to the same deal and field
    // again, whatever was written in between (CRMs that log no-op writes show
    // A→A; Pipedrive, which does not, shows A→B→A with A by one writer).
    let group = [out::TARGET, KIND, out::WRITER, CONTENT_HASH];
    Ok(mark_repeats(changes, &group, CREATED_AT, window).collect()?)
}

/// User key → display name.
fn user_names(input: &Inputs) -> Result<Vec<(String, String)>> {
    let df = input.get(Table::Users).select([col(USER_KEY), col(NAME)]).collect()?;
    let (keys, names) = (strs(&df, USER_KEY)?, strs(&df, NAME)?);
    Ok(keys.into_iter().zip(names).collect())
}

/// Writes, repeats and the median gap of one writer.
#[derive(Debug, Clone)]
struct WriterStats {
    /// `content` (notes and activities) or `field` (deal changes).
    family: &'static str,
    writer: String,
    name: String,
    writes: u64,
    repeats: u64,
    median_gap: f64,
}

impl WriterStats {
    fn rate(&self) -> f64 {
        self.repeats as f64 / self.writes.max(1) as f64
    }

    fn label(&self) -> String {
        if self.name.is_empty() || self.name == self.writer {
            format!("`{}`", self.writer)
        } else {
            format!("{} (`{}`)", self.name, self.writer)
        }
    }
}

fn writer_stats(
    marked: &DataFrame,
    family: &'static str,
    names: &[(String, String)],
) -> Result<Vec<WriterStats>> {
    let df = marked
        .clone()
        .lazy()
        .group_by([col(out::WRITER)])
        .agg([
            len().cast(DataType::UInt64).alias(out::WRITES),
            col(out::IS_REPEAT).sum().cast(DataType::UInt64).alias(out::REPEATS),
            col(out::GAP_SECONDS).filter(col(out::IS_REPEAT)).median().alias(out::MEDIAN_GAP),
        ])
        .sort([out::WRITER], SortMultipleOptions::default())
        .collect()?;
    let writer = strs(&df, out::WRITER)?;
    let (writes, repeats) = (u64s(&df, out::WRITES)?, u64s(&df, out::REPEATS)?);
    let gap = f64s(&df, out::MEDIAN_GAP)?;
    Ok((0..df.height())
        .map(|i| WriterStats {
            family,
            name: names.iter().find(|n| n.0 == writer[i]).map(|n| n.1.clone()).unwrap_or_default(),
            writer: writer[i].clone(),
            writes: writes[i],
            repeats: repeats[i],
            median_gap: gap[i],
        })
        .collect())
}

fn is_flagged(w: &WriterStats, cfg: &RepeatedWritesConfig) -> bool {
    w.repeats >= cfg.min_repeats && w.rate() >= cfg.min_rate
}

/// The repeat rows only, sorted, for the output tables.
fn repeat_rows(marked: &DataFrame) -> Result<DataFrame> {
    Ok(marked
        .clone()
        .lazy()
        .filter(col(out::IS_REPEAT))
        .select([
            col(out::ENTITY),
            col(out::KEY),
            col(out::DUPLICATE_OF),
            col(out::TARGET),
            col(KIND),
            col(out::WRITER),
            col(CREATED_AT),
            col(out::GAP_SECONDS),
        ])
        .sort([CREATED_AT, out::KEY], SortMultipleOptions::default())
        .collect()?)
}

/// (entity kind, repeat key, original key) of one writer's repeats.
fn evidence_of(marked: &DataFrame, writer: &str) -> Result<Vec<(&'static str, String)>> {
    let df = marked
        .clone()
        .lazy()
        .filter(col(out::IS_REPEAT).and(col(out::WRITER).eq(lit(writer))))
        .select([col(out::ENTITY), col(out::KEY), col(out::DUPLICATE_OF)])
        .sort([out::KEY], SortMultipleOptions::default())
        .collect()?;
    let (kind, key, first) =
        (strs(&df, out::ENTITY)?, strs(&df, out::KEY)?, strs(&df, out::DUPLICATE_OF)?);
    let mut evidence = Vec::with_capacity(2 * kind.len());
    for i in 0..kind.len() {
        let kind: &'static str = match kind[i].as_str() {
            "note" => "note",
            "activity" => "activity",
            _ => "deal_change",
        };
        evidence.push((kind, key[i].clone()));
        evidence.push((kind, first[i].clone()));
    }
    evidence.sort();
    evidence.dedup();
    Ok(evidence)
}

fn findings(
    writers: &[WriterStats],
    content: &DataFrame,
    fields: &DataFrame,
    cfg: &RepeatedWritesConfig,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for w in writers.iter().filter(|w| is_flagged(w, cfg)) {
        let marked = if w.family == "content" { content } else { fields };
        let what = if w.family == "content" {
            "notes or activities identical to one it wrote on the same record"
        } else {
            "field writes repeating a value it had already written to the same deal and field"
        };
        let severity = if w.repeats >= cfg.fail_repeats { Severity::Fail } else { Severity::Warn };
        out.push(Finding {
            severity,
            segment: w.writer.clone(),
            metric: format!("repeat_rate_{}", w.family),
            value: w.rate(),
            threshold: cfg.min_rate,
            message: format!(
                "{} wrote {} {what} within {} h ({:.1}% of its {} writes; median gap {:.0} s)",
                w.label(),
                w.repeats,
                cfg.window_hours,
                100.0 * w.rate(),
                w.writes,
                w.median_gap
            ),
            value_at_stake: None,
            evidence: evidence_of(marked, &w.writer)?,
        });
    }
    Ok(out)
}

fn metrics(writers: &[WriterStats]) -> Vec<Metric> {
    let mut out = Vec::new();
    for w in writers.iter().filter(|w| w.repeats > 0) {
        let segment = format!("{}/{}", w.family, w.writer);
        out.push(Metric {
            metric: "writes".into(),
            segment: segment.clone(),
            value: w.writes as f64,
        });
        out.push(Metric {
            metric: "repeats".into(),
            segment: segment.clone(),
            value: w.repeats as f64,
        });
        out.push(Metric { metric: "repeat_rate".into(), segment, value: w.rate() });
    }
    for family in ["content", "field"] {
        let total: u64 = writers.iter().filter(|w| w.family == family).map(|w| w.repeats).sum();
        out.push(Metric {
            metric: "repeats".into(),
            segment: format!("{family}/all"),
            value: total as f64,
        });
    }
    out
}

fn section(writers: &[WriterStats], findings: &[Finding], cfg: &RepeatedWritesConfig) -> Section {
    let tested = format!(
        "Notes and activities were grouped by the record they hang on (deal, else person, else \
         organization), their kind and their normalised text; one created within {h} h of an \
         identical one is a repeat. A deal change is a repeat when its writer had already written \
         the same value to the same deal and field within {h} h. A writer (the note's \
         author, the activity's creator, the change's source) is flagged when it has at least {n} \
         repeats and they are at least {r:.0}% of its writes: people occasionally log something \
         twice, a retrying integration does it systematically.",
        h = cfg.window_hours,
        n = cfg.min_repeats,
        r = 100.0 * cfg.min_rate,
    );
    let content: u64 = writers.iter().filter(|w| w.family == "content").map(|w| w.repeats).sum();
    let field: u64 = writers.iter().filter(|w| w.family == "field").map(|w| w.repeats).sum();
    let mut found = format!(
        "{content} repeated notes or activities and {field} repeated field writes; {} writer(s) \
         flagged.\n\n",
        findings.len()
    );
    found.push_str("| writer | kind | writes | repeats | rate | median gap | flagged |\n");
    found.push_str("|---|---|---:|---:|---:|---:|---|\n");
    for w in writers.iter().filter(|w| w.repeats > 0).take(20) {
        found.push_str(&format!(
            "| {} | {} | {} | {} | {:.1}% | {:.0} s | {} |\n",
            w.label(),
            if w.family == "content" { "notes/activities" } else { "field values" },
            w.writes,
            w.repeats,
            100.0 * w.rate(),
            w.median_gap,
            if is_flagged(w, cfg) { "yes" } else { "no" }
        ));
    }
    let todo = if findings.is_empty() {
        "Nothing to do: no writer repeats its writes beyond the occasional human double entry."
            .to_owned()
    } else {
        "Ask the owner of each flagged integration to make its writes idempotent (send an \
         idempotency key, or check for the record before creating it) and to stop retrying on \
         timeouts that had in fact succeeded. Delete the repeats listed in `repeated_writes`: \
         they inflate activity counts and make deals look busier than they are."
            .to_owned()
    };
    let caveats = "Only exact repeats of the normalised text (case and white space folded, HTML \
                   stripped) are found; a retry that adds a timestamp to the text is missed. \
                   Writers below the thresholds are listed but not flagged; their repeats are \
                   mostly people logging the same call or note twice."
        .to_owned();
    Section { tested, found, todo, caveats }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_inputs::{context, inputs, us};

    /// (key, deal, author, content hash, created at).
    type NoteRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

    fn notes(rows: &[NoteRow<'_>]) -> DataFrame {
        df!(
            NOTE_KEY => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            DEAL_KEY => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            AUTHOR_USER_KEY => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            CONTENT_HASH => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            CREATED_AT => rows.iter().map(|r| us(r.4)).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    fn run_on(given: Vec<(Table, DataFrame)>, ctx: &RunContext) -> CheckOutput {
        RepeatedWrites.run(&inputs(given), ctx).unwrap()
    }

    /// Three retried notes by one writer: flagged, with retries and originals as evidence.
    const RETRIES: [NoteRow<'static>; 6] = [
        ("n1", "d1", "bot", "h1", "2026-01-05 10:00"),
        ("n2", "d1", "bot", "h1", "2026-01-05 10:02"),
        ("n3", "d2", "bot", "h2", "2026-01-06 10:00"),
        ("n4", "d2", "bot", "h2", "2026-01-06 10:01"),
        ("n5", "d3", "bot", "h3", "2026-01-07 10:00"),
        ("n6", "d3", "bot", "h3", "2026-01-07 10:04"),
    ];

    #[test]
    fn retrying_writer_is_flagged_with_both_copies_as_evidence() {
        let ctx = context("2026-02-01 00:00");
        let out = run_on(vec![(Table::Notes, notes(&RETRIES))], &ctx);
        assert_eq!(out.findings.len(), 1);
        let f = &out.findings[0];
        assert_eq!(f.segment, "bot");
        assert_eq!(f.severity, Severity::Warn);
        assert!((f.value - 0.5).abs() < 1e-12);
        let keys: Vec<&str> = f.evidence.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(keys, ["n1", "n2", "n3", "n4", "n5", "n6"]);
        assert!(f.evidence.iter().all(|e| e.0 == "note"));
        let table = &out.tables[0].1;
        assert_eq!(table.height(), 3);
        assert_eq!(strs(table, out::DUPLICATE_OF).unwrap(), ["n1", "n3", "n5"]);
        assert_eq!(f64s(table, out::GAP_SECONDS).unwrap(), [120.0, 60.0, 240.0]);
    }

    #[test]
    fn later_other_target_or_rare_repeats_are_not_flagged() {
        let rows = [
            // A day and a minute later: not a repeat.
            ("n1", "d1", "bot", "h1", "2026-01-05 10:00"),
            ("n2", "d1", "bot", "h1", "2026-01-06 10:01"),
            // Same text on another deal: not a repeat.
            ("n3", "d2", "bot", "h1", "2026-01-05 10:01"),
            // A person who logs one note twice: one repeat, below min_repeats.
            ("n4", "d3", "rep", "h4", "2026-01-05 11:00"),
            ("n5", "d3", "rep", "h4", "2026-01-05 15:00"),
        ];
        let ctx = context("2026-02-01 00:00");
        let out = run_on(vec![(Table::Notes, notes(&rows))], &ctx);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        assert_eq!(out.tables[0].1.height(), 1);
    }

    #[test]
    fn a_note_and_an_activity_with_one_text_are_not_repeats() {
        let acts = df!(
            ACTIVITY_KEY => ["a1"],
            KIND => ["call"],
            DEAL_KEY => ["d1"],
            CREATOR_USER_KEY => ["bot"],
            CONTENT_HASH => ["h1"],
            CREATED_AT => [us("2026-01-05 10:01")],
        )
        .unwrap();
        let ctx = context("2026-02-01 00:00");
        let n = notes(&RETRIES[..1]);
        let out = run_on(vec![(Table::Notes, n), (Table::Activities, acts)], &ctx);
        assert_eq!(out.tables[0].1.height(), 0);
    }

    #[test]
    fn window_and_rate_thresholds_apply() {
        let mut ctx = context("2026-02-01 00:00");
        ctx.config.repeated_writes.window_hours = 0.03; // 108 s: only the 60 s retry counts
        let out = run_on(vec![(Table::Notes, notes(&RETRIES))], &ctx);
        assert_eq!(out.tables[0].1.height(), 1);
        assert!(out.findings.is_empty());
        let mut ctx = context("2026-02-01 00:00");
        ctx.config.repeated_writes.min_rate = 0.6; // 3 of 6 is 0.5
        assert!(run_on(vec![(Table::Notes, notes(&RETRIES))], &ctx).findings.is_empty());
        let mut ctx = context("2026-02-01 00:00");
        ctx.config.repeated_writes.fail_repeats = 3;
        let out = run_on(vec![(Table::Notes, notes(&RETRIES))], &ctx);
        assert_eq!(out.findings[0].severity, Severity::Fail);
    }

    /// (change, field, value, at, source key), all on deal d1.
    type ChangeRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

    fn changes(rows: &[ChangeRow<'_>]) -> DataFrame {
        df!(
            CHANGE_KEY => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            DEAL_KEY => rows.iter().map(|_| "d1").collect::<Vec<_>>(),
            FIELD => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            NEW_VALUE => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            CHANGED_AT => rows.iter().map(|r| us(r.3)).collect::<Vec<_>>(),
            SOURCE_KEY => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn the_same_value_written_again_and_again_is_flagged() {
        let rows = [
            // A sync re-asserts its value after people change it.
            ("c1", "value", "100", "2026-01-05 01:00", "api:sync"),
            ("c2", "value", "120", "2026-01-05 09:00", "human:ui"),
            ("c3", "value", "100", "2026-01-05 09:05", "api:sync"),
            ("c4", "value", "120", "2026-01-05 10:00", "human:ui"),
            ("c5", "value", "100", "2026-01-05 10:05", "api:sync"),
            ("c6", "value", "100", "2026-01-05 10:06", "api:sync"),
            // Another writer with the same value, and the same writer a day later: no repeat.
            ("c7", "stage", "1", "2026-01-05 02:00", "api:sync"),
            ("c8", "stage", "1", "2026-01-05 02:02", "other:x"),
            ("c9", "stage", "1", "2026-01-06 02:01", "api:sync"),
        ];
        let ctx = context("2026-02-01 00:00");
        let out = run_on(vec![(Table::DealChanges, changes(&rows))], &ctx);
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        let f = &out.findings[0];
        assert_eq!((f.segment.as_str(), f.metric.as_str()), ("api:sync", "repeat_rate_field"));
        assert!((f.value - 3.0 / 6.0).abs() < 1e-12);
        let keys: Vec<&str> = f.evidence.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(keys, ["c1", "c3", "c5", "c6"]);
        assert!(f.evidence.iter().all(|e| e.0 == "deal_change"));
        // One repeat by people (c4 repeats c2) stays below min_repeats.
        assert_eq!(out.tables[1].1.height(), 4);
    }

    #[test]
    fn since_and_until_limit_the_writes() {
        let mut ctx = context("2026-02-01 00:00");
        ctx.since = chrono::NaiveDate::from_ymd_opt(2026, 1, 6);
        let out = run_on(vec![(Table::Notes, notes(&RETRIES))], &ctx);
        assert_eq!(out.tables[0].1.height(), 2);
        assert!(out.findings.is_empty(), "2 repeats are below min_repeats");
        let mut ctx = context("2026-02-01 00:00");
        ctx.until = chrono::NaiveDate::from_ymd_opt(2026, 1, 5);
        assert_eq!(run_on(vec![(Table::Notes, notes(&RETRIES))], &ctx).tables[0].1.height(), 1);
    }

    #[test]
    fn config_sections_parse_and_reject_unknown_keys() {
        let text = "[repeated_writes]\nwindow_hours = 1.0\n\
                    [low_intent_deals]\norigins = [\"api\"]\n\
                    [attribution_overwrites]\ngrace_hours = 48.0\n";
        let c = crate::config::Config::parse(text).unwrap();
        assert!((c.repeated_writes.window_hours - 1.0).abs() < 1e-12);
        assert_eq!(c.repeated_writes.min_repeats, 3);
        assert_eq!(c.low_intent_deals.origins, ["api"]);
        assert_eq!(c.low_intent_deals.touch_days, 30);
        assert!((c.attribution_overwrites.grace_hours - 48.0).abs() < 1e-12);
        let err = crate::config::Config::parse("[repeated_writes]\nwindow = 1\n").unwrap_err();
        assert!(err.contains("window"), "{err}");
    }

    #[test]
    fn empty_inputs_give_no_findings() {
        let ctx = context("2026-02-01 00:00");
        let out = run_on(Vec::new(), &ctx);
        assert!(out.findings.is_empty());
        assert!(out.section.found.starts_with("0 repeated notes"));
    }
}
