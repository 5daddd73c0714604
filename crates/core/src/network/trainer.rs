//! Mini-batch gradient descent over a data set owned by Rust: shuffling, batching and the
//! per-epoch statistics. Batch size m = batch GD, 1 = SGD, anything between = mini-batch.

use super::model::{Network, Update};
use super::param::try_zeros;
use super::restore::{Diverged, RestorePoint};
use super::rows_ahead::RowsAhead;
use super::workers::{may_split, with_workers_polling, with_workers_polling_doing};
use crate::augment::{augment_row, fork_row_rng, Augmentation};
use crate::real::Real;
use crate::rng::Rng;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Examples and one-hot (or 0/1) labels, row-major, copied once from JS and owned here so
/// work on another thread never touches a live JS buffer.
#[derive(Clone, Debug)]
pub struct Dataset<T> {
    pub x: Vec<T>,
    pub y: Vec<T>,
    /// A weight per row (Keras's `sample_weight`), or empty: every row weighs 1.
    pub w: Vec<T>,
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
        Ok(Dataset { x, y, w: Vec::new(), inputs, outputs })
    }

    /// `rows` zero rows to be filled in place (`outputs` 0: no labels, for prediction). Fails
    /// with the bytes it needed instead of aborting when memory cannot be had.
    pub fn zeros(rows: usize, inputs: usize, outputs: usize) -> Result<Self, String> {
        if rows == 0 || inputs == 0 {
            return Err("dataset: rows and inputs must be positive".into());
        }
        let cells = |cols: usize, what: &str| {
            rows.checked_mul(cols).ok_or_else(|| format!("{what}: {rows}×{cols} values overflow"))
        };
        let x = try_zeros(cells(inputs, "x")?).map_err(|e| format!("x: {e}"))?;
        let y = try_zeros(cells(outputs, "y")?).map_err(|e| format!("y: {e}"))?;
        Ok(Dataset { x, y, w: Vec::new(), inputs, outputs })
    }

    /// The first non-finite element of x, then of y, as ("x" | "y", index, value).
    pub fn first_non_finite(&self) -> Option<(&'static str, usize, f64)> {
        for (name, data) in [("x", &self.x), ("y", &self.y), ("sampleWeight", &self.w)] {
            if let Some(i) = crate::finite::first_non_finite(data) {
                return Some((name, i, data[i].to_f64().unwrap_or(f64::NAN)));
            }
        }
        None
    }

    /// Gives every row a weight (all 1 until written), fallibly.
    pub fn enable_weights(&mut self) -> Result<(), String> {
        if self.w.is_empty() {
            self.w = try_zeros(self.len())?;
            self.w.iter_mut().for_each(|w| *w = T::one());
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.x.len() / self.inputs
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

/// The settings of one epoch (they belong to the call that trains it, never to the model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochOptions {
    pub batch_size: usize,
    pub shuffle: bool,
    /// Drop a last batch smaller than `batch_size` (default: keep and train on it).
    pub drop_last: bool,
    /// Clip the global gradient norm to this value before each update.
    pub clip_norm: Option<f64>,
    /// Image augmentation of the gathered training batches.
    pub augmentation: Option<Augmentation>,
}

/// Where an epoch is: the example order, the next batch's start, the steps taken, and the
/// network's state when the epoch began (put back if a step diverges).
#[derive(Clone, Debug, Default)]
pub struct EpochCursor<T> {
    pub order: Vec<u32>,
    pub next: usize,
    pub steps: usize,
    /// Σ batch size × (data loss + regularization) over the epoch's steps so far.
    pub loss_sum: f64,
    pub options: Option<EpochOptions>,
    pub start: RestorePoint<T>,
    /// The epoch's progress, shared (a clone of the `Arc`) with whoever watches it from another
    /// thread, without the lock the cursor lives behind.
    pub progress: Arc<Progress>,
}

/// The current epoch's progress, written by `run_steps` after every step (a few relaxed atomic
/// stores, one writer) and read at any time from any thread: a progress bar polls it while an
/// epoch runs as one call. A reader may see one step's fields from different steps; each field
/// is itself exact.
#[derive(Debug, Default)]
pub struct Progress {
    steps: AtomicU64,
    total_steps: AtomicU64,
    examples: AtomicU64,
    /// f64 bits of Σ batch size × (data loss + regularization) over the epoch's steps so far.
    loss_sum: AtomicU64,
}

/// One read of a `Progress`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProgressSnapshot {
    /// Steps done in the current epoch.
    pub steps: u64,
    /// Steps the current epoch will take.
    pub total_steps: u64,
    /// Examples trained on in the current epoch.
    pub examples: u64,
    /// Σ batch size × (data loss + regularization) over the current epoch's steps.
    pub loss_sum: f64,
}

