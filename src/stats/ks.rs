//! Two-sample Kolmogorov–Smirnov test, two-sided, as
//! `scipy.stats.ks_2samp(x, y, method="auto")`: the exact null distribution
//! when both samples have at most 10,000 values (lattice-path counts, computed
//! as probabilities so they do not overflow), else the asymptotic one.
//!
//! Where scipy's large-sample branch uses the finite-n Kolmogorov
//! distribution at n = round(n₁n₂/(n₁+n₂)), this uses its limit (Kolmogorov's
//! series); the two agree to about 1e-3 relative at those sizes.

/// The result of a KS test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ks {
    /// Largest distance between the two empirical CDFs.
    pub d: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// True when the exact distribution was used.
    pub exact: bool,
}

/// Samples up to this size get the exact p-value (scipy's `MAX_AUTO_N`).
const MAX_EXACT_N: usize = 10_000;

/// Runs the test; `None` when either sample is empty.
pub fn test(x: &[f64], y: &[f64]) -> Option<Ks> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let d = statistic(x, y);
    if n1.max(n2) <= MAX_EXACT_N
        && let Some((d, p)) = exact(n1, n2, d)
    {
        return Some(Ks { d, p, exact: true });
    }
    let en = (n1 * n2) as f64 / (n1 + n2) as f64;
    Some(Ks { d, p: kolmogorov_sf(d * en.sqrt()).clamp(0.0, 1.0), exact: false })
}

/// The statistic rounded to the lattice of the exact distribution and its
/// exact p-value; `None` when the computation loses its precision.
fn exact(n1: usize, n2: usize, d: f64) -> Option<(f64, f64)> {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round() as usize;
    let d = h as f64 / lcm as f64;
    if h == 0 {
        return Some((d, 1.0));
    }
    let p = if n1 == n2 { outside_square(n1, h) } else { outside_inside(n1, n2, g, h) };
    (p.is_finite() && (0.0..=1.0).contains(&p)).then_some((d, p))
}

/// max |F₁(v) − F₂(v)| over all values v.
fn statistic(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let mut b = y.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
    while i < a.len() || j < b.len() {
        let v = match (a.get(i), b.get(j)) {
            (Some(p), Some(q)) => p.min(*q),
            (Some(p), None) => *p,
            (None, Some(q)) => *q,
            (None, None) => break,
        };
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n1 - j as f64 / n2).abs());
    }
    d
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// P(D ≥ h/n) for equal sizes n (alternating binomial sum, Horner form).
fn outside_square(n: usize, h: usize) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    while k >= 0 {
        let ku = k as usize;
        let mut p1 = 1.0;
        for j in 0..h {
            let num = n as f64 - (ku * h + j) as f64;
            p1 = num * p1 / (n + ku * h + j + 1) as f64;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// Share of lattice paths from (0,0) to (m,n) that leave the band
/// |x/m − y/n| < h/lcm, by the "inside" recursion run on 1 − share.
fn outside_inside(m: usize, n: usize, g: usize, h: usize) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as f64, (n / g) as f64);
    let hf = h as f64;
    let mut minj = 0_usize;
    let mut maxj = ((hf / mg).ceil() as usize).min(n + 1);
    let mut curlen = maxj - minj;
    let len = (2 * maxj + 2).min(n + 1);
    let mut a = vec![1.0_f64; len.max(1)];
    a[minj..maxj].fill(0.0);
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        let fi = i as f64;
        minj = ((((ng * fi - hf) / mg).floor() + 1.0).max(0.0) as usize).min(n);
        maxj = (((ng * fi + hf) / mg).ceil().max(0.0) as usize).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..maxj - minj {
            let j = (jj + minj) as f64;
            val = (a[jj + minj - lastminj] * fi + val * j) / (fi + j);
            a[jj] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            a[curlen..lastlen].fill(1.0);
        }
    }
    a[maxj - minj - 1]
}

/// Kolmogorov's limiting survival function, P(K > x).
fn kolmogorov_sf(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let kf = f64::from(k);
        let term = (-2.0 * kf * kf * x * x).exp();
        sum += if k % 2 == 1 { term } else { -term };
        if term < 1e-18 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from scipy 1.17.1, `python3 scripts/oracles/stage_time_rollout.py`, i.e.
    /// `ks_2samp(x, y, alternative='two-sided', method='auto')` with
    /// K=[0.3,1.1,2.5,3.3,4.8,5.0,6.1,7.7,8.2,9.9] L=[2.0,3.1,4.4,5.5,6.6,7.0,8.8,9.5,10.2,11.9]
    /// M=[1.5,2.5,...,8.5] N=[0.5+0.9*i for i in range(13)]
    /// O=[i%7 for i in range(15)] P=[(i*3)%9 for i in range(20)]
    /// Q=[(i*37%101)/7 for i in range(60)] R=[(i*53%97)/6+2.5 for i in range(45)];
    /// printed statistic, pvalue:
    /// KL 0.3 0.7869297884777761 | MN 0.3076923076923077 0.6194702442380462 |
    /// OP 0.16666666666666666 0.9409000085457162 | QR 0.26666666666666666 0.04365421878938669
    /// | C,C 0.0 1.0
    #[test]
    fn matches_scipy_ks_2samp() {
        let k = [0.3, 1.1, 2.5, 3.3, 4.8, 5.0, 6.1, 7.7, 8.2, 9.9];
        let l = [2.0, 3.1, 4.4, 5.5, 6.6, 7.0, 8.8, 9.5, 10.2, 11.9];
        let m: Vec<f64> = (0..8).map(|i| 1.5 + f64::from(i)).collect();
        let n: Vec<f64> = (0..13).map(|i| 0.5 + 0.9 * f64::from(i)).collect();
        let o: Vec<f64> = (0..15).map(|i| f64::from(i % 7)).collect();
        let p: Vec<f64> = (0..20).map(|i| f64::from((i * 3) % 9)).collect();
        let q: Vec<f64> = (0..60).map(|i| f64::from(i * 37 % 101) / 7.0).collect();
        let r: Vec<f64> = (0..45).map(|i| f64::from(i * 53 % 97) / 6.0 + 2.5).collect();
        let c = [1.0, 2.0, 3.0];
        let cases: [(&[f64], &[f64], f64, f64); 5] = [
            (&k, &l, 0.3, 0.7869297884777761),
            (&m, &n, 0.3076923076923077, 0.6194702442380462),
            (&o, &p, 0.16666666666666666, 0.9409000085457162),
            (&q, &r, 0.26666666666666666, 0.04365421878938669),
            (&c, &c, 0.0, 1.0),
        ];
        for (x, y, d, pv) in cases {
            let got = test(x, y).unwrap();
            assert!((got.d - d).abs() <= 1e-9, "{got:?} vs {d}");
            assert!((got.p - pv).abs() <= 1e-9, "{got:?} vs {pv}");
            assert!(got.exact);
        }
    }

    #[test]
    fn large_samples_use_the_limit() {
        let x: Vec<f64> = (0..10_001).map(f64::from).collect();
        let y: Vec<f64> = (0..10_001).map(|v| f64::from(v) + 500.0).collect();
        let r = test(&x, &y).unwrap();
        assert!(!r.exact && r.p < 1e-6, "{r:?}");
        assert!(test(&[], &x).is_none());
        assert!((kolmogorov_sf(1.0) - 0.26999967167735456).abs() < 1e-12);
    }
}
