// Conversions from what users hand in (typed arrays, nested arrays, class indices) to the
// row-major Float32Array matrices the backends take. Every problem names the argument.

export type Matrix = Float32Array | Float64Array | number[][] | number[];
export type Labels = Int32Array | Uint8Array | Uint16Array | Uint32Array | number[] | Float32Array;

/** x as Float32Array [m, cols]; throws for a wrong width, empty data or non-finite values. */
export function toMatrix(name: string, x: Matrix, cols: number): Float32Array {
  let flat: Float32Array;
  if (x instanceof Float32Array) flat = x;
  else if (x instanceof Float64Array) flat = Float32Array.from(x);
  else if (Array.isArray(x)) {
    if (x.length > 0 && Array.isArray(x[0])) {
      const rows = x as number[][];
      flat = new Float32Array(rows.length * cols);
      rows.forEach((row, i) => {
        if (!Array.isArray(row) || row.length !== cols) {
          throw new TypeError(`${name}: row ${i} has ${Array.isArray(row) ? row.length : typeof row} values, expected ${cols}`);
        }
        flat.set(row, i * cols);
      });
    } else flat = Float32Array.from(x as number[]);
  } else {
    throw new TypeError(`${name}: expected a Float32Array, Float64Array or array of rows, got ${describe(x)}`);
  }
  if (flat.length === 0) throw new RangeError(`${name}: is empty; expected shape [m, ${cols}] with m ≥ 1`);
  if (flat.length % cols !== 0) {
    throw new RangeError(`${name}: ${flat.length} values is not a whole number of rows of ${cols} features (expected shape [m, ${cols}])`);
  }
  for (let i = 0; i < flat.length; i++) {
    if (!Number.isFinite(flat[i])) throw new RangeError(`${name}: element ${i} is ${flat[i]}, expected a finite number`);
  }
  return flat;
}

/**
 * Labels → Float32Array [m, outputs]. Softmax models take class indices in [0, outputs) or a
 * one-hot matrix; sigmoid models take 0/1 values ([m] when outputs = 1, else [m, outputs]).
 */
export function toLabelMatrix(name: string, y: Labels, m: number, outputs: number, multiClass: boolean): Float32Array {
  if (!(ArrayBuffer.isView(y) || Array.isArray(y))) {
    throw new TypeError(`${name}: expected class indices (Int32Array, Uint8Array, number[]) or a Float32Array of labels, got ${describe(y)}`);
  }
  const values = y as ArrayLike<number>;
  if (values.length === m * outputs && (y instanceof Float32Array || !multiClass || outputs === 1)) {
    const out = Float32Array.from(values);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]) || out[i] < 0 || out[i] > 1) {
        throw new RangeError(`${name}: element ${i} is ${out[i]}, expected a label in [0, 1]`);
      }
    }
    return out;
  }
  if (values.length !== m) {
    throw new RangeError(`${name}: has ${values.length} entries for ${m} examples; expected ${m} class indices or an [${m}, ${outputs}] label matrix`);
  }
  if (!multiClass) {
    throw new RangeError(`${name}: a sigmoid model with ${outputs} outputs needs an [${m}, ${outputs}] matrix of 0/1 labels`);
  }
  const oneHot = new Float32Array(m * outputs);
  for (let i = 0; i < m; i++) {
    const c = values[i];
    if (!Number.isInteger(c) || c < 0 || c >= outputs) {
      throw new RangeError(`${name}: label ${i} is ${c}, expected a class index in [0, ${outputs - 1}]`);
    }
    oneHot[i * outputs + c] = 1;
  }
  return oneHot;
}

/** Index of the largest value in each row of [m, n]. */
export function argmaxRows(p: Float32Array, n: number): Int32Array {
  const m = p.length / n;
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (p[i * n + j] > p[i * n + best]) best = j;
    out[i] = best;
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}
