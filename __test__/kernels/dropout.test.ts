// dropoutForward and dropoutBackward: hand-computed cases, property tests against the reference,
// bad input. Conventions, tolerances and arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { RUNS, f32, f, same, dim, f32Array, magnitude, seedArb, type Kernel, type Case, NAN_INF, BAD_SEEDS, SEED, badInput } from './helpers';

describe('hand-computed', () => {
  it('keeps about keepProb of the elements and scales them by 1/keepProb', () => {
    // 100 000 draws with keepProb 0.8: the kept fraction has σ = √(0.8·0.2/1e5) = 0.00126;
    // allow 5σ ≈ 0.0064. Kept elements are multiplied by f32(1/0.8) = 1.25 (exact), so the
    // mean of Y is ≈ 1 (expected activation unchanged, inverted dropout).
    const len = 100_000;
    const x = new Float32Array(len).fill(1);
    const { y, mask } = N.dropoutForward(x, 0.8, 42);
    let kept = 0;
    let sum = 0;
    for (let i = 0; i < len; i++) {
      expect(mask[i] === 0 || mask[i] === 1.25).toBe(true);
      if (mask[i] !== 0) kept++;
      sum += y[i];
      expect(y[i]).toBe(x[i] * mask[i]);
    }
    expect(Math.abs(kept / len - 0.8)).toBeLessThan(0.0064);
    expect(Math.abs(sum / len - 1)).toBeLessThan(0.0064 * 1.25);
  });

  it('keepProb = 1 returns Y = X and a mask of ones; the same seed gives the same mask', () => {
    const x = f32(1, -2, 3, -4, 5);
    const r = N.dropoutForward(x, 1, 7);
    expect(Array.from(r.y)).toEqual(Array.from(x));
    expect(Array.from(r.mask)).toEqual([1, 1, 1, 1, 1]);
    const big = new Float32Array(1000).fill(1);
    const m1 = N.dropoutForward(big, 0.5, 123).mask;
    const m2 = N.dropoutForward(big, 0.5, 123).mask;
    const m3 = N.dropoutForward(big, 0.5, 124).mask;
    expect(Array.from(m1)).toEqual(Array.from(m2));
    expect(Array.from(m1)).not.toEqual(Array.from(m3));
  });

  it('backward multiplies by the mask: [1,2,3]·[2,0,2] = [2,0,6]', () => {
    expect(Array.from(N.dropoutBackward(f32(1, 2, 3), f32(2, 0, 2)))).toEqual([2, 0, 6]);
  });
});

describe('property: native vs reference', () => {
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

const cases: Partial<Record<Kernel, Case[]>> = {
  dropoutForward: [
    ...[0, -0.1, 1.5, NaN, Infinity, -Infinity, 1 + 2 ** -52].map((p): Case => [`keepProb = ${p}`, () => N.dropoutForward(f(1, 2), p, 1), /\bkeepProb: must be in \(0, 1\], got /]),
    ...BAD_SEEDS.map((seed): Case => [`seed = ${seed}`, () => N.dropoutForward(f(1, 2), 0.5, seed), SEED]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in x`, () => N.dropoutForward(f(1, v), 0.5, 1), new RegExp(`\\bx: element 1 is ${s}`)]),
  ],
  dropoutBackward: [
    ['mask mismatched', () => N.dropoutBackward(f(1, 2, 3), f(1, 1)), /\bmask: expected shape \[1, 3\] \(3 elements\), got 2 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in dy`, () => N.dropoutBackward(f(v, 2), f(1, 1)), new RegExp(`\\bdy: element 0 is ${s}`)]),
  ],
};

badInput('dropout', cases);
