import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS, activationBackward, activationForward, Rng, sigmoid, type ActivationKind } from '../../src/reference';
import { dot, expectClose, f64, numericGrad, uniform } from './helpers';

// Every kind there is: a new activation is covered by the generic checks below automatically.
const KINDS: readonly ActivationKind[] = ACTIVATION_KINDS;

describe('activation forward', () => {
  const z = f64(-2, -0.5, 0, 0.5, 2);

  it('identity, relu, leakyRelu', () => {
    expect(Array.from(activationForward('identity', z))).toEqual([-2, -0.5, 0, 0.5, 2]);
    expect(Array.from(activationForward('relu', z))).toEqual([0, 0, 0, 0.5, 2]);
    expect(Array.from(activationForward('leakyRelu', z))).toEqual([-0.02, -0.005, 0, 0.5, 2]);
    expect(Array.from(activationForward('leakyRelu', z, 0.2))).toEqual([-0.4, -0.1, 0, 0.5, 2]);
  });

  it('tanh and sigmoid', () => {
    expectClose(activationForward('tanh', z), [-0.9640275800758169, -0.46211715726000974, 0, 0.46211715726000974, 0.9640275800758169], { abs: 1e-15 });
    expectClose(activationForward('sigmoid', z), [0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.8807970779778823], { abs: 1e-15 });
  });

  it('sigmoid is finite and exact at the extremes (|z| = 1000) and accurate for negative z', () => {
    const a = activationForward('sigmoid', f64(-1000, 1000, -40));
    expect(a[0]).toBe(0);
    expect(a[1]).toBe(1);
    // σ(−40) = e^−40/(1+e^−40) to full relative precision (1 − σ(40) would give 0).
    expect(a[2]).toBeCloseTo(4.248354255291589e-18, 30);
    expect(a[2] / 4.248354255291589e-18).toBeCloseTo(1, 14);
    expect(sigmoid(0)).toBe(0.5);
  });

  it('f32 in, f32 out', () => {
    const a = activationForward('tanh', Float32Array.of(0.3));
    expect(a).toBeInstanceOf(Float32Array);
    expect(a[0]).toBe(Math.fround(Math.tanh(Math.fround(0.3))));
  });
});

// g and g' at z, computed to 40 digits with mpmath (rounded to 17):
//   from mpmath import mp, mpf, exp, expm1, erfc, sqrt, pi; mp.dps = 40
//   sig = lambda z: 1/(1 + exp(-z))
//   swish: z*sig(z), sig(z)*(1 + z*(1 - sig(z)))
//   selu (L, A = the 32-digit λ, α): L*z if z > 0 else L*A*expm1(z); L if z > 0 else L*A*exp(z)
//   elu(p): z if z > 0 else p*expm1(z); 1 if z > 0 else p*exp(z)
//   gelu: z*erfc(-z/sqrt(2))/2, erfc(-z/sqrt(2))/2 + z*exp(-z*z/2)/sqrt(2*pi)
// `rel` defaults to 1e-15; gelu's erfc(−z/√2) turns the rounding of z/√2 into a relative error
// ≈ z²·2^-53 in the tail (1.1e-14 at z = −10).
const KNOWN: { kind: ActivationKind; p?: number; rel?: number; z: number[]; g: number[]; gPrime: number[] }[] = [
  {
    kind: 'swish',
    z: [-2, -0.5, 0, 0.5, 2, 40, -40],
    g: [-0.23840584404423511, -0.18877033439907272, 0, 0.31122966560092728, 1.7615941559557649, 40, -1.6993417021166356e-16],
    gPrime: [-0.090784248784895479, 0.26003881269734819, 0.5, 0.73996118730265181, 1.0907842487848955, 1.0000000000000002, -1.6568581595637197e-16],
  },
  {
    kind: 'selu',
    z: [-2, -0.5, 0, 0.5, 2, -1e-10, -30],
    g: [-1.520166468595695, -0.6917581878028714, 0, 0.52535049367774025, 2.101401974710961, -1.7580993407594719e-10, -1.7580993408472123],
    gPrime: [0.23793287225168182, 1.0663411530445055, 1.7580993408473769, 1.0507009873554805, 1.0507009873554805, 1.7580993406715669, 1.6451630773416185e-13],
  },
  {
    kind: 'elu',
    z: [-2, -0.5, 0, 0.5, 2, -1e-10],
    g: [-0.86466471676338731, -0.39346934028736658, 0, 0.5, 2, -9.9999999995e-11],
    gPrime: [0.13533528323661269, 0.60653065971263342, 1, 1, 1, 0.9999999999],
  },
  {
    kind: 'elu',
    p: 0.5,
    z: [-2, -0.5, 0, 0.5, 2, -1e-10],
    g: [-0.43233235838169365, -0.19673467014368329, 0, 0.5, 2, -4.99999999975e-11],
    gPrime: [0.067667641618306346, 0.30326532985631671, 0.5, 1, 1, 0.49999999995],
  },
  {
    kind: 'gelu',
    rel: 3e-14,
    z: [-2, -0.5, 0, 0.5, 2, -5, -10],
    g: [-0.045500263896358414, -0.15426876936299345, 0, 0.34573123063700655, 1.9544997361036416, -1.4332578593959696e-6, -7.6198530241605261e-23],
    gPrime: [-0.085231801078196897, 0.13250487534383716, 0.5, 0.86749512465616284, 1.0852318010781969, -7.1469460017922946e-6, -7.6184000964648141e-22],
  },
];

