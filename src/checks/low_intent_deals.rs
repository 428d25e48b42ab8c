//! `low_intent_deals`: deals from low-intent origins that pad the pipeline.
//! (DESIGN.md §4.9)
//!
//! Each deal is classed by its normalised origin (`created_via`). A deal is
//! *idle* when it got no meeting or call within 30 days of creation, never
//! moved forward a stage and was never won. Per origin: deals, share touched,
//! share advanced, win rate, idle share, and open value. Each low-intent
//! origin (configurable; default API, automation, web forms, chat, marketplace
//! and prospecting / web visitors) is held against manually created deals
//! with an exact one-sided binomial test of its idle count against the manual
//! idle share; q-values are Benjamini–Hochberg across origins. Deals created
//! less than 30 days before `--as-of` are left out (their window is not over).
//!
//! Cost: two semi-joins of the deals with the activities and the stage
//! changes, then one group-by over deals; statistics run per origin.

use polars::prelude::*;
use serde::Deserialize;

use super::frame::{bools, f64s, strs, u64s};

use super::{
    Chart, Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::Table;
use crate::model::col::*;
use crate::stats::{binomial, fdr};

/// The check.
pub struct LowIntentDeals;

static META: CheckMeta = CheckMeta {
    name: "low_intent_deals",
    purpose: "Deals from API, automation, forms and chat that never get a call, advance or win",
    needs: &[Table::Deals, Table::Activities, Table::DealChanges, Table::Stages],
    outputs: &["low_intent_origins", "low_intent_deals"],
};

/// Origins and thresholds of `low_intent_deals` (`[low_intent_deals]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LowIntentConfig {
    /// Normalised origins (`created_via`) counted as low intent.
    pub origins: Vec<String>,
    /// The origin the others are held against.
    pub baseline_origin: String,
    /// A meeting or call within this many days of creation is a touch.
    pub touch_days: i64,
    /// Activity kinds that count as a touch.
    pub touch_kinds: Vec<String>,
    /// Test only origins with at least this many deals.
    pub min_deals: u64,
    /// Flag when idle share / baseline idle share is at least this…
    pub min_lift: f64,
    /// …and the BH q-value is below this.
    pub max_q: f64,
    /// A flagged origin with at least this lift is a failing finding.
    pub fail_lift: f64,
}

impl Default for LowIntentConfig {
    fn default() -> Self {
        let origins = ["api", "automation", "web_form", "chat", "marketplace", "prospecting"];
        LowIntentConfig {
            origins: origins.iter().map(|s| (*s).to_owned()).collect(),
            baseline_origin: "manual".to_owned(),
            touch_days: 30,
            touch_kinds: vec!["meeting".to_owned(), "call".to_owned()],
            min_deals: 20,
            min_lift: 1.5,
            max_q: 0.05,
            fail_lift: 2.0,
        }
    }
}

