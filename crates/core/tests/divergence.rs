//! Nothing lost, checked in Rust alone: a diverging epoch or step puts the network back exactly,
//! allocation failures are errors, and the evaluation-output bound that lets a step skip its
//! check forward really bounds the outputs.

use tunenet_core::activation::Activation;
use tunenet_core::init::Init;
use tunenet_core::network::param::try_zeros;
use tunenet_core::network::{
    BatchBuffers, Dataset, EpochCursor, EpochOptions, LayerSpec, LossKind, Mode, Network, NetworkSpec,
    OptimizerConfig, OptimizerKind, RestorePoint,
};
use tunenet_core::Rng;

fn network(kind: OptimizerKind, seed: u64) -> Network<f32> {
    let dense = |units| LayerSpec::Dense { units, init: Init::He, l2: 1e-3, l1: 0.0, use_bias: true };
    let spec = NetworkSpec {
        input_size: 3,
        layers: vec![
            LayerSpec::Dense { units: 8, init: Init::He, l2: 0.0, l1: 0.0, use_bias: false },
            LayerSpec::BatchNorm { momentum: 0.9, epsilon: 1e-3 },
            LayerSpec::Activation(Activation::Relu),
            LayerSpec::Dropout { keep_prob: 0.8 },
            dense(6),
            LayerSpec::Activation(Activation::Tanh),
            dense(2),
        ],
        loss: LossKind::SoftmaxCrossEntropy,
        seed,
    };
    Network::new(spec, OptimizerConfig::new(kind)).expect("valid network")
}

