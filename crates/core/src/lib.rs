//! tunenet-core: the pure-Rust core of tunenet — kernels, RNG, networks and optimizers.
//! Knows nothing of Node; `crates/node` is the thin napi binding over it.

pub mod activation;
pub mod aligned_alloc;
pub mod augment;
pub mod batch_norm;
pub mod bias;
pub mod dropout;
pub mod error;
pub mod finite;
pub mod gemm;
pub mod init;
pub mod loss;
pub mod network;
pub mod optim;
pub mod packed_gemm;
pub mod real;
pub mod regularization;
pub mod rng;
pub mod simd;
pub mod subnormals;
pub mod sum_of_squares;

pub use error::ArgError;
pub use real::Real;
pub use rng::Rng;
