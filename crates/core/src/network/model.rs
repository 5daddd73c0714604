//! A sequential network: layers, loss, optimizer state and the scratch buffers of one batch.
//! `train_step` is the fused forward → loss → backward → regularization → update of one
//! mini-batch, the unit the binding exposes as a single native call.

use super::first_layer;
use super::layer::{Layer, Mode};
use super::optimizer::OptimizerConfig;
use super::restore::{Diverged, RestorePoint};
use super::spec::NetworkSpec;
use super::workers::with_workers_polling;
use crate::activation::Activation;
use crate::finite::all_finite;
use crate::packed_gemm::{self, PackedWeights, PACKED_MIN_ROWS};
use crate::real::Real;
use crate::rng::{stream, Rng};

/// Loss and accuracy counts of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchStats {
    /// The mean loss over the batch (without regularization).
    pub data_loss: f64,
    /// (λ₂/2m)·ΣW² + (λ₁/m)·Σ|W| over every dense layer, m = batch size.
    pub regularization: f64,
    /// Examples whose predicted class (or every thresholded output) matches the label.
    pub correct: usize,
}

#[derive(Clone, Debug)]
pub struct Network<T> {
    pub spec: NetworkSpec,
    pub layers: Vec<Layer<T>>,
    pub optimizer: OptimizerConfig,
    /// Optimizer steps taken so far (Adam's t); settable to resume training.
    pub step: u64,
    pub dropout_rng: Rng,
    pub shuffle_rng: Rng,
    /// The AUGMENT stream: one forked generator per augmented training row.
    pub augment_rng: Rng,
    /// GEMM thread budget (run inside a rayon pool of this size).
    pub threads: usize,
    /// Per layer: false freezes its parameters (no update, no optimizer-state change; gradients
    /// still flow through it to earlier layers, as PyTorch's `requires_grad = False`).
    pub trainable: Vec<bool>,
    /// Per-layer gradient L2 norms of the last step (0 for layers without parameters).
    pub last_grad_norms: Vec<f64>,
    /// Per-layer gradient L2 norms of the last backward pass (a step's become `last_grad_norms`).
    grad_norms: Vec<f64>,
    outputs: Vec<Vec<T>>,
    /// The backward pass's two gradient buffers: layer i's output gradient is in `i % 2`, and it
    /// writes its input gradient into the other. Two rather than one per layer, so that each
    /// kernel writes where the one before it just read, still in cache (variant B's first block
    /// alone touched four fresh 128 KB buffers a step).
    grads: [Vec<T>; 2],
    probs: Vec<T>,
    /// Per layer: its weights packed for `evaluate` and `predict` (dense layers; scratch, packed
    /// anew by each call that uses it, empty in a clone).
    packed: Vec<PackedWeights>,
    /// Training's first layer (`first_layer`): its weights packed for the forward product and
    /// the batch's dZ for the weight gradient (scratch).
    first_layer: [PackedWeights; 2],
}

impl<T: Real> Network<T> {
    pub fn new(spec: NetworkSpec, optimizer: OptimizerConfig) -> Result<Self, String> {
        spec.validate()?;
        optimizer.validate().map_err(|e| format!("optimizer.{e}"))?;
        let mut init_rng = Rng::with_stream(spec.seed, stream::INIT);
        let mut width = spec.input_size;
        let mut layers = Vec::with_capacity(spec.layers.len());
        for (i, layer_spec) in spec.layers.iter().enumerate() {
            let layer =
                Layer::build(layer_spec, width, &mut init_rng).map_err(|e| format!("layers[{i}]: {e}"))?;
            if let Layer::Dense { n_out, .. } = layer {
                width = n_out;
            }
            layers.push(layer);
        }
        let count = layers.len();
        Ok(Network {
            dropout_rng: Rng::with_stream(spec.seed, stream::DROPOUT),
            shuffle_rng: Rng::with_stream(spec.seed, stream::SHUFFLE),
            augment_rng: Rng::with_stream(spec.seed, stream::AUGMENT),
            spec,
            layers,
            optimizer,
            step: 0,
            threads: 1,
            trainable: vec![true; count],
            last_grad_norms: vec![0.0; count],
            grad_norms: vec![0.0; count],
            outputs: vec![Vec::new(); count],
            grads: Default::default(),
            probs: Vec::new(),
            packed: Vec::new(),
            first_layer: Default::default(),
        })
    }

