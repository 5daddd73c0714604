//! Synchronous kernel exports: one typed function per core kernel, Float32Array in and out.
//! Inputs are borrowed for the duration of the call (sync only); outputs are new arrays.
//! All mathematics lives in `tunenet_core`; this file only converts and validates.

use crate::validate::{self as check, Result};
use napi::bindgen_prelude::{Float32Array, Float32ArraySlice, Float64Array, Float64ArraySlice};
use napi_derive::napi;
use tunenet_core::activation::{self, Activation};
use tunenet_core::gemm::{gemm as core_gemm, GemmShape};
use tunenet_core::network::OptimizerConfig;
use tunenet_core::{batch_norm, bias, dropout, loss, regularization, Rng};

#[napi(object)]
pub struct GemmOptions {
    pub m: f64,
    pub n: f64,
    pub k: f64,
    pub trans_a: Option<bool>,
    pub trans_b: Option<bool>,
    /// Scales op(A)·op(B); default 1.
    pub alpha: Option<f64>,
    /// Scales the incoming C; default 0 (C is then not read and may be omitted).
    pub beta: Option<f64>,
    /// Threads for this product (default 1).
    pub threads: Option<f64>,
}

fn gemm_shape(o: &GemmOptions) -> Result<GemmShape> {
    let (m, n, k) = (check::integer("m", o.m)?, check::integer("n", o.n)?, check::integer("k", o.k)?);
    Ok(GemmShape::new(m as usize, n as usize, k as usize)
        .trans_a(o.trans_a.unwrap_or(false))
        .trans_b(o.trans_b.unwrap_or(false)))
}

/// Checks A and B against the shape before C is allocated, so absurd sizes fail cleanly.
fn check_operands<T>(shape: GemmShape, a: &[T], b: &[T]) -> Result<()> {
    if shape.m.checked_mul(shape.n).is_none_or(|len| len > MAX_ELEMENTS) {
        return Err(check::invalid(
            "gemm",
            format!("C would have {}×{} elements, more than 2^31", shape.m, shape.n),
        ));
    }
    // `check` tests a, then b, then c: an error about c (the empty stand-in) means a and b fit.
    match shape.check(a, b, &[] as &[T]) {
        Err(e) if !e.starts_with("c:") => Err(check::invalid("gemm", e)),
        _ => Ok(()),
    }
}

/// Largest output a kernel call allocates (2^31 elements, 8 GiB of f32).
const MAX_ELEMENTS: usize = 1 << 31;

fn gemm_scalars(o: &GemmOptions) -> Result<(f64, f64)> {
    Ok((check::finite("alpha", o.alpha.unwrap_or(1.0))?, check::finite("beta", o.beta.unwrap_or(0.0))?))
}

fn gemm_threads(o: &GemmOptions) -> Result<usize> {
    match o.threads {
        None => Ok(1),
        Some(t) => check::positive("threads", t),
    }
}

/// Runs `f` on a pool of `threads` rayon workers (the GEMM's thread budget).
fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    if threads <= 1 {
        return Ok(f());
    }
    let pool = rayon_pool(threads)?;
    Ok(pool.install(f))
}

fn rayon_pool(threads: usize) -> Result<std::sync::Arc<rayon::ThreadPool>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    // Pools are cached per size: building one per call would dominate small products.
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&threads) {
        return Ok(p.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| check::invalid("threads", format!("cannot start {threads} threads: {e}")))?;
    let pool = Arc::new(pool);
    pools.insert(threads, pool.clone());
    Ok(pool)
}

/// Validates and runs one product for either float type; `c` is copied, never modified.
fn checked_gemm<T: tunenet_core::Real>(
    a: &[T],
    b: &[T],
    c: Option<&[T]>,
    options: &GemmOptions,
) -> Result<Vec<T>> {
    let shape = gemm_shape(options)?;
    check_operands(shape, a, b)?;
    let (alpha, beta) = gemm_scalars(options)?;
    let threads = gemm_threads(options)?;
    let mut out = match (c, beta != 0.0) {
        (Some(c), _) => c.to_vec(),
        (None, false) => vec![T::zero(); shape.m * shape.n],
        (None, true) => return Err(check::invalid("c", "is required when beta ≠ 0")),
    };
    shape.check(a, b, &out).map_err(|e| check::invalid("gemm", e))?;
    check::finite_elements("a", a)?;
    check::finite_elements("b", b)?;
    if beta != 0.0 {
        check::finite_elements("c", &out)?;
    }
    let (alpha, beta) = (tunenet_core::real::real::<T>(alpha), tunenet_core::real::real::<T>(beta));
    with_threads(threads, || core_gemm(shape, alpha, a, b, beta, &mut out, threads))?;
    Ok(out)
}

