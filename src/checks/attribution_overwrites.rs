//! `attribution_overwrites`: marketing source, channel and UTM fields
//! rewritten after a deal was created, and by whom. (DESIGN.md §4.10)
//!
//! A write to an attribution field (`attribution_source`,
//! `attribution_detail`, `utm_*`; configurable) more than the grace period
//! (1 day) after the deal's creation is an overwrite: the deal's origin story
//! changes after the fact, so channel ROI reports move. Writes within the
//! grace are a rep completing the record and are not counted. Overwrites are
//! grouped by writer (`source_key`): an integration or automation is a
//! failing finding from `fail_deals` deals up, a warning below; people's own
//! late edits are information. Separately, deals on a paid source with no
//! campaign detail are listed: their spend cannot be traced.
//!
//! Cost: one filter of the change log to attribution fields and one join
//! with the deals; the paid-source pass is one filter of the deals.

use polars::prelude::*;
use serde::Deserialize;

use super::frame::{f64s, strs, u64s};

use super::{
    Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::col::*;
use crate::model::{SourceClass, Table};

/// The check.
pub struct AttributionOverwrites;

static META: CheckMeta = CheckMeta {
    name: "attribution_overwrites",
    purpose: "Source, channel and UTM fields rewritten after creation; paid deals with no campaign",
    needs: &[Table::DealChanges, Table::Deals],
    outputs: &["attribution_overwrites", "paid_without_campaign"],
};

/// Grace, fields and paid sources of `attribution_overwrites`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributionConfig {
    /// Writes within this many hours of creation are not overwrites.
    pub grace_hours: f64,
    /// Canonical change fields that hold attribution.
    pub fields: Vec<String>,
    /// Attribution sources (case-insensitive) that are paid.
    pub paid_sources: Vec<String>,
    /// A non-human writer overwriting at least this many deals fails.
    pub fail_deals: u64,
}

impl Default for AttributionConfig {
    fn default() -> Self {
        let fields = [
            ATTRIBUTION_SOURCE,
            ATTRIBUTION_DETAIL,
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_term",
            "utm_content",
        ];
        let paid = ["paid search", "paid social", "paid", "cpc", "ppc", "sem", "display"];
        AttributionConfig {
            grace_hours: 24.0,
            fields: fields.iter().map(|s| (*s).to_owned()).collect(),
            paid_sources: paid.iter().map(|s| (*s).to_owned()).collect(),
            fail_deals: 10,
        }
    }
}

impl Check for AttributionOverwrites {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let cfg = &ctx.config.attribution_overwrites;
        let rows = overwrites(input, ctx)?;
        let writers = writer_stats(&rows)?;
        let paid = paid_without_campaign(input, cfg)?;
        let mut findings = writer_findings(&writers, &rows, cfg)?;
        findings.extend(paid_finding(&paid)?);
        let metrics = metrics(&writers, &paid);
        let section = section(&writers, &paid, cfg);
        Ok(CheckOutput {
            tables: vec![("attribution_overwrites", rows), ("paid_without_campaign", paid)],
            findings,
            metrics,
            charts: Vec::new(),
            section,
        })
    }
}

/// Column names of this check's frames and output tables.
mod out {
    pub const DEAL_CREATED_AT: &str = "deal_created_at";
    pub const HOURS_AFTER: &str = "hours_after_creation";
    pub const DEAL_STATUS: &str = "deal_status";
    pub const DEAL_VALUE: &str = "deal_value";
    pub const CHANGES: &str = "changes";
    pub const DEALS: &str = "deals";
    pub const OPEN_VALUE: &str = "open_value";
}

/// Deal key, creation, status and value, renamed for the join with changes.
fn deal_facts(input: &Inputs) -> LazyFrame {
    input.get(Table::Deals).select([
        col(DEAL_KEY),
        col(CREATED_AT).alias(out::DEAL_CREATED_AT),
        col(STATUS).alias(out::DEAL_STATUS),
        col(VALUE).alias(out::DEAL_VALUE),
    ])
}