    pub fn input_size(&self) -> usize {
        self.spec.input_size
    }

    pub fn output_size(&self) -> usize {
        self.spec.output_size()
    }

    /// Forward pass of `m` rows of `x`; returns the logits [m, outputs].
    pub fn forward(&mut self, x: &[T], m: usize, mode: Mode) -> &[T] {
        self.forward_into_buffers(x, m, mode, false);
        self.outputs.last().expect("a network has at least one layer")
    }

    /// The forward pass into `outputs`; with `packed` (after [`Self::pack_for_inference`], eval
    /// mode) the dense layers multiply by their packed weights, and one followed by relu computes
    /// both in one pass, into the activation's output (the dense layer's own is left as it was:
    /// evaluation reads no pre-activation). Returns whether the packed kernel saw the first
    /// layer's sums all finite, which proves `x` finite (`packed_gemm::packed_product`); false
    /// when the first layer did not run packed.
    fn forward_into_buffers(&mut self, x: &[T], m: usize, mode: Mode, packed: bool) -> bool {
        let widths = self.spec.widths();
        let threads = self.threads;
        let mut x_seen_finite = false;
        let mut i = 0;
        while i < self.layers.len() {
            let dense = matches!(self.layers[i], Layer::Dense { .. });
            let relu_next =
                matches!(self.layers.get(i + 1), Some(Layer::Activation { act: Activation::Relu }));
            let fuse_relu = packed && dense && relu_next;
            let written = if fuse_relu { i + 1 } else { i };
            let (before, rest) = self.outputs.split_at_mut(written);
            let out = &mut rest[0];
            out.resize(m * widths[written], T::zero());
            let input: &[T] = if i == 0 { x } else { &before[i - 1] };
            let layer = &mut self.layers[i];
            match layer {
                // Training's first layer: its input is the data, often mostly zeros.
                Layer::Dense { n_in, n_out, weights, bias } if i == 0 && mode == Mode::Train => {
                    let bias = bias.as_ref().map(|b| &b.value[..]);
                    let shape = (*n_in, *n_out);
                    if !first_layer::forward(
                        input,
                        &weights.value,
                        bias,
                        shape,
                        m,
                        &mut self.first_layer[0],
                        out,
                        threads,
                    ) {
                        layer.forward(input, out, m, mode, &mut self.dropout_rng, threads);
                    }
                }
                Layer::Dense { .. } if packed => {
                    let finite = layer.forward_packed(input, out, m, &self.packed[i], fuse_relu, threads);
                    x_seen_finite |= i == 0 && finite;
                }
                _ => layer.forward(input, out, m, mode, &mut self.dropout_rng, threads),
            }
            i = written + 1;
        }
        x_seen_finite
    }

    /// Packs every dense layer's weights for an evaluation-mode pass over `m` rows when the
    /// packed kernel runs here and pays (crate::packed_gemm); returns whether it did. Packed per
    /// call, never cached: nothing can then multiply by weights older than the layer's own.
    fn pack_for_inference(&mut self, m: usize) -> bool {
        if m < PACKED_MIN_ROWS || !packed_gemm::available() {
            return false;
        }
        self.packed.resize_with(self.layers.len(), PackedWeights::default);
        // On two threads each packs half of a W's rows and checks them finite (`pack_on`): left
        // to the product, one thread would scan W while the other waited on it, asleep. The same
        // thread budget as the products that follow (`forward_into_buffers`).
        let threads = self.threads;
        for (layer, packed) in self.layers.iter().zip(&mut self.packed) {
            if let Layer::Dense { n_in, n_out, weights, bias } = layer {
                let Some(w) = packed_gemm::as_f32(&weights.value) else { return false }; // f64: gradient checks
                let bias = bias.as_ref().map(|b| packed_gemm::as_f32(&b.value).expect("f32 as the weights"));
                packed.pack_on(w, bias, *n_in, *n_out, threads);
            }
        }
        true
    }

    /// Frees the packed weights after a call when they are large: kept, a predict of a big model
    /// would hold a second copy of its weights for good; a small one is kept for the next call.
    fn release_large_packing(&mut self) {
        if self.packed.iter().map(PackedWeights::bytes).sum::<usize>() > PACKED_KEEP_BYTES {
            self.packed = Vec::new();
        }
    }