impl Progress {
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            steps: self.steps.load(Relaxed),
            total_steps: self.total_steps.load(Relaxed),
            examples: self.examples.load(Relaxed),
            loss_sum: f64::from_bits(self.loss_sum.load(Relaxed)),
        }
    }

    fn begin(&self, total_steps: usize) {
        self.total_steps.store(total_steps as u64, Relaxed);
        self.steps.store(0, Relaxed);
        self.examples.store(0, Relaxed);
        self.loss_sum.store(0f64.to_bits(), Relaxed);
    }

    /// A step done: the epoch's totals so far. Plain stores (no read-modify-write): the thread
    /// running the epoch is the only writer.
    fn step(&self, steps: usize, examples: usize, loss_sum: f64) {
        self.loss_sum.store(loss_sum.to_bits(), Relaxed);
        self.examples.store(examples as u64, Relaxed);
        self.steps.store(steps as u64, Relaxed);
    }
}

/// Steps an epoch over `len` examples takes with these batch settings.
pub fn steps_per_epoch(len: usize, batch_size: usize, drop_last: bool) -> usize {
    if drop_last {
        len / batch_size
    } else {
        len.div_ceil(batch_size)
    }
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
    /// The batch's row weights (empty when the data set has none).
    pub w: Vec<T>,
    /// Where the next batch's x is written during a step (`rows_ahead`), kept between calls so
    /// that epochs do not allocate it anew.
    pub x_ahead: Vec<T>,
}

impl<T: Real> Network<T> {
    /// Starts an epoch over `len` examples: remembers the state to return to if it diverges,
    /// then draws a fresh order from the SHUFFLE stream.
    pub fn begin_epoch(
        &mut self,
        cursor: &mut EpochCursor<T>,
        len: usize,
        options: EpochOptions,
    ) -> Result<(), String> {
        cursor.start.capture(self)?;
        cursor.order.clear();
        cursor.order.extend(0..len as u32);
        if options.shuffle {
            self.shuffle_rng.shuffle(&mut cursor.order);
        }
        cursor.next = 0;
        cursor.steps = 0;
        cursor.loss_sum = 0.0;
        cursor.progress.begin(steps_per_epoch(len, options.batch_size, options.drop_last));
        cursor.options = Some(options);
        Ok(())
    }

    /// Up to `max_steps` mini-batches of the current epoch at learning rate `lr`. On the first
    /// non-finite loss, gradient or parameter the network is put back to its state at the start
    /// of the epoch, the epoch is ended, and the error names the step.
    pub fn run_steps(
        &mut self,
        data: &Dataset<T>,
        cursor: &mut EpochCursor<T>,
        buffers: &mut BatchBuffers<T>,
        lr: f64,
        max_steps: usize,
    ) -> Result<StepsSummary, Diverged> {
        // One polling scope for the whole call, not one per step: each scope wakes the other
        // workers once (see `workers`).
        let threads = self.threads;
        // The workers that poll between the step's parallel regions gather the next batch (see
        // `rows_ahead`); with one thread nobody would.
        let augmentation = cursor.options.and_then(|options| options.augmentation);
        let ahead = may_split(threads)
            .then(|| RowsAhead::new(data, augmentation.as_ref(), std::mem::take(&mut buffers.x_ahead)));
        let spare_work = || ahead.as_ref().is_some_and(RowsAhead::write_one);
        let result = with_workers_polling_doing(threads, &spare_work, || {
            self.run_steps_in_place(data, cursor, buffers, lr, max_steps, ahead.as_ref())
        });
        if let Some(ahead) = ahead {
            buffers.x_ahead = ahead.into_buffer();
        }
        result
    }

