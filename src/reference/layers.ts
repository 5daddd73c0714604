/**
 * Parameters and layers (crates/core/src/network/param.rs, layer.rs): each layer's forward and
 * backward side by side, built from the reference kernels of this folder.
 */
import { activationBackward, activationForward, type ActivationKind } from './activation';
import { batchNormBackward, batchNormForwardInference, batchNormForwardTrain, batchNormUpdateRunning } from './batchNorm';
import { addBias, biasGrad } from './bias';
import { dropoutBackward, dropoutForward } from './dropout';
import { gemm } from './gemm';
import { initWeights } from './init';
import { regularizationGrad } from './regularization';
import type { Rng } from './rng';
import type { LayerSpec } from './spec';
import { like, type FloatArray } from './types';

/** Storage precision: f32 for training, f64 for gradient checking. */
export interface Precision<T extends FloatArray> {
  alloc(length: number): T;
  copy(values: ArrayLike<number>): T;
}

export const F32: Precision<Float32Array> = { alloc: (n) => new Float32Array(n), copy: (v) => Float32Array.from(v) };
export const F64: Precision<Float64Array> = { alloc: (n) => new Float64Array(n), copy: (v) => Float64Array.from(v) };

/** How a forward pass treats batch norm and dropout. */
export type Mode =
  | 'train' // batch statistics (running ones updated), dropout on
  | 'eval' // running statistics, dropout off
  | 'gradCheck'; // batch statistics, running ones untouched, dropout off

export type ParamName = 'W' | 'b' | 'gamma' | 'beta';

/** A trainable tensor with its gradient and optimizer state (v: first moment, s: second). */
export interface Param<T extends FloatArray> {
  readonly name: ParamName;
  value: T;
  grad: T;
  v: T;
  s: T;
  /** L2 / L1 strengths: set on weights only (biases, γ and β are never regularized). */
  readonly l2: number;
  readonly l1: number;
  /** AdamW decays weights only. */
  readonly isWeight: boolean;
}

export function newParam<T extends FloatArray>(
  p: Precision<T>,
  name: ParamName,
  value: T,
  l2 = 0,
  l1 = 0,
  isWeight = false,
): Param<T> {
  const n = value.length;
  return { name, value, grad: p.alloc(n), v: p.alloc(n), s: p.alloc(n), l2, l1, isWeight };
}

export function castParam<T extends FloatArray, U extends FloatArray>(q: Param<T>, p: Precision<U>): Param<U> {
  return { ...q, value: p.copy(q.value), grad: p.copy(q.grad), v: p.copy(q.v), s: p.copy(q.s) };
}

export type BufferName = 'runningMean' | 'runningVar';

export interface Layer<T extends FloatArray> {
  readonly kind: LayerSpec['kind'];
  params(): Param<T>[];
  /** Running statistics (batch norm only), by name. */
  buffers(): Array<[BufferName, T]>;
  /** y = layer(x) for a batch of m rows. */
  forward(x: T, m: number, mode: Mode, dropoutRng: Rng): T;
  /**
   * From dy = ∂J/∂y, fills the parameter gradients (with the L2/L1 terms for a batch of m) and
   * returns dx = ∂J/∂x, or null when `needDx` is false (the first layer).
   */
  backward(x: T, y: T, dy: T, m: number, needDx: boolean): T | null;
  /** The same layer in another precision (parameters, optimizer state, running statistics). */
  cast<U extends FloatArray>(p: Precision<U>): Layer<U>;
}

/** Z = X·W (+ b), X [m, nIn], W [nIn, nOut]. */
export class Dense<T extends FloatArray> implements Layer<T> {
  readonly kind = 'dense';
  constructor(
    readonly nIn: number,
    readonly nOut: number,
    readonly weights: Param<T>,
    readonly bias: Param<T> | null,
  ) {}

  static build<T extends FloatArray>(spec: Extract<LayerSpec, { kind: 'dense' }>, nIn: number, initRng: Rng, p: Precision<T>): Dense<T> {
    const w = initWeights(spec.init, nIn, spec.units, initRng, p.alloc(nIn * spec.units));
    const bias = spec.useBias ? newParam(p, 'b', p.alloc(spec.units)) : null;
    return new Dense(nIn, spec.units, newParam(p, 'W', w, spec.l2, spec.l1, true), bias);
  }

  params(): Param<T>[] {
    return this.bias ? [this.weights, this.bias] : [this.weights];
  }

  buffers(): Array<[BufferName, T]> {
    return [];
  }

  forward(x: T, m: number): T {
    const z = like(x, m * this.nOut);
    gemm({ m, n: this.nOut, k: this.nIn }, 1, x, this.weights.value, 0, z); // Z = X·W
    if (this.bias) addBias(z, this.bias.value); // Z += b
    return z;
  }

  backward(x: T, _y: T, dz: T, m: number, needDx: boolean): T | null {
    const { weights: W, bias: b } = this;
    gemm({ m: this.nIn, n: this.nOut, k: m, transA: true }, 1, x, dz, 0, W.grad); // dW = Xᵀ·dZ
    if (W.l2 !== 0 || W.l1 !== 0) regularizationGrad(W.value, W.grad, W.l2, W.l1, m); // + (λ₂/m)W + (λ₁/m)sign W
    if (b) b.grad.set(biasGrad(dz, this.nOut)); // db = column sums of dZ
    if (!needDx) return null; // nobody needs dL/dX of the input: skips one GEMM
    const dx = like(dz, m * this.nIn);
    gemm({ m, n: this.nIn, k: this.nOut, transB: true }, 1, dz, W.value, 0, dx); // dX = dZ·Wᵀ
    return dx;
  }

