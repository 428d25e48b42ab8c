//! `stage_provenance`: who moves deals between stages? (DESIGN.md §4.5)
//!
//! Counts stage changes by source class per company-local month, with the share each class
//! holds and the share whose writer is unknown. Then, for every stage change made by something
//! other than a person (API client, integration, workflow automation, import, the CRM itself),
//! looks for a human touch on the same deal within 24 hours either side: a person's own write to
//! the deal (web, mobile or bulk edit), or an activity or note a person created or completed.
//! A move with no such touch is "unattended": nobody who sells looked at the deal around it.
//!
//! A user counts as a person when the users table says so, or when its class is unknown and it
//! has written through a human channel (web, mobile, bulk edit) at least once.
//!
//! Cost: one pass over the stage changes grouped by month; the touch test is a join of the
//! automated moves with the deal's human touches on `deal_key` (a few rows per deal), then a
//! filter on the time difference. Per-row Rust only over the per-source summaries.

use polars::prelude::*;
use serde::Deserialize;

use super::frame::{strs, u64s};

use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::col::*;
use crate::model::{SourceClass, Table};
use crate::text::thousands;

/// The check.
pub struct StageProvenance;

static META: CheckMeta = CheckMeta {
    name: "stage_provenance",
    purpose: "Who moves deals between stages, and automated moves no person touched within 24 h",
    needs: &[Table::DealChanges, Table::Deals, Table::Activities, Table::Notes, Table::Users],
    outputs: &["stage_provenance", "stage_provenance_unattended"],
};

/// Thresholds of `stage_provenance` (`[stage_provenance]` in `pipetrust.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StageProvenanceConfig {
    /// A human touch this many hours before or after a move attends it.
    pub touch_hours: i64,
    /// Warn when more than this share of stage changes has an unknown writer.
    pub max_unknown_share: f64,
    /// A source needs at least this many unattended moves to be a warning.
    pub min_moves: u64,
    /// A source whose unattended share of its stage moves is at least this fails.
    pub fail_share: f64,
}

impl Default for StageProvenanceConfig {
    fn default() -> Self {
        StageProvenanceConfig {
            touch_hours: 24,
            max_unknown_share: 0.05,
            min_moves: 5,
            fail_share: 0.5,
        }
    }
}

