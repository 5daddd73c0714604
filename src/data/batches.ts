// Mini-batches for users who write their own training loop (with model.trainStep).
//
// Conventions (as fit's): every example appears exactly once per pass; the last batch is
// partial (m mod batchSize rows) unless `dropLast`. The order is a Fisher–Yates shuffle from the
// portable RNG's SHUFFLE stream of `seed`, so the same seed gives the same batches on every
// machine. One call is one pass (epoch): pass the same `rng` to every epoch's call for a new
// order each epoch; a bare `seed` gives the same order every time.
// Shuffled batches are copies; unshuffled ones are views (subarray) of x and y, no copy.
import { Rng, RngStream } from '../reference/rng';
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

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

function flatX(x: Matrix, features: number): Float32Array {
  let flat: Float32Array;
  if (x instanceof Float32Array) flat = x;
  else if (x instanceof Float64Array) flat = Float32Array.from(x);
  else if (Array.isArray(x) && x.length > 0 && Array.isArray(x[0])) {
    const nested = x as number[][];
    flat = new Float32Array(nested.length * features);
    nested.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== features) {
        throw new RangeError(`x: row ${i} has ${Array.isArray(row) ? row.length : describe(row)} values, expected ${features}`);
      }
      flat.set(row, i * features);
    });
  } else if (Array.isArray(x)) flat = Float32Array.from(x as number[]);
  else throw new TypeError(`x: expected a Float32Array, Float64Array or array of rows, got ${describe(x)}`);
  if (flat.length === 0) throw new RangeError('x: is empty');
  if (flat.length % features !== 0) throw new RangeError(`x: ${flat.length} values is not a whole number of rows of ${features} features`);
  return flat;
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
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const nested = Array.isArray(x) && x.length > 0 && Array.isArray(x[0]) ? (x[0] as number[]).length : undefined;
  const features = options.features ?? nested;
  if (features === undefined) throw new TypeError('options.features: required for flat x (the number of columns of x)');
  if (!Number.isInteger(features) || features < 1) throw new RangeError(`options.features: must be an integer ≥ 1, got ${features}`);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`options.batchSize: must be an integer ≥ 1, got ${batchSize}`);
  for (const flag of ['shuffle', 'dropLast'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      throw new TypeError(`options.${flag}: expected a boolean, got ${typeof options[flag]}`);
    }
  }
  if (options.rng !== undefined && !(options.rng instanceof Rng)) throw new TypeError(`options.rng: expected an Rng, got ${describe(options.rng)}`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`options.seed: must be a non-negative safe integer, got ${seed}`);

  const xs = flatX(x, features);
  const m = xs.length / features;
  let ys: BatchLabels;
  if (Array.isArray(y)) ys = Float32Array.from(y);
  else if (ArrayBuffer.isView(y) && !(y instanceof DataView) && !(y instanceof BigInt64Array) && !(y instanceof BigUint64Array)) ys = y;
  else throw new TypeError(`y: expected a typed array or number[] of labels, got ${describe(y)}`);
  if (ys.length === 0) throw new RangeError('y: is empty');
  if (ys.length % m !== 0) throw new RangeError(`y: has ${ys.length} values for the ${m} rows of x; expected ${m} labels or an [${m}, k] matrix`);
  const yCols = ys.length / m;
  const dropLast = options.dropLast ?? false;
  if (dropLast && batchSize > m) throw new RangeError(`options.batchSize: ${batchSize} exceeds the ${m} examples and dropLast is set, so no batch would be yielded`);

  const order = new Int32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  const shuffle = options.shuffle ?? true;
  if (shuffle) (options.rng ?? Rng.withStream(seed, RngStream.SHUFFLE)).shuffle(order);

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
