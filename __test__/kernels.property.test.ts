// Property tests: every native kernel (Rust via napi, src/kernels.ts) against the pure-TS
// reference kernels (src/reference), following docs/CONVENTIONS.md.
//
// How the comparison works
// - Both sides get the SAME f32 inputs. Where the two must agree bit for bit (rng, dropout masks,
//   bias add, relu, ...) the reference runs on the Float32Arrays and the results must be `===`.
// - Where the native kernel computes in f32 and the reference in f64, the reference runs on
//   Float64Array copies of the f32 inputs, i.e. it gives (almost) the exact value of the formula.
//   The tolerance is then a forward error bound of the native f32 evaluation, written with
//   u = 2^-24 (f32 unit roundoff) and the magnitudes of the terms involved (a "running error
//   bound"), usually with a slack factor 2. Each bound is derived next to its kernel. Nothing was
//   widened to make a test pass: these are first-order worst-case bounds, not fitted numbers.
// - Underflow: in the subnormal range a product or quotient is off by up to 2^-150 absolute (not
//   u relative); additions stay exact. TINY = 2^-140 is the absolute floor for that. Where a later
//   operation multiplies or divides such an underflowed intermediate, the bound carries the
//   amplified 2^-150 explicitly (gemm's α-scaled packing, rmsprop/adam's ÷(√s + ε), ...).
// - Hyperparameters (lr, β, λ, weight decay, momentum) are 0 or ≥ 1e-30, i.e. normal f32 numbers
//   once the native side rounds them to f32; a subnormal f32 learning rate is not a use case and
//   would only make the coefficient itself inexact by 2^-150.
//
// Shapes come from small integer arbitraries: 1..37 most of the time (1×1 and m = 1 included, and
// sizes that are no multiple of any SIMD width), occasionally 65..130. Values mix a uniform grid,
// fc.float (which reaches subnormals and extreme exponents), exact zeros and ±bound, with bounds up
// to 1e6. fast-check prints the seed and the shrunk counterexample of any failure; rerun one with
// `fc.assert(..., { seed, path })`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../src/kernels';
import * as R from '../src/reference';
import { normalCdf, normalPdf } from '../src/reference/activation';

const RUNS = { numRuns: 100 };
const U = 2 ** -24; // f32 unit roundoff
const U64 = 2 ** -53; // f64 unit roundoff
const TINY = 2 ** -140; // subnormal floor

// ----------------------------------------------------------------------------------------------
// comparison helpers (they throw, so fast-check reports the counterexample and its seed)

type Num = ArrayLike<number>;

