//! A copy of everything a training step changes (parameters, optimizer slots, running
//! statistics, the step counter and the random streams), so a diverging step can put the network
//! back exactly: no call ever leaves a model with NaN weights.
//!
//! Two ways to fill it. `capture` copies the whole state up front (an epoch's start, many steps
//! before a restore may come). A single guarded step (`trainStep`) instead copies only what the
//! step changes before its update (`begin_step`: running statistics, counter, streams) and lets
//! the update itself leave the old parameters and slots here (`keep`): the optimizer
//! writes the new values into this point's buffers and swaps them in, so the copy costs no pass
//! of its own over the state (a separate capture was ~12 % of a trainStep at batch 128).

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
    layers: Vec<LayerCopy<T>>,
    step: u64,
    rngs: Option<[Rng; 3]>,
}

/// One layer's copy: per parameter its value, v and s, each with whether it holds the state to
/// go back to; then the layer's buffers (running statistics), always held once captured.
#[derive(Clone, Debug, Default)]
struct LayerCopy<T> {
    params: Vec<[Vec<T>; 3]>,
    held: Vec<[bool; 3]>,
    buffers: Vec<Vec<T>>,
}

impl<T: Real> RestorePoint<T> {
    /// Copies the network's whole state, reusing this point's buffers from an earlier capture.
    pub fn capture(&mut self, net: &Network<T>) -> Result<(), String> {
        self.begin_step(net)?;
        for (copy, layer) in self.layers.iter_mut().zip(&net.layers) {
            for ((slots, held), p) in copy.params.iter_mut().zip(&mut copy.held).zip(layer.params()) {
                for ((dst, src), held) in slots.iter_mut().zip([&p.value, &p.v, &p.s]).zip(held) {
                    copy_into(dst, src)?;
                    *held = true;
                }
            }
        }
        Ok(())
    }

    /// The part of a capture a step's update does not make itself: running statistics, the step
    /// counter and the random streams. The parameters are held by nothing until the update (`keep`);
    /// the buffers it will write into are allocated here, so a failure to allocate comes before
    /// anything changed.
    pub fn begin_step(&mut self, net: &Network<T>) -> Result<(), String> {
        self.layers.resize_with(net.layers.len(), LayerCopy::default);
        let [uses_v, uses_s] = net.optimizer.kind.slots();
        for ((copy, layer), &trainable) in self.layers.iter_mut().zip(&net.layers).zip(&net.trainable) {
            let params = layer.params();
            copy.params.resize_with(params.len(), Default::default);
            copy.held = vec![[false; 3]; params.len()];
            if trainable {
                for (slots, p) in copy.params.iter_mut().zip(&params) {
                    for (slot, used) in slots.iter_mut().zip([true, uses_v, uses_s]) {
                        if used && slot.len() != p.len() {
                            *slot = try_filled(p.len(), T::zero())?;
                        }
                    }
                }
            }
            let buffers = layer.buffers();
            copy.buffers.resize_with(buffers.len(), Vec::new);
            for (dst, (_, src)) in copy.buffers.iter_mut().zip(buffers) {
                copy_into(dst, src)?;
            }
        }
        self.step = net.step;
        self.rngs = Some([net.dropout_rng.clone(), net.shuffle_rng.clone(), net.augment_rng.clone()]);
        Ok(())
    }

    /// The buffers the update of parameter `param` of layer `layer` is written into (allocated
    /// by `begin_step`). `OptimizerConfig::apply_checked` swaps them with the parameter's
    /// tensors, so from then on they hold the values from before the update: the value and the
    /// slots the optimizer uses (`slots`, [v, s]) count as held.
    pub(super) fn keep(&mut self, layer: usize, param: usize, slots: [bool; 2]) -> &mut [Vec<T>; 3] {
        let copy = &mut self.layers[layer];
        copy.held[param] = [true, slots[0], slots[1]];
        &mut copy.params[param]
    }

    /// Puts the held state back (a no-op before the first capture).
    pub fn restore(&self, net: &mut Network<T>) {
        let Some([dropout, shuffle, augment]) = self.rngs.clone() else { return };
        for (copy, layer) in self.layers.iter().zip(&mut net.layers) {
            let (params, buffers) = layer.params_and_buffers_mut();
            for ((slots, held), p) in copy.params.iter().zip(&copy.held).zip(params) {
                for ((src, dst), &held) in slots.iter().zip([&mut p.value, &mut p.v, &mut p.s]).zip(held) {
                    if held {
                        dst.copy_from_slice(src);
                    }
                }
            }
            for (src, (_, dst)) in copy.buffers.iter().zip(buffers) {
                dst.copy_from_slice(src);
            }
        }
        net.step = self.step;
        net.dropout_rng = dropout;
        net.shuffle_rng = shuffle;
        net.augment_rng = augment;
    }
}

/// `dst = src`, reallocating `dst` (fallibly) only when its length differs.
fn copy_into<T: Real>(dst: &mut Vec<T>, src: &[T]) -> Result<(), String> {
    if dst.len() != src.len() {
        *dst = try_filled(src.len(), T::zero())?;
    }
    dst.copy_from_slice(src);
    Ok(())
}
