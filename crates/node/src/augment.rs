//! Image augmentation: option parsing shared with `NativeNetwork.setAugmentation`, and two
//! synchronous kernels so tests can compare the native transform with the TS reference.

use crate::validate::{self as check, Result};
use napi::bindgen_prelude::{Float32Array, Float32ArraySlice};
use napi_derive::napi;
use tunenet_core::augment::{augment_rows, transform_row, Augmentation, Transform};
use tunenet_core::rng::{stream, Rng};

/// Random image augmentation of `[m, height·width·channels]` rows (channels last).
#[napi(object)]
pub struct AugmentationOptions {
    pub height: f64,
    pub width: f64,
    /// Values per pixel, stored last (default 1).
    pub channels: Option<f64>,
    /// Largest shift in pixels, each direction (default 0).
    pub shift: Option<f64>,
    /// Largest rotation in degrees, at most 180 (default 0).
    pub rotation: Option<f64>,
    /// Largest relative size change, in [0, 1): 0.1 scales by [0.9, 1.1] (default 0).
    pub scale: Option<f64>,
    /// Standard deviation of additive Gaussian noise (default 0).
    pub noise: Option<f64>,
    /// Mirror left ↔ right with probability ½ (default false; never for digits).
    pub flip_horizontal: Option<bool>,
}

/// One explicit geometric transform (no randomness), for `transformImage`.
#[napi(object)]
pub struct ImageTransform {
    /// Shift right in pixels (default 0).
    pub dx: Option<f64>,
    /// Shift down in pixels (default 0).
    pub dy: Option<f64>,
    /// Degrees, clockwise on screen (default 0).
    pub rotation: Option<f64>,
    /// Size factor > 0 (default 1).
    pub scale: Option<f64>,
    /// Mirror left ↔ right (default false).
    pub flip: Option<bool>,
}

/// Validated options; every message names `augment.<field>`.
pub fn parse_augmentation(o: &AugmentationOptions) -> Result<Augmentation> {
    let aug = Augmentation {
        height: check::positive("augment.height", o.height)?,
        width: check::positive("augment.width", o.width)?,
        channels: check::positive("augment.channels", o.channels.unwrap_or(1.0))?,
        max_shift: o.shift.unwrap_or(0.0),
        max_rotation: o.rotation.unwrap_or(0.0),
        max_scale: o.scale.unwrap_or(0.0),
        noise_std: o.noise.unwrap_or(0.0),
        flip_horizontal: o.flip_horizontal.unwrap_or(false),
    };
    aug.validate().map_err(|e| napi::Error::new(napi::Status::InvalidArg, format!("augment.{e}")))?;
    Ok(aug)
}

/// Checks that the image size matches a row of `inputs` values.
pub fn check_row_len(aug: &Augmentation, inputs: usize) -> Result<()> {
    let (h, w, c) = (aug.height, aug.width, aug.channels);
    match aug.row_len() {
        Some(n) if n == inputs => Ok(()),
        _ => Err(check::invalid(
            "augment.height",
            format!("height·width·channels = {h}·{w}·{c} must equal the input size {inputs}"),
        )),
    }
}

/// Every row of x augmented as a training epoch would (rows in order, one generator per row
/// forked from stream AUGMENT of `seed`).
#[napi(catch_unwind)]
pub fn augment_images(x: Float32ArraySlice, options: AugmentationOptions, seed: f64) -> Result<Float32Array> {
    let aug = parse_augmentation(&options)?;
    let n = aug.row_len().expect("validated");
    check::rows_of("x", &x, n)?;
    check::finite_elements("x", &x)?;
    let mut rng = Rng::with_stream(check::seed("seed", seed)?, stream::AUGMENT);
    let mut out = vec![0.0f32; x.len()];
    augment_rows(&aug, &x, &mut out, &mut rng);
    Ok(Float32Array::new(out))
}

/// Every row of x under one explicit transform (bilinear, zero outside), no noise.
#[napi(catch_unwind)]
pub fn transform_image(
    x: Float32ArraySlice,
    options: AugmentationOptions,
    transform: ImageTransform,
) -> Result<Float32Array> {
    let aug = parse_augmentation(&options)?;
    let n = aug.row_len().expect("validated");
    check::rows_of("x", &x, n)?;
    check::finite_elements("x", &x)?;
    let t = Transform {
        dx: check::finite("transform.dx", transform.dx.unwrap_or(0.0))?,
        dy: check::finite("transform.dy", transform.dy.unwrap_or(0.0))?,
        angle: check::finite("transform.rotation", transform.rotation.unwrap_or(0.0))?,
        scale: check::positive_f64("transform.scale", transform.scale.unwrap_or(1.0))?,
        flip: transform.flip.unwrap_or(false),
    };
    let mut out = vec![0.0f32; x.len()];
    for (src, dst) in x.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
        transform_row(&aug, &t, src, dst);
    }
    Ok(Float32Array::new(out))
}
