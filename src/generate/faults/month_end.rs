//! Fault 1, the month-end close-date nudger: an integration (ForecastBot, `change_source` `api`,
//! its own actor user) that in the last two working days of each month (America/New_York,
//! weekends and holidays excluded) pushes the expected close date of open deals that are due by
//! the end of next month two to six weeks later.

use anyhow::Result;
use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;

use super::super::clock::{
    COMPANY_TZ, CompanyCalendar, MONTH_END_DAYS, at, history_end, last_of_month, to_utc,
};
use super::super::plan::{Change, ChangeTag, DealPlan, FieldChange, Status};
use super::super::rng::{GenRng, pick};
use super::super::source::{Integration, Prov};
use super::{Cx, Injector};

/// Chance per deal and month that the nudger looks at the deal.
const NUDGE: f64 = 0.1;

/// The nudger.
pub(super) struct MonthEndNudger {
    windows: Vec<Vec<NaiveDate>>,
}

impl MonthEndNudger {
    /// The nudger with the month-end windows of the calendar.
    pub(super) fn new(cal: &CompanyCalendar) -> Self {
        Self {
            windows: cal
                .month_end_days()
                .chunks(MONTH_END_DAYS)
                .map(<[NaiveDate]>::to_vec)
                .collect(),
        }
    }
}

impl Injector for MonthEndNudger {
    fn stream(&self) -> u64 {
        102
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        _cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        for window in &self.windows {
            if !rng.random_bool(NUDGE) {
                continue;
            }
            let day = *pick(rng, window);
            let local =
                at(day, rng.random_range(6..21), rng.random_range(0..60), rng.random_range(0..60));
            let t = to_utc(COMPANY_TZ, local);
            if t <= plan.add_time || t > history_end() {
                continue;
            }
            let state = plan.state_at(t);
            let next = last_of_month(day.year(), day.month()) + Duration::days(1);
            if state.status != Status::Open
                || state.close_date > last_of_month(next.year(), next.month())
            {
                continue;
            }
            let new = state.close_date.max(day) + Duration::days(rng.random_range(14..46));
            let prov = Prov::integration(Integration::ForecastBot);
            let tag = Some(ChangeTag::MonthEndNudge);
            plan.push(Change { time: t, prov, what: FieldChange::CloseDate(new), tag });
        }
        Ok(())
    }
}
