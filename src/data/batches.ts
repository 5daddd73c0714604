// Mini-batches for users who write their own training loop (with model.trainStep).
//
// Conventions (as fit's): every example appears exactly once per pass; the last batch is
// partial (m mod batchSize rows) unless `dropLast`. The order is a Fisher–Yates shuffle from the
// portable RNG's SHUFFLE stream of `seed`, so the same seed gives the same batches on every
// machine. One call is one pass (epoch): pass the same `rng` to every epoch's call for a new
// order each epoch; a bare `seed` gives the same order every time.
// Shuffled batches are copies; unshuffled ones are views (subarray) of x and y, no copy.
import { Rng, RngStream } from '../reference/rng';
import { boolean, describe, integer, numbers, optional, options as strict, seed as seedArg, typeError, typedArray } from '../validation/args';
import type { Matrix } from './arrays';

/** Label arrays a batch can carry; its rows are `y.length / m` wide (class indices or a label matrix). */
export type BatchLabels = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export interface MiniBatch<Y extends BatchLabels = BatchLabels> {
  /** Rows of x, [batch, features]. */
  x: Float32Array;
  /** The same rows of y, [batch] or [batch, k], of y's type (number[] becomes Float32Array). */
  y: Y;
  /** Row indices into the original data, in batch order. */
  indices: Int32Array;
}

export interface MiniBatchOptions {
  /** Rows per batch (default 32). */
  batchSize?: number;
  /** Shuffle the rows (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle, a non-negative integer (default 0). Ignored when `rng` is given. */
  seed?: number;
  /** A generator to draw the shuffle from (advanced by it): reuse one across epochs. */
  rng?: Rng;
  /** Width of x. Required for flat x; nested rows (number[][]) carry it. */
  features?: number;
  /** Skip a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
}

const WHERE = 'miniBatches';
const KEYS = ['batchSize', 'shuffle', 'seed', 'rng', 'features', 'dropLast'] as const;
/** Label arrays a batch can carry, by tag (BigInt arrays and DataView cannot be labels). */
const LABEL_ARRAYS = { Float32Array, Float64Array, Int32Array, Uint8Array, Uint16Array, Uint32Array } as const;

/** x as a Float32Array of finite numbers [m, features]: a Float32Array is used as given (batches are its views). */
function flatX(x: Matrix, features: number): Float32Array {
  const where = `${WHERE}: x`;
  let flat: Float32Array;
  if (x instanceof Float32Array) flat = typedArray(where, x, Float32Array);
  else if (x instanceof Float64Array) flat = Float32Array.from(typedArray(where, x, Float64Array));
  else if (Array.isArray(x) && x.length > 0 && Array.isArray(x[0])) {
    const nested = x as number[][];
    // Every row's width first: allocating rows × a mistyped `features` (1e9) would abort Node.
    nested.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== features) {
        throw new RangeError(`${where}: row ${i} has ${Array.isArray(row) ? row.length : describe(row)} values, expected ${features}`);
      }
    });
    nested.forEach((row, i) => numbers(where, row, i * features));
    flat = new Float32Array(nested.length * features);
    nested.forEach((row, i) => flat.set(row, i * features));
  } else if (Array.isArray(x)) {
    numbers(where, x as unknown[]);
    flat = Float32Array.from(x as number[]);
  }
  else throw typeError(where, 'a Float32Array, Float64Array or array of rows', x);
  if (flat.length === 0) throw new RangeError(`${where}: is empty`);
  if (flat.length % features !== 0) throw new RangeError(`${where}: ${flat.length} values is not a whole number of rows of ${features} features`);
  // number[] entries that are not numbers become NaN in a Float32Array: refuse them here, by index.
  for (let i = 0; i < flat.length; i++) {
    if (!Number.isFinite(flat[i])) throw new RangeError(`${where}: element ${i} is ${flat[i]}, expected a finite number`);
  }
  return flat;
}

