//! `stage_time_rollout`: did a rollout (an integration or automation going
//! live) make deals move through stages faster, and did outcomes follow?
//! (DESIGN.md §4.2)
//!
//! Stage intervals are rebuilt from the change log: a deal enters its first
//! stage when created, each `stage` change ends one interval and opens the
//! next (re-entries are separate intervals; Pipedrive's `stage_change_time`
//! row is a different field and never opens one), a deal closing won or lost
//! ends its last interval, and an interval still open is right-censored at
//! `--as-of`. For each configured rollout, intervals that start in a window
//! before and a window after the go-live date (with a washout on both sides)
//! are each followed for the same maximum time, so the later window is not
//! made to look faster by its long stays not having ended yet. Per stage and
//! pooled: quantiles, Kaplan–Meier median, Mann–Whitney U, Kolmogorov–Smirnov
//! and the Hodges–Lehmann shift with a seeded bootstrap interval. Win rate
//! (Fisher's exact test) and cycle time of deals created before vs after,
//! with the same equal follow-up, decide whether outcomes improved.
//!
//! Cost: one sort of the stage changes by deal and time, two joins with the
//! deals and stages tables, and rank statistics on the windowed samples
//! (O(n log n) each; the bootstrap repeats the Hodges–Lehmann estimate in
//! parallel).

use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use polars::prelude::*;
use serde::Deserialize;

use super::frame::{bools, f64s, strs};

use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::config::Rollout;
use crate::error::Result;
use crate::model::Table;
use crate::model::col::*;
use crate::stats::{fisher, hodges_lehmann, kaplan_meier, ks, mann_whitney, quantile};

/// The check.
pub struct StageTimeRollout;

static META: CheckMeta = CheckMeta {
    name: "stage_time_rollout",
    purpose: "Stage time before vs after each configured rollout, with equal follow-up, and \
              whether win rate or cycle time improved with it",
    needs: &[Table::DealChanges, Table::Deals, Table::Stages],
    outputs: &["stage_intervals", "stage_time_compare"],
};

/// Thresholds of `stage_time_rollout` (`[stage_time_rollout]` in the config).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StageTimeRolloutConfig {
    /// Length of the windows before and after the rollout, in days.
    pub window_days: i64,
    /// Days on each side of the go-live date left out of both windows.
    pub washout_days: i64,
    /// Every stage interval is followed for at most this many days, in both
    /// windows; the after window ends early enough that each of its intervals
    /// can be followed this long before `--as-of`.
    pub follow_up_days: i64,
    /// The same for deal outcomes (win rate, cycle time), from creation.
    pub outcome_follow_up_days: i64,
    /// Significance level of the tests.
    pub alpha: f64,
    /// A stage is tested only with at least this many intervals in each window.
    pub min_group_size: usize,
    /// Bootstrap replicates of the Hodges–Lehmann interval.
    pub bootstrap_replicates: u32,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// A drop in the pooled median stage time of at least this share makes the
    /// "stages faster, outcomes not better" finding fail rather than warn.
    pub fail_drop: f64,
    /// Below this drop in the pooled median the finding is information only
    /// (on big exports tiny, irrelevant shifts are significant).
    pub min_drop: f64,
}

impl Default for StageTimeRolloutConfig {
    fn default() -> Self {
        StageTimeRolloutConfig {
            window_days: 180,
            washout_days: 14,
            follow_up_days: 90,
            outcome_follow_up_days: 120,
            alpha: 0.05,
            min_group_size: 20,
            bootstrap_replicates: 200,
            seed: 7,
            fail_drop: 0.3,
            min_drop: 0.1,
        }
    }
}

impl Check for StageTimeRollout {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let intervals = intervals(input, ctx)?;
        let mut results = Vec::new();
        for rollout in &ctx.config.rollouts {
            results.push(compare_rollout(&intervals, input, ctx, rollout)?);
        }
        let findings = findings(&results, input, ctx)?;
        let compare = compare_table(&results)?;
        Ok(CheckOutput {
            tables: vec![("stage_intervals", intervals), ("stage_time_compare", compare)],
            findings,
            metrics: metrics(&results),
            charts: charts(&results),
            section: section(&results, ctx),
        })
    }
}

/// Column names of this check's frames and output tables.
mod out {
    pub const ENTERED_AT: &str = "entered_at";
    pub const EXITED_AT: &str = "exited_at";
    pub const ENTERED_BY: &str = "entered_by";
    pub const EXITED_BY: &str = "exited_by";
    pub const ENTRY_CHANGE_KEY: &str = "entry_change_key";
    pub const EXIT_CHANGE_KEY: &str = "exit_change_key";
    pub const EXIT_REASON: &str = "exit_reason";
    pub const DURATION_DAYS: &str = "duration_days";
    pub const CENSORED: &str = "censored";
    pub const STAGE_NAME: &str = "stage_name";
    pub const ROLLOUT: &str = "rollout";
    pub const ROLLOUT_DATE: &str = "rollout_date";
    pub const STAGE: &str = "stage";
    pub const N_BEFORE: &str = "n_before";
    pub const N_AFTER: &str = "n_after";
    pub const CENSORED_BEFORE: &str = "censored_before";
    pub const CENSORED_AFTER: &str = "censored_after";
    pub const P25_BEFORE: &str = "p25_before";
    pub const P25_AFTER: &str = "p25_after";
    pub const MEDIAN_BEFORE: &str = "median_before";
    pub const MEDIAN_AFTER: &str = "median_after";
    pub const P75_BEFORE: &str = "p75_before";
    pub const P75_AFTER: &str = "p75_after";
    pub const P90_BEFORE: &str = "p90_before";
    pub const P90_AFTER: &str = "p90_after";
    pub const KM_MEDIAN_BEFORE: &str = "km_median_before";
    pub const KM_MEDIAN_AFTER: &str = "km_median_after";
    pub const MW_U: &str = "mann_whitney_u";
    pub const MW_P: &str = "mann_whitney_p";
    pub const KS_D: &str = "ks_d";
    pub const KS_P: &str = "ks_p";
    pub const HL_SHIFT: &str = "hl_shift_days";
    pub const HL_LO: &str = "hl_ci_low";
    pub const HL_HI: &str = "hl_ci_high";
    pub const FOLLOW_UP: &str = "follow_up_days";
    // Working columns.
    pub const STAGE_VALUE: &str = "__stage_value";
    pub const FIRST_OLD: &str = "__first_old";
    pub const ORDER: &str = "__order";
    pub const SYS: &str = "__sys";
    pub const SID: &str = "__sid";
    pub const STATUS_NOW: &str = "__status";
    pub const CLOSED_NOW: &str = "__closed";
    pub const GROUP: &str = "__group";
    pub const DAYS: &str = "__days";
    pub const EVENT: &str = "__event";
}

const STAGE_FIELD: &str = "stage";
const US_PER_DAY: f64 = 86_400_000_000.0;
const POOLED: &str = "all stages";
const CYCLE: &str = "deal cycle (creation to close)";

