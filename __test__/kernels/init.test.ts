// initWeights, every initializer: hand-computed cases, property tests against the reference,
// bad input. Conventions, tolerances and arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { RUNS, U, close, within, same, dim, seedArb, type Kernel, type Case, BAD_SEEDS, SEED, badInput } from './helpers';

describe('hand-computed', () => {
  it('initWeights: zeros is zero; he has std √(2/nIn) (400×300 draws, sample std within 2%)', () => {
    expect(N.initWeights('zeros', 3, 4, 1).every((x) => x === 0)).toBe(true);
    // 120 000 draws: the relative standard error of the sample std is 1/√(2·120000) ≈ 0.2%.
    const w = N.initWeights('he', 400, 300, 2024);
    let s = 0;
    let s2 = 0;
    for (const x of w) {
      s += x;
      s2 += x * x;
    }
    const mean = s / w.length;
    const std = Math.sqrt(s2 / w.length - mean * mean);
    expect(Math.abs(std / Math.sqrt(2 / 400) - 1)).toBeLessThan(0.02);
    // random with scale 0.5 is 0.5·N(0,1), i.e. 50× the default scale 0.01 draw for draw.
    const r1 = N.initWeights('random', 5, 5, 9);
    const r2 = N.initWeights('random', 5, 5, 9, 0.5);
    close(Array.from(r1).map((x) => x * 50), r2, 1e-6);
  });
});

describe('property: native vs reference', () => {
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

const cases: Partial<Record<Kernel, Case[]>> = {
  initWeights: [
    ...['orthogonal', 'He', ''].map((init): Case => [`init '${init}'`, () => N.initWeights(init, 2, 2, 1), new RegExp(`\\binit: unknown initializer '${init}', expected ${R.INIT_KINDS.join(' \\| ')}$`)]),
    ['nIn = 0', () => N.initWeights('he', 0, 3, 1), /\bnIn: must be a positive integer, got 0/],
    ['nOut = 0 (units 0)', () => N.initWeights('glorot', 3, 0, 1), /\bnOut: must be a positive integer, got 0/],
    ...BAD_SEEDS.map((seed): Case => [`seed = ${seed}`, () => N.initWeights('xavier', 2, 2, seed), SEED]),
    ...[-1, NaN, Infinity].map((scale): Case => [`random scale = ${scale}`, () => N.initWeights('random', 2, 2, 1, scale), /\bscale: must be a finite number ≥ 0, got /]),
  ],
};

badInput('init', cases);
