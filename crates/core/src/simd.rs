//! Runs an elementwise kernel compiled for the widest SIMD this CPU has, chosen at run time.
//!
//! Why: the crate is built for the baseline x86-64 (no `target-cpu`, so one binary serves every
//! CPU), which leaves the compiler 4-lane SSE2 for every loop outside the GEMMs (the `gemm`
//! crate dispatches its own micro-kernels). [`vectorized`] calls the kernel through a function
//! compiled with AVX-512 or AVX2 enabled; the kernel's loops, inlined into it, are then
//! vectorized 16 or 8 lanes wide.
//!
//! Results are bit-identical on every path: Rust never contracts `a·b + c` into an FMA and never
//! reorders float operations, so a wider vector computes exactly the same IEEE operations on
//! each element, in the same order; only how many elements go through at once changes.
//!
//! Use: `vectorized(#[inline(always)] || { loops })`. The attribute matters: without it LLVM
//! keeps a larger closure as a function of its own, compiled for the baseline (seen with perf:
//! Adam's loop stayed on xmm registers); inlined, the loops run on zmm registers.

/// `f()`, compiled with AVX-512 (F, VL, DQ, BW) or AVX2 + FMA when this CPU has them.
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        match level() {
            // SAFETY: `level` returned V4 only after `is_x86_feature_detected!` confirmed every
            // feature `with_v4` enables on this CPU.
            Level::V4 => return unsafe { x86::with_v4(f) },
            // SAFETY: as above, for V3's features.
            Level::V3 => return unsafe { x86::with_v3(f) },
            Level::Baseline => {}
        }
    }
    f()
}

/// Whether `mul_add` inside [`vectorized`] is one instruction (x86 at AVX2 + FMA or above;
/// aarch64 always) rather than a call to libm's software fma (baseline x86, WebAssembly).
pub fn fused_multiply_add() -> bool {
    #[cfg(target_arch = "x86_64")]
    return level() != Level::Baseline;
    #[cfg(target_arch = "aarch64")]
    return true;
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    return false;
}

/// Whether AVX2 + FMA code may run (the level in use is AVX2 or AVX-512, not capped to the
/// baseline by `TUNENET_SIMD`).
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    return level() != Level::Baseline;
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// Whether the 8-lane AVX2 packed kernel (crate::packed_gemm) is the one to use rather than the
/// gemm crate's: at the AVX2 level, and at the AVX-512 level where the CPU runs a 512-bit FMA as
/// two 256-bit halves (AMD Zen 4: CPUID family 0x19, whose AVX-512 parts are all Zen 4), so the
/// crate's 16-lane kernel has no more arithmetic per cycle. On a Zen 4 the core's MNIST epoch
/// loop with the packed first layer ran 1.27–1.45× as fast as with the crate's AVX-512 products
/// (the zero inputs left out, as on a Zen 3). CPUs that have two full 512-bit FMA units keep the
/// crate's kernels.
pub fn packed_kernel_pays() -> bool {
    #[cfg(target_arch = "x86_64")]
    return match level() {
        Level::V3 => true,
        Level::V4 => avx512_on_256_bit_units(),
        Level::Baseline => false,
    };
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// AMD family 0x19 (Zen 3 and Zen 4; only Zen 4 has AVX-512, as two 256-bit halves). Asked once:
/// CPUID traps to the hypervisor in a VM, and the answer is wanted on every training step.
#[cfg(target_arch = "x86_64")]
fn avx512_on_256_bit_units() -> bool {
    static ANSWER: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ANSWER.get_or_init(|| {
        use std::arch::x86_64::__cpuid;
        let (vendor, signature) = (__cpuid(0), __cpuid(1)); // leaves every x86-64 CPU has
        let amd = [vendor.ebx, vendor.edx, vendor.ecx] == [0x6874_7541, 0x6974_6e65, 0x444d_4163]; // "AuthenticAMD"
        let base_family = (signature.eax >> 8) & 0xf;
        let family =
            if base_family == 0xf { base_family + ((signature.eax >> 20) & 0xff) } else { base_family };
        amd && family == 0x19
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Baseline,
    V3,
    V4,
}

/// The widest level this CPU supports, detected once (std caches the CPUID answers).
/// `TUNENET_SIMD=baseline|v3` caps it, so every path can be tested on one machine.
#[cfg(target_arch = "x86_64")]
fn level() -> Level {
    use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
    static LEVEL: AtomicU8 = AtomicU8::new(0); // 0: not detected yet, else 1 + Level index
    match LEVEL.load(Relaxed) {
        1 => return Level::Baseline,
        2 => return Level::V3,
        3 => return Level::V4,
        _ => {}
    }
    let v3 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
    let v4 = v3
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("avx512bw");
    let cap = std::env::var("TUNENET_SIMD").ok();
    let level = match cap.as_deref() {
        Some("baseline") => Level::Baseline,
        Some("v3") if v3 => Level::V3,
        _ if v4 => Level::V4,
        _ if v3 => Level::V3,
        _ => Level::Baseline,
    };
    LEVEL.store(1 + level as u8, Relaxed);
    level
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    /// # Safety
    /// The CPU must support AVX-512 F, VL, DQ and BW (and AVX2 + FMA).
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
    pub unsafe fn with_v4<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn with_v3<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_closure_once_and_returns_its_value() {
        let mut calls = 0;
        let out = vectorized(|| {
            calls += 1;
            (0..100).map(|i| i as f32 * 0.5).sum::<f32>()
        });
        assert_eq!(calls, 1);
        assert_eq!(out, (0..100).map(|i| i as f32 * 0.5).sum::<f32>());
    }
}
