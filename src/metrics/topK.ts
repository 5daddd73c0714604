// Top-k accuracy: the fraction of examples whose true class is among the k highest scores.
// Ties, as TensorFlow's in_top_k: an example counts when fewer than k classes score strictly
// higher than its true class, so classes tied at the k-th place are all "in the top k" (with
// every score equal, every class is). scikit-learn's top_k_accuracy_score instead breaks ties
// by class index; the two agree whenever no tie straddles the k-th place. Only the order of the
// scores matters: probabilities, logits or any other finite scores give the same result.
import { describe, typeError } from '../validation/args';
import { type ClassIndices, classIndices, type RealValues, realMatrix } from './inputs';

/** Top-k accuracy of checked scores [m, classes] (f64) for checked indices, k in [1, classes]. */
export function topKOf(scores: Float64Array, classes: number, yTrue: Int32Array, k: number): number {
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const row = i * classes;
    const own = scores[row + yTrue[i]];
    let higher = 0;
    for (let j = 0; j < classes && higher < k; j++) if (scores[row + j] > own) higher++;
    if (higher < k) hits++;
  }
  return hits / yTrue.length;
}

/** `k` in [1, classes], as topKAccuracy and computeMetrics check it. */
export function topKCount(where: string, value: unknown, classes: number): number {
  if (typeof value !== 'number') throw typeError(where, `an integer in [1, ${classes}] (the number of classes)`, value);
  if (!Number.isInteger(value) || value < 1 || value > classes) {
    throw new RangeError(`${where}: must be an integer in [1, ${classes}] (the number of classes), got ${describe(value)}`);
  }
  return value;
}

/**
 * Top-k accuracy of `probabilities` ([m, classes] row-major, or one row per example; the
 * number of classes is the row width) against the true class indices.
 */
export function topKAccuracy(probabilities: RealValues, yTrue: ClassIndices, k: number): number {
  const t = classIndices('topKAccuracy: yTrue', yTrue, undefined);
  const scores = realMatrix('topKAccuracy: probabilities', probabilities, { rows: t.length });
  const classes = scores.cols;
  for (let i = 0; i < t.length; i++) {
    if (t[i] >= classes) {
      throw new RangeError(`topKAccuracy: yTrue: element ${i} is ${t[i]}, expected a class index in [0, ${classes - 1}] (probabilities has ${classes} columns)`);
    }
  }
  return topKOf(scores.values, classes, t, topKCount('topKAccuracy: k', k, classes));
}
