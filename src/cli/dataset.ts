// The data side shared by `tunenet train` and `tunenet tune`: read the CSV, encode it
// (src/cli/table.ts), split it (stratified for classification), fit a Normalizer on the training
// rows only, and print what was done. Categories, classes and the normalizer all come from the
// training rows, so nothing of dev or test leaks into the model.
import { split } from '../data/split';
import { Normalizer } from '../data/normalizer';
import type { Labels, Matrix } from '../data/arrays';
import { CliError } from './errors';
import { encodeRows, fitEncoding, prepare, readCsv, rowObjects, type Encoding, type Task } from './table';

export interface DataOptions {
  label: string;
  task: Task | 'auto';
  drop: string[];
  split: [number, number, number];
  seed: number;
}

export interface Part {
  x: Float32Array;
  y: Labels;
}

export interface PreparedData {
  task: Task;
  /** The label's classes in index order (classification). */
  classes?: string[];
  encoding: Encoding;
  normalizer: Normalizer;
  /** Columns after one-hot encoding: the network's input size. */
  features: number;
  train: Part;
  dev: Part;
  test: Part;
}

export type Print = (line: string) => void;

/** `checkTask` sees the task as soon as it is known, so a flag that depends on it fails before anything is printed. */
export function loadData(file: string, o: DataOptions, print: Print, checkTask: (task: Task) => void = () => {}): PreparedData {
  const table = readCsv(file);
  const p = prepare(table, o.label, o.drop, o.task);
  checkTask(p.task);
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
  const normalizer = Normalizer.fit(encodeRows(encoding, trainRows), features);
  const encode = (idx: Matrix): Float32Array => normalizer.transform(encodeRows(encoding, rowObjects(p, idx as Float64Array)));
  const data: PreparedData = {
    task: p.task,
    classes: p.classes,
    encoding,
    normalizer,
    features,
    train: { x: encode(parts.train.x), y: parts.train.y },
    dev: { x: encode(parts.dev.x), y: parts.dev.y },
    test: { x: encode(parts.test.x), y: parts.test.y },
  };

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
  print(`  split: train ${data.train.y.length}, dev ${data.dev.y.length}, test ${data.test.y.length} (seed ${o.seed}${p.task === 'classification' ? ', stratified' : ''})`);
  return data;
}