  cast<U extends FloatArray>(p: Precision<U>): Dense<U> {
    return new Dense(this.nIn, this.nOut, castParam(this.weights, p), this.bias ? castParam(this.bias, p) : null);
  }
}

/** Batch normalization with learnable γ, β; running statistics for evaluation. */
export class BatchNorm<T extends FloatArray> implements Layer<T> {
  readonly kind = 'batchNorm';
  // What backward needs from the last batch-statistics forward pass.
  private xHat: T | null = null;
  private batchVar: T | null = null;

  constructor(
    readonly n: number,
    readonly momentum: number,
    readonly epsilon: number,
    readonly gamma: Param<T>,
    readonly beta: Param<T>,
    readonly runningMean: T,
    readonly runningVar: T,
  ) {}

  static build<T extends FloatArray>(spec: Extract<LayerSpec, { kind: 'batchNorm' }>, n: number, p: Precision<T>): BatchNorm<T> {
    const gamma = p.alloc(n).fill(1) as T; // γ starts at 1, β at 0
    const runningVar = p.alloc(n).fill(1) as T; // running mean starts at 0, variance at 1
    return new BatchNorm(n, spec.momentum, spec.epsilon, newParam(p, 'gamma', gamma), newParam(p, 'beta', p.alloc(n)), p.alloc(n), runningVar);
  }

  params(): Param<T>[] {
    return [this.gamma, this.beta];
  }

  buffers(): Array<[BufferName, T]> {
    return [
      ['runningMean', this.runningMean],
      ['runningVar', this.runningVar],
    ];
  }

  forward(x: T, _m: number, mode: Mode): T {
    const { gamma, beta, epsilon } = this;
    if (mode === 'eval') {
      return batchNormForwardInference(x, gamma.value, beta.value, this.runningMean, this.runningVar, epsilon);
    }
    const r = batchNormForwardTrain(x, gamma.value, beta.value, epsilon);
    this.xHat = r.xHat;
    this.batchVar = r.variance;
    if (mode === 'train') {
      // running = momentum·running + (1 − momentum)·batch (biased batch variance)
      batchNormUpdateRunning(this.runningMean, this.runningVar, r.mean, r.variance, this.momentum);
    }
    return r.y;
  }

  backward(_x: T, _y: T, dy: T, _m: number, needDx: boolean): T | null {
    if (!this.xHat || !this.batchVar) throw new Error('batch norm: backward before a training-mode forward');
    // γ and β always get their gradients, even when this is the first layer.
    const { dx, dGamma, dBeta } = batchNormBackward(dy, this.xHat, this.batchVar, this.gamma.value, this.epsilon);
    this.gamma.grad.set(dGamma);
    this.beta.grad.set(dBeta);
    return needDx ? dx : null;
  }

  cast<U extends FloatArray>(p: Precision<U>): BatchNorm<U> {
    const { n, momentum, epsilon } = this;
    return new BatchNorm(n, momentum, epsilon, castParam(this.gamma, p), castParam(this.beta, p), p.copy(this.runningMean), p.copy(this.runningVar));
  }
}

/** A = g(Z), element-wise. */
export class Activation<T extends FloatArray> implements Layer<T> {
  readonly kind = 'activation';
  constructor(
    readonly activation: ActivationKind,
    readonly parameter: number | undefined,
  ) {}

  params(): Param<T>[] {
    return [];
  }

  buffers(): Array<[BufferName, T]> {
    return [];
  }

  forward(z: T): T {
    return activationForward(this.activation, z, this.parameter);
  }

  backward(z: T, a: T, da: T, _m: number, needDx: boolean): T | null {
    return needDx ? activationBackward(this.activation, z, a, da, this.parameter) : null; // dZ = dA ⊙ g'
  }

  cast<U extends FloatArray>(): Activation<U> {
    return new Activation<U>(this.activation, this.parameter);
  }
}

/** Inverted dropout: active only in Train mode with keepProb < 1 (then it draws from DROPOUT). */
export class Dropout<T extends FloatArray> implements Layer<T> {
  readonly kind = 'dropout';
  private mask: T | null = null;
  private active = false;

  constructor(readonly keepProb: number) {}

  params(): Param<T>[] {
    return [];
  }

  buffers(): Array<[BufferName, T]> {
    return [];
  }

  forward(x: T, _m: number, mode: Mode, dropoutRng: Rng): T {
    this.active = mode === 'train' && this.keepProb < 1;
    if (!this.active) return x.slice() as T;
    const { y, mask } = dropoutForward(x, this.keepProb, dropoutRng); // sixteen lanes split per call
    this.mask = mask;
    return y;
  }

  backward(_x: T, _y: T, dy: T, _m: number, needDx: boolean): T | null {
    if (!needDx) return null;
    return this.active ? dropoutBackward(dy, this.mask as T) : (dy.slice() as T); // dX = dY ⊙ mask
  }

  cast<U extends FloatArray>(): Dropout<U> {
    return new Dropout<U>(this.keepProb);
  }
}

export function buildLayer<T extends FloatArray>(spec: LayerSpec, nIn: number, initRng: Rng, p: Precision<T>): Layer<T> {
  switch (spec.kind) {
    case 'dense':
      return Dense.build(spec, nIn, initRng, p);
    case 'batchNorm':
      return BatchNorm.build(spec, nIn, p);
    case 'activation':
      return new Activation<T>(spec.activation, spec.parameter);
    case 'dropout':
      return new Dropout<T>(spec.keepProb);
  }
}
