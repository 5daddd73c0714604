/**
 * Weight regularization (weights only: biases, γ and β are never regularized); m is the size of
 * the mini-batch the gradient was computed on.
 *   L2: cost + (λ/2m)·Σ W²,  gradient + (λ/m)·W
 *   L1: cost + (λ/m)·Σ |W|,  gradient + (λ/m)·sign(W), sign(0) = 0
 * A coefficient of 0 skips its term entirely.
 */
import { checkLength, type FloatArray } from './types';

/** sign(w) with sign(0) = 0 (also for −0). */
function sign(w: number): number {
  return w > 0 ? 1 : w < 0 ? -1 : 0;
}

/** dW += (l2/m)·W + (l1/m)·sign(W), in place. */
export function regularizationGrad(w: FloatArray, dw: FloatArray, l2: number, l1: number, m: number): void {
  checkLength('regularizationGrad', 'dw', dw, w.length);
  for (let i = 0; i < w.length; i++) {
    let g = 0;
    if (l2 !== 0) g += (l2 / m) * w[i];
    if (l1 !== 0) g += (l1 / m) * sign(w[i]);
    dw[i] += g;
  }
}

/** (l2/2m)·Σ W² + (l1/m)·Σ |W|, summed in double. */
export function regularizationCost(w: FloatArray, l2: number, l1: number, m: number): number {
  let sumSq = 0;
  let sumAbs = 0;
  for (let i = 0; i < w.length; i++) {
    sumSq += w[i] * w[i];
    sumAbs += Math.abs(w[i]);
  }
  let cost = 0;
  if (l2 !== 0) cost += (l2 / (2 * m)) * sumSq;
  if (l1 !== 0) cost += (l1 / m) * sumAbs;
  return cost;
}