fn data(rows: usize) -> Dataset<f32> {
    let mut rng = Rng::new(7);
    let x: Vec<f32> = (0..rows * 3).map(|_| rng.normal() as f32).collect();
    let y: Vec<f32> = (0..rows).flat_map(|i| if i % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    Dataset::new(x, y, 3, 2).unwrap()
}

/// Every tensor, the step and the three streams, as bytes.
fn state(net: &Network<f32>) -> Vec<u8> {
    let mut out = Vec::new();
    for layer in &net.layers {
        for p in layer.params() {
            for t in [&p.value, &p.v, &p.s] {
                out.extend(t.iter().flat_map(|v| v.to_le_bytes()));
            }
        }
        for (_, b) in layer.buffers() {
            out.extend(b.iter().flat_map(|v| v.to_le_bytes()));
        }
    }
    out.extend(net.step.to_le_bytes());
    for rng in [&net.dropout_rng, &net.shuffle_rng, &net.augment_rng] {
        out.extend(rng.state().iter().flat_map(|w| w.to_le_bytes()));
    }
    out
}

fn epoch(batch_size: usize) -> EpochOptions {
    EpochOptions { batch_size, shuffle: true, drop_last: false, clip_norm: None, augmentation: None }
}

#[test]
fn a_diverging_epoch_restores_the_state_at_its_start() {
    for kind in [
        OptimizerKind::Gd,
        OptimizerKind::Momentum,
        OptimizerKind::RmsProp,
        OptimizerKind::Adam,
        OptimizerKind::AdamW,
    ] {
        let mut net = network(kind, 3);
        let (d, mut cursor, mut buffers) = (data(40), EpochCursor::default(), BatchBuffers::default());
        net.begin_epoch(&mut cursor, d.len(), epoch(8)).unwrap();
        net.run_steps(&d, &mut cursor, &mut buffers, 0.01, usize::MAX).expect("a sane epoch trains");
        let before = state(&net);
        net.begin_epoch(&mut cursor, d.len(), epoch(8)).unwrap();
        let err = net.run_steps(&d, &mut cursor, &mut buffers, 1e35, usize::MAX).expect_err("1e35 diverges");
        assert!(err.step >= 1 && err.step <= 5, "{kind:?}: step {}", err.step);
        assert_eq!(state(&net), before, "{kind:?}: not restored ({err})");
        // The abandoned epoch cannot go on; a new one trains normally.
        assert!(cursor.options.is_none());
        net.begin_epoch(&mut cursor, d.len(), epoch(8)).unwrap();
        net.run_steps(&d, &mut cursor, &mut buffers, 0.01, usize::MAX).expect("trains again");
        assert!(net.first_non_finite().is_none());
    }
}

#[test]
fn a_single_step_epoch_that_overflows_the_weights_is_caught() {
    // Batch GD: the step's own loss is finite; only the update breaks the model.
    let mut net = network(OptimizerKind::Gd, 5);
    let (d, mut cursor, mut buffers) = (data(16), EpochCursor::default(), BatchBuffers::default());
    let before = state(&net);
    net.begin_epoch(&mut cursor, d.len(), epoch(16)).unwrap();
    let err = net.run_steps(&d, &mut cursor, &mut buffers, 1e37, usize::MAX).expect_err("overflows");
    assert_eq!(err.step, 1);
    assert_eq!(state(&net), before);
}

#[test]
fn a_guarded_step_that_diverges_changes_nothing() {
    let mut net = network(OptimizerKind::Adam, 9);
    let d = data(12);
    let mut point = RestorePoint::default();
    net.guarded_train_step(&mut point, &d.x, &d.y, None, 12, 0.01, None).unwrap().expect("a sane step");
    let before = state(&net);
    for lr in [1e30, 1e36, f64::MAX] {
        let err = net
            .guarded_train_step(&mut point, &d.x, &d.y, None, 12, lr, None)
            .unwrap()
            .expect_err("diverges");
        assert_eq!(err.step, 1);
        assert_eq!(state(&net), before, "lr {lr}: {err}");
    }
    // NaN inputs are refused before the update too, leaving nothing behind.
    let mut x = d.x.clone();
    x[4] = f32::NAN;
    net.guarded_train_step(&mut point, &x, &d.y, None, 12, 0.01, None).unwrap().expect_err("NaN loss");
    assert_eq!(state(&net), before);
}

/// A guarded step keeps the old state by writing its update beside the parameters and swapping
/// it in, so buffers change hands every step: steps that pass are bitwise unguarded steps, and
/// a rejected one — before the update (a NaN loss) or after it (an overflow) — puts everything
/// back, for every optimizer (each keeps different slots) and with a frozen layer, on one
/// thread and on two.
#[test]
fn guarded_steps_are_plain_steps_and_a_rejected_one_changes_nothing() {
    let wide = |kind| {
        // The second dense layer (40×1024 weights) is long enough to be updated in parallel chunks.
        let dense = |units, use_bias| LayerSpec::Dense { units, init: Init::He, l2: 1e-3, l1: 0.0, use_bias };
        let spec = NetworkSpec {
            input_size: 3,
            layers: vec![
                dense(40, false),
                LayerSpec::BatchNorm { momentum: 0.9, epsilon: 1e-3 },
                LayerSpec::Activation(Activation::Relu),
                LayerSpec::Dropout { keep_prob: 0.8 },
                dense(1024, true),
                LayerSpec::Activation(Activation::Tanh),
                dense(2, true),
            ],
            loss: LossKind::SoftmaxCrossEntropy,
            seed: 6,
        };
        Network::<f32>::new(spec, OptimizerConfig::new(kind)).unwrap()
    };
    let d = data(12);
    for &kind in OptimizerKind::ALL {
        for threads in [1, 2] {
            for frozen in [None, Some(4)] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let (mut guarded, mut plain) = (wide(kind), wide(kind));
                for net in [&mut guarded, &mut plain] {
                    net.threads = threads;
                    if let Some(layer) = frozen {
                        net.trainable[layer] = false;
                    }
                }
                let what = format!("{kind:?}, {threads} thread(s), frozen {frozen:?}");
                let mut point = RestorePoint::default();
                for step in 0..4 {
                    let a = pool.install(|| guarded.guarded_train_step(&mut point, &d.x, &d.y, None, 12, 0.01, None));
                    let b = pool.install(|| plain.train_step(&d.x, &d.y, 12, 0.01, None));
                    assert_eq!(a.unwrap().unwrap(), b.unwrap(), "{what}: step {step}");
                    assert_eq!(state(&guarded), state(&plain), "{what}: step {step}");
                }
                let mut x = d.x.clone();
                x[4] = f32::NAN;
                for (x, lr) in [(&x, 0.01), (&d.x, 1e38), (&d.x, 0.01 /* passes */), (&d.x, f64::MAX)] {
                    let r = pool.install(|| guarded.guarded_train_step(&mut point, x, &d.y, None, 12, lr, None));
                    if lr == 0.01 && x[4].is_finite() {
                        r.unwrap().expect("a sane step passes between rejected ones");
                        pool.install(|| plain.train_step(&d.x, &d.y, 12, 0.01, None)).unwrap();
                        assert_eq!(state(&guarded), state(&plain), "{what}");
                        continue;
                    }
                    let err = r.unwrap().expect_err("rejected");
                    assert_eq!(state(&guarded), state(&plain), "{what}, lr {lr}: {err}");
                }
            }
        }
    }
}

