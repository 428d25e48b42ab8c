//! Hodges–Lehmann shift between two samples — the median of all pairwise
//! differences y − x, as `numpy.median(numpy.subtract.outer(y, x))` — found
//! without listing the n₁·n₂ differences (bisection on the value with a
//! linear-time count, then the few candidates left are sorted), and a seeded
//! percentile bootstrap confidence interval.
//!
//! Cost: O((n₁ + n₂) · log range) per estimate; the bootstrap repeats it per
//! replicate, in parallel. Samples above [`BOOTSTRAP_CAP`] are bootstrapped
//! with m-out-of-n resamples of that size and the interval is rescaled by
//! √(m/n).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::quantile;

/// Largest resample size per group in the bootstrap.
pub const BOOTSTRAP_CAP: usize = 5_000;

/// Candidates left after bisection are sorted once there are at most this
/// many per value of the samples.
const ENUMERATE_PER_VALUE: u64 = 4;

/// Median of all differences y[j] − x[i]; `None` when either sample is empty.
pub fn shift(x: &[f64], y: &[f64]) -> Option<f64> {
    let mut a = x.to_vec();
    let mut b = y.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    shift_sorted(&a, &b)
}

fn shift_sorted(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let n = (x.len() as u64) * (y.len() as u64);
    if n % 2 == 1 {
        Some(kth(x, y, n.div_ceil(2)))
    } else {
        Some((kth(x, y, n / 2) + kth(x, y, n / 2 + 1)) / 2.0)
    }
}

/// Number of differences y[j] − x[i] ≤ t (both slices ascending).
fn count_le(x: &[f64], y: &[f64], t: f64) -> u64 {
    let mut i = 0;
    let mut count = 0_u64;
    for yj in y {
        // x[i] >= yj - t  <=>  yj - x[i] <= t
        while i < x.len() && yj - x[i] > t {
            i += 1;
        }
        count += (x.len() - i) as u64;
    }
    count
}

/// The k-th smallest difference (1-based), both slices ascending.
fn kth(x: &[f64], y: &[f64], k: u64) -> f64 {
    let (x0, xl) = (x[0], x[x.len() - 1]);
    let (y0, yl) = (y[0], y[y.len() - 1]);
    let mut lo = y0 - xl - 1.0;
    let mut hi = yl - x0;
    let (mut c_lo, mut c_hi) = (0_u64, count_le(x, y, hi));
    let limit = ENUMERATE_PER_VALUE * (x.len() + y.len()) as u64;
    while c_hi - c_lo > limit {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            return hi;
        }
        let c = count_le(x, y, mid);
        if c >= k {
            (hi, c_hi) = (mid, c);
        } else {
            (lo, c_lo) = (mid, c);
        }
    }
    let mut within: Vec<f64> = Vec::with_capacity((c_hi - c_lo) as usize);
    for yj in y {
        let start = x.partition_point(|v| yj - v > hi);
        let end = x.partition_point(|v| yj - v > lo);
        within.extend(x[start..end].iter().map(|v| yj - v));
    }
    within.sort_by(f64::total_cmp);
    let idx = usize::try_from(k - c_lo - 1).unwrap_or(0);
    within.get(idx).copied().unwrap_or(hi)
}

/// A bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// Percentile bootstrap interval of the shift at `level` (e.g. 0.95) from
/// `replicates` resamples of both groups, seeded: the same inputs and seed
/// give the same interval.
pub fn bootstrap_ci(
    x: &[f64],
    y: &[f64],
    replicates: u32,
    level: f64,
    seed: u64,
) -> Option<Interval> {
    let estimate = shift(x, y)?;
    if replicates == 0 {
        return None;
    }
    let (m1, m2) = (x.len().min(BOOTSTRAP_CAP), y.len().min(BOOTSTRAP_CAP));
    let mut stats: Vec<f64> = (0..replicates)
        .into_par_iter()
        .filter_map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(u64::from(b));
            let mut rx: Vec<f64> = (0..m1).map(|_| x[rng.random_range(0..x.len())]).collect();
            let mut ry: Vec<f64> = (0..m2).map(|_| y[rng.random_range(0..y.len())]).collect();
            rx.sort_by(f64::total_cmp);
            ry.sort_by(f64::total_cmp);
            shift_sorted(&rx, &ry)
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    let q_lo = quantile::of_sorted(&stats, tail)?;
    let q_hi = quantile::of_sorted(&stats, 1.0 - tail)?;
    // m-out-of-n: spread shrinks as √(m/n) from the resample size to the sample.
    let full = (x.len() * y.len()) as f64 / (x.len() + y.len()) as f64;
    let sub = (m1 * m2) as f64 / (m1 + m2) as f64;
    let scale = (sub / full).sqrt();
    Some(Interval {
        lo: estimate + (q_lo - estimate) * scale,
        hi: estimate + (q_hi - estimate) * scale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values (`python3 scripts/oracles/stage_time_rollout.py`, numpy 2.x):
    /// `float(np.median(np.subtract.outer(np.array(y), np.array(x))))` with
    /// A,B; E,F; G,H as in `mann_whitney`'s tests: 3.05, 2.0, 1.5714285714285712.
    #[test]
    fn matches_numpy_median_of_differences() {
        let a = [1.2, 3.4, 0.5, 7.1, 2.2];
        let b = [4.4, 5.0, 6.3, 8.8, 9.1, 2.9];
        let e = [1., 2., 2., 3., 3., 3., 4., 5., 6., 7.];
        let f = [2., 3., 4., 4., 5., 5., 6., 8., 9., 9., 10.];
        let g: Vec<f64> = (0..20).map(|i| f64::from(i * 37 % 101) / 7.0).collect();
        let h: Vec<f64> = (0..25).map(|i| f64::from(i * 53 % 97) / 6.0 + 1.5).collect();
        let cases: [(&[f64], &[f64], f64); 3] =
            [(&a, &b, 3.05), (&e, &f, 2.0), (&g, &h, 1.5714285714285712)];
        for (x, y, want) in cases {
            let got = shift(x, y).unwrap();
            assert!((got - want).abs() <= 1e-9, "{got} vs {want}");
        }
        assert!(shift(&[], &a).is_none());
    }

    /// Large samples go through the bisection branch and still agree with
    /// brute force.
    #[test]
    fn bisection_agrees_with_brute_force() {
        let x: Vec<f64> = (0..700).map(|i| f64::from(i * 7919 % 1000) / 13.0).collect();
        let y: Vec<f64> = (0..650).map(|i| f64::from(i * 104_729 % 977) / 11.0 + 3.0).collect();
        let mut all: Vec<f64> = y.iter().flat_map(|b| x.iter().map(move |a| b - a)).collect();
        all.sort_by(f64::total_cmp);
        let n = all.len();
        let want = (all[n / 2 - 1] + all[n / 2]) / 2.0;
        assert_eq!(shift(&x, &y), Some(want));
    }

    #[test]
    fn bootstrap_is_seeded_and_covers_the_estimate() {
        let x: Vec<f64> = (0..60).map(|i| f64::from(i % 17) + 5.0).collect();
        let y: Vec<f64> = (0..50).map(|i| f64::from(i % 13)).collect();
        let est = shift(&x, &y).unwrap();
        let a = bootstrap_ci(&x, &y, 200, 0.95, 7).unwrap();
        let b = bootstrap_ci(&x, &y, 200, 0.95, 7).unwrap();
        assert_eq!(a, b);
        assert!(a.lo <= est && est <= a.hi && a.hi < 0.0, "{a:?} {est}");
        assert!(bootstrap_ci(&x, &y, 0, 0.95, 7).is_none());
    }
}