// ---------------------------------------------------------------------------
// Stage intervals
// ---------------------------------------------------------------------------

/// Stage changes with their stage keys, one row per change.
fn stage_changes(input: &Inputs) -> LazyFrame {
    let stages = input.get(Table::Stages).select([
        col(SOURCE_SYSTEM).alias(out::SYS),
        col(SOURCE_ID).alias(out::SID),
        col(STAGE_KEY).alias(out::STAGE_VALUE),
    ]);
    let keyed = |alias: &str| {
        stages.clone().select([col(out::SYS), col(out::SID), col(out::STAGE_VALUE).alias(alias)])
    };
    input
        .get(Table::DealChanges)
        .filter(col(FIELD).eq(lit(STAGE_FIELD)).and(col(NEW_VALUE).is_not_null()))
        .join(
            keyed("__new_key"),
            [col(SOURCE_SYSTEM), col(NEW_VALUE)],
            [col(out::SYS), col(out::SID)],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            keyed("__old_key"),
            [col(SOURCE_SYSTEM), col(OLD_VALUE)],
            [col(out::SYS), col(out::SID)],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col(DEAL_KEY),
            col(CHANGED_AT),
            col(CHANGE_KEY),
            col(SOURCE_KEY),
            coalesce(&[col("__new_key"), col(NEW_VALUE)]).alias(out::STAGE_VALUE),
            coalesce(&[col("__old_key"), col(OLD_VALUE)]).alias(out::FIRST_OLD),
        ])
        .unique_stable_generic(
            Some(vec![col(DEAL_KEY), col(CHANGED_AT), col(out::STAGE_VALUE)]),
            UniqueKeepStrategy::First,
        )
}

/// Every stage entry: the creation (stage before the first change, else the
/// deal's current stage) and each stage change, sorted by deal and time.
fn entries(input: &Inputs) -> Result<LazyFrame> {
    let changes = stage_changes(input);
    let first_old = changes
        .clone()
        .sort([DEAL_KEY, CHANGED_AT, CHANGE_KEY], SortMultipleOptions::default())
        .group_by([col(DEAL_KEY)])
        .agg([col(out::FIRST_OLD).first()]);
    let created = input
        .get(Table::Deals)
        .join(first_old, [col(DEAL_KEY)], [col(DEAL_KEY)], JoinArgs::new(JoinType::Left))
        .select([
            col(DEAL_KEY),
            col(CREATED_AT).alias(out::ENTERED_AT),
            lit(NULL).cast(DataType::String).alias(out::ENTRY_CHANGE_KEY),
            lit("created").alias(out::ENTERED_BY),
            coalesce(&[col(out::FIRST_OLD), col(STAGE_KEY)]).alias(STAGE_KEY),
            lit(0_i32).alias(out::ORDER),
        ]);
    let moved = changes.select([
        col(DEAL_KEY),
        col(CHANGED_AT).alias(out::ENTERED_AT),
        col(CHANGE_KEY).alias(out::ENTRY_CHANGE_KEY),
        col(SOURCE_KEY).alias(out::ENTERED_BY),
        col(out::STAGE_VALUE).alias(STAGE_KEY),
        lit(1_i32).alias(out::ORDER),
    ]);
    Ok(concat([created, moved], UnionArgs::default())?.sort(
        [DEAL_KEY, out::ENTERED_AT, out::ORDER, out::ENTRY_CHANGE_KEY],
        SortMultipleOptions::default().with_nulls_last(false),
    ))
}

/// The value of `name` on the next row of the same deal (rows sorted by deal).
fn next_of_deal(name: &str) -> Expr {
    when(col(DEAL_KEY).shift(lit(-1)).eq(col(DEAL_KEY)))
        .then(col(name).shift(lit(-1)))
        .otherwise(lit(NULL))
}

/// The `stage_intervals` table, sorted by deal and entry time.
fn intervals(input: &Inputs, ctx: &RunContext) -> Result<DataFrame> {
    let as_of_us = ctx.as_of.timestamp_micros();
    let deals = input.get(Table::Deals).select([
        col(DEAL_KEY),
        col(STATUS).alias(out::STATUS_NOW),
        coalesce(&[col(CLOSED_AT), col(WON_AT), col(LOST_AT)]).alias(out::CLOSED_NOW),
    ]);
    let stages = input.get(Table::Stages).select([
        col(STAGE_KEY),
        col(PIPELINE_KEY),
        col(NAME).alias(out::STAGE_NAME),
        col(SORT_ORDER),
    ]);
    let closes = col(out::STATUS_NOW)
        .is_in(lit(Series::new("s".into(), ["won", "lost"])).implode(false), false)
        .and(col(out::CLOSED_NOW).gt_eq(col(out::ENTERED_AT)));
    let last = col(out::EXITED_AT).is_null();
    let df = entries(input)?
        .filter(col(out::ENTERED_AT).cast(DataType::Int64).lt_eq(lit(as_of_us)))
        .with_columns([
            next_of_deal(out::ENTERED_AT).alias(out::EXITED_AT),
            next_of_deal(out::ENTERED_BY).alias(out::EXITED_BY),
            next_of_deal(out::ENTRY_CHANGE_KEY).alias(out::EXIT_CHANGE_KEY),
        ])
        .join(deals, [col(DEAL_KEY)], [col(DEAL_KEY)], JoinArgs::new(JoinType::Left))
        .with_columns([
            when(last.clone().and(closes.clone()))
                .then(col(out::CLOSED_NOW))
                .otherwise(col(out::EXITED_AT))
                .alias(out::EXITED_AT),
            when(last.clone().and(closes.clone()))
                .then(col(out::STATUS_NOW))
                .when(last)
                .then(lit("open"))
                .otherwise(lit("stage_change"))
                .alias(out::EXIT_REASON),
        ])
        .join(stages, [col(STAGE_KEY)], [col(STAGE_KEY)], JoinArgs::new(JoinType::Left))
        .with_columns([
            col(out::EXITED_AT).is_null().alias(out::CENSORED),
            ((coalesce(&[col(out::EXITED_AT).cast(DataType::Int64), lit(as_of_us)])
                - col(out::ENTERED_AT).cast(DataType::Int64))
            .cast(DataType::Float64)
                / lit(US_PER_DAY))
            .alias(out::DURATION_DAYS),
        ])
        .select(interval_columns())
        .sort(
            [DEAL_KEY, out::ENTERED_AT, out::ENTRY_CHANGE_KEY],
            SortMultipleOptions::default().with_nulls_last(false).with_maintain_order(true),
        )
        .collect()?;
    Ok(df)
}

fn interval_columns() -> Vec<Expr> {
    [
        DEAL_KEY,
        PIPELINE_KEY,
        STAGE_KEY,
        out::STAGE_NAME,
        SORT_ORDER,
        out::ENTERED_AT,
        out::EXITED_AT,
        out::DURATION_DAYS,
        out::CENSORED,
        out::EXIT_REASON,
        out::ENTERED_BY,
        out::EXITED_BY,
        out::ENTRY_CHANGE_KEY,
        out::EXIT_CHANGE_KEY,
    ]
    .into_iter()
    .map(col)
    .collect()
}

