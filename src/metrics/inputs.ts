// What the metric functions accept, checked once and copied: class indices become an Int32Array,
// real values (regression targets, scores) a row-major Float64Array. Every problem names the
// function and the argument (`accuracy: yPred: element 3 is 2.5, expected a class index …`).
// Values are read from a copy, so a SharedArrayBuffer another thread writes cannot change what
// was checked.
import { describe, integer, rangeError, typeError } from '../validation/args';

/** Class indices, one per example: integers in [0, classes − 1]. */
export type ClassIndices = readonly number[] | Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Float32Array | Float64Array;

/** Real values: [m] or row-major [m, k] flat, or one array per row. */
export type RealValues = readonly number[] | Float32Array | Float64Array | readonly (readonly number[] | Float32Array | Float64Array)[];

/** Most classes any metric takes (the per-class arrays are this long). */
export const MAX_CLASSES = 1_000_000;

/** Most examples: counts are kept in Int32Arrays. */
export const MAX_EXAMPLES = 2 ** 31 - 1;

/** A number[] or a typed array of numbers (not a BigInt array, not a DataView), live; `undefined` otherwise. */
function numericArray(value: unknown): ArrayLike<unknown> | undefined {
  if (Array.isArray(value)) return value;
  if (!ArrayBuffer.isView(value) || value instanceof DataView || value instanceof BigInt64Array || value instanceof BigUint64Array) return undefined;
  return value as unknown as ArrayLike<unknown>;
}

function detached(view: ArrayBufferView): boolean {
  if (view.byteLength !== 0 || Object.prototype.toString.call(view.buffer) === '[object SharedArrayBuffer]') return false;
  try {
    new Uint8Array(view.buffer); // Node < 22 has no ArrayBuffer.prototype.detached; a detached buffer throws here
    return false;
  } catch {
    return true;
  }
}

function live(where: string, array: ArrayLike<unknown>): void {
  if (ArrayBuffer.isView(array) && detached(array)) {
    throw new TypeError(`${where}: its ArrayBuffer is detached (transferred to another thread), so it holds no data`);
  }
}

/** `classes` as every metric checks it: an integer in [1, max]. */
export function classCount(where: string, value: unknown, max = MAX_CLASSES): number {
  return integer(where, value, 1, max);
}

/**
 * Class indices as a fresh Int32Array, each an integer in [0, classes − 1] (or ≥ 0 when
 * `classes` is undefined). Empty input is an error: no metric is defined on zero examples.
 */
export function classIndices(where: string, value: unknown, classes: number | undefined): Int32Array {
  const array = numericArray(value);
  if (array === undefined) throw typeError(where, 'class indices (number[], Int32Array, Uint8Array or another typed array)', value);
  live(where, array);
  if (array.length === 0) throw new RangeError(`${where}: is empty; a metric needs at least one example`);
  if (array.length > MAX_EXAMPLES) throw rangeError(`${where}: length`, `at most ${MAX_EXAMPLES}`, array.length);
  const hi = classes === undefined ? MAX_EXAMPLES : classes - 1;
  const expected = classes === undefined ? 'a class index (an integer ≥ 0)' : `a class index in [0, ${hi}]`;
  const out = new Int32Array(array.length);
  for (let i = 0; i < array.length; i++) {
    const v = array[i];
    if (typeof v !== 'number') throw new TypeError(`${where}: element ${i} is ${describe(v)}, expected ${expected}`);
    if (!Number.isInteger(v) || v < 0 || v > hi) throw new RangeError(`${where}: element ${i} is ${describe(v)}, expected ${expected}`);
    out[i] = v;
  }
  return out;
}

/** A row-major matrix of finite values, copied to f64. */
export interface RealMatrix {
  values: Float64Array;
  rows: number;
  /** Columns: outputs for regression, classes for scores. */
  cols: number;
}

/**
 * Finite real values as [rows, cols]. Nested arrays give both from their shape. A flat array is
 * [length / cols, cols], where cols is `shape.cols` when given, else length / `shape.rows`
 * (which must then divide the length exactly), else 1.
 */
