//! The MNIST network of bench/ (784-256-128-10, He init), shared by the core examples: variant A
//! plain, variant B with batch norm (tunenet's default momentum), dropout 0.8 and L2 1e-4.
use tunenet_core::activation::Activation;
use tunenet_core::init::Init;
use tunenet_core::network::{LayerSpec, LossKind, NetworkSpec};

pub fn mnist_spec(variant_b: bool, seed: u64) -> NetworkSpec {
    let l2 = if variant_b { 1e-4 } else { 0.0 };
    let mut layers = Vec::new();
    for units in [256usize, 128] {
        layers.push(LayerSpec::Dense { units, init: Init::He, l2, l1: 0.0, use_bias: !variant_b });
        if variant_b {
            layers.push(LayerSpec::BatchNorm { momentum: 0.9, epsilon: 1e-3 });
        }
        layers.push(LayerSpec::Activation(Activation::Relu));
        if variant_b {
            layers.push(LayerSpec::Dropout { keep_prob: 0.8 });
        }
    }
    layers.push(LayerSpec::Dense { units: 10, init: Init::He, l2, l1: 0.0, use_bias: true });
    NetworkSpec { input_size: 784, layers, loss: LossKind::SoftmaxCrossEntropy, seed }
}
