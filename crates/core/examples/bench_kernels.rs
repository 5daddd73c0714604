//! Memory-bound kernels against the machine's memory bandwidth, the GEMMs of one MNIST training
//! step, and the core's fused training step — the Rust side of `bench/run.mjs` (sections 1–2).
//!
//!     cargo run --release -p tunenet-core --example bench_kernels -- [--quick] [--json]
//!
//! * `membw`: STREAM-style copy (`b = a`, 2 arrays) and triad (`a = b + s·c`, 3 arrays) on 1 and
//!   2 threads, at an in-cache size (32 Ki floats per array) and an out-of-cache one (8 Mi
//!   floats, 32 MiB per array; 4 Mi with `--quick`). GB/s = arrays × 4 bytes × n / t.
//! * `kernel`: batch norm forward (train) + backward, dropout forward, Adam update — the
//!   single-threaded kernels the fused step calls — at the MLP size (128×256 activations, Adam
//!   over W1 = 784×256) and at the out-of-cache size. Bytes touched (each array once, STREAM
//!   convention): batch norm x, y, x̂ forward + dy, x̂, dx backward = 6 arrays; dropout x, y,
//!   mask = 3; Adam reads w, g, v, s and writes w, v, s = 7.
//! * `step_gemm`: the 8 products of one training step of the 784-256-128-10 network at batch
//!   128 (3 forward, 3 dW, 2 dX — the first layer's dX is not needed), each timed alone, summed.
//! * `core_step`: `Network::train_step` of that network (variant A plain, variant B with batch
//!   norm + dropout 0.8 + L2 1e-4), Adam, on a fixed batch — the first 128 of the bench's MNIST
//!   training digits, as bench/kernels_js.mjs's `model.trainStep` (dense random rows where the
//!   split is missing) — the fused step without the napi boundary.
//! * `core_epoch`: `Network::run_steps` over whole shuffled epochs of the bench's MNIST training
//!   digits (`common/mnist_split.rs`; where bench/ has not written them yet, 8,000 × 784 random
//!   pixels, ~80 % of them 0 as in MNIST, which the packed first layer can skip far less of: the
//!   report names its data): the core step
//!   plus gathering each batch from a data set out of cache, the per-step statistics and the
//!   epoch's start and end (restore point, closing check), without napi. In rounds, back to back:
//!   the GEMM bound of bench/run.mjs target 1, the step's floor (its 8 GEMMs on shared operands
//!   and Adam's update, nothing else: `StepFloor`), one epoch, then 16 `train_step`s on a fixed
//!   batch of the same network. Reports µs per 128 examples (as the trainers' samples/s count; the
//!   last batch has 64 rows) and the medians of the rounds' epoch/step, epoch/bound and
//!   floor/bound ratios (the last: the most target 1 can reach with these GEMMs and exact Adam).
//!   With 2+ threads, the floor with the batch split in halves too (`StepFloor::step_in_halves`,
//!   the data-parallel step of issue 13's first idea), with and without adding up the halves'
//!   weight gradients. On x86-64 with AVX2 or AVX-512, each round also times the FMA peak (a
//!   register-only loop, `common/fma_peak.rs`) and reports the bound's GEMM rate and the epoch's
//!   as shares of it: how far the GEMM bound itself is from the arithmetic units.
//! * `core_predict`: `Network::predict_on_this_thread` (predictSync's core) on 1,024 rows, the
//!   throughput batch of bench/inference.mjs, and its three forward products alone at 1,024 rows
//!   with the gemm crate, back to back in rounds, 1 thread: predict (256-row chunks, weights
//!   packed per call on AVX2 CPUs: crate::packed_gemm) against the crate's GEMM work, and its
//!   GFLOP/s; predict's rate as a share of the FMA peak timed in the same rounds.
//!
//! `--only membw,kernel,step_gemm,core_step,core_epoch,core_predict` runs those parts, `--threads T` one thread count,
//! `--variant A|B` one variant of the core step, `--seconds S` at least S seconds per point.
//! bench/run.mjs runs `core_step` in a process of its own: after the other parts, the 2-thread
//! core step measured about 2× slower in the same process, every time (1t unaffected).
//!
//! Each point: warm-up, then batches of ≥ ~20 ms until ≥ 0.3 s (0.1 s with `--quick`) and ≥ 3
//! batches; the figure is the best batch (least disturbed by other processes), median kept too.
#[path = "common/fma_peak.rs"]
mod fma_peak;
#[path = "common/mnist_spec.rs"]
mod mnist_spec;
#[path = "common/mnist_split.rs"]
mod mnist_split;
use fma_peak::fma_peak_gflops;
use mnist_spec::mnist_spec;
use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

use tunenet_core::batch_norm::{batch_norm_backward, batch_norm_forward_train, Normalized};
use tunenet_core::dropout::dropout_forward;
use tunenet_core::gemm::{gemm, GemmShape};
use tunenet_core::network::layer::backward_products_side_by_side;
use tunenet_core::network::param::Param;
use tunenet_core::network::workers::with_workers_polling;
use tunenet_core::network::{
    BatchBuffers, Dataset, EpochCursor, EpochOptions, Network, OptimizerConfig, OptimizerKind,
};
use tunenet_core::optim::adam_step;
use tunenet_core::rng::Rng;