describe('activation known values (mpmath)', () => {
  for (const { kind, p, rel = 1e-15, z, g, gPrime } of KNOWN) {
    it(`${kind}${p === undefined ? '' : `(${p})`}: g and g' to ${rel} relative`, () => {
      const zz = Float64Array.from(z);
      const a = activationForward(kind, zz, p);
      expectClose(a, g, { abs: 0, rel });
      expectClose(activationBackward(kind, zz, a, zz.map(() => 1), p), gPrime, { abs: 0, rel });
    });
  }
});

describe('activation backward', () => {
  it("relu'(0) = 0, leakyRelu'(0) = slope", () => {
    const z = f64(-1, 0, 1);
    const da = f64(1, 1, 1);
    expect(Array.from(activationBackward('relu', z, activationForward('relu', z), da))).toEqual([0, 0, 1]);
    const al = activationForward('leakyRelu', z, 0.1);
    expect(Array.from(activationBackward('leakyRelu', z, al, da, 0.1))).toEqual([0.1, 0.1, 1]);
    expect(Array.from(activationBackward('identity', z, z, f64(3, 4, 5)))).toEqual([3, 4, 5]);
  });

  it('tanh and sigmoid use the forward output a', () => {
    // A deliberately inconsistent (z, a) pair shows which one is used.
    const z = f64(5);
    const a = f64(0.5);
    expect(activationBackward('tanh', z, a, f64(2))[0]).toBe(2 * (1 - 0.25));
    expect(activationBackward('sigmoid', z, a, f64(2))[0]).toBe(2 * 0.25);
    expect(activationBackward('relu', f64(-1), f64(7), f64(2))[0]).toBe(0);
  });

  it('throws on inconsistent lengths', () => {
    expect(() => activationBackward('relu', f64(1, 2), f64(1), f64(1, 2))).toThrow();
    expect(() => activationBackward('relu', f64(1, 2), f64(1, 2), f64(1))).toThrow();
  });

  for (const kind of KINDS) {
    it(`${kind}: matches a two-sided finite difference`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 20 }), (seed, len) => {
          const rng = new Rng(seed);
          // Keep away from the kink at 0 of relu / leakyRelu.
          const z = uniform(rng, len, -4, 4).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
          const c = uniform(rng, len); // L(z) = Σ c ⊙ g(z), so dA = c
          const slope = 0.07;
          const loss = (x: Float64Array) => dot(c, activationForward(kind, x, slope));
          const dz = activationBackward(kind, z, activationForward(kind, z, slope), c, slope);
          expectClose(dz, numericGrad(loss, z), { abs: 1e-8, rel: 1e-6 });
        }),
        { numRuns: 50 },
      );
    });
  }
});
