//! Replays a deal plan into its flow rows and its final state, so the two always agree.
//!
//! The creation becomes an `add_time` row; every write within the history becomes a row with the
//! old value read from the replayed state (writes that would not change the value are dropped);
//! each stage move is followed by a `stage_change_time` row with the same log time, as in
//! Pipedrive. Won/lost/close times and `update_time` come out of the same replay.

use chrono::NaiveDateTime;

use super::clock::{history_end, ts_string};
use super::plan::{ChangeTag, DealPlan, DealState, FieldChange, Status};
use super::source::Prov;
use super::world::stage_name;

/// One flow row before it has an id.
#[derive(Clone, Debug)]
pub(super) struct FlowEntry {
    /// Log time.
    pub time: NaiveDateTime,
    /// Who and through what.
    pub prov: Prov,
    /// `field_key`.
    pub key: &'static str,
    /// `old_value`.
    pub old: Option<String>,
    /// `new_value`.
    pub new: Option<String>,
    /// Stage names for `additional_data` on stage moves.
    pub stage_names: Option<(&'static str, &'static str)>,
    /// Ground truth, if any.
    pub tag: Option<ChangeTag>,
}

/// The replayed deal: its flow rows and final state.
pub(super) struct Settled {
    /// Flow rows in log-time order.
    pub rows: Vec<FlowEntry>,
    /// Final field values.
    pub state: DealState,
    /// Last stage move.
    pub stage_change_time: Option<NaiveDateTime>,
    /// Close (won or lost) time.
    pub close_time: Option<NaiveDateTime>,
    /// Won time.
    pub won_time: Option<NaiveDateTime>,
    /// Lost time.
    pub lost_time: Option<NaiveDateTime>,
    /// Last write.
    pub update_time: NaiveDateTime,
}

/// Replays `plan`.
pub(super) fn settle(plan: &DealPlan) -> Settled {
    let mut settled = Settled {
        rows: vec![FlowEntry {
            time: plan.add_time,
            prov: plan.created,
            key: "add_time",
            old: None,
            new: Some(ts_string(plan.add_time)),
            stage_names: None,
            tag: None,
        }],
        state: plan.initial.clone(),
        stage_change_time: None,
        close_time: None,
        won_time: None,
        lost_time: None,
        update_time: plan.add_time,
    };
    let end = history_end();
    for change in plan.changes.iter().filter(|c| c.time >= plan.add_time && c.time <= end) {
        settled.record(change.time, change.prov, &change.what, change.tag);
    }
    settled
}

impl Settled {
    fn record(
        &mut self,
        time: NaiveDateTime,
        prov: Prov,
        what: &FieldChange,
        tag: Option<ChangeTag>,
    ) {
        let old = self.state.rendered(what);
        let new = what.rendered();
        if old == new {
            return;
        }
        let stage_names = match what {
            FieldChange::Stage(to) => Some((stage_name(self.state.stage), stage_name(*to))),
            _ => None,
        };
        self.state.apply(what);
        let key = what.key();
        self.rows.push(FlowEntry { time, prov, key, old, new, stage_names, tag });
        self.update_time = time;
        match what {
            FieldChange::Stage(_) => self.stage_moved(time, prov),
            FieldChange::Status(status) => self.status_changed(time, *status),
            _ => {},
        }
    }

    fn stage_moved(&mut self, time: NaiveDateTime, prov: Prov) {
        let old = self.stage_change_time.map(ts_string);
        self.rows.push(FlowEntry {
            time,
            prov,
            key: "stage_change_time",
            old,
            new: Some(ts_string(time)),
            stage_names: None,
            tag: None,
        });
        self.stage_change_time = Some(time);
    }

    fn status_changed(&mut self, time: NaiveDateTime, status: Status) {
        match status {
            Status::Won => self.won_time = Some(time),
            Status::Lost => self.lost_time = Some(time),
            Status::Open => {},
        }
        self.close_time = (status != Status::Open).then_some(time);
    }
}
