//! `sync_gaps`: integrations that go silent or suddenly write much less.
//! (DESIGN.md §4.11)
//!
//! Per integration (a `source_key` of the change log whose class is an
//! integration, an API client or automation), writes are counted per working
//! day of the company calendar (local dates, weekends and holidays off) from
//! its first write to `--as-of`. A day's baseline is the median and the median
//! absolute deviation (MAD) of the writes on the working days of the 28
//! calendar days before it — before the first day of a silence, for every day
//! of that silence, so a long silence does not erase its own baseline. Where
//! the baseline median is at least 5 the integration "normally writes". With
//! the robust z = (x − median) / (1.4826 × MAD) (1.4826 = 1 / Φ⁻¹(0.75), as
//! scipy's `median_abs_deviation(scale="normal")`; MAD floored at 0.5 writes),
//! a normal day with z ≤ −3.5 is a gap day when it has no writes and a sudden
//! drop when it has some. Requiring z ≤ −3.5 of a zero day too keeps bursty
//! writers (a workflow automation whose daily count swings from 0 to 15) from
//! raising one-day "gaps" that are just their own variation; a steady sync
//! going silent has z far below −3.5. A drop must also be to at most 25% of
//! the median: counts of a Poisson-like writer over 20 days can give a MAD
//! so small that 12 writes against a median of 18 reach z ≤ −3.5, which is
//! noise, not an outage. Consecutive gap days (in the working-day
//! series) are merged into one gap interval. The age of the last write at
//! `--as-of` is reported per integration.
//!
//! Cost: one group-by of the change log by source and local day; the day loop
//! runs on that small aggregated frame (sources × days).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use polars::prelude::*;
use serde::Deserialize;

use super::frame::{i64s, strs, u64s};

use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::ingest::parse;
use crate::model::col::*;
use crate::model::{SourceClass, Table};
use crate::text::thousands;

/// The check.
pub struct SyncGaps;

static META: CheckMeta = CheckMeta {
    name: "sync_gaps",
    purpose: "Integrations that go silent on working days or suddenly write much less",
    needs: &[Table::DealChanges, Table::Deals],
    outputs: &["sync_gaps", "sync_daily"],
};

/// Thresholds of `sync_gaps` (DESIGN.md §4.11).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncGapsConfig {
    /// Calendar days of the trailing baseline window.
    pub baseline_days: i64,
    /// A source "normally writes" on a day whose baseline median is at least this.
    pub min_median: f64,
    /// Robust z at or below this is a sudden drop (or, with no writes, a gap day).
    pub drop_z: f64,
    /// A sudden drop must also be to at most this share of the baseline median.
    pub max_drop_share: f64,
    /// Fewest working days in the baseline window for it to count.
    pub min_baseline_days: usize,
    /// A gap of at least this many working days is failing (shorter: warning).
    pub fail_gap_days: usize,
}

impl Default for SyncGapsConfig {
    fn default() -> Self {
        SyncGapsConfig {
            baseline_days: 28,
            min_median: 5.0,
            drop_z: -3.5,
            max_drop_share: 0.25,
            min_baseline_days: 10,
            fail_gap_days: 3,
        }
    }
}

/// 1 / Φ⁻¹(3/4): scales a MAD to a normal σ (scipy's `scale="normal"`).
pub const MAD_TO_SIGMA: f64 = 1.482_602_218_505_602;
/// MAD floor, in writes, so a constant baseline does not give infinite z.
const MAD_FLOOR: f64 = 0.5;

impl Check for SyncGaps {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let counts = daily_counts(input, ctx)?;
        let days = assess(&counts, ctx);
        let gaps = gap_intervals(&days, ctx);
        let last = last_seen(input, ctx)?;
        let mut findings = Vec::new();
        for g in &gaps {
            findings.push(gap_finding(g, input, ctx)?);
        }
        findings.extend(drop_findings(&days, input, ctx)?);
        let metrics = metrics(&days, &gaps, &last);
        let chart = chart(&days);
        let section = section(&gaps, &days, &last, &findings, ctx);
        Ok(CheckOutput {
            tables: vec![
                ("sync_gaps", gaps_frame(&gaps, &last)?),
                ("sync_daily", daily_frame(&days)?),
            ],
            findings,
            metrics,
            charts: vec![chart],
            section,
        })
    }
}