/// f32 `C = α·op(A)·op(B) + β·C`, returned as a new array (the given `c` is not modified).
#[napi(catch_unwind)]
pub fn gemm(
    a: Float32ArraySlice,
    b: Float32ArraySlice,
    c: Option<Float32ArraySlice>,
    options: GemmOptions,
) -> Result<Float32Array> {
    Ok(Float32Array::new(checked_gemm(&a, &b, c.as_deref(), &options)?))
}

/// f64 GEMM (gradient checking works in f64).
#[napi(catch_unwind)]
pub fn gemm_f64(
    a: Float64ArraySlice,
    b: Float64ArraySlice,
    c: Option<Float64ArraySlice>,
    options: GemmOptions,
) -> Result<Float64Array> {
    Ok(Float64Array::new(checked_gemm(&a, &b, c.as_deref(), &options)?))
}

/// Z + bias broadcast over rows; Z is [m, bias.length].
#[napi(catch_unwind)]
pub fn add_bias(z: Float32ArraySlice, bias_vector: Float32ArraySlice) -> Result<Float32Array> {
    let n = check::positive("bias", bias_vector.len() as f64)?;
    check::rows_of("z", &z, n)?;
    check::finite_elements("z", &z)?;
    check::finite_elements("bias", &bias_vector)?;
    let mut out = z.to_vec();
    bias::add_bias(&mut out, &bias_vector);
    Ok(Float32Array::new(out))
}

/// Column sums of dZ [m, n].
#[napi(catch_unwind)]
pub fn bias_grad(dz: Float32ArraySlice, n: f64) -> Result<Float32Array> {
    let n = check::positive("n", n)?;
    check::rows_of("dz", &dz, n)?;
    check::finite_elements("dz", &dz)?;
    let mut db = vec![0.0; n];
    bias::bias_grad(&dz, &mut db);
    Ok(Float32Array::new(db))
}

/// `kind` by name (`Activation::ALL`); the one numeric argument is its parameter, if it has one
/// (leakyRelu's slope).
fn parse_activation(kind: &str, parameter: Option<f64>) -> Result<Activation> {
    Activation::from_name(kind, |_| parameter)
        .map_err(|e| check::invalid(if e.arg == "activation" { "kind" } else { &e.arg }, e.message))
}

/// A = g(Z) for the activation named `kind`; `slope` is its parameter, if it has one.
#[napi(catch_unwind)]
pub fn activation_forward(kind: String, z: Float32ArraySlice, slope: Option<f64>) -> Result<Float32Array> {
    let act = parse_activation(&kind, slope)?;
    check::finite_elements("z", &z)?;
    let mut a = vec![0.0; z.len()];
    activation::activation_forward(act, &z, &mut a);
    Ok(Float32Array::new(a))
}

/// dZ = dA ⊙ g'(Z); relu/leakyRelu read Z, tanh/sigmoid read A.
#[napi(catch_unwind)]
pub fn activation_backward(
    kind: String,
    z: Float32ArraySlice,
    a: Float32ArraySlice,
    da: Float32ArraySlice,
    slope: Option<f64>,
) -> Result<Float32Array> {
    let act = parse_activation(&kind, slope)?;
    check::shape("a", &a, 1, z.len())?;
    check::shape("da", &da, 1, z.len())?;
    for (name, data) in [("z", &z[..]), ("a", &a[..]), ("da", &da[..])] {
        check::finite_elements(name, data)?;
    }
    let mut dz = vec![0.0; z.len()];
    activation::activation_backward(act, &z, &a, &da, &mut dz);
    Ok(Float32Array::new(dz))
}

/// Row-wise softmax of Z [m, n].
#[napi(catch_unwind)]
pub fn softmax(z: Float32ArraySlice, n: f64) -> Result<Float32Array> {
    let n = check::positive("n", n)?;
    check::rows_of("z", &z, n)?;
    check::finite_elements("z", &z)?;
    let mut p = vec![0.0; z.len()];
    loss::softmax(&z, n, &mut p);
    Ok(Float32Array::new(p))
}

#[napi(object)]
pub struct LossResult {
    /// Mean over the m examples (f64).
    pub loss: f64,
    pub probs: Float32Array,
    /// Gradient with respect to the logits, (P − Y)/m.
    pub dz: Float32Array,
}

