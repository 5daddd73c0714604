import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, sigmoidBinaryCrossEntropy, softmax, softmaxCrossEntropy } from '../../src/reference';
import { expectClose, f64, numericGrad, uniform } from './helpers';

/** Random rows of probabilities (soft labels) or one-hot rows. */
function labels(rng: Rng, m: number, n: number, oneHot: boolean): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    if (oneHot) {
      y[i * n + rng.below(n)] = 1;
    } else {
      let s = 0;
      for (let j = 0; j < n; j++) s += (y[i * n + j] = rng.nextF64() + 0.01);
      for (let j = 0; j < n; j++) y[i * n + j] /= s;
    }
  }
  return y;
}

describe('softmax', () => {
  it('hand case: z = [0, ln 2, ln 3] gives [1/6, 2/6, 3/6]', () => {
    expectClose(softmax(f64(0, Math.log(2), Math.log(3)), 3), [1 / 6, 2 / 6, 3 / 6], { abs: 1e-15 });
  });

  it('normalizes each row separately and is stable for huge logits', () => {
    const p = softmax(f64(1000, 1000, -1000, 0, 1e308, 1e308), 2);
    expectClose(p, [0.5, 0.5, 0, 1, 0.5, 0.5], { abs: 1e-15 });
  });

  it('keeps the f32 type and rejects a non-multiple length', () => {
    expect(softmax(Float32Array.of(1, 2), 2)).toBeInstanceOf(Float32Array);
    expect(() => softmax(f64(1, 2, 3), 2)).toThrow();
  });
});

describe('softmaxCrossEntropy', () => {
  it('hand case with known logits', () => {
    // Row 0: z = [1,2,3], y = e3 → −log p = log(e + e² + e³) − 3 = 0.40760596444438013
    // Row 1: z = [1,1,1], y = e1 → −log p = log 3
    const z = f64(1, 2, 3, 1, 1, 1);
    const y = f64(0, 0, 1, 1, 0, 0);
    const { loss, probs, dz } = softmaxCrossEntropy(z, y, 3);
    expect(loss).toBeCloseTo((0.40760596444438013 + 1.0986122886681098) / 2, 15);
    const e = Math.E;
    const s = e + e * e + e * e * e;
    expectClose(probs, [e / s, (e * e) / s, (e * e * e) / s, 1 / 3, 1 / 3, 1 / 3], { abs: 1e-15 });
    expectClose(dz, [e / s / 2, (e * e) / s / 2, ((e * e * e) / s - 1) / 2, (1 / 3 - 1) / 2, 1 / 6, 1 / 6], { abs: 1e-15 });
  });

  it('is finite for huge logits (log-sum-exp)', () => {
    const { loss, dz } = softmaxCrossEntropy(f64(1000, 0), f64(0, 1), 2);
    expect(loss).toBe(1000);
    expectClose(dz, [1, -1], { abs: 0 });
  });

  it('throws when y does not match z', () => {
    expect(() => softmaxCrossEntropy(f64(1, 2), f64(1), 2)).toThrow();
  });

  it('dZ matches a two-sided finite difference of the loss (one-hot and soft labels)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        (seed, m, n, oneHot) => {
          const rng = new Rng(seed);
          const z = uniform(rng, m * n, -3, 3);
          const y = labels(rng, m, n, oneHot);
          const { dz } = softmaxCrossEntropy(z, y, n);
          const num = numericGrad((x) => softmaxCrossEntropy(x, y, n).loss, z);
          expectClose(dz, num, { abs: 1e-8, rel: 1e-6 });
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('sigmoidBinaryCrossEntropy', () => {
  it('hand cases: z = 0, y = 1 gives ln 2; z = 2, y = 0.25 gives the cross-entropy of σ(2)', () => {
    expect(sigmoidBinaryCrossEntropy(f64(0), f64(1), 1).loss).toBeCloseTo(Math.LN2, 15);
    // −0.25·log σ(2) − 0.75·log(1 − σ(2))
    expect(sigmoidBinaryCrossEntropy(f64(2), f64(0.25), 1).loss).toBeCloseTo(1.6269280110429716, 14);
  });

  it('sums over n outputs and averages over m examples', () => {
    // m = 2, n = 2: every element z = 0 costs ln 2, so the loss is 2·ln 2 (not ln 2, not 4·ln 2).
    const { loss, probs, dz } = sigmoidBinaryCrossEntropy(f64(0, 0, 0, 0), f64(1, 0, 0, 1), 2);
    expect(loss).toBeCloseTo(2 * Math.LN2, 15);
    expect(Array.from(probs)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(dz)).toEqual([-0.25, 0.25, 0.25, -0.25]);
  });

  it('is stable at |z| = 1000', () => {
    const { loss, probs, dz } = sigmoidBinaryCrossEntropy(f64(1000, -1000, 1000, -1000), f64(1, 0, 0, 1), 1);
    // Per element: 0, 0, 1000, 1000; mean over m = 4 examples.
    expect(loss).toBe(500);
    expect(Array.from(probs)).toEqual([1, 0, 1, 0]);
    expect(Array.from(dz)).toEqual([0, 0, 0.25, -0.25]);
  });

  it('dZ matches a two-sided finite difference of the loss', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        (seed, m, n) => {
          const rng = new Rng(seed);
          const z = uniform(rng, m * n, -6, 6);
          const y = uniform(rng, m * n, 0, 1);
          const { dz } = sigmoidBinaryCrossEntropy(z, y, n);
          const num = numericGrad((x) => sigmoidBinaryCrossEntropy(x, y, n).loss, z);
          expectClose(dz, num, { abs: 1e-8, rel: 1e-6 });
        },
      ),
      { numRuns: 50 },
    );
  });
});
