// Regression metrics: scikit-learn's documented examples by hand, the mean over all entries
// (Keras/PyTorch 'mean'), R² as scikit-learn's uniform average with force_finite, properties
// on seeded random data, and bad input naming function and argument.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from '../../src/metrics';
import { meanOverEntries, sklearnR2 } from './reference';

const SEED = 4242;

/** m in [2, 30] rows of k in [1, 4] outputs, true and predicted. */
const rowsPair = fc.integer({ min: 1, max: 4 }).chain((k) =>
  fc.integer({ min: 2, max: 30 }).chain((m) => {
    // Hundredths in [−100, 100]: varied values, with repeats and constant columns now and then.
    const row = fc.array(fc.integer({ min: -10000, max: 10000 }).map((v) => v / 100), { minLength: k, maxLength: k });
    return fc.tuple(fc.array(row, { minLength: m, maxLength: m }), fc.array(row, { minLength: m, maxLength: m }));
  }),
);

describe('regression metrics', () => {
  it("reproduce scikit-learn's documented single-output example", () => {
    const yTrue = [3, -0.5, 2, 7];
    const yPred = [2.5, 0, 2, 8];
    expect(meanAbsoluteError(yTrue, yPred)).toBe(0.5);
    expect(meanSquaredError(yTrue, yPred)).toBe(0.375);
    expect(rootMeanSquaredError(yTrue, yPred)).toBe(Math.sqrt(0.375)); // 0.6123…
    // Σ(y − ŷ)² = 1.5, ȳ = 2.875, Σ(y − ȳ)² = 29.1875
    expect(r2Score(yTrue, yPred)).toBeCloseTo(1 - 1.5 / 29.1875, 15); // 0.948608…
  });

  it("reproduce scikit-learn's documented two-output example; RMSE is √ of the all-entry MSE", () => {
    const yTrue = [
      [0.5, 1],
      [-1, 1],
      [7, -6],
    ];
    const yPred = [
      [0, 2],
      [-1, 2],
      [8, -5],
    ];
    expect(meanAbsoluteError(yTrue, yPred)).toBe(0.75);
    expect(meanSquaredError(yTrue, yPred)).toBeCloseTo(0.7083333333333334, 15);
    // Not scikit-learn's root_mean_squared_error (the mean of per-output RMSEs, 0.822…).
    expect(rootMeanSquaredError(yTrue, yPred)).toBeCloseTo(Math.sqrt(4.25 / 6), 15);
    // Per output: 1 − 1.25/36.1667 and 1 − 3/32.6667; scikit-learn prints 0.936…
    expect(r2Score(yTrue, yPred)).toBeCloseTo((1 - 1.25 / (434 / 12)) / 2 + (1 - 3 / (98 / 3)) / 2, 12);
    expect(r2Score(yTrue, yPred)).toBeCloseTo(0.9368, 4);
    // The same data flat with outputs: 2, in f64 and f32 (read exactly as stored).
    const flatTrue = Float64Array.from(yTrue.flat());
    const flatPred = yPred.flat();
    expect(r2Score(flatTrue, flatPred, { outputs: 2 })).toBe(r2Score(yTrue, yPred));
    expect(meanSquaredError(Float32Array.from(flatTrue), Float32Array.from(flatPred), { outputs: 2 })).toBe(
      meanSquaredError(Array.from(flatTrue, Math.fround), flatPred.map(Math.fround)),
    );
    // Without outputs a flat array is one output: the all-entry mean metrics agree, R² does not.
    expect(meanAbsoluteError(flatTrue, flatPred)).toBe(0.75);
  });

  it('R² of a constant target: 1 when predicted exactly, 0 otherwise (force_finite), even when its mean rounds', () => {
    expect(r2Score([0.1, 0.1, 0.1], [0.1, 0.1, 0.1])).toBe(1);
    expect(r2Score([0.1, 0.1, 0.1], [0.1, 0.2, 0.1])).toBe(0);
    // Output 0 constant and exact (1), output 1 perfect (1), averaged uniformly.
    expect(r2Score([[5, 1], [5, 2]], [[5, 1], [5, 2]])).toBe(1);
    expect(r2Score([[5, 1], [5, 2]], [[4, 1], [5, 2]])).toBe(0.5);
    // A prediction worse than the mean is negative, without bound.
    expect(r2Score([0, 1], [1, 0])).toBe(1 - 2 / 0.5);
  });

  it("matches scikit-learn's formulas and Keras's all-entry mean on random data (seeded property)", () => {
    fc.assert(
      fc.property(rowsPair, ([yTrue, yPred]) => {
        const flatTrue = Float64Array.from(yTrue.flat());
        const flatPred = Float64Array.from(yPred.flat());
        const outputs = yTrue[0].length;
        expect(r2Score(yTrue, yPred)).toBeCloseTo(sklearnR2(yTrue, yPred), 9);
        expect(r2Score(flatTrue, flatPred, { outputs })).toBe(r2Score(yTrue, yPred));
        expect(meanAbsoluteError(yTrue, yPred)).toBeCloseTo(meanOverEntries(yTrue, yPred, Math.abs), 9);
        const mse = meanSquaredError(flatTrue, flatPred, { outputs });
        expect(mse).toBeCloseTo(meanOverEntries(yTrue, yPred, (d) => d * d), 8);
        const rmse = rootMeanSquaredError(yTrue, yPred);
        expect(Math.abs(rmse * rmse - mse)).toBeLessThanOrEqual(1e-12 * Math.max(1, mse));
        // The all-entry mean is the mean of the per-output means (every output has m entries).
        const perOutput = Array.from({ length: outputs }, (_, j) =>
          meanAbsoluteError(
            yTrue.map((r) => r[j]),
            yPred.map((r) => r[j]),
          ),
        );
        expect(meanAbsoluteError(yTrue, yPred)).toBeCloseTo(perOutput.reduce((a, b) => a + b, 0) / outputs, 9);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('R² is 1 for a perfect prediction and 0 for predicting each output’s mean; errors are 0 when perfect (seeded property)', () => {
    fc.assert(
      fc.property(rowsPair, ([yTrue]) => {
        const outputs = yTrue[0].length;
        // Spread every output so none is constant.
        const y = yTrue.map((row, i) => row.map((v, j) => v + i * (j + 1)));
        expect(r2Score(y, y)).toBe(1);
        expect(meanAbsoluteError(y, y)).toBe(0);
        expect(rootMeanSquaredError(y, y)).toBe(0);
        const means = Array.from({ length: outputs }, (_, j) => y.reduce((s, row) => s + row[j], 0) / y.length);
        expect(r2Score(y, y.map(() => means))).toBeCloseTo(0, 9);
      }),
      { seed: SEED + 1, numRuns: 300 },
    );
  });

  describe('bad input names the function and the argument', () => {
    it.each([
      ['mae: lengths differ', () => meanAbsoluteError([1, 2, 3], [1, 2]), /^meanAbsoluteError: yPred: has 2 values, expected 3 \(shape \[3, 1\]: one row of 1 per example\)$/],
      ['mae: NaN', () => meanAbsoluteError([1, NaN], [1, 2]), /^meanAbsoluteError: yTrue: element 1 is NaN, expected a finite number$/],
      ['mae: Infinity in yPred', () => meanAbsoluteError([1, 2], Float32Array.from([1, Infinity])), /^meanAbsoluteError: yPred: element 1 is Infinity, expected a finite number$/],
      ['mae: string inside', () => meanAbsoluteError([1, '2'] as never, [1, 2]), /^meanAbsoluteError: yTrue: element 1 is the string '2', expected a finite number$/],
      ['mae: empty', () => meanAbsoluteError([], []), /^meanAbsoluteError: yTrue: is empty; a metric needs at least one example$/],
      ['mae: not an array', () => meanAbsoluteError(3 as never, [1]), /^meanAbsoluteError: yTrue: expected a number\[\], Float32Array or Float64Array .*, got 3$/],
      ['mse: unknown option', () => meanSquaredError([1], [1], { output: 1 } as never), /^meanSquaredError options: unknown option 'output' \(did you mean 'outputs'\?\)$/],
      ['mse: outputs not dividing', () => meanSquaredError([1, 2, 3], [1, 2, 3], { outputs: 2 }), /^meanSquaredError: yTrue: 3 values is not a whole number of rows of 2 \(expected \[m, 2\]\)$/],
      ['mse: outputs 0', () => meanSquaredError([1], [1], { outputs: 0 }), /^meanSquaredError: outputs: must be an integer in \[1, 1000000000\], got 0$/],
      ['rmse: shapes differ', () => rootMeanSquaredError([[1, 2], [3, 4]], [[1], [3]]), /^rootMeanSquaredError: yPred: rows have 1 values, expected 2$/],
      ['rmse: outputs disagree with rows', () => rootMeanSquaredError([[1, 2]], [[1, 2]], { outputs: 3 }), /^rootMeanSquaredError: yTrue: rows have 2 values, expected 3$/],
      ['rmse: ragged rows', () => rootMeanSquaredError([[1, 2], [3]], [[1, 2], [3, 4]]), /^rootMeanSquaredError: yTrue: row 1 has 1 values, expected 2 \(as row 0\)$/],
      ['rmse: a null row', () => rootMeanSquaredError([[1], null] as never, [[1], [2]]), /^rootMeanSquaredError: yTrue: row 1 is null, expected an array of 1 numbers$/],
      ['rmse: NaN in a row', () => rootMeanSquaredError([[1], [2]], [[1], [NaN]]), /^rootMeanSquaredError: yPred: element 1 is NaN/],
      ['r2: one example', () => r2Score([1], [1]), /^r2Score: yTrue: has 1 example; R² needs at least 2/],
      ['r2: one row of two outputs', () => r2Score([1, 2], [1, 2], { outputs: 2 }), /^r2Score: yTrue: has 1 example; R² needs at least 2/],
      ['r2: BigInt', () => r2Score([1n, 2n] as never, [1, 2]), /^r2Score: yTrue: element 0 is a BigInt \(1n\), expected a finite number$/],
    ])('%s', (_label, call, message) => {
      expect(call).toThrow(message);
    });
  });
});
