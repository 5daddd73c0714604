// What `tunenet train` and `tunenet tune` print about the test part: accuracy, macro F1 and the
// confusion matrix for classification; RMSE, MAE, R² and the RMSE of predicting the training mean
// (the baseline any model must beat) for regression.
import type { Sequential } from '../model';
import type { ConfusionMatrix } from '../metrics/confusion';
import type { OutputKind } from '../model';
import type { PreparedData, Print } from './dataset';

export const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

export async function printTestMetrics(model: Sequential<OutputKind>, data: PreparedData, print: Print): Promise<void> {
  const { x, y } = data.test;
  if (data.task === 'classification') {
    const r = await (model as Sequential<'softmax'>).evaluate(x, y, { metrics: ['accuracy', 'f1:macro', 'confusionMatrix'] });
    print(`test (${y.length} rows): loss ${fmt(r.loss)}, accuracy ${fmt(r.accuracy)}, macro F1 ${fmt(r.metrics!['f1:macro'] as number)}`);
    printConfusion(r.metrics!.confusionMatrix as ConfusionMatrix, data.classes!, print);
    return;
  }
  const ev = await (model as Sequential<'linear'>).evaluate(x, y);
  const trainY = data.train.y as Float32Array;
  const mean = trainY.reduce((s, v) => s + v, 0) / trainY.length;
  let se = 0;
  for (const v of y as Float32Array) se += (v - mean) ** 2;
  const baseline = Math.sqrt(se / y.length);
  print(`test (${y.length} rows): RMSE ${fmt(ev.rmse)}, MAE ${fmt(ev.mae)}, R² ${fmt(ev.r2)}; predicting the train mean (${fmt(mean)}): RMSE ${fmt(baseline)}`);
}

function printConfusion(cm: ConfusionMatrix, names: string[], print: Print): void {
  const k = cm.classes;
  if (k > 20) {
    print(`confusion matrix: ${k} classes, too many to print`);
    return;
  }
  const w = Math.max(6, ...names.map((n) => n.length), ...Array.from(cm.matrix, (v) => String(v).length)) + 1;
  print('confusion matrix (rows true, columns predicted):');
  print(`  ${''.padStart(w)}${names.map((n) => n.padStart(w)).join('')}`);
  for (let t = 0; t < k; t++) {
    print(`  ${names[t].padStart(w)}${Array.from(cm.matrix.subarray(t * k, t * k + k), (v) => String(v).padStart(w)).join('')}`);
  }
}
