// Batch normalization (forward train, backward, inference, running statistics): hand-computed
// cases, property tests against the reference, bad input. Conventions, tolerances and
// arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { RUNS, U, TINY, type Num, f32, f64, f, close, within, dim, f32Array, f32NonNeg, magnitude, hyperparameter, type Kernel, type Case, NAN_INF, badInput } from './helpers';

describe('hand-computed', () => {
  // X = [[1, 2], [3, 6]] (m = 2, n = 2), eps = 1e-3.
  // Column 0: mean 2, biased var ((−1)² + 1²)/2 = 1, xHat = ∓1/√1.001 = ∓0.9995003746877732.
  // Column 1: mean 4, biased var ((−2)² + 2²)/2 = 4, xHat = ∓2/√4.001 = ∓0.9998750234326181.
  const X = f32(1, 2, 3, 6);
  const a = 0.9995003746877732;
  const b = 0.9998750234326181;
  const eps = 1e-3;

  it('forward train: mean, biased variance, xHat, y = γ·xHat + β', () => {
    const r = N.batchNormForwardTrain(X, f32(1, 1), f32(0, 0), eps);
    close(r.mean, [2, 4]);
    close(r.variance, [1, 4]);
    close(r.xHat, [-a, -b, a, b]);
    close(r.y, [-a, -b, a, b]);
    // γ = [2, 0.5], β = [1, −1]: y = [1 − 2a, −1 − 0.5b, 1 + 2a, −1 + 0.5b].
    const r2 = N.batchNormForwardTrain(X, f32(2, 0.5), f32(1, -1), eps);
    close(r2.y, [1 - 2 * a, -1 - 0.5 * b, 1 + 2 * a, -1 + 0.5 * b]);
  });

  it('backward: dBeta = Σdy, dGamma = Σdy·xHat, dX = γ/(m√(var+ε))·(m·dy − dBeta − xHat·dGamma)', () => {
    const { xHat, variance } = N.batchNormForwardTrain(X, f32(1, 1), f32(0, 0), eps);
    // dy = [[1, 0], [0, 0]]: dBeta = [1, 0], dGamma = [−a, 0].
    // Column 0 with c = 1/(2√1.001): dx₀₀ = c·(2·1 − 1 − (−a)(−a)) = c·(1 − a²), and
    // a² = 1/1.001 so 1 − a² = 0.001/1.001: dx₀₀ = 0.001/(2·1.001·√1.001) = 4.9925137e-4;
    // dx₁₀ = c·(0 − 1 − a·(−a)) = −dx₀₀. Column 1: dy = 0 → dx = 0.
    const g = N.batchNormBackward(f32(1, 0, 0, 0), xHat, variance, f32(1, 1), eps);
    const d00 = 0.001 / (2 * 1.001 * Math.sqrt(1.001));
    close(g.dBeta, [1, 0]);
    close(g.dGamma, [-a, 0]);
    // Tolerance 1e-7, not 1e-6 nor 1e-9: inner = 2 − 1 − a² cancels down to 1e-3 while a² (a
    // itself f32-rounded) carries ~2^-24 absolute error, so dx is off by ~c·2^-23 ≈ 3e-8 in f32.
    close(g.dx, [d00, 0, -d00, 0], 1e-7);
    // dy = xHat: dBeta = 0, dGamma = Σ xHat² = [2a², 2b²]; dx = xHat·(1 − a²)/√(var+ε) per column:
    // column 0: ∓0.001/1.001², column 1: ∓0.002/4.001².
    const g2 = N.batchNormBackward(xHat, xHat, variance, f32(1, 1), eps);
    close(g2.dBeta, [0, 0]);
    close(g2.dGamma, [2 * a * a, 2 * b * b]);
    close(g2.dx, [-0.001 / 1.001 ** 2, -0.002 / 4.001 ** 2, 0.001 / 1.001 ** 2, 0.002 / 4.001 ** 2], 1e-7);
    // A constant dy shifts every example equally: dx = 0.
    close(N.batchNormBackward(f32(3, 3, 3, 3), xHat, variance, f32(1, 1), eps).dx, [0, 0, 0, 0]);
  });

  it('inference with running statistics equal to the batch statistics reproduces the train output', () => {
    const y = N.batchNormForwardInference(X, f32(2, 0.5), f32(1, -1), f32(2, 4), f32(1, 4), eps);
    close(y, [1 - 2 * a, -1 - 0.5 * b, 1 + 2 * a, -1 + 0.5 * b]);
  });

  it('running statistics: running = momentum·running + (1 − momentum)·batch (momentum weights the old value)', () => {
    // rm = 0.9·[0, 0] + 0.1·[2, 4] = [0.2, 0.4]; rv = 0.9·[1, 1] + 0.1·[1, 4] = [1, 1.3].
    const r = N.batchNormUpdateRunning(f32(0, 0), f32(1, 1), f32(2, 4), f32(1, 4), 0.9);
    close(r.runningMean, [0.2, 0.4]);
    close(r.runningVar, [1, 1.3]);
    // momentum 0.99 (Keras's default): rm = 0.01·[2, 4] = [0.02, 0.04].
    close(N.batchNormUpdateRunning(f32(0, 0), f32(1, 1), f32(2, 4), f32(1, 4), 0.99).runningMean, [0.02, 0.04]);
  });
});

