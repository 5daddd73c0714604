//! The machine's own limit for f32 arithmetic: GFLOP/s of a loop of fused multiply-adds on
//! registers alone (12 independent chains, enough to keep both FMA pipes of a core busy through
//! each FMA's latency), no memory traffic. A GEMM, a predict or a training step measured against
//! it says how much of the arithmetic units' time it uses; measured in the same rounds, the
//! host's drifting clock cancels out.
use std::time::Instant;

/// FMA GFLOP/s over ~`seconds` on each of the current rayon pool's threads, summed (one
/// `rayon::broadcast`: the threads run their loops at the same time, as a step's do). `None`
/// on CPUs without AVX2 + FMA (the loop is written for x86-64 vector units).
pub fn fma_peak_gflops(seconds: f64) -> Option<f64> {
    let rates = rayon::broadcast(|_| one_thread(seconds));
    rates.into_iter().sum()
}

/// The loop on this thread: AVX-512 where the CPU has it (the gemm crate's kernels use it
/// there), else AVX2 + FMA.
fn one_thread(seconds: f64) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        // Iterations per timing check: ~0.1 ms at 100 GFLOP/s.
        const ITERATIONS: usize = 50_000;
        let (run, flops_per_iteration): (unsafe fn(usize) -> f32, f64) =
            if is_x86_feature_detected!("avx512f") {
                (x86::chains_512, 12.0 * 32.0)
            } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                (x86::chains_256, 12.0 * 16.0)
            } else {
                return None;
            };
        // SAFETY: the CPU has the features the chosen loop is compiled for (detected above).
        std::hint::black_box(unsafe { run(ITERATIONS) }); // warm-up: wakes the wide units
        let (start, mut iterations) = (Instant::now(), 0usize);
        while start.elapsed().as_secs_f64() < seconds {
            // SAFETY: as above.
            std::hint::black_box(unsafe { run(ITERATIONS) });
            iterations += ITERATIONS;
        }
        Some(iterations as f64 * flops_per_iteration / start.elapsed().as_secs_f64() / 1e9)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = seconds;
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// 12 chains of `a = a·b + c`, `n` times each; the sum of one lane, so nothing is dead code.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn chains_256(n: usize) -> f32 {
        let (b, c) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
        let mut acc = [_mm256_set1_ps(1.0); 12];
        for _ in 0..n {
            for a in &mut acc {
                *a = _mm256_fmadd_ps(*a, b, c);
            }
        }
        acc.iter().map(|a| _mm256_cvtss_f32(*a)).sum()
    }

    /// As `chains_256`, 16 lanes wide.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn chains_512(n: usize) -> f32 {
        let (b, c) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
        let mut acc = [_mm512_set1_ps(1.0); 12];
        for _ in 0..n {
            for a in &mut acc {
                *a = _mm512_fmadd_ps(*a, b, c);
            }
        }
        acc.iter().map(|a| _mm512_reduce_add_ps(*a)).sum()
    }
}
