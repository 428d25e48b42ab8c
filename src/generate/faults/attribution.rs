//! Fault 5, attribution overwrite: an attribution sync rewrites the marketing channel and
//! channel id of some deals two to twelve days after they were created, replacing the source the
//! deal really came from with a paid-search click.

use anyhow::Result;
use chrono::Duration;
use rand::Rng;

use super::super::clock::history_end;
use super::super::names::{CHANNEL_CAMPAIGNS, CHANNEL_PAID_SEARCH};
use super::super::plan::{Change, ChangeTag, DealKind, DealPlan, FieldChange};
use super::super::rng::{GenRng, hex};
use super::super::source::{Integration, Prov};
use super::{Cx, Injector};

/// Share of deals with a channel that get overwritten.
const OVERWRITTEN: f64 = 0.05;

/// The attribution sync.
pub(super) struct AttributionSync;

impl Injector for AttributionSync {
    fn stream(&self) -> u64 {
        106
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        _cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        if plan.kind != DealKind::Base
            || plan.initial.channel.is_none()
            || !rng.random_bool(OVERWRITTEN)
        {
            return Ok(());
        }
        let t = plan.add_time + Duration::minutes(rng.random_range(2 * 1440..12 * 1440));
        if t > history_end() {
            return Ok(());
        }
        let current = plan.state_at(t).channel;
        let channel = if current == Some(CHANNEL_PAID_SEARCH) {
            CHANNEL_CAMPAIGNS
        } else {
            CHANNEL_PAID_SEARCH
        };
        let prov = Prov::integration(Integration::AttributionSync);
        let tag = Some(ChangeTag::AttributionOverwrite);
        plan.push(Change { time: t, prov, what: FieldChange::Channel(Some(channel)), tag });
        let id = FieldChange::ChannelId(Some(format!("gads-{}", hex(rng, 8))));
        plan.push(Change { time: t, prov, what: id, tag });
        Ok(())
    }
}