/// As the napi binding: large blocks on a cache line (`tunenet_core::aligned_alloc`).
#[global_allocator]
static ALLOCATOR: tunenet_core::aligned_alloc::CacheLineAligned =
    tunenet_core::aligned_alloc::CacheLineAligned;

struct Timing {
    /// Seconds per call, best batch.
    best: f64,
    /// Seconds per call, median batch.
    median: f64,
}

fn time_it(min_total: Duration, mut f: impl FnMut()) -> Timing {
    f(); // warm-up: page faults, caches, thread wake-up
    let t0 = Instant::now();
    f();
    let one = t0.elapsed().as_secs_f64().max(1e-8);
    let reps = ((0.02 / one).ceil() as usize).max(1);
    let mut per_call = Vec::new();
    let start = Instant::now();
    while per_call.len() < 3 || start.elapsed() < min_total {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        per_call.push(t.elapsed().as_secs_f64() / reps as f64);
    }
    per_call.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Timing { best: per_call[0], median: per_call[per_call.len() / 2] }
}

fn random(len: usize, rng: &mut Rng) -> Vec<f32> {
    (0..len).map(|_| rng.next_f32() * 2.0 - 1.0).collect()
}

fn emit(json: bool, line: String, text: String) {
    if json {
        println!("{line}");
    } else {
        println!("{text}");
    }
    std::io::stdout().flush().ok();
}

/// An element-wise body: writes its part of the output from the same part of each input.
type Body = dyn Fn(&mut [f32], &[&[f32]]) + Sync;

/// Splits `out` (and the inputs alike) into `threads` contiguous parts run on the pool.
fn par_for(threads: usize, out: &mut [f32], ins: &[&[f32]], f: &Body) {
    if threads <= 1 {
        f(out, ins);
        return;
    }
    let len = out.len();
    let chunk = len.div_ceil(threads);
    rayon::scope(|s| {
        for (i, o) in out.chunks_mut(chunk).enumerate() {
            let parts: Vec<&[f32]> = ins.iter().map(|a| &a[i * chunk..(i * chunk + o.len())]).collect();
            s.spawn(move |_| f(o, &parts));
        }
    });
}

fn membw(json: bool, quick: bool, min_total: Duration, rng: &mut Rng) {
    let big = if quick { 1 << 22 } else { 1 << 23 };
    for &(n, label) in &[(1usize << 15, "cache"), (big, "memory")] {
        let a = random(n, rng);
        let c = random(n, rng);
        let mut b = vec![0.0f32; n];
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("rayon pool");
            pool.install(|| {
                let copy = time_it(min_total, || {
                    par_for(threads, &mut b, &[&a], &|o, i| o.copy_from_slice(i[0]));
                    black_box(&mut b);
                });
                let triad = time_it(min_total, || {
                    par_for(threads, &mut b, &[&a, &c], &|o, i| {
                        for ((o, &x), &y) in o.iter_mut().zip(i[0]).zip(i[1]) {
                            *o = x + 3.0 * y;
                        }
                    });
                    black_box(&mut b);
                });
                for (op, t, arrays) in [("copy", copy, 2.0), ("triad", triad, 3.0)] {
                    let bytes = arrays * 4.0 * n as f64;
                    let gbps = bytes / t.best / 1e9;
                    emit(
                        json,
                        format!(
                            "{{\"kind\":\"membw\",\"op\":\"{op}\",\"size\":\"{label}\",\"elements\":{n},\"threads\":{threads},\"bytes\":{bytes},\"gbps\":{gbps:.2},\"median_gbps\":{:.2}}}",
                            bytes / t.median / 1e9
                        ),
                        format!("membw {op:<5} {label:<6} n={n:<9} threads={threads}  {gbps:8.1} GB/s"),
                    );
                }
            });
        }
    }
}

