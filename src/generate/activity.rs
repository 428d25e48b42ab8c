//! Human activities and notes on a deal: a first-touch call, a call, meeting or email before
//! most forward stage moves, further activities through the deal's life, a planned next step
//! for deals still open at the end, and notes. Calls and emails are logged after they happen;
//! meetings and tasks are scheduled ahead.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use super::clock::{business_instant, history_end, to_local, working_day};
use super::deals::PlanCx;
use super::names::{
    ACTIVITY_NOTES, CALL_SUBJECTS, EMAIL_SUBJECTS, MEETING_SUBJECTS, NOTE_TEXTS, TASK_SUBJECTS,
};
use super::plan::{ActKind, ActivityPlan, DealPlan, FieldChange, NotePlan, When};
use super::rng::{GenRng, pick, poisson, rng_for, stream, weighted};
use super::world::STAGES;

/// Adds the human activities and notes of a planned deal.
pub(super) fn add_activities(cx: &PlanCx<'_>, plan: &mut DealPlan) {
    let mut rng = rng_for(cx.seed, stream::ACTIVITY, plan.id);
    add_first_touch(cx, plan, &mut rng);
    add_move_activities(cx, plan, &mut rng);
    add_extra_activities(cx, plan, &mut rng);
    add_planned_next(cx, plan, &mut rng);
    add_notes(cx, plan, &mut rng);
}

/// Fills `{first}` and `{last}` with the deal's contact.
pub(super) fn fill(template: &str, (first, last): (&str, &str)) -> String {
    template.replace("{first}", first).replace("{last}", last)
}

fn subject(rng: &mut GenRng, kind: ActKind, contact: (&str, &str)) -> String {
    let list: &[&str] = match kind {
        ActKind::Call => &CALL_SUBJECTS,
        ActKind::Meeting => &MEETING_SUBJECTS,
        ActKind::Email => &EMAIL_SUBJECTS,
        ActKind::Task => &TASK_SUBJECTS,
    };
    fill(pick::<&str>(rng, list), contact)
}

/// A human activity of `kind` due at `t`, assigned to the deal's owner at that time.
pub(super) fn make_activity(
    cx: &PlanCx<'_>,
    plan: &DealPlan,
    rng: &mut GenRng,
    kind: ActKind,
    t: NaiveDateTime,
) -> ActivityPlan {
    let owner = plan.state_at(t).owner;
    let duration = match kind {
        ActKind::Call => *pick(rng, &[15, 30]),
        ActKind::Meeting => *pick(rng, &[30, 45, 60]),
        ActKind::Email | ActKind::Task => 0,
    };
    let when = if kind == ActKind::Task && rng.random_bool(0.5) {
        When::AllDay(to_local(cx.world.user(owner).tz, t).date())
    } else {
        When::Timed(t)
    };
    let t_end = t + Duration::minutes(i64::from(duration));
    let (add_time, done) = created_and_done(rng, plan, kind, t, t_end);
    let done_time = (done <= history_end() && !rng.random_bool(0.05)).then_some(done);
    ActivityPlan {
        kind,
        subject: subject(rng, kind, plan.contact),
        note: rng.random_bool(0.3).then(|| *pick(rng, &ACTIVITY_NOTES)),
        when,
        duration_min: duration,
        done_time,
        add_time,
        user_id: owner,
        created_by: owner,
        sync: None,
        dup_of: None,
    }
}

/// Creation and completion times: scheduled kinds are created days ahead (never before the
/// deal) and marked done after they end; logged kinds are created, done, right after.
fn created_and_done(
    rng: &mut GenRng,
    plan: &DealPlan,
    kind: ActKind,
    t: NaiveDateTime,
    t_end: NaiveDateTime,
) -> (NaiveDateTime, NaiveDateTime) {
    let logged = t_end + Duration::minutes(rng.random_range(1..20));
    if matches!(kind, ActKind::Call | ActKind::Email) {
        return (logged, logged);
    }
    let mut add_time = t - Duration::minutes(rng.random_range(60..10 * 1440));
    if add_time <= plan.add_time {
        add_time = plan.add_time + Duration::minutes(rng.random_range(2..30));
    }
    if add_time >= t {
        return (logged, logged);
    }
    (add_time, t_end + Duration::minutes(rng.random_range(5..120)))
}