// ---------------------------------------------------------------------------
// Windows and comparison
// ---------------------------------------------------------------------------

/// The two windows of one comparison, in microseconds since the epoch.
#[derive(Debug, Clone, Copy)]
struct Windows {
    before: (i64, i64),
    after: (i64, i64),
    follow_up_days: i64,
}

/// Midnight of `day` in the company zone, as UTC.
fn start_of_day(day: NaiveDate, ctx: &RunContext) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    ctx.zone
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// Before: [R − window, R − washout). After: [R + washout, min(R + washout +
/// window, as-of − follow-up)), so every after-interval has full follow-up.
fn windows(day: NaiveDate, follow_up_days: i64, ctx: &RunContext) -> Windows {
    let cfg = &ctx.config.stage_time_rollout;
    let day_us = US_PER_DAY as i64;
    let r = start_of_day(day, ctx).timestamp_micros();
    let last_start = ctx.as_of.timestamp_micros() - follow_up_days * day_us;
    let after_start = r + cfg.washout_days * day_us;
    let after_end = (after_start + cfg.window_days * day_us).min(last_start);
    Windows {
        before: (r - cfg.window_days * day_us, r - cfg.washout_days * day_us),
        after: (after_start, after_end.max(after_start)),
        follow_up_days,
    }
}

/// "before", "after" or null by the instant column `at`.
fn group_expr(at: &str, w: Windows) -> Expr {
    let t = col(at).cast(DataType::Int64);
    let inside = |(lo, hi): (i64, i64)| t.clone().gt_eq(lit(lo)).and(t.clone().lt(lit(hi)));
    when(inside(w.before))
        .then(lit("before"))
        .when(inside(w.after))
        .then(lit("after"))
        .otherwise(lit(NULL).cast(DataType::String))
}

/// Durations capped at the follow-up, with an event flag: false when the
/// stay had not ended by then (or by as-of).
#[derive(Debug, Clone, Default)]
struct Sample {
    days: Vec<f64>,
    event: Vec<bool>,
}

impl Sample {
    fn push(&mut self, days: f64, event: bool) {
        self.days.push(days);
        self.event.push(event);
    }
}

/// Summary of one group's sample.
#[derive(Debug, Clone, Default)]
struct GroupStats {
    n: usize,
    censored: usize,
    q: [Option<f64>; 4],
    km_median: Option<f64>,
}

fn group_stats(s: &Sample) -> GroupStats {
    let mut sorted = s.days.clone();
    sorted.sort_by(f64::total_cmp);
    let q = [0.25, 0.5, 0.75, 0.9].map(|p| quantile::of_sorted(&sorted, p));
    GroupStats {
        n: s.days.len(),
        censored: s.event.iter().filter(|e| !**e).count(),
        q,
        km_median: kaplan_meier::median(&s.days, &s.event),
    }
}

/// The tests comparing two samples.
#[derive(Debug, Clone, Default)]
struct Tests {
    mw: Option<mann_whitney::MannWhitney>,
    ks: Option<ks::Ks>,
    hl: Option<f64>,
    ci: Option<hodges_lehmann::Interval>,
}

fn run_tests(before: &Sample, after: &Sample, ctx: &RunContext) -> Tests {
    let cfg = &ctx.config.stage_time_rollout;
    if before.days.len() < cfg.min_group_size || after.days.len() < cfg.min_group_size {
        return Tests::default();
    }
    let (x, y) = (&before.days, &after.days);
    Tests {
        mw: mann_whitney::test(x, y),
        ks: ks::test(x, y),
        hl: hodges_lehmann::shift(x, y),
        ci: hodges_lehmann::bootstrap_ci(x, y, cfg.bootstrap_replicates, 0.95, cfg.seed),
    }
}

/// One stage (or the pooled row) of one rollout.
#[derive(Debug, Clone)]
struct StageRow {
    stage: String,
    before: GroupStats,
    after: GroupStats,
    tests: Tests,
}

impl StageRow {
    fn significant(&self, alpha: f64) -> bool {
        self.tests.mw.is_some_and(|m| m.p < alpha)
    }
    fn shift(&self) -> f64 {
        self.tests.hl.unwrap_or(0.0)
    }
    fn median_ratio(&self) -> Option<f64> {
        let (b, a) = (self.before.q[1]?, self.after.q[1]?);
        (b > 0.0).then(|| a / b)
    }
}

/// Win rate and cycle time of deals created in each window.
#[derive(Debug, Clone, Default)]
struct Outcomes {
    n: [u64; 2],
    won: [u64; 2],
    fisher_p: f64,
    cycle: Option<StageRow>,
    follow_up_days: i64,
}

impl Outcomes {
    fn win_rate(&self, g: usize) -> f64 {
        self.won[g] as f64 / self.n[g].max(1) as f64
    }
    fn win_better(&self, alpha: f64) -> bool {
        self.fisher_p < alpha && self.win_rate(1) > self.win_rate(0)
    }
    fn cycle_better(&self, alpha: f64) -> bool {
        self.cycle.as_ref().is_some_and(|c| c.significant(alpha) && c.shift() < 0.0)
    }
}

/// What the comparison concludes (DESIGN.md §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    FasterNotBetter,
    FasterAndBetter,
    Slower,
    NoChange,
    NotEnoughData,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::FasterNotBetter => "stages faster, outcomes not better",
            Verdict::FasterAndBetter => "stages faster, outcomes better",
            Verdict::Slower => "stages slower",
            Verdict::NoChange => "no significant change in stage time",
            Verdict::NotEnoughData => "not enough data",
        }
    }
}

/// Everything measured for one rollout.
#[derive(Debug, Clone)]
struct RolloutResult {
    rollout: Rollout,
    windows: Windows,
    pipelines: Vec<String>,
    stages: Vec<StageRow>,
    pooled: StageRow,
    outcomes: Outcomes,
    verdict: Verdict,
}

fn verdict(pooled: &StageRow, outcomes: &Outcomes, alpha: f64) -> Verdict {
    if pooled.tests.mw.is_none() {
        return Verdict::NotEnoughData;
    }
    if !pooled.significant(alpha) {
        return Verdict::NoChange;
    }
    let faster = pooled.shift() < 0.0 && pooled.median_ratio().is_none_or(|r| r < 1.0);
    match (faster, outcomes.win_better(alpha) || outcomes.cycle_better(alpha)) {
        (true, false) => Verdict::FasterNotBetter,
        (true, true) => Verdict::FasterAndBetter,
        (false, _) if pooled.shift() > 0.0 => Verdict::Slower,
        (false, _) => Verdict::NoChange,
    }
}