fn kernels(json: bool, quick: bool, min_total: Duration, rng: &mut Rng) {
    let (big_m, big_n) = if quick { (4096, 1024) } else { (8192, 1024) };
    for &(m, n, adam_len, label) in
        &[(128usize, 256usize, 784usize * 256, "mlp"), (big_m, big_n, big_m * big_n, "memory")]
    {
        let len = m * n;
        let x = random(len, rng);
        let gamma: Vec<f32> = (0..n).map(|_| 1.0 + 0.1 * rng.next_f32()).collect();
        let beta = random(n, rng);
        let mut y = vec![0.0f32; len];
        let (mut mean, mut var) = (vec![0.0f32; n], vec![0.0f32; n]);
        let dy = random(len, rng);
        let mut dx = vec![0.0f32; len];
        let (mut dgamma, mut dbeta) = (vec![0.0f32; n], vec![0.0f32; n]);
        let bn = time_it(min_total, || {
            // As a network runs it: x_hat recomputed from the input in the backward.
            batch_norm_forward_train(&x, &gamma, &beta, 1e-3, &mut y, None, &mut mean, &mut var);
            let x_hat = Normalized::FromInput { x: &x, mean: &mean };
            batch_norm_backward(&dy, x_hat, &var, &gamma, 1e-3, &mut dx, &mut dgamma, &mut dbeta);
            black_box((&mut y, &mut dx));
        });
        let mut drop_rng = Rng::new(7);
        let mut mask = vec![0.0f32; len];
        let dropout = time_it(min_total, || {
            dropout_forward(&x, 0.8, &mut drop_rng, &mut y, &mut mask);
            black_box((&mut y, &mut mask));
        });
        let mut w = random(adam_len, rng);
        let g = random(adam_len, rng);
        let (mut v, mut s) = (vec![0.0f32; adam_len], vec![0.0f32; adam_len]);
        let mut t = 0u64;
        let adam = time_it(min_total, || {
            t += 1;
            adam_step(&mut w, &g, &mut v, &mut s, 1e-3, 0.9, 0.999, 1e-8, t);
            black_box(&mut w);
        });
        let shape = format!("{m}×{n}");
        let adam_shape = if label == "mlp" { "784×256".to_string() } else { format!("{adam_len}") };
        for (op, tm, elements, arrays, sh) in [
            ("batchnorm fwd+bwd", bn, len, 6.0, shape.clone()),
            ("dropout fwd", dropout, len, 3.0, shape.clone()),
            ("adam update", adam, adam_len, 7.0, adam_shape),
        ] {
            let bytes = arrays * 4.0 * elements as f64;
            let gbps = bytes / tm.best / 1e9;
            emit(
                json,
                format!(
                    "{{\"kind\":\"kernel\",\"op\":\"{op}\",\"size\":\"{label}\",\"shape\":\"{sh}\",\"elements\":{elements},\"bytes\":{bytes},\"us\":{:.3},\"gbps\":{gbps:.2},\"median_gbps\":{:.2}}}",
                    tm.best * 1e6,
                    bytes / tm.median / 1e9
                ),
                format!("kernel {op:<18} {sh:<10} {:9.1} µs {gbps:8.1} GB/s", tm.best * 1e6),
            );
        }
    }
}

/// The 8 products of one step of 784-256-128-10 at batch 128 (row-major, as the network runs them).
fn step_products() -> Vec<(&'static str, GemmShape)> {
    vec![
        ("fwd1 X·W1", GemmShape::new(128, 256, 784)),
        ("fwd2 A1·W2", GemmShape::new(128, 128, 256)),
        ("fwd3 A2·W3", GemmShape::new(128, 10, 128)),
        ("dW3 A2ᵀ·dZ3", GemmShape::new(128, 10, 128).trans_a(true)),
        ("dA2 dZ3·W3ᵀ", GemmShape::new(128, 128, 10).trans_b(true)),
        ("dW2 A1ᵀ·dZ2", GemmShape::new(256, 128, 128).trans_a(true)),
        ("dA1 dZ2·W2ᵀ", GemmShape::new(128, 256, 128).trans_b(true)),
        ("dW1 Xᵀ·dZ1", GemmShape::new(784, 256, 128).trans_a(true)),
    ]
}

fn step_gemms(json: bool, min_total: Duration, threads: usize, rng: &mut Rng) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("rayon pool");
    pool.install(|| {
        let mut parts = Vec::new();
        let mut total = 0.0;
        let mut flops = 0.0;
        for (name, shape) in step_products() {
            let a = random(shape.m * shape.k, rng);
            let b = random(shape.k * shape.n, rng);
            let mut c = vec![0.0f32; shape.m * shape.n];
            let t = time_it(min_total, || {
                gemm(shape, 1.0f32, &a, &b, 0.0, &mut c, threads);
                black_box(&mut c);
            });
            total += t.best;
            flops += shape.flops();
            parts.push(format!(
                "{{\"name\":\"{name}\",\"m\":{},\"n\":{},\"k\":{},\"us\":{:.3}}}",
                shape.m,
                shape.n,
                shape.k,
                t.best * 1e6
            ));
        }
        emit(
            json,
            format!(
                "{{\"kind\":\"step_gemm\",\"threads\":{threads},\"total_us\":{:.3},\"gflop\":{:.6},\"gflops\":{:.2},\"products\":[{}]}}",
                total * 1e6,
                flops / 1e9,
                flops / total / 1e9,
                parts.join(",")
            ),
            format!("step gemms threads={threads}: {:.1} µs ({:.1} GFLOP/s)", total * 1e6, flops / total / 1e9),
        );
    });
}

/// `rows` one-hot labels over the MNIST network's 10 classes, drawn from `rng`.
fn one_hot_labels(rows: usize, rng: &mut Rng) -> Vec<f32> {
    let mut y = vec![0.0f32; rows * 10];
    for i in 0..rows {
        y[i * 10 + rng.below(10) as usize] = 1.0;
    }
    y
}

/// A pool of `threads` threads for the core step, subnormals flushed as on a model's own pool
/// threads: thousands of steps on one batch can drive Adam's g² below f32's normal range, where
/// each value costs a microcode assist that no real fit pays.
fn step_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(|_| tunenet_core::subnormals::flush_on_this_thread())
        .build()
        .expect("rayon pool")
}

