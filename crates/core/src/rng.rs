//! The one portable random generator of tunenet, defined bit-for-bit identically in
//! `src/reference/rng.ts`, so initial weights, dropout masks and shuffles are the same numbers
//! on the native and the reference backend.
//!
//! - Seeding: SplitMix64 (Steele, Lea & Flood) seeded with `seed ^ (stream · 0xD1B54A32D192ED03)`;
//!   its first two outputs fill the four 32-bit words of the state (low word first).
//! - Generator: xoshiro128** (Blackman & Vigna), 32-bit outputs.
//! - `next_f32`: the top 24 bits of one output times 2⁻²⁴, in [0, 1).
//! - `next_f64`: 53 bits from two outputs, `((a >> 5)·2²⁶ + (b >> 6))·2⁻⁵³`, in [0, 1).
//! - `normal`: Box–Muller, cosine branch only: `√(−2 ln(1 − u₁)) · cos(2π u₂)` with two `next_f64`
//!   draws, so every normal consumes exactly four 32-bit outputs.
//! - `below(n)`: `(next_u32 · n) >> 32` (Lemire's multiply-shift without rejection).
//! - `shuffle`: Fisher–Yates from the last index down, `j = below(i + 1)`.
//! - `split`: a child generator seeded from two outputs `lo`, `hi` of its parent, as a seed is:
//!   SplitMix64 on `hi·2³² + lo`, its first two outputs fill the child's state.
//! - [`RngLanes`]: sixteen children split in turn from one parent; draw `i` of a call comes
//!   from child `i mod 16` (its `⌊i/16⌋`-th output). Dropout draws this way: sixteen chains run
//!   side by side in vector registers, where one chain is a serial dependency.

/// Named streams, so initialization, dropout and shuffling never share a sequence.
pub mod stream {
    pub const INIT: u64 = 0;
    pub const DROPOUT: u64 = 1;
    pub const SHUFFLE: u64 = 2;
    pub const AUGMENT: u64 = 3;
    pub const SEARCH: u64 = 4;
}

const SPLITMIX_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const STREAM_MIX: u64 = 0xD1B5_4A32_D192_ED03;

/// SplitMix64 step: used only to expand a seed into the xoshiro state.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(SPLITMIX_GAMMA);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro128** state. Cheap to clone; cloning forks an identical stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u32; 4],
}

impl Rng {
    /// Stream 0 of `seed`.
    pub fn new(seed: u64) -> Self {
        Self::with_stream(seed, 0)
    }