fn add_first_touch(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    if !rng.random_bool(cx.rates.first_call) {
        return;
    }
    let tz = cx.world.user(plan.initial.owner).tz;
    let first = to_local(tz, plan.add_time).date();
    let Some(day) = working_day(rng, cx.cal, (first, first + Duration::days(2)), false) else {
        return;
    };
    let mut t = business_instant(rng, tz, day);
    if t <= plan.add_time {
        t = plan.add_time + Duration::minutes(rng.random_range(10..120));
    }
    let kind = if rng.random_bool(0.7) { ActKind::Call } else { ActKind::Email };
    push_activity(cx, plan, rng, kind, t);
}

fn push_activity(
    cx: &PlanCx<'_>,
    plan: &mut DealPlan,
    rng: &mut GenRng,
    kind: ActKind,
    t: NaiveDateTime,
) {
    if t >= plan.open_until() {
        return;
    }
    let activity = make_activity(cx, plan, rng, kind, t);
    if activity.add_time <= history_end() {
        plan.activities.push(activity);
    }
}

/// Forward stage moves made by humans, with the stage moved to.
fn human_forward_moves(plan: &DealPlan) -> Vec<(NaiveDateTime, u32)> {
    let mut previous = plan.initial.stage;
    let mut moves = Vec::new();
    for change in &plan.changes {
        if let FieldChange::Stage(stage) = change.what {
            if stage > previous && change.prov.is_human_ui() {
                moves.push((change.time, stage));
            }
            previous = stage;
        }
    }
    moves
}

fn add_move_activities(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    for (t, stage) in human_forward_moves(plan) {
        if !rng.random_bool(cx.rates.move_activity) {
            continue;
        }
        let kind = match STAGES[(stage - 1) as usize].order {
            ..=2 => *pick(rng, &[ActKind::Call, ActKind::Email]),
            3 => ActKind::Meeting,
            _ => *pick(rng, &[ActKind::Meeting, ActKind::Call, ActKind::Email]),
        };
        let tz = cx.world.user(plan.state_at(t).owner).tz;
        let move_day = to_local(tz, t).date();
        let lo = (move_day - Duration::days(7)).max(to_local(tz, plan.add_time).date());
        let Some(day) = working_day(rng, cx.cal, (lo, move_day), false) else { continue };
        let mut at = business_instant(rng, tz, day);
        if at >= t {
            at = t - Duration::minutes(rng.random_range(30..240));
        }
        if at > plan.add_time {
            push_activity(cx, plan, rng, kind, at);
        }
    }
}

/// A working-hours instant of the owner during the deal's open life.
fn life_instant(cx: &PlanCx<'_>, plan: &DealPlan, rng: &mut GenRng) -> Option<NaiveDateTime> {
    let until = plan.open_until();
    let tz = cx.world.user(plan.state_at(until).owner).tz;
    let lo = to_local(tz, plan.add_time).date();
    let day = working_day(rng, cx.cal, (lo, to_local(tz, until).date()), false)?;
    let t = business_instant(rng, tz, day);
    (t > plan.add_time && t < until).then_some(t)
}

fn add_extra_activities(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    const KINDS: [(ActKind, u32); 4] =
        [(ActKind::Call, 35), (ActKind::Email, 20), (ActKind::Meeting, 20), (ActKind::Task, 25)];
    for _ in 0..poisson(rng, cx.rates.extra_activities) {
        if let Some(t) = life_instant(cx, plan, rng) {
            let kind = *weighted(rng, &KINDS);
            push_activity(cx, plan, rng, kind, t);
        }
    }
}

/// Deals still open at the end often have their next step planned in the coming two weeks.
fn add_planned_next(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    let end = history_end();
    if plan.close_time().is_some_and(|c| c <= end) || !rng.random_bool(cx.rates.planned_next) {
        return;
    }
    let owner = plan.state_at(end).owner;
    let tz = cx.world.user(owner).tz;
    let day = cx.cal.next_working_day(end.date() + Duration::days(rng.random_range(1..15)));
    let due = business_instant(rng, tz, day);
    let kind = *pick(rng, &[ActKind::Meeting, ActKind::Call, ActKind::Task]);
    let mut activity = make_activity(cx, plan, rng, kind, due);
    let ahead = Duration::minutes(rng.random_range(60..5 * 1440));
    activity.add_time = (end - ahead).max(plan.add_time + Duration::minutes(5));
    activity.done_time = None;
    if activity.add_time <= end {
        plan.activities.push(activity);
    }
}

fn add_notes(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    for _ in 0..poisson(rng, cx.rates.notes) {
        let Some(t) = life_instant(cx, plan, rng) else { continue };
        let content = fill(pick::<&str>(rng, &NOTE_TEXTS), plan.contact);
        let user_id = plan.state_at(t).owner;
        plan.notes.push(NotePlan { content, add_time: t, user_id, dup_of: None });
    }
}
