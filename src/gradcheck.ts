// Gradient checking as the course defines it: every parameter flattened into θ, backprop's
// gradient against two-sided differences (J(θ+ε) − J(θ−ε))/2ε in f64 through the whole model
// (dropout off, batch norm on batch statistics, L2/L1 terms included), and the relative
// difference ‖a − n‖₂ / (‖a‖₂ + ‖n‖₂) judged with the course's thresholds.
import type { Labels, Matrix } from './data/arrays';
import { toLabelMatrix, toMatrix } from './data/arrays';
import { Sequential, type OutputKind } from './model';
import type { TensorInfo } from './backend';
import { integer, isPlainObject, nonEmptyString, number, optional, options as strict, rangeError, typeError, typedArray } from './validation/args';

export type Verdict = 'fine' | 'suspicious' | 'likely a bug';

export interface ParameterError {
  layer: number;
  name: string;
  /** Relative difference over this parameter's elements alone. */
  relativeDifference: number;
  /** Element with the largest |analytic − numeric|. */
  worstIndex: number;
  analytic: number;
  numeric: number;
}

export interface GradientCheckReport {
  relativeDifference: number;
  verdict: Verdict;
  /** Parameters sorted worst first. */
  parameters: ParameterError[];
}

/**
 * Course thresholds: < 1e-7 fine, > 1e-3 likely a bug, in between worth a look. NaN (a NaN
 * gradient on either side) and ∞ are likely bugs, not "suspicious".
 */
export function verdictFor(relativeDifference: number): Verdict {
  const where = 'verdictFor: relativeDifference';
  if (typeof relativeDifference !== 'number') throw typeError(where, 'a number ≥ 0 (or NaN)', relativeDifference);
  if (relativeDifference < 0) throw rangeError(where, 'a number ≥ 0 (or NaN)', relativeDifference);
  if (Number.isNaN(relativeDifference)) return 'likely a bug';
  if (relativeDifference < 1e-7) return 'fine';
  if (relativeDifference > 1e-3) return 'likely a bug';
  return 'suspicious';
}

/** An array or a non-BigInt typed array of numbers. */
function numbers(where: string, value: unknown): ArrayLike<number> {
  const ok = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array));
  if (!ok) throw typeError(where, 'an array of numbers', value);
  const values = value as ArrayLike<unknown>;
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') throw typeError(`${where}[${i}]`, 'a number', values[i]);
  }
  return values as ArrayLike<number>;
}

export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  numbers('relativeDifference: a', a);
  numbers('relativeDifference: b', b);
  // A shorter b read as undefined (NaN); a longer one had its tail ignored.
  if (b.length !== a.length) throw new RangeError(`relativeDifference: b: has ${b.length} values, expected ${a.length} (as many as a)`);
  return relativeDifferenceOf(a, b);
}

function relativeDifferenceOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  const denom = Math.sqrt(na) + Math.sqrt(nb);
  return denom === 0 ? 0 : Math.sqrt(diff) / denom;
}

/**
 * Compares flattened analytic and numeric gradients block by block (a block is one parameter).
 * Exposed so a corrupted gradient can be shown to be caught.
 */
export function compareGradients(analytic: Float64Array, numeric: Float64Array, blocks: TensorInfo[]): GradientCheckReport {
  const where = 'compareGradients';
  analytic = typedArray(`${where}: analytic`, analytic, Float64Array);
  numeric = typedArray(`${where}: numeric`, numeric, Float64Array);
  if (analytic.length !== numeric.length) throw new RangeError(`${where}: numeric: has ${numeric.length} elements, expected ${analytic.length} (as many as analytic)`);
  const lengths = blockLengths(where, blocks);
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total !== analytic.length) throw new RangeError(`${where}: blocks: sizes add up to ${total}, but the gradients have ${analytic.length} elements`);
  const parameters: ParameterError[] = [];
  let offset = 0;
  for (const [k, block] of blocks.entries()) {
    const len = lengths[k];
    const a = analytic.subarray(offset, offset + len);
    const n = numeric.subarray(offset, offset + len);
    let worstIndex = 0;
    for (let i = 1; i < len; i++) if (Math.abs(a[i] - n[i]) > Math.abs(a[worstIndex] - n[worstIndex])) worstIndex = i;
    parameters.push({
      layer: block.layer,
      name: block.name,
      relativeDifference: relativeDifferenceOf(a, n),
      worstIndex,
      analytic: a[worstIndex],
      numeric: n[worstIndex],
    });
    offset += len;
  }
  // Worst first; NaN (a NaN gradient) sorts first too, since it is the likeliest bug.
  parameters.sort((p, q) => (Number.isNaN(q.relativeDifference) ? Infinity : q.relativeDifference) - (Number.isNaN(p.relativeDifference) ? Infinity : p.relativeDifference));
  const difference = relativeDifferenceOf(analytic, numeric);
  return { relativeDifference: difference, verdict: verdictFor(difference), parameters };
}

/** Each block's element count (the product of its shape), checked: `{ layer, name, shape }`. */
function blockLengths(where: string, blocks: unknown): number[] {
  if (!Array.isArray(blocks)) throw typeError(`${where}: blocks`, 'an array of { layer, name, shape }', blocks);
  return blocks.map((block, k) => {
    const at = `${where}: blocks[${k}]`;
    if (!isPlainObject(block)) throw typeError(at, '{ layer, name, shape }', block);
    integer(`${at}.layer`, block.layer, 0);
    nonEmptyString(`${at}.name`, block.name);
    if (!Array.isArray(block.shape)) throw typeError(`${at}.shape`, 'an array of dimensions', block.shape);
    return block.shape.reduce((p: number, d: unknown, j: number) => p * integer(`${at}.shape[${j}]`, d, 0), 1);
  });
}

export interface GradientCheckOptions {
  /** Step of the two-sided difference (default 1e-7, as the course). */
  epsilon?: number;
}

/** Gradient check of `model` on (x, y); use a handful of examples and a small network. */
export function gradientCheck(model: Sequential<OutputKind>, x: Matrix, y: Labels, options: GradientCheckOptions = {}): GradientCheckReport & { analytic: Float64Array; numeric: Float64Array; blocks: TensorInfo[] } {
  if (!(model instanceof Sequential)) throw typeError('gradientCheck: model', 'a model (sequential({ … }))', model);
  const o = strict('gradientCheck options', options, ['epsilon'] as const);
  // A step above 1 measures a secant, not the derivative: a typo, not a setting.
  const epsilon = optional(o.epsilon, 1e-7, (v) => number('gradientCheck: epsilon', v, 0, 1, { lo: true }));
  const input = toMatrix('gradientCheck: x', x, model.inputSize);
  const m = input.length / model.inputSize;
  const labels = toLabelMatrix('gradientCheck: y', y, m, model.outputSize, model.targets);
  const r = model.syncCall('gradientCheck', () => model.handle.gradientCheck(input, labels, epsilon));
  return { ...compareGradients(r.analytic, r.numeric, r.blocks), analytic: r.analytic, numeric: r.numeric, blocks: r.blocks };
}