fn compare_rollout(
    intervals: &DataFrame,
    input: &Inputs,
    ctx: &RunContext,
    rollout: &Rollout,
) -> Result<RolloutResult> {
    let cfg = &ctx.config.stage_time_rollout;
    let w = windows(rollout.date, cfg.follow_up_days, ctx);
    let pipelines = touched_pipelines(intervals, &rollout.sources)?;
    let (per_stage, all) = stage_samples(intervals, w, &pipelines)?;
    let stages = per_stage
        .into_iter()
        .map(|(stage, (b, a))| StageRow {
            tests: run_tests(&b, &a, ctx),
            before: group_stats(&b),
            after: group_stats(&a),
            stage,
        })
        .collect();
    let pooled = StageRow {
        stage: POOLED.to_owned(),
        tests: run_tests(&all.0, &all.1, ctx),
        before: group_stats(&all.0),
        after: group_stats(&all.1),
    };
    let outcomes = outcomes(input, rollout.date, &pipelines, ctx)?;
    let verdict = verdict(&pooled, &outcomes, cfg.alpha);
    Ok(RolloutResult {
        rollout: rollout.clone(),
        windows: w,
        pipelines: pipelines.str()?.iter().flatten().map(str::to_owned).collect(),
        stages,
        pooled,
        outcomes,
        verdict,
    })
}

/// Pipelines in which the rollout's sources moved a deal into or out of a
/// stage (as a one-column series); empty when they moved none.
fn touched_pipelines(intervals: &DataFrame, sources: &[String]) -> Result<Series> {
    let by = |c: &str| {
        let mut e = lit(false);
        for s in sources {
            e = e.or(col(c).eq(lit(s.as_str()))).or(col(c).str().starts_with(lit(format!("{s}:"))));
        }
        e
    };
    let df = intervals
        .clone()
        .lazy()
        .filter(by(out::ENTERED_BY).or(by(out::EXITED_BY)).and(col(PIPELINE_KEY).is_not_null()))
        .select([col(PIPELINE_KEY)])
        .unique(None, UniqueKeepStrategy::First)
        .sort([PIPELINE_KEY], SortMultipleOptions::default())
        .collect()?;
    Ok(df.column(PIPELINE_KEY)?.as_materialized_series().clone())
}

/// Keeps rows whose pipeline is in `pipelines` (all rows when it is empty).
fn in_pipelines(lf: LazyFrame, pipelines: &Series) -> LazyFrame {
    if pipelines.is_empty() {
        return lf;
    }
    lf.filter(col(PIPELINE_KEY).is_in(lit(pipelines.clone()).implode(false), false))
}

type StageSamples = (Vec<(String, (Sample, Sample))>, (Sample, Sample));

/// Capped durations of the windowed intervals, per stage (in pipeline and
/// stage order) and pooled.
fn stage_samples(intervals: &DataFrame, w: Windows, pipelines: &Series) -> Result<StageSamples> {
    let cap = w.follow_up_days as f64;
    let df = in_pipelines(intervals.clone().lazy(), pipelines)
        .with_column(group_expr(out::ENTERED_AT, w).alias(out::GROUP))
        .filter(col(out::GROUP).is_not_null())
        .select([
            col(PIPELINE_KEY),
            col(SORT_ORDER),
            coalesce(&[col(out::STAGE_NAME), col(STAGE_KEY)]).alias(out::STAGE),
            col(out::GROUP),
            col(out::DURATION_DAYS).clip_max(lit(cap)).alias(out::DAYS),
            col(out::CENSORED).not().and(col(out::DURATION_DAYS).lt_eq(lit(cap))).alias(out::EVENT),
        ])
        .sort([PIPELINE_KEY, SORT_ORDER, out::STAGE], SortMultipleOptions::default())
        .collect()?;
    let stage = strs(&df, out::STAGE)?;
    let group = strs(&df, out::GROUP)?;
    let days = f64s(&df, out::DAYS)?;
    let event = bools(&df, out::EVENT)?;
    let mut per: Vec<(String, (Sample, Sample))> = Vec::new();
    let mut all = (Sample::default(), Sample::default());
    for i in 0..stage.len() {
        if per.last().is_none_or(|l| l.0 != stage[i]) {
            per.push((stage[i].clone(), Default::default()));
        }
        let Some(slot) = per.last_mut() else { continue };
        let (one, pooled) = if group[i] == "before" {
            (&mut slot.1.0, &mut all.0)
        } else {
            (&mut slot.1.1, &mut all.1)
        };
        one.push(days[i], event[i]);
        pooled.push(days[i], event[i]);
    }
    Ok((per, all))
}

/// Win rate and cycle time (creation to close, capped at the outcome
/// follow-up) of deals created in the two windows.
fn outcomes(
    input: &Inputs,
    day: NaiveDate,
    pipelines: &Series,
    ctx: &RunContext,
) -> Result<Outcomes> {
    let cfg = &ctx.config.stage_time_rollout;
    let w = windows(day, cfg.outcome_follow_up_days, ctx);
    let cap = cfg.outcome_follow_up_days as f64;
    let closed = coalesce(&[col(CLOSED_AT), col(WON_AT), col(LOST_AT)]);
    let days = (closed.cast(DataType::Int64) - col(CREATED_AT).cast(DataType::Int64))
        .cast(DataType::Float64)
        / lit(US_PER_DAY);
    let is_closed = col(STATUS).eq(lit("won")).or(col(STATUS).eq(lit("lost")));
    let df = in_pipelines(input.get(Table::Deals), pipelines)
        .with_column(group_expr(CREATED_AT, w).alias(out::GROUP))
        .filter(col(out::GROUP).is_not_null())
        .with_column(when(is_closed).then(days).otherwise(lit(NULL)).alias(out::DAYS))
        .select([
            col(out::GROUP),
            col(out::DAYS).fill_null(lit(cap)).clip_max(lit(cap)).alias(out::DAYS),
            col(out::DAYS).lt_eq(lit(cap)).fill_null(lit(false)).alias(out::EVENT),
            col(STATUS).eq(lit("won")).and(col(out::DAYS).lt_eq(lit(cap))).alias("__won"),
        ])
        .collect()?;
    let group = strs(&df, out::GROUP)?;
    let (d, e, won) = (f64s(&df, out::DAYS)?, bools(&df, out::EVENT)?, bools(&df, "__won")?);
    let mut o = Outcomes { follow_up_days: cfg.outcome_follow_up_days, ..Default::default() };
    let mut samples = (Sample::default(), Sample::default());
    for i in 0..group.len() {
        let g = usize::from(group[i] == "after");
        o.n[g] += 1;
        o.won[g] += u64::from(won[i]);
        if g == 0 { samples.0.push(d[i], e[i]) } else { samples.1.push(d[i], e[i]) }
    }
    o.fisher_p = fisher::two_sided(o.won[0], o.n[0] - o.won[0], o.won[1], o.n[1] - o.won[1]);
    o.cycle = Some(StageRow {
        stage: CYCLE.to_owned(),
        tests: run_tests(&samples.0, &samples.1, ctx),
        before: group_stats(&samples.0),
        after: group_stats(&samples.1),
    });
    Ok(o)
}

