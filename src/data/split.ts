// Train/dev/test split: shuffled with the portable RNG (same seed, same split on every machine),
// optionally stratified so each part keeps the class proportions.
import { Rng, RngStream } from '../reference/rng';
import { boolean, optional, options as strict, rangeError, seed as seedArg, typeError, typedArray } from '../validation/args';

export interface SplitFractions {
  train: number;
  dev: number;
  test: number;
}

export interface SplitOptions {
  seed?: number;
  /** Keep each class's share the same in every part (y must be class indices). */
  stratify?: boolean;
}

export interface Part<X, Y> {
  x: X;
  y: Y;
  /** Row indices into the original data. */
  indices: Int32Array;
}

type Rows = Float32Array | Float64Array;
type RowLabels = Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | number[];

/** The course's small-data default; for millions of examples pass e.g. { train: 0.98, dev: 0.01, test: 0.01 }. */
export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.6, dev: 0.2, test: 0.2 };

const PARTS = ['train', 'dev', 'test'] as const;

function partSizes(m: number, sizes: unknown): [number, number, number] {
  if (sizes === undefined) throw typeError('split: sizes', '{ train, dev, test } fractions or counts', sizes);
  const given = strict('split sizes', sizes, PARTS);
  const values = PARTS.map((name) => {
    const v = given[name];
    const where = `split: sizes.${name}`;
    if (typeof v !== 'number') throw typeError(where, 'a finite number ≥ 0', v);
    // A remainder written as 1 − train − dev can come out as −1e−16: rounding, not a negative part.
    if (!Number.isFinite(v) || v < -1e-9) throw new RangeError(`${where}: must be a finite number ≥ 0, got ${v}`);
    return Math.max(v, 0);
  });
  const total = values[0] + values[1] + values[2];
  if (values.every((v) => Number.isInteger(v)) && total > 1) {
    if (total !== m) throw new RangeError(`split: sizes: counts add up to ${total}, but there are ${m} examples`);
    return [values[0], values[1], values[2]];
  }
  if (Math.abs(total - 1) > 1e-9) throw new RangeError(`split: sizes: fractions must sum to 1, got ${total}`);
  const train = Math.round(m * values[0]);
  const dev = Math.min(m - train, Math.round(m * values[1]));
  return [train, dev, m - train - dev];
}

/**
 * Splits `total` over groups in proportion to `sizes` (largest remainder, ties to the earlier
 * group), never giving a group more than it has: the parts then have exactly the asked sizes.
 */
function apportion(sizes: number[], total: number): number[] {
  const all = sizes.reduce((a, b) => a + b, 0);
  if (all === 0) return sizes.map(() => 0);
  const ideal = sizes.map((n) => (n * total) / all);
  const share = ideal.map((v, i) => Math.min(sizes[i], Math.floor(v)));
  let left = total - share.reduce((a, b) => a + b, 0);
  const order = ideal.map((v, i) => i).sort((a, b) => ideal[b] - Math.floor(ideal[b]) - (ideal[a] - Math.floor(ideal[a])) || a - b);
  for (let k = 0; left > 0 && k < order.length * 2; k++) {
    const i = order[k % order.length];
    if (share[i] < sizes[i]) {
      share[i]++;
      left--;
    }
  }
  return share;
}