/// Column names of this check's frames and output tables.
mod out {
    pub const DAY: &str = "day";
    pub const WRITES: &str = "writes";
    pub const MEDIAN: &str = "baseline_median";
    pub const MAD: &str = "baseline_mad";
    pub const Z: &str = "robust_z";
    pub const NORMAL: &str = "normally_writes";
    pub const GAP_DAY: &str = "gap_day";
    pub const DROP_DAY: &str = "drop_day";
    pub const KIND: &str = "kind";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const WORKING_DAYS: &str = "working_days";
    pub const OPEN: &str = "open_at_as_of";
    pub const LAST_SEEN: &str = "last_seen";
    pub const AGE_DAYS: &str = "last_seen_age_days";
}

/// The source classes treated as integrations.
fn is_integration() -> Expr {
    let classes = [SourceClass::Integration, SourceClass::Api, SourceClass::Automation];
    classes
        .iter()
        .map(|c| col(SOURCE_CLASS).eq(lit(c.as_str())))
        .reduce(Expr::or)
        .unwrap_or(lit(false))
}

fn local_day(ctx: &RunContext) -> Expr {
    col(CHANGED_AT).dt().convert_time_zone(TimeZone::from_chrono(&ctx.zone)).dt().date()
}

/// Writes per (source, local day): source → day → count.
fn daily_counts(
    input: &Inputs,
    ctx: &RunContext,
) -> Result<BTreeMap<String, BTreeMap<NaiveDate, u64>>> {
    let df = input
        .get(Table::DealChanges)
        .filter(is_integration())
        .group_by([col(SOURCE_KEY), local_day(ctx).alias(out::DAY)])
        .agg([len().cast(DataType::UInt64).alias(out::WRITES)])
        .sort([SOURCE_KEY, out::DAY], SortMultipleOptions::default())
        .collect()?;
    let source = strs(&df, SOURCE_KEY)?;
    let day = day_numbers(&df, out::DAY)?;
    let writes = u64s(&df, out::WRITES)?;
    let mut map: BTreeMap<String, BTreeMap<NaiveDate, u64>> = BTreeMap::new();
    for i in 0..df.height() {
        map.entry(source[i].clone()).or_default().insert(parse::day(day[i]), writes[i]);
    }
    Ok(map)
}

/// One working day of one source, assessed.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// Source key.
    pub source: String,
    /// Local working day.
    pub day: NaiveDate,
    /// Writes that day.
    pub writes: u64,
    /// Baseline median (None: too few baseline days).
    pub median: Option<f64>,
    /// Baseline MAD (unscaled).
    pub mad: Option<f64>,
    /// Robust z of the day's writes.
    pub z: Option<f64>,
    /// Baseline median ≥ the threshold.
    pub normal: bool,
    /// No writes on a normal day.
    pub gap: bool,
    /// Writes, but a sudden drop.
    pub drop: bool,
}

/// Median of a non-empty slice (sorted copy; mean of the middle two).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Median absolute deviation from the median (unscaled, as scipy's
/// `median_abs_deviation` with `scale=1.0`).
pub fn mad(values: &[f64]) -> f64 {
    let m = median(values);
    let dev: Vec<f64> = values.iter().map(|v| (v - m).abs()).collect();
    median(&dev)
}

/// Robust z of `x` against a baseline (MAD scaled to σ, floored).
pub fn robust_z(x: f64, median: f64, mad: f64) -> f64 {
    (x - median) / (MAD_TO_SIGMA * mad.max(MAD_FLOOR))
}

/// Working days from `from` to `to`, inclusive.
fn working_days(from: NaiveDate, to: NaiveDate, ctx: &RunContext) -> Vec<NaiveDate> {
    from.iter_days().take_while(|d| *d <= to).filter(|d| ctx.calendar.is_working(*d)).collect()
}

/// Assesses every working day of every source, from its first write to as-of.
pub fn assess(counts: &BTreeMap<String, BTreeMap<NaiveDate, u64>>, ctx: &RunContext) -> Vec<Day> {
    let as_of = ctx.as_of.with_timezone(&ctx.zone).date_naive();
    let mut out = Vec::new();
    for (source, per_day) in counts {
        let Some(first) = per_day.keys().next().copied() else { continue };
        let days = working_days(first, as_of, ctx);
        let writes: Vec<u64> = days.iter().map(|d| per_day.get(d).copied().unwrap_or(0)).collect();
        out.extend(assess_series(source, &days, &writes, ctx));
    }
    out
}

