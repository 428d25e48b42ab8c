//! Exact one-sided binomial test, as `scipy.stats.binomtest(k, n, p,
//! alternative="greater")`.

use statrs::distribution::{Binomial, DiscreteCDF};

/// P(X ≥ k) for X ~ Binomial(n, p): the p-value of observing `k` or more
/// successes in `n` trials when each succeeds with probability `p`.
///
/// Uses the regularised incomplete beta function (via statrs), so small
/// p-values keep their relative precision instead of cancelling to zero.
pub fn p_greater(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    match Binomial::new(p, n) {
        // sf(x) = P(X > x), so P(X ≥ k) = sf(k - 1).
        Ok(dist) => dist.sf(k - 1).clamp(0.0, 1.0),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from scipy 1.17.1:
    /// python3 -c "from scipy.stats import binomtest; print([repr(binomtest(k, n, p,
    ///   alternative='greater').pvalue) for k, n, p in [(7,20,0.1),(3,40,0.1),(30,60,0.095),
    ///   (0,10,0.2),(10,10,0.5),(55,400,0.09),(120,1000,0.1),(2,2,0.001)]])"
    const CASES: [(u64, u64, f64, f64); 8] = [
        (7, 20, 0.1, 0.002386089408966118),
        (3, 40, 0.1, 0.7771918756605969),
        (30, 60, 0.095, 1.4131840289311578e-15),
        (0, 10, 0.2, 1.0),
        (10, 10, 0.5, 0.0009765625),
        (55, 400, 0.09, 0.0011523567706110411),
        (120, 1000, 0.1, 0.021996144965794422),
        (2, 2, 0.001, 1e-06),
    ];

    #[test]
    fn matches_scipy_binomtest_greater() {
        for (k, n, p, want) in CASES {
            let got = p_greater(k, n, p);
            // Absolute 1e-9, and relative 1e-9 for the tiny ones.
            let close = (got - want).abs() <= 1e-9 && (got - want).abs() <= 1e-9 * want.max(1e-6);
            assert!(close, "k={k} n={n} p={p}: {got} vs {want}");
        }
    }

    #[test]
    fn edges() {
        assert_eq!(p_greater(0, 5, 0.3), 1.0);
        assert_eq!(p_greater(6, 5, 0.3), 0.0);
    }
}
