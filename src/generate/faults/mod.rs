//! Fault injectors, and the clean look-alikes that a correct audit must not flag.
//!
//! Each injector sees every deal plan once, in creation order, right after the human lifecycle
//! has been planned. It may add or retime writes (tagging the ones that are ground truth), add
//! or change activities and notes, schedule new deals, write new persons, and write labels.
//! Each draws from its own random stream keyed by the deal id, so adding an injector never
//! changes what the others do. To add a fault: write a module with a type implementing
//! [`Injector`] (one `on_deal`, optionally a `finish` for run-level labels) and list it in
//! [`injectors`].

mod attribution;
mod billing;
mod bulk_edits;
mod busy_sync;
mod calendar_sync;
mod duplicates;
mod month_end;
mod retries;
mod rollout;
mod stage_links;

use anyhow::Result;
use chrono::NaiveDateTime;

use super::deals::{PlanCx, SeedSpec};
use super::labels::Labels;
use super::plan::DealPlan;
use super::rng::GenRng;
use super::write::PersonSink;

/// What an injector may use and write besides the deal plan.
pub(super) struct Cx<'a, 'b> {
    /// World, calendar, seed and rates.
    pub plan: PlanCx<'a>,
    /// Deals to create later (creation time and spec).
    pub spawn: &'b mut Vec<(NaiveDateTime, SeedSpec)>,
    /// The persons table (for duplicate persons).
    pub persons: &'b mut PersonSink,
    /// Label files.
    pub labels: &'b mut Labels,
}

/// One injected fault or clean look-alike.
pub(super) trait Injector {
    /// Id of the injector's random stream (unique, 100 or more).
    fn stream(&self) -> u64;

    /// Acts on one deal; `rng` is this injector's stream for this deal.
    fn on_deal(&mut self, plan: &mut DealPlan, cx: &mut Cx<'_, '_>, rng: &mut GenRng)
    -> Result<()>;

    /// Writes labels about the whole run.
    fn finish(&mut self, _labels: &mut Labels) -> Result<()> {
        Ok(())
    }
}

/// Every injector, in the order they act on a deal.
pub(super) fn injectors(cx: PlanCx<'_>, deals: usize) -> Vec<Box<dyn Injector>> {
    vec![
        Box::new(rollout::StageAutomation),
        Box::new(bulk_edits::ManagerBulkEdits::new(cx)),
        Box::new(month_end::MonthEndNudger::new(cx.cal)),
        Box::new(duplicates::LeadSync),
        Box::new(calendar_sync::CalendarSync),
        Box::new(retries::ZapierRetries),
        Box::new(attribution::AttributionSync),
        Box::new(billing::BillingSync::new(cx, deals)),
        Box::new(busy_sync::BusySync),
        // Labels the final plan for the provenance checks: keep it last.
        Box::new(stage_links::StageLinks),
    ]
}
