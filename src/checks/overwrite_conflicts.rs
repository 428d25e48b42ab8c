//! `overwrite_conflicts`: do writers fight over the same deal fields? (DESIGN.md §4.7)
//!
//! Orders every write to a deal field by time and compares it with the previous write to the
//! same deal and field. People (web, mobile and bulk edits) count as one party; every other
//! writer is its own party. Three rules:
//!
//! - **conflict**: the previous write came from another party within 7 days;
//! - **flip-flop**: the write undoes the previous one (A→B, then B→A) and the two come from
//!   different parties, whatever the time between;
//! - **system of record**: the field has an owner rule (field → source classes or source keys
//!   allowed to write it) and the writer is not allowed. Until rules come from config, stage,
//!   value, expected close date, status and probability belong to people.
//!
//! Cost: one sort of the change log by deal, field and time, then shifted columns (no per-row
//! Rust); findings are built from a group-by over the flagged writes.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Deserialize;

use super::frame::{strs, u64s};
use super::stage_provenance::{
    HUMAN_CLASSES, dedup, is_human_class, micros, open_value, window_filter,
};
use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::Table;
use crate::model::col::*;
use crate::text::thousands;

/// The check.
pub struct OverwriteConflicts;

static META: CheckMeta = CheckMeta {
    name: "overwrite_conflicts",
    purpose: "Deal fields written by competing sources, flip-flops, system-of-record breaks",
    needs: &[Table::DealChanges, Table::Deals],
    outputs: &["overwrite_conflicts"],
};

/// Thresholds and rules of `overwrite_conflicts` (`[overwrite_conflicts]` in `pipetrust.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverwriteConflictsConfig {
    /// Two parties writing one field within this many days conflict.
    pub window_days: i64,
    /// Fields that are not compared (creation, derived timestamps).
    pub ignore_fields: Vec<String>,
    /// Field → source classes or source keys allowed to write it. A table given in the config
    /// replaces the default rules as a whole (fields it does not name have no owner).
    pub system_of_record: BTreeMap<String, Vec<String>>,
    /// A writer with at least this many conflicts or flip-flops on a field is a warning.
    pub min_events: u64,
}

impl Default for OverwriteConflictsConfig {
    fn default() -> Self {
        let people: Vec<String> = HUMAN_CLASSES.iter().map(|c| c.as_str().to_owned()).collect();
        let fields = [STAGE_FIELD, VALUE, EXPECTED_CLOSE_DATE, STATUS, PROBABILITY];
        OverwriteConflictsConfig {
            window_days: 7,
            ignore_fields: vec!["created".into(), "stage_change_time".into()],
            system_of_record: fields.iter().map(|f| ((*f).to_owned(), people.clone())).collect(),
            min_events: 5,
        }
    }
}

/// Canonical name of the stage field in `deal_changes`.
const STAGE_FIELD: &str = "stage";

impl Check for OverwriteConflicts {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let flagged = flagged_writes(input, ctx)?;
        let groups = groups(&flagged)?;
        let findings = findings(&groups, &flagged, input, ctx)?;
        let metrics = metrics(&groups);
        let chart = chart(&groups);
        let at_stake = open_value(input, &dedup(strs(&flagged, DEAL_KEY)?))?;
        let section = section(&groups, &findings, at_stake, ctx);
        Ok(CheckOutput {
            tables: vec![("overwrite_conflicts", flagged)],
            findings,
            metrics,
            charts: vec![chart],
            section,
        })
    }
}

/// Column names of this check's frames and output table.
mod out {
    pub const RULE: &str = "rule";
    pub const PARTY: &str = "party";
    pub const OTHER_CHANGE_KEY: &str = "other_change_key";
    pub const OTHER_SOURCE_KEY: &str = "other_source_key";
    pub const OTHER_CHANGED_AT: &str = "other_changed_at";
    pub const SAME: &str = "__same";
    pub const PREV_PARTY: &str = "__prev_party";
    pub const PREV_OLD: &str = "__prev_old";
    pub const PREV_NEW: &str = "__prev_new";
    pub const T: &str = "__t";
    pub const PREV_T: &str = "__prev_t";
    pub const PREV_KEY: &str = "__prev_key";
    pub const PREV_SOURCE: &str = "__prev_source";
    pub const PREV_CLASS: &str = "__prev_class";
    pub const PREV_AT: &str = "__prev_at";
    pub const N: &str = "n";
}