fn loss_inputs(z: &[f32], y: &[f32], n: f64) -> Result<usize> {
    let n = check::positive("n", n)?;
    let m = check::rows_of("logits", z, n)?;
    check::shape("labels", y, m, n)?;
    check::finite_elements("logits", z)?;
    check::finite_elements("labels", y)?;
    Ok(n)
}

/// Softmax + cross-entropy from logits [m, n] and one-hot (or probability) labels [m, n].
#[napi(catch_unwind)]
pub fn softmax_cross_entropy(
    logits: Float32ArraySlice,
    labels: Float32ArraySlice,
    n: f64,
) -> Result<LossResult> {
    let n = loss_inputs(&logits, &labels, n)?;
    let (mut probs, mut dz) = (vec![0.0; logits.len()], vec![0.0; logits.len()]);
    let loss = loss::softmax_cross_entropy(&logits, &labels, n, &mut probs, &mut dz);
    Ok(LossResult { loss, probs: Float32Array::new(probs), dz: Float32Array::new(dz) })
}

/// Sigmoid + binary cross-entropy from logits [m, n] and 0/1 labels [m, n].
#[napi(catch_unwind)]
pub fn sigmoid_binary_cross_entropy(
    logits: Float32ArraySlice,
    labels: Float32ArraySlice,
    n: f64,
) -> Result<LossResult> {
    let n = loss_inputs(&logits, &labels, n)?;
    let (mut probs, mut dz) = (vec![0.0; logits.len()], vec![0.0; logits.len()]);
    let loss = loss::sigmoid_binary_cross_entropy(&logits, &labels, n, &mut probs, &mut dz);
    Ok(LossResult { loss, probs: Float32Array::new(probs), dz: Float32Array::new(dz) })
}

/// Validates the [m, n] input named `x_name` and the per-feature vectors; returns (m, n).
fn bn_vectors(x_name: &str, x: &[f32], pairs: &[(&str, &[f32])]) -> Result<(usize, usize)> {
    let n = check::positive(pairs[0].0, pairs[0].1.len() as f64)?;
    let m = check::rows_of(x_name, x, n)?;
    check::finite_elements(x_name, x)?;
    for (name, v) in pairs {
        check::shape(name, v, 1, n)?;
        check::finite_elements(name, v)?;
    }
    Ok((m, n))
}

fn non_negative_variance(name: &str, v: &[f32]) -> Result<()> {
    match v.iter().position(|&x| x < 0.0) {
        Some(i) => {
            Err(check::invalid(name, format!("element {i} is {}, a variance cannot be negative", v[i])))
        }
        None => Ok(()),
    }
}

#[napi(object)]
pub struct BatchNormTrainResult {
    pub y: Float32Array,
    pub x_hat: Float32Array,
    pub mean: Float32Array,
    /// Biased batch variance (1/m).
    pub variance: Float32Array,
}

/// Training-mode batch norm over X [m, n] with batch statistics.
#[napi(catch_unwind)]
pub fn batch_norm_forward_train(
    x: Float32ArraySlice,
    gamma: Float32ArraySlice,
    beta: Float32ArraySlice,
    eps: f64,
) -> Result<BatchNormTrainResult> {
    let (_, n) = bn_vectors("x", &x, &[("gamma", &gamma), ("beta", &beta)])?;
    let eps = check::positive_f64("eps", eps)?;
    let (mut y, mut x_hat) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    let (mut mean, mut var) = (vec![0.0; n], vec![0.0; n]);
    batch_norm::batch_norm_forward_train(
        &x,
        &gamma,
        &beta,
        eps,
        &mut y,
        Some(&mut x_hat),
        &mut mean,
        &mut var,
    );
    Ok(BatchNormTrainResult {
        y: Float32Array::new(y),
        x_hat: Float32Array::new(x_hat),
        mean: Float32Array::new(mean),
        variance: Float32Array::new(var),
    })
}

#[napi(object)]
pub struct BatchNormGrads {
    pub dx: Float32Array,
    pub d_gamma: Float32Array,
    pub d_beta: Float32Array,
}

