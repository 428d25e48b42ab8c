//! `activity_stage_link`: do stage moves follow real contact with the buyer? (DESIGN.md §4.6)
//!
//! A forward stage move (the new stage's sort order above the old one's) is explained when the
//! deal has a done call, meeting or email whose time (its start, else its all-day date, else
//! when it was marked done) falls in the 14 days before the move, or later on the same
//! company-local day (a rep who logs the call right after moving the stage). Unexplained moves
//! are counted per writer. Second, "busy" open deals: at least 5 activities created in the 60
//! days before `--as-of` and no forward move in those days, split by whether people or
//! integrations created the activities.
//!
//! Cost: forward moves come from one filter and two joins with the small stages table; the
//! support test joins moves with the deal's customer-facing activities on `deal_key` and filters
//! on time; the busy test is one group-by over recent activities.

use polars::prelude::*;
use serde::Deserialize;

use super::frame::{strs, u64s};
use super::stage_provenance::{dedup, local_date, micros, open_value, persons, window_filter};
use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::Table;
use crate::model::col::*;
use crate::text::thousands;

/// The check.
pub struct ActivityStageLink;

static META: CheckMeta = CheckMeta {
    name: "activity_stage_link",
    purpose: "Forward stage moves with no call, meeting or email behind them; busy deals stuck",
    needs: &[Table::DealChanges, Table::Stages, Table::Activities, Table::Deals, Table::Users],
    outputs: &["activity_stage_link", "activity_stage_link_busy"],
};

/// Thresholds of `activity_stage_link` (`[activity_stage_link]` in `pipetrust.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActivityStageLinkConfig {
    /// Days before a move in which a done call, meeting or email explains it.
    pub lookback_days: i64,
    /// Activity kinds that count as contact with the buyer.
    pub kinds: Vec<String>,
    /// A writer needs at least this many unexplained moves to be a warning.
    pub min_moves: u64,
    /// A writer whose unexplained share of forward moves is at least this is a warning.
    pub warn_share: f64,
    /// A non-human writer whose unexplained share is at least this fails.
    pub fail_share: f64,
    /// The busy-deal window, days before `--as-of`.
    pub busy_days: i64,
    /// Activities created in the window that make an open deal busy.
    pub busy_min_activities: u64,
}

impl Default for ActivityStageLinkConfig {
    fn default() -> Self {
        ActivityStageLinkConfig {
            lookback_days: 14,
            kinds: vec!["call".into(), "meeting".into(), "email".into()],
            min_moves: 5,
            warn_share: 0.2,
            fail_share: 0.5,
            busy_days: 60,
            busy_min_activities: 5,
        }
    }
}

impl Check for ActivityStageLink {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let moves = forward_moves(input, ctx)?.collect()?;
        let linked = link_moves(input, &moves, ctx)?;
        let writers = writer_summary(&linked)?;
        let busy = busy_deals(input, ctx)?;
        let mut findings = move_findings(&writers, &linked, input, ctx)?;
        findings.extend(busy_findings(&busy, ctx)?);
        let metrics = metrics(&writers, &busy);
        let chart = chart(&writers);
        let unexplained = linked.clone().lazy().filter(col(out::EXPLAINED).not()).collect()?;
        let at_stake = open_value(input, &dedup(strs(&unexplained, DEAL_KEY)?))?;
        let section = section(&writers, &busy, at_stake, ctx);
        Ok(CheckOutput {
            tables: vec![("activity_stage_link", linked), ("activity_stage_link_busy", busy)],
            findings,
            metrics,
            charts: vec![chart],
            section,
        })
    }
}

/// Column names of this check's frames and output tables.
mod out {
    pub const EXPLAINED: &str = "explained";
    pub const SUPPORT_KEY: &str = "support_activity_key";
    pub const N_ACTIVITIES: &str = "n_activities";
    pub const N_BY_PEOPLE: &str = "n_by_people";
    pub const N_BY_OTHERS: &str = "n_by_integrations";
    pub const ACTIVITY_KEYS: &str = "activity_keys";
    pub const T: &str = "__t";
    pub const A: &str = "__a";
    pub const DAY: &str = "__day";
    pub const A_DAY: &str = "__a_day";
    pub const OLD_ORDER: &str = "__old_order";
    pub const NEW_ORDER: &str = "__new_order";
    pub const SYS: &str = "__sys";
    pub const SID: &str = "__sid";
    pub const PERSON: &str = "__person";
}

