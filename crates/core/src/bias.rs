//! Bias add and bias gradient over a row-major `[m, n]` matrix (`n = bias.len()`).
//!
//! Both walk the matrix row by row against the length-`n` bias vector, so every inner loop is a
//! contiguous zipped loop. The gradient is a plain column sum: the 1/m already lives in dZ.

use crate::real::Real;
use crate::simd::vectorized;

/// `z[i, j] += bias[j]` in place. Panics unless `z.len()` is a multiple of `bias.len()`.
pub fn add_bias<T: Real>(z: &mut [T], bias: &[T]) {
    let n = bias.len();
    if n == 0 {
        assert!(z.is_empty(), "add_bias: empty bias for a non-empty matrix");
        return;
    }
    assert!(z.len().is_multiple_of(n), "add_bias: z.len() = {} is not a multiple of n = {n}", z.len());
    vectorized(
        #[inline(always)]
        || {
            for row in z.chunks_exact_mut(n) {
                row.iter_mut().zip(bias).for_each(|(z, &b)| *z = *z + b);
            }
        },
    )
}

/// `db[j] = Σ_i dz[i, j]`, overwriting `db`. Panics unless `dz.len()` is a multiple of `db.len()`.
pub fn bias_grad<T: Real>(dz: &[T], db: &mut [T]) {
    let n = db.len();
    if n == 0 {
        assert!(dz.is_empty(), "bias_grad: empty db for a non-empty matrix");
        return;
    }
    assert!(dz.len().is_multiple_of(n), "bias_grad: dz.len() = {} is not a multiple of n = {n}", dz.len());
    db.fill(T::zero());
    vectorized(
        #[inline(always)]
        || {
            for row in dz.chunks_exact(n) {
                db.iter_mut().zip(row).for_each(|(d, &x)| *d = *d + x);
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_bias_broadcasts_over_rows() {
        let mut z = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // [2, 3]
        add_bias(&mut z, &[10.0, 20.0, 30.0]);
        assert_eq!(z, [11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
    }

    #[test]
    fn bias_grad_is_column_sums_and_overwrites() {
        let dz = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]; // [3, 2]
        let mut db = [f64::NAN, 100.0];
        bias_grad(&dz, &mut db);
        assert_eq!(db, [1.0 + 3.0 + 5.0, 2.0 + 4.0 + 6.0]);
    }

    #[test]
    fn empty_shapes() {
        let mut z: [f32; 0] = [];
        add_bias(&mut z, &[1.0, 2.0]);
        add_bias::<f32>(&mut z, &[]);
        let mut db = [7.0f32, 7.0];
        bias_grad(&[], &mut db);
        assert_eq!(db, [0.0, 0.0]);
    }

    #[test]
    #[should_panic]
    fn rejects_ragged_matrix() {
        let mut z = [0.0f32; 5];
        add_bias(&mut z, &[1.0, 2.0]);
    }
}
