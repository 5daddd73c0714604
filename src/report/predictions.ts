// The report's look at a trained model's predictions on held-out data: a confusion matrix
// (heatmap with counts) for classification, predicted against true values with the y = x line
// for regression.
import { matrixRows, toLabelMatrix, type Labels, type Matrix } from '../data/arrays';
import type { ConfusionMatrix } from '../metrics/confusion';
import type { OutputKind, RegressionEvaluation, RegressionPrediction, Sequential } from '../model';
import { chartSpec, formatNumber, thin, type Chart } from './specs';

/** Held-out examples to predict: a part from split() or any { x, y }. */
export interface LabeledData {
  x: Matrix;
  y: Labels;
}

/** Most points a scatter draws (every k-th example beyond it). */
export const MAX_SCATTER_POINTS = 3000;

/** Class labels get counts written in their cells up to this many classes. */
const MAX_LABELLED_CLASSES = 20;

function confusionChart(set: string, cm: ConfusionMatrix, classNames: readonly string[] | undefined): Chart {
  const n = cm.classes;
  const label = (c: number) => classNames?.[c] ?? String(c);
  const rows: { true: string; predicted: string; count: number }[] = [];
  let correct = 0;
  let total = 0;
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const count = cm.matrix[t * n + p];
      rows.push({ true: label(t), predicted: label(p), count });
      total += count;
      if (t === p) correct += count;
    }
  }
  const order = Array.from({ length: n }, (_, c) => label(c));
  const side = Math.min(560, Math.max(160, 32 * n));
  const axis = (field: 'true' | 'predicted', title: string) => ({ field, type: 'ordinal', title, sort: order });
  const layers: object[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        x: axis('predicted', 'predicted class'),
        y: axis('true', 'true class'),
        color: { field: 'count', type: 'quantitative', title: 'examples', scale: { scheme: 'blues' } },
      },
    },
  ];
  if (n <= MAX_LABELLED_CLASSES) {
    // Counts in the cells, white on the dark ones.
    const threshold = Math.max(...rows.map((r) => r.count)) / 2;
    layers.push({
      mark: { type: 'text', fontSize: n > 12 ? 9 : 11 },
      encoding: {
        x: axis('predicted', 'predicted class'),
        y: axis('true', 'true class'),
        text: { field: 'count', type: 'quantitative' },
        color: { condition: { test: `datum.count > ${threshold}`, value: 'white' }, value: '#1f2328' },
      },
    });
  }
  return {
    name: `confusion-${set}`,
    title: `Confusion matrix, ${set} set`,
    spec: chartSpec({ data: { values: rows }, layer: layers }, { width: side, height: side }),
    note: `Rows: true class; columns: predicted class. ${correct} of ${total} on the diagonal (accuracy ${((100 * correct) / Math.max(total, 1)).toFixed(2)}%).`,
  };
}

function scatterChart(set: string, truth: Float32Array, predicted: Float32Array, outputs: number, scores: RegressionEvaluation): Chart {
  const all: { true: number; predicted: number; output: string }[] = [];
  for (let i = 0; i < truth.length; i++) all.push({ true: truth[i], predicted: predicted[i], output: `output ${i % outputs}` });
  const points = thin(all, MAX_SCATTER_POINTS);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of all) [lo, hi] = [Math.min(lo, p.true, p.predicted), Math.max(hi, p.true, p.predicted)];
  const x = { field: 'true', type: 'quantitative', title: 'true value', scale: { zero: false, domain: [lo, hi] } };
  const y = { field: 'predicted', type: 'quantitative', title: 'predicted value', scale: { zero: false, domain: [lo, hi] } };
  const shown = points.length < all.length ? ` Every ${Math.ceil(all.length / MAX_SCATTER_POINTS)}th of ${all.length} values drawn.` : '';
  return {
    name: `scatter-${set}`,
    title: `Predicted against true, ${set} set`,
    spec: chartSpec(
      {
        layer: [
          {
            data: { values: [{ true: lo, predicted: lo }, { true: hi, predicted: hi }] },
            mark: { type: 'line', color: '#57606a', strokeDash: [4, 4] },
            encoding: { x, y },
          },
          {
            data: { values: points },
            mark: { type: 'circle', size: 22, opacity: 0.6 },
            encoding: { x, y, ...(outputs > 1 ? { color: { field: 'output', type: 'nominal', title: null } } : { color: { value: '#0969da' } }) },
          },
        ],
      },
      { width: 360, height: 360 },
    ),
    note: `Dashed: y = x (a perfect prediction). RMSE ${formatNumber(scores.rmse)}, MAE ${formatNumber(scores.mae)}, R² ${formatNumber(scores.r2)}.${shown}`,
  };
}

/**
 * The prediction chart for one held-out set: a confusion matrix for a softmax model or a single
 * sigmoid output, a scatter for regression; undefined for a multi-label sigmoid model (no single
 * class per example to count).
 */
export async function predictionChart(
  where: string,
  set: string,
  model: Sequential<OutputKind>,
  data: LabeledData,
  classNames: readonly string[] | undefined,
): Promise<Chart | undefined> {
  const m = matrixRows(`${where}.x`, data.x, model.inputSize);
  if (model.architecture.output === 'linear') {
    // Checked here so a bad y is named as the report's argument, not evaluate's.
    const truth = toLabelMatrix(`${where}.y`, data.y, m, model.outputSize, 'real');
    const scores = (await model.evaluate(data.x, data.y)) as RegressionEvaluation;
    const { values } = (await model.predict(data.x)) as RegressionPrediction;
    return scatterChart(set, truth, values, model.outputSize, scores);
  }
  if (model.architecture.output === 'sigmoid' && model.outputSize > 1) return undefined;
  toLabelMatrix(`${where}.y`, data.y, m, model.outputSize, model.architecture.output === 'sigmoid' ? 'binary' : 'distribution');
  const r = await model.evaluate(data.x, data.y, { metrics: ['confusionMatrix'] });
  return confusionChart(set, r.metrics!.confusionMatrix as ConfusionMatrix, classNames);
}