/// Forward stage moves in the window, with their time (µs) and company-local day.
fn forward_moves(input: &Inputs, ctx: &RunContext) -> Result<LazyFrame> {
    let changes = input.get(Table::DealChanges).filter(col(FIELD).eq(lit("stage")));
    Ok(with_orders(window_filter(changes, CHANGED_AT, ctx), input)
        .filter(col(out::NEW_ORDER).gt(col(out::OLD_ORDER)))
        .select([
            col(CHANGE_KEY),
            col(DEAL_KEY),
            col(CHANGED_AT),
            col(SOURCE_KEY),
            col(SOURCE_CLASS),
            micros(CHANGED_AT).alias(out::T),
            local_date(CHANGED_AT, ctx).alias(out::DAY),
        ]))
}

/// Stage changes with the sort order of their old and new stage (by source system and id).
fn with_orders(changes: LazyFrame, input: &Inputs) -> LazyFrame {
    let order = |name: &str| {
        input.get(Table::Stages).select([
            col(SOURCE_SYSTEM).alias(out::SYS),
            col(SOURCE_ID).alias(out::SID),
            col(SORT_ORDER).alias(name),
        ])
    };
    let join = |lf: LazyFrame, value: &str, name: &str| {
        lf.join(
            order(name),
            [col(SOURCE_SYSTEM), col(value)],
            [col(out::SYS), col(out::SID)],
            JoinArgs::new(JoinType::Left),
        )
    };
    join(join(changes, OLD_VALUE, out::OLD_ORDER), NEW_VALUE, out::NEW_ORDER)
}

/// Done customer-facing activities on deals, with their time (µs) and company-local day.
fn contacts(input: &Inputs, ctx: &RunContext) -> LazyFrame {
    let cfg = &ctx.config.activity_stage_link;
    let kinds = Series::new("__k".into(), cfg.kinds.clone());
    let midnight = col(START_DATE).cast(DataType::Datetime(TimeUnit::Microseconds, None));
    input
        .get(Table::Activities)
        .filter(
            col(DEAL_KEY)
                .is_not_null()
                .and(col(DONE).eq(lit(true)))
                .and(col(KIND).is_in(lit(kinds).implode(false), false)),
        )
        .with_column(
            coalesce(&[micros(START_AT), midnight.cast(DataType::Int64), micros(DONE_AT)])
                .alias(out::A),
        )
        .filter(col(out::A).is_not_null())
        .with_column(
            col(out::A)
                .cast(DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))
                .dt()
                .convert_time_zone(TimeZone::from_chrono(&ctx.zone))
                .dt()
                .date()
                .alias(out::A_DAY),
        )
        .select([col(DEAL_KEY), col(ACTIVITY_KEY), col(out::A), col(out::A_DAY)])
}

