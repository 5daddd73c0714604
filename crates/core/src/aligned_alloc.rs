//! A global allocator that starts every allocation of 1 KiB or more on a cache line (64 bytes),
//! for the binaries that run tunenet (the napi binding, the benchmarks) to declare with
//! `#[global_allocator]`.
//!
//! Why: glibc's `malloc` returns 16-byte-aligned blocks, so where a network's buffers (weights,
//! gradients, Adam's moments, each layer's outputs) began within a cache line depended on the
//! heap's history in that process. Every kernel streams its buffers with 32- or 64-byte vector
//! loads (AVX2, AVX-512), and a buffer starting 16 or 48 bytes into a line splits every other
//! 32-byte load across two lines, and every 64-byte one. On a 2-core AMD Zen 4 (AVX-512, the gemm
//! crate's products then), two models of one build trained MNIST up to ~8 % apart in one process,
//! steadily over its epochs (`node bench/compare-builds.mjs` of a build against a copy of itself,
//! variant B, 1 thread, two runs of 6 processes: process medians 0.932–1.079; with this allocator
//! 1.000–1.012). The same code trained variant B 1.002–1.108× as fast with it as without in each of
//! 6 processes on 1 thread (median 1.032) and 1.02–1.10× in 4 on 2 threads (median 1.09), variant
//! A 1.011–1.083× (median 1.014), the weights bit for bit the same: the sums do not depend on
//! addresses, only the speed did.
//!
//! Smaller blocks keep `malloc`'s alignment: they are per-feature scratch whose loops are too
//! short to feel a split load. Large ones cost 64 bytes more each (see [`large`]).

use std::alloc::{GlobalAlloc, Layout, System};

/// See the module documentation.
pub struct CacheLineAligned;

/// The smallest allocation given a cache line of its own.
const LARGE: usize = 1024;
/// A cache line on x86-64 and on the Arm cores tunenet ships for.
const LINE: usize = 64;
/// Bytes just before a large block's start that hold the address `System` returned for it.
const HEADER: usize = std::mem::size_of::<usize>();

/// Whether `layout` is served as a large block: `LINE` bytes more from `System` with its own
/// (malloc's) alignment, the block starting at the first cache line after a header. Through
/// malloc, calloc and realloc themselves rather than aligned allocation, so a large zeroed block
/// keeps calloc's fresh, lazily zeroed pages (vec![0.0; n] of a data set's size costs nothing
/// until written; an aligned allocation would be zeroed byte by byte, on the calling thread).
fn large(layout: Layout) -> bool {
    layout.size() >= LARGE && layout.align() <= LINE
}

/// What `System` is asked for to hold a large block of `size` bytes; None where that is more
/// than any allocation can be (the request then fails as `System`'s would, with a null pointer).
fn outer(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(LINE)?, HEADER).ok()
}

/// The cache-line start of the large block inside `outer` (from `System`, at least
/// HEADER-aligned): past a header's room and at most `LINE` bytes in, so `size` bytes fit.
fn start_in(outer: *mut u8) -> *mut u8 {
    let at = (outer as usize + HEADER).next_multiple_of(LINE);
    outer.wrapping_add(at - outer as usize)
}

/// Records `outer` in the header of the block that starts at `start`.
unsafe fn write_header(start: *mut u8, outer: *mut u8) {
    start.cast::<usize>().sub(1).write(outer as usize);
}

/// The `outer` recorded for a large block.
unsafe fn header(start: *mut u8) -> *mut u8 {
    start.cast::<usize>().sub(1).read() as *mut u8
}

/// A large block inside `outer` (null stays null).
unsafe fn placed(outer: *mut u8) -> *mut u8 {
    if outer.is_null() {
        return outer;
    }
    let start = start_in(outer);
    write_header(start, outer);
    start
}

// SAFETY: small blocks are `System`'s own, with the caller's layout. A large block lies inside
// one `System` block of `outer(size)`, whose address its header keeps, and goes back to `System`
// with that address and layout; the category depends on the size and alignment alone, so
// `dealloc` and `realloc` see the one the block was made in.
unsafe impl GlobalAlloc for CacheLineAligned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match large(layout) {
            true => outer(layout.size()).map_or(std::ptr::null_mut(), |o| placed(System.alloc(o))),
            false => System.alloc(layout),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match large(layout) {
            true => outer(layout.size()).map_or(std::ptr::null_mut(), |o| placed(System.alloc_zeroed(o))),
            false => System.alloc_zeroed(layout),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match large(layout) {
            true => {
                System.dealloc(header(ptr), outer(layout.size()).expect("the layout it was allocated with"))
            }
            false => System.dealloc(ptr, layout),
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees new_size is valid for layout's alignment.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (large(layout), large(new_layout)) {
            (false, false) => System.realloc(ptr, layout, new_size),
            (true, true) => {
                let old_outer = header(ptr);
                let old_offset = ptr as usize - old_outer as usize;
                let (Some(old_layout), Some(new_layout)) = (outer(layout.size()), outer(new_size)) else {
                    return std::ptr::null_mut(); // too large: the old block stays as it was
                };
                let new_outer = System.realloc(old_outer, old_layout, new_layout.size());
                if new_outer.is_null() {
                    return new_outer; // the old block stays as it was
                }
                // realloc kept the bytes at the old offset; the cache line may now be elsewhere.
                let start = start_in(new_outer);
                let kept = new_outer.add(old_offset);
                if kept != start {
                    std::ptr::copy(kept, start, layout.size().min(new_size));
                }
                write_header(start, new_outer);
                start
            }
            // Across the threshold: a fresh block of the other kind.
            _ => {
                let moved = self.alloc(new_layout);
                if !moved.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                moved
            }
        }
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

    #[test]
    fn a_block_reallocated_up_and_down_many_times_keeps_its_bytes() {
        let a = CacheLineAligned;
        let mut rng = crate::rng::Rng::new(3);
        let mut size = 10usize;
        let mut p = unsafe { a.alloc(Layout::from_size_align(size, 4).unwrap()) };
        (0..size).for_each(|i| unsafe { *p.add(i) = (i % 251) as u8 });
        for _ in 0..300 {
            let new_size = 1 + (rng.next_f64() * 40_000.0) as usize;
            p = unsafe { a.realloc(p, Layout::from_size_align(size, 4).unwrap(), new_size) };
            let kept = size.min(new_size);
            assert!((0..kept).all(|i| unsafe { *p.add(i) } == (i % 251) as u8), "{size} → {new_size}");
            if new_size >= LARGE {
                assert_eq!(p as usize % LINE, 0);
            }
            (kept..new_size).for_each(|i| unsafe { *p.add(i) = (i % 251) as u8 });
            size = new_size;
        }
        unsafe { a.dealloc(p, Layout::from_size_align(size, 4).unwrap()) };
    }

    #[test]
    fn a_request_too_large_for_the_header_fails_with_null_instead_of_panicking() {
        let a = CacheLineAligned;
        let huge = Layout::from_size_align(isize::MAX as usize - 3, 4).unwrap();
        unsafe {
            assert!(a.alloc(huge).is_null());
            assert!(a.alloc_zeroed(huge).is_null());
            let small = Layout::from_size_align(2 * LARGE, 4).unwrap();
            let p = a.alloc(small);
            *p = 7;
            assert!(a.realloc(p, small, huge.size()).is_null());
            assert_eq!(*p, 7, "the old block stays");
            a.dealloc(p, small);
        }
    }
}
