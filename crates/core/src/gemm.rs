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

/// `C = α·op(A)·op(B) + β·C` with SIMD micro-kernels; `threads > 1` lets the work be split over
/// the current rayon pool. Panics if the slice lengths do not match the shape (callers validate
/// first with [`GemmShape::check`]).
pub fn gemm<T: Real>(shape: GemmShape, alpha: T, a: &[T], b: &[T], beta: T, c: &mut [T], threads: usize) {
    if let Err(e) = shape.check(a, b, c) {
        panic!("gemm: {e}");
    }
    let GemmShape { m, n, k, .. } = shape;
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        scale_in_place(c, beta);
        return;
    }
    if m == 1 && !shape.trans_b && alpha == T::one() && beta == T::zero() && crate::simd::fused_multiply_add()
    {
        row_times_matrix(a, b, k, n, c);
        return;
    }
    if let Some(plan) = ColumnSplit::plan(shape, threads) {
        gemm_column_blocks(shape, alpha, a, b, beta, c, plan);
        return;
    }
    let parallelism = if threads > 1 { Parallelism::Rayon(threads) } else { Parallelism::None };
    // SAFETY: the lengths were checked against the shape above, so every (row, col) the strides
    // address lies inside its slice; `c` is borrowed mutably and cannot alias `a` or `b`.
    unsafe { crate_gemm(shape, n, alpha, a.as_ptr(), b.as_ptr(), beta, c.as_mut_ptr(), parallelism) }
}

/// `c = a·B` for one row `a` [k] and B [k, n] row-major: a layer's forward pass on one example
/// (`predict` of a single row). The crate packs B for every product, which at m = 1 reads and
/// writes it once more than the product itself; here B streams through once, row by row, into
/// accumulators held in registers, `COLUMNS` output columns at a time (one FMA chain per output
/// in order of i, as the crate's microkernels within a block of k).
fn row_times_matrix<T: Real>(a: &[T], b: &[T], k: usize, n: usize, c: &mut [T]) {
    crate::simd::vectorized(
        #[inline(always)]
        || {
            for start in (0..n).step_by(COLUMNS) {
                let width = COLUMNS.min(n - start);
                let mut acc = [T::zero(); COLUMNS];
                if width == COLUMNS {
                    for (i, &ai) in a[..k].iter().enumerate() {
                        accumulate(
                            &mut acc,
                            ai,
                            b[i * n + start..i * n + start + COLUMNS].try_into().unwrap(),
                        );
                    }
                } else {
                    for (i, &ai) in a[..k].iter().enumerate() {
                        for (acc, &bij) in acc.iter_mut().zip(&b[i * n + start..i * n + start + width]) {
                            *acc = ai.mul_add(bij, *acc);
                        }
                    }
                }
                c[start..start + width].copy_from_slice(&acc[..width]);
            }
        },
    )
}

/// Output columns [`row_times_matrix`] keeps in registers at once (four AVX-512 registers of f32).
const COLUMNS: usize = 64;

/// `acc += a·row`, one FMA per column. A function of fixed-size arrays: the form LLVM
/// vectorizes in every build (as a closure over slices it did in some and not others).
#[inline(always)]
fn accumulate<T: Real>(acc: &mut [T; COLUMNS], a: T, row: &[T; COLUMNS]) {
    for j in 0..COLUMNS {
        acc[j] = a.mul_add(row[j], acc[j]);
    }
}

