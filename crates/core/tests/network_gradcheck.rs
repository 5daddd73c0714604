//! Backprop through whole networks, checked in Rust alone (issue 9, "Rust tests for the
//! network"): every layer kind, every activation and every loss is gradient-checked in f64 with
//! two-sided differences, on small random networks and data drawn from `tunenet_core::Rng`.
//!
//! Tolerance: ‖a − n‖₂ / (‖a‖₂ + ‖n‖₂) < 1e-7 (the course's threshold for a correct backprop).
//! With ε = 1e-5 (≈ ∛(f64 machine ε), the step that balances the central difference's O(ε²)
//! truncation against its O(u/ε) rounding) both errors are ~1e-11 per entry on these costs of
//! order 1. Observed: ~1e-10 typically, at most 3e-9 (batch norm before ReLU, where dividing by
//! a small batch σ amplifies rounding), so 1e-7 has a factor 30 to spare; a real backprop bug (a
//! wrong sign, a missing 1/m, a transposed weight) shows up at 1e-3 or more — checked below by
//! corrupting the analytic gradient.
//!
//! ReLU and leaky ReLU have a kink at 0 and L1 at w = 0: a difference across a kink is not the
//! derivative. Pre-activations here are continuous random values of order 1, so the chance that
//! one lies within ε·|x| ≈ 1e-5 of 0 is ~1e-5 each; the seeds are fixed, so a test cannot flake.

use tunenet_core::activation::Activation;
use tunenet_core::init::Init;
use tunenet_core::network::gradcheck::{compare_gradients, relative_difference, GradientComparison};
use tunenet_core::network::{
    LayerSpec, LossKind, Mode, Network, NetworkSpec, OptimizerConfig, OptimizerKind, Targets,
};
use tunenet_core::Rng;

/// Two-sided difference step (see the module comment).
const EPSILON: f64 = 1e-5;
/// Largest relative difference accepted from a correct backprop.
const PASS: f64 = 1e-7;
/// Smallest relative difference a corrupted gradient must produce.
const FAIL: f64 = 1e-3;

// ---------------------------------------------------------------------------------------------
// Every kind: activations from `Activation::ALL` (their one list), losses by an exhaustive match
// (adding a `LossKind` variant makes this file fail to compile until it is linked into the
// chain), so a new kind is gradient-checked by every test below without further edits.
// ---------------------------------------------------------------------------------------------

/// Every activation with its default parameter, and leakyRelu and elu with a parameter far from
/// 0 and 1 so that a backward using the wrong branch, or dropping the parameter, is visible.
fn all_activations() -> Vec<Activation> {
    Activation::ALL
        .iter()
        .map(|&a| match a {
            Activation::LeakyRelu { .. } => Activation::LeakyRelu { slope: 0.2 },
            Activation::Elu { .. } => Activation::Elu { alpha: 0.6 },
            other => other,
        })
        .collect()
}

