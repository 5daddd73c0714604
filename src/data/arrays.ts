// Conversions from what users hand in (typed arrays, nested arrays, class indices) to the
// row-major Float32Array matrices the backends take. Every problem names the argument. The
// result is always a fresh copy, and values are checked on the copy: a SharedArrayBuffer that
// another thread writes cannot change what was checked. Conversion works on row ranges so big
// inputs can be moved in chunks between event-loop turns (./ingest.ts).
import { describe } from '../validation/args';

export type Matrix = Float32Array | Float64Array | number[][] | number[];
export type Labels = Int32Array | Uint8Array | Uint16Array | Uint32Array | number[] | Float32Array | Float64Array | number[][];

/**
 * What a model's targets are (its loss says, see src/reference/loss.ts): rows that are
 * distributions (softmax; class indices are accepted too), 0/1 per output (sigmoid), or any
 * finite real per output (regression).
 */
export type Targets = 'distribution' | 'binary' | 'real';

/** The older boolean form of `targets` (true: softmax, false: sigmoid) still works. */
function targetsOf(targets: Targets | boolean): Targets {
  return targets === true ? 'distribution' : targets === false ? 'binary' : targets;
}

/** Checks x's type and shape without reading its values; returns the row count. */
export function matrixRows(name: string, x: Matrix, cols: number): number {
  let length: number;
  if (x instanceof Float32Array || x instanceof Float64Array) {
    if (isDetached(x)) throw new TypeError(`${name}: its ArrayBuffer is detached (transferred); pass a live array`);
    length = x.length;
  } else if (Array.isArray(x)) {
    length = x.length > 0 && Array.isArray(x[0]) ? x.length * cols : x.length;
  } else {
    throw new TypeError(`${name}: expected a Float32Array, Float64Array or array of rows, got ${describe(x)}`);
  }
  if (length === 0) throw new RangeError(`${name}: is empty; expected shape [m, ${cols}] with m ≥ 1`);
  if (length % cols !== 0) {
    throw new RangeError(`${name}: ${length} values is not a whole number of rows of ${cols} features (expected shape [m, ${cols}])`);
  }
  return length / cols;
}

/** Rows [start, end) of x as float32 values in `out` (a fresh array by default), each checked finite. */
export function copyRows(name: string, x: Matrix, cols: number, start: number, end: number, out = new Float32Array((end - start) * cols)): Float32Array {
  if (Array.isArray(x) && Array.isArray(x[0])) {
    const rows = x as number[][];
    for (let i = start; i < end; i++) {
      const row = rows[i];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new TypeError(`${name}: row ${i} has ${Array.isArray(row) ? row.length : describe(row)} values, expected ${cols}`);
      }
      for (let j = 0; j < cols; j++) {
        if (typeof row[j] !== 'number') throw new TypeError(`${name}: row ${i}, column ${j} is ${describe(row[j])}, expected a number`);
      }
      out.set(row, (i - start) * cols);
    }
  } else if (Array.isArray(x)) {
    for (let i = start * cols; i < end * cols; i++) {
      const v = (x as unknown[])[i];
      if (typeof v !== 'number') throw new TypeError(`${name}: element ${i} is ${describe(v)}, expected a number`);
      out[i - start * cols] = v;
    }
  } else {
    out.set(x.subarray(start * cols, end * cols));
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new RangeError(`${name}: element ${start * cols + i} (row ${start + Math.floor(i / cols)}, column ${i % cols}) is ${out[i]}, expected a finite number`);
    }
  }
  return out;
}

/** x as a fresh Float32Array [m, cols]; throws for a wrong type or width, empty data or non-finite values. */
export function toMatrix(name: string, x: Matrix, cols: number): Float32Array {
  const m = matrixRows(name, x, cols);
  return copyRows(name, x, cols, 0, m);
}

/** How labels are laid out: a label matrix [m, outputs] (flat), rows of it, or class indices [m]. */
export type LabelLayout = 'matrix' | 'rows' | 'indices';

/**
 * Checks y's type and length: softmax models take class indices in [0, outputs) or an
 * [m, outputs] matrix of class probabilities (one-hot); sigmoid models take 0/1 values ([m]
 * when outputs = 1, else [m, outputs]); regression models take finite targets ([m] when
 * outputs = 1, else [m, outputs], flat or as rows).
 */
