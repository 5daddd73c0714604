// Input normalization: per-feature mean μ and standard deviation σ fitted on the training set,
// then x̂ = (x − μ)/σ applied with the *same* μ, σ to train, dev and test (never refitted on
// dev/test, or the dev/test numbers stop measuring what the model will see in production).
//
// Conventions:
// - σ is the population standard deviation √((1/m)·Σ(x − μ)²) (divides by m, not m − 1, as
//   batch norm does), and it is the standard deviation, not the variance.
// - Statistics are computed in f64 (two passes) over the values as given; transform returns f32.
// - A zero-variance feature (all training values equal) keeps σ = 0 in the statistics and is
//   divided by 1 instead, so it becomes exactly 0 everywhere it equals the training value.
// - The model does not apply it by itself: `model.normalizer` only carries it through
//   saveModel/loadModel; call `normalizer.transform(x)` before fit, evaluate and predict.
import { describe, integer, isPlainObject, numbers, typeError, typedArray } from '../validation/args';
import type { Matrix } from './arrays';

/** The JSON form stored in a model file's `__metadata__.normalizer`. */
export interface NormalizerJSON {
  features: number;
  mean: number[];
  std: number[];
}

/** The feature count of a nested-rows matrix, or undefined for flat data. */
function nestedWidth(x: Matrix): number | undefined {
  return Array.isArray(x) && x.length > 0 && Array.isArray(x[0]) ? (x[0] as number[]).length : undefined;
}

/**
 * x as a flat row-major array of finite numbers [m, features] (no copy for typed arrays, except
 * one on a SharedArrayBuffer, which another thread could change while it is read).
 */
function rows(name: string, x: Matrix, features: number): Float32Array | Float64Array {
  let flat: Float32Array | Float64Array;
  if (x instanceof Float32Array) flat = typedArray(name, x, Float32Array);
  else if (x instanceof Float64Array) flat = typedArray(name, x, Float64Array);
  else if (Array.isArray(x)) {
    if (x.length > 0 && Array.isArray(x[0])) {
      const nested = x as number[][];
      // Every row's width first: allocating rows × a mistyped `features` (1e9) would abort Node.
      nested.forEach((row, i) => {
        if (!Array.isArray(row) || row.length !== features) {
          throw new RangeError(`${name}: row ${i} has ${Array.isArray(row) ? row.length : describe(row)} values, expected ${features}`);
        }
      });
      nested.forEach((row, i) => numbers(name, row, i * features));
      flat = new Float64Array(nested.length * features);
      nested.forEach((row, i) => flat.set(row, i * features));
    } else {
      numbers(name, x as unknown[]);
      flat = Float64Array.from(x as number[]);
    }
  } else {
    throw typeError(name, 'a Float32Array, Float64Array or array of rows', x);
  }
  if (flat.length === 0) throw new RangeError(`${name}: is empty; expected shape [m, ${features}] with m ≥ 1`);
  if (flat.length % features !== 0) {
    throw new RangeError(`${name}: ${flat.length} values is not a whole number of rows of ${features} features (expected shape [m, ${features}])`);
  }
  for (let i = 0; i < flat.length; i++) {
    if (!Number.isFinite(flat[i])) throw new RangeError(`${name}: element ${i} is ${flat[i]}, expected a finite number`);
  }
  return flat;
}

function featureCount(where: string, value: unknown): number {
  return integer(where, value, 1);
}

const FIELDS: readonly (keyof NormalizerJSON)[] = ['features', 'mean', 'std'];

export class Normalizer {
  /** Width of the rows it was fitted on. */
  readonly features: number;
  /** Per-feature mean μ of the training data. */
  readonly mean: Float64Array;
  /** Per-feature population standard deviation σ (0 for a constant feature; then x is divided by 1). */
  readonly std: Float64Array;

  private constructor(mean: Float64Array, std: Float64Array) {
    this.features = mean.length;
    this.mean = mean;
    this.std = std;
  }

