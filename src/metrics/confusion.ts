// Confusion matrix in scikit-learn's orientation: row = true class, column = predicted class,
// so row t sums to the support of class t and column p to the number of predictions of p.
import { options as strict } from '../validation/args';
import { type ClassIndices, classCount, classIndices, sameLength } from './inputs';

export interface ConfusionMatrix {
  classes: number;
  /**
   * Counts, row-major [classes × classes]: `matrix[t * classes + p]` is the number of examples
   * of true class t predicted as class p (rows = true, columns = predicted, as scikit-learn).
   */
  matrix: Int32Array;
}

export interface ConfusionMatrixOptions {
  /** Number of classes; indices run over [0, classes − 1]. */
  classes: number;
}

/** Most classes a confusion matrix takes: 10 000² Int32 counts are 400 MB. */
export const MAX_CONFUSION_CLASSES = 10_000;

/** Counts of (true, predicted) pairs; yTrue and yPred are checked indices in [0, classes − 1]. */
export function countConfusion(yTrue: Int32Array, yPred: Int32Array, classes: number): Int32Array {
  const matrix = new Int32Array(classes * classes);
  for (let i = 0; i < yTrue.length; i++) matrix[yTrue[i] * classes + yPred[i]]++;
  return matrix;
}

export function confusionMatrix(yTrue: ClassIndices, yPred: ClassIndices, options: ConfusionMatrixOptions): ConfusionMatrix {
  const o = strict('confusionMatrix options', options, ['classes'] as const);
  const classes = classCount('confusionMatrix: classes', o.classes, MAX_CONFUSION_CLASSES);
  const t = classIndices('confusionMatrix: yTrue', yTrue, classes);
  const p = classIndices('confusionMatrix: yPred', yPred, classes);
  sameLength('confusionMatrix', t, 'yTrue', p, 'yPred');
  return { classes, matrix: countConfusion(t, p, classes) };
}
