//! Image data augmentation for rows of `[m, height·width·channels]` inputs: random shifts,
//! rotations and scaling (one affine transform about the image centre, sampled with bilinear
//! interpolation), optional horizontal flips and additive Gaussian noise. Mirrored exactly by
//! `src/reference/augment.ts`.
//!
//! Layout of one row: pixel (x, y) of channel c (x = column, y = row, both 0-based) is at
//! `(y·width + x)·channels + c` (row-major, channels last; `channels = 1` for grey images).
//!
//! Random draws of one image ([`augment_row`]), in this order, each `u = rng.next_f64()`:
//! 1. `dx = (2u − 1)·max_shift` (pixels, positive moves the content right),
//! 2. `dy = (2u − 1)·max_shift` (positive moves it down),
//! 3. `angle = (2u − 1)·max_rotation` (degrees, positive turns the content clockwise on screen),
//! 4. `scale = 1 + (2u − 1)·max_scale` (> 1 enlarges the content),
//! 5. `flip = u < 0.5`, drawn only when `flip_horizontal` is set (mirrors left ↔ right),
//! 6. when `noise_std > 0`: `noise_std·rng.normal()` added to every value, in storage order,
//!    after the geometric transform (no clamping).
//!
//! The forward map of a source point p is `q = c + t + R(angle)·S(scale)·F(p − c)` with the
//! centre `c = ((width − 1)/2, (height − 1)/2)`, `t = (dx, dy)`, `F` negating x when flipping.
//! Each destination pixel q is mapped back, in f64 and in exactly this order of operations
//! ([`transform_row`]), with `k = 1/scale`, `a = cos(angle·π/180)·k`, `b = sin(angle·π/180)·k`:
//! `u = (qx − cx) − dx`, `v = (qy − cy) − dy`, `sx = a·u + b·v`, `sy = a·v − b·u`,
//! `sx = −sx` if flipping, `px = cx + sx`, `py = cy + sy`.
//! The source is sampled at (px, py) bilinearly: `x0 = ⌊px⌋`, `y0 = ⌊py⌋`, `fx = px − x0`,
//! `fy = py − y0`, value `= (1 − fy)·((1 − fx)·s(x0, y0) + fx·s(x0+1, y0)) +
//! fy·((1 − fx)·s(x0, y0+1) + fx·s(x0+1, y0+1))` where `s` is 0 outside the image (so a point
//! with px ≤ −1, px ≥ width, py ≤ −1 or py ≥ height gives exactly +0).
//! An integer shift with no rotation or scaling therefore moves the image exactly.
//!
//! During training every row of a mini-batch gets its own generator, forked from the network's
//! AUGMENT stream by [`fork_row_rng`] (rows in batch order), so the rows of a batch can be
//! augmented in parallel and the numbers do not depend on the thread count.

use crate::real::Real;
use crate::rng::{stream, Rng};

/// What to randomize, per image. All ranges are symmetric: a value is drawn in `[−max, max]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augmentation {
    pub height: usize,
    pub width: usize,
    /// Values per pixel (1 for grey images), stored last.
    pub channels: usize,
    /// Largest shift in pixels, horizontally and vertically (independently).
    pub max_shift: f64,
    /// Largest rotation in degrees (at most 180).
    pub max_rotation: f64,
    /// Largest relative change of size: 0.1 scales by a factor in [0.9, 1.1]. Below 1.
    pub max_scale: f64,
    /// Standard deviation of the Gaussian noise added to every value (0: none).
    pub noise_std: f64,
    /// Mirror left ↔ right with probability ½ (never for digits or text).
    pub flip_horizontal: bool,
}

impl Augmentation {
    /// No change at all, for an image of the given size (a base to set fields on).
    pub fn identity(height: usize, width: usize, channels: usize) -> Self {
        Augmentation {
            height,
            width,
            channels,
            max_shift: 0.0,
            max_rotation: 0.0,
            max_scale: 0.0,
            noise_std: 0.0,
            flip_horizontal: false,
        }
    }