function within(label: string, got: Num, want: Num, tol: (i: number) => number): void {
  if (got.length !== want.length) throw new Error(`${label}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const t = tol(i);
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= t)) {
      throw new Error(`${label}[${i}]: native ${got[i]} vs reference ${want[i]}: |diff| ${d} > tol ${t}`);
    }
  }
}

function same(label: string, got: Num, want: Num): void {
  if (got.length !== want.length) throw new Error(`${label}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${label}[${i}]: native ${got[i]} !== reference ${want[i]}`);
  }
}

const f64 = (x: Num): Float64Array => Float64Array.from(x);
const f32 = (x: Num): Float32Array => Float32Array.from(x);

// ----------------------------------------------------------------------------------------------
// arbitraries

/** A dimension: mostly 1..37 (with extra weight on 1), sometimes 65..130. */
const dim = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 37 }) },
  { weight: 2, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 130 }) },
);

/** One f32 value in [-bound, bound]. */
function f32Value(bound: number): fc.Arbitrary<number> {
  const b = Math.fround(bound);
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -(2 ** 24), max: 2 ** 24 }).map((i) => Math.fround((i / 2 ** 24) * bound)) },
    { weight: 2, arbitrary: fc.float({ min: -b, max: b, noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, b, -b, 1, -1).filter((x) => Math.abs(x) <= b) },
  );
}

/** A Float32Array of exactly `len` values (occasionally all zeros). Always a fresh array. */
function f32Array(len: number, bound: number, value: fc.Arbitrary<number> = f32Value(bound)): fc.Arbitrary<Float32Array> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.array(value, { minLength: len, maxLength: len }).map((a) => Float32Array.from(a)) },
    { weight: 1, arbitrary: fc.constant(null).map(() => new Float32Array(len)) },
  );
}

/** Non-negative f32 values (variances, second moments). */
function f32NonNeg(len: number, bound: number): fc.Arbitrary<Float32Array> {
  return f32Array(len, bound).map((a) => a.map(Math.abs));
}

const magnitude = fc.constantFrom(1, 10, 1e3, 1e6);

/** A hyperparameter in [0, max]: exactly 0, a common value, or a double in [1e-30, max]. */
function hyperparameter(max: number, common: number[]): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(0, ...common), fc.double({ min: 1e-30, max, noNaN: true }));
}

/** A seed: a non-negative safe integer, with the edges. */
const seedArb = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.maxSafeNat(),
  fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1),
);

// ==============================================================================================
describe('gemm (f32) against the reference', () => {
  // Tolerance: native accumulates op(A)·op(B) in f32 (FMA micro-kernels, blocked order), then
  // scales by α and adds β·C; the reference sums in f64. For any summation order the f32 error is
  // ≤ (k−1)·u·Σ_p|a||b| to first order, plus one rounding each for α·(…), β·c and the final add:
  //   |C_nat − C_ref| ≤ (k + 4)·u·(|α|·Σ_p |a_ip||b_pj| + |β|·|c_ij|)
  //                     + (1 + |α|)·2^-149·(k + 2 + Σ_p|a_ip| + Σ_p|b_pj|).
  // The last term is underflow: the gemm crate applies α while packing an operand, so α·a_ip can
  // round to the subnormal grid (2^-150) before it meets b_pj (seen with a = 2^-149, α = −1.45:
  // native −17·2^-149, exact −24.3·2^-149).
  function gemmCase(transA: fc.Arbitrary<boolean>, transB: fc.Arbitrary<boolean>) {
    return fc
      .record({ m: dim, n: dim, k: dim, transA, transB, bound: magnitude })
      .chain(({ m, n, k, transA, transB, bound }) =>
        fc.record({
          m: fc.constant(m),
          n: fc.constant(n),
          k: fc.constant(k),
          transA: fc.constant(transA),
          transB: fc.constant(transB),
          a: f32Array(m * k, bound),
          b: f32Array(k * n, bound),
          c: f32Array(m * n, bound),
          alpha: fc.oneof(fc.constantFrom(1, 0, -1, 0.5, 0.1), f32Value(4)),
          beta: fc.oneof(fc.constantFrom(0, 1, -2.5, 0.1), f32Value(4)),
          threads: fc.constantFrom(1, 2),
        }),
      );
  }

  function checkGemm(label: string, x: {
    m: number; n: number; k: number; transA: boolean; transB: boolean;
    a: Float32Array; b: Float32Array; c: Float32Array; alpha: number; beta: number; threads: number;
  }): void {
    const { m, n, k, transA, transB, a, b, c, alpha, beta, threads } = x;
    const got = N.gemm(a, b, c, { m, n, k, transA, transB, alpha, beta, threads });
    const want = f64(c);
    R.gemm({ m, n, k, transA, transB }, alpha, f64(a), f64(b), beta, want);
    // Σ|a||b| through the reference itself, on absolute values.
    const absA = f64(a).map(Math.abs);
    const absB = f64(b).map(Math.abs);
    const mag = new Float64Array(m * n);
    R.gemm({ m, n, k, transA, transB }, 1, absA, absB, 0, mag);
    // Row sums Σ_p|op(A)_ip| and column sums Σ_p|op(B)_pj| (a ones vector reads the same either way).
    const rowA = new Float64Array(m);
    R.gemm({ m, n: 1, k, transA }, 1, absA, new Float64Array(k).fill(1), 0, rowA);
    const colB = new Float64Array(n);
    R.gemm({ m: 1, n, k, transB }, 1, new Float64Array(k).fill(1), absB, 0, colB);
    within(label, got, want, (idx) =>
      (k + 4) * U * (Math.abs(alpha) * mag[idx] + (beta === 0 ? 0 : Math.abs(beta * c[idx]))) +
      (1 + Math.abs(alpha)) * 2 ** -149 * (k + 2 + rowA[Math.floor(idx / n)] + colB[idx % n]),
    );
    // The input C is never modified (outputs are new arrays).
    expect(got).not.toBe(c);
  }

  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`transA=${transA} transB=${transB}, alpha/beta, 1 and 2 threads`, () => {
      fc.assert(
        fc.property(gemmCase(fc.constant(transA), fc.constant(transB)), (x) => {
          const before = Float32Array.from(x.c);
          checkGemm('gemm', x);
          same('c untouched', x.c, before);
        }),
        RUNS,
      );
    });
  }

  it('beta = 0 never reads C: NaN / Infinity in C do not leak, and C may be omitted', () => {
    fc.assert(
      fc.property(
        gemmCase(fc.boolean(), fc.boolean()),
        fc.constantFrom(NaN, Infinity, -Infinity),
        (x, poison) => {
          const { m, n, k, transA, transB, a, b, alpha, threads } = x;
          const c = new Float32Array(m * n).fill(poison);
          const got = N.gemm(a, b, c, { m, n, k, transA, transB, alpha, beta: 0, threads });
          const omitted = N.gemm(a, b, null, { m, n, k, transA, transB, alpha, threads });
          for (let i = 0; i < got.length; i++) {
            if (!Number.isFinite(got[i])) throw new Error(`C[${i}] = ${got[i]} leaked from C`);
          }
          // Same product, so the same bits whether C was poisoned or absent.
          same('poisoned C vs no C', got, omitted);
          checkGemm('gemm beta=0', { ...x, c: new Float32Array(m * n), beta: 0 });
        },
      ),
      RUNS,
    );
  });

  it('2 threads agree with 1 thread within the same bound', () => {
    fc.assert(
      fc.property(gemmCase(fc.boolean(), fc.boolean()), (x) => {
        checkGemm('gemm threads=1', { ...x, threads: 1 });
        checkGemm('gemm threads=2', { ...x, threads: 2 });
      }),
      { numRuns: 50 },
    );
  });
});

describe('gemmF64 against the reference', () => {
  // Tolerance: both sum k products in f64, in different orders; each side is within
  // (k−1)·2^-53·Σ|a||b| of the exact value, so their difference is ≤ (2k + 8)·2^-53·(|α|Σ|a||b| + |β c|).
  it('matches the f64 reference for all transposes', () => {
    const f64Value = fc.oneof(
      fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -1e6, max: 1e6 }).map((i) => i / 997),
      fc.constantFrom(0, -0, 1),
    );
    const arr = (len: number) => fc.array(f64Value, { minLength: len, maxLength: len }).map((a) => Float64Array.from(a));
    fc.assert(
      fc.property(
        fc.record({ m: dim, n: dim, k: dim, transA: fc.boolean(), transB: fc.boolean() }).chain((s) =>
          fc.record({
            s: fc.constant(s),
            a: arr(s.m * s.k),
            b: arr(s.k * s.n),
            c: arr(s.m * s.n),
            alpha: fc.oneof(fc.constantFrom(1, 0.1, -3), fc.double({ min: -4, max: 4, noNaN: true })),
            beta: fc.oneof(fc.constantFrom(0, 1, 0.1), fc.double({ min: -4, max: 4, noNaN: true })),
            threads: fc.constantFrom(1, 2),
          }),
        ),
        ({ s, a, b, c, alpha, beta, threads }) => {
          const got = N.gemmF64(a, b, c, { ...s, alpha, beta, threads });
          const want = Float64Array.from(c);
          R.gemm(s, alpha, a, b, beta, want);
          const mag = new Float64Array(s.m * s.n);
          R.gemm(s, 1, a.map(Math.abs), b.map(Math.abs), 0, mag);
          within('gemmF64', got, want, (i) =>
            (2 * s.k + 8) * U64 * (Math.abs(alpha) * mag[i] + Math.abs(beta * c[i])) + 1e-300,
          );
        },
      ),
      RUNS,
    );
  });
});

// ==============================================================================================
/** An [m, n] f32 matrix with a per-test magnitude. */
function matrix(bounds: fc.Arbitrary<number> = magnitude) {
  return fc
    .record({ m: dim, n: dim, bound: bounds })
    .chain(({ m, n, bound }) =>
      fc.record({ m: fc.constant(m), n: fc.constant(n), bound: fc.constant(bound), x: f32Array(m * n, bound) }),
    );
}

describe('bias', () => {
  // addBias: one f32 addition per element. Adding two f32 numbers in f64 and rounding to f32 is
  // correctly rounded (53 ≥ 2·24 + 2), so native and reference must agree bit for bit.
  it('addBias is bit-identical', () => {
    fc.assert(
      fc.property(
        matrix().chain((z) => fc.record({ z: fc.constant(z), b: f32Array(z.n, z.bound) })),
        ({ z, b }) => {
          const got = N.addBias(z.x, b);
          const want = f32(z.x);
          R.addBias(want, b);
          same('addBias', got, want);
        },
      ),
      RUNS,
    );
  });

  // biasGrad: native sums the m rows of each column in f32, the reference in f64:
  //   |db_nat − db_ref| ≤ (m + 1)·u·Σ_i |dz_ij|.
  it('biasGrad within (m+1)·u·Σ|dz|', () => {
    fc.assert(
      fc.property(matrix(), ({ m, n, x }) => {
        const got = N.biasGrad(x, n);
        const want = R.biasGrad(f64(x), n);
        const abs = R.biasGrad(f64(x).map(Math.abs), n);
        within('biasGrad', got, want, (j) => (m + 1) * U * abs[j] + TINY);
      }),
      RUNS,
    );
  });
});

// ==============================================================================================
describe('activations', () => {
  // Every kind there is (a new one must add its tolerances below: the switches are exhaustive).
  const kinds: readonly R.ActivationKind[] = R.ACTIVATION_KINDS;
  const zArb = fc
    .record({ len: dim, bound: fc.constantFrom(1, 5, 30, 200, 1e6) })
    .chain(({ len, bound }) => f32Array(len, bound));
  // A slope that is an f32 number (then slope·z is correctly rounded on both sides).
  const slopeF32 = fc.oneof(fc.constantFrom(0, 0.25, 0.5, 1, 2), f32Value(1).map(Math.abs));

  // Forward tolerances (ref computed in f64 from the same f32 z, so the bound is the native error):
  // - identity, relu: exact (no arithmetic).
  // - leakyRelu: exact when the slope is an f32 number (one correctly rounded product); with the
  //   default slope 0.01, which f32 cannot represent, native multiplies by f32(0.01): ≤ 3u·|ref|.
  // - tanh: glibc tanhf is within 2 ulp, plus 0.5 ulp for rounding the f64 reference:
  //   ≤ 3 ulp ≤ 6u·|ref| (1 ulp ≤ 2u·|x| for normal x).
  // - sigmoid: expf (≤ 1 ulp) then 1 + e and a division (0.5 ulp each), the error of e passes
  //   through with factor ≤ 1: ≤ 3 ulp ≤ 6u·|ref|, plus 2·2^-149 where e^z is subnormal.
  const fwdTol = (kind: R.ActivationKind, z: Float32Array, want: Float64Array) => (i: number): number => {
    switch (kind) {
      case 'identity':
      case 'relu':
        return 0;
      case 'leakyRelu':
        return 3 * U * Math.abs(want[i]) + 2 ** -149;
      case 'tanh':
      case 'sigmoid':
        return 6 * U * Math.abs(want[i]) + 2 * 2 ** -149;
      // softplus: expf and log1pf (≤ 1 ulp each, the error of e^−|z| passes through log1p with
      // factor ≤ 1) and one addition: ≤ 4 ulp ≤ 8u·|ref|.
      case 'softplus':
        return 8 * U * Math.abs(want[i]) + 2 * 2 ** -149;
      // swish: σ(z) as in the sigmoid forward (≤ 3 ulp) times z (0.5 ulp): ≤ 8u·|ref|; for
      // z < −87 σ(z) is subnormal, off by up to 2^-149 absolute, which z multiplies.
      case 'swish':
        return 8 * U * Math.abs(want[i]) + (1 + Math.abs(z[i])) * 2 ** -149;
      // selu: z > 0: f32(λ) and one product, ≤ 2u·|ref|; z ≤ 0: f32(λ·α) (u), expm1f (1 ulp, 2u)
      // and one product (u), ≤ 4u·|ref|; slack 2. A subnormal product is off by 2^-150.
      case 'selu':
        return 8 * U * Math.abs(want[i]) + 2 ** -149;
      // elu: z ≤ 0: expm1f (1 ulp, 2u) times α (exact for the default 1, u for another f32 α):
      // ≤ 3u·|ref|, slack 2; z > 0 exact. A subnormal product is off by 2^-150.
      case 'elu':
        return eluFwdTol(want, i);
      // gelu: native evaluates z·erfc(−z/√2)/2 in f64 and rounds once (0.5 ulp ≤ u·|ref|); both
      // f64 evaluations are within ~z²·2^-53 relative (the rounding of z/√2, amplified by erfc's
      // tail; ≤ 2e-14 before the result underflows f32 at |z| ≈ 14), far below u. Slack 2; a
      // subnormal result is off by 2^-150.
      case 'gelu':
        return 2 * U * Math.abs(want[i]) + 2 ** -149;
    }
  };

  const eluFwdTol = (want: Float64Array, i: number): number => 6 * U * Math.abs(want[i]) + 2 ** -149;

  for (const kind of kinds) {
    it(`activationForward('${kind}')`, () => {
      fc.assert(
        fc.property(zArb, (z) => {
          const got = N.activationForward(kind, z);
          const want = R.activationForward(kind, f64(z));
          within(`forward ${kind}`, got, want, fwdTol(kind, z, want));
        }),
        RUNS,
      );
    });
  }

  it("activationForward('leakyRelu', slope) with an f32 slope is bit-identical", () => {
    fc.assert(
      fc.property(zArb, slopeF32, (z, slope) => {
        same('leakyRelu', N.activationForward('leakyRelu', z, slope), R.activationForward('leakyRelu', z, slope));
      }),
      RUNS,
    );
  });

  // Backward (a = the forward output, identical input on both sides):
  // - identity, relu: exact (dz = da or 0). leakyRelu with an f32 slope: exact; default slope:
  //   ≤ 3u·|ref| as in the forward.
  // - tanh: native rounds a·a, 1 − a² and the product by da:
  //   ≤ 2u·|da|·(a² + |1 − a²|) + 2u·|ref| (1 − a² cancels when |a| → 1, hence the a² term).
  // - sigmoid: three f32 roundings ((da·a), (1 − a), product): ≤ 4u·|ref| + 2^-148.
  const bwdTol = (kind: R.ActivationKind, z: Float32Array, a: Float32Array, da: Float32Array, want: Float64Array) => (i: number): number => {
    switch (kind) {
      case 'identity':
      case 'relu':
        return 0;
      case 'leakyRelu':
        return 3 * U * Math.abs(want[i]) + 2 ** -149;
      case 'tanh':
        return 2 * U * Math.abs(da[i]) * (a[i] * a[i] + Math.abs(1 - a[i] * a[i])) + 2 * U * Math.abs(want[i]) + 2 ** -148;
      case 'sigmoid':
        return 4 * U * Math.abs(want[i]) + 2 ** -148;
      // softplus: σ(z) as in the sigmoid forward (≤ 3 ulp) times da (0.5 ulp): ≤ 8u·|ref|; for
      // z < −87 σ(z) is subnormal, off by up to 2^-149 absolute, which da multiplies.
      case 'softplus':
        return 8 * U * Math.abs(want[i]) + (2 + Math.abs(da[i])) * 2 ** -149;
      // swish: s = σ(z) and t = σ(−z) = 1 − σ(z) share e^−|z|, each ≤ 3 ulp (6u relative); then
      // p = z·t (u), 1 + p (u), s·(1 + p) and da·(…) (u each):
      //   ≤ |da|·s·(7u·|p| + u·|1 + p|) + 8u·|ref| ≤ 16u·|da|·s·(1 + |z|·t),
      // written with 1 + |z|·t, not |1 + z·t|, because the sum cancels near z ≈ −1.28 (swish' = 0).
      // For z < −87 s is subnormal (off by 2^-149), and 1 + p ≈ z multiplies it.
      case 'swish': {
        const s = R.sigmoid(z[i]);
        const t = R.sigmoid(-z[i]);
        return 16 * U * Math.abs(da[i]) * s * (1 + Math.abs(z[i]) * t) + (1 + Math.abs(da[i]) * (2 + Math.abs(z[i]))) * 2 ** -149;
      }
      // selu: z > 0: f32(λ)·da, ≤ 2u·|ref|; z ≤ 0: da·(f32(λ·α)·expf(z)): u + 2u + 2 products
      // = 5u·|ref|; slack 2. For z < −87 e^z is subnormal (off by 2^-149) and λ·α·da multiply it.
      case 'selu':
        return 10 * U * Math.abs(want[i]) + (1 + 2 * Math.abs(da[i])) * 2 ** -149;
      // elu: z ≤ 0: da·(α·expf(z)): 2u + u + u = 4u·|ref|, slack 2; z > 0 exact. For z < −87
      // e^z is subnormal (off by 2^-149) and α·da multiply it; a subnormal α·e^z (off by 2^-150)
      // is multiplied by da.
      case 'elu':
        return eluBwdTol(1, da, want, i);
      // gelu: native rounds da·(Φ(z) + z·φ(z)), evaluated in f64, once: u·|ref|, slack 2. The f64
      // sum cancels near z ≈ −0.75 (gelu' = 0), leaving the f64 evaluations' absolute error of
      // a few 2^-53·(Φ + |z|φ) (times z² in the tail, as in the forward): 1e-13 covers both.
      case 'gelu': {
        const zz = z[i];
        return 2 * U * Math.abs(want[i]) + 1e-13 * Math.abs(da[i]) * (normalCdf(zz) + Math.abs(zz) * normalPdf(zz)) + 2 ** -149;
      }
    }
  };
  const eluBwdTol = (alpha: number, da: Float32Array, want: Float64Array, i: number): number =>
    8 * U * Math.abs(want[i]) + (1 + (1 + 2 * Math.abs(alpha)) * Math.abs(da[i])) * 2 ** -149;

  for (const kind of kinds) {
    it(`activationBackward('${kind}')`, () => {
      fc.assert(
        fc.property(
          fc.record({ len: dim, bound: fc.constantFrom(1, 5, 30, 1e6) }).chain(({ len, bound }) =>
            fc.record({ z: f32Array(len, bound), da: f32Array(len, bound) }),
          ),
          ({ z, da }) => {
            const a = N.activationForward(kind, z);
            const got = N.activationBackward(kind, z, a, da);
            const want = R.activationBackward(kind, f64(z), f64(a), f64(da));
            within(`backward ${kind}`, got, want, bwdTol(kind, z, a, da, want));
          },
        ),
        RUNS,
      );
    });
  }

  // elu's α reaches the kernel as its one numeric argument; the bounds above hold for any f32 α.
  it("activationForward/Backward('elu', alpha) with an f32 alpha", () => {
    fc.assert(
      fc.property(zArb, slopeF32, fc.boolean(), (z, magnitude, negative) => {
        const alpha = negative ? -magnitude : magnitude;
        const a = N.activationForward('elu', z, alpha);
        const want = R.activationForward('elu', f64(z), alpha);
        within('forward elu(alpha)', a, want, (i) => eluFwdTol(want, i));
        const da = z.map((_, i) => Math.fround(1 - i / 5));
        const dz = N.activationBackward('elu', z, a, da, alpha);
        const wantDz = R.activationBackward('elu', f64(z), f64(a), f64(da), alpha);
        within('backward elu(alpha)', dz, wantDz, (i) => eluBwdTol(alpha, da, wantDz, i));
      }),
      RUNS,
    );
  });

  it("activationBackward('leakyRelu', slope) with an f32 slope is bit-identical; relu'(0) = 0", () => {
    fc.assert(
      fc.property(zArb, slopeF32, (z, slope) => {
        const zz = z.map((v, i) => (i % 3 === 0 ? 0 : v)); // plenty of exact zeros
        const da = zz.map((_, i) => Math.fround(1 + i / 7));
        const a = N.activationForward('leakyRelu', zz, slope);
        same('leakyRelu backward', N.activationBackward('leakyRelu', zz, a, da, slope), R.activationBackward('leakyRelu', zz, a, da, slope));
        const ar = N.activationForward('relu', zz);
        same('relu backward', N.activationBackward('relu', zz, ar, da), R.activationBackward('relu', zz, ar, da));
      }),
      RUNS,
    );
  });
});

// ==============================================================================================
describe('softmax and losses', () => {
  const logits = matrix(fc.constantFrom(1, 10, 100, 1e4, 1e6));

  /** Per-row max of z. */
  function rowMax(z: Float32Array, m: number, n: number): Float64Array {
    const out = new Float64Array(m).fill(-Infinity);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i] = Math.max(out[i], z[i * n + j]);
    return out;
  }

  // softmax: native computes d = z − max in f32 (error ≤ u·|z − max|, which exp turns into a
  // relative error u·|z − max|), expf (1 ulp), sums n terms in f32 (≤ n·u relative), divides.
  // The sum's relative error from the rounded differences is Σ_k e_k·u|z_k − max| / Σ_k e_k ≤ n·u/e.
  // So p_nat = p·(1 + δ) with |δ| ≤ u·(|z_j − max| + 2n + 6); with slack 2:
  //   |p_nat − p_ref| ≤ 2u·(|z_j − max| + 2n + 6)·p_ref + 2^-140 (subnormal exp results).
  const softmaxTol = (z: Float32Array, m: number, n: number, p: Float64Array) => {
    const max = rowMax(z, m, n);
    return (idx: number): number => {
      const i = Math.floor(idx / n);
      return 2 * U * (Math.abs(z[idx] - max[i]) + 2 * n + 6) * p[idx] + TINY;
    };
  };

  it('softmax', () => {
    fc.assert(
      fc.property(logits, ({ m, n, x }) => {
        const got = N.softmax(x, n);
        const want = R.softmax(f64(x), n);
        within('softmax', got, want, softmaxTol(x, m, n, want));
      }),
      RUNS,
    );
  });

  /** Labels: one-hot rows or arbitrary probability rows. */
  function labels(m: number, n: number): fc.Arbitrary<Float32Array> {
    const oneHot = fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: m, maxLength: m }).map((cls) => {
      const y = new Float32Array(m * n);
      cls.forEach((c, i) => (y[i * n + c] = 1));
      return y;
    });
    const dist = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: m * n, maxLength: m * n }).map((w) => {
      const y = new Float32Array(m * n);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += w[i * n + j];
        for (let j = 0; j < n; j++) y[i * n + j] = s === 0 ? (j === 0 ? 1 : 0) : w[i * n + j] / s;
      }
      return y;
    });
    return fc.oneof({ weight: 3, arbitrary: oneHot }, { weight: 1, arbitrary: dist });
  }

  // softmaxCrossEntropy:
  // - probs: as softmax.
  // - dZ = (p − y)·f32(1/m) in f32: the error of p, plus 3 roundings of |p − y| (subtraction, 1/m,
  //   product): |dz_nat − dz_ref| ≤ (tol_p + 3u·|p − y|)/m + 2^-140.
  // - loss: native adds y·(z − max − ln Σ) in f64, but Σ = Σ exp(z − max) was summed in f32 with
  //   relative error ≤ u·(2n + 6) (see softmax), which ln turns into an absolute error; so
  //   |loss_nat − loss_ref| ≤ 2u·(2n + 6)·(Σ_ij |y_ij|)/m + 1e-12·(Σ|y·log p|/m) (f64 noise).
  it('softmaxCrossEntropy', () => {
    fc.assert(
      fc.property(
        logits.chain((z) => fc.record({ z: fc.constant(z), y: labels(z.m, z.n) })),
        ({ z: { m, n, x }, y }) => {
          const got = N.softmaxCrossEntropy(x, y, n);
          const want = R.softmaxCrossEntropy(f64(x), f64(y), n);
          const pTol = softmaxTol(x, m, n, want.probs);
          within('probs', got.probs, want.probs, pTol);
          within('dz', got.dz, want.dz, (i) => (pTol(i) + 3 * U * Math.abs(want.probs[i] - y[i])) / m + TINY);
          let sumY = 0;
          for (const v of y) sumY += Math.abs(v);
          const lossTol = 2 * U * (2 * n + 6) * (sumY / m) + 1e-12 * Math.abs(want.loss) + 1e-300;
          within('loss', [got.loss], [want.loss], () => lossTol);
        },
      ),
      RUNS,
    );
  });

  // sigmoidBinaryCrossEntropy:
  // - loss: both sides evaluate max(z,0) − z·y + log1p(exp(−|z|)) in f64 from the same f32 values
  //   and sum in the same order; only exp/log1p (libm vs V8, ≤ 1 ulp each) differ:
  //   |Δloss| ≤ 8·2^-53·Σ(|max(z,0)| + |z·y| + log1p(e^−|z|))/m.
  // - probs: f32 sigmoid, ≤ 6u·|p| + 2^-148 (see activations).
  // - dZ = (σ − y)·f32(1/m): (tol_p + 3u·|σ − y|)/m + 2^-140.
  it('sigmoidBinaryCrossEntropy', () => {
    const y01 = (len: number) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.array(fc.constantFrom(0, 1), { minLength: len, maxLength: len }).map(f32) },
        { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: len, maxLength: len }).map((a) => f32(a.map((v) => v / 100))) },
      );
    fc.assert(
      fc.property(
        logits.chain((z) => fc.record({ z: fc.constant(z), y: y01(z.m * z.n) })),
        ({ z: { m, n, x }, y }) => {
          const got = N.sigmoidBinaryCrossEntropy(x, y, n);
          const want = R.sigmoidBinaryCrossEntropy(f64(x), f64(y), n);
          const pTol = (i: number) => 6 * U * want.probs[i] + 2 ** -148;
          within('probs', got.probs, want.probs, pTol);
          within('dz', got.dz, want.dz, (i) => (pTol(i) + 3 * U * Math.abs(want.probs[i] - y[i])) / m + TINY);
          let mag = 0;
          for (let i = 0; i < x.length; i++) {
            mag += Math.max(x[i], 0) + Math.abs(x[i] * y[i]) + Math.log1p(Math.exp(-Math.abs(x[i])));
          }
          within('loss', [got.loss], [want.loss], () => 8 * U64 * (mag / m) + 1e-300);
          if (!Number.isFinite(got.loss)) throw new Error(`loss ${got.loss} not finite`);
        },
      ),
      RUNS,
    );
  });
});

// ==============================================================================================
describe('batch normalization', () => {
  const epsArb = fc.oneof(fc.constantFrom(1e-3, 1e-5, 1e-8, 0.1), fc.double({ min: 1e-6, max: 1, noNaN: true }));

  /** X with either generic values or a large offset plus a small spread (ill-conditioned mean). */
  const bnInput = fc
    .record({ m: dim, n: dim, bound: magnitude, offset: fc.constantFrom(0, 0, 1, -100, 1e3), spread: fc.constantFrom(1, 1e-2) })
    .chain(({ m, n, bound, offset, spread }) =>
      fc.record({
        m: fc.constant(m),
        n: fc.constant(n),
        x: offset === 0 ? f32Array(m * n, bound) : f32Array(m * n, 1).map((a) => a.map((v) => offset + spread * v)),
        gamma: f32Array(n, 4),
        beta: f32Array(n, 4),
      }),
    );

  // Forward (train). Per feature j with A_j = (1/m)Σ_i|x_ij| and σ_j = √(var_j + eps):
  // - mean: f32 sum of m terms, times f32(1/m): errMu = (m + 2)·u·A_j + 2^-149.
  // - var: m non-negative squares of d = x − mean~ (mean~ off by δ ≤ errMu adds m·δ² since
  //   Σd = 0), each with 3 roundings, summed: errVar = (m + 4)·u·var + errMu² + (m + 1)·2^-149.
  // - xHat = (x − mean~)·f32(1/√(var~ + eps)): errXhat = (errMu + u|x − mean|)/σ
  //   + |xHat|·(errVar/(var + eps) + 6u)   (½·errVar/(var+eps) from the sqrt, the rest roundings).
  // - y = γ·xHat + β: |γ|·errXhat + 2u·(|γ xHat| + |β|).
  // All with slack 2, plus 2^-140. For well-conditioned data (A/σ ≈ 1) this is ~m·1e-7 relative;
  // a big offset over a tiny spread (A/σ ≫ 1) loses f32 digits in the mean, and the bound says so.
  it('batchNormForwardTrain', () => {
    fc.assert(
      fc.property(bnInput, epsArb, ({ m, n, x, gamma, beta }, eps) => {
        const got = N.batchNormForwardTrain(x, gamma, beta, eps);
        const want = R.batchNormForwardTrain(f64(x), f64(gamma), f64(beta), eps);
        const errMu = new Float64Array(n);
        const errVar = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          let a = 0;
          for (let i = 0; i < m; i++) a += Math.abs(x[i * n + j]);
          errMu[j] = (m + 2) * U * (a / m) + 2 ** -149;
          errVar[j] = (m + 4) * U * want.variance[j] + errMu[j] ** 2 + (m + 1) * 2 ** -149;
        }
        within('mean', got.mean, want.mean, (j) => 2 * errMu[j] + TINY);
        within('variance', got.variance, want.variance, (j) => 2 * errVar[j] + TINY);
        const errXhat = (idx: number): number => {
          const j = idx % n;
          const v = want.variance[j] + eps;
          return (errMu[j] + U * Math.abs(x[idx] - want.mean[j])) / Math.sqrt(v) + Math.abs(want.xHat[idx]) * (errVar[j] / v + 6 * U);
        };
        within('xHat', got.xHat, want.xHat, (idx) => 2 * errXhat(idx) + TINY);
        within('y', got.y, want.y, (idx) => {
          const j = idx % n;
          return 2 * (Math.abs(gamma[j]) * errXhat(idx) + 2 * U * (Math.abs(gamma[j] * want.xHat[idx]) + Math.abs(beta[j]))) + TINY;
        });
      }),
      RUNS,
    );
  });

  // Backward. Per feature j with S1 = Σ_i|dy|, S2 = Σ_i|dy·xHat|:
  // - dBeta: f32 sum, errDb = (m + 1)·u·S1; dGamma: products then sum,
  //   errDg = (m + 2)·u·S2 + m·2^-149 (products may underflow).
  // - coef = γ/(m·√(var + eps)) in f32: 5u relative, + 2^-150 if it is subnormal (tiny γ), which
  //   the multiplication by `inner` amplifies.
  // - inner = m·dy − dBeta − xHat·dGamma cancels by design, so its error is absolute:
  //   errIn = errDb + |xHat|·errDg + 3u·(m|dy| + |dBeta| + |xHat·dGamma|).
  // - dx = coef·inner: |coef|·errIn + (5u·|coef| + 2^-150)·|inner| + u·|dx|. Slack 2, plus 2^-140.
  it('batchNormBackward', () => {
    fc.assert(
      fc.property(
        fc.record({ m: dim, n: dim, bound: magnitude }).chain(({ m, n, bound }) =>
          fc.record({
            m: fc.constant(m),
            n: fc.constant(n),
            dy: f32Array(m * n, bound),
            xHat: f32Array(m * n, 5),
            variance: f32NonNeg(n, bound),
            gamma: f32Array(n, 4),
          }),
        ),
        epsArb,
        ({ m, n, dy, xHat, variance, gamma }, eps) => {
          const got = N.batchNormBackward(dy, xHat, variance, gamma, eps);
          const want = R.batchNormBackward(f64(dy), f64(xHat), f64(variance), f64(gamma), eps);
          const s1 = new Float64Array(n);
          const s2 = new Float64Array(n);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              s1[j] += Math.abs(dy[i * n + j]);
              s2[j] += Math.abs(dy[i * n + j] * xHat[i * n + j]);
            }
          }
          const errDb = (j: number) => (m + 1) * U * s1[j];
          const errDg = (j: number) => (m + 2) * U * s2[j] + m * 2 ** -149;
          within('dBeta', got.dBeta, want.dBeta, (j) => 2 * errDb(j) + TINY);
          within('dGamma', got.dGamma, want.dGamma, (j) => 2 * errDg(j) + TINY);
          within('dx', got.dx, want.dx, (idx) => {
            const j = idx % n;
            const coef = Math.abs(gamma[j]) / (m * Math.sqrt(variance[j] + eps));
            const h = Math.abs(xHat[idx]);
            const errIn = errDb(j) + h * errDg(j) + 3 * U * (m * Math.abs(dy[idx]) + Math.abs(want.dBeta[j]) + h * Math.abs(want.dGamma[j]));
            const inner = Math.abs(m * dy[idx] - want.dBeta[j] - xHat[idx] * want.dGamma[j]);
            return 2 * (coef * errIn + (5 * U * coef + 2 ** -150) * inner + U * Math.abs(want.dx[idx])) + TINY;
          });
        },
      ),
      RUNS,
    );
  });

  // Inference: native forms s = γ/√(rv + eps) once (3 roundings + eps in f32), then
  // (x − rm)·s + β (3 roundings). With t = (x − rm)·γ/√(rv + eps):
  //   |y_nat − y_ref| ≤ 2·(6u·|t| + 2^-150·|x − rm| + u·|y|) + 2^-140
  // (the 2^-150·|x − rm| term: s itself is subnormal when γ is tiny).
  it('batchNormForwardInference', () => {
    fc.assert(
      fc.property(
        bnInput.chain((b) =>
          fc.record({ b: fc.constant(b), rm: f32Array(b.n, 1e3), rv: f32NonNeg(b.n, 1e3) }),
        ),
        epsArb,
        ({ b: { n, x, gamma, beta }, rm, rv }, eps) => {
          const got = N.batchNormForwardInference(x, gamma, beta, rm, rv, eps);
          const want = R.batchNormForwardInference(f64(x), f64(gamma), f64(beta), f64(rm), f64(rv), eps);
          within('y', got, want, (idx) => {
            const j = idx % n;
            const t = ((x[idx] - rm[j]) * gamma[j]) / Math.sqrt(rv[j] + eps);
            return 2 * (6 * U * Math.abs(t) + 2 ** -150 * Math.abs(x[idx] - rm[j]) + U * Math.abs(want[idx])) + TINY;
          });
        },
      ),
      RUNS,
    );
  });

  // Running statistics: native mo = f32(momentum), nm = f32(1 − momentum), mo·r + nm·b: two
  // coefficient roundings, two products, one add, each relative to its own term:
  //   |r_nat − r_ref| ≤ 2·3u·(|mo·r| + |(1 − mo)·b|) + 2^-140.
  it('batchNormUpdateRunning', () => {
    fc.assert(
      fc.property(
        fc.record({ n: dim, bound: magnitude }).chain(({ n, bound }) =>
          fc.record({
            rm: f32Array(n, bound),
            rv: f32NonNeg(n, bound),
            mean: f32Array(n, bound),
            variance: f32NonNeg(n, bound),
            momentum: fc.oneof(hyperparameter(1, [1, 0.9, 0.99, 0.5]), fc.double({ min: 0.9, max: 1, noNaN: true })),
          }),
        ),
        ({ rm, rv, mean, variance, momentum }) => {
          const got = N.batchNormUpdateRunning(rm, rv, mean, variance, momentum);
          const wm = f64(rm);
          const wv = f64(rv);
          R.batchNormUpdateRunning(wm, wv, f64(mean), f64(variance), momentum);
          const tol = (r: Num, b: Num) => (j: number) => 6 * U * (Math.abs(momentum * r[j]) + Math.abs((1 - momentum) * b[j])) + TINY;
          within('runningMean', got.runningMean, wm, tol(rm, mean));
          within('runningVar', got.runningVar, wv, tol(rv, variance));
        },
      ),
      RUNS,
    );
  });
});

// ==============================================================================================
describe('dropout', () => {
  const keepArb = fc.oneof(
    fc.constantFrom(1, 0.5, 0.8, 0.9, 0.25, 1e-7, 2 ** -24, 1 - 2 ** -30),
    fc.double({ min: 1e-9, max: 1, noNaN: true }).filter((p) => p > 0),
  );

  // dropoutForward: the mask comes from the same DROPOUT stream and an integer comparison, and
  // y = x·f32(1/keepProb) is one correctly rounded product on both sides: mask AND y must be
  // IDENTICAL (no tolerance).
  it('dropoutForward: identical mask and output for the same seed', () => {
    fc.assert(
      fc.property(
        fc.record({ len: fc.oneof(dim, fc.integer({ min: 200, max: 3000 })), bound: magnitude }).chain(({ len, bound }) => f32Array(len, bound)),
        keepArb,
        seedArb,
        (x, keepProb, seed) => {
          const got = N.dropoutForward(x, keepProb, seed);
          const want = R.dropoutForward(x, keepProb, R.Rng.withStream(seed, R.RngStream.DROPOUT));
          same('mask', got.mask, want.mask);
          same('y', got.y, want.y);
          const scale = Math.fround(1 / keepProb);
          for (const v of got.mask) if (v !== 0 && v !== scale) throw new Error(`mask value ${v} not in {0, ${scale}}`);
        },
      ),
      RUNS,
    );
  });

  // dropoutBackward: one correctly rounded product per element: identical.
  it('dropoutBackward is bit-identical', () => {
    fc.assert(
      fc.property(
        fc.record({ len: dim, bound: magnitude }).chain(({ len, bound }) => fc.record({ dy: f32Array(len, bound), x: f32Array(len, 1) })),
        keepArb,
        seedArb,
        ({ dy, x }, keepProb, seed) => {
          const { mask } = N.dropoutForward(x, keepProb, seed);
          same('dx', N.dropoutBackward(dy, mask), R.dropoutBackward(dy, mask));
        },
      ),
      RUNS,
    );
  });
});

// ==============================================================================================
describe('regularization', () => {
  const lambda = hyperparameter(10, [0.01, 0.5, 1, 5]);
  const batch = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1000 }));

  // Grad: native a = f32(l2/m), b = f32(l1/m), then (dw + a·w) + b·sign(w) in f32: two coefficient
  // roundings, one product, two adds, each relative to its term (the adds may cancel):
  //   |Δ| ≤ 2·3u·(|dw| + |l2/m·w| + |l1/m·sign w|) + 2^-140; with l2 = l1 = 0 dw is unchanged.
  it('regularizationGrad', () => {
    fc.assert(
      fc.property(
        fc.record({ len: dim, bound: magnitude }).chain(({ len, bound }) => fc.record({ w: f32Array(len, bound), dw: f32Array(len, bound) })),
        lambda,
        lambda,
        batch,
        ({ w, dw }, l2, l1, m) => {
          const got = N.regularizationGrad(w, dw, l2, l1, m);
          const want = f64(dw);
          R.regularizationGrad(f64(w), want, l2, l1, m);
          within('dw', got, want, (i) => 6 * U * (Math.abs(dw[i]) + Math.abs((l2 / m) * w[i]) + (w[i] === 0 ? 0 : l1 / m)) + TINY);
          if (l2 === 0 && l1 === 0) same('dw unchanged', got, dw);
        },
      ),
      RUNS,
    );
  });

  // Cost: both sides accumulate Σw² and Σ|w| in f64 in the same order and combine them with the
  // same f64 expression: identical.
  it('regularizationCost is identical', () => {
    fc.assert(
      fc.property(
        fc.record({ len: dim, bound: magnitude }).chain(({ len, bound }) => f32Array(len, bound)),
        lambda,
        lambda,
        batch,
        (w, l2, l1, m) => {
          expect(N.regularizationCost(w, l2, l1, m)).toBe(R.regularizationCost(w, l2, l1, m));
        },
      ),
      RUNS,
    );
  });
});

// ==============================================================================================
describe('optimizerStep', () => {
  type Kind = 'gd' | 'momentum' | 'nesterov' | 'rmsprop' | 'adam' | 'adamw';
  const hyper = fc.record({
    lr: hyperparameter(1, [0.001, 0.01, 0.1, 1]),
    beta: hyperparameter(0.999, [0.9, 0.99]),
    beta1: hyperparameter(0.999, [0.9]),
    beta2: hyperparameter(0.9999, [0.999, 0.9]),
    eps: fc.oneof(fc.constantFrom(1e-8, 1e-7, 0.1), fc.double({ min: 1e-8, max: 0.1, noNaN: true })),
    wd: hyperparameter(1, [0.01, 0.5]),
    step: fc.oneof(fc.constantFrom(1, 2, 3, 10), fc.integer({ min: 1, max: 100000 })),
  });
  const tensors = fc.record({ len: dim, bound: fc.constantFrom(1, 10, 1e3, 1e6) }).chain(({ len, bound }) =>
    fc.record({ w: f32Array(len, bound), g: f32Array(len, bound), v: f32Array(len, bound), s: f32NonNeg(len, bound) }),
  );

  // Tolerances (slack 2 throughout, each intermediate carries a 2^-148 subnormal floor):
  // - gd: w − f32(lr)·g: 3 roundings relative to the terms: 2·3u·(|w| + |lr·g|).
  // - momentum: v' = f32(β)·v + f32(1−β)·g: tolV = 2·3u·(|βv| + |(1−β)g|);
  //   w' = w − f32(lr)·v': 2·3u·(|w| + lr|v'|) + lr·tolV.
  // - nesterov: v' as momentum; look = β·v' + (1−β)g: tolL = β·tolV + 2·3u·(|βv'| + |(1−β)g|);
  //   w' = w − lr·look: 2·3u·(|w| + lr|look|) + lr·tolL.
  // - rmsprop: s' sums non-negative terms: tolS = 2·4u·s'; upd = (lr·g)/(√s' + ε) has ≈ 8u relative
  //   error: w' error 2·(u(|w| + |upd|) + 8u|upd|), plus 2·2^-150/den because lr·g may underflow
  //   before the division by den = √s' + ε ≥ ε (g = 2^-149, lr = 0.01: native 0, exact 1.4e-39).
  // - adam: v' as momentum (tolV), s' as rmsprop (tolS); upd = lr·(v'·ibc1)/(√(s'·ibc2) + ε) with
  //   ≈ 12u relative error plus the absolute error of v' carried through, lr·ibc1·tolV/den, plus
  //   the underflow of v'·ibc1 and lr·(…) amplified by 1/den: 2·2^-150·(1 + lr)/den.
  // - adamw: first w1 = w − f32(lr·wd)·w, error 2·3u(|w| + |lr·wd·w|), carried into the adam step.
  function tolerances(kind: Kind, h: { lr: number; beta: number; beta1: number; beta2: number; eps: number; wd: number; step: number },
    w: Float32Array, g: Float32Array, v: Float32Array, s: Float32Array,
    want: { w: Float64Array; v: Float64Array; s: Float64Array }) {
    const F = 2 ** -148;
    const tolW = new Float64Array(w.length);
    const tolV = new Float64Array(w.length);
    const tolS = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const aw = Math.abs(w[i]);
      const ag = Math.abs(g[i]);
      switch (kind) {
        case 'gd':
          tolW[i] = 6 * U * (aw + h.lr * ag) + F;
          break;
        case 'momentum':
        case 'nesterov': {
          tolV[i] = 6 * U * (h.beta * Math.abs(v[i]) + (1 - h.beta) * ag) + F;
          if (kind === 'momentum') {
            tolW[i] = 6 * U * (aw + h.lr * Math.abs(want.v[i])) + h.lr * tolV[i] + F;
          } else {
            const look = h.beta * Math.abs(want.v[i]) + (1 - h.beta) * ag;
            const tolL = h.beta * tolV[i] + 6 * U * look;
            tolW[i] = 6 * U * (aw + h.lr * look) + h.lr * tolL + F;
          }
          break;
        }
        case 'rmsprop': {
          tolS[i] = 8 * U * want.s[i] + F;
          const den = Math.sqrt(want.s[i]) + h.eps;
          const upd = (h.lr * ag) / den;
          tolW[i] = 2 * (U * (aw + upd) + 8 * U * upd) + 2 ** -149 / den + F;
          break;
        }
        case 'adam':
        case 'adamw': {
          tolV[i] = 6 * U * (h.beta1 * Math.abs(v[i]) + (1 - h.beta1) * ag) + F;
          tolS[i] = 8 * U * want.s[i] + F;
          const ibc1 = 1 / (1 - h.beta1 ** h.step);
          const ibc2 = 1 / (1 - h.beta2 ** h.step);
          const den = Math.sqrt(want.s[i] * ibc2) + h.eps;
          const upd = (h.lr * Math.abs(want.v[i]) * ibc1) / den;
          const decay = kind === 'adamw' ? 6 * U * (aw + h.lr * h.wd * aw) : 0;
          tolW[i] = decay + 2 * (U * (aw + upd) + 12 * U * upd) + (h.lr * ibc1 * tolV[i] + 2 ** -149 * (1 + h.lr)) / den + F;
          break;
        }
      }
    }
    return { tolW, tolV, tolS };
  }

  function reference(kind: Kind, h: { lr: number; beta: number; beta1: number; beta2: number; eps: number; wd: number; step: number },
    w: Float32Array, g: Float32Array, v: Float32Array, s: Float32Array) {
    const W = f64(w);
    const G = f64(g);
    const V = f64(v);
    const S = f64(s);
    switch (kind) {
      case 'gd': R.sgdStep(W, G, h.lr); break;
      case 'momentum': R.momentumStep(W, G, V, h.lr, h.beta); break;
      case 'nesterov': R.nesterovStep(W, G, V, h.lr, h.beta); break;
      case 'rmsprop': R.rmspropStep(W, G, S, h.lr, h.beta, h.eps); break;
      case 'adam': R.adamStep(W, G, V, S, h.lr, h.beta1, h.beta2, h.eps, h.step); break;
      case 'adamw': R.adamwStep(W, G, V, S, h.lr, h.beta1, h.beta2, h.eps, h.wd, h.step); break;
    }
    return { w: W, v: V, s: S };
  }

  const usesV: Record<Kind, boolean> = { gd: false, momentum: true, nesterov: true, rmsprop: false, adam: true, adamw: true };
  const usesS: Record<Kind, boolean> = { gd: false, momentum: false, nesterov: false, rmsprop: true, adam: true, adamw: true };

  for (const kind of ['gd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'] as const) {
    it(kind, () => {
      fc.assert(
        fc.property(tensors, hyper, fc.boolean(), ({ w, g, v, s }, h, freshState) => {
          // freshState: v and s omitted (start at 0), as on the first step of a model.
          const v0 = freshState ? new Float32Array(w.length) : v;
          const s0 = freshState ? new Float32Array(w.length) : s;
          const got = N.optimizerStep(w, g, freshState ? null : v, freshState ? null : s, {
            kind,
            learningRate: h.lr,
            beta: h.beta,
            beta1: h.beta1,
            beta2: h.beta2,
            epsilon: h.eps,
            weightDecay: h.wd,
            step: h.step,
          });
          const want = reference(kind, h, w, g, v0, s0);
          const { tolW, tolV, tolS } = tolerances(kind, h, w, g, v0, s0, want);
          within(`${kind} w`, got.w, want.w, (i) => tolW[i]);
          // State an optimizer does not use comes back unchanged.
          if (usesV[kind]) within(`${kind} v`, got.v, want.v, (i) => tolV[i]);
          else same(`${kind} v unchanged`, got.v, v0);
          if (usesS[kind]) within(`${kind} s`, got.s, want.s, (i) => tolS[i]);
          else same(`${kind} s unchanged`, got.s, s0);
        }),
        RUNS,
      );
    });
  }
});

// ==============================================================================================
describe('rng and initialization', () => {
  const streamArb = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4), fc.integer({ min: 0, max: 2 ** 32 - 1 }));

  // rngU32: integer arithmetic on both sides: identical.
  it('rngU32 is bit-identical to the reference Rng', () => {
    fc.assert(
      fc.property(seedArb, streamArb, fc.integer({ min: 0, max: 300 }), (seed, stream, count) => {
        const got = N.rngU32(seed, stream, count);
        const rng = R.Rng.withStream(seed, stream);
        const want = Array.from({ length: count }, () => rng.nextU32());
        same('u32', got, want);
      }),
      RUNS,
    );
  });

  // rngNormal: the uniforms are identical; √(−2 ln u1)·cos(2πu2) then differs only by libm
  // (glibc) vs V8 (fdlibm) ln and cos, each within 1 ulp: ≤ 4 f64 ulps relative (4·2^-52·|x|).
  // (In practice ~6% of values differ, by ≤ 2.2 ulp.)
  it('rngNormal matches the reference Rng within 4 f64 ulps', () => {
    fc.assert(
      fc.property(seedArb, streamArb, fc.integer({ min: 0, max: 200 }), (seed, stream, count) => {
        const got = N.rngNormal(seed, stream, count);
        const rng = R.Rng.withStream(seed, stream);
        const want = Array.from({ length: count }, () => rng.normal());
        within('normal', got, want, (i) => 8 * U64 * Math.abs(want[i]) + 1e-300);
      }),
      RUNS,
    );
  });

  // initWeights: both compute normal()·std in f64 and round once to f32; the only possible
  // difference is the ≤ 4 f64-ulp libm difference of normal() landing on an f32 rounding boundary,
  // so ≤ 1 f32 ulp (≤ 2u·|w|). (Observed: bit-identical on 440k draws.) zeros is exact, and so
  // are the uniform kinds: limit = √(·) and limit·(2u − 1) are correctly rounded on both sides,
  // u is the same integer arithmetic, and 2u − 1 is exact.
  for (const kind of R.INIT_KINDS) {
    // A kind's one parameter (random's scale) is the native call's last argument.
    const parameter = R.initParameter(kind);
    it(`initWeights('${kind}') vs reference with Rng.withStream(seed, INIT)`, () => {
      fc.assert(
        fc.property(dim, dim, seedArb, fc.oneof(fc.constant(undefined), fc.double({ min: 0, max: 5, noNaN: true })), (nIn, nOut, seed, value) => {
          const native = parameter ? N.initWeights(kind, nIn, nOut, seed, value) : N.initWeights(kind, nIn, nOut, seed);
          const init = { kind, ...(parameter ? { [parameter.name]: value } : {}) } as R.InitKind;
          const want = R.initWeights(init, nIn, nOut, R.Rng.withStream(seed, R.RngStream.INIT), new Float32Array(nIn * nOut));
          if (R.INITIALIZERS[kind].draw === 'normal') within(kind, native, want, (i) => 2 * U * Math.abs(want[i]) + 2 ** -149);
          else same(kind, native, want);
        }),
        RUNS,
      );
    });
  }
});
