/**
 * Output layers with their losses, computed from the logits Z[m, n] (numerically stable).
 * Losses are accumulated in double and returned as a number; dZ already carries the 1/m.
 */
import { sigmoid } from './activation';
import { checkLength, like, rowsOf, type FloatArray } from './types';

export interface LossResult<T extends FloatArray> {
  /** Mean loss over the m examples. */
  loss: number;
  /** Output-layer activations (softmax or sigmoid of Z). */
  probs: T;
  /** Gradient of `loss` with respect to Z. */
  dz: T;
}

/** Per row i: max_i and log Σ_k exp(z_ik − max_i) (the shifted log-sum-exp). */
function rowMaxAndLogSumExp(z: FloatArray, row: number, n: number): { max: number; lse: number } {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, z[row * n + j]);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(z[row * n + j] - max);
  return { max, lse: Math.log(sum) };
}

/** Row-wise softmax: p_ij = exp(z_ij − max_i) / Σ_k exp(z_ik − max_i). */
export function softmax<T extends FloatArray>(z: T, n: number): T {
  const m = rowsOf('softmax', 'z', z, n);
  const p = like(z, z.length);
  for (let i = 0; i < m; i++) {
    const { max, lse } = rowMaxAndLogSumExp(z, i, n);
    // exp(z − max − lse) = exp(z − max) / Σ exp(z − max)
    for (let j = 0; j < n; j++) p[i * n + j] = Math.exp(z[i * n + j] - max - lse);
  }
  return p;
}

/**
 * Softmax + cross-entropy. Y is one-hot (or any rows of probabilities).
 * loss = −(1/m) Σ_i Σ_j Y_ij · log p_ij,  log p_ij = z_ij − max_i − log Σ_k exp(z_ik − max_i);
 * dZ = (P − Y)/m.
 */
export function softmaxCrossEntropy<T extends FloatArray>(z: T, y: FloatArray, n: number): LossResult<T> {
  const m = rowsOf('softmaxCrossEntropy', 'z', z, n);
  checkLength('softmaxCrossEntropy', 'y', y, z.length);
  const probs = like(z, z.length);
  const dz = like(z, z.length);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const { max, lse } = rowMaxAndLogSumExp(z, i, n);
    for (let j = 0; j < n; j++) {
      const idx = i * n + j;
      const logP = z[idx] - max - lse;
      const p = Math.exp(logP);
      total -= y[idx] * logP;
      probs[idx] = p;
      dz[idx] = (p - y[idx]) / m;
    }
  }
  return { loss: m === 0 ? 0 : total / m, probs, dz };
}

/**
 * Sigmoid + binary cross-entropy, per element: max(z, 0) − z·y + log(1 + exp(−|z|))
 * (= −y·log σ(z) − (1 − y)·log(1 − σ(z)) without overflow); summed over the n outputs and
 * averaged over the m examples. probs = σ(Z), dZ = (σ(Z) − Y)/m.
 */
export function sigmoidBinaryCrossEntropy<T extends FloatArray>(z: T, y: FloatArray, n: number): LossResult<T> {
  const m = rowsOf('sigmoidBinaryCrossEntropy', 'z', z, n);
  checkLength('sigmoidBinaryCrossEntropy', 'y', y, z.length);
  const probs = like(z, z.length);
  const dz = like(z, z.length);
  let total = 0;
  for (let idx = 0; idx < z.length; idx++) {
    const zi = z[idx];
    const yi = y[idx];
    total += Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
    const p = sigmoid(zi);
    probs[idx] = p;
    dz[idx] = (p - yi) / m;
  }
  return { loss: m === 0 ? 0 : total / m, probs, dz };
}
