//! The training digits of bench/'s MNIST split, for the core examples that time the step on the
//! data `fit` trains on. The packed first layer leaves out inputs zero in a whole 6-row tile, so
//! how fast a step runs depends on where the zeros are, not only on how many: iid random rows
//! with MNIST's 80 % zeros leave a tile little to skip.
//!
//! The file (`bench/.cache/mnist-split.bin`, written by bench/export-split.mjs): a 32-byte header
//! (the magic `TNMNIST1`, then train, test, features and classes as u32 LE), the train and test
//! rows as f32 LE, then the train and test labels as u8.
use std::path::PathBuf;

/// The split's file, as bench/lib.mjs names it.
fn split_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/.cache/mnist-split.bin")
}

/// The training rows `x` (row-major, `features` wide) and one-hot labels `y` (`classes` wide);
/// None when the file is missing or not a split of `features` × `classes`.
pub fn training_digits(features: usize, classes: usize) -> Option<(Vec<f32>, Vec<f32>, usize)> {
    let bytes = std::fs::read(split_file()).ok()?;
    let word = |at: usize| -> Option<usize> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    if bytes.get(..8)? != b"TNMNIST1" {
        return None;
    }
    let (train, test) = (word(8)?, word(12)?);
    if word(16)? != features || word(20)? != classes {
        return None;
    }
    const HEADER: usize = 32;
    let x_bytes = bytes.get(HEADER..HEADER + train * features * 4)?;
    let x = x_bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
    let labels_at = HEADER + (train + test) * features * 4;
    let labels = bytes.get(labels_at..labels_at + train)?;
    let mut y = vec![0.0f32; train * classes];
    for (row, &label) in y.chunks_exact_mut(classes).zip(labels) {
        *row.get_mut(label as usize)? = 1.0;
    }
    Some((x, y, train))
}
