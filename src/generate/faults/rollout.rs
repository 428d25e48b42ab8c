//! Fault 7, the rollout: from the rollout date a workflow automation (`change_source`
//! `automation`) makes most forward stage moves in the Sales pipeline, each well before the rep
//! would have. The deal still closes when and how it would have (the last stage simply lasts
//! longer), so stages look faster while win rate and cycle time do not improve.

use anyhow::Result;
use chrono::Duration;
use rand::Rng;

use super::super::clock::{COMPANY_TZ, at, date_string, rollout_date, to_utc};
use super::super::config::ROLLOUT_NAME;
use super::super::labels::{LabelFile, Labels};
use super::super::plan::{DealPlan, FieldChange};
use super::super::rng::GenRng;
use super::super::source::{Integration, Prov};
use super::super::world::SALES;
use super::{Cx, Injector};

/// Share of the stage's time the automation leaves before moving the deal on.
const SPEEDUP: f64 = 0.35;
/// Share of eligible moves the automation makes.
const SHARE: f64 = 0.8;

/// The stage automation.
pub(super) struct StageAutomation;

impl Injector for StageAutomation {
    fn stream(&self) -> u64 {
        100
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        _cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        if plan.pipeline != SALES {
            return Ok(());
        }
        let start = to_utc(COMPANY_TZ, at(rollout_date(), 0, 0, 0));
        let (mut prev_orig, mut prev_new, mut stage) =
            (plan.add_time, plan.add_time, plan.initial.stage);
        let mut retimed = false;
        for change in &mut plan.changes {
            let FieldChange::Stage(to) = change.what else { continue };
            let forward = to > stage;
            stage = to;
            let orig = change.time;
            let dwell = (orig - prev_orig).num_seconds() as f64 * SPEEDUP;
            let candidate = prev_new + Duration::seconds(dwell as i64);
            if forward && change.prov.is_human_ui() && candidate >= start && rng.random_bool(SHARE)
            {
                change.time = candidate.max(prev_new + Duration::seconds(1));
                change.prov = Prov::integration(Integration::StageAutomation);
                retimed = true;
            }
            prev_orig = orig;
            prev_new = change.time;
        }
        if retimed {
            plan.resort();
        }
        Ok(())
    }

    fn finish(&mut self, labels: &mut Labels) -> Result<()> {
        let source = Integration::StageAutomation.info().change_source;
        labels.put(LabelFile::Rollout, &[ROLLOUT_NAME, &date_string(rollout_date()), source])
    }
}
