//! f32 GEMM throughput (GFLOP/s = 2mnk / t) of `tunenet_core::gemm::gemm`, and of the
//! `matrixmultiply` crate as an alternative candidate, on 1 and 2 threads.
//!
//!     cargo run --release -p tunenet-core --example gemm_gflops -- [--quick] [--json]
//!
//! Shapes: square n = 64 … 2048 and the MLP products (forward X·W, backward dW = Xᵀ·dZ and
//! dX = dZ·Wᵀ, the hidden and output layers). Each point: one warm-up call, then batches of
//! calls (each batch ≥ ~25 ms) until ≥ 0.3 s (0.1 s with `--quick`) and ≥ 3 batches; the
//! reported figure is the best batch rate (best-of is the least disturbed by other processes on
//! a shared machine; the median is reported too). `--json` prints one object per line:
//! `{"name", "m", "n", "k", "threads", "impl", "gflops"}` (plus `trans_a`, `trans_b`,
//! `median_gflops`).
//! `--threads T` measures one thread count only; `--no-matrixmultiply` skips the alternative.
//!
//! tunenet threads: `threads` is passed to `gemm`, which runs on the current rayon pool, so each
//! measurement runs inside a pool of exactly that many threads.
//! matrixmultiply threads: the crate reads `MATMUL_NUM_THREADS` once per process, so its points
//! are measured in a child process (this same binary with `--mm-child T`) per thread count.
use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};
use tunenet_core::gemm::{gemm, GemmShape};
use tunenet_core::rng::Rng;

/// As the napi binding: large blocks on a cache line (`tunenet_core::aligned_alloc`).
#[global_allocator]
static ALLOCATOR: tunenet_core::aligned_alloc::CacheLineAligned =
    tunenet_core::aligned_alloc::CacheLineAligned;

struct Case {
    name: &'static str,
    shape: GemmShape,
}