impl Check for LowIntentDeals {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let cfg = &ctx.config.low_intent_deals;
        let deals = deal_flags(input, ctx)?;
        let origins = origin_stats(&deals, cfg)?;
        let findings = findings(&origins, &deals, cfg)?;
        let metrics = metrics(&origins);
        let section = section(&origins, &findings, cfg);
        let chart = chart(&origins);
        Ok(CheckOutput {
            tables: vec![
                ("low_intent_origins", origin_table(&origins)?),
                ("low_intent_deals", deals),
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
    pub const TOUCHED: &str = "touched_in_window";
    pub const ADVANCED: &str = "ever_advanced";
    pub const WON: &str = "won";
    pub const IDLE: &str = "idle";
    pub const LOW_INTENT: &str = "low_intent";
    pub const ORIGIN: &str = "origin";
    pub const DEALS: &str = "deals";
    pub const SHARE_TOUCHED: &str = "share_touched";
    pub const SHARE_ADVANCED: &str = "share_advanced";
    pub const WIN_RATE: &str = "win_rate";
    pub const IDLE_DEALS: &str = "idle_deals";
    pub const SHARE_IDLE: &str = "share_idle";
    pub const BASELINE_SHARE: &str = "baseline_share_idle";
    pub const LIFT: &str = "lift";
    pub const P_VALUE: &str = "p_value";
    pub const Q_VALUE: &str = "q_value";
    pub const OPEN_VALUE: &str = "open_value";
    pub const IDLE_OPEN_VALUE: &str = "idle_open_value";
    pub const FLAGGED: &str = "flagged";
    pub const CLOSED: &str = "__closed";
    pub const DEAL_AT: &str = "__deal_at";
    pub const OLD_ORDER: &str = "__old_order";
    pub const NEW_ORDER: &str = "__new_order";
    pub const SYS: &str = "__sys";
    pub const SID: &str = "__sid";
}

/// Deals in scope: created in the `--since`/`--until` window and at least
/// `touch_days` before `--as-of`.
fn scoped_deals(input: &Inputs, ctx: &RunContext) -> LazyFrame {
    let cfg = &ctx.config.low_intent_deals;
    let cutoff = ctx.as_of.timestamp_micros() - cfg.touch_days * 86_400_000_000;
    let mut lf = input
        .get(Table::Deals)
        .filter(col(CREATED_AT).dt().timestamp(TimeUnit::Microseconds).lt_eq(lit(cutoff)));
    let day = col(CREATED_AT).dt().convert_time_zone(TimeZone::from_chrono(&ctx.zone)).dt().date();
    if let Some(since) = ctx.since {
        lf = lf.filter(day.clone().gt_eq(lit(since)));
    }
    if let Some(until) = ctx.until {
        lf = lf.filter(day.lt_eq(lit(until)));
    }
    lf
}

/// Deals with a meeting or call within `touch_days` of their creation.
fn touched(input: &Inputs, deals: LazyFrame, cfg: &LowIntentConfig) -> LazyFrame {
    let kinds = Series::new("__kinds".into(), cfg.touch_kinds.clone());
    let window = cfg.touch_days * 86_400_000_000;
    let at = col(START_AT).fill_null(col(CREATED_AT)).dt().timestamp(TimeUnit::Microseconds);
    input
        .get(Table::Activities)
        .filter(col(KIND).is_in(lit(kinds).implode(false), false).and(col(DEAL_KEY).is_not_null()))
        .select([col(DEAL_KEY), at.alias(out::DEAL_AT)])
        .join(
            deals.select([
                col(DEAL_KEY),
                col(CREATED_AT).dt().timestamp(TimeUnit::Microseconds).alias(CREATED_AT),
            ]),
            [col(DEAL_KEY)],
            [col(DEAL_KEY)],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col(out::DEAL_AT)
                .gt_eq(col(CREATED_AT))
                .and(col(out::DEAL_AT).lt_eq(col(CREATED_AT) + lit(window))),
        )
        .select([col(DEAL_KEY)])
        .unique(None, UniqueKeepStrategy::First)
        .with_column(lit(true).alias(out::TOUCHED))
}

/// Deals with at least one forward stage move (by stage sort order).
fn advanced(input: &Inputs) -> LazyFrame {
    let stages = input.get(Table::Stages).select([
        col(SOURCE_SYSTEM).alias(out::SYS),
        col(SOURCE_ID).alias(out::SID),
        col(SORT_ORDER),
    ]);
    let order = |name: &str| {
        stages.clone().select([col(out::SYS), col(out::SID), col(SORT_ORDER).alias(name)])
    };
    let left = JoinArgs::new(JoinType::Left);
    input
        .get(Table::DealChanges)
        .filter(col(FIELD).eq(lit("stage")))
        .join(
            order(out::OLD_ORDER),
            [col(SOURCE_SYSTEM), col(OLD_VALUE)],
            [col(out::SYS), col(out::SID)],
            left.clone(),
        )
        .join(
            order(out::NEW_ORDER),
            [col(SOURCE_SYSTEM), col(NEW_VALUE)],
            [col(out::SYS), col(out::SID)],
            left,
        )
        .filter(col(out::NEW_ORDER).gt(col(out::OLD_ORDER)))
        .select([col(DEAL_KEY)])
        .unique(None, UniqueKeepStrategy::First)
        .with_column(lit(true).alias(out::ADVANCED))
}

/// One row per deal in scope with its origin and flags, sorted by deal key.
fn deal_flags(input: &Inputs, ctx: &RunContext) -> Result<DataFrame> {
    let cfg = &ctx.config.low_intent_deals;
    let deals = scoped_deals(input, ctx);
    let origins = Series::new("__origins".into(), cfg.origins.clone());
    let left = JoinArgs::new(JoinType::Left);
    let df = deals
        .clone()
        .join(touched(input, deals, cfg), [col(DEAL_KEY)], [col(DEAL_KEY)], left.clone())
        .join(advanced(input), [col(DEAL_KEY)], [col(DEAL_KEY)], left)
        .select([
            col(DEAL_KEY),
            col(CREATED_VIA).alias(out::ORIGIN),
            col(CREATED_VIA_RAW),
            col(CREATED_AT),
            col(STATUS),
            col(VALUE),
            col(CURRENCY),
            col(CREATED_VIA).is_in(lit(origins).implode(false), false).alias(out::LOW_INTENT),
            col(out::TOUCHED).fill_null(lit(false)),
            col(out::ADVANCED).fill_null(lit(false)),
            col(STATUS).eq(lit("won")).alias(out::WON),
        ])
        .with_column(
            col(out::TOUCHED)
                .not()
                .and(col(out::ADVANCED).not())
                .and(col(out::WON).not())
                .alias(out::IDLE),
        )
        .sort([DEAL_KEY], SortMultipleOptions::default())
        .collect()?;
    Ok(df)
}

/// Per-origin counts and the test against the baseline origin.
#[derive(Debug, Clone)]
struct OriginStats {
    origin: String,
    low_intent: bool,
    deals: u64,
    touched: u64,
    advanced: u64,
    won: u64,
    closed: u64,
    idle: u64,
    open_value: f64,
    idle_open_value: f64,
    baseline_share: f64,
    baseline_deals: u64,
    p_value: f64,
    q_value: f64,
    flagged: bool,
}

impl OriginStats {
    fn share(&self, k: u64) -> f64 {
        k as f64 / self.deals.max(1) as f64
    }

    fn win_rate(&self) -> f64 {
        self.won as f64 / self.closed.max(1) as f64
    }

    /// Idle share over the baseline's; NaN with no baseline. A baseline
    /// share of zero is floored at half a deal of the baseline.
    fn lift(&self) -> f64 {
        if self.baseline_share.is_nan() {
            return f64::NAN;
        }
        let floor = 0.5 / self.baseline_deals.max(1) as f64;
        self.share(self.idle) / self.baseline_share.max(floor)
    }
}

fn origin_counts(deals: &DataFrame) -> Result<DataFrame> {
    let open = col(STATUS).eq(lit("open"));
    let open_value = |mask: Expr| col(VALUE).filter(mask).sum().fill_null(lit(0.0));
    Ok(deals
        .clone()
        .lazy()
        .group_by([col(out::ORIGIN)])
        .agg([
            col(out::LOW_INTENT).first(),
            len().cast(DataType::UInt64).alias(out::DEALS),
            col(out::TOUCHED).sum().cast(DataType::UInt64),
            col(out::ADVANCED).sum().cast(DataType::UInt64),
            col(out::WON).sum().cast(DataType::UInt64),
            open.clone().not().sum().cast(DataType::UInt64).alias(out::CLOSED),
            col(out::IDLE).sum().cast(DataType::UInt64),
            open_value(open.clone()).alias(out::OPEN_VALUE),
            open_value(open.and(col(out::IDLE))).alias(out::IDLE_OPEN_VALUE),
        ])
        .sort([out::ORIGIN], SortMultipleOptions::default())
        .collect()?)
}

fn origin_stats(deals: &DataFrame, cfg: &LowIntentConfig) -> Result<Vec<OriginStats>> {
    let df = origin_counts(deals)?;
    let origin = strs(&df, out::ORIGIN)?;
    let low = bools(&df, out::LOW_INTENT)?;
    let [n, touched, advanced, won, closed, idle] =
        [out::DEALS, out::TOUCHED, out::ADVANCED, out::WON, out::CLOSED, out::IDLE]
            .map(|c| u64s(&df, c).unwrap_or_default());
    let (open_value, idle_value) = (f64s(&df, out::OPEN_VALUE)?, f64s(&df, out::IDLE_OPEN_VALUE)?);
    let mut rows: Vec<OriginStats> = (0..df.height())
        .map(|i| OriginStats {
            origin: origin[i].clone(),
            low_intent: low[i],
            deals: n[i],
            touched: touched[i],
            advanced: advanced[i],
            won: won[i],
            closed: closed[i],
            idle: idle[i],
            open_value: open_value[i],
            idle_open_value: idle_value[i],
            baseline_share: f64::NAN,
            baseline_deals: 0,
            p_value: f64::NAN,
            q_value: f64::NAN,
            flagged: false,
        })
        .collect();
    test_origins(&mut rows, cfg);
    Ok(rows)
}

/// Binomial test of each low-intent origin's idle count against the
/// baseline origin's idle share; BH across the tested origins.
fn test_origins(rows: &mut [OriginStats], cfg: &LowIntentConfig) {
    let Some(base) = rows.iter().find(|r| r.origin == cfg.baseline_origin) else { return };
    let (p0, base_n) = (base.share(base.idle), base.deals);
    let tested: Vec<usize> = (0..rows.len())
        .filter(|i| rows[*i].low_intent && rows[*i].deals >= cfg.min_deals && base.deals > 0)
        .collect();
    let p: Vec<f64> =
        tested.iter().map(|i| binomial::p_greater(rows[*i].idle, rows[*i].deals, p0)).collect();
    let q = fdr::bh_qvalues(&p);
    for r in rows.iter_mut() {
        r.baseline_share = p0;
        r.baseline_deals = base_n;
    }
    for (j, i) in tested.into_iter().enumerate() {
        let r = &mut rows[i];
        r.p_value = p[j];
        r.q_value = q[j];
        r.flagged = r.lift() >= cfg.min_lift && q[j] < cfg.max_q;
    }
}

fn origin_table(rows: &[OriginStats]) -> Result<DataFrame> {
    let f = |g: &dyn Fn(&OriginStats) -> f64| rows.iter().map(g).collect::<Vec<f64>>();
    let opt = |v: Vec<f64>| v.into_iter().map(|x| (!x.is_nan()).then_some(x)).collect::<Vec<_>>();
    Ok(df!(
        out::ORIGIN => rows.iter().map(|r| r.origin.clone()).collect::<Vec<_>>(),
        out::LOW_INTENT => rows.iter().map(|r| r.low_intent).collect::<Vec<_>>(),
        out::DEALS => rows.iter().map(|r| r.deals).collect::<Vec<_>>(),
        out::SHARE_TOUCHED => f(&|r| r.share(r.touched)),
        out::SHARE_ADVANCED => f(&|r| r.share(r.advanced)),
        out::WIN_RATE => f(&|r| r.win_rate()),
        out::IDLE_DEALS => rows.iter().map(|r| r.idle).collect::<Vec<_>>(),
        out::SHARE_IDLE => f(&|r| r.share(r.idle)),
        out::BASELINE_SHARE => opt(f(&|r| r.baseline_share)),
        out::LIFT => opt(f(&|r| r.lift())),
        out::P_VALUE => opt(f(&|r| r.p_value)),
        out::Q_VALUE => opt(f(&|r| r.q_value)),
        out::OPEN_VALUE => f(&|r| r.open_value),
        out::IDLE_OPEN_VALUE => f(&|r| r.idle_open_value),
        out::FLAGGED => rows.iter().map(|r| r.flagged).collect::<Vec<_>>(),
    )?)
}

/// Keys of the idle deals of one origin.
fn idle_deals(deals: &DataFrame, origin: &str) -> Result<Vec<(&'static str, String)>> {
    let df = deals
        .clone()
        .lazy()
        .filter(col(out::ORIGIN).eq(lit(origin)).and(col(out::IDLE)))
        .select([col(DEAL_KEY)])
        .collect()?;
    Ok(strs(&df, DEAL_KEY)?.into_iter().map(|k| ("deal", k)).collect())
}

fn findings(
    rows: &[OriginStats],
    deals: &DataFrame,
    cfg: &LowIntentConfig,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| r.flagged) {
        let severity = if r.lift() >= cfg.fail_lift { Severity::Fail } else { Severity::Warn };
        out.push(Finding {
            severity,
            segment: format!("origin:{}", r.origin),
            metric: "idle_share_lift".to_owned(),
            value: r.lift(),
            threshold: cfg.min_lift,
            message: format!(
                "{:.0}% of the {} deals created via `{}` got no meeting or call in {} days, never \
                 advanced and were never won ({:.2}× the {:.0}% of `{}` deals; q = {:.2e}); win \
                 rate {:.0}%, and their idle open deals add {:.0} to the pipeline",
                100.0 * r.share(r.idle),
                r.deals,
                r.origin,
                cfg.touch_days,
                r.lift(),
                100.0 * r.baseline_share,
                cfg.baseline_origin,
                r.q_value,
                100.0 * r.win_rate(),
                r.idle_open_value
            ),
            value_at_stake: Some(r.idle_open_value),
            evidence: idle_deals(deals, &r.origin)?,
        });
    }
    Ok(out)
}

fn metrics(rows: &[OriginStats]) -> Vec<Metric> {
    let mut out = Vec::new();
    let m = |metric: &str, segment: &str, value: f64| Metric {
        metric: metric.to_owned(),
        segment: format!("origin:{segment}"),
        value,
    };
    for r in rows {
        out.push(m("deals", &r.origin, r.deals as f64));
        out.push(m("share_idle", &r.origin, r.share(r.idle)));
        out.push(m("win_rate", &r.origin, r.win_rate()));
        out.push(m("open_value", &r.origin, r.open_value));
        out.push(m("idle_open_value", &r.origin, r.idle_open_value));
    }
    let low: Vec<&OriginStats> = rows.iter().filter(|r| r.low_intent).collect();
    let total = |g: &dyn Fn(&OriginStats) -> f64| low.iter().map(|r| g(r)).sum::<f64>() + 0.0;
    out.push(m("open_value", "low_intent", total(&|r| r.open_value)));
    out.push(m("idle_open_value", "low_intent", total(&|r| r.idle_open_value)));
    out.push(m("deals", "low_intent", total(&|r| r.deals as f64)));
    out
}

fn section(rows: &[OriginStats], findings: &[Finding], cfg: &LowIntentConfig) -> Section {
    let tested = format!(
        "Every deal created at least {d} days before the as-of date is classed by its origin. A \
         deal is idle when it got no {k} within {d} days of creation, never moved forward a stage \
         and was never won. Each low-intent origin ({o}) with at least {n} deals is held against \
         deals created by hand (`{b}`): an exact one-sided binomial test of its idle count against \
         the `{b}` idle share, Benjamini–Hochberg across origins. An origin is flagged when its \
         idle share is at least {l}× the baseline and q < {q}.",
        d = cfg.touch_days,
        k = cfg.touch_kinds.join(" or "),
        o = cfg.origins.join(", "),
        n = cfg.min_deals,
        b = cfg.baseline_origin,
        l = cfg.min_lift,
        q = cfg.max_q,
    );
    // `+ 0.0` turns the -0.0 of an empty f64 sum into 0.
    let idle_value: f64 =
        rows.iter().filter(|r| r.flagged).map(|r| r.idle_open_value).sum::<f64>() + 0.0;
    let idle: u64 = rows.iter().filter(|r| r.flagged).map(|r| r.idle).sum();
    let mut found = format!(
        "{} origin(s) flagged: {idle} idle deals, of which the open ones add {idle_value:.0} to \
         the open pipeline.\n\n",
        findings.len()
    );
    found.push_str(
        "| origin | deals | touched | advanced | win rate | idle | lift | open value | idle open \
         value | flagged |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        found.push_str(&format!(
            "| `{}`{} | {} | {:.0}% | {:.0}% | {:.0}% | {:.0}% | {} | {:.0} | {:.0} | {} |\n",
            r.origin,
            if r.low_intent { " (low intent)" } else { "" },
            r.deals,
            100.0 * r.share(r.touched),
            100.0 * r.share(r.advanced),
            100.0 * r.win_rate(),
            100.0 * r.share(r.idle),
            if r.lift().is_nan() { "–".to_owned() } else { format!("{:.2}", r.lift()) },
            r.open_value,
            r.idle_open_value,
            if r.flagged { "yes" } else { "no" }
        ));
    }
    let has_baseline = rows.iter().any(|r| r.origin == cfg.baseline_origin);
    let todo = if !has_baseline {
        format!(
            "No deals were created by hand (origin `{}`), so no origin could be tested; map the \
             CRM's origin field to see this check's result.",
            cfg.baseline_origin
        )
    } else if findings.is_empty() {
        "Nothing to do: deals from automated origins move like deals created by hand.".to_owned()
    } else {
        "Keep flagged origins out of the forecast until a person qualifies the deal: route them \
         to a lead inbox or a separate pre-qualification pipeline instead of creating deals, and \
         close the idle open deals listed in `low_intent_deals`. Review the integrations that \
         create them."
            .to_owned()
    };
    let caveats =
        "Open values are summed in each deal's own currency. Origins come from the CRM's \
                   origin field; web visitors and prospecting share one class. An activity counts \
                   as a touch at its start time, else its creation time."
            .to_owned();
    Section { tested, found, todo, caveats }
}

