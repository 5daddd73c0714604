//! The float types kernels are generic over: f32 for training, f64 for gradient checking.

use std::fmt::Debug;
use std::iter::Sum;

/// A floating-point scalar usable by every kernel (implemented for `f32` and `f64`).
pub trait Real:
    num_traits::Float + num_traits::FromPrimitive + Default + Debug + Sum + Send + Sync + 'static
{
}

impl Real for f32 {}
impl Real for f64 {}

/// Converts an `f64` hyperparameter (learning rate, ε, …) into the kernel's scalar type.
#[inline]
pub fn real<T: Real>(x: f64) -> T {
    T::from_f64(x).expect("f64 converts to every Real")
}
