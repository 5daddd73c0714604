//! L2 and L1 weight penalties, scaled by the mini-batch size `m` (the course's λ/2m and λ/m).
//!
//! Applied to weights only (never biases, γ or β; the caller decides what it passes).
//! `sign(0) = 0`, so L1 leaves exact zeros alone. A zero coefficient skips its term entirely.

use crate::real::{real, Real};
use crate::simd::vectorized;

#[inline(always)]
fn sign<T: Real>(x: T) -> T {
    // Not `Float::signum`, which gives ±1 at ±0.
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// `dw += (l2/m)·w + (l1/m)·sign(w)` in place. Panics if lengths differ, or if m = 0 with a
/// nonzero coefficient.
pub fn regularization_grad<T: Real>(w: &[T], dw: &mut [T], l2: f64, l1: f64, m: usize) {
    assert_eq!(w.len(), dw.len(), "regularization_grad: w and dw lengths differ");
    if l2 == 0.0 && l1 == 0.0 {
        return;
    }
    assert!(m > 0, "regularization_grad: batch size m must be positive");
    let a: T = real(l2 / m as f64);
    let b: T = real(l1 / m as f64);
    vectorized(
        #[inline(always)]
        || match (l2 != 0.0, l1 != 0.0) {
            (true, false) => dw.iter_mut().zip(w).for_each(|(d, &w)| *d = *d + a * w),
            (false, true) => dw.iter_mut().zip(w).for_each(|(d, &w)| *d = *d + b * sign(w)),
            _ => dw.iter_mut().zip(w).for_each(|(d, &w)| *d = *d + a * w + b * sign(w)),
        },
    )
}

/// `(l2/2m)·Σ w² + (l1/m)·Σ |w|`, accumulated in f64. Panics if m = 0 with a nonzero coefficient.
pub fn regularization_cost<T: Real>(w: &[T], l2: f64, l1: f64, m: usize) -> f64 {
    if l2 == 0.0 && l1 == 0.0 {
        return 0.0;
    }
    assert!(m > 0, "regularization_cost: batch size m must be positive");
    let (mut sq, mut abs) = (0.0f64, 0.0f64);
    for &x in w {
        let x = x.to_f64().unwrap_or(f64::NAN);
        sq += x * x;
        abs += x.abs();
    }
    combine(sq, abs, l2, l1, m)
}

/// [`regularization_cost`] with Σw² and Σ|w| accumulated in `COST_LANES` f64 lanes each, the
/// lanes added at the end: the same exact f64 terms summed in another order, so the result
/// differs from the sequential sum by f64 rounding only (~1e-16 relative). The network's
/// per-step cost uses it: the sequential sum is one chain of dependent additions, measured at
/// ~8% of an MNIST step with L2 on every weight; the kernel keeps the sequential order, which
/// the TypeScript reference matches bit for bit.
pub fn regularization_cost_in_lanes<T: Real>(w: &[T], l2: f64, l1: f64, m: usize) -> f64 {
    if l2 == 0.0 && l1 == 0.0 {
        return 0.0;
    }
    assert!(m > 0, "regularization_cost_in_lanes: batch size m must be positive");
    let (sq, abs) = vectorized(
        #[inline(always)]
        || {
            let (mut sq, mut abs) = ([0.0f64; COST_LANES], [0.0f64; COST_LANES]);
            let mut chunks = w.chunks_exact(COST_LANES);
            for c in &mut chunks {
                for ((s, a), &x) in sq.iter_mut().zip(abs.iter_mut()).zip(c) {
                    let x = x.to_f64().unwrap_or(f64::NAN);
                    *s += x * x;
                    *a += x.abs();
                }
            }
            let (mut sq_total, mut abs_total) = (0.0f64, 0.0f64);
            for (&s, &a) in sq.iter().zip(&abs) {
                sq_total += s;
                abs_total += a;
            }
            for &x in chunks.remainder() {
                let x = x.to_f64().unwrap_or(f64::NAN);
                sq_total += x * x;
                abs_total += x.abs();
            }
            (sq_total, abs_total)
        },
    );
    combine(sq, abs, l2, l1, m)
}

/// f64 lanes of [`regularization_cost_in_lanes`] (four AVX-512 registers per sum).
const COST_LANES: usize = 32;

/// The cost from Σw² and Σ|w|; a zero coefficient's term is left out (so a NaN sum of a term
/// that is off cannot leak).
fn combine(sq: f64, abs: f64, l2: f64, l1: f64, m: usize) -> f64 {
    let m = m as f64;
    let mut cost = 0.0;
    if l2 != 0.0 {
        cost += l2 / (2.0 * m) * sq;
    }
    if l1 != 0.0 {
        cost += l1 / m * abs;
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: [f64; 4] = [1.0, -2.0, 0.0, 3.0];

    #[test]
    fn cost_in_lanes_matches_the_sequential_cost() {
        let w: Vec<f32> = (0..100_003).map(|i| ((i * 7919 % 2003) as f32 - 1001.0) / 311.0).collect();
        for (l2, l1, m) in [(1e-4, 0.0, 128), (0.0, 3e-3, 7), (0.5, 0.25, 1), (0.0, 0.0, 3)] {
            for len in [0, 1, 31, 32, 33, 1000, w.len()] {
                let (exact, lanes) = (
                    regularization_cost(&w[..len], l2, l1, m),
                    regularization_cost_in_lanes(&w[..len], l2, l1, m),
                );
                // Both round ~n·ε away from the exact sum (the sequential one more): 1e-12 relative at n = 1e5.
                assert!(
                    (exact - lanes).abs() <= 1e-12 * exact.abs(),
                    "{l2} {l1} {m} {len}: {exact} vs {lanes}"
                );
            }
        }
    }

    #[test]
    fn l2_cost_and_grad() {
        // Σw² = 14; λ = 0.5, m = 2: cost 0.5/4·14 = 1.75, grad (0.5/2)·w = 0.25·w.
        assert!((regularization_cost(&W, 0.5, 0.0, 2) - 1.75).abs() < 1e-15);
        let mut dw = [1.0; 4];
        regularization_grad(&W, &mut dw, 0.5, 0.0, 2);
        assert_eq!(dw, [1.25, 0.5, 1.0, 1.75]);
    }

    #[test]
    fn l1_cost_and_grad_with_sign_of_zero() {
        // Σ|w| = 6; λ = 0.3, m = 3: cost 0.1·6 = 0.6, grad 0.1·sign(w), sign(0) = 0.
        assert!((regularization_cost(&W, 0.0, 0.3, 3) - 0.6).abs() < 1e-15);
        let mut dw = [0.0; 4];
        regularization_grad(&W, &mut dw, 0.0, 0.3, 3);
        let step = 0.3 / 3.0;
        assert_eq!(dw, [step, -step, 0.0, step]);
        let mut dz = [0.0f32; 2];
        regularization_grad(&[0.0f32, -0.0], &mut dz, 0.0, 1.0, 1);
        assert_eq!(dz, [0.0, 0.0]);
    }

    #[test]
    fn both_terms_add() {
        // l2 = 1, l1 = 1, m = 4: cost 14/8 + 6/4 = 3.25; grad 0.25·w + 0.25·sign(w).
        assert!((regularization_cost(&W, 1.0, 1.0, 4) - 3.25).abs() < 1e-15);
        let mut dw = [0.0f32; 4];
        let w32 = W.map(|x| x as f32);
        regularization_grad(&w32, &mut dw, 1.0, 1.0, 4);
        assert_eq!(dw, [0.5, -0.75, 0.0, 1.0]);
    }

    #[test]
    fn zero_coefficients_are_free() {
        let mut dw = [f64::NAN; 4];
        regularization_grad(&W, &mut dw, 0.0, 0.0, 0);
        assert!(dw.iter().all(|x| x.is_nan()), "dw untouched");
        assert_eq!(regularization_cost(&W, 0.0, 0.0, 0), 0.0);
    }
}