/// The MNIST network of the bench (variant "A" plain, "B" with batch norm, dropout and L2), Adam,
/// with a GEMM budget of `threads`.
fn mnist_network(variant: &str, threads: usize) -> Network<f32> {
    let mut net = Network::new(mnist_spec(variant == "B", 1), OptimizerConfig::new(OptimizerKind::Adam))
        .expect("network");
    net.threads = threads;
    net
}

fn core_step(json: bool, min_total: Duration, threads: usize, variants: &[&str], rng: &mut Rng) {
    let m = 128;
    // The first 128 training digits, the batch bench/kernels_js.mjs times `model.trainStep` on
    // (so the two compare the same step, the packed first layer's skipping included); dense
    // random rows where bench/ has not written the split.
    let (x, y) = match mnist_split::training_digits(784, 10).filter(|&(_, _, rows)| rows >= m) {
        Some((x, y, _)) => (x[..m * 784].to_vec(), y[..m * 10].to_vec()),
        None => ((0..m * 784).map(|_| rng.next_f32()).collect(), one_hot_labels(m, rng)),
    };
    let pool = step_pool(threads);
    for &variant in variants {
        let mut net = mnist_network(variant, threads);
        let t = pool.install(|| {
            time_it(min_total, || {
                black_box(net.train_step(&x, &y, m, 1e-3, None).expect("finite step"));
            })
        });
        emit(
            json,
            format!(
                "{{\"kind\":\"core_step\",\"variant\":\"{variant}\",\"threads\":{threads},\"batch\":{m},\"us\":{:.3},\"median_us\":{:.3}}}",
                t.best * 1e6,
                t.median * 1e6
            ),
            format!("core train_step variant {variant} threads={threads}: {:.1} µs", t.best * 1e6),
        );
    }
}

/// Seconds of each round's FMA-peak loop (`fma_peak`): long enough for a stable rate, short
/// next to the epoch or predict it is compared with.
const PEAK_SECONDS: f64 = 2e-3;

/// GEMM FLOPs of one MNIST training step per sample: its 8 products at batch 128 ÷ 128
/// (1.007 MFLOP, bench/run.mjs's FLOPS_PER_SAMPLE).
fn flops_per_sample() -> f64 {
    step_products().iter().map(|(_, shape)| shape.flops()).sum::<f64>() / 128.0
}

/// The GEMM bound of bench/run.mjs target 1 — the fastest GEMM rate ÷ FLOPs per sample — timed
/// again right before each epoch, on the shapes that have been fastest in gemm_gflops runs: square
/// 256 and the first layer's forward and weight-gradient products.
struct GemmBound {
    products: Vec<Product>,
}

/// One product's shape and operands (C overwritten).
struct Product {
    shape: GemmShape,
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

impl Product {
    /// `shape` with random operands.
    fn random(shape: GemmShape, rng: &mut Rng) -> Self {
        Product {
            shape,
            a: random(shape.m * shape.k, rng),
            b: random(shape.k * shape.n, rng),
            c: vec![0.0; shape.m * shape.n],
        }
    }
}

/// The median of `v` (reordered).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

impl GemmBound {
    fn new(rng: &mut Rng) -> Self {
        let shapes = [
            GemmShape::new(256, 256, 256),
            GemmShape::new(128, 256, 784),
            GemmShape::new(784, 256, 128).trans_a(true),
        ];
        let products = shapes.into_iter().map(|shape| Product::random(shape, rng)).collect();
        GemmBound { products }
    }

