// Bad input across the whole binding: each export's own cases live in its concept's file
// (gemm.test.ts, bias.test.ts, …, see KERNEL_CONCEPT in helpers.ts); here is what belongs to no
// one kernel — that every export has such cases, that the errors are plain JS Errors, that the
// process survives them, and the integer-argument and allocation limits shared by all kernels.
// Conventions of the bad-input cases: helpers.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import { d, expectArgError, f, KERNEL_CONCEPT } from './helpers';

// A = [[1,2,3],[4,5,6]] (2×3), B = 3×2.
const A = f(1, 2, 3, 4, 5, 6);
const B = f(7, 8, 9, 10, 11, 12);
const G = { m: 2, n: 2, k: 3 };

describe('every native kernel rejects bad input with an Error naming the argument', () => {
  it('covers every export of src/kernels.ts', () => {
    // Every export belongs to a concept whose file gives it bad-input cases: badInput (helpers.ts)
    // refuses to load a concept file whose table misses one of its kernels or has an empty list.
    expect(Object.keys(KERNEL_CONCEPT).sort()).toEqual(Object.keys(N).sort());
    for (const concept of new Set(Object.values(KERNEL_CONCEPT))) {
      const file = join(__dirname, `${concept}.test.ts`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain(`badInput('${concept}', cases);`);
    }
  });

  it('a thrown error is a plain JS Error (instanceof Error) with the argument in its message', () => {
    let caught: unknown;
    try {
      N.gemm(A, f(1, 2, 3), null, G);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(/\bb: expected/);
    expect(() => N.dropoutForward(f(1), 0, 1)).toThrow(Error);
    expect(() => N.dropoutForward(f(1), 0, 1)).toThrow(/keepProb/);
  });
});

describe('after all of the above', () => {
  it('the process is alive and every kernel still works on good input', () => {
    expect(process.pid).toBeGreaterThan(0);
    expect(Array.from(N.gemm(A, B, null, G))).toEqual([58, 64, 139, 154]);
    expect(Array.from(N.gemmF64(d(...A), d(...B), null, G))).toEqual([58, 64, 139, 154]);
    expect(Array.from(N.addBias(A, f(1, 1, 1)))).toEqual([2, 3, 4, 5, 6, 7]);
    expect(Array.from(N.biasGrad(A, 3))).toEqual([5, 7, 9]);
    expect(Array.from(N.activationForward('relu', f(-1, 2)))).toEqual([0, 2]);
    expect(Array.from(N.activationBackward('relu', f(-1, 2), f(0, 2), f(3, 3)))).toEqual([0, 3]);
    expect(N.softmax(f(0, 0), 2)[0]).toBe(0.5);
    expect(N.softmaxCrossEntropy(f(0, 0), f(1, 0), 2).loss).toBeCloseTo(Math.LN2, 6);
    expect(N.sigmoidBinaryCrossEntropy(f(0), f(1), 1).loss).toBeCloseTo(Math.LN2, 12);
    expect(Array.from(N.batchNormForwardTrain(f(1, 3), f(1), f(0), 1e-3).mean)).toEqual([2]);
    expect(N.batchNormBackward(f(1, 1), f(-1, 1), f(1), f(1), 1e-3).dBeta[0]).toBe(2);
    expect(Array.from(N.batchNormForwardInference(f(0), f(1), f(5), f(0), f(1), 1e-3))).toEqual([5]);
    expect(N.batchNormUpdateRunning(f(0), f(1), f(1), f(1), 0.5).runningMean[0]).toBe(0.5);
    expect(Array.from(N.dropoutForward(f(1, 2), 1, 3).y)).toEqual([1, 2]);
    expect(Array.from(N.dropoutBackward(f(1, 2), f(2, 0)))).toEqual([2, 0]);
    expect(Array.from(N.regularizationGrad(f(2), f(0), 1, 0, 2))).toEqual([1]);
    expect(N.regularizationCost(f(2), 1, 0, 2)).toBe(1);
    expect(Array.from(N.optimizerStep(f(1), f(1), null, null, { kind: 'gd', learningRate: 0.5 }).w)).toEqual([0.5]);
    expect(N.rngU32(0, 0, 3)).toHaveLength(3);
    expect(N.rngNormal(0, 0, 3)).toHaveLength(3);
    expect(N.initWeights('zeros', 2, 2, 0)).toHaveLength(4);
  });
});

// Integer arguments are checked by tunenet, not napi's u32 conversion (which wraps −1 to
// 4294967295 and truncates 2.5): a typo must never become a giant allocation that aborts Node.
describe('integer arguments and allocation limits', () => {
  it('rejects negative, fractional and non-finite sizes by name', () => {
    expectArgError(() => N.softmax(f(1, 2, 3, 4), 1.5), /\bn: must be an integer in \[0, 2\^32 − 1\], got 1\.5/);
    expectArgError(() => N.softmax(f(1, 2, 3, 4), -1), /\bn: must be an integer in \[0, 2\^32 − 1\], got -1/);
    expectArgError(() => N.gemm(A, B, null, { m: -1, n: 2, k: 3 }), /\bm: must be an integer/);
    expectArgError(() => N.rngU32(1, 2 ** 32, 2), /\bstream: must be an integer/);
    expectArgError(() => N.initWeights('he', 2.5, 3, 1), /\bnIn: must be an integer/);
  });

  it('refuses outputs too large to allocate before allocating them', () => {
    expectArgError(() => N.gemm(f(), f(), null, { m: 4e9, n: 4e9, k: 0 }), /\bgemm: C would have 4000000000×4000000000 elements/);
    expectArgError(() => N.initWeights('he', 1e5, 1e5, 1), /\bnOut: .*too many/);
  });

  it('checks the dropout mask, names dy, and rejects negative variances', () => {
    expectArgError(() => N.dropoutBackward(f(1), f(NaN)), /\bmask: element 0 is NaN/);
    expectArgError(() => N.batchNormBackward(f(1, 2, 3), f(1, 2), f(1, 1), f(1, 1), 1e-3), /\bdy: expected shape \[m, 2\]/);
    expectArgError(() => N.batchNormBackward(f(1, 2), f(1, 2), f(1, -1), f(1, 1), 1e-3), /\bvariance: element 1 is -1/);
    expectArgError(() => N.batchNormUpdateRunning(f(0), f(1), f(0), f(-2), 0.9), /\bvariance: element 0 is -2/);
  });
});
