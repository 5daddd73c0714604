// `tunenet train <file.csv> --label <column>`: reads the CSV, encodes it (src/cli/table.ts),
// splits it (stratified for classification), fits a Normalizer on the training rows, trains a
// default network (dense(hidden…) + relu, softmax or linear/mse output, Adam, early stopping on
// devLoss with the best weights restored), prints the diagnosis and the test metrics, and writes
// the model (normalizer included) and the encoding beside it (`<out>.encoding.json`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, basename, extname, join } from 'node:path';
import { sequential, type Sequential } from '../model';
import { dense, relu } from '../layers';
import { adam } from '../optimizers';
import { split } from '../data/split';
import { Normalizer } from '../data/normalizer';
import { saveModel } from '../io/modelFile';
import type { ConfusionMatrix } from '../metrics/confusion';
import { CliError } from './errors';
import { encodeRows, fitEncoding, prepare, readCsv, rowObjects, type Encoding, type Task } from './table';

export interface TrainOptions {
  label: string;
  task: Task | 'auto';
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  seed: number;
  /** fit's baseError, for the diagnosis (default 0). */
  baseError?: number;
  split: [number, number, number];
  hidden: number[];
  out: string;
  verbose?: 0 | 1 | 2;
  drop: string[];
}

/** Where the encoding of `out` is written: `model.safetensors` → `model.encoding.json`. */
export function encodingPath(out: string): string {
  const ext = extname(out);
  return join(dirname(out), `${basename(out, ext)}.encoding.json`);
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

export async function train(file: string, o: TrainOptions, print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const table = readCsv(file);
  try {
    mkdirSync(dirname(o.out) || '.', { recursive: true });
  } catch (e) {
    throw new CliError(`--out: cannot create the folder of ${o.out}: ${(e as Error).message.split('\n')[0]}`);
  }
  const p = prepare(table, o.label, o.drop, o.task);
  if (p.task === 'classification' && (o.baseError ?? 0) > 1) {
    throw new CliError(`--base-error: a classification error rate must be in [0, 1], got ${o.baseError}`);
  }
  const m = p.rows.length;
  const [ftr, fdev, ftest] = o.split;
  const sizes = { train: Math.round(m * ftr), dev: Math.round(m * fdev) };
  if (sizes.train < 1 || sizes.dev < 1 || m - sizes.train - sizes.dev < 1) {
    throw new CliError(`--split: ${o.split.join(',')} of ${m} rows leaves a part empty`);
  }
  // Split row indices (one column), so the raw rows can be encoded with train-only categories.
  const index = Float64Array.from({ length: m }, (_, i) => i);
  let parts;
  try {
    parts = split(index, p.y, { train: ftr, dev: fdev, test: ftest }, { seed: o.seed, stratify: p.task === 'classification' });
  } catch (e) {
    throw new CliError(`--split: ${(e as Error).message}`);
  }
  const trainRows = rowObjects(p, parts.train.x);
  const encoding = fitEncoding(p, Array.from(parts.train.x, (i) => p.rows[i]));
  const features = encoding.featureNames.length;
  const norm = Normalizer.fit(encodeRows(encoding, trainRows), features);
  const encode = (idx: Float64Array) => norm.transform(encodeRows(encoding, rowObjects(p, idx)));
  const [trainX, devX, testX] = [parts.train.x, parts.dev.x, parts.test.x].map(encode);
  const [trainY, devY, testY] = [parts.train.y, parts.dev.y, parts.test.y];

  print(`data: ${file}: ${table.rows.length} rows, ${table.columns.length} columns`);
  if (p.droppedRows > 0) print(`  dropped ${p.droppedRows} row${p.droppedRows === 1 ? '' : 's'} with missing values`);
  const dropped = o.drop.length ? ` (dropped: ${o.drop.join(', ')})` : '';
  print(`  features: ${features} from ${encoding.features.length} columns${dropped}`);
  for (const f of encoding.features) {
    if (f.kind === 'numeric') {
      print(`    ${f.name}: numeric`);
      continue;
    }
    const k = f.categories!;
    const shown = k.length <= 12 ? k.join(', ') : `${k.slice(0, 10).join(', ')}, … ${k[k.length - 1]}`;
    print(`    ${f.name}: one-hot, ${k.length} categories (${shown})`);
    if (k.length > 20 && k.length > 0.5 * trainRows.length) {
      print(`    warning: '${f.name}' has a category for most training rows (an id or a date?): consider --drop ${f.name}`);
    }
  }
  print(`  label: ${o.label}, ${p.task}${p.task === 'classification' ? `, ${p.classes!.length} classes: ${p.classes!.map((c, i) => `${i}=${c}`).join(' ')}` : ''}`);
  print(`  split: train ${trainY.length}, dev ${devY.length}, test ${testY.length} (seed ${o.seed}${p.task === 'classification' ? ', stratified' : ''})`);

  const classes = p.classes?.length ?? 0;
  const layers = o.hidden.flatMap((n) => [dense(n), relu()]);
  const model =
    p.task === 'classification'
      ? sequential({ inputSize: features, seed: o.seed, layers: [...layers, dense(classes)], output: 'softmax' })
      : sequential({ inputSize: features, seed: o.seed, layers: [...layers, dense(1)], output: 'linear', loss: 'mse' });
  print(`model: ${[features, ...o.hidden, p.task === 'classification' ? classes : 1].join(' → ')} (relu, ${p.task === 'classification' ? 'softmax' : 'linear, mse'}), adam lr ${o.learningRate}, batch ${o.batchSize}, up to ${o.epochs} epochs, early stopping on dev loss (patience ${o.patience})`);

  const history = await model.fit(trainX, trainY, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer: adam({ learningRate: o.learningRate }),
    validation: { x: devX, y: devY },
    earlyStopping: { monitor: 'devLoss', patience: o.patience, restoreBest: true },
    baseError: o.baseError ?? 0,
    ...(o.verbose === undefined ? {} : { verbose: o.verbose }),
  });
  const kept = history.epochs.find((e) => e.epoch === history.bestEpoch) ?? history.epochs[history.epochs.length - 1];
  const stopped = history.stoppedEarly ? `, stopped early; weights of epoch ${kept.epoch + 1} restored` : '';
  print(`trained ${history.epochs.length} epochs${stopped} (epoch ${kept.epoch + 1}: train loss ${fmt(kept.trainLoss)}, dev loss ${fmt(kept.devLoss ?? NaN)})`);
  const d = history.diagnosis;
  if (d) {
    const unit = d.scale === 'rate' ? 'error' : 'loss';
    print(`diagnosis: ${d.verdict} (train ${unit} ${fmt(d.trainError)}, dev ${unit} ${fmt(d.devError)}; avoidable bias ${fmt(d.avoidableBias)}, variance ${fmt(d.variance)})`);
    if (d.advice.length) print(`  next: ${d.advice.join('; ')}`);
  }
  for (const w of history.gradientWarnings ?? []) print(`gradient warning: ${JSON.stringify(w)}`);

  if (p.task === 'classification') {
    const r = await (model as Sequential<'softmax'>).evaluate(testX, testY, { metrics: ['accuracy', 'f1:macro', 'confusionMatrix'] });
    print(`test (${testY.length} rows): loss ${fmt(r.loss)}, accuracy ${fmt(r.accuracy)}, macro F1 ${fmt(r.metrics!['f1:macro'] as number)}`);
    printConfusion(r.metrics!.confusionMatrix as ConfusionMatrix, p.classes!, print);
  } else {
    const ev = await (model as Sequential<'linear'>).evaluate(testX, testY);
    const mean = (parts.train.y as Float32Array).reduce((s, v) => s + v, 0) / trainY.length;
    let se = 0;
    for (const v of testY as Float32Array) se += (v - mean) ** 2;
    const baseline = Math.sqrt(se / testY.length);
    print(`test (${testY.length} rows): RMSE ${fmt(ev.rmse)}, MAE ${fmt(ev.mae)}, R² ${fmt(ev.r2)}; predicting the train mean (${fmt(mean)}): RMSE ${fmt(baseline)}`);
  }

  model.normalizer = norm;
  try {
    await saveModel(model, o.out);
    writeFileSync(encodingPath(o.out), `${JSON.stringify(encoding satisfies Encoding, null, 2)}\n`);
  } catch (e) {
    throw new CliError(`--out: cannot write ${o.out}: ${(e as Error).message.split('\n')[0]}`);
  }
  print(`model written to ${o.out} (normalizer included); encoding to ${encodingPath(o.out)}`);
  print('not written: ONNX export and HTML report (not available yet)');
}

function printConfusion(cm: ConfusionMatrix, names: string[], print: (line: string) => void): void {
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