/// The rules, in report order, with their plain names.
const RULES: [(&str, &str); 3] = [
    ("system_of_record", "system-of-record break"),
    ("flip_flop", "flip-flop"),
    ("conflict", "conflict"),
];

fn rule_label(rule: &str) -> &str {
    RULES.iter().find(|r| r.0 == rule).map_or(rule, |r| r.1)
}

/// Every write with the previous write to the same deal and field beside it.
fn with_previous(input: &Inputs, ctx: &RunContext) -> LazyFrame {
    let cfg = &ctx.config.overwrite_conflicts;
    let ignore = Series::new("__i".into(), cfg.ignore_fields.clone());
    let writes = input
        .get(Table::DealChanges)
        .filter(col(FIELD).is_in(lit(ignore).implode(false), false).not());
    let prev = |name: &str| col(name).shift(lit(1));
    window_filter(writes, CHANGED_AT, ctx)
        .sort([DEAL_KEY, FIELD, CHANGED_AT, CHANGE_KEY], SortMultipleOptions::default())
        .with_columns([
            when(is_human_class()).then(lit("people")).otherwise(col(SOURCE_KEY)).alias(out::PARTY),
            micros(CHANGED_AT).alias(out::T),
        ])
        .with_columns([
            prev(DEAL_KEY)
                .eq(col(DEAL_KEY))
                .and(prev(FIELD).eq(col(FIELD)))
                .fill_null(lit(false))
                .alias(out::SAME),
            prev(out::PARTY).alias(out::PREV_PARTY),
            prev(OLD_VALUE).alias(out::PREV_OLD),
            prev(NEW_VALUE).alias(out::PREV_NEW),
            prev(out::T).alias(out::PREV_T),
            prev(CHANGE_KEY).alias(out::PREV_KEY),
            prev(SOURCE_KEY).alias(out::PREV_SOURCE),
            prev(SOURCE_CLASS).alias(out::PREV_CLASS),
            prev(CHANGED_AT).alias(out::PREV_AT),
        ])
}

/// True where the writer may not write the field under the system-of-record rules.
fn breaks_rules(ctx: &RunContext) -> Expr {
    let mut expr = lit(false);
    for (field, allowed) in &ctx.config.overwrite_conflicts.system_of_record {
        let allowed = lit(Series::new("__a".into(), allowed.clone())).implode(false);
        let ok = col(SOURCE_CLASS)
            .is_in(allowed.clone(), false)
            .or(col(SOURCE_KEY).is_in(allowed, false));
        expr = expr.or(col(FIELD).eq(lit(field.as_str())).and(ok.not()));
    }
    expr
}

/// The output columns of one flagged write. `blame_previous` puts the previous write in the
/// main columns (a person overwrote a non-owner: the non-owner is to blame); `with_other` fills
/// the counterpart columns.
fn output_columns(rule: &str, with_other: bool, blame_previous: bool) -> Vec<Expr> {
    let null_str = |name: &str| lit(NULL).cast(DataType::String).alias(name);
    let utc = DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let pick = |current: &str, previous: &str, name: &str| {
        if blame_previous { col(previous).alias(name) } else { col(current).alias(name) }
    };
    let other = |current: &str, previous: &str, name: &str| match (with_other, blame_previous) {
        (false, _) => null_str(name),
        (true, false) => col(previous).alias(name),
        (true, true) => col(current).alias(name),
    };
    let other_at = match (with_other, blame_previous) {
        (false, _) => lit(NULL).cast(utc).alias(out::OTHER_CHANGED_AT),
        (true, false) => col(out::PREV_AT).alias(out::OTHER_CHANGED_AT),
        (true, true) => col(CHANGED_AT).alias(out::OTHER_CHANGED_AT),
    };
    vec![
        lit(rule.to_owned()).alias(out::RULE),
        pick(CHANGE_KEY, out::PREV_KEY, CHANGE_KEY),
        col(DEAL_KEY),
        col(FIELD),
        pick(CHANGED_AT, out::PREV_AT, CHANGED_AT),
        pick(SOURCE_KEY, out::PREV_SOURCE, SOURCE_KEY),
        pick(SOURCE_CLASS, out::PREV_CLASS, SOURCE_CLASS),
        pick(OLD_VALUE, out::PREV_OLD, OLD_VALUE),
        pick(NEW_VALUE, out::PREV_NEW, NEW_VALUE),
        other(CHANGE_KEY, out::PREV_KEY, out::OTHER_CHANGE_KEY),
        other(SOURCE_KEY, out::PREV_SOURCE, out::OTHER_SOURCE_KEY),
        other_at,
    ]
}