    /// Samples/s at the fastest shape's rate over ~10 ms of calls (after one warm-up call), on the
    /// current pool: a rate over many calls, as the epoch's is, not the best single call.
    fn samples_per_second(&mut self, threads: usize) -> f64 {
        let mut best_gflops: f64 = 0.0;
        for Product { shape, a, b, c } in &mut self.products {
            // ~10 ms at ~90 GFLOP/s a thread (the AVX2 machines; faster ones just time longer).
            let calls = (10e-3 * 90e9 * threads as f64 / shape.flops()).ceil() as usize;
            gemm(*shape, 1.0, a, b, 0.0, c, threads);
            let t = Instant::now();
            for _ in 0..calls {
                gemm(*shape, 1.0, a, b, 0.0, c, threads);
                black_box(&c);
            }
            best_gflops = best_gflops.max(shape.flops() * calls as f64 / t.elapsed().as_secs_f64() / 1e9);
        }
        best_gflops * 1e9 / flops_per_sample()
    }
}

/// What target 1 can reach at best on this machine: one step's 8 GEMMs on the data a step gives
/// them (the batch, the weights, each layer's output and gradient, the weight gradients Adam
/// reads: operands shared between products as in a step, so the caches hold what they hold in
/// one), threaded as a step threads them, then Adam's update of every parameter (split over the
/// threads as a step splits it), and nothing else: no bias, activation, loss or gather. Adam
/// is a square root and a division per parameter, bound by the divider rather than by memory (as
/// many ns per parameter on a tensor in L1 as on W1), so no fusion or layout takes it out of a
/// step. Dense layers without activations between them (variant A's shapes).
struct StepFloor {
    m: usize,
    x: Vec<f32>,
    /// Each dense layer's output and the gradient at it.
    outputs: Vec<Vec<f32>>,
    deltas: Vec<Vec<f32>>,
    /// The network's parameters; the dense weights among them (by index, in layer order).
    params: Vec<Param<f32>>,
    weights: Vec<usize>,
    widths: Vec<usize>,
    optimizer: OptimizerConfig,
    t: u64,
}

impl StepFloor {
    fn new(net: &Network<f32>, x: &[f32], m: usize, rng: &mut Rng) -> Self {
        let params: Vec<Param<f32>> = net.layers.iter().flat_map(|l| l.params()).cloned().collect();
        let weights: Vec<usize> = (0..params.len()).filter(|&i| params[i].name == "W").collect();
        // Each weight is [n_in, n_out]: n_out = its length / n_in, n_in the previous width.
        let mut widths = vec![x.len() / m];
        for &i in &weights {
            widths.push(params[i].value.len() / widths[widths.len() - 1]);
        }
        let outputs = widths[1..].iter().map(|&n| vec![0.0f32; m * n]).collect();
        let deltas = widths[1..].iter().map(|&n| random(m * n, rng)).collect();
        StepFloor {
            m,
            x: x.to_vec(),
            outputs,
            deltas,
            params,
            weights,
            widths,
            optimizer: net.optimizer,
            t: 0,
        }
    }

    /// One step's products and update, threaded as a step threads them: the other workers
    /// polling for the length of the step, and a layer's two backward products side by side on
    /// a share of the threads each where `Layer::backward` runs them so.
    fn step(&mut self, threads: usize) {
        with_workers_polling(threads, || self.step_in_place(threads));
    }

    fn step_in_place(&mut self, threads: usize) {
        let (m, layers) = (self.m, self.weights.len());
        let weight = |i: usize| &self.params[self.weights[i]].value[..];
        forward_products(m, &self.widths, &self.x, &mut self.outputs, weight, threads);
        for i in (0..layers).rev() {
            let (n_in, n_out) = (self.widths[i], self.widths[i + 1]);
            let input = if i == 0 { &self.x } else { &self.outputs[i - 1] };
            let Param { value, grad, .. } = &mut self.params[self.weights[i]];
            let (before, after) = self.deltas.split_at_mut(i);
            let dy = &after[0];
            let mut weight_grad = |threads| {
                gemm(GemmShape::new(n_in, n_out, m).trans_a(true), 1.0, input, dy, 0.0, grad, threads)
            };
            if i == 0 {
                weight_grad(threads);
                continue;
            }
            let dx = &mut before[i - 1];
            let mut input_grad = |threads| {
                gemm(GemmShape::new(m, n_in, n_out).trans_b(true), 1.0, dy, value, 0.0, dx, threads)
            };
            if backward_products_side_by_side(m, n_in, n_out, threads) {
                let half = threads / 2;
                rayon::join(|| weight_grad(threads - half), || input_grad(half));
            } else {
                weight_grad(threads);
                input_grad(threads);
            }
        }
        self.t += 1;
        for p in &mut self.params {
            self.optimizer.apply(p, 1e-3, self.t, threads);
        }
        black_box(&self.params);
    }

    /// Seconds per step over `CALLS` steps after a warm-up (a rate over several calls, as the bound's).
    fn seconds(&mut self, threads: usize) -> f64 {
        self.seconds_of(|floor| floor.step(threads))
    }

    /// The same, with the batch split in halves (`step_in_halves`).
    fn seconds_in_halves(&mut self, halves: &mut [HalfBatch; 2], threads: usize, reduce: bool) -> f64 {
        self.seconds_of(|floor| {
            with_workers_polling(threads, || floor.step_in_halves(halves, threads, reduce))
        })
    }

    fn seconds_of(&mut self, mut step: impl FnMut(&mut Self)) -> f64 {
        const CALLS: usize = 4;
        step(self);
        let t = Instant::now();
        for _ in 0..CALLS {
            step(self);
        }
        t.elapsed().as_secs_f64() / CALLS as f64
    }