    /// Values per image: height·width·channels (None on overflow).
    pub fn row_len(&self) -> Option<usize> {
        self.height.checked_mul(self.width)?.checked_mul(self.channels)
    }

    /// Checks every field; the message starts with the field's name.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [("height", self.height), ("width", self.width), ("channels", self.channels)] {
            if v == 0 {
                return Err(format!("{name}: must be a positive integer, got 0"));
            }
        }
        if self.row_len().is_none() {
            return Err("height: height·width·channels overflows".into());
        }
        let finite_non_negative = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{name}: must be a finite number ≥ 0, got {v}"))
            }
        };
        finite_non_negative("shift", self.max_shift)?;
        finite_non_negative("noise", self.noise_std)?;
        if !(self.max_rotation.is_finite() && (0.0..=180.0).contains(&self.max_rotation)) {
            return Err(format!("rotation: must be in [0, 180] degrees, got {}", self.max_rotation));
        }
        if !(self.max_scale.is_finite() && self.max_scale >= 0.0 && self.max_scale < 1.0) {
            return Err(format!("scale: must be in [0, 1), got {}", self.max_scale));
        }
        Ok(())
    }

    /// True when the geometric part does nothing (every range 0, no flips).
    fn is_geometric_identity(&self) -> bool {
        self.max_shift == 0.0 && self.max_rotation == 0.0 && self.max_scale == 0.0 && !self.flip_horizontal
    }
}

/// One drawn geometric transform (see the module documentation for its meaning).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transform {
    pub dx: f64,
    pub dy: f64,
    /// Degrees, clockwise on screen.
    pub angle: f64,
    pub scale: f64,
    pub flip: bool,
}

impl Transform {
    pub const IDENTITY: Transform = Transform { dx: 0.0, dy: 0.0, angle: 0.0, scale: 1.0, flip: false };
}

/// Draws dx, dy, angle, scale and (if enabled) flip, in that order.
pub fn draw_transform(aug: &Augmentation, rng: &mut Rng) -> Transform {
    let mut symmetric = |max: f64| (2.0 * rng.next_f64() - 1.0) * max;
    let dx = symmetric(aug.max_shift);
    let dy = symmetric(aug.max_shift);
    let angle = symmetric(aug.max_rotation);
    let scale = 1.0 + symmetric(aug.max_scale);
    let flip = aug.flip_horizontal && rng.next_f64() < 0.5;
    Transform { dx, dy, angle, scale, flip }
}

