//! `C = A·W (+ bias) (→ relu)` on many rows, with W packed once per call: a dense layer's forward
//! pass in `evaluate` and `predict` on CPUs with AVX2 + FMA but not AVX-512, and in training the
//! first layer's two products on mostly-zero batches (`network::first_layer`; `C = Aᵀ·W` with A
//! read transposed for the weight gradient, [`packed_product_transposed`]).
//!
//! Why not the `gemm` crate, as everywhere else: it packs both operands on every product (per
//! chunk of a predict), and its AVX2 micro-kernel reads a packed column block of A. Here W is
//! packed once per call into panels of 16 columns, and A is read where it lies: a 6×16
//! micro-kernel broadcasts one element of each of 6 rows and multiplies it by two vectors of W's
//! panel (12 FMA accumulators), over the whole of k (the 6 rows stay in L1, a block of 96 rows
//! in L2 while each panel of W passes over it); the bias and a following relu are applied before
//! the tile is stored. Measured interleaved with the crate in one process on the MNIST network's
//! first layer, 512 × 784 · 784 × 256, 1 thread: 1.00–1.07× with W packed per call, 1.03–1.12×
//! prepacked; below ~64 rows the packing costs more than it saves, so callers use it from
//! [`PACKED_MIN_ROWS`] rows. `bench_kernels --only core_predict` shows a whole predict against
//! the crate's products.
//!
//! Steps over k whose elements of A are ±0 in all of a tile's rows are skipped (the tile's live
//! columns, `live_columns.rs`, listed once per block of rows for all its panels): they add ±0 to
//! every sum, nothing bit for bit when W is finite, so the result is that of the whole chain.
//! Images and one-hot features are mostly zeros: on MNIST digits 56 % of a 6-row tile's steps
//! over the 784 pixels are skipped, and `predictSync` of 256 or 1,024 rows runs 1.3–1.45× as
//! fast (the old and new builds interleaved in one process, same output bits). Dense rows pay
//! the scan of the first tiles only (a call stops scanning once most tiles were dense): 0.99–1.00×.
//!
//! Each tile also tells whether its sums were finite (two vector ops per accumulator, once per
//! tile): a NaN or ±∞ in A always makes its row's sums non-finite, so `predict` needs no pass of
//! its own over its input to refuse one (`Network::predict_checked`). On 1,024 MNIST rows that
//! pass was 1.5–2 % of `predictSync`.
//!
//! Each output element is one FMA chain over k in order, from 0, whatever the number of rows:
//! a row's result does not depend on the rows around it, so splitting the rows over threads
//! gives the same bits on 1 thread and on 2. They differ from the crate's in the last bits (it
//! sums k in blocks). Training's dense products keep the crate: its weights change every step,
//! and packed per step at batch 128 this kernel was 0.95–1.01× the crate on dense rows (the first
//! layer on mostly-zero rows is the exception: what it leaves out pays for the packing, training
//! epochs on MNIST 1.3–1.4× as fast). Packed by the optimizer instead (each
//! updated piece of W written to its panels while in cache), the product was 1.04–1.12× the
//! crate, but the scattered panel writes cost the update more than that: Adam's update of W1
//! went from 82 to 140 µs on 1 thread (a pack pass of its own takes 33), an epoch 2–4 % slower.
//!
//! With AVX-512 the crate's 16-wide kernels are used instead, except on CPUs that run 512-bit
//! FMAs as two 256-bit halves (AMD Zen 4), where this 8-wide kernel does as much per cycle
//! (`simd::packed_kernel_pays`).

mod live_columns;

use crate::real::Real;
use live_columns::LiveColumns;
use std::any::TypeId;
use std::sync::OnceLock;

/// Columns of W per panel: two AVX2 vectors of f32.
const PANEL: usize = 16;
/// Rows of A per micro-kernel call: 6 × 2 accumulators + 2 of W + 1 broadcast = 15 of 16 ymm.
const TILE_ROWS: usize = 6;
/// Rows of A per block, kept in L2 while each panel of W passes over it (96 × 784 floats =
/// 294 KiB for MNIST; 48 and 192 measured the same).
const BLOCK_ROWS: usize = 96;

/// Fewest rows for which packing W pays (measured: 64 rows break even, 128 and up gain).
pub const PACKED_MIN_ROWS: usize = 128;

/// Whether this CPU runs the packed kernel: AVX2 + FMA, without AVX-512 or with an AVX-512 that
/// gives the crate no more arithmetic per cycle (`simd::packed_kernel_pays`; `TUNENET_SIMD=v3`
/// caps any AVX-512 CPU to the AVX2 level, so its tests run there too).
pub fn available() -> bool {
    crate::simd::packed_kernel_pays()
}