    /// Loss and dLogits of the last forward pass against labels `y` [m, outputs], each row
    /// weighted by `weights` when given.
    fn loss_and_grad(&mut self, y: &[T], m: usize, weights: Option<&[T]>) -> (f64, usize) {
        let n = self.output_size();
        let last = self.layers.len() - 1;
        self.probs.resize(m * n, T::zero());
        let d_logits = first_elements(&mut self.grads[last % 2], m * n);
        let logits = &self.outputs[last];
        let loss = match weights {
            None => self.spec.loss.loss_and_grad(logits, y, n, &mut self.probs, d_logits),
            Some(w) => self.spec.loss.weighted_loss_and_grad(logits, y, n, w, &mut self.probs, d_logits),
        };
        (loss, self.spec.loss.count_correct(&self.probs, y, n))
    }

    /// Backward pass after `forward`: fills every parameter gradient (with the L2/L1 terms) and
    /// every layer's gradient norm (`grad_norms`); returns the regularization cost.
    fn backward(&mut self, x: &[T], m: usize) -> f64 {
        let mut cost = 0.0;
        let widths = self.spec.widths();
        let threads = self.threads;
        for i in (0..self.layers.len()).rev() {
            let [even, odd] = &mut self.grads;
            let (dy, dx) = if i % 2 == 0 { (even, odd) } else { (odd, even) };
            let dy = &dy[..m * widths[i]];
            let dx = match i {
                0 => None, // nobody needs dL/dX of the input: skips one GEMM
                _ => Some(first_elements(dx, m * widths[i - 1])),
            };
            let input: &[T] = if i == 0 { x } else { &self.outputs[i - 1] };
            let packed_grad = (i == 0).then_some(&mut self.first_layer[1]);
            let sums = self.layers[i].backward(input, &self.outputs[i], dy, dx, m, threads, packed_grad);
            self.grad_norms[i] = sums.grad_sq.sqrt();
            cost += sums.cost;
        }
        cost
    }

    /// Forward and backward without updating: fills the gradients, returns the batch's stats.
    pub fn compute_gradients(&mut self, x: &[T], y: &[T], m: usize, mode: Mode) -> BatchStats {
        self.compute_weighted_gradients(x, y, None, m, mode)
    }

    /// `compute_gradients` with a weight per row (`None`: all 1).
    pub fn compute_weighted_gradients(
        &mut self,
        x: &[T],
        y: &[T],
        weights: Option<&[T]>,
        m: usize,
        mode: Mode,
    ) -> BatchStats {
        self.forward_into_buffers(x, m, mode, false);
        let (data_loss, correct) = self.loss_and_grad(y, m, weights);
        let regularization = self.backward(x, m);
        BatchStats { data_loss, regularization, correct }
    }

    /// One mini-batch of gradient descent: forward, loss, backward, regularization, optional
    /// global-norm clipping to `clip_norm`, and the optimizer update with learning rate `lr`.
    /// A non-finite loss or gradient stops before the update (the parameters and optimizer
    /// state are untouched; running statistics and the dropout stream have moved, so callers
    /// restore a `RestorePoint`). A finite step can still overflow the parameters: callers check
    /// `first_non_finite` after it.
    pub fn train_step(
        &mut self,
        x: &[T],
        y: &[T],
        m: usize,
        lr: f64,
        clip_norm: Option<f64>,
    ) -> Result<BatchStats, Diverged> {
        self.train_step_weighted(x, y, None, m, lr, clip_norm)
    }

    /// `train_step` with a weight per row of the batch (Keras's `sample_weight`; `None`: all 1).
    pub fn train_step_weighted(
        &mut self,
        x: &[T],
        y: &[T],
        weights: Option<&[T]>,
        m: usize,
        lr: f64,
        clip_norm: Option<f64>,
    ) -> Result<BatchStats, Diverged> {
        let threads = self.threads;
        let step = || self.train_step_checked(x, y, weights, m, lr, clip_norm, false);
        with_workers_polling(threads, step).map(|(stats, _)| stats)
    }

