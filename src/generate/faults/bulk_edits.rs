//! Clean look-alike of fault 1: in most months the sales manager bulk-edits the close dates of
//! slipping deals from the list view in one of the last two working days (`change_source` `api`,
//! user agent `bulk-actions-api`, origin `bulkAction`, one `origin_id` per batch). Each batch is
//! one human decision; an audit that counts it once per batch must not flag it.

use anyhow::Result;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::Rng;

use super::super::clock::{MONTH_END_DAYS, business_instant, history_end, last_of_month};
use super::super::deals::PlanCx;
use super::super::plan::{Change, ChangeTag, DealPlan, FieldChange, Status};
use super::super::rng::{GenRng, pick, rng_for, stream};
use super::super::source::{MANAGER_ID, Prov, Via};
use super::{Cx, Injector};

/// Share of months with a batch.
const MONTHS_WITH_BATCH: f64 = 0.6;
/// Share of eligible deals the manager selects.
const SELECTED: f64 = 0.7;

struct Batch {
    time: NaiveDateTime,
    number: u32,
    month_last: NaiveDate,
}

/// The manager's month-end bulk edits.
pub(super) struct ManagerBulkEdits {
    batches: Vec<Batch>,
}

impl ManagerBulkEdits {
    /// Decides which months get a batch and when it runs.
    pub(super) fn new(cx: PlanCx<'_>) -> Self {
        let tz = cx.world.user(MANAGER_ID).tz;
        let mut batches = Vec::new();
        for (i, days) in cx.cal.month_end_days().chunks(MONTH_END_DAYS).enumerate() {
            let mut rng = rng_for(cx.seed, stream::BULK_BATCH, i as u64);
            if !rng.random_bool(MONTHS_WITH_BATCH) {
                continue;
            }
            let day = *pick(&mut rng, days);
            let time = business_instant(&mut rng, tz, day);
            if time < history_end() {
                let month_last = last_of_month(day.year(), day.month());
                batches.push(Batch { time, number: i as u32 + 1, month_last });
            }
        }
        Self { batches }
    }
}

impl Injector for ManagerBulkEdits {
    fn stream(&self) -> u64 {
        101
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        _cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        for batch in &self.batches {
            if batch.time <= plan.add_time + Duration::days(1) {
                continue;
            }
            let state = plan.state_at(batch.time);
            let this_month = batch.month_last.with_day(1).unwrap_or(batch.month_last);
            let slipping = (this_month..=batch.month_last).contains(&state.close_date);
            if state.status != Status::Open || !slipping || !rng.random_bool(SELECTED) {
                continue;
            }
            let next = batch.month_last + Duration::days(1);
            let new = last_of_month(next.year(), next.month());
            let time = batch.time + Duration::seconds(rng.random_range(0..180));
            let prov = Prov { actor: MANAGER_ID, via: Via::Bulk(batch.number) };
            let tag = Some(ChangeTag::BulkEdit);
            plan.push(Change { time, prov, what: FieldChange::CloseDate(new), tag });
        }
        Ok(())
    }
}