// ---------------------------------------------------------------------------
// Output table, findings, metrics, charts, text
// ---------------------------------------------------------------------------

/// Columns of `stage_time_compare`, built row by row from the few stage rows.
#[derive(Default)]
struct CompareColumns {
    rollout: Vec<String>,
    date: Vec<String>,
    stage: Vec<String>,
    follow_up: Vec<i64>,
    n: [Vec<u64>; 4],
    q: Vec<Vec<Option<f64>>>,
    tests: Vec<Vec<Option<f64>>>,
}

fn compare_table(results: &[RolloutResult]) -> Result<DataFrame> {
    let mut c = CompareColumns {
        q: vec![Vec::new(); 10],
        tests: vec![Vec::new(); 7],
        ..Default::default()
    };
    for r in results {
        let rows = r.stages.iter().chain(std::iter::once(&r.pooled));
        for row in rows.chain(r.outcomes.cycle.iter()) {
            let follow = if row.stage == CYCLE {
                r.outcomes.follow_up_days
            } else {
                r.windows.follow_up_days
            };
            push_compare(&mut c, r, row, follow);
        }
    }
    let q_names = [
        out::P25_BEFORE,
        out::MEDIAN_BEFORE,
        out::P75_BEFORE,
        out::P90_BEFORE,
        out::KM_MEDIAN_BEFORE,
        out::P25_AFTER,
        out::MEDIAN_AFTER,
        out::P75_AFTER,
        out::P90_AFTER,
        out::KM_MEDIAN_AFTER,
    ];
    let t_names =
        [out::MW_U, out::MW_P, out::KS_D, out::KS_P, out::HL_SHIFT, out::HL_LO, out::HL_HI];
    let mut cols = vec![
        Column::new(out::ROLLOUT.into(), c.rollout),
        Column::new(out::ROLLOUT_DATE.into(), c.date),
        Column::new(out::STAGE.into(), c.stage),
        Column::new(out::FOLLOW_UP.into(), c.follow_up),
        Column::new(out::N_BEFORE.into(), c.n[0].clone()),
        Column::new(out::CENSORED_BEFORE.into(), c.n[1].clone()),
        Column::new(out::N_AFTER.into(), c.n[2].clone()),
        Column::new(out::CENSORED_AFTER.into(), c.n[3].clone()),
    ];
    cols.extend(q_names.iter().zip(c.q).map(|(n, v)| Column::new((*n).into(), v)));
    cols.extend(t_names.iter().zip(c.tests).map(|(n, v)| Column::new((*n).into(), v)));
    Ok(DataFrame::new_infer_height(cols)?)
}

fn push_compare(c: &mut CompareColumns, r: &RolloutResult, row: &StageRow, follow: i64) {
    c.rollout.push(r.rollout.name.clone());
    c.date.push(r.rollout.date.to_string());
    c.stage.push(row.stage.clone());
    c.follow_up.push(follow);
    let counts = [row.before.n, row.before.censored, row.after.n, row.after.censored];
    for (v, n) in c.n.iter_mut().zip(counts) {
        v.push(n as u64);
    }
    let g = |s: &GroupStats| [s.q[0], s.q[1], s.q[2], s.q[3], s.km_median];
    let qs = g(&row.before).into_iter().chain(g(&row.after));
    for (v, q) in c.q.iter_mut().zip(qs) {
        v.push(q);
    }
    let t = &row.tests;
    let tests = [
        t.mw.map(|m| m.u1),
        t.mw.map(|m| m.p),
        t.ks.map(|k| k.d),
        t.ks.map(|k| k.p),
        t.hl,
        t.ci.map(|i| i.lo),
        t.ci.map(|i| i.hi),
    ];
    for (v, x) in c.tests.iter_mut().zip(tests) {
        v.push(x);
    }
}

/// True for a change written by one of the rollout's sources: its source key
/// (or the key's class prefix), source class or raw source.
fn source_matches(sources: &[String]) -> Expr {
    let mut expr = lit(false);
    for s in sources {
        expr = expr
            .or(col(SOURCE_KEY).eq(lit(s.as_str())))
            .or(col(SOURCE_KEY).str().starts_with(lit(format!("{s}:"))))
            .or(col(SOURCE_CLASS).eq(lit(s.as_str())))
            .or(col(SOURCE_RAW).eq(lit(s.as_str())));
    }
    expr
}

/// Stage changes the rollout's sources wrote on or after its date, with the
/// open value of their deals: (change keys, deal keys, open value).
fn rollout_moves(
    input: &Inputs,
    r: &RolloutResult,
    ctx: &RunContext,
) -> Result<(Vec<String>, Vec<String>, f64)> {
    let start = start_of_day(r.rollout.date, ctx).timestamp_micros();
    let moves = input
        .get(Table::DealChanges)
        .filter(
            col(FIELD)
                .eq(lit(STAGE_FIELD))
                .and(col(CHANGED_AT).cast(DataType::Int64).gt_eq(lit(start)))
                .and(source_matches(&r.rollout.sources)),
        )
        .select([col(CHANGE_KEY), col(DEAL_KEY)])
        .sort([CHANGE_KEY], SortMultipleOptions::default())
        .collect()?;
    let changes = strs(&moves, CHANGE_KEY)?;
    let mut deals = strs(&moves, DEAL_KEY)?;
    deals.sort();
    deals.dedup();
    let open = input
        .get(Table::Deals)
        .join(
            moves.lazy().select([col(DEAL_KEY)]).unique(None, UniqueKeepStrategy::First),
            [col(DEAL_KEY)],
            [col(DEAL_KEY)],
            JoinArgs::new(JoinType::Semi),
        )
        .filter(col(STATUS).eq(lit("open")))
        .select([col(VALUE).sum()])
        .collect()?;
    let value = f64s(&open, VALUE)?.first().copied().filter(|v| v.is_finite()).unwrap_or(0.0);
    Ok((changes, deals, value))
}

fn findings(results: &[RolloutResult], input: &Inputs, ctx: &RunContext) -> Result<Vec<Finding>> {
    let cfg = &ctx.config.stage_time_rollout;
    let mut found = Vec::new();
    for r in results {
        let severity = match r.verdict {
            Verdict::FasterNotBetter => {
                let drop = 1.0 - r.pooled.median_ratio().unwrap_or(1.0);
                match drop {
                    d if d >= cfg.fail_drop => Severity::Fail,
                    d if d >= cfg.min_drop => Severity::Warn,
                    _ => Severity::Info,
                }
            },
            Verdict::FasterAndBetter | Verdict::Slower => Severity::Info,
            Verdict::NoChange | Verdict::NotEnoughData => continue,
        };
        let (changes, deals, value) = rollout_moves(input, r, ctx)?;
        let mut evidence: Vec<(&'static str, String)> =
            changes.into_iter().map(|k| ("deal_change", k)).collect();
        evidence.extend(deals.into_iter().map(|d| ("deal", d)));
        found.push(Finding {
            severity,
            segment: r.rollout.name.clone(),
            metric: "stage_time_median_ratio".to_owned(),
            value: r.pooled.median_ratio().unwrap_or(f64::NAN),
            threshold: 1.0 - cfg.fail_drop,
            message: message(r),
            value_at_stake: Some(value),
            evidence,
        });
    }
    Ok(found)
}

fn days(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |d| format!("{d:.1} d"))
}