/// One row per (rule, write) that breaks it, sorted by rule, time and key. A conflict or
/// flip-flop between a person and another writer is put on the other writer.
fn flagged_writes(input: &Inputs, ctx: &RunContext) -> Result<DataFrame> {
    let span = ctx.config.overwrite_conflicts.window_days * 86_400_000_000;
    let base = with_previous(input, ctx);
    let other_party = col(out::SAME).and(col(out::PARTY).neq(col(out::PREV_PARTY)));
    let conflict = other_party.clone().and((col(out::T) - col(out::PREV_T)).lt_eq(lit(span)));
    let flip = other_party
        .and(col(NEW_VALUE).eq_missing(col(out::PREV_OLD)))
        .and(col(OLD_VALUE).eq_missing(col(out::PREV_NEW)))
        .and(col(out::PREV_OLD).eq_missing(col(out::PREV_NEW)).not());
    let person = is_human_class();
    let mut parts = vec![
        base.clone().filter(breaks_rules(ctx)).select(output_columns(RULES[0].0, false, false)),
    ];
    for (rule, cond) in [(RULES[1].0, flip), (RULES[2].0, conflict)] {
        for blame_previous in [false, true] {
            let who = if blame_previous { person.clone() } else { person.clone().not() };
            parts.push(base.clone().filter(cond.clone().and(who)).select(output_columns(
                rule,
                true,
                blame_previous,
            )));
        }
    }
    Ok(concat(parts, UnionArgs::default())?
        .sort([out::RULE, CHANGED_AT, CHANGE_KEY], SortMultipleOptions::default())
        .collect()?)
}

/// Flagged writes of one rule by one writer on one field.
#[derive(Debug, Clone)]
struct Group {
    rule: String,
    source_key: String,
    source_class: String,
    field: String,
    writes: u64,
    deals: u64,
}

fn groups(flagged: &DataFrame) -> Result<Vec<Group>> {
    let df = flagged
        .clone()
        .lazy()
        .group_by([col(out::RULE), col(SOURCE_KEY), col(SOURCE_CLASS), col(FIELD)])
        .agg([
            len().cast(DataType::UInt64).alias(out::N),
            col(DEAL_KEY).n_unique().cast(DataType::UInt64).alias(DEAL_KEY),
        ])
        .sort([out::RULE, SOURCE_KEY, FIELD, SOURCE_CLASS], SortMultipleOptions::default())
        .collect()?;
    let (rule, key, class, field) = (
        strs(&df, out::RULE)?,
        strs(&df, SOURCE_KEY)?,
        strs(&df, SOURCE_CLASS)?,
        strs(&df, FIELD)?,
    );
    let (n, deals) = (u64s(&df, out::N)?, u64s(&df, DEAL_KEY)?);
    Ok((0..df.height())
        .map(|i| Group {
            rule: rule[i].clone(),
            source_key: key[i].clone(),
            source_class: class[i].clone(),
            field: field[i].clone(),
            writes: n[i],
            deals: deals[i],
        })
        .collect())
}

fn message(g: &Group, ctx: &RunContext) -> String {
    let who = format!("`{}` ({})", g.source_key, g.source_class);
    let (field, n, deals) = (&g.field, g.writes, g.deals);
    match g.rule.as_str() {
        "system_of_record" => {
            format!("{who} wrote `{field}`, a field it does not own, {n} times on {deals} deals")
        },
        "flip_flop" => format!(
            "{who} put back a value another writer had replaced in `{field}` {n} times on {deals} \
             deals"
        ),
        _ => format!(
            "{who} and another writer overwrote each other's `{field}` within {} days {n} times \
             on {deals} deals",
            ctx.config.overwrite_conflicts.window_days
        ),
    }
}

fn severity_of(g: &Group, ctx: &RunContext) -> Severity {
    let min = ctx.config.overwrite_conflicts.min_events;
    match g.rule.as_str() {
        "system_of_record" => Severity::Fail,
        _ if g.writes >= min => Severity::Warn,
        _ => Severity::Info,
    }
}