fn chart(rows: &[OriginStats]) -> Chart {
    Chart {
        file: "low_intent_deals".to_owned(),
        title: "Idle share and win rate by origin".to_owned(),
        x_label: "origin".to_owned(),
        y_label: "share of the origin's deals".to_owned(),
        y_share: true,
        x_categories: rows.iter().map(|r| r.origin.clone()).collect(),
        series: vec![
            ("idle".to_owned(), rows.iter().map(|r| r.share(r.idle)).collect()),
            ("win rate".to_owned(), rows.iter().map(OriginStats::win_rate).collect()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_inputs::{context, inputs, us};

    /// (deal, origin, status, created at).
    fn deal_rows() -> Vec<(String, &'static str, &'static str, &'static str)> {
        let mut rows = Vec::new();
        for i in 0..20 {
            let status = if i == 14 { "won" } else { "open" };
            rows.push((format!("w{i}"), "web_form", status, "2026-01-01 00:00"));
            rows.push((format!("m{i}"), "manual", "open", "2026-01-01 00:00"));
            rows.push((format!("i{i}"), "import", "open", "2026-01-01 00:00"));
        }
        // Created 7 days before as-of: its 30-day window is not over.
        rows.push(("w20".to_owned(), "web_form", "open", "2026-05-25 00:00"));
        rows
    }

    fn deals() -> DataFrame {
        let rows = deal_rows();
        df!(
            DEAL_KEY => rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            CREATED_VIA => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            STATUS => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            CREATED_AT => rows.iter().map(|r| us(r.3)).collect::<Vec<_>>(),
            VALUE => rows.iter().map(|_| 1000.0).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    /// w0: call on day 40 (too late); w1: email only; w12: meeting on day 10;
    /// w15–w19 and m4–m19: a call on day 1.
    fn activities() -> DataFrame {
        let mut rows: Vec<(String, &str, &str)> = vec![
            ("w0".into(), "call", "2026-02-10 00:00"),
            ("w1".into(), "email", "2026-01-03 00:00"),
            ("w12".into(), "meeting", "2026-01-11 00:00"),
        ];
        rows.extend((15..20).map(|i| (format!("w{i}"), "call", "2026-01-02 00:00")));
        rows.extend((4..20).map(|i| (format!("m{i}"), "call", "2026-01-02 00:00")));
        df!(
            ACTIVITY_KEY => (0..rows.len()).map(|i| format!("a{i}")).collect::<Vec<_>>(),
            DEAL_KEY => rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            KIND => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            START_AT => rows.iter().map(|r| us(r.2)).collect::<Vec<_>>(),
            CREATED_AT => rows.iter().map(|_| us("2026-01-01 00:00")).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    /// w2 moves backward only (2 → 1); w13 moves forward (1 → 2).
    fn changes_and_stages() -> Vec<(Table, DataFrame)> {
        let changes = df!(
            CHANGE_KEY => ["c1", "c2"],
            DEAL_KEY => ["w2", "w13"],
            FIELD => ["stage", "stage"],
            OLD_VALUE => ["2", "1"],
            NEW_VALUE => ["1", "2"],
            SOURCE_SYSTEM => ["pd", "pd"],
            CHANGED_AT => [us("2026-01-05 00:00"), us("2026-01-05 00:00")],
        )
        .unwrap();
        let stages = df!(
            STAGE_KEY => ["pd:1", "pd:2"],
            SOURCE_SYSTEM => ["pd", "pd"],
            SOURCE_ID => ["1", "2"],
            SORT_ORDER => [1i64, 2],
        )
        .unwrap();
        vec![(Table::DealChanges, changes), (Table::Stages, stages)]
    }

    fn run() -> CheckOutput {
        let mut given = vec![(Table::Deals, deals()), (Table::Activities, activities())];
        given.extend(changes_and_stages());
        LowIntentDeals.run(&inputs(given), &context("2026-06-01 00:00")).unwrap()
    }

    #[test]
    fn idle_rules_pick_the_right_deals() {
        let out = run();
        let table = &out.tables[1].1;
        let keys = strs(table, DEAL_KEY).unwrap();
        assert!(!keys.contains(&"w20".to_owned()), "deal inside its window is scoped out");
        let idle = bools(table, out::IDLE).unwrap();
        let idle_of = |k: &str| idle[keys.iter().position(|x| x == k).unwrap()];
        for k in ["w0", "w1", "w2", "w11", "m0", "m3", "i19"] {
            assert!(idle_of(k), "{k} should be idle");
        }
        for k in ["w12", "w13", "w14", "w15", "m4"] {
            assert!(!idle_of(k), "{k} should not be idle");
        }
    }

    #[test]
    fn a_low_intent_origin_is_held_against_manual_deals() {
        let out = run();
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.segment, "origin:web_form");
        assert_eq!(f.severity, Severity::Fail);
        assert!((f.value - 3.0).abs() < 1e-12, "lift {}", f.value);
        assert_eq!(f.value_at_stake, Some(12_000.0));
        assert_eq!(f.evidence.len(), 12);
        assert!(f.evidence.iter().all(|e| e.0 == "deal" && e.1.starts_with('w')));
        // Import deals are all idle but import is not a low-intent origin.
        let origins = &out.tables[0].1;
        assert_eq!(strs(origins, out::ORIGIN).unwrap(), ["import", "manual", "web_form"]);
    }

    /// Reference value from scipy 1.17.1:
    /// python3 -c "from scipy.stats import binomtest;
    ///   print(repr(binomtest(12, 20, 0.2, alternative='greater').pvalue))"
    const P_12_OF_20_AT_0_2: f64 = 0.00010172876515704841;

    #[test]
    fn p_value_matches_scipy() {
        let out = run();
        let p = f64s(&out.tables[0].1, out::P_VALUE).unwrap();
        assert!(p[0].is_nan() && p[1].is_nan(), "only low-intent origins are tested");
        assert!((p[2] - P_12_OF_20_AT_0_2).abs() < 1e-9, "{}", p[2]);
        let q = f64s(&out.tables[0].1, out::Q_VALUE).unwrap();
        assert!((q[2] - P_12_OF_20_AT_0_2).abs() < 1e-9, "one test: q = p");
    }

    #[test]
    fn small_origins_and_small_lifts_are_not_flagged() {
        let mut ctx = context("2026-06-01 00:00");
        ctx.config.low_intent_deals.min_deals = 21;
        let mut given = vec![(Table::Deals, deals()), (Table::Activities, activities())];
        given.extend(changes_and_stages());
        assert!(LowIntentDeals.run(&inputs(given.clone()), &ctx).unwrap().findings.is_empty());
        let mut ctx = context("2026-06-01 00:00");
        ctx.config.low_intent_deals.min_lift = 3.5;
        assert!(LowIntentDeals.run(&inputs(given), &ctx).unwrap().findings.is_empty());
    }

    #[test]
    fn no_baseline_means_no_test() {
        let deals = deals().lazy().filter(col(CREATED_VIA).neq(lit("manual"))).collect().unwrap();
        let out = LowIntentDeals
            .run(&inputs(vec![(Table::Deals, deals)]), &context("2026-06-01 00:00"))
            .unwrap();
        assert!(out.findings.is_empty());
        let lift = f64s(&out.tables[0].1, out::LIFT).unwrap();
        assert!(lift.iter().all(|l| l.is_nan()), "{lift:?}");
        assert!(out.section.found.starts_with("0 origin(s) flagged: 0 idle deals"));
        assert!(out.section.found.contains("add 0 to"), "{}", out.section.found);
        assert!(out.section.todo.starts_with("No deals were created by hand"));
    }

    #[test]
    fn a_baseline_with_no_idle_deals_gives_a_finite_lift() {
        let row = |origin: &str, deals: u64, idle: u64| OriginStats {
            origin: origin.to_owned(),
            low_intent: origin != "manual",
            deals,
            touched: 0,
            advanced: 0,
            won: 0,
            closed: 0,
            idle,
            open_value: 0.0,
            idle_open_value: 0.0,
            baseline_share: f64::NAN,
            baseline_deals: 0,
            p_value: f64::NAN,
            q_value: f64::NAN,
            flagged: false,
        };
        let mut rows = vec![row("manual", 50, 0), row("api", 20, 10)];
        test_origins(&mut rows, &LowIntentConfig::default());
        // 0.5 / 0.01 = 50: the baseline is floored at half a deal of 50.
        assert!((rows[1].lift() - 50.0).abs() < 1e-9);
        assert!(rows[1].flagged && rows[1].p_value == 0.0);
    }
}