/// Assesses one source's working-day series.
fn assess_series(source: &str, days: &[NaiveDate], writes: &[u64], ctx: &RunContext) -> Vec<Day> {
    let cfg = &ctx.config.sync_gaps;
    let mut out = Vec::with_capacity(days.len());
    let mut run_start: Option<NaiveDate> = None;
    for (i, (&day, &x)) in days.iter().zip(writes).enumerate() {
        let anchor = if x == 0 { *run_start.get_or_insert(day) } else { day };
        if x > 0 {
            run_start = None;
        }
        let lo = anchor - Duration::days(cfg.baseline_days);
        let window: Vec<f64> = (0..i)
            .filter(|&j| days[j] >= lo && days[j] < anchor)
            .map(|j| writes[j] as f64)
            .collect();
        let (m, d) = if window.len() >= cfg.min_baseline_days {
            (Some(median(&window)), Some(mad(&window)))
        } else {
            (None, None)
        };
        let z = m.zip(d).map(|(m, d)| robust_z(x as f64, m, d));
        let normal = m.is_some_and(|m| m >= cfg.min_median);
        let outlier = z.is_some_and(|z| z <= cfg.drop_z);
        out.push(Day {
            source: source.to_owned(),
            day,
            writes: x,
            median: m,
            mad: d,
            z,
            normal,
            gap: normal && outlier && x == 0,
            drop: normal && outlier && x > 0 && x as f64 <= cfg.max_drop_share * m.unwrap_or(0.0),
        });
    }
    out
}

/// A merged run of gap days of one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Source key.
    pub source: String,
    /// First working day with no writes.
    pub start: NaiveDate,
    /// Last working day with no writes.
    pub end: NaiveDate,
    /// Working days in the gap.
    pub working_days: usize,
    /// The gap runs to the as-of day.
    pub open: bool,
    /// Baseline median writes per working day before the gap.
    pub median: f64,
}

/// Consecutive gap days (consecutive in the source's working-day series).
pub fn gap_intervals(days: &[Day], ctx: &RunContext) -> Vec<Gap> {
    let as_of = ctx.as_of.with_timezone(&ctx.zone).date_naive();
    let mut gaps: Vec<Gap> = Vec::new();
    let mut prev: Option<&Day> = None;
    for d in days {
        let continues = prev.is_some_and(|p| p.source == d.source && p.gap);
        match (d.gap, continues, gaps.last_mut()) {
            (true, true, Some(g)) => {
                g.end = d.day;
                g.working_days += 1;
            },
            (true, _, _) => gaps.push(Gap {
                source: d.source.clone(),
                start: d.day,
                end: d.day,
                working_days: 1,
                open: false,
                median: d.median.unwrap_or(0.0),
            }),
            _ => {},
        }
        prev = Some(d);
    }
    for g in &mut gaps {
        let last_working = days.iter().filter(|d| d.source == g.source).map(|d| d.day).max();
        g.open = last_working == Some(g.end) || g.end >= as_of;
    }
    gaps
}

/// Last write per source and its age in days at as-of.
fn last_seen(input: &Inputs, ctx: &RunContext) -> Result<Vec<(String, i64, f64)>> {
    let df = input
        .get(Table::DealChanges)
        .filter(is_integration())
        .group_by([col(SOURCE_KEY)])
        .agg([col(CHANGED_AT).max().cast(DataType::Int64).alias(out::LAST_SEEN)])
        .sort([SOURCE_KEY], SortMultipleOptions::default())
        .collect()?;
    let source = strs(&df, SOURCE_KEY)?;
    let last = i64s(&df, out::LAST_SEEN)?;
    let as_of = ctx.as_of.timestamp_micros();
    Ok(source
        .into_iter()
        .zip(last)
        .map(|(s, l)| (s, l, (as_of - l) as f64 / 86_400_000_000.0))
        .collect())
}

fn day_start_us(day: NaiveDate, ctx: &RunContext) -> i64 {
    parse::local_to_utc(day.and_time(chrono::NaiveTime::MIN), ctx.zone)
}

/// Changes of `source` in [from, to) (local days), sorted by time then key.
fn changes_between(
    input: &Inputs,
    source: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    ctx: &RunContext,
) -> LazyFrame {
    let mut lf = input.get(Table::DealChanges).filter(col(SOURCE_KEY).eq(lit(source.to_owned())));
    let us = col(CHANGED_AT).cast(DataType::Int64);
    if let Some(f) = from {
        lf = lf.filter(us.clone().gt_eq(lit(day_start_us(f, ctx))));
    }
    if let Some(t) = to {
        lf = lf.filter(us.lt(lit(day_start_us(t, ctx))));
    }
    lf.sort([CHANGED_AT, CHANGE_KEY], SortMultipleOptions::default())
}

