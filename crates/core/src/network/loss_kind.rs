//! What a network's output means and how it is scored: the output transform, the loss with its
//! gradient, the targets it takes and how a prediction counts as correct. Everything about a kind
//! lives here (its name, parameter, default and checks too); adding one is a variant, an entry
//! in `ALL` and an arm in each `match` (the compiler lists them).
//!
//! Every loss is a mean: cross-entropies over the m examples (summed over outputs), regression
//! losses over all m·n entries (Keras's and PyTorch's default reduction); the gradient written
//! is that of the mean, so the 1/m (or 1/(m·n)) lives here and nowhere else.

use crate::activation::{activation_forward, Activation};
use crate::error::{kind_by_name, ArgError};
use crate::loss::{
    regression_loss, sigmoid_binary_cross_entropy, softmax, softmax_cross_entropy, RegressionLoss,
};
use crate::real::Real;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossKind {
    /// Multi-class: softmax over the outputs, labels one-hot (or distributions).
    SoftmaxCrossEntropy,
    /// Binary / multi-label: a sigmoid per output, labels 0/1.
    SigmoidBinaryCrossEntropy,
    /// Regression, linear outputs: mean of (ŷ − y)².
    MeanSquaredError,
    /// Regression, linear outputs: mean of |ŷ − y|.
    MeanAbsoluteError,
    /// Regression, linear outputs: mean of ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond (δ default 1).
    Huber { delta: f64 },
}

/// What the targets of a kind are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Targets {
    /// Rows that are distributions over the outputs (one-hot for hard labels).
    Distribution,
    /// Each output 0 or 1 (any value in [0, 1]).
    Binary,
    /// Any finite real per output.
    Real,
}

