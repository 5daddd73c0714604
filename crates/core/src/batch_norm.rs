//! Batch normalization over the batch axis of a row-major `X[m, n]` (`n = gamma.len()`).
//!
//! Conventions (docs/CONVENTIONS.md): the batch variance is the **biased** one (divide by m),
//! both to normalize and in the running average; running statistics use Keras' momentum
//! (`running = momentum·running + (1 − momentum)·batch`, default 0.9, eps 1e-3).
//!
//! Per-feature statistics are accumulated down the rows, 64 features at a time in registers
//! (contiguous inner loops over a row's block, never strided column walks). The variance is a second pass over `x − mean`, which
//! avoids the cancellation of `E[x²] − E[x]²`. Per-feature factors (1/√(var+ε), …) are computed
//! once into a small length-n buffer, so the m·n loops only multiply and add.
//!
//! Every pass runs on the calling thread, whatever the step's thread budget: split between two
//! threads (the sums by feature blocks, the elementwise passes by rows; the same bits), variant
//! B's 2-thread MNIST step was slower, not faster — faster in only 6–18 of 40 interleaved rounds
//! (half the output then sits in the other core's cache for the serial kernels that follow).

use crate::real::{real, Real};
use crate::simd::vectorized;

/// Checks the matrix against the feature count and returns `m`.
fn rows(name: &str, len: usize, n: usize) -> usize {
    if n == 0 {
        assert!(len == 0, "{name}: no features for a non-empty matrix");
        return 0;
    }
    assert!(len.is_multiple_of(n), "{name}: length {len} is not a multiple of n = {n}");
    len / n
}

/// Features per register block of the per-feature sums: 64 f32 lanes are four AVX-512
/// registers per sum, kept in registers down all the rows of the block's columns. Row by row
/// over whole rows, each sum was loaded and stored once per row (batch norm ran at ~1/3 of L2
/// bandwidth). The additions per feature are the same, in the same row order: the same bits.
const FEATURE_BLOCK: usize = 64;

/// `out[k][j] += Σ_i term(a[i, j], b[i, j], [param[q][j] for each q])[k]` over the rows i in
/// order, for the K sums of one pass over row-major `a` and `b` ([m, n]) with P per-feature
/// parameters.
#[inline(always)]
fn add_column_sums<T: Real, const K: usize, const P: usize>(
    a: &[T],
    b: &[T],
    n: usize,
    param: [&[T]; P],
    out: [&mut [T]; K],
    term: impl Fn(T, T, [T; P]) -> [T; K],
) {
    let mut start = 0;
    while start < n {
        let width = FEATURE_BLOCK.min(n - start);
        let cols = start..start + width;
        if width == FEATURE_BLOCK {
            let p: [[T; FEATURE_BLOCK]; P] =
                std::array::from_fn(|q| param[q][cols.clone()].try_into().expect("a full block"));
            let mut acc: [[T; FEATURE_BLOCK]; K] =
                std::array::from_fn(|k| out[k][cols.clone()].try_into().expect("a full block"));
            for (ra, rb) in a.chunks_exact(n).zip(b.chunks_exact(n)) {
                let ra: &[T; FEATURE_BLOCK] = ra[cols.clone()].try_into().expect("a full block");
                let rb: &[T; FEATURE_BLOCK] = rb[cols.clone()].try_into().expect("a full block");
                for j in 0..FEATURE_BLOCK {
                    let t = term(ra[j], rb[j], std::array::from_fn(|q| p[q][j]));
                    for k in 0..K {
                        acc[k][j] = acc[k][j] + t[k];
                    }
                }
            }
            for k in 0..K {
                out[k][cols.clone()].copy_from_slice(&acc[k]);
            }
        } else {
            for (ra, rb) in a.chunks_exact(n).zip(b.chunks_exact(n)) {
                for j in cols.clone() {
                    let t = term(ra[j], rb[j], std::array::from_fn(|q| param[q][j]));
                    for k in 0..K {
                        out[k][j] = out[k][j] + t[k];
                    }
                }
            }
        }
        start += width;
    }
}

/// `1/√(var + eps)` per feature: the forward's factor, which the backward recomputes to the bit.
fn inverse_std<T: Real>(var: &[T], eps: T) -> Vec<T> {
    var.iter().map(|&v| T::one() / (v + eps).sqrt()).collect()
}

/// One x_hat: the forward's and, from the input, the backward's expression (so the same bits).
#[inline(always)]
fn normalized<T: Real>(x: T, mean: T, inv_std: T) -> T {
    (x - mean) * inv_std
}

