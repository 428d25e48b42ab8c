//! Fault 6, the silent sync: a billing sync writes deal values every working night (five or
//! six a day, more in larger exports) from its installation in March 2026, then once goes
//! silent for fourteen days. Deals are processed in creation order, so each day's quota is
//! filled by the first deals open on that day.

use anyhow::Result;
use chrono::{Duration, NaiveDate};
use rand::Rng;

use super::super::clock::{COMPANY_TZ, at, date_string, history_end, to_utc, ymd};
use super::super::deals::PlanCx;
use super::super::labels::{LabelFile, Labels};
use super::super::plan::{Change, DealPlan, FieldChange, Status};
use super::super::rng::{GenRng, rng_for, stream};
use super::super::source::{Integration, Prov};
use super::{Cx, Injector};

/// Days a deal offers the sync per open life.
const TRIES: usize = 8;
/// Length of the silence in days.
const GAP_DAYS: i64 = 14;

/// The billing sync.
pub(super) struct BillingSync {
    first: NaiveDate,
    gap: (NaiveDate, NaiveDate),
    targets: Vec<u16>,
    counts: Vec<u16>,
}

impl BillingSync {
    /// Daily write targets from 2026-03-02 (when the sync was installed) to the end.
    pub(super) fn new(cx: PlanCx<'_>, deals: usize) -> Self {
        let first = ymd(2026, 3, 2);
        let gap_start = ymd(2026, 6, 8);
        let gap = (gap_start, gap_start + Duration::days(GAP_DAYS - 1));
        let days = (history_end().date() - first).num_days() + 1;
        let extra = u16::try_from(deals / 25_000).unwrap_or(u16::MAX / 2);
        let targets = (0..days)
            .map(|i| {
                let day = first + Duration::days(i);
                let silent = (gap.0..=gap.1).contains(&day);
                if silent || !cx.cal.is_working(day) {
                    return 0;
                }
                rng_for(cx.seed, stream::BILLING_DAY, i as u64).random_range(5..=6) + extra
            })
            .collect::<Vec<u16>>();
        let counts = vec![0; targets.len()];
        Self { first, gap, targets, counts }
    }

    fn day_index(&self, day: NaiveDate) -> i64 {
        (day - self.first).num_days()
    }
}

impl Injector for BillingSync {
    fn stream(&self) -> u64 {
        107
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        _cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        let until = plan.open_until();
        let lo = self.day_index(plan.add_time.date() + Duration::days(1)).max(0);
        let hi = self.day_index(until.date()).min(self.targets.len() as i64 - 1);
        if lo > hi {
            return Ok(());
        }
        for _ in 0..TRIES {
            let i = rng.random_range(lo..=hi) as usize;
            if self.counts[i] >= self.targets[i] {
                continue;
            }
            let day = self.first + Duration::days(i as i64);
            let local =
                at(day, rng.random_range(1..5), rng.random_range(0..60), rng.random_range(0..60));
            let t = to_utc(COMPANY_TZ, local);
            let state = plan.state_at(t);
            if t <= plan.add_time || t >= until || state.status != Status::Open || state.value == 0
            {
                continue;
            }
            let new =
                (state.value as f64 * rng.random_range(0.92..1.12) / 10.0).round() as i64 * 10;
            if new == state.value {
                continue;
            }
            let prov = Prov::integration(Integration::BillingSync);
            plan.push(Change { time: t, prov, what: FieldChange::Value(new), tag: None });
            self.counts[i] += 1;
        }
        Ok(())
    }

    fn finish(&mut self, labels: &mut Labels) -> Result<()> {
        let name = Integration::BillingSync.info().name;
        labels.put(LabelFile::SyncGaps, &[name, &date_string(self.gap.0), &date_string(self.gap.1)])
    }
}
