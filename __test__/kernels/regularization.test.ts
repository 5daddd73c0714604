// L2/L1 regularization (regularizationGrad, regularizationCost): hand-computed cases, property
// tests against the reference, bad input. Conventions, tolerances and arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { RUNS, U, TINY, f32, f64, f, close, within, same, dim, f32Array, magnitude, hyperparameter, type Kernel, type Case, NAN_INF, badInput } from './helpers';

describe('hand-computed', () => {
  // W = [1, −2, 0, 3]: Σ W² = 14, Σ|W| = 6; m = 2.
  const W = f32(1, -2, 0, 3);

  it('L2: cost λ/(2m)·ΣW², gradient (λ/m)·W', () => {
    // λ = 0.5: cost 0.5/4·14 = 1.75; grad 0.25·W = [0.25, −0.5, 0, 0.75], added to dW = 1.
    expect(N.regularizationCost(W, 0.5, 0, 2)).toBeCloseTo(1.75, 12);
    close(N.regularizationGrad(W, f32(0, 0, 0, 0), 0.5, 0, 2), [0.25, -0.5, 0, 0.75]);
    close(N.regularizationGrad(W, f32(1, 1, 1, 1), 0.5, 0, 2), [1.25, 0.5, 1, 1.75]);
  });

  it('L1: cost λ/m·Σ|W|, gradient (λ/m)·sign(W) with sign(0) = 0 (also −0)', () => {
    // λ = 0.4: cost 0.2·6 = 1.2; grad 0.2·sign(W) = [0.2, −0.2, 0, 0.2].
    expect(N.regularizationCost(W, 0, 0.4, 2)).toBeCloseTo(1.2, 12);
    close(N.regularizationGrad(W, f32(0, 0, 0, 0), 0, 0.4, 2), [0.2, -0.2, 0, 0.2]);
    expect(N.regularizationGrad(f32(0, -0), f32(0, 0), 0, 0.4, 2)[0]).toBe(0);
    expect(N.regularizationGrad(f32(0, -0), f32(0, 0), 0, 0.4, 2)[1]).toBe(0);
  });

  it('L2 and L1 together add up; λ = 0 changes nothing', () => {
    // 1.75 + 1.2 = 2.95; grad 0.25·W + 0.2·sign(W) = [0.45, −0.7, 0, 0.95].
    expect(N.regularizationCost(W, 0.5, 0.4, 2)).toBeCloseTo(2.95, 12);
    close(N.regularizationGrad(W, f32(0, 0, 0, 0), 0.5, 0.4, 2), [0.45, -0.7, 0, 0.95]);
    expect(N.regularizationCost(W, 0, 0, 2)).toBe(0);
    expect(Array.from(N.regularizationGrad(W, f32(1, 2, 3, 4), 0, 0, 2))).toEqual([1, 2, 3, 4]);
  });
});

describe('property: native vs reference', () => {
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

const cases: Partial<Record<Kernel, Case[]>> = {
  regularizationGrad: [
    ['dw mismatched', () => N.regularizationGrad(f(1, 2), f(1), 0.1, 0, 1), /\bdw: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ...[-0.1, NaN, Infinity].map((l): Case => [`l2 = ${l}`, () => N.regularizationGrad(f(1), f(1), l, 0, 1), /\bl2: must be a finite number ≥ 0, got /]),
    ...[-0.5, NaN, Infinity].map((l): Case => [`l1 = ${l}`, () => N.regularizationGrad(f(1), f(1), 0, l, 1), /\bl1: must be a finite number ≥ 0, got /]),
    ['m = 0', () => N.regularizationGrad(f(1), f(1), 0.1, 0, 0), /\bm: must be a positive integer, got 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in w`, () => N.regularizationGrad(f(1, v), f(1, 1), 0.1, 0, 1), new RegExp(`\\bw: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in dw`, () => N.regularizationGrad(f(1, 1), f(v, 1), 0.1, 0, 1), new RegExp(`\\bdw: element 0 is ${s}`)]),
  ],
  regularizationCost: [
    ...[-1, NaN, Infinity].map((l): Case => [`l2 = ${l}`, () => N.regularizationCost(f(1), l, 0, 1), /\bl2: must be a finite number ≥ 0, got /]),
    ...[-1, NaN, -Infinity].map((l): Case => [`l1 = ${l}`, () => N.regularizationCost(f(1), 0, l, 1), /\bl1: must be a finite number ≥ 0, got /]),
    ['m = 0', () => N.regularizationCost(f(1), 0.1, 0.1, 0), /\bm: must be a positive integer, got 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in w`, () => N.regularizationCost(f(v), 0.1, 0, 1), new RegExp(`\\bw: element 0 is ${s}`)]),
  ],
};

badInput('regularization', cases);
