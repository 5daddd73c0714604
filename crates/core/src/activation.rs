//! Elementwise activations: forward `A = g(Z)` and backward `dZ = dA ⊙ g'(Z)`.
//!
//! Conventions (docs/CONVENTIONS.md): relu's derivative at 0 is 0; tanh and sigmoid
//! differentiate from the forward output `a` (`1 − a²`, `a·(1 − a)`), the others from `z`.
//! Sigmoid never evaluates `exp` of a positive argument, so it cannot overflow.
//! The activation is matched once per call; each arm is a plain zipped loop LLVM vectorizes.

use crate::error::{kind_by_name, ArgError};
use crate::real::{real, Real};
use crate::simd::vectorized;

/// Which nonlinearity a layer applies. Everything about a kind lives in this file: its name, its
/// parameter and default, its checks, forward, backward and output bound; adding one is a
/// variant, an entry in `ALL` and an arm in each `match` below (the compiler lists them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Identity,
    Relu,
    /// `slope` (default 0.01) multiplies negative inputs.
    LeakyRelu {
        slope: f64,
    },
    Tanh,
    Sigmoid,
    /// log(1 + e^z), computed as max(z, 0) + log1p(e^−|z|) (never overflows).
    Softplus,
    /// z·σ(z) (Keras's swish, PyTorch's SiLU).
    Swish,
    /// λ·(z if z > 0 else α·(e^z − 1)) with the fixed λ = `SELU_LAMBDA`, α = `SELU_ALPHA`.
    Selu,
    /// z if z > 0 else α·(e^z − 1); `alpha` defaults to 1 (PyTorch, Keras).
    Elu {
        alpha: f64,
    },
    /// z·Φ(z) = 0.5·z·(1 + erf(z/√2)): the exact form, PyTorch's default (approximate='none'),
    /// not the tanh approximation. Evaluated in f64 for both float types (see `gelu_f64`).
    Gelu,
}

/// SELU's λ and α: PyTorch's constants (Klambauer et al. 2017, the values that make
/// E[selu(Z)] = 0 and E[selu(Z)²] = 1 for Z ~ N(0, 1)), to 32 digits
/// 1.0507009873554804934193349852946 and 1.6732632423543772848170429916717, here the nearest f64.
pub const SELU_LAMBDA: f64 = 1.0507009873554805;
pub const SELU_ALPHA: f64 = 1.6732632423543772;
/// λ·α rounded once from the exact product (the f64 product of the two roundings is 1 ulp lower).
const SELU_LAMBDA_ALPHA: f64 = 1.7580993408473768;

