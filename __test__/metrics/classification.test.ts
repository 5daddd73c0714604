// accuracy and precisionRecallF1: scikit-learn's documented examples by hand, zero_division = 0
// for absent classes, every average against scikit-learn's formulas (./reference.ts) on seeded
// random labels, the identities between averages, and bad input naming function and argument.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracy, confusionMatrix, precisionRecallF1 } from '../../src/metrics';
import { sklearnScores } from './reference';

const SEED = 20240609;

/** classes in [1, 6], then m in [1, 60] pairs of indices in [0, classes − 1]. */
const labelled = fc.integer({ min: 1, max: 6 }).chain((classes) =>
  fc.integer({ min: 1, max: 60 }).chain((m) =>
    fc.record({
      classes: fc.constant(classes),
      yTrue: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: m, maxLength: m }),
      yPred: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: m, maxLength: m }),
    }),
  ),
);

describe('accuracy', () => {
  it('counts matches by hand, for every accepted array type', () => {
    expect(accuracy([0, 1, 2, 3], [0, 2, 1, 3])).toBe(0.5); // scikit-learn's accuracy_score example
    expect(accuracy(Int32Array.from([1, 1, 0]), Uint8Array.from([1, 0, 0]))).toBeCloseTo(2 / 3, 15);
    expect(accuracy(Float32Array.from([2, 2]), Float64Array.from([2, 2]), { classes: 3 })).toBe(1);
    expect(accuracy(Uint16Array.from([0]), Int8Array.from([1]))).toBe(0);
    expect(accuracy([7], [7])).toBe(1); // without classes, any index ≥ 0 is a class
  });
});

