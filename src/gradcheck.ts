// Gradient checking as the course defines it: every parameter flattened into θ, backprop's
// gradient against two-sided differences (J(θ+ε) − J(θ−ε))/2ε in f64 through the whole model
// (dropout off, batch norm on batch statistics, L2/L1 terms included), and the relative
// difference ‖a − n‖₂ / (‖a‖₂ + ‖n‖₂) judged with the course's thresholds.
import type { Labels, Matrix } from './data/arrays';
import { toLabelMatrix, toMatrix } from './data/arrays';
import type { Sequential } from './model';
import type { TensorInfo } from './backend';

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

/** Course thresholds: < 1e-7 fine, > 1e-3 likely a bug, in between worth a look. */
export function verdictFor(relativeDifference: number): Verdict {
  if (relativeDifference < 1e-7) return 'fine';
  if (relativeDifference > 1e-3) return 'likely a bug';
  return 'suspicious';
}

export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
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
  if (analytic.length !== numeric.length) throw new RangeError('numeric: must have as many elements as analytic');
  const parameters: ParameterError[] = [];
  let offset = 0;
  for (const block of blocks) {
    const len = block.shape.reduce((p, d) => p * d, 1);
    const a = analytic.subarray(offset, offset + len);
    const n = numeric.subarray(offset, offset + len);
    let worstIndex = 0;
    for (let i = 1; i < len; i++) if (Math.abs(a[i] - n[i]) > Math.abs(a[worstIndex] - n[worstIndex])) worstIndex = i;
    parameters.push({
      layer: block.layer,
      name: block.name,
      relativeDifference: relativeDifference(a, n),
      worstIndex,
      analytic: a[worstIndex],
      numeric: n[worstIndex],
    });
    offset += len;
  }
  if (offset !== analytic.length) throw new RangeError('blocks: sizes do not add up to the gradient length');
  parameters.sort((p, q) => q.relativeDifference - p.relativeDifference);
  const total = relativeDifference(analytic, numeric);
  return { relativeDifference: total, verdict: verdictFor(total), parameters };
}

export interface GradientCheckOptions {
  /** Step of the two-sided difference (default 1e-7, as the course). */
  epsilon?: number;
}

/** Gradient check of `model` on (x, y); use a handful of examples and a small network. */
export function gradientCheck(model: Sequential, x: Matrix, y: Labels, options: GradientCheckOptions = {}): GradientCheckReport & { analytic: Float64Array; numeric: Float64Array; blocks: TensorInfo[] } {
  const epsilon = options.epsilon ?? 1e-7;
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`epsilon: must be a finite number > 0, got ${epsilon}`);
  const input = toMatrix('x', x, model.inputSize);
  const m = input.length / model.inputSize;
  const labels = toLabelMatrix('y', y, m, model.outputSize, model.architecture.output === 'softmax');
  const r = model.handle.gradientCheck(input, labels, epsilon);
  return { ...compareGradients(r.analytic, r.numeric, r.blocks), analytic: r.analytic, numeric: r.numeric, blocks: r.blocks };
}