    /// `train_step_weighted` without starting the other workers' polling (for callers that keep
    /// them polling over many steps), with `check`: the update checks every new value finite as
    /// it goes (`OptimizerConfig::apply_checked`); the second value says whether all were (true,
    /// unchecked, without).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn train_step_checked(
        &mut self,
        x: &[T],
        y: &[T],
        weights: Option<&[T]>,
        m: usize,
        lr: f64,
        clip_norm: Option<f64>,
        check: bool,
    ) -> Result<(BatchStats, bool), Diverged> {
        let stats = self.gradients_for_update(x, y, weights, m, clip_norm)?;
        let update = if check { Update::Checked } else { Update::Plain };
        Ok((stats, self.update(lr, update)))
    }

    /// A step up to its update: forward, loss, backward, the checks that stop a step before it
    /// changes a parameter (a non-finite loss, regularization cost or gradient) and clipping.
    pub(super) fn gradients_for_update(
        &mut self,
        x: &[T],
        y: &[T],
        weights: Option<&[T]>,
        m: usize,
        clip_norm: Option<f64>,
    ) -> Result<BatchStats, Diverged> {
        let stats = self.compute_weighted_gradients(x, y, weights, m, Mode::Train);
        self.last_grad_norms.copy_from_slice(&self.grad_norms);
        let diverged = |what: String| Diverged { step: 0, what };
        if !stats.data_loss.is_finite() {
            return Err(diverged(format!("the loss is {}", stats.data_loss)));
        }
        if !stats.regularization.is_finite() {
            return Err(diverged(format!("the regularization cost is {}", stats.regularization)));
        }
        if let Some(layer) = self.last_grad_norms.iter().position(|n| !n.is_finite()) {
            return Err(diverged(format!("the gradient of layer {layer} is not finite")));
        }
        if let Some(max_norm) = clip_norm {
            self.clip_gradients(max_norm);
        }
        Ok(stats)
    }

    /// The optimizer's update of every trainable parameter, after counting the step (Adam's t),
    /// as `how` says; returns whether every new value is finite (true, unchecked, for `Plain`).
    pub(super) fn update(&mut self, lr: f64, mut how: Update<'_, T>) -> bool {
        self.step += 1;
        let (optimizer, t, threads) = (self.optimizer, self.step, self.threads);
        let mut finite = true;
        for (i, (layer, _)) in
            self.layers.iter_mut().zip(&self.trainable).enumerate().filter(|(_, (_, &trainable))| trainable)
        {
            for (j, p) in layer.params_mut().into_iter().enumerate() {
                match &mut how {
                    Update::Plain => optimizer.apply(p, lr, t, threads),
                    Update::Checked => finite &= optimizer.apply_checked(p, None, lr, t, threads),
                    Update::KeepingOld(point) => {
                        let old = point.keep(i, j, optimizer.kind.slots());
                        finite &= optimizer.apply_checked(p, Some(old), lr, t, threads);
                    }
                }
            }
        }
        finite
    }

    /// The first parameter, optimizer slot or running statistic holding a non-finite value, as
    /// "layers[i].W" — one vectorizable pass over the state, run once per native call.
    pub fn first_non_finite(&self) -> Option<String> {
        self.first_non_finite_where(|_| true)
    }

    /// `first_non_finite` over the running statistics and the parameters of the layers
    /// `params_of(layer)` picks.
    pub(super) fn first_non_finite_where(&self, params_of: impl Fn(usize) -> bool) -> Option<String> {
        for (i, layer) in self.layers.iter().enumerate() {
            for p in layer.params().into_iter().filter(|_| params_of(i)) {
                for (suffix, values) in [("", &p.value), (".v", &p.v), (".s", &p.s)] {
                    if !all_finite(values) {
                        return Some(format!("layers[{i}].{}{suffix}", p.name));
                    }
                }
            }
            for (name, values) in layer.buffers() {
                if !all_finite(values) {
                    return Some(format!("layers[{i}].{name}"));
                }
            }
        }
        None
    }

    /// Scales every gradient by max_norm/‖g‖ when the global norm ‖g‖ exceeds max_norm.
    fn clip_gradients(&mut self, max_norm: f64) {
        // The norm of what will be applied: frozen layers' gradients are not.
        let global = self
            .last_grad_norms
            .iter()
            .zip(&self.trainable)
            .filter(|(_, &trainable)| trainable)
            .map(|(n, _)| n * n)
            .sum::<f64>()
            .sqrt();
        if global > max_norm && global > 0.0 {
            let scale = T::from(max_norm / global).unwrap();
            for p in self.layers.iter_mut().flat_map(|l| l.params_mut()) {
                p.grad.iter_mut().for_each(|g| *g = *g * scale);
            }
        }
    }

    /// Loss (without regularization) and correct count in evaluation mode, in chunks.
    pub fn evaluate(&mut self, x: &[T], y: &[T], m: usize) -> BatchStats {
        let (n_in, n_out) = (self.input_size(), self.output_size());
        let mut total = BatchStats::default();
        let packed = self.pack_for_inference(m);
        for start in (0..m).step_by(EVAL_CHUNK) {
            let rows = EVAL_CHUNK.min(m - start);
            self.forward_into_buffers(&x[start * n_in..(start + rows) * n_in], rows, Mode::Eval, packed);
            let (loss, correct) = self.loss_and_grad(&y[start * n_out..(start + rows) * n_out], rows, None);
            total.data_loss += loss * rows as f64;
            total.correct += correct;
        }
        self.release_large_packing();
        total.data_loss /= m.max(1) as f64;
        total
    }

    /// The prediction in evaluation mode, [m, outputs]: probabilities (softmax or sigmoid) or the
    /// outputs themselves (regression). `x` must be finite, as a sealed data set is; rows not
    /// checked yet go to [`Self::predict_checked`].
    pub fn predict(&mut self, x: &[T], m: usize) -> Vec<T> {
        self.predict_chunks(x, m, false).expect("predict: x is not checked")
    }

    /// `predict` of rows not checked yet: `Err(i)` when `x[i]` is the first NaN or ±∞ (the model
    /// unchanged: evaluation mode writes only scratch). Where the packed kernel runs the first
    /// layer, its sums being finite proves `x` finite, and only a chunk where they are not is
    /// scanned; elsewhere each chunk is scanned after its forward pass, while in cache.
    pub fn predict_checked(&mut self, x: &[T], m: usize) -> Result<Vec<T>, usize> {
        self.predict_chunks(x, m, true)
    }

    fn predict_chunks(&mut self, x: &[T], m: usize, check: bool) -> Result<Vec<T>, usize> {
        let (n_in, n_out) = (self.input_size(), self.output_size());
        let mut out = Vec::with_capacity(m * n_out);
        let packed = self.pack_for_inference(m);
        for start in (0..m).step_by(EVAL_CHUNK) {
            let rows = EVAL_CHUNK.min(m - start);
            let chunk = &x[start * n_in..(start + rows) * n_in];
            let seen_finite = self.forward_into_buffers(chunk, rows, Mode::Eval, packed);
            if check && !seen_finite {
                if let Some(i) = crate::finite::first_non_finite(chunk) {
                    self.release_large_packing();
                    return Err(start * n_in + i);
                }
            }
            let logits = self.outputs.last().expect("a network has at least one layer");
            let mut prediction = vec![T::zero(); logits.len()];
            self.spec.loss.predict(logits, n_out, &mut prediction);
            out.extend_from_slice(&prediction);
        }
        self.release_large_packing();
        Ok(out)
    }

    /// `predict_checked` on the calling thread only: the GEMMs run unsplit whatever `threads`
    /// says, so a small input needs no hop to a thread pool (the binding's synchronous predict).
    pub fn predict_on_this_thread(&mut self, x: &[T], m: usize) -> Result<Vec<T>, usize> {
        // As on the model's pool threads; the caller's mode comes back when this returns.
        let _flush = crate::subnormals::FlushSubnormals::new();
        let threads = std::mem::replace(&mut self.threads, 1);
        let out = self.predict_checked(x, m);
        self.threads = threads;
        out
    }

    /// The same network in another float type (f64 for gradient checking).
    pub fn cast<U: Real>(&self) -> Network<U> {
        Network {
            spec: self.spec.clone(),
            layers: self.layers.iter().map(|l| l.cast()).collect(),
            optimizer: self.optimizer,
            step: self.step,
            dropout_rng: self.dropout_rng.clone(),
            shuffle_rng: self.shuffle_rng.clone(),
            augment_rng: self.augment_rng.clone(),
            threads: self.threads,
            trainable: self.trainable.clone(),
            last_grad_norms: self.last_grad_norms.clone(),
            grad_norms: self.grad_norms.clone(),
            outputs: vec![Vec::new(); self.layers.len()],
            grads: Default::default(),
            probs: Vec::new(),
            packed: Vec::new(),
            first_layer: Default::default(),
        }
    }
}

