//! `timestamp_drift`: do calendar syncs write meetings at the wrong time?
//! (DESIGN.md §4.4)
//!
//! Calendar events are matched to CRM activities by reference id (the
//! activity's `calendar_ref` = the event UID), else — for activities with no
//! reference — by owner (the event organiser's e-mail is a CRM user's),
//! subjects with Jaro–Winkler ≥ 0.9 after case and space folding, and starts
//! within ±36 h (nearest first, each activity and event used once). The
//! offset Δ = activity start − event start (all-day: dates at midnight) is
//! classed, with a tolerance of 2 min, as: exact (|Δ| ≤ 2 min); day shift
//! (|Δ| = 24 h); whole hour (a non-zero multiple of 60 min); DST-only (±1 h
//! where, within the same source, zone and sign, every such pair has its
//! event in summer time per the tz database — zone = the event's resolved
//! zone, else the activity's source zone); half/quarter hour (a multiple of
//! 15 min: real zones such as +5:30, +5:45, +9:30); all-day vs timed; or
//! other. Per syncing integration (the activity's creator user) and per
//! owner: pairs, share drifted, modal offset; a source with at least 10 pairs
//! is flagged when more than 5% drift (failing from 10%). Impossible orders
//! (won before created, done before created) and timestamps more than 24 h
//! past `--as-of` are reported too.
//!
//! Cost: a hash join of the synced activities with the events on the
//! reference; for unreferenced activities only, an equi-join on owner and day
//! bucket and Jaro–Winkler on those candidates; one group-by per summary
//! level; the tz-database look-up runs only on the ±1 h pairs; six filters
//! for the impossible timestamps.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone as _, Utc};
use chrono_tz::{OffsetComponents, Tz};
use polars::prelude::*;
use serde::Deserialize;

use super::frame::{f64s, i64s, strs, u64s};

use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::Table;
use crate::model::col::*;

/// The check.
pub struct TimestampDrift;

static META: CheckMeta = CheckMeta {
    name: "timestamp_drift",
    purpose: "Calendar syncs that shift meeting times (hour, DST, day) and impossible timestamps",
    needs: &[Table::Activities, Table::CalendarEvents, Table::Users, Table::Deals],
    outputs: &["drift_pairs", "drift_summary"],
};

/// Thresholds of `timestamp_drift` (DESIGN.md §4.4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimestampDriftConfig {
    /// |Δ| up to this many minutes is exact; also the tolerance of every class.
    pub exact_minutes: i64,
    /// Name-and-time matching window, hours either side.
    pub match_window_hours: i64,
    /// Name matching: least Jaro–Winkler similarity of the subjects.
    pub min_subject_similarity: f64,
    /// A source is flagged when more than this share of its pairs drift.
    pub max_drift_share: f64,
    /// A flagged source with at least this share drifted is failing.
    pub fail_drift_share: f64,
    /// Sources with fewer pairs are reported but not flagged.
    pub min_pairs: u64,
    /// Times up to this many hours past as-of are not "future": the default
    /// as-of is the latest deal or change time, and activities and notes
    /// written minutes later while the export ran are not impossible.
    pub future_grace_hours: i64,
}

impl Default for TimestampDriftConfig {
    fn default() -> Self {
        TimestampDriftConfig {
            exact_minutes: 2,
            match_window_hours: 36,
            min_subject_similarity: 0.9,
            max_drift_share: 0.05,
            fail_drift_share: 0.10,
            min_pairs: 10,
            future_grace_hours: 24,
        }
    }
}

impl Check for TimestampDrift {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let cfg = &ctx.config.timestamp_drift;
        let pairs = classify_dst(classified_pairs(input, cfg)?, cfg)?;
        let summary = summary(&pairs)?;
        let mut findings = drift_findings(&summary, &pairs, input, cfg)?;
        let impossible = impossible(input, ctx)?;
        findings.extend(impossible.iter().filter_map(Impossible::finding));
        let metrics = metrics(&summary, &impossible)?;
        let chart = chart(&pairs)?;
        let section = section(&summary, &findings, &impossible, cfg)?;
        Ok(CheckOutput {
            tables: vec![("drift_pairs", pairs), ("drift_summary", summary)],
            findings,
            metrics,
            charts: vec![chart],
            section,
        })
    }
}

/// Column names of this check's frames and output tables.
mod out {
    pub const SOURCE: &str = "source";
    pub const OWNER: &str = "owner";
    pub const MATCHED_BY: &str = "matched_by";
    pub const ACTIVITY_START: &str = "activity_start_us";
    pub const EVENT_START: &str = "event_start_us";
    pub const OFFSET: &str = "offset_minutes";
    pub const NOMINAL: &str = "class_offset_minutes";
    pub const CLASS: &str = "drift_class";
    pub const EVENT_ZONE: &str = "event_zone";
    pub const IN_DST: &str = "event_in_dst";
    pub const LEVEL: &str = "level";
    pub const PAIRS: &str = "pairs";
    pub const DRIFTED: &str = "drifted";
    pub const SHARE: &str = "share_drifted";
    pub const MODAL: &str = "modal_offset_minutes";
    pub const N: &str = "n";
    pub const EV_OWNER: &str = "__ev_owner";
    pub const EV_SUBJECT: &str = "__ev_subject";
    pub const ACT_SUBJECT: &str = "__act_subject";
    pub const EV_ALL_DAY: &str = "__ev_all_day";
    pub const TOL_ABS: &str = "__abs";
    pub const NEW_CLASS: &str = "__class";
    pub const IS_DRIFTED: &str = "__d";
    pub const DAY_BUCKET: &str = "__day";
    pub const USER_EMAIL: &str = "__email";
    pub const MIXED: &str = "__mixed";
    pub const ROW: &str = "__row";
    pub const SIMILARITY: &str = "__sim";
}

/// Offset classes, in report order, with plain names.
pub const CLASSES: [(&str, &str); 7] = [
    ("exact", "exact"),
    ("whole_hour", "whole hours"),
    ("dst_only", "1 h during summer time only"),
    ("half_quarter_hour", "half or quarter hours"),
    ("day_shift", "one day"),
    ("kind_mismatch", "all-day vs timed"),
    ("other", "other"),
];

/// Start of an activity or event in µs since the epoch (all-day: midnight).
fn start_us() -> Expr {
    when(col(IS_ALL_DAY))
        .then(col(START_DATE).cast(DataType::Int64) * lit(86_400_000_000_i64))
        .otherwise(col(START_AT).cast(DataType::Int64))
}

