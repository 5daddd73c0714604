// Weighting examples in fit, as Keras users know it: `sampleWeight` (one weight per example) and
// `classWeight` (a weight per class, applied to each example by its label), multiplied together
// when both are given. The loss of a batch is then (1/m)·Σ wᵢ·ℓᵢ — Keras's reduction: the
// weighted sum over the batch size, not over Σ w — so a weight of 2 counts an example twice and
// weights of 0 drop it. Validation data and evaluate are never weighted.
import { labelLayout, type Labels, type Targets } from '../data/arrays';
import * as check from '../validation/args';

/**
 * The weight of every row, or null when neither option is given. `y` is the fit's labels
 * (already checked in shape by the data ingestion or about to be).
 */
export function rowWeights(
  m: number,
  y: Labels,
  outputs: number,
  targets: Targets,
  sampleWeight: unknown,
  classWeight: unknown,
): Float32Array | null {
  if (sampleWeight === undefined && classWeight === undefined) return null;
  const weights = new Float32Array(m).fill(1);
  if (sampleWeight !== undefined) {
    const where = 'fit: sampleWeight';
    if (!(Array.isArray(sampleWeight) || sampleWeight instanceof Float32Array || sampleWeight instanceof Float64Array)) {
      throw check.typeError(where, `one weight per example (a number[], Float32Array or Float64Array of ${m})`, sampleWeight);
    }
    if (sampleWeight.length !== m) throw new RangeError(`${where}: has ${sampleWeight.length} weights for ${m} examples`);
    for (let i = 0; i < m; i++) weights[i] = check.number(`${where}[${i}]`, (sampleWeight as ArrayLike<unknown>)[i], 0);
  }
  if (classWeight !== undefined) {
    const perClass = classWeights('fit: classWeight', classWeight, outputs, targets);
    const classes = rowClasses('fit: y', y, m, outputs, targets);
    for (let i = 0; i < m; i++) weights[i] *= perClass[classes[i]];
  }
  return weights;
}

/** `{ 0: 1, 1: 5 }` or `[1, 5]` → a weight per class (1 for classes not named). */
function classWeights(where: string, value: unknown, outputs: number, targets: Targets): Float64Array {
  if (targets === 'real') throw new RangeError(`${where}: a regression model has no classes; use sampleWeight`);
  if (targets === 'binary' && outputs !== 1) throw new RangeError(`${where}: a sigmoid model with ${outputs} outputs is multi-label; classWeight needs softmax or one sigmoid output`);
  const classes = targets === 'binary' ? 2 : outputs;
  const out = new Float64Array(classes).fill(1);
  if (Array.isArray(value)) {
    if (value.length !== classes) throw new RangeError(`${where}: has ${value.length} weights for ${classes} classes`);
    value.forEach((w, c) => (out[c] = check.number(`${where}[${c}]`, w, 0)));
    return out;
  }
  if (!check.isPlainObject(value)) throw check.typeError(where, 'an object { class: weight } or an array of weights by class', value);
  for (const [key, w] of Object.entries(value)) {
    const c = Number(key);
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new RangeError(`${where}: '${key}' is not a class index in [0, ${classes - 1}]`);
    out[c] = check.number(`${where}[${key}]`, w, 0);
  }
  return out;
}

/** The class of every row: the index, the one-hot's argmax (a soft label's largest), or 0/1 of one sigmoid output. */
function rowClasses(where: string, y: Labels, m: number, outputs: number, targets: Targets): Int32Array {
  const layout = labelLayout(where, y, m, outputs, targets);
  const values = y as ArrayLike<number>;
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    if (layout === 'indices') out[i] = values[i];
    else if (outputs === 1) out[i] = values[i] > 0.5 ? 1 : 0;
    else {
      let best = 0;
      for (let j = 1; j < outputs; j++) if (values[i * outputs + j] > values[i * outputs + best]) best = j;
      out[i] = best;
    }
  }
  return out;
}
