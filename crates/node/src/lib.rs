//! tunenet's napi-rs binding: converts JS values, validates arguments into JS errors, and runs
//! long work on libuv's thread pool. Every mathematical operation lives in `tunenet_core`.
//!
//! Exports use `catch_unwind`, so a Rust panic (a bug) surfaces as a thrown JS Error rather than
//! aborting Node; argument problems are ordinary `InvalidArg` errors raised before any work.

mod augment;
mod free_off_thread;
mod kernels;
mod network;
mod random;
mod validate;

/// Large blocks on a cache line: a network's speed no longer depends on where malloc put its
/// buffers (`tunenet_core::aligned_alloc`).
#[global_allocator]
static ALLOCATOR: tunenet_core::aligned_alloc::CacheLineAligned =
    tunenet_core::aligned_alloc::CacheLineAligned;
