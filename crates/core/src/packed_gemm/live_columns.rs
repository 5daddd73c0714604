//! Which columns of a tile's rows of A hold anything but zeros: the packed kernel's steps over k
//! that can change a sum. Inputs such as images or one-hot features are mostly zeros (MNIST:
//! 19 % of pixels set, and of 6-row tiles 44 % of columns have one set in any of the 6 rows), and
//! a step whose 6 broadcast elements are all ±0 adds ±0 to every sum — nothing, bit for bit,
//! when W is finite: a sum from +0 never becomes −0 by adding zeros, and x + ±0 = x otherwise.

use super::Layout;
use std::ops::Range;

/// Column lists of the tiles of a block of rows, rebuilt for each block and read by every panel.
#[derive(Debug, Default)]
pub(super) struct LiveColumns {
    lists: Vec<Vec<u32>>,
    /// Whether tile t's list is used: its live columns are at most 7/8 of k (otherwise the
    /// plain loop over k costs less than reading the list).
    sparse: Vec<bool>,
    /// Tiles scanned so far, and how many of them were dense: once most are, the rest of the
    /// call is not scanned. Scanning a tile reads its rows ahead of the kernel, out of cache for
    /// a large batch: 4–5 % of a predict of dense rows if done for every tile.
    scanned: usize,
    dense: usize,
    /// Tiles of the last scan.
    tiles: usize,
}

/// A tile whose live columns are more than 7/8 of k runs the plain loop (measured on dense rows:
/// the list costs a load per step and spares nothing).
const DENSE_EIGHTHS: usize = 7;

impl LiveColumns {
    /// Scans the tiles of `rows` of A (m rows, k columns, placed in `a` as `layout` says; tile t
    /// is rows `rows.start + t·tile_rows ..`, the last one possibly shorter) for their live
    /// columns.
    pub(super) fn scan(
        &mut self,
        a: &[f32],
        layout: Layout,
        m: usize,
        rows: Range<usize>,
        k: usize,
        tile_rows: usize,
    ) {
        let tiles = rows.len().div_ceil(tile_rows);
        if self.lists.len() < tiles {
            self.lists.resize_with(tiles, || Vec::with_capacity(k));
            self.sparse.resize(tiles, false);
        }
        self.tiles = tiles;
        for t in 0..tiles {
            if self.dense * 2 > self.scanned {
                self.sparse[t] = false;
                continue;
            }
            let first = rows.start + t * tile_rows;
            let count = tile_rows.min(rows.end - first);
            let list = &mut self.lists[t];
            list.clear();
            let most = k * DENSE_EIGHTHS / 8;
            self.sparse[t] = match layout {
                Layout::Rows => live_columns_of(&a[first * k..(first + count) * k], k, most, list),
                Layout::Transposed => live_columns_transposed(a, m, first..first + count, k, most, list),
            };
            self.scanned += 1;
            self.dense += usize::from(!self.sparse[t]);
        }
    }

    /// Whether some tile of the last scan has a list to use.
    pub(super) fn any_sparse(&self) -> bool {
        self.sparse[..self.tiles].iter().any(|&s| s)
    }

    /// Tile t's live columns in increasing order, or None where the plain loop over k is used.
    pub(super) fn of_tile(&self, t: usize) -> Option<&[u32]> {
        self.sparse[t].then(|| self.lists[t].as_slice())
    }
}

/// Whether at most `most` columns p of the rows of `a` (k floats each) hold a value other than
/// ±0 in some row (NaN and ±∞ count as live: the kernel must see them); if so, they are appended
/// to `list` in increasing order (otherwise `list` holds some of them).
fn live_columns_of(a: &[f32], k: usize, most: usize, list: &mut Vec<u32>) -> bool {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2_fma() {
        // SAFETY: AVX2 checked just above; the reads stay inside `a`, whose rows are k long.
        return unsafe { x86::live_columns(a, k, most, list) };
    }
    list.extend((0..k).filter(|&p| is_live(a, k, p)).map(|p| p as u32));
    list.len() <= most
}

/// `live_columns_of` for the rows `rows` of A = Xᵀ, X [k, m] row-major in `a`: column p of those
/// rows is the piece `rows` of X's row p, contiguous.
fn live_columns_transposed(
    a: &[f32],
    m: usize,
    rows: Range<usize>,
    k: usize,
    most: usize,
    list: &mut Vec<u32>,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2_fma() && rows.len() <= 8 {
        // SAFETY: AVX2 checked just above; the masked loads read rows.len() ≤ 8 floats of each
        // row p of X, inside `a`.
        return unsafe { x86::live_columns_transposed(a, m, rows, k, most, list) };
    }
    list.extend((0..k).filter(|&p| not_all_zero(&a[p * m + rows.start..p * m + rows.end])).map(|p| p as u32));
    list.len() <= most
}

/// Whether column p of the rows of `a` holds a value other than ±0.
fn is_live(a: &[f32], k: usize, p: usize) -> bool {
    not_all_zero(a.chunks_exact(k).map(|row| &row[p]))
}