describe('precisionRecallF1', () => {
  // scikit-learn's docs (precision_score, recall_score, f1_score): y_true = [0, 1, 2, 0, 1, 2],
  // y_pred = [0, 2, 1, 0, 0, 1]. Class 0: TP 2, FP 1, FN 0; classes 1 and 2: TP 0.
  const yTrue = [0, 1, 2, 0, 1, 2];
  const yPred = [0, 2, 1, 0, 0, 1];

  it("reproduces scikit-learn's documented example, per class and for every average", () => {
    const none = precisionRecallF1(yTrue, yPred, { classes: 3 });
    expect(none.average).toBe('none');
    expect(Array.from(none.perClass.precision)).toEqual([2 / 3, 0, 0]);
    expect(Array.from(none.perClass.recall)).toEqual([1, 0, 0]);
    expect(Array.from(none.perClass.f1)).toEqual([0.8, 0, 0]);
    expect(Array.from(none.perClass.support)).toEqual([2, 2, 2]);
    expect(none).not.toHaveProperty('f1');

    const macro = precisionRecallF1(yTrue, yPred, { classes: 3, average: 'macro' });
    expect(macro.precision).toBeCloseTo(0.2222222222222222, 15);
    expect(macro.recall).toBeCloseTo(1 / 3, 15);
    expect(macro.f1).toBeCloseTo(0.26666666666666666, 15);
    const weighted = precisionRecallF1(yTrue, yPred, { classes: 3, average: 'weighted' });
    expect(weighted.precision).toBeCloseTo(0.2222222222222222, 15);
    expect(weighted.f1).toBeCloseTo(0.26666666666666666, 15);
    const micro = precisionRecallF1(yTrue, yPred, { classes: 3, average: 'micro' });
    expect([micro.precision, micro.recall, micro.f1].map((v) => +v.toFixed(15))).toEqual([1 / 3, 1 / 3, 1 / 3].map((v) => +v.toFixed(15)));
    expect(Array.from(micro.perClass.f1)).toEqual([0.8, 0, 0]); // per class is always there
  });

  it('zero_division = 0: a class never predicted has precision 0, one never present recall 0 and weight 0', () => {
    // Class 1 is present once but never predicted; class 2 predicted twice, right once; class 3 absent from both.
    const r = precisionRecallF1([0, 1, 2, 0], [0, 2, 2, 0], { classes: 4, average: 'macro' });
    expect(Array.from(r.perClass.precision)).toEqual([1, 0, 0.5, 0]);
    expect(Array.from(r.perClass.recall)).toEqual([1, 0, 1, 0]);
    expect(Array.from(r.perClass.f1)).toEqual([1, 0, 2 / 3, 0]);
    expect(Array.from(r.perClass.support)).toEqual([2, 1, 1, 0]);
    expect(r.precision).toBe((1 + 0 + 0.5 + 0) / 4); // macro counts the absent class 3 as 0
    expect(r.recall).toBe(0.5);
    const w = precisionRecallF1([0, 1, 2, 0], [0, 2, 2, 0], { classes: 4, average: 'weighted' });
    expect(w.precision).toBe((2 * 1 + 1 * 0 + 1 * 0.5 + 0 * 0) / 4);
    expect(w.recall).toBe(0.75);
    expect(w.f1).toBeCloseTo((2 * 1 + 0 + 2 / 3) / 4, 15);
    // A class predicted but never present: precision 0 (TP = 0), recall 0 by zero_division.
    const absent = precisionRecallF1([0, 0], [1, 0], { classes: 2 });
    expect(Array.from(absent.perClass.precision)).toEqual([1, 0]);
    expect(Array.from(absent.perClass.recall)).toEqual([0.5, 0]);
    expect(Array.from(absent.perClass.f1)).toEqual([2 / 3, 0]);
  });

  it("every average matches scikit-learn's formulas on random labels (seeded property)", () => {
    fc.assert(
      fc.property(labelled, ({ classes, yTrue, yPred }) => {
        const ref = sklearnScores(yTrue, yPred, classes);
        const none = precisionRecallF1(yTrue, yPred, { classes });
        for (let c = 0; c < classes; c++) {
          expect(none.perClass.precision[c]).toBeCloseTo(ref.precision[c], 12);
          expect(none.perClass.recall[c]).toBeCloseTo(ref.recall[c], 12);
          expect(none.perClass.f1[c]).toBeCloseTo(ref.f1[c], 12);
          expect(none.perClass.support[c]).toBe(ref.support[c]);
        }
        for (const average of ['macro', 'weighted', 'micro'] as const) {
          const r = precisionRecallF1(Int32Array.from(yTrue), Int32Array.from(yPred), { classes, average });
          expect(r.precision).toBeCloseTo(ref[average].precision, 12);
          expect(r.recall).toBeCloseTo(ref[average].recall, 12);
          expect(r.f1).toBeCloseTo(ref[average].f1, 12);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('macro is the mean of per-class values, weighted uses supports, micro equals accuracy (seeded property)', () => {
    fc.assert(
      fc.property(labelled, ({ classes, yTrue, yPred }) => {
        const macro = precisionRecallF1(yTrue, yPred, { classes, average: 'macro' });
        const weighted = precisionRecallF1(yTrue, yPred, { classes, average: 'weighted' });
        const micro = precisionRecallF1(yTrue, yPred, { classes, average: 'micro' });
        const { f1, recall, support } = macro.perClass;
        expect(macro.f1).toBeCloseTo(f1.reduce((a, b) => a + b, 0) / classes, 12);
        const weightedF1 = f1.reduce((s, v, c) => s + v * support[c], 0) / yTrue.length;
        expect(weighted.f1).toBeCloseTo(weightedF1, 12);
        // Weighted recall is Σ TP_c / m: accuracy again.
        const acc = accuracy(yTrue, yPred);
        expect(weighted.recall).toBeCloseTo(acc, 12);
        expect(micro.f1).toBeCloseTo(acc, 12);
        expect(micro.precision).toBeCloseTo(acc, 12);
        expect(micro.recall).toBeCloseTo(acc, 12);
        for (const v of [...macro.perClass.precision, ...recall, ...f1]) expect(v >= 0 && v <= 1).toBe(true);
        // The diagonal of the confusion matrix is TP per class.
        const cm = confusionMatrix(yTrue, yPred, { classes });
        for (let c = 0; c < classes; c++) expect(cm.matrix[c * classes + c]).toBe(Math.round(recall[c] * support[c]));
      }),
      { seed: SEED + 1, numRuns: 300 },
    );
  });

  it('a perfect prediction scores 1 on every present class and every average', () => {
    const y = [2, 0, 1, 1, 2];
    for (const average of ['macro', 'weighted', 'micro'] as const) {
      const r = precisionRecallF1(y, y, { classes: 3, average });
      expect([r.precision, r.recall, r.f1]).toEqual([1, 1, 1]);
    }
  });
});

describe('bad input names the function and the argument', () => {
  it.each([
    ['accuracy: yTrue not an array', () => accuracy('0,1' as never, [0, 1]), /^accuracy: yTrue: expected class indices .*, got the string '0,1'$/],
    ['accuracy: lengths differ', () => accuracy([0, 1], [0]), /^accuracy: yPred: has 1 entries but yTrue has 2; they must describe the same examples$/],
    ['accuracy: empty', () => accuracy([], []), /^accuracy: yTrue: is empty; a metric needs at least one example$/],
    ['accuracy: non-integer', () => accuracy([0, 1.5], [0, 1]), /^accuracy: yTrue: element 1 is 1\.5, expected a class index \(an integer ≥ 0\)$/],
    ['accuracy: negative', () => accuracy([0, 1], [-1, 1]), /^accuracy: yPred: element 0 is -1, expected a class index \(an integer ≥ 0\)$/],
    ['accuracy: NaN', () => accuracy([NaN], [0]), /^accuracy: yTrue: element 0 is NaN, expected a class index/],
    ['accuracy: a string inside', () => accuracy([0, '1'] as never, [0, 1]), /^accuracy: yTrue: element 1 is the string '1', expected a class index/],
    ['accuracy: out of range', () => accuracy([0, 3], [0, 1], { classes: 3 }), /^accuracy: yTrue: element 1 is 3, expected a class index in \[0, 2\]$/],
    ['accuracy: BigInt64Array', () => accuracy(new BigInt64Array(2) as never, [0, 1]), /^accuracy: yTrue: expected class indices .*, got a BigInt64Array$/],
    ['accuracy: unknown option', () => accuracy([0], [0], { clases: 2 } as never), /^accuracy options: unknown option 'clases' \(did you mean 'classes'\?\)$/],
    ['accuracy: classes 0', () => accuracy([0], [0], { classes: 0 }), /^accuracy: classes: must be an integer in \[1, 1000000\], got 0$/],
    ['precisionRecallF1: classes missing', () => precisionRecallF1([0], [0], {} as never), /^precisionRecallF1: classes: expected an integer in \[1, 1000000\], got undefined$/],
    ['precisionRecallF1: options missing', () => precisionRecallF1([0], [0], undefined as never), /^precisionRecallF1: classes: expected an integer/],
    ['precisionRecallF1: classes 2.5', () => precisionRecallF1([0], [0], { classes: 2.5 }), /^precisionRecallF1: classes: must be an integer in \[1, 1000000\], got 2\.5$/],
    ['precisionRecallF1: bad average', () => precisionRecallF1([0], [0], { classes: 2, average: 'macr' as never }), /^precisionRecallF1: average: expected 'none' \| 'macro' \| 'weighted' \| 'micro', got the string 'macr' \(did you mean 'macro'\?\)$/],
    ['precisionRecallF1: unknown option', () => precisionRecallF1([0], [0], { classes: 2, zero_division: 0 } as never), /^precisionRecallF1 options: unknown option 'zero_division' \(known options: classes, average\)$/],
    ['precisionRecallF1: index ≥ classes', () => precisionRecallF1([0, 1], [0, 2], { classes: 2 }), /^precisionRecallF1: yPred: element 1 is 2, expected a class index in \[0, 1\]$/],
    ['precisionRecallF1: lengths differ', () => precisionRecallF1([0, 1, 1], [0, 1], { classes: 2 }), /^precisionRecallF1: yPred: has 2 entries but yTrue has 3/],
    ['precisionRecallF1: options not an object', () => precisionRecallF1([0], [0], 3 as never), /^precisionRecallF1 options: expected an options object, got 3$/],
  ])('%s', (_label, call, message) => {
    expect(call).toThrow(message);
  });

  it('a detached array is refused; a SharedArrayBuffer one is read from a copy', () => {
    const y = Int32Array.from([0, 1]);
    structuredClone(y.buffer, { transfer: [y.buffer] });
    expect(() => accuracy(y, [0, 1])).toThrow(/^accuracy: yTrue: its ArrayBuffer is detached/);
    const shared = new Int32Array(new SharedArrayBuffer(8));
    shared.set([1, 0]);
    expect(accuracy(shared, [1, 1])).toBe(0.5);
  });
});