/// Where the backward pass finds `x_hat`.
#[derive(Clone, Copy)]
pub enum Normalized<'a, T> {
    /// As the training forward wrote it.
    Saved(&'a [T]),
    /// Recomputed from the forward's input `x` and batch `mean` (with the backward's `var`),
    /// by the forward's own expression: the same bits as `Saved`, without an m·n buffer written
    /// in the forward and kept until the backward (a network's forward keeps its input anyway).
    FromInput { x: &'a [T], mean: &'a [T] },
}

/// Training forward: writes the batch `mean`, biased `var`, `x_hat = (x − mean)/√(var + eps)`
/// when asked (the backward can recompute it: [`Normalized::FromInput`]) and
/// `y = gamma·x_hat + beta`. With m = 0 the statistics are set to 0 (nothing to normalize).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_forward_train<T: Real>(
    x: &[T],
    gamma: &[T],
    beta: &[T],
    eps: f64,
    y: &mut [T],
    x_hat: Option<&mut [T]>,
    mean: &mut [T],
    var: &mut [T],
) {
    let n = gamma.len();
    assert!(
        beta.len() == n && mean.len() == n && var.len() == n,
        "batch_norm_forward_train: gamma, beta, mean and var lengths differ"
    );
    assert!(
        y.len() == x.len() && x_hat.as_ref().is_none_or(|h| h.len() == x.len()),
        "batch_norm_forward_train: x, y and x_hat lengths differ"
    );
    let m = rows("batch_norm_forward_train", x.len(), n);
    mean.fill(T::zero());
    var.fill(T::zero());
    if m == 0 {
        return;
    }
    vectorized(
        #[inline(always)]
        || {
            let inv_m: T = real(1.0 / m as f64);
            // One input and no parameter: the second operand goes unread.
            add_column_sums(x, x, n, [], [&mut *mean], |x, _, []| [x]);
            mean.iter_mut().for_each(|s| *s = *s * inv_m);
            add_column_sums(x, x, n, [mean], [&mut *var], |x, _, [mu]| {
                let d = x - mu;
                [d * d]
            });
            var.iter_mut().for_each(|s| *s = *s * inv_m);

            let inv_std = inverse_std(var, real(eps));
            let params = |row| mean.iter().zip(&inv_std).zip(gamma.iter().zip(beta)).zip(row);
            match x_hat {
                Some(x_hat) => {
                    for ((xr, hr), yr) in
                        x.chunks_exact(n).zip(x_hat.chunks_exact_mut(n)).zip(y.chunks_exact_mut(n))
                    {
                        for ((h, y), (((&mu, &is), (&g, &b)), &x)) in hr.iter_mut().zip(yr).zip(params(xr)) {
                            let xh = normalized(x, mu, is);
                            *h = xh;
                            *y = g * xh + b;
                        }
                    }
                }
                None => {
                    for (xr, yr) in x.chunks_exact(n).zip(y.chunks_exact_mut(n)) {
                        for (y, (((&mu, &is), (&g, &b)), &x)) in yr.iter_mut().zip(params(xr)) {
                            *y = g * normalized(x, mu, is) + b;
                        }
                    }
                }
            }
        },
    )
}

/// Backward of the training forward:
/// `dbeta = Σ_i dy`, `dgamma = Σ_i dy·x_hat`,
/// `dx = gamma/(m·√(var + eps)) · (m·dy − dbeta − x_hat·dgamma)` (overwrites all three outputs).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward<T: Real>(
    dy: &[T],
    x_hat: Normalized<'_, T>,
    var: &[T],
    gamma: &[T],
    eps: f64,
    dx: &mut [T],
    dgamma: &mut [T],
    dbeta: &mut [T],
) {
    let n = gamma.len();
    let (source, mean) = match x_hat {
        Normalized::Saved(x_hat) => (x_hat, None),
        Normalized::FromInput { x, mean } => (x, Some(mean)),
    };
    assert!(
        var.len() == n && dgamma.len() == n && dbeta.len() == n && mean.is_none_or(|mu| mu.len() == n),
        "batch_norm_backward: gamma, var, mean, dgamma and dbeta lengths differ"
    );
    assert!(
        source.len() == dy.len() && dx.len() == dy.len(),
        "batch_norm_backward: dy, x_hat (or x) and dx lengths differ"
    );
    let m = rows("batch_norm_backward", dy.len(), n);
    dgamma.fill(T::zero());
    dbeta.fill(T::zero());
    if m == 0 {
        return;
    }
    let eps: T = real(eps);
    match mean {
        None => backward_passes(dy, source, [var, var], |h, [_, _]| h, var, gamma, eps, dx, dgamma, dbeta),
        Some(mean) => {
            let inv_std = inverse_std(var, eps);
            let hat = |x: T, [mu, is]: [T; 2]| normalized(x, mu, is);
            backward_passes(dy, source, [mean, &inv_std], hat, var, gamma, eps, dx, dgamma, dbeta)
        }
    }
}

