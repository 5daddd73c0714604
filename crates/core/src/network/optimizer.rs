//! Which update rule a network trains with, and applying it to every parameter.
//! The formulas live in `crate::optim`; defaults are the course's (docs/CONVENTIONS.md).

use super::param::Param;
use crate::error::{kind_by_name, ArgError};
use crate::optim;
use crate::real::Real;

/// Parameters at least this long are updated in parallel chunks of `PARALLEL_CHUNK` elements.
const PARALLEL_MIN_LEN: usize = 1 << 15;
const PARALLEL_CHUNK: usize = 1 << 14;

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

    /// One update of `p` from its gradient; `t` is the new step number (≥ 1). Large parameters
    /// are split into chunks updated on the current rayon pool: the update is elementwise, so the
    /// result is bitwise the same as one sequential pass (it was the largest serial part of a
    /// 2-thread training step).
    pub fn apply<T: Real>(&self, p: &mut Param<T>, lr: f64, t: u64) {
        let is_weight = p.is_weight;
        let (w, g, v, s) = (&mut p.value[..], &p.grad[..], &mut p.v[..], &mut p.s[..]);
        if w.len() < PARALLEL_MIN_LEN || rayon::current_num_threads() < 2 {
            return self.apply_slices(w, g, v, s, is_weight, lr, t);
        }
        use rayon::prelude::*;
        w.par_chunks_mut(PARALLEL_CHUNK)
            .zip(g.par_chunks(PARALLEL_CHUNK))
            .zip(v.par_chunks_mut(PARALLEL_CHUNK))
            .zip(s.par_chunks_mut(PARALLEL_CHUNK))
            .for_each(|(((w, g), v), s)| self.apply_slices(w, g, v, s, is_weight, lr, t));
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
                pool.install(|| config.apply(&mut parallel, 0.01, t));
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
}
