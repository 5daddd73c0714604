// CSV loading and the encoding rules of `tunenet train`:
// - a header row names the columns; `--label` names the target, `--drop` columns to ignore;
// - a value is missing when it is empty or NA / NaN / null / ? (any case); a row with a missing
//   value in any used column (features or label) is dropped, and the count is reported;
// - a feature column is numeric when every remaining value reads as a finite number, otherwise
//   it is one-hot encoded with the categories seen in the training rows (sorted); a category
//   unseen in training (dev, test, production rows) encodes as all zeros;
// - the label's classes (classification) are its distinct values in sorted order (numeric order
//   for numbers), mapped to indices 0 … k − 1.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { closest, distance } from 'fastest-levenshtein';
import { CliError } from './errors';

export interface Table {
  columns: string[];
  rows: string[][];
}

/** Most distinct integer values a numeric label may have and still count as classes (`--task auto`). */
export const MAX_AUTO_CLASSES = 20;

const MISSING = new Set(['', 'na', 'nan', 'null', '?']);

export function isMissing(value: string): boolean {
  return MISSING.has(value.trim().toLowerCase());
}

function numberOf(value: string): number {
  const t = value.trim();
  return t === '' ? NaN : Number(t);
}

/** Reads a CSV file with a header row; every row must have as many fields as the header. */
export function readCsv(file: string): Table {
  if (!existsSync(file)) throw new CliError(`${file}: no such file`);
  if (!statSync(file).isFile()) throw new CliError(`${file}: not a file`);
  let records: string[][];
  try {
    records = parse(readFileSync(file, 'utf8'), { bom: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    throw new CliError(`${file}: not a readable CSV file (${(e as Error).message.split('\n')[0]})`);
  }
  if (records.length === 0) throw new CliError(`${file}: empty file (a header row is needed)`);
  const [columns, ...rows] = records;
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new CliError(`${file}: column '${c}' appears twice in the header`);
    seen.add(c);
  }
  if (rows.length === 0) throw new CliError(`${file}: no rows after the header`);
  return { columns, rows };
}

/** The index of `name` among the columns, or an error with the closest name suggested. */
export function columnIndex(table: Table, name: string, flag: string): number {
  const i = table.columns.indexOf(name);
  if (i >= 0) return i;
  const best = closest(name, table.columns);
  const hint = distance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3))
    ? ` (did you mean '${best}'?)`
    : ` (columns: ${table.columns.join(', ')})`;
  throw new CliError(`${flag}: no column '${name}'${hint}`);
}

export type Task = 'classification' | 'regression';

export interface FeatureColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  /** One-hot categories (sorted), from the training rows; only for categorical columns. */
  categories?: string[];
}

/** Everything needed to encode a new row the same way (saved beside the model). */
export interface Encoding {
  label: string;
  task: Task;
  features: FeatureColumn[];
  /** Class names in index order (classification only). */
  classes?: string[];
  /** The encoded features' names, in column order (`column=category` for one-hot columns). */
  featureNames: string[];
}

export interface Prepared {
  table: Table;
  /** Rows kept (no missing value in a used column). */
  rows: string[][];
  droppedRows: number;
  labelIndex: number;
  featureIndices: number[];
  numeric: boolean[];
  task: Task;
  classes?: string[];
  /** One label per kept row: class indices or values. */
  y: Int32Array | Float32Array;
}

/** Picks the columns, drops rows with missing values, decides the task and reads the labels. */
export function prepare(table: Table, label: string, drop: string[], task: Task | 'auto'): Prepared {
  const labelIndex = columnIndex(table, label, '--label');
  const dropped = new Set(drop.map((d) => columnIndex(table, d, '--drop')));
  if (dropped.has(labelIndex)) throw new CliError(`--drop: '${label}' is the label column`);
  const featureIndices = table.columns.map((_, i) => i).filter((i) => i !== labelIndex && !dropped.has(i));
  if (featureIndices.length === 0) throw new CliError('no feature columns left (every other column is dropped)');
  const used = [labelIndex, ...featureIndices];
  const width = table.columns.length;
  const rows = table.rows.filter((r) => r.length === width && used.every((i) => !isMissing(r[i])));
  const droppedRows = table.rows.length - rows.length;
  if (rows.length < 3) throw new CliError(`only ${rows.length} rows without missing values: too few to split into train, dev and test`);
  const numericColumn = (i: number) => rows.every((r) => Number.isFinite(numberOf(r[i])));
  const numeric = featureIndices.map(numericColumn);
  const labelNumeric = numericColumn(labelIndex);
  let kind: Task;
  if (task !== 'auto') kind = task;
  else if (!labelNumeric) kind = 'classification';
  else {
    const values = new Set(rows.map((r) => numberOf(r[labelIndex])));
    kind = values.size <= MAX_AUTO_CLASSES && [...values].every(Number.isInteger) ? 'classification' : 'regression';
  }
  if (kind === 'regression') {
    if (!labelNumeric) {
      const bad = rows.find((r) => !Number.isFinite(numberOf(r[labelIndex])))!;
      throw new CliError(`--task regression: label '${label}' is not numeric (value '${bad[labelIndex]}')`);
    }
    return { table, rows, droppedRows, labelIndex, featureIndices, numeric, task: kind, y: Float32Array.from(rows, (r) => numberOf(r[labelIndex])) };
  }
  const names = [...new Set(rows.map((r) => r[labelIndex]))];
  if (labelNumeric) names.sort((a, b) => numberOf(a) - numberOf(b));
  else names.sort();
  if (names.length < 2) throw new CliError(`label '${label}' has one class ('${names[0]}'): nothing to classify`);
  const index = new Map(names.map((n, i) => [n, i]));
  return { table, rows, droppedRows, labelIndex, featureIndices, numeric, task: kind, classes: names, y: Int32Array.from(rows, (r) => index.get(r[labelIndex])!) };
}

/** The encoding fitted on the training rows: numeric columns as they are, string columns one-hot. */
export function fitEncoding(p: Prepared, trainRows: string[][]): Encoding {
  const features: FeatureColumn[] = p.featureIndices.map((c, j) => {
    const name = p.table.columns[c];
    if (p.numeric[j]) return { name, kind: 'numeric' };
    return { name, kind: 'categorical', categories: [...new Set(trainRows.map((r) => r[c]))].sort() };
  });
  const featureNames = features.flatMap((f) => (f.kind === 'numeric' ? [f.name] : f.categories!.map((k) => `${f.name}=${k}`)));
  return { label: p.table.columns[p.labelIndex], task: p.task, features, classes: p.classes, featureNames };
}

/**
 * Encodes rows given as objects keyed by column name (or as arrays in `columns` order) into a
 * Float32Array [rows, featureNames.length]. Unseen categories encode as all zeros.
 */
export function encodeRows(encoding: Encoding, rows: Array<Record<string, string | number>>): Float32Array {
  const width = encoding.featureNames.length;
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    let k = i * width;
    for (const f of encoding.features) {
      const v = row[f.name];
      if (f.kind === 'numeric') out[k++] = typeof v === 'number' ? v : numberOf(String(v));
      else {
        const at = f.categories!.indexOf(String(v));
        if (at >= 0) out[k + at] = 1;
        k += f.categories!.length;
      }
    }
  });
  return out;
}

/** The kept rows at `indices` as objects keyed by column name. */
export function rowObjects(p: Prepared, indices: ArrayLike<number>): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (let i = 0; i < indices.length; i++) {
    const r = p.rows[indices[i]];
    out.push(Object.fromEntries(p.table.columns.map((c, j) => [c, r[j]])));
  }
  return out;
}