impl LossKind {
    /// Every kind with its default parameter.
    pub const ALL: &'static [LossKind] = &[
        LossKind::SoftmaxCrossEntropy,
        LossKind::SigmoidBinaryCrossEntropy,
        LossKind::MeanSquaredError,
        LossKind::MeanAbsoluteError,
        LossKind::Huber { delta: 1.0 },
    ];

    /// The name the binding and model files use.
    pub fn name(&self) -> &'static str {
        match self {
            LossKind::SoftmaxCrossEntropy => "softmaxCrossEntropy",
            LossKind::SigmoidBinaryCrossEntropy => "sigmoidBinaryCrossEntropy",
            LossKind::MeanSquaredError => "mse",
            LossKind::MeanAbsoluteError => "mae",
            LossKind::Huber { .. } => "huber",
        }
    }

    /// The name and value of its one parameter, if it has one.
    pub fn parameter(&self) -> Option<(&'static str, f64)> {
        match *self {
            LossKind::Huber { delta } => Some(("delta", delta)),
            LossKind::SoftmaxCrossEntropy
            | LossKind::SigmoidBinaryCrossEntropy
            | LossKind::MeanSquaredError
            | LossKind::MeanAbsoluteError => None,
        }
    }

    fn with_parameter(self, value: f64) -> Self {
        match self {
            LossKind::Huber { .. } => LossKind::Huber { delta: value },
            other => other,
        }
    }

    /// The kind called `name`, its parameter read by `parameter(its name)` or defaulted, checked.
    pub fn from_name(name: &str, parameter: impl Fn(&str) -> Option<f64>) -> Result<Self, ArgError> {
        let kind = kind_by_name(Self::ALL, Self::name, name, "loss", "loss")?;
        let kind = match kind.parameter().and_then(|(key, _)| parameter(key)) {
            Some(value) => kind.with_parameter(value),
            None => kind,
        };
        kind.validate()?;
        Ok(kind)
    }

    pub fn validate(&self) -> Result<(), ArgError> {
        match *self {
            LossKind::Huber { delta } if !(delta.is_finite() && delta > 0.0) => {
                Err(ArgError::new("delta", format!("must be a finite number > 0, got {delta}")))
            }
            _ => Ok(()),
        }
    }

    pub fn targets(&self) -> Targets {
        match self {
            LossKind::SoftmaxCrossEntropy => Targets::Distribution,
            LossKind::SigmoidBinaryCrossEntropy => Targets::Binary,
            LossKind::MeanSquaredError | LossKind::MeanAbsoluteError | LossKind::Huber { .. } => {
                Targets::Real
            }
        }
    }

    /// The fewest output units that make sense (a softmax over one output is always 1).
    pub fn min_outputs(&self) -> usize {
        match self {
            LossKind::SoftmaxCrossEntropy => 2,
            _ => 1,
        }
    }

    /// Classification kinds count correct predictions; regression kinds do not.
    pub fn is_classification(&self) -> bool {
        self.targets() != Targets::Real
    }

    /// The loss of the last layer's outputs `z` [m, n] against `y`, as a mean; writes the
    /// prediction (probabilities, or the outputs themselves) and the gradient of the mean.
    pub fn loss_and_grad<T: Real>(
        &self,
        z: &[T],
        y: &[T],
        n: usize,
        prediction: &mut [T],
        dz: &mut [T],
    ) -> f64 {
        match *self {
            LossKind::SoftmaxCrossEntropy => softmax_cross_entropy(z, y, n, prediction, dz),
            LossKind::SigmoidBinaryCrossEntropy => sigmoid_binary_cross_entropy(z, y, n, prediction, dz),
            LossKind::MeanSquaredError => regression_loss(RegressionLoss::Squared, z, y, prediction, dz),
            LossKind::MeanAbsoluteError => regression_loss(RegressionLoss::Absolute, z, y, prediction, dz),
            LossKind::Huber { delta } => {
                regression_loss(RegressionLoss::Huber { delta }, z, y, prediction, dz)
            }
        }
    }

    /// As `loss_and_grad` with a weight per row (Keras's `sample_weight`): the loss is
    /// (1/m)·Σ wᵢ·ℓᵢ — the weighted sum over the batch size, not over Σ w, as Keras reduces —
    /// and row i's gradient is scaled by wᵢ. Rows go through the unweighted kernel one at a
    /// time (the loss is O(m·n), nothing next to the GEMMs).
    pub fn weighted_loss_and_grad<T: Real>(
        &self,
        z: &[T],
        y: &[T],
        n: usize,
        weights: &[T],
        prediction: &mut [T],
        dz: &mut [T],
    ) -> f64 {
        let m = weights.len();
        assert_eq!(z.len(), m * n, "weighted_loss_and_grad: one weight per row");
        if m == 0 {
            return 0.0;
        }
        let mut total = 0.0f64;
        let rows = z
            .chunks_exact(n)
            .zip(y.chunks_exact(n))
            .zip(prediction.chunks_exact_mut(n))
            .zip(dz.chunks_exact_mut(n));
        for ((((z, y), p), d), &w) in rows.zip(weights) {
            let row_loss = self.loss_and_grad(z, y, n, p, d);
            let scale = w.to_f64().unwrap_or(f64::NAN) / m as f64;
            total += row_loss * w.to_f64().unwrap_or(f64::NAN);
            let s = T::from(scale).unwrap_or_else(T::nan);
            d.iter_mut().for_each(|g| *g = *g * s);
        }
        total / m as f64
    }

    /// The prediction for outputs `z` [m, n]: probabilities for classification, `z` itself for regression.
    pub fn predict<T: Real>(&self, z: &[T], n: usize, prediction: &mut [T]) {
        match self {
            LossKind::SoftmaxCrossEntropy => softmax(z, n, prediction),
            LossKind::SigmoidBinaryCrossEntropy => activation_forward(Activation::Sigmoid, z, prediction),
            LossKind::MeanSquaredError | LossKind::MeanAbsoluteError | LossKind::Huber { .. } => {
                prediction.copy_from_slice(z)
            }
        }
    }

    /// Rows whose prediction is right: softmax, argmax matches; sigmoid, every output thresholded
    /// at 0.5 matches its label; regression has no notion of correct (0).
    pub fn count_correct<T: Real>(&self, prediction: &[T], y: &[T], n: usize) -> usize {
        let half = T::from(0.5).unwrap();
        let rows = prediction.chunks_exact(n).zip(y.chunks_exact(n));
        match self {
            LossKind::SoftmaxCrossEntropy => rows.filter(|(p, t)| argmax(p) == argmax(t)).count(),
            LossKind::SigmoidBinaryCrossEntropy => {
                rows.filter(|(p, t)| p.iter().zip(t.iter()).all(|(p, t)| (*p > half) == (*t > half))).count()
            }
            LossKind::MeanSquaredError | LossKind::MeanAbsoluteError | LossKind::Huber { .. } => 0,
        }
    }
}

