//! Benjamini–Hochberg false-discovery-rate adjustment, as
//! `scipy.stats.false_discovery_control(ps, method="bh")`.

/// BH q-values in the input order. NaN p-values stay NaN and do not count
/// toward the number of tests.
pub fn bh_qvalues(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|i| !p[*i].is_nan()).collect();
    let m = order.len();
    let mut q = vec![f64::NAN; p.len()];
    if m == 0 {
        return q;
    }
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]).then(a.cmp(b)));
    let mut running = f64::INFINITY;
    for rank in (0..m).rev() {
        let i = order[rank];
        let adjusted = p[i] * m as f64 / (rank + 1) as f64;
        running = running.min(adjusted);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference from scipy 1.17.1:
    /// python3 -c "from scipy.stats import false_discovery_control as f;
    ///   print([repr(x) for x in f([0.01,0.04,0.03,0.5,0.001,0.2,0.04,0.9], method='bh')])"
    const P: [f64; 8] = [0.01, 0.04, 0.03, 0.5, 0.001, 0.2, 0.04, 0.9];
    const Q: [f64; 8] =
        [0.04, 0.064, 0.064, 0.571_428_571_428_571_4, 0.008, 0.266_666_666_666_666_66, 0.064, 0.9];

    #[test]
    fn matches_scipy_false_discovery_control() {
        for (got, want) in bh_qvalues(&P).iter().zip(Q) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
    }

    #[test]
    fn nan_is_not_a_test() {
        let q = bh_qvalues(&[0.01, f64::NAN, 0.02]);
        assert!(q[1].is_nan());
        assert!((q[0] - 0.02).abs() < 1e-12 && (q[2] - 0.02).abs() < 1e-12);
    }
}
