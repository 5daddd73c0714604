import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchNormBackward,
  batchNormForwardInference,
  batchNormForwardTrain,
  batchNormUpdateRunning,
  Rng,
} from '../../src/reference';
import { dot, expectClose, f64, numericGrad, uniform } from './helpers';

describe('batch norm forward (training)', () => {
  // X [4, 2]: column 0 = [1, 2, 3, 4] (mean 2.5, biased var 1.25), column 1 = [2, 2, 2, 2].
  const x = f64(1, 2, 2, 2, 3, 2, 4, 2);
  const eps = 1e-3;

  it('uses the batch mean and the biased variance', () => {
    const { mean, variance, xHat, y } = batchNormForwardTrain(x, f64(1, 1), f64(0, 0), eps);
    expect(Array.from(mean)).toEqual([2.5, 2]);
    expect(Array.from(variance)).toEqual([1.25, 0]); // unbiased would be 5/3
    const s = Math.sqrt(1.25 + eps);
    expectClose(xHat, [-1.5 / s, 0, -0.5 / s, 0, 0.5 / s, 0, 1.5 / s, 0], { abs: 1e-15 });
    expectClose(y, xHat, { abs: 0 });
  });

  it('applies gamma and beta per feature', () => {
    const { xHat, y } = batchNormForwardTrain(x, f64(2, 3), f64(10, -1), eps);
    for (let i = 0; i < 4; i++) {
      expect(y[i * 2]).toBeCloseTo(2 * xHat[i * 2] + 10, 14);
      expect(y[i * 2 + 1]).toBe(-1); // constant column: xHat = 0, y = beta
    }
  });

  it('keeps the f32 type and checks lengths', () => {
    const r = batchNormForwardTrain(Float32Array.from(x), f64(1, 1), f64(0, 0), eps);
    expect(r.y).toBeInstanceOf(Float32Array);
    expect(r.mean).toBeInstanceOf(Float32Array);
    expect(() => batchNormForwardTrain(f64(1, 2, 3), f64(1, 1), f64(0, 0), eps)).toThrow();
    expect(() => batchNormForwardTrain(x, f64(1, 1), f64(0), eps)).toThrow();
  });
});

describe('batch norm inference and running statistics', () => {
  it('normalizes with the running statistics', () => {
    const y = batchNormForwardInference(f64(3, 0, 5, 1), f64(2, 1), f64(1, 0), f64(1, 0), f64(4, 0.25), 0);
    // column 0: 2·(x − 1)/2 + 1 = x; column 1: (x − 0)/0.5
    expect(Array.from(y)).toEqual([3, 0, 5, 2]);
    const ye = batchNormForwardInference(f64(3), f64(1), f64(0), f64(0), f64(0), 1e-3);
    expect(ye[0]).toBeCloseTo(3 / Math.sqrt(1e-3), 12);
  });

  it('running = momentum·running + (1 − momentum)·batch (momentum weights the old value)', () => {
    const rm = f64(0, 10);
    const rv = f64(1, 1);
    batchNormUpdateRunning(rm, rv, f64(1, 0), f64(3, 0.5), 0.9);
    expectClose(rm, [0.1, 9], { abs: 1e-15 });
    expectClose(rv, [1.2, 0.95], { abs: 1e-15 });
    expect(() => batchNormUpdateRunning(rm, rv, f64(1), f64(3, 0.5), 0.9)).toThrow();
  });
});

describe('batch norm backward', () => {
  it('hand case: dBeta = Σ dY, dGamma = Σ dY·xHat', () => {
    const x = f64(1, 2, 3, 4); // [4, 1]
    const { xHat, variance } = batchNormForwardTrain(x, f64(1), f64(0), 0);
    const { dGamma, dBeta, dx } = batchNormBackward(f64(1, 1, 1, 1), xHat, variance, f64(1), 0);
    expect(dBeta[0]).toBe(4);
    expect(dGamma[0]).toBeCloseTo(0, 14);
    // A constant upstream gradient moves every y equally, which normalization undoes: dX = 0.
    expectClose(dx, [0, 0, 0, 0], { abs: 1e-14 });
  });

  it('dX, dGamma and dBeta match two-sided finite differences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (seed, m, n) => {
          const rng = new Rng(seed);
          const x = uniform(rng, m * n, -2, 2);
          const gamma = uniform(rng, n, 0.5, 2);
          const beta = uniform(rng, n, -1, 1);
          const c = uniform(rng, m * n); // L = Σ c ⊙ Y, so dY = c
          const eps = 1e-3;
          const { xHat, variance } = batchNormForwardTrain(x, gamma, beta, eps);
          const { dx, dGamma, dBeta } = batchNormBackward(c, xHat, variance, gamma, eps);
          const tol = { abs: 1e-7, rel: 1e-5 };
          expectClose(dx, numericGrad((v) => dot(c, batchNormForwardTrain(v, gamma, beta, eps).y), x), tol);
          expectClose(dGamma, numericGrad((v) => dot(c, batchNormForwardTrain(x, v, beta, eps).y), gamma), tol);
          expectClose(dBeta, numericGrad((v) => dot(c, batchNormForwardTrain(x, gamma, v, eps).y), beta), tol);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('checks lengths', () => {
    expect(() => batchNormBackward(f64(1, 2), f64(1), f64(1), f64(1), 0)).toThrow();
  });
});
