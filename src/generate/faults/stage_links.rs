//! Ground truth for `stage_provenance`, `activity_stage_link` and `overwrite_conflicts`, and one
//! clean look-alike. Runs after every other injector, on the deal's final plan:
//!
//! - look-alike: on some human forward stage moves with no done call, meeting or email in the
//!   14 days before, the rep logs a call shortly after the move, the same company-local day
//!   (`clean_lookalikes.csv`, kind `call_logged_after_move`, entity = deal id, other = the
//!   move's `log_time`); such a move is explained;
//! - `stage_provenance.csv`: stage moves by an integration or automation with no human touch on
//!   the deal (a person's write, or an activity or note a person created or completed) within
//!   24 hours either side;
//! - `activity_stage_link.csv`: forward stage moves with no done call, meeting or email whose
//!   time falls in the 14 days before the move or later the same company-local day;
//! - `system_of_record.csv`: writes to stage, value, expected close date, status or probability
//!   by a writer that does not own the field (people own them all; the billing sync also owns
//!   value and the stage automation stage, as the generated `pipetrust.toml` says);
//! - `overwrite_conflicts.csv`: writes to one field of the deal by two writers (people count as
//!   one) within 7 days (`conflict`), or undoing the previous writer's value (`flip_flop`); the
//!   label names the write of the writer that is not a person, or the later one of two
//!   integrations.
//!
//! Rows are keyed by (deal id, flow `field_key`, `log_time`) because change ids are given out
//! only when the deal is written.

use anyhow::Result;
use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use super::super::clock::{COMPANY_TZ, history_end, to_local, ts_string};
use super::super::labels::LabelFile;
use super::super::plan::{ActKind, ActivityPlan, DealPlan, FieldChange, When};
use super::super::rng::GenRng;
use super::super::source::{FIRST_INTEGRATION_USER, Integration, Prov, Via};
use super::{Cx, Injector};

/// Share of unexplained human forward moves that get a call logged right after.
const LOOKALIKE_SHARE: f64 = 0.15;
/// Look-back for a supporting activity, days.
const LINK_DAYS: i64 = 14;
/// Window either side of an automated move for a human touch, hours.
const TOUCH_HOURS: i64 = 24;

/// The labeller and look-alike.
pub(super) struct StageLinks;

impl Injector for StageLinks {
    fn stream(&self) -> u64 {
        140
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        add_lookalikes(plan, cx, rng)?;
        let writes = flow_writes(plan);
        for w in &writes {
            let time = ts_string(w.time);
            let source = source_name(w.prov);
            let id = plan.id.to_string();
            if w.key == "stage_id" && !is_human(w.prov) && !human_touch(plan, &writes, w.time) {
                cx.labels.put(LabelFile::StageProvenance, &[id.as_str(), &time, &source])?;
            }
            if w.forward && !supported(plan, w.time) {
                cx.labels.put(LabelFile::ActivityStageLink, &[id.as_str(), &time, &source])?;
            }
            if FORECAST_KEYS.contains(&w.key) && !owns(w.key, w.prov) {
                cx.labels.put(LabelFile::SystemOfRecord, &[id.as_str(), w.key, &time, &source])?;
            }
        }
        for (rule, w) in conflicts(&writes) {
            let (time, source) = (ts_string(w.time), source_name(w.prov));
            let row = [plan.id.to_string(), w.key.to_owned(), time, rule.to_owned(), source];
            cx.labels.put(LabelFile::OverwriteConflicts, &row)?;
        }
        Ok(())
    }
}

/// Flow keys of the fields the default system-of-record rule gives to people.
const FORECAST_KEYS: [&str; 5] =
    ["stage_id", "value", "expected_close_date", "status", "probability"];

/// One write that reaches the flow (no-ops and writes outside the history dropped, as `ledger`).
struct Write {
    time: NaiveDateTime,
    prov: Prov,
    key: &'static str,
    forward: bool,
    old: Option<String>,
    new: Option<String>,
}

/// Two writers on one field within this many days conflict.
const CONFLICT_DAYS: i64 = 7;

/// The writer a conflict is told apart by: people are one writer.
fn party(prov: Prov) -> String {
    if is_human(prov) { "people".to_owned() } else { source_name(prov) }
}

/// (rule, blamed write) of every conflict and flip-flop, each blamed write once per rule.
fn conflicts(writes: &[Write]) -> Vec<(&'static str, &Write)> {
    let mut out: Vec<(&'static str, &Write)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, w) in writes.iter().enumerate() {
        let Some(prev) = writes[..i].iter().rev().find(|p| p.key == w.key) else { continue };
        if party(prev.prov) == party(w.prov) {
            continue;
        }
        let blamed = if is_human(w.prov) { prev } else { w };
        let flip = w.new == prev.old && w.old == prev.new;
        let near = (w.time - prev.time).num_seconds() <= CONFLICT_DAYS * 86_400;
        for (rule, hit) in [("flip_flop", flip), ("conflict", near)] {
            if hit && seen.insert((rule, blamed.time, blamed.key)) {
                out.push((rule, blamed));
            }
        }
    }
    out
}