/// Batch-norm backward (the standard fused form).
#[napi(catch_unwind)]
pub fn batch_norm_backward(
    dy: Float32ArraySlice,
    x_hat: Float32ArraySlice,
    variance: Float32ArraySlice,
    gamma: Float32ArraySlice,
    eps: f64,
) -> Result<BatchNormGrads> {
    let (m, n) = bn_vectors("dy", &dy, &[("gamma", &gamma), ("variance", &variance)])?;
    check::shape("xHat", &x_hat, m, n)?;
    check::finite_elements("xHat", &x_hat)?;
    non_negative_variance("variance", &variance)?;
    let eps = check::positive_f64("eps", eps)?;
    let mut dx = vec![0.0; dy.len()];
    let (mut dgamma, mut dbeta) = (vec![0.0; n], vec![0.0; n]);
    let x_hat = batch_norm::Normalized::Saved(&x_hat);
    batch_norm::batch_norm_backward(&dy, x_hat, &variance, &gamma, eps, &mut dx, &mut dgamma, &mut dbeta);
    Ok(BatchNormGrads {
        dx: Float32Array::new(dx),
        d_gamma: Float32Array::new(dgamma),
        d_beta: Float32Array::new(dbeta),
    })
}

/// Inference-mode batch norm with running statistics.
#[napi(catch_unwind)]
pub fn batch_norm_forward_inference(
    x: Float32ArraySlice,
    gamma: Float32ArraySlice,
    beta: Float32ArraySlice,
    running_mean: Float32ArraySlice,
    running_var: Float32ArraySlice,
    eps: f64,
) -> Result<Float32Array> {
    bn_vectors(
        "x",
        &x,
        &[("gamma", &gamma), ("beta", &beta), ("runningMean", &running_mean), ("runningVar", &running_var)],
    )?;
    let eps = check::positive_f64("eps", eps)?;
    non_negative_variance("runningVar", &running_var)?;
    let mut y = vec![0.0; x.len()];
    batch_norm::batch_norm_forward_inference(&x, &gamma, &beta, &running_mean, &running_var, eps, &mut y);
    Ok(Float32Array::new(y))
}

#[napi(object)]
pub struct RunningStats {
    pub running_mean: Float32Array,
    pub running_var: Float32Array,
}

/// running = momentum·running + (1 − momentum)·batch (momentum weights the old value).
#[napi(catch_unwind)]
pub fn batch_norm_update_running(
    running_mean: Float32ArraySlice,
    running_var: Float32ArraySlice,
    mean: Float32ArraySlice,
    variance: Float32ArraySlice,
    momentum: f64,
) -> Result<RunningStats> {
    let n = running_mean.len();
    for (name, v) in [
        ("runningMean", &running_mean[..]),
        ("runningVar", &running_var[..]),
        ("mean", &mean[..]),
        ("variance", &variance[..]),
    ] {
        check::shape(name, v, 1, n)?;
        check::finite_elements(name, v)?;
    }
    non_negative_variance("runningVar", &running_var)?;
    non_negative_variance("variance", &variance)?;
    let momentum = check::in_range("momentum", momentum, 0.0, 1.0, false)?;
    let (mut rm, mut rv) = (running_mean.to_vec(), running_var.to_vec());
    batch_norm::batch_norm_update_running(&mut rm, &mut rv, &mean, &variance, momentum);
    Ok(RunningStats { running_mean: Float32Array::new(rm), running_var: Float32Array::new(rv) })
}

#[napi(object)]
pub struct DropoutResult {
    pub y: Float32Array,
    /// 1/keepProb where kept, 0 where dropped.
    pub mask: Float32Array,
}

/// Inverted dropout with a mask drawn from the DROPOUT stream of `seed`
/// (so the reference, given the same seed, draws the same mask).
#[napi(catch_unwind)]
pub fn dropout_forward(x: Float32ArraySlice, keep_prob: f64, seed: f64) -> Result<DropoutResult> {
    let keep_prob = check::in_range("keepProb", keep_prob, 0.0, 1.0, true)?;
    let seed = check::seed("seed", seed)?;
    check::finite_elements("x", &x)?;
    let mut rng = Rng::with_stream(seed, tunenet_core::rng::stream::DROPOUT);
    let (mut y, mut mask) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    dropout::dropout_forward(&x, keep_prob, &mut rng, &mut y, &mut mask);
    Ok(DropoutResult { y: Float32Array::new(y), mask: Float32Array::new(mask) })
}

/// dX = dY ⊙ mask.
#[napi(catch_unwind)]
pub fn dropout_backward(dy: Float32ArraySlice, mask: Float32ArraySlice) -> Result<Float32Array> {
    check::shape("mask", &mask, 1, dy.len())?;
    check::finite_elements("dy", &dy)?;
    check::finite_elements("mask", &mask)?;
    let mut dx = vec![0.0; dy.len()];
    dropout::dropout_backward(&dy, &mask, &mut dx);
    Ok(Float32Array::new(dx))
}