/// Calls the `gemm` crate for the m×n product `shape` describes, with C's row stride `c_rs`
/// (`n` for all of C, larger for a block of C's columns) and the operand strides `shape` implies.
///
/// # Safety
/// `a`, `b` and `c` must address every element the shape and `c_rs` reach (A and B read, C
/// written, and read only when β ≠ 0), and nothing else may access those C elements meanwhile.
#[allow(clippy::too_many_arguments)]
unsafe fn crate_gemm<T: Real>(
    shape: GemmShape,
    c_rs: usize,
    alpha: T,
    a: *const T,
    b: *const T,
    beta: T,
    c: *mut T,
    parallelism: Parallelism,
) {
    let GemmShape { m, n, k, trans_a, trans_b } = shape;
    let (a_rs, a_cs) = if trans_a { (1, m as isize) } else { (k as isize, 1) };
    let (b_rs, b_cs) = if trans_b { (1, k as isize) } else { (n as isize, 1) };
    gemm::gemm(
        m,
        n,
        k,
        c,
        1,
        c_rs as isize,
        beta != T::zero(),
        a,
        a_cs,
        a_rs,
        b,
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

/// Fewest columns of C per block in the column split (below this the split does not pay).
const SPLIT_MIN_COLS: usize = 64;
/// Block widths are multiples of this (the AVX-512 f32 register width, the crate's tile edge).
const SPLIT_ALIGN: usize = 16;

/// How [`gemm`] splits C's columns into single-threaded blocks for `trans_b` products.
///
/// Why: for row-major C the crate computes Cᵀ = op(B)ᵀ·op(A)ᵀ, so with `trans_b` its left
/// operand is B stored [n, k] (row stride k). When that operand has ≤ 2·mc rows (n ≤ 896 with the
/// AVX-512 tile) the crate packs all of it up front on one thread before any parallel work, which
/// left the MLP backward product dX = dZ·Wᵀ (128×784×256) at 0.71× OpenBLAS on 2 threads. Giving
/// each thread its own block of C's columns (= B's rows) makes the packing parallel too: measured
/// 161 GFLOP/s (0.97× OpenBLAS) with bit-identical results, since every block uses the same k
/// blocking and micro-kernels as the whole product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ColumnSplit {
    /// Number of blocks (≥ 2).
    blocks: usize,
    /// Width of every block but the last, a multiple of `SPLIT_ALIGN`; the last block takes the
    /// rest (`n - (blocks - 1)·width`, at least `width`).
    width: usize,
}

impl ColumnSplit {
    /// The split for `shape` on `threads` threads, or `None` to use the crate's own threading:
    /// only `trans_b` products, only with > 1 thread, only when each block gets
    /// ≥ `SPLIT_MIN_COLS` columns, and only when the crate itself would thread the product (its
    /// threading threshold on m·n·k), so small products never pay for rayon.
    fn plan(shape: GemmShape, threads: usize) -> Option<ColumnSplit> {
        let GemmShape { m, n, k, trans_b, .. } = shape;
        if !trans_b || threads < 2 {
            return None;
        }
        if m.saturating_mul(n).saturating_mul(k) < gemm::get_threading_threshold() {
            return None;
        }
        ColumnSplit::with_blocks(n, threads.min(n / SPLIT_MIN_COLS))
    }

    /// `blocks` blocks over n columns, widths rounded down to a multiple of `SPLIT_ALIGN`;
    /// `None` if that leaves fewer than two non-empty blocks.
    fn with_blocks(n: usize, blocks: usize) -> Option<ColumnSplit> {
        if blocks < 2 {
            return None;
        }
        let width = n / blocks / SPLIT_ALIGN * SPLIT_ALIGN;
        (width > 0).then_some(ColumnSplit { blocks, width })
    }

    /// Column range `[start, start + cols)` of block `i`.
    fn block(&self, i: usize, n: usize) -> (usize, usize) {
        let start = i * self.width;
        let cols = if i + 1 == self.blocks { n - start } else { self.width };
        (start, cols)
    }
}

/// A raw pointer that may cross to a rayon worker; see the SAFETY comment in
/// [`gemm_column_blocks`] for why sharing it is sound.
#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);
// SAFETY: only used by `gemm_column_blocks`, whose blocks write disjoint elements.
unsafe impl<T: Send> Send for SendPtr<T> {}
unsafe impl<T: Send> Sync for SendPtr<T> {}
impl<T> SendPtr<T> {
    /// A method (not `.0`) so closures capture the whole `Send` wrapper, not the raw field.
    fn get(self) -> *mut T {
        self.0
    }
}

/// [`gemm`] for a `trans_b` product as `plan.blocks` single-threaded crate calls, one per block of
/// C's columns, run side by side on the current rayon pool (`shape.check` already passed, m, n,
/// k > 0).
fn gemm_column_blocks<T: Real>(
    shape: GemmShape,
    alpha: T,
    a: &[T],
    b: &[T],
    beta: T,
    c: &mut [T],
    plan: ColumnSplit,
) {
    debug_assert!(shape.trans_b && plan.blocks >= 2 && plan.width * (plan.blocks - 1) < shape.n);
    debug_assert!(shape.check(a, b, c).is_ok());
    let GemmShape { n, k, .. } = shape;
    let c_ptr = SendPtr(c.as_mut_ptr());
    let run_block = |i: usize| {
        let (start, cols) = plan.block(i, n);
        // SAFETY: why the blocks' C views never overlap, and why each stays in bounds.
        // - C is row-major [m, n] and `c` is borrowed mutably for this whole function (the rayon
        //   scope below returns only after every block has finished), so nothing else touches it.
        // - Block i is the strided sub-view C[0..m, start..start + cols]: base pointer
        //   `c + start`, row stride n, so its element (r, j) is c[r·n + start + j] with
        //   0 ≤ j < cols. The column ranges [start, start + cols) of different blocks are
        //   disjoint (`ColumnSplit::block` tiles 0..n without overlap), and r·n + col identifies
        //   (r, col) uniquely because col < n, so no element of C belongs to two blocks.
        //   The crate writes (and reads, when β ≠ 0) only the m×cols elements of its dst view.
        // - The largest offset reached is (m - 1)·n + start + cols - 1 ≤ m·n - 1 < c.len().
        // - With `trans_b`, B is stored [n, k] row-major, so block i's rows of op(B)ᵀ — B's rows
        //   start..start + cols — are the contiguous run b[start·k .. (start + cols)·k], inside
        //   `b`; A is read whole by every block through shared reads only.
        // - Parallelism::None: each call stays on the thread that runs this closure.
        unsafe {
            crate_gemm(
                GemmShape { n: cols, ..shape },
                n,
                alpha,
                a.as_ptr(),
                b.as_ptr().add(start * k),
                beta,
                c_ptr.get().add(start),
                Parallelism::None,
            )
        }
    };
    let run_block = &run_block;
    rayon::scope(|s| {
        for i in 1..plan.blocks {
            s.spawn(move |_| run_block(i));
        }
        run_block(0);
    });
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
    fn one_row_streams_b_once_with_one_fma_chain_per_output() {
        let mut rng = Rng::new(11);
        for (k, n) in [(1, 1), (3, 63), (784, 64), (784, 65), (17, 130), (784, 256), (128, 10)] {
            for trans_a in [false, true] {
                let shape = GemmShape::new(1, n, k).trans_a(trans_a);
                check_against_oracle(shape, 1.0, 0.0, 1, &mut rng);
                let (a, b) = (random(k, &mut rng), random(k * n, &mut rng));
                let mut c = vec![f32::NAN; n]; // β = 0: never read
                gemm(shape, 1.0, &a, &b, 0.0, &mut c, 2);
                if crate::simd::fused_multiply_add() {
                    for (j, &cj) in c.iter().enumerate() {
                        let chain = (0..k).fold(0.0f32, |acc, i| a[i].mul_add(b[i * n + j], acc));
                        assert_eq!(cj.to_bits(), chain.to_bits(), "k={k} n={n} column {j}");
                    }
                }
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

    /// Like `check_against_oracle` for `trans_b` products, but through `gemm_column_blocks` with
    /// an explicit split, so shapes too small for `ColumnSplit::plan` still cover the block code.
    fn check_split_against_oracle(
        shape: GemmShape,
        split: ColumnSplit,
        alpha: f32,
        beta: f32,
        rng: &mut Rng,
    ) {
        let a = random(shape.m * shape.k, rng);
        let b = random(shape.k * shape.n, rng);
        let c0 = if beta == 0.0 { vec![f32::NAN; shape.m * shape.n] } else { random(shape.m * shape.n, rng) };
        let mut fast = c0.clone();
        let mut slow = c0.clone();
        gemm_column_blocks(shape, alpha, &a, &b, beta, &mut fast, split);
        gemm_naive(shape, alpha, &a, &b, beta, &mut slow);
        let tol = 1e-5 * (shape.k as f32 + 1.0);
        for (idx, (x, y)) in fast.iter().zip(&slow).enumerate() {
            assert!((x - y).abs() <= tol, "{shape:?} {split:?} α={alpha} β={beta} at {idx}: {x} vs {y}");
        }
    }

    #[test]
    fn column_split_plan() {
        let dx = GemmShape::new(128, 784, 256).trans_b(true);
        // 784 / 2 = 392 → 384 (multiple of 16); the last block takes 400.
        assert_eq!(ColumnSplit::plan(dx, 2), Some(ColumnSplit { blocks: 2, width: 384 }));
        assert_eq!(ColumnSplit::plan(dx, 2).unwrap().block(1, 784), (384, 400));
        assert_eq!(ColumnSplit::plan(dx, 4), Some(ColumnSplit { blocks: 4, width: 192 }));
        // n = 784 has room for at most 12 blocks of ≥ 64 columns.
        assert_eq!(ColumnSplit::plan(dx, 64).unwrap().blocks, 12);
        assert_eq!(ColumnSplit::plan(dx, 1), None);
        assert_eq!(ColumnSplit::plan(dx.trans_b(false), 2), None);
        // Too few columns for two blocks of 64, or too little work to thread at all.
        assert_eq!(ColumnSplit::plan(GemmShape::new(4096, 127, 256).trans_b(true), 2), None);
        assert_eq!(ColumnSplit::plan(GemmShape::new(17, 257, 33).trans_b(true), 2), None);
        for n in [2, 15, 16, 17, 40, 257, 784, 1000] {
            for blocks in 2..6 {
                let Some(split) = ColumnSplit::with_blocks(n, blocks) else {
                    assert!(n / blocks < SPLIT_ALIGN);
                    continue;
                };
                let mut next = 0;
                for i in 0..blocks {
                    let (start, cols) = split.block(i, n);
                    assert_eq!(start, next);
                    if i + 1 < blocks {
                        assert_eq!(cols, split.width);
                        assert!(cols > 0 && cols % SPLIT_ALIGN == 0);
                    } else {
                        assert!(cols >= split.width);
                    }
                    next = start + cols;
                }
                assert_eq!(next, n, "n={n} blocks={blocks}");
            }
        }
    }

    #[test]
    fn trans_b_two_threads_matches_oracle() {
        let mut rng = Rng::new(7);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        // Through the public entry point: 128×784×256 takes the column split, the others the
        // crate's own path; every case must agree with the oracle either way.
        for (m, n, k) in [(128, 784, 256), (17, 257, 33), (3, 40, 5), (64, 1000, 300), (300, 130, 64)] {
            let shape = GemmShape::new(m, n, k).trans_b(true);
            pool.install(|| {
                check_against_oracle(shape, 1.0, 0.0, 2, &mut rng);
                check_against_oracle(shape, -1.5, 0.5, 2, &mut rng);
            });
        }
        // The block code itself on small and ragged shapes (last block wider than the rest).
        for (m, n, k, blocks) in
            [(128, 784, 256, 2), (17, 257, 33, 2), (17, 257, 33, 3), (3, 40, 5, 2), (1, 33, 1, 2)]
        {
            let shape = GemmShape::new(m, n, k).trans_b(true);
            let split = ColumnSplit::with_blocks(n, blocks).unwrap();
            pool.install(|| {
                check_split_against_oracle(shape, split, 1.0, 0.0, &mut rng);
                check_split_against_oracle(shape, split, 0.5, 2.0, &mut rng);
            });
        }
    }

    #[test]
    fn trans_b_split_is_bit_identical_to_one_thread() {
        let mut rng = Rng::new(8);
        let shape = GemmShape::new(128, 784, 256).trans_b(true);
        assert!(ColumnSplit::plan(shape, 2).is_some());
        let a = random(128 * 256, &mut rng);
        let b = random(784 * 256, &mut rng);
        let c0 = random(128 * 784, &mut rng);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for beta in [0.0, 0.75] {
            let mut one = c0.clone();
            let mut two = c0.clone();
            gemm(shape, 1.25, &a, &b, beta, &mut one, 1);
            pool.install(|| gemm(shape, 1.25, &a, &b, beta, &mut two, 2));
            assert!(one.iter().zip(&two).all(|(x, y)| x.to_bits() == y.to_bits()), "β={beta}");
        }
    }

    #[test]
    fn trans_b_split_beta_zero_never_reads_destination() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let (m, n, k) = (128, 784, 256);
        let shape = GemmShape::new(m, n, k).trans_b(true);
        assert!(ColumnSplit::plan(shape, 2).is_some());
        let a = vec![1.0f32; m * k];
        let b = vec![0.5f32; n * k];
        let mut c = vec![f32::NAN; m * n];
        pool.install(|| gemm(shape, 1.0, &a, &b, 0.0, &mut c, 2));
        assert!(c.iter().all(|&x| x == 128.0));
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