/// Attribution writes after the grace, one row per change, sorted.
fn overwrites(input: &Inputs, ctx: &RunContext) -> Result<DataFrame> {
    let cfg = &ctx.config.attribution_overwrites;
    let fields = Series::new("__fields".into(), cfg.fields.clone());
    let deals = deal_facts(input);
    let us = |c: &str| col(c).dt().timestamp(TimeUnit::Microseconds).cast(DataType::Float64);
    let hours = ((us(CHANGED_AT) - us(out::DEAL_CREATED_AT)) / lit(3.6e9)).alias(out::HOURS_AFTER);
    let lf = input
        .get(Table::DealChanges)
        .filter(col(FIELD).is_in(lit(fields).implode(false), false))
        .join(deals, [col(DEAL_KEY)], [col(DEAL_KEY)], JoinArgs::new(JoinType::Inner))
        .with_column(hours)
        .filter(col(out::HOURS_AFTER).gt(lit(cfg.grace_hours)));
    Ok(in_window(lf, ctx)
        .select([
            col(CHANGE_KEY),
            col(DEAL_KEY),
            col(FIELD),
            col(OLD_VALUE),
            col(NEW_VALUE),
            col(CHANGED_AT),
            col(out::DEAL_CREATED_AT),
            col(out::HOURS_AFTER),
            col(SOURCE_KEY),
            col(SOURCE_CLASS),
            col(ACTOR_USER_KEY),
            col(out::DEAL_STATUS),
            col(out::DEAL_VALUE),
        ])
        .sort([CHANGED_AT, CHANGE_KEY], SortMultipleOptions::default())
        .collect()?)
}

/// Keeps changes written in the `--since` / `--until` window (company days).
fn in_window(lf: LazyFrame, ctx: &RunContext) -> LazyFrame {
    let day = col(CHANGED_AT).dt().convert_time_zone(TimeZone::from_chrono(&ctx.zone)).dt().date();
    let mut lf = lf;
    if let Some(since) = ctx.since {
        lf = lf.filter(day.clone().gt_eq(lit(since)));
    }
    if let Some(until) = ctx.until {
        lf = lf.filter(day.lt_eq(lit(until)));
    }
    lf
}

/// Overwrites of one writer.
#[derive(Debug, Clone)]
struct WriterStats {
    source_key: String,
    source_class: String,
    changes: u64,
    deals: u64,
    open_value: f64,
}

impl WriterStats {
    fn is_human(&self) -> bool {
        let human = [SourceClass::HumanUi, SourceClass::HumanMobile, SourceClass::Bulk];
        human.iter().any(|h| h.as_str() == self.source_class)
    }
}

/// One row per (writer, deal): its changes and the deal's open value, so
/// each deal's value counts once per writer, however many fields it rewrote.
fn per_writer_deal(rows: &DataFrame) -> LazyFrame {
    let open = col(out::DEAL_STATUS).eq(lit("open"));
    rows.clone().lazy().group_by([col(SOURCE_KEY), col(DEAL_KEY)]).agg([
        col(SOURCE_CLASS).first(),
        len().cast(DataType::UInt64).alias(out::CHANGES),
        col(out::DEAL_VALUE).filter(open).first().fill_null(lit(0.0)).alias(out::OPEN_VALUE),
    ])
}

fn writer_stats(rows: &DataFrame) -> Result<Vec<WriterStats>> {
    let df = per_writer_deal(rows)
        .group_by([col(SOURCE_KEY)])
        .agg([
            col(SOURCE_CLASS).first(),
            col(out::CHANGES).sum().cast(DataType::UInt64),
            len().cast(DataType::UInt64).alias(out::DEALS),
            col(out::OPEN_VALUE).sum(),
        ])
        .sort([SOURCE_KEY], SortMultipleOptions::default())
        .collect()?;
    let (key, class) = (strs(&df, SOURCE_KEY)?, strs(&df, SOURCE_CLASS)?);
    let (changes, deals) = (u64s(&df, out::CHANGES)?, u64s(&df, out::DEALS)?);
    let value = f64s(&df, out::OPEN_VALUE)?;
    let mut out: Vec<WriterStats> = (0..df.height())
        .map(|i| WriterStats {
            source_key: key[i].clone(),
            source_class: class[i].clone(),
            changes: changes[i],
            deals: deals[i],
            open_value: if value[i].is_nan() { 0.0 } else { value[i] },
        })
        .collect();
    out.sort_by(|a, b| b.deals.cmp(&a.deals).then(a.source_key.cmp(&b.source_key)));
    Ok(out)
}

