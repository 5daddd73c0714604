/**
 * Optimizer updates, in place over a parameter W, its gradient g and its state (state starts at 0).
 * Each new state value is stored first and the stored value is used for the W update.
 * ε sits outside the square root (PyTorch, Keras and the course).
 */
import { checkLength, type FloatArray } from './types';

function checkSameLength(kernel: string, w: FloatArray, others: Record<string, FloatArray>): void {
  for (const [name, arr] of Object.entries(others)) checkLength(kernel, name, arr, w.length);
}

function checkStep(kernel: string, t: number): void {
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`${kernel}: step t must be an integer ≥ 1, got ${t}`);
}

/** Gradient descent: W −= lr·g. */
export function sgdStep(w: FloatArray, g: FloatArray, lr: number): void {
  checkSameLength('sgdStep', w, { g });
  for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
}

/** Momentum (course form): v = β·v + (1−β)·g; W −= lr·v. */
export function momentumStep(w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number): void {
  checkSameLength('momentumStep', w, { g, v });
  for (let i = 0; i < w.length; i++) {
    v[i] = beta * v[i] + (1 - beta) * g[i];
    w[i] -= lr * v[i];
  }
}

/** Nesterov: v = β·v + (1−β)·g; W −= lr·(β·v + (1−β)·g) (look-ahead with the new v). */
export function nesterovStep(w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number): void {
  checkSameLength('nesterovStep', w, { g, v });
  for (let i = 0; i < w.length; i++) {
    v[i] = beta * v[i] + (1 - beta) * g[i];
    w[i] -= lr * (beta * v[i] + (1 - beta) * g[i]);
  }
}

/** RMSprop: s = β·s + (1−β)·g²; W −= lr·g/(√s + ε). */
export function rmspropStep(w: FloatArray, g: FloatArray, s: FloatArray, lr: number, beta: number, eps: number): void {
  checkSameLength('rmspropStep', w, { g, s });
  for (let i = 0; i < w.length; i++) {
    s[i] = beta * s[i] + (1 - beta) * g[i] * g[i];
    w[i] -= (lr * g[i]) / (Math.sqrt(s[i]) + eps);
  }
}

/**
 * Adam, t = the new step number (≥ 1): v = β1·v + (1−β1)·g; s = β2·s + (1−β2)·g²;
 * v̂ = v/(1−β1^t); ŝ = s/(1−β2^t); W −= lr·v̂/(√ŝ + ε).
 */
export function adamStep(
  w: FloatArray,
  g: FloatArray,
  v: FloatArray,
  s: FloatArray,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  t: number,
): void {
  checkSameLength('adamStep', w, { g, v, s });
  checkStep('adamStep', t);
  const c1 = 1 - beta1 ** t; // bias corrections
  const c2 = 1 - beta2 ** t;
  for (let i = 0; i < w.length; i++) {
    v[i] = beta1 * v[i] + (1 - beta1) * g[i];
    s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i];
    const vHat = v[i] / c1;
    const sHat = s[i] / c2;
    w[i] -= (lr * vHat) / (Math.sqrt(sHat) + eps);
  }
}

/** AdamW: W −= lr·weightDecay·W (decoupled, applied first, as PyTorch), then the Adam step. */
export function adamwStep(
  w: FloatArray,
  g: FloatArray,
  v: FloatArray,
  s: FloatArray,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  t: number,
): void {
  checkSameLength('adamwStep', w, { g, v, s });
  checkStep('adamwStep', t);
  for (let i = 0; i < w.length; i++) w[i] -= lr * weightDecay * w[i];
  adamStep(w, g, v, s, lr, beta1, beta2, eps, t);
}

/**
 * Every optimizer by name, with its default learning rate and the options it reads and their
 * defaults (the course's: β 0.9, β1 0.9, β2 0.999, ε 1e-8; AdamW's decay 0.01): the TypeScript
 * side's one definition of each kind (the native twin is `OptimizerKind` in
 * crates/core/src/network/optimizer.rs). The API's builders and checks and the reference's
 * parser read this table.
 */
export const OPTIMIZERS = {
  gd: { learningRate: 0.01, options: {} },
  momentum: { learningRate: 0.01, options: { beta: 0.9 } },
  nesterov: { learningRate: 0.01, options: { beta: 0.9 } },
  rmsprop: { learningRate: 0.001, options: { beta: 0.9, epsilon: 1e-8 } },
  adam: { learningRate: 0.001, options: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } },
  adamw: { learningRate: 0.001, options: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 } },
} as const satisfies Record<string, { learningRate: number; options: Record<string, number> }>;

export type OptimizerName = keyof typeof OPTIMIZERS;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];
