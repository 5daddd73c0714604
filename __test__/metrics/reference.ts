// scikit-learn's formulas written out plainly (no Python needed), to compare the metrics module
// against on random data. Each follows the scikit-learn function named in its comment.

const div = (a: number, b: number): number => (b === 0 ? 0 : a / b); // zero_division=0

/** sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(classes)) as nested rows. */
export function confusionRows(yTrue: number[], yPred: number[], classes: number): number[][] {
  const cm = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  yTrue.forEach((t, i) => cm[t][yPred[i]]++);
  return cm;
}

export interface Scores {
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  micro: { precision: number; recall: number; f1: number };
}

/**
 * sklearn.metrics.precision_recall_fscore_support(labels=range(classes), zero_division=0), per
 * class and for average='macro' | 'weighted' | 'micro', computed from the confusion matrix as
 * multilabel_confusion_matrix does: tp = diagonal, pred_sum = column sums, true_sum = row sums.
 * F1 here is 2PR/(P + R) (0 when P + R = 0): the classic formula, not the count form the module uses.
 */
export function sklearnScores(yTrue: number[], yPred: number[], classes: number): Scores {
  const cm = confusionRows(yTrue, yPred, classes);
  const tp = cm.map((row, c) => row[c]);
  const predSum = cm[0].map((_, c) => cm.reduce((s, row) => s + row[c], 0));
  const trueSum = cm.map((row) => row.reduce((a, b) => a + b, 0));
  const fbeta = (p: number, r: number): number => div(2 * p * r, p + r);
  const precision = tp.map((x, c) => div(x, predSum[c]));
  const recall = tp.map((x, c) => div(x, trueSum[c]));
  const f1 = precision.map((p, c) => fbeta(p, recall[c]));
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const weightedMean = (v: number[]): number => div(v.reduce((s, x, c) => s + x * trueSum[c], 0), trueSum.reduce((a, b) => a + b, 0));
  const tpSum = tp.reduce((a, b) => a + b, 0);
  const microP = div(tpSum, predSum.reduce((a, b) => a + b, 0));
  const microR = div(tpSum, trueSum.reduce((a, b) => a + b, 0));
  return {
    precision,
    recall,
    f1,
    support: trueSum,
    macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) },
    weighted: { precision: weightedMean(precision), recall: weightedMean(recall), f1: weightedMean(f1) },
    micro: { precision: microP, recall: microR, f1: fbeta(microP, microR) },
  };
}

/**
 * sklearn.metrics.r2_score(y_true, y_pred, multioutput='uniform_average', force_finite=True) on
 * rows: per output 1 − numerator/denominator, 1 when the numerator is 0, 0 when only the
 * denominator is 0. (The module also treats an output of all-equal targets as denominator 0
 * when rounding in the mean makes it tiny instead; the two agree on exact means.)
 */
export function sklearnR2(yTrue: number[][], yPred: number[][]): number {
  const k = yTrue[0].length;
  let total = 0;
  for (let j = 0; j < k; j++) {
    const col = yTrue.map((row) => row[j]);
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    const numerator = col.reduce((s, y, i) => s + (y - yPred[i][j]) ** 2, 0);
    const denominator = col.reduce((s, y) => s + (y - mean) ** 2, 0);
    total += numerator === 0 ? 1 : denominator === 0 ? 0 : 1 - numerator / denominator;
  }
  return total / k;
}

/** Keras/PyTorch 'mean' reduction of |y − ŷ| and (y − ŷ)² over every entry of [m, k] rows. */
export function meanOverEntries(yTrue: number[][], yPred: number[][], f: (d: number) => number): number {
  let sum = 0;
  let n = 0;
  yTrue.forEach((row, i) => row.forEach((y, j) => ((sum += f(y - yPred[i][j])), n++)));
  return sum / n;
}

/**
 * TensorFlow's in_top_k: the true class is in the top k when its score is at least the k-th
 * largest score of its row (ties at the boundary all count).
 */
export function inTopK(scores: number[][], yTrue: number[], k: number): number {
  let hits = 0;
  scores.forEach((row, i) => {
    const kth = [...row].sort((a, b) => b - a)[k - 1];
    if (row[yTrue[i]] >= kth) hits++;
  });
  return hits / yTrue.length;
}
