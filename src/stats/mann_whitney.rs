//! Two-sided Mann–Whitney U test, as `scipy.stats.mannwhitneyu(x, y,
//! alternative="two-sided", method="auto")`: exact when either sample has at
//! most 8 values and there are no ties, otherwise the normal approximation
//! with tie correction and continuity correction.

use statrs::function::erf::erfc;

/// The result of a Mann–Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample (scipy's `statistic`).
    pub u1: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// True when the exact null distribution was used.
    pub exact: bool,
}

/// Runs the test; `None` when either sample is empty.
pub fn test(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (ranks, ties) = rank_with_ties(x, y);
    let r1: f64 = ranks[..n1].iter().sum();
    let n1f = n1 as f64;
    let n2f = n2 as f64;
    let u1 = r1 - n1f * (n1f + 1.0) / 2.0;
    let u = u1.max(n1f * n2f - u1);
    let has_ties = ties.iter().any(|t| *t > 1.0);
    let small = n1 <= 8 || n2 <= 8;
    let exact = small && !has_ties;
    let p = if exact { exact_sf(n1, n2, u.round() as i64).map(|sf| 2.0 * sf) } else { None };
    let (p, exact) = match p {
        Some(p) => (p, true),
        None => (2.0 * normal_sf(z_score(u, n1f, n2f, &ties)), false),
    };
    Some(MannWhitney { u1, p: p.clamp(0.0, 1.0), exact })
}

/// Average ranks of x then y in the pooled sample, and the size of each
/// group of tied values.
fn rank_with_ties(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|a, b| all[*a].total_cmp(&all[*b]));
    let mut ranks = vec![0.0; all.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && all[order[j + 1]] == all[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in &order[i..=j] {
            ranks[*k] = avg;
        }
        ties.push((j - i + 1) as f64);
        i = j + 1;
    }
    (ranks, ties)
}

/// Standardised U with tie and continuity corrections.
fn z_score(u: f64, n1: f64, n2: f64, ties: &[f64]) -> f64 {
    let n = n1 + n2;
    let tie_term: f64 = ties.iter().map(|t| t * t * t - t).sum();
    let s = (n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    (u - n1 * n2 / 2.0 - 0.5) / s
}

/// P(Z ≥ z) for a standard normal Z.
pub fn normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// P(U ≥ u) under the null, from the exact counts of U (the coefficients of
/// the Gaussian binomial coefficient). `None` if the counts overflow.
fn exact_sf(n1: usize, n2: usize, u: i64) -> Option<f64> {
    let counts = u_counts(n1.min(n2), n1.max(n2))?;
    let total: i128 = counts.iter().sum();
    let start = usize::try_from(u.max(0)).ok()?;
    let upper: i128 = counts.iter().skip(start).sum();
    Some(upper as f64 / total as f64)
}

/// Number of arrangements giving each U = 0..=m·n, for m ≤ n.
fn u_counts(m: usize, n: usize) -> Option<Vec<i128>> {
    let len = m * n + 1;
    let mut c = vec![0_i128; len];
    c[0] = 1;
    for i in 1..=m {
        // multiply by (1 - q^(n+i)), then divide by (1 - q^i)
        for k in (n + i..len).rev() {
            c[k] = c[k].checked_sub(c[k - n - i])?;
        }
        for k in i..len {
            c[k] = c[k].checked_add(c[k - i])?;
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [f64; 5] = [1.2, 3.4, 0.5, 7.1, 2.2];
    const B: [f64; 6] = [4.4, 5.0, 6.3, 8.8, 9.1, 2.9];
    const E: [f64; 10] = [1., 2., 2., 3., 3., 3., 4., 5., 6., 7.];
    const F: [f64; 11] = [2., 3., 4., 4., 5., 5., 6., 8., 9., 9., 10.];

    fn g() -> Vec<f64> {
        (0..20).map(|i| f64::from(i * 37 % 101) / 7.0).collect()
    }
    fn h() -> Vec<f64> {
        (0..25).map(|i| f64::from(i * 53 % 97) / 6.0 + 1.5).collect()
    }

    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-9
    }

    /// Reference values from scipy 1.17.1, `python3 scripts/oracles/stage_time_rollout.py`, i.e.
    /// `mannwhitneyu(x, y, alternative='two-sided', method='auto')` with
    /// A=[1.2,3.4,0.5,7.1,2.2] B=[4.4,5.0,6.3,8.8,9.1,2.9] C=[1.,2.,3.] D=range(4,16)
    /// E=[1,2,2,3,3,3,4,5,6,7] F=[2,3,4,4,5,5,6,8,9,9,10]
    /// G=[(i*37%101)/7 for i in range(20)] H=[(i*53%97)/6+1.5 for i in range(25)]
    /// I=[1,2,2] J=[2,3,4]; printed statistic, pvalue:
    /// AB 5.0 0.08225108225108226 | CD 0.0 0.004395604395604396 |
    /// EF 27.0 0.05096671578225301 | GH 202.5 0.283006026315741 | IJ 1.0 0.16415972847851523
    #[test]
    fn matches_scipy_mannwhitneyu() {
        let c = [1.0, 2.0, 3.0];
        let d: Vec<f64> = (4..16).map(f64::from).collect();
        type Case<'a> = (&'a [f64], &'a [f64], f64, f64, bool);
        let cases: [Case; 5] = [
            (&A, &B, 5.0, 0.08225108225108226, true),
            (&c, &d, 0.0, 0.004395604395604396, true),
            (&E, &F, 27.0, 0.05096671578225301, false),
            (&g(), &h(), 202.5, 0.283006026315741, false),
            (&[1.0, 2.0, 2.0], &[2.0, 3.0, 4.0], 1.0, 0.16415972847851523, false),
        ];
        for (x, y, u, p, exact) in cases {
            let r = test(x, y).unwrap();
            assert!(close(r.u1, u) && close(r.p, p), "{x:?} {y:?}: {r:?} vs {u} {p}");
            assert_eq!(r.exact, exact);
        }
    }

    #[test]
    fn edges() {
        assert!(test(&[], &[1.0]).is_none());
        let r = test(&[1.0], &[1.0]).unwrap();
        assert!(close(r.p, 1.0), "{r:?}");
        // Exact counts: C(4,2)_q = 1 + q + 2q² + q³ + q⁴.
        assert_eq!(u_counts(2, 2).unwrap(), vec![1, 1, 2, 1, 1]);
    }
}