/// Every forward move with whether it is explained and by which activity, sorted.
fn link_moves(input: &Inputs, moves: &DataFrame, ctx: &RunContext) -> Result<DataFrame> {
    let span = ctx.config.activity_stage_link.lookback_days * 86_400_000_000;
    let before = col(out::A).lt_eq(col(out::T)).and(col(out::A).gt_eq(col(out::T) - lit(span)));
    let same_day = col(out::A).gt(col(out::T)).and(col(out::A_DAY).eq(col(out::DAY)));
    let support = moves
        .clone()
        .lazy()
        .select([col(CHANGE_KEY), col(DEAL_KEY), col(out::T), col(out::DAY)])
        .join(
            contacts(input, ctx),
            [col(DEAL_KEY)],
            [col(DEAL_KEY)],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(before.or(same_day))
        .sort([CHANGE_KEY, ACTIVITY_KEY], SortMultipleOptions::default())
        .group_by([col(CHANGE_KEY)])
        .agg([col(ACTIVITY_KEY).first().alias(out::SUPPORT_KEY)]);
    Ok(moves
        .clone()
        .lazy()
        .join(support, [col(CHANGE_KEY)], [col(CHANGE_KEY)], JoinArgs::new(JoinType::Left))
        .with_column(col(out::SUPPORT_KEY).is_not_null().alias(out::EXPLAINED))
        .select([
            col(CHANGE_KEY),
            col(DEAL_KEY),
            col(CHANGED_AT),
            col(SOURCE_KEY),
            col(SOURCE_CLASS),
            col(out::EXPLAINED),
            col(out::SUPPORT_KEY),
        ])
        .sort([CHANGED_AT, CHANGE_KEY], SortMultipleOptions::default())
        .collect()?)
}

/// One writer's forward moves.
#[derive(Debug, Clone)]
struct WriterRow {
    source_key: String,
    source_class: String,
    moves: u64,
    unexplained: u64,
}

impl WriterRow {
    fn share(&self) -> f64 {
        self.unexplained as f64 / self.moves.max(1) as f64
    }

    fn is_human(&self) -> bool {
        super::stage_provenance::HUMAN_CLASSES.iter().any(|c| c.as_str() == self.source_class)
    }
}

fn writer_summary(linked: &DataFrame) -> Result<Vec<WriterRow>> {
    let df = linked
        .clone()
        .lazy()
        .group_by([col(SOURCE_KEY), col(SOURCE_CLASS)])
        .agg([
            len().cast(DataType::UInt64).alias("n"),
            col(out::EXPLAINED).not().sum().cast(DataType::UInt64).alias("u"),
        ])
        .sort([SOURCE_KEY, SOURCE_CLASS], SortMultipleOptions::default())
        .collect()?;
    let (keys, classes, n, u) =
        (strs(&df, SOURCE_KEY)?, strs(&df, SOURCE_CLASS)?, u64s(&df, "n")?, u64s(&df, "u")?);
    Ok((0..df.height())
        .map(|i| WriterRow {
            source_key: keys[i].clone(),
            source_class: classes[i].clone(),
            moves: n[i],
            unexplained: u[i],
        })
        .collect())
}

fn writer_message(w: &WriterRow, lookback_days: i64) -> String {
    format!(
        "`{}` ({}) made {} of its {} forward stage moves ({:.0}%) with no done call, meeting \
         or email on the deal in the {} days before",
        w.source_key,
        w.source_class,
        w.unexplained,
        w.moves,
        100.0 * w.share(),
        lookback_days
    )
}

fn severity_of(w: &WriterRow, ctx: &RunContext) -> Severity {
    let cfg = &ctx.config.activity_stage_link;
    if w.unexplained < cfg.min_moves || w.share() < cfg.warn_share {
        Severity::Info
    } else if !w.is_human() && w.share() >= cfg.fail_share {
        Severity::Fail
    } else {
        Severity::Warn
    }
}

fn move_findings(
    writers: &[WriterRow],
    linked: &DataFrame,
    input: &Inputs,
    ctx: &RunContext,
) -> Result<Vec<Finding>> {
    let cfg = &ctx.config.activity_stage_link;
    let mask = !linked.column(out::EXPLAINED)?.bool()?;
    let unexplained = linked.filter(&mask)?;
    let (keys, deals, src) = (
        strs(&unexplained, CHANGE_KEY)?,
        strs(&unexplained, DEAL_KEY)?,
        strs(&unexplained, SOURCE_KEY)?,
    );
    let mut out = Vec::new();
    for w in writers.iter().filter(|w| w.unexplained > 0) {
        let rows: Vec<usize> = (0..keys.len()).filter(|i| src[*i] == w.source_key).collect();
        let deal_keys = dedup(rows.iter().map(|i| deals[*i].clone()).collect());
        let at_stake = open_value(input, &deal_keys)?;
        let message = writer_message(w, cfg.lookback_days);
        let mut evidence: Vec<(&'static str, String)> =
            rows.iter().map(|i| ("deal_change", keys[*i].clone())).collect();
        evidence.extend(deal_keys.into_iter().map(|d| ("deal", d)));
        out.push(Finding {
            severity: severity_of(w, ctx),
            segment: w.source_key.clone(),
            metric: "unexplained_advance_share".to_owned(),
            value: w.share(),
            threshold: cfg.warn_share,
            message,
            value_at_stake: Some(at_stake),
            evidence,
        });
    }
    Ok(out)
}

/// Open deals with many recent activities and no forward move in the busy window, sorted.
fn busy_deals(input: &Inputs, ctx: &RunContext) -> Result<DataFrame> {
    let cfg = &ctx.config.activity_stage_link;
    let from = ctx.as_of.timestamp_micros() - cfg.busy_days * 86_400_000_000;
    let people = persons(input).with_column(lit(true).alias(out::PERSON));
    let recent = input
        .get(Table::Activities)
        .filter(col(DEAL_KEY).is_not_null().and(micros(CREATED_AT).gt_eq(lit(from))))
        .join(people, [col(CREATOR_USER_KEY)], [col(USER_KEY)], JoinArgs::new(JoinType::Left))
        .sort([ACTIVITY_KEY], SortMultipleOptions::default())
        .group_by([col(DEAL_KEY)])
        .agg([
            len().cast(DataType::UInt64).alias(out::N_ACTIVITIES),
            col(out::PERSON)
                .fill_null(lit(false))
                .sum()
                .cast(DataType::UInt64)
                .alias(out::N_BY_PEOPLE),
            col(ACTIVITY_KEY).alias(out::ACTIVITY_KEYS),
        ])
        .filter(col(out::N_ACTIVITIES).gt_eq(lit(cfg.busy_min_activities)));
    let progressed = forward_moves(input, ctx)?
        .filter(col(out::T).gt_eq(lit(from)))
        .select([col(DEAL_KEY)])
        .unique(None, UniqueKeepStrategy::First);
    let open = input
        .get(Table::Deals)
        .filter(col(STATUS).eq(lit("open")))
        .select([col(DEAL_KEY), col(VALUE)]);
    Ok(recent
        .join(open, [col(DEAL_KEY)], [col(DEAL_KEY)], JoinArgs::new(JoinType::Inner))
        .join(progressed, [col(DEAL_KEY)], [col(DEAL_KEY)], JoinArgs::new(JoinType::Anti))
        .with_column((col(out::N_ACTIVITIES) - col(out::N_BY_PEOPLE)).alias(out::N_BY_OTHERS))
        .select([
            col(DEAL_KEY),
            col(VALUE),
            col(out::N_ACTIVITIES),
            col(out::N_BY_PEOPLE),
            col(out::N_BY_OTHERS),
            col(out::ACTIVITY_KEYS),
        ])
        .sort([DEAL_KEY], SortMultipleOptions::default())
        .collect()?)
}

/// The deals of `rows` and the recent activities on them.
fn busy_evidence(
    rows: &[usize],
    deals: &[String],
    keys: &ListChunked,
) -> Result<Vec<(&'static str, String)>> {
    let mut evidence: Vec<(&'static str, String)> = Vec::new();
    for i in rows {
        evidence.push(("deal", deals[*i].clone()));
        if let Some(list) = keys.get_as_series(*i) {
            let list = list.cast(&DataType::String)?;
            evidence.extend(list.str()?.iter().flatten().map(|k| ("activity", k.to_owned())));
        }
    }
    Ok(evidence)
}

/// Two findings at most: busy deals driven by people (info) and by integrations (warn).
fn busy_findings(busy: &DataFrame, ctx: &RunContext) -> Result<Vec<Finding>> {
    let cfg = &ctx.config.activity_stage_link;
    let deals = strs(busy, DEAL_KEY)?;
    let (by_people, by_others) = (u64s(busy, out::N_BY_PEOPLE)?, u64s(busy, out::N_BY_OTHERS)?);
    let values = busy.column(VALUE)?.as_materialized_series().cast(&DataType::Float64)?;
    let values: Vec<f64> = values.f64()?.iter().map(|v| v.unwrap_or(0.0)).collect();
    let keys = busy.column(out::ACTIVITY_KEYS)?.as_materialized_series().list()?.clone();
    let mut out = Vec::new();
    for (integrations, severity, who) in
        [(false, Severity::Info, "people"), (true, Severity::Warn, "integrations")]
    {
        let rows: Vec<usize> =
            (0..deals.len()).filter(|i| (by_others[*i] > by_people[*i]) == integrations).collect();
        if rows.is_empty() {
            continue;
        }
        let evidence = busy_evidence(&rows, &deals, &keys)?;
        out.push(Finding {
            severity,
            segment: format!("busy:{who}"),
            metric: "busy_deals_without_progress".to_owned(),
            value: rows.len() as f64,
            threshold: cfg.busy_min_activities as f64,
            message: format!(
                "{} open deals had at least {} activities, mostly created by {who}, in the last \
                 {} days and no forward stage move",
                rows.len(),
                cfg.busy_min_activities,
                cfg.busy_days
            ),
            value_at_stake: Some(rows.iter().map(|i| values[*i]).sum()),
            evidence,
        });
    }
    Ok(out)
}

fn metrics(writers: &[WriterRow], busy: &DataFrame) -> Vec<Metric> {
    let mut out = Vec::new();
    for w in writers {
        let segment = w.source_key.clone();
        out.push(Metric {
            metric: "forward_moves".into(),
            segment: segment.clone(),
            value: w.moves as f64,
        });
        out.push(Metric {
            metric: "unexplained_moves".into(),
            segment: segment.clone(),
            value: w.unexplained as f64,
        });
        out.push(Metric { metric: "unexplained_share".into(), segment, value: w.share() });
    }
    out.push(Metric {
        metric: "busy_deals_without_progress".into(),
        segment: "all".into(),
        value: busy.height() as f64,
    });
    out
}

fn chart(writers: &[WriterRow]) -> Chart {
    Chart {
        file: "activity_stage_link".to_owned(),
        title: "Forward stage moves with and without a call, meeting or email before".to_owned(),
        x_label: "writer".to_owned(),
        y_label: "forward stage moves".to_owned(),
        y_share: false,
        x_categories: writers.iter().map(|w| w.source_key.clone()).collect(),
        series: vec![
            (
                "explained".to_owned(),
                writers.iter().map(|w| (w.moves - w.unexplained) as f64).collect(),
            ),
            ("unexplained".to_owned(), writers.iter().map(|w| w.unexplained as f64).collect()),
        ],
    }
}

fn section(writers: &[WriterRow], busy: &DataFrame, at_stake: f64, ctx: &RunContext) -> Section {
    let cfg = &ctx.config.activity_stage_link;
    let tested = format!(
        "Every forward stage move (to a stage later in the pipeline) was checked for a done \
         {kinds} on the same deal in the {d} days before it, or later the same day (a rep who \
         logs the call right after moving the stage is not an unexplained advance). A writer is \
         a warning when at least {n} of its moves and {w:.0}% of them are unexplained; an \
         integration or automation fails at {f:.0}%. Open deals with at least {b} activities \
         created in the last {bd} days and no forward move in that time are \"busy without \
         progress\", split by whether people or integrations created most of the activities.",
        kinds = cfg.kinds.join(", "),
        d = cfg.lookback_days,
        n = cfg.min_moves,
        w = 100.0 * cfg.warn_share,
        f = 100.0 * cfg.fail_share,
        b = cfg.busy_min_activities,
        bd = cfg.busy_days,
    );
    let found = found_text(writers, busy, at_stake);
    let todo = "Where integrations or automation advance deals with no contact behind them, stop \
                them moving stages or make a logged call or meeting a condition of the move. \
                Where people advance deals without logging contact, coach the logging habit: \
                otherwise the stage says more than the team knows. Look at busy deals that do \
                not move: activity created by integrations can make a stalled deal look alive."
        .to_owned();
    let caveats = "Contact on the deal's person or organization but not linked to the deal is not \
                   seen. Emails count only when logged as activities. The stage order comes from \
                   the stages table; moves between pipelines are not compared."
        .to_owned();
    Section { tested, found, todo, caveats }
}

/// One sentence on busy deals: how many, their value, and who created their activities.
fn busy_text(busy: &DataFrame) -> String {
    let (Ok(people), Ok(others)) = (u64s(busy, out::N_BY_PEOPLE), u64s(busy, out::N_BY_OTHERS))
    else {
        return String::new();
    };
    let by_sync = people.iter().zip(&others).filter(|(p, o)| o > p).count();
    let value = busy
        .column(VALUE)
        .and_then(|c| c.as_materialized_series().cast(&DataType::Float64))
        .map(|s| s.f64().map(|v| v.sum().unwrap_or(0.0)).unwrap_or(0.0))
        .unwrap_or(0.0);
    format!(
        "{} open deals ({} of pipeline value) are busy without progress: {by_sync} with \
         activities mostly created by integrations, {} mostly by people.",
        busy.height(),
        thousands(value),
        busy.height() - by_sync
    )
}

fn found_text(writers: &[WriterRow], busy: &DataFrame, at_stake: f64) -> String {
    let moves: u64 = writers.iter().map(|w| w.moves).sum();
    let unexplained: u64 = writers.iter().map(|w| w.unexplained).sum();
    if moves == 0 {
        return format!(
            "The export has no forward stage moves in its change log, so no move could be \
             judged. {} open deals are busy without progress.",
            busy.height()
        );
    }
    let mut text = format!(
        "{unexplained} of {moves} forward stage moves ({:.0}%) had no call, meeting or email \
         behind them; the open deals among them carry {} of pipeline value. {}\n\n",
        100.0 * unexplained as f64 / moves.max(1) as f64,
        thousands(at_stake),
        busy_text(busy)
    );
    text.push_str("| writer | class | forward moves | unexplained | share |\n");
    text.push_str("|---|---|---:|---:|---:|\n");
    for w in writers {
        text.push_str(&format!(
            "| `{}` | {} | {} | {} | {:.0}% |\n",
            w.source_key,
            w.source_class,
            w.moves,
            w.unexplained,
            100.0 * w.share()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::super::stage_provenance::testkit::*;
    use super::*;
    use crate::checks::Check;

    const UI: &str = "human_ui";
    const UI_KEY: &str = "human:ui";
    const MOVE_AT: &str = "2026-03-20 12:00:00";

    fn stages() -> DataFrame {
        df!(
            SOURCE_SYSTEM => ["pipedrive"; 3],
            SOURCE_ID => ["1", "2", "3"],
            STAGE_KEY => ["s1", "s2", "s3"],
            NAME => ["a", "b", "c"],
            SORT_ORDER => [1i64, 2, 3],
            IS_CLOSED => [false; 3],
            IS_WON => [false; 3],
            IS_DELETED => [false; 3],
        )
        .unwrap()
    }

    /// One forward move on a deal with one activity; is the move unexplained?
    fn unexplained(kind: &str, start: &str, done: Option<&str>) -> bool {
        let ch = changes(&[("m", "d", "stage", Some("1"), Some("2"), MOVE_AT, UI, UI_KEY, "u")]);
        let acts = activities(&[("x", "d", kind, start, done, start, "u")]);
        let input = inputs(vec![
            (Table::DealChanges, ch),
            (Table::Activities, acts),
            (Table::Stages, stages()),
        ]);
        let out = ActivityStageLink.run(&input, &ctx()).unwrap();
        let linked = &out.tables[0].1;
        assert_eq!(linked.height(), 1);
        let explained = linked.column(out::EXPLAINED).unwrap().bool().unwrap().get(0).unwrap();
        assert_eq!(out.findings.len(), usize::from(!explained));
        !explained
    }

    #[test]
    fn a_done_call_meeting_or_email_in_the_14_days_before_explains_a_move() {
        let done = Some("2026-03-19 10:00:00");
        assert!(!unexplained("call", "2026-03-06 12:00:00", done), "exactly 14 days before");
        assert!(unexplained("call", "2026-03-06 11:59:59", done), "14 days and a second");
        assert!(!unexplained("meeting", "2026-03-19 09:00:00", done));
        assert!(!unexplained("email", "2026-03-20 11:59:00", done));
        assert!(unexplained("task", "2026-03-19 09:00:00", done), "a task is not contact");
        assert!(unexplained("call", "2026-03-19 09:00:00", None), "a call not done");
    }

    #[test]
    fn a_call_logged_after_the_move_the_same_day_explains_it_the_next_day_does_not() {
        let done = Some("2026-03-20 23:30:00");
        assert!(!unexplained("call", "2026-03-20 23:00:00", done));
        assert!(unexplained("call", "2026-03-21 00:00:01", Some("2026-03-21 00:30:00")));
    }

    #[test]
    fn backward_moves_are_not_judged_and_severity_follows_the_writer() {
        let mut rows: Vec<ChangeRow<'_>> = Vec::new();
        let keys: Vec<String> = (0..6).map(|i| format!("m{i}")).collect();
        for k in &keys {
            rows.push((k, "d", "stage", Some("1"), Some("2"), MOVE_AT, "automation", "auto", "u1"));
        }
        rows.push(("b", "d", "stage", Some("3"), Some("1"), MOVE_AT, UI, UI_KEY, "u"));
        for k in ["h1", "h2", "h3", "h4", "h5"] {
            rows.push((k, "e", "stage", Some("1"), Some("3"), MOVE_AT, UI, UI_KEY, "u"));
        }
        let input = inputs(vec![
            (Table::DealChanges, changes(&rows)),
            (Table::Stages, stages()),
            (Table::Deals, deals(&[("d", "open", 10.0), ("e", "lost", 20.0)])),
        ]);
        let out = ActivityStageLink.run(&input, &ctx()).unwrap();
        assert_eq!(out.tables[0].1.height(), 11, "the backward move is left out");
        let auto = out.findings.iter().find(|f| f.segment == "auto").unwrap();
        assert_eq!(auto.severity, Severity::Fail);
        assert_eq!(auto.value_at_stake, Some(10.0));
        let people = out.findings.iter().find(|f| f.segment == UI_KEY).unwrap();
        assert_eq!(people.severity, Severity::Warn, "people are coached, not failed");
    }

    fn busy_case(with_move: bool, creator: &str) -> Vec<Finding> {
        let mut rows: Vec<ChangeRow<'_>> = vec![(
            "p",
            "d0",
            "value",
            Some("1"),
            Some("2"),
            "2026-01-01 00:00:00",
            UI,
            UI_KEY,
            "rep",
        )];
        if with_move {
            rows.push((
                "m",
                "d",
                "stage",
                Some("1"),
                Some("2"),
                "2026-06-01 10:00:00",
                UI,
                UI_KEY,
                "rep",
            ));
        }
        let keys: Vec<String> = (0..5).map(|i| format!("x{i}")).collect();
        let acts: Vec<ActivityRow<'_>> = keys
            .iter()
            .map(|k| {
                (
                    k.as_str(),
                    "d",
                    "task",
                    "2026-06-10 10:00:00",
                    None,
                    "2026-06-10 10:00:00",
                    creator,
                )
            })
            .collect();
        let input = inputs(vec![
            (Table::DealChanges, changes(&rows)),
            (Table::Activities, activities(&acts)),
            (Table::Stages, stages()),
            (Table::Deals, deals(&[("d", "open", 70.0)])),
        ]);
        ActivityStageLink.run(&input, &ctx()).unwrap().findings
    }

    #[test]
    fn busy_deals_without_progress_are_split_by_who_created_the_activities() {
        let by_sync = busy_case(false, "sync-user");
        let busy = by_sync.iter().find(|f| f.segment == "busy:integrations").unwrap();
        assert_eq!(busy.severity, Severity::Warn);
        assert_eq!(busy.value_at_stake, Some(70.0));
        assert_eq!(busy.evidence.len(), 6, "the deal and its five activities");
        let by_rep = busy_case(false, "rep");
        assert_eq!(
            by_rep.iter().find(|f| f.segment.starts_with("busy:")).unwrap().segment,
            "busy:people"
        );
        assert!(busy_case(true, "rep").iter().all(|f| !f.segment.starts_with("busy:")));
    }

    #[test]
    fn an_export_without_a_change_log_says_so() {
        let out = ActivityStageLink.run(&inputs(vec![]), &ctx()).unwrap();
        assert!(out.findings.is_empty());
        assert!(out.section.found.contains("no forward stage moves"), "{}", out.section.found);
    }

    #[test]
    fn defaults_are_the_design_values() {
        let config = crate::config::Config::parse("").unwrap();
        let cfg = &config.activity_stage_link;
        assert_eq!((cfg.lookback_days, cfg.busy_days), (14, 60));
        assert_eq!(cfg.kinds, ["call", "meeting", "email"]);
        assert_eq!(config.stage_provenance.touch_hours, 24);
        let text =
            "[activity_stage_link]\nlookback_days = 7\n[stage_provenance]\ntouch_hours = 2\n";
        let config = crate::config::Config::parse(text).unwrap();
        assert_eq!(config.activity_stage_link.lookback_days, 7);
        assert_eq!(config.stage_provenance.touch_hours, 2);
    }
}