/// The changes and deals behind one writer's overwrites.
fn evidence_of(rows: &DataFrame, source_key: &str) -> Result<Vec<(&'static str, String)>> {
    let df = rows
        .clone()
        .lazy()
        .filter(col(SOURCE_KEY).eq(lit(source_key)))
        .select([col(CHANGE_KEY), col(DEAL_KEY)])
        .collect()?;
    let mut evidence: Vec<(&'static str, String)> =
        strs(&df, CHANGE_KEY)?.into_iter().map(|k| ("deal_change", k)).collect();
    let mut deals = strs(&df, DEAL_KEY)?;
    deals.sort();
    deals.dedup();
    evidence.extend(deals.into_iter().map(|d| ("deal", d)));
    Ok(evidence)
}

/// People's own late edits are information; integrations warn, or fail from
/// `fail_deals` deals.
fn severity_of(w: &WriterStats, cfg: &AttributionConfig) -> Severity {
    match (w.is_human(), w.deals >= cfg.fail_deals) {
        (true, _) => Severity::Info,
        (false, true) => Severity::Fail,
        (false, false) => Severity::Warn,
    }
}

fn writer_findings(
    writers: &[WriterStats],
    rows: &DataFrame,
    cfg: &AttributionConfig,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for w in writers {
        out.push(Finding {
            severity: severity_of(w, cfg),
            segment: w.source_key.clone(),
            metric: "attribution_overwritten_deals".to_owned(),
            value: w.deals as f64,
            threshold: if w.is_human() { 1.0 } else { cfg.fail_deals as f64 },
            message: format!(
                "`{}` ({}) rewrote attribution fields of {} deals ({} changes) more than {} h \
                 after they were created; the open ones are worth {:.0}",
                w.source_key, w.source_class, w.deals, w.changes, cfg.grace_hours, w.open_value
            ),
            value_at_stake: Some(w.open_value),
            evidence: evidence_of(rows, &w.source_key)?,
        });
    }
    Ok(out)
}

/// True for a deal on a paid source (trimmed, case-insensitive) whose
/// campaign detail is missing or blank.
fn paid_without_detail(cfg: &AttributionConfig) -> Expr {
    let paid: Vec<String> = cfg.paid_sources.iter().map(|s| s.trim().to_lowercase()).collect();
    let paid = Series::new("__paid".into(), paid);
    let trimmed = |c: &str| col(c).str().strip_chars(lit(NULL));
    let detail_missing =
        col(ATTRIBUTION_DETAIL).is_null().or(trimmed(ATTRIBUTION_DETAIL).eq(lit("")));
    trimmed(ATTRIBUTION_SOURCE)
        .str()
        .to_lowercase()
        .is_in(lit(paid).implode(false), false)
        .and(detail_missing)
}

/// Deals on a paid source with no campaign detail, sorted by key.
fn paid_without_campaign(input: &Inputs, cfg: &AttributionConfig) -> Result<DataFrame> {
    Ok(input
        .get(Table::Deals)
        .filter(paid_without_detail(cfg))
        .select([
            col(DEAL_KEY),
            col(ATTRIBUTION_SOURCE),
            col(ATTRIBUTION_DETAIL),
            col(CREATED_VIA),
            col(CREATED_AT),
            col(STATUS),
            col(VALUE),
        ])
        .sort([DEAL_KEY], SortMultipleOptions::default())
        .collect()?)
}

fn paid_finding(paid: &DataFrame) -> Result<Option<Finding>> {
    if paid.height() == 0 {
        return Ok(None);
    }
    let open = paid.clone().lazy().filter(col(STATUS).eq(lit("open")));
    let value = f64s(&open.select([col(VALUE).sum()]).collect()?, VALUE)?;
    let value = value.first().copied().filter(|v| !v.is_nan()).unwrap_or(0.0);
    Ok(Some(Finding {
        severity: Severity::Warn,
        segment: "all".to_owned(),
        metric: "paid_without_campaign_deals".to_owned(),
        value: paid.height() as f64,
        threshold: 1.0,
        message: format!(
            "{} deals come from a paid source but carry no campaign detail; their spend cannot \
             be traced (open value {value:.0})",
            paid.height()
        ),
        value_at_stake: Some(value),
        evidence: strs(paid, DEAL_KEY)?.into_iter().map(|k| ("deal", k)).collect(),
    }))
}

fn metrics(writers: &[WriterStats], paid: &DataFrame) -> Vec<Metric> {
    let mut out = Vec::new();
    for w in writers {
        out.push(Metric {
            metric: "overwritten_deals".into(),
            segment: w.source_key.clone(),
            value: w.deals as f64,
        });
        out.push(Metric {
            metric: "overwrite_changes".into(),
            segment: w.source_key.clone(),
            value: w.changes as f64,
        });
    }
    out.push(Metric {
        metric: "paid_without_campaign_deals".into(),
        segment: "all".into(),
        value: paid.height() as f64,
    });
    out
}

fn section(writers: &[WriterStats], paid: &DataFrame, cfg: &AttributionConfig) -> Section {
    let tested = format!(
        "Every write to an attribution field ({f}) more than {g} h after the deal was created is \
         an overwrite: the deal's marketing origin changes after the fact. Writes within {g} h \
         are a rep completing a new record and are not counted. Overwrites are grouped by writer; \
         an integration or automation overwriting {n} or more deals fails, fewer warns, and \
         people's own late edits are listed as information. Deals whose source is paid ({p}) but \
         have no campaign detail are listed too.",
        f = cfg.fields.join(", "),
        g = cfg.grace_hours,
        n = cfg.fail_deals,
        p = cfg.paid_sources.join(", "),
    );
    let found = found_text(writers, paid);
    let todo = todo_text(writers, paid);
    let caveats = "Attribution values that were set at creation and never logged as a change are \
                   taken as original. Paid sources are matched by name; CRMs that store the \
                   channel as an option id need those ids listed under `paid_sources`."
        .to_owned();
    Section { tested, found, todo, caveats }
}

fn todo_text(writers: &[WriterStats], paid: &DataFrame) -> String {
    if writers.iter().any(|w| !w.is_human()) {
        "Stop integrations from writing attribution fields once a deal exists: make the field \
         read-only for their API user, or have them write to a separate \"last touch\" field. \
         Restore the original values from `attribution_overwrites` (old_value) before reporting \
         channel ROI."
            .to_owned()
    } else if paid.height() > 0 {
        "Make campaign detail required on paid sources (form hidden fields / UTM capture)."
            .to_owned()
    } else {
        "Nothing to do: attribution is only set when deals are created.".to_owned()
    }
}

fn found_text(writers: &[WriterStats], paid: &DataFrame) -> String {
    let total: u64 = writers.iter().map(|w| w.deals).sum();
    let mut found = format!(
        "{total} deal overwrites by {} writer(s); {} paid deals with no campaign detail.\n\n",
        writers.len(),
        paid.height()
    );
    if !writers.is_empty() {
        found.push_str("| writer | class | deals | changes | open value of those deals |\n");
        found.push_str("|---|---|---:|---:|---:|\n");
        for w in writers.iter().take(20) {
            found.push_str(&format!(
                "| `{}` | {} | {} | {} | {:.0} |\n",
                w.source_key, w.source_class, w.deals, w.changes, w.open_value
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_inputs::{context, inputs, us};

    fn deals() -> DataFrame {
        df!(
            DEAL_KEY => ["d1", "d2", "d3", "d4"],
            CREATED_AT => [us("2026-01-01 10:00"); 4],
            STATUS => ["open", "lost", "open", "open"],
            VALUE => [1000.0, 2000.0, 3000.0, 4000.0],
            ATTRIBUTION_SOURCE =>
                [Some("Paid Search"), Some("paid search"), None, Some("referral")],
            ATTRIBUTION_DETAIL => [Some("gads-1"), Some(" "), None, None],
        )
        .unwrap()
    }

    /// (change, deal, field, at, source key, source class).
    type ChangeRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

    fn changes(rows: &[ChangeRow<'_>]) -> DataFrame {
        df!(
            CHANGE_KEY => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            DEAL_KEY => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            FIELD => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            NEW_VALUE => rows.iter().map(|_| "x").collect::<Vec<_>>(),
            CHANGED_AT => rows.iter().map(|r| us(r.3)).collect::<Vec<_>>(),
            SOURCE_KEY => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
            SOURCE_CLASS => rows.iter().map(|r| r.5).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    const ROWS: [ChangeRow<'static>; 6] = [
        // Integration rewrites channel and detail of d1 and d2 days later.
        ("c1", "d1", ATTRIBUTION_SOURCE, "2026-01-05 10:00", "api:attr", "api"),
        ("c2", "d1", ATTRIBUTION_DETAIL, "2026-01-05 10:00", "api:attr", "api"),
        ("c3", "d2", ATTRIBUTION_SOURCE, "2026-01-09 10:00", "api:attr", "api"),
        // A rep sets the channel within the grace: not an overwrite.
        ("c4", "d3", ATTRIBUTION_SOURCE, "2026-01-02 09:59", "human:ui", "human_ui"),
        // A rep changes it two days later: information.
        ("c5", "d4", "utm_campaign", "2026-01-03 10:00", "human:ui", "human_ui"),
        // Another field: ignored.
        ("c6", "d1", VALUE, "2026-01-20 10:00", "api:attr", "api"),
    ];

    fn run(ctx: &RunContext) -> CheckOutput {
        let given = vec![(Table::Deals, deals()), (Table::DealChanges, changes(&ROWS))];
        AttributionOverwrites.run(&inputs(given), ctx).unwrap()
    }

    #[test]
    fn late_writes_are_overwrites_by_writer() {
        let out = run(&context("2026-02-01 00:00"));
        let table = &out.tables[0].1;
        assert_eq!(strs(table, CHANGE_KEY).unwrap(), ["c5", "c1", "c2", "c3"]);
        let f: Vec<&Finding> = out.findings.iter().filter(|f| f.segment == "api:attr").collect();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warn);
        assert!((f[0].value - 2.0).abs() < 1e-12);
        // Open value counts d1 once (two fields) and not the lost d2.
        assert_eq!(f[0].value_at_stake, Some(1000.0));
        let ev: Vec<(&str, &str)> = f[0].evidence.iter().map(|e| (e.0, e.1.as_str())).collect();
        assert_eq!(
            ev,
            [
                ("deal_change", "c1"),
                ("deal_change", "c2"),
                ("deal_change", "c3"),
                ("deal", "d1"),
                ("deal", "d2")
            ]
        );
        let human = out.findings.iter().find(|f| f.segment == "human:ui").unwrap();
        assert_eq!(human.severity, Severity::Info);
    }

    #[test]
    fn grace_and_fail_thresholds_apply() {
        let mut ctx = context("2026-02-01 00:00");
        ctx.config.attribution_overwrites.grace_hours = 24.0 * 5.0;
        ctx.config.attribution_overwrites.fail_deals = 1;
        let out = run(&ctx);
        assert_eq!(strs(&out.tables[0].1, CHANGE_KEY).unwrap(), ["c3"]);
        let f = out.findings.iter().find(|f| f.segment == "api:attr").unwrap();
        assert_eq!(f.severity, Severity::Fail);
    }

    #[test]
    fn paid_deals_without_campaign_detail_are_listed() {
        let out = run(&context("2026-02-01 00:00"));
        let paid = &out.tables[1].1;
        assert_eq!(strs(paid, DEAL_KEY).unwrap(), ["d2"]);
        let f = out.findings.iter().find(|f| f.metric == "paid_without_campaign_deals").unwrap();
        assert_eq!(f.severity, Severity::Warn);
        assert_eq!(f.value_at_stake, Some(0.0), "d2 is lost");
    }

    #[test]
    fn no_changes_no_findings() {
        let given = vec![(Table::Deals, deals().slice(0, 1))];
        let out = AttributionOverwrites.run(&inputs(given), &context("2026-02-01 00:00")).unwrap();
        assert!(out.findings.is_empty());
        assert!(out.section.todo.starts_with("Nothing to do"));
    }
}