/// Whether some value is other than ±0: the bits ORed together, sign bit aside, are zero only
/// when every value is ±0.
fn not_all_zero<'a>(values: impl IntoIterator<Item = &'a f32>) -> bool {
    values.into_iter().fold(0u32, |bits, v| bits | v.to_bits()) & 0x7fff_ffff != 0
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// [`super::live_columns_of`] 8 columns at a time (the rows' bits ORed, compared with zero):
    /// first only counted, so a dense tile costs no list.
    #[target_feature(enable = "avx2,popcnt")]
    pub(super) unsafe fn live_columns(a: &[f32], k: usize, most: usize, list: &mut Vec<u32>) -> bool {
        let mask = |p: usize| mask_of(a, k, p);
        let whole = k - k % 8;
        let rest = whole..k;
        let live = (0..whole).step_by(8).map(|p| mask(p).count_ones() as usize).sum::<usize>()
            + rest.clone().filter(|&p| super::is_live(a, k, p)).count();
        if live > most {
            return false;
        }
        // Every column written, the count advanced only for live ones: no branch to mispredict
        // on columns that are live or not at random.
        list.resize(whole, 0);
        let mut len = 0;
        for p in (0..whole).step_by(8) {
            let m = mask(p);
            for j in 0..8 {
                list[len] = (p + j) as u32;
                len += ((m >> j) & 1) as usize;
            }
        }
        list.truncate(len);
        list.extend(rest.filter(|&p| super::is_live(a, k, p)).map(|p| p as u32));
        true
    }

    /// [`super::live_columns_transposed`]: row p's piece of X (≤ 8 floats, a masked load) compared
    /// with zero; every p written to `list`, the count advanced only for live ones.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn live_columns_transposed(
        a: &[f32],
        m: usize,
        rows: std::ops::Range<usize>,
        k: usize,
        most: usize,
        list: &mut Vec<u32>,
    ) -> bool {
        let lanes: [i32; 8] = std::array::from_fn(|i| if i < rows.len() { -1 } else { 0 });
        let lanes = _mm256_loadu_si256(lanes.as_ptr().cast());
        list.resize(k, 0);
        let mut len = 0;
        for p in 0..k {
            let piece = _mm256_maskload_ps(a.as_ptr().add(p * m + rows.start), lanes);
            let live = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_NEQ_UQ>(piece, _mm256_setzero_ps())) != 0;
            list[len] = p as u32;
            len += usize::from(live);
        }
        list.truncate(len);
        len <= most
    }

    /// Bit j set where column p + j of the rows of `a` (k floats each) is live; p + 8 ≤ k.
    #[target_feature(enable = "avx2")]
    unsafe fn mask_of(a: &[f32], k: usize, p: usize) -> u32 {
        let mut bits = _mm256_loadu_ps(a.as_ptr().add(p));
        for r in 1..a.len() / k {
            bits = _mm256_or_ps(bits, _mm256_loadu_ps(a.as_ptr().add(r * k + p)));
        }
        // Unordered counts as not equal: a NaN pattern (from NaN or ±∞ in a row) is live.
        _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_NEQ_UQ>(bits, _mm256_setzero_ps())) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_columns_where_any_row_is_not_zero_with_nan_and_infinities_live_and_minus_zero_not() {
        let k = 21; // two vectors of 8 and a scalar rest of 5
        let mut a = vec![0.0f32; 3 * k];
        a[k + 2] = 1.5; // row 1
        a[2 * k + 9] = f32::NAN;
        a[17] = f32::NEG_INFINITY;
        a[20] = f32::MIN_POSITIVE / 2.0; // subnormal
        a[k + 5] = -0.0;
        a[2 * k + 19] = -0.0;
        let mut list = Vec::new();
        assert!(live_columns_of(&a, k, 4, &mut list));
        assert_eq!(list, [2, 9, 17, 20]);
        assert!(!live_columns_of(&a, k, 3, &mut Vec::new()), "4 live columns are more than 3");
        // The scalar rule says the same for every column.
        let scalar: Vec<u32> = (0..k).filter(|&p| is_live(&a, k, p)).map(|p| p as u32).collect();
        assert_eq!(list, scalar);
    }

    #[test]
    fn once_most_tiles_scanned_were_dense_the_rest_run_the_plain_loop_unscanned() {
        let k = 8;
        // Tiles of 1 row: sparse, dense, sparse (1 dense of 2: go on), dense (2 of 4: go on), then
        // sparse (2 of 5), dense (3 of 6: go on), dense (4 of 7: stop) and sparse, not scanned.
        let density = [1, 8, 1, 8, 1, 8, 8, 1];
        let mut a = vec![0.0f32; density.len() * k];
        for (row, &live) in density.iter().enumerate() {
            a[row * k..row * k + live].fill(1.0);
        }
        let mut live = LiveColumns::default();
        live.scan(&a, Layout::Rows, density.len(), 0..density.len(), k, 1);
        let sparse: Vec<bool> = (0..density.len()).map(|t| live.of_tile(t).is_some()).collect();
        assert_eq!(sparse, [true, false, true, false, true, false, false, false]);
        // A dense first tile: nothing after it is scanned.
        let mut live = LiveColumns::default();
        live.scan(&a[k..], Layout::Rows, density.len() - 1, 0..density.len() - 1, k, 1);
        assert!((0..density.len() - 1).all(|t| live.of_tile(t).is_none()));
    }

    #[test]
    fn a_tile_with_more_than_seven_eighths_of_its_columns_live_runs_the_plain_loop() {
        let k = 16;
        // Tile 0 (rows 0-1): 14 of 16 live; tile 1 (rows 2-3): 15 of 16; tile 2 (row 4): none.
        let mut a = vec![0.0f32; 5 * k];
        a[..14].fill(1.0);
        a[2 * k..2 * k + 15].fill(1.0);
        let mut live = LiveColumns::default();
        live.scan(&a, Layout::Rows, 5, 0..5, k, 2);
        assert_eq!(live.of_tile(0).map(<[u32]>::len), Some(14));
        assert_eq!(live.of_tile(1), None);
        assert_eq!(live.of_tile(2), Some(&[][..]));
    }
}
