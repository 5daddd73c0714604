//! Which update rule a network trains with, and applying it to every parameter.
//! The formulas live in `crate::optim`; defaults are the course's (docs/CONVENTIONS.md).

use super::param::Param;
use crate::optim;
use crate::real::Real;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerKind {
    Gd,
    Momentum,
    Nesterov,
    RmsProp,
    Adam,
    AdamW,
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

    pub fn validate(&self) -> Result<(), String> {
        for (name, b) in [("beta", self.beta), ("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(b.is_finite() && (0.0..1.0).contains(&b)) {
                return Err(format!("optimizer.{name}: must be in [0, 1), got {b}"));
            }
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(format!("optimizer.epsilon: must be a finite number > 0, got {}", self.epsilon));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(format!(
                "optimizer.weightDecay: must be a finite number ≥ 0, got {}",
                self.weight_decay
            ));
        }
        Ok(())
    }

    /// One update of `p` from its gradient; `t` is the new step number (≥ 1).
    pub fn apply<T: Real>(&self, p: &mut Param<T>, lr: f64, t: u64) {
        let c = self;
        match c.kind {
            OptimizerKind::Gd => optim::sgd_step(&mut p.value, &p.grad, lr),
            OptimizerKind::Momentum => optim::momentum_step(&mut p.value, &p.grad, &mut p.v, lr, c.beta),
            OptimizerKind::Nesterov => optim::nesterov_step(&mut p.value, &p.grad, &mut p.v, lr, c.beta),
            OptimizerKind::RmsProp => {
                optim::rmsprop_step(&mut p.value, &p.grad, &mut p.s, lr, c.beta, c.epsilon)
            }
            OptimizerKind::Adam => optim::adam_step(
                &mut p.value,
                &p.grad,
                &mut p.v,
                &mut p.s,
                lr,
                c.beta1,
                c.beta2,
                c.epsilon,
                t,
            ),
            OptimizerKind::AdamW => {
                let decay = if p.is_weight { c.weight_decay } else { 0.0 };
                optim::adamw_step(
                    &mut p.value,
                    &p.grad,
                    &mut p.v,
                    &mut p.s,
                    lr,
                    c.beta1,
                    c.beta2,
                    c.epsilon,
                    decay,
                    t,
                )
            }
        }
    }
}