fn message(r: &RolloutResult) -> String {
    let p = &r.pooled;
    let o = &r.outcomes;
    let ci = p.tests.ci.map_or(String::new(), |c| format!(", 95% CI {:.1} to {:.1}", c.lo, c.hi));
    let cycle = o.cycle.as_ref();
    format!(
        "After `{name}` went live on {date}, a stay in a stage took a median {a} instead of {b} \
         (shift {s:+.1} d{ci}; Mann–Whitney p = {mw:.2e}); win rate {wb:.1}% → {wa:.1}% \
         (Fisher p = {fp:.3}) and median deal cycle {cb} → {ca}: {verdict}",
        name = r.rollout.name,
        date = r.rollout.date,
        a = days(p.after.q[1]),
        b = days(p.before.q[1]),
        s = p.shift(),
        mw = p.tests.mw.map_or(f64::NAN, |m| m.p),
        wb = 100.0 * o.win_rate(0),
        wa = 100.0 * o.win_rate(1),
        fp = o.fisher_p,
        cb = days(cycle.and_then(|c| c.before.km_median)),
        ca = days(cycle.and_then(|c| c.after.km_median)),
        verdict = r.verdict.as_str(),
    )
}

fn metrics(results: &[RolloutResult]) -> Vec<Metric> {
    let mut m = Vec::new();
    for r in results {
        let seg = &r.rollout.name;
        let mut push = |name: &str, v: Option<f64>| {
            if let Some(value) = v {
                m.push(Metric { metric: name.to_owned(), segment: seg.clone(), value });
            }
        };
        let p = &r.pooled;
        push("stage_time_median_before_days", p.before.q[1]);
        push("stage_time_median_after_days", p.after.q[1]);
        push("stage_time_km_median_before_days", p.before.km_median);
        push("stage_time_km_median_after_days", p.after.km_median);
        push("stage_time_hl_shift_days", p.tests.hl);
        push("stage_time_mann_whitney_p", p.tests.mw.map(|t| t.p));
        push("stage_time_ks_p", p.tests.ks.map(|t| t.p));
        push("stage_intervals_before", Some(p.before.n as f64));
        push("stage_intervals_after", Some(p.after.n as f64));
        push("win_rate_before", Some(r.outcomes.win_rate(0)));
        push("win_rate_after", Some(r.outcomes.win_rate(1)));
        push("win_rate_fisher_p", Some(r.outcomes.fisher_p));
        let cycle = r.outcomes.cycle.as_ref();
        push("cycle_km_median_before_days", cycle.and_then(|c| c.before.km_median));
        push("cycle_km_median_after_days", cycle.and_then(|c| c.after.km_median));
        push("cycle_mann_whitney_p", cycle.and_then(|c| c.tests.mw.map(|t| t.p)));
    }
    m
}

fn charts(results: &[RolloutResult]) -> Vec<Chart> {
    let mut charts = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let suffix = if i == 0 { String::new() } else { format!("_{}", i + 1) };
        let x_categories: Vec<String> = r.stages.iter().map(|s| s.stage.clone()).collect();
        let series = |pick: fn(&StageRow) -> Option<f64>, name: &str| {
            (name.to_owned(), r.stages.iter().map(|s| pick(s).unwrap_or(0.0)).collect())
        };
        charts.push(Chart {
            file: format!("stage_time_rollout{suffix}"),
            title: format!("Days in stage (p25, median, p75) before vs after {}", r.rollout.name),
            x_label: "stage".to_owned(),
            y_label: "days in stage (capped at follow-up)".to_owned(),
            y_share: false,
            x_categories,
            series: vec![
                series(|s| s.before.q[0], "before p25"),
                series(|s| s.before.q[1], "before median"),
                series(|s| s.before.q[2], "before p75"),
                series(|s| s.after.q[0], "after p25"),
                series(|s| s.after.q[1], "after median"),
                series(|s| s.after.q[2], "after p75"),
            ],
        });
    }
    charts
}

fn section(results: &[RolloutResult], ctx: &RunContext) -> Section {
    let cfg = &ctx.config.stage_time_rollout;
    let tested = format!(
        "Stage intervals are rebuilt from the change log (a re-entry is a new stay; a deal closing \
         won or lost ends its stay; a stay still open is cut at the as-of date). For each rollout \
         in the config, stays that began in the {w} days before go-live are compared with stays \
         that began in the {w} days after, leaving out {wo} days on each side of the date. Every \
         stay is followed for at most {f} days in both groups, and the after window ends {f} days \
         before the as-of date, so a stay that has not ended yet counts the same way in both \
         groups. Tests: Mann–Whitney U (two-sided, tie-corrected), Kolmogorov–Smirnov, the \
         Hodges–Lehmann shift (median of after − before differences) with a {b}-replicate seeded \
         bootstrap 95% interval, and Kaplan–Meier medians. Win rate (won within {of} days of \
         creation, Fisher's exact test) and deal cycle time (creation to close, capped at {of} \
         days) compare deals created in the two windows the same way.",
        w = cfg.window_days,
        wo = cfg.washout_days,
        f = cfg.follow_up_days,
        b = cfg.bootstrap_replicates,
        of = cfg.outcome_follow_up_days,
    );
    let found = if results.is_empty() {
        "No rollout is configured (`[[rollouts]]` in pipetrust.toml), so nothing was compared."
            .to_owned()
    } else {
        results.iter().map(found_text).collect::<Vec<_>>().join("\n\n")
    };
    let todo = todo_text(results);
    let caveats = format!(
        "Before/after comparisons show change around a date, not its cause: a new sales process, \
         season or team change at the same time would show too. Stages with fewer than {n} stays \
         in either window are listed but not tested. Quantiles are of stays capped at the \
         follow-up; a value equal to the cap means \"at least that long\". Win rate and cycle time \
         cover the deals created in each window in the pipelines the rollout moves deals in. A \
         close is read from the deals table, so a deal reopened and closed again ends its last \
         stay at its last close. The `--since`/`--until` options do not narrow this check: its \
         windows come from the rollout date.",
        n = cfg.min_group_size
    );
    Section { tested, found, todo, caveats }
}

fn todo_text(results: &[RolloutResult]) -> String {
    if results.iter().any(|r| r.verdict == Verdict::FasterNotBetter) {
        "Do not read faster stage movement after these rollouts as better selling: deals move \
         through stages faster but do not win more or close sooner. Check what the rollout does \
         to stages (automatic moves on a trigger rather than on buyer progress), keep automated \
         stage moves out of stage-velocity and forecast reports, or make the automation wait for \
         the customer-facing evidence a rep would need."
            .to_owned()
    } else {
        "Nothing to do about stage timing: no rollout made stages faster without better outcomes."
            .to_owned()
    }
}

