//! General matrix multiply on row-major slices: `C = α·op(A)·op(B) + β·C`.
//!
//! The one place tunenet calls the `gemm` crate (sarah-ek/gemm: runtime-dispatched AVX-512 /
//! AVX2+FMA / scalar micro-kernels, rayon threading). Its quirks are contained here:
//! - it computes `dst = alpha·dst + beta·lhs·rhs`, the reverse of BLAS naming, so α and β swap;
//! - with `read_dst = false` it never reads `dst`, which is how β = 0 keeps NaN in C from leaking;
//! - its `Parallelism::Rayon(n)` runs on the *current* rayon pool, so a caller that wants a
//!   thread budget installs its own pool (see `ThreadBudget`).
//!
//! `gemm_naive` is the triple-loop oracle every test compares against.

use crate::real::Real;
use gemm::Parallelism;

/// Shape and transposes of one product. `op(A)` is [m, k], `op(B)` is [k, n], C is [m, n].
/// A is stored as [m, k] (or [k, m] when `trans_a`), B as [k, n] (or [n, k] when `trans_b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GemmShape {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub trans_a: bool,
    pub trans_b: bool,
}

impl GemmShape {
    pub fn new(m: usize, n: usize, k: usize) -> Self {
        GemmShape { m, n, k, trans_a: false, trans_b: false }
    }
    pub fn trans_a(mut self, t: bool) -> Self {
        self.trans_a = t;
        self
    }
    pub fn trans_b(mut self, t: bool) -> Self {
        self.trans_b = t;
        self
    }
    /// Floating-point operations of the product (2mnk).
    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64
    }
    /// Checks the slice lengths; the message names the operand and the expected size.
    pub fn check<T>(&self, a: &[T], b: &[T], c: &[T]) -> Result<(), String> {
        let GemmShape { m, n, k, trans_a, trans_b } = *self;
        let want = |name: &str, rows: usize, cols: usize, got: usize| {
            if rows * cols == got {
                Ok(())
            } else {
                Err(format!("{name}: expected {rows}×{cols} = {} elements, got {got}", rows * cols))
            }
        };
        if trans_a {
            want("a", k, m, a.len())?
        } else {
            want("a", m, k, a.len())?
        }
        if trans_b {
            want("b", n, k, b.len())?
        } else {
            want("b", k, n, b.len())?
        }
        want("c", m, n, c.len())
    }
}

/// `C = α·op(A)·op(B) + β·C` with SIMD micro-kernels; `threads > 1` lets the `gemm` crate split
/// the work over the current rayon pool. Panics if the slice lengths do not match the shape
/// (callers validate first with [`GemmShape::check`]).
pub fn gemm<T: Real>(shape: GemmShape, alpha: T, a: &[T], b: &[T], beta: T, c: &mut [T], threads: usize) {
    if let Err(e) = shape.check(a, b, c) {
        panic!("gemm: {e}");
    }
    let GemmShape { m, n, k, trans_a, trans_b } = shape;
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        scale_in_place(c, beta);
        return;
    }
    let (a_rs, a_cs) = if trans_a { (1, m as isize) } else { (k as isize, 1) };
    let (b_rs, b_cs) = if trans_b { (1, k as isize) } else { (n as isize, 1) };
    let parallelism = if threads > 1 { Parallelism::Rayon(threads) } else { Parallelism::None };
    // SAFETY: the lengths were checked against the shape above, so every (row, col) the strides
    // address lies inside its slice; `c` is borrowed mutably and cannot alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            beta != T::zero(),
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            beta,  // the crate's "alpha" scales dst
            alpha, // the crate's "beta" scales lhs·rhs
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// C = β·C, where β = 0 writes zeros without reading C.
fn scale_in_place<T: Real>(c: &mut [T], beta: T) {
    if beta == T::zero() {
        c.fill(T::zero());
    } else {
        c.iter_mut().for_each(|x| *x = *x * beta);
    }
}