/** x as given, checked: a float typed array, not detached (one on a SharedArrayBuffer is copied). */
function rowsOf<X extends Rows>(x: X): X {
  const tag = ArrayBuffer.isView(x) ? (x as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : '';
  if (tag === 'Float64Array') return typedArray('split: x', x, Float64Array) as X;
  if (tag === 'Float32Array') return typedArray('split: x', x, Float32Array) as X;
  throw typeError('split: x', 'a Float32Array or Float64Array [m, features]', x);
}

const LABEL_ARRAYS = { Int32Array, Uint8Array, Uint16Array, Uint32Array, Float32Array } as const;

/** y: one finite number per row, in a number[] or one of the label typed arrays. */
function labelsOf<Y extends RowLabels>(y: Y): Y {
  let labels: ArrayLike<unknown>;
  if (Array.isArray(y)) labels = y;
  else {
    const tag = ArrayBuffer.isView(y) ? (y as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : '';
    const type = LABEL_ARRAYS[tag as keyof typeof LABEL_ARRAYS];
    if (!type) throw typeError('split: y', `labels (number[], ${Object.keys(LABEL_ARRAYS).join(', ')})`, y);
    labels = typedArray('split: y', y, type as unknown as { new (from: ArrayLike<number>): ArrayBufferView; name: string }) as unknown as ArrayLike<number>;
  }
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (typeof v !== 'number') throw typeError(`split: y[${i}]`, 'a finite number', v);
    if (!Number.isFinite(v)) throw rangeError(`split: y[${i}]`, 'a finite number', v);
  }
  return labels as Y;
}

function take<X extends Rows, Y extends RowLabels>(x: X, y: Y, idx: number[], cols: number, yCols: number): Part<X, Y> {
  const X = x.constructor as { new (n: number): X };
  const outX = new X(idx.length * cols);
  const isArray = Array.isArray(y);
  const outY: any = isArray ? new Array(idx.length * yCols) : new (y.constructor as any)(idx.length * yCols);
  idx.forEach((r, i) => {
    outX.set(x.subarray(r * cols, (r + 1) * cols), i * cols);
    for (let k = 0; k < yCols; k++) outY[i * yCols + k] = (y as ArrayLike<number>)[r * yCols + k];
  });
  return { x: outX, y: outY as Y, indices: Int32Array.from(idx) };
}

/**
 * Splits rows of x [m, features] and their labels y (one per row: class indices or values) into train/dev/test.
 * `sizes` are fractions summing to 1 or integer counts summing to m.
 */
export function split<X extends Rows, Y extends RowLabels>(
  x: X,
  y: Y,
  sizes: SplitFractions = DEFAULT_FRACTIONS,
  options: SplitOptions = {},
): { train: Part<X, Y>; dev: Part<X, Y>; test: Part<X, Y> } {
  x = rowsOf(x);
  y = labelsOf(y);
  const o = strict('split options', options, ['seed', 'stratify'] as const);
  const seed = optional(o.seed, 0, (v) => seedArg('split: seed', v));
  const stratify = optional(o.stratify, false, (v) => boolean('split: stratify', v));
  const m = (y as ArrayLike<number>).length;
  if (m === 0) throw new RangeError('split: y: is empty');
  const yCols = 1;
  if (x.length % m !== 0 || x.length === 0) throw new RangeError(`split: x: ${x.length} values do not form ${m} rows (one per label in y)`);
  const cols = x.length / m;
  const [nTrain, nDev] = partSizes(m, sizes);
  const rng = Rng.withStream(seed, RngStream.SHUFFLE);
  let order: number[];
  if (stratify) {
    // Shuffle each class, then deal its rows to the parts in proportion, so every part's
    // class shares match the whole data set's (up to rounding).
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < m; i++) {
      const c = (y as ArrayLike<number>)[i];
      if (!Number.isInteger(c)) throw new RangeError(`split: y: label ${i} is ${c}; stratify needs integer class labels`);
      if (!byClass.has(c)) byClass.set(c, []);
      byClass.get(c)!.push(i);
    }
    const classes = [...byClass.keys()].sort((a, b) => a - b);
    const sizes = classes.map((c) => byClass.get(c)!.length);
    const trainShare = apportion(sizes, nTrain);
    const devShare = apportion(sizes.map((n, i) => n - trainShare[i]), nDev);
    const parts: number[][] = [[], [], []];
    classes.forEach((c, i) => {
      const rows = byClass.get(c)!;
      rng.shuffle(rows);
      const t = trainShare[i];
      const d = devShare[i];
      // Appended by a loop: spreading a class of 10^5+ rows into push overflows the stack.
      rows.forEach((row, k) => parts[k < t ? 0 : k < t + d ? 1 : 2].push(row));
    });
    parts.forEach((p) => rng.shuffle(p));
    return {
      train: take(x, y, parts[0], cols, yCols),
      dev: take(x, y, parts[1], cols, yCols),
      test: take(x, y, parts[2], cols, yCols),
    };
  }
  order = Array.from({ length: m }, (_, i) => i);
  rng.shuffle(order);
  return {
    train: take(x, y, order.slice(0, nTrain), cols, yCols),
    dev: take(x, y, order.slice(nTrain, nTrain + nDev), cols, yCols),
    test: take(x, y, order.slice(nTrain + nDev), cols, yCols),
  };
}