fn findings(
    groups: &[Group],
    flagged: &DataFrame,
    input: &Inputs,
    ctx: &RunContext,
) -> Result<Vec<Finding>> {
    let cols = [out::RULE, SOURCE_KEY, FIELD, CHANGE_KEY, DEAL_KEY];
    let v: Vec<Vec<String>> = cols.iter().map(|c| strs(flagged, c)).collect::<Result<_>>()?;
    let mut out = Vec::new();
    for g in groups {
        let rows: Vec<usize> = (0..flagged.height())
            .filter(|i| v[0][*i] == g.rule && v[1][*i] == g.source_key && v[2][*i] == g.field)
            .collect();
        let deals = dedup(rows.iter().map(|i| v[4][*i].clone()).collect());
        let at_stake = open_value(input, &deals)?;
        let evidence = evidence(&rows, &v[3], deals);
        out.push(Finding {
            severity: severity_of(g, ctx),
            segment: format!("{}/{}", g.source_key, g.field),
            metric: g.rule.clone(),
            value: g.writes as f64,
            threshold: threshold(g, ctx),
            message: message(g, ctx),
            value_at_stake: Some(at_stake),
            evidence,
        });
    }
    Ok(out)
}

/// The blamed writes and their deals. A person's write that a non-owner overwrote (or that
/// undid a non-owner) is in the table as the counterpart, not evidence against anyone.
fn evidence(rows: &[usize], keys: &[String], deals: Vec<String>) -> Vec<(&'static str, String)> {
    let keys = dedup(rows.iter().map(|i| keys[*i].clone()).collect());
    let mut evidence: Vec<(&'static str, String)> =
        keys.into_iter().map(|k| ("deal_change", k)).collect();
    evidence.extend(deals.into_iter().map(|d| ("deal", d)));
    evidence
}

fn threshold(g: &Group, ctx: &RunContext) -> f64 {
    if g.rule == RULES[0].0 { 1.0 } else { ctx.config.overwrite_conflicts.min_events as f64 }
}

fn metrics(groups: &[Group]) -> Vec<Metric> {
    groups
        .iter()
        .map(|g| Metric {
            metric: g.rule.clone(),
            segment: format!("{}/{}", g.source_key, g.field),
            value: g.writes as f64,
        })
        .collect()
}

/// Flagged writes per writer, one series per rule.
fn chart(groups: &[Group]) -> Chart {
    let writers = dedup(groups.iter().map(|g| g.source_key.clone()).collect());
    let series = RULES
        .iter()
        .map(|(rule, _)| {
            let values = writers
                .iter()
                .map(|w| {
                    groups
                        .iter()
                        .filter(|g| &g.rule == rule && &g.source_key == w)
                        .map(|g| g.writes as f64)
                        .sum()
                })
                .collect();
            ((*rule).to_owned(), values)
        })
        .collect();
    Chart {
        file: "overwrite_conflicts".to_owned(),
        title: "Writes that conflict, flip-flop or break a system-of-record rule".to_owned(),
        x_label: "writer".to_owned(),
        y_label: "writes".to_owned(),
        y_share: false,
        x_categories: writers,
        series,
    }
}

/// The system-of-record rules in words.
fn rules_text(cfg: &OverwriteConflictsConfig) -> String {
    let rules: Vec<String> = cfg
        .system_of_record
        .iter()
        .map(|(field, allowed)| format!("`{field}` by {}", allowed.join(", ")))
        .collect();
    if rules.is_empty() { "none configured".to_owned() } else { rules.join("; ") }
}

fn section(groups: &[Group], findings: &[Finding], at_stake: f64, ctx: &RunContext) -> Section {
    let cfg = &ctx.config.overwrite_conflicts;
    let tested = format!(
        "Every write to a deal field was compared with the previous write to the same field of \
         the same deal. People (app, mobile and bulk edits) count as one writer; each \
         integration, API client and automation is its own. A conflict is a write over another \
         writer's value within {d} days; a flip-flop is a write that puts back the value another \
         writer replaced (A→B→A); a system-of-record break is a write by a writer the rules do \
         not allow: {rules}. Breaks fail; a writer with at least {n} conflicts or flip-flops on \
         a field is a warning.",
        d = cfg.window_days,
        rules = rules_text(cfg),
        n = cfg.min_events,
    );
    let todo = if findings.iter().all(|f| f.severity == Severity::Info) {
        "Nothing to do: writers do not fight over deal fields.".to_owned()
    } else {
        "Give every forecast field one owner. Turn off writes to stage, value, close date, status \
         and probability by integrations that do not own them, or change the rules in \
         `[overwrite_conflicts.system_of_record]` if an integration really is the system of \
         record. For conflicts and flip-flops, decide which system wins and make the other one \
         read-only for that field; two systems that keep undoing each other make the field's \
         history meaningless."
            .to_owned()
    };
    let caveats = "Only writes in the change log are compared; values set at creation are not. \
                   A person's several edits (web, mobile, bulk) count as one writer, so people \
                   correcting each other are not conflicts."
        .to_owned();
    Section { tested, found: found_text(groups, at_stake), todo, caveats }
}

fn found_text(groups: &[Group], at_stake: f64) -> String {
    let count =
        |rule: &str| -> u64 { groups.iter().filter(|g| g.rule == rule).map(|g| g.writes).sum() };
    if groups.is_empty() {
        return "No write breaks a system-of-record rule, undoes another writer or overwrites \
                another writer within the window (an export with no change log has nothing to \
                compare)."
            .to_owned();
    }
    let mut text = format!(
        "{} system-of-record breaks, {} flip-flops and {} conflicts; the open deals involved \
         carry {} of pipeline value.\n\n",
        count(RULES[0].0),
        count(RULES[1].0),
        count(RULES[2].0),
        thousands(at_stake),
    );
    text.push_str("| rule | writer | field | writes | deals |\n|---|---|---|---:|---:|\n");
    let mut rows: Vec<&Group> = groups.iter().collect();
    rows.sort_by_key(|g| std::cmp::Reverse(g.writes));
    for g in rows.iter().take(20) {
        text.push_str(&format!(
            "| {} | `{}` ({}) | `{}` | {} | {} |\n",
            rule_label(&g.rule),
            g.source_key,
            g.source_class,
            g.field,
            g.writes,
            g.deals
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::stage_provenance::testkit::*;
    use super::*;
    use crate::checks::Check;

    const UI: (&str, &str) = ("human_ui", "human:ui");
    const BULK: (&str, &str) = ("bulk", "human:bulk");
    const BOT: (&str, &str) = ("api", "api:bot");
    const SYNC: (&str, &str) = ("api", "api:sync");

    type W<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, (&'a str, &'a str));

    /// Writes (key, field, old, new, time, writer) on deal `d`; returns (rule, writer/field, keys).
    fn run_with(writes: &[W<'_>], ctx: &RunContext) -> Vec<(String, String, Vec<String>)> {
        let rows: Vec<ChangeRow<'_>> = writes
            .iter()
            .map(|w| (w.0, "d", w.1, Some(w.2), Some(w.3), w.4, w.5.0, w.5.1, "u"))
            .collect();
        let input = inputs(vec![
            (Table::DealChanges, changes(&rows)),
            (Table::Deals, deals(&[("d", "open", 5.0)])),
        ]);
        let out = OverwriteConflicts.run(&input, ctx).unwrap();
        out.findings
            .iter()
            .map(|f| {
                let keys = f
                    .evidence
                    .iter()
                    .filter(|e| e.0 == "deal_change")
                    .map(|e| e.1.clone())
                    .collect();
                (f.metric.clone(), f.segment.clone(), keys)
            })
            .collect()
    }

    fn run(writes: &[W<'_>]) -> Vec<(String, String, Vec<String>)> {
        run_with(writes, &ctx())
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn forecast_fields_belong_to_people_by_default() {
        let found = run(&[
            ("a", "value", "1", "2", "2026-03-01 10:00:00", BOT),
            ("b", "value", "2", "3", "2026-04-01 10:00:00", UI),
            ("c", "lost_reason", "x", "y", "2026-04-02 10:00:00", BOT),
            ("e", "created", "", "", "2026-04-03 10:00:00", BOT),
        ]);
        assert_eq!(found, [("system_of_record".into(), "api:bot/value".into(), strings(&["a"]))]);
    }

    #[test]
    fn a_rule_may_name_an_integration_as_owner() {
        let mut ctx = ctx();
        let rules = &mut ctx.config.overwrite_conflicts.system_of_record;
        rules.insert(VALUE.to_owned(), vec!["human_ui".into(), "api:bot".into()]);
        let found = run_with(&[("a", "value", "1", "2", "2026-03-01 10:00:00", BOT)], &ctx);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn two_writers_within_7_days_conflict_and_the_non_person_is_blamed() {
        let found = run(&[
            ("a", "channel", "1", "2", "2026-03-01 10:00:00", UI),
            ("b", "channel", "2", "3", "2026-03-08 10:00:00", SYNC),
            ("c", "channel", "3", "4", "2026-03-10 10:00:00", BULK),
            ("d", "channel", "4", "5", "2026-03-20 10:00:01", SYNC),
        ]);
        assert_eq!(
            found,
            [("conflict".into(), "api:sync/channel".into(), strings(&["b"]))],
            "b overwrote a person within exactly 7 days; c (a person) overwrote b: b is to blame; \
             d came more than 7 days after c"
        );
    }

    #[test]
    fn people_editing_each_other_are_one_writer() {
        let found = run(&[
            ("a", "channel", "1", "2", "2026-03-01 10:00:00", UI),
            ("b", "channel", "2", "1", "2026-03-02 10:00:00", BULK),
            ("c", "channel", "1", "2", "2026-03-03 10:00:00", UI),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_flip_flop_by_two_writers_is_found_whatever_the_gap() {
        let found = run(&[
            ("a", "channel", "1", "2", "2026-01-01 10:00:00", BOT),
            ("b", "channel", "2", "1", "2026-03-01 10:00:00", SYNC),
            ("c", "channel", "1", "3", "2026-05-01 10:00:00", SYNC),
        ]);
        assert_eq!(found, [("flip_flop".into(), "api:sync/channel".into(), strings(&["b"]))]);
    }

    #[test]
    fn severity_depends_on_the_rule_and_the_count() {
        let writes: Vec<(String, String)> =
            (0..6).map(|i| (format!("k{i}"), format!("2026-03-0{} 10:00:00", i + 1))).collect();
        let spec: Vec<W<'_>> = writes
            .iter()
            .enumerate()
            .map(|(i, (k, t))| {
                let writer = if i % 2 == 0 { BOT } else { SYNC };
                (
                    k.as_str(),
                    "channel",
                    if i % 2 == 0 { "1" } else { "2" },
                    if i % 2 == 0 { "2" } else { "3" },
                    t.as_str(),
                    writer,
                )
            })
            .collect();
        let rows: Vec<ChangeRow<'_>> = spec
            .iter()
            .map(|w| (w.0, "d", w.1, Some(w.2), Some(w.3), w.4, w.5.0, w.5.1, "u"))
            .collect();
        let input = inputs(vec![(Table::DealChanges, changes(&rows))]);
        let out = OverwriteConflicts.run(&input, &ctx()).unwrap();
        let sev: Vec<(String, Severity)> =
            out.findings.iter().map(|f| (f.segment.clone(), f.severity)).collect();
        assert_eq!(
            sev,
            [
                ("api:bot/channel".into(), Severity::Info),
                ("api:sync/channel".into(), Severity::Info)
            ]
        );
        assert_eq!(out.tables[0].1.height(), 5);
    }

    #[test]
    fn an_export_without_a_change_log_has_nothing_to_compare() {
        let out = OverwriteConflicts.run(&inputs(vec![]), &ctx()).unwrap();
        assert!(out.findings.is_empty());
        assert_eq!(out.tables[0].1.height(), 0);
        assert!(out.section.found.contains("nothing to"), "{}", out.section.found);
    }

    #[test]
    fn rules_come_from_the_config_and_unknown_keys_are_named() {
        let text = "[overwrite_conflicts]\nwindow_days = 3\n\
                    [overwrite_conflicts.system_of_record]\nvalue = [\"api:billing-sync\"]\n";
        let config = crate::config::Config::parse(text).unwrap();
        let cfg = &config.overwrite_conflicts;
        assert_eq!(cfg.window_days, 3);
        assert_eq!(cfg.system_of_record.len(), 1);
        assert_eq!(cfg.system_of_record[VALUE], ["api:billing-sync"]);
        let defaults = crate::config::Config::parse("").unwrap().overwrite_conflicts;
        assert_eq!(defaults.system_of_record.len(), 5);
        assert_eq!(defaults.window_days, 7);
        let err = crate::config::Config::parse("[overwrite_conflicts]\nwindow = 3\n").unwrap_err();
        assert!(err.contains("window"), "{err}");
    }
}
