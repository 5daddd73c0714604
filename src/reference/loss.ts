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

/** The per-entry penalty of a regression loss on e = ŷ − y, with its derivative in e. */
function regressionPenalty(kind: 'squared' | 'absolute' | 'huber', delta: number): (e: number) => [loss: number, grad: number] {
  switch (kind) {
    case 'squared':
      return (e) => [e * e, 2 * e];
    case 'absolute':
      return (e) => [Math.abs(e), Math.sign(e)]; // sign(0) = 0
    case 'huber':
      // ½e² inside ±δ, δ(|e| − ½δ) outside: continuous with its first derivative at |e| = δ.
      return (e) => (Math.abs(e) <= delta ? [0.5 * e * e, e] : [delta * (Math.abs(e) - 0.5 * delta), delta * Math.sign(e)]);
  }
}

/**
 * A regression loss on linear outputs Z against targets Y (same shape): the mean over every
 * entry (Keras's and PyTorch's default reduction). probs = Z itself, dZ = penalty'(e)/(m·n).
 */
export function regressionLoss<T extends FloatArray>(kind: 'squared' | 'absolute' | 'huber', z: T, y: FloatArray, delta = 1): LossResult<T> {
  checkLength('regressionLoss', 'y', y, z.length);
  const penalty = regressionPenalty(kind, delta);
  const dz = like(z, z.length);
  let total = 0;
  for (let i = 0; i < z.length; i++) {
    const [loss, grad] = penalty(z[i] - y[i]);
    total += loss;
    dz[i] = grad / z.length;
  }
  return { loss: z.length === 0 ? 0 : total / z.length, probs: z.slice() as T, dz };
}

interface LossDefinition {
  /** What the last layer's outputs become. */
  output: 'softmax' | 'sigmoid' | 'linear';
  /** What the targets are: rows that are distributions, 0/1 per output, or any real. */
  targets: 'distribution' | 'binary' | 'real';
  /** Its one parameter's name and default, if it has one (Huber's δ). */
  parameter?: readonly [name: string, defaultValue: number];
  /** The fewest output units that make sense. */
  minOutputs: number;
  lossAndGrad<T extends FloatArray>(z: T, y: FloatArray, n: number, p: number): LossResult<T>;
}

/**
 * Every loss, by the name the backends use: the TypeScript side's one definition of each kind
 * (the native twin is crates/core/src/network/loss_kind.rs). The model API and the reference
 * network read this table for outputs, targets, parameters and formulas.
 */
export const LOSSES = {
  softmaxCrossEntropy: { output: 'softmax', targets: 'distribution', minOutputs: 2, lossAndGrad: (z, y, n) => softmaxCrossEntropy(z, y, n) },
  sigmoidBinaryCrossEntropy: { output: 'sigmoid', targets: 'binary', minOutputs: 1, lossAndGrad: (z, y, n) => sigmoidBinaryCrossEntropy(z, y, n) },
  mse: { output: 'linear', targets: 'real', minOutputs: 1, lossAndGrad: (z, y) => regressionLoss('squared', z, y) },
  mae: { output: 'linear', targets: 'real', minOutputs: 1, lossAndGrad: (z, y) => regressionLoss('absolute', z, y) },
  huber: { output: 'linear', targets: 'real', parameter: ['delta', 1], minOutputs: 1, lossAndGrad: (z, y, _n, delta) => regressionLoss('huber', z, y, delta) },
} as const satisfies Record<string, LossDefinition>;

export type LossName = keyof typeof LOSSES;
export const LOSS_NAMES = Object.keys(LOSSES) as LossName[];

export function lossDefinition(name: LossName): LossDefinition {
  if (!Object.hasOwn(LOSSES, name)) throw new Error(`unknown loss: ${String(name)}`);
  return LOSSES[name] as LossDefinition;
}