/// How `Network::update` goes about it.
pub(super) enum Update<'a, T> {
    /// In place, unchecked: the fastest, for steps whose result is checked later.
    Plain,
    /// In place, each new value checked finite while in cache (a call's last step: its check
    /// then needs no pass over the parameters and slots).
    Checked,
    /// Written beside the parameters and swapped in, checked, the old values left in this
    /// restore point (`RestorePoint::keep`): a single guarded step.
    KeepingOld(&'a mut RestorePoint<T>),
}

/// Packed weights larger than this are freed after each call (MNIST's: 0.9 MiB), and a first layer
/// larger than this trains without a packed copy (`first_layer`).
pub(super) const PACKED_KEEP_BYTES: usize = 16 << 20;

/// Rows per chunk when evaluating or predicting (bounds scratch memory on big sets). Small
/// enough that a chunk's first hidden layer (256 × 256 floats for MNIST) stays in L2 for the next
/// product. Predicting 1,024 MNIST rows, timed interleaved: with the gemm crate, 512-row chunks
/// were 4 % faster than 1,024 (256 the same as 512); with the packed kernel, 256-row chunks are
/// 0.5–3 % faster than 512 on 1 thread (the same within noise on 2), 128 no better.
const EVAL_CHUNK: usize = 256;

/// The first `len` elements of `buffer`, grown (never shrunk: a gradient buffer serves layers of
/// every width, each call its own length) to hold them; their values are whatever was there.
fn first_elements<T: Real>(buffer: &mut Vec<T>, len: usize) -> &mut [T] {
    if buffer.len() < len {
        buffer.resize(len, T::zero());
    }
    &mut buffer[..len]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Init;
    use crate::network::loss_kind::LossKind;
    use crate::network::optimizer::OptimizerKind;
    use crate::network::spec::LayerSpec;

    fn network(input_size: usize, units: usize) -> Network<f32> {
        let dense = |units| LayerSpec::Dense { units, init: Init::He, l2: 0.0, l1: 0.0, use_bias: true };
        let spec = NetworkSpec {
            input_size,
            layers: vec![dense(units), LayerSpec::Activation(Activation::Relu), dense(2)],
            loss: LossKind::SoftmaxCrossEntropy,
            seed: 1,
        };
        Network::new(spec, OptimizerConfig::new(OptimizerKind::Adam)).unwrap()
    }

    #[test]
    fn keeps_small_packed_weights_for_the_next_call_and_frees_large_ones() {
        if !packed_gemm::available() {
            return; // nothing is packed without the kernel
        }
        let m = PACKED_MIN_ROWS;
        let mut small = network(8, 16);
        small.predict(&vec![0.5; m * 8], m);
        assert!(small.packed.iter().map(PackedWeights::bytes).sum::<usize>() > 0, "small: kept");
        // 1,100 × 4,000 floats: 17.6 MB of weights, over PACKED_KEEP_BYTES.
        let mut large = network(1100, 4000);
        large.predict(&vec![0.5; m * 1100], m);
        assert!(large.packed.is_empty(), "large: freed after predict");
        let mut y = vec![0.0; m * 2];
        y.iter_mut().step_by(2).for_each(|v| *v = 1.0);
        large.evaluate(&vec![0.5; m * 1100], &y, m);
        assert!(large.packed.is_empty(), "large: freed after evaluate");
    }

    #[test]
    fn predict_checked_names_the_first_non_finite_input_packed_or_not_and_predicts_finite_rows_as_predict() {
        let dense = |units| LayerSpec::Dense { units, init: Init::He, l2: 0.0, l1: 0.0, use_bias: true };
        let relu = LayerSpec::Activation(Activation::Relu);
        // Packed when the kernel runs here (over PACKED_MIN_ROWS); a first layer that is not
        // dense, and too few rows, are scanned instead.
        let stacks = [
            (vec![dense(16), relu.clone(), dense(3)], EVAL_CHUNK + 100),
            (vec![relu.clone(), dense(16), relu.clone(), dense(3)], EVAL_CHUNK + 100),
            (vec![dense(16), relu, dense(3)], PACKED_MIN_ROWS - 1),
        ];
        let mut rng = crate::rng::Rng::new(11);
        for (s, (layers, m)) in stacks.into_iter().enumerate() {
            let spec = NetworkSpec { input_size: 7, layers, loss: LossKind::SoftmaxCrossEntropy, seed: 2 };
            let mut net = Network::<f32>::new(spec, OptimizerConfig::new(OptimizerKind::Adam)).unwrap();
            let x: Vec<f32> = (0..m * 7).map(|_| rng.next_f32() * 2.0 - 1.0).collect();
            let want = net.predict(&x, m);
            let got = net.predict_checked(&x, m).expect("finite x");
            assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "stack {s}: as predict");
            // -∞ first: relu after the first layer would turn its sums into 0.
            for (first, second) in
                [(3, 9), (7 * (m - 2) + 6, 7 * (m - 1)), (7 * EVAL_CHUNK.min(m - 1), 7 * m - 1)]
            {
                let mut bad = x.clone();
                (bad[first], bad[second]) = (f32::NEG_INFINITY, f32::NAN);
                assert_eq!(net.predict_checked(&bad, m), Err(first), "stack {s}");
            }
            // Finite values whose sums overflow are predicted, not refused: row 1 all f32::MAX,
            // the first dense layer's weights all 1.
            let mut huge = x.clone();
            huge[7..14].fill(f32::MAX);
            let mut overflowing = net.clone();
            let dense_index =
                overflowing.layers.iter().position(|l| matches!(l, Layer::Dense { .. })).unwrap();
            let Layer::Dense { weights, .. } = &mut overflowing.layers[dense_index] else { unreachable!() };
            weights.value.fill(1.0);
            let predicted = overflowing.predict_checked(&huge, m).expect("overflow is not refused");
            assert!(predicted[3..6].iter().any(|v| !v.is_finite()), "stack {s}: row 1 overflowed");
            assert_eq!(net.predict(&x, m), want, "stack {s}: nothing left behind");
        }
    }

    #[test]
    fn predicts_with_packed_weights_as_the_unpacked_forward_whatever_follows_a_dense_layer() {
        if !packed_gemm::available() {
            return;
        }
        let dense = |units, use_bias| LayerSpec::Dense { units, init: Init::He, l2: 0.0, l1: 0.0, use_bias };
        let act = LayerSpec::Activation;
        let batch_norm = LayerSpec::BatchNorm { momentum: 0.9, epsilon: 1e-3 };
        let stacks = [
            vec![dense(16, true), act(Activation::Relu), dense(3, true)],
            // relu after a fused relu reads the first activation's output
            vec![dense(16, true), act(Activation::Relu), act(Activation::Relu), dense(3, false)],
            vec![
                dense(16, true),
                act(Activation::Relu),
                dense(12, true),
                act(Activation::Relu),
                dense(3, true),
            ],
            vec![
                dense(16, false),
                batch_norm,
                act(Activation::Relu),
                LayerSpec::Dropout { keep_prob: 0.8 },
                dense(3, true),
            ],
            vec![dense(16, true), act(Activation::Tanh), dense(3, true)],
            vec![act(Activation::Relu), dense(16, true), act(Activation::Relu), dense(3, true)],
        ];
        let m = 300; // a whole chunk and a part, over PACKED_MIN_ROWS
        let mut rng = crate::rng::Rng::new(9);
        let x: Vec<f32> = (0..m * 7).map(|_| rng.next_f32() * 2.0 - 1.0).collect();
        let y: Vec<f32> = (0..m * 3).map(|i| if i % 3 == (i / 3) % 3 { 1.0 } else { 0.0 }).collect();
        for (s, layers) in stacks.into_iter().enumerate() {
            let spec = NetworkSpec { input_size: 7, layers, loss: LossKind::SoftmaxCrossEntropy, seed: 2 };
            let mut net = Network::<f32>::new(spec, OptimizerConfig::new(OptimizerKind::Adam)).unwrap();
            for _ in 0..3 {
                net.train_step(&x[..64 * 7], &y[..64 * 3], 64, 0.05, None).unwrap();
                // weights and running statistics move
            }
            let packed = net.predict(&x, m);
            let logits = net.forward(&x, m, Mode::Eval).to_vec(); // the gemm crate: nothing packed
            let mut unpacked = vec![0.0f32; logits.len()];
            net.spec.loss.predict(&logits, 3, &mut unpacked);
            for (i, (p, u)) in packed.iter().zip(&unpacked).enumerate() {
                assert!((p - u).abs() <= 1e-5 * (1.0 + u.abs()), "stack {s} [{i}]: packed {p} vs {u}");
            }
        }
    }
}
