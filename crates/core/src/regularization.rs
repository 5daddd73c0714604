//! L2 and L1 weight penalties, scaled by the mini-batch size `m` (the course's λ/2m and λ/m).
//!
//! Applied to weights only (never biases, γ or β; the caller decides what it passes).
//! `sign(0) = 0`, so L1 leaves exact zeros alone. A zero coefficient skips its term entirely.

use crate::real::{real, Real};
use crate::simd::vectorized;
use crate::sum_of_squares::{sum_of_squares, SQUARES_BLOCK};

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

/// f64 lanes of [`sum_of_abs`] (four AVX-512 registers).
const COST_LANES: usize = 32;

/// What [`penalize_and_measure`] found in one weight tensor.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PenaltySums {
    /// `(l2/2m)·Σw² + (l1/m)·Σ|w|`, as [`regularization_cost`] up to f32 rounding in the blocks.
    pub cost: f64,
    /// Σ dw² of the penalized gradient (its L2 norm squared).
    pub grad_sq: f64,
}

/// [`regularization_grad`], [`regularization_cost`] and the gradient's sum of squares in one read
/// of `w` and `dw` from memory: what ends every training step's backward pass. As three passes
/// they were ~50 µs of a 1.2 ms MNIST step, each streaming the first layer's 0.8 MB. What L2
/// still costs (40 µs against 15 without it over W1, 1 thread) is reading `w` from beyond L2:
/// one loop over each chunk instead of three took the same time, and reading both tensors
/// without writing `dw` back saved only a sixth.
///
/// The tensors go in chunks of `PENALTY_CHUNK` elements: a chunk is penalized, then its sums are
/// taken while it is in L1 ([`sum_of_squares`] for Σw² and Σdw²; Σ|w| in f64 lanes), and the
/// chunk sums are added in f64 in chunk order. With a thread budget `threads` > 1 (and a pool
/// that has them) the chunks are shared among the pool's threads; each chunk's sums are the same
/// either way, so the result does not depend on the thread count.
pub fn penalize_and_measure<T: Real>(
    w: &[T],
    dw: &mut [T],
    l2: f64,
    l1: f64,
    m: usize,
    threads: usize,
) -> PenaltySums {
    assert_eq!(w.len(), dw.len(), "penalize_and_measure: w and dw lengths differ");
    assert!(m > 0 || (l2 == 0.0 && l1 == 0.0), "penalize_and_measure: batch size m must be positive");
    let m = m.max(1);
    let chunk = |(w, dw): (&[T], &mut [T])| {
        regularization_grad(w, dw, l2, l1, m);
        let sq = if l2 != 0.0 { sum_of_squares(w) } else { 0.0 };
        let abs = if l1 != 0.0 { sum_of_abs(w) } else { 0.0 };
        [sq, abs, sum_of_squares(dw)]
    };
    let mut totals = [0.0f64; 3];
    let mut add = |s: [f64; 3]| totals.iter_mut().zip(s).for_each(|(t, s)| *t += s);
    if w.len() >= PARALLEL_PENALTY_LEN && crate::network::workers::may_split(threads) {
        use rayon::prelude::*;
        let sums: Vec<[f64; 3]> =
            w.par_chunks(PENALTY_CHUNK).zip(dw.par_chunks_mut(PENALTY_CHUNK)).map(chunk).collect();
        sums.into_iter().for_each(&mut add);
    } else {
        w.chunks(PENALTY_CHUNK).zip(dw.chunks_mut(PENALTY_CHUNK)).map(chunk).for_each(&mut add);
    }
    PenaltySums { cost: combine(totals[0], totals[1], l2, l1, m), grad_sq: totals[2] }
}

/// Elements per chunk of [`penalize_and_measure`]: one group of four [`sum_of_squares`] blocks,
/// 16 KiB of f32 per tensor (both fit in L1).
const PENALTY_CHUNK: usize = 4 * SQUARES_BLOCK;
/// Tensors at least this long are split over the pool's threads.
const PARALLEL_PENALTY_LEN: usize = 1 << 15;

/// Σ|x| in f64 over `COST_LANES` lanes, added at the end (the sequential sum is one chain of
/// dependent additions).
fn sum_of_abs<T: Real>(x: &[T]) -> f64 {
    vectorized(
        #[inline(always)]
        || {
            let mut lanes = [0.0f64; COST_LANES];
            let mut rows = x.chunks_exact(COST_LANES);
            for row in &mut rows {
                lanes.iter_mut().zip(row).for_each(|(l, &v)| *l += v.to_f64().unwrap_or(f64::NAN).abs());
            }
            let tail: f64 = rows.remainder().iter().map(|&v| v.to_f64().unwrap_or(f64::NAN).abs()).sum();
            lanes.iter().sum::<f64>() + tail
        },
    )
}

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
    fn penalize_and_measure_is_the_three_passes_in_one() {
        let len = 3 * PENALTY_CHUNK + 1000 + 5; // whole chunks, a partial block and a tail
        let w: Vec<f32> = (0..len).map(|i| ((i * 7919 % 2003) as f32 - 1001.0) / 311.0).collect();
        let g: Vec<f32> = (0..len).map(|i| ((i * 104_729 % 1009) as f32 - 504.0) / 97.0).collect();
        for (l2, l1, m) in [(1e-4, 0.0, 128), (0.0, 3e-3, 7), (0.5, 0.25, 1), (0.0, 0.0, 3)] {
            let (mut fused, mut separate) = (g.clone(), g.clone());
            let sums = penalize_and_measure(&w, &mut fused, l2, l1, m, 1);
            regularization_grad(&w, &mut separate, l2, l1, m);
            assert_eq!(fused, separate, "{l2} {l1}: the same gradient, bit for bit");
            let cost = regularization_cost(&w, l2, l1, m);
            assert!((sums.cost - cost).abs() <= 1e-6 * cost, "{l2} {l1}: cost {} vs {cost}", sums.cost);
            let grad_sq: f64 = separate.iter().map(|&d| (d as f64) * (d as f64)).sum();
            assert!(
                (sums.grad_sq - grad_sq).abs() <= 1e-6 * grad_sq,
                "{l2} {l1}: Σdw² {} vs {grad_sq}",
                sums.grad_sq
            );
        }
    }

    #[test]
    fn penalize_and_measure_does_not_depend_on_the_thread_count() {
        let len = 2 * PARALLEL_PENALTY_LEN + 777;
        let w: Vec<f32> = (0..len).map(|i| ((i * 7919 % 2003) as f32 - 1001.0) / 311.0).collect();
        let g: Vec<f32> = (0..len).map(|i| ((i * 104_729 % 1009) as f32 - 504.0) / 97.0).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut d = g.clone();
            let sums = pool.install(|| penalize_and_measure(&w, &mut d, 1e-3, 1e-3, 64, threads));
            (d, sums.cost.to_bits(), sums.grad_sq.to_bits())
        };
        assert_eq!(run(1), run(2));
        assert_eq!(run(1), run(3));
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
