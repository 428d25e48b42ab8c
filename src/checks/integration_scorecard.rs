//! `integration_scorecard`: for each integration, a 1–5 score per category
//! with the evidence behind it, a weighted total and a verdict — keep, fix,
//! replace or abandon (DESIGN.md §4.13).
//!
//! Integrations come from config, else are discovered: every non-human
//! writer in the change log (by source key) and every user who creates
//! activities or notes through a sync (`created_via_raw`). Category scores
//! come from the other checks' findings that name the integration (worst
//! severity: fail 1.5, warn 3, info 4.5, none 5), from the change log
//! (observability: share of writes carrying a client id; security: writes
//! through an account people also use) and from config (manual scores,
//! owner and review date). A category no check could see and config does
//! not score is "not assessed", never a silent 3; weights are renormalised
//! over the assessed ones. Runs after the other checks; cost is a few group
//! bys over the change log and activities.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::frame::{opt_strs, u64s};

use super::{
    Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, Prior, RunContext, Section, Severity,
};
use crate::config::Integration;
use crate::error::Result;
use crate::model::col::*;
use crate::model::{SourceClass, Table};

/// The check.
pub struct IntegrationScorecard;

static META: CheckMeta = CheckMeta {
    name: "integration_scorecard",
    purpose: "Keep, fix, replace or abandon: a scored verdict per integration, with its evidence",
    needs: &[Table::DealChanges, Table::Activities, Table::Notes, Table::Users],
    outputs: &["integration_scorecard"],
};

impl Check for IntegrationScorecard {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn reads_findings(&self) -> bool {
        true
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        if input.prior().is_empty() {
            return Ok(nothing_to_score());
        }
        let writers = writers(input)?;
        let idents = identities(&writers, &ctx.config);
        let cards: Vec<Card> =
            idents.iter().map(|i| score(i, &writers, input.prior(), ctx)).collect();
        let findings = cards.iter().filter_map(card_finding).collect();
        let metrics = cards
            .iter()
            .filter_map(|c| {
                let value = c.total?;
                Some(Metric { metric: "score".into(), segment: c.ident.name.clone(), value })
            })
            .collect();
        let section = section(&cards);
        Ok(CheckOutput {
            tables: vec![("integration_scorecard", table(&cards)?)],
            findings,
            metrics,
            charts: Vec::new(),
            section,
        })
    }
}

/// The output when no other check ran (`--checks integration_scorecard`
/// alone): a verdict needs evidence, so none is given.
fn nothing_to_score() -> CheckOutput {
    let empty: Vec<Card> = Vec::new();
    let mut section = section(&empty);
    section.found = "No integration is scored: no other check ran in this audit, so there is no \
        evidence to score. Run the scorecard with the checks it reads (the default)."
        .to_owned();
    CheckOutput {
        tables: vec![("integration_scorecard", table(&empty).unwrap_or_default())],
        findings: Vec::new(),
        metrics: Vec::new(),
        charts: Vec::new(),
        section,
    }
}

/// Scored categories and their weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// Writes to forecast fields, month-end lift, system-of-record breaks.
    ForecastIntegrity,
    /// Duplicates, attribution overwrites, repeated writes.
    DataQuality,
    /// Fit with how the team sells.
    WorkflowFit,
    /// Gaps, retries, flip-flops, drift.
    Reliability,
    /// Share of its writes that can be attributed to it.
    Observability,
    /// Access through people's accounts.
    Security,
    /// Owner and review.
    Maintenance,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 7] = [
        Category::ForecastIntegrity,
        Category::DataQuality,
        Category::WorkflowFit,
        Category::Reliability,
        Category::Observability,
        Category::Security,
        Category::Maintenance,
    ];

    /// Weight in the total (before renormalising over assessed categories).
    pub fn weight(self) -> f64 {
        match self {
            Category::ForecastIntegrity => 0.25,
            Category::DataQuality => 0.20,
            Category::WorkflowFit | Category::Reliability => 0.15,
            Category::Observability | Category::Security => 0.10,
            Category::Maintenance => 0.05,
        }
    }

    /// Column and report name.
    pub fn name(self) -> &'static str {
        match self {
            Category::ForecastIntegrity => "forecast_integrity",
            Category::DataQuality => "data_quality",
            Category::WorkflowFit => "workflow_fit",
            Category::Reliability => "reliability",
            Category::Observability => "observability",
            Category::Security => "security",
            Category::Maintenance => "maintenance",
        }
    }
}

