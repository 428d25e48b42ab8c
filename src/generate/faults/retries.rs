//! Fault 4, the retrying connector: Zapier zaps post each web-form and chat lead as a note on
//! the new deal (and sometimes a follow-up task), and on a timeout retry without idempotency, so
//! some notes and tasks exist twice, identical, a minute or two apart.

use anyhow::Result;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::Rng;

use super::super::clock::{business_instant, history_end};
use super::super::plan::{ActKind, ActivityPlan, DealPlan, NotePlan, Origin, When};
use super::super::rng::GenRng;
use super::super::source::Integration;
use super::{Cx, Injector};

/// Chance that a zap's write is retried and lands twice.
const RETRIED_NOTE: f64 = 0.15;
/// Chance that a zap also creates a follow-up task.
const TASK: f64 = 0.35;
/// Chance that the task is created twice.
const RETRIED_TASK: f64 = 0.12;

/// The Zapier integration.
pub(super) struct ZapierRetries;

impl Injector for ZapierRetries {
    fn stream(&self) -> u64 {
        105
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        if !matches!(plan.origin, Origin::WebForms | Origin::LiveChat | Origin::Chatbot) {
            return Ok(());
        }
        let t = plan.add_time + Duration::seconds(rng.random_range(40..600));
        if t > history_end() - Duration::minutes(10) {
            return Ok(());
        }
        add_note(plan, rng, t);
        if rng.random_bool(TASK) {
            let day = cx.plan.cal.next_working_day(t.date() + Duration::days(1));
            let tz = cx.plan.world.user(plan.initial.owner).tz;
            let done = business_instant(rng, tz, day);
            add_task(plan, rng, t + Duration::seconds(5), (day, done));
        }
        Ok(())
    }
}

fn add_note(plan: &mut DealPlan, rng: &mut GenRng, t: NaiveDateTime) {
    let source = match plan.origin {
        Origin::WebForms => "Web form: Contact sales",
        Origin::LiveChat => "Live chat transcript",
        _ => "Chatbot conversation",
    };
    let name = plan.person_name.as_deref().unwrap_or("unknown");
    let content = format!("<p><b>New lead via Zapier</b><br>{source}<br>Name: {name}</p>");
    let user_id = Integration::Zapier.actor();
    plan.notes.push(NotePlan { content: content.clone(), add_time: t, user_id, dup_of: None });
    if rng.random_bool(RETRIED_NOTE) {
        let retry = t + Duration::seconds(rng.random_range(30..240));
        let dup_of = Some(plan.notes.len() - 1);
        plan.notes.push(NotePlan { content, add_time: retry, user_id, dup_of });
    }
}

fn add_task(
    plan: &mut DealPlan,
    rng: &mut GenRng,
    t: NaiveDateTime,
    (day, done): (NaiveDate, NaiveDateTime),
) {
    let owner = plan.initial.owner;
    let task = ActivityPlan {
        kind: ActKind::Task,
        subject: "Follow up on web lead".to_owned(),
        note: None,
        when: When::AllDay(day),
        duration_min: 0,
        done_time: (done <= history_end() && done < plan.open_until() && rng.random_bool(0.7))
            .then_some(done),
        add_time: t,
        user_id: owner,
        created_by: Integration::Zapier.actor(),
        sync: None,
        dup_of: None,
    };
    plan.activities.push(task.clone());
    if rng.random_bool(RETRIED_TASK) {
        let retry = ActivityPlan {
            add_time: t + Duration::seconds(rng.random_range(60..180)),
            done_time: None,
            dup_of: Some(plan.activities.len() - 1),
            ..task
        };
        plan.activities.push(retry);
    }
}