describe('property: native vs reference', () => {
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

const cases: Partial<Record<Kernel, Case[]>> = {
  batchNormForwardTrain: [
    ['empty gamma (units 0)', () => N.batchNormForwardTrain(f(1, 2), f(), f(), 1e-3), /\bgamma: must be a positive integer, got 0/],
    ['beta mismatched', () => N.batchNormForwardTrain(f(1, 2, 3, 4), f(1, 1), f(0), 1e-3), /\bbeta: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['x not a multiple of gamma.length', () => N.batchNormForwardTrain(f(1, 2, 3), f(1, 1), f(0, 0), 1e-3), /\bx: expected shape \[m, 2\] with m ≥ 1, got 3 elements/],
    ['empty x (m = 0)', () => N.batchNormForwardTrain(f(), f(1), f(0), 1e-3), /\bx: expected shape \[m, 1\] with m ≥ 1, got 0 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in x`, () => N.batchNormForwardTrain(f(1, v), f(1), f(0), 1e-3), new RegExp(`\\bx: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in gamma`, () => N.batchNormForwardTrain(f(1, 2), f(v), f(0), 1e-3), new RegExp(`\\bgamma: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in beta`, () => N.batchNormForwardTrain(f(1, 2), f(1), f(v), 1e-3), new RegExp(`\\bbeta: element 0 is ${s}`)]),
    ...[0, -0, -1e-3, NaN, Infinity].map((eps): Case => [`eps = ${eps}`, () => N.batchNormForwardTrain(f(1, 2), f(1), f(0), eps), /\beps: must be a finite number > 0, got /]),
  ],
  batchNormBackward: [
    ['xHat mismatched', () => N.batchNormBackward(f(1, 2, 3, 4), f(1, 2), f(1, 1), f(1, 1), 1e-3), /\bxHat: expected shape \[2, 2\] \(4 elements\), got 2 elements/],
    ['variance mismatched', () => N.batchNormBackward(f(1, 2), f(1, 2), f(1), f(1, 1), 1e-3), /\bvariance: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['empty gamma (units 0)', () => N.batchNormBackward(f(1), f(1), f(), f(), 1e-3), /\bgamma: must be a positive integer, got 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in xHat`, () => N.batchNormBackward(f(1, 2), f(1, v), f(1, 1), f(1, 1), 1e-3), new RegExp(`\\bxHat: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in variance`, () => N.batchNormBackward(f(1, 2), f(1, 2), f(v, 1), f(1, 1), 1e-3), new RegExp(`\\bvariance: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in gamma`, () => N.batchNormBackward(f(1, 2), f(1, 2), f(1, 1), f(1, v), 1e-3), new RegExp(`\\bgamma: element 1 is ${s}`)]),
    ...[0, -1, NaN].map((eps): Case => [`eps = ${eps}`, () => N.batchNormBackward(f(1), f(1), f(1), f(1), eps), /\beps: must be a finite number > 0/]),
  ],
  batchNormForwardInference: [
    ['runningMean mismatched', () => N.batchNormForwardInference(f(1, 2), f(1, 1), f(0, 0), f(0), f(1, 1), 1e-3), /\brunningMean: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['runningVar mismatched', () => N.batchNormForwardInference(f(1, 2), f(1, 1), f(0, 0), f(0, 0), f(1, 1, 1), 1e-3), /\brunningVar: expected shape \[1, 2\] \(2 elements\), got 3 elements/],
    ['beta mismatched', () => N.batchNormForwardInference(f(1, 2), f(1, 1), f(0), f(0, 0), f(1, 1), 1e-3), /\bbeta: expected shape \[1, 2\]/],
    ['x not a multiple of gamma.length', () => N.batchNormForwardInference(f(1, 2, 3), f(1, 1), f(0, 0), f(0, 0), f(1, 1), 1e-3), /\bx: expected shape \[m, 2\]/],
    ['empty gamma (units 0)', () => N.batchNormForwardInference(f(1), f(), f(), f(), f(), 1e-3), /\bgamma: must be a positive integer, got 0/],
    ['negative runningVar', () => N.batchNormForwardInference(f(1, 2), f(1, 1), f(0, 0), f(0, 0), f(1, -0.5), 1e-3), /\brunningVar: element 1 is -0\.5, a variance cannot be negative/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in x`, () => N.batchNormForwardInference(f(v), f(1), f(0), f(0), f(1), 1e-3), new RegExp(`\\bx: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in runningMean`, () => N.batchNormForwardInference(f(1), f(1), f(0), f(v), f(1), 1e-3), new RegExp(`\\brunningMean: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in runningVar`, () => N.batchNormForwardInference(f(1), f(1), f(0), f(0), f(v), 1e-3), new RegExp(`\\brunningVar: element 0 is ${s}`)]),
    ...[0, -1, NaN].map((eps): Case => [`eps = ${eps}`, () => N.batchNormForwardInference(f(1), f(1), f(0), f(0), f(1), eps), /\beps: must be a finite number > 0/]),
  ],
  batchNormUpdateRunning: [
    ['runningVar mismatched', () => N.batchNormUpdateRunning(f(0, 0), f(1), f(1, 2), f(1, 2), 0.9), /\brunningVar: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['mean mismatched', () => N.batchNormUpdateRunning(f(0, 0), f(1, 1), f(1), f(1, 2), 0.9), /\bmean: expected shape \[1, 2\]/],
    ['variance mismatched', () => N.batchNormUpdateRunning(f(0, 0), f(1, 1), f(1, 2), f(1, 2, 3), 0.9), /\bvariance: expected shape \[1, 2\]/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in mean`, () => N.batchNormUpdateRunning(f(0), f(1), f(v), f(1), 0.9), new RegExp(`\\bmean: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in runningVar`, () => N.batchNormUpdateRunning(f(0), f(v), f(1), f(1), 0.9), new RegExp(`\\brunningVar: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in variance`, () => N.batchNormUpdateRunning(f(0), f(1), f(1), f(v), 0.9), new RegExp(`\\bvariance: element 0 is ${s}`)]),
    ...[1.5, -0.1, NaN, Infinity].map((mo): Case => [`momentum = ${mo}`, () => N.batchNormUpdateRunning(f(0), f(1), f(1), f(1), mo), /\bmomentum: must be in \[0, 1\], got /]),
  ],
};

badInput('batchNorm', cases);