impl Activation {
    /// Every activation, with its default parameter.
    pub const ALL: &'static [Activation] = &[
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.01 },
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Softplus,
        Activation::Swish,
        Activation::Selu,
        Activation::Elu { alpha: 1.0 },
        Activation::Gelu,
    ];

    /// The name users type (`relu`, `leakyRelu`).
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Relu => "relu",
            Activation::LeakyRelu { .. } => "leakyRelu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
            Activation::Softplus => "softplus",
            Activation::Swish => "swish",
            Activation::Selu => "selu",
            Activation::Elu { .. } => "elu",
            Activation::Gelu => "gelu",
        }
    }

    /// The name and value of its one parameter, if it has one.
    pub fn parameter(&self) -> Option<(&'static str, f64)> {
        match *self {
            Activation::LeakyRelu { slope } => Some(("slope", slope)),
            Activation::Elu { alpha } => Some(("alpha", alpha)),
            Activation::Identity
            | Activation::Relu
            | Activation::Tanh
            | Activation::Sigmoid
            | Activation::Softplus
            | Activation::Swish
            | Activation::Selu
            | Activation::Gelu => None,
        }
    }

    /// The same kind with its parameter set to `value`.
    fn with_parameter(self, value: f64) -> Self {
        match self {
            Activation::LeakyRelu { .. } => Activation::LeakyRelu { slope: value },
            Activation::Elu { .. } => Activation::Elu { alpha: value },
            other => other,
        }
    }

    /// The activation called `name`, its parameter given by `parameter(name of the parameter)`
    /// or defaulted, checked.
    pub fn from_name(name: &str, parameter: impl Fn(&str) -> Option<f64>) -> Result<Self, ArgError> {
        let kind = kind_by_name(Self::ALL, Self::name, name, "activation", "activation")?;
        let act = match kind.parameter() {
            Some((key, _)) => match parameter(key) {
                Some(value) => kind.with_parameter(value),
                None => kind,
            },
            None => kind,
        };
        act.validate()?;
        Ok(act)
    }

    /// Checks the parameter's value.
    pub fn validate(&self) -> Result<(), ArgError> {
        match self.parameter() {
            Some((key, value)) if !value.is_finite() => {
                Err(ArgError::new(key, format!("must be a finite number, got {value}")))
            }
            _ => Ok(()),
        }
    }

    /// A bound on the Frobenius norm of `g(Z)` when ‖Z‖_F ≤ `input_bound` and Z has `count`
    /// elements (relu, identity: |g(z)| ≤ |z|; leaky: max(1, |slope|)·|z|; tanh: |z| and 1;
    /// sigmoid: 1).
    pub fn output_bound(&self, input_bound: f64, count: usize) -> f64 {
        let ones = (count as f64).sqrt();
        match *self {
            Activation::Identity | Activation::Relu => input_bound,
            Activation::LeakyRelu { slope } => input_bound * slope.abs().max(1.0),
            Activation::Tanh => input_bound.min(ones),
            Activation::Sigmoid => ones,
            // 0 < softplus(z) ≤ |z| + ln 2.
            Activation::Softplus => input_bound + std::f64::consts::LN_2 * ones,
            // 0 < σ(z) < 1, so |swish(z)| ≤ |z|.
            Activation::Swish => input_bound,
            // |e^z − 1| ≤ |z| for z ≤ 0, and λ < λ·α: |selu(z)| ≤ λ·α·|z|.
            Activation::Selu => input_bound * SELU_LAMBDA_ALPHA,
            // |e^z − 1| ≤ |z| for z ≤ 0: |elu(z)| ≤ max(1, |α|)·|z|.
            Activation::Elu { alpha } => input_bound * alpha.abs().max(1.0),
            // 0 ≤ Φ(z) ≤ 1, so |gelu(z)| ≤ |z|.
            Activation::Gelu => input_bound,
        }
    }
}

/// Numerically stable logistic: `1/(1+e^−z)` for z ≥ 0, `e^z/(1+e^z)` for z < 0.
/// Both branches share `e = e^−|z| ∈ (0, 1]`, so the select is branch-free.
#[inline(always)]
pub(crate) fn sigmoid<T: Real>(z: T) -> T {
    let one = T::one();
    let e = (-z.abs()).exp();
    let num = if z >= T::zero() { one } else { e };
    num / (one + e)
}

/// `(σ(z), σ(−z))` from one exponential: both are `{1 or e}/(1 + e)` with `e = e^−|z|`, so
/// neither is computed as `1 − ` the other (no cancellation).
#[inline(always)]
fn sigmoid_pair<T: Real>(z: T) -> (T, T) {
    let one = T::one();
    let e = (-z.abs()).exp();
    let d = one + e;
    if z >= T::zero() {
        (one / d, e / d)
    } else {
        (e / d, one / d)
    }
}

/// Φ(z), the standard normal CDF, as erfc(−z/√2)/2: `1 + erf(z/√2)` would cancel for z ≪ 0
/// (in f32 it is 0 below z ≈ −5.5), erfc keeps the tail's relative accuracy (Φ(−10) ≈ 7.6e-24).
#[inline(always)]
fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * std::f64::consts::FRAC_1_SQRT_2)
}

/// φ(z) = e^(−z²/2)/√(2π).
#[inline(always)]
fn normal_pdf(z: f64) -> f64 {
    const FRAC_1_SQRT_2PI: f64 = 0.3989422804014327;
    FRAC_1_SQRT_2PI * (-0.5 * z * z).exp()
}

