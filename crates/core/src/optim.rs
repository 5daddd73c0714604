//! In-place optimizer updates over one parameter `w`, its gradient `g` and its state.
//!
//! Conventions (docs/CONVENTIONS.md): momentum is the course's dampened form
//! `v = β·v + (1−β)·g` (not PyTorch's `v = β·v + g`); Nesterov steps along the look-ahead
//! `β·v + (1−β)·g`; ε sits **outside** the square root; AdamW's decoupled decay
//! `w −= lr·wd·w` is applied first, then the Adam step (PyTorch's order). `t` is the new step
//! number (≥ 1); Adam's bias corrections `1 − β^t` are computed once per call in f64.
//! Each update is one fused zipped loop over the parameter.

use crate::real::{real, Real};
use crate::simd::vectorized;

fn check(name: &str, w: usize, others: &[usize]) {
    assert!(others.iter().all(|&l| l == w), "{name}: parameter, gradient and state lengths differ");
}

/// Plain gradient descent: `w −= lr·g`.
pub fn sgd_step<T: Real>(w: &mut [T], g: &[T], lr: f64) {
    check("sgd_step", w.len(), &[g.len()]);
    let lr: T = real(lr);
    vectorized(
        #[inline(always)]
        || w.iter_mut().zip(g).for_each(|(w, &g)| *w = *w - lr * g),
    );
}

/// `v = β·v + (1−β)·g; w −= lr·v`.
pub fn momentum_step<T: Real>(w: &mut [T], g: &[T], v: &mut [T], lr: f64, beta: f64) {
    check("momentum_step", w.len(), &[g.len(), v.len()]);
    let (lr, b, nb): (T, T, T) = (real(lr), real(beta), real(1.0 - beta));
    vectorized(
        #[inline(always)]
        || {
            for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
                *v = b * *v + nb * g;
                *w = *w - lr * *v;
            }
        },
    )
}

/// `v = β·v + (1−β)·g; w −= lr·(β·v + (1−β)·g)` (look-ahead with the new v).
pub fn nesterov_step<T: Real>(w: &mut [T], g: &[T], v: &mut [T], lr: f64, beta: f64) {
    check("nesterov_step", w.len(), &[g.len(), v.len()]);
    let (lr, b, nb): (T, T, T) = (real(lr), real(beta), real(1.0 - beta));
    vectorized(
        #[inline(always)]
        || {
            for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
                let ng = nb * g;
                *v = b * *v + ng;
                *w = *w - lr * (b * *v + ng);
            }
        },
    )
}

/// `s = β·s + (1−β)·g²; w −= lr·g/(√s + ε)`.
pub fn rmsprop_step<T: Real>(w: &mut [T], g: &[T], s: &mut [T], lr: f64, beta: f64, eps: f64) {
    check("rmsprop_step", w.len(), &[g.len(), s.len()]);
    let (lr, b, nb, eps): (T, T, T, T) = (real(lr), real(beta), real(1.0 - beta), real(eps));
    vectorized(
        #[inline(always)]
        || {
            for ((w, &g), s) in w.iter_mut().zip(g).zip(s.iter_mut()) {
                *s = b * *s + nb * g * g;
                *w = *w - lr * g / (s.sqrt() + eps);
            }
        },
    )
}

/// The shared Adam loop; `decay` is the AdamW factor `lr·wd` (0 for plain Adam).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn adam_impl<T: Real>(
    name: &str,
    w: &mut [T],
    g: &[T],
    v: &mut [T],
    s: &mut [T],
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    decay: Option<f64>,
    t: u64,
) {
    check(name, w.len(), &[g.len(), v.len(), s.len()]);
    assert!(t >= 1, "{name}: step number t must be >= 1");
    // Bias corrections once per call: v̂ = v/(1−β1^t), ŝ = s/(1−β2^t).
    let tf = t as f64;
    let inv_bc1: T = real(1.0 / (1.0 - beta1.powf(tf)));
    let inv_bc2: T = real(1.0 / (1.0 - beta2.powf(tf)));
    let (lr_t, b1, nb1, b2, nb2, eps_t): (T, T, T, T, T, T) =
        (real(lr), real(beta1), real(1.0 - beta1), real(beta2), real(1.0 - beta2), real(eps));
    vectorized(
        #[inline(always)]
        || {
            let lanes = w.iter_mut().zip(g).zip(v.iter_mut().zip(s.iter_mut()));
            match decay {
                None => {
                    for ((w, &g), (v, s)) in lanes {
                        *v = b1 * *v + nb1 * g;
                        *s = b2 * *s + nb2 * g * g;
                        *w = *w - lr_t * (*v * inv_bc1) / ((*s * inv_bc2).sqrt() + eps_t);
                    }
                }
                Some(d) => {
                    let d: T = real(d);
                    for ((w, &g), (v, s)) in lanes {
                        *w = *w - d * *w;
                        *v = b1 * *v + nb1 * g;
                        *s = b2 * *s + nb2 * g * g;
                        *w = *w - lr_t * (*v * inv_bc1) / ((*s * inv_bc2).sqrt() + eps_t);
                    }
                }
            }
        },
    )
}