fn cases(quick: bool) -> Vec<Case> {
    let squares: &[(usize, &'static str)] = if quick {
        &[(64, "square 64"), (256, "square 256"), (1024, "square 1024")]
    } else {
        &[
            (64, "square 64"),
            (128, "square 128"),
            (256, "square 256"),
            (512, "square 512"),
            (1024, "square 1024"),
            (2048, "square 2048"),
        ]
    };
    let mut v: Vec<Case> =
        squares.iter().map(|&(n, name)| Case { name, shape: GemmShape::new(n, n, n) }).collect();
    v.push(Case { name: "mlp fwd X·W", shape: GemmShape::new(128, 256, 784) });
    v.push(Case { name: "mlp dW=Xt·dZ", shape: GemmShape::new(784, 256, 128).trans_a(true) });
    v.push(Case { name: "mlp dX=dZ·Wt", shape: GemmShape::new(128, 784, 256).trans_b(true) });
    v.push(Case { name: "mlp hidden", shape: GemmShape::new(128, 128, 256) });
    v.push(Case { name: "mlp out", shape: GemmShape::new(128, 10, 128) });
    // predict's throughput batch (bench/inference.mjs): the first layer's product at 1,024 rows.
    v.push(Case { name: "mlp infer X·W 1024", shape: GemmShape::new(1024, 256, 784) });
    v
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Impl {
    Tunenet,
    MatrixMultiply,
}

impl Impl {
    fn label(self) -> &'static str {
        match self {
            Impl::Tunenet => "tunenet",
            Impl::MatrixMultiply => "matrixmultiply",
        }
    }
}

struct Operands {
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

fn operands(shape: GemmShape, rng: &mut Rng) -> Operands {
    let mut random = |len: usize| (0..len).map(|_| rng.next_f32() * 2.0 - 1.0).collect::<Vec<f32>>();
    Operands { a: random(shape.m * shape.k), b: random(shape.k * shape.n), c: vec![0.0; shape.m * shape.n] }
}

/// One product C = op(A)·op(B) (α = 1, β = 0) with the chosen implementation.
fn run_once(which: Impl, shape: GemmShape, ops: &mut Operands, threads: usize) {
    match which {
        Impl::Tunenet => gemm(shape, 1.0f32, &ops.a, &ops.b, 0.0, &mut ops.c, threads),
        Impl::MatrixMultiply => {
            let GemmShape { m, n, k, trans_a, trans_b } = shape;
            // Row-major storage; a transpose is just swapped strides.
            let (rsa, csa) = if trans_a { (1, m as isize) } else { (k as isize, 1) };
            let (rsb, csb) = if trans_b { (1, k as isize) } else { (n as isize, 1) };
            // SAFETY: the strides address exactly the m×k, k×n and m×n elements of the slices
            // (lengths built from the same shape); `c` does not alias `a` or `b`.
            unsafe {
                matrixmultiply::sgemm(
                    m,
                    k,
                    n,
                    1.0,
                    ops.a.as_ptr(),
                    rsa,
                    csa,
                    ops.b.as_ptr(),
                    rsb,
                    csb,
                    0.0,
                    ops.c.as_mut_ptr(),
                    n as isize,
                    1,
                )
            }
        }
    }
    black_box(&mut ops.c);
}

/// Compares a few entries of C with a direct f64 dot product, so a wrong stride cannot pass
/// silently as a fast result.
fn spot_check(which: Impl, shape: GemmShape, ops: &Operands, rng: &mut Rng) {
    let GemmShape { m, n, k, trans_a, trans_b } = shape;
    for _ in 0..16 {
        let i = rng.below(m as u64) as usize;
        let j = rng.below(n as u64) as usize;
        let mut acc = 0.0f64;
        for p in 0..k {
            let av = if trans_a { ops.a[p * m + i] } else { ops.a[i * k + p] };
            let bv = if trans_b { ops.b[j * k + p] } else { ops.b[p * n + j] };
            acc += av as f64 * bv as f64;
        }
        let got = ops.c[i * n + j] as f64;
        let tol = 1e-5 * (k as f64 + 1.0);
        assert!((got - acc).abs() <= tol, "{} {shape:?}: C[{i},{j}] = {got}, expected {acc}", which.label());
    }
}

struct Measurement {
    median: f64,
    best: f64,
}

fn measure(which: Impl, shape: GemmShape, threads: usize, min_total: Duration, rng: &mut Rng) -> Measurement {
    let mut ops = operands(shape, rng);
    let mut go = || {
        // Warm-up (page faults, packing buffers, thread wake-up), then correctness spot check.
        run_once(which, shape, &mut ops, threads);
        spot_check(which, shape, &ops, rng);
        // Calibrate a batch size of ≥ ~25 ms.
        let t0 = Instant::now();
        run_once(which, shape, &mut ops, threads);
        let one = t0.elapsed().as_secs_f64().max(1e-7);
        let reps = ((0.025 / one).ceil() as usize).max(1);
        let mut rates = Vec::new();
        let start = Instant::now();
        while rates.len() < 3 || start.elapsed() < min_total {
            let t = Instant::now();
            for _ in 0..reps {
                run_once(which, shape, &mut ops, threads);
            }
            let secs = t.elapsed().as_secs_f64();
            rates.push(shape.flops() * reps as f64 / secs / 1e9);
        }
        rates.sort_by(|x, y| x.partial_cmp(y).unwrap());
        let mid = rates.len() / 2;
        let median = if rates.len() % 2 == 1 { rates[mid] } else { 0.5 * (rates[mid - 1] + rates[mid]) };
        Measurement { median, best: *rates.last().unwrap() }
    };
    match which {
        // tunenet's `threads > 1` runs on the current rayon pool: give it exactly `threads`.
        Impl::Tunenet => {
            rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("rayon pool").install(go)
        }
        // matrixmultiply uses its own pool, sized by MATMUL_NUM_THREADS for this process.
        Impl::MatrixMultiply => go(),
    }
}

fn report(json: bool, case: &Case, threads: usize, which: Impl, m: &Measurement) {
    let s = case.shape;
    if json {
        println!(
            "{{\"name\":\"{}\",\"m\":{},\"n\":{},\"k\":{},\"trans_a\":{},\"trans_b\":{},\"threads\":{},\"impl\":\"{}\",\"gflops\":{:.2},\"median_gflops\":{:.2}}}",
            case.name, s.m, s.n, s.k, s.trans_a, s.trans_b, threads, which.label(), m.best, m.median
        );
    } else {
        println!(
            "{:<14} m={:<5} n={:<5} k={:<5} {}{} threads={} {:<15} {:>8.1} GFLOP/s (median {:.1})",
            case.name,
            s.m,
            s.n,
            s.k,
            if s.trans_a { "Aᵀ" } else { "  " },
            if s.trans_b { "Bᵀ" } else { "  " },
            threads,
            which.label(),
            m.best,
            m.median
        );
    }
    std::io::stdout().flush().ok();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let json = args.iter().any(|a| a == "--json");
    let no_mm = args.iter().any(|a| a == "--no-matrixmultiply");
    let mm_child: Option<usize> = args
        .iter()
        .position(|a| a == "--mm-child")
        .map(|i| args.get(i + 1).and_then(|v| v.parse().ok()).expect("--mm-child THREADS"));
    // `--threads T` restricts the run to one thread count (default: 1 and 2).
    let thread_counts: Vec<usize> = match args.iter().position(|a| a == "--threads") {
        Some(i) => vec![args.get(i + 1).and_then(|v| v.parse().ok()).expect("--threads T")],
        None => vec![1, 2],
    };
    let min_total = Duration::from_secs_f64(if quick { 0.1 } else { 0.3 });
    let mut rng = Rng::new(20_240_601);
    let cases = cases(quick);

    if let Some(threads) = mm_child {
        for case in &cases {
            let m = measure(Impl::MatrixMultiply, case.shape, threads, min_total, &mut rng);
            report(json, case, threads, Impl::MatrixMultiply, &m);
        }
        return;
    }

    #[cfg(target_arch = "x86_64")]
    eprintln!(
        "gemm_gflops: avx512f={} avx2={} fma={} (the gemm crate is built with x86-v4 and picks its AVX-512 kernels when avx512f is detected)",
        std::arch::is_x86_feature_detected!("avx512f"),
        std::arch::is_x86_feature_detected!("avx2"),
        std::arch::is_x86_feature_detected!("fma"),
    );

    for &threads in &thread_counts {
        for case in &cases {
            let m = measure(Impl::Tunenet, case.shape, threads, min_total, &mut rng);
            report(json, case, threads, Impl::Tunenet, &m);
        }
        if !no_mm {
            // Same binary, matrixmultiply only, with its thread count fixed for that process.
            let exe = std::env::current_exe().expect("current_exe");
            let mut cmd = std::process::Command::new(exe);
            cmd.arg("--mm-child").arg(threads.to_string()).env("MATMUL_NUM_THREADS", threads.to_string());
            if quick {
                cmd.arg("--quick");
            }
            if json {
                cmd.arg("--json");
            }
            std::io::stdout().flush().ok();
            let status = cmd.status().expect("spawn matrixmultiply child");
            assert!(status.success(), "matrixmultiply child failed: {status}");
        }
    }
}
