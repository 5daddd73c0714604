//! Output layers fused with their losses, computed from the logits `Z[m, n]` (row-major).
//!
//! - softmax subtracts the row max before `exp` (never overflows);
//! - cross-entropy uses `log p = z − max − log Σ exp(z − max)` (log-sum-exp), never `log(p)`,
//!   so a probability that underflows to 0 still gives a finite loss;
//! - binary cross-entropy uses `max(z,0) − z·y + log(1 + e^−|z|)`, finite for every finite z.
//!
//! Both losses are the mean over the m examples, accumulated in f64, and return
//! `dZ = (P − Y)/m`, the exact gradient of that mean (the 1/m lives here, not in later kernels).

use crate::activation::sigmoid;
use crate::real::{real, Real};

#[inline(always)]
fn f64_of<T: Real>(x: T) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

/// Checks `z.len()` is a multiple of `n` (columns) and returns `m` (rows).
fn rows(name: &str, len: usize, n: usize) -> usize {
    if n == 0 {
        assert!(len == 0, "{name}: n = 0 columns for a non-empty matrix");
        return 0;
    }
    assert!(len.is_multiple_of(n), "{name}: length {len} is not a multiple of n = {n}");
    len / n
}

/// One softmax row: writes `exp(z − max)/Σ` into `p`, returns `(max, Σ exp(z − max))`.
#[inline]
fn softmax_row<T: Real>(z: &[T], p: &mut [T]) -> (T, T) {
    let max = z.iter().fold(T::neg_infinity(), |acc, &x| acc.max(x));
    let mut sum = T::zero();
    for (p, &z) in p.iter_mut().zip(z) {
        let e = (z - max).exp();
        *p = e;
        sum = sum + e;
    }
    for p in p.iter_mut() {
        *p = *p / sum;
    }
    (max, sum)
}

/// Row-wise softmax of `z` (n columns) into `p`.
pub fn softmax<T: Real>(z: &[T], n: usize, p: &mut [T]) {
    assert_eq!(z.len(), p.len(), "softmax: z and p lengths differ");
    if rows("softmax", z.len(), n) == 0 {
        return;
    }
    for (zr, pr) in z.chunks_exact(n).zip(p.chunks_exact_mut(n)) {
        softmax_row(zr, pr);
    }
}

/// Softmax + cross-entropy against target rows `y` (one-hot or distributions).
/// Writes `probs = softmax(z)` and `dz = (probs − y)/m`; returns `−(1/m) Σ y·log p` (0 when m = 0).
/// Terms with `y = 0` are skipped, so `0·log 0` counts as 0 even for a `−∞` logit.
pub fn softmax_cross_entropy<T: Real>(z: &[T], y: &[T], n: usize, probs: &mut [T], dz: &mut [T]) -> f64 {
    let len = z.len();
    assert!(
        y.len() == len && probs.len() == len && dz.len() == len,
        "softmax_cross_entropy: z, y, probs and dz lengths differ"
    );
    let m = rows("softmax_cross_entropy", len, n);
    if m == 0 {
        return 0.0;
    }
    let inv_m: T = real(1.0 / m as f64);
    let mut total = 0.0f64;
    for (((zr, yr), pr), dr) in
        z.chunks_exact(n).zip(y.chunks_exact(n)).zip(probs.chunks_exact_mut(n)).zip(dz.chunks_exact_mut(n))
    {
        let (max, sum) = softmax_row(zr, pr);
        let (max, log_sum) = (f64_of(max), f64_of(sum).ln());
        let mut row = 0.0f64;
        for (&z, &y) in zr.iter().zip(yr) {
            if y != T::zero() {
                row += f64_of(y) * (f64_of(z) - max - log_sum);
            }
        }
        total -= row;
        for ((d, &p), &y) in dr.iter_mut().zip(pr.iter()).zip(yr) {
            *d = (p - y) * inv_m;
        }
    }
    total / m as f64
}