    /// Issue 13's first idea, splitting each mini-batch across the threads: each half of the
    /// batch gets all 8 products on one thread of its own, the halves side by side (one join
    /// per step instead of one parallel region per product), then — with `reduce` — the second
    /// half's weight gradients are added to the first's (split over the threads), then Adam.
    /// Without `reduce` it is the least a step split so could cost, whatever its reduction.
    fn step_in_halves(&mut self, halves: &mut [HalfBatch; 2], threads: usize, reduce: bool) {
        let weights: Vec<&[f32]> = self.weights.iter().map(|&i| &self.params[i].value[..]).collect();
        let (first, second) = halves.split_at_mut(1);
        let widths = &self.widths;
        rayon::join(|| first[0].products(&weights, widths), || second[0].products(&weights, widths));
        // Without `reduce`, Adam reads the gradients the parameters already hold.
        for (layer, &i) in self.weights.iter().enumerate().filter(|_| reduce) {
            let grad = &mut self.params[i].grad;
            let (a, b) = (&halves[0].grads[layer], &halves[1].grads[layer]);
            let chunk = grad.len().div_ceil(threads);
            rayon::scope(|s| {
                for ((g, a), b) in grad.chunks_mut(chunk).zip(a.chunks(chunk)).zip(b.chunks(chunk)) {
                    s.spawn(move |_| g.iter_mut().zip(a).zip(b).for_each(|((g, a), b)| *g = a + b));
                }
            });
        }
        self.t += 1;
        for p in &mut self.params {
            self.optimizer.apply(p, 1e-3, self.t, threads);
        }
        black_box(&self.params);
    }
}

/// The forward products of dense layers without activations between them: `outputs[i]` =
/// layer i's input · `weight(i)`, the first input `x` (m rows); `widths` are the layers' widths.
fn forward_products<'w>(
    m: usize,
    widths: &[usize],
    x: &[f32],
    outputs: &mut [Vec<f32>],
    weight: impl Fn(usize) -> &'w [f32],
    threads: usize,
) {
    for i in 0..outputs.len() {
        let (n_in, n_out) = (widths[i], widths[i + 1]);
        let (before, after) = outputs.split_at_mut(i);
        let input = if i == 0 { x } else { &before[i - 1] };
        gemm(GemmShape::new(m, n_out, n_in), 1.0, input, weight(i), 0.0, &mut after[0], threads);
    }
}

/// One half of a batch for `StepFloor::step_in_halves`: its rows of the input, each dense
/// layer's output and gradient, and the weight gradients of its rows alone.
struct HalfBatch {
    m: usize,
    x: Vec<f32>,
    outputs: Vec<Vec<f32>>,
    deltas: Vec<Vec<f32>>,
    grads: Vec<Vec<f32>>,
}

impl HalfBatch {
    /// Half `which` (0 or 1) of `floor`'s batch.
    fn of(floor: &StepFloor, which: usize) -> Self {
        let m = floor.m / 2;
        let rows = |v: &[f32], n: usize| v[which * m * n..(which + 1) * m * n].to_vec();
        let widths = &floor.widths;
        HalfBatch {
            m,
            x: rows(&floor.x, widths[0]),
            outputs: widths[1..].iter().map(|&n| vec![0.0f32; m * n]).collect(),
            deltas: floor.deltas.iter().zip(&widths[1..]).map(|(d, &n)| rows(d, n)).collect(),
            grads: widths.windows(2).map(|w| vec![0.0f32; w[0] * w[1]]).collect(),
        }
    }

    /// The step's 8 products on these rows, on this thread.
    fn products(&mut self, weights: &[&[f32]], widths: &[usize]) {
        let (m, layers) = (self.m, weights.len());
        forward_products(m, widths, &self.x, &mut self.outputs, |i| weights[i], 1);
        for i in (0..layers).rev() {
            let (n_in, n_out) = (widths[i], widths[i + 1]);
            let input = if i == 0 { &self.x } else { &self.outputs[i - 1] };
            let (before, after) = self.deltas.split_at_mut(i);
            let dy = &after[0];
            gemm(GemmShape::new(n_in, n_out, m).trans_a(true), 1.0, input, dy, 0.0, &mut self.grads[i], 1);
            if i > 0 {
                gemm(
                    GemmShape::new(m, n_in, n_out).trans_b(true),
                    1.0,
                    dy,
                    weights[i],
                    0.0,
                    &mut before[i - 1],
                    1,
                );
            }
        }
        black_box(&self.grads);
    }
}