#[test]
fn the_evaluation_bound_holds_for_random_networks() {
    for seed in 0..40u64 {
        let mut net = network(OptimizerKind::Adam, seed);
        let d = data(10);
        // Train a little so γ, β and the running statistics move away from their initial values.
        let mut point = RestorePoint::default();
        for _ in 0..5 {
            net.guarded_train_step(&mut point, &d.x, &d.y, None, 10, 0.05, None).unwrap().unwrap();
        }
        let input_norm = tunenet_core::sum_of_squares::sum_of_squares(&d.x).sqrt();
        let widths = net.spec.widths();
        let mut bound = input_norm;
        for (i, layer) in net.layers.iter().enumerate() {
            bound = layer.eval_output_bound(bound, 10, if i == 0 { 3 } else { widths[i - 1] });
        }
        let out = net.forward(&d.x, 10, Mode::Eval).to_vec();
        let actual = tunenet_core::sum_of_squares::sum_of_squares(&out).sqrt();
        assert!(actual <= bound * (1.0 + 1e-5), "seed {seed}: ‖output‖ {actual} > bound {bound}");
    }
}

#[test]
fn allocation_failures_are_errors() {
    let err = try_zeros::<f32>(usize::MAX / 8).expect_err("cannot allocate");
    assert!(err.starts_with("cannot allocate"), "{err}");
    let err = Dataset::<f32>::zeros(1 << 40, 1 << 20, 1).expect_err("petabytes");
    assert!(err.contains("cannot allocate") || err.contains("overflow"), "{err}");
    let z = try_zeros::<f64>(1000).unwrap();
    assert!(z.iter().all(|&v| v == 0.0 && v.is_sign_positive()));
}

#[test]
fn a_frozen_layer_keeps_its_parameters_and_is_left_out_of_gradient_checks() {
    let mut net = network(OptimizerKind::Adam, 4);
    net.trainable[0] = false; // the first dense layer
    let frozen: Vec<Vec<f32>> =
        net.layers[0].params().iter().flat_map(|p| [p.value.clone(), p.v.clone(), p.s.clone()]).collect();
    let (d, mut cursor, mut buffers) = (data(32), EpochCursor::default(), BatchBuffers::default());
    for _ in 0..3 {
        net.begin_epoch(&mut cursor, d.len(), epoch(8)).unwrap();
        net.run_steps(&d, &mut cursor, &mut buffers, 0.01, usize::MAX).unwrap();
    }
    let now: Vec<Vec<f32>> =
        net.layers[0].params().iter().flat_map(|p| [p.value.clone(), p.v.clone(), p.s.clone()]).collect();
    assert_eq!(now, frozen);
    // The next dense layer did train, with gradients that flowed through the frozen one's outputs.
    assert!(net.layers[4].params()[0].v.iter().any(|&v| v != 0.0));
    let mut net64 = net.cast::<f64>();
    let x: Vec<f64> = d.x[..24].iter().map(|&v| v as f64).collect();
    let y: Vec<f64> = d.y[..16].iter().map(|&v| v as f64).collect();
    let cmp = tunenet_core::network::gradcheck::compare_gradients(&mut net64, &x, &y, 8, 1e-5);
    assert!(cmp.blocks.iter().all(|&(layer, _, _)| layer != 0), "{:?}", cmp.blocks);
    assert!(!cmp.blocks.is_empty());
}