/// The first index of the largest value.
fn argmax<T: Real>(row: &[T]) -> usize {
    let mut best = 0;
    for (j, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = j;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_parameters_default() {
        for &kind in LossKind::ALL {
            assert_eq!(LossKind::from_name(kind.name(), |_| None), Ok(kind));
        }
        assert_eq!(
            LossKind::from_name("huber", |k| (k == "delta").then_some(2.5)),
            Ok(LossKind::Huber { delta: 2.5 })
        );
        let err = LossKind::from_name("huber", |_| Some(0.0)).unwrap_err();
        assert_eq!(err.arg, "delta");
        let err = LossKind::from_name("mse2", |_| None).unwrap_err();
        assert!(
            err.arg == "loss"
                && err.message.contains("softmaxCrossEntropy | sigmoidBinaryCrossEntropy | mse")
        );
    }

    #[test]
    fn regression_losses_by_hand() {
        // e = ŷ − y = [1, −3, 0.5, 0]: m = 2 rows of n = 2, mean over 4 entries.
        let z = [2.0, -1.0, 0.5, 4.0];
        let y = [1.0, 2.0, 0.0, 4.0];
        let mut p = [0.0; 4];
        let mut dz = [0.0; 4];
        let l = LossKind::MeanSquaredError.loss_and_grad(&z, &y, 2, &mut p, &mut dz);
        assert_eq!(l, (1.0 + 9.0 + 0.25) / 4.0);
        assert_eq!(dz, [2.0 / 4.0, -6.0 / 4.0, 1.0 / 4.0, 0.0]);
        assert_eq!(p, z);
        let l = LossKind::MeanAbsoluteError.loss_and_grad(&z, &y, 2, &mut p, &mut dz);
        assert_eq!(l, (1.0 + 3.0 + 0.5) / 4.0);
        assert_eq!(dz, [0.25, -0.25, 0.25, 0.0]);
        // Huber δ = 1: ½·1 (|e| = 1 is still quadratic), 1·(3 − ½), ½·0.25, 0.
        let l = LossKind::Huber { delta: 1.0 }.loss_and_grad(&z, &y, 2, &mut p, &mut dz);
        assert_eq!(l, (0.5 + 2.5 + 0.125) / 4.0);
        assert_eq!(dz, [0.25, -0.25, 0.125, 0.0]);
        assert_eq!(LossKind::MeanSquaredError.count_correct(&p, &y, 2), 0);
    }

    #[test]
    fn regression_gradients_match_finite_differences() {
        let z: Vec<f64> = vec![0.3, -1.7, 2.2, 0.9, -0.4, 5.0];
        let y: Vec<f64> = vec![0.1, 0.5, -1.0, 0.9 + 0.37, 1.0, 1.0];
        let h = 1e-6;
        for kind in [LossKind::MeanSquaredError, LossKind::MeanAbsoluteError, LossKind::Huber { delta: 1.3 }]
        {
            let mut p = vec![0.0; 6];
            let mut dz = vec![0.0; 6];
            kind.loss_and_grad(&z, &y, 3, &mut p, &mut dz);
            for i in 0..6 {
                let l = |d: f64| {
                    let mut zz = z.clone();
                    zz[i] += d;
                    kind.loss_and_grad(&zz, &y, 3, &mut vec![0.0; 6], &mut vec![0.0; 6])
                };
                let numeric = (l(h) - l(-h)) / (2.0 * h);
                assert!((numeric - dz[i]).abs() < 1e-8, "{kind:?} at {i}: {numeric} vs {}", dz[i]);
            }
        }
    }
}
