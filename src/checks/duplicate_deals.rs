//! `duplicate_deals`: fuzzy duplicate deals, and who creates them
//! (DESIGN.md §4.3).
//!
//! Titles are normalised (NFKC, case fold, accents folded, punctuation and
//! dashes to spaces, legal forms and the deal's own organisation name
//! removed) and scored with Jaro–Winkler (prefix capped at 4) and the
//! token-set ratio; titles that differ in a number (Q1 vs Q2, 2024 vs 2025)
//! are never duplicates. Candidates come from two blockings, never all
//! pairs: deals of the same organisation (id, else normalised name) created
//! within a window of each other, then, for deals with no organisation, deals
//! sharing one of their two rarest title tokens within the same window.
//! Accepted pairs are joined into clusters (union-find); the earliest deal
//! of a cluster is the original, the others are redundant.
//!
//! Cost: one Polars pass over deals (joined with organisations and creation
//! changes), linear normalisation, then per-block scoring in parallel; the
//! number of scored pairs is bounded by block size × window, and only
//! accepted pairs are kept in memory.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use rayon::prelude::*;
use serde::Deserialize;

use super::frame::opt_strs;

use super::similarity::{
    Blocking, Score, UnionFind, normalize, numbers_differ, org_name, strip_legal,
    title_without_org, token_block_all, token_block_pairs,
};
use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::Table;
use crate::model::col::*;

/// The check.
pub struct DuplicateDeals;

static META: CheckMeta = CheckMeta {
    name: "duplicate_deals",
    purpose: "Fuzzy duplicate deals that inflate the pipeline, and the sources that create them",
    needs: &[Table::Deals, Table::DealChanges, Table::Organizations],
    outputs: &["duplicate_pairs", "duplicate_clusters"],
};

/// Thresholds of `duplicate_deals` (`[duplicate_deals]` in `pipetrust.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuplicateDealsConfig {
    /// Two deals are compared only when created at most this many days apart.
    pub window_days: f64,
    /// A pair is a duplicate when the token-set ratio of the normalised
    /// titles reaches this …
    pub min_token_set: f64,
    /// … or their Jaro–Winkler similarity reaches this.
    pub min_jaro_winkler: f64,
    /// The token-set threshold of the title pass (deals with no
    /// organisation), where whole titles are compared and a shared topic
    /// ("- Security audit") alone lifts the ratio to about 0.9.
    pub title_min_token_set: f64,
    /// Rarest title tokens used as block keys for deals with no organisation.
    pub block_tokens: usize,
    /// Share of a source's created deals that are redundant duplicates for a
    /// warning.
    pub warn_rate: f64,
    /// … and for a failing finding.
    pub fail_rate: f64,
    /// Fewer redundant deals than this from one source are information only.
    pub min_redundant: u64,
}

impl Default for DuplicateDealsConfig {
    fn default() -> Self {
        DuplicateDealsConfig {
            window_days: 7.0,
            min_token_set: 0.9,
            min_jaro_winkler: 0.95,
            title_min_token_set: 0.95,
            block_tokens: 2,
            warn_rate: 0.01,
            fail_rate: 0.05,
            min_redundant: 5,
        }
    }
}

/// Column names of this check's frames and output tables.
mod out {
    pub const DEAL_KEY_A: &str = "deal_key_a";
    pub const DEAL_KEY_B: &str = "deal_key_b";
    pub const JARO_WINKLER: &str = "jaro_winkler";
    pub const TOKEN_SET: &str = "token_set_ratio";
    pub const SCORE: &str = "score";
    pub const REASON: &str = "reason";
    pub const CLUSTER_ID: &str = "cluster_id";
    pub const ROLE: &str = "role";
    pub const ORG: &str = "__org";
    pub const ORG_NAME: &str = "__org_name";
    pub const T: &str = "__t";
    pub const CREATED_BY: &str = "created_by";
}

