//! What a network is made of, as plain data: validated once, then built into a `Network`.

pub use super::loss_kind::LossKind;
use crate::activation::Activation;
use crate::error::ArgError;
use crate::init::Init;

/// One layer of a sequential network.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerSpec {
    /// `Z = X·W (+ b)`, W is [n_in, units]. `l2`/`l1` regularize W only (never the bias).
    Dense {
        units: usize,
        init: Init,
        l2: f64,
        l1: f64,
        use_bias: bool,
    },
    /// Batch normalization with learnable γ, β; `momentum` weights the old running value.
    BatchNorm {
        momentum: f64,
        epsilon: f64,
    },
    Activation(Activation),
    /// Inverted dropout; `keep_prob` in (0, 1].
    Dropout {
        keep_prob: f64,
    },
}

/// Named options as a binding or a file hands them over (the binding maps its fields to these
/// names; it knows no defaults).
pub trait LayerOptionLookup {
    fn number(&self, key: &str) -> Option<f64>;
    fn flag(&self, key: &str) -> Option<bool>;
    fn text(&self, key: &str) -> Option<&str>;
}

impl LayerSpec {
    /// Every layer kind by the name users type.
    pub const KINDS: [&'static str; 4] = ["dense", "batchNorm", "activation", "dropout"];

    /// The layer `kind` from its options, with the defaults (dense: init he, no L2/L1, a bias;
    /// batch norm: momentum 0.9 (PyTorch's 0.1), ε 1e-3 as Keras; dropout: keepProb required). Ranges are
    /// checked by `NetworkSpec::validate`; names and types here.
    pub fn from_options(kind: &str, o: &impl LayerOptionLookup) -> Result<LayerSpec, ArgError> {
        Ok(match kind {
            "dense" => {
                let units = o.number("units").unwrap_or(0.0);
                if !(units.fract() == 0.0 && units >= 1.0 && units <= MAX_TENSOR_ELEMENTS as f64) {
                    return Err(ArgError::new("units", format!("must be a positive integer, got {units}")));
                }
                // An init's `scale` (random's, varianceScaling's) is the layer's `initScale` option.
                let init = Init::from_name(o.text("init").unwrap_or(Init::DEFAULT.name()), |key| match key {
                    "scale" => o.number("initScale"),
                    _ => None,
                })
                .map_err(|e| {
                    if e.arg == "scale" {
                        ArgError::new("initScale", e.message)
                    } else {
                        e
                    }
                })?;
                // A scale given to a kind without one would be silently ignored.
                if o.number("initScale").is_some() && init.parameter().is_none() {
                    return Err(ArgError::new("initScale", init.takes_no_parameter()));
                }
                LayerSpec::Dense {
                    units: units as usize,
                    init,
                    l2: o.number("l2").unwrap_or(0.0),
                    l1: o.number("l1").unwrap_or(0.0),
                    use_bias: o.flag("useBias").unwrap_or(true),
                }
            }
            "batchNorm" => LayerSpec::BatchNorm {
                momentum: o.number("momentum").unwrap_or(0.9),
                epsilon: o.number("epsilon").unwrap_or(1e-3),
            },
            "dropout" => LayerSpec::Dropout {
                // Required: a missing one is NaN, which `validate` refuses with the range.
                keep_prob: o.number("keepProb").unwrap_or(f64::NAN),
            },
            "activation" => {
                LayerSpec::Activation(Activation::from_name(o.text("activation").unwrap_or(""), |key| {
                    o.number(key)
                })?)
            }
            other => {
                return Err(ArgError::new(
                    "kind",
                    format!("unknown layer '{other}', expected {}", Self::KINDS.join(" | ")),
                ))
            }
        })
    }
}

/// Largest tensor a network may hold (2^31 f32 elements, 8 GiB).
pub const MAX_TENSOR_ELEMENTS: usize = 1 << 31;

#[derive(Clone, Debug, PartialEq)]
pub struct NetworkSpec {
    pub input_size: usize,
    pub layers: Vec<LayerSpec>,
    pub loss: LossKind,
    pub seed: u64,
}

impl NetworkSpec {
    /// Width of each layer's output, in order.
    pub fn widths(&self) -> Vec<usize> {
        let mut width = self.input_size;
        self.layers
            .iter()
            .map(|layer| {
                if let LayerSpec::Dense { units, .. } = layer {
                    width = *units;
                }
                width
            })
            .collect()
    }

    pub fn output_size(&self) -> usize {
        self.widths().last().copied().unwrap_or(self.input_size)
    }

    /// Checks every field; the message names the layer and the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.input_size == 0 {
            return Err("inputSize: must be a positive integer".into());
        }
        if self.seed > (1u64 << 53) - 1 {
            return Err("seed: must be an integer in [0, 2^53 − 1]".into());
        }
        if self.layers.is_empty() {
            return Err("layers: a network needs at least one dense layer".into());
        }
        let mut width = self.input_size;
        for (i, layer) in self.layers.iter().enumerate() {
            let at = |field: &str, msg: String| format!("layers[{i}].{field}: {msg}");
            match *layer {
                LayerSpec::Dense { units, init, l2, l1, use_bias } => {
                    if units == 0 {
                        return Err(at("units", "must be a positive integer".into()));
                    }
                    // Refuse before allocating: an absurd size must be an error, not an abort.
                    if width.checked_mul(units).is_none_or(|n| n > MAX_TENSOR_ELEMENTS) {
                        return Err(at(
                            "units",
                            format!("{width}×{units} weights exceed the limit of 2^31 elements"),
                        ));
                    }
                    width = units;
                    if !(l2.is_finite() && l2 >= 0.0) {
                        return Err(at("l2", format!("must be a finite number ≥ 0, got {l2}")));
                    }
                    if !(l1.is_finite() && l1 >= 0.0) {
                        return Err(at("l1", format!("must be a finite number ≥ 0, got {l1}")));
                    }
                    init.validate().map_err(|e| at(&format!("init.{}", e.arg), e.message))?;
                    if use_bias && matches!(self.layers.get(i + 1), Some(LayerSpec::BatchNorm { .. })) {
                        return Err(at(
                            "useBias",
                            "must be false for a dense layer followed by batch norm (β replaces the bias)"
                                .into(),
                        ));
                    }
                }
                LayerSpec::BatchNorm { momentum, epsilon } => {
                    if !(momentum.is_finite() && (0.0..1.0).contains(&momentum)) {
                        return Err(at("momentum", format!("must be in [0, 1), got {momentum}")));
                    }
                    if !(epsilon.is_finite() && epsilon > 0.0) {
                        return Err(at("epsilon", format!("must be a finite number > 0, got {epsilon}")));
                    }
                }
                LayerSpec::Activation(act) => act.validate().map_err(|e| at(&e.arg, e.message))?,
                LayerSpec::Dropout { keep_prob } => {
                    if !(keep_prob.is_finite() && keep_prob > 0.0 && keep_prob <= 1.0) {
                        return Err(at("keepProb", format!("must be in (0, 1], got {keep_prob}")));
                    }
                }
            }
        }
        if !matches!(self.layers.last(), Some(LayerSpec::Dense { .. })) {
            return Err("layers: the last layer must be dense (it produces the logits; the loss applies softmax or sigmoid)".into());
        }
        self.loss.validate().map_err(|e| format!("loss.{e}"))?;
        let out = self.output_size();
        if out < self.loss.min_outputs() {
            return Err(format!(
                "loss: {} needs at least {} output units, the last dense layer has {out}",
                self.loss.name(),
                self.loss.min_outputs()
            ));
        }
        Ok(())
    }
}
