//! The first dense layer's two products in training — Z = X·W + b forward, dW = Xᵀ·dZ backward —
//! by the packed kernel (crate::packed_gemm) instead of the gemm crate: it leaves out the steps
//! over the inputs that are zero in all rows of a tile, and a training set's rows (images,
//! one-hot features) are mostly zeros, while the later layers' inputs (activations) are not.
//! These two products are 80 % of the MNIST network's FLOPs. Each sum is one FMA chain in order
//! (over the inputs forward, over the batch rows for dW) and the rows of the result are split over
//! the threads, so the bits do not depend on the thread count.

use super::model::PACKED_KEEP_BYTES;
use crate::packed_gemm::{self, as_f32, as_f32_mut, PackedWeights, PACKED_MIN_ROWS};
use crate::real::Real;

/// Whether the packed kernel takes the first layer's products for the batch `x` of `m` rows (f32)
/// and weights of `n_in × n_out`: a CPU with the kernel, a batch large enough for packing to pay,
/// rows with columns to leave out (judged on the first 6 rows: a data set's rows look alike; on
/// dense rows the gemm crate's products were as fast or up to ~10 % faster on 1 thread), and
/// weights small enough to keep a packed copy of while training (as `predict` keeps one).
fn applies(x: &[f32], m: usize, (n_in, n_out): (usize, usize)) -> bool {
    m >= PACKED_MIN_ROWS
        && n_in * n_out * std::mem::size_of::<f32>() <= PACKED_KEEP_BYTES
        && packed_gemm::available()
        && packed_gemm::first_tile_sparse(x, n_in)
}

/// `z = x·w + bias` for `x` [m, n_in], `w` [n_in, n_out], packed into `packed`; false, with
/// nothing written, where the packed kernel does not apply.
#[allow(clippy::too_many_arguments)]
pub fn forward<T: Real>(
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    (n_in, n_out): (usize, usize),
    m: usize,
    packed: &mut PackedWeights,
    z: &mut [T],
    threads: usize,
) -> bool {
    let (Some(x), Some(w), Some(z)) = (as_f32(x), as_f32(w), as_f32_mut(z)) else { return false };
    if !applies(x, m, (n_in, n_out)) {
        return false;
    }
    packed.pack_on(w, bias.map(|b| as_f32(b).expect("f32 as the weights")), n_in, n_out, threads);
    packed_gemm::packed_product(x, m, packed, false, z, threads);
    true
}

/// `grad = xᵀ·dz` for `x` [m, n_in] and `dz` [m, n_out] (packed into `packed`); false, with
/// nothing written, where the packed kernel does not apply.
#[allow(clippy::too_many_arguments)]
pub fn weight_grad<T: Real>(
    x: &[T],
    dz: &[T],
    (n_in, n_out): (usize, usize),
    m: usize,
    packed: &mut PackedWeights,
    grad: &mut [T],
    threads: usize,
) -> bool {
    let (Some(x), Some(dz), Some(grad)) = (as_f32(x), as_f32(dz), as_f32_mut(grad)) else { return false };
    if !applies(x, m, (n_in, n_out)) {
        return false;
    }
    // dZ packed on both threads too: 1.06× the MNIST step on 2 (`compare-builds`, same bits).
    packed.pack_on(dz, None, m, n_out, threads);
    packed_gemm::packed_product_transposed(x, n_in, packed, grad, threads);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gemm::{gemm_naive, GemmShape};
    use crate::rng::Rng;

    /// `m` rows of `k` values, ~`zeros` of them 0.
    fn rows(m: usize, k: usize, zeros: f32, rng: &mut Rng) -> Vec<f32> {
        (0..m * k).map(|_| if rng.next_f32() < zeros { 0.0 } else { rng.next_f32() - 0.5 }).collect()
    }

    fn close(x: &[f32], y: &[f32]) -> bool {
        x.iter().zip(y).all(|(x, y)| (x - y).abs() <= 1e-5 * (1.0 + y.abs()))
    }

    #[test]
    fn takes_a_mostly_zero_batch_of_128_rows_or_more_and_computes_both_products() {
        if !packed_gemm::available() {
            return; // the gemm crate's products everywhere (its own tests)
        }
        let mut rng = Rng::new(4);
        let (m, n_in, n_out) = (130, 50, 20);
        let x = rows(m, n_in, 0.8, &mut rng);
        let (w, bias, dz) =
            (rows(n_in, n_out, 0.0, &mut rng), rows(1, n_out, 0.0, &mut rng), rows(m, n_out, 0.0, &mut rng));
        let mut packed = PackedWeights::default();
        let mut z = vec![0.0f32; m * n_out];
        assert!(forward(&x, &w, Some(&bias), (n_in, n_out), m, &mut packed, &mut z, 2));
        let mut want = vec![0.0f32; m * n_out];
        gemm_naive(GemmShape::new(m, n_out, n_in), 1.0, &x, &w, 0.0, &mut want);
        crate::bias::add_bias(&mut want, &bias);
        assert!(close(&z, &want), "forward");
        let mut grad = vec![0.0f32; n_in * n_out];
        assert!(weight_grad(&x, &dz, (n_in, n_out), m, &mut packed, &mut grad, 2));
        gemm_naive(
            GemmShape::new(n_in, n_out, m).trans_a(true),
            1.0,
            &x,
            &dz,
            0.0,
            &mut want[..n_in * n_out],
        );
        assert!(close(&grad, &want[..n_in * n_out]), "weight gradient");
    }

    #[test]
    fn leaves_dense_rows_small_batches_and_f64_to_the_gemm_crate() {
        let mut rng = Rng::new(5);
        let (n_in, n_out) = (50, 20);
        let mut packed = PackedWeights::default();
        let w = rows(n_in, n_out, 0.0, &mut rng);
        for (m, zeros) in [(130, 0.1), (127, 0.8)] {
            let x = rows(m, n_in, zeros, &mut rng);
            let mut z = vec![7.0f32; m * n_out];
            assert!(
                !forward(&x, &w, None, (n_in, n_out), m, &mut packed, &mut z, 1),
                "{m} rows, {zeros} zeros"
            );
            assert!(z.iter().all(|&v| v == 7.0), "nothing written");
            let mut grad = vec![7.0f32; n_in * n_out];
            assert!(!weight_grad(&x, &z, (n_in, n_out), m, &mut packed, &mut grad, 1));
        }
        let x64: Vec<f64> = rows(130, n_in, 0.8, &mut rng).into_iter().map(f64::from).collect();
        let w64: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
        let mut z64 = vec![0.0f64; 130 * n_out];
        assert!(!forward(&x64, &w64, None, (n_in, n_out), 130, &mut packed, &mut z64, 1));
    }
}
