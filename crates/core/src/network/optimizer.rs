//! Which update rule a network trains with, and applying it to every parameter.
//! The formulas live in `crate::optim`; defaults are the course's (docs/CONVENTIONS.md).

use super::param::Param;
use super::workers::may_split;
use crate::error::{kind_by_name, ArgError};
use crate::finite::all_finite;
use crate::optim;
use crate::real::Real;

/// Parameters at least this long are updated in parallel chunks of `PARALLEL_CHUNK` elements.
const PARALLEL_MIN_LEN: usize = 1 << 15;
const PARALLEL_CHUNK: usize = 1 << 14;
/// Elements per piece of `apply_checked`: a piece's old and new tensors and its gradient (seven
/// 16 KiB slices for f32) are copied, updated and checked while they sit in L1/L2.
const PIECE: usize = 1 << 12;

/// Whether an update of `len` elements is shared among the pool's threads: large enough, and
/// the budget allows it (`workers::may_split`).
fn split(len: usize, threads: usize) -> bool {
    len >= PARALLEL_MIN_LEN && may_split(threads)
}

/// Which update rule. Everything about a kind is here: its name, the options it reads, their
/// defaults (on `OptimizerConfig::new`) and checks, and its update (`apply_slices`); the binding
/// and the kernels parse through `OptimizerConfig::from_options`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerKind {
    Gd,
    Momentum,
    Nesterov,
    RmsProp,
    Adam,
    AdamW,
}

