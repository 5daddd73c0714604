// addBias and biasGrad: hand-computed cases, property tests against the reference, bad input.
// Conventions, tolerances and arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { RUNS, U, TINY, f32, f64, f, within, same, f32Array, matrix, type Kernel, type Case, NAN_INF, badInput } from './helpers';

describe('hand-computed', () => {
  // A = [[1,2,3],[4,5,6]] (2×3).
  const A = f32(1, 2, 3, 4, 5, 6);

  it('addBias broadcasts over rows, biasGrad sums columns', () => {
    // [[1,2,3],[4,5,6]] + [10,20,30] = [[11,22,33],[14,25,36]]; column sums of A: [5, 7, 9].
    expect(Array.from(N.addBias(A, f32(10, 20, 30)))).toEqual([11, 22, 33, 14, 25, 36]);
    expect(Array.from(N.biasGrad(A, 3))).toEqual([5, 7, 9]);
    // As [3, 2]: columns [1,3,5] and [2,4,6] → [9, 12].
    expect(Array.from(N.biasGrad(A, 2))).toEqual([9, 12]);
  });
});

describe('property: native vs reference', () => {
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

const cases: Partial<Record<Kernel, Case[]>> = {
  addBias: [
    ['z not a multiple of bias.length', () => N.addBias(f(1, 2, 3, 4), f(1, 2, 3)), /\bz: expected shape \[m, 3\] with m ≥ 1, got 4 elements/],
    ['empty z (m = 0)', () => N.addBias(f(), f(1, 2)), /\bz: expected shape \[m, 2\] with m ≥ 1, got 0 elements/],
    ['empty bias (units 0)', () => N.addBias(f(1, 2), f()), /\bbias: must be a positive integer, got 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in z`, () => N.addBias(f(1, v), f(1, 2)), new RegExp(`\\bz: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in bias`, () => N.addBias(f(1, 2), f(v, 2)), new RegExp(`\\bbias: element 0 is ${s}`)]),
  ],
  biasGrad: [
    ['n = 0', () => N.biasGrad(f(1, 2), 0), /\bn: must be a positive integer, got 0/],
    ['dz not a multiple of n', () => N.biasGrad(f(1, 2, 3, 4, 5), 2), /\bdz: expected shape \[m, 2\] with m ≥ 1, got 5 elements/],
    ['empty dz', () => N.biasGrad(f(), 3), /\bdz: expected shape \[m, 3\]/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in dz`, () => N.biasGrad(f(1, 2, v, 4), 2), new RegExp(`\\bdz: element 2 is ${s}`)]),
  ],
};

badInput('bias', cases);