/// Elementwise sigmoid + binary cross-entropy (n outputs per example, n = 1 for binary).
/// Writes `probs = σ(z)` and `dz = (σ(z) − y)/m`; returns the per-element losses
/// `max(z,0) − z·y + log(1 + e^−|z|)` summed over all elements and divided by m.
pub fn sigmoid_binary_cross_entropy<T: Real>(
    z: &[T],
    y: &[T],
    n: usize,
    probs: &mut [T],
    dz: &mut [T],
) -> f64 {
    let len = z.len();
    assert!(
        y.len() == len && probs.len() == len && dz.len() == len,
        "sigmoid_binary_cross_entropy: z, y, probs and dz lengths differ"
    );
    let m = rows("sigmoid_binary_cross_entropy", len, n);
    if m == 0 {
        return 0.0;
    }
    let inv_m: T = real(1.0 / m as f64);
    let mut total = 0.0f64;
    for (((&z, &y), p), d) in z.iter().zip(y).zip(probs.iter_mut()).zip(dz.iter_mut()) {
        let s = sigmoid(z);
        *p = s;
        *d = (s - y) * inv_m;
        let (zf, yf) = (f64_of(z), f64_of(y));
        total += zf.max(0.0) - zf * yf + (-zf.abs()).exp().ln_1p();
    }
    total / m as f64
}

/// The per-entry penalty of a regression loss on the error e = ŷ − y.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RegressionLoss {
    /// e², gradient 2e.
    Squared,
    /// |e|, gradient sign(e) (0 at e = 0).
    Absolute,
    /// ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond; gradient e clipped to [−δ, δ].
    Huber { delta: f64 },
}

