//! A copy of everything a training step changes (parameters, optimizer slots, running
//! statistics, the step counter and the random streams), taken before training so a diverging
//! step can put the network back exactly: no call ever leaves a model with NaN weights.

use super::model::Network;
use super::param::try_filled;
use crate::real::Real;
use crate::rng::Rng;

/// Why training stopped: which step of the epoch (1-based, counting the steps begun in it) and
/// what was not finite.
#[derive(Clone, Debug, PartialEq)]
pub struct Diverged {
    pub step: usize,
    pub what: String,
}

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {}: {}", self.step, self.what)
    }
}

#[derive(Clone, Debug, Default)]
pub struct RestorePoint<T> {
    tensors: Vec<Vec<T>>,
    step: u64,
    rngs: Option<[Rng; 3]>,
}

impl<T: Real> RestorePoint<T> {
    /// Copies the network's state, reusing this point's buffers from an earlier capture.
    pub fn capture(&mut self, net: &Network<T>) -> Result<(), String> {
        let sources = state_tensors(net);
        if self.tensors.len() != sources.len() {
            self.tensors =
                sources.iter().map(|s| try_filled(s.len(), T::zero())).collect::<Result<_, _>>()?;
        }
        for (dst, src) in self.tensors.iter_mut().zip(sources) {
            if dst.len() != src.len() {
                *dst = try_filled(src.len(), T::zero())?;
            }
            dst.copy_from_slice(src);
        }
        self.step = net.step;
        self.rngs = Some([net.dropout_rng.clone(), net.shuffle_rng.clone(), net.augment_rng.clone()]);
        Ok(())
    }

    /// Puts the captured state back (a no-op before the first capture).
    pub fn restore(&self, net: &mut Network<T>) {
        let Some([dropout, shuffle, augment]) = self.rngs.clone() else { return };
        for (dst, src) in state_tensors_mut(net).into_iter().zip(&self.tensors) {
            dst.copy_from_slice(src);
        }
        net.step = self.step;
        net.dropout_rng = dropout;
        net.shuffle_rng = shuffle;
        net.augment_rng = augment;
    }
}

/// Every tensor a step changes, in a fixed order: each parameter's value, v and s, then the
/// layer's buffers (running statistics).
fn state_tensors<T: Real>(net: &Network<T>) -> Vec<&Vec<T>> {
    let mut out = Vec::new();
    for layer in &net.layers {
        for p in layer.params() {
            out.extend([&p.value, &p.v, &p.s]);
        }
        out.extend(layer.buffers().into_iter().map(|(_, b)| b));
    }
    out
}

fn state_tensors_mut<T: Real>(net: &mut Network<T>) -> Vec<&mut Vec<T>> {
    let mut out = Vec::new();
    for layer in &mut net.layers {
        let (params, buffers) = layer.params_and_buffers_mut();
        for p in params {
            out.extend([&mut p.value, &mut p.v, &mut p.s]);
        }
        out.extend(buffers.into_iter().map(|(_, b)| b));
    }
    out
}
