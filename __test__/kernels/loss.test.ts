// softmax, softmaxCrossEntropy and sigmoidBinaryCrossEntropy: hand-computed cases, property
// tests against the reference, bad input. Conventions, tolerances and arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { RUNS, U, U64, TINY, f32, f64, f, close, within, matrix, type Kernel, type Case, NAN_INF, badInput } from './helpers';

describe('hand-computed', () => {
  // z = [1, 2, 3]: e^z / (e + e² + e³) = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219].
  const P = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];

  it('softmax of [1,2,3] and of [1001,1002,1003] (shift invariant, no overflow)', () => {
    close(N.softmax(f32(1, 2, 3, 1001, 1002, 1003), 3), [...P, ...P]);
  });

  it('softmaxCrossEntropy with logits [1,2,3] and label 2', () => {
    // loss = −log p₂ = −log 0.6652409557748219 = 0.4076059644443803; m = 1 so dZ = P − Y
    // = [0.0900306, 0.2447285, −0.3347590].
    const r = N.softmaxCrossEntropy(f32(1, 2, 3), f32(0, 0, 1), 3);
    close(r.loss, 0.4076059644443803);
    close(r.probs, P);
    close(r.dz, [P[0], P[1], P[2] - 1]);
    // Two rows (m = 2): add z = [0,0,0] with label 0 → loss log 3 = 1.0986122886681098;
    // mean (0.4076059644443803 + 1.0986122886681098)/2 = 0.753109126556245; dZ halves.
    const r2 = N.softmaxCrossEntropy(f32(1, 2, 3, 0, 0, 0), f32(0, 0, 1, 1, 0, 0), 3);
    close(r2.loss, 0.753109126556245);
    close(r2.dz, [P[0] / 2, P[1] / 2, (P[2] - 1) / 2, (1 / 3 - 1) / 2, 1 / 6, 1 / 6]);
  });

  it('softmaxCrossEntropy stays finite when the target probability underflows', () => {
    // z = [0, 200], y = [1, 0]: p₀ = e^−200 underflows in f32, but log-sum-exp gives loss 200.
    const r = N.softmaxCrossEntropy(f32(0, 200), f32(1, 0), 2);
    close(r.loss, 200, 1e-4);
    expect(Number.isFinite(r.loss)).toBe(true);
  });

  it('sigmoidBinaryCrossEntropy at z = ±1000 is finite', () => {
    // Per element max(z,0) − z·y + log(1 + e^−|z|) with e^−1000 = 0:
    // z = 1000, y = 1 → 1000 − 1000 + 0 = 0; z = −1000, y = 0 → 0. Mean over m = 2 rows (n = 1): 0.
    const good = N.sigmoidBinaryCrossEntropy(f32(1000, -1000), f32(1, 0), 1);
    expect(good.loss).toBe(0);
    expect(Array.from(good.probs)).toEqual([1, 0]);
    expect(Array.from(good.dz)).toEqual([0, 0]);
    // Wrong labels: z = 1000, y = 0 → 1000; z = −1000, y = 1 → 0 + 1000 + 0 = 1000. Mean 1000;
    // dZ = (σ − y)/m = [(1 − 0)/2, (0 − 1)/2] = [0.5, −0.5].
    const bad = N.sigmoidBinaryCrossEntropy(f32(1000, -1000), f32(0, 1), 1);
    expect(bad.loss).toBe(1000);
    expect(Array.from(bad.dz)).toEqual([0.5, -0.5]);
    // z = 0: log 2 = 0.6931471805599453 whatever y; z = 2, y = 1: log(1 + e^−2) = 0.12692801104297263.
    close(N.sigmoidBinaryCrossEntropy(f32(0, 2), f32(1, 1), 1).loss, (0.6931471805599453 + 0.12692801104297263) / 2);
  });
});

describe('property: native vs reference', () => {
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

const cases: Partial<Record<Kernel, Case[]>> = {
  softmax: [
    ['n = 0', () => N.softmax(f(1, 2), 0), /\bn: must be a positive integer, got 0/],
    ['z not a multiple of n', () => N.softmax(f(1, 2, 3), 2), /\bz: expected shape \[m, 2\] with m ≥ 1, got 3 elements/],
    ['empty z', () => N.softmax(f(), 2), /\bz: expected shape \[m, 2\] with m ≥ 1, got 0 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in z`, () => N.softmax(f(1, v), 2), new RegExp(`\\bz: element 1 is ${s}`)]),
  ],
  softmaxCrossEntropy: [
    ['labels mismatched', () => N.softmaxCrossEntropy(f(1, 2, 3), f(0, 1), 3), /\blabels: expected shape \[1, 3\] \(3 elements\), got 2 elements/],
    ['logits not a multiple of n', () => N.softmaxCrossEntropy(f(1, 2, 3), f(1, 0, 0), 2), /\blogits: expected shape \[m, 2\] with m ≥ 1, got 3 elements/],
    ['n = 0', () => N.softmaxCrossEntropy(f(1), f(1), 0), /\bn: must be a positive integer, got 0/],
    ['empty logits', () => N.softmaxCrossEntropy(f(), f(), 3), /\blogits: expected shape \[m, 3\]/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in logits`, () => N.softmaxCrossEntropy(f(1, v), f(1, 0), 2), new RegExp(`\\blogits: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in labels`, () => N.softmaxCrossEntropy(f(1, 2), f(v, 0), 2), new RegExp(`\\blabels: element 0 is ${s}`)]),
  ],
  sigmoidBinaryCrossEntropy: [
    ['labels mismatched', () => N.sigmoidBinaryCrossEntropy(f(1, 2), f(1), 1), /\blabels: expected shape \[2, 1\] \(2 elements\), got 1 elements/],
    ['logits not a multiple of n', () => N.sigmoidBinaryCrossEntropy(f(1, 2, 3), f(1, 0, 1), 2), /\blogits: expected shape \[m, 2\]/],
    ['n = 0', () => N.sigmoidBinaryCrossEntropy(f(1), f(1), 0), /\bn: must be a positive integer, got 0/],
    ['empty logits', () => N.sigmoidBinaryCrossEntropy(f(), f(), 1), /\blogits: expected shape \[m, 1\] with m ≥ 1, got 0 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in logits`, () => N.sigmoidBinaryCrossEntropy(f(v), f(1), 1), new RegExp(`\\blogits: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in labels`, () => N.sigmoidBinaryCrossEntropy(f(1, 2), f(0, v), 1), new RegExp(`\\blabels: element 1 is ${s}`)]),
  ],
};

badInput('loss', cases);