/// The categories a check's findings bear on.
pub fn categories_of(check: &str) -> &'static [Category] {
    use Category::*;
    match check {
        "month_end_spikes" | "stage_provenance" => &[ForecastIntegrity],
        "duplicate_deals" | "low_intent_deals" => &[ForecastIntegrity, DataQuality],
        "overwrite_conflicts" => &[ForecastIntegrity, Reliability],
        "stage_time_rollout" => &[ForecastIntegrity, WorkflowFit],
        "duplicate_people" | "attribution_overwrites" => &[DataQuality],
        "repeated_writes" | "timestamp_drift" => &[DataQuality, Reliability],
        "activity_stage_link" => &[WorkflowFit],
        "sync_gaps" => &[Reliability],
        _ => &[],
    }
}

/// Who wrote what: per writer, the rows it wrote in each table.
#[derive(Debug, Default)]
struct Writers {
    /// source key → (class, writes, writes with a client id, actor keys).
    changes: BTreeMap<String, ChangeWriter>,
    /// Actor keys that also write as people (UI, mobile).
    human_actors: BTreeSet<String>,
    /// Creator user key → (name, activities, notes) for sync-created rows.
    creators: BTreeMap<String, (String, u64, u64)>,
    /// Deal origin (`created_via`) → source key → deals it created.
    origins: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Default, Clone)]
struct ChangeWriter {
    class: String,
    writes: u64,
    identified: u64,
    actors: BTreeSet<String>,
    raw: BTreeSet<(String, String)>,
}

/// Column names of the frames built here.
mod out {
    pub const WRITES: &str = "__writes";
    pub const INTEGRATION: &str = "integration";
    pub const IDENTIFIERS: &str = "identifiers";
    pub const TOTAL: &str = "score";
    pub const VERDICT: &str = "verdict";
    pub const NOT_ASSESSED: &str = "not_assessed";
    pub const CRITICAL: &str = "critical_findings";
    pub const REASONS: &str = "reasons";
    pub const FINDING_IDS: &str = "finding_ids";
}

