//! The next mini-batch's inputs, gathered while the current step runs by the workers that would
//! otherwise spin between the step's parallel regions.
//!
//! Why: on 2 threads a step of the MNIST network (batch 128) leaves the second worker idle for
//! longer than copying the next batch takes — the bias, activation and loss passes, the small
//! products and the small parameters' updates run on one thread — while copying 128 rows
//! scattered over the data set (a cache miss per line) took 31–40 µs of a ~900 µs step when the
//! epoch loop did it between steps (`bench_kernels --only core_epoch --threads 2`: the epoch
//! loop 1.068–1.076× the fixed-batch step before, 1.030–1.047× after, the builds alternated).
//!
//! The results do not change: the batch holds the same rows in the same order, and an augmented
//! row gets the generator the gather would have given it (forked from the AUGMENT stream in
//! batch order when the batch is announced, before any other draw from that stream), whichever
//! thread writes it.

use super::trainer::Dataset;
use crate::augment::{augment_row, fork_row_rng, Augmentation};
use crate::real::Real;
use crate::rng::Rng;
use std::sync::{Mutex, MutexGuard};

/// A data set's next batch of x, written a row at a time by whoever gets to it first.
pub struct RowsAhead<'a, T> {
    data: &'a Dataset<T>,
    augmentation: Option<&'a Augmentation>,
    batch: Mutex<Batch<T>>,
}

/// The rows announced, how many are written, and where.
#[derive(Default)]
struct Batch<T> {
    rows: Vec<u32>,
    /// Each row's augmentation generator (empty without augmentation).
    rngs: Vec<Rng>,
    written: usize,
    x: Vec<T>,
}

impl<'a, T: Real> RowsAhead<'a, T> {
    /// Gathers from `data` into `buffer` (any length: it is resized when a batch is announced).
    pub fn new(data: &'a Dataset<T>, augmentation: Option<&'a Augmentation>, buffer: Vec<T>) -> Self {
        let batch = Batch { x: buffer, ..Batch::default() };
        RowsAhead { data, augmentation, batch: Mutex::new(batch) }
    }

    /// The buffer the next batch would be written into, to pass to the next `new`.
    pub fn into_buffer(self) -> Vec<T> {
        self.batch.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).x
    }

    /// Announces the next batch: `rows` of the data set, in order (with an augmentation, forks
    /// their generators from `augment_rng` now, in batch order).
    pub fn announce(&self, rows: &[u32], augment_rng: &mut Rng) {
        let mut batch = self.lock();
        batch.rows.clear();
        batch.rows.extend_from_slice(rows);
        batch.rngs.clear();
        if self.augmentation.is_some() {
            batch.rngs.extend(rows.iter().map(|_| fork_row_rng(augment_rng)));
        }
        batch.written = 0;
        batch.x.resize(rows.len() * self.data.inputs, T::zero());
    }

    /// Writes the next row of the announced batch, if one is left and no other thread is writing
    /// one (it never waits); returns whether it wrote one. What a polling worker does when idle.
    pub fn write_one(&self) -> bool {
        match self.batch.try_lock() {
            Ok(mut batch) => self.write_next(&mut batch),
            Err(_) => false,
        }
    }

    /// Writes the rows of the announced batch not yet written, then swaps the batch into `x`
    /// (`x`'s old buffer is kept for the next batch). `rows` must be the announced rows.
    pub fn take_into(&self, rows: &[u32], x: &mut Vec<T>) {
        let mut batch = self.lock();
        debug_assert_eq!(batch.rows, rows, "take_into: not the announced rows");
        while self.write_next(&mut batch) {}
        std::mem::swap(&mut batch.x, x);
    }

    fn write_next(&self, batch: &mut Batch<T>) -> bool {
        let i = batch.written;
        let Some(&r) = batch.rows.get(i) else { return false };
        let n = self.data.inputs;
        let src = &self.data.x[r as usize * n..(r as usize + 1) * n];
        let Batch { rngs, x, .. } = batch;
        let dst = &mut x[i * n..(i + 1) * n];
        match self.augmentation {
            Some(aug) => augment_row(aug, src, dst, &mut rngs[i]),
            None => dst.copy_from_slice(src),
        }
        batch.written += 1;
        true
    }

    /// The batch, even if a thread panicked while holding it (a panic ends the epoch anyway;
    /// the rows are rewritten from the announcement on).
    fn lock(&self) -> MutexGuard<'_, Batch<T>> {
        self.batch.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::RowsAhead;
    use crate::augment::{augment_rows, Augmentation};
    use crate::network::trainer::Dataset;
    use crate::rng::Rng;

    fn data(rows: usize, inputs: usize) -> Dataset<f32> {
        let x = (0..rows * inputs).map(|i| i as f32 * 0.01).collect();
        Dataset::new(x, vec![0.0; rows], inputs, 1).unwrap()
    }

    /// Whoever writes which rows, the batch holds the announced rows in order.
    #[test]
    fn takes_the_announced_rows_in_order_however_many_were_written_ahead() {
        let data = data(40, 5);
        let rows: Vec<u32> = (0..7).map(|i| (i * 17 + 3) % 40).collect();
        let expected: Vec<f32> =
            rows.iter().flat_map(|&r| data.x[r as usize * 5..(r as usize + 1) * 5].to_vec()).collect();
        for ahead in [0, 1, 6, 7, 20] {
            let gather = RowsAhead::new(&data, None, Vec::new());
            gather.announce(&rows, &mut Rng::new(1));
            for _ in 0..ahead {
                gather.write_one();
            }
            let mut x = vec![f32::NAN; 3];
            gather.take_into(&rows, &mut x);
            assert_eq!(x, expected, "{ahead} rows written ahead");
            assert!(!gather.write_one(), "nothing is left to write after take_into");
        }
    }

    /// An augmented batch gets the rows `augment_rows` makes from the same generator.
    #[test]
    fn augments_each_row_as_the_batch_gather_does() {
        let aug = Augmentation {
            max_rotation: 15.0,
            max_shift: 1.0,
            noise_std: 0.1,
            ..Augmentation::identity(2, 3, 1)
        };
        let data = data(10, 6);
        let rows = [4u32, 1, 8];
        let src: Vec<f32> =
            rows.iter().flat_map(|&r| data.x[r as usize * 6..(r as usize + 1) * 6].to_vec()).collect();
        let mut expected = vec![0.0; src.len()];
        augment_rows(&aug, &src, &mut expected, &mut Rng::new(9));
        let gather = RowsAhead::new(&data, Some(&aug), Vec::new());
        let mut rng = Rng::new(9);
        gather.announce(&rows, &mut rng);
        gather.write_one();
        let mut x = Vec::new();
        gather.take_into(&rows, &mut x);
        assert_eq!(x, expected);
    }
}
