//! Fisher's exact test on a 2×2 table, two-sided, as
//! `scipy.stats.fisher_exact(table)`: the p-value sums the probabilities of
//! every table with the same margins that is no more likely than the one seen
//! (with scipy's relative tolerance of 1e-14).

use statrs::function::factorial::ln_binomial;

/// Two-sided p-value of the table `[[a, b], [c, d]]`.
pub fn two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (r1, r2, c1) = (a + b, c + d, a + c);
    if r1 == 0 || r2 == 0 || c1 == 0 || b + d == 0 {
        return 1.0;
    }
    let n = r1 + r2;
    let lo = c1.saturating_sub(r2);
    let hi = c1.min(r1);
    let ln_total = ln_binomial(n, c1);
    let pmf = |x: u64| (ln_binomial(r1, x) + ln_binomial(r2, c1 - x) - ln_total).exp();
    let p_seen = pmf(a);
    let mode = ((c1 + 1) as f64 * (r1 + 1) as f64 / (n + 2) as f64) as u64;
    let p_mode = pmf(mode);
    if (p_seen - p_mode).abs() / p_seen.max(p_mode) <= 1e-14 {
        return 1.0;
    }
    let limit = p_seen * (1.0 + 1e-14);
    let p: f64 = (lo..=hi).map(pmf).filter(|p| *p <= limit).sum();
    p.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from scipy 1.17.1 (`python3 scripts/oracles/stage_time_rollout.py`):
    /// python3 -c "from scipy.stats import fisher_exact; print([repr(fisher_exact(t).pvalue)
    ///   for t in [[[8,2],[1,5]],[[40,160],[50,150]],[[72,288],[80,260]],[[3,1],[1,3]],
    ///   [[10,0],[0,10]],[[5,5],[5,5]]]])"
    const CASES: [([u64; 4], f64); 6] = [
        ([8, 2, 1, 5], 0.034965034965034975),
        ([40, 160, 50, 150], 0.2811597528371032),
        ([72, 288, 80, 260], 0.2719192193162095),
        ([3, 1, 1, 3], 0.48571428571428565),
        ([10, 0, 0, 10], 1.082508822446903e-05),
        ([5, 5, 5, 5], 1.0),
    ];

    #[test]
    fn matches_scipy_fisher_exact() {
        for ([a, b, c, d], want) in CASES {
            let got = two_sided(a, b, c, d);
            assert!((got - want).abs() <= 1e-9, "{a} {b} {c} {d}: {got} vs {want}");
        }
    }

    #[test]
    fn empty_margins_give_one() {
        assert_eq!(two_sided(0, 0, 3, 4), 1.0);
        assert_eq!(two_sided(0, 3, 0, 4), 1.0);
    }
}
