//! tunenet-core: the pure-Rust core of tunenet — kernels, RNG, networks and optimizers.
//! Knows nothing of Node; `crates/node` is the thin napi binding over it.

pub mod gemm;
pub mod real;
pub mod rng;

pub use real::Real;
pub use rng::Rng;
