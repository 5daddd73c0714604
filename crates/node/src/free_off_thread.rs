//! Freeing a big data set away from the JavaScript thread, without stalling it. The kernel takes
//! tens of ms to unmap hundreds of MiB (a 60,000 × 784 set, 188 MB: 19–25 ms measured with
//! strace on the 2-core VM), and holds the process's memory-map lock meanwhile: a drop where
//! JavaScript runs (`release()`, V8's finalizer) stalls the event loop, and one on another thread
//! still stalls the next `mmap` there, such as the next data set's allocation. So a big set is
//! freed on a thread of its own, its pages first given back in slices (`madvise`, which lets the
//! lock go between slices), then the emptied mapping unmapped, which is quick.

use std::sync::Arc;
use tunenet_core::network::Dataset;

/// Below this many bytes a data set is dropped where it is: starting a thread costs more than
/// the free (glibc serves such blocks from its heap or unmaps them in well under a millisecond).
const OFF_THREAD_MIN_BYTES: usize = 16 << 20;

/// Pages given back per `madvise` call: a few hundred µs of the kernel's work each.
const SLICE_BYTES: usize = 4 << 20;

/// Drops this reference to `data`; when it is the last and the set is big, the memory is freed on
/// a short-lived thread as described above. Nothing waits for it. If no thread can be started,
/// `spawn` drops the closure, and with it the set, here instead. While another holder remains (a
/// task still running), no thread is started: the set lives on until that holder lets it go.
pub fn release_dataset(data: Arc<Dataset<f32>>) {
    let bytes = (data.x.len() + data.y.len() + data.w.len()) * std::mem::size_of::<f32>();
    if bytes < OFF_THREAD_MIN_BYTES || Arc::strong_count(&data) > 1 {
        return;
    }
    let _ = std::thread::Builder::new().name("tunenet-free".into()).spawn(move || {
        // The only holder (checked above), so this takes the set itself.
        if let Some(mut data) = Arc::into_inner(data) {
            for buffer in [&mut data.x, &mut data.y, &mut data.w] {
                give_back_pages(buffer);
            }
        }
    });
}

/// Returns the whole pages inside `buffer`'s allocation to the kernel, a slice at a time. The
/// buffer stays mapped and readable (as zeros) until it is dropped; nothing reads it again.
#[cfg(target_os = "linux")]
fn give_back_pages(buffer: &mut Vec<f32>) {
    const PAGE: usize = 4096;
    let start = (buffer.as_mut_ptr() as usize).next_multiple_of(PAGE);
    let end = (buffer.as_mut_ptr() as usize + buffer.capacity() * std::mem::size_of::<f32>()) / PAGE * PAGE;
    let mut at = start;
    while at < end {
        let len = SLICE_BYTES.min(end - at);
        // SAFETY: [at, at + len) lies inside `buffer`'s allocation, which this thread owns
        // (`&mut`) and never reads again; MADV_DONTNEED on private anonymous memory only makes
        // those pages read as zeros, so the allocation stays valid for its drop.
        unsafe { libc::madvise(at as *mut libc::c_void, len, libc::MADV_DONTNEED) };
        at += len;
    }
}

/// Elsewhere the drop that follows frees the memory in one go.
#[cfg(not(target_os = "linux"))]
fn give_back_pages(_buffer: &mut Vec<f32>) {}