/** y as a typed array of finite labels (number[] becomes a Float32Array). */
function labelsOf(y: unknown): BatchLabels {
  const where = `${WHERE}: y`;
  let ys: BatchLabels;
  if (Array.isArray(y)) {
    y.forEach((v, i) => {
      if (typeof v !== 'number') throw typeError(`${where}[${i}]`, 'a finite number', v);
    });
    ys = Float32Array.from(y as number[]);
  } else {
    const tag = ArrayBuffer.isView(y) ? (y as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : '';
    const type = LABEL_ARRAYS[tag as keyof typeof LABEL_ARRAYS];
    if (!type) throw typeError(where, 'a typed array or number[] of labels', y);
    ys = typedArray(where, y, type as unknown as { new (from: ArrayLike<number>): BatchLabels; name: string });
  }
  for (let i = 0; i < ys.length; i++) {
    if (!Number.isFinite(ys[i])) throw new RangeError(`${where}: element ${i} is ${ys[i]}, expected a finite number`);
  }
  return ys;
}

/**
 * Yields { x, y, indices } batches over the rows of x [m, features] and y ([m] class indices or
 * [m, k] labels). Arguments are checked when called, before the first batch.
 */
export function miniBatches<Y extends BatchLabels = Float32Array>(
  x: Matrix,
  y: Y | number[],
  options: MiniBatchOptions = {},
): Generator<MiniBatch<Y>, void, undefined> {
  const o = strict(`${WHERE} options`, options, KEYS);
  const nested = Array.isArray(x) && x.length > 0 && Array.isArray(x[0]) ? (x[0] as number[]).length : undefined;
  if (o.features === undefined && nested === undefined) throw new TypeError(`${WHERE}: features: required for flat x (the number of columns of x)`);
  const features = integer(`${WHERE}: features`, o.features ?? nested, 1);
  const batchSize = optional(o.batchSize, 32, (v) => integer(`${WHERE}: batchSize`, v, 1));
  const shuffle = optional(o.shuffle, true, (v) => boolean(`${WHERE}: shuffle`, v));
  const dropLast = optional(o.dropLast, false, (v) => boolean(`${WHERE}: dropLast`, v));
  const rng = optional(o.rng, undefined, (v) => {
    if (!(v instanceof Rng)) throw typeError(`${WHERE}: rng`, 'an Rng (reference.Rng)', v);
    return v;
  });
  const seed = optional(o.seed, 0, (v) => seedArg(`${WHERE}: seed`, v));

  const xs = flatX(x, features);
  const m = xs.length / features;
  const ys = labelsOf(y);
  if (ys.length === 0) throw new RangeError(`${WHERE}: y: is empty`);
  if (ys.length % m !== 0) throw new RangeError(`${WHERE}: y: has ${ys.length} values for the ${m} rows of x; expected ${m} labels or an [${m}, k] matrix`);
  const yCols = ys.length / m;
  if (dropLast && batchSize > m) throw new RangeError(`${WHERE}: batchSize: ${batchSize} exceeds the ${m} examples and dropLast is set, so no batch would be yielded`);

  const order = new Int32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  if (shuffle) (rng ?? Rng.withStream(seed, RngStream.SHUFFLE)).shuffle(order);

  const labels = ys;
  return (function* () {
    for (let start = 0; start < m; start += batchSize) {
      const size = Math.min(batchSize, m - start);
      if (size < batchSize && dropLast) return;
      const indices = order.slice(start, start + size);
      if (!shuffle) {
        yield { x: xs.subarray(start * features, (start + size) * features), y: labels.subarray(start * yCols, (start + size) * yCols) as Y, indices };
        continue;
      }
      const bx = new Float32Array(size * features);
      const by = new (labels.constructor as { new (n: number): BatchLabels })(size * yCols);
      for (let r = 0; r < size; r++) {
        const row = indices[r];
        bx.set(xs.subarray(row * features, (row + 1) * features), r * features);
        by.set(labels.subarray(row * yCols, (row + 1) * yCols), r * yCols);
      }
      yield { x: bx, y: by as Y, indices };
    }
  })();
}