    /// An independent stream of `seed` (see [`stream`] for the names tunenet uses).
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        Self::expand(seed ^ stream.wrapping_mul(STREAM_MIX))
    }

    /// The state from the first two SplitMix64 outputs a, b of `sm`: [lo(a), hi(a), lo(b), hi(b)].
    fn expand(mut sm: u64) -> Self {
        let a = splitmix64(&mut sm);
        let b = splitmix64(&mut sm);
        let mut s = [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32];
        if s == [0; 4] {
            // xoshiro's one forbidden state; unreachable for SplitMix output in practice.
            s[0] = 1;
        }
        Rng { s }
    }

    /// The raw state, for saving and restoring a generator.
    pub fn state(&self) -> [u32; 4] {
        self.s
    }

    /// Restores a state returned by [`Rng::state`].
    pub fn from_state(s: [u32; 4]) -> Self {
        Rng { s }
    }

    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        result
    }

    /// Uniform in [0, 1) with 24 bits: exactly representable in f32.
    #[inline]
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal by Box–Muller (cosine branch only, four outputs per sample).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]: ln never sees 0
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Uniform integer in [0, n), n ≤ 2³².
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n <= 1 << 32);
        (self.next_u32() as u64 * n) >> 32
    }

    /// A child generator seeded from two outputs of this one (see the module's definition).
    pub fn split(&mut self) -> Rng {
        let lo = self.next_u32() as u64;
        let hi = self.next_u32() as u64;
        Self::expand(hi << 32 | lo)
    }

    /// In-place Fisher–Yates shuffle.
    pub fn shuffle<E>(&mut self, items: &mut [E]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Generators side by side in [`RngLanes`].
pub const LANES: usize = 16;

/// Sixteen generators split from one parent, stepped together: the state is kept word by word
/// across the lanes (`s[w][lane]`) so one step of all sixteen compiles to a few vector
/// instructions inside [`crate::simd::vectorized`].
pub struct RngLanes {
    s: [[u32; LANES]; 4],
}

impl RngLanes {
    /// Splits sixteen children from `parent` in lane order (32 of its outputs).
    pub fn split_from(parent: &mut Rng) -> Self {
        let mut s = [[0u32; LANES]; 4];
        for lane in 0..LANES {
            let child = parent.split();
            for (word, value) in child.s.iter().enumerate() {
                s[word][lane] = *value;
            }
        }
        RngLanes { s }
    }

    /// The next output of every lane: `Rng::next_u32` on each, written lane-wise.
    #[inline(always)]
    pub fn next_u32(&mut self) -> [u32; LANES] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u32; LANES];
        for j in 0..LANES {
            out[j] = s1[j].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
            let t = s1[j] << 9;
            s2[j] ^= s0[j];
            s3[j] ^= s1[j];
            s1[j] ^= s2[j];
            s0[j] ^= s3[j];
            s2[j] ^= t;
            s3[j] = s3[j].rotate_left(11);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_split_children_drawn_in_turn() {
        let mut parent = Rng::with_stream(9, stream::DROPOUT);
        let mut copy = parent.clone();
        let mut lanes = RngLanes::split_from(&mut parent);
        let mut children: Vec<Rng> = (0..LANES).map(|_| copy.split()).collect();
        assert_eq!(parent, copy, "the parent advances by two outputs per lane");
        for _ in 0..5 {
            let round = lanes.next_u32();
            for (j, child) in children.iter_mut().enumerate() {
                assert_eq!(round[j], child.next_u32());
            }
        }
        // A child is seeded as a seed is: SplitMix64 on hi·2³² + lo of the parent's outputs.
        let mut p = Rng::new(5);
        let mut q = p.clone();
        let (lo, hi) = (q.next_u32() as u64, q.next_u32() as u64);
        let mut sm = hi << 32 | lo;
        let (a, b) = (splitmix64(&mut sm), splitmix64(&mut sm));
        assert_eq!(p.split().state(), [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32]);
    }

    #[test]
    fn splitmix_matches_published_vector() {
        // Vigna's splitmix64.c with seed 1234567: first outputs.
        let mut s = 1234567u64;
        assert_eq!(splitmix64(&mut s), 6457827717110365317);
        assert_eq!(splitmix64(&mut s), 3203168211198807973);
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u32> = (0..8)
            .map({
                let mut r = Rng::new(42);
                move |_| r.next_u32()
            })
            .collect();
        let b: Vec<u32> = (0..8)
            .map({
                let mut r = Rng::new(42);
                move |_| r.next_u32()
            })
            .collect();
        let c: Vec<u32> = (0..8)
            .map({
                let mut r = Rng::with_stream(42, 1);
                move |_| r.next_u32()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn uniform_ranges_and_mean() {
        let mut r = Rng::new(7);
        let n = 100_000;
        let (mut s32, mut s64) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let x = r.next_f32();
            let y = r.next_f64();
            assert!((0.0..1.0).contains(&x) && (0.0..1.0).contains(&y));
            s32 += x as f64;
            s64 += y;
        }
        assert!((s32 / n as f64 - 0.5).abs() < 0.01);
        assert!((s64 / n as f64 - 0.5).abs() < 0.01);
    }

    #[test]
    fn normal_moments() {
        let mut r = Rng::new(3);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = Rng::new(9);
        let mut v: Vec<usize> = (0..1000).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::new(11);
        for n in [1u64, 2, 3, 10, 1 << 32] {
            for _ in 0..1000 {
                assert!(r.below(n) < n);
            }
        }
    }

    /// The committed vectors (shared with the TypeScript tests) still match this generator.
    #[test]
    fn matches_shared_test_vectors() {
        let text = include_str!("../../../__test__/fixtures/rng-vectors.json");
        let field = |case: &str, name: &str| -> Vec<f64> {
            let start = case.find(&format!("\"{name}\": ")).expect(name) + name.len() + 4;
            let rest = &case[start..];
            let body = if let Some(list) = rest.strip_prefix('[') {
                &list[..list.find(']').unwrap()]
            } else {
                &rest[..rest.find(',').unwrap()]
            };
            body.split(',').map(|v| v.trim().parse::<f64>().unwrap()).collect()
        };
        let cases: Vec<&str> = text.split("{\"seed\"").skip(1).collect();
        assert_eq!(cases.len(), 4);
        for raw in cases {
            let case = format!("\"seed\"{raw}");
            let (seed, stream) = (field(&case, "seed")[0] as u64, field(&case, "stream")[0] as u64);
            let mut r = Rng::with_stream(seed, stream);
            let state: Vec<f64> = r.state().iter().map(|&w| w as f64).collect();
            assert_eq!(state, field(&case, "state"));
            let u: Vec<f64> = (0..8).map(|_| r.next_u32() as f64).collect();
            assert_eq!(u, field(&case, "u32"));
            let f: Vec<f64> = (0..4).map(|_| r.next_f32() as f64).collect();
            let want: Vec<f64> = field(&case, "f32").iter().map(|&v| v as f32 as f64).collect();
            assert_eq!(f, want);
            let d: Vec<f64> = (0..4).map(|_| r.next_f64()).collect();
            assert_eq!(d, field(&case, "f64"));
            let n: Vec<f64> = (0..4).map(|_| r.normal()).collect();
            assert_eq!(n, field(&case, "normal"));
            let b: Vec<f64> = (0..4).map(|_| r.below(10) as f64).collect();
            assert_eq!(b, field(&case, "below10"));
            let mut perm: Vec<usize> = (0..10).collect();
            r.shuffle(&mut perm);
            assert_eq!(perm.iter().map(|&v| v as f64).collect::<Vec<_>>(), field(&case, "shuffle10"));
        }
    }
}