fn writers(input: &Inputs) -> Result<Writers> {
    let mut w = Writers::default();
    let df = input
        .get(Table::DealChanges)
        .group_by_stable([
            col(SOURCE_KEY),
            col(SOURCE_CLASS),
            col(ACTOR_USER_KEY),
            col(SOURCE_RAW),
            col(SOURCE_DETAIL),
        ])
        .agg([len().cast(DataType::UInt64).alias(out::WRITES)])
        .sort(
            [SOURCE_KEY, ACTOR_USER_KEY, SOURCE_RAW, SOURCE_DETAIL],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?;
    let (keys, classes, actors) =
        (opt_strs(&df, SOURCE_KEY)?, opt_strs(&df, SOURCE_CLASS)?, opt_strs(&df, ACTOR_USER_KEY)?);
    let (raws, details, writes) =
        (opt_strs(&df, SOURCE_RAW)?, opt_strs(&df, SOURCE_DETAIL)?, u64s(&df, out::WRITES)?);
    for i in 0..df.height() {
        let class = classes[i].clone().unwrap_or_default();
        let human = ["human_ui", "human_mobile"].contains(&class.as_str());
        if human {
            w.human_actors.extend(actors[i].clone());
        }
        let entry = w.changes.entry(keys[i].clone().unwrap_or_default()).or_default();
        entry.class = class;
        entry.writes += writes[i];
        // A client id, or a provenance class of its own, tells its writes apart.
        let own_class = ["automation", "import", "integration"].contains(&entry.class.as_str());
        if details[i].is_some() || own_class {
            entry.identified += writes[i];
        }
        entry.actors.extend(actors[i].clone());
        entry
            .raw
            .insert((raws[i].clone().unwrap_or_default(), details[i].clone().unwrap_or_default()));
    }
    sync_creators(input, &mut w)?;
    deal_origins(input, &mut w)?;
    Ok(w)
}

/// Which writer created the deals of each origin, from the `created` rows.
fn deal_origins(input: &Inputs, w: &mut Writers) -> Result<()> {
    let deals = input.get(Table::Deals).select([col(DEAL_KEY), col(CREATED_VIA)]);
    let df = input
        .get(Table::DealChanges)
        .filter(col(FIELD).eq(lit("created")))
        .select([col(DEAL_KEY), col(SOURCE_KEY)])
        .join(deals, [col(DEAL_KEY)], [col(DEAL_KEY)], JoinArgs::new(JoinType::Inner))
        .group_by([col(CREATED_VIA), col(SOURCE_KEY)])
        .agg([len().cast(DataType::UInt64).alias(out::WRITES)])
        .sort([CREATED_VIA, SOURCE_KEY], SortMultipleOptions::default())
        .collect()?;
    let (via, keys, n) =
        (opt_strs(&df, CREATED_VIA)?, opt_strs(&df, SOURCE_KEY)?, u64s(&df, out::WRITES)?);
    for i in 0..df.height() {
        let (Some(via), Some(key)) = (via[i].clone(), keys[i].clone()) else { continue };
        w.origins.entry(via).or_default().insert(key, n[i]);
    }
    Ok(())
}

/// Accounts that create activities or notes but never write as people (no
/// UI or mobile edits): syncs and connectors running under their own user.
fn sync_creators(input: &Inputs, w: &mut Writers) -> Result<()> {
    let users = input.get(Table::Users).select([col(USER_KEY), col(NAME)]);
    let created = |table: Table, creator: &str| {
        input.get(table).filter(col(creator).is_not_null()).select([col(creator).alias(USER_KEY)])
    };
    let acts = concat(
        [created(Table::Activities, CREATOR_USER_KEY), created(Table::Notes, AUTHOR_USER_KEY)],
        UnionArgs::default(),
    )?
    .group_by([col(USER_KEY)])
    .agg([len().cast(DataType::UInt64).alias(out::WRITES)])
    .join(users, [col(USER_KEY)], [col(USER_KEY)], JoinArgs::new(JoinType::Left))
    .sort([USER_KEY], SortMultipleOptions::default())
    .collect()?;
    let (keys, names, counts) =
        (opt_strs(&acts, USER_KEY)?, opt_strs(&acts, NAME)?, u64s(&acts, out::WRITES)?);
    for i in 0..acts.height() {
        let Some(key) = keys[i].clone() else { continue };
        if w.human_actors.contains(&key) {
            continue;
        }
        let name = names[i].clone().unwrap_or_else(|| key.clone());
        w.creators.insert(key, (name, counts[i], 0));
    }
    Ok(())
}

/// One integration and how to recognise what it wrote.
#[derive(Debug, Clone)]
struct Ident {
    name: String,
    source_keys: Vec<String>,
    actor_keys: Vec<String>,
    /// Other names findings use for it (rollouts of its writes).
    aliases: Vec<String>,
    config: Option<Integration>,
}

impl Ident {
    /// Tokens a finding's segment may name it by.
    fn tokens(&self) -> Vec<String> {
        let mut t = self.source_keys.clone();
        t.extend(self.actor_keys.iter().cloned());
        t.extend(self.aliases.iter().cloned());
        t.push(self.name.clone());
        t
    }

    /// True when the finding's segment names this integration.
    fn named_in(&self, finding: &Finding) -> bool {
        self.names_segment(&finding.segment)
    }

    /// True when the segment, or one of its `/`-separated parts, equals one
    /// of the integration's tokens (`api:forecastbot/close_date_pushed`,
    /// `content/pd:17`, `Outlook Calendar Connector`).
    fn names_segment(&self, segment: &str) -> bool {
        let segment = segment.trim().to_lowercase();
        let tokens: Vec<String> = self.tokens().iter().map(|t| t.to_lowercase()).collect();
        let hit = |part: &str| tokens.iter().any(|t| !t.is_empty() && t == part.trim());
        hit(&segment) || segment.split('/').any(hit)
    }
}

fn is_person(class: &str) -> bool {
    [SourceClass::HumanUi, SourceClass::HumanMobile, SourceClass::Bulk]
        .iter()
        .any(|c| c.as_str() == class)
}

fn identities(w: &Writers, config: &crate::config::Config) -> Vec<Ident> {
    let mut idents = discovered_or_configured(w, &config.integrations);
    for ident in &mut idents {
        ident.actor_keys.retain(|a| !w.human_actors.contains(a));
        // Findings about an origin (`origin:api`) concern the writer that
        // created most of that origin's deals.
        for (via, by_source) in &w.origins {
            let total: u64 = by_source.values().sum();
            let own: u64 = ident.source_keys.iter().filter_map(|k| by_source.get(k)).sum();
            if total > 0 && 2 * own > total {
                ident.aliases.push(format!("origin:{via}"));
            }
        }
        for rollout in &config.rollouts {
            let matches = |key: &String| {
                let class = key.split(':').next().unwrap_or(key);
                rollout.sources.iter().any(|s| s == key || s == class)
            };
            if ident.source_keys.iter().any(matches) {
                ident.aliases.push(rollout.name.clone());
            }
        }
    }
    idents
}

fn discovered_or_configured(w: &Writers, configured: &[Integration]) -> Vec<Ident> {
    if !configured.is_empty() {
        return configured.iter().map(|c| configured_ident(c, w)).collect();
    }
    let mut idents: Vec<Ident> = w
        .changes
        .iter()
        .filter(|(key, cw)| {
            !is_person(&cw.class) && cw.class != "system" && key.as_str() != "unknown"
        })
        .map(|(key, cw)| Ident {
            name: key.clone(),
            source_keys: vec![key.clone()],
            actor_keys: cw.actors.iter().cloned().collect(),
            aliases: Vec::new(),
            config: None,
        })
        .collect();
    for (user, (name, _, _)) in &w.creators {
        if !idents.iter().any(|i| i.actor_keys.contains(user)) {
            let config = None;
            idents.push(Ident {
                name: name.clone(),
                source_keys: Vec::new(),
                actor_keys: vec![user.clone()],
                aliases: Vec::new(),
                config,
            });
        }
    }
    idents
}

/// Resolves a configured integration to the writers it matches.
fn configured_ident(c: &Integration, w: &Writers) -> Ident {
    let agent = c.user_agent.as_ref().map(|a| a.to_lowercase());
    let matches = |key: &str, cw: &ChangeWriter| {
        c.source_keys.iter().any(|k| k == key)
            || cw.raw.iter().any(|(raw, detail)| {
                let source_ok = c.change_sources.is_empty() || c.change_sources.contains(raw);
                let agent_ok = agent.as_ref().is_some_and(|a| detail.to_lowercase().contains(a));
                source_ok && agent_ok
            })
    };
    let source_keys: Vec<String> =
        w.changes.iter().filter(|(k, cw)| matches(k, cw)).map(|(k, _)| k.clone()).collect();
    let by_id = |key: &String| {
        c.actor_user_ids.iter().any(|id| key.rsplit(':').next() == Some(id.as_str()))
    };
    let mut actor_keys: BTreeSet<String> =
        w.creators.keys().filter(|k| by_id(k)).cloned().collect();
    for key in &source_keys {
        actor_keys.extend(w.changes[key].actors.iter().cloned());
    }
    Ident {
        name: c.name.clone(),
        source_keys,
        actor_keys: actor_keys.into_iter().collect(),
        aliases: Vec::new(),
        config: Some(c.clone()),
    }
}

/// One integration's scorecard.
#[derive(Debug, Clone)]
struct Card {
    ident: Ident,
    scores: BTreeMap<Category, f64>,
    total: Option<f64>,
    verdict: &'static str,
    critical: usize,
    reasons: Vec<String>,
    finding_ids: Vec<String>,
}

/// The findings of other checks that name this integration, with their ids.
fn own_findings<'p>(ident: &Ident, prior: &'p [Prior]) -> Vec<(&'p Prior, String, &'p Finding)> {
    let mut out = Vec::new();
    for p in prior {
        for (i, f) in p.findings.iter().enumerate() {
            if ident.named_in(f) {
                out.push((p, format!("{}:{}", p.check, i + 1), f));
            }
        }
    }
    out
}