/// W [k, n] row-major, rearranged as panels of 16 columns (the last one zero-padded), each
/// panel k rows of 16 contiguous floats. The buffer is kept between calls (no new allocation
/// or page faults per predict); a clone is empty, since it is scratch.
#[derive(Debug, Default)]
pub struct PackedWeights {
    k: usize,
    n: usize,
    panels: Vec<f32>,
    /// The bias padded to whole panels; empty when the layer has none.
    bias: Vec<f32>,
    /// Whether every weight is finite: only then may a step over k whose elements of A are all
    /// ±0 be skipped (0·∞ is NaN, which the skipped step would have added). Found out the first
    /// time a tile could skip (a pass over W costs as much as packing it: not for dense rows),
    /// or while packing on two threads, each over its own rows (`pack_on`).
    finite: OnceLock<bool>,
}

impl Clone for PackedWeights {
    fn clone(&self) -> Self {
        PackedWeights::default()
    }
}

impl PackedWeights {
    /// Packs `w` [k, n] (row-major) and the `bias` [n] added to every row, if any.
    pub fn pack(&mut self, w: &[f32], bias: Option<&[f32]>, k: usize, n: usize) {
        self.pack_on(w, bias, k, n, 1);
    }

    /// [`Self::pack`], the rows of W split in two halves written side by side when `threads > 1`
    /// (a copy: the same panels either way), each half checked finite by the thread that wrote it.
    /// Training packs the first layer's W every step, a serial pass over it that the second
    /// thread would otherwise wait out. Call it inside the pool whose threads are to share it.
    pub fn pack_on(&mut self, w: &[f32], bias: Option<&[f32]>, k: usize, n: usize, threads: usize) {
        // A dense layer has at least one input and one unit (NetworkSpec::validate).
        assert!(k > 0 && n > 0, "pack: w is {k}×{n}, expected at least 1×1");
        assert_eq!(w.len(), k * n, "pack: w is not {k}×{n}");
        (self.k, self.n) = (k, n);
        self.bias.clear();
        if let Some(b) = bias {
            assert_eq!(b.len(), n, "pack: bias is not {n} long");
            self.bias.extend_from_slice(b);
            self.bias.resize(n.div_ceil(PANEL) * PANEL, 0.0);
        }
        // Every element is written below: no zeroing pass first.
        self.panels.resize(n.div_ceil(PANEL) * k * PANEL, 0.0);
        let panels = self.panels.chunks_exact_mut(k * PANEL);
        if threads > 1 && k >= 2 * TILE_ROWS {
            let half = k / 2;
            let (mut top, mut bottom): (Vec<&mut [f32]>, Vec<&mut [f32]>) =
                panels.map(|panel| panel.split_at_mut(half * PANEL)).unzip();
            let (w_top, w_bottom) = w.split_at(half * n);
            // Each half also checks its rows for ±∞ and NaN while they are in cache: found out
            // lazily, the first thread to need it would scan all of W while the other waits on
            // the OnceLock (asleep on a futex, slow to wake on a VM).
            let written = |w: &[f32], panels: &mut [&mut [f32]]| {
                write_rows(w, n, panels);
                crate::finite::all_finite(w)
            };
            let (top, bottom) = rayon::join(|| written(w_top, &mut top), || written(w_bottom, &mut bottom));
            self.finite = OnceLock::from(top && bottom);
        } else {
            write_rows(w, n, &mut panels.collect::<Vec<_>>());
            self.finite = OnceLock::new();
        }
    }

    /// Whether every weight is finite (once per packing).
    fn all_finite(&self) -> bool {
        *self.finite.get_or_init(|| crate::finite::all_finite(&self.panels))
    }

    /// Rows and columns of the packed W.
    pub fn shape(&self) -> (usize, usize) {
        (self.k, self.n)
    }

    /// Bytes the buffers hold.
    pub fn bytes(&self) -> usize {
        (self.panels.capacity() + self.bias.capacity()) * std::mem::size_of::<f32>()
    }
}

/// Writes the rows of `w` (n floats each) into `panels`, one slice per panel holding those rows'
/// 16-column pieces in order (the last panel zero-padded). Row by row of W, each row's pieces to
/// their panels: W is read in order, which a predict finds out of cache (1.5× faster than panel
/// by panel, reading W 16 columns at a stride of a row: 98 µs against 151 for MNIST's 784 × 256).
fn write_rows(w: &[f32], n: usize, panels: &mut [&mut [f32]]) {
    let last = panels.len() - 1;
    for (p, row) in w.chunks_exact(n).enumerate() {
        let at = p * PANEL..(p + 1) * PANEL;
        let (whole, rest) = row.split_at(n - n % PANEL);
        for (panel, piece) in whole.chunks_exact(PANEL).enumerate() {
            // Copies of fixed size: inlined moves, not a call to memmove per 16 floats.
            let dst: &mut [f32; PANEL] = (&mut panels[panel][at.clone()]).try_into().unwrap();
            *dst = piece.try_into().unwrap();
        }
        if !rest.is_empty() {
            let dst = &mut panels[last][at];
            dst[..rest.len()].copy_from_slice(rest);
            dst[rest.len()..].fill(0.0); // the padding, never stored, but no stale values in it
        }
    }
}

