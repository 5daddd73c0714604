// activationForward and activationBackward, every kind: hand-computed cases, property tests
// against the reference, bad input. Conventions, tolerances and arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { normalCdf, normalPdf } from '../../src/reference/activation';
import { RUNS, U, f32, f64, f, close, within, same, dim, f32Value, f32Array, type Kernel, type Case, NAN_INF, badInput } from './helpers';

describe('hand-computed', () => {
  it("relu'(0) = 0, relu(z) = max(z, 0)", () => {
    const z = f32(-2, 0, 3);
    const a = N.activationForward('relu', z);
    expect(Array.from(a)).toEqual([0, 0, 3]);
    // dZ = dA ⊙ [z > 0]: at z = 0 the derivative is 0.
    expect(Array.from(N.activationBackward('relu', z, a, f32(5, 5, 5)))).toEqual([0, 0, 5]);
  });

  it('leakyRelu: slope·z below 0, derivative slope at z ≤ 0 (default slope 0.01)', () => {
    const z = f32(-2, 0, 3);
    // slope 0.25 is exact in f32: [−0.5, 0, 3]; derivative [0.25, 0.25, 1]·4 = [1, 1, 4].
    const a = N.activationForward('leakyRelu', z, 0.25);
    expect(Array.from(a)).toEqual([-0.5, 0, 3]);
    expect(Array.from(N.activationBackward('leakyRelu', z, a, f32(4, 4, 4), 0.25))).toEqual([1, 1, 4]);
    // Default slope 0.01: −2 → −0.02.
    close(N.activationForward('leakyRelu', z), [-0.02, 0, 3]);
  });

  it('tanh and sigmoid, with backward from the forward output', () => {
    // tanh(0.5) = 0.46211715726000974; 1 − a² = 0.7864477329659274.
    const z = f32(0.5);
    const t = N.activationForward('tanh', z);
    close(t, 0.46211715726000974);
    close(N.activationBackward('tanh', z, t, f32(2)), 2 * (1 - 0.46211715726000974 ** 2));
    // σ(0) = 0.5, σ(2) = 0.8807970779778823, σ(−2) = 0.11920292202211755; σ' = a(1 − a).
    const zs = f32(0, 2, -2);
    const s = N.activationForward('sigmoid', zs);
    close(s, [0.5, 0.8807970779778823, 0.11920292202211755]);
    close(N.activationBackward('sigmoid', zs, s, f32(1, 1, 1)), [0.25, 0.8807970779778823 * 0.11920292202211755, 0.8807970779778823 * 0.11920292202211755]);
    // No overflow at ±1000: exactly 1 and 0, never NaN.
    expect(Array.from(N.activationForward('sigmoid', f32(1000, -1000)))).toEqual([1, 0]);
  });
});

describe('property: native vs reference', () => {
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

const cases: Partial<Record<Kernel, Case[]>> = {
  activationForward: [
    ['unknown kind', () => N.activationForward('gelux', f(1)), /\bkind: unknown activation 'gelux', expected identity \| relu \| leakyRelu \| tanh \| sigmoid/],
    ['kind is case-sensitive', () => N.activationForward('ReLU', f(1)), /\bkind: unknown activation 'ReLU'/],
    ['empty kind', () => N.activationForward('', f(1)), /\bkind: unknown activation ''/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in z`, () => N.activationForward('relu', f(0, v)), new RegExp(`\\bz: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`slope = ${s}`, () => N.activationForward('leakyRelu', f(1), v), /\bslope: must be a finite number/]),
  ],
  activationBackward: [
    ['a mismatched', () => N.activationBackward('tanh', f(1, 2), f(1), f(1, 2)), /\ba: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['da mismatched', () => N.activationBackward('relu', f(1, 2), f(1, 2), f(1, 2, 3)), /\bda: expected shape \[1, 2\] \(2 elements\), got 3 elements/],
    ['unknown kind', () => N.activationBackward('softplux', f(1), f(1), f(1)), /\bkind: unknown activation 'softplux'/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in z`, () => N.activationBackward('relu', f(v), f(1), f(1)), new RegExp(`\\bz: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in a`, () => N.activationBackward('sigmoid', f(1), f(v), f(1)), new RegExp(`\\ba: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in da`, () => N.activationBackward('tanh', f(1, 1), f(1, 1), f(1, v)), new RegExp(`\\bda: element 1 is ${s}`)]),
    ['slope = NaN', () => N.activationBackward('leakyRelu', f(1), f(1), f(1), NaN), /\bslope: must be a finite number/],
  ],
};

badInput('activation', cases);
