//! The epoch's `Progress` (issue 10, "Watching"): what `run_steps` publishes after every step for a
//! progress bar to poll from another thread, without the model's lock.

use std::sync::Arc;
use tunenet_core::activation::Activation;
use tunenet_core::init::Init;
use tunenet_core::network::{
    steps_per_epoch, BatchBuffers, Dataset, EpochCursor, EpochOptions, LayerSpec, LossKind, Network,
    NetworkSpec, OptimizerConfig, OptimizerKind, ProgressSnapshot,
};

fn network() -> Network<f32> {
    let spec = NetworkSpec {
        input_size: 2,
        layers: vec![
            LayerSpec::Dense { units: 4, init: Init::He, l2: 0.0, l1: 0.0, use_bias: true },
            LayerSpec::Activation(Activation::Relu),
            LayerSpec::Dense { units: 1, init: Init::Xavier, l2: 0.0, l1: 0.0, use_bias: true },
        ],
        loss: LossKind::MeanSquaredError,
        seed: 7,
    };
    Network::new(spec, OptimizerConfig::new(OptimizerKind::Gd)).expect("valid network")
}

fn data(rows: usize) -> Dataset<f32> {
    let x: Vec<f32> = (0..rows * 2).map(|i| (i % 7) as f32 / 7.0).collect();
    let y: Vec<f32> = (0..rows).map(|i| (i % 3) as f32 / 3.0).collect();
    Dataset::new(x, y, 2, 1).expect("valid data")
}

#[test]
fn steps_per_epoch_counts_the_last_partial_batch_unless_dropped() {
    assert_eq!(steps_per_epoch(10, 3, false), 4);
    assert_eq!(steps_per_epoch(10, 3, true), 3);
    assert_eq!(steps_per_epoch(9, 3, false), 3);
    assert_eq!(steps_per_epoch(2, 3, true), 0);
}

#[test]
fn progress_follows_every_chunk_and_restarts_with_the_epoch() {
    let (mut net, d) = (network(), data(10));
    let (mut cursor, mut buffers) = (EpochCursor::default(), BatchBuffers::default());
    let watcher = Arc::clone(&cursor.progress);
    assert_eq!(watcher.snapshot(), ProgressSnapshot::default());
    let options =
        EpochOptions { batch_size: 3, shuffle: true, drop_last: false, clip_norm: None, augmentation: None };
    for _epoch in 0..2 {
        net.begin_epoch(&mut cursor, d.len(), options).unwrap();
        let begun = watcher.snapshot();
        assert_eq!((begun.steps, begun.total_steps, begun.examples, begun.loss_sum), (0, 4, 0, 0.0));
        let (mut loss_sum, mut examples) = (0.0, 0);
        for chunk in 1..=4 {
            let s = net.run_steps(&d, &mut cursor, &mut buffers, 0.01, 1).unwrap();
            loss_sum += s.loss_sum;
            examples += s.examples;
            let p = watcher.snapshot();
            assert_eq!((p.steps, p.total_steps, p.examples), (chunk, 4, examples as u64));
            assert!((p.loss_sum - loss_sum).abs() <= 1e-12 * loss_sum.abs(), "{} vs {loss_sum}", p.loss_sum);
        }
        assert_eq!(examples, 10);
    }
}