/// A category's score from the worst finding in it. A failing finding alone
/// does not sink an integration (1.5, not 1): abandonment comes from failing
/// broadly (a total under 2.5) or from breaking a forecast field.
fn severity_score(s: Severity) -> f64 {
    match s {
        Severity::Fail => 1.5,
        Severity::Warn => 3.0,
        Severity::Info => 4.5,
    }
}

fn score(ident: &Ident, w: &Writers, prior: &[Prior], ctx: &RunContext) -> Card {
    let findings = own_findings(ident, prior);
    let mut scores: BTreeMap<Category, f64> = BTreeMap::new();
    let mut reasons = Vec::new();
    for p in prior {
        // A check bears on an integration only when it measured or flagged it.
        let seen = findings.iter().any(|f| f.0.check == p.check)
            || p.metrics.iter().any(|m| ident.names_segment(&m.segment));
        if !seen {
            continue;
        }
        for cat in categories_of(p.check) {
            let worst = findings
                .iter()
                .filter(|f| f.0.check == p.check)
                .map(|f| severity_score(f.2.severity));
            let s = worst.fold(5.0_f64, f64::min);
            let e = scores.entry(*cat).or_insert(5.0);
            *e = e.min(s);
        }
    }
    for (_, id, f) in findings.iter().filter(|f| f.2.severity > Severity::Info) {
        reasons.push(format!("{} ({id}): {}", f.severity.as_str(), f.message));
    }
    data_scores(ident, w, &mut scores, &mut reasons);
    config_scores(ident, ctx, &mut scores, &mut reasons);
    let critical = findings.iter().filter(|f| f.2.severity == Severity::Fail).count();
    let sor_break = findings.iter().any(|f| breaks_forecast_record(f.0.check, f.2, ctx));
    let fake_pipeline = findings.iter().any(|f| injects_pipeline(f.0.check, f.2));
    let total = weighted(&scores);
    let platform_limit = ident.config.as_ref().is_some_and(|c| c.platform_limit);
    let forecast_break = sor_break || fake_pipeline;
    let verdict =
        verdict(total, critical > 0, forecast_break, platform_limit, &ctx.config.scorecard);
    if sor_break {
        reasons.insert(
            0,
            "writes a protected forecast field it is not the system of record for".into(),
        );
    }
    if fake_pipeline {
        reasons.insert(
            0,
            "puts duplicate deals, with their values and stages, into the forecast".into(),
        );
    }
    let not_assessed: Vec<&str> =
        Category::ALL.iter().filter(|c| !scores.contains_key(c)).map(|c| c.name()).collect();
    if !not_assessed.is_empty() {
        reasons.push(format!("not assessed: {}", not_assessed.join(", ")));
    }
    let finding_ids = findings.iter().map(|f| f.1.clone()).collect();
    Card { ident: ident.clone(), scores, total, verdict, critical, reasons, finding_ids }
}

