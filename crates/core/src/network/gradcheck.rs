//! Gradient checking as the course defines it: flatten every parameter, compare backprop's
//! gradient with two-sided differences (J(θ+ε) − J(θ−ε))/2ε computed in f64 through the whole
//! network, and report ‖a − n‖₂ / (‖a‖₂ + ‖n‖₂).

use super::layer::Mode;
use super::model::Network;

/// Analytic and numerical gradients, flattened in parameter order, with the name of each block.
#[derive(Clone, Debug, Default)]
pub struct GradientComparison {
    pub analytic: Vec<f64>,
    pub numeric: Vec<f64>,
    /// (layer index, parameter name, number of elements) for each consecutive block.
    pub blocks: Vec<(usize, &'static str, usize)>,
}

/// The cost J = mean cross-entropy + regularization, with batch norm on batch statistics and
/// dropout off (the deterministic training-mode function).
fn cost(net: &mut Network<f64>, x: &[f64], y: &[f64], m: usize) -> f64 {
    let stats = net.compute_gradients(x, y, m, Mode::GradCheck);
    stats.data_loss + stats.regularization
}

/// Backprop and two-sided differences with step `epsilon` over every trainable parameter of `net`.
/// The network's parameters are restored exactly afterwards.
pub fn compare_gradients(
    net: &mut Network<f64>,
    x: &[f64],
    y: &[f64],
    m: usize,
    epsilon: f64,
) -> GradientComparison {
    net.compute_gradients(x, y, m, Mode::GradCheck);
    let mut out = GradientComparison::default();
    // Frozen layers' parameters are constants of the function, not checked.
    for (li, layer) in net.layers.iter().enumerate().filter(|(li, _)| net.trainable[*li]) {
        for p in layer.params() {
            out.analytic.extend_from_slice(&p.grad);
            out.blocks.push((li, p.name, p.len()));
        }
    }
    for &(li, name, len) in &out.blocks.clone() {
        for idx in 0..len {
            let original = param_value(net, li, name, idx);
            set_param_value(net, li, name, idx, original + epsilon);
            let plus = cost(net, x, y, m);
            set_param_value(net, li, name, idx, original - epsilon);
            let minus = cost(net, x, y, m);
            set_param_value(net, li, name, idx, original);
            out.numeric.push((plus - minus) / (2.0 * epsilon));
        }
    }
    out
}

fn param_value(net: &Network<f64>, layer: usize, name: &str, idx: usize) -> f64 {
    net.layers[layer].params().into_iter().find(|p| p.name == name).expect("parameter exists").value[idx]
}

fn set_param_value(net: &mut Network<f64>, layer: usize, name: &str, idx: usize, value: f64) {
    net.layers[layer].params_mut().into_iter().find(|p| p.name == name).expect("parameter exists").value
        [idx] = value;
}

/// ‖a − b‖₂ / (‖a‖₂ + ‖b‖₂); 0 when both are zero.
pub fn relative_difference(a: &[f64], b: &[f64]) -> f64 {
    let diff = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt();
    let norm = a.iter().map(|x| x * x).sum::<f64>().sqrt() + b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm == 0.0 {
        0.0
    } else {
        diff / norm
    }
}