/// Whether the first tile of rows of `a` (rows of k floats) has enough columns all ±0 for the
/// packed kernel to leave out (at least 1/8 of them): where a training batch's first layer
/// takes it (`network::first_layer`); on dense rows the gemm crate is as fast or faster.
pub fn first_tile_sparse(a: &[f32], k: usize) -> bool {
    let rows = (a.len() / k).min(TILE_ROWS);
    let mut live = LiveColumns::default();
    live.scan(a, Layout::Rows, rows, 0..rows, k, TILE_ROWS);
    live.any_sparse()
}

/// How A lies in its slice: row-major [m, k] (a dense layer's input), or as the transpose of a
/// row-major [k, m] (the weight gradient Xᵀ·dZ, with X [batch, inputs] the layer's input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Rows,
    Transposed,
}

impl Layout {
    /// Where A's element (i, p) lies for A with m rows and k columns.
    fn index(self, i: usize, p: usize, m: usize, k: usize) -> usize {
        match self {
            Layout::Rows => i * k + p,
            Layout::Transposed => p * m + i,
        }
    }
}

/// `c = a·W + bias` for `a` [m, k] and the packed W [k, n] (the bias added to each finished sum,
/// as `add_bias` would: the same bits), then with `relu` `max(0, ·)` as the relu activation
/// computes it (NaN passes); `c` [m, n] is overwritten. With `threads > 1` the rows are split over
/// the current rayon pool (same bits as on one thread). Panics if the lengths do not match or the
/// CPU lacks the kernel ([`available`]).
///
/// Returns whether every `a·W + bias` was finite, seen in registers before relu (which would turn
/// -∞ into 0). A NaN or ±∞ in `a` always makes its row's sums non-finite (∞·0 is NaN, ∞ − ∞ too),
/// so `true` proves `a` finite with no pass of its own over it; `false` means `a` holds one, or
/// finite values overflowed.
pub fn packed_product(
    a: &[f32],
    m: usize,
    w: &PackedWeights,
    relu: bool,
    c: &mut [f32],
    threads: usize,
) -> bool {
    product(a, Layout::Rows, m, w, relu, c, threads)
}

/// `c = aᵀ·W` for `a` [k, m] row-major and the packed W [k, n] (no bias packed): a weight
/// gradient Xᵀ·dZ with dZ packed as W, each element one FMA chain over the k rows of `a` in
/// order (steps where the tile's m-range of a row is all ±0 left out, as in `packed_product`).
/// Rows of c are split over the threads as there: the same bits on any number of them.
pub fn packed_product_transposed(
    a: &[f32],
    m: usize,
    w: &PackedWeights,
    c: &mut [f32],
    threads: usize,
) -> bool {
    assert!(w.bias.is_empty(), "packed_product_transposed: a bias was packed");
    product(a, Layout::Transposed, m, w, false, c, threads)
}

/// `packed_product` and `packed_product_transposed`: A placed as `layout` says.
fn product(
    a: &[f32],
    layout: Layout,
    m: usize,
    w: &PackedWeights,
    relu: bool,
    c: &mut [f32],
    threads: usize,
) -> bool {
    let (k, n) = w.shape();
    assert!(available(), "packed_product: this CPU has no AVX2 + FMA kernel");
    assert_eq!(a.len(), m * k, "packed_product: a is not {m}×{k}");
    assert_eq!(c.len(), m * n, "packed_product: c is not {m}×{n}");
    if m == 0 {
        return true;
    }
    let a = APlacement { a, layout, m };
    // Whole tiles per thread, so no thread gets a remainder tile it need not have.
    let per_thread = m.div_ceil(threads.max(1)).div_ceil(TILE_ROWS) * TILE_ROWS;
    if threads <= 1 || per_thread >= m {
        return rows_on_this_thread(a, 0..m, w, relu, c);
    }
    use rayon::prelude::*;
    // map + reduce, not `all`: every chunk must be computed, whatever another one found.
    c.par_chunks_mut(per_thread * n)
        .enumerate()
        .map(|(chunk, c)| {
            let first = chunk * per_thread;
            rows_on_this_thread(a, first..(first + per_thread).min(m), w, relu, c)
        })
        .reduce(|| true, |x, y| x & y)
}