export function realMatrix(where: string, value: unknown, shape: { rows?: number; cols?: number } = {}): RealMatrix {
  const expected = 'a number[], Float32Array or Float64Array ([m] or row-major [m, k]) or an array of rows';
  const array = numericArray(value);
  if (array === undefined) throw typeError(where, expected, value);
  live(where, array);
  if (array.length === 0) throw new RangeError(`${where}: is empty; a metric needs at least one example`);
  if (Array.isArray(array) && array.some((row) => typeof row === 'object' && row !== null)) return nestedRows(where, array, shape);
  if (shape.rows !== undefined && shape.cols !== undefined && array.length !== shape.rows * shape.cols) {
    throw new RangeError(`${where}: has ${array.length} values, expected ${shape.rows * shape.cols} (shape [${shape.rows}, ${shape.cols}]: one row of ${shape.cols} per example)`);
  }
  let cols = shape.cols ?? 1;
  if (shape.cols === undefined && shape.rows !== undefined) {
    if (array.length % shape.rows !== 0) {
      throw new RangeError(`${where}: ${array.length} values is not a whole number of rows for ${shape.rows} examples (expected [${shape.rows}, k])`);
    }
    cols = array.length / shape.rows;
  }
  if (array.length % cols !== 0) {
    throw new RangeError(`${where}: ${array.length} values is not a whole number of rows of ${cols} (expected [m, ${cols}])`);
  }
  const rows = array.length / cols;
  const values = new Float64Array(array.length);
  for (let i = 0; i < array.length; i++) {
    const v = array[i];
    if (typeof v !== 'number') throw new TypeError(`${where}: element ${i} is ${describe(v)}, expected a finite number`);
    values[i] = v;
  }
  checkFinite(where, values, cols);
  return { values, rows, cols };
}

function nestedRows(where: string, array: readonly unknown[], shape: { rows?: number; cols?: number }): RealMatrix {
  const first = numericArray(array[0]);
  if (first === undefined) {
    throw new TypeError(`${where}: row 0 is ${describe(array[0])}, expected an array of numbers`);
  }
  const cols = first.length;
  if (cols === 0) throw new RangeError(`${where}: row 0 is empty; each row needs at least one value`);
  if (shape.cols !== undefined && cols !== shape.cols) {
    throw new RangeError(`${where}: rows have ${cols} values, expected ${shape.cols}`);
  }
  if (shape.rows !== undefined && array.length !== shape.rows) {
    throw new RangeError(`${where}: has ${array.length} rows, expected ${shape.rows} (one per example)`);
  }
  const values = new Float64Array(array.length * cols);
  for (let r = 0; r < array.length; r++) {
    const row = numericArray(array[r]);
    if (row === undefined) throw new TypeError(`${where}: row ${r} is ${describe(array[r])}, expected an array of ${cols} numbers`);
    live(`${where}: row ${r}`, row);
    if (row.length !== cols) throw new RangeError(`${where}: row ${r} has ${row.length} values, expected ${cols} (as row 0)`);
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== 'number') throw new TypeError(`${where}: row ${r}, column ${j} is ${describe(v)}, expected a finite number`);
      values[r * cols + j] = v;
    }
  }
  checkFinite(where, values, cols);
  return { values, rows: array.length, cols };
}

function checkFinite(where: string, values: Float64Array, cols: number): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const at = cols === 1 ? `element ${i}` : `element ${i} (row ${Math.floor(i / cols)}, column ${i % cols})`;
      throw new RangeError(`${where}: ${at} is ${values[i]}, expected a finite number`);
    }
  }
}

/** Both label arrays describe the same examples. */
export function sameLength(fn: string, a: { length: number }, aName: string, b: { length: number }, bName: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${fn}: ${bName}: has ${b.length} entries but ${aName} has ${a.length}; they must describe the same examples`);
  }
}