fn core_epoch(json: bool, min_total: Duration, threads: usize, variants: &[&str], rng: &mut Rng) {
    let m = 128usize;
    // The digits `fit` trains on where bench/ has written them; iid rows otherwise, which the
    // packed first layer can skip far less of (`source` says which in the report).
    let (x, y, rows, source) = match mnist_split::training_digits(784, 10) {
        Some((x, y, rows)) => (x, y, rows, "digits"),
        None => {
            let rows = 8000;
            let x =
                (0..rows * 784).map(|_| if rng.next_f32() < 0.8 { 0.0 } else { rng.next_f32() }).collect();
            (x, one_hot_labels(rows, rng), rows, "synthetic")
        }
    };
    let data = Dataset::new(x, y, 784, 10).expect("data set");
    let options =
        EpochOptions { batch_size: m, shuffle: true, drop_last: false, clip_norm: None, augmentation: None };
    let pool = step_pool(threads);
    let mut bound = GemmBound::new(rng);
    for &variant in variants {
        let mut net = mnist_network(variant, threads);
        let (mut cursor, mut buffers) = (EpochCursor::default(), BatchBuffers::default());
        let (fixed_x, fixed_y) = (&data.x[..m * 784], &data.y[..m * 10]);
        let mut floor = StepFloor::new(&net, fixed_x, m, rng);
        let mut halves = [HalfBatch::of(&floor, 0), HalfBatch::of(&floor, 1)];
        // Rounds of one epoch, then `STEPS` train_steps on a fixed batch, back to back: the host's
        // speed drifts over seconds by more than the difference measured, a round's two parts not.
        const STEPS: usize = 16;
        let (mut epochs, mut steps, mut ratios, mut of_bound, mut ceilings) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // The bound's GEMM rate and the epoch's over the FMA peak of the same round (CPUs with
        // AVX2 or AVX-512).
        let (mut bound_of_peak, mut epoch_of_peak) = (Vec::new(), Vec::new());
        // The ceiling with the batch split in halves, with and without adding up their gradients.
        let (mut in_halves, mut in_halves_unreduced) = (Vec::new(), Vec::new());
        let start = Instant::now();
        pool.install(|| {
            while ratios.len() < 11 || start.elapsed() < min_total * 8 {
                let bound = bound.samples_per_second(threads);
                let peak = fma_peak_gflops(PEAK_SECONDS);
                ceilings.push(m as f64 / floor.seconds(threads) / bound);
                if threads > 1 {
                    in_halves.push(m as f64 / floor.seconds_in_halves(&mut halves, threads, true) / bound);
                    in_halves_unreduced
                        .push(m as f64 / floor.seconds_in_halves(&mut halves, threads, false) / bound);
                }
                let t = Instant::now();
                net.begin_epoch(&mut cursor, rows, options).expect("epoch");
                black_box(
                    net.run_steps(&data, &mut cursor, &mut buffers, 1e-3, usize::MAX).expect("finite epoch"),
                );
                // Per `m` examples, as the bench's samples/s figures count (the last batch has 64 rows).
                let epoch = t.elapsed().as_secs_f64() / rows as f64 * m as f64;
                let t = Instant::now();
                for _ in 0..STEPS {
                    black_box(net.train_step(fixed_x, fixed_y, m, 1e-3, None).expect("finite step"));
                }
                let step = t.elapsed().as_secs_f64() / STEPS as f64;
                ratios.push(epoch / step);
                of_bound.push(m as f64 / epoch / bound);
                if let Some(peak) = peak {
                    bound_of_peak.push(bound * flops_per_sample() / 1e9 / peak);
                    epoch_of_peak.push(m as f64 / epoch * flops_per_sample() / 1e9 / peak);
                }
                epochs.push(epoch);
                steps.push(step);
            }
        });
        let (epoch, step, ratio) = (median(&mut epochs), median(&mut steps), median(&mut ratios));
        let (of_bound, ceiling) = (median(&mut of_bound), median(&mut ceilings));
        let halves = (threads > 1).then(|| (median(&mut in_halves), median(&mut in_halves_unreduced)));
        let of_peak =
            (!bound_of_peak.is_empty()).then(|| (median(&mut bound_of_peak), median(&mut epoch_of_peak)));
        let peak_text = of_peak.map_or(String::new(), |(bound, epoch)| {
            format!("; of the FMA peak: the bound's GEMM {bound:.3}, the epoch {epoch:.3}")
        });
        let peak_json = of_peak.map_or(String::new(), |(bound, epoch)| {
            format!(",\"bound_of_peak\":{bound:.4},\"epoch_of_peak\":{epoch:.4}")
        });
        let halves_text = halves.map_or(String::new(), |(reduced, unreduced)| {
            format!(
                "; the batch split in halves {reduced:.3} ({unreduced:.3} without adding up their gradients)"
            )
        });
        let halves_json = halves.map_or(String::new(), |(reduced, unreduced)| {
            format!(",\"ceiling_halves\":{reduced:.4},\"ceiling_halves_unreduced\":{unreduced:.4}")
        });
        emit(
            json,
            format!(
                "{{\"kind\":\"core_epoch\",\"variant\":\"{variant}\",\"threads\":{threads},\"batch\":{m},\"rows\":{rows},\"data\":\"{source}\",\"us\":{:.3},\"step_us\":{:.3},\"ratio\":{ratio:.4},\"of_bound\":{of_bound:.4},\"ceiling\":{ceiling:.4}{halves_json}{peak_json},\"rounds\":{}}}",
                epoch * 1e6,
                step * 1e6,
                ratios.len()
            ),
            format!(
                "core run_steps variant {variant} threads={threads}: {:.1} µs per {m} examples ({rows} rows of {source} data) vs train_step {:.1} µs: {ratio:.3}×; {of_bound:.3} of the GEMM bound, GEMMs + Adam alone {ceiling:.3}{halves_text}{peak_text} (medians of {} rounds)",
                epoch * 1e6,
                step * 1e6,
                ratios.len()
            ),
        );
    }
}