/// A [m, k] and how it lies in `a`.
#[derive(Clone, Copy)]
struct APlacement<'a> {
    a: &'a [f32],
    layout: Layout,
    m: usize,
}

/// The product for `rows` of A on the calling thread, block by block of rows, into `c` (those
/// rows of C); whether every sum was finite (see [`packed_product`]).
fn rows_on_this_thread(
    a: APlacement,
    rows: std::ops::Range<usize>,
    w: &PackedWeights,
    relu: bool,
    c: &mut [f32],
) -> bool {
    let (k, n) = w.shape();
    let mut finite = true;
    let mut live = LiveColumns::default();
    for block in rows.clone().step_by(BLOCK_ROWS) {
        let block_end = (block + BLOCK_ROWS).min(rows.end);
        // Once per block, for all its panels; with a non-finite W every tile runs the plain loop.
        live.scan(a.a, a.layout, a.m, block..block_end, k, TILE_ROWS);
        let skip = live.any_sparse() && w.all_finite();
        let columns = |tile: usize| if skip { live.of_tile((tile - block) / TILE_ROWS) } else { None };
        for (panel, packed) in w.panels.chunks_exact(k * PANEL).enumerate() {
            let first = panel * PANEL;
            let width = PANEL.min(n - first);
            let epilogue = Epilogue { bias: w.bias.get(first..first + PANEL), relu };
            for tile in (block..block_end).step_by(TILE_ROWS) {
                let tile_rows = TILE_ROWS.min(block_end - tile);
                // SAFETY: `available()` was checked by `product`; the tile's rows of A (its
                // elements (tile + r, p) for r < tile_rows, p < k), the panel (k × 16) and C's
                // tile (tile_rows × width from row `tile - rows.start`, column `first`) lie inside
                // their slices, whose lengths were checked; the live columns are below k.
                finite &= unsafe {
                    tile_product(
                        tile_rows,
                        &a.a[a.layout.index(tile, 0, a.m, k)..],
                        a.layout,
                        a.m,
                        k,
                        columns(tile),
                        packed,
                        epilogue,
                        &mut c[(tile - rows.start) * n + first..],
                        n,
                        width,
                    )
                };
            }
        }
    }
    finite
}

/// What a tile does to its sums before storing them: the bias (one panel's 16 values), then relu.
#[derive(Clone, Copy)]
struct Epilogue<'a> {
    bias: Option<&'a [f32]>,
    relu: bool,
}