/// gelu(z) = z·Φ(z) and gelu'(z) = Φ(z) + z·φ(z), evaluated in f64 whatever the kernel's type:
/// libm's erfc is within about 1 ulp of f64, so an f32 result rounded once from it is within
/// about half an f32 ulp (as accurate as f32 allows, and the property test's bound is tight), and
/// one generic code path serves f32 training and f64 gradient checks (libm's erfcf would need a
/// per-type dispatch and is less accurate). The cost, one f64 erfc and exp per element, is small
/// beside the GEMMs around an activation.
#[inline(always)]
fn gelu_f64(z: f64) -> f64 {
    z * normal_cdf(z)
}

#[inline(always)]
fn gelu_prime_f64(z: f64) -> f64 {
    normal_cdf(z) + z * normal_pdf(z)
}

/// `x` as f64 (exact for f32 and f64).
#[inline(always)]
fn f64_of<T: Real>(x: T) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

/// `a = g(z)` elementwise. Panics if the lengths differ.
pub fn activation_forward<T: Real>(act: Activation, z: &[T], a: &mut [T]) {
    assert_eq!(z.len(), a.len(), "activation_forward: z and a lengths differ");
    vectorized(
        #[inline(always)]
        || {
            let zero = T::zero();
            match act {
                Activation::Identity => a.copy_from_slice(z),
                // `z < 0 ? 0 : z` lets NaN through (like JS Math.max), so divergence stays visible.
                Activation::Relu => {
                    a.iter_mut().zip(z).for_each(|(a, &z)| *a = if z < zero { zero } else { z })
                }
                Activation::LeakyRelu { slope } => {
                    let s: T = real(slope);
                    a.iter_mut().zip(z).for_each(|(a, &z)| *a = if z > zero { z } else { s * z });
                }
                Activation::Tanh => a.iter_mut().zip(z).for_each(|(a, &z)| *a = z.tanh()),
                Activation::Sigmoid => a.iter_mut().zip(z).for_each(|(a, &z)| *a = sigmoid(z)),
                Activation::Softplus => {
                    a.iter_mut().zip(z).for_each(|(a, &z)| *a = z.max(zero) + (-z.abs()).exp().ln_1p())
                }
                Activation::Swish => a.iter_mut().zip(z).for_each(|(a, &z)| *a = z * sigmoid(z)),
                // expm1 keeps the relative accuracy of e^z − 1 for small |z| (PyTorch uses it too).
                Activation::Selu => {
                    let (l, la): (T, T) = (real(SELU_LAMBDA), real(SELU_LAMBDA_ALPHA));
                    a.iter_mut()
                        .zip(z)
                        .for_each(|(a, &z)| *a = if z > zero { l * z } else { la * z.exp_m1() });
                }
                Activation::Elu { alpha } => {
                    let alpha: T = real(alpha);
                    a.iter_mut()
                        .zip(z)
                        .for_each(|(a, &z)| *a = if z > zero { z } else { alpha * z.exp_m1() });
                }
                Activation::Gelu => a.iter_mut().zip(z).for_each(|(a, &z)| *a = real(gelu_f64(f64_of(z)))),
            }
        },
    )
}