impl Check for DuplicateDeals {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let cfg = &ctx.config.duplicate_deals;
        let deals = deal_frame(input, ctx)?;
        let rows = deal_rows(&deals)?;
        let pairs = find_pairs(&rows, cfg);
        let clusters = clusters(rows.len(), &pairs);
        let facts = Facts::of(&deals, &rows, &clusters)?;
        let findings = findings(&facts, cfg);
        Ok(CheckOutput {
            tables: vec![
                ("duplicate_pairs", pair_table(&rows, &pairs, &clusters)?),
                ("duplicate_clusters", cluster_table(&rows, &clusters, &facts)?),
            ],
            metrics: metrics(&facts),
            charts: vec![chart(&facts)],
            section: section(&facts, &findings, cfg),
            findings,
        })
    }
}

/// Deals with their organisation name, creating source and creation time in
/// microseconds, sorted by creation time then key.
fn deal_frame(input: &Inputs, ctx: &RunContext) -> Result<DataFrame> {
    let orgs = input
        .get(Table::Organizations)
        .select([col(ORG_KEY), col(NAME).alias(out::ORG_NAME)])
        .unique_stable_generic(Some(vec![col(ORG_KEY)]), UniqueKeepStrategy::First);
    let creators = input
        .get(Table::DealChanges)
        .filter(col(FIELD).eq(lit("created")))
        .select([col(DEAL_KEY), col(SOURCE_KEY)])
        .unique_stable_generic(Some(vec![col(DEAL_KEY)]), UniqueKeepStrategy::First);
    let left = JoinArgs::new(JoinType::Left);
    let mut lf = input
        .get(Table::Deals)
        .join(orgs, [col(ORG_KEY)], [col(ORG_KEY)], left.clone())
        .join(creators, [col(DEAL_KEY)], [col(DEAL_KEY)], left)
        .select([
            col(DEAL_KEY),
            col(TITLE),
            col(ORG_KEY),
            coalesce(&[col(out::ORG_NAME), col(ORG_NAME_RAW)]).alias(out::ORG),
            col(CREATED_AT).cast(DataType::Int64).alias(out::T),
            col(CREATED_AT),
            col(STATUS),
            col(VALUE),
            coalesce(&[col(SOURCE_KEY), lit("origin:") + col(CREATED_VIA)]).alias(out::CREATED_BY),
        ]);
    if let Some(since) = ctx.since {
        lf = lf.filter(col(CREATED_AT).dt().date().gt_eq(lit(since)));
    }
    if let Some(until) = ctx.until {
        lf = lf.filter(col(CREATED_AT).dt().date().lt_eq(lit(until)));
    }
    Ok(lf.sort([out::T, DEAL_KEY], SortMultipleOptions::default()).collect()?)
}

/// One deal, ready for matching.
#[derive(Debug, Clone)]
pub struct DealRow {
    /// Deal key.
    pub key: String,
    /// Raw title.
    pub title: String,
    /// Normalised organisation name, if any.
    pub org: Option<String>,
    /// Organisation block key (id, else normalised name), if any.
    pub block: Option<String>,
    /// Title normalised with legal forms and the organisation's name removed.
    pub title_norm: String,
    /// Title normalised with legal forms removed (organisation name kept).
    pub full_norm: String,
    /// Creation time, microseconds since the epoch.
    pub t: i64,
}

impl DealRow {
    /// Normalises one deal.
    pub fn new(key: &str, title: &str, org_key: Option<&str>, org: Option<&str>, t: i64) -> Self {
        let org = org.map(org_name).filter(|o| !o.is_empty());
        let block = match (org_key, &org) {
            (Some(k), _) => Some(format!("id:{k}")),
            (None, Some(name)) => Some(format!("name:{name}")),
            (None, None) => None,
        };
        DealRow {
            key: key.to_owned(),
            title: title.to_owned(),
            title_norm: title_without_org(title, org.as_deref()),
            full_norm: strip_legal(&normalize(title)),
            org,
            block,
            t,
        }
    }
}

