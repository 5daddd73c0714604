// confusionMatrix: rows = true class, columns = predicted (scikit-learn), checked by hand and by
// the identities every confusion matrix satisfies; bad input names function and argument.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, MAX_CONFUSION_CLASSES } from '../../src/metrics';
import { confusionRows } from './reference';

const SEED = 7001;

function rows(matrix: Int32Array, classes: number): number[][] {
  return Array.from({ length: classes }, (_, t) => Array.from(matrix.subarray(t * classes, (t + 1) * classes)));
}

describe('confusionMatrix', () => {
  it("reproduces scikit-learn's documented example (rows = true class, columns = predicted)", () => {
    // confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]) → [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
    const cm = confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], { classes: 3 });
    expect(cm.classes).toBe(3);
    expect(cm.matrix).toBeInstanceOf(Int32Array);
    expect(rows(cm.matrix, 3)).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
  });

  it('keeps rows and columns for classes that never occur, and takes typed arrays', () => {
    const cm = confusionMatrix(Uint8Array.from([0, 0]), Float64Array.from([0, 2]), { classes: 4 });
    expect(rows(cm.matrix, 4)).toEqual([
      [1, 0, 1, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(Array.from(confusionMatrix([0], [0], { classes: 1 }).matrix)).toEqual([1]);
  });

  it('matches the reference count; rows sum to supports, columns to predictions, the total to m (seeded property)', () => {
    const data = fc.integer({ min: 1, max: 7 }).chain((classes) =>
      fc.integer({ min: 1, max: 80 }).chain((m) =>
        fc.tuple(
          fc.constant(classes),
          fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: m, maxLength: m }),
          fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: m, maxLength: m }),
        ),
      ),
    );
    fc.assert(
      fc.property(data, ([classes, yTrue, yPred]) => {
        const r = rows(confusionMatrix(yTrue, yPred, { classes }).matrix, classes);
        expect(r).toEqual(confusionRows(yTrue, yPred, classes));
        for (let c = 0; c < classes; c++) {
          expect(r[c].reduce((a, b) => a + b, 0)).toBe(yTrue.filter((t) => t === c).length);
          expect(r.reduce((s, row) => s + row[c], 0)).toBe(yPred.filter((p) => p === c).length);
        }
        expect(r.flat().reduce((a, b) => a + b, 0)).toBe(yTrue.length);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  describe('bad input names the function and the argument', () => {
    it.each([
      ['classes missing', () => confusionMatrix([0], [0], {} as never), /^confusionMatrix: classes: expected an integer in \[1, 10000\], got undefined$/],
      ['classes too many', () => confusionMatrix([0], [0], { classes: MAX_CONFUSION_CLASSES + 1 }), /^confusionMatrix: classes: must be an integer in \[1, 10000\], got 10001$/],
      ['unknown option', () => confusionMatrix([0], [0], { classes: 2, normalize: 'true' } as never), /^confusionMatrix options: unknown option 'normalize' \(known options: classes\)$/],
      ['yTrue not an array', () => confusionMatrix({ length: 1, 0: 0 } as never, [0], { classes: 2 }), /^confusionMatrix: yTrue: expected class indices .*, got an Object$/],
      ['yPred out of range', () => confusionMatrix([0, 1], [0, 5], { classes: 2 }), /^confusionMatrix: yPred: element 1 is 5, expected a class index in \[0, 1\]$/],
      ['yTrue Infinity', () => confusionMatrix([Infinity], [0], { classes: 2 }), /^confusionMatrix: yTrue: element 0 is Infinity, expected a class index in \[0, 1\]$/],
      ['lengths differ', () => confusionMatrix([0, 1], [0, 1, 1], { classes: 2 }), /^confusionMatrix: yPred: has 3 entries but yTrue has 2; they must describe the same examples$/],
      ['empty', () => confusionMatrix(new Int32Array(0), new Int32Array(0), { classes: 2 }), /^confusionMatrix: yTrue: is empty/],
    ])('%s', (_label, call, message) => {
      expect(call).toThrow(message);
    });
  });
});
