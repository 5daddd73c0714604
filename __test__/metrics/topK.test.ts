// topKAccuracy: scikit-learn's documented example, ties counted as TensorFlow's in_top_k does
// (fewer than k classes strictly higher), against the reference on seeded random scores with
// many ties, and bad input naming function and argument.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracy, topKAccuracy } from '../../src/metrics';
import { inTopK } from './reference';

const SEED = 31337;

describe('topKAccuracy', () => {
  it("reproduces scikit-learn's documented example (0.75 for k = 2)", () => {
    const scores = [
      [0.5, 0.2, 0.2],
      [0.3, 0.4, 0.2],
      [0.2, 0.4, 0.3],
      [0.7, 0.2, 0.1],
    ];
    const yTrue = [0, 1, 2, 2];
    expect(topKAccuracy(scores, yTrue, 2)).toBe(0.75);
    expect(topKAccuracy(Float32Array.from(scores.flat()), Int32Array.from(yTrue), 2)).toBe(0.75);
    expect(topKAccuracy(scores, yTrue, 1)).toBe(0.5);
    expect(topKAccuracy(scores, yTrue, 3)).toBe(1);
  });

  it('ties at the k-th place all count as in the top k', () => {
    const row = [0.4, 0.3, 0.3];
    expect(topKAccuracy(row, [1], 2)).toBe(1);
    expect(topKAccuracy(row, [2], 2)).toBe(1);
    expect(topKAccuracy(row, [2], 1)).toBe(0);
    // Every score equal: every class is in the top 1.
    for (let c = 0; c < 4; c++) expect(topKAccuracy(new Float32Array(4).fill(0.25), [c], 1)).toBe(1);
  });

  it('only the order matters: logits give what probabilities give', () => {
    const logits = Float32Array.from([2, -1, 0.5, -3, 4, 1]);
    const probabilities = Float32Array.from(logits, (v, i) => {
      const row = logits.subarray(Math.floor(i / 3) * 3, Math.floor(i / 3) * 3 + 3);
      return Math.exp(v) / row.reduce((s, x) => s + Math.exp(x), 0);
    });
    for (const k of [1, 2, 3]) expect(topKAccuracy(logits, [2, 0], k)).toBe(topKAccuracy(probabilities, [2, 0], k));
  });

  it('matches in_top_k on random scores with ties; k = 1 without ties is argmax accuracy; monotone in k (seeded property)', () => {
    const data = fc.integer({ min: 1, max: 6 }).chain((classes) =>
      fc.integer({ min: 1, max: 40 }).chain((m) =>
        fc.record({
          classes: fc.constant(classes),
          // Scores from a handful of values, so ties are frequent.
          scores: fc.array(fc.integer({ min: 0, max: 4 }).map((v) => v / 4), { minLength: m * classes, maxLength: m * classes }),
          yTrue: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: m, maxLength: m }),
        }),
      ),
    );
    fc.assert(
      fc.property(data, ({ classes, scores, yTrue }) => {
        const rows = yTrue.map((_, i) => scores.slice(i * classes, (i + 1) * classes));
        let previous = 0;
        for (let k = 1; k <= classes; k++) {
          const value = topKAccuracy(Float64Array.from(scores), yTrue, k);
          expect(value).toBe(inTopK(rows, yTrue, k));
          expect(value).toBeGreaterThanOrEqual(previous);
          previous = value;
        }
        expect(previous).toBe(1); // k = classes
        // Break ties by adding a tiny per-class offset: then top-1 is the accuracy of argmax.
        const distinct = rows.map((row) => row.map((v, j) => v + j * 1e-6));
        const argmax = distinct.map((row) => row.indexOf(Math.max(...row)));
        expect(topKAccuracy(distinct, yTrue, 1)).toBeCloseTo(accuracy(yTrue, argmax), 15);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  describe('bad input names the function and the argument', () => {
    const p = [0.1, 0.9, 0.6, 0.4];
    it.each([
      ['k = 0', () => topKAccuracy(p, [1, 0], 0), /^topKAccuracy: k: must be an integer in \[1, 2\] \(the number of classes\), got 0$/],
      ['k > classes', () => topKAccuracy(p, [1, 0], 3), /^topKAccuracy: k: must be an integer in \[1, 2\] \(the number of classes\), got 3$/],
      ['k not an integer', () => topKAccuracy(p, [1, 0], 1.5), /^topKAccuracy: k: must be an integer in \[1, 2\]/],
      ['k a string', () => topKAccuracy(p, [1, 0], '1' as never), /^topKAccuracy: k: expected an integer in \[1, 2\] \(the number of classes\), got the string '1'$/],
      ['probabilities not a whole number of rows', () => topKAccuracy([0.1, 0.9, 0.5], [1, 0], 1), /^topKAccuracy: probabilities: 3 values is not a whole number of rows for 2 examples \(expected \[2, k\]\)$/],
      ['probabilities NaN', () => topKAccuracy([0.1, NaN, 0.6, 0.4], [1, 0], 1), /^topKAccuracy: probabilities: element 1 \(row 0, column 1\) is NaN, expected a finite number$/],
      ['probabilities rows ragged', () => topKAccuracy([[0.1, 0.9], [0.5]], [1, 0], 1), /^topKAccuracy: probabilities: row 1 has 1 values, expected 2 \(as row 0\)$/],
      ['probabilities too few rows', () => topKAccuracy([[0.1, 0.9]], [1, 0], 1), /^topKAccuracy: probabilities: has 1 rows, expected 2 \(one per example\)$/],
      ['probabilities empty', () => topKAccuracy(new Float32Array(0), [1], 1), /^topKAccuracy: probabilities: is empty/],
      ['probabilities a string', () => topKAccuracy('0.5' as never, [0], 1), /^topKAccuracy: probabilities: expected a number\[\], Float32Array or Float64Array .*, got the string '0\.5'$/],
      ['yTrue ≥ classes', () => topKAccuracy(p, [1, 2], 1), /^topKAccuracy: yTrue: element 1 is 2, expected a class index in \[0, 1\] \(probabilities has 2 columns\)$/],
      ['yTrue non-integer', () => topKAccuracy(p, [0.5, 1], 1), /^topKAccuracy: yTrue: element 0 is 0\.5, expected a class index/],
      ['yTrue empty', () => topKAccuracy(p, [], 1), /^topKAccuracy: yTrue: is empty/],
    ])('%s', (_label, call, message) => {
      expect(call).toThrow(message);
    });
  });
});
