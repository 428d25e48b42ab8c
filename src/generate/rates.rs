//! Per-deal intensities of human behaviour (mean edits, activities and notes per deal), in one
//! place so the size/realism trade-off is easy to see and tune.

/// Mean counts and probabilities per deal.
#[derive(Clone, Debug)]
pub(super) struct Rates {
    /// Mean human close-date edits per deal.
    pub close_edits: f64,
    /// Mean human value edits per deal.
    pub value_edits: f64,
    /// Probability that a rep sets a deal-level probability.
    pub probability: f64,
    /// Probability of a first-touch call right after creation.
    pub first_call: f64,
    /// Probability that a human forward stage move follows a done activity.
    pub move_activity: f64,
    /// Mean further activities per deal.
    pub extra_activities: f64,
    /// Probability that a deal open at the end has a planned next activity.
    pub planned_next: f64,
    /// Mean human notes per deal.
    pub notes: f64,
    /// Probability that a forward stage move skips a stage.
    pub stage_skip: f64,
}

impl Rates {
    /// The rates for an export of `deals` deals.
    ///
    /// Small exports (the committed sample must stay under 8 MB as JSON) get a lighter touch;
    /// from about 100k deals on, the rates give roughly 10 change rows and 3 activities per
    /// deal, as the large benchmark export wants. In between they are interpolated on a log
    /// scale.
    pub(super) fn for_deals(deals: usize) -> Self {
        let light = Self {
            close_edits: 0.35,
            value_edits: 0.08,
            probability: 0.03,
            first_call: 0.3,
            move_activity: 0.35,
            extra_activities: 0.2,
            planned_next: 0.3,
            notes: 0.4,
            stage_skip: 0.3,
        };
        let full = Self {
            close_edits: 3.0,
            value_edits: 1.2,
            probability: 0.12,
            first_call: 0.7,
            move_activity: 0.8,
            extra_activities: 1.3,
            planned_next: 0.6,
            notes: 1.0,
            stage_skip: 0.08,
        };
        let t = (((deals.max(1) as f64).log10() - 4.0) / 1.0).clamp(0.0, 1.0);
        light.mix(&full, t)
    }

    fn mix(&self, other: &Self, t: f64) -> Self {
        let m = |a: f64, b: f64| a + (b - a) * t;
        Self {
            close_edits: m(self.close_edits, other.close_edits),
            value_edits: m(self.value_edits, other.value_edits),
            probability: m(self.probability, other.probability),
            first_call: m(self.first_call, other.first_call),
            move_activity: m(self.move_activity, other.move_activity),
            extra_activities: m(self.extra_activities, other.extra_activities),
            planned_next: m(self.planned_next, other.planned_next),
            notes: m(self.notes, other.notes),
            stage_skip: m(self.stage_skip, other.stage_skip),
        }
    }
}
