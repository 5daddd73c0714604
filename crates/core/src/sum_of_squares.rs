//! Σx² of a tensor in f64, fast and with a fixed order: gradient norms, the bound on a
//! network's outputs, and the regularization cost's Σw² all use it.

use crate::real::Real;
use crate::simd::vectorized;

/// Σx² in f64, vectorizable: 8 lanes accumulate in T within blocks of 1024 elements (short
/// enough for f32 rounding to stay ~1e-6 relative), and each block's sum is added in f64. A
/// plain f64 fold over every element was ~10% of a training step.
///
/// Four blocks are accumulated side by side (four independent chains of additions hide their
/// latency) and their sums added to the total in block order: every block sum, and the total,
/// are exactly those of one block at a time.
pub fn sum_of_squares<T: Real>(x: &[T]) -> f64 {
    vectorized(
        #[inline(always)]
        || {
            let mut total = 0.0f64;
            let mut groups = x.chunks_exact(4 * SQUARES_BLOCK);
            for group in &mut groups {
                let (front, back) = group.split_at(2 * SQUARES_BLOCK);
                let (b0, b1) = front.split_at(SQUARES_BLOCK);
                let (b2, b3) = back.split_at(SQUARES_BLOCK);
                let mut lanes = [[T::zero(); 8]; 4];
                let rows = b0
                    .chunks_exact(8)
                    .zip(b1.chunks_exact(8))
                    .zip(b2.chunks_exact(8).zip(b3.chunks_exact(8)));
                for ((c0, c1), (c2, c3)) in rows {
                    for (lanes, c) in lanes.iter_mut().zip([c0, c1, c2, c3]) {
                        for (l, &v) in lanes.iter_mut().zip(c) {
                            *l = *l + v * v;
                        }
                    }
                }
                for block_lanes in &lanes {
                    total += block_lanes.iter().fold(T::zero(), |a, &l| a + l).to_f64().unwrap();
                }
            }
            for block in groups.remainder().chunks(SQUARES_BLOCK) {
                let mut lanes = [T::zero(); 8];
                let mut chunks = block.chunks_exact(8);
                for c in &mut chunks {
                    for (l, &v) in lanes.iter_mut().zip(c) {
                        *l = *l + v * v;
                    }
                }
                let tail: T = chunks.remainder().iter().fold(T::zero(), |a, &v| a + v * v);
                total += lanes.iter().fold(tail, |a, &l| a + l).to_f64().unwrap();
            }
            total
        },
    )
}

/// Elements per block of [`sum_of_squares`] (a multiple of its 8 lanes).
pub(crate) const SQUARES_BLOCK: usize = 1024;

#[cfg(test)]
mod tests {
    use super::sum_of_squares;

    /// The definition: one block of 1024 at a time, 8 lanes in T, block sums added in f64.
    fn one_block_at_a_time(x: &[f32]) -> f64 {
        let mut total = 0.0f64;
        for block in x.chunks(1024) {
            let mut lanes = [0.0f32; 8];
            let mut chunks = block.chunks_exact(8);
            for c in &mut chunks {
                for (l, &v) in lanes.iter_mut().zip(c) {
                    *l += v * v;
                }
            }
            let tail: f32 = chunks.remainder().iter().fold(0.0, |a, &v| a + v * v);
            total += lanes.iter().fold(tail, |a, &l| a + l) as f64;
        }
        total
    }

    #[test]
    fn sum_of_squares_is_bitwise_one_block_at_a_time() {
        for len in [0usize, 5, 1024, 4095, 4096, 4097, 3 * 4096 + 2047, 200_704] {
            let x: Vec<f32> = (0..len).map(|i| ((i * 7919 % 1013) as f32 - 506.0) / 37.0).collect();
            assert_eq!(sum_of_squares(&x).to_bits(), one_block_at_a_time(&x).to_bits(), "len {len}");
        }
    }

    #[test]
    fn sum_of_squares_matches_f64_fold() {
        for len in [0usize, 1, 7, 8, 9, 1023, 1024, 1025, 100_003] {
            let x: Vec<f32> = (0..len).map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0).collect();
            let exact: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
            let got = sum_of_squares(&x);
            assert!((got - exact).abs() <= 1e-6 * exact.max(1.0), "len {len}: {got} vs {exact}");
        }
    }
}
