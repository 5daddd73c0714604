//! Keeps a rayon pool's other workers polling for work while a training step runs.
//!
//! Why: a step at batch 128 is ~10 short parallel regions (the GEMMs, the large optimizer
//! updates) separated by serial elementwise work. Between regions rayon's idle workers go to
//! sleep, and waking one is a futex call plus an inter-processor interrupt — expensive on a VM
//! (perf on the 2-core VM: ~20% of a 2-thread step in the kernel's scheduler, the 2-thread step
//! no faster than the 1-thread one although its GEMMs alone ran 1.7× faster). Here the other
//! workers each take one polling task for the length of the step: they run whatever work the
//! step spawns the moment it appears (`rayon::yield_now`) and spin in between.
//!
//! Results are unchanged: how work is split depends on the thread budget, not on which thread
//! runs each piece.
//!
//! Measured and not done: splitting the mini-batch itself across the threads (each half's whole
//! forward and backward on a thread of its own, one join per step instead of a parallel region
//! per product, the halves' weight gradients added up before the update). Its floor — the 8
//! products and Adam, timed in the same rounds as the step's own floor (`bench_kernels --only
//! core_epoch --threads 2`; 2-core VM, 4 December) — reached 0.65–0.83 of the 2-thread GEMM
//! bound where the products split as now reached 0.65–0.87: 0.02–0.07 less in 13 of 15 runs, the
//! same in one, 0.02 more in one slow run (where the split floor fell to 0.68). Even with the
//! adding up left out it gained −0.04 to 0.08 (0.12–0.13 in two slow runs), while the
//! elementwise work it would halve is ~50 µs of an ~870 µs step. And gradients summed over halves
//! would make results depend on the thread count, which today they do not.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether work may be shared among the current rayon pool's threads under a thread budget of
/// `threads`: a budget above one, and a pool that has the threads. Work of a one-thread budget
/// can run outside any pool (the binding runs it on the calling thread), where rayon's parallel
/// iterators would use the global pool, which is not the model's to use.
pub fn may_split(threads: usize) -> bool {
    threads > 1 && rayon::current_num_threads() > 1
}

/// Runs `body` on the calling thread while up to `threads − 1` other workers of the current
/// rayon pool poll for the work it spawns. Plain `body()` outside a pool or with one thread.
pub fn with_workers_polling<R>(threads: usize, body: impl FnOnce() -> R) -> R {
    with_workers_polling_doing(threads, &|| false, body)
}

/// `with_workers_polling` where a polling worker that finds no spawned work waiting calls
/// `spare_work` instead of spinning: a small piece of work the body does not wait for yet (the
/// next batch's rows, see `rows_ahead`), returning whether it found any. Spawned work waits for
/// the piece to end, so a piece should take a microsecond or so. Nothing runs `spare_work` outside
/// a pool or with one thread.
pub fn with_workers_polling_doing<R>(
    threads: usize,
    spare_work: &(dyn Fn() -> bool + Sync),
    body: impl FnOnce() -> R,
) -> R {
    let Some(caller) = rayon::current_thread_index() else {
        return body();
    };
    let helpers = threads.min(rayon::current_num_threads()).saturating_sub(1);
    if helpers == 0 {
        return body();
    }
    let done = AtomicBool::new(false);
    rayon::in_place_scope(|s| {
        for _ in 0..helpers {
            s.spawn(|_| {
                // The caller itself may pop this task while it waits inside `body` for stolen
                // work; polling there would wait for a body that cannot go on. Leave at once.
                if rayon::current_thread_index() == Some(caller) {
                    return;
                }
                while !done.load(Ordering::Acquire) {
                    if !matches!(rayon::yield_now(), Some(rayon::Yield::Executed)) && !spare_work() {
                        std::hint::spin_loop();
                    }
                }
            });
        }
        // Set on return and on unwinding: a panicking body must not leave the pollers spinning,
        // or the scope would wait for them forever instead of passing the panic on.
        let _stop = StopOnDrop(&done);
        body()
    })
}

/// Sets its flag when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::{with_workers_polling, with_workers_polling_doing};
    use rayon::prelude::*;

    #[test]
    fn parallel_work_inside_finishes_and_returns_the_value() {
        for threads in [1, 2, 3, 4] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let sum = pool.install(|| {
                with_workers_polling(threads, || {
                    (0..50).map(|i| (0..10_000u64).into_par_iter().map(|x| x * i).sum::<u64>()).sum::<u64>()
                })
            });
            assert_eq!(sum, (0..50u64).sum::<u64>() * (0..10_000u64).sum::<u64>(), "threads {threads}");
        }
    }

    #[test]
    fn a_panicking_body_passes_its_panic_on() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| with_workers_polling(2, || -> u32 { panic!("inside the step") }))
        }));
        assert!(caught.is_err());
    }

    #[test]
    fn idle_workers_do_the_spare_work_and_never_the_caller() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let (left, by_caller) = (AtomicUsize::new(1000), AtomicUsize::new(0));
        let caller = pool.install(|| {
            let caller = rayon::current_thread_index();
            let spare = || {
                if rayon::current_thread_index() == caller {
                    by_caller.fetch_add(1, Ordering::Relaxed);
                }
                left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
            };
            // The body waits for the spare work to be done by the other worker.
            with_workers_polling_doing(2, &spare, || {
                while left.load(Ordering::Relaxed) > 0 {
                    std::hint::spin_loop()
                }
            });
            caller
        });
        assert!(caller.is_some());
        assert_eq!(left.load(Ordering::Relaxed), 0);
        assert_eq!(by_caller.load(Ordering::Relaxed), 0, "the thread running the body never does spare work");
    }

    #[test]
    fn outside_a_pool_it_just_runs_the_body() {
        assert_eq!(with_workers_polling(4, || 7), 7);
    }
}
