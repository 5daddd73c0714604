//! Prints hashes of every parameter, optimizer slot and running statistic, and of the losses, after 20 training
//! steps of the MNIST-shaped network (variants A and B) on random data, per thread count, so
//! runs under different `TUNENET_SIMD` levels (baseline, v3, default) can be compared bit for bit:
//!
//!     for l in baseline v3 ""; do TUNENET_SIMD=$l cargo run --release -p tunenet-core --example simd_bits; done
#[path = "common/mnist_spec.rs"]
mod mnist_spec;
use mnist_spec::mnist_spec;
use tunenet_core::network::{Network, OptimizerConfig, OptimizerKind};
use tunenet_core::rng::Rng;

/// FNV-1a over the bits of every state tensor.
fn hash(net: &Network<f32>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |bits: u64| {
        h ^= bits;
        h = h.wrapping_mul(0x100_0000_01b3);
    };
    for layer in &net.layers {
        for p in layer.params() {
            for v in p.value.iter().chain(&p.v).chain(&p.s) {
                eat(v.to_bits() as u64);
            }
        }
        for (_, values) in layer.buffers() {
            values.iter().for_each(|v| eat(v.to_bits() as u64));
        }
    }
    h
}

/// FNV-1a over the bits of each step's data loss and regularization cost.
fn hash_losses(losses: &[(f64, f64)]) -> (u64, u64) {
    let fnv = |bits: &mut dyn Iterator<Item = u64>| {
        bits.fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b).wrapping_mul(0x100_0000_01b3))
    };
    (fnv(&mut losses.iter().map(|l| l.0.to_bits())), fnv(&mut losses.iter().map(|l| l.1.to_bits())))
}

fn main() {
    let m = 128;
    let mut rng = Rng::new(11);
    let x: Vec<f32> = (0..m * 784).map(|_| rng.next_f32()).collect();
    let mut y = vec![0.0f32; m * 10];
    for i in 0..m {
        y[i * 10 + rng.below(10) as usize] = 1.0;
    }
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("rayon pool");
        for (variant, b) in [("A", false), ("B", true)] {
            let mut net: Network<f32> =
                Network::new(mnist_spec(b, 7), OptimizerConfig::new(OptimizerKind::Adam)).expect("network");
            net.threads = threads;
            let losses: Vec<(f64, f64)> = pool.install(|| {
                (0..20)
                    .map(|_| {
                        let s = net.train_step(&x, &y, m, 1e-3, None).expect("finite step");
                        (s.data_loss, s.regularization)
                    })
                    .collect()
            });
            let (data, reg) = hash_losses(&losses);
            println!("variant {variant} threads {threads}: state {:016x} loss {data:016x} regularization {reg:016x}", hash(&net));
        }
    }
}
