//! Human field edits on a deal besides stage moves: owner reassignments by the manager,
//! close-date pushes (with the genuine month-end rush), value edits, probability overrides and
//! channel corrections made within the first day.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use super::clock::{business_instant, history_end, to_local, working_day};
use super::deals::{PlanCx, deal_value, human_prov, human_time};
use super::names::HUMAN_CHANNELS;
use super::plan::{Change, ChangeTag, DealPlan, FieldChange, Origin};
use super::rng::{GenRng, pick, poisson};
use super::source::MANAGER_ID;
use super::world::Role;

/// With a small probability the manager reassigns the deal to another rep of the territory.
pub(super) fn add_owner_change(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    if !rng.random_bool(0.04) {
        return;
    }
    let owner = plan.initial.owner;
    let region = cx.world.user(owner).region;
    let mut others: Vec<u32> =
        cx.world.reps_in(region).iter().copied().filter(|r| *r != owner).collect();
    if others.is_empty() {
        let reps = cx.world.users.iter().filter(|u| u.role == Role::Rep && u.id != owner);
        others = reps.map(|u| u.id).collect();
    }
    let new_owner = *pick(rng, &others);
    let raw = plan.add_time + Duration::hours(rng.random_range(24..24 * 40));
    let t = human_time(cx, rng, MANAGER_ID, raw, plan.add_time);
    let prov = human_prov(rng, cx.world, MANAGER_ID);
    plan.push(Change { time: t, prov, what: FieldChange::Owner(new_owner), tag: None });
}

/// Adds close-date edits, value edits, a probability override and early channel corrections.
pub(super) fn add_human_edits(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    add_close_date_edits(cx, plan, rng);
    add_value_edits(cx, plan, rng);
    add_probability(cx, plan, rng);
    add_grace_channel(cx, plan, rng);
}

/// Working-hours instant of the deal's owner on a working day of its open life, weighted to
/// month end when `rush`.
fn open_life_instant(
    cx: &PlanCx<'_>,
    plan: &DealPlan,
    rng: &mut GenRng,
    rush: bool,
) -> Option<NaiveDateTime> {
    let until = plan.open_until();
    let owner = plan.state_at(until).owner;
    let tz = cx.world.user(owner).tz;
    let lo = to_local(tz, plan.add_time).date() + Duration::days(1);
    let hi = to_local(tz, until).date() - Duration::days(1);
    let day = working_day(rng, cx.cal, (lo, hi), rush)?;
    let t = business_instant(rng, tz, day);
    (t > plan.add_time && t < until).then_some(t)
}

fn add_close_date_edits(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    let n = poisson(rng, cx.rates.close_edits);
    let mut times: Vec<NaiveDateTime> =
        (0..n).filter_map(|_| open_life_instant(cx, plan, rng, true)).collect();
    times.sort_unstable();
    for t in times {
        let state = plan.state_at(t);
        let today = t.date();
        let new = if rng.random_bool(0.8) {
            state.close_date.max(today) + Duration::days(rng.random_range(7..46))
        } else {
            (state.close_date - Duration::days(rng.random_range(3..15)))
                .max(today + Duration::days(1))
        };
        if new != state.close_date {
            let prov = human_prov(rng, cx.world, state.owner);
            plan.push(Change { time: t, prov, what: FieldChange::CloseDate(new), tag: None });
        }
    }
}

fn add_value_edits(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    if plan.initial.value == 0 {
        add_value_on_first_move(plan, rng);
    }
    for _ in 0..poisson(rng, cx.rates.value_edits) {
        let Some(t) = open_life_instant(cx, plan, rng, false) else { continue };
        let state = plan.state_at(t);
        let new = if state.value == 0 {
            deal_value(rng, plan.pipeline)
        } else {
            ((state.value as f64 * rng.random_range(0.7..1.35)) / 100.0).round() as i64 * 100
        };
        if new != state.value && new > 0 {
            let prov = human_prov(rng, cx.world, state.owner);
            plan.push(Change { time: t, prov, what: FieldChange::Value(new), tag: None });
        }
    }
}

/// Deals created with no value get one when a rep first moves them.
fn add_value_on_first_move(plan: &mut DealPlan, rng: &mut GenRng) {
    let Some(first_move) = plan.changes.iter().find(|c| matches!(c.what, FieldChange::Stage(_)))
    else {
        return;
    };
    let (t, prov) = (first_move.time + Duration::minutes(rng.random_range(1..6)), first_move.prov);
    if t < history_end() {
        let value = deal_value(rng, plan.pipeline);
        plan.push(Change { time: t, prov, what: FieldChange::Value(value), tag: None });
    }
}

fn add_probability(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    if !rng.random_bool(cx.rates.probability) {
        return;
    }
    let Some(t) = open_life_instant(cx, plan, rng, false) else { return };
    let value = *pick(rng, &[20u8, 40, 60, 80]);
    let prov = human_prov(rng, cx.world, plan.state_at(t).owner);
    plan.push(Change { time: t, prov, what: FieldChange::Probability(Some(value)), tag: None });
}

/// A rep fills in the channel of a manually created deal a few hours after creating it: a
/// change after creation that is inside the grace day, so not an attribution overwrite.
fn add_grace_channel(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    if plan.origin != Origin::Manual || plan.initial.channel.is_some() || !rng.random_bool(0.04) {
        return;
    }
    let t = plan.add_time + Duration::minutes(rng.random_range(30..20 * 60));
    if t >= plan.open_until() {
        return;
    }
    let (channel, id) = *pick(rng, &HUMAN_CHANNELS);
    let prov = human_prov(rng, cx.world, plan.initial.owner);
    let tag = Some(ChangeTag::GraceChannelEdit);
    plan.push(Change { time: t, prov, what: FieldChange::Channel(Some(channel)), tag });
    plan.push(Change { time: t, prov, what: FieldChange::ChannelId(Some(id.to_owned())), tag });
}