/// Every loss from `LossKind::ALL`, Huber with a δ small enough that both of its branches occur.
fn all_losses() -> Vec<LossKind> {
    LossKind::ALL
        .iter()
        .map(|&l| match l {
            LossKind::Huber { .. } => LossKind::Huber { delta: 0.3 },
            other => other,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Networks and data
// ---------------------------------------------------------------------------------------------

fn dense(units: usize, use_bias: bool) -> LayerSpec {
    LayerSpec::Dense { units, init: Init::Xavier, l2: 0.0, l1: 0.0, use_bias }
}

fn regularized(units: usize, l2: f64, l1: f64) -> LayerSpec {
    LayerSpec::Dense { units, init: Init::Xavier, l2, l1, use_bias: true }
}

fn batch_norm() -> LayerSpec {
    LayerSpec::BatchNorm { momentum: 0.9, epsilon: 1e-3 }
}

/// Output width a loss gets in these tests: 3 classes for softmax, 2 independent labels for
/// sigmoid (multi-label, so the sum over outputs is exercised too), 2 regression targets.
fn outputs_for(loss: LossKind) -> usize {
    match loss.targets() {
        Targets::Distribution => 3,
        Targets::Binary | Targets::Real => 2,
    }
}

/// An f64 network whose biases, γ and β are moved off their initial 0 / 1 with draws from
/// `seed`, so that every parameter takes part with a generic value (a zero bias or a unit γ can
/// hide a backward that forgets a term).
fn network(input_size: usize, layers: Vec<LayerSpec>, loss: LossKind, seed: u64) -> Network<f64> {
    let spec = NetworkSpec { input_size, layers, loss, seed };
    let mut net = Network::<f64>::new(spec.clone(), OptimizerConfig::new(OptimizerKind::Gd))
        .unwrap_or_else(|e| panic!("invalid test network {spec:?}: {e}"));
    let mut rng = Rng::new(seed ^ 0x5eed);
    for layer in &mut net.layers {
        for p in layer.params_mut() {
            match p.name {
                "W" => {}
                "gamma" => p.value.iter_mut().for_each(|v| *v = 1.0 + 0.5 * rng.normal()),
                _ => p.value.iter_mut().for_each(|v| *v = 0.5 * rng.normal()),
            }
        }
    }
    net
}

/// `m` standard-normal rows and labels for `loss`: one-hot rows of a random class for softmax,
/// independent random 0/1 for sigmoid.
fn data(inputs: usize, outputs: usize, m: usize, loss: LossKind, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let x = (0..m * inputs).map(|_| rng.normal()).collect();
    let mut y = vec![0.0; m * outputs];
    for row in y.chunks_exact_mut(outputs) {
        match loss.targets() {
            Targets::Distribution => row[rng.below(outputs as u64) as usize] = 1.0,
            Targets::Binary => row.iter_mut().for_each(|v| *v = (rng.below(2)) as f64),
            // Targets spread wider than the outputs so Huber's linear branch and MAE's signs vary.
            Targets::Real => row.iter_mut().for_each(|v| *v = 2.0 * rng.normal()),
        }
    }
    (x, y)
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// The blocks (layer, name) whose analytic gradient is exactly or nearly zero.
fn zero_blocks(cmp: &GradientComparison) -> Vec<(usize, &'static str)> {
    let whole = norm(&cmp.analytic);
    let mut at = 0;
    let mut out = Vec::new();
    for &(layer, name, len) in &cmp.blocks {
        if norm(&cmp.analytic[at..at + len]) < 1e-9 * whole {
            out.push((layer, name));
        }
        at += len;
    }
    out
}

fn param_count(net: &Network<f64>) -> usize {
    net.layers.iter().flat_map(|l| l.params()).map(|p| p.len()).sum()
}

/// Every parameter and running statistic, bit for bit.
fn snapshot(net: &Network<f64>) -> Vec<u64> {
    let mut out = Vec::new();
    for layer in &net.layers {
        for p in layer.params() {
            out.extend(p.value.iter().map(|v| v.to_bits()));
        }
        for (_, b) in layer.buffers() {
            out.extend(b.iter().map(|v| v.to_bits()));
        }
    }
    out
}

/// Gradient-checks `net` on (x, y): the whole gradient and each parameter block must pass.
/// Returns the comparison for further checks.
fn check(what: &str, net: &mut Network<f64>, x: &[f64], y: &[f64], m: usize) -> GradientComparison {
    let before = snapshot(net);
    let cmp = compare_gradients(net, x, y, m, EPSILON);
    assert_eq!(snapshot(net), before, "{what}: the gradient check changed the network");
    assert_eq!(cmp.analytic.len(), param_count(net), "{what}: not every parameter was compared");
    assert_eq!(cmp.numeric.len(), cmp.analytic.len(), "{what}");
    assert!(cmp.analytic.iter().all(|g| g.is_finite()), "{what}: non-finite analytic gradient");
    let total = relative_difference(&cmp.analytic, &cmp.numeric);
    assert!(total < PASS, "{what}: relative difference {total:e} ≥ {PASS:e}");
    // Per block, so that a wrong small block (a bias, β) is not drowned by a large one. A block
    // whose true gradient is zero (β of a batch norm whose shift the next batch norm removes)
    // has a relative difference of rounding noise over rounding noise; it passes when it is zero
    // at the whole gradient's precision: ‖a − n‖ < 1e-9·(‖A‖ + ‖N‖), far below what any
    // wrong term would leave (rounding leaves ~1e-11 per entry here).
    let whole = norm(&cmp.analytic) + norm(&cmp.numeric);
    assert!(whole > 0.0, "{what}: the whole gradient is zero");
    let mut at = 0;
    for &(layer, name, len) in &cmp.blocks {
        let (a, n) = (&cmp.analytic[at..at + len], &cmp.numeric[at..at + len]);
        let diff = relative_difference(a, n);
        let zero_block = norm(&a.iter().zip(n).map(|(a, n)| a - n).collect::<Vec<_>>()) < 1e-9 * whole
            && norm(a) < 1e-9 * whole;
        assert!(
            diff < PASS || zero_block,
            "{what}: layers[{layer}].{name}: relative difference {diff:e}\n a {a:?}\n n {n:?}"
        );
        at += len;
    }
    cmp
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

#[test]
fn every_activation_with_every_loss() {
    for (ai, act) in all_activations().into_iter().enumerate() {
        for (li, loss) in all_losses().into_iter().enumerate() {
            let out = outputs_for(loss);
            let layers = vec![
                dense(5, true),
                LayerSpec::Activation(act),
                dense(4, true),
                LayerSpec::Activation(act),
                dense(out, true),
            ];
            let seed = 100 + 10 * ai as u64 + li as u64;
            let mut net = network(3, layers, loss, seed);
            let (x, y) = data(3, out, 7, loss, seed);
            let cmp = check(&format!("{act:?} / {loss:?}"), &mut net, &x, &y, 7);
            assert_eq!(zero_blocks(&cmp), [], "{act:?} / {loss:?}: every parameter matters here");
        }
    }
}

#[test]
fn an_activation_first_and_consecutive_activations() {
    // The first layer's backward gets no dx to fill; two activations in a row chain their
    // derivatives. Every activation pair (a, b) with a different seed.
    let acts = all_activations();
    for (i, &a) in acts.iter().enumerate() {
        for (j, &b) in acts.iter().enumerate() {
            let loss = all_losses()[(i + j) % all_losses().len()];
            let out = outputs_for(loss);
            let layers = vec![
                LayerSpec::Activation(a),
                dense(4, true),
                LayerSpec::Activation(a),
                LayerSpec::Activation(b),
                dense(out, true),
            ];
            let seed = 300 + 10 * i as u64 + j as u64;
            let mut net = network(3, layers, loss, seed);
            let (x, y) = data(3, out, 5, loss, seed);
            check(&format!("{a:?} then {b:?} / {loss:?}"), &mut net, &x, &y, 5);
        }
    }
}

#[test]
fn dense_without_bias() {
    for loss in all_losses() {
        let out = outputs_for(loss);
        let layers = vec![dense(5, false), LayerSpec::Activation(Activation::Tanh), dense(out, false)];
        let mut net = network(4, layers, loss, 7);
        // Only weights: one block per dense layer.
        assert!(net.layers.iter().flat_map(|l| l.params()).all(|p| p.name == "W"));
        let (x, y) = data(4, out, 6, loss, 7);
        let cmp = check(&format!("no bias / {loss:?}"), &mut net, &x, &y, 6);
        assert_eq!(cmp.blocks.len(), 2);
        assert_eq!(zero_blocks(&cmp), []);
    }
}

#[test]
fn l2_and_l1_regularization() {
    // Strengths large enough (λ/m ~ 0.1) that the penalty is a visible part of every weight's
    // gradient: a missing or mis-scaled term fails.
    for (l2, l1) in [(0.7, 0.0), (0.0, 0.4), (0.7, 0.4)] {
        for loss in all_losses() {
            let out = outputs_for(loss);
            let layers = vec![
                regularized(5, l2, l1),
                LayerSpec::Activation(Activation::Tanh),
                regularized(out, l2, l1),
            ];
            let what = format!("l2 {l2}, l1 {l1} / {loss:?}");
            let mut net = network(3, layers, loss, 11);
            let (x, y) = data(3, out, 6, loss, 11);
            // The cost includes the penalty, and it is not negligible.
            let stats = net.compute_gradients(&x, &y, 6, Mode::GradCheck);
            assert!(stats.regularization > 1e-3, "{what}: regularization {}", stats.regularization);
            let cmp = check(&what, &mut net, &x, &y, 6);
            assert_eq!(zero_blocks(&cmp), [], "{what}");
            // The analytic gradient really contains the penalty: without it the check fails.
            let mut plain = network(
                3,
                vec![dense(5, true), LayerSpec::Activation(Activation::Tanh), dense(out, true)],
                loss,
                11,
            );
            let unregularized = compare_gradients(&mut plain, &x, &y, 6, EPSILON);
            let mixed = relative_difference(&unregularized.analytic, &cmp.numeric);
            assert!(mixed > FAIL, "{what}: the penalty is invisible in the gradient ({mixed:e})");
        }
    }
}

#[test]
fn batch_norm_in_gradient_check_mode() {
    // Mode::GradCheck normalizes with the batch statistics (the training-mode function) and
    // leaves the running statistics alone; `check` asserts the latter bit for bit.
    for (i, act) in all_activations().into_iter().enumerate() {
        for loss in all_losses() {
            let out = outputs_for(loss);
            let layers = vec![
                dense(6, false),
                batch_norm(),
                LayerSpec::Activation(act),
                dense(4, false),
                batch_norm(),
                LayerSpec::Activation(Activation::Tanh),
                dense(out, true),
            ];
            let seed = 500 + i as u64;
            let mut net = network(3, layers, loss, seed);
            let (x, y) = data(3, out, 8, loss, seed);
            let cmp = check(&format!("batch norm, {act:?} / {loss:?}"), &mut net, &x, &y, 8);
            // β shifts each column by a constant; through a linear activation and a dense layer
            // that is still a per-column constant, which the next batch norm subtracts: its
            // gradient is exactly zero (analytic ~1e-18, numeric ~1e-11, both rounding).
            let expected: &[(usize, &str)] = match act {
                Activation::Identity => &[(1, "beta")],
                _ => &[],
            };
            assert_eq!(zero_blocks(&cmp), expected, "batch norm, {act:?} / {loss:?}");
        }
    }
}

#[test]
fn batch_norm_as_first_layer_and_after_an_activation() {
    for loss in all_losses() {
        let out = outputs_for(loss);
        let layers = vec![
            batch_norm(),
            dense(5, true),
            LayerSpec::Activation(Activation::Sigmoid),
            batch_norm(),
            dense(out, true),
        ];
        let mut net = network(4, layers, loss, 21);
        // Inputs far from zero mean and unit variance, which the first batch norm removes.
        let (mut x, y) = data(4, out, 6, loss, 21);
        x.iter_mut().enumerate().for_each(|(k, v)| *v = 3.0 * *v + k as f64 % 4.0 - 1.5);
        let cmp = check(&format!("batch norm first / {loss:?}"), &mut net, &x, &y, 6);
        assert_eq!(zero_blocks(&cmp), [], "batch norm first / {loss:?}");
    }
}

#[test]
fn dropout_is_off_in_gradient_checking() {
    for loss in all_losses() {
        let out = outputs_for(loss);
        let with_dropout = vec![
            dense(6, true),
            LayerSpec::Activation(Activation::Relu),
            LayerSpec::Dropout { keep_prob: 0.5 },
            dense(out, true),
        ];
        let mut net = network(3, with_dropout, loss, 31);
        let (x, y) = data(3, out, 6, loss, 31);
        let rng_before = net.dropout_rng.state();
        check(&format!("dropout / {loss:?}"), &mut net, &x, &y, 6);
        // No mask was drawn, and the function differentiated is the network without dropout.
        assert_eq!(net.dropout_rng.state(), rng_before, "gradient checking drew dropout masks");
        let grad_check = net.forward(&x, 6, Mode::GradCheck).to_vec();
        let eval = net.forward(&x, 6, Mode::Eval).to_vec();
        assert_eq!(grad_check, eval);
        // While training mode does drop units.
        let train = net.forward(&x, 6, Mode::Train).to_vec();
        assert_ne!(train, eval, "dropout with keep_prob 0.5 changed nothing in training mode");
    }
}

/// Dropout's own backward (mask and 1/keep_prob scaling): with the dropout stream reset before
/// every evaluation, training mode is a deterministic function of the parameters, so it can be
/// differentiated numerically like any other. `compare_gradients` runs in GradCheck mode
/// (dropout off), hence this loop over every parameter.
#[test]
fn dropout_backward_with_a_fixed_mask() {
    for loss in all_losses() {
        let out = outputs_for(loss);
        let layers = vec![
            dense(8, true),
            LayerSpec::Activation(Activation::Tanh),
            LayerSpec::Dropout { keep_prob: 0.6 },
            dense(5, true),
            LayerSpec::Activation(Activation::Sigmoid),
            LayerSpec::Dropout { keep_prob: 0.8 },
            dense(out, true),
        ];
        let mut net = network(3, layers, loss, 41);
        let (x, y) = data(3, out, 6, loss, 41);
        let stream = net.dropout_rng.state();
        let cost = |net: &mut Network<f64>| {
            net.dropout_rng = Rng::from_state(stream);
            let stats = net.compute_gradients(&x, &y, 6, Mode::Train);
            stats.data_loss + stats.regularization
        };
        cost(&mut net);
        let analytic: Vec<f64> =
            net.layers.iter().flat_map(|l| l.params()).flat_map(|p| p.grad.clone()).collect();
        let mut numeric = Vec::with_capacity(analytic.len());
        let blocks: Vec<(usize, usize)> = net
            .layers
            .iter()
            .enumerate()
            .flat_map(|(li, l)| l.params().into_iter().enumerate().map(move |(pi, _)| (li, pi)))
            .collect();
        for (li, pi) in blocks {
            let len = net.layers[li].params()[pi].len();
            for k in 0..len {
                let original = net.layers[li].params()[pi].value[k];
                net.layers[li].params_mut()[pi].value[k] = original + EPSILON;
                let plus = cost(&mut net);
                net.layers[li].params_mut()[pi].value[k] = original - EPSILON;
                let minus = cost(&mut net);
                net.layers[li].params_mut()[pi].value[k] = original;
                numeric.push((plus - minus) / (2.0 * EPSILON));
            }
        }
        let diff = relative_difference(&analytic, &numeric);
        assert!(diff < PASS, "dropout in training mode / {loss:?}: relative difference {diff:e}");
        // The mask really dropped something: the gradient differs from the dropout-off one.
        let off = compare_gradients(&mut net, &x, &y, 6, EPSILON);
        let vs_off = relative_difference(&analytic, &off.analytic);
        assert!(vs_off > FAIL, "dropout in training mode had no effect ({vs_off:e})");
    }
}

#[test]
fn one_sigmoid_output_and_a_single_example() {
    // Binary classification with one logit, and batch size 1 (no batch norm: its variance over
    // one row is 0).
    for m in [1, 5] {
        let loss = LossKind::SigmoidBinaryCrossEntropy;
        let layers = vec![dense(4, true), LayerSpec::Activation(Activation::Tanh), dense(1, true)];
        let mut net = network(2, layers, loss, 51 + m as u64);
        let (x, y) = data(2, 1, m, loss, 51 + m as u64);
        check(&format!("one sigmoid output, m = {m}"), &mut net, &x, &y, m);
    }
}

#[test]
fn every_layer_kind_in_one_network() {
    for loss in all_losses() {
        let out = outputs_for(loss);
        let mut layers = Vec::new();
        for act in all_activations() {
            layers.push(dense(5, false));
            layers.push(batch_norm());
            layers.push(LayerSpec::Activation(act));
            layers.push(LayerSpec::Dropout { keep_prob: 0.7 });
        }
        layers.push(regularized(4, 0.3, 0.2));
        layers.push(LayerSpec::Activation(Activation::Tanh));
        layers.push(dense(out, true));
        let mut net = network(4, layers, loss, 61);
        let (x, y) = data(4, out, 8, loss, 61);
        // (The batch norm before a linear activation has a zero-gradient β, as above.)
        check(&format!("every kind / {loss:?}"), &mut net, &x, &y, 8);
    }
}

#[test]
fn a_corrupted_gradient_is_detected() {
    for loss in all_losses() {
        let out = outputs_for(loss);
        let layers = vec![
            dense(5, false),
            batch_norm(),
            LayerSpec::Activation(Activation::Relu),
            regularized(4, 0.1, 0.05),
            LayerSpec::Activation(Activation::Tanh),
            dense(out, true),
        ];
        let mut net = network(3, layers, loss, 71);
        let (x, y) = data(3, out, 8, loss, 71);
        let cmp = check(&format!("before corruption / {loss:?}"), &mut net, &x, &y, 8);
        // Every single entry matters: flip the sign of the median-magnitude entry (a typical
        // gradient, not the largest), as a backward with one wrong sign would.
        // (Among the nonzero entries: a dead ReLU unit's exact zeros cannot change sign.)
        let mut order: Vec<usize> = (0..cmp.analytic.len()).filter(|&i| cmp.analytic[i] != 0.0).collect();
        order.sort_by(|&a, &b| cmp.analytic[a].abs().total_cmp(&cmp.analytic[b].abs()));
        let k = order[order.len() / 2];
        let mut corrupted = cmp.analytic.clone();
        corrupted[k] = -corrupted[k];
        let diff = relative_difference(&corrupted, &cmp.numeric);
        assert!(diff > FAIL, "{loss:?}: a flipped entry {k} went unnoticed ({diff:e})");
        // A whole block off by the batch size (a forgotten 1/m), and the gradient of a stale
        // parameter (analytic computed before an update), both fail.
        let mut scaled = cmp.analytic.clone();
        let (_, _, first_len) = cmp.blocks[0];
        scaled[..first_len].iter_mut().for_each(|g| *g *= 8.0);
        assert!(relative_difference(&scaled, &cmp.numeric) > FAIL, "{loss:?}: ×m unnoticed");
        for p in net.layers.iter_mut().flat_map(|l| l.params_mut()) {
            p.value.iter_mut().for_each(|v| *v += 0.3);
        }
        let moved = compare_gradients(&mut net, &x, &y, 8, EPSILON);
        let stale = relative_difference(&cmp.analytic, &moved.numeric);
        assert!(stale > FAIL, "{loss:?}: a stale gradient went unnoticed ({stale:e})");
    }
}

#[test]
fn the_lists_cover_every_kind() {
    // Activations come from their one list; the loss chain is built from an exhaustive match,
    // and this guards against a chain that stops early (a variant given an arm but not linked in).
    let acts = all_activations();
    assert_eq!(acts.len(), Activation::ALL.len(), "{acts:?}");
    let losses = all_losses();
    assert_eq!(losses.len(), LossKind::ALL.len(), "{losses:?}");
    // Every activation yields a distinct function of z on [−2, 2].
    let mut net_outputs: Vec<Vec<u64>> = Vec::new();
    for act in acts {
        let mut net = network(1, vec![LayerSpec::Activation(act), dense(2, false)], all_losses()[0], 1);
        let z: Vec<f64> = (0..9).map(|i| i as f64 / 2.0 - 2.0).collect();
        let y = net.forward(&z, 9, Mode::Eval).iter().map(|v| v.to_bits()).collect();
        assert!(!net_outputs.contains(&y), "{act:?} computes the same as an earlier activation");
        net_outputs.push(y);
    }
}