/// The last write before a gap and the first after it, plus the open value
/// of the deals the source wrote to in the baseline window before it.
fn gap_finding(g: &Gap, input: &Inputs, ctx: &RunContext) -> Result<Finding> {
    let cfg = &ctx.config.sync_gaps;
    let before = changes_between(input, &g.source, None, Some(g.start), ctx)
        .select([col(CHANGE_KEY)])
        .tail(1)
        .collect()?;
    let after = changes_between(input, &g.source, g.end.succ_opt(), None, ctx)
        .select([col(CHANGE_KEY)])
        .limit(1)
        .collect()?;
    let lo = g.start - Duration::days(cfg.baseline_days);
    let touched = changes_between(input, &g.source, Some(lo), Some(g.start), ctx)
        .select([col(DEAL_KEY)])
        .unique_stable(None, UniqueKeepStrategy::First)
        .collect()?;
    let deals = strs(&touched, DEAL_KEY)?;
    let mut evidence: Vec<(&'static str, String)> = Vec::new();
    for df in [&before, &after] {
        evidence.extend(strs(df, CHANGE_KEY)?.into_iter().map(|k| ("deal_change", k)));
    }
    let severity =
        if g.working_days >= cfg.fail_gap_days { Severity::Fail } else { Severity::Warn };
    let message = format!(
        "`{}` wrote nothing on {} working day(s) from {} to {}{} (it normally writes {:.0} a day)",
        g.source,
        g.working_days,
        g.start,
        g.end,
        if g.open { ", still silent at the as-of date" } else { "" },
        g.median,
    );
    Ok(Finding {
        severity,
        segment: g.source.clone(),
        metric: "gap_working_days".to_owned(),
        value: g.working_days as f64,
        threshold: 1.0,
        message,
        value_at_stake: Some(open_value(input, &deals)?),
        evidence,
    })
}

/// One warning per source with sudden-drop days; evidence = that day's writes.
fn drop_findings(days: &[Day], input: &Inputs, ctx: &RunContext) -> Result<Vec<Finding>> {
    let cfg = &ctx.config.sync_gaps;
    let mut per: BTreeMap<&str, Vec<&Day>> = BTreeMap::new();
    for d in days.iter().filter(|d| d.drop) {
        per.entry(d.source.as_str()).or_default().push(d);
    }
    let mut out = Vec::new();
    for (source, drops) in per {
        let day_numbers: Vec<i32> = drops.iter().map(|d| parse::days(d.day)).collect();
        let on_days = Series::new("__days".into(), day_numbers).cast(&DataType::Date)?;
        let df = input
            .get(Table::DealChanges)
            .filter(col(SOURCE_KEY).eq(lit(source.to_owned())))
            .filter(local_day(ctx).is_in(lit(on_days).implode(false), false))
            .sort([CHANGED_AT, CHANGE_KEY], SortMultipleOptions::default())
            .select([col(CHANGE_KEY)])
            .collect()?;
        let evidence: Vec<(&'static str, String)> =
            strs(&df, CHANGE_KEY)?.into_iter().map(|k| ("deal_change", k)).collect();
        let worst = drops.iter().filter_map(|d| d.z).fold(f64::INFINITY, f64::min);
        let list: Vec<String> = drops.iter().map(|d| format!("{} ({})", d.day, d.writes)).collect();
        out.push(Finding {
            severity: Severity::Warn,
            segment: source.to_owned(),
            metric: "sudden_drop_days".to_owned(),
            value: worst,
            threshold: cfg.drop_z,
            message: format!(
                "`{source}` wrote far less than usual on {} working day(s): {}",
                drops.len(),
                list.join(", ")
            ),
            value_at_stake: None,
            evidence,
        });
    }
    Ok(out)
}

fn metrics(days: &[Day], gaps: &[Gap], last: &[(String, i64, f64)]) -> Vec<Metric> {
    let mut out = Vec::new();
    for (source, _, age) in last {
        let seg = source.clone();
        let n_gap =
            gaps.iter().filter(|g| &g.source == source).map(|g| g.working_days).sum::<usize>();
        let n_drop = days.iter().filter(|d| &d.source == source && d.drop).count();
        let n_days = days.iter().filter(|d| &d.source == source).count();
        out.push(Metric {
            metric: "working_days".into(),
            segment: seg.clone(),
            value: n_days as f64,
        });
        out.push(Metric { metric: "gap_days".into(), segment: seg.clone(), value: n_gap as f64 });
        out.push(Metric { metric: "drop_days".into(), segment: seg.clone(), value: n_drop as f64 });
        out.push(Metric { metric: "last_seen_age_days".into(), segment: seg, value: *age });
    }
    out
}

/// Writes per working week (Monday) per source that ever normally writes.
fn chart(days: &[Day]) -> Chart {
    let normal: Vec<&str> = {
        let mut v: Vec<&str> =
            days.iter().filter(|d| d.normal).map(|d| d.source.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let week = |d: NaiveDate| {
        d - Duration::days(i64::from(chrono::Datelike::weekday(&d).num_days_from_monday()))
    };
    let mut weeks: Vec<NaiveDate> =
        days.iter().filter(|d| normal.contains(&d.source.as_str())).map(|d| week(d.day)).collect();
    weeks.sort_unstable();
    weeks.dedup();
    let series = normal
        .iter()
        .map(|s| {
            let mut v = vec![0.0; weeks.len()];
            for d in days.iter().filter(|d| d.source == *s) {
                if let Ok(i) = weeks.binary_search(&week(d.day)) {
                    v[i] += d.writes as f64;
                }
            }
            ((*s).to_owned(), v)
        })
        .collect();
    Chart {
        file: "sync_gaps".to_owned(),
        title: "Writes per week by integrations that write daily".to_owned(),
        x_label: "week (Monday)".to_owned(),
        y_label: "writes".to_owned(),
        y_share: false,
        x_categories: weeks.iter().map(NaiveDate::to_string).collect(),
        series,
    }
}

fn gaps_frame(gaps: &[Gap], last: &[(String, i64, f64)]) -> Result<DataFrame> {
    let age = |s: &str| last.iter().find(|l| l.0 == s).map(|l| l.2);
    let df = df!(
        SOURCE_KEY => gaps.iter().map(|g| g.source.clone()).collect::<Vec<_>>(),
        out::KIND => gaps.iter().map(|_| "gap").collect::<Vec<_>>(),
        out::START => gaps.iter().map(|g| parse::days(g.start)).collect::<Vec<_>>(),
        out::END => gaps.iter().map(|g| parse::days(g.end)).collect::<Vec<_>>(),
        out::WORKING_DAYS => gaps.iter().map(|g| g.working_days as u32).collect::<Vec<_>>(),
        out::MEDIAN => gaps.iter().map(|g| g.median).collect::<Vec<_>>(),
        out::OPEN => gaps.iter().map(|g| g.open).collect::<Vec<_>>(),
        out::AGE_DAYS => gaps.iter().map(|g| age(&g.source)).collect::<Vec<_>>(),
    )?;
    Ok(df
        .lazy()
        .with_columns([col(out::START).cast(DataType::Date), col(out::END).cast(DataType::Date)])
        .sort([SOURCE_KEY, out::START], SortMultipleOptions::default())
        .collect()?)
}

fn daily_frame(days: &[Day]) -> Result<DataFrame> {
    let df = df!(
        SOURCE_KEY => days.iter().map(|d| d.source.clone()).collect::<Vec<_>>(),
        out::DAY => days.iter().map(|d| parse::days(d.day)).collect::<Vec<_>>(),
        out::WRITES => days.iter().map(|d| d.writes).collect::<Vec<_>>(),
        out::MEDIAN => days.iter().map(|d| d.median).collect::<Vec<_>>(),
        out::MAD => days.iter().map(|d| d.mad).collect::<Vec<_>>(),
        out::Z => days.iter().map(|d| d.z).collect::<Vec<_>>(),
        out::NORMAL => days.iter().map(|d| d.normal).collect::<Vec<_>>(),
        out::GAP_DAY => days.iter().map(|d| d.gap).collect::<Vec<_>>(),
        out::DROP_DAY => days.iter().map(|d| d.drop).collect::<Vec<_>>(),
    )?;
    Ok(df
        .lazy()
        .with_column(col(out::DAY).cast(DataType::Date))
        .sort([SOURCE_KEY, out::DAY], SortMultipleOptions::default())
        .collect()?)
}

fn section(
    gaps: &[Gap],
    days: &[Day],
    last: &[(String, i64, f64)],
    findings: &[Finding],
    ctx: &RunContext,
) -> Section {
    let cfg = &ctx.config.sync_gaps;
    let tested = format!(
        "For every integration, API client and automation, writes to deals are counted per \
         working day ({zone}, weekends and {h} configured holidays off). A day's baseline is the \
         median of the working days in the {b} calendar days before it (before the silence began, \
         for a silence). Where that median is at least {m}, the integration normally writes. A \
         day whose robust z-score (distance from the median in units of 1.4826 × the median \
         absolute deviation) is {z} or lower is then a gap day when it has no writes — \
         consecutive gap days form one gap — and a sudden drop when it has some but at most \
         {r:.0}% of the median. A writer whose daily count often swings to zero on its own is \
         therefore not flagged for a single quiet day. The time since each integration's last \
         write is reported.",
        zone = ctx.zone,
        h = ctx.config.company.holidays.len(),
        b = cfg.baseline_days,
        m = cfg.min_median,
        z = cfg.drop_z,
        r = 100.0 * cfg.max_drop_share,
    );
    let found = found_text(gaps, days, last, findings);
    let todo = if gaps.is_empty() && findings.is_empty() {
        "Nothing to do: integrations that write daily did so on every working day.".to_owned()
    } else {
        "Ask each flagged integration's owner what failed during the gap, whether the missed \
         updates were replayed, and add an alert on a working day with no writes. Until then, \
         treat the fields it maintains on the deals it touches as stale for the gap."
            .to_owned()
    };
    let caveats = format!(
        "Only integrations with a baseline median of at least {} writes per working day are \
         judged; sparse or month-end-only writers are not. Days before an integration's first \
         write are not counted; a silence at the very end runs to the as-of date.",
        cfg.min_median
    );
    Section { tested, found, todo, caveats }
}

/// What was found: the gaps with money at stake, then every integration.
fn found_text(gaps: &[Gap], days: &[Day], last: &[(String, i64, f64)], f: &[Finding]) -> String {
    let gap_findings: Vec<&Finding> = f.iter().filter(|f| f.metric == "gap_working_days").collect();
    let at_stake: f64 = gap_findings.iter().filter_map(|f| f.value_at_stake).sum();
    if last.is_empty() {
        return "The change log has no writes by integrations, API clients or automation."
            .to_owned();
    }
    let mut text = match gaps.len() {
        0 => "No integration went silent on a day it normally writes.".to_owned(),
        n => format!(
            "{n} gap(s) found. The open deals these integrations updated in the baseline window \
             before going silent hold {} of pipeline.\n\n | integration | first silent day | last \
             silent day | working days | usual writes / day | open pipeline it updates | still \
             silent |\n|---|---|---|---:|---:|---:|---|\n",
            thousands(at_stake)
        ),
    };
    for (g, f) in gaps.iter().zip(&gap_findings) {
        text.push_str(&format!(
            "| `{}` | {} | {} | {} | {:.0} | {} | {} |\n",
            g.source,
            g.start,
            g.end,
            g.working_days,
            g.median,
            thousands(f.value_at_stake.unwrap_or(0.0)),
            if g.open { "yes" } else { "no" }
        ));
    }
    text.push_str(
        "\n| integration | working days | days it normally writes | gap days | sudden drops \
         | last write (days before as-of) |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (source, _, age) in last {
        let mine = || days.iter().filter(|d| &d.source == source);
        text.push_str(&format!(
            "| `{source}` | {} | {} | {} | {} | {age:.1} |\n",
            mine().count(),
            mine().filter(|d| d.normal).count(),
            mine().filter(|d| d.gap).count(),
            mine().filter(|d| d.drop).count(),
        ));
    }
    text
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
    let s = df.column(VALUE)?.as_materialized_series().cast(&DataType::Float64)?;
    Ok(s.f64()?.get(0).filter(|v| !v.is_nan()).unwrap_or(0.0))
}

fn day_numbers(df: &DataFrame, name: &str) -> Result<Vec<i32>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Int32)?;
    Ok(s.i32()?.iter().map(|v| v.unwrap_or(0)).collect())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};

    use super::*;
    use crate::calendar::WorkCalendar;
    use crate::checks::test_inputs::canonical;
    use crate::config::Config;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn ctx(as_of: NaiveDate, holidays: &[NaiveDate]) -> RunContext {
        let end = as_of.and_hms_opt(23, 0, 0).unwrap();
        RunContext {
            config: Config::default(),
            zone: chrono_tz::UTC,
            calendar: WorkCalendar::new(holidays.iter().copied()),
            as_of: Utc.from_utc_datetime(&end),
            since: None,
            until: None,
        }
    }

    /// Writes on every working day from `from` to `to`, from `f(day index)`.
    fn series(
        ctx: &RunContext,
        from: NaiveDate,
        to: NaiveDate,
        f: impl Fn(usize, NaiveDate) -> u64,
    ) -> BTreeMap<NaiveDate, u64> {
        working_days(from, to, ctx)
            .into_iter()
            .enumerate()
            .map(|(i, day)| (day, f(i, day)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    // python3 -c "from scipy.stats import median_abs_deviation as m; import numpy as np;
    //   x=[5,6,6,5,7,6,5,6,6,8,4,6]; print(np.median(x), m(x), m(x, scale='normal'),
    //   (1-np.median(x))/m(x, scale='normal'))"
    // -> 6.0 0.5 0.741301109252801 -6.744897501960817
    const STEADY: [f64; 12] = [5.0, 6.0, 6.0, 5.0, 7.0, 6.0, 5.0, 6.0, 6.0, 8.0, 4.0, 6.0];
    // python3 -c "from scipy.stats import median_abs_deviation as m; import numpy as np;
    //   x=[0,3,9,12,1,7,6,15,2,8,5,0,11]; print(np.median(x), m(x), m(x, scale='normal'),
    //   (0-np.median(x))/m(x, scale='normal'))"
    // -> 6.0 4.0 5.930408874022408 -1.0117346252941224
    const BURSTY: [f64; 13] = [0.0, 3.0, 9.0, 12.0, 1.0, 7.0, 6.0, 15.0, 2.0, 8.0, 5.0, 0.0, 11.0];

    #[test]
    fn median_mad_and_z_equal_scipy() {
        assert!((median(&STEADY) - 6.0).abs() < 1e-9);
        assert!((mad(&STEADY) - 0.5).abs() < 1e-9);
        assert!((MAD_TO_SIGMA * mad(&STEADY) - 0.741301109252801).abs() < 1e-9);
        assert!((robust_z(1.0, 6.0, 0.5) - -6.744897501960817).abs() < 1e-9);
        assert!((mad(&BURSTY) - 4.0).abs() < 1e-9);
        assert!((robust_z(0.0, median(&BURSTY), mad(&BURSTY)) - -1.0117346252941224).abs() < 1e-9);
        // MAD 0 is floored at 0.5 writes.
        assert!((robust_z(5.0, 6.0, 0.0) - robust_z(5.0, 6.0, 0.5)).abs() < 1e-12);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn a_silence_of_a_steady_sync_is_one_gap_across_weekend_and_holiday() {
        // Mar–Jun 2026; silent from Mon 06-08 to Fri 06-19, 06-19 a holiday.
        let holiday = d(6, 19);
        let c = ctx(d(6, 30), &[holiday]);
        let per_day = series(&c, d(3, 2), d(6, 30), |i, day| {
            if day >= d(6, 8) && day <= d(6, 21) { 0 } else { 5 + (i % 2) as u64 }
        });
        let counts = BTreeMap::from([("sync".to_owned(), per_day)]);
        let days = assess(&counts, &c);
        let gaps = gap_intervals(&days, &c);
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        let g = &gaps[0];
        assert_eq!((g.start, g.end, g.working_days, g.open), (d(6, 8), d(6, 18), 9, false));
        assert!((g.median - 5.5).abs() < 1e-12);
        assert!(days.iter().all(|x| !x.drop));
        assert!(!days.iter().any(|x| x.day == holiday), "holidays are not counted");
    }

    #[test]
    fn a_bursty_writer_is_not_flagged_for_quiet_days() {
        let c = ctx(d(6, 30), &[]);
        let per_day = series(&c, d(3, 2), d(6, 30), |i, _| BURSTY[i % BURSTY.len()] as u64);
        let counts = BTreeMap::from([("auto".to_owned(), per_day)]);
        let days = assess(&counts, &c);
        assert!(days.iter().any(|x| x.normal && x.writes == 0));
        assert!(days.iter().all(|x| !x.gap && !x.drop));
    }

    #[test]
    fn a_sudden_drop_and_an_open_gap_are_found() {
        let c = ctx(d(6, 30), &[]);
        let per_day = series(&c, d(3, 2), d(6, 30), |i, day| match day {
            x if x == d(5, 5) => 1,
            x if x == d(5, 6) => 4,
            x if x >= d(6, 25) => 0,
            _ => STEADY[i % STEADY.len()] as u64,
        });
        let counts = BTreeMap::from([("sync".to_owned(), per_day)]);
        let days = assess(&counts, &c);
        let drops: Vec<NaiveDate> = days.iter().filter(|x| x.drop).map(|x| x.day).collect();
        assert_eq!(drops, [d(5, 5)], "4 writes against a median of 6 is not a drop");
        let gaps = gap_intervals(&days, &c);
        assert_eq!(gaps.len(), 1);
        assert_eq!((gaps[0].start, gaps[0].end, gaps[0].open), (d(6, 25), d(6, 30), true));
        assert_eq!(gaps[0].working_days, 4);
    }

    #[test]
    fn findings_carry_the_bounding_writes_and_the_drop_day_writes() {
        let c = ctx(d(5, 29), &[]);
        let per_day = series(&c, d(3, 2), d(5, 29), |_, day| match day {
            x if x == d(5, 5) => 1,
            x if x >= d(5, 18) && x <= d(5, 22) => 0,
            _ => 6,
        });
        let mut keys = Vec::new();
        let mut times = Vec::new();
        for (day, n) in &per_day {
            for i in 0..*n {
                keys.push(format!("c{day}-{i}"));
                let at = day.and_hms_opt(10, i as u32, 0).unwrap();
                times.push(Utc.from_utc_datetime(&at).timestamp_micros());
            }
        }
        let n = keys.len();
        let changes = df!(
            CHANGE_KEY => keys,
            CHANGED_AT => times,
            DEAL_KEY => vec!["d1"; n],
            FIELD => vec!["value"; n],
            SOURCE_CLASS => vec![SourceClass::Integration.as_str(); n],
            SOURCE_KEY => vec!["integration:billing"; n],
        )
        .unwrap();
        let mut frames: BTreeMap<Table, DataFrame> =
            Table::ALL.iter().map(|t| (*t, DataFrame::empty_with_schema(&t.schema()))).collect();
        frames.insert(Table::DealChanges, canonical(Table::DealChanges, &changes));
        let out = SyncGaps.run(&Inputs::new(&frames), &c).unwrap();
        let by: BTreeMap<&str, &Finding> =
            out.findings.iter().map(|f| (f.metric.as_str(), f)).collect();
        let gap = by["gap_working_days"];
        assert_eq!((gap.value, gap.severity), (5.0, Severity::Fail));
        let ev: Vec<&str> = gap.evidence.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(ev, ["c2026-05-15-5", "c2026-05-25-0"]);
        let drop = by["sudden_drop_days"];
        let ev: Vec<&str> = drop.evidence.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(ev, ["c2026-05-05-0"]);
        assert!((drop.value - robust_z(1.0, 6.0, 0.0)).abs() < 1e-12);
        assert_eq!(out.tables[0].1.height(), 1);
    }

    #[test]
    fn a_drop_must_also_be_to_a_quarter_of_the_median() {
        let c = ctx(d(6, 30), &[]);
        let per_day = series(&c, d(3, 2), d(6, 30), |i, day| match day {
            x if x == d(5, 13) => 2,
            x if x == d(6, 10) => 1,
            _ => 5 + (i % 2) as u64,
        });
        let counts = BTreeMap::from([("sync".to_owned(), per_day)]);
        let days = assess(&counts, &c);
        let at = |day| days.iter().find(|x| x.day == day).unwrap();
        // 2 against 5.5 (MAD 0.5): z = -4.72 but 36% of the median.
        assert!(at(d(5, 13)).z.unwrap() <= -3.5 && !at(d(5, 13)).drop);
        assert!(at(d(6, 10)).drop, "1 against 5.5 is 18% of the median");
    }

    #[test]
    fn sparse_or_new_writers_are_not_judged() {
        let c = ctx(d(3, 20), &[]);
        // Only 9 working days of history before the silence: no baseline.
        let per_day = series(&c, d(3, 2), d(3, 20), |_, day| if day < d(3, 13) { 6 } else { 0 });
        let sparse = series(&c, d(3, 2), d(3, 20), |i, _| u64::from(i % 5 == 0) * 3);
        let counts = BTreeMap::from([("new".to_owned(), per_day), ("sparse".to_owned(), sparse)]);
        let days = assess(&counts, &c);
        assert!(days.iter().all(|x| !x.normal && !x.gap));
        assert!(gap_intervals(&days, &c).is_empty());
    }
}
