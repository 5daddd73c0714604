// Accuracy and per-class precision, recall and F1 for single-label classification, with
// scikit-learn's conventions (precision_recall_fscore_support with labels = 0 … classes − 1):
//   precision_c = TP_c / (TP_c + FP_c)   recall_c = TP_c / (TP_c + FN_c)
//   f1_c        = 2·TP_c / (2·TP_c + FP_c + FN_c)   (= 2PR/(P + R) whenever that is defined)
//   support_c   = TP_c + FN_c (examples whose true class is c)
// zero_division = 0: a ratio whose denominator is 0 is 0 — precision of a class never
// predicted, recall of a class never present, F1 of a class neither predicted nor present.
// Averages run over all `classes` classes, present or not (scikit-learn with labels given):
//   macro    = unweighted mean of the per-class values (absent classes count as 0);
//   weighted = mean weighted by support (absent classes weigh 0);
//   micro    = from the summed counts: ΣTP/(ΣTP + ΣFP) etc., which for single-label data is
//              accuracy for precision, recall and F1 alike.
import { oneOf, optional, options as strict } from '../validation/args';
import { type ClassIndices, classCount, classIndices, sameLength } from './inputs';

export type MetricAverage = 'none' | 'macro' | 'weighted' | 'micro';
export const METRIC_AVERAGES: readonly MetricAverage[] = ['none', 'macro', 'weighted', 'micro'];

export interface PerClassScores {
  /** Index c: TP/(TP + FP) of class c, 0 when c is never predicted. */
  precision: Float64Array;
  /** Index c: TP/(TP + FN) of class c, 0 when c never occurs in yTrue. */
  recall: Float64Array;
  /** Index c: 2TP/(2TP + FP + FN) of class c, 0 when c is neither predicted nor present. */
  f1: Float64Array;
  /** Index c: number of examples whose true class is c. */
  support: Int32Array;
}

export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class scores, plus the requested average unless `average` is 'none'. */
export type PrecisionRecallF1Result<A extends MetricAverage = MetricAverage> = A extends 'none'
  ? { classes: number; average: A; perClass: PerClassScores }
  : { classes: number; average: A; perClass: PerClassScores } & AveragedScores;

export interface PrecisionRecallF1Options<A extends MetricAverage = MetricAverage> {
  /** Number of classes; indices run over [0, classes − 1]. */
  classes: number;
  /** 'none' (default, as scikit-learn's precision_recall_fscore_support), 'macro', 'weighted' or 'micro'. */
  average?: A;
}

export interface AccuracyOptions {
  /** When given, every index must be in [0, classes − 1]; otherwise any integer ≥ 0 is a class. */
  classes?: number;
}

/** Fraction of examples with yPred = yTrue (checked, equal lengths, m ≥ 1). */
export function accuracyOf(yTrue: Int32Array, yPred: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

export function accuracy(yTrue: ClassIndices, yPred: ClassIndices, options?: AccuracyOptions): number {
  const o = strict('accuracy options', options, ['classes'] as const);
  const classes = optional(o.classes, undefined, (v) => classCount('accuracy: classes', v));
  const t = classIndices('accuracy: yTrue', yTrue, classes);
  const p = classIndices('accuracy: yPred', yPred, classes);
  sameLength('accuracy', t, 'yTrue', p, 'yPred');
  return accuracyOf(t, p);
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division = 0). */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Per-class counts from checked indices in [0, classes − 1]. */
export interface ClassCounts {
  /** Index c: examples of class c predicted as c. */
  truePositives: Int32Array;
  /** Index c: examples whose true class is c (TP + FN). */
  support: Int32Array;
  /** Index c: examples predicted as c (TP + FP). */
  predicted: Int32Array;
}

export function classCounts(yTrue: Int32Array, yPred: Int32Array, classes: number): ClassCounts {
  const truePositives = new Int32Array(classes);
  const support = new Int32Array(classes);
  const predicted = new Int32Array(classes);
  for (let i = 0; i < yTrue.length; i++) {
    support[yTrue[i]]++;
    predicted[yPred[i]]++;
    if (yTrue[i] === yPred[i]) truePositives[yTrue[i]]++;
  }
  return { truePositives, support, predicted };
}

export function perClassScores(counts: ClassCounts): PerClassScores {
  const { truePositives: tp, support, predicted } = counts;
  const classes = support.length;
  const precision = new Float64Array(classes);
  const recall = new Float64Array(classes);
  const f1 = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    precision[c] = ratio(tp[c], predicted[c]);
    recall[c] = ratio(tp[c], support[c]);
    f1[c] = ratio(2 * tp[c], support[c] + predicted[c]); // 2TP + FP + FN = support + predicted
  }
  return { precision, recall, f1, support };
}

/** The macro, weighted or micro average (see the top of this file). */
export function averageScores(counts: ClassCounts, scores: PerClassScores, average: Exclude<MetricAverage, 'none'>): AveragedScores {
  const classes = counts.support.length;
  if (average === 'micro') {
    let tp = 0;
    let support = 0;
    let predicted = 0;
    for (let c = 0; c < classes; c++) {
      tp += counts.truePositives[c];
      support += counts.support[c];
      predicted += counts.predicted[c];
    }
    return { precision: ratio(tp, predicted), recall: ratio(tp, support), f1: ratio(2 * tp, support + predicted) };
  }
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  let norm = 0;
  for (let c = 0; c < classes; c++) {
    const w = average === 'macro' ? 1 : counts.support[c];
    precision += w * scores.precision[c];
    recall += w * scores.recall[c];
    f1 += w * scores.f1[c];
    norm += w;
  }
  return { precision: ratio(precision, norm), recall: ratio(recall, norm), f1: ratio(f1, norm) };
}

export function precisionRecallF1<A extends MetricAverage = 'none'>(
  yTrue: ClassIndices,
  yPred: ClassIndices,
  options: PrecisionRecallF1Options<A>,
): PrecisionRecallF1Result<A> {
  const o = strict('precisionRecallF1 options', options, ['classes', 'average'] as const);
  const classes = classCount('precisionRecallF1: classes', o.classes);
  const average = optional(o.average, 'none', (v) => oneOf('precisionRecallF1: average', v, METRIC_AVERAGES));
  const t = classIndices('precisionRecallF1: yTrue', yTrue, classes);
  const p = classIndices('precisionRecallF1: yPred', yPred, classes);
  sameLength('precisionRecallF1', t, 'yTrue', p, 'yPred');
  const counts = classCounts(t, p, classes);
  const perClass = perClassScores(counts);
  const result = average === 'none' ? { classes, average, perClass } : { classes, average, perClass, ...averageScores(counts, perClass, average) };
  return result as PrecisionRecallF1Result<A>;
}