impl OptimizerKind {
    pub const ALL: &'static [OptimizerKind] = &[
        OptimizerKind::Gd,
        OptimizerKind::Momentum,
        OptimizerKind::Nesterov,
        OptimizerKind::RmsProp,
        OptimizerKind::Adam,
        OptimizerKind::AdamW,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            OptimizerKind::Gd => "gd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Nesterov => "nesterov",
            OptimizerKind::RmsProp => "rmsprop",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamW => "adamw",
        }
    }

    /// The options it reads besides the learning rate, as users name them.
    pub fn options(&self) -> &'static [&'static str] {
        match self {
            OptimizerKind::Gd => &[],
            OptimizerKind::Momentum | OptimizerKind::Nesterov => &["beta"],
            OptimizerKind::RmsProp => &["beta", "epsilon"],
            OptimizerKind::Adam => &["beta1", "beta2", "epsilon"],
            OptimizerKind::AdamW => &["beta1", "beta2", "epsilon", "weightDecay"],
        }
    }

    /// Which optimizer slots its update reads and writes: [v, s].
    pub fn slots(&self) -> [bool; 2] {
        match self {
            OptimizerKind::Gd => [false, false],
            OptimizerKind::Momentum | OptimizerKind::Nesterov => [true, false],
            OptimizerKind::RmsProp => [false, true],
            OptimizerKind::Adam | OptimizerKind::AdamW => [true, true],
        }
    }

    /// Adam's bias correction needs the step number t.
    pub fn needs_step(&self) -> bool {
        matches!(self, OptimizerKind::Adam | OptimizerKind::AdamW)
    }

    pub fn from_name(name: &str) -> Result<Self, ArgError> {
        kind_by_name(Self::ALL, Self::name, name, "kind", "optimizer")
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerConfig {
    pub kind: OptimizerKind,
    /// Momentum / Nesterov / RMSProp averaging coefficient (default 0.9).
    pub beta: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
    /// AdamW's decoupled decay, applied to weights only.
    pub weight_decay: f64,
}

impl OptimizerConfig {
    pub fn new(kind: OptimizerKind) -> Self {
        OptimizerConfig { kind, beta: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.01 }
    }

    /// The kind called `name`, each option it reads taken from `option(its name)` or defaulted,
    /// checked.
    pub fn from_options(name: &str, option: impl Fn(&str) -> Option<f64>) -> Result<Self, ArgError> {
        let kind = OptimizerKind::from_name(name)?;
        let mut c = OptimizerConfig::new(kind);
        for &key in kind.options() {
            let Some(value) = option(key) else { continue };
            match key {
                "beta" => c.beta = value,
                "beta1" => c.beta1 = value,
                "beta2" => c.beta2 = value,
                "epsilon" => c.epsilon = value,
                "weightDecay" => c.weight_decay = value,
                _ => unreachable!("an option listed by OptimizerKind::options"),
            }
        }
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<(), ArgError> {
        // β = 1 would freeze the average; β < 0 is meaningless.
        for (name, b) in [("beta", self.beta), ("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(b.is_finite() && (0.0..1.0).contains(&b)) {
                return Err(ArgError::new(name, format!("must be in [0, 1), got {b}")));
            }
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(ArgError::new(
                "epsilon",
                format!("must be a finite number > 0, got {}", self.epsilon),
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(ArgError::new(
                "weightDecay",
                format!("must be a finite number ≥ 0, got {}", self.weight_decay),
            ));
        }
        Ok(())
    }

    /// One update of `p` from its gradient; `t` is the new step number (≥ 1). With a thread
    /// budget `threads` > 1, large parameters are split into chunks updated on the current rayon
    /// pool: the update is elementwise, so the result is bitwise the same as one sequential pass
    /// (it was the largest serial part of a 2-thread training step).
    pub fn apply<T: Real>(&self, p: &mut Param<T>, lr: f64, t: u64, threads: usize) {
        let is_weight = p.is_weight;
        let (w, g, v, s) = (&mut p.value[..], &p.grad[..], &mut p.v[..], &mut p.s[..]);
        if !split(w.len(), threads) {
            return self.apply_slices(w, g, v, s, is_weight, lr, t);
        }
        use rayon::prelude::*;
        w.par_chunks_mut(PARALLEL_CHUNK)
            .zip(g.par_chunks(PARALLEL_CHUNK))
            .zip(v.par_chunks_mut(PARALLEL_CHUNK))
            .zip(s.par_chunks_mut(PARALLEL_CHUNK))
            .for_each(|(((w, g), v), s)| self.apply_slices(w, g, v, s, is_weight, lr, t));
    }

    /// `apply` in cache-sized pieces, each new value checked finite while the piece is in cache
    /// (instead of a pass of its own over the state afterwards); returns whether all are. With
    /// `keep_old` (value, v and s; the slots the kind uses sized like `p`) the update is written
    /// there instead of in place, then swapped in: on return `p` holds the updated tensors and
    /// `keep_old` the ones from before, a restore point made without a pass of its own (each
    /// piece is copied while in cache). The new values are bitwise those of `apply`.
    pub fn apply_checked<T: Real>(
        &self,
        p: &mut Param<T>,
        keep_old: Option<&mut [Vec<T>; 3]>,
        lr: f64,
        t: u64,
        threads: usize,
    ) -> bool {
        use rayon::prelude::*;
        let [uses_v, uses_s] = self.kind.slots();
        let (len, is_weight) = (p.len(), p.is_weight);
        let Param { value, grad, v: slot_v, s: slot_s, .. } = p;
        let mut keep_old = keep_old;
        // Where each tensor's old values are read (None: in place) and its new values written;
        // an unused slot is "updated" in place (the kernel leaves it as it is).
        let (w_old, w, v_old, v, s_old, s): (Option<&[T]>, &mut [T], Option<&[T]>, &mut [T], Option<&[T]>, &mut [T]);
        match keep_old.as_deref_mut() {
            Some([new_w, new_v, new_s]) => {
                let sized = |used: bool, slot: &Vec<T>| !used || slot.len() == len;
                assert!(sized(true, new_w) && sized(uses_v, new_v) && sized(uses_s, new_s), "apply_checked: unsized buffers");
                (w_old, w) = (Some(&value[..]), &mut new_w[..]);
                (v_old, v) = if uses_v { (Some(&slot_v[..]), &mut new_v[..]) } else { (None, &mut slot_v[..]) };
                (s_old, s) = if uses_s { (Some(&slot_s[..]), &mut new_s[..]) } else { (None, &mut slot_s[..]) };
            }
            None => (w_old, w, v_old, v, s_old, s) = (None, &mut value[..], None, &mut slot_v[..], None, &mut slot_s[..]),
        }
        let g = &grad[..];
        // Elements start.. of every tensor, into w, v and s.
        let piece = |start: usize, w: &mut [T], v: &mut [T], s: &mut [T]| -> bool {
            let mut finite = true;
            for at in (0..w.len()).step_by(PIECE) {
                let end = (at + PIECE).min(w.len());
                let from = start + at..start + end;
                let (w, v, s) = (&mut w[at..end], &mut v[at..end], &mut s[at..end]);
                for (dst, old) in [(&mut *w, w_old), (&mut *v, v_old), (&mut *s, s_old)] {
                    if let Some(old) = old {
                        dst.copy_from_slice(&old[from.clone()]);
                    }
                }
                self.apply_slices(w, &g[from], v, s, is_weight, lr, t);
                finite &= all_finite(w) && (!uses_v || all_finite(v)) && (!uses_s || all_finite(s));
            }
            finite
        };
        let finite = if !split(len, threads) {
            piece(0, w, v, s)
        } else {
            // Every piece runs (no short-circuit): the update must be whole before the swap.
            let failed = w
                .par_chunks_mut(PARALLEL_CHUNK)
                .zip(v.par_chunks_mut(PARALLEL_CHUNK))
                .zip(s.par_chunks_mut(PARALLEL_CHUNK))
                .enumerate()
                .map(|(i, ((w, v), s))| piece(i * PARALLEL_CHUNK, w, v, s))
                .filter(|finite| !finite)
                .count();
            failed == 0
        };
        if let Some([new_w, new_v, new_s]) = keep_old {
            std::mem::swap(value, new_w);
            if uses_v {
                std::mem::swap(slot_v, new_v);
            }
            if uses_s {
                std::mem::swap(slot_s, new_s);
            }
        }
        finite
    }

    /// One update of one tensor (w, its gradient g, state v and s); `is_weight` decides AdamW's
    /// decay; `t` is the new step number (≥ 1).
    #[allow(clippy::too_many_arguments)]
    pub fn apply_slices<T: Real>(
        &self,
        w: &mut [T],
        g: &[T],
        v: &mut [T],
        s: &mut [T],
        is_weight: bool,
        lr: f64,
        t: u64,
    ) {
        let c = self;
        match c.kind {
            OptimizerKind::Gd => optim::sgd_step(w, g, lr),
            OptimizerKind::Momentum => optim::momentum_step(w, g, v, lr, c.beta),
            OptimizerKind::Nesterov => optim::nesterov_step(w, g, v, lr, c.beta),
            OptimizerKind::RmsProp => optim::rmsprop_step(w, g, s, lr, c.beta, c.epsilon),
            OptimizerKind::Adam => optim::adam_step(w, g, v, s, lr, c.beta1, c.beta2, c.epsilon, t),
            OptimizerKind::AdamW => {
                let decay = if is_weight { c.weight_decay } else { 0.0 };
                optim::adamw_step(w, g, v, s, lr, c.beta1, c.beta2, c.epsilon, decay, t)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The chunked parallel update is bitwise the sequential one, for every optimizer.
    #[test]
    fn parallel_chunks_match_one_pass() {
        let mut rng = Rng::new(4);
        let len = PARALLEL_MIN_LEN + 12_345;
        let values: Vec<f32> = (0..len).map(|_| rng.next_f32() - 0.5).collect();
        let grads: Vec<f32> = (0..len).map(|_| rng.next_f32() - 0.5).collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for &kind in OptimizerKind::ALL {
            let config = OptimizerConfig::new(kind);
            let mut parallel = Param::new("W", values.clone(), 0.0, 0.0, true);
            parallel.grad.copy_from_slice(&grads);
            let mut serial = parallel.clone();
            for t in 1..=3 {
                pool.install(|| config.apply(&mut parallel, 0.01, t, 2));
                config.apply_slices(
                    &mut serial.value,
                    &serial.grad,
                    &mut serial.v,
                    &mut serial.s,
                    true,
                    0.01,
                    t,
                );
            }
            assert_eq!(parallel.value, serial.value, "{kind:?}");
            assert_eq!(parallel.v, serial.v, "{kind:?}");
            assert_eq!(parallel.s, serial.s, "{kind:?}");
        }
    }

    /// `apply_checked` gives `apply`'s new values bit for bit, in place or handing back the old
    /// ones, for every optimizer, on one thread and split over two, in and out of a pool; an
    /// overflow is reported, a finite update is not.
    #[test]
    fn keeping_the_old_values_changes_no_bit_of_the_update() {
        let mut rng = Rng::new(5);
        // Split in pieces and chunks with a partial one at the end of each.
        let len = PARALLEL_MIN_LEN + PARALLEL_CHUNK + 3 * PIECE + 77;
        let values: Vec<f32> = (0..len).map(|_| rng.next_f32() - 0.5).collect();
        let grads: Vec<f32> = (0..len).map(|_| rng.next_f32() - 0.5).collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for &kind in OptimizerKind::ALL {
            for (threads, in_pool) in [(1, false), (1, true), (2, true), (2, false)] {
                let config = OptimizerConfig::new(kind);
                let mut kept = Param::new("W", values.clone(), 0.0, 0.0, true);
                kept.grad.copy_from_slice(&grads);
                let (mut plain, mut checked) = (kept.clone(), kept.clone());
                let mut new: [Vec<f32>; 3] = [vec![0.0; len], vec![0.0; len], vec![0.0; len]];
                let [uses_v, uses_s] = kind.slots();
                for t in 1..=3 {
                    let before = [kept.value.clone(), kept.v.clone(), kept.s.clone()];
                    let mut run = || config.apply_checked(&mut kept, Some(&mut new), 0.01, t, threads);
                    let finite = if in_pool { pool.install(run) } else { run() };
                    assert!(config.apply_checked(&mut checked, None, 0.01, t, threads), "{kind:?}");
                    config.apply(&mut plain, 0.01, t, 1);
                    assert_eq!((&checked.value, &checked.v, &checked.s), (&plain.value, &plain.v, &plain.s), "{kind:?}");
                    let what = format!("{kind:?}, {threads} thread(s), in a pool: {in_pool}, t {t}");
                    assert!(finite, "{what}");
                    assert_eq!((&kept.value, &kept.v, &kept.s), (&plain.value, &plain.v, &plain.s), "{what}");
                    assert_eq!(new[0], before[0], "{what}: the old values");
                    if uses_v {
                        assert_eq!(new[1], before[1], "{what}: the old v");
                    }
                    if uses_s {
                        assert_eq!(new[2], before[2], "{what}: the old s");
                    }
                }
                // A gradient step that overflows one weight (f32 max is 3.4e38).
                kept.value[len - 5] = 3e38;
                kept.grad[len - 5] = -1.0;
                let overflow = config.apply_checked(&mut kept, Some(&mut new), 1e38, 4, threads);
                assert!(!overflow || kind != OptimizerKind::Gd, "{kind:?}: overflow not reported");
                assert_eq!(overflow, kept.value.iter().all(|w| w.is_finite()), "{kind:?}");
                checked.value[len - 5] = 3e38;
                checked.grad[len - 5] = -1.0;
                let in_place = config.apply_checked(&mut checked, None, 1e38, 4, threads);
                assert_eq!(in_place, checked.value.iter().all(|w| w.is_finite()), "{kind:?}");
            }
        }
    }
}