fn norm(e: Expr) -> Expr {
    e.str().to_lowercase().str().strip_chars(lit(NULL))
}

/// Calendar-synced activities with their source (creator's name) and owner.
fn synced_activities(input: &Inputs) -> LazyFrame {
    let users = input.get(Table::Users).select([col(USER_KEY), col(NAME)]);
    input
        .get(Table::Activities)
        .filter(
            col(CALENDAR_REF).is_not_null().or(col(CREATED_VIA_RAW)
                .str()
                .to_lowercase()
                .str()
                .contains_literal(lit("calendar"))),
        )
        .join(users, [col(CREATOR_USER_KEY)], [col(USER_KEY)], JoinArgs::new(JoinType::Left))
        .select([
            col(ACTIVITY_KEY),
            col(DEAL_KEY),
            col(CALENDAR_REF),
            col(OWNER_USER_KEY).alias(out::OWNER),
            coalesce(&[col(NAME), col(CREATOR_USER_KEY), lit("unknown")]).alias(out::SOURCE),
            col(IS_ALL_DAY),
            start_us().alias(out::ACTIVITY_START),
            norm(col(SUBJECT)).alias(out::ACT_SUBJECT),
            col(SOURCE_TIMEZONE),
        ])
}

/// Events with their organiser's user key and start.
fn events(input: &Inputs) -> LazyFrame {
    let users =
        input.get(Table::Users).select([col(USER_KEY), norm(col(EMAIL)).alias(out::USER_EMAIL)]);
    input
        .get(Table::CalendarEvents)
        // Ingest strips `mailto:` already; canonical inputs may still carry it.
        .with_column(norm(col(ORGANIZER_EMAIL)).str().replace(lit("mailto:"), lit(""), true))
        .join(users, [col(ORGANIZER_EMAIL)], [col(out::USER_EMAIL)], JoinArgs::new(JoinType::Left))
        .select([
            col(EVENT_KEY),
            col(UID),
            col(USER_KEY).alias(out::EV_OWNER),
            norm(col(SUBJECT)).alias(out::EV_SUBJECT),
            col(IS_ALL_DAY).alias(out::EV_ALL_DAY),
            start_us().alias(out::EVENT_START),
            col(ZONE).alias(out::EVENT_ZONE),
        ])
}

fn pair_columns(matched_by: &str) -> Vec<Expr> {
    vec![
        col(ACTIVITY_KEY),
        col(EVENT_KEY),
        col(DEAL_KEY),
        col(out::SOURCE),
        col(out::OWNER),
        lit(matched_by).alias(out::MATCHED_BY),
        col(out::ACTIVITY_START),
        col(out::EVENT_START),
        (col(IS_ALL_DAY).neq(col(out::EV_ALL_DAY))).alias(out::MIXED),
        coalesce(&[col(out::EVENT_ZONE), col(SOURCE_TIMEZONE)]).alias(out::EVENT_ZONE),
    ]
}

/// Activity–event pairs: by reference id, then by owner + subject + window.
fn matched_pairs(input: &Inputs, cfg: &TimestampDriftConfig) -> Result<LazyFrame> {
    let acts = synced_activities(input);
    let evs = events(input);
    let by_ref = acts
        .clone()
        .join(evs.clone(), [col(CALENDAR_REF)], [col(UID)], JoinArgs::new(JoinType::Inner))
        .select(pair_columns("reference"))
        .unique_stable_generic(Some(vec![col(ACTIVITY_KEY)]), UniqueKeepStrategy::First);
    // An activity whose reference names no event in the file is not paired by
    // name: its event is missing, and a same-name meeting would be a wrong pair.
    let rest_acts = acts.filter(col(CALENDAR_REF).is_null());
    let rest_evs =
        evs.join(by_ref.clone(), [col(EVENT_KEY)], [col(EVENT_KEY)], JoinArgs::new(JoinType::Anti));
    let by_name =
        name_matches(rest_acts, rest_evs, cfg)?.select(pair_columns("owner_subject_time"));
    Ok(concat([by_ref, by_name], UnionArgs::default())?)
}

/// Pairs of activities without a reference and events without a paired
/// activity: same owner, starts within the window, subjects with a
/// Jaro–Winkler similarity of at least the threshold; nearest start first,
/// then the more similar subject; each activity and event used once.
fn name_matches(acts: LazyFrame, evs: LazyFrame, cfg: &TimestampDriftConfig) -> Result<LazyFrame> {
    const DAY_US: i64 = 86_400_000_000;
    let window_us = cfg.match_window_hours * 3_600_000_000;
    // Day buckets keep the join an equi-join: starts within the window are at
    // most `span` days apart.
    let span = (window_us + DAY_US - 1) / DAY_US;
    let day = |c: &str| col(c).floor_div(lit(DAY_US));
    let named = |c: &str| col(c).is_not_null().and(col(c).neq(lit("")));
    let evs = evs.filter(named(out::EV_SUBJECT));
    let shifted: Vec<LazyFrame> = (-span..=span)
        .map(|k| evs.clone().with_column((day(out::EVENT_START) + lit(k)).alias(out::DAY_BUCKET)))
        .collect();
    let mut cands = acts
        .filter(named(out::ACT_SUBJECT))
        .with_column(day(out::ACTIVITY_START).alias(out::DAY_BUCKET))
        .join(
            concat(shifted, UnionArgs::default())?,
            [col(out::OWNER), col(out::DAY_BUCKET)],
            [col(out::EV_OWNER), col(out::DAY_BUCKET)],
            JoinArgs::new(JoinType::Inner),
        )
        .with_column((col(out::ACTIVITY_START) - col(out::EVENT_START)).abs().alias(out::TOL_ABS))
        .filter(col(out::TOL_ABS).lt_eq(lit(window_us)))
        .collect()?;
    let (a, e) = (strs(&cands, out::ACT_SUBJECT)?, strs(&cands, out::EV_SUBJECT)?);
    let sim: Vec<f64> = a.iter().zip(&e).map(|(a, e)| subject_similarity(a, e)).collect();
    cands.with_column(Column::new(out::SIMILARITY.into(), sim))?;
    Ok(cands
        .lazy()
        .filter(col(out::SIMILARITY).gt_eq(lit(cfg.min_subject_similarity)))
        .sort_by_exprs(
            [col(ACTIVITY_KEY), col(out::TOL_ABS), col(out::SIMILARITY), col(EVENT_KEY)],
            SortMultipleOptions::default().with_order_descending_multi([false, false, true, false]),
        )
        .unique_stable_generic(Some(vec![col(ACTIVITY_KEY)]), UniqueKeepStrategy::First)
        .unique_stable_generic(Some(vec![col(EVENT_KEY)]), UniqueKeepStrategy::First))
}