fn regularization_args(w: &[f32], l2: f64, l1: f64, m: f64) -> Result<(f64, f64, usize)> {
    check::finite_elements("w", w)?;
    Ok((check::non_negative("l2", l2)?, check::non_negative("l1", l1)?, check::positive("m", m)?))
}

/// dW + (λ₂/m)·W + (λ₁/m)·sign(W).
#[napi(catch_unwind)]
pub fn regularization_grad(
    w: Float32ArraySlice,
    dw: Float32ArraySlice,
    l2: f64,
    l1: f64,
    m: f64,
) -> Result<Float32Array> {
    let (l2, l1, m) = regularization_args(&w, l2, l1, m)?;
    check::shape("dw", &dw, 1, w.len())?;
    check::finite_elements("dw", &dw)?;
    let mut out = dw.to_vec();
    regularization::regularization_grad(&w, &mut out, l2, l1, m);
    Ok(Float32Array::new(out))
}

/// (λ₂/2m)·ΣW² + (λ₁/m)·Σ|W|.
#[napi(catch_unwind)]
pub fn regularization_cost(w: Float32ArraySlice, l2: f64, l1: f64, m: f64) -> Result<f64> {
    let (l2, l1, m) = regularization_args(&w, l2, l1, m)?;
    Ok(regularization::regularization_cost(&w, l2, l1, m))
}

/// Hyperparameters of one optimizer step; unset ones take the documented defaults.
#[napi(object)]
pub struct OptimizerStepOptions {
    /// gd | momentum | nesterov | rmsprop | adam | adamw
    pub kind: String,
    pub learning_rate: f64,
    pub beta: Option<f64>,
    pub beta1: Option<f64>,
    pub beta2: Option<f64>,
    pub epsilon: Option<f64>,
    pub weight_decay: Option<f64>,
    /// The new step number (≥ 1) for adam/adamw bias correction.
    pub step: Option<f64>,
}

#[napi(object)]
pub struct OptimizerStepResult {
    pub w: Float32Array,
    /// First-moment / velocity state (momentum, nesterov, adam, adamw).
    pub v: Float32Array,
    /// Second-moment state (rmsprop, adam, adamw).
    pub s: Float32Array,
}

/// One in-place optimizer update over (W, g, state), returned as new arrays.
#[napi(catch_unwind)]
pub fn optimizer_step(
    w: Float32ArraySlice,
    g: Float32ArraySlice,
    v: Option<Float32ArraySlice>,
    s: Option<Float32ArraySlice>,
    options: OptimizerStepOptions,
) -> Result<OptimizerStepResult> {
    let len = w.len();
    check::shape("g", &g, 1, len)?;
    check::finite_elements("w", &w)?;
    check::finite_elements("g", &g)?;
    let state = |name: &str, x: &Option<Float32ArraySlice>| -> Result<Vec<f32>> {
        match x {
            None => Ok(vec![0.0; len]),
            Some(x) => {
                check::shape(name, x, 1, len)?;
                check::finite_elements(name, x)?;
                Ok(x.to_vec())
            }
        }
    };
    let (mut w2, mut v2, mut s2) = (w.to_vec(), state("v", &v)?, state("s", &s)?);
    let lr = check::non_negative("learningRate", options.learning_rate)?;
    // The rule, its options and their defaults come from the one definition of the kind.
    let option = |key: &str| match key {
        "beta" => options.beta,
        "beta1" => options.beta1,
        "beta2" => options.beta2,
        "epsilon" => options.epsilon,
        "weightDecay" => options.weight_decay,
        _ => None,
    };
    let config = OptimizerConfig::from_options(&options.kind, option)
        .map_err(|e| check::invalid(&e.arg, e.message))?;
    let t = match (config.kind.needs_step(), options.step) {
        (false, _) => 1,
        (true, None) => return Err(check::invalid("step", "adam/adamw need the new step number (≥ 1)")),
        (true, Some(t)) => check::positive("step", t)? as u64,
    };
    config.apply_slices(&mut w2, &g, &mut v2, &mut s2, true, lr, t);
    Ok(OptimizerStepResult { w: Float32Array::new(w2), v: Float32Array::new(v2), s: Float32Array::new(s2) })
}