/// Triple-loop oracle with the same semantics as [`gemm`] (accumulates in f64).
pub fn gemm_naive<T: Real>(shape: GemmShape, alpha: T, a: &[T], b: &[T], beta: T, c: &mut [T]) {
    shape.check(a, b, c).unwrap_or_else(|e| panic!("gemm_naive: {e}"));
    let GemmShape { m, n, k, trans_a, trans_b } = shape;
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f64;
            for p in 0..k {
                let av = if trans_a { a[p * m + i] } else { a[i * k + p] };
                let bv = if trans_b { b[j * k + p] } else { b[p * n + j] };
                acc += av.to_f64().unwrap() * bv.to_f64().unwrap();
            }
            let prod = alpha * T::from_f64(acc).unwrap();
            let idx = i * n + j;
            c[idx] = if beta == T::zero() { prod } else { prod + beta * c[idx] };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random(len: usize, rng: &mut Rng) -> Vec<f32> {
        (0..len).map(|_| rng.next_f32() * 2.0 - 1.0).collect()
    }

    fn check_against_oracle(shape: GemmShape, alpha: f32, beta: f32, threads: usize, rng: &mut Rng) {
        let a = random(shape.m * shape.k, rng);
        let b = random(shape.k * shape.n, rng);
        let c0 = random(shape.m * shape.n, rng);
        let mut fast = c0.clone();
        let mut slow = c0.clone();
        gemm(shape, alpha, &a, &b, beta, &mut fast, threads);
        gemm_naive(shape, alpha, &a, &b, beta, &mut slow);
        // f32 sums of k products of values in [-1, 1]: error grows like k·ε.
        let tol = 1e-5 * (shape.k as f32 + 1.0);
        for (idx, (x, y)) in fast.iter().zip(&slow).enumerate() {
            assert!((x - y).abs() <= tol, "{shape:?} α={alpha} β={beta} at {idx}: {x} vs {y}");
        }
    }

    #[test]
    fn every_small_shape_and_transpose() {
        let mut rng = Rng::new(1);
        for m in 0..12 {
            for n in 0..12 {
                for k in 0..12 {
                    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                        let shape = GemmShape::new(m, n, k).trans_a(ta).trans_b(tb);
                        check_against_oracle(shape, 1.0, 0.0, 1, &mut rng);
                        check_against_oracle(shape, 0.5, 2.0, 1, &mut rng);
                    }
                }
            }
        }
    }

    #[test]
    fn awkward_sizes_single_and_multi_threaded() {
        let mut rng = Rng::new(2);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for (m, n, k) in [(17, 257, 33), (63, 65, 67), (128, 10, 128), (1, 300, 7), (300, 1, 5)] {
            for (ta, tb) in [(false, false), (true, false), (false, true)] {
                let shape = GemmShape::new(m, n, k).trans_a(ta).trans_b(tb);
                check_against_oracle(shape, 1.0, 0.0, 1, &mut rng);
                pool.install(|| check_against_oracle(shape, -1.5, 1.0, 2, &mut rng));
            }
        }
    }

    #[test]
    fn beta_zero_never_reads_destination() {
        let shape = GemmShape::new(5, 7, 3);
        let a = vec![1.0f32; 15];
        let b = vec![1.0f32; 21];
        let mut c = vec![f32::NAN; 35];
        gemm(shape, 1.0, &a, &b, 0.0, &mut c, 1);
        assert!(c.iter().all(|&x| x == 3.0));
        let mut c = vec![f32::NAN; 35];
        gemm(GemmShape::new(5, 7, 0), 1.0, &[], &[], 0.0, &mut c, 1);
        assert!(c.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn f64_matches_oracle_tightly() {
        let mut rng = Rng::new(5);
        let shape = GemmShape::new(31, 29, 37).trans_b(true);
        let a: Vec<f64> = (0..31 * 37).map(|_| rng.normal()).collect();
        let b: Vec<f64> = (0..29 * 37).map(|_| rng.normal()).collect();
        let mut fast = vec![0.0; 31 * 29];
        let mut slow = vec![0.0; 31 * 29];
        gemm(shape, 1.0, &a, &b, 0.0, &mut fast, 1);
        gemm_naive(shape, 1.0, &a, &b, 0.0, &mut slow);
        for (x, y) in fast.iter().zip(&slow) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn shape_check_names_the_operand() {
        let err = GemmShape::new(2, 3, 4).check(&[0.0f32; 8], &[0.0; 11], &[0.0; 6]).unwrap_err();
        assert!(err.starts_with("b: expected 4×3 = 12"), "{err}");
    }
}
