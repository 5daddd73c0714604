//! Subnormal floats flushed to zero on tunenet's compute threads (x86-64: the MXCSR register's
//! flush-to-zero and denormals-are-zero bits).
//!
//! Why: on x86 CPUs an arithmetic instruction that reads or produces a subnormal (|x| < 1.2e-38
//! in f32) takes a microcode assist of ~100 cycles per element. Training makes them routinely —
//! tiny gradients, Adam's second moments of those — and a whole step slows down: a 2-64-64-1
//! network's step at batch 32 took 35 µs instead of 12 µs. Flushing changes a result only where
//! a value was below 1.2e-38, and the same way on every run and thread count.
//!
//! Where: the threads of a model's pool flush for their whole life ([`flush_on_this_thread`], from
//! the pool's start handler), so training, evaluation and prediction all do. A call that computes
//! on a thread tunenet does not own (V8's main thread, libuv's workers) holds a
//! [`FlushSubnormals`] guard, which restores the previous mode when dropped: JavaScript numbers
//! must keep IEEE subnormals. Other architectures keep the default (no flushing).

/// MXCSR bits: flush-to-zero (15) and denormals-are-zero (6).
#[cfg(target_arch = "x86_64")]
const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

#[cfg(target_arch = "x86_64")]
#[allow(deprecated)] // the intrinsics are deprecated in favour of inline asm; they do exactly this
fn read_mode() -> u32 {
    // SAFETY: reading MXCSR has no preconditions on x86-64 (SSE is part of the base ISA).
    unsafe { std::arch::x86_64::_mm_getcsr() }
}

#[cfg(target_arch = "x86_64")]
#[allow(deprecated)]
fn write_mode(mode: u32) {
    // SAFETY: only the FTZ/DAZ bits differ from a value read from MXCSR itself, and both are
    // defined on every x86-64 CPU (DAZ since the Pentium 4's SSE2).
    unsafe { std::arch::x86_64::_mm_setcsr(mode) }
}

/// Makes this thread flush subnormals from now on (for threads tunenet owns).
pub fn flush_on_this_thread() {
    #[cfg(target_arch = "x86_64")]
    write_mode(read_mode() | FTZ_DAZ);
}

/// Flushes subnormals on this thread until dropped, then puts the previous mode back.
pub struct FlushSubnormals {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

impl FlushSubnormals {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let saved = read_mode();
            write_mode(saved | FTZ_DAZ);
            FlushSubnormals { saved }
        }
        #[cfg(not(target_arch = "x86_64"))]
        FlushSubnormals {}
    }
}

impl Drop for FlushSubnormals {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        write_mode(self.saved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_flushes_and_restores() {
        let tiny = std::hint::black_box(1e-39f32); // subnormal
        let half = std::hint::black_box(0.5f32);
        assert!(tiny * half > 0.0); // IEEE by default
        {
            let _guard = FlushSubnormals::new();
            #[cfg(target_arch = "x86_64")]
            assert_eq!(std::hint::black_box(tiny) * half, 0.0);
        }
        assert!(std::hint::black_box(tiny) * half > 0.0); // restored
    }
}