/// Writes the transformed image `src` into `dst` (both one row of `aug`'s shape).
///
/// Computes exactly the documented formulas; the products `a·u`, `b·u` (per column) and `a·v`,
/// `b·v` (per row) are formed once and reused, and ⌊·⌋ is taken by truncation plus a
/// correction (exact for the in-image range it is used on), so results are bit-identical to
/// evaluating the formulas pixel by pixel.
pub fn transform_row<T: Real>(aug: &Augmentation, t: &Transform, src: &[T], dst: &mut [T]) {
    let (h, w, ch) = (aug.height, aug.width, aug.channels);
    assert!(
        src.len() == h * w * ch && dst.len() == src.len(),
        "augment: row length must be height·width·channels"
    );
    let (cx, cy) = ((w as f64 - 1.0) / 2.0, (h as f64 - 1.0) / 2.0);
    let radians = t.angle * std::f64::consts::PI / 180.0;
    let k = 1.0 / t.scale;
    let (a, b) = (radians.cos() * k, radians.sin() * k);
    // Per column: a·u and b·u.
    let (au, bu): (Vec<f64>, Vec<f64>) = (0..w)
        .map(|qx| {
            let u = (qx as f64 - cx) - t.dx;
            (a * u, b * u)
        })
        .unzip();
    // The source in f64 with a one-pixel zero border: every neighbour of an in-range point
    // (−1 < p < size) is then inside the padded image, so sampling needs no bounds tests.
    let (pw, ph) = (w + 2, h + 2);
    let mut padded = vec![0.0f64; pw * ph * ch];
    for y in 0..h {
        for (i, v) in src[y * w * ch..(y + 1) * w * ch].iter().enumerate() {
            padded[((y + 1) * pw + 1) * ch + i] = v.to_f64().unwrap();
        }
    }
    let (wf, hf) = (w as f64, h as f64);
    for qy in 0..h {
        let v = (qy as f64 - cy) - t.dy;
        let (av, bv) = (a * v, b * v);
        for qx in 0..w {
            let mut sx = au[qx] + bv;
            let sy = av - bu[qx];
            if t.flip {
                sx = -sx;
            }
            let (px, py) = (cx + sx, cy + sy);
            let out = &mut dst[(qy * w + qx) * ch..(qy * w + qx + 1) * ch];
            if !(px > -1.0 && px < wf && py > -1.0 && py < hf) {
                out.iter_mut().for_each(|o| *o = T::zero()); // every neighbour outside (or weight 0 on it)
                continue;
            }
            // ⌊p⌋ for p in (−1, size): truncation rounds up exactly when −1 < p < 0.
            let floor = |p: f64| {
                let t = p as i64;
                if (t as f64) > p {
                    t - 1
                } else {
                    t
                }
            };
            let (x0, y0) = (floor(px), floor(py));
            let (fx, fy) = (px - x0 as f64, py - y0 as f64);
            // Padded index of (x0, y0): both are ≥ −1, so +1 is ≥ 0.
            let i00 = (((y0 + 1) as usize) * pw + (x0 + 1) as usize) * ch;
            let (i10, i01) = (i00 + ch, i00 + pw * ch);
            let i11 = i01 + ch;
            debug_assert!(x0 >= -1 && y0 >= -1 && i11 + ch <= padded.len());
            for (c, o) in out.iter_mut().enumerate() {
                // SAFETY: −1 < px < w and −1 < py < h give −1 ≤ x0 ≤ w − 1 and −1 ≤ y0 ≤ h − 1, so
                // the four neighbours lie in the (w + 2)·(h + 2) padded image (i11 + c < len).
                // Unchecked loads make this loop about a quarter faster.
                let g = |i: usize| unsafe { *padded.get_unchecked(i + c) };
                let top = (1.0 - fx) * g(i00) + fx * g(i10);
                let bottom = (1.0 - fx) * g(i01) + fx * g(i11);
                *o = T::from(top * (1.0 - fy) + bottom * fy).unwrap();
            }
        }
    }
}

/// Augments one image: draws a transform, applies it, then adds the noise (module docs).
pub fn augment_row<T: Real>(aug: &Augmentation, src: &[T], dst: &mut [T], rng: &mut Rng) {
    let t = draw_transform(aug, rng);
    if aug.is_geometric_identity() {
        dst.copy_from_slice(src); // the same values transform_row would produce, faster
    } else {
        transform_row(aug, &t, src, dst);
    }
    if aug.noise_std > 0.0 {
        for v in dst.iter_mut() {
            *v = T::from(v.to_f64().unwrap() + aug.noise_std * rng.normal()).unwrap();
        }
    }
}

/// The generator of the next row: stream AUGMENT of a 53-bit seed `(a >> 5)·2²⁶ + (b >> 6)`
/// made of the parent's next two 32-bit outputs a, b (the parent advances by exactly two).
pub fn fork_row_rng(parent: &mut Rng) -> Rng {
    let a = (parent.next_u32() >> 5) as u64;
    let b = (parent.next_u32() >> 6) as u64;
    Rng::with_stream((a << 26) | b, stream::AUGMENT)
}

