//! Argument checks shared by every export. Each error is a JS `Error` (napi `InvalidArg`) whose
//! message names the argument and says what was expected, so users can act on it.

use napi::{Error, Status};

pub type Result<T> = napi::Result<T>;

pub fn invalid(arg: &str, what: impl std::fmt::Display) -> Error {
    Error::new(Status::InvalidArg, format!("{arg}: {what}"))
}

/// An unsigned 32-bit integer. Sizes arrive as f64 and are checked here because napi's own u32
/// conversion silently wraps and truncates (−1 → 4294967295, 2.5 → 2), which could turn a typo
/// into a multi-gigabyte allocation.
pub fn integer(arg: &str, value: f64) -> Result<u32> {
    if !(value.is_finite() && value.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&value)) {
        return Err(invalid(arg, format!("must be an integer in [0, 2^32 − 1], got {value}")));
    }
    Ok(value as u32)
}

/// A size that must be at least 1.
pub fn positive(arg: &str, value: f64) -> Result<usize> {
    let v = integer(arg, value)?;
    if v == 0 {
        return Err(invalid(arg, "must be a positive integer, got 0"));
    }
    Ok(v as usize)
}

/// Exactly `rows × cols` elements.
pub fn shape<T>(arg: &str, data: &[T], rows: usize, cols: usize) -> Result<()> {
    if data.len() != rows * cols {
        return Err(invalid(
            arg,
            format!(
                "expected shape [{rows}, {cols}] ({} elements), got {} elements",
                rows * cols,
                data.len()
            ),
        ));
    }
    Ok(())
}

/// Length a multiple of `cols` and non-empty: returns the row count.
pub fn rows_of<T>(arg: &str, data: &[T], cols: usize) -> Result<usize> {
    if data.is_empty() || !data.len().is_multiple_of(cols) {
        return Err(invalid(
            arg,
            format!("expected shape [m, {cols}] with m ≥ 1, got {} elements", data.len()),
        ));
    }
    Ok(data.len() / cols)
}

/// Every element finite (NaN or ±Infinity would silently poison training).
pub fn finite_elements<T: tunenet_core::Real>(arg: &str, data: &[T]) -> Result<()> {
    match tunenet_core::finite::first_non_finite(data) {
        None => Ok(()),
        Some(i) => Err(non_finite_element(arg, data, i)),
    }
}

/// The error for `data[i]`, the first NaN or ±∞ in `data`.
pub fn non_finite_element<T: tunenet_core::Real>(arg: &str, data: &[T], i: usize) -> napi::Error {
    invalid(arg, format!("element {i} is {}, expected a finite number", data[i].to_f64().unwrap_or(f64::NAN)))
}

/// A finite scalar within [lo, hi] (`open_lo` excludes lo).
pub fn in_range(arg: &str, value: f64, lo: f64, hi: f64, open_lo: bool) -> Result<f64> {
    let ok = value.is_finite() && (if open_lo { value > lo } else { value >= lo }) && value <= hi;
    if !ok {
        let bracket = if open_lo { "(" } else { "[" };
        return Err(invalid(arg, format!("must be in {bracket}{lo}, {hi}], got {value}")));
    }
    Ok(value)
}

/// A finite scalar ≥ 0 (learning rates, λ, weight decay).
pub fn non_negative(arg: &str, value: f64) -> Result<f64> {
    if !(value.is_finite() && value >= 0.0) {
        return Err(invalid(arg, format!("must be a finite number ≥ 0, got {value}")));
    }
    Ok(value)
}

/// A finite scalar > 0 (ε).
pub fn positive_f64(arg: &str, value: f64) -> Result<f64> {
    if !(value.is_finite() && value > 0.0) {
        return Err(invalid(arg, format!("must be a finite number > 0, got {value}")));
    }
    Ok(value)
}

/// A finite scalar (α, β of GEMM).
pub fn finite(arg: &str, value: f64) -> Result<f64> {
    if !value.is_finite() {
        return Err(invalid(arg, format!("must be a finite number, got {value}")));
    }
    Ok(value)
}

/// A seed: a non-negative safe integer (so the TS reference can represent it exactly).
pub fn seed(arg: &str, value: f64) -> Result<u64> {
    if !(value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0) {
        return Err(invalid(arg, format!("must be an integer in [0, 2^53 − 1], got {value}")));
    }
    Ok(value as u64)
}
