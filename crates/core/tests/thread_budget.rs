//! A network keeps to its thread budget (`Network::threads`) wherever it runs: the binding runs
//! a one-thread model's work on the calling thread, outside any pool, where rayon's parallel
//! iterators would go to the global pool. This test (a process of its own, so the global pool
//! is its own) occupies every thread of the global pool, then trains, evaluates and predicts
//! with one thread outside any pool: a single piece of work sent to the global pool would wait
//! forever, and the test would fail on its timeout instead of passing.

use std::sync::mpsc;
use std::time::Duration;
use tunenet_core::activation::Activation;
use tunenet_core::augment::Augmentation;
use tunenet_core::init::Init;
use tunenet_core::network::{
    BatchBuffers, Dataset, EpochCursor, EpochOptions, LayerSpec, LossKind, Network, NetworkSpec,
    OptimizerConfig, OptimizerKind,
};
use tunenet_core::Rng;

#[test]
fn one_thread_never_uses_the_global_pool() {
    // Occupy every thread of the global pool until the work below is done.
    let global = rayon::current_num_threads();
    let (release, released) = gate();
    let (started, all_started) = mpsc::channel();
    for _ in 0..global {
        let (released, started) = (released.clone(), started.clone());
        rayon::spawn(move || {
            started.send(()).unwrap();
            released.wait();
        });
    }
    for _ in 0..global {
        all_started.recv_timeout(Duration::from_secs(10)).expect("the global pool's threads start");
    }

    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        // Long enough for every parallel path a larger budget would take: the optimizer's and
        // the penalty's chunked passes (≥ 32,768 weights), the batch gather and augmentation.
        let (side, hidden) = (12, 400);
        let spec = NetworkSpec {
            input_size: side * side,
            layers: vec![
                LayerSpec::Dense { units: hidden, init: Init::He, l2: 1e-3, l1: 1e-4, use_bias: false },
                LayerSpec::BatchNorm { momentum: 0.9, epsilon: 1e-3 },
                LayerSpec::Activation(Activation::Relu),
                LayerSpec::Dropout { keep_prob: 0.9 },
                LayerSpec::Dense { units: 2, init: Init::He, l2: 1e-3, l1: 0.0, use_bias: true },
            ],
            loss: LossKind::SoftmaxCrossEntropy,
            seed: 3,
        };
        let mut net = Network::<f32>::new(spec, OptimizerConfig::new(OptimizerKind::Adam)).unwrap();
        assert_eq!(net.threads, 1);
        let rows = 64;
        let mut rng = Rng::new(5);
        let x: Vec<f32> = (0..rows * side * side).map(|_| rng.next_f32()).collect();
        let y: Vec<f32> = (0..rows).flat_map(|i| if i % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
        let data = Dataset::new(x, y, side * side, 2).unwrap();
        let mut augmentation = Augmentation::identity(side, side, 1);
        augmentation.max_shift = 2.0;
        augmentation.max_rotation = 10.0;
        let options =
            EpochOptions { batch_size: 16, shuffle: true, drop_last: false, clip_norm: None, augmentation: Some(augmentation) };
        let (mut cursor, mut buffers) = (EpochCursor::default(), BatchBuffers::default());
        for _ in 0..2 {
            net.begin_epoch(&mut cursor, rows, options).unwrap();
            net.run_steps(&data, &mut cursor, &mut buffers, 0.01, usize::MAX).expect("trains");
        }
        net.train_step(&data.x[..16 * side * side], &data.y[..32], 16, 0.01, Some(1.0)).expect("a clipped step");
        let stats = net.evaluate(&data.x, &data.y, rows);
        let predicted = net.predict(&data.x, rows);
        done.send((stats.data_loss, predicted.len())).unwrap();
    });
    let outcome = finished.recv_timeout(Duration::from_secs(30));
    release();
    let (loss, predicted) = outcome.expect("one-thread work waited for the (occupied) global pool");
    assert!(loss.is_finite());
    assert_eq!(predicted, 64 * 2);
}

/// A one-shot gate: `wait` blocks until the returned closure is called.
fn gate() -> (impl FnOnce(), Gate) {
    let gate = Gate(std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new())));
    let opener = gate.clone();
    (
        move || {
            let (open, changed) = &*opener.0;
            *open.lock().unwrap() = true;
            changed.notify_all();
        },
        gate,
    )
}

#[derive(Clone)]
struct Gate(std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    fn wait(&self) {
        let (open, changed) = &*self.0;
        let mut is_open = open.lock().unwrap();
        while !*is_open {
            is_open = changed.wait(is_open).unwrap();
        }
    }
}
