//! Kaplan–Meier survival estimate and its median, as the survival function of
//! `scipy.stats.ecdf(CensoredData(uncensored=…, right=…))`: at each event time
//! S falls by the share of those still at risk (values censored at that time
//! count as at risk). The median is the first event time where S ≤ 0.5.

/// Median survival time; `None` when S never falls to 0.5 (too much
/// censoring) or there are no observations. `event[i]` is false for a
/// right-censored time.
pub fn median(times: &[f64], event: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..times.len().min(event.len())).collect();
    order.sort_by(|a, b| times[*a].total_cmp(&times[*b]));
    let mut at_risk = order.len() as f64;
    let mut surv = 1.0_f64;
    let mut i = 0;
    while i < order.len() {
        let t = times[order[i]];
        let (mut deaths, mut leaving) = (0.0, 0.0);
        while i < order.len() && times[order[i]] == t {
            deaths += if event[order[i]] { 1.0 } else { 0.0 };
            leaving += 1.0;
            i += 1;
        }
        if deaths > 0.0 {
            surv *= 1.0 - deaths / at_risk;
            if surv <= 0.5 + 1e-12 {
                return Some(t);
            }
        }
        at_risk -= leaving;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference from scipy 1.17.1 (`python3 scripts/oracles/stage_time_rollout.py`): with
    /// `res = ecdf(CensoredData(uncensored=u, right=c))`, the first
    /// `res.sf.quantiles[i]` with `res.sf.probabilities[i] <= 0.5`:
    /// KM1 times=[2,3,3,5,6,7,8,8,9,12,15,15] events=[1,1,0,1,0,1,1,1,0,1,0,0] -> 8.0;
    /// KM2 [1,2,3,4] all events -> 2.0; KM3 [1..5] only the first an event -> none;
    /// KM4 [1,1,2,2,3,3,4,6] events [1,1,0,1,1,0,1,1] -> 3.0
    #[test]
    fn matches_scipy_ecdf_survival() {
        let t1 = [2., 3., 3., 5., 6., 7., 8., 8., 9., 12., 15., 15.];
        let e1 = [1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0].map(|e| e == 1);
        assert_eq!(median(&t1, &e1), Some(8.0));
        assert_eq!(median(&[1., 2., 3., 4.], &[true; 4]), Some(2.0));
        assert_eq!(median(&[1., 2., 3., 4., 5.], &[true, false, false, false, false]), None);
        let t4 = [1., 1., 2., 2., 3., 3., 4., 6.];
        let e4 = [1, 1, 0, 1, 1, 0, 1, 1].map(|e| e == 1);
        assert_eq!(median(&t4, &e4), Some(3.0));
        assert_eq!(median(&[], &[]), None);
    }
}