fn flow_writes(plan: &DealPlan) -> Vec<Write> {
    let end = history_end();
    let mut state = plan.initial.clone();
    let mut out = Vec::new();
    for c in plan.changes.iter().filter(|c| c.time >= plan.add_time && c.time <= end) {
        if state.rendered(&c.what) == c.what.rendered() {
            continue;
        }
        let forward = matches!(c.what, FieldChange::Stage(to) if to > state.stage);
        let old = state.rendered(&c.what);
        state.apply(&c.what);
        let (time, prov, key, new) = (c.time, c.prov, c.what.key(), c.what.rendered());
        out.push(Write { time, prov, key, forward, old, new });
    }
    out
}

fn is_human(prov: Prov) -> bool {
    matches!(prov.via, Via::App(_) | Via::Mobile(_) | Via::Bulk(_))
}

/// The export's system-of-record rules (written into `pipetrust.toml` by
/// `config`): people own every forecast field, the billing sync also owns
/// `value` and the stage automation also owns `stage_id`.
fn owns(key: &str, prov: Prov) -> bool {
    is_human(prov)
        || matches!(
            (key, prov.via),
            ("value", Via::Integration(Integration::BillingSync))
                | ("stage_id", Via::Integration(Integration::StageAutomation))
        )
}

fn is_person(user: u32) -> bool {
    user < FIRST_INTEGRATION_USER
}

fn source_name(prov: Prov) -> String {
    match prov.via {
        Via::Integration(i) => i.info().name.to_owned(),
        _ => prov.change_source().to_owned(),
    }
}

/// A person's write, or an activity or note a person created or completed, within 24 h of `t`.
fn human_touch(plan: &DealPlan, writes: &[Write], t: NaiveDateTime) -> bool {
    let near = |x: NaiveDateTime| (x - t).num_seconds().abs() <= TOUCH_HOURS * 3600;
    let created = is_human(plan.created) && near(plan.add_time);
    let wrote = writes.iter().any(|w| is_human(w.prov) && near(w.time));
    let acted = plan.activities.iter().filter(|a| is_person(a.created_by)).any(|a| {
        a.add_time <= history_end() && (near(a.add_time) || a.done_time.is_some_and(near))
    });
    let noted = plan.notes.iter().any(|n| is_person(n.user_id) && near(n.add_time));
    created || wrote || acted || noted
}

/// The time an activity counts at: its start, else midnight of its all-day date.
fn activity_time(a: &ActivityPlan) -> NaiveDateTime {
    match a.when {
        When::Timed(t) => t,
        When::AllDay(d) => d.and_hms_opt(0, 0, 0).unwrap_or_default(),
    }
}

/// A done call, meeting or email in the 14 days before `t` or later the same company-local day.
fn supported(plan: &DealPlan, t: NaiveDateTime) -> bool {
    let day = to_local(COMPANY_TZ, t).date();
    plan.activities.iter().any(|a| {
        let at = activity_time(a);
        let kind = matches!(a.kind, ActKind::Call | ActKind::Meeting | ActKind::Email);
        let before = at <= t && at >= t - Duration::days(LINK_DAYS);
        let same_day = at > t && to_local(COMPANY_TZ, at).date() == day;
        kind && a.done_time.is_some() && a.add_time <= history_end() && (before || same_day)
    })
}

/// Calls logged after some unexplained human forward moves, the same company-local day.
fn add_lookalikes(plan: &mut DealPlan, cx: &mut Cx<'_, '_>, rng: &mut GenRng) -> Result<()> {
    let moves: Vec<NaiveDateTime> = flow_writes(plan)
        .iter()
        .filter(|w| w.forward && is_human(w.prov) && !matches!(w.prov.via, Via::Bulk(_)))
        .map(|w| w.time)
        .collect();
    for t in moves {
        if supported(plan, t) || !rng.random_bool(LOOKALIKE_SHARE) {
            continue;
        }
        let call = t + Duration::minutes(rng.random_range(5..60));
        let done = call + Duration::minutes(rng.random_range(16..40));
        let same_day = to_local(COMPANY_TZ, call).date() == to_local(COMPANY_TZ, t).date();
        if !same_day || done > history_end() || call >= plan.open_until() {
            continue;
        }
        let owner = plan.state_at(t).owner;
        plan.activities.push(ActivityPlan {
            kind: ActKind::Call,
            subject: format!("Call with {} {}", plan.contact.0, plan.contact.1),
            note: None,
            when: When::Timed(call),
            duration_min: 15,
            done_time: Some(done),
            add_time: done,
            user_id: owner,
            created_by: owner,
            sync: None,
            dup_of: None,
        });
        let note = "rep logged the call after moving the stage, the same day";
        let row = ["call_logged_after_move", &plan.id.to_string(), &ts_string(t), note];
        cx.labels.put(LabelFile::CleanLookalikes, &row)?;
    }
    Ok(())
}
