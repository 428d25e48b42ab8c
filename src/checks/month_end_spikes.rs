//! `month_end_spikes`: do some writers crowd their events into the last K
//! working days of each month? (DESIGN.md §4.1)
//!
//! Events are deal creations, forward and backward stage moves, close-date
//! edits (and pushes later), value edits and wins, from the change log, with
//! creations and wins taken from the deals table where the log has none. Each
//! month × family × source cell is tested with an exact one-sided binomial
//! test against two nulls: the uniform working-day share K / working days,
//! and the share among people's own UI events of the same family (selling has
//! a real month-end rush; an integration is held against that). q-values are
//! Benjamini–Hochberg across cells. A bulk edit counts once per batch.
//!
//! Cost: one pass over the change log plus joins with small per-month and
//! per-day lookup frames; the statistics run on the aggregated cells only.

use std::collections::BTreeMap;

use chrono::Datelike;
use polars::prelude::*;

use super::frame::{f64s, strs, u64s};

use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::ingest::parse;
use crate::model::col::*;
use crate::model::{CreationClass, SourceClass, Table};
use crate::stats::{binomial, fdr};

/// The check.
pub struct MonthEndSpikes;

static META: CheckMeta = CheckMeta {
    name: "month_end_spikes",
    purpose: "Writers that crowd creations, stage moves, close-date and value edits into month end",
    needs: &[Table::DealChanges, Table::Deals, Table::Stages],
    outputs: &["month_end_spikes"],
};

impl Check for MonthEndSpikes {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let events = local_events(input, ctx)?;
        let cells = cell_table(&events, ctx)?;
        let flagged = flagged_cells(&cells);
        let evidence = evidence(&events, &flagged, ctx)?;
        let findings = findings(&cells, &evidence, input, ctx)?;
        let chart = chart(&events, ctx)?;
        let metrics = metrics(&cells, input, ctx)?;
        let section = section(&cells, &findings, ctx);
        Ok(CheckOutput {
            tables: vec![("month_end_spikes", cells.frame)],
            findings,
            metrics,
            charts: vec![chart],
            section,
        })
    }
}

/// Column names of this check's frames and output table.
mod out {
    pub const FAMILY: &str = "family";
    pub const EVENT_KEY: &str = "event_key";
    pub const EVENT_KIND: &str = "event_kind";
    pub const AT: &str = "at";
    pub const LOCAL_DATE: &str = "local_date";
    pub const MONTH: &str = "month";
    pub const WINDOW_START: &str = "window_start";
    pub const P_UNIFORM: &str = "expected_share_uniform";
    pub const DAYS_BEFORE_END: &str = "working_days_before_end";
    pub const IN_WINDOW: &str = "in_window";
    pub const N_EVENTS: &str = "n_events";
    pub const N_MONTH_END: &str = "n_month_end";
    pub const SHARE: &str = "share_month_end";
    pub const P_VALUE_UNIFORM: &str = "p_uniform";
    pub const Q_VALUE_UNIFORM: &str = "q_uniform";
    pub const BASELINE_KIND: &str = "baseline";
    pub const BASELINE_SHARE: &str = "baseline_share";
    pub const LIFT: &str = "lift_vs_baseline";
    pub const P_VALUE_BASELINE: &str = "p_baseline";
    pub const Q_VALUE_BASELINE: &str = "q_baseline";
    pub const FLAGGED: &str = "flagged";
    pub const HUMAN_IN: &str = "__human_in";
    pub const HUMAN_N: &str = "__human_n";
}

/// Event families, in report order, with their plain names.
pub const FAMILIES: [(&str, &str); 7] = [
    ("deal_created", "deals created"),
    ("stage_advanced", "stage moves forward"),
    ("stage_backward", "stage moves backward"),
    ("close_date_edited", "close-date edits"),
    ("close_date_pushed", "close dates pushed later"),
    ("value_edited", "value edits"),
    ("deal_won", "deals won"),
];

fn family_label(family: &str) -> &str {
    FAMILIES.iter().find(|f| f.0 == family).map_or(family, |f| f.1)
}