impl Check for StageProvenance {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let moves = stage_changes(input, ctx).collect()?;
        let monthly = monthly_table(&moves)?;
        let unattended = unattended(input, &moves, ctx)?;
        let sources = source_summary(&moves, &unattended)?;
        let findings = findings(&sources, &unattended, &monthly, input, ctx)?;
        let metrics = metrics(&monthly, &sources)?;
        let chart = chart(&monthly)?;
        let at_stake = open_value(input, &dedup(strs(&unattended, DEAL_KEY)?))?;
        let section = section(&monthly, &sources, &findings, at_stake, ctx);
        Ok(CheckOutput {
            tables: vec![
                ("stage_provenance", monthly),
                ("stage_provenance_unattended", unattended),
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
    pub const MONTH: &str = "month";
    pub const N_CHANGES: &str = "n_stage_changes";
    pub const SHARE: &str = "share_of_month";
    pub const N_MOVES: &str = "n_moves";
    pub const N_UNATTENDED: &str = "n_unattended";
    pub const T: &str = "__t";
    pub const TOUCH: &str = "__touch";
    pub const MONTH_TOTAL: &str = "__month_total";
}

/// Source classes that are a person's hand (bulk edits included: a person decided them).
pub(super) const HUMAN_CLASSES: [SourceClass; 3] =
    [SourceClass::HumanUi, SourceClass::HumanMobile, SourceClass::Bulk];

/// True where `SOURCE_CLASS` is a person's hand.
pub(super) fn is_human_class() -> Expr {
    let names: Vec<&str> = HUMAN_CLASSES.iter().map(|c| c.as_str()).collect();
    col(SOURCE_CLASS).is_in(lit(Series::new("__h".into(), names)).implode(false), false)
}

/// Microseconds since the epoch of an instant column.
pub(super) fn micros(name: &str) -> Expr {
    col(name).cast(DataType::Int64)
}

/// The company-local date of an instant column.
pub(super) fn local_date(name: &str, ctx: &RunContext) -> Expr {
    col(name).dt().convert_time_zone(TimeZone::from_chrono(&ctx.zone)).dt().date()
}

/// Keeps rows whose company-local date of `at` is inside `--since` / `--until`.
pub(super) fn window_filter(lf: LazyFrame, at: &str, ctx: &RunContext) -> LazyFrame {
    let mut lf = lf;
    if let Some(since) = ctx.since {
        lf = lf.filter(local_date(at, ctx).gt_eq(lit(since)));
    }
    if let Some(until) = ctx.until {
        lf = lf.filter(local_date(at, ctx).lt_eq(lit(until)));
    }
    lf
}

/// Users who are people: so marked, or of unknown class with a write through a human channel.
pub(super) fn persons(input: &Inputs) -> LazyFrame {
    let users = input.get(Table::Users);
    let marked = users.clone().filter(col(ACTOR_CLASS).eq(lit("human"))).select([col(USER_KEY)]);
    let not_people = users
        .filter(col(ACTOR_CLASS).neq(lit("human")).and(col(ACTOR_CLASS).neq(lit("unknown"))))
        .select([col(USER_KEY)]);
    let writers = input
        .get(Table::DealChanges)
        .filter(is_human_class().and(col(ACTOR_USER_KEY).is_not_null()))
        .select([col(ACTOR_USER_KEY).alias(USER_KEY)]);
    concat([marked, writers], UnionArgs::default())
        .unwrap_or_else(|_| input.get(Table::Users).select([col(USER_KEY)]))
        .join(not_people, [col(USER_KEY)], [col(USER_KEY)], JoinArgs::new(JoinType::Anti))
        .unique_stable_generic(None, UniqueKeepStrategy::First)
}

/// Instants at which a person touched each deal: their writes, and the creation and
/// completion of activities and notes they made. Columns `DEAL_KEY`, `__touch` (µs).
fn touches(input: &Inputs) -> Result<LazyFrame> {
    let people = persons(input);
    let semi = JoinArgs::new(JoinType::Semi);
    let writes = input
        .get(Table::DealChanges)
        .filter(is_human_class())
        .select([col(DEAL_KEY), micros(CHANGED_AT).alias(out::TOUCH)]);
    let acts = input.get(Table::Activities).filter(col(DEAL_KEY).is_not_null()).join(
        people.clone(),
        [col(CREATOR_USER_KEY)],
        [col(USER_KEY)],
        semi.clone(),
    );
    let created = acts.clone().select([col(DEAL_KEY), micros(CREATED_AT).alias(out::TOUCH)]);
    let done = acts
        .filter(col(DONE_AT).is_not_null())
        .select([col(DEAL_KEY), micros(DONE_AT).alias(out::TOUCH)]);
    let notes = input
        .get(Table::Notes)
        .filter(col(DEAL_KEY).is_not_null())
        .join(people, [col(AUTHOR_USER_KEY)], [col(USER_KEY)], semi)
        .select([col(DEAL_KEY), micros(CREATED_AT).alias(out::TOUCH)]);
    Ok(concat([writes, created, done, notes], UnionArgs::default())?)
}

/// Stage changes in the window with their month.
fn stage_changes(input: &Inputs, ctx: &RunContext) -> LazyFrame {
    let changes = input.get(Table::DealChanges).filter(col(FIELD).eq(lit("stage")));
    window_filter(changes, CHANGED_AT, ctx)
        .with_columns([
            col(CHANGED_AT)
                .dt()
                .convert_time_zone(TimeZone::from_chrono(&ctx.zone))
                .dt()
                .strftime("%Y-%m")
                .alias(out::MONTH),
            micros(CHANGED_AT).alias(out::T),
        ])
        .select([
            col(CHANGE_KEY),
            col(DEAL_KEY),
            col(CHANGED_AT),
            col(SOURCE_CLASS),
            col(SOURCE_KEY),
            col(out::MONTH),
            col(out::T),
        ])
}

/// Month × source class: stage changes and their share of the month.
fn monthly_table(moves: &DataFrame) -> Result<DataFrame> {
    let total = col(out::N_CHANGES).sum().over([col(out::MONTH)])?;
    Ok(moves
        .clone()
        .lazy()
        .group_by([col(out::MONTH), col(SOURCE_CLASS)])
        .agg([len().cast(DataType::UInt64).alias(out::N_CHANGES)])
        .with_column(total.alias(out::MONTH_TOTAL))
        .with_column(
            (col(out::N_CHANGES).cast(DataType::Float64)
                / col(out::MONTH_TOTAL).cast(DataType::Float64))
            .alias(out::SHARE),
        )
        .select([col(out::MONTH), col(SOURCE_CLASS), col(out::N_CHANGES), col(out::SHARE)])
        .sort([out::MONTH, SOURCE_CLASS], SortMultipleOptions::default())
        .collect()?)
}

/// Stage changes by non-human writers with no human touch within the window, sorted.
fn unattended(input: &Inputs, moves: &DataFrame, ctx: &RunContext) -> Result<DataFrame> {
    let span = ctx.config.stage_provenance.touch_hours * 3_600_000_000;
    let automated = moves
        .clone()
        .lazy()
        .filter(is_human_class().not().and(col(SOURCE_CLASS).neq(lit("unknown"))));
    let attended = automated
        .clone()
        .join(touches(input)?, [col(DEAL_KEY)], [col(DEAL_KEY)], JoinArgs::new(JoinType::Inner))
        .filter((col(out::TOUCH) - col(out::T)).abs().lt_eq(lit(span)))
        .select([col(CHANGE_KEY)])
        .unique(None, UniqueKeepStrategy::First);
    Ok(automated
        .join(attended, [col(CHANGE_KEY)], [col(CHANGE_KEY)], JoinArgs::new(JoinType::Anti))
        .select([
            col(CHANGE_KEY),
            col(DEAL_KEY),
            col(CHANGED_AT),
            col(SOURCE_KEY),
            col(SOURCE_CLASS),
            col(out::MONTH),
        ])
        .sort([CHANGED_AT, CHANGE_KEY], SortMultipleOptions::default())
        .collect()?)
}

/// One non-human writer's stage moves.
#[derive(Debug, Clone)]
struct SourceRow {
    source_key: String,
    source_class: String,
    moves: u64,
    unattended: u64,
}

impl SourceRow {
    fn share(&self) -> f64 {
        self.unattended as f64 / self.moves.max(1) as f64
    }
}

/// Non-human writers with their move and unattended counts, by source key.
fn source_summary(moves: &DataFrame, unattended: &DataFrame) -> Result<Vec<SourceRow>> {
    let counts = unattended
        .clone()
        .lazy()
        .group_by([col(SOURCE_KEY)])
        .agg([len().cast(DataType::UInt64).alias(out::N_UNATTENDED)]);
    let df = moves
        .clone()
        .lazy()
        .filter(is_human_class().not())
        .group_by([col(SOURCE_KEY), col(SOURCE_CLASS)])
        .agg([len().cast(DataType::UInt64).alias(out::N_MOVES)])
        .join(counts, [col(SOURCE_KEY)], [col(SOURCE_KEY)], JoinArgs::new(JoinType::Left))
        .sort([SOURCE_KEY, SOURCE_CLASS], SortMultipleOptions::default())
        .collect()?;
    let (keys, classes) = (strs(&df, SOURCE_KEY)?, strs(&df, SOURCE_CLASS)?);
    let (n, u) = (u64s(&df, out::N_MOVES)?, u64s(&df, out::N_UNATTENDED)?);
    Ok((0..df.height())
        .map(|i| SourceRow {
            source_key: keys[i].clone(),
            source_class: classes[i].clone(),
            moves: n[i],
            unattended: u[i],
        })
        .collect())
}

/// Sum of the current value of the open deals among `deals`.
pub(super) fn open_value(input: &Inputs, deals: &[String]) -> Result<f64> {
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

/// Sorted, distinct values.
pub(super) fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn unknown_share(monthly: &DataFrame) -> Result<(u64, u64)> {
    let n = u64s(monthly, out::N_CHANGES)?;
    let class = strs(monthly, SOURCE_CLASS)?;
    let total: u64 = n.iter().sum();
    let unknown = (0..n.len()).filter(|i| class[*i] == "unknown").map(|i| n[i]).sum();
    Ok((unknown, total))
}

fn findings(
    sources: &[SourceRow],
    unattended: &DataFrame,
    monthly: &DataFrame,
    input: &Inputs,
    ctx: &RunContext,
) -> Result<Vec<Finding>> {
    let cfg = &ctx.config.stage_provenance;
    let (keys, deals, src) =
        (strs(unattended, CHANGE_KEY)?, strs(unattended, DEAL_KEY)?, strs(unattended, SOURCE_KEY)?);
    let mut out = Vec::new();
    for s in sources.iter().filter(|s| s.unattended > 0) {
        let rows: Vec<usize> = (0..keys.len()).filter(|i| src[*i] == s.source_key).collect();
        let deal_keys = dedup(rows.iter().map(|i| deals[*i].clone()).collect());
        let at_stake = open_value(input, &deal_keys)?;
        let severity = match (s.unattended >= cfg.min_moves, s.share() >= cfg.fail_share) {
            (false, _) => Severity::Info,
            (true, true) => Severity::Fail,
            (true, false) => Severity::Warn,
        };
        let message = source_message(s, deal_keys.len(), cfg.touch_hours);
        let mut evidence: Vec<(&'static str, String)> =
            rows.iter().map(|i| ("deal_change", keys[*i].clone())).collect();
        evidence.extend(deal_keys.into_iter().map(|d| ("deal", d)));
        out.push(Finding {
            severity,
            segment: s.source_key.clone(),
            metric: "unattended_stage_move_share".to_owned(),
            value: s.share(),
            threshold: cfg.fail_share,
            message,
            value_at_stake: Some(at_stake),
            evidence,
        });
    }
    out.extend(unknown_finding(monthly, ctx)?);
    Ok(out)
}

fn source_message(s: &SourceRow, deals: usize, touch_hours: i64) -> String {
    format!(
        "`{}` ({}) made {} of its {} stage moves ({:.0}%) on {} deals with no person touching \
         the deal within {} h",
        s.source_key,
        s.source_class,
        s.unattended,
        s.moves,
        100.0 * s.share(),
        deals,
        touch_hours
    )
}

fn unknown_finding(monthly: &DataFrame, ctx: &RunContext) -> Result<Option<Finding>> {
    let cfg = &ctx.config.stage_provenance;
    let (unknown, total) = unknown_share(monthly)?;
    let share = unknown as f64 / total.max(1) as f64;
    if unknown == 0 || share <= cfg.max_unknown_share {
        return Ok(None);
    }
    Ok(Some(Finding {
        severity: Severity::Warn,
        segment: "unknown".to_owned(),
        metric: "unknown_stage_change_share".to_owned(),
        value: share,
        threshold: cfg.max_unknown_share,
        message: format!(
            "{unknown} of {total} stage changes ({:.1}%) have no known writer",
            100.0 * share
        ),
        value_at_stake: None,
        evidence: Vec::new(),
    }))
}

fn metrics(monthly: &DataFrame, sources: &[SourceRow]) -> Result<Vec<Metric>> {
    let (unknown, total) = unknown_share(monthly)?;
    let mut out = vec![
        Metric { metric: "stage_changes".into(), segment: "all".into(), value: total as f64 },
        Metric {
            metric: "unknown_share".into(),
            segment: "all".into(),
            value: unknown as f64 / total.max(1) as f64,
        },
    ];
    for s in sources {
        let segment = s.source_key.clone();
        out.push(Metric {
            metric: "moves".into(),
            segment: segment.clone(),
            value: s.moves as f64,
        });
        out.push(Metric {
            metric: "unattended_moves".into(),
            segment: segment.clone(),
            value: s.unattended as f64,
        });
        out.push(Metric { metric: "unattended_share".into(), segment, value: s.share() });
    }
    Ok(out)
}

/// Share of each month's stage changes by source class.
fn chart(monthly: &DataFrame) -> Result<Chart> {
    let months = dedup(strs(monthly, out::MONTH)?);
    let (m, class) = (strs(monthly, out::MONTH)?, strs(monthly, SOURCE_CLASS)?);
    let share = monthly.column(out::SHARE)?.as_materialized_series().f64()?.clone();
    let mut series: Vec<(String, Vec<f64>)> = Vec::new();
    for c in SourceClass::ALL.iter().map(|c| c.as_str()) {
        let values: Vec<f64> = months
            .iter()
            .map(|month| {
                (0..m.len())
                    .find(|i| &m[*i] == month && class[*i] == c)
                    .and_then(|i| share.get(i))
                    .unwrap_or(0.0)
            })
            .collect();
        if values.iter().any(|v| *v > 0.0) {
            series.push((c.to_owned(), values));
        }
    }
    Ok(Chart {
        file: "stage_provenance".to_owned(),
        title: "Who moves deals between stages: share of each month's stage changes".to_owned(),
        x_label: "month (company time)".to_owned(),
        y_label: "share of the month's stage changes".to_owned(),
        y_share: true,
        x_categories: months,
        series,
    })
}

fn section(
    monthly: &DataFrame,
    sources: &[SourceRow],
    findings: &[Finding],
    at_stake: f64,
    ctx: &RunContext,
) -> Section {
    let cfg = &ctx.config.stage_provenance;
    let tested = format!(
        "Every stage change, grouped by who made it (people in the app, on mobile or in a bulk \
         edit; API clients; integrations; workflow automation; imports; the CRM itself; unknown) \
         and by month. For each stage move made by something other than a person, we looked for \
         a person touching the same deal within {h} hours before or after: their own edit, or an \
         activity or note they created or completed. A move nobody touched is unattended. A \
         writer is a warning with at least {n} unattended moves, and fails when at least {f:.0}% \
         of its moves are unattended. More than {u:.0}% of stage changes with an unknown writer \
         is a warning.",
        h = cfg.touch_hours,
        n = cfg.min_moves,
        f = 100.0 * cfg.fail_share,
        u = 100.0 * cfg.max_unknown_share,
    );
    let found = found_text(monthly, sources, at_stake);
    let gating = findings.iter().filter(|f| f.severity > Severity::Info).count();
    let todo = if gating == 0 {
        "Nothing to do: stage moves are made or watched by people.".to_owned()
    } else {
        "Review each flagged automation with its owner. A stage that moves without anyone looking \
         at the deal says nothing about the buyer: either require a person's confirmation (a task \
         or a required activity) before the automation may move a deal, or keep automated stages \
         out of the forecast's stage-weighted pipeline."
            .to_owned()
    };
    let caveats =
        "Pipedrive does not mark which users are integrations; a user counts as a person \
                   when they wrote through the web or mobile app or a bulk edit at least once. \
                   Touches are looked for on the same deal only (not on its person or \
                   organization). Calendar-synced meetings count as a person's touch only when a \
                   person created or completed them."
            .to_owned();
    Section { tested, found, todo, caveats }
}

fn found_text(monthly: &DataFrame, sources: &[SourceRow], at_stake: f64) -> String {
    let (unknown, total) = unknown_share(monthly).unwrap_or((0, 0));
    if total == 0 {
        return "The export has no stage changes in its change log, so nothing could be judged."
            .to_owned();
    }
    let unattended: u64 = sources.iter().map(|s| s.unattended).sum();
    let mut text = format!(
        "{total} stage changes; {unknown} ({:.1}%) have no known writer. {unattended} stage moves \
         by integrations or automation had no person touching the deal within the window; the \
         open deals among them carry {} of pipeline value.\n\n",
        100.0 * unknown as f64 / total.max(1) as f64,
        thousands(at_stake)
    );
    text.push_str("| writer | class | stage moves | unattended | share |\n");
    text.push_str("|---|---|---:|---:|---:|\n");
    for s in sources {
        text.push_str(&format!(
            "| `{}` | {} | {} | {} | {:.0}% |\n",
            s.source_key,
            s.source_class,
            s.moves,
            s.unattended,
            100.0 * s.share()
        ));
    }
    text
}

/// Builders of small canonical frames for the unit tests of this and related checks.
#[cfg(test)]
pub(super) mod testkit {

    use chrono::{NaiveDateTime, TimeZone, Utc};
    use polars::prelude::*;

    use crate::calendar::WorkCalendar;
    use crate::checks::RunContext;
    use crate::config::Config;
    use crate::model::col::*;

    /// Microseconds of a UTC `YYYY-MM-DD HH:MM:SS`.
    pub fn us(s: &str) -> i64 {
        let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("time");
        t.and_utc().timestamp_micros()
    }

    pub use super::super::test_inputs::inputs;

    /// A run context in UTC with default thresholds, as of 2026-06-30.
    pub fn ctx() -> RunContext {
        RunContext {
            config: Config::default(),
            zone: chrono_tz::UTC,
            calendar: WorkCalendar::new([]),
            as_of: Utc.with_ymd_and_hms(2026, 6, 30, 23, 0, 0).single().expect("as of"),
            since: None,
            until: None,
        }
    }

    /// A change row: key, deal, field, old, new, time, source class, source key, actor.
    pub type ChangeRow<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
    );

    /// The `deal_changes` frame of `rows`.
    pub fn changes(rows: &[ChangeRow<'_>]) -> DataFrame {
        let at: Vec<i64> = rows.iter().map(|r| us(r.5)).collect();
        df!(
            SOURCE_SYSTEM => vec!["pipedrive"; rows.len()],
            CHANGE_KEY => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            DEAL_KEY => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            FIELD => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            FIELD_RAW => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            OLD_VALUE => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            NEW_VALUE => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
            CHANGED_AT => at,
            SOURCE_CLASS => rows.iter().map(|r| r.6).collect::<Vec<_>>(),
            SOURCE_KEY => rows.iter().map(|r| r.7).collect::<Vec<_>>(),
            ACTOR_USER_KEY => rows.iter().map(|r| r.8).collect::<Vec<_>>(),
        )
        .expect("changes")
    }

    /// An activity row: key, deal, kind, start, done at (None = not done), created, creator.
    pub type ActivityRow<'a> =
        (&'a str, &'a str, &'a str, &'a str, Option<&'a str>, &'a str, &'a str);

    /// The `activities` frame of `rows`.
    pub fn activities(rows: &[ActivityRow<'_>]) -> DataFrame {
        df!(
            ACTIVITY_KEY => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            DEAL_KEY => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            KIND => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            START_AT => rows.iter().map(|r| us(r.3)).collect::<Vec<_>>(),
            DONE => rows.iter().map(|r| r.4.is_some()).collect::<Vec<_>>(),
            DONE_AT => rows.iter().map(|r| r.4.map(us)).collect::<Vec<_>>(),
            CREATED_AT => rows.iter().map(|r| us(r.5)).collect::<Vec<_>>(),
            CREATOR_USER_KEY => rows.iter().map(|r| r.6).collect::<Vec<_>>(),
            IS_ALL_DAY => vec![false; rows.len()],
        )
        .expect("activities")
    }

    /// Open deals with a value each.
    pub fn deals(rows: &[(&str, &str, f64)]) -> DataFrame {
        df!(
            DEAL_KEY => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            STATUS => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            VALUE => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            TITLE => vec!["t"; rows.len()],
            IS_ARCHIVED => vec![false; rows.len()],
        )
        .expect("deals")
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;
    use crate::checks::Check;

    const AUTO: &str = "automation";
    const AUTO_KEY: &str = "automation:automation";

    fn evidence_changes(out: &CheckOutput) -> Vec<String> {
        let mut v: Vec<String> = out
            .findings
            .iter()
            .flat_map(|f| f.evidence.iter())
            .filter(|e| e.0 == "deal_change")
            .map(|e| e.1.clone())
            .collect();
        v.sort();
        v
    }

    /// The change log of [`case`].
    fn case_changes() -> DataFrame {
        changes(&[
            (
                "a1",
                "d1",
                "stage",
                Some("1"),
                Some("2"),
                "2026-03-10 12:00:00",
                AUTO,
                AUTO_KEY,
                "u1",
            ),
            (
                "a2",
                "d2",
                "stage",
                Some("1"),
                Some("2"),
                "2026-03-10 12:00:00",
                AUTO,
                AUTO_KEY,
                "u1",
            ),
            (
                "a3",
                "d3",
                "stage",
                Some("1"),
                Some("2"),
                "2026-03-10 12:00:00",
                AUTO,
                AUTO_KEY,
                "u1",
            ),
            (
                "a4",
                "d4",
                "stage",
                Some("1"),
                Some("2"),
                "2026-03-10 12:00:00",
                AUTO,
                AUTO_KEY,
                "u1",
            ),
            (
                "a5",
                "d5",
                "stage",
                Some("1"),
                Some("2"),
                "2026-04-10 12:00:00",
                AUTO,
                AUTO_KEY,
                "u1",
            ),
            // d2: the rep edits the value exactly 24 h later (inside the window).
            (
                "h1",
                "d2",
                "value",
                Some("1"),
                Some("2"),
                "2026-03-11 12:00:00",
                "human_ui",
                "human:ui",
                "u2",
            ),
            // d3: the rep's move a day and a second later (outside).
            (
                "h2",
                "d3",
                "stage",
                Some("2"),
                Some("3"),
                "2026-03-11 12:00:01",
                "human_ui",
                "human:ui",
                "u2",
            ),
        ])
    }

    /// Five automated moves on five deals, each with a different kind of touch nearby.
    fn case() -> CheckOutput {
        let ch = case_changes();
        let acts = activities(&[
            // d4: a call the rep completed two hours before the move.
            (
                "x1",
                "d4",
                "call",
                "2026-03-10 09:00:00",
                Some("2026-03-10 10:00:00"),
                "2026-03-10 10:00:00",
                "u2",
            ),
            // d5: a meeting a calendar-sync user created (never writes as a person).
            (
                "x2",
                "d5",
                "meeting",
                "2026-04-10 11:00:00",
                Some("2026-04-10 11:30:00"),
                "2026-04-10 11:30:00",
                "u9",
            ),
        ]);
        let input = inputs(vec![
            (Table::DealChanges, ch),
            (Table::Activities, acts),
            (Table::Deals, deals(&[("d1", "open", 100.0), ("d5", "won", 50.0)])),
        ]);
        StageProvenance.run(&input, &ctx()).expect("runs")
    }

    #[test]
    fn touches_within_24_hours_attend_a_move_and_others_do_not() {
        let out = case();
        assert_eq!(evidence_changes(&out), ["a1", "a3", "a5"]);
        let f = &out.findings[0];
        assert_eq!(f.segment, AUTO_KEY);
        assert!((f.value - 3.0 / 5.0).abs() < 1e-12);
        assert_eq!(f.severity, Severity::Info, "3 unattended moves are under min_moves = 5");
        assert_eq!(f.value_at_stake, Some(100.0), "only d1 is open");
        assert!(f.evidence.contains(&("deal", "d5".to_owned())));
    }

    #[test]
    fn monthly_shares_and_unknown_writer() {
        let out = case();
        let monthly = &out.tables[0].1;
        assert_eq!(strs(monthly, out::MONTH).unwrap(), ["2026-03", "2026-03", "2026-04"]);
        assert_eq!(u64s(monthly, out::N_CHANGES).unwrap(), [4, 1, 1]);
        let share = monthly.column(out::SHARE).unwrap().f64().unwrap().get(0).unwrap();
        assert!((share - 0.8).abs() < 1e-12);
        assert!(out.findings.iter().all(|f| f.segment != "unknown"));
        let ch = changes(&[
            (
                "k1",
                "d1",
                "stage",
                Some("1"),
                Some("2"),
                "2026-03-10 12:00:00",
                "unknown",
                "unknown",
                "u1",
            ),
            (
                "k2",
                "d1",
                "stage",
                Some("2"),
                Some("3"),
                "2026-03-11 12:00:00",
                "human_ui",
                "human:ui",
                "u2",
            ),
        ]);
        let out = StageProvenance.run(&inputs(vec![(Table::DealChanges, ch)]), &ctx()).unwrap();
        let unknown = out.findings.iter().find(|f| f.segment == "unknown").expect("flagged");
        assert!((unknown.value - 0.5).abs() < 1e-12);
        assert_eq!(unknown.severity, Severity::Warn);
        assert!(evidence_changes(&out).is_empty(), "unknown writers are not judged as automation");
    }

    #[test]
    fn many_unattended_moves_fail_and_people_are_never_flagged() {
        let rows: Vec<(String, String)> =
            (0..6).map(|i| (format!("a{i}"), format!("d{i}"))).collect();
        let mut spec: Vec<ChangeRow<'_>> = rows
            .iter()
            .map(|(k, d)| {
                (
                    k.as_str(),
                    d.as_str(),
                    "stage",
                    Some("1"),
                    Some("2"),
                    "2026-03-10 12:00:00",
                    AUTO,
                    AUTO_KEY,
                    "u1",
                )
            })
            .collect();
        spec.push((
            "h",
            "d9",
            "stage",
            Some("1"),
            Some("2"),
            "2026-03-10 12:00:00",
            "human_ui",
            "human:ui",
            "u2",
        ));
        let input = inputs(vec![(Table::DealChanges, changes(&spec))]);
        let out = StageProvenance.run(&input, &ctx()).unwrap();
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Fail);
        assert!(!evidence_changes(&out).contains(&"h".to_owned()));
    }

    #[test]
    fn since_and_until_keep_moves_of_those_local_days() {
        let input = inputs(vec![(Table::DealChanges, case_changes())]);
        let mut ctx = ctx();
        ctx.since = chrono::NaiveDate::from_ymd_opt(2026, 4, 1);
        let out = StageProvenance.run(&input, &ctx).unwrap();
        assert_eq!(evidence_changes(&out), ["a5"]);
        ctx.since = None;
        ctx.until = chrono::NaiveDate::from_ymd_opt(2026, 3, 31);
        let out = StageProvenance.run(&input, &ctx).unwrap();
        assert_eq!(evidence_changes(&out), ["a1", "a3", "a4"], "no activities given here");
    }

    #[test]
    fn empty_input_gives_no_findings() {
        let out = StageProvenance.run(&inputs(vec![]), &ctx()).unwrap();
        assert!(out.findings.is_empty());
        assert_eq!(out.tables[1].1.height(), 0);
        assert!(out.section.found.contains("no stage changes"), "{}", out.section.found);
    }
}
