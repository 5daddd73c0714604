//! Whether values are all finite: the check every input, output and state goes through.

use crate::real::Real;
use crate::simd::vectorized;

/// Sums per block: 16 f32 are one AVX-512 register (f64: two).
const LANES: usize = 16;

/// True when no value is NaN or ±∞: x·0 is 0 for every finite x and NaN otherwise, so one
/// multiply-add per element into a block of lanes decides it. An early-exit search for the
/// first bad element does not vectorize and costs several times this pass.
pub fn all_finite<T: Real>(x: &[T]) -> bool {
    vectorized(
        #[inline(always)]
        || {
            let mut lanes = [T::zero(); LANES];
            let mut chunks = x.chunks_exact(LANES);
            for c in &mut chunks {
                for (l, &v) in lanes.iter_mut().zip(c) {
                    *l = *l + v * T::zero();
                }
            }
            let tail = chunks.remainder().iter().fold(T::zero(), |a, &v| a + v * T::zero());
            lanes.iter().fold(tail, |a, &l| a + l) == T::zero()
        },
    )
}

/// The index of the first value that is NaN or ±∞: the vectorized pass, and the search for the
/// index only when that pass finds one.
pub fn first_non_finite<T: Real>(x: &[T]) -> Option<usize> {
    if all_finite(x) {
        return None;
    }
    x.iter().position(|v| !v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_non_finite_value_at_every_position() {
        for len in [0usize, 1, 15, 16, 17, 100] {
            let clean = vec![1.5f32; len];
            assert!(all_finite(&clean));
            assert_eq!(first_non_finite(&clean), None);
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                for at in 0..len {
                    let mut x = clean.clone();
                    x[at] = bad;
                    if at + 1 < len {
                        x[len - 1] = bad; // a later bad value does not hide the first
                    }
                    assert!(!all_finite(&x), "len {len}, {bad} at {at}");
                    assert_eq!(first_non_finite(&x), Some(at), "len {len}, {bad} at {at}");
                }
            }
        }
    }

    #[test]
    fn the_largest_finite_values_pass() {
        assert!(all_finite(&[f64::MAX, f64::MIN, f64::MIN_POSITIVE, -0.0]));
        assert!(all_finite(&[f32::MAX, f32::MIN, 1e-45]));
    }
}
