//! Sample quantiles with linear interpolation, as `numpy.quantile(x, q)`
//! (numpy's default `method="linear"`).

/// The q-quantile (0 ≤ q ≤ 1) of an ascending slice; `None` when empty.
pub fn of_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q.clamp(0.0, 1.0) * last as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(last);
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// Sorts a copy of the values and returns the q-quantile.
pub fn of(values: &[f64], q: f64) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    of_sorted(&v, q)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// python3 -c "import numpy as np; x=[3.,1.,4.,1.,5.,9.,2.,6.];
    ///   print([repr(float(np.quantile(x,q))) for q in (0,.25,.5,.75,.9,1)])"
    /// -> 1.0, 1.75, 3.5, 5.25, 6.8999999999999995, 9.0
    #[test]
    fn matches_numpy_quantile() {
        let x = [3., 1., 4., 1., 5., 9., 2., 6.];
        let want = [1.0, 1.75, 3.5, 5.25, 6.8999999999999995, 9.0];
        for (q, w) in [0.0, 0.25, 0.5, 0.75, 0.9, 1.0].into_iter().zip(want) {
            let got = of(&x, q).unwrap();
            assert!((got - w).abs() <= 1e-9, "{q}: {got} vs {w}");
        }
        assert!(of(&[], 0.5).is_none());
        assert_eq!(of(&[7.0], 0.9), Some(7.0));
    }
}