    fn run_steps_in_place(
        &mut self,
        data: &Dataset<T>,
        cursor: &mut EpochCursor<T>,
        buffers: &mut BatchBuffers<T>,
        lr: f64,
        max_steps: usize,
        ahead: Option<&RowsAhead<'_, T>>,
    ) -> Result<StepsSummary, Diverged> {
        let options = cursor.options.expect("begin_epoch before run_steps");
        let mut summary = StepsSummary { grad_norm_sums: vec![0.0; self.layers.len()], ..Default::default() };
        let len = cursor.order.len();
        // Whether the call's last update checked its new values itself (then the check at the end
        // needs no pass over the parameters and slots).
        let mut last_checked = false;
        // Whether this batch was announced to `ahead` during the last step.
        let mut announced = false;
        while summary.steps < max_steps {
            let remaining = len - cursor.next;
            if remaining == 0 || (options.drop_last && remaining < options.batch_size) {
                break;
            }
            let m = remaining.min(options.batch_size);
            let rows = &cursor.order[cursor.next..cursor.next + m];
            match ahead {
                Some(ahead) if announced => {
                    ahead.take_into(rows, &mut buffers.x);
                    gather_labels(data, rows, buffers);
                }
                _ => {
                    let augmentation = options.augmentation.as_ref();
                    gather_rows(data, rows, augmentation, &mut self.augment_rng, buffers, self.threads)
                }
            }
            cursor.next += m;
            cursor.steps += 1;
            let left = len - cursor.next;
            let last = summary.steps + 1 == max_steps || left == 0 || (options.drop_last && left < options.batch_size);
            announced = match ahead {
                Some(ahead) if !last => {
                    let next = &cursor.order[cursor.next..cursor.next + left.min(options.batch_size)];
                    ahead.announce(next, &mut self.augment_rng);
                    true
                }
                _ => false,
            };
            let weights = (!buffers.w.is_empty()).then_some(&buffers.w[..]);
            let step = self.train_step_checked(&buffers.x, &buffers.y, weights, m, lr, options.clip_norm, last);
            let stats = match step {
                Ok((stats, finite)) => {
                    last_checked = last && finite;
                    stats
                }
                Err(e) => return Err(self.abandon_epoch(cursor, e.what)),
            };
            let loss = (stats.data_loss + stats.regularization) * m as f64;
            cursor.loss_sum += loss;
            cursor.progress.step(cursor.steps, cursor.next, cursor.loss_sum);
            summary.steps += 1;
            summary.examples += m;
            summary.loss_sum += loss;
            summary.correct += stats.correct;
            for (sum, norm) in summary.grad_norm_sums.iter_mut().zip(&self.last_grad_norms) {
                *sum += norm;
            }
        }
        // A finite step can still overflow a parameter, or leave weights so large that the next
        // forward overflows; the next step's loss would show it, but the last step of a call has
        // no next step here.
        if summary.steps > 0 {
            let m = buffers.y.len() / data.outputs.max(1);
            if let Some(what) = self.unusable_after_update(&buffers.x, m, last_checked) {
                return Err(self.abandon_epoch(cursor, what));
            }
        }
        let remaining = len - cursor.next;
        summary.epoch_done = remaining == 0 || (options.drop_last && remaining < options.batch_size);
        Ok(summary)
    }

    /// After an update: a non-finite tensor, or outputs on the batch `x` (evaluation mode, which
    /// draws no random numbers and leaves running statistics alone) that are no longer finite.
    /// `updated_are_finite`: the update checked the trainable parameters and slots itself and
    /// found them finite, so only the rest is scanned here.
    fn unusable_after_update(&mut self, x: &[T], m: usize, updated_are_finite: bool) -> Option<String> {
        let trainable = &self.trainable;
        let unchecked = if updated_are_finite {
            self.first_non_finite_where(|layer| !trainable[layer])
        } else {
            self.first_non_finite()
        };
        if let Some(tensor) = unchecked {
            return Some(format!("{tensor} is no longer finite after the update"));
        }
        // When the parameters' magnitudes bound every output far below f32's range, the outputs
        // are finite for sure and the forward pass (a third of a step) is not needed.
        let input_bound = crate::sum_of_squares::sum_of_squares(x).sqrt();
        let widths = self.spec.widths();
        let mut bound = input_bound;
        for (i, layer) in self.layers.iter().enumerate() {
            let width_in = if i == 0 { self.input_size() } else { widths[i - 1] };
            bound = layer.eval_output_bound(bound, m, width_in);
        }
        if bound < OUTPUT_BOUND_LIMIT {
            return None;
        }
        let logits = self.forward(x, m, super::layer::Mode::Eval);
        (!crate::finite::all_finite(logits))
            .then(|| "the outputs are no longer finite after the update".to_string())
    }

    fn abandon_epoch(&mut self, cursor: &mut EpochCursor<T>, what: String) -> Diverged {
        cursor.start.restore(self);
        cursor.options = None;
        Diverged { step: cursor.steps, what }
    }

    /// One step on a batch the caller owns (`trainStep`), applied only if it stays finite:
    /// otherwise the network is put back as it was before the call.
    pub fn guarded_train_step(
        &mut self,
        point: &mut RestorePoint<T>,
        x: &[T],
        y: &[T],
        weights: Option<&[T]>,
        m: usize,
        lr: f64,
        clip_norm: Option<f64>,
    ) -> Result<Result<super::model::BatchStats, Diverged>, String> {
        point.begin_step(self)?;
        let threads = self.threads;
        let result = with_workers_polling(threads, || {
            let stats = self.gradients_for_update(x, y, weights, m, clip_norm)?;
            // The update keeps the old parameters in `point` and checks the new ones itself.
            let checked = self.update(lr, Update::KeepingOld(&mut *point));
            match self.unusable_after_update(x, m, checked) {
                None => Ok(stats),
                Some(what) => Err(Diverged { step: 1, what }),
            }
        });
        if result.is_err() {
            point.restore(self);
        }
        Ok(result.map_err(|e| Diverged { step: 1, what: e.what }))
    }
}