/// Jaro–Winkler similarity of two normalised subjects (prefix capped at 4,
/// scaling 0.1, as RapidFuzz's `JaroWinkler.similarity`).
pub fn subject_similarity(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

/// Pairs with their offset and class (DST not yet decided); collected.
fn classified_pairs(input: &Inputs, cfg: &TimestampDriftConfig) -> Result<DataFrame> {
    let tol = cfg.exact_minutes;
    let minutes = ((col(out::ACTIVITY_START) - col(out::EVENT_START)).cast(DataType::Float64)
        / lit(60_000_000.0))
    .round(0, RoundMode::HalfAwayFromZero)
    .cast(DataType::Int64);
    let abs = col(out::TOL_ABS);
    let near = |m: i64| (abs.clone() - lit(m)).abs().lt_eq(lit(tol));
    let near_multiple = |m: i64| ((abs.clone() + lit(tol)) % lit(m)).lt_eq(lit(2 * tol));
    let class = when(col(out::MIXED))
        .then(lit("kind_mismatch"))
        .when(abs.clone().lt_eq(lit(tol)))
        .then(lit("exact"))
        .when(near(1440))
        .then(lit("day_shift"))
        .when(near_multiple(60))
        .then(lit("whole_hour"))
        .when(near_multiple(15))
        .then(lit("half_quarter_hour"))
        .otherwise(lit("other"));
    let df = matched_pairs(input, cfg)?
        .with_column(minutes.alias(out::OFFSET))
        .with_column(col(out::OFFSET).abs().alias(out::TOL_ABS))
        .with_column(class.alias(out::CLASS))
        .with_column(nominal_offset().alias(out::NOMINAL))
        .drop(cols([out::MIXED, out::TOL_ABS]))
        .sort([out::SOURCE, ACTIVITY_KEY], SortMultipleOptions::default())
        .collect()?;
    Ok(df)
}

/// The offset snapped to its class (0, whole hours, quarters, whole days).
fn nominal_offset() -> Expr {
    let snap = |m: f64| {
        ((col(out::OFFSET).cast(DataType::Float64) / lit(m)).round(0, RoundMode::HalfAwayFromZero)
            * lit(m))
        .cast(DataType::Int64)
    };
    let class = col(out::CLASS);
    when(class.clone().eq(lit("exact")))
        .then(lit(0_i64))
        .when(class.clone().eq(lit("whole_hour")))
        .then(snap(60.0))
        .when(class.clone().eq(lit("half_quarter_hour")))
        .then(snap(15.0))
        .when(class.eq(lit("day_shift")))
        .then(snap(1440.0))
        .otherwise(col(out::OFFSET))
}

/// Whether `zone` keeps summer time at instant `us` (`None`: unknown zone).
pub fn in_dst(zone: &str, us: i64) -> Option<bool> {
    let tz: Tz = zone.parse().ok()?;
    let at: DateTime<Utc> = DateTime::from_timestamp_micros(us)?;
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    Some(offset.dst_offset().num_seconds() != 0)
}

/// One ±1 h pair: (row, source, zone, sign of Δ, event in DST).
type HourPair = (u32, String, String, i64, Option<bool>);

/// The ±1 h pairs (whole hours within the tolerance of 60 min), with their
/// row number; in DST or not is read from the tz database here.
fn hour_pairs(df: &DataFrame, cfg: &TimestampDriftConfig) -> Result<Vec<HourPair>> {
    let hour = df
        .clone()
        .lazy()
        .with_row_index(out::ROW, None)
        .filter(
            col(out::CLASS)
                .eq(lit("whole_hour"))
                .and((col(out::OFFSET).abs() - lit(60_i64)).abs().lt_eq(lit(cfg.exact_minutes))),
        )
        .collect()?;
    let rows = i64s(&hour, out::ROW)?;
    let offset = i64s(&hour, out::OFFSET)?;
    let source = strs(&hour, out::SOURCE)?;
    let zone = strs(&hour, out::EVENT_ZONE)?;
    let start = i64s(&hour, out::EVENT_START)?;
    Ok((0..hour.height())
        .map(|i| {
            let dst = in_dst(&zone[i], start[i]);
            let row = u32::try_from(rows[i]).unwrap_or(u32::MAX);
            (row, source[i].clone(), zone[i].clone(), offset[i].signum(), dst)
        })
        .collect())
}

/// Decides DST-only on the ±1 h pairs: within one (source, zone, sign)
/// group, the offset must occur only for events in summer time. Only the
/// ±1 h pairs leave Polars; they are joined back by row number.
fn classify_dst(df: DataFrame, cfg: &TimestampDriftConfig) -> Result<DataFrame> {
    let hour = hour_pairs(&df, cfg)?;
    let mut outside: BTreeMap<(&str, &str, i64), bool> = BTreeMap::new();
    for (_, s, z, sign, dst) in &hour {
        *outside.entry((s.as_str(), z.as_str(), *sign)).or_default() |= *dst != Some(true);
    }
    let rows: Vec<u32> = hour.iter().map(|h| h.0).collect();
    let dst: Vec<Option<bool>> = hour.iter().map(|h| h.4).collect();
    let class: Vec<&str> = hour
        .iter()
        .map(
            |(_, s, z, sign, _)| {
                if outside[&(s.as_str(), z.as_str(), *sign)] { "whole_hour" } else { "dst_only" }
            },
        )
        .collect();
    let update = df!(out::ROW => rows, out::IN_DST => dst, out::NEW_CLASS => class)?;
    Ok(df
        .lazy()
        .with_row_index(out::ROW, None)
        .join(update.lazy(), [col(out::ROW)], [col(out::ROW)], JoinArgs::new(JoinType::Left))
        .sort([out::ROW], SortMultipleOptions::default())
        .with_column(coalesce(&[col(out::NEW_CLASS), col(out::CLASS)]).alias(out::CLASS))
        .drop(cols([out::ROW, out::NEW_CLASS]))
        .collect()?)
}

/// Counts, share and modal offset grouped by `keys` (source, or source and
/// owner), tagged with the level name.
fn summary_level(lf: &LazyFrame, keys: &[&str], name: &str) -> LazyFrame {
    let key_cols: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let mut aggs = vec![
        len().cast(DataType::UInt64).alias(out::PAIRS),
        col(out::IS_DRIFTED).sum().cast(DataType::UInt64).alias(out::DRIFTED),
    ];
    for (c, _) in CLASSES {
        aggs.push(col(out::CLASS).eq(lit(c)).sum().cast(DataType::UInt64).alias(c));
    }
    let counts = lf.clone().group_by(key_cols.clone()).agg(aggs);
    let mut mode_keys = key_cols.clone();
    mode_keys.push(col(out::NOMINAL));
    let modal = lf
        .clone()
        .filter(col(out::IS_DRIFTED))
        .group_by(mode_keys)
        .agg([len().alias(out::N)])
        .sort_by_exprs(
            [col(out::N), col(out::NOMINAL).abs(), col(out::NOMINAL)],
            SortMultipleOptions::default().with_order_descending_multi([true, false, false]),
        )
        .group_by_stable(key_cols.clone())
        .agg([col(out::NOMINAL).first().alias(out::MODAL)]);
    counts.join(modal, key_cols.clone(), key_cols, JoinArgs::new(JoinType::Left)).with_columns([
        lit(name.to_owned()).alias(out::LEVEL),
        (col(out::DRIFTED).cast(DataType::Float64) / col(out::PAIRS).cast(DataType::Float64))
            .alias(out::SHARE),
        col(out::MODAL).fill_null(lit(0_i64)),
    ])
}

/// Per source and per (source, owner): pairs, drifted, share, modal offset
/// (of the drifted pairs, snapped to their class), pairs per class.
fn summary(pairs: &DataFrame) -> Result<DataFrame> {
    let lf =
        pairs.clone().lazy().with_column(col(out::CLASS).neq(lit("exact")).alias(out::IS_DRIFTED));
    let by_source = summary_level(&lf, &[out::SOURCE], "source")
        .with_column(lit(NULL).cast(DataType::String).alias(out::OWNER));
    let by_owner = summary_level(&lf, &[out::SOURCE, out::OWNER], "owner");
    let mut select = vec![
        col(out::LEVEL),
        col(out::SOURCE),
        col(out::OWNER),
        col(out::PAIRS),
        col(out::DRIFTED),
        col(out::SHARE),
        col(out::MODAL),
    ];
    select.extend(CLASSES.iter().map(|(c, _)| col(*c)));
    let df =
        concat([by_source.select(select.clone()), by_owner.select(select)], UnionArgs::default())?
            .sort(
                [out::LEVEL, out::SOURCE, out::OWNER],
                SortMultipleOptions::default()
                    .with_order_descending_multi([true, false, false])
                    .with_nulls_last(false),
            )
            .collect()?;
    Ok(df)
}

/// One per-source summary row.
#[derive(Debug, Clone)]
struct SourceRow {
    source: String,
    pairs: u64,
    drifted: u64,
    share: f64,
    modal: i64,
    by_class: Vec<u64>,
}

fn source_rows(summary: &DataFrame) -> Result<Vec<SourceRow>> {
    let level = strs(summary, out::LEVEL)?;
    let source = strs(summary, out::SOURCE)?;
    let pairs = u64s(summary, out::PAIRS)?;
    let drifted = u64s(summary, out::DRIFTED)?;
    let share = f64s(summary, out::SHARE)?;
    let modal = i64s(summary, out::MODAL)?;
    let per_class: Vec<Vec<u64>> =
        CLASSES.iter().map(|(c, _)| u64s(summary, c)).collect::<Result<_>>()?;
    Ok((0..summary.height())
        .filter(|&i| level[i] == "source")
        .map(|i| SourceRow {
            source: source[i].clone(),
            pairs: pairs[i],
            drifted: drifted[i],
            share: share[i],
            modal: modal[i],
            by_class: per_class.iter().map(|c| c[i]).collect(),
        })
        .collect())
}

/// One finding per source that drifts more than the threshold.
fn drift_findings(
    summary: &DataFrame,
    pairs: &DataFrame,
    input: &Inputs,
    cfg: &TimestampDriftConfig,
) -> Result<Vec<Finding>> {
    let class = strs(pairs, out::CLASS)?;
    let source = strs(pairs, out::SOURCE)?;
    let act = strs(pairs, ACTIVITY_KEY)?;
    let deal = strs(pairs, DEAL_KEY)?;
    let mut findings = Vec::new();
    for row in source_rows(summary)? {
        if row.pairs < cfg.min_pairs || row.share <= cfg.max_drift_share {
            continue;
        }
        let rows: Vec<usize> =
            (0..class.len()).filter(|&i| source[i] == row.source && class[i] != "exact").collect();
        let deals =
            dedup(rows.iter().map(|&i| deal[i].clone()).filter(|d| !d.is_empty()).collect());
        let mut evidence: Vec<(&'static str, String)> =
            rows.iter().map(|&i| ("activity", act[i].clone())).collect();
        let at_stake = open_value(input, &deals)?;
        evidence.extend(deals.into_iter().map(|d| ("deal", d)));
        let severity =
            if row.share >= cfg.fail_drift_share { Severity::Fail } else { Severity::Warn };
        findings.push(Finding {
            severity,
            segment: row.source.clone(),
            metric: "drift_share".to_owned(),
            value: row.share,
            threshold: cfg.max_drift_share,
            message: format!(
                "`{}` wrote {} of {} synced meetings at a different time than the calendar \
                 ({:.0}%; most common offset {} min: {})",
                row.source,
                row.drifted,
                row.pairs,
                100.0 * row.share,
                row.modal,
                class_breakdown(&row),
            ),
            value_at_stake: Some(at_stake),
            evidence,
        });
    }
    Ok(findings)
}

fn class_breakdown(row: &SourceRow) -> String {
    let parts: Vec<String> = CLASSES
        .iter()
        .zip(&row.by_class)
        .filter(|((c, _), n)| *c != "exact" && **n > 0)
        .map(|((_, label), n)| format!("{n} {label}"))
        .collect();
    parts.join(", ")
}

/// One kind of impossible timestamp with the rows that show it.
struct Impossible {
    metric: &'static str,
    label: &'static str,
    entity: &'static str,
    keys: Vec<String>,
}

impl Impossible {
    fn finding(&self) -> Option<Finding> {
        (!self.keys.is_empty()).then(|| Finding {
            severity: Severity::Warn,
            segment: self.entity.to_owned(),
            metric: self.metric.to_owned(),
            value: self.keys.len() as f64,
            threshold: 0.0,
            message: format!("{} {}", self.keys.len(), self.label),
            value_at_stake: None,
            evidence: self.keys.iter().map(|k| (self.entity, k.clone())).collect(),
        })
    }
}

/// Won before created, done before created, and times past `--as-of`.
fn impossible(input: &Inputs, ctx: &RunContext) -> Result<Vec<Impossible>> {
    let grace = ctx.config.timestamp_drift.future_grace_hours * 3_600_000_000;
    let as_of = lit(ctx.as_of.timestamp_micros() + grace);
    let us = |c: &str| col(c).cast(DataType::Int64);
    let future = |c: &str| us(c).gt(as_of.clone()).fill_null(lit(false));
    let specs: [(&'static str, &'static str, &'static str, Table, &str, Expr); 6] = [
        (
            "won_before_created",
            "deals won before they were created",
            "deal",
            Table::Deals,
            DEAL_KEY,
            us(WON_AT).lt(us(CREATED_AT)).fill_null(lit(false)),
        ),
        (
            "done_before_created",
            "activities marked done before they were created",
            "activity",
            Table::Activities,
            ACTIVITY_KEY,
            us(DONE_AT).lt(us(CREATED_AT)).fill_null(lit(false)),
        ),
        (
            "future_deal_times",
            "deals created, updated or closed after the as-of time",
            "deal",
            Table::Deals,
            DEAL_KEY,
            future(CREATED_AT).or(future(UPDATED_AT)).or(future(CLOSED_AT)),
        ),
        (
            "future_changes",
            "deal changes logged after the as-of time",
            "deal_change",
            Table::DealChanges,
            CHANGE_KEY,
            future(CHANGED_AT),
        ),
        (
            "future_activities",
            "activities created or marked done after the as-of time",
            "activity",
            Table::Activities,
            ACTIVITY_KEY,
            future(CREATED_AT).or(future(DONE_AT)),
        ),
        (
            "future_notes",
            "notes created after the as-of time",
            "note",
            Table::Notes,
            NOTE_KEY,
            future(CREATED_AT),
        ),
    ];
    let mut found = Vec::new();
    for (metric, label, entity, table, key, cond) in specs {
        let df = input
            .get(table)
            .filter(cond)
            .select([col(key)])
            .sort([key], SortMultipleOptions::default())
            .collect()?;
        found.push(Impossible { metric, label, entity, keys: strs(&df, key)? });
    }
    Ok(found)
}

fn metrics(summary: &DataFrame, impossible: &[Impossible]) -> Result<Vec<Metric>> {
    let mut out = Vec::new();
    for row in source_rows(summary)? {
        let seg = row.source.clone();
        out.push(Metric { metric: "pairs".into(), segment: seg.clone(), value: row.pairs as f64 });
        out.push(Metric { metric: "drift_share".into(), segment: seg.clone(), value: row.share });
        out.push(Metric {
            metric: "modal_offset_minutes".into(),
            segment: seg,
            value: row.modal as f64,
        });
    }
    for i in impossible {
        out.push(Metric {
            metric: i.metric.into(),
            segment: "all".into(),
            value: i.keys.len() as f64,
        });
    }
    Ok(out)
}

/// Histogram of offsets (minutes) per source.
fn chart(pairs: &DataFrame) -> Result<Chart> {
    let df = pairs
        .clone()
        .lazy()
        .group_by([col(out::SOURCE), col(out::NOMINAL)])
        .agg([len().cast(DataType::Float64).alias(out::N)])
        .sort([out::NOMINAL, out::SOURCE], SortMultipleOptions::default())
        .collect()?;
    let source = strs(&df, out::SOURCE)?;
    let offset = i64s(&df, out::NOMINAL)?;
    let n = f64s(&df, out::N)?;
    let mut bins: Vec<i64> = offset.clone();
    bins.dedup();
    bins.truncate(40);
    let mut series: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for i in 0..df.height() {
        let slot = series.entry(source[i].clone()).or_insert_with(|| vec![0.0; bins.len()]);
        if let Ok(b) = bins.binary_search(&offset[i]) {
            slot[b] += n[i];
        }
    }
    Ok(Chart {
        file: "timestamp_drift".to_owned(),
        title: "Offset of synced meetings from their calendar event, per source".to_owned(),
        x_label: "activity start − event start (minutes, snapped to its class within ±2 min)"
            .to_owned(),
        y_label: "meetings".to_owned(),
        y_share: false,
        x_categories: bins.iter().map(i64::to_string).collect(),
        series: series.into_iter().collect(),
    })
}

fn section(
    summary: &DataFrame,
    findings: &[Finding],
    impossible: &[Impossible],
    cfg: &TimestampDriftConfig,
) -> Result<Section> {
    let tested = format!(
        "Each meeting a calendar sync wrote into the CRM is paired with its calendar event (by the \
         event id it carries, else by owner, subject and a start within ±{h} h). The offset is the \
         CRM start minus the calendar start. Offsets within {m} minutes are exact; the rest are \
         classed as whole hours, 1 h during summer time only (checked against the time-zone \
         database), half or quarter hours, one day, or other. A sync is flagged when more than \
         {p:.0}% of its meetings are off (failing from {f:.0}%, at least {n} meetings). Deals won \
         before they were created, activities done before they were created and timestamps more \
         than {g} h after the as-of time are counted too.",
        h = cfg.match_window_hours,
        m = cfg.exact_minutes,
        p = 100.0 * cfg.max_drift_share,
        f = 100.0 * cfg.fail_drift_share,
        n = cfg.min_pairs,
        g = cfg.future_grace_hours,
    );
    let flagged: Vec<&Finding> = findings.iter().filter(|f| f.metric == "drift_share").collect();
    let at_stake: f64 = flagged.iter().filter_map(|f| f.value_at_stake).sum();
    let rows = source_rows(summary)?;
    let mut found = match (rows.is_empty(), flagged.len()) {
        (true, _) => "The input has no calendar-synced meetings paired with calendar events, so \
                      no sync could be judged."
            .to_owned(),
        (false, 0) => "No calendar sync shifts meeting times beyond the threshold.".to_owned(),
        (false, n) => format!(
            "{n} calendar sync(s) write meetings at the wrong time; the deals concerned hold {} of \
             open pipeline.",
            money(at_stake)
        ),
    };
    if !rows.is_empty() {
        found.push_str("\n\n| sync | meetings | off | share | most common offset | kinds |\n");
        found.push_str("|---|---:|---:|---:|---:|---|\n");
    }
    for r in rows {
        found.push_str(&format!(
            "| {} | {} | {} | {:.1}% | {} min | {} |\n",
            r.source,
            r.pairs,
            r.drifted,
            100.0 * r.share,
            r.modal,
            class_breakdown(&r)
        ));
    }
    let odd: Vec<String> = impossible
        .iter()
        .filter(|i| !i.keys.is_empty())
        .map(|i| format!("{} {}", i.keys.len(), i.label))
        .collect();
    found.push_str(&if odd.is_empty() {
        "\nNo impossible orders and no timestamps after the as-of time.".to_owned()
    } else {
        format!("\nImpossible timestamps: {}.", odd.join("; "))
    });
    let todo = if flagged.is_empty() {
        "Nothing to do for calendar syncs.".to_owned()
    } else {
        "Meetings at the wrong time break activity-before-stage-move rules and time-to-meeting \
         metrics. Ask the flagged sync's vendor to use IANA zones (not Windows zone names) and the \
         owner's real zone; 1 h during summer time only means daylight saving is ignored. Until it \
         is fixed, prefer the calendar's times, or switch to a sync that is exact."
            .to_owned()
    };
    let caveats = format!(
        "Name matching needs subjects with a Jaro–Winkler similarity of at least {} after case \
         and space folding. An event whose zone is unknown cannot be judged DST-only; its ±1 h \
         offset counts as whole hours. One-day shifts of all-day events are dates, not times.",
        cfg.min_subject_similarity
    );
    Ok(Section { tested, found, todo, caveats })
}

fn money(v: f64) -> String {
    crate::text::thousands(v)
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{NaiveDate, TimeZone as _, Utc};

    use super::*;
    use crate::calendar::WorkCalendar;
    use crate::checks::test_inputs::canonical;
    use crate::config::Config;

    fn us(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().timestamp_micros()
    }

    fn day(y: i32, mo: u32, d: u32) -> i32 {
        crate::ingest::parse::days(NaiveDate::from_ymd_opt(y, mo, d).unwrap())
    }

    const MIN: i64 = 60_000_000;

    /// (key, creator, calendar_ref, subject, start µs, all-day date, done µs)
    type Act =
        (&'static str, &'static str, Option<&'static str>, &'static str, Option<i64>, Option<i32>);
    /// (uid, subject, start µs, all-day date, zone)
    type Ev = (&'static str, &'static str, Option<i64>, Option<i32>, &'static str);

    fn inputs(acts: &[Act], evs: &[Ev]) -> Inputs {
        let a = df!(
            ACTIVITY_KEY => acts.iter().map(|a| a.0).collect::<Vec<_>>(),
            CREATOR_USER_KEY => acts.iter().map(|a| a.1).collect::<Vec<_>>(),
            CALENDAR_REF => acts.iter().map(|a| a.2).collect::<Vec<_>>(),
            SUBJECT => acts.iter().map(|a| a.3).collect::<Vec<_>>(),
            START_AT => acts.iter().map(|a| a.4).collect::<Vec<_>>(),
            START_DATE => acts.iter().map(|a| a.5).collect::<Vec<_>>(),
            IS_ALL_DAY => acts.iter().map(|a| a.5.is_some()).collect::<Vec<_>>(),
            OWNER_USER_KEY => acts.iter().map(|_| "pd:1").collect::<Vec<_>>(),
            DEAL_KEY => acts.iter().map(|a| format!("d{}", a.0)).collect::<Vec<_>>(),
            CREATED_VIA_RAW => acts.iter().map(|_| "CalendarSync").collect::<Vec<_>>(),
            CREATED_AT => acts.iter().map(|_| us(2025, 1, 1, 0, 0)).collect::<Vec<_>>(),
        )
        .unwrap();
        let e = df!(
            EVENT_KEY => evs.iter().map(|e| format!("ics:{}", e.0)).collect::<Vec<_>>(),
            UID => evs.iter().map(|e| e.0).collect::<Vec<_>>(),
            SUBJECT => evs.iter().map(|e| e.1).collect::<Vec<_>>(),
            START_AT => evs.iter().map(|e| e.2).collect::<Vec<_>>(),
            START_DATE => evs.iter().map(|e| e.3).collect::<Vec<_>>(),
            IS_ALL_DAY => evs.iter().map(|e| e.3.is_some()).collect::<Vec<_>>(),
            ZONE => evs.iter().map(|e| e.4).collect::<Vec<_>>(),
            ORGANIZER_EMAIL => evs.iter().map(|_| "MAILTO:Ann@X.com").collect::<Vec<_>>(),
        )
        .unwrap();
        let u = df!(
            USER_KEY => ["pd:1", "pd:20", "pd:21"],
            NAME => ["Ann", "Good Sync", "Bad Sync"],
            EMAIL => ["ann@x.com", "good@x.com", "bad@x.com"],
        )
        .unwrap();
        let mut frames: BTreeMap<Table, DataFrame> =
            Table::ALL.iter().map(|t| (*t, DataFrame::empty_with_schema(&t.schema()))).collect();
        frames.insert(Table::Activities, canonical(Table::Activities, &a));
        frames.insert(Table::CalendarEvents, canonical(Table::CalendarEvents, &e));
        frames.insert(Table::Users, canonical(Table::Users, &u));
        Inputs::new(&frames)
    }

    fn ctx(cfg: TimestampDriftConfig) -> RunContext {
        RunContext {
            config: Config { timestamp_drift: cfg, ..Default::default() },
            zone: chrono_tz::America::New_York,
            calendar: WorkCalendar::new([]),
            as_of: Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap(),
            since: None,
            until: None,
        }
    }

    const NY: &str = "America/New_York";
    const LON: &str = "Europe/London";

    /// One pair per class, plus a name match and a miss outside ±36 h.
    fn fixture() -> Inputs {
        let (w, s) = (us(2026, 1, 15, 15, 0), us(2026, 7, 15, 14, 0));
        let acts: Vec<Act> = vec![
            ("a1", "pd:20", Some("e1"), "Call", Some(w), None),
            ("a2", "pd:21", Some("e2"), "Call", Some(w + MIN), None),
            ("a3", "pd:21", Some("e3"), "Call", Some(s + 60 * MIN), None),
            ("a4", "pd:21", Some("e4"), "Call", Some(w), None),
            ("a5", "pd:21", Some("e5"), "Call", Some(s - 60 * MIN), None),
            ("a6", "pd:21", Some("e6"), "Call", Some(w - 60 * MIN), None),
            ("a7", "pd:21", Some("e7"), "Call", Some(w + 330 * MIN), None),
            ("a8", "pd:21", Some("e8"), "Call", None, Some(day(2026, 3, 3))),
            ("a9", "pd:21", Some("e9"), "Call", Some(w + 7 * MIN), None),
            ("a10", "pd:20", None, "  Demo ", Some(w + 3 * MIN), None),
            ("a11", "pd:20", None, "Review", Some(w + 40 * 60 * MIN), None),
        ];
        let evs: Vec<Ev> = vec![
            ("e1", "Call", Some(w), None, NY),
            ("e2", "Call", Some(w), None, NY),
            ("e3", "Call", Some(s), None, NY),
            ("e4", "Call", Some(w), None, NY),
            ("e5", "Call", Some(s), None, LON),
            ("e6", "Call", Some(w), None, LON),
            ("e7", "Call", Some(w), None, "Asia/Kolkata"),
            ("e8", "Call", None, Some(day(2026, 3, 4)), NY),
            ("e9", "Call", Some(w), None, NY),
            ("e10", "demo", Some(w), None, NY),
            ("e11", "Review", Some(w), None, NY),
        ];
        inputs(&acts, &evs)
    }

    fn classes(pairs: &DataFrame) -> BTreeMap<String, (String, i64, String)> {
        let k = strs(pairs, ACTIVITY_KEY).unwrap();
        let c = strs(pairs, out::CLASS).unwrap();
        let o = i64s(pairs, out::OFFSET).unwrap();
        let m = strs(pairs, out::MATCHED_BY).unwrap();
        (0..k.len()).map(|i| (k[i].clone(), (c[i].clone(), o[i], m[i].clone()))).collect()
    }

    #[test]
    fn every_class_is_recognised() {
        let cfg = TimestampDriftConfig::default();
        let pairs = classify_dst(classified_pairs(&fixture(), &cfg).unwrap(), &cfg).unwrap();
        let got = classes(&pairs);
        let want = [
            ("a1", "exact", 0),
            ("a2", "exact", 1),
            ("a3", "dst_only", 60),
            ("a4", "exact", 0),
            ("a5", "whole_hour", -60),
            ("a6", "whole_hour", -60),
            ("a7", "half_quarter_hour", 330),
            ("a8", "day_shift", -1440),
            ("a9", "other", 7),
            ("a10", "other", 3),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (k, class, offset) in want {
            let (c, o, _) = &got[k];
            assert_eq!((c.as_str(), *o), (class, offset), "{k}");
        }
        assert_eq!(got["a10"].2, "owner_subject_time");
        assert_eq!(got["a1"].2, "reference");
        assert!(!got.contains_key("a11"), "40 h apart is outside the ±36 h window");
    }

    #[test]
    fn one_hour_outside_summer_time_is_not_dst_only() {
        let cfg = TimestampDriftConfig::default();
        let w = us(2026, 1, 15, 15, 0);
        let s = us(2026, 7, 15, 14, 0);
        let acts: Vec<Act> = vec![
            ("a1", "pd:21", Some("e1"), "x", Some(s + 60 * MIN), None),
            ("a2", "pd:21", Some("e2"), "x", Some(w + 60 * MIN), None),
        ];
        let evs: Vec<Ev> = vec![("e1", "x", Some(s), None, NY), ("e2", "x", Some(w), None, NY)];
        let pairs =
            classify_dst(classified_pairs(&inputs(&acts, &evs), &cfg).unwrap(), &cfg).unwrap();
        let got = classes(&pairs);
        assert_eq!(got["a1"].0, "whole_hour");
        assert_eq!(got["a2"].0, "whole_hour");
    }

    #[test]
    fn dangling_references_are_not_paired_by_name_and_kinds_must_agree() {
        let cfg = TimestampDriftConfig::default();
        let w = us(2026, 1, 15, 15, 0);
        let acts: Vec<Act> = vec![
            ("a1", "pd:21", Some("gone"), "x", Some(w), None),
            ("a2", "pd:21", Some("e2"), "y", None, Some(day(2026, 1, 15))),
        ];
        let evs: Vec<Ev> = vec![("e1", "x", Some(w), None, NY), ("e2", "y", Some(w), None, NY)];
        let pairs =
            classify_dst(classified_pairs(&inputs(&acts, &evs), &cfg).unwrap(), &cfg).unwrap();
        let got = classes(&pairs);
        assert!(!got.contains_key("a1"), "{got:?}");
        assert_eq!(got["a2"].0, "kind_mismatch");
    }

    // python3 -c "from rapidfuzz.distance import JaroWinkler as J; print(J.similarity(A, B))"
    // for each (A, B) below (rapidfuzz 3.x).
    const JW: [(&str, &str, f64); 6] = [
        ("demo", "demo call", 0.888888888888889),
        ("product demo", "prodcut demo", 0.9833333333333333),
        ("proposal review", "proposal reveiw", 0.9866666666666667),
        ("call", "meeting", 0.0),
        ("onsite workshop", "onsite workshop", 1.0),
        ("martha", "marhta", 0.9611111111111111),
    ];

    #[test]
    fn subject_similarity_equals_rapidfuzz() {
        for (a, b, want) in JW {
            assert!((subject_similarity(a, b) - want).abs() < 1e-9, "{a} / {b}");
        }
    }

    #[test]
    fn name_matching_takes_similar_subjects_of_the_owner_only() {
        let cfg = TimestampDriftConfig::default();
        let w = us(2026, 1, 15, 15, 0);
        let acts: Vec<Act> = vec![
            ("a1", "pd:20", None, "Prodcut demo", Some(w + 60 * MIN), None),
            ("a2", "pd:20", None, "Call", Some(w), None),
            ("a3", "pd:20", None, "Demo call", Some(w + 35 * 60 * MIN), None),
            ("a4", "pd:20", None, " ", Some(w), None),
        ];
        let evs: Vec<Ev> = vec![
            ("e1", "Product demo", Some(w), None, NY),
            ("e2", "Meeting", Some(w), None, NY),
            ("e3", "Demo", Some(w), None, NY),
            ("e4", "", Some(w), None, NY),
        ];
        let pairs =
            classify_dst(classified_pairs(&inputs(&acts, &evs), &cfg).unwrap(), &cfg).unwrap();
        let got = classes(&pairs);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got["a1"], ("whole_hour".to_owned(), 60, "owner_subject_time".to_owned()));
        let loose = TimestampDriftConfig { min_subject_similarity: 0.85, ..Default::default() };
        let pairs =
            classify_dst(classified_pairs(&inputs(&acts, &evs), &loose).unwrap(), &loose).unwrap();
        assert_eq!(classes(&pairs)["a3"].1, 35 * 60, "35 h apart is inside ±36 h");
    }

    #[test]
    fn config_section_has_design_defaults_and_rejects_unknown_keys() {
        let c = Config::parse("[timestamp_drift]\nmax_drift_share = 0.1\n").unwrap();
        assert!((c.timestamp_drift.max_drift_share - 0.1).abs() < 1e-12);
        assert_eq!(c.timestamp_drift.exact_minutes, 2);
        assert_eq!(c.timestamp_drift.match_window_hours, 36);
        let d = Config::parse("").unwrap();
        assert!((d.timestamp_drift.max_drift_share - 0.05).abs() < 1e-12);
        assert!((d.sync_gaps.min_median - 5.0).abs() < 1e-12);
        assert!((d.sync_gaps.drop_z - -3.5).abs() < 1e-12);
        assert_eq!(d.sync_gaps.baseline_days, 28);
        let err = Config::parse("[sync_gaps]\nbaseline_dayz = 3\n").unwrap_err();
        assert!(err.contains("baseline_dayz"), "{err}");
    }

    #[test]
    fn dst_is_read_from_the_tz_database() {
        assert_eq!(in_dst(NY, us(2026, 7, 1, 12, 0)), Some(true));
        assert_eq!(in_dst(NY, us(2026, 1, 1, 12, 0)), Some(false));
        // 2026-03-08 02:00 EST = 07:00 UTC is the switch to summer time.
        assert_eq!(in_dst(NY, us(2026, 3, 8, 6, 59)), Some(false));
        assert_eq!(in_dst(NY, us(2026, 3, 8, 7, 0)), Some(true));
        assert_eq!(in_dst("Australia/Adelaide", us(2026, 1, 1, 0, 0)), Some(true));
        assert_eq!(in_dst("Asia/Kolkata", us(2026, 7, 1, 0, 0)), Some(false));
        assert_eq!(in_dst("Eastern Standard Time", 0), None);
    }

    #[test]
    fn a_source_is_flagged_above_the_share_and_only_then() {
        let input = fixture();
        let run = |share: f64| {
            let cfg =
                TimestampDriftConfig { max_drift_share: share, min_pairs: 1, ..Default::default() };
            TimestampDrift.run(&input, &ctx(cfg)).unwrap()
        };
        // Bad Sync: 6 of 8 pairs drift (0.75); Good Sync: 0 of 2.
        let out = run(0.74);
        let flagged: Vec<&Finding> =
            out.findings.iter().filter(|f| f.metric == "drift_share").collect();
        assert_eq!(flagged.len(), 1);
        assert_eq!(flagged[0].segment, "Bad Sync");
        assert!((flagged[0].value - 0.75).abs() < 1e-12);
        assert_eq!(flagged[0].severity, Severity::Fail);
        let acts: Vec<&str> = flagged[0]
            .evidence
            .iter()
            .filter(|e| e.0 == "activity")
            .map(|e| e.1.as_str())
            .collect();
        assert_eq!(acts, ["a3", "a5", "a6", "a7", "a8", "a9"]);
        assert!(run(0.75).findings.iter().all(|f| f.metric != "drift_share"));
        let few = TimestampDriftConfig { min_pairs: 9, ..Default::default() };
        let out = TimestampDrift.run(&input, &ctx(few)).unwrap();
        assert!(out.findings.iter().all(|f| f.metric != "drift_share"));
    }

    #[test]
    fn summary_gives_share_and_modal_offset() {
        let cfg = TimestampDriftConfig::default();
        let pairs = classify_dst(classified_pairs(&fixture(), &cfg).unwrap(), &cfg).unwrap();
        let rows = source_rows(&summary(&pairs).unwrap()).unwrap();
        let bad = rows.iter().find(|r| r.source == "Bad Sync").unwrap();
        assert_eq!((bad.pairs, bad.drifted, bad.modal), (8, 6, -60));
        let good = rows.iter().find(|r| r.source == "Good Sync").unwrap();
        assert_eq!((good.pairs, good.drifted), (2, 1));
    }

    #[test]
    fn impossible_orders_and_future_times_are_found() {
        let deals = df!(
            DEAL_KEY => ["d1", "d2"],
            CREATED_AT => [us(2026, 2, 1, 0, 0), us(2026, 2, 1, 0, 0)],
            WON_AT => [Some(us(2026, 1, 1, 0, 0)), Some(us(2026, 3, 1, 0, 0))],
            UPDATED_AT => [None, Some(us(2026, 12, 3, 0, 0))],
        )
        .unwrap();
        let acts = df!(
            ACTIVITY_KEY => ["a1", "a2"],
            CREATED_AT => [us(2026, 2, 1, 0, 0), us(2026, 2, 1, 0, 0)],
            DONE_AT => [Some(us(2026, 1, 31, 23, 0)), None],
            IS_ALL_DAY => [false, false],
        )
        .unwrap();
        let notes = df!(
            NOTE_KEY => ["n1", "n2"],
            CREATED_AT => [us(2026, 12, 2, 0, 0), us(2026, 12, 1, 23, 0)],
        )
        .unwrap();
        let mut frames: BTreeMap<Table, DataFrame> =
            Table::ALL.iter().map(|t| (*t, DataFrame::empty_with_schema(&t.schema()))).collect();
        frames.insert(Table::Deals, canonical(Table::Deals, &deals));
        frames.insert(Table::Activities, canonical(Table::Activities, &acts));
        frames.insert(Table::Notes, canonical(Table::Notes, &notes));
        let found = impossible(&Inputs::new(&frames), &ctx(Default::default())).unwrap();
        let by: BTreeMap<&str, Vec<String>> =
            found.iter().map(|i| (i.metric, i.keys.clone())).collect();
        assert_eq!(by["won_before_created"], ["d1"]);
        assert_eq!(by["done_before_created"], ["a1"]);
        assert_eq!(by["future_deal_times"], ["d2"]);
        assert_eq!(by["future_notes"], ["n1"]);
        assert!(by["future_changes"].is_empty() && by["future_activities"].is_empty());
    }
}
