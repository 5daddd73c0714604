//! Inverted dropout with a mask that is bit-identical to the TypeScript reference.
//!
//! One 32-bit draw per element in row-major order, element `i` from lane `i mod 16` of
//! [`RngLanes`] split from the DROPOUT stream at each call; the element is kept when
//! `(u >> 8) < floor(keep_prob · 2²⁴)`. The comparison is on integers (the threshold is exact:
//! scaling by 2²⁴ is exact in f64), so both backends agree on every mask bit. Kept elements are
//! scaled by `1/keep_prob` so the expected activation is unchanged and inference needs no rescale.
//! `keep_prob = 1` draws nothing, so turning dropout off does not shift the DROPOUT stream.

use crate::real::{real, Real};
use crate::rng::{Rng, RngLanes, LANES};
use crate::simd::vectorized;

/// The integer keep threshold `floor(keep_prob · 2²⁴)` compared against `u >> 8`.
#[inline]
fn keep_threshold(keep_prob: f64) -> u32 {
    (keep_prob * 16_777_216.0).floor() as u32
}

/// `mask = 1/keep_prob` where kept, 0 elsewhere; `y = x ⊙ mask`.
/// Panics unless `0 < keep_prob ≤ 1` and the three lengths agree.
pub fn dropout_forward<T: Real>(x: &[T], keep_prob: f64, rng: &mut Rng, y: &mut [T], mask: &mut [T]) {
    assert!(keep_prob > 0.0 && keep_prob <= 1.0, "dropout_forward: keep_prob {keep_prob} not in (0, 1]");
    assert!(y.len() == x.len() && mask.len() == x.len(), "dropout_forward: x, y and mask lengths differ");
    if keep_prob == 1.0 {
        y.copy_from_slice(x);
        mask.fill(T::one());
        return;
    }
    let threshold = keep_threshold(keep_prob);
    let scale: T = real(1.0 / keep_prob);
    let zero = T::zero();
    // Sixteen generators split from the dropout stream, element i drawn by lane i mod 16: one
    // serial chain of 49k draws was ~70 µs of the MNIST step, sixteen side by side are a few.
    vectorized(
        #[inline(always)]
        || {
            // Split here, inside the vectorized function: a generator state captured from outside
            // stayed in memory, loaded and stored every round (4 of the round's 6 stores).
            let mut lanes = RngLanes::split_from(rng);
            // Whole rounds as fixed-size arrays, so each is one vector compare, blend and product.
            let (mut ys, mut ks, mut xs) =
                (y.chunks_exact_mut(LANES), mask.chunks_exact_mut(LANES), x.chunks_exact(LANES));
            for ((y, k), x) in (&mut ys).zip(&mut ks).zip(&mut xs) {
                let draws = lanes.next_u32();
                mask_round(
                    y.try_into().unwrap(),
                    k.try_into().unwrap(),
                    x.try_into().unwrap(),
                    &draws,
                    threshold,
                    scale,
                );
            }
            let x = xs.remainder();
            if x.is_empty() {
                return;
            }
            let draws = lanes.next_u32();
            let (y, k) = (ys.into_remainder(), ks.into_remainder());
            for (((y, k), &x), &u) in y.iter_mut().zip(k.iter_mut()).zip(x).zip(&draws) {
                let mk = if (u >> 8) < threshold { scale } else { zero };
                *k = mk;
                *y = x * mk;
            }
        },
    )
}

/// One round of sixteen elements. A function of fixed-size arrays and values, not a closure over
/// slices: written as a closure, whether LLVM vectorized it changed from build to build (10 µs or
/// 35 µs for a 128×256 mask).
#[inline(always)]
fn mask_round<T: Real>(
    y: &mut [T; LANES],
    k: &mut [T; LANES],
    x: &[T; LANES],
    draws: &[u32; LANES],
    threshold: u32,
    scale: T,
) {
    for j in 0..LANES {
        let mk = if (draws[j] >> 8) < threshold { scale } else { T::zero() };
        k[j] = mk;
        y[j] = x[j] * mk;
    }
}

/// `dx = dy ⊙ mask`.
pub fn dropout_backward<T: Real>(dy: &[T], mask: &[T], dx: &mut [T]) {
    assert!(
        mask.len() == dy.len() && dx.len() == dy.len(),
        "dropout_backward: dy, mask and dx lengths differ"
    );
    vectorized(
        #[inline(always)]
        || dx.iter_mut().zip(dy.iter().zip(mask)).for_each(|(o, (&d, &k))| *o = d * k),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn keep_ratio_and_exact_scaling() {
        let n = 100_000;
        let x = vec![1.0f32; n];
        let (mut y, mut mask) = (vec![0.0f32; n], vec![0.0f32; n]);
        let mut rng = Rng::with_stream(123, stream::DROPOUT);
        dropout_forward(&x, 0.8, &mut rng, &mut y, &mut mask);
        let scale = 1.0f32 / 0.8;
        let kept = mask.iter().filter(|&&k| k != 0.0).count();
        assert!(mask.iter().all(|&k| k == 0.0 || k == scale));
        assert_eq!(y, mask, "x = 1 ⇒ y = mask");
        let ratio = kept as f64 / n as f64;
        assert!((ratio - 0.8).abs() < 0.005, "kept ratio {ratio}");
    }

    #[test]
    fn mask_follows_the_integer_rule_draw_by_draw() {
        let x: Vec<f64> = (0..1000).map(|i| i as f64 - 500.0).collect();
        let (mut y, mut mask) = (vec![0.0; 1000], vec![0.0; 1000]);
        let mut rng = Rng::new(5);
        let mut replay = rng.clone();
        let keep = 0.3;
        dropout_forward(&x, keep, &mut rng, &mut y, &mut mask);
        let threshold = (0.3f64 * 16_777_216.0).floor() as u32; // 5033164
        assert_eq!(threshold, 5_033_164);
        // Element i is the (i / 16)-th draw of child i mod 16, split in turn from the stream.
        let mut children: Vec<Rng> = (0..LANES).map(|_| replay.split()).collect();
        for i in 0..1000 {
            let kept = (children[i % LANES].next_u32() >> 8) < threshold;
            assert_eq!(mask[i], if kept { 1.0 / keep } else { 0.0 });
            assert_eq!(y[i], x[i] * mask[i]);
        }
        assert_eq!(rng, replay, "the stream advances by the sixteen splits alone");
    }

    #[test]
    fn keep_prob_one_is_identity_and_draws_nothing() {
        let x = [1.5f32, -2.0, 0.0, 7.0];
        let (mut y, mut mask) = ([0.0f32; 4], [0.0f32; 4]);
        let mut rng = Rng::new(1);
        let before = rng.clone();
        dropout_forward(&x, 1.0, &mut rng, &mut y, &mut mask);
        assert_eq!(y, x);
        assert_eq!(mask, [1.0; 4]);
        assert_eq!(rng, before);
    }

    #[test]
    fn backward_multiplies_by_mask() {
        let mut dx = [0.0f32; 3];
        dropout_backward(&[1.0, 2.0, 3.0], &[2.0, 0.0, 2.0], &mut dx);
        assert_eq!(dx, [2.0, 0.0, 6.0]);
    }

    #[test]
    #[should_panic]
    fn rejects_zero_keep_prob() {
        let mut rng = Rng::new(1);
        dropout_forward(&[1.0f32], 0.0, &mut rng, &mut [0.0], &mut [0.0]);
    }
}