/// Where a 1-thread `predict` of 1,024 rows goes (bench/inference.mjs's throughput batch): in
/// rounds, back to back, `Network::predict_on_this_thread` (the core of `predictSync`) and its
/// three forward products alone with the gemm crate, at 1,024 rows. Reports µs of each (medians)
/// and the GEMMs' GFLOP/s. Predict adds bias, activations, softmax and the output's allocation,
/// and saves what its chunks (a chunk's hidden layer stays in L2) and, on AVX2 CPUs, its packed
/// kernel save: it can take less time than the crate's products. With the FMA peak of each round
/// (`fma_peak`), predict's GFLOP/s (its 3 products' FLOPs over its time) as a share of it.
fn core_predict(json: bool, min_total: Duration, variants: &[&str], rng: &mut Rng) {
    let m = 1024usize;
    let x: Vec<f32> = (0..m * 784).map(|_| if rng.next_f32() < 0.8 { 0.0 } else { rng.next_f32() }).collect();
    let shapes = [GemmShape::new(m, 256, 784), GemmShape::new(m, 128, 256), GemmShape::new(m, 10, 128)];
    let mut products: Vec<Product> = shapes.into_iter().map(|shape| Product::random(shape, rng)).collect();
    let flops: f64 = shapes.iter().map(GemmShape::flops).sum();
    let pool = step_pool(1);
    for &variant in variants {
        let mut net = mnist_network(variant, 1);
        let (mut predicts, mut gemms, mut of_peak) = (Vec::new(), Vec::new(), Vec::new());
        let start = Instant::now();
        pool.install(|| {
            black_box(net.predict_on_this_thread(&x, m).expect("finite rows"));
            while predicts.len() < 21 || start.elapsed() < min_total * 4 {
                let peak = fma_peak_gflops(PEAK_SECONDS);
                let t = Instant::now();
                black_box(net.predict_on_this_thread(&x, m).expect("finite rows"));
                predicts.push(t.elapsed().as_secs_f64());
                if let Some(peak) = peak {
                    of_peak.push(flops / predicts.last().unwrap() / 1e9 / peak);
                }
                let t = Instant::now();
                for Product { shape, a, b, c } in &mut products {
                    gemm(*shape, 1.0, a, b, 0.0, c, 1);
                    black_box(&c);
                }
                gemms.push(t.elapsed().as_secs_f64());
            }
        });
        let (predict, gemm_s) = (median(&mut predicts), median(&mut gemms));
        let of_peak = (!of_peak.is_empty()).then(|| median(&mut of_peak));
        let peak_json = of_peak.map_or(String::new(), |r| format!(",\"of_peak\":{r:.4}"));
        let peak_text = of_peak.map_or(String::new(), |r| format!("; predict at {r:.3} of the FMA peak"));
        emit(
            json,
            format!(
                "{{\"kind\":\"core_predict\",\"variant\":\"{variant}\",\"threads\":1,\"batch\":{m},\"us\":{:.3},\"gemm_us\":{:.3},\"gemm_gflops\":{:.2}{peak_json},\"rounds\":{}}}",
                predict * 1e6,
                gemm_s * 1e6,
                flops / gemm_s / 1e9,
                predicts.len()
            ),
            format!(
                "core predict variant {variant}, 1 thread, {m} rows: {:.1} µs; its 3 products alone at {m} rows {:.1} µs ({:.1} GFLOP/s): predict takes {:.3}× their time{peak_text} (medians of {} rounds)",
                predict * 1e6,
                gemm_s * 1e6,
                flops / gemm_s / 1e9,
                predict / gemm_s,
                predicts.len()
            ),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let json = args.iter().any(|a| a == "--json");
    let min_total = Duration::from_secs_f64(if quick { 0.1 } else { 0.3 });
    // `--only membw,kernel,step_gemm,core_step,core_epoch,core_predict` runs those parts; `--threads T` one thread count.
    let only: Option<Vec<&str>> =
        args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).map(|s| s.split(',').collect());
    let thread_counts: Vec<usize> = match args.iter().position(|a| a == "--threads") {
        Some(i) => vec![args.get(i + 1).and_then(|v| v.parse().ok()).expect("--threads T")],
        None => vec![1, 2],
    };
    // `--variant A|B` times one variant of the core step (both by default); `--seconds S` makes
    // each point last at least S seconds (for perf).
    let variants: Vec<&str> = match args.iter().position(|a| a == "--variant") {
        Some(i) => vec![args.get(i + 1).map(String::as_str).expect("--variant A|B")],
        None => vec!["A", "B"],
    };
    let min_total = match args.iter().position(|a| a == "--seconds") {
        Some(i) => {
            Duration::from_secs_f64(args.get(i + 1).and_then(|v| v.parse().ok()).expect("--seconds S"))
        }
        None => min_total,
    };
    let wants = |part: &str| only.as_ref().is_none_or(|o| o.contains(&part));
    let mut rng = Rng::new(20_240_602);
    if wants("membw") {
        membw(json, quick, min_total, &mut rng);
    }
    if wants("kernel") {
        kernels(json, quick, min_total, &mut rng);
    }
    for &threads in &thread_counts {
        if wants("step_gemm") {
            step_gemms(json, min_total, threads, &mut rng);
        }
        if wants("core_step") {
            core_step(json, min_total, threads, &variants, &mut rng);
        }
        if wants("core_epoch") {
            core_epoch(json, min_total, threads, &variants, &mut rng);
        }
    }
    if wants("core_predict") {
        core_predict(json, min_total, &variants, &mut rng);
    }
}
