//! Runtime layers: each owns its parameters and what its backward pass needs from the forward.

use super::first_layer;
use super::param::{try_filled, try_zeros, Param};
use super::spec::LayerSpec;
use crate::activation::{activation_backward, activation_forward, Activation};
use crate::batch_norm::{
    batch_norm_backward, batch_norm_forward_inference, batch_norm_forward_train, batch_norm_update_running,
    Normalized,
};
use crate::bias::{add_bias, bias_grad};
use crate::dropout::{dropout_backward, dropout_forward};
use crate::gemm::{gemm, GemmShape};
use crate::init::init_weights;
use crate::packed_gemm::{as_f32, as_f32_mut, packed_product, PackedWeights};
use crate::real::Real;
use crate::regularization::{penalize_and_measure, PenaltySums};
use crate::rng::Rng;
use crate::sum_of_squares::sum_of_squares;

/// How a forward pass treats batch norm and dropout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Batch statistics (and running-statistic updates), dropout on.
    Train,
    /// Running statistics, dropout off.
    Eval,
    /// Batch statistics without touching the running ones, dropout off: the deterministic
    /// training-mode function that gradient checking differentiates.
    GradCheck,
}

#[derive(Clone, Debug)]
pub enum Layer<T> {
    Dense {
        n_in: usize,
        n_out: usize,
        weights: Param<T>,
        bias: Option<Param<T>>,
    },
    BatchNorm {
        n: usize,
        momentum: f64,
        epsilon: f64,
        gamma: Param<T>,
        beta: Param<T>,
        running_mean: Vec<T>,
        running_var: Vec<T>,
        /// The last training-mode batch's statistics; the backward recomputes x_hat from them
        /// and the layer's input, which the network keeps for the layer before it.
        batch_mean: Vec<T>,
        batch_var: Vec<T>,
    },
    Activation {
        act: Activation,
    },
    Dropout {
        keep_prob: f64,
        mask: Vec<T>,
        active: bool,
    },
}

impl<T: Real> Layer<T> {
    /// Builds the layer for an input of width `n_in`, drawing weights from `init_rng`. Fails
    /// (instead of aborting) when its tensors cannot be allocated.
    pub fn build(spec: &LayerSpec, n_in: usize, init_rng: &mut Rng) -> Result<Self, String> {
        Ok(match *spec {
            LayerSpec::Dense { units, init, l2, l1, use_bias } => {
                // Everything is allocated before the (slow, for huge layers) draw of the weights.
                let mut weights = Param::try_new("W", try_zeros(n_in * units)?, l2, l1, true)?;
                let bias = match use_bias {
                    true => Some(Param::try_new("b", try_zeros(units)?, 0.0, 0.0, false)?),
                    false => None,
                };
                init_weights(init, n_in, units, init_rng, &mut weights.value);
                Layer::Dense { n_in, n_out: units, weights, bias }
            }
            LayerSpec::BatchNorm { momentum, epsilon } => Layer::BatchNorm {
                n: n_in,
                momentum,
                epsilon,
                gamma: Param::try_new("gamma", try_filled(n_in, T::one())?, 0.0, 0.0, false)?,
                beta: Param::try_new("beta", try_filled(n_in, T::zero())?, 0.0, 0.0, false)?,
                running_mean: try_filled(n_in, T::zero())?,
                running_var: try_filled(n_in, T::one())?,
                batch_mean: try_filled(n_in, T::zero())?,
                batch_var: try_filled(n_in, T::zero())?,
            },
            LayerSpec::Activation(act) => Layer::Activation { act },
            LayerSpec::Dropout { keep_prob } => Layer::Dropout { keep_prob, mask: Vec::new(), active: false },
        })
    }

    pub fn params(&self) -> Vec<&Param<T>> {
        match self {
            Layer::Dense { weights, bias, .. } => std::iter::once(weights).chain(bias.as_ref()).collect(),
            Layer::BatchNorm { gamma, beta, .. } => vec![gamma, beta],
            _ => Vec::new(),
        }
    }