/// Outputs bounded by this are finite with room to spare (f32 overflows at 3.4e38).
const OUTPUT_BOUND_LIMIT: f64 = 1e30;

/// Copies the chosen rows of x and y into the contiguous batch buffers. With an augmentation,
/// each x row is written augmented straight into the batch (rows in batch order, one generator
/// forked from `augment_rng` per row, see `augment::augment_rows`): only the batch is copied.
/// With a thread budget `threads` > 1 the rows are shared among the current pool's threads.
fn gather_rows<T: Real>(
    data: &Dataset<T>,
    rows: &[u32],
    augmentation: Option<&Augmentation>,
    augment_rng: &mut Rng,
    buffers: &mut BatchBuffers<T>,
    threads: usize,
) {
    let parallel = may_split(threads);
    let ni = data.inputs;
    gather_labels(data, rows, buffers);
    // x is overwritten row by row: at the same batch size, resizing is a no-op (no zero fill).
    buffers.x.resize(rows.len() * ni, T::zero());
    let Some(aug) = augmentation else {
        copy_rows(&data.x, ni, rows, &mut buffers.x, parallel);
        return;
    };
    {
        assert_eq!(aug.row_len(), Some(ni), "augmentation: height·width·channels must equal the input size");
        let rngs: Vec<Rng> = rows.iter().map(|_| fork_row_rng(augment_rng)).collect();
        let augment = |((dst, mut rng), &r): ((&mut [T], Rng), &u32)| {
            let r = r as usize;
            augment_row(aug, &data.x[r * ni..(r + 1) * ni], dst, &mut rng);
        };
        match parallel {
            true => buffers.x.par_chunks_mut(ni).zip(rngs).zip(rows).for_each(augment),
            false => buffers.x.chunks_mut(ni).zip(rngs).zip(rows).for_each(augment),
        }
    }
}

/// The chosen rows' labels (and weights, if the data set has them) into the batch buffers.
fn gather_labels<T: Real>(data: &Dataset<T>, rows: &[u32], buffers: &mut BatchBuffers<T>) {
    let no = data.outputs;
    buffers.y.clear();
    buffers.w.clear();
    for &r in rows {
        let r = r as usize;
        buffers.y.extend_from_slice(&data.y[r * no..(r + 1) * no]);
        if !data.w.is_empty() {
            buffers.w.push(data.w[r]);
        }
    }
}

/// Rows `rows` of `x` ([·, ni]) into `dst`, split over the pool's threads when `parallel`.
/// The rows are scattered over the data set (a cache miss per line of each): one thread asks
/// for the next rows' lines ahead of copying the current one, so the misses overlap.
fn copy_rows<T: Real>(x: &[T], ni: usize, rows: &[u32], dst: &mut [T], parallel: bool) {
    let row = |r: u32| &x[r as usize * ni..(r as usize + 1) * ni];
    if parallel {
        dst.par_chunks_mut(ni).zip(rows).for_each(|(dst, &r)| dst.copy_from_slice(row(r)));
        return;
    }
    const AHEAD: usize = 2;
    for &r in rows.iter().take(AHEAD) {
        prefetch(row(r));
    }
    for (i, (dst, &r)) in dst.chunks_exact_mut(ni).zip(rows).enumerate() {
        if let Some(&next) = rows.get(i + AHEAD) {
            prefetch(row(next));
        }
        dst.copy_from_slice(row(r));
    }
}

/// Asks for every cache line of `values` (a hint: no effect on results).
#[inline(always)]
fn prefetch<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let bytes = std::mem::size_of_val(values);
        let base = values.as_ptr() as *const i8;
        for offset in (0..bytes).step_by(64) {
            // SAFETY: prefetching is a hint that never faults; the address is inside `values`.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(base.add(offset))
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

#[cfg(test)]
mod tests {
    use super::copy_rows;

    /// Shared over the threads or not, every row lands in its place, whatever the count of rows
    /// and threads.
    #[test]
    fn copies_the_same_rows_in_order_on_any_thread_count() {
        let ni = 5;
        let x: Vec<f32> = (0..40 * ni).map(|i| i as f32).collect();
        for len in [1usize, 2, 3, 7, 40] {
            let rows: Vec<u32> = (0..len as u32).map(|i| (i * 17 + 3) % 40).collect();
            let expected: Vec<f32> =
                rows.iter().flat_map(|&r| x[r as usize * ni..(r as usize + 1) * ni].to_vec()).collect();
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let mut dst = vec![f32::NAN; len * ni];
                pool.install(|| copy_rows(&x, ni, &rows, &mut dst, threads > 1));
                assert_eq!(dst, expected, "{len} rows on {threads} threads");
            }
        }
    }
}