/// Adam: `v = β1·v + (1−β1)·g; s = β2·s + (1−β2)·g²; w −= lr·v̂/(√ŝ + ε)` with
/// `v̂ = v/(1−β1^t)`, `ŝ = s/(1−β2^t)`. `t` is the new step number (≥ 1).
#[allow(clippy::too_many_arguments)]
pub fn adam_step<T: Real>(
    w: &mut [T],
    g: &[T],
    v: &mut [T],
    s: &mut [T],
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    t: u64,
) {
    adam_impl("adam_step", w, g, v, s, lr, beta1, beta2, eps, None, t);
}

/// AdamW: decoupled decay `w −= lr·weight_decay·w` first, then exactly [`adam_step`].
#[allow(clippy::too_many_arguments)]
pub fn adamw_step<T: Real>(
    w: &mut [T],
    g: &[T],
    v: &mut [T],
    s: &mut [T],
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    t: u64,
) {
    adam_impl("adamw_step", w, g, v, s, lr, beta1, beta2, eps, Some(lr * weight_decay), t);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-14 * (1.0 + b.abs()), "{a} vs {b}");
    }

    #[test]
    fn sgd() {
        let mut w = [1.0f64, -1.0];
        sgd_step(&mut w, &[0.5, -2.0], 0.1);
        close(w[0], 0.95);
        close(w[1], -0.8);
    }

    #[test]
    fn momentum_two_steps() {
        // β = 0.9, lr = 0.1, g = 1 then 2, w₀ = 1.
        // Step 1: v = 0.1·1 = 0.1,            w = 1 − 0.01 = 0.99.
        // Step 2: v = 0.09 + 0.1·2 = 0.29,    w = 0.99 − 0.029 = 0.961.
        let (mut w, mut v) = ([1.0f64], [0.0f64]);
        momentum_step(&mut w, &[1.0], &mut v, 0.1, 0.9);
        close(v[0], 0.1);
        close(w[0], 0.99);
        momentum_step(&mut w, &[2.0], &mut v, 0.1, 0.9);
        close(v[0], 0.29);
        close(w[0], 0.961);
    }

    #[test]
    fn nesterov_two_steps() {
        // β = 0.9, lr = 0.1, g = 1 then 2, w₀ = 1.
        // Step 1: v = 0.1; look-ahead 0.9·0.1 + 0.1·1 = 0.19; w = 1 − 0.019 = 0.981.
        // Step 2: v = 0.09 + 0.2 = 0.29; look-ahead 0.261 + 0.2 = 0.461; w = 0.981 − 0.0461 = 0.9349.
        let (mut w, mut v) = ([1.0f64], [0.0f64]);
        nesterov_step(&mut w, &[1.0], &mut v, 0.1, 0.9);
        close(v[0], 0.1);
        close(w[0], 0.981);
        nesterov_step(&mut w, &[2.0], &mut v, 0.1, 0.9);
        close(v[0], 0.29);
        close(w[0], 0.9349);
    }

    #[test]
    fn rmsprop_two_steps_eps_outside_sqrt() {
        // β = 0.9, lr = 0.01, ε = 0.1 (large, so its placement shows), g = 2 then 1, w₀ = 0.
        // Step 1: s = 0.1·4 = 0.4;        w = −0.01·2/(√0.4 + 0.1).
        // Step 2: s = 0.36 + 0.1 = 0.46;  w −= 0.01·1/(√0.46 + 0.1).
        let (mut w, mut s) = ([0.0f64], [0.0f64]);
        rmsprop_step(&mut w, &[2.0], &mut s, 0.01, 0.9, 0.1);
        let w1 = -0.02 / (0.4f64.sqrt() + 0.1);
        close(s[0], 0.4);
        close(w[0], w1);
        rmsprop_step(&mut w, &[1.0], &mut s, 0.01, 0.9, 0.1);
        close(s[0], 0.46);
        close(w[0], w1 - 0.01 / (0.46f64.sqrt() + 0.1));
    }

    #[test]
    fn adam_steps_one_and_two() {
        // β1 = 0.9, β2 = 0.999, lr = 0.1, ε = 1e-8 (below), w₀ = 1, g = 2 then −1.
        // Step 1: v = 0.2, s = 0.004; v̂ = 0.2/0.1 = 2, ŝ = 0.004/0.001 = 4;
        //         w = 1 − 0.1·2/(2 + ε).
        // Step 2: v = 0.18 − 0.1 = 0.08, s = 0.003996 + 0.001 = 0.004996;
        //         v̂ = 0.08/0.19, ŝ = 0.004996/0.001999; w −= 0.1·v̂/(√ŝ + ε).
        let eps = 1e-8;
        let (mut w, mut v, mut s) = ([1.0f64], [0.0f64], [0.0f64]);
        adam_step(&mut w, &[2.0], &mut v, &mut s, 0.1, 0.9, 0.999, eps, 1);
        close(v[0], 0.2);
        close(s[0], 0.004);
        let w1 = 1.0 - 0.1 * 2.0 / (2.0 + eps);
        close(w[0], w1);
        adam_step(&mut w, &[-1.0], &mut v, &mut s, 0.1, 0.9, 0.999, eps, 2);
        close(v[0], 0.08);
        close(s[0], 0.004996);
        let (vh, sh) = (0.08 / 0.19, 0.004996 / (1.0 - 0.999f64 * 0.999));
        close(w[0], w1 - 0.1 * vh / (sh.sqrt() + eps));
        // The numbers themselves: v̂ ≈ 0.421053, √ŝ ≈ 1.580902, so w still falls by ≈ 0.026634
        // although g turned negative (momentum).
        assert!((w1 - w[0] - 0.026634).abs() < 1e-6, "{}", w1 - w[0]);
    }

    #[test]
    fn adam_resumes_from_a_given_step() {
        // At a large t the corrections vanish: the update is lr·v/(√s + ε).
        let (mut w, mut v, mut s) = ([0.0f64], [0.5f64], [0.25f64]);
        adam_step(&mut w, &[0.5], &mut v, &mut s, 0.1, 0.9, 0.999, 0.0, 1_000_000);
        close(w[0], -0.1 * 0.5 / 0.25f64.sqrt());
    }

    #[test]
    fn adamw_decays_before_the_adam_step() {
        // w₀ = 2, lr = 0.1, wd = 0.5, g = 2, t = 1, ε = 0:
        // decay first: w = 2 − 0.1·0.5·2 = 1.9; Adam: v̂ = 2, ŝ = 4, w = 1.9 − 0.1 = 1.8.
        // (Decay after the step would give (2 − 0.1)·0.95 = 1.805.)
        let (mut w, mut v, mut s) = ([2.0f64], [0.0f64], [0.0f64]);
        adamw_step(&mut w, &[2.0], &mut v, &mut s, 0.1, 0.9, 0.999, 0.0, 0.5, 1);
        close(w[0], 1.8);
        // weight_decay = 0 is exactly Adam.
        let (mut wa, mut va, mut sa) = ([0.3f32, -0.7], [0.0f32; 2], [0.0f32; 2]);
        let (mut wb, mut vb, mut sb) = (wa, va, sa);
        for t in 1..=5 {
            let g = [0.1 * t as f32, -0.2];
            adam_step(&mut wa, &g, &mut va, &mut sa, 0.01, 0.9, 0.999, 1e-8, t);
            adamw_step(&mut wb, &g, &mut vb, &mut sb, 0.01, 0.9, 0.999, 1e-8, 0.0, t);
        }
        assert_eq!(wa, wb);
    }

    #[test]
    fn f32_long_vectors_match_f64() {
        // Odd length exercises vector remainders; compares a few Adam steps across precisions.
        let n = 1027;
        let g64: Vec<f64> = (0..n).map(|i| ((i * 37 % 101) as f64 - 50.0) / 25.0).collect();
        let g32: Vec<f32> = g64.iter().map(|&x| x as f32).collect();
        let (mut w64, mut v64, mut s64) = (vec![0.5f64; n], vec![0.0; n], vec![0.0; n]);
        let (mut w32, mut v32, mut s32) = (vec![0.5f32; n], vec![0.0; n], vec![0.0; n]);
        for t in 1..=3 {
            adam_step(&mut w64, &g64, &mut v64, &mut s64, 0.01, 0.9, 0.999, 1e-8, t);
            adam_step(&mut w32, &g32, &mut v32, &mut s32, 0.01, 0.9, 0.999, 1e-8, t);
        }
        for (a, b) in w32.iter().zip(&w64) {
            assert!((*a as f64 - b).abs() < 1e-5);
        }
    }

    #[test]
    #[should_panic]
    fn adam_rejects_step_zero() {
        adam_step(&mut [0.0f32], &[1.0], &mut [0.0], &mut [0.0], 0.1, 0.9, 0.999, 1e-8, 0);
    }
}