    pub fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        match self {
            Layer::Dense { weights, bias, .. } => std::iter::once(weights).chain(bias.as_mut()).collect(),
            Layer::BatchNorm { gamma, beta, .. } => vec![gamma, beta],
            _ => Vec::new(),
        }
    }

    /// A dense layer's evaluation-mode `forward` with its weights packed in `packed` (f32 only,
    /// see crate::packed_gemm): the same outputs up to the last bits of each sum; with `relu`,
    /// those of a relu activation after it. Returns whether every output before relu was finite
    /// (which proves `x` finite: `packed_product`).
    pub fn forward_packed(
        &self,
        x: &[T],
        y: &mut [T],
        m: usize,
        packed: &PackedWeights,
        relu: bool,
        threads: usize,
    ) -> bool {
        let Layer::Dense { n_in, n_out, .. } = self else { panic!("forward_packed: not a dense layer") };
        assert_eq!(packed.shape(), (*n_in, *n_out), "forward_packed: weights packed for another shape");
        let (Some(x32), Some(y32)) = (as_f32(x), as_f32_mut(y)) else { panic!("forward_packed: f32 only") };
        packed_product(x32, m, packed, relu, y32, threads) // the bias is packed with the weights
    }

    /// `y = layer(x)` for a batch of `m` rows. `threads` is the GEMM thread budget.
    pub fn forward(
        &mut self,
        x: &[T],
        y: &mut [T],
        m: usize,
        mode: Mode,
        dropout_rng: &mut Rng,
        threads: usize,
    ) {
        match self {
            Layer::Dense { n_in, n_out, weights, bias } => {
                gemm(GemmShape::new(m, *n_out, *n_in), T::one(), x, &weights.value, T::zero(), y, threads);
                if let Some(b) = bias {
                    add_bias(y, &b.value);
                }
            }
            Layer::BatchNorm {
                momentum,
                epsilon,
                gamma,
                beta,
                running_mean,
                running_var,
                batch_mean,
                batch_var,
                ..
            } => {
                if mode == Mode::Eval {
                    batch_norm_forward_inference(
                        x,
                        &gamma.value,
                        &beta.value,
                        running_mean,
                        running_var,
                        *epsilon,
                        y,
                    );
                } else {
                    batch_norm_forward_train(
                        x,
                        &gamma.value,
                        &beta.value,
                        *epsilon,
                        y,
                        None,
                        batch_mean,
                        batch_var,
                    );
                    if mode == Mode::Train {
                        batch_norm_update_running(
                            running_mean,
                            running_var,
                            batch_mean,
                            batch_var,
                            *momentum,
                        );
                    }
                }
            }
            Layer::Activation { act } => activation_forward(*act, x, y),
            Layer::Dropout { keep_prob, mask, active } => {
                *active = mode == Mode::Train && *keep_prob < 1.0;
                if *active {
                    mask.resize(x.len(), T::zero());
                    dropout_forward(x, *keep_prob, dropout_rng, y, mask);
                } else {
                    y.copy_from_slice(x);
                }
            }
        }
    }

    /// From `dy` (gradient of the cost with respect to this layer's output `y`), fills the
    /// parameter gradients (including the L2/L1 terms for a batch of `m`) and, when asked, `dx`.
    /// Returns the layer's regularization cost and the squared norm of its whole gradient, taken
    /// while the gradients are still in cache. The first layer's weight gradient is the packed
    /// kernel's (`first_layer`) where it applies, with dZ packed into `first_layer_dz`.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &mut self,
        x: &[T],
        y: &[T],
        dy: &[T],
        dx: Option<&mut [T]>,
        m: usize,
        threads: usize,
        first_layer_dz: Option<&mut PackedWeights>,
    ) -> PenaltySums {
        match self {
            Layer::Dense { n_in, n_out, weights, bias } => {
                // dW = Xᵀ·dZ, db = column sums of dZ, dX = dZ·Wᵀ (skipped for the first layer).
                let (n_in, n_out) = (*n_in, *n_out);
                let (value, grad, l2, l1) = (&weights.value, &mut weights.grad, weights.l2, weights.l1);
                let mut first_layer_dz = first_layer_dz;
                let mut parameter_grads = |threads: usize| {
                    let packed = first_layer_dz.as_deref_mut().is_some_and(|dz| {
                        first_layer::weight_grad(x, dy, (n_in, n_out), m, dz, grad, threads)
                    });
                    if !packed {
                        gemm(
                            GemmShape::new(n_in, n_out, m).trans_a(true),
                            T::one(),
                            x,
                            dy,
                            T::zero(),
                            grad,
                            threads,
                        );
                    }
                    // The penalty and the sums in the same read of dW, while the product's
                    // output is still in cache.
                    let mut sums = penalize_and_measure(value, grad, l2, l1, m, threads);
                    if let Some(b) = bias {
                        bias_grad(dy, &mut b.grad);
                        sums.grad_sq += sum_of_squares(&b.grad);
                    }
                    sums
                };
                let input_grad = |dx: &mut [T], threads: usize| {
                    gemm(
                        GemmShape::new(m, n_in, n_out).trans_b(true),
                        T::one(),
                        dy,
                        value,
                        T::zero(),
                        dx,
                        threads,
                    );
                };
                match dx {
                    Some(dx) if backward_products_side_by_side(m, n_in, n_out, threads) => {
                        let half = threads / 2;
                        rayon::join(|| parameter_grads(threads - half), || input_grad(dx, half)).0
                    }
                    Some(dx) => {
                        let sums = parameter_grads(threads);
                        input_grad(dx, threads);
                        sums
                    }
                    None => parameter_grads(threads),
                }
            }
            Layer::BatchNorm { epsilon, gamma, beta, batch_mean, batch_var, .. } => {
                let mut scratch;
                let dx = match dx {
                    Some(dx) => dx,
                    None => {
                        scratch = vec![T::zero(); dy.len()];
                        &mut scratch[..]
                    }
                };
                batch_norm_backward(
                    dy,
                    Normalized::FromInput { x, mean: batch_mean },
                    batch_var,
                    &gamma.value,
                    *epsilon,
                    dx,
                    &mut gamma.grad,
                    &mut beta.grad,
                );
                PenaltySums { cost: 0.0, grad_sq: sum_of_squares(&gamma.grad) + sum_of_squares(&beta.grad) }
            }
            Layer::Activation { act } => {
                if let Some(dx) = dx {
                    activation_backward(*act, x, y, dy, dx);
                }
                PenaltySums::default()
            }
            Layer::Dropout { mask, active, .. } => {
                if let Some(dx) = dx {
                    if *active {
                        dropout_backward(dy, mask, dx);
                    } else {
                        dx.copy_from_slice(dy);
                    }
                }
                PenaltySums::default()
            }
        }
    }

    /// Running statistics (batch norm only), by name.
    pub fn buffers(&self) -> Vec<(&'static str, &Vec<T>)> {
        match self {
            Layer::BatchNorm { running_mean, running_var, .. } => {
                vec![("runningMean", running_mean), ("runningVar", running_var)]
            }
            _ => Vec::new(),
        }
    }

    pub fn buffers_mut(&mut self) -> Vec<(&'static str, &mut Vec<T>)> {
        match self {
            Layer::BatchNorm { running_mean, running_var, .. } => {
                vec![("runningMean", running_mean), ("runningVar", running_var)]
            }
            _ => Vec::new(),
        }
    }

    /// A bound on the Frobenius norm of this layer's evaluation-mode output when the input's is
    /// at most `input_bound` (f64, from the parameters' norms, each one vectorized pass):
    /// Dense ‖W‖_F·B + √m·‖b‖ (‖X·W‖_F ≤ ‖X‖_F‖W‖_F); batch norm max|γ|/√(var+ε)·(B + √m·‖mean‖)
    /// + √m·‖β‖; an activation its `output_bound` (n = `width`, this layer's input width);
    /// dropout B.
    pub fn eval_output_bound(&self, input_bound: f64, m: usize, width: usize) -> f64 {
        let norm = |v: &[T]| sum_of_squares(v).sqrt();
        let rows = (m as f64).sqrt();
        match self {
            Layer::Dense { weights, bias, .. } => {
                norm(&weights.value) * input_bound + bias.as_ref().map_or(0.0, |b| rows * norm(&b.value))
            }
            Layer::BatchNorm { n, epsilon, gamma, beta, running_mean, running_var, .. } => {
                let mut scale = 0.0f64;
                for j in 0..*n {
                    let g = gamma.value[j].to_f64().unwrap_or(f64::INFINITY);
                    let v = running_var[j].to_f64().unwrap_or(f64::INFINITY);
                    scale = scale.max(g.abs() / (v + epsilon).sqrt());
                }
                scale * (input_bound + rows * norm(running_mean)) + rows * norm(&beta.value)
            }
            Layer::Activation { act } => act.output_bound(input_bound, m * width),
            Layer::Dropout { .. } => input_bound,
        }
    }

    /// Parameters and running statistics at once (for code that walks the whole state).
    #[allow(clippy::type_complexity)]
    pub fn params_and_buffers_mut(&mut self) -> (Vec<&mut Param<T>>, Vec<(&'static str, &mut Vec<T>)>) {
        match self {
            Layer::Dense { weights, bias, .. } => {
                (std::iter::once(weights).chain(bias.as_mut()).collect(), Vec::new())
            }
            Layer::BatchNorm { gamma, beta, running_mean, running_var, .. } => {
                (vec![gamma, beta], vec![("runningMean", running_mean), ("runningVar", running_var)])
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// The same layer in another float type (parameters, state and running statistics).
    pub fn cast<U: Real>(&self) -> Layer<U> {
        let conv = |x: &Vec<T>| -> Vec<U> { x.iter().map(|&e| U::from(e).unwrap()).collect() };
        match self {
            Layer::Dense { n_in, n_out, weights, bias } => Layer::Dense {
                n_in: *n_in,
                n_out: *n_out,
                weights: weights.cast(),
                bias: bias.as_ref().map(|b| b.cast()),
            },
            Layer::BatchNorm { n, momentum, epsilon, gamma, beta, running_mean, running_var, .. } => {
                Layer::BatchNorm {
                    n: *n,
                    momentum: *momentum,
                    epsilon: *epsilon,
                    gamma: gamma.cast(),
                    beta: beta.cast(),
                    running_mean: conv(running_mean),
                    running_var: conv(running_var),
                    batch_mean: vec![U::zero(); *n],
                    batch_var: vec![U::zero(); *n],
                }
            }
            Layer::Activation { act } => Layer::Activation { act: *act },
            Layer::Dropout { keep_prob, .. } => {
                Layer::Dropout { keep_prob: *keep_prob, mask: Vec::new(), active: false }
            }
        }
    }
}

/// Whether a dense layer's backward runs its two products (dW = Xᵀ·dZ and dX = dZ·Wᵀ) side by
/// side, each on a share of the `threads`, rather than one after the other on all of them. They
/// are independent and of equal size (m·n_in·n_out): at a training batch size each splits poorly
/// over threads, so side by side they run faster — the same single-threaded products, the same
/// bits. Only for products the gemm crate would thread at all.
pub fn backward_products_side_by_side(m: usize, n_in: usize, n_out: usize, threads: usize) -> bool {
    threads > 1 && m * n_in * n_out >= gemm::get_threading_threshold()
}