/// The backward's two passes over `dy` and `source`, x_hat being `hat(source, params)`
/// elementwise.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn backward_passes<T: Real>(
    dy: &[T],
    source: &[T],
    params: [&[T]; 2],
    hat: impl Fn(T, [T; 2]) -> T,
    var: &[T],
    gamma: &[T],
    eps: T,
    dx: &mut [T],
    dgamma: &mut [T],
    dbeta: &mut [T],
) {
    let n = gamma.len();
    let m = dy.len() / n;
    vectorized(
        #[inline(always)]
        || {
            add_column_sums(dy, source, n, params, [&mut *dbeta, &mut *dgamma], |d, s, p| [d, d * hat(s, p)]);
            let m_t: T = real(m as f64);
            let coef: Vec<T> = gamma.iter().zip(var).map(|(&g, &v)| g / (m_t * (v + eps).sqrt())).collect();
            let [p0, p1] = params;
            for ((dxr, dyr), sr) in dx.chunks_exact_mut(n).zip(dy.chunks_exact(n)).zip(source.chunks_exact(n))
            {
                let features = coef.iter().zip(dbeta.iter().zip(dgamma.iter())).zip(p0.iter().zip(p1));
                for (((o, &d), &s), ((&c, (&db, &dg)), (&a, &b))) in
                    dxr.iter_mut().zip(dyr).zip(sr).zip(features)
                {
                    *o = c * (m_t * d - db - hat(s, [a, b]) * dg);
                }
            }
        },
    )
}

/// Inference forward with the running statistics:
/// `y = gamma·(x − running_mean)/√(running_var + eps) + beta`.
pub fn batch_norm_forward_inference<T: Real>(
    x: &[T],
    gamma: &[T],
    beta: &[T],
    running_mean: &[T],
    running_var: &[T],
    eps: f64,
    y: &mut [T],
) {
    let n = gamma.len();
    assert!(
        beta.len() == n && running_mean.len() == n && running_var.len() == n,
        "batch_norm_forward_inference: gamma, beta, running_mean and running_var lengths differ"
    );
    assert_eq!(x.len(), y.len(), "batch_norm_forward_inference: x and y lengths differ");
    if rows("batch_norm_forward_inference", x.len(), n) == 0 {
        return;
    }
    vectorized(
        #[inline(always)]
        || {
            let eps: T = real(eps);
            let scale: Vec<T> = gamma.iter().zip(running_var).map(|(&g, &v)| g / (v + eps).sqrt()).collect();
            for (xr, yr) in x.chunks_exact(n).zip(y.chunks_exact_mut(n)) {
                let params = running_mean.iter().zip(&scale).zip(beta);
                for ((y, &x), ((&mu, &s), &b)) in yr.iter_mut().zip(xr).zip(params) {
                    *y = (x - mu) * s + b;
                }
            }
        },
    )
}