/// Events from the change log, one row per (event, family).
fn change_events(input: &Inputs) -> Result<LazyFrame> {
    let changes = input.get(Table::DealChanges);
    let stages = input.get(Table::Stages).select([
        col(SOURCE_SYSTEM).alias("__sys"),
        col(SOURCE_ID).alias("__sid"),
        col(SORT_ORDER),
    ]);
    let order = |side: &str| {
        stages.clone().select([
            col("__sys"),
            col("__sid"),
            col(SORT_ORDER).alias(format!("__{side}_order")),
        ])
    };
    let moves = changes
        .clone()
        .filter(col(FIELD).eq(lit("stage")))
        .join(
            order("old"),
            [col(SOURCE_SYSTEM), col(OLD_VALUE)],
            [col("__sys"), col("__sid")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            order("new"),
            [col(SOURCE_SYSTEM), col(NEW_VALUE)],
            [col("__sys"), col("__sid")],
            JoinArgs::new(JoinType::Left),
        );
    let is_edit = |field: &str| col(FIELD).eq(lit(field)).and(col(OLD_VALUE).is_not_null());
    let date_part = |c: &str| col(c).str().slice(lit(0), lit(10));
    let parts = [
        ("deal_created", changes.clone().filter(col(FIELD).eq(lit("created")))),
        ("stage_advanced", moves.clone().filter(col("__new_order").gt(col("__old_order")))),
        ("stage_backward", moves.filter(col("__new_order").lt(col("__old_order")))),
        ("close_date_edited", changes.clone().filter(is_edit(EXPECTED_CLOSE_DATE))),
        (
            "close_date_pushed",
            changes.clone().filter(
                is_edit(EXPECTED_CLOSE_DATE).and(date_part(NEW_VALUE).gt(date_part(OLD_VALUE))),
            ),
        ),
        ("value_edited", changes.clone().filter(is_edit(VALUE))),
        ("deal_won", changes.filter(col(FIELD).eq(lit(STATUS)).and(col(NEW_VALUE).eq(lit("won"))))),
    ];
    let frames: Vec<LazyFrame> = parts
        .into_iter()
        .map(|(family, lf)| {
            lf.select([
                lit(family).alias(out::FAMILY),
                col(CHANGE_KEY).alias(out::EVENT_KEY),
                lit("deal_change").alias(out::EVENT_KIND),
                col(DEAL_KEY),
                col(CHANGED_AT).alias(out::AT),
                col(SOURCE_KEY),
                col(SOURCE_CLASS),
                col(BATCH_ID),
            ])
        })
        .collect();
    Ok(concat(frames, UnionArgs::default())?)
}

/// Creations and wins the change log does not hold, from the deals table.
fn deal_events(input: &Inputs, logged: LazyFrame) -> Result<LazyFrame> {
    let deals = input.get(Table::Deals);
    let logged_of = |family: &str| {
        logged
            .clone()
            .filter(col(out::FAMILY).eq(lit(family)))
            .select([col(DEAL_KEY)])
            .unique(None, UniqueKeepStrategy::First)
    };
    let anti = JoinArgs::new(JoinType::Anti);
    let class = created_class_expr();
    let created = deals
        .clone()
        .join(logged_of("deal_created"), [col(DEAL_KEY)], [col(DEAL_KEY)], anti.clone())
        .select([
            lit("deal_created").alias(out::FAMILY),
            col(DEAL_KEY).alias(out::EVENT_KEY),
            lit("deal").alias(out::EVENT_KIND),
            col(DEAL_KEY),
            col(CREATED_AT).alias(out::AT),
            (lit("origin:") + col(CREATED_VIA)).alias(SOURCE_KEY),
            class.alias(SOURCE_CLASS),
            lit(NULL).cast(DataType::String).alias(BATCH_ID),
        ]);
    let won = deals
        .filter(col(STATUS).eq(lit("won")).and(col(WON_AT).is_not_null()))
        .join(logged_of("deal_won"), [col(DEAL_KEY)], [col(DEAL_KEY)], anti)
        .select([
            lit("deal_won").alias(out::FAMILY),
            col(DEAL_KEY).alias(out::EVENT_KEY),
            lit("deal").alias(out::EVENT_KIND),
            col(DEAL_KEY),
            col(WON_AT).alias(out::AT),
            lit("unknown").alias(SOURCE_KEY),
            lit(SourceClass::Unknown.as_str()).alias(SOURCE_CLASS),
            lit(NULL).cast(DataType::String).alias(BATCH_ID),
        ]);
    Ok(concat([created, won], UnionArgs::default())?)
}

/// The source class a deal's creation counts as, from `created_via`.
fn created_class_expr() -> Expr {
    let all = [
        CreationClass::Manual,
        CreationClass::Import,
        CreationClass::Api,
        CreationClass::Automation,
        CreationClass::Unknown,
    ];
    let mut expr = lit(SourceClass::Integration.as_str());
    for class in all {
        expr = when(col(CREATED_VIA).eq(lit(class.as_str())))
            .then(lit(class.as_source_class().as_str()))
            .otherwise(expr);
    }
    expr
}

/// All events with their local date, bulk batches collapsed, the `--since` /
/// `--until` window applied; collected (one row per event and family).
fn local_events(input: &Inputs, ctx: &RunContext) -> Result<DataFrame> {
    let logged = change_events(input)?;
    let from_deals = deal_events(input, logged.clone())?;
    // Events after the as-of instant, or decades before it, are typos, not
    // selling: they are left out (and would stretch the day calendar).
    let as_of = ctx.as_of.timestamp_micros();
    let earliest = as_of - 20 * 366 * 86_400 * 1_000_000;
    let all = concat([logged, from_deals], UnionArgs::default())?
        .filter(col(out::AT).is_not_null())
        .filter(col(out::AT).cast(DataType::Int64).is_between(
            lit(earliest),
            lit(as_of),
            ClosedInterval::Both,
        ))
        .with_column(
            col(out::AT)
                .dt()
                .convert_time_zone(TimeZone::from_chrono(&ctx.zone))
                .dt()
                .date()
                .alias(out::LOCAL_DATE),
        )
        .sort([out::AT, out::EVENT_KEY, out::FAMILY], SortMultipleOptions::default());
    let all = window_filter(all, ctx);
    let batched = all.clone().filter(col(BATCH_ID).is_not_null()).unique_stable_generic(
        Some(vec![col(BATCH_ID), col(out::FAMILY)]),
        UniqueKeepStrategy::First,
    );
    let single = all.filter(col(BATCH_ID).is_null());
    let events = concat([single, batched], UnionArgs::default())?
        .sort([out::AT, out::EVENT_KEY, out::FAMILY], SortMultipleOptions::default())
        .collect()?;
    Ok(events)
}

fn window_filter(lf: LazyFrame, ctx: &RunContext) -> LazyFrame {
    let mut lf = lf;
    if let Some(since) = ctx.since {
        lf = lf.filter(col(out::LOCAL_DATE).gt_eq(lit(since)));
    }
    if let Some(until) = ctx.until {
        lf = lf.filter(col(out::LOCAL_DATE).lt_eq(lit(until)));
    }
    lf
}

/// Columns of the per-day lookup: date, month, window start, uniform share,
/// working days before the month's end.
type DayColumns = (Vec<i32>, Vec<i32>, Vec<i32>, Vec<f64>, Vec<Option<i32>>);

/// Per-day lookup: month, window start, uniform share, working days before end.
fn day_lookup(events: &DataFrame, ctx: &RunContext) -> Result<LazyFrame> {
    let dates = events.column(out::LOCAL_DATE)?.as_materialized_series().date()?.clone();
    let (Some(lo), Some(hi)) = (dates.physical().min(), dates.physical().max()) else {
        return Ok(empty_day_lookup()?.lazy());
    };
    let (lo, hi) = (parse::day(lo), parse::day(hi));
    let k = ctx.config.month_end_spikes.last_working_days;
    let mut cols = DayColumns::default();
    let mut day = lo.with_day(1).unwrap_or(lo);
    let end = crate::calendar::last_day(hi);
    while day <= end {
        let w = ctx.calendar.window(day, k);
        cols.0.push(parse::days(day));
        cols.1.push(parse::days(w.month));
        cols.2.push(parse::days(w.window_start));
        cols.3.push(f64::from(w.window_days) / f64::from(w.working_days.max(1)));
        cols.4.push(ctx.calendar.working_days_before_end(day).map(|d| d as i32));
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    let df = df!(
        out::LOCAL_DATE => cols.0,
        out::MONTH => cols.1,
        out::WINDOW_START => cols.2,
        out::P_UNIFORM => cols.3,
        out::DAYS_BEFORE_END => cols.4,
    )?;
    Ok(df.lazy().with_columns([
        col(out::LOCAL_DATE).cast(DataType::Date),
        col(out::MONTH).cast(DataType::Date),
        col(out::WINDOW_START).cast(DataType::Date),
    ]))
}

fn empty_day_lookup() -> PolarsResult<DataFrame> {
    let empty_i32: Vec<i32> = Vec::new();
    let empty_f64: Vec<f64> = Vec::new();
    let empty_opt: Vec<Option<i32>> = Vec::new();
    let df = df!(
        out::LOCAL_DATE => empty_i32.clone(),
        out::MONTH => empty_i32.clone(),
        out::WINDOW_START => empty_i32,
        out::P_UNIFORM => empty_f64,
        out::DAYS_BEFORE_END => empty_opt,
    )?;
    df.lazy()
        .with_columns([
            col(out::LOCAL_DATE).cast(DataType::Date),
            col(out::MONTH).cast(DataType::Date),
            col(out::WINDOW_START).cast(DataType::Date),
        ])
        .collect()
}

/// Events joined with their day facts.
fn with_days(events: &DataFrame, ctx: &RunContext) -> Result<LazyFrame> {
    let lookup = day_lookup(events, ctx)?;
    Ok(events
        .clone()
        .lazy()
        .join(lookup, [col(out::LOCAL_DATE)], [col(out::LOCAL_DATE)], JoinArgs::new(JoinType::Left))
        .with_column(col(out::LOCAL_DATE).gt_eq(col(out::WINDOW_START)).alias(out::IN_WINDOW)))
}

/// The output table plus the cell statistics.
struct Cells {
    frame: DataFrame,
}

fn is_human_expr() -> Expr {
    let human = [SourceClass::HumanUi.as_str(), SourceClass::HumanMobile.as_str()];
    col(SOURCE_CLASS).eq(lit(human[0])).or(col(SOURCE_CLASS).eq(lit(human[1])))
}

fn cell_table(events: &DataFrame, ctx: &RunContext) -> Result<Cells> {
    let days = with_days(events, ctx)?;
    let grouped = days
        .clone()
        .group_by([col(out::MONTH), col(out::FAMILY), col(SOURCE_KEY), col(SOURCE_CLASS)])
        .agg([
            len().cast(DataType::UInt64).alias(out::N_EVENTS),
            col(out::IN_WINDOW).sum().cast(DataType::UInt64).alias(out::N_MONTH_END),
            col(out::P_UNIFORM).first().alias(out::P_UNIFORM),
        ]);
    let human = days.filter(is_human_expr()).group_by([col(out::FAMILY)]).agg([
        col(out::IN_WINDOW).sum().cast(DataType::Float64).alias(out::HUMAN_IN),
        len().cast(DataType::Float64).alias(out::HUMAN_N),
    ]);
    let df = grouped
        .join(human, [col(out::FAMILY)], [col(out::FAMILY)], JoinArgs::new(JoinType::Left))
        .sort([out::FAMILY, SOURCE_KEY, out::MONTH], SortMultipleOptions::default())
        .collect()?;
    let frame = add_statistics(df, ctx)?;
    Ok(Cells { frame })
}

/// Binomial p-values against both nulls, BH q-values, lift and the flag.
fn add_statistics(mut df: DataFrame, ctx: &RunContext) -> Result<DataFrame> {
    let cfg = &ctx.config.month_end_spikes;
    let n = u64s(&df, out::N_EVENTS)?;
    let k = u64s(&df, out::N_MONTH_END)?;
    let p0 = f64s(&df, out::P_UNIFORM)?;
    let h_in = f64s(&df, out::HUMAN_IN)?;
    let h_n = f64s(&df, out::HUMAN_N)?;
    let class = strs(&df, SOURCE_CLASS)?;
    let rows = n.len();
    let mut p_uni = Vec::with_capacity(rows);
    let mut base_kind = Vec::with_capacity(rows);
    let mut base_share = Vec::with_capacity(rows);
    let mut p_base = Vec::with_capacity(rows);
    for i in 0..rows {
        p_uni.push(binomial::p_greater(k[i], n[i], p0[i]));
        let human_ok = h_n[i] >= cfg.min_baseline_events as f64 && h_in[i] > 0.0;
        let (kind, share) = if human_ok { ("human", h_in[i] / h_n[i]) } else { ("uniform", p0[i]) };
        base_kind.push(kind);
        base_share.push(share);
        let tested = !is_human_class(&class[i]);
        p_base.push(if tested { binomial::p_greater(k[i], n[i], share) } else { f64::NAN });
    }
    let q_uni = fdr::bh_qvalues(&p_uni);
    let q_base = fdr::bh_qvalues(&p_base);
    let share: Vec<f64> = (0..rows).map(|i| k[i] as f64 / n[i].max(1) as f64).collect();
    let lift: Vec<f64> = (0..rows).map(|i| share[i] / base_share[i]).collect();
    let flagged: Vec<bool> = (0..rows)
        .map(|i| {
            !p_base[i].is_nan()
                && lift[i] >= cfg.min_lift
                && q_base[i] < cfg.max_q
                && n[i] >= cfg.min_events
        })
        .collect();
    let nan_to_null =
        |v: Vec<f64>| v.into_iter().map(|x| (!x.is_nan()).then_some(x)).collect::<Vec<_>>();
    let new_columns = [
        Column::new(out::SHARE.into(), share),
        Column::new(out::P_VALUE_UNIFORM.into(), p_uni),
        Column::new(out::Q_VALUE_UNIFORM.into(), q_uni),
        Column::new(out::BASELINE_KIND.into(), base_kind),
        Column::new(out::BASELINE_SHARE.into(), base_share),
        Column::new(out::LIFT.into(), lift),
        Column::new(out::P_VALUE_BASELINE.into(), nan_to_null(p_base)),
        Column::new(out::Q_VALUE_BASELINE.into(), nan_to_null(q_base)),
        Column::new(out::FLAGGED.into(), flagged),
    ];
    for c in new_columns {
        df.with_column(c)?;
    }
    Ok(df.drop_many([out::HUMAN_IN, out::HUMAN_N]))
}

fn is_human_class(class: &str) -> bool {
    class == SourceClass::HumanUi.as_str() || class == SourceClass::HumanMobile.as_str()
}

/// The flagged cells: (month day number, family, source key).
fn flagged_cells(cells: &Cells) -> DataFrame {
    let mask = cells.frame.column(out::FLAGGED).and_then(|c| c.bool().cloned());
    match mask {
        Ok(mask) => cells.frame.filter(&mask).unwrap_or_default(),
        Err(_) => DataFrame::empty(),
    }
}

/// Evidence rows: the month-end events of flagged cells.
fn evidence(events: &DataFrame, flagged: &DataFrame, ctx: &RunContext) -> Result<DataFrame> {
    if flagged.height() == 0 {
        return Ok(DataFrame::empty());
    }
    let keys = flagged.clone().lazy().select([col(out::MONTH), col(out::FAMILY), col(SOURCE_KEY)]);
    let on = [col(out::MONTH), col(out::FAMILY), col(SOURCE_KEY)];
    Ok(with_days(events, ctx)?
        .filter(col(out::IN_WINDOW))
        .join(keys, on.clone(), on, JoinArgs::new(JoinType::Semi))
        .select([
            col(out::FAMILY),
            col(SOURCE_KEY),
            col(out::EVENT_KIND),
            col(out::EVENT_KEY),
            col(DEAL_KEY),
        ])
        .collect()?)
}

/// One finding per (family, source) with flagged months.
fn findings(
    cells: &Cells,
    evidence: &DataFrame,
    input: &Inputs,
    ctx: &RunContext,
) -> Result<Vec<Finding>> {
    let cfg = &ctx.config.month_end_spikes;
    let summary = pooled(cells)?;
    let mut out = Vec::new();
    for p in summary.iter().filter(|p| p.flagged_months > 0) {
        let rows = evidence_of(evidence, &p.family, &p.source_key)?;
        let deals: Vec<String> = dedup(rows.iter().map(|r| r.2.clone()).collect());
        let at_stake = open_value(input, &deals)?;
        // A writer flagged in some months but within the lift threshold over
        // the whole period is reported, without gating the run.
        let severity = match (p.lift >= cfg.min_lift, p.flagged_months >= cfg.fail_months) {
            (false, _) => Severity::Info,
            (true, true) => Severity::Fail,
            (true, false) => Severity::Warn,
        };
        let message = format!(
            "`{}` puts {:.0}% of its {} in the last {} working days of the month ({:.2}× the {} rate); flagged in {} of {} months",
            p.source_key,
            100.0 * p.share,
            family_label(&p.family),
            cfg.last_working_days,
            p.lift,
            if p.baseline == "human" { "people's own" } else { "uniform working-day" },
            p.flagged_months,
            p.months,
        );
        let mut evidence: Vec<(&'static str, String)> =
            rows.into_iter().map(|r| (r.0, r.1)).collect();
        evidence.extend(deals.into_iter().map(|d| ("deal", d)));
        out.push(Finding {
            severity,
            segment: format!("{}/{}", p.source_key, p.family),
            metric: "month_end_lift".to_owned(),
            value: p.lift,
            threshold: cfg.min_lift,
            message,
            value_at_stake: Some(at_stake),
            evidence,
        });
    }
    Ok(out)
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// (entity kind, event key, deal key) of one finding's evidence.
fn evidence_of(
    evidence: &DataFrame,
    family: &str,
    source: &str,
) -> Result<Vec<(&'static str, String, String)>> {
    if evidence.height() == 0 {
        return Ok(Vec::new());
    }
    let fam = strs(evidence, out::FAMILY)?;
    let src = strs(evidence, SOURCE_KEY)?;
    let kind = strs(evidence, out::EVENT_KIND)?;
    let key = strs(evidence, out::EVENT_KEY)?;
    let deal = strs(evidence, DEAL_KEY)?;
    Ok((0..fam.len())
        .filter(|i| fam[*i] == family && src[*i] == source)
        .map(|i| {
            (
                if kind[i] == "deal" { "deal" } else { "deal_change" },
                key[i].clone(),
                deal[i].clone(),
            )
        })
        .collect())
}

/// Sum of the current value of the open deals among `deals`.
fn open_value(input: &Inputs, deals: &[String]) -> Result<f64> {
    if deals.is_empty() {
        return Ok(0.0);
    }
    let keys = Series::new("__k".into(), deals);
    let df = input
        .get(Table::Deals)
        .filter(
            col(DEAL_KEY).is_in(lit(keys).implode(false), false).and(col(STATUS).eq(lit("open"))),
        )
        .select([col(VALUE).sum()])
        .collect()?;
    Ok(f64s(&df, VALUE)?.first().copied().filter(|v| !v.is_nan()).unwrap_or(0.0))
}

/// A (family, source) row pooled over months.
#[derive(Debug, Clone)]
struct Pooled {
    family: String,
    source_key: String,
    source_class: String,
    n: u64,
    k: u64,
    share: f64,
    baseline: String,
    lift: f64,
    months: u64,
    flagged_months: u64,
}

fn pooled(cells: &Cells) -> Result<Vec<Pooled>> {
    let df = cells
        .frame
        .clone()
        .lazy()
        .group_by_stable([col(out::FAMILY), col(SOURCE_KEY), col(SOURCE_CLASS)])
        .agg([
            col(out::N_EVENTS).sum().alias("n"),
            col(out::N_MONTH_END).sum().alias("k"),
            col(out::BASELINE_KIND).first().alias("baseline"),
            (col(out::BASELINE_SHARE) * col(out::N_EVENTS).cast(DataType::Float64))
                .sum()
                .alias("expected"),
            len().cast(DataType::UInt64).alias("months"),
            col(out::FLAGGED).sum().cast(DataType::UInt64).alias("flagged_months"),
        ])
        .collect()?;
    let (n, k) = (u64s(&df, "n")?, u64s(&df, "k")?);
    let expected = f64s(&df, "expected")?;
    let (months, flagged) = (u64s(&df, "months")?, u64s(&df, "flagged_months")?);
    let (family, source, class) =
        (strs(&df, out::FAMILY)?, strs(&df, SOURCE_KEY)?, strs(&df, SOURCE_CLASS)?);
    let baseline = strs(&df, "baseline")?;
    Ok((0..df.height())
        .map(|i| Pooled {
            family: family[i].clone(),
            source_key: source[i].clone(),
            source_class: class[i].clone(),
            n: n[i],
            k: k[i],
            share: k[i] as f64 / n[i].max(1) as f64,
            baseline: baseline[i].clone(),
            lift: k[i] as f64 / expected[i].max(f64::MIN_POSITIVE),
            months: months[i],
            flagged_months: flagged[i],
        })
        .collect())
}

/// Share of each source's working-day events by working days before month end.
fn chart(events: &DataFrame, ctx: &RunContext) -> Result<Chart> {
    const BUCKETS: i32 = 10;
    let df = with_days(events, ctx)?
        .filter(col(out::DAYS_BEFORE_END).is_not_null())
        .with_column(
            when(col(out::DAYS_BEFORE_END).gt_eq(lit(BUCKETS)))
                .then(lit(BUCKETS))
                .otherwise(col(out::DAYS_BEFORE_END))
                .alias(out::DAYS_BEFORE_END),
        )
        .group_by([col(SOURCE_KEY), col(out::DAYS_BEFORE_END)])
        .agg([len().cast(DataType::Float64).alias("n")])
        .sort([SOURCE_KEY, out::DAYS_BEFORE_END], SortMultipleOptions::default())
        .collect()?;
    let sources = strs(&df, SOURCE_KEY)?;
    let days = df.column(out::DAYS_BEFORE_END)?.as_materialized_series().cast(&DataType::Int32)?;
    let days: Vec<i32> = days.i32()?.iter().map(|d| d.unwrap_or(0)).collect();
    let counts = f64s(&df, "n")?;
    let mut per: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for i in 0..sources.len() {
        let slot = per.entry(sources[i].clone()).or_insert_with(|| vec![0.0; BUCKETS as usize + 1]);
        slot[(BUCKETS - days[i]) as usize] += counts[i];
    }
    let mut series: Vec<(String, Vec<f64>, f64)> = per
        .into_iter()
        .map(|(name, v)| {
            let total: f64 = v.iter().sum();
            let shares = v.iter().map(|x| x / total.max(1.0)).collect();
            (name, shares, total)
        })
        .collect();
    series.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    series.truncate(8);
    // The last ten working days, one point each; earlier days are left out
    // of the picture (their share is the rest up to 100%).
    let x_categories = (0..BUCKETS).rev().map(|d| d.to_string()).collect();
    Ok(Chart {
        file: "month_end_spikes".to_owned(),
        title: "Share of each writer's events on each of the last 10 working days".to_owned(),
        x_label: "working days before the month's last working day".to_owned(),
        y_label: "share of the writer's events".to_owned(),
        y_share: true,
        x_categories,
        series: series.into_iter().map(|(n, v, _)| (n, v[1..].to_vec())).collect(),
    })
}

fn metrics(cells: &Cells, input: &Inputs, ctx: &RunContext) -> Result<Vec<Metric>> {
    let mut out = Vec::new();
    for p in pooled(cells)? {
        let segment = format!("{}/{}", p.source_key, p.family);
        out.push(Metric { metric: "events".into(), segment: segment.clone(), value: p.n as f64 });
        out.push(Metric {
            metric: "month_end_share".into(),
            segment: segment.clone(),
            value: p.share,
        });
        out.push(Metric { metric: "lift_vs_baseline".into(), segment, value: p.lift });
    }
    let defaults = default_close_dates(input, ctx)?;
    out.push(Metric {
        metric: "default_close_date_deals".into(),
        segment: "all".into(),
        value: defaults as f64,
    });
    Ok(out)
}

/// Deals whose close date is the last day of their creation month: HubSpot
/// sets that by default, so such dates are reported apart from edits.
fn default_close_dates(input: &Inputs, ctx: &RunContext) -> Result<u64> {
    let df = input
        .get(Table::Deals)
        .filter(col(EXPECTED_CLOSE_DATE).is_not_null())
        .select([
            col(CREATED_AT)
                .dt()
                .convert_time_zone(TimeZone::from_chrono(&ctx.zone))
                .dt()
                .date()
                .alias("c"),
            col(EXPECTED_CLOSE_DATE).alias("e"),
        ])
        .collect()?;
    let c = df.column("c")?.as_materialized_series().date()?.physical().clone();
    let e = df.column("e")?.as_materialized_series().date()?.physical().clone();
    let n = c
        .iter()
        .zip(e.iter())
        .filter(|(c, e)| match (c, e) {
            (Some(c), Some(e)) => crate::calendar::last_day(parse::day(*c)) == parse::day(*e),
            _ => false,
        })
        .count();
    Ok(n as u64)
}

fn section(cells: &Cells, findings: &[Finding], ctx: &RunContext) -> Section {
    let cfg = &ctx.config.month_end_spikes;
    let tested = format!(
        "For every month, event family and writer, the share of events in the last {k} working \
         days ({zone}, weekends and {h} configured holidays off) is tested with an exact \
         one-sided binomial test against two expectations: the uniform working-day share (K / \
         working days) and the share among people's own UI events of the same family, because \
         selling has a real month-end rush. q-values are Benjamini–Hochberg across cells. A cell \
         is flagged when its lift over the baseline is at least {lift}, q < {q} and it has at \
         least {n} events. A bulk edit counts once per batch.",
        k = cfg.last_working_days,
        zone = ctx.zone,
        h = ctx.config.company.holidays.len(),
        lift = cfg.min_lift,
        q = cfg.max_q,
        n = cfg.min_events,
    );
    let found = found_text(cells, findings);
    let gating = findings.iter().filter(|f| f.severity > Severity::Info).count();
    let todo = if gating == 0 {
        "Nothing to do: no writer crowds its events into month end beyond people's own rhythm."
            .to_owned()
    } else {
        "Ask each flagged integration's owner why it writes at month end. An integration that \
         pushes close dates or advances stages at month end makes the forecast look better than \
         the pipeline is: stop it writing forecast fields, or make its writes visible to the \
         forecast owner."
            .to_owned()
    };
    let caveats = format!(
        "Cells with fewer than {} events are not flagged. Where people's own events of a family \
         number fewer than {}, the uniform share is the baseline. Creations and wins missing from \
         the change log are taken from the deals table and attributed to the deal's origin \
         (creations) or to an unknown writer (wins).",
        cfg.min_events, cfg.min_baseline_events
    );
    Section { tested, found, todo, caveats }
}

fn found_text(cells: &Cells, findings: &[Finding]) -> String {
    let Ok(pooled) = pooled(cells) else { return String::new() };
    let gating = findings.iter().filter(|f| f.severity > Severity::Info).count();
    let sporadic = findings.len() - gating;
    let mut text = match gating {
        0 => "No writer crowds its events into month end over the whole period.".to_owned(),
        n => format!("{n} writer/family pairs crowd their events into month end."),
    };
    if sporadic > 0 {
        text.push_str(&format!(
            " {sporadic} more pass the thresholds in single months only, within the lift threshold \
             over the whole period (reported as information)."
        ));
    }
    text.push_str("\n\n");
    text.push_str(
        "| writer | family | events | at month end | share | baseline | lift | months flagged |\n",
    );
    text.push_str("|---|---|---:|---:|---:|---|---:|---:|\n");
    let mut rows: Vec<&Pooled> =
        pooled.iter().filter(|p| p.n >= 20 || p.flagged_months > 0).collect();
    rows.sort_by(|a, b| b.flagged_months.cmp(&a.flagged_months).then(b.lift.total_cmp(&a.lift)));
    for p in rows.iter().take(20) {
        text.push_str(&format!(
            "| `{}` ({}) | {} | {} | {} | {:.1}% | {} | {:.2} | {} / {} |\n",
            p.source_key,
            p.source_class,
            family_label(&p.family),
            p.n,
            p.k,
            100.0 * p.share,
            p.baseline,
            p.lift,
            p.flagged_months,
            p.months
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::calendar::WorkCalendar;
    use crate::config::Config;
    use crate::ingest::buffer::{Cell, Row, TableBuffer, empty_frame};

    fn change(key: &str, at: &str, source_key: &str, class: &str, batch: Option<&str>) -> Row {
        let mut row = Row::new(Table::DealChanges);
        let micros = chrono::DateTime::parse_from_rfc3339(at).unwrap().timestamp_micros();
        row.set(CHANGE_KEY, key)
            .set(DEAL_KEY, format!("d:{key}"))
            .set(FIELD, EXPECTED_CLOSE_DATE)
            .set(FIELD_RAW, EXPECTED_CLOSE_DATE)
            .set(OLD_VALUE, "2025-06-30")
            .set(NEW_VALUE, "2025-07-31")
            .set(CHANGED_AT, Cell::Instant(micros))
            .set(SOURCE_CLASS, class)
            .set(SOURCE_KEY, source_key)
            .set(BATCH_ID, batch.map(str::to_owned))
            .set(OLD_VALUE_INFERRED, false)
            .set(SOURCE_SYSTEM, "pipedrive")
            .set(SOURCE_FILE, "t")
            .set(SOURCE_LINE, Cell::Int(1));
        row
    }

    /// May 2025: 22 working days, month end = Thu 29 and Fri 30 (K = 2).
    /// People push 2 close dates every working day (4 of 44 at month end);
    /// a bot pushes 8, all at month end; a manager's bulk edit of 20 rows on
    /// the 30th is one batch.
    fn inputs() -> Inputs {
        let mut changes = TableBuffer::new(Table::DealChanges);
        let cal = WorkCalendar::default();
        let mut n = 0;
        for day in NaiveDate::from_ymd_opt(2025, 5, 1).unwrap().iter_days().take(31) {
            if !cal.is_working(day) {
                continue;
            }
            for hour in [10, 15] {
                n += 1;
                let at = format!("{day}T{hour}:00:00Z");
                changes.push(&change(&format!("h{n}"), &at, "human:ui", "human_ui", None));
            }
        }
        for i in 0..8 {
            let at = format!("2025-05-{}T0{}:00:00Z", 29 + i % 2, 1 + i / 2);
            changes.push(&change(&format!("b{i}"), &at, "api:bot", "api", None));
        }
        for i in 0..20 {
            let at = "2025-05-30T16:00:00Z";
            changes.push(&change(&format!("k{i}"), at, "human:bulk", "bulk", Some("batch-1")));
        }
        let mut frames = BTreeMap::new();
        for table in Table::ALL {
            frames.insert(table, empty_frame(table).unwrap());
        }
        frames.insert(Table::DealChanges, changes.finish().unwrap());
        Inputs::new(&frames)
    }

    fn ctx() -> RunContext {
        RunContext {
            config: Config::parse("").unwrap(),
            zone: chrono_tz::UTC,
            calendar: WorkCalendar::default(),
            as_of: Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap(),
            since: None,
            until: None,
        }
    }

    #[test]
    fn bot_is_flagged_people_and_bulk_batch_are_not() {
        let out = MonthEndSpikes.run(&inputs(), &ctx()).unwrap();
        let segments: Vec<&str> = out.findings.iter().map(|f| f.segment.as_str()).collect();
        assert_eq!(segments, ["api:bot/close_date_edited", "api:bot/close_date_pushed"]);
        let f = &out.findings[1];
        // 8 of 8 at month end against people's 4 of 44.
        assert!((f.value - 11.0).abs() < 1e-9, "lift {}", f.value);
        assert_eq!(f.severity, Severity::Warn, "one month flagged is a warning");
        let changes = f.evidence.iter().filter(|e| e.0 == "deal_change").count();
        assert_eq!(changes, 8);
    }

    #[test]
    fn a_bulk_edit_counts_once_per_batch() {
        let out = MonthEndSpikes.run(&inputs(), &ctx()).unwrap();
        let table = &out.tables[0].1;
        let keys = strs(table, SOURCE_KEY).unwrap();
        let n = u64s(table, out::N_EVENTS).unwrap();
        let bulk: Vec<u64> =
            (0..keys.len()).filter(|i| keys[*i] == "human:bulk").map(|i| n[i]).collect();
        assert_eq!(bulk, [1, 1], "one event per family (edited, pushed)");
    }

    #[test]
    fn uniform_share_and_p_values_use_working_days() {
        let out = MonthEndSpikes.run(&inputs(), &ctx()).unwrap();
        let table = &out.tables[0].1;
        let keys = strs(table, SOURCE_KEY).unwrap();
        let p0 = f64s(table, out::P_UNIFORM).unwrap();
        let p = f64s(table, out::P_VALUE_UNIFORM).unwrap();
        let bot = keys.iter().position(|k| k == "api:bot").unwrap();
        assert!((p0[bot] - 2.0 / 22.0).abs() < 1e-12);
        // scipy 1.17.1: binomtest(8, 8, 2/22, alternative='greater').pvalue
        assert!((p[bot] - 4.665_073_802_097_335e-9).abs() < 1e-15, "{}", p[bot]);
    }
}
