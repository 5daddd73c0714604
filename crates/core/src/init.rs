//! Weight initialization for a `[n_in, n_out]` matrix, drawn row-major from the caller's INIT
//! stream so the native and the reference backend start from identical weights.
//!
//! A normal kind stores `rng.normal()·std`, a uniform kind `limit·(2·rng.next_f64() − 1)`
//! (U[−limit, limit), one `next_f64` per weight), each computed in f64 and rounded once to `T`
//! (exact normal, no truncation). `Zeros` draws nothing. Scales (docs/CONVENTIONS.md): std
//! He `√(2/n_in)`, the course's Xavier `√(1/n_in)`, Glorot `√(2/(n_in+n_out))`, LeCun `√(1/n_in)`;
//! limits (Keras's `*_uniform`) He `√(6/n_in)`, Glorot `√(6/(n_in+n_out))`, LeCun `√(3/n_in)`;
//! variance scaling (Keras's `VarianceScaling`, fan in, untruncated normal) std `√(scale/n_in)`.

use crate::error::{kind_by_name, ArgError};
use crate::real::{real, Real};
use crate::rng::Rng;

/// Weight initialization scheme. Everything about a kind lives in this file: its name, its
/// parameter and default, its check and its draw; adding one is a variant, an entry in `ALL`
/// and an arm in each `match` below (the compiler lists them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    Zeros,
    /// `scale`·N(0,1); the conventional scale is 0.01.
    Random {
        scale: f64,
    },
    He,
    Xavier,
    Glorot,
    Lecun,
    HeUniform,
    /// Keras's default for Dense.
    GlorotUniform,
    LecunUniform,
    /// `√(scale/n_in)`·N(0,1), Keras's `VarianceScaling(scale, 'fan_in', 'untruncated_normal')`:
    /// `lecun` at scale 1, `he` at 2. The default before batch norm at scale 0.1.
    VarianceScaling {
        scale: f64,
    },
}

/// How each weight is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Draw {
    /// 0, drawing nothing.
    Zeros,
    /// `std·normal()`.
    Normal { std: f64 },
    /// `limit·(2u − 1)` with u = `next_f64()`: U[−limit, limit), standard deviation limit/√3.
    Uniform { limit: f64 },
}

impl Init {
    /// Every initializer, with its default parameter.
    pub const ALL: &'static [Init] = &[
        Init::Zeros,
        Init::Random { scale: 0.01 },
        Init::He,
        Init::Xavier,
        Init::Glorot,
        Init::Lecun,
        Init::HeUniform,
        Init::GlorotUniform,
        Init::LecunUniform,
        Init::VarianceScaling { scale: 1.0 },
    ];

    /// What a dense layer gets when it names none.
    pub const DEFAULT: Init = Init::He;

    /// The name users type (`he`, `glorot`).
    pub fn name(&self) -> &'static str {
        match self {
            Init::Zeros => "zeros",
            Init::Random { .. } => "random",
            Init::He => "he",
            Init::Xavier => "xavier",
            Init::Glorot => "glorot",
            Init::Lecun => "lecun",
            Init::HeUniform => "heUniform",
            Init::GlorotUniform => "glorotUniform",
            Init::LecunUniform => "lecunUniform",
            Init::VarianceScaling { .. } => "varianceScaling",
        }
    }

    /// The name and value of its one parameter, if it has one.
    pub fn parameter(&self) -> Option<(&'static str, f64)> {
        match *self {
            Init::Random { scale } | Init::VarianceScaling { scale } => Some(("scale", scale)),
            Init::Zeros
            | Init::He
            | Init::Xavier
            | Init::Glorot
            | Init::Lecun
            | Init::HeUniform
            | Init::GlorotUniform
            | Init::LecunUniform => None,
        }
    }

    /// The same kind with its parameter set to `value`.
    fn with_parameter(self, value: f64) -> Self {
        match self {
            Init::Random { .. } => Init::Random { scale: value },
            Init::VarianceScaling { .. } => Init::VarianceScaling { scale: value },
            other => other,
        }
    }

    /// The initializer called `name` (error argument `init`), its parameter given by
    /// `parameter(name of the parameter)` or defaulted, checked (error argument `scale`).
    pub fn from_name(name: &str, parameter: impl Fn(&str) -> Option<f64>) -> Result<Self, ArgError> {
        let kind = kind_by_name(Self::ALL, Self::name, name, "init", "initializer")?;
        let init = match kind.parameter().and_then(|(key, _)| parameter(key)) {
            Some(value) => kind.with_parameter(value),
            None => kind,
        };
        init.validate()?;
        Ok(init)
    }

    /// Why a parameter given to this kind is refused, when it takes none: `init 'he' takes no
    /// scale (random and varianceScaling do)`.
    pub fn takes_no_parameter(&self) -> String {
        let taking: Vec<_> = Self::ALL.iter().filter(|i| i.parameter().is_some()).map(|i| i.name()).collect();
        format!("init '{}' takes no scale ({} do)", self.name(), taking.join(" and "))
    }

    /// Checks the parameter's value (random's and variance scaling's scale: finite, ≥ 0).
    pub fn validate(&self) -> Result<(), ArgError> {
        match self.parameter() {
            Some((key, value)) if !(value.is_finite() && value >= 0.0) => {
                Err(ArgError::new(key, format!("must be a finite number ≥ 0, got {value}")))
            }
            _ => Ok(()),
        }
    }

    /// How each weight of a `[n_in, n_out]` matrix is drawn.
    pub fn draw(self, n_in: usize, n_out: usize) -> Draw {
        let (fi, fo) = (n_in as f64, n_out as f64);
        match self {
            Init::Zeros => Draw::Zeros,
            Init::Random { scale } => Draw::Normal { std: scale },
            Init::He => Draw::Normal { std: (2.0 / fi).sqrt() },
            Init::Xavier | Init::Lecun => Draw::Normal { std: (1.0 / fi).sqrt() },
            Init::Glorot => Draw::Normal { std: (2.0 / (fi + fo)).sqrt() },
            Init::HeUniform => Draw::Uniform { limit: (6.0 / fi).sqrt() },
            Init::GlorotUniform => Draw::Uniform { limit: (6.0 / (fi + fo)).sqrt() },
            Init::LecunUniform => Draw::Uniform { limit: (3.0 / fi).sqrt() },
            Init::VarianceScaling { scale } => Draw::Normal { std: (scale / fi).sqrt() },
        }
    }
}