/// Dispatches one tile to the micro-kernel compiled for its number of rows and A's layout, over
/// all of k or over the `live` columns only (`LiveColumns`); whether its sums were all finite.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `a` must hold the tile's `rows` rows of A (m rows, k columns,
/// placed as `layout` says) from its start, `c` `rows` rows of stride `ldc` with `width` ≤ 16
/// columns each, `panel` k × 16 floats; `live` columns below k.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_product(
    rows: usize,
    a: &[f32],
    layout: Layout,
    m: usize,
    k: usize,
    live: Option<&[u32]>,
    panel: &[f32],
    epilogue: Epilogue,
    c: &mut [f32],
    ldc: usize,
    width: usize,
) -> bool {
    debug_assert!(a.len() > layout.index(rows - 1, k - 1, m, k) && panel.len() >= k * PANEL);
    debug_assert!(c.len() >= (rows - 1) * ldc + width);
    debug_assert!(live.is_none_or(|l| l.iter().all(|&p| (p as usize) < k)));
    let (a, b, c) = (a.as_ptr(), panel.as_ptr(), c.as_mut_ptr());
    let (bias, relu) = (epilogue.bias.map_or(std::ptr::null(), <[f32]>::as_ptr), epilogue.relu);
    macro_rules! dispatch {
        ($transposed:literal) => {
            match rows {
                6 => x86::tile::<6, $transposed>(a, k, m, live, b, bias, relu, c, ldc, width),
                5 => x86::tile::<5, $transposed>(a, k, m, live, b, bias, relu, c, ldc, width),
                4 => x86::tile::<4, $transposed>(a, k, m, live, b, bias, relu, c, ldc, width),
                3 => x86::tile::<3, $transposed>(a, k, m, live, b, bias, relu, c, ldc, width),
                2 => x86::tile::<2, $transposed>(a, k, m, live, b, bias, relu, c, ldc, width),
                _ => x86::tile::<1, $transposed>(a, k, m, live, b, bias, relu, c, ldc, width),
            }
        };
    }
    match layout {
        Layout::Rows => dispatch!(false),
        Layout::Transposed => dispatch!(true),
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_product(
    _: usize,
    _: &[f32],
    _: Layout,
    _: usize,
    _: usize,
    _: Option<&[u32]>,
    _: &[f32],
    _: Epilogue,
    _: &mut [f32],
    _: usize,
    _: usize,
) -> bool {
    unreachable!("packed_product is only available on x86-64")
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::PANEL;
    use std::arch::x86_64::*;

    /// `C[R × width] = A[R × k] · panel[k × 16] (+ bias)` (columns past `width` are padding,
    /// not written): for each p in order (each p of `live` when given, the others' elements
    /// being ±0 in every row), one element of each row broadcast, times the panel's two vectors
    /// at row p, added by FMA; then the bias, if not null, and relu, if asked.
    /// Returns whether the sums (with the bias, before relu) were all finite, the padding's too:
    /// its zero weights give 0 for a finite row, NaN for a row with ±∞.
    ///
    /// # Safety
    /// AVX2 + FMA; `a` addresses R rows of k floats, row r's element p at `r·k + p` or, with
    /// `TRANSPOSED`, at `p·m + r`; `b` k × 16 floats, `bias` 16 floats or null, `c` R rows of
    /// `width` floats with stride `ldc`; `live` columns below k.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn tile<const R: usize, const TRANSPOSED: bool>(
        a: *const f32,
        k: usize,
        m: usize,
        live: Option<&[u32]>,
        b: *const f32,
        bias: *const f32,
        relu: bool,
        c: *mut f32,
        ldc: usize,
        width: usize,
    ) -> bool {
        let mut low = [_mm256_setzero_ps(); R];
        let mut high = [_mm256_setzero_ps(); R];
        macro_rules! step {
            ($p:expr) => {{
                let p = $p;
                let b_low = _mm256_loadu_ps(b.add(p * PANEL));
                let b_high = _mm256_loadu_ps(b.add(p * PANEL + 8));
                for r in 0..R {
                    let at = if TRANSPOSED { p * m + r } else { r * k + p };
                    let ar = _mm256_broadcast_ss(&*a.add(at));
                    low[r] = _mm256_fmadd_ps(ar, b_low, low[r]);
                    high[r] = _mm256_fmadd_ps(ar, b_high, high[r]);
                }
            }};
        }
        match live {
            None => {
                for p in 0..k {
                    step!(p)
                }
            }
            Some(live) => {
                for &p in live {
                    step!(p as usize)
                }
            }
        }
        if !bias.is_null() {
            let (bias_low, bias_high) = (_mm256_loadu_ps(bias), _mm256_loadu_ps(bias.add(8)));
            for r in 0..R {
                low[r] = _mm256_add_ps(low[r], bias_low);
                high[r] = _mm256_add_ps(high[r], bias_high);
            }
        }
        // z − z is +0 for a finite z and NaN for NaN or ±∞; OR-ed together, NaN bits survive.
        let mut non_finite = _mm256_setzero_ps();
        for r in 0..R {
            non_finite = _mm256_or_ps(non_finite, _mm256_sub_ps(low[r], low[r]));
            non_finite = _mm256_or_ps(non_finite, _mm256_sub_ps(high[r], high[r]));
        }
        let finite = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_UNORD_Q>(non_finite, non_finite)) == 0;
        if relu {
            // max(0, z) returns its second operand when either is NaN or both are zero: z, as
            // the relu activation's `z < 0 ? 0 : z` (NaN and -0 pass).
            let zero = _mm256_setzero_ps();
            for r in 0..R {
                low[r] = _mm256_max_ps(zero, low[r]);
                high[r] = _mm256_max_ps(zero, high[r]);
            }
        }
        for r in 0..R {
            let out = c.add(r * ldc);
            if width == PANEL {
                _mm256_storeu_ps(out, low[r]);
                _mm256_storeu_ps(out.add(8), high[r]);
            } else {
                let mut row = [0.0f32; PANEL];
                _mm256_storeu_ps(row.as_mut_ptr(), low[r]);
                _mm256_storeu_ps(row.as_mut_ptr().add(8), high[r]);
                std::ptr::copy_nonoverlapping(row.as_ptr(), out, width);
            }
        }
        finite
    }
}

/// `s` as f32 when `T` is f32 (the network is generic; the packed kernel is f32 only).
pub fn as_f32<T: Real>(s: &[T]) -> Option<&[f32]> {
    // SAFETY: T is f32 itself, so the slice's layout is that of a [f32].
    (TypeId::of::<T>() == TypeId::of::<f32>()).then(|| unsafe { &*(s as *const [T] as *const [f32]) })
}