/// Regression loss of outputs `z` against targets `y` (same shape), the mean over every entry
/// (Keras's and PyTorch's default reduction), accumulated in f64. The prediction is `z` itself
/// (linear outputs); `dz` is the gradient of the mean.
pub fn regression_loss<T: Real>(
    kind: RegressionLoss,
    z: &[T],
    y: &[T],
    prediction: &mut [T],
    dz: &mut [T],
) -> f64 {
    let len = z.len();
    assert!(
        y.len() == len && prediction.len() == len && dz.len() == len,
        "regression_loss: z, y, prediction and dz lengths differ"
    );
    if len == 0 {
        return 0.0;
    }
    prediction.copy_from_slice(z);
    let inv_n = 1.0 / len as f64;
    let mut total = 0.0f64;
    for ((d, &z), &y) in dz.iter_mut().zip(z).zip(y) {
        let e = f64_of(z) - f64_of(y);
        let (loss, grad) = match kind {
            RegressionLoss::Squared => (e * e, 2.0 * e),
            RegressionLoss::Absolute => (
                e.abs(),
                if e > 0.0 {
                    1.0
                } else if e < 0.0 {
                    -1.0
                } else {
                    0.0
                },
            ),
            RegressionLoss::Huber { delta } if e.abs() <= delta => (0.5 * e * e, e),
            RegressionLoss::Huber { delta } => (delta * (e.abs() - 0.5 * delta), delta * e.signum()),
        };
        total += loss;
        *d = real(grad * inv_n);
    }
    total * inv_n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_known_row_and_shift_invariance() {
        // p = e^k / (e + e² + e³) = [0.09003057, 0.24472847, 0.66524096].
        let mut p = [0.0f64; 6];
        softmax(&[1.0, 2.0, 3.0, 1001.0, 1002.0, 1003.0], 3, &mut p);
        let want = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];
        for j in 0..3 {
            assert!((p[j] - want[j]).abs() < 1e-15);
            assert!((p[3 + j] - want[j]).abs() < 1e-15, "large logits must not overflow");
        }
    }

    #[test]
    fn softmax_cross_entropy_known_values() {
        // Row 0: z = [1,2,3], y = e₃: loss = −log 0.6652409557748219 = 0.4076059644443806.
        // Row 1: z = [0,0,0], y = e₁: loss = log 3 = 1.0986122886681098. Mean over m = 2.
        let z = [1.0f64, 2.0, 3.0, 0.0, 0.0, 0.0];
        let y = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let (mut p, mut dz) = ([0.0; 6], [0.0; 6]);
        let loss = softmax_cross_entropy(&z, &y, 3, &mut p, &mut dz);
        assert!((loss - (0.4076059644443806 + 1.0986122886681098) / 2.0).abs() < 1e-14, "{loss}");
        let third = 1.0 / 3.0;
        let want_dz = [
            0.09003057317038046 / 2.0,
            0.24472847105479767 / 2.0,
            (0.6652409557748219 - 1.0) / 2.0,
            (third - 1.0) / 2.0,
            third / 2.0,
            third / 2.0,
        ];
        for (a, b) in dz.iter().zip(&want_dz) {
            assert!((a - b).abs() < 1e-15, "{dz:?}");
        }
    }

    #[test]
    fn cross_entropy_stays_finite_for_extreme_logits() {
        // p of the target underflows to 0 in f32, yet log-sum-exp gives the exact loss 200.
        let z = [0.0f32, 200.0];
        let y = [1.0f32, 0.0];
        let (mut p, mut dz) = ([0.0f32; 2], [0.0f32; 2]);
        let loss = softmax_cross_entropy(&z, &y, 2, &mut p, &mut dz);
        assert!((loss - 200.0).abs() < 1e-4, "{loss}");
        assert_eq!(p, [0.0, 1.0]);
    }

    #[test]
    fn bce_known_values() {
        // z = 0: loss log 2 whatever y. z = 2, y = 1: log(1 + e^−2) = 0.12692801104297263.
        // z = −1, y = 0: log(1 + e^−1) = 0.31326168751822286. m = 3 rows, n = 1.
        let z = [0.0f64, 2.0, -1.0];
        let y = [1.0, 1.0, 0.0];
        let (mut p, mut dz) = ([0.0; 3], [0.0; 3]);
        let loss = sigmoid_binary_cross_entropy(&z, &y, 1, &mut p, &mut dz);
        let want = (std::f64::consts::LN_2 + 0.12692801104297263 + 0.31326168751822286) / 3.0;
        assert!((loss - want).abs() < 1e-15, "{loss} vs {want}");
        assert!((dz[0] - (0.5 - 1.0) / 3.0).abs() < 1e-16);
        assert!((p[1] - 0.8807970779778823).abs() < 1e-15);
        // n = 3 outputs for one example: the same elements summed, divided by m = 1.
        let loss1 = sigmoid_binary_cross_entropy(&z, &y, 3, &mut p, &mut dz);
        assert!((loss1 - 3.0 * want).abs() < 1e-14);
        assert!((dz[0] + 0.5).abs() < 1e-16);
    }

    #[test]
    fn bce_stays_finite_at_large_z() {
        let z = [1000.0f32, -1000.0, 1000.0, -1000.0];
        let y = [1.0f32, 0.0, 0.0, 1.0];
        let (mut p, mut dz) = ([0.0f32; 4], [0.0f32; 4]);
        let loss = sigmoid_binary_cross_entropy(&z, &y, 1, &mut p, &mut dz);
        // Two perfectly right (0) and two confidently wrong (1000 each), over m = 4.
        assert!(loss.is_finite());
        assert!((loss - 500.0).abs() < 1e-9, "{loss}");
        assert_eq!(p, [1.0, 0.0, 1.0, 0.0]);
        assert_eq!(dz, [0.0, 0.0, 0.25, -0.25]);
    }

    type LossFn = fn(&[f64], &[f64], usize, &mut [f64], &mut [f64]) -> f64;

    /// Central differences of the returned loss against the returned dz (f64).
    fn check_fd(f: LossFn, z: &[f64], y: &[f64], n: usize) {
        let len = z.len();
        let (mut p, mut dz) = (vec![0.0; len], vec![0.0; len]);
        f(z, y, n, &mut p, &mut dz);
        let h = 1e-6;
        for i in 0..len {
            let (mut zp, mut zm) = (z.to_vec(), z.to_vec());
            zp[i] += h;
            zm[i] -= h;
            let (mut q, mut g) = (vec![0.0; len], vec![0.0; len]);
            let numeric = (f(&zp, y, n, &mut q, &mut g) - f(&zm, y, n, &mut q, &mut g)) / (2.0 * h);
            assert!((numeric - dz[i]).abs() < 1e-8, "at {i}: {numeric} vs {}", dz[i]);
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let z = [0.3, -1.2, 2.5, 0.0, 1.1, -0.4, 3.0, -2.0, 0.7, 0.2, -0.9, 1.6];
        // Softmax-CE: m = 3, n = 4 with one-hot and one soft target row.
        let y = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.25, 0.25, 0.5, 0.0];
        check_fd(softmax_cross_entropy, &z, &y, 4);
        // Sigmoid-BCE: m = 4, n = 3 with hard and soft labels.
        let yb = [1.0, 0.0, 1.0, 0.0, 1.0, 0.3, 1.0, 0.0, 0.5, 1.0, 0.0, 1.0];
        check_fd(sigmoid_binary_cross_entropy, &z, &yb, 3);
    }

    #[test]
    fn empty_batch_returns_zero() {
        let e: [f32; 0] = [];
        let (mut p, mut d): ([f32; 0], [f32; 0]) = ([], []);
        assert_eq!(softmax_cross_entropy(&e, &e, 10, &mut p, &mut d), 0.0);
        assert_eq!(sigmoid_binary_cross_entropy(&e, &e, 1, &mut p, &mut d), 0.0);
    }
}