fn deal_rows(df: &DataFrame) -> Result<Vec<DealRow>> {
    let keys = opt_strs(df, DEAL_KEY)?;
    let titles = opt_strs(df, TITLE)?;
    let org_keys = opt_strs(df, ORG_KEY)?;
    let orgs = opt_strs(df, out::ORG)?;
    let ts = df.column(out::T)?.as_materialized_series().i64()?.clone();
    let ts: Vec<i64> = ts.iter().map(|v| v.unwrap_or(0)).collect();
    Ok((0..df.height())
        .into_par_iter()
        .map(|i| {
            let title = titles[i].as_deref().unwrap_or("");
            let key = keys[i].as_deref().unwrap_or("");
            DealRow::new(key, title, org_keys[i].as_deref(), orgs[i].as_deref(), ts[i])
        })
        .collect())
}

/// Why two deals were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Same organisation, created within the window.
    SameOrg,
    /// No organisation on one side; shared rare title token.
    TitleTokens,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::SameOrg => "same_organization",
            Reason::TitleTokens => "title_tokens",
        }
    }
}

/// An accepted pair of row indices, `a` created before `b`.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Earlier row.
    pub a: usize,
    /// Later row.
    pub b: usize,
    /// Similarity of the compared titles.
    pub score: Score,
    /// Blocking pass that found it.
    pub reason: Reason,
}

/// The duplicate rule on two normalised titles: the same numbers, and a
/// token-set ratio or a Jaro–Winkler similarity over its threshold.
pub fn accept(a: &str, b: &str, cfg: &DuplicateDealsConfig) -> Option<Score> {
    accept_with(a, b, cfg.min_token_set, cfg.min_jaro_winkler)
}

/// [`accept`] with explicit thresholds.
pub fn accept_with(a: &str, b: &str, min_token_set: f64, min_jw: f64) -> Option<Score> {
    if numbers_differ(a, b) {
        return None;
    }
    let score = Score::of(a, b);
    (score.token_set >= min_token_set || score.jaro_winkler >= min_jw).then_some(score)
}

/// Both blocking passes, merged and sorted.
pub fn find_pairs(rows: &[DealRow], cfg: &DuplicateDealsConfig) -> Vec<Pair> {
    let window = (cfg.window_days * 86_400e6) as i64;
    let mut pairs = org_pass(rows, window, cfg);
    pairs.extend(title_pass(rows, window, cfg));
    pairs.sort_by_key(|p| (p.a, p.b, p.reason != Reason::SameOrg));
    pairs.dedup_by_key(|p| (p.a, p.b));
    pairs
}

fn org_pass(rows: &[DealRow], window: i64, cfg: &DuplicateDealsConfig) -> Vec<Pair> {
    let mut blocks: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(b) = &r.block {
            blocks.entry(b).or_default().push(i);
        }
    }
    let blocks: Vec<Vec<usize>> = blocks.into_values().collect();
    blocks.par_iter().flat_map_iter(|b| block_pairs(rows, b, window, cfg)).collect()
}

/// Pairs inside one organisation block (indices in creation order).
fn block_pairs(
    rows: &[DealRow],
    idx: &[usize],
    window: i64,
    cfg: &DuplicateDealsConfig,
) -> Vec<Pair> {
    let mut out = Vec::new();
    for (k, &i) in idx.iter().enumerate() {
        for &j in &idx[k + 1..] {
            if rows[j].t - rows[i].t > window {
                break;
            }
            if let Some(score) = accept(&rows[i].title_norm, &rows[j].title_norm, cfg) {
                out.push(Pair { a: i, b: j, score, reason: Reason::SameOrg });
            }
        }
    }
    out
}

fn title_pass(rows: &[DealRow], window: i64, cfg: &DuplicateDealsConfig) -> Vec<Pair> {
    let tokens: Vec<Vec<String>> =
        rows.par_iter().map(|r| r.full_norm.split(' ').map(str::to_owned).collect()).collect();
    let is_probe: Vec<bool> = rows.iter().map(|r| r.block.is_none()).collect();
    let time: Vec<i64> = rows.iter().map(|r| r.t).collect();
    let blocking = Blocking {
        tokens: &tokens,
        keys_per_record: cfg.block_tokens,
        is_probe: &is_probe,
        time: &time,
        window,
    };
    // Whole titles, organisation names kept: a deal with no organisation
    // must name the same company (or person) to match.
    let (ts, jw) = (cfg.title_min_token_set, cfg.min_jaro_winkler);
    let score = |i: usize, j: usize| accept_with(&rows[i].full_norm, &rows[j].full_norm, ts, jw);
    token_block_pairs(&blocking, score)
        .into_iter()
        .map(|(a, b, score)| Pair { a, b, score, reason: Reason::TitleTokens })
        .collect()
}