/// `s` as mutable f32 when `T` is f32.
pub fn as_f32_mut<T: Real>(s: &mut [T]) -> Option<&mut [f32]> {
    // SAFETY: as in `as_f32`.
    (TypeId::of::<T>() == TypeId::of::<f32>()).then(|| unsafe { &mut *(s as *mut [T] as *mut [f32]) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gemm::{gemm_naive, GemmShape};
    use crate::rng::Rng;

    fn random(len: usize, rng: &mut Rng) -> Vec<f32> {
        (0..len).map(|_| rng.next_f32() - 0.5).collect()
    }

    /// `f` in a pool of `threads` threads.
    fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
    }

    /// `packed_product` with `threads` threads, in a pool of that size.
    fn product_on(threads: usize, a: &[f32], m: usize, w: &PackedWeights, relu: bool, c: &mut [f32]) -> bool {
        on_threads(threads, || packed_product(a, m, w, relu, c, threads))
    }

    fn same_bits(x: &[f32], y: &[f32]) -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    /// The same bits, or NaN on both sides (a NaN's sign and payload may differ between the
    /// kernel's FMA and `f32::mul_add`).
    fn same_bits_or_nan(x: &[f32], y: &[f32]) -> bool {
        x.len() == y.len()
            && x.iter().zip(y).all(|(x, y)| x.to_bits() == y.to_bits() || x.is_nan() && y.is_nan())
    }

    #[test]
    fn matches_the_naive_product_for_every_tile_and_panel_remainder_and_adds_the_bias_as_add_bias() {
        if !available() {
            return; // no AVX2 + FMA here: callers use the gemm crate (covered by its own tests)
        }
        let mut rng = Rng::new(3);
        for &(m, k, n) in
            &[(1, 1, 1), (5, 3, 10), (6, 16, 16), (7, 33, 17), (13, 64, 31), (97, 20, 48), (200, 9, 5)]
        {
            let (a, w) = (random(m * k, &mut rng), random(k * n, &mut rng));
            let mut want = vec![0.0f32; m * n];
            gemm_naive(GemmShape::new(m, n, k), 1.0, &a, &w, 0.0, &mut want);
            let mut packed = PackedWeights::default();
            packed.pack(&w, None, k, n);
            // With a bias: the bits of the product without it, then add_bias.
            let bias = random(n, &mut rng);
            let mut with_bias = PackedWeights::default();
            with_bias.pack(&w, Some(&bias), k, n);
            let mut fused = vec![0.0f32; m * n];
            packed_product(&a, m, &with_bias, false, &mut fused, 1);
            let mut separate = vec![0.0f32; m * n];
            packed_product(&a, m, &packed, false, &mut separate, 1);
            crate::bias::add_bias(&mut separate, &bias);
            assert!(same_bits(&fused, &separate), "{m}×{k}×{n}: bias");
            for threads in [1, 2, 3] {
                let mut c = vec![f32::NAN; m * n];
                product_on(threads, &a, m, &packed, false, &mut c);
                for (i, (got, want)) in c.iter().zip(&want).enumerate() {
                    assert!(
                        (got - want).abs() <= 1e-5 * (1.0 + want.abs()),
                        "{m}×{k}×{n} t{threads} [{i}]: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_row_gets_the_same_bits_alone_as_among_others_and_on_any_thread_count() {
        if !available() {
            return;
        }
        let mut rng = Rng::new(4);
        let (m, k, n) = (203, 100, 40);
        let (a, w) = (random(m * k, &mut rng), random(k * n, &mut rng));
        let mut packed = PackedWeights::default();
        packed.pack(&w, None, k, n);
        let mut all = vec![0.0f32; m * n];
        packed_product(&a, m, &packed, false, &mut all, 1);
        let mut two = vec![0.0f32; m * n];
        product_on(2, &a, m, &packed, false, &mut two);
        assert!(same_bits(&all, &two), "2 threads changed the bits");
        for row in [0, 5, 6, 101, 202] {
            let mut alone = vec![0.0f32; n];
            packed_product(&a[row * k..(row + 1) * k], 1, &packed, false, &mut alone, 1);
            assert!(same_bits(&alone, &all[row * n..(row + 1) * n]), "row {row} differs alone");
        }
    }

    #[test]
    fn packing_on_two_threads_writes_the_panels_of_packing_on_one() {
        let mut rng = Rng::new(12);
        // Odd k (uneven halves), n with a padded last panel, k too small to split.
        for (k, n) in [(785, 40), (13, 16), (11, 7)] {
            let (w, bias) = (random(k * n, &mut rng), random(n, &mut rng));
            let mut one = PackedWeights::default();
            one.pack(&w, Some(&bias), k, n);
            let mut two = PackedWeights::default();
            two.panels = vec![f32::NAN; one.panels.len()]; // stale values must all be overwritten
            on_threads(2, || two.pack_on(&w, Some(&bias), k, n, 2));
            assert!(one.panels.iter().zip(&two.panels).all(|(a, b)| a.to_bits() == b.to_bits()), "{k}×{n}");
            assert_eq!((&one.bias, one.shape()), (&two.bias, two.shape()));
        }
    }

    #[test]
    fn repacking_a_smaller_matrix_without_bias_into_the_same_buffer_leaves_no_stale_columns_or_bias() {
        if !available() {
            return;
        }
        let mut rng = Rng::new(5);
        let mut packed = PackedWeights::default();
        packed.pack(&random(30 * 40, &mut rng), Some(&random(40, &mut rng)), 30, 40);
        let (k, n) = (7, 3);
        let w = random(k * n, &mut rng);
        packed.pack(&w, None, k, n);
        let a = random(2 * k, &mut rng);
        let mut c = vec![0.0f32; 2 * n];
        packed_product(&a, 2, &packed, false, &mut c, 1);
        let mut want = vec![0.0f32; 2 * n];
        gemm_naive(GemmShape::new(2, n, k), 1.0, &a, &w, 0.0, &mut want);
        for (got, want) in c.iter().zip(&want) {
            assert!((got - want).abs() <= 1e-5, "{got} vs {want}");
        }
    }

    #[test]
    fn reports_a_non_finite_input_in_any_row_and_column_even_where_relu_hides_it() {
        if !available() {
            return;
        }
        let mut rng = Rng::new(7);
        // 200 rows: whole blocks, a remainder tile; n = 21: a padded second panel.
        let (m, k, n) = (200, 13, 21);
        let a = random(m * k, &mut rng);
        let mut w = random(k * n, &mut rng);
        w[5 * n..6 * n].fill(0.0); // column 5 of A meets only zero weights: ∞·0 must still show
        let mut packed = PackedWeights::default();
        packed.pack(&w, Some(&random(n, &mut rng)), k, n);
        let mut c = vec![0.0f32; m * n];
        for threads in [1, 2, 3] {
            for relu in [false, true] {
                let mut clean = vec![0.0f32; m * n];
                assert!(product_on(threads, &a, m, &packed, relu, &mut clean), "finite a");
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    for at in [0, 5, 6 * k + 12, 97 * k + 5, (m - 1) * k + 3] {
                        let mut a = a.clone();
                        a[at] = bad;
                        let finite = product_on(threads, &a, m, &packed, relu, &mut c);
                        assert!(!finite, "{bad} at {at}, t{threads}, relu {relu}");
                        // The other rows are computed as ever.
                        let row = at / k;
                        let others = |c: &[f32]| [&c[..row * n], &c[(row + 1) * n..]].concat();
                        assert!(same_bits(&others(&c), &others(&clean)), "{bad} at {at}: other rows");
                    }
                }
            }
        }
        // Weights all positive: -∞ makes every sum of its row -∞, which relu stores as 0.
        let positive: Vec<f32> = w.iter().map(|v| v.abs() + 0.1).collect();
        packed.pack(&positive, None, k, n);
        let mut hidden = a.clone();
        hidden[40 * k + 2] = f32::NEG_INFINITY;
        assert!(!product_on(1, &hidden, m, &packed, true, &mut c), "-∞ under relu");
        assert!(c[40 * n..41 * n].iter().all(|&v| v == 0.0), "relu stored 0 for the -∞ row");
        // Finite values whose sums overflow are reported too (the caller then scans a itself).
        let mut huge = a.clone();
        huge[3] = 3e38;
        let mut dense_w = w.clone();
        dense_w.iter_mut().for_each(|v| *v = 4.0);
        packed.pack(&dense_w, None, k, n);
        assert!(!product_on(1, &huge, m, &packed, true, &mut c), "overflow");
    }

    #[test]
    fn skipping_columns_zero_in_a_whole_tile_gives_the_bits_of_the_whole_fma_chain() {
        if !available() {
            return;
        }
        let mut rng = Rng::new(11);
        // 211 rows: two whole blocks of 96 and a short one ending in a 1-row tile; k = 37: four
        // vectors of 8 columns and a rest of 5; n = 20: a padded second panel.
        let (m, k, n) = (211, 37, 20);
        // ~80 % zeros of either sign (a 6-row tile then has ~26 % of its columns all zero), every
        // 17th row all zero, and subnormals, which are not zero.
        let a: Vec<f32> = (0..m * k)
            .map(|i| match rng.next_f32() {
                _ if i / k % 17 == 3 => 0.0,
                r if r < 0.4 => 0.0,
                r if r < 0.8 => -0.0,
                r if r < 0.82 => f32::MIN_POSITIVE / 4.0,
                _ => rng.next_f32() - 0.5,
            })
            .collect();
        let bias = random(n, &mut rng);
        // What each output element is: one FMA chain over every p in order, from +0, then the bias.
        let chain = |w: &[f32]| -> Vec<f32> {
            let mut c = vec![0.0f32; m * n];
            for i in 0..m {
                for j in 0..n {
                    let sum = (0..k).fold(0.0f32, |s, p| a[i * k + p].mul_add(w[p * n + j], s));
                    c[i * n + j] = sum + bias[j];
                }
            }
            c
        };
        // A non-finite weight in row 7 or 30 of W (the top or bottom half packed on two threads,
        // which check their own rows): 0·∞ is NaN, so no tile may skip that column of A.
        let cases = [None, Some((7, f32::INFINITY)), Some((7, f32::NAN)), Some((30, f32::NEG_INFINITY))];
        for (bad_weight, packing_threads) in cases.into_iter().flat_map(|case| [(case, 1), (case, 2)]) {
            let mut w = random(k * n, &mut rng);
            if let Some((row, v)) = bad_weight {
                w[row * n + 3] = v;
            }
            let mut packed = PackedWeights::default();
            on_threads(packing_threads, || packed.pack_on(&w, Some(&bias), k, n, packing_threads));
            let want = chain(&w);
            if bad_weight.is_some() {
                assert!((0..m).all(|i| !want[i * n + 3].is_finite()), "every row's output 3 is ±∞ or NaN");
            }
            for threads in [1, 2, 3] {
                let mut c = vec![f32::NAN; m * n];
                product_on(threads, &a, m, &packed, false, &mut c);
                let case = format!("{bad_weight:?}, packed on {packing_threads}, {threads} threads");
                assert!(same_bits_or_nan(&c, &want), "{case}");
            }
        }
    }

    #[test]
    fn the_transposed_product_is_the_fma_chain_over_the_rows_of_x_on_any_thread_count() {
        if !available() {
            return;
        }
        let mut rng = Rng::new(12);
        // X [k, m]: 131 rows (a weight gradient's batch), m = 205 inputs (two blocks of 96 and a
        // remainder tile of 1), ~75 % zeros with every 9th input column zero in every row;
        // dZ [k, n], n = 19 (a padded second panel), with a NaN in one variant.
        let (k, m, n) = (131, 205, 19);
        let x: Vec<f32> = (0..k * m)
            .map(|i| if i % m % 9 == 4 || rng.next_f32() < 0.75 { 0.0 } else { rng.next_f32() - 0.5 })
            .collect();
        for nan_at in [None, Some(40 * n + 7)] {
            let mut dz = random(k * n, &mut rng);
            if let Some(at) = nan_at {
                dz[at] = f32::NAN;
            }
            let mut want = vec![0.0f32; m * n];
            for i in 0..m {
                for j in 0..n {
                    want[i * n + j] = (0..k).fold(0.0f32, |s, p| x[p * m + i].mul_add(dz[p * n + j], s));
                }
            }
            let mut packed = PackedWeights::default();
            packed.pack(&dz, None, k, n);
            for threads in [1, 2, 3] {
                let mut c = vec![f32::NAN; m * n];
                on_threads(threads, || packed_product_transposed(&x, m, &packed, &mut c, threads));
                assert!(same_bits_or_nan(&c, &want), "{nan_at:?}, {threads} threads");
            }
            if nan_at.is_some() {
                // 0·NaN is NaN: every input's gradient in column 7 is NaN, zero inputs too.
                assert!((0..m).all(|i| want[i * n + 7].is_nan()));
            }
        }
    }

    #[test]
    fn fused_relu_gives_the_bits_of_the_relu_activation_nan_and_zeros_included() {
        if !available() {
            return;
        }
        use crate::activation::{activation_forward, Activation};
        let mut rng = Rng::new(6);
        let (m, k, n) = (14, 9, 21);
        let mut a = random(m * k, &mut rng);
        a[3 * k + 2] = f32::NAN; // row 3: every output NaN
        a[5 * k..6 * k].fill(0.0); // row 5: sums of ±0 products, outputs the bias's
        let mut w = random(k * n, &mut rng);
        w.iter_mut().step_by(2).for_each(|v| *v = -v.abs());
        let bias: Vec<f32> = (0..n).map(|j| if j % 3 == 0 { -0.0 } else { rng.next_f32() - 0.5 }).collect();
        let mut packed = PackedWeights::default();
        packed.pack(&w, Some(&bias), k, n);
        let mut z = vec![0.0f32; m * n];
        packed_product(&a, m, &packed, false, &mut z, 1);
        let mut want = vec![0.0f32; m * n];
        activation_forward(Activation::Relu, &z, &mut want);
        let mut fused = vec![0.0f32; m * n];
        product_on(2, &a, m, &packed, true, &mut fused);
        assert!(want[3 * n..4 * n].iter().all(|v| v.is_nan()), "the NaN row stays NaN");
        assert!(want.contains(&0.0) && want.iter().any(|&v| v > 0.0));
        assert!(same_bits(&fused, &want), "fused relu differs");
    }
}