/// `running = momentum·running + (1 − momentum)·batch` for the mean and the (biased) variance.
pub fn batch_norm_update_running<T: Real>(
    running_mean: &mut [T],
    running_var: &mut [T],
    mean: &[T],
    var: &[T],
    momentum: f64,
) {
    let n = running_mean.len();
    assert!(
        running_var.len() == n && mean.len() == n && var.len() == n,
        "batch_norm_update_running: lengths differ"
    );
    let mo: T = real(momentum);
    let nm: T = real(1.0 - momentum);
    running_mean.iter_mut().zip(mean).for_each(|(r, &b)| *r = mo * *r + nm * b);
    running_var.iter_mut().zip(var).for_each(|(r, &b)| *r = mo * *r + nm * b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    struct Fwd {
        y: Vec<f64>,
        x_hat: Vec<f64>,
        mean: Vec<f64>,
        var: Vec<f64>,
    }

    fn fwd(x: &[f64], gamma: &[f64], beta: &[f64], eps: f64) -> Fwd {
        let n = gamma.len();
        let mut o =
            Fwd { y: vec![0.0; x.len()], x_hat: vec![0.0; x.len()], mean: vec![0.0; n], var: vec![0.0; n] };
        batch_norm_forward_train(x, gamma, beta, eps, &mut o.y, Some(&mut o.x_hat), &mut o.mean, &mut o.var);
        o
    }

    #[test]
    fn forward_train_known_statistics() {
        // X = [[1, 10], [2, 20], [6, 60]] (m = 3, n = 2).
        // Column 0: mean 3, biased var ((−2)² + (−1)² + 3²)/3 = 14/3. Column 1: mean 30, var 1400/3.
        let x = [1.0, 10.0, 2.0, 20.0, 6.0, 60.0];
        let eps = 1e-3;
        let o = fwd(&x, &[2.0, 0.5], &[1.0, -1.0], eps);
        assert!((o.mean[0] - 3.0).abs() < 1e-15 && (o.mean[1] - 30.0).abs() < 1e-13);
        assert!((o.var[0] - 14.0 / 3.0).abs() < 1e-14 && (o.var[1] - 1400.0 / 3.0).abs() < 1e-11);
        let s0 = (14.0f64 / 3.0 + eps).sqrt();
        let s1 = (1400.0f64 / 3.0 + eps).sqrt();
        let want_hat = [-2.0 / s0, -20.0 / s1, -1.0 / s0, -10.0 / s1, 3.0 / s0, 30.0 / s1];
        for (i, &want) in want_hat.iter().enumerate() {
            assert!((o.x_hat[i] - want).abs() < 1e-14, "x_hat {i}");
            let (g, b) = if i % 2 == 0 { (2.0, 1.0) } else { (0.5, -1.0) };
            assert!((o.y[i] - (g * want + b)).abs() < 1e-14, "y {i}");
        }
        // With eps = 0 each normalized column has mean 0 and (biased) variance exactly 1.
        let o = fwd(&x, &[1.0, 1.0], &[0.0, 0.0], 0.0);
        for j in 0..2 {
            let col: Vec<f64> = (0..3).map(|i| o.x_hat[i * 2 + j]).collect();
            assert!(col.iter().sum::<f64>().abs() < 1e-14);
            assert!((col.iter().map(|v| v * v).sum::<f64>() / 3.0 - 1.0).abs() < 1e-14);
        }
    }

    #[test]
    fn forward_train_2x2() {
        // X = [[1, 4], [3, 8]]: means [2, 6], biased vars [1, 4]; eps = 0 ⇒ x_hat = ±1.
        let o = fwd(&[1.0, 4.0, 3.0, 8.0], &[1.0, 1.0], &[0.0, 0.0], 0.0);
        assert_eq!(o.mean, vec![2.0, 6.0]);
        assert_eq!(o.var, vec![1.0, 4.0]);
        assert_eq!(o.x_hat, vec![-1.0, -1.0, 1.0, 1.0]);
    }

    #[test]
    fn variance_is_stable_with_large_offset() {
        // f32 with a 1e4 offset: one-pass E[x²] − E[x]² would lose every digit here.
        let x: Vec<f32> = (0..64).map(|i| 10_000.0 + (i % 2) as f32).collect();
        let (mut y, mut h) = (vec![0.0f32; 64], vec![0.0f32; 64]);
        let (mut mean, mut var) = ([0.0f32], [0.0f32]);
        batch_norm_forward_train(&x, &[1.0], &[0.0], 0.0, &mut y, Some(&mut h), &mut mean, &mut var);
        assert_eq!(mean[0], 10_000.5);
        assert_eq!(var[0], 0.25);
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (m, n) = (5, 3);
        let mut rng = Rng::new(17);
        let x: Vec<f64> = (0..m * n).map(|_| rng.normal() * 2.0 + 1.0).collect();
        let gamma = [1.5, -0.7, 0.3];
        let beta = [0.1, 0.2, -0.3];
        let w: Vec<f64> = (0..m * n).map(|_| rng.normal()).collect(); // L = Σ w·y, so dY = w
        let eps = 1e-3;
        let loss = |x: &[f64], g: &[f64], b: &[f64]| {
            fwd(x, g, b, eps).y.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>()
        };
        let o = fwd(&x, &gamma, &beta, eps);
        let (mut dx, mut dg, mut db) = (vec![0.0; m * n], vec![9.0; n], vec![9.0; n]);
        batch_norm_backward(&w, Normalized::Saved(&o.x_hat), &o.var, &gamma, eps, &mut dx, &mut dg, &mut db);
        let h = 1e-5;
        let central = |f: &dyn Fn(f64) -> f64| (f(h) - f(-h)) / (2.0 * h);
        for i in 0..m * n {
            let num = central(&|d| {
                let mut xx = x.clone();
                xx[i] += d;
                loss(&xx, &gamma, &beta)
            });
            assert!((num - dx[i]).abs() < 1e-7, "dx[{i}]: {num} vs {}", dx[i]);
        }
        for j in 0..n {
            let num_g = central(&|d| {
                let mut g = gamma.to_vec();
                g[j] += d;
                loss(&x, &g, &beta)
            });
            let num_b = central(&|d| {
                let mut b = beta.to_vec();
                b[j] += d;
                loss(&x, &gamma, &b)
            });
            assert!((num_g - dg[j]).abs() < 1e-7, "dgamma[{j}]: {num_g} vs {}", dg[j]);
            assert!((num_b - db[j]).abs() < 1e-7, "dbeta[{j}]: {num_b} vs {}", db[j]);
        }
    }

    #[test]
    fn inference_uses_running_statistics() {
        // eps = 1: y₀₀ = 2·(5 − 1)/√(3 + 1) + 0.5 = 4.5, y₀₁ = 1·(−1 − 0)/√(0.25 + 1) − 1,
        // y₁₀ = 2·(1 − 1)/2 + 0.5 = 0.5, y₁₁ = 0 − 1 = −1.
        let mut y = [0.0f64; 4];
        batch_norm_forward_inference(
            &[5.0, -1.0, 1.0, 0.0],
            &[2.0, 1.0],
            &[0.5, -1.0],
            &[1.0, 0.0],
            &[3.0, 0.25],
            1.0,
            &mut y,
        );
        assert!((y[0] - 4.5).abs() < 1e-15);
        assert!((y[1] - (-1.0 / 1.25f64.sqrt() - 1.0)).abs() < 1e-15);
        assert!((y[2] - 0.5).abs() < 1e-15 && (y[3] + 1.0).abs() < 1e-15);
    }

    #[test]
    fn running_update_weights_the_old_value_by_momentum() {
        // momentum 0.9: mean 0.9·0 + 0.1·10 = 1, var 0.9·1 + 0.1·5 = 1.4.
        let (mut rm, mut rv) = ([0.0f64, 2.0], [1.0f64, 1.0]);
        batch_norm_update_running(&mut rm, &mut rv, &[10.0, 2.0], &[5.0, 1.0], 0.9);
        assert!((rm[0] - 1.0).abs() < 1e-15 && rm[1] == 2.0);
        assert!((rv[0] - 1.4).abs() < 1e-15 && rv[1] == 1.0);
    }

    #[test]
    fn empty_batch_is_harmless() {
        let (mut mean, mut var) = ([7.0f32; 2], [7.0f32; 2]);
        let mut e: [f32; 0] = [];
        let mut e2: [f32; 0] = [];
        batch_norm_forward_train(
            &[],
            &[1.0, 1.0],
            &[0.0, 0.0],
            1e-3,
            &mut e,
            Some(&mut e2),
            &mut mean,
            &mut var,
        );
        assert_eq!((mean, var), ([0.0; 2], [0.0; 2]));
    }

    #[test]
    fn x_hat_recomputed_from_the_input_gives_the_saved_bits() {
        // Two full feature blocks and a tail, f32, offset and spread so the rounding of
        // (x − mean)·inv_std matters.
        let (m, n) = (7, 2 * FEATURE_BLOCK + 5);
        let mut rng = Rng::new(5);
        let x: Vec<f32> = (0..m * n).map(|_| (rng.normal() * 3.0 + 20.0) as f32).collect();
        let dy: Vec<f32> = (0..m * n).map(|_| rng.normal() as f32).collect();
        let gamma: Vec<f32> = (0..n).map(|_| (1.0 + rng.normal() * 0.2) as f32).collect();
        let beta: Vec<f32> = (0..n).map(|_| rng.normal() as f32).collect();
        let (mut y, mut y_alone, mut x_hat) = (vec![0.0f32; m * n], vec![0.0f32; m * n], vec![0.0f32; m * n]);
        let (mut mean, mut var) = (vec![0.0f32; n], vec![0.0f32; n]);
        batch_norm_forward_train(&x, &gamma, &beta, 1e-3, &mut y, Some(&mut x_hat), &mut mean, &mut var);
        batch_norm_forward_train(&x, &gamma, &beta, 1e-3, &mut y_alone, None, &mut mean, &mut var);
        assert_eq!(y, y_alone);
        let mut grads = [(); 2].map(|_| (vec![0.0f32; m * n], vec![0.0f32; n], vec![0.0f32; n]));
        for (source, (dx, dgamma, dbeta)) in
            [Normalized::Saved(&x_hat), Normalized::FromInput { x: &x, mean: &mean }]
                .into_iter()
                .zip(&mut grads)
        {
            batch_norm_backward(&dy, source, &var, &gamma, 1e-3, dx, dgamma, dbeta);
        }
        assert_eq!(grads[0], grads[1]);
        assert!(grads[0].0.iter().all(|v| v.is_finite() && *v != 0.0));
    }
}
