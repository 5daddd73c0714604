//! Mini-batch gradient descent over a data set owned by Rust: shuffling, batching and the
//! per-epoch statistics. Batch size m = batch GD, 1 = SGD, anything between = mini-batch.

use super::model::Network;
use crate::augment::{augment_row, fork_row_rng, Augmentation};
use crate::real::Real;
use crate::rng::Rng;
use rayon::prelude::*;

/// Examples and one-hot (or 0/1) labels, row-major, copied once from JS and owned here so
/// work on another thread never touches a live JS buffer.
#[derive(Clone, Debug)]
pub struct Dataset<T> {
    pub x: Vec<T>,
    pub y: Vec<T>,
    pub inputs: usize,
    pub outputs: usize,
}

impl<T: Real> Dataset<T> {
    pub fn new(x: Vec<T>, y: Vec<T>, inputs: usize, outputs: usize) -> Result<Self, String> {
        if inputs == 0 || outputs == 0 {
            return Err("dataset: inputs and outputs must be positive".into());
        }
        if x.is_empty() || !x.len().is_multiple_of(inputs) {
            return Err(format!("x: expected shape [m, {inputs}] with m ≥ 1, got {} elements", x.len()));
        }
        let m = x.len() / inputs;
        if y.len() != m * outputs {
            return Err(format!(
                "y: expected shape [{m}, {outputs}] ({} elements), got {}",
                m * outputs,
                y.len()
            ));
        }
        Ok(Dataset { x, y, inputs, outputs })
    }

    pub fn len(&self) -> usize {
        self.x.len() / self.inputs
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochOptions {
    pub batch_size: usize,
    pub shuffle: bool,
    /// Drop a last batch smaller than `batch_size` (default: keep and train on it).
    pub drop_last: bool,
}

/// Where an epoch is: the example order and the next batch's start.
#[derive(Clone, Debug, Default)]
pub struct EpochCursor {
    pub order: Vec<u32>,
    pub next: usize,
    pub options: Option<EpochOptions>,
}

/// Sums over the steps a `run_steps` call took.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepsSummary {
    pub steps: usize,
    pub examples: usize,
    /// Σ over steps of batch size × (data loss + regularization).
    pub loss_sum: f64,
    pub correct: usize,
    /// Σ over steps of each layer's gradient norm.
    pub grad_norm_sums: Vec<f64>,
    /// True when the epoch has no batches left.
    pub epoch_done: bool,
}

/// Training scratch (the gathered batch), kept between calls to avoid reallocating.
#[derive(Clone, Debug, Default)]
pub struct BatchBuffers<T> {
    pub x: Vec<T>,
    pub y: Vec<T>,
}

impl<T: Real> Network<T> {
    /// Starts an epoch over `len` examples: a fresh order, shuffled from the SHUFFLE stream.
    pub fn begin_epoch(&mut self, cursor: &mut EpochCursor, len: usize, options: EpochOptions) {
        cursor.order.clear();
        cursor.order.extend(0..len as u32);
        if options.shuffle {
            self.shuffle_rng.shuffle(&mut cursor.order);
        }
        cursor.next = 0;
        cursor.options = Some(options);
    }

    /// Up to `max_steps` mini-batches of the current epoch at learning rate `lr`.
    pub fn run_steps(
        &mut self,
        data: &Dataset<T>,
        cursor: &mut EpochCursor,
        buffers: &mut BatchBuffers<T>,
        lr: f64,
        max_steps: usize,
    ) -> StepsSummary {
        let options = cursor.options.expect("begin_epoch before run_steps");
        let mut summary = StepsSummary { grad_norm_sums: vec![0.0; self.layers.len()], ..Default::default() };
        let len = cursor.order.len();
        while summary.steps < max_steps {
            let remaining = len - cursor.next;
            if remaining == 0 || (options.drop_last && remaining < options.batch_size) {
                break;
            }
            let m = remaining.min(options.batch_size);
            let rows = &cursor.order[cursor.next..cursor.next + m];
            gather_rows(data, rows, self.augmentation.as_ref(), &mut self.augment_rng, buffers);
            cursor.next += m;
            let stats = self.train_step(&buffers.x, &buffers.y, m, lr);
            summary.steps += 1;
            summary.examples += m;
            summary.loss_sum += (stats.data_loss + stats.regularization) * m as f64;
            summary.correct += stats.correct;
            for (sum, norm) in summary.grad_norm_sums.iter_mut().zip(&self.last_grad_norms) {
                *sum += norm;
            }
        }
        let remaining = len - cursor.next;
        summary.epoch_done = remaining == 0 || (options.drop_last && remaining < options.batch_size);
        summary
    }
}

/// Copies the chosen rows of x and y into the contiguous batch buffers. With an augmentation,
/// each x row is written augmented straight into the batch (rows in batch order, one generator
/// forked from `augment_rng` per row, see `augment::augment_rows`): only the batch is copied.
fn gather_rows<T: Real>(
    data: &Dataset<T>,
    rows: &[u32],
    augmentation: Option<&Augmentation>,
    augment_rng: &mut Rng,
    buffers: &mut BatchBuffers<T>,
) {
    let (ni, no) = (data.inputs, data.outputs);
    buffers.x.clear();
    buffers.y.clear();
    for &r in rows {
        let r = r as usize;
        buffers.y.extend_from_slice(&data.y[r * no..(r + 1) * no]);
        if augmentation.is_none() {
            buffers.x.extend_from_slice(&data.x[r * ni..(r + 1) * ni]);
        }
    }
    if let Some(aug) = augmentation {
        assert_eq!(aug.row_len(), Some(ni), "augmentation: height·width·channels must equal the input size");
        buffers.x.resize(rows.len() * ni, T::zero());
        let rngs: Vec<Rng> = rows.iter().map(|_| fork_row_rng(augment_rng)).collect();
        buffers.x.par_chunks_mut(ni).zip(rngs).zip(rows).for_each(|((dst, mut rng), &r)| {
            let r = r as usize;
            augment_row(aug, &data.x[r * ni..(r + 1) * ni], dst, &mut rng);
        });
    }
}
