//! A global allocator that starts every allocation of 1 KiB or more on a cache line (64 bytes),
//! for the binaries that run tunenet (the napi binding, the benchmarks) to declare with
//! `#[global_allocator]`.
//!
//! Why: glibc's `malloc` returns 16-byte-aligned blocks, so where a network's buffers (weights,
//! gradients, Adam's moments, each layer's outputs) began within a cache line depended on the
//! heap's history in that process. Every kernel streams its buffers with 32-byte vector loads, and
//! a buffer starting 16 or 48 bytes into a line splits every other load across two lines. Two
//! models of one build trained MNIST up to ~8 % apart in one process, steadily over its epochs
//! (`node bench/compare-builds.mjs` of a build against a copy of itself, variant B, 6 processes:
//! process medians 0.984–1.079; with this allocator 0.984–1.002). The same code trained variant B
//! 1.014–1.094× as fast with it as without in each of 8 processes on 1 thread (median 1.045) and
//! 1.03–1.15× on 2 (median 1.10), variant A 0.99–1.11× (median 1.04), the weights bit for bit the
//! same: the sums do not depend on addresses, only the speed did.
//!
//! Smaller blocks keep `malloc`'s alignment: they are per-feature scratch whose loops are too
//! short to feel a split load, and an aligned allocation costs more than a plain one.

use std::alloc::{GlobalAlloc, Layout, System};

/// See the module documentation.
pub struct CacheLineAligned;

/// The smallest allocation given a cache line of its own.
const LARGE: usize = 1024;
/// A cache line on x86-64 and on the Arm cores tunenet ships for.
const LINE: usize = 64;

/// The layout `System` is asked for in place of `layout`.
fn aligned(layout: Layout) -> Layout {
    match layout.size() >= LARGE && layout.align() < LINE {
        // A size that fits a layout of some alignment fits one of 64 (both below isize::MAX).
        true => Layout::from_size_align(layout.size(), LINE).expect("a size valid for a smaller alignment"),
        false => layout,
    }
}

// SAFETY: every block comes from `System` with the layout `aligned` derives from the caller's,
// and goes back to it with the same derived layout (`realloc` moves a block whose derived
// alignment changes with its size instead of handing `System` a mismatched layout).
unsafe impl GlobalAlloc for CacheLineAligned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(aligned(layout))
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(aligned(layout))
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, aligned(layout))
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = aligned(layout);
        // SAFETY: the caller guarantees new_size is valid for layout's alignment.
        let new = aligned(Layout::from_size_align_unchecked(new_size, layout.align()));
        if old.align() == new.align() {
            return System.realloc(ptr, old, new_size);
        }
        // Growing past (or shrinking below) `LARGE` changes the alignment: a fresh block.
        let moved = System.alloc(new);
        if !moved.is_null() {
            std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
            System.dealloc(ptr, old);
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_start_on_a_cache_line_small_ones_keep_their_alignment() {
        let a = CacheLineAligned;
        for size in [LARGE, 4096 + 4, 1 << 20] {
            // Allocated after blocks of odd sizes, so that malloc alone would land anywhere.
            let layouts =
                [Layout::from_size_align(20, 4).unwrap(), Layout::from_size_align(size, 4).unwrap()];
            unsafe {
                let small = a.alloc(layouts[0]);
                let large = a.alloc(layouts[1]);
                let zeroed = a.alloc_zeroed(layouts[1]);
                assert_eq!(large as usize % LINE, 0, "{size} bytes");
                assert_eq!(zeroed as usize % LINE, 0, "{size} bytes, zeroed");
                assert!((0..size).all(|i| *zeroed.add(i) == 0));
                assert_eq!(small as usize % 4, 0);
                for (p, l) in [(small, layouts[0]), (large, layouts[1]), (zeroed, layouts[1])] {
                    a.dealloc(p, l);
                }
            }
        }
    }

    #[test]
    fn realloc_across_the_threshold_keeps_the_contents_and_aligns_the_large_block() {
        let a = CacheLineAligned;
        let small = Layout::from_size_align(100, 4).unwrap();
        unsafe {
            let p = a.alloc(small);
            (0..100).for_each(|i| *p.add(i) = i as u8);
            let grown = a.realloc(p, small, 3 * LARGE);
            assert_eq!(grown as usize % LINE, 0);
            assert!((0..100).all(|i| *grown.add(i) == i as u8));
            let large = Layout::from_size_align(3 * LARGE, 4).unwrap();
            let bigger = a.realloc(grown, large, 50 * LARGE);
            assert_eq!(bigger as usize % LINE, 0);
            assert!((0..100).all(|i| *bigger.add(i) == i as u8));
            let shrunk = a.realloc(bigger, Layout::from_size_align(50 * LARGE, 4).unwrap(), 10);
            assert!((0..10).all(|i| *shrunk.add(i) == i as u8));
            a.dealloc(shrunk, Layout::from_size_align(10, 4).unwrap());
        }
    }
}