/// Clusters of two or more rows, each sorted (the first is the original),
/// ordered by their first row.
pub fn clusters(n: usize, pairs: &[Pair]) -> Vec<Vec<usize>> {
    let mut uf = UnionFind::new(n);
    for p in pairs {
        uf.union(p.a, p.b);
    }
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for p in pairs {
        for i in [p.a, p.b] {
            by_root.entry(uf.find(i)).or_default().push(i);
        }
    }
    let mut out: Vec<Vec<usize>> = by_root
        .into_values()
        .map(|mut v| {
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    out.sort();
    out
}

/// What the findings, metrics and text are built from.
struct Facts {
    deals: usize,
    pairs: usize,
    clusters: usize,
    redundant: Vec<usize>,
    status: Vec<Option<String>>,
    value: Vec<f64>,
    created_by: Vec<String>,
    /// source → (deals created, redundant deals, redundant open value)
    by_source: BTreeMap<String, (u64, u64, f64)>,
    keys: Vec<String>,
}

impl Facts {
    fn of(df: &DataFrame, rows: &[DealRow], clusters: &[Vec<usize>]) -> Result<Facts> {
        let status = opt_strs(df, STATUS)?;
        let value_s = df.column(VALUE)?.as_materialized_series().cast(&DataType::Float64)?;
        let value: Vec<f64> = value_s.f64()?.iter().map(|v| v.unwrap_or(0.0)).collect();
        let created_by: Vec<String> =
            opt_strs(df, out::CREATED_BY)?.into_iter().map(Option::unwrap_or_default).collect();
        let redundant: Vec<usize> = clusters.iter().flat_map(|c| c[1..].iter().copied()).collect();
        let mut by_source: BTreeMap<String, (u64, u64, f64)> = BTreeMap::new();
        for s in &created_by {
            by_source.entry(s.clone()).or_default().0 += 1;
        }
        for &i in &redundant {
            let e = by_source.entry(created_by[i].clone()).or_default();
            e.1 += 1;
            if status[i].as_deref() == Some("open") {
                e.2 += value[i];
            }
        }
        let pairs = clusters.iter().map(|c| c.len() * (c.len() - 1) / 2).sum();
        let keys = rows.iter().map(|r| r.key.clone()).collect();
        Ok(Facts {
            deals: rows.len(),
            pairs,
            clusters: clusters.len(),
            redundant,
            status,
            value,
            created_by,
            by_source,
            keys,
        })
    }

    fn duplicate_rate(&self) -> f64 {
        self.redundant.len() as f64 / self.deals.max(1) as f64
    }

    fn open_value(&self) -> f64 {
        self.by_source.values().map(|v| v.2).sum()
    }
}

fn pair_table(rows: &[DealRow], pairs: &[Pair], clusters: &[Vec<usize>]) -> Result<DataFrame> {
    let mut cluster_of: HashMap<usize, &str> = HashMap::new();
    for c in clusters {
        for &i in c {
            cluster_of.insert(i, &rows[c[0]].key);
        }
    }
    let key = |i: usize| rows[i].key.clone();
    Ok(df!(
        out::DEAL_KEY_A => pairs.iter().map(|p| key(p.a)).collect::<Vec<_>>(),
        out::DEAL_KEY_B => pairs.iter().map(|p| key(p.b)).collect::<Vec<_>>(),
        out::JARO_WINKLER => pairs.iter().map(|p| p.score.jaro_winkler).collect::<Vec<_>>(),
        out::TOKEN_SET => pairs.iter().map(|p| p.score.token_set).collect::<Vec<_>>(),
        out::SCORE => pairs.iter().map(|p| p.score.best()).collect::<Vec<_>>(),
        out::REASON => pairs.iter().map(|p| p.reason.as_str()).collect::<Vec<_>>(),
        out::CLUSTER_ID => pairs
            .iter()
            .map(|p| cluster_of.get(&p.a).map_or(String::new(), |s| (*s).to_owned()))
            .collect::<Vec<_>>(),
    )?)
}

fn cluster_table(rows: &[DealRow], clusters: &[Vec<usize>], f: &Facts) -> Result<DataFrame> {
    let members: Vec<(usize, usize, bool)> = clusters
        .iter()
        .flat_map(|c| c.iter().enumerate().map(move |(k, &i)| (c[0], i, k == 0)))
        .collect();
    Ok(df!(
        out::CLUSTER_ID => members.iter().map(|m| rows[m.0].key.clone()).collect::<Vec<_>>(),
        DEAL_KEY => members.iter().map(|m| rows[m.1].key.clone()).collect::<Vec<_>>(),
        out::ROLE => members
            .iter()
            .map(|m| if m.2 { "original" } else { "redundant" })
            .collect::<Vec<_>>(),
        TITLE => members.iter().map(|m| rows[m.1].title.clone()).collect::<Vec<_>>(),
        out::CREATED_BY => members.iter().map(|m| f.created_by[m.1].clone()).collect::<Vec<_>>(),
        STATUS => members.iter().map(|m| f.status[m.1].clone()).collect::<Vec<_>>(),
        VALUE => members.iter().map(|m| f.value[m.1]).collect::<Vec<_>>(),
    )?)
}

/// One finding per creating source of redundant deals.
fn findings(f: &Facts, cfg: &DuplicateDealsConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    for (source, &(created, redundant, open_value)) in &f.by_source {
        if redundant == 0 {
            continue;
        }
        let rate = redundant as f64 / created.max(1) as f64;
        let severity = match (redundant >= cfg.min_redundant, rate) {
            (true, r) if r >= cfg.fail_rate => Severity::Fail,
            (true, r) if r >= cfg.warn_rate => Severity::Warn,
            _ => Severity::Info,
        };
        let evidence: Vec<(&'static str, String)> = f
            .redundant
            .iter()
            .filter(|&&i| &f.created_by[i] == source)
            .map(|&i| ("deal", f.keys[i].clone()))
            .collect();
        let message = format!(
            "`{source}` created {redundant} deals that duplicate an earlier deal ({:.1}% of the \
             {created} it created), with {open_value:.0} of open pipeline value counted twice",
            100.0 * rate
        );
        out.push(Finding {
            severity,
            segment: source.clone(),
            metric: "redundant_deal_rate".to_owned(),
            value: rate,
            threshold: if severity == Severity::Fail { cfg.fail_rate } else { cfg.warn_rate },
            message,
            value_at_stake: Some(open_value),
            evidence,
        });
    }
    out
}

fn metrics(f: &Facts) -> Vec<Metric> {
    let m = |metric: &str, segment: &str, value: f64| Metric {
        metric: metric.to_owned(),
        segment: segment.to_owned(),
        value,
    };
    let mut out = vec![
        m("deals", "all", f.deals as f64),
        m("duplicate_pairs", "all", f.pairs as f64),
        m("duplicate_clusters", "all", f.clusters as f64),
        m("redundant_deals", "all", f.redundant.len() as f64),
        m("duplicate_rate", "all", f.duplicate_rate()),
        m("redundant_open_value", "all", f.open_value()),
    ];
    for (source, v) in f.by_source.iter().filter(|(_, v)| v.1 > 0) {
        out.push(m("redundant_deals", source, v.1 as f64));
        out.push(m("redundant_open_value", source, v.2));
    }
    out
}

fn chart(f: &Facts) -> Chart {
    let rows: Vec<(&String, &(u64, u64, f64))> =
        f.by_source.iter().filter(|(_, v)| v.1 > 0).collect();
    Chart {
        file: "duplicate_deals".to_owned(),
        title: "Redundant duplicate deals by creating source".to_owned(),
        x_label: "creating source".to_owned(),
        y_label: "redundant deals".to_owned(),
        y_share: false,
        x_categories: rows.iter().map(|r| r.0.clone()).collect(),
        series: vec![("redundant deals".to_owned(), rows.iter().map(|r| r.1.1 as f64).collect())],
    }
}

fn section(f: &Facts, findings: &[Finding], cfg: &DuplicateDealsConfig) -> Section {
    let tested = format!(
        "Deal titles were normalised (Unicode NFKC, lower case, accents folded, punctuation and \
         dashes to spaces, legal forms such as LLC or GmbH and the deal's own organisation name \
         removed) and compared with Jaro–Winkler and a token-set ratio. Only likely pairs were \
         compared: deals of the same organisation created within {w} days of each other, and, for \
         deals with no organisation, deals sharing one of their {k} rarest title words within the \
         same {w} days. A pair is a duplicate when the token-set ratio is at least {ts} ({tts} for \
         deals with no organisation, whose whole titles are compared) or Jaro–Winkler at least \
         {jw}, and the titles carry the same numbers (\"Q1 renewal\" and \
         \"Q2 renewal\" are different deals). \
         Duplicates are grouped into clusters; the earliest deal of a cluster is the original and \
         the others are redundant.",
        w = cfg.window_days,
        k = cfg.block_tokens,
        ts = cfg.min_token_set,
        tts = cfg.title_min_token_set,
        jw = cfg.min_jaro_winkler,
    );
    let todo = if findings.iter().any(|x| x.severity > Severity::Info) {
        "Merge the redundant deals into their originals (the `duplicate_clusters` table lists \
         them) so the open pipeline is not counted twice, and fix the flagged sources: make them \
         look a deal up (by organisation and title) before creating one."
            .to_owned()
    } else {
        "Nothing urgent: no source creates duplicate deals above the thresholds.".to_owned()
    };
    let caveats = format!(
        "Deals created more than {} days apart are never compared, so a re-created deal months \
         later is not found. Open value is summed as recorded, without currency conversion. Two \
         genuinely separate deals with near-identical titles for the same organisation in the same \
         week would be counted as duplicates; check the pairs table before merging.",
        cfg.window_days
    );
    Section { tested, found: found_text(f, findings), todo, caveats }
}

fn found_text(f: &Facts, findings: &[Finding]) -> String {
    let mut text = format!(
        "{} of {} deals ({:.1}%) are redundant duplicates of an earlier deal, in {} clusters; \
         {:.0} of open pipeline value is counted twice.\n\n",
        f.redundant.len(),
        f.deals,
        100.0 * f.duplicate_rate(),
        f.clusters,
        f.open_value(),
    );
    if findings.is_empty() {
        return text;
    }
    text.push_str("| creating source | deals created | redundant | share | open value twice |\n");
    text.push_str("|---|---:|---:|---:|---:|\n");
    let mut rows: Vec<(&String, &(u64, u64, f64))> =
        f.by_source.iter().filter(|(_, v)| v.1 > 0).collect();
    rows.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
    for (source, (created, redundant, value)) in rows.iter().take(15) {
        let share = 100.0 * *redundant as f64 / (*created).max(1) as f64;
        text.push_str(&format!(
            "| `{source}` | {created} | {redundant} | {share:.1}% | {value:.0} |\n"
        ));
    }
    text
}

/// The title-pass matcher alone (no organisations, no time window), for
/// measuring it on labelled name lists: accepted pairs `(i, j, score)`.
pub fn match_titles(titles: &[String], cfg: &DuplicateDealsConfig) -> Vec<(usize, usize, Score)> {
    let norm: Vec<String> = titles.par_iter().map(|t| strip_legal(&normalize(t))).collect();
    let tokens: Vec<Vec<String>> =
        norm.iter().map(|t| t.split(' ').map(str::to_owned).collect()).collect();
    let (ts, jw) = (cfg.title_min_token_set, cfg.min_jaro_winkler);
    token_block_all(&tokens, cfg.block_tokens, |i, j| accept_with(&norm[i], &norm[j], ts, jw))
}

#[cfg(test)]
pub(super) mod tests;
