//! RNG and initialization exports, so tests can compare the native stream with the TS reference.

use crate::validate::{self as check, Result};
use napi::bindgen_prelude::{Float32Array, Float64Array, Uint32Array};
use napi_derive::napi;
use tunenet_core::init::{init_weights as core_init, Init};
use tunenet_core::rng::{stream, Rng};
use tunenet_core::ArgError;

/// The first `count` 32-bit outputs of stream `stream` of `seed`.
#[napi(catch_unwind)]
pub fn rng_u32(seed: f64, stream: f64, count: f64) -> Result<Uint32Array> {
    let (stream, count) = (check::integer("stream", stream)?, check::integer("count", count)?);
    let mut rng = Rng::with_stream(check::seed("seed", seed)?, stream as u64);
    Ok(Uint32Array::new((0..count).map(|_| rng.next_u32()).collect()))
}

/// `count` standard normals (Box–Muller) from stream `stream` of `seed`.
#[napi(catch_unwind)]
pub fn rng_normal(seed: f64, stream: f64, count: f64) -> Result<Float64Array> {
    let (stream, count) = (check::integer("stream", stream)?, check::integer("count", count)?);
    let mut rng = Rng::with_stream(check::seed("seed", seed)?, stream as u64);
    Ok(Float64Array::new((0..count).map(|_| rng.normal()).collect()))
}

/// The initializer `kind` (`init`) with random's `scale`, named, defaulted and checked by its one
/// definition (`Init::from_name`); callers say where the error's argument sits.
pub fn parse_init(kind: &str, scale: Option<f64>) -> std::result::Result<Init, ArgError> {
    Init::from_name(kind, |key| if key == "scale" { scale } else { None })
}

/// Weights [nIn, nOut] drawn row-major from the INIT stream of `seed`.
#[napi(catch_unwind)]
pub fn init_weights(
    init: String,
    n_in: f64,
    n_out: f64,
    seed: f64,
    scale: Option<f64>,
) -> Result<Float32Array> {
    let init = parse_init(&init, scale).map_err(|e| check::invalid(&e.arg, e.message))?;
    let (n_in, n_out) = (check::positive("nIn", n_in)?, check::positive("nOut", n_out)?);
    if n_in.checked_mul(n_out).is_none_or(|len| len > 1 << 31) {
        return Err(check::invalid("nOut", format!("{n_in}×{n_out} weights are too many (at most 2^31)")));
    }
    let mut rng = Rng::with_stream(check::seed("seed", seed)?, stream::INIT);
    let mut w = vec![0.0f32; n_in * n_out];
    core_init(init, n_in, n_out, &mut rng, &mut w);
    Ok(Float32Array::new(w))
}
