//! The one catalog of a network's named tensors: every parameter with its optimizer slots
//! (`W`, `W.v`, `W.s`, …) and every buffer (`runningMean`, `runningVar`), layer by layer, with
//! shapes. The binding lists and reads tensors through it, and so, through the binding, do the
//! model file, the state export and early stopping; the slot suffixes are written only here.

use super::layer::Layer;
use super::model::Network;
use crate::error::ArgError;
use crate::real::Real;

/// The optimizer slots every parameter has, as suffixes of its name.
pub const SLOTS: [&str; 2] = [".v", ".s"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorEntry {
    pub layer: usize,
    pub name: String,
    pub shape: Vec<usize>,
}

impl<T: Real> Network<T> {
    /// Every tensor a model file holds, in a fixed order.
    pub fn tensors(&self) -> Vec<TensorEntry> {
        let mut out = Vec::new();
        for (layer, l) in self.layers.iter().enumerate() {
            for p in l.params() {
                // A dense layer's W is [n_in, n_out]; everything else is a vector.
                let shape = match l {
                    Layer::Dense { n_in, n_out, .. } if p.name == "W" => vec![*n_in, *n_out],
                    _ => vec![p.len()],
                };
                out.push(TensorEntry { layer, name: p.name.to_string(), shape: shape.clone() });
                for slot in SLOTS {
                    out.push(TensorEntry { layer, name: format!("{}{slot}", p.name), shape: shape.clone() });
                }
            }
            for (name, buffer) in l.buffers() {
                out.push(TensorEntry { layer, name: name.to_string(), shape: vec![buffer.len()] });
            }
        }
        out
    }

    /// The storage of one tensor of the catalog, or a parameter's gradient (`W.grad`).
    pub fn tensor_mut(&mut self, layer: usize, name: &str) -> Result<&mut Vec<T>, ArgError> {
        let count = self.layers.len();
        let l = self
            .layers
            .get_mut(layer)
            .ok_or_else(|| ArgError::new("layer", format!("must be < {count}, got {layer}")))?;
        if l.buffers().iter().any(|(n, _)| *n == name) {
            let (_, buffer) = l.buffers_mut().into_iter().find(|(n, _)| *n == name).expect("checked above");
            return Ok(buffer);
        }
        let (base, part) = name.split_once('.').unwrap_or((name, ""));
        let p = l
            .params_mut()
            .into_iter()
            .find(|p| p.name == base)
            .ok_or_else(|| ArgError::new("name", format!("layer {layer} has no tensor '{name}'")))?;
        match part {
            "" => Ok(&mut p.value),
            "grad" => Ok(&mut p.grad),
            "v" => Ok(&mut p.v),
            "s" => Ok(&mut p.s),
            _ => Err(ArgError::new("name", format!("unknown suffix in '{name}', expected .grad, .v or .s"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::activation::Activation;
    use crate::init::Init;
    use crate::network::{LayerSpec, LossKind, Network, NetworkSpec, OptimizerConfig, OptimizerKind};

    #[test]
    fn lists_parameters_slots_and_buffers_and_finds_each() {
        let spec = NetworkSpec {
            input_size: 3,
            layers: vec![
                LayerSpec::Dense { units: 4, init: Init::He, l2: 0.0, l1: 0.0, use_bias: false },
                LayerSpec::BatchNorm { momentum: 0.9, epsilon: 1e-3 },
                LayerSpec::Activation(Activation::Relu),
                LayerSpec::Dense { units: 2, init: Init::He, l2: 0.0, l1: 0.0, use_bias: true },
            ],
            loss: LossKind::SoftmaxCrossEntropy,
            seed: 1,
        };
        let mut net: Network<f32> = Network::new(spec, OptimizerConfig::new(OptimizerKind::Adam)).unwrap();
        let names: Vec<String> =
            net.tensors().iter().map(|t| format!("{}.{}{:?}", t.layer, t.name, t.shape)).collect();
        assert_eq!(
            names,
            [
                "0.W[3, 4]",
                "0.W.v[3, 4]",
                "0.W.s[3, 4]",
                "1.gamma[4]",
                "1.gamma.v[4]",
                "1.gamma.s[4]",
                "1.beta[4]",
                "1.beta.v[4]",
                "1.beta.s[4]",
                "1.runningMean[4]",
                "1.runningVar[4]",
                "3.W[4, 2]",
                "3.W.v[4, 2]",
                "3.W.s[4, 2]",
                "3.b[2]",
                "3.b.v[2]",
                "3.b.s[2]",
            ]
        );
        for t in net.tensors() {
            let len: usize = t.shape.iter().product();
            assert_eq!(net.tensor_mut(t.layer, &t.name).unwrap().len(), len, "{t:?}");
        }
        assert_eq!(net.tensor_mut(0, "W.grad").unwrap().len(), 12);
        assert_eq!(net.tensor_mut(5, "W").unwrap_err().arg, "layer");
        assert_eq!(net.tensor_mut(2, "W").unwrap_err().message, "layer 2 has no tensor 'W'");
        assert!(net.tensor_mut(0, "W.q").unwrap_err().message.contains("unknown suffix"));
    }
}