/// Fills `w` (length `n_in·n_out`, row-major) from `rng`. Panics on a length mismatch.
pub fn init_weights<T: Real>(init: Init, n_in: usize, n_out: usize, rng: &mut Rng, w: &mut [T]) {
    let len = n_in.checked_mul(n_out).expect("init_weights: n_in·n_out overflows");
    assert_eq!(w.len(), len, "init_weights: w must hold n_in·n_out = {len} weights");
    match init.draw(n_in, n_out) {
        Draw::Zeros => w.fill(T::zero()),
        Draw::Normal { std } => w.iter_mut().for_each(|x| *x = real(rng.normal() * std)),
        // 2u − 1 is exact in f64, so the product is rounded once, as in the normal case.
        Draw::Uniform { limit } => w.iter_mut().for_each(|x| *x = real(limit * (2.0 * rng.next_f64() - 1.0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn sample_std(init: Init, n_in: usize, n_out: usize) -> (f64, f64) {
        let mut w = vec![0.0f32; n_in * n_out];
        init_weights(init, n_in, n_out, &mut Rng::with_stream(2024, stream::INIT), &mut w);
        let n = w.len() as f64;
        let mean = w.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = w.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    #[test]
    fn scale_std_within_two_percent() {
        // 400·300 = 120k draws: the sample std's relative error is ≈ 1/√(2·120k) ≈ 0.2%.
        let (n_in, n_out) = (400, 300);
        let cases = [
            (Init::He, (2.0f64 / 400.0).sqrt()),
            (Init::Xavier, (1.0f64 / 400.0).sqrt()),
            (Init::Glorot, (2.0f64 / 700.0).sqrt()),
            (Init::Lecun, (1.0f64 / 400.0).sqrt()),
            (Init::Random { scale: 0.01 }, 0.01),
            // U[−l, l) has std l/√3: the uniform kinds match their normal twins' std.
            (Init::HeUniform, (6.0f64 / 400.0).sqrt() / 3.0f64.sqrt()),
            (Init::GlorotUniform, (6.0f64 / 700.0).sqrt() / 3.0f64.sqrt()),
            (Init::LecunUniform, (3.0f64 / 400.0).sqrt() / 3.0f64.sqrt()),
            (Init::VarianceScaling { scale: 1.0 }, (1.0f64 / 400.0).sqrt()),
            (Init::VarianceScaling { scale: 0.1 }, (0.1f64 / 400.0).sqrt()),
        ];
        for (init, want) in cases {
            let (mean, std) = sample_std(init, n_in, n_out);
            assert!((std / want - 1.0).abs() < 0.02, "{init:?}: std {std} vs {want}");
            assert!(mean.abs() < 0.02 * want, "{init:?}: mean {mean}");
        }
    }

    #[test]
    fn glorot_depends_on_fan_out() {
        // Same n_in, different n_out: Glorot changes, He does not.
        let (_, a) = sample_std(Init::Glorot, 300, 100);
        let (_, b) = sample_std(Init::Glorot, 300, 500);
        assert!((a / (2.0f64 / 400.0).sqrt() - 1.0).abs() < 0.02);
        assert!((b / (2.0f64 / 800.0).sqrt() - 1.0).abs() < 0.02);
    }

    #[test]
    fn draws_are_normal_times_std_in_row_major_order() {
        let mut w = vec![0.0f64; 6];
        let mut rng = Rng::with_stream(7, stream::INIT);
        let mut replay = rng.clone();
        init_weights(Init::He, 2, 3, &mut rng, &mut w);
        let std = 1.0f64; // √(2/2)
        for x in &w {
            assert_eq!(*x, replay.normal() * std);
        }
        assert_eq!(rng, replay);
        // f32 rounds the same f64 product once.
        let mut w32 = vec![0.0f32; 6];
        let mut rng = Rng::with_stream(7, stream::INIT);
        init_weights(Init::Random { scale: 0.5 }, 3, 2, &mut rng, &mut w32);
        let mut replay = Rng::with_stream(7, stream::INIT);
        for x in &w32 {
            assert_eq!(*x, (replay.normal() * 0.5) as f32);
        }
    }

    #[test]
    fn uniform_draws_are_limit_times_two_u_minus_one_in_row_major_order() {
        let cases = [
            (Init::HeUniform, (6.0f64 / 3.0).sqrt()),
            (Init::GlorotUniform, (6.0f64 / 7.0).sqrt()),
            (Init::LecunUniform, (3.0f64 / 3.0).sqrt()),
        ];
        for (init, limit) in cases {
            let mut w = vec![0.0f32; 12];
            let mut rng = Rng::with_stream(11, stream::INIT);
            init_weights(init, 3, 4, &mut rng, &mut w);
            let mut replay = Rng::with_stream(11, stream::INIT);
            for x in &w {
                assert_eq!(*x, (limit * (2.0 * replay.next_f64() - 1.0)) as f32, "{init:?}");
            }
            assert_eq!(rng, replay, "{init:?}: one next_f64 per weight");
        }
        // Every draw within [−limit, limit].
        let mut w = vec![0.0f64; 300 * 200];
        init_weights(Init::GlorotUniform, 300, 200, &mut Rng::new(5), &mut w);
        let limit = (6.0f64 / 500.0).sqrt();
        assert!(w.iter().all(|x| x.abs() <= limit));
        assert!(w.iter().any(|&x| x > 0.99 * limit) && w.iter().any(|&x| x < -0.99 * limit));
    }

    #[test]
    fn zeros_draws_nothing() {
        let mut w = vec![1.0f32; 12];
        let mut rng = Rng::new(1);
        let before = rng.clone();
        init_weights(Init::Zeros, 3, 4, &mut rng, &mut w);
        assert!(w.iter().all(|&x| x == 0.0));
        assert_eq!(rng, before);
    }

    #[test]
    fn names_round_trip_with_defaults() {
        for &init in Init::ALL {
            assert_eq!(Init::from_name(init.name(), |_| None), Ok(init));
        }
        assert_eq!(Init::from_name("random", |_| None), Ok(Init::Random { scale: 0.01 }));
        assert_eq!(
            Init::from_name("random", |k| (k == "scale").then_some(0.5)),
            Ok(Init::Random { scale: 0.5 })
        );
        assert_eq!(
            Init::from_name("varianceScaling", |k| (k == "scale").then_some(0.1)),
            Ok(Init::VarianceScaling { scale: 0.1 })
        );
        // A kind without a parameter never asks for one.
        assert_eq!(Init::from_name("he", |k| panic!("asked for {k}")), Ok(Init::He));
    }

    #[test]
    fn from_name_rejects_unknown_names_and_bad_scales() {
        let err = Init::from_name("He", |_| None).unwrap_err();
        assert_eq!(err.arg, "init");
        let names: Vec<_> = Init::ALL.iter().map(|i| i.name()).collect();
        assert_eq!(err.message, format!("unknown initializer 'He', expected {}", names.join(" | ")));
        assert!(err.message.contains("expected zeros | random | he | xavier | glorot | lecun"), "{err}");
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let err = Init::from_name("random", |_| Some(bad)).unwrap_err();
            assert_eq!(err.arg, "scale");
            assert!(err.message.starts_with("must be a finite number ≥ 0, got "), "{err}");
        }
        assert_eq!(Init::from_name("random", |_| Some(0.0)), Ok(Init::Random { scale: 0.0 }));
        assert_eq!(Init::from_name("varianceScaling", |_| Some(-0.1)).unwrap_err().arg, "scale");
        assert_eq!(
            Init::Glorot.takes_no_parameter(),
            "init 'glorot' takes no scale (random and varianceScaling do)"
        );
    }

    #[test]
    fn variance_scaling_is_lecun_at_scale_one_and_he_at_two() {
        // The same normals times the same std (√(1/n) and √(2/n) computed the same way).
        let weights = |init| {
            let mut w = vec![0.0f32; 35];
            init_weights(init, 5, 7, &mut Rng::with_stream(3, stream::INIT), &mut w);
            w
        };
        assert_eq!(weights(Init::VarianceScaling { scale: 1.0 }), weights(Init::Lecun));
        assert_eq!(weights(Init::VarianceScaling { scale: 2.0 }), weights(Init::He));
    }

    #[test]
    #[should_panic]
    fn rejects_wrong_length() {
        init_weights(Init::He, 3, 4, &mut Rng::new(1), &mut [0.0f32; 11]);
    }
}