/// `dz = da ⊙ g'(·)`: relu/leaky/identity read `z`, tanh/sigmoid read the forward output `a`
/// (the unused one is not read, but its length is still checked). Panics on length mismatch.
pub fn activation_backward<T: Real>(act: Activation, z: &[T], a: &[T], da: &[T], dz: &mut [T]) {
    let len = dz.len();
    assert!(
        z.len() == len && a.len() == len && da.len() == len,
        "activation_backward: z, a, da and dz lengths differ"
    );
    vectorized(
        #[inline(always)]
        || {
            let zero = T::zero();
            let one = T::one();
            match act {
                Activation::Identity => dz.copy_from_slice(da),
                Activation::Relu => dz
                    .iter_mut()
                    .zip(z.iter().zip(da))
                    .for_each(|(dz, (&z, &da))| *dz = if z > zero { da } else { zero }),
                Activation::LeakyRelu { slope } => {
                    let s: T = real(slope);
                    dz.iter_mut()
                        .zip(z.iter().zip(da))
                        .for_each(|(dz, (&z, &da))| *dz = if z > zero { da } else { s * da });
                }
                Activation::Tanh => {
                    dz.iter_mut().zip(a.iter().zip(da)).for_each(|(dz, (&a, &da))| *dz = da * (one - a * a))
                }
                Activation::Sigmoid => {
                    dz.iter_mut().zip(a.iter().zip(da)).for_each(|(dz, (&a, &da))| *dz = da * a * (one - a))
                }
                // softplus'(z) = σ(z).
                Activation::Softplus => {
                    dz.iter_mut().zip(z.iter().zip(da)).for_each(|(dz, (&z, &da))| *dz = da * sigmoid(z))
                }
                // swish'(z) = σ(z)·(1 + z·(1 − σ(z))), with 1 − σ(z) computed as σ(−z): subtracting
                // from 1 would cancel for large z (and z multiplies the cancelled error).
                Activation::Swish => dz.iter_mut().zip(z.iter().zip(da)).for_each(|(dz, (&z, &da))| {
                    let (s, t) = sigmoid_pair(z);
                    *dz = da * (s * (one + z * t));
                }),
                // selu'(z) = λ for z > 0, else λ·α·e^z (λ·α at 0, the "else" branch, as PyTorch).
                Activation::Selu => {
                    let (l, la): (T, T) = (real(SELU_LAMBDA), real(SELU_LAMBDA_ALPHA));
                    dz.iter_mut().zip(z.iter().zip(da)).for_each(|(dz, (&z, &da))| {
                        *dz = if z > zero { l * da } else { da * (la * z.exp()) }
                    });
                }
                // elu'(z) = 1 for z > 0, else α·e^z (α at 0, the "else" branch, as PyTorch).
                Activation::Elu { alpha } => {
                    let alpha: T = real(alpha);
                    dz.iter_mut()
                        .zip(z.iter().zip(da))
                        .for_each(|(dz, (&z, &da))| *dz = if z > zero { da } else { da * (alpha * z.exp()) });
                }
                // gelu'(z) = Φ(z) + z·φ(z); da·gelu'(z) in f64, rounded once.
                Activation::Gelu => dz
                    .iter_mut()
                    .zip(z.iter().zip(da))
                    .for_each(|(dz, (&z, &da))| *dz = real(f64_of(da) * gelu_prime_f64(f64_of(z)))),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Activation] = Activation::ALL;

    fn fwd(act: Activation, z: &[f64]) -> Vec<f64> {
        let mut a = vec![0.0; z.len()];
        activation_forward(act, z, &mut a);
        a
    }

    #[test]
    fn forward_known_values() {
        let z = [-2.0, -0.5, 0.0, 0.5, 2.0];
        assert_eq!(fwd(Activation::Identity, &z), z.to_vec());
        assert_eq!(fwd(Activation::Relu, &z), vec![0.0, 0.0, 0.0, 0.5, 2.0]);
        assert_eq!(fwd(Activation::LeakyRelu { slope: 0.1 }, &z), vec![-0.2, -0.05, 0.0, 0.5, 2.0]);
        let t = fwd(Activation::Tanh, &z);
        // tanh(0.5) = 0.46211715726000974
        assert!((t[3] - 0.46211715726000974).abs() < 1e-15 && (t[1] + t[3]).abs() < 1e-15);
        let s = fwd(Activation::Sigmoid, &z);
        // σ(2) = 1/(1+e^−2) = 0.8807970779778823, σ(−2) = 1 − σ(2), σ(0) = 0.5
        assert!((s[4] - 0.8807970779778823).abs() < 1e-15);
        assert!((s[0] - (1.0 - 0.8807970779778823)).abs() < 1e-15);
        assert_eq!(s[2], 0.5);
    }

    /// g and g' at `z` against values computed to 40 digits with mpmath, in f64: relative error
    /// ≤ 1e-15 + `tail`·z² (`tail` for gelu, whose erfc(−z/√2) turns the rounding of z/√2 into a
    /// relative error ≈ z²·2^-53 in the tail).
    fn check_known(act: Activation, z: &[f64], g: &[f64], g_prime: &[f64], tail: f64) {
        let a = fwd(act, z);
        let mut dz = vec![0.0; z.len()];
        activation_backward(act, z, &a, &vec![1.0; z.len()], &mut dz);
        for i in 0..z.len() {
            let close = |x: f64, y: f64| (x - y).abs() <= (1e-15 + tail * z[i] * z[i]) * y.abs();
            assert!(close(a[i], g[i]), "{act:?}({}) = {}, expected {}", z[i], a[i], g[i]);
            assert!(close(dz[i], g_prime[i]), "{act:?}'({}) = {}, expected {}", z[i], dz[i], g_prime[i]);
        }
    }

    #[test]
    fn swish_known_values() {
        // mpmath: z·σ(z) and σ(z)·(1 + z·(1 − σ(z))).
        let z = [-2.0, -0.5, 0.0, 0.5, 2.0, 40.0, -40.0];
        let g = [
            -0.23840584404423511,
            -0.18877033439907272,
            0.0,
            0.31122966560092728,
            1.7615941559557649,
            40.0,
            -1.6993417021166356e-16,
        ];
        let g_prime = [
            -0.090784248784895479,
            0.26003881269734819,
            0.5,
            0.73996118730265181,
            1.0907842487848955,
            1.0000000000000002,
            -1.6568581595637197e-16,
        ];
        check_known(Activation::Swish, &z, &g, &g_prime, 0.0);
    }

    #[test]
    fn selu_known_values() {
        // mpmath with the 32-digit λ, α: λ·z and λ·α·expm1(z); λ and λ·α·e^z.
        let z = [-2.0, -0.5, 0.0, 0.5, 2.0, -1e-10, -30.0];
        let g = [
            -1.520166468595695,
            -0.6917581878028714,
            0.0,
            0.52535049367774025,
            2.101401974710961,
            -1.7580993407594719e-10,
            -1.7580993408472123,
        ];
        let g_prime = [
            0.23793287225168182,
            1.0663411530445055,
            1.7580993408473769,
            1.0507009873554805,
            1.0507009873554805,
            1.7580993406715669,
            1.6451630773416185e-13,
        ];
        check_known(Activation::Selu, &z, &g, &g_prime, 0.0);
    }

    #[test]
    fn selu_is_self_normalizing() {
        // The constants' defining property: for Z ~ N(0, 1), E[selu(Z)] = 0 and E[selu(Z)²] = 1.
        // Simpson's rule on [−12, 12], split at selu's kink at 0 (the density beyond is < 1e-31).
        let n = 12_000; // intervals per side, even: Simpson error ≈ 4e-14 here
        let h = 12.0 / n as f64;
        let (mut mean, mut second) = (0.0, 0.0);
        for side in [-1.0, 1.0] {
            let z: Vec<f64> = (0..=n).map(|i| side * i as f64 * h).collect();
            let a = fwd(Activation::Selu, &z);
            for i in 0..=n {
                let w = if i == 0 || i == n {
                    1.0
                } else if i % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                let density = (-z[i] * z[i] / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
                mean += w * h / 3.0 * a[i] * density;
                second += w * h / 3.0 * a[i] * a[i] * density;
            }
        }
        assert!(mean.abs() < 1e-12 && (second - 1.0).abs() < 1e-12, "E = {mean:e}, E² = {second}");
    }

    #[test]
    fn elu_known_values() {
        // mpmath: z and α·expm1(z); 1 and α·e^z.
        let z = [-2.0, -0.5, 0.0, 0.5, 2.0, -1e-10];
        check_known(
            Activation::Elu { alpha: 1.0 },
            &z,
            &[-0.86466471676338731, -0.39346934028736658, 0.0, 0.5, 2.0, -9.9999999995e-11],
            &[0.13533528323661269, 0.60653065971263342, 1.0, 1.0, 1.0, 0.9999999999],
            0.0,
        );
        check_known(
            Activation::Elu { alpha: 0.5 },
            &z,
            &[-0.43233235838169365, -0.19673467014368329, 0.0, 0.5, 2.0, -4.99999999975e-11],
            &[0.067667641618306346, 0.30326532985631671, 0.5, 1.0, 1.0, 0.49999999995],
            0.0,
        );
        assert_eq!(
            Activation::from_name("elu", |k| (k == "alpha").then_some(0.5)),
            Ok(Activation::Elu { alpha: 0.5 })
        );
        let err = Activation::from_name("elu", |_| Some(f64::INFINITY)).unwrap_err();
        assert_eq!((err.arg.as_str(), err.message.as_str()), ("alpha", "must be a finite number, got inf"));
    }

    #[test]
    fn gelu_known_values() {
        // mpmath: z·erfc(−z/√2)/2 and erfc(−z/√2)/2 + z·e^(−z²/2)/√(2π). At −10 the form
        // 0.5·z·(1 + erf(z/√2)) would give 0 (erf rounds to −1); erfc keeps the tail.
        let z = [-2.0, -0.5, 0.0, 0.5, 2.0, -5.0, -10.0];
        let g = [
            -0.045500263896358414,
            -0.15426876936299345,
            0.0,
            0.34573123063700655,
            1.9544997361036416,
            -1.4332578593959696e-6,
            -7.6198530241605261e-23,
        ];
        let g_prime = [
            -0.085231801078196897,
            0.13250487534383716,
            0.5,
            0.86749512465616284,
            1.0852318010781969,
            -7.1469460017922946e-6,
            -7.6184000964648141e-22,
        ];
        check_known(Activation::Gelu, &z, &g, &g_prime, 2.0 * f64::EPSILON);
        // The f32 kernel rounds the f64 value once: exactly the nearest f32.
        let z32: Vec<f32> = z.iter().map(|&x| x as f32).collect();
        let mut a32 = vec![0.0f32; z.len()];
        activation_forward(Activation::Gelu, &z32, &mut a32);
        assert_eq!(a32, g.iter().map(|&x| x as f32).collect::<Vec<_>>());
    }

    #[test]
    fn sigmoid_saturates_without_overflow() {
        let z = [-1000.0f32, -100.0, 100.0, 1000.0];
        let mut a = [0.0f32; 4];
        activation_forward(Activation::Sigmoid, &z, &mut a);
        // σ(−100) = e^−100 ≈ 3.7e−44 is an f32 subnormal: tiny, but not NaN and not flushed.
        assert!(a[0] == 0.0 && a[1] > 0.0 && a[1] < 1e-43 && a[2] == 1.0 && a[3] == 1.0, "{a:?}");
        // Small but nonzero in the tail, not flushed: σ(−80) = e^−80/(1+e^−80).
        let mut b = [0.0f64; 1];
        activation_forward(Activation::Sigmoid, &[-80.0f64], &mut b);
        assert!((b[0] / (-80.0f64).exp() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn relu_grad_is_zero_at_zero_and_leaky_uses_slope() {
        let z = [-1.0, 0.0, 1.0];
        let a = fwd(Activation::Relu, &z);
        let da = [3.0, 3.0, 3.0];
        let mut dz = [9.0; 3];
        activation_backward(Activation::Relu, &z, &a, &da, &mut dz);
        assert_eq!(dz, [0.0, 0.0, 3.0]);
        let act = Activation::LeakyRelu { slope: 0.2 };
        activation_backward(act, &z, &fwd(act, &z), &da, &mut dz);
        // Leaky's derivative at 0 is the slope (the "else" branch), as the conventions say.
        assert!((dz[0] - 0.6).abs() < 1e-15 && (dz[1] - 0.6).abs() < 1e-15 && dz[2] == 3.0);
    }

    #[test]
    fn tanh_and_sigmoid_backward_use_forward_output() {
        // Passing a deliberately inconsistent `a` shows which input the backward reads.
        let z = [123.0];
        let a = [0.5];
        let da = [2.0];
        let mut dz = [0.0];
        activation_backward(Activation::Tanh, &z, &a, &da, &mut dz);
        assert_eq!(dz[0], 2.0 * (1.0 - 0.25));
        activation_backward(Activation::Sigmoid, &z, &a, &da, &mut dz);
        assert_eq!(dz[0], 2.0 * 0.5 * 0.5);
    }

    #[test]
    fn backward_matches_finite_differences() {
        // Points away from relu's kink so the central difference is exact up to O(h²).
        let z: Vec<f64> = vec![-3.1, -1.2, -0.3, 0.2, 0.7, 1.9, 4.2];
        let da: Vec<f64> = vec![0.5, -1.0, 2.0, 1.5, -0.7, 0.3, 1.1];
        let h = 1e-6;
        let non_default = [Activation::LeakyRelu { slope: 0.3 }, Activation::Elu { alpha: 0.4 }];
        for act in ALL.iter().copied().chain(non_default) {
            let a = fwd(act, &z);
            let mut dz = vec![0.0; z.len()];
            activation_backward(act, &z, &a, &da, &mut dz);
            for i in 0..z.len() {
                let mut zp = z.clone();
                let mut zm = z.clone();
                zp[i] += h;
                zm[i] -= h;
                // L = Σ da·g(z): dL/dz_i = da_i·g'(z_i).
                let l = |zz: &[f64]| fwd(act, zz).iter().zip(&da).map(|(a, d)| a * d).sum::<f64>();
                let numeric = (l(&zp) - l(&zm)) / (2.0 * h);
                assert!((numeric - dz[i]).abs() < 1e-7, "{act:?} at {}: {numeric} vs {}", z[i], dz[i]);
            }
        }
    }

    #[test]
    fn f32_matches_f64() {
        let z64: Vec<f64> = (0..257).map(|i| (i as f64 - 128.0) * 0.07).collect();
        let z32: Vec<f32> = z64.iter().map(|&x| x as f32).collect();
        for &act in ALL {
            let a64 = fwd(act, &z64);
            let mut a32 = vec![0.0f32; z32.len()];
            activation_forward(act, &z32, &mut a32);
            for (x, y) in a32.iter().zip(&a64) {
                assert!((*x as f64 - y).abs() < 1e-5 * (1.0 + y.abs()), "{act:?}");
            }
        }
    }

    #[test]
    fn names_round_trip_and_parameters_default() {
        for &act in ALL {
            assert_eq!(Activation::from_name(act.name(), |_| None), Ok(act));
        }
        assert_eq!(
            Activation::from_name("leakyRelu", |k| (k == "slope").then_some(0.2)),
            Ok(Activation::LeakyRelu { slope: 0.2 })
        );
        let err = Activation::from_name("leakyRelu", |_| Some(f64::NAN)).unwrap_err();
        assert_eq!((err.arg.as_str(), err.message.as_str()), ("slope", "must be a finite number, got NaN"));
        let err = Activation::from_name("relux", |_| None).unwrap_err();
        assert!(err.arg == "activation" && err.message.contains("expected identity | relu"), "{err}");
    }

    #[test]
    fn output_bound_holds() {
        let z: Vec<f64> = (0..64).map(|i| ((i * 37 % 29) as f64 - 14.0) * 0.37).collect();
        let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        for &act in ALL {
            let a = fwd(act, &z);
            assert!(norm(&a) <= act.output_bound(norm(&z), z.len()) * (1.0 + 1e-12), "{act:?}");
        }
    }

    #[test]
    fn relu_propagates_nan() {
        let mut a = [0.0f32];
        activation_forward(Activation::Relu, &[f32::NAN], &mut a);
        assert!(a[0].is_nan());
    }
}