/// Augments every row of `src` into `dst` (rows of `aug.row_len()`), each with its own forked
/// generator, in parallel on the current rayon pool. The result does not depend on threads.
pub fn augment_rows<T: Real>(aug: &Augmentation, src: &[T], dst: &mut [T], parent: &mut Rng) {
    use rayon::prelude::*;
    let n = aug.row_len().expect("validated augmentation");
    assert!(src.len() == dst.len() && src.len().is_multiple_of(n), "augment: rows of height·width·channels");
    let rngs: Vec<Rng> = (0..src.len() / n).map(|_| fork_row_rng(parent)).collect();
    dst.par_chunks_mut(n).zip(src.par_chunks(n)).zip(rngs).for_each(|((d, s), mut rng)| {
        augment_row(aug, s, d, &mut rng);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(h: usize, w: usize, seed: u64) -> Vec<f32> {
        let mut r = Rng::new(seed);
        (0..h * w).map(|_| r.next_f32()).collect()
    }

    fn transformed(aug: &Augmentation, t: Transform, src: &[f32]) -> Vec<f32> {
        let mut dst = vec![f32::NAN; src.len()];
        transform_row(aug, &t, src, &mut dst);
        dst
    }

    #[test]
    fn zero_augmentation_is_the_identity() {
        let aug = Augmentation::identity(5, 7, 1);
        let src = image(5, 7, 1);
        let mut dst = vec![0.0; src.len()];
        augment_row(&aug, &src, &mut dst, &mut Rng::new(2));
        assert_eq!(dst, src);
        assert_eq!(transformed(&aug, Transform::IDENTITY, &src), src);
    }

    #[test]
    fn integer_shift_moves_exactly() {
        let aug = Augmentation::identity(6, 8, 1);
        let src = image(6, 8, 3);
        let t = Transform { dx: 2.0, dy: -1.0, ..Transform::IDENTITY };
        let dst = transformed(&aug, t, &src);
        for y in 0..6i64 {
            for x in 0..8i64 {
                let (sx, sy) = (x - 2, y + 1);
                let want = if (0..8).contains(&sx) && (0..6).contains(&sy) {
                    src[(sy * 8 + sx) as usize]
                } else {
                    0.0
                };
                assert_eq!(dst[(y * 8 + x) as usize], want, "({x}, {y})");
            }
        }
    }

    #[test]
    fn quarter_turn_and_flip() {
        let aug = Augmentation::identity(5, 5, 1);
        let src = image(5, 5, 4);
        // Clockwise on screen: the source's left column becomes the top row.
        let dst = transformed(&aug, Transform { angle: 90.0, ..Transform::IDENTITY }, &src);
        for y in 0..5 {
            for x in 0..5 {
                let want = src[(4 - x) * 5 + y];
                assert!((dst[y * 5 + x] - want).abs() < 1e-6, "({x}, {y}): {} vs {want}", dst[y * 5 + x]);
            }
        }
        let flipped = transformed(&aug, Transform { flip: true, ..Transform::IDENTITY }, &src);
        for y in 0..5 {
            for x in 0..5 {
                assert_eq!(flipped[y * 5 + x], src[y * 5 + 4 - x]);
            }
        }
    }

    #[test]
    fn far_outside_is_zero_without_overflow() {
        let aug = Augmentation::identity(4, 5, 2);
        let src: Vec<f32> = (0..40).map(|i| 1.0 + i as f32).collect();
        for t in [
            Transform { dx: 1e300, ..Transform::IDENTITY },
            Transform { dy: -1e300, angle: 33.0, ..Transform::IDENTITY },
            Transform { scale: 1e-300, angle: 10.0, ..Transform::IDENTITY },
            Transform { dx: 5.0, ..Transform::IDENTITY },
        ] {
            let dst = transformed(&aug, t, &src);
            let expect_centre_kept = t.scale < 1e-100; // everything samples the centre point
            assert!(dst.iter().all(|v| v.is_finite()), "{t:?}");
            if !expect_centre_kept {
                assert!(dst.iter().all(|&v| v == 0.0 && v.is_sign_positive()), "{t:?}: {dst:?}");
            }
        }
    }

    #[test]
    fn channels_move_together() {
        let aug = Augmentation::identity(4, 4, 3);
        let src: Vec<f32> = (0..48).map(|i| i as f32).collect();
        let dst = transformed(&aug, Transform { dx: 1.0, ..Transform::IDENTITY }, &src);
        for y in 0..4 {
            for c in 0..3 {
                assert_eq!(dst[(y * 4) * 3 + c], 0.0);
                for x in 1..4 {
                    assert_eq!(dst[(y * 4 + x) * 3 + c], src[(y * 4 + x - 1) * 3 + c]);
                }
            }
        }
    }

    #[test]
    fn flips_only_when_asked_and_about_half_the_time() {
        let mut aug = Augmentation::identity(3, 3, 1);
        let mut rng = Rng::new(5);
        assert!((0..1000).all(|_| !draw_transform(&aug, &mut rng).flip));
        aug.flip_horizontal = true;
        let flips = (0..4000).filter(|_| draw_transform(&aug, &mut rng).flip).count();
        assert!((1800..2200).contains(&flips), "{flips}");
    }

    #[test]
    fn draws_stay_in_range() {
        let aug = Augmentation {
            max_shift: 2.0,
            max_rotation: 10.0,
            max_scale: 0.1,
            ..Augmentation::identity(3, 3, 1)
        };
        let mut rng = Rng::new(6);
        for _ in 0..1000 {
            let t = draw_transform(&aug, &mut rng);
            assert!(t.dx.abs() <= 2.0 && t.dy.abs() <= 2.0 && t.angle.abs() <= 10.0);
            assert!((0.9..=1.1).contains(&t.scale));
        }
    }

    #[test]
    fn noise_has_the_asked_std() {
        let aug = Augmentation { noise_std: 0.3, ..Augmentation::identity(100, 100, 1) };
        let src = vec![0.5f32; 10_000];
        let mut dst = vec![0.0; src.len()];
        augment_row(&aug, &src, &mut dst, &mut Rng::new(7));
        let n = dst.len() as f64;
        let mean = dst.iter().map(|&v| v as f64).sum::<f64>() / n;
        let std = (dst.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!((mean - 0.5).abs() < 0.01 && (std - 0.3).abs() < 0.01, "{mean} {std}");
    }

    #[test]
    fn rows_do_not_depend_on_threads() {
        let aug = Augmentation {
            max_shift: 2.0,
            max_rotation: 15.0,
            max_scale: 0.2,
            noise_std: 0.1,
            flip_horizontal: true,
            ..Augmentation::identity(8, 8, 1)
        };
        let src: Vec<f32> = (0..20).flat_map(|i| image(8, 8, i)).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut dst = vec![0.0f32; src.len()];
            let mut parent = Rng::with_stream(9, stream::AUGMENT);
            pool.install(|| augment_rows(&aug, &src, &mut dst, &mut parent));
            (dst, parent)
        };
        let (a, pa) = run(1);
        let (b, pb) = run(3);
        assert_eq!(a, b);
        assert_eq!(pa, pb);
        // Serially with the documented forking: the same numbers.
        let mut parent = Rng::with_stream(9, stream::AUGMENT);
        for (i, row) in src.chunks(64).enumerate() {
            let mut d = vec![0.0f32; 64];
            augment_row(&aug, row, &mut d, &mut fork_row_rng(&mut parent));
            assert_eq!(&a[i * 64..(i + 1) * 64], &d[..]);
        }
    }

    #[test]
    fn validate_names_the_field() {
        let ok = Augmentation::identity(2, 2, 1);
        assert!(ok.validate().is_ok());
        let bad =
            |a: Augmentation, field: &str| assert!(a.validate().unwrap_err().starts_with(field), "{field}");
        bad(Augmentation { height: 0, ..ok }, "height:");
        bad(Augmentation { max_shift: -1.0, ..ok }, "shift:");
        bad(Augmentation { max_shift: f64::INFINITY, ..ok }, "shift:");
        bad(Augmentation { max_rotation: 181.0, ..ok }, "rotation:");
        bad(Augmentation { max_scale: 1.0, ..ok }, "scale:");
        bad(Augmentation { noise_std: f64::NAN, ..ok }, "noise:");
    }
}