/// A finding of `overwrite_conflicts` about a system-of-record break on a
/// protected forecast field.
fn breaks_forecast_record(check: &str, f: &Finding, ctx: &RunContext) -> bool {
    let about_record = f.metric.contains("system_of_record") || f.metric.contains("sor");
    let text = format!("{} {}", f.segment, f.message);
    check == "overwrite_conflicts"
        && about_record
        && f.severity > Severity::Info
        && ctx.config.protected_fields.iter().any(|p| text.contains(p.as_str()))
}

/// A failing `duplicate_deals` finding: the writer creates redundant open
/// deals, so it writes deal values and stages into the forecast for deals
/// that are not real opportunities — a forecast-field break as grave as a
/// system-of-record break.
fn injects_pipeline(check: &str, f: &Finding) -> bool {
    check == "duplicate_deals" && f.severity == Severity::Fail
}

/// Observability and security from the change log.
fn data_scores(
    ident: &Ident,
    w: &Writers,
    scores: &mut BTreeMap<Category, f64>,
    reasons: &mut Vec<String>,
) {
    let (mut writes, mut identified) = (0, 0);
    for key in &ident.source_keys {
        if let Some(c) = w.changes.get(key) {
            writes += c.writes;
            identified += c.identified;
        }
    }
    let created: u64 = ident.actor_keys.iter().filter_map(|k| w.creators.get(k)).map(|c| c.1).sum();
    if writes + created > 0 {
        let share = (identified + created) as f64 / (writes + created) as f64;
        scores.insert(Category::Observability, 1.0 + 4.0 * share);
    }
    if writes + created > 0 {
        let shared: Vec<&String> =
            ident.actor_keys.iter().filter(|a| w.human_actors.contains(*a)).collect();
        let s = if shared.is_empty() { 5.0 } else { 2.0 };
        if !shared.is_empty() {
            reasons.push(format!(
                "writes through an account people also use ({})",
                shared.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        scores.insert(Category::Security, s);
    }
}

/// Manual scores, the dedicated-user flag, owner and review date.
fn config_scores(
    ident: &Ident,
    ctx: &RunContext,
    scores: &mut BTreeMap<Category, f64>,
    reasons: &mut Vec<String>,
) {
    let Some(c) = &ident.config else { return };
    if c.dedicated_user == Some(false) {
        scores.insert(
            Category::Security,
            scores.get(&Category::Security).copied().unwrap_or(5.0).min(2.0),
        );
    }
    let manual = [
        (Category::WorkflowFit, c.scores.workflow_fit),
        (Category::Security, c.scores.security),
        (Category::Maintenance, c.scores.maintenance),
    ];
    for (cat, value) in manual {
        if let Some(v) = value {
            scores.insert(cat, v);
        }
    }
    if c.scores.maintenance.is_none() {
        let age = c.last_review.map(|d| (ctx.as_of.date_naive() - d).num_days());
        let m = match (&c.owner, age) {
            (Some(_), Some(days)) if days <= 365 => 5.0,
            (Some(_), _) => 3.0,
            (None, Some(days)) if days <= 365 => 3.0,
            _ => 1.0,
        };
        if m < 5.0 {
            reasons.push("no owner or no review in the last year".into());
        }
        scores.insert(Category::Maintenance, m);
    }
}

/// Weighted mean over the assessed categories.
fn weighted(scores: &BTreeMap<Category, f64>) -> Option<f64> {
    let weight: f64 = scores.keys().map(|c| c.weight()).sum();
    (weight > 0.0).then(|| scores.iter().map(|(c, s)| c.weight() * s).sum::<f64>() / weight)
}

/// The verdict, first rule that applies (DESIGN.md §4.13).
pub fn verdict(
    total: Option<f64>,
    critical: bool,
    sor_break: bool,
    platform_limit: bool,
    t: &crate::config::ScorecardConfig,
) -> &'static str {
    let Some(s) = total else { return "not assessed" };
    if s < t.abandon_below || sor_break {
        "abandon"
    } else if s >= t.keep_from {
        if critical { "fix" } else { "keep" }
    } else if s < t.replace_below {
        "replace"
    } else if s < t.overlap_below {
        if platform_limit { "replace" } else { "fix" }
    } else {
        "fix"
    }
}

fn card_finding(c: &Card) -> Option<Finding> {
    let severity = match c.verdict {
        "abandon" => Severity::Fail,
        "replace" | "fix" => Severity::Warn,
        _ => return None,
    };
    let total = c.total?;
    Some(Finding {
        severity,
        segment: c.ident.name.clone(),
        metric: "integration_score".into(),
        value: total,
        threshold: 4.0,
        message: format!("{}: {} (score {:.2})", c.ident.name, c.verdict, total),
        value_at_stake: None,
        evidence: c.finding_ids.iter().map(|id| ("finding", id.clone())).collect(),
    })
}

fn table(cards: &[Card]) -> Result<DataFrame> {
    let mut columns = vec![
        Column::new(
            out::INTEGRATION.into(),
            cards.iter().map(|c| c.ident.name.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            out::IDENTIFIERS.into(),
            cards.iter().map(|c| c.ident.tokens().join(" ")).collect::<Vec<_>>(),
        ),
    ];
    for cat in Category::ALL {
        let values: Vec<Option<f64>> = cards.iter().map(|c| c.scores.get(&cat).copied()).collect();
        columns.push(Column::new(cat.name().into(), values));
    }
    let not_assessed = |c: &Card| {
        Category::ALL
            .iter()
            .filter(|k| !c.scores.contains_key(k))
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(",")
    };
    columns.extend([
        Column::new(out::TOTAL.into(), cards.iter().map(|c| c.total).collect::<Vec<_>>()),
        Column::new(out::VERDICT.into(), cards.iter().map(|c| c.verdict).collect::<Vec<_>>()),
        Column::new(out::NOT_ASSESSED.into(), cards.iter().map(not_assessed).collect::<Vec<_>>()),
        Column::new(
            out::CRITICAL.into(),
            cards.iter().map(|c| c.critical as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            out::REASONS.into(),
            cards.iter().map(|c| c.reasons.join("; ")).collect::<Vec<_>>(),
        ),
        Column::new(
            out::FINDING_IDS.into(),
            cards.iter().map(|c| c.finding_ids.join(",")).collect::<Vec<_>>(),
        ),
    ]);
    Ok(DataFrame::new(cards.len(), columns)?)
}

/// Turns `(check:n)` finding ids into links to the check's report section.
fn linkify(text: &str, ids: &[String]) -> String {
    let mut out = text.replace('|', "\\|");
    for id in ids {
        let check = id.split(':').next().unwrap_or(id);
        out = out.replace(&format!("({id})"), &format!("([{id}](#{check}))"));
    }
    out
}

fn section(cards: &[Card]) -> Section {
    let tested = "Each integration (from config, else every non-human writer in the change log \
        and every account that creates activities or notes without ever writing as a person) is \
        scored 1–5 per category from the other checks' findings and metrics that name it (worst \
        finding: fail 1.5, warning 3, information 4.5, none 5; a category no check measured is \
        not assessed), from the change log (observability: share of its writes that carry a \
        client id or a provenance of their own; security: writes through an account people \
        also use) and from config (manual scores, owner, review date). Weights: forecast \
        integrity 25%, data quality 20%, workflow fit 15%, reliability 15%, observability 10%, \
        security 10%, maintenance 5%, renormalised over the categories assessed. Verdict, first \
        rule that applies: abandon below 2.5, or when it breaks a forecast field — writes a \
        protected field it is not the system of record for, or fills the pipeline with \
        duplicate deals (a failing duplicate_deals finding); keep from 4.0 with no failing \
        finding (fix with one); replace from 2.5 to 3.0; from 3.0 to 3.2 replace when config \
        marks a platform limit, else fix; fix above 3.2."
        .to_owned();
    let mut found = String::from(
        "| integration | verdict | score | not assessed | why |\n|---|---|---:|---|---|\n",
    );
    for c in cards {
        let na: Vec<&str> =
            Category::ALL.iter().filter(|k| !c.scores.contains_key(k)).map(|k| k.name()).collect();
        let shown: Vec<String> =
            c.reasons.iter().filter(|r| !r.starts_with("not assessed")).take(2).cloned().collect();
        let why = linkify(&shown.join("; "), &c.finding_ids);
        found.push_str(&format!(
            "| {} | **{}** | {} | {} | {} |\n",
            c.ident.name,
            c.verdict,
            c.total.map_or("–".into(), |t| format!("{t:.2}")),
            if na.is_empty() { "–".to_owned() } else { na.join(", ") },
            why
        ));
    }
    let todo =
        "Abandon: switch the integration off or take its write access to forecast fields away \
        now. Replace: plan a different tool; its problems are structural. Fix: raise the listed \
        findings with its owner. Keep: review it again at the next audit."
            .to_owned();
    let caveats =
        "Findings are attributed by the writer they name; a category no check could see is \
        not assessed rather than guessed. Workflow fit, security and maintenance are best set in \
        config (`[[integrations]]`), which the data cannot fully show."
            .to_owned();
    Section { tested, found, todo, caveats }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ScorecardConfig;

    #[test]
    fn verdict_boundaries() {
        let t = ScorecardConfig::default();
        assert_eq!(verdict(Some(4.0), false, false, false, &t), "keep");
        assert_eq!(verdict(Some(4.0), true, false, false, &t), "fix");
        assert_eq!(verdict(Some(3.99), false, false, false, &t), "fix");
        assert_eq!(verdict(Some(3.2), false, false, true, &t), "fix");
        assert_eq!(verdict(Some(3.19), false, false, true, &t), "replace");
        assert_eq!(verdict(Some(3.19), false, false, false, &t), "fix");
        assert_eq!(verdict(Some(3.0), false, false, false, &t), "fix");
        assert_eq!(verdict(Some(2.99), false, false, false, &t), "replace");
        assert_eq!(verdict(Some(2.5), false, false, false, &t), "replace");
        assert_eq!(verdict(Some(2.49), false, false, false, &t), "abandon");
        assert_eq!(verdict(Some(4.8), false, true, false, &t), "abandon");
        assert_eq!(verdict(None, false, false, false, &t), "not assessed");
    }

    #[test]
    fn weights_renormalise_over_assessed_categories() {
        let mut s = BTreeMap::new();
        s.insert(Category::ForecastIntegrity, 1.0);
        s.insert(Category::DataQuality, 5.0);
        // (0.25·1 + 0.20·5) / 0.45
        assert!((weighted(&s).unwrap() - 1.25 / 0.45).abs() < 1e-12);
        assert_eq!(weighted(&BTreeMap::new()), None);
        let total: f64 = Category::ALL.iter().map(|c| c.weight()).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}