fn found_text(r: &RolloutResult) -> String {
    let fmt = |b: Option<f64>| b.map_or("–".to_owned(), |v| format!("{v:.1}"));
    let mut t = format!(
        "**{}** (live {}, sources {}; pipelines it moves deals in: {}): verdict **{}**.\n\n",
        r.rollout.name,
        r.rollout.date,
        r.rollout.sources.join(", "),
        if r.pipelines.is_empty() {
            "none found, all compared".to_owned()
        } else {
            r.pipelines.join(", ")
        },
        r.verdict.as_str()
    );
    t.push_str(
        "| stage | stays before (cut) | stays after (cut) | median before | median after | \
         shift (d) | 95% CI | Mann–Whitney p | KS D |\n\
         |---|---:|---:|---:|---:|---:|---|---:|---:|\n",
    );
    let rows = r.stages.iter().chain(std::iter::once(&r.pooled)).chain(r.outcomes.cycle.iter());
    for s in rows {
        let ci = s.tests.ci.map_or("–".to_owned(), |c| format!("{:.1} to {:.1}", c.lo, c.hi));
        t.push_str(&format!(
            "| {} | {} ({}) | {} ({}) | {} | {} | {} | {} | {} | {} |\n",
            s.stage,
            s.before.n,
            s.before.censored,
            s.after.n,
            s.after.censored,
            fmt(s.before.q[1]),
            fmt(s.after.q[1]),
            fmt(s.tests.hl),
            ci,
            s.tests.mw.map_or("–".to_owned(), |m| format!("{:.2e}", m.p)),
            s.tests.ks.map_or("–".to_owned(), |k| format!("{:.2}", k.d)),
        ));
    }
    let o = &r.outcomes;
    t.push_str(&format!(
        "\nWin rate of deals created before: {:.1}% of {}; after: {:.1}% of {} (Fisher p = {:.3}).",
        100.0 * o.win_rate(0),
        o.n[0],
        100.0 * o.win_rate(1),
        o.n[1],
        o.fisher_p
    ));
    t
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone as _;

    use super::*;
    use crate::calendar::WorkCalendar;
    use crate::config::Config;

    const DAY: i64 = 86_400_000_000;

    fn us(y: i32, m: u32, d: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap().timestamp_micros()
    }

    /// A canonical frame from the given columns; the others are null.
    fn frame(table: Table, cols: Vec<Column>) -> DataFrame {
        let height = cols.first().map_or(0, Column::len);
        let columns: Vec<Column> = table
            .schema()
            .iter()
            .map(|(name, dtype)| match cols.iter().find(|c| c.name() == name) {
                Some(c) => c.cast(dtype).unwrap(),
                None => Column::full_null(name.clone(), height, dtype),
            })
            .collect();
        DataFrame::new_infer_height(columns).unwrap()
    }

    fn inputs(deals: DataFrame, changes: DataFrame) -> Inputs {
        let stages = frame(
            Table::Stages,
            vec![
                Column::new(STAGE_KEY.into(), ["pd:1", "pd:2", "pd:3"]),
                Column::new(SOURCE_SYSTEM.into(), ["pipedrive"; 3]),
                Column::new(SOURCE_ID.into(), ["1", "2", "3"]),
                Column::new(PIPELINE_KEY.into(), ["pd:1"; 3]),
                Column::new(NAME.into(), ["One", "Two", "Three"]),
                Column::new(SORT_ORDER.into(), [1_i64, 2, 3]),
            ],
        );
        let mut frames: BTreeMap<Table, DataFrame> =
            Table::ALL.iter().map(|t| (*t, frame(*t, Vec::new()))).collect();
        frames.insert(Table::Stages, stages);
        frames.insert(Table::Deals, deals);
        frames.insert(Table::DealChanges, changes);
        Inputs::new(&frames)
    }

    fn ctx(rollout: NaiveDate, sources: &[&str], as_of: i64) -> RunContext {
        let mut config = Config::default();
        config.rollouts.push(Rollout {
            name: "Bot".to_owned(),
            date: rollout,
            sources: sources.iter().map(|s| (*s).to_owned()).collect(),
        });
        RunContext {
            config,
            zone: chrono_tz::UTC,
            calendar: WorkCalendar::new([]),
            as_of: DateTime::from_timestamp_micros(as_of).unwrap(),
            since: None,
            until: None,
        }
    }

    /// A deals row: (key, created, status, closed, final stage).
    type DealRow = (String, i64, &'static str, Option<i64>, &'static str);

    fn deals(rows: &[DealRow]) -> DataFrame {
        let won: Vec<Option<i64>> =
            rows.iter().map(|r| if r.2 == "won" { r.3 } else { None }).collect();
        frame(
            Table::Deals,
            vec![
                Column::new(DEAL_KEY.into(), rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>()),
                Column::new(CREATED_AT.into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
                Column::new(STATUS.into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
                Column::new(CLOSED_AT.into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
                Column::new(WON_AT.into(), won),
                Column::new(STAGE_KEY.into(), rows.iter().map(|r| r.4).collect::<Vec<_>>()),
                Column::new(PIPELINE_KEY.into(), vec!["pd:1"; rows.len()]),
                Column::new(VALUE.into(), vec![1000.0; rows.len()]),
            ],
        )
    }

    /// Change rows: (key, deal, field, old, new, at, source key, class).
    type ChangeRow = (String, String, &'static str, &'static str, &'static str, i64, &'static str);

    fn changes(rows: &[ChangeRow]) -> DataFrame {
        let class = |k: &str| if k.starts_with("human") { "human_ui" } else { "automation" };
        frame(
            Table::DealChanges,
            vec![
                Column::new(
                    CHANGE_KEY.into(),
                    rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
                ),
                Column::new(DEAL_KEY.into(), rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>()),
                Column::new(FIELD.into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
                Column::new(OLD_VALUE.into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
                Column::new(NEW_VALUE.into(), rows.iter().map(|r| r.4).collect::<Vec<_>>()),
                Column::new(CHANGED_AT.into(), rows.iter().map(|r| r.5).collect::<Vec<_>>()),
                Column::new(SOURCE_KEY.into(), rows.iter().map(|r| r.6).collect::<Vec<_>>()),
                Column::new(
                    SOURCE_CLASS.into(),
                    rows.iter().map(|r| class(r.6)).collect::<Vec<_>>(),
                ),
                Column::new(SOURCE_SYSTEM.into(), vec!["pipedrive"; rows.len()]),
            ],
        )
    }

    fn change(
        n: usize,
        deal: &str,
        field: &'static str,
        old: &'static str,
        new: &'static str,
        at: i64,
        by: &'static str,
    ) -> ChangeRow {
        (format!("pd:c{n}"), deal.to_owned(), field, old, new, at, by)
    }

    #[test]
    fn config_has_design_defaults_and_rejects_unknown_keys() {
        let c = Config::parse("[stage_time_rollout]\nwindow_days = 90\n").unwrap();
        assert_eq!(c.stage_time_rollout.window_days, 90);
        assert_eq!(c.stage_time_rollout.washout_days, 14);
        assert_eq!(Config::parse("").unwrap().stage_time_rollout.window_days, 180);
        let err = Config::parse("[stage_time_rollout]\nwindow = 90\n").unwrap_err();
        assert!(err.contains("window"), "{err}");
    }

    #[test]
    fn intervals_handle_reentry_duplicates_closing_and_censoring() {
        let t0 = us(2025, 1, 1);
        let d = deals(&[
            ("pd:a".to_owned(), t0, "won", Some(t0 + 20 * DAY), "pd:2"),
            ("pd:b".to_owned(), t0 + DAY, "open", None, "pd:3"),
        ]);
        let c = changes(&[
            change(1, "pd:a", "stage", "1", "2", t0 + 2 * DAY, "human:ui"),
            change(2, "pd:a", "stage_change_time", "", "x", t0 + 2 * DAY, "human:ui"),
            change(3, "pd:a", "stage", "1", "2", t0 + 2 * DAY, "human:ui"),
            change(4, "pd:a", "stage", "2", "1", t0 + 5 * DAY, "human:ui"),
            change(5, "pd:a", "stage", "1", "2", t0 + 9 * DAY, "automation:x"),
        ]);
        let ctx = ctx(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(), &["automation"], t0 + 31 * DAY);
        let iv = intervals(&inputs(d, c), &ctx).unwrap();
        assert_eq!(iv.height(), 5, "{iv}");
        let stage = strs(&iv, STAGE_KEY).unwrap();
        let reason = strs(&iv, out::EXIT_REASON).unwrap();
        let dur = f64s(&iv, out::DURATION_DAYS).unwrap();
        let censored = bools(&iv, out::CENSORED).unwrap();
        assert_eq!(stage, ["pd:1", "pd:2", "pd:1", "pd:2", "pd:3"]);
        assert_eq!(reason, ["stage_change", "stage_change", "stage_change", "won", "open"]);
        assert_eq!(dur, [2.0, 3.0, 4.0, 11.0, 30.0]);
        assert_eq!(censored, [false, false, false, false, true]);
        assert_eq!(strs(&iv, out::EXITED_BY).unwrap()[2], "automation:x");
    }

    /// `n` deals created from `start`, each spending `stays` days in stages
    /// 1, 2 and 3 (moved by `by`), then closed; every fourth one won.
    fn cohort(
        start: i64,
        n: usize,
        stays: [f64; 2],
        by: &'static str,
        first: usize,
    ) -> (Vec<DealRow>, Vec<ChangeRow>) {
        let (mut d, mut c) = (Vec::new(), Vec::new());
        for i in 0..n {
            let key = format!("pd:{}", first + i);
            let t = start + i as i64 * DAY;
            let jitter = (i as f64 * 0.01 * DAY as f64) as i64;
            let t1 = t + (stays[0] * DAY as f64) as i64 + jitter;
            let t2 = t1 + (stays[1] * DAY as f64) as i64 + jitter;
            let status = if i % 4 == 0 { "won" } else { "lost" };
            d.push((key.clone(), t, status, Some(t + 30 * DAY + jitter), "pd:3"));
            c.push(change(2 * (first + i), &key, "stage", "1", "2", t1, by));
            c.push(change(2 * (first + i) + 1, &key, "stage", "2", "3", t2, by));
        }
        (d, c)
    }

    fn sample_run(after_stays: [f64; 2], as_of: i64) -> (CheckOutput, RunContext) {
        let (mut d, mut c) = cohort(us(2025, 2, 1), 40, [10.0, 10.0], "human:ui", 0);
        let (d2, c2) = cohort(us(2025, 8, 1), 40, after_stays, "automation:bot", 100);
        d.extend(d2);
        c.extend(c2);
        let ctx = ctx(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(), &["automation"], as_of);
        let out = StageTimeRollout.run(&inputs(deals(&d), changes(&c)), &ctx).unwrap();
        (out, ctx)
    }

    #[test]
    fn faster_stages_with_the_same_outcomes_fail_with_the_rollouts_moves_as_evidence() {
        let (out, _) = sample_run([3.0, 3.0], us(2026, 6, 1));
        assert_eq!(out.findings.len(), 1);
        let f = &out.findings[0];
        assert_eq!(f.severity, Severity::Fail, "{}", f.message);
        assert!(f.message.contains("stages faster, outcomes not better"), "{}", f.message);
        let changes: Vec<&String> =
            f.evidence.iter().filter(|e| e.0 == "deal_change").map(|e| &e.1).collect();
        assert_eq!(changes.len(), 80);
        // Only the automation's moves (keys pd:c200 and up), none of the people's.
        assert!(changes.iter().all(|k| k[4..].parse::<usize>().unwrap() >= 200));
        assert_eq!(f.value_at_stake, Some(0.0));
        let compare = &out.tables[1].1;
        assert_eq!(strs(compare, out::STAGE).unwrap()[3], POOLED);
    }

    /// A 5% faster median is below `min_drop`: never more than information.
    #[test]
    fn a_small_drop_does_not_gate() {
        let (out, _) = sample_run([9.5, 9.5], us(2026, 6, 1));
        assert!(out.findings.iter().all(|f| f.severity == Severity::Info), "{:?}", out.findings);
    }

    #[test]
    fn no_change_gives_no_finding() {
        let (out, _) = sample_run([10.0, 10.0], us(2026, 6, 1));
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        assert!(out.section.found.contains("no significant change"));
    }

    #[test]
    fn faster_stages_with_shorter_cycles_are_information() {
        let (mut d, mut c) = cohort(us(2025, 2, 1), 40, [10.0, 10.0], "human:ui", 0);
        let (mut d2, c2) = cohort(us(2025, 8, 1), 40, [3.0, 3.0], "automation:bot", 100);
        for row in &mut d2 {
            row.3 = row.3.map(|t| t - 20 * DAY);
        }
        d.extend(d2);
        c.extend(c2);
        let ctx =
            ctx(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(), &["automation"], us(2026, 6, 1));
        let out = StageTimeRollout.run(&inputs(deals(&d), changes(&c)), &ctx).unwrap();
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Info);
        assert!(out.findings[0].message.contains("outcomes better"));
    }

    /// The after window ends one follow-up before as-of, so a rollout too
    /// recent to follow up gives "not enough data", never a verdict from
    /// stays cut short.
    #[test]
    fn too_recent_a_rollout_is_not_judged() {
        let (out, ctx) = sample_run([3.0, 3.0], us(2025, 10, 1));
        assert!(out.findings.is_empty());
        assert!(out.section.found.contains("not enough data"));
        let w = windows(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(), 90, &ctx);
        assert_eq!(w.after.1, w.after.0);
        assert_eq!(w.before, (us(2025, 1, 2), us(2025, 6, 17)));
    }
}
