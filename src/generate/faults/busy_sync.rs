//! Fault for `activity_stage_link`'s busy-deal test: a Zapier sequence keeps logging follow-up
//! tasks on some stalled open deals (no forward stage move for months), so the deal looks
//! worked while it does not move. Five tasks, eight days apart, in the last 50 days of the
//! history, each with its own subject (not retries). Labelled in `busy_deals.csv`.

use anyhow::Result;
use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use super::super::clock::history_end;
use super::super::labels::LabelFile;
use super::super::plan::{ActKind, ActivityPlan, DealPlan, FieldChange};
use super::super::rng::GenRng;
use super::super::source::Integration;
use super::{Cx, Injector};

/// Share of stalled open deals the sequence works on.
const SHARE: f64 = 0.06;
/// A deal is stalled when nothing moved it forward for this many days before the end.
const STALLED_DAYS: i64 = 75;
/// Tasks per deal (the busy threshold), and days between them.
const TASKS: i64 = 5;
const GAP_DAYS: i64 = 8;

/// The Zapier follow-up sequence.
pub(super) struct BusySync;

impl Injector for BusySync {
    fn stream(&self) -> u64 {
        141
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        let end = history_end();
        let quiet_since = end - Duration::days(STALLED_DAYS);
        if !stalled(plan, quiet_since) || !rng.random_bool(SHARE) {
            return Ok(());
        }
        let owner = plan.state_at(end).owner;
        for k in 0..TASKS {
            let day = (end - Duration::days(50 - k * GAP_DAYS)).date();
            let t = day.and_hms_opt(13, 0, 0).unwrap_or_default()
                + Duration::minutes(rng.random_range(0..240));
            plan.activities.push(task(k, t, owner));
        }
        let source = Integration::Zapier.info().name;
        cx.labels.put(LabelFile::BusyDeals, &[plan.id.to_string().as_str(), source])
    }
}

/// Open at the end, created before `quiet_since`, and no forward stage move after it.
fn stalled(plan: &DealPlan, quiet_since: NaiveDateTime) -> bool {
    let open = plan.close_time().is_none_or(|c| c > history_end());
    let mut stage = plan.initial.stage;
    let mut last_forward = plan.add_time;
    for c in plan.changes.iter().filter(|c| c.time <= history_end()) {
        if let FieldChange::Stage(to) = c.what {
            if to > stage {
                last_forward = c.time;
            }
            stage = to;
        }
    }
    open && plan.add_time < quiet_since && last_forward < quiet_since
}

fn task(k: i64, t: NaiveDateTime, owner: u32) -> ActivityPlan {
    ActivityPlan {
        kind: ActKind::Task,
        subject: format!("Sequence step {}: check in", k + 1),
        note: None,
        when: super::super::plan::When::Timed(t),
        duration_min: 0,
        done_time: Some(t + Duration::minutes(5)),
        add_time: t,
        user_id: owner,
        created_by: Integration::Zapier.actor(),
        sync: None,
        dup_of: None,
    }
}