  /** Fits μ and σ per feature on x [m, features] — pass the training set only. */
  static fit(x: Matrix, features: number): Normalizer {
    const n = featureCount('Normalizer.fit: features', features);
    const data = rows('Normalizer.fit: x', x, n);
    const m = data.length / n;
    const mean = new Float64Array(n);
    const std = new Float64Array(n);
    const min = new Float64Array(n).fill(Infinity);
    const max = new Float64Array(n).fill(-Infinity);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const v = data[i * n + j];
        mean[j] += v;
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
      }
    }
    for (let j = 0; j < n; j++) mean[j] /= m;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const d = data[i * n + j] - mean[j];
        std[j] += d * d;
      }
    }
    for (let j = 0; j < n; j++) {
      if (min[j] === max[j]) {
        // Constant feature: exact statistics (the rounded sum/m could differ from the value
        // by an ulp, which would turn 0/σ into ±1 with a σ of 1e-17).
        mean[j] = min[j];
        std[j] = 0;
      } else std[j] = Math.sqrt(std[j] / m);
    }
    return new Normalizer(mean, std);
  }

  /**
   * (x − μ)/σ as a new Float32Array [m, features]; x is not modified. Throws when x's width is
   * not the fitted one: nested rows carry their width; for flat data pass it as `features`
   * (default: the fitted width, which then only checks that x is whole rows).
   */
  transform(x: Matrix, features: number = nestedWidth(x) ?? this.features): Float32Array {
    const where = 'Normalizer.transform';
    const width = featureCount(`${where}: features`, features);
    if (width !== this.features) {
      throw new RangeError(`${where}: x: normalizer applied to the wrong width: x has ${width} features, the normalizer was fitted on ${this.features}`);
    }
    let data: Float32Array | Float64Array;
    try {
      data = rows(`${where}: x`, x, width);
    } catch (e) {
      if (e instanceof RangeError && /whole number of rows|row \d+ has/.test(e.message)) {
        throw new RangeError(`${where}: x: normalizer applied to the wrong width (${this.features} features): ${e.message.slice(`${where}: x: `.length)}`);
      }
      throw e;
    }
    const out = new Float32Array(data.length);
    const n = this.features;
    for (let i = 0; i < data.length; i += n) {
      for (let j = 0; j < n; j++) {
        const s = this.std[j];
        out[i + j] = (data[i + j] - this.mean[j]) / (s > 0 ? s : 1);
      }
    }
    return out;
  }

  toJSON(): NormalizerJSON {
    return { features: this.features, mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  /**
   * Rebuilds a normalizer from `toJSON()`'s output (or its parsed JSON text), validating every
   * field. `where` names the data in messages (`Normalizer.fromJSON: json.std[1]: …`; a model
   * state says `fromState: state.normalizer.std[1]: …`). A field it does not know is an error,
   * not dropped.
   */
  static fromJSON(json: unknown, where = 'Normalizer.fromJSON: json'): Normalizer {
    if (!isPlainObject(json)) throw typeError(where, 'an object { features, mean, std }', json);
    for (const key of Object.keys(json)) {
      if (!FIELDS.includes(key as keyof NormalizerJSON)) throw new TypeError(`${where}: unknown field '${key}' (known: ${FIELDS.join(', ')})`);
    }
    const j = json as Partial<Record<keyof NormalizerJSON, unknown>>;
    const n = featureCount(`${where}.features`, j.features);
    const vector = (name: 'mean' | 'std'): Float64Array => {
      const v = j[name];
      if (!Array.isArray(v)) throw typeError(`${where}.${name}`, `an array of ${n} numbers`, v);
      if (v.length !== n) throw new RangeError(`${where}.${name}: has ${v.length} values, expected ${n} (one per feature)`);
      v.forEach((value, i) => {
        if (typeof value !== 'number' || !Number.isFinite(value) || (name === 'std' && value < 0)) {
          throw new RangeError(`${where}.${name}[${i}]: expected a finite number${name === 'std' ? ' ≥ 0' : ''}, got ${describe(value)}`);
        }
      });
      return Float64Array.from(v as number[]);
    };
    return new Normalizer(vector('mean'), vector('std'));
  }
}