export function labelLayout(name: string, y: Labels, m: number, outputs: number, targetKind: Targets | boolean): LabelLayout {
  const targets = targetsOf(targetKind);
  if (!(isLabelArray(y) || Array.isArray(y))) {
    const expected = targets === 'real' ? 'targets (Float32Array, Float64Array, number[] or rows)' : 'class indices (Int32Array, Uint8Array, number[]) or a Float32Array of labels';
    throw new TypeError(`${name}: expected ${expected}, got ${describe(y)}`);
  }
  if (ArrayBuffer.isView(y) && isDetached(y)) throw new TypeError(`${name}: its ArrayBuffer is detached (transferred); pass a live array`);
  if (targets === 'real') {
    if (Array.isArray(y) && y.length > 0 && Array.isArray(y[0])) {
      if (y.length !== m) throw new RangeError(`${name}: has ${y.length} rows for ${m} examples`);
      return 'rows';
    }
    if (y.length !== m * outputs) {
      throw new RangeError(`${name}: has ${y.length} values for ${m} examples of ${outputs} target${outputs === 1 ? '' : 's'}; expected [${m}${outputs === 1 ? '' : `, ${outputs}`}]`);
    }
    return 'matrix';
  }
  if (y.length === m * outputs && (y instanceof Float32Array || y instanceof Float64Array || targets === 'binary' || outputs === 1)) return 'matrix';
  if (y.length !== m) {
    throw new RangeError(`${name}: has ${y.length} entries for ${m} examples; expected ${m} class indices or an [${m}, ${outputs}] label matrix`);
  }
  if (targets === 'binary') {
    throw new RangeError(`${name}: a sigmoid model with ${outputs} outputs needs an [${m}, ${outputs}] matrix of 0/1 labels`);
  }
  return 'indices';
}

/** Rows [start, end) of the labels as an [rows, outputs] Float32Array, every value checked on the copy. */
export function labelRows(
  name: string,
  y: Labels,
  layout: LabelLayout,
  outputs: number,
  targetKind: Targets | boolean,
  start: number,
  end: number,
): Float32Array {
  const targets = targetsOf(targetKind);
  const out = new Float32Array((end - start) * outputs);
  if (layout === 'indices') {
    for (let i = start; i < end; i++) {
      const c = (y as ArrayLike<unknown>)[i] as number;
      if (!Number.isInteger(c) || c < 0 || c >= outputs) {
        throw new RangeError(`${name}: label ${i} is ${describe(c)}, expected a class index in [0, ${outputs - 1}]`);
      }
      out[(i - start) * outputs + c] = 1;
    }
    return out;
  }
  if (layout === 'rows') return copyRows(name, y as number[][], outputs, start, end, out);
  for (let i = 0; i < out.length; i++) {
    const v = (y as ArrayLike<unknown>)[start * outputs + i];
    if (typeof v !== 'number') throw new TypeError(`${name}: element ${start * outputs + i} is ${describe(v)}, expected a number`);
    out[i] = v;
  }
  for (let i = 0; i < out.length; i++) {
    const bad = targets === 'real' ? !Number.isFinite(out[i]) : !Number.isFinite(out[i]) || out[i] < 0 || out[i] > 1;
    if (bad) throw new RangeError(`${name}: element ${start * outputs + i} is ${out[i]}, expected ${targets === 'real' ? 'a finite target' : 'a label in [0, 1]'}`);
  }
  if (targets === 'distribution') {
    // Cross-entropy against a row that is not a distribution is meaningless: an all-zero row
    // would contribute a loss of 0 and silently train nothing.
    for (let r = 0; r < end - start; r++) {
      let sum = 0;
      for (let j = 0; j < outputs; j++) sum += out[r * outputs + j];
      if (Math.abs(sum - 1) > 1e-3) {
        throw new RangeError(`${name}: row ${start + r} sums to ${sum}; a softmax label row must be one-hot (or class probabilities summing to 1)`);
      }
    }
  }
  return out;
}

/** Labels → a fresh Float32Array [m, outputs] (see labelLayout for what is accepted). */
export function toLabelMatrix(name: string, y: Labels, m: number, outputs: number, targets: Targets | boolean): Float32Array {
  const layout = labelLayout(name, y, m, outputs, targets);
  return labelRows(name, y, layout, outputs, targets, 0, m);
}

/** Index of the largest value in each row of [m, n]. */
export function argmaxRows(p: Float32Array, n: number): Int32Array {
  if (!(p instanceof Float32Array)) throw new TypeError(`argmaxRows: p: expected a Float32Array, got ${describe(p)}`);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > Math.max(p.length, 1)) {
    throw new RangeError(`argmaxRows: n: must be an integer in [1, ${Math.max(p.length, 1)}] (the row width), got ${describe(n)}`);
  }
  if (p.length % n !== 0) throw new RangeError(`argmaxRows: p: ${p.length} values is not a whole number of rows of ${n}`);
  const m = p.length / n;
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (p[i * n + j] > p[i * n + best]) best = j;
    out[i] = best;
  }
  return out;
}

function isLabelArray(y: unknown): boolean {
  return y instanceof Int32Array || y instanceof Uint8Array || y instanceof Uint16Array || y instanceof Uint32Array || y instanceof Float32Array || y instanceof Float64Array;
}

/** A typed array whose buffer was transferred away (its length then reads 0). */
function isDetached(a: ArrayBufferView): boolean {
  if (a.byteLength !== 0 || a.buffer instanceof SharedArrayBuffer) return false;
  try {
    new Uint8Array(a.buffer); // Node 20 has no ArrayBuffer.prototype.detached; a detached buffer throws here
    return false;
  } catch {
    return true;
  }
}
