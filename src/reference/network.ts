/**
 * The reference network: a sequential model in plain TypeScript that mirrors the native one
 * (crates/core/src/network/*.rs and the binding crates/node/src/network.rs) step for step, built
 * from the reference kernels of this folder.
 *
 * Conventions it shares with the native side (docs/CONVENTIONS.md):
 * - Storage is f32 (Float32Array) for parameters, gradients, optimizer state, running statistics
 *   and activations, so every stored value is rounded like the native f32 one. The kernels
 *   compute in doubles and round once on store; the native kernels round after every f32
 *   operation, so results agree to a few f32 ulps, not bit for bit.
 * - Random streams of the seed: INIT draws the weights (layers in order), DROPOUT one draw per
 *   element of each active dropout layer in forward order (Train mode, keepProb < 1 only),
 *   SHUFFLE the Fisher–Yates permutation of `beginEpoch`, AUGMENT (when `setAugmentation` is on)
 *   one forked generator per gathered training row (./augment.ts). Same seed → same weights,
 *   masks, order and augmented images.
 * - One training step: forward (Train) → loss → backward (dX of the first layer skipped; L2/L1
 *   added to dW) → gradient norms → optional global-norm clipping → step += 1 → update of every
 *   parameter in layer order. The reported training loss is data loss + regularization cost.
 * - Gradient checking runs a Float64Array copy of the model through the same code
 *   (batch norm on batch statistics without touching the running ones, dropout off).
 *
 * Argument checks and their messages follow the binding, so both backends reject the same calls
 * with the same words ("layers[2].keepProb: must be in (0, 1], got 0").
 */
import type {
  AugmentationOptions,
  DatasetHandle,
  EvaluateResult,
  GradientCheckResult,
  LayerOptions,
  NetworkHandle,
  NetworkOptions,
  OptimizerOptions,
  StepsResult,
  TensorInfo,
} from '../backend';
import { ACTIVATION_KINDS, activationBackward, activationForward, activationParameter, type ActivationKind } from './activation';
import { augmentRow, checkRowLength, forkRowRng, parseAugmentation, type Augmentation } from './augment';
import { batchNormBackward, batchNormForwardInference, batchNormForwardTrain, batchNormUpdateRunning } from './batchNorm';
import { addBias, biasGrad } from './bias';
import { dropoutBackward, dropoutForward } from './dropout';
import { gemm } from './gemm';
import { DEFAULT_INIT, initFromName, initWeights, type InitKind } from './init';
import { LOSS_NAMES, lossDefinition, softmax, type LossName } from './loss';
import { adamStep, adamwStep, momentumStep, nesterovStep, rmspropStep, sgdStep } from './optimizers';
import { regularizationCost, regularizationGrad } from './regularization';
import { Rng, RngStream } from './rng';
import { like, type FloatArray } from './types';

// ───────────────────────────── argument checks (crates/node/src/validate.rs) ─────────────────────────────

/** An Error like the binding's InvalidArg: the message starts with the argument's name. */
export function invalid(arg: string, what: string): Error {
  return Object.assign(new Error(`${arg}: ${what}`), { code: 'InvalidArg' });
}

/**
 * A number as Rust's `{}` prints an f64 (so messages match the native ones): no exponent,
 * `NaN`, `inf`, `-inf`, `-0`.
 */
export function showNumber(x: number): string {
  if (typeof x !== 'number') return String(x);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Object.is(x, -0)) return '-0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, exp] = Math.abs(x).toExponential().split('e'); // shortest round-trip digits
  const digits = mantissa.replace('.', '');
  const e = Number(exp);
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  if (digits.length <= e + 1) return sign + digits + '0'.repeat(e + 1 - digits.length);
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}

/**
 * A JS number the binding receives as u32. napi would silently truncate or wrap anything else
 * (2.7 → 2, −1 → 4294967295); the reference refuses it instead.
 */
function u32(arg: string, value: unknown): number {
  if (value === undefined || value === null) return 0; // Option<u32>::unwrap_or(0)
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw invalid(arg, `must be an integer in [0, 2^32 − 1], got ${showNumber(value as number)}`);
  }
  return value;
}

/** A size that must be at least 1. */
function positive(arg: string, value: unknown): number {
  const v = u32(arg, value);
  if (v === 0) throw invalid(arg, 'must be a positive integer, got 0');
  return v;
}

/** Exactly rows × cols elements. */
function checkShape(arg: string, data: ArrayLike<number>, rows: number, cols: number): void {
  if (data.length !== rows * cols) {
    throw invalid(arg, `expected shape [${rows}, ${cols}] (${rows * cols} elements), got ${data.length} elements`);
  }
}

/** Length a non-zero multiple of cols: returns the row count. */
function rowsOf(arg: string, data: ArrayLike<number>, cols: number): number {
  if (data.length === 0 || data.length % cols !== 0) {
    throw invalid(arg, `expected shape [m, ${cols}] with m ≥ 1, got ${data.length} elements`);
  }
  return data.length / cols;
}

function checkFinite(arg: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw invalid(arg, `element ${i} is ${showNumber(data[i])}, expected a finite number`);
  }
}

function nonNegative(arg: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw invalid(arg, `must be a finite number ≥ 0, got ${showNumber(value)}`);
  return value;
}

function positiveF64(arg: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw invalid(arg, `must be a finite number > 0, got ${showNumber(value)}`);
  return value;
}

/** Seeds and step counters: a non-negative safe integer. */
function safeInteger(arg: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0 && Number.isInteger(value) && value <= Number.MAX_SAFE_INTEGER)) {
    throw invalid(arg, `must be an integer in [0, 2^53 − 1], got ${showNumber(value)}`);
  }
  return value;
}

/** The f32 copy the binding works on (a Float32Array is used as is: nothing here writes to it). */
function asF32(values: ArrayLike<number>): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

// ───────────────────────────── specs (crates/core/src/network/spec.rs, optimizer.rs) ─────────────────────────────

export type LayerSpec =
  | { kind: 'dense'; units: number; init: InitKind; l2: number; l1: number; useBias: boolean }
  | { kind: 'batchNorm'; momentum: number; epsilon: number }
  | { kind: 'activation'; activation: ActivationKind; parameter?: number }
  | { kind: 'dropout'; keepProb: number };

/** The loss with its parameter (Huber's δ), if it has one. */
export interface LossKind {
  name: LossName;
  parameter?: number;
}

export interface NetworkSpec {
  inputSize: number;
  layers: LayerSpec[];
  loss: LossKind;
  seed: number;
}

export type OptimizerKind = 'gd' | 'momentum' | 'nesterov' | 'rmsprop' | 'adam' | 'adamw';

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** Momentum / Nesterov / RMSprop averaging coefficient. */
  beta: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** AdamW's decoupled decay, weights only. */
  weightDecay: number;
}

/** Width of each layer's output: a dense layer sets it, every other layer keeps it. */
export function layerWidths(spec: NetworkSpec): number[] {
  let width = spec.inputSize;
  return spec.layers.map((layer) => (layer.kind === 'dense' ? (width = layer.units) : width));
}

/** `NetworkSpec::validate`: the message names the layer and the field. */
export function validateSpec(spec: NetworkSpec): void {
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  if (spec.layers.length === 0) fail('layers: a network needs at least one dense layer');
  spec.layers.forEach((layer, i) => {
    const at = (field: string, msg: string) => fail(`layers[${i}].${field}: ${msg}`);
    switch (layer.kind) {
      case 'dense':
        if (!(Number.isFinite(layer.l2) && layer.l2 >= 0)) at('l2', `must be a finite number ≥ 0, got ${showNumber(layer.l2)}`);
        if (!(Number.isFinite(layer.l1) && layer.l1 >= 0)) at('l1', `must be a finite number ≥ 0, got ${showNumber(layer.l1)}`);
        if (layer.useBias && spec.layers[i + 1]?.kind === 'batchNorm') {
          at('useBias', 'must be false for a dense layer followed by batch norm (β replaces the bias)');
        }
        break;
      case 'batchNorm':
        if (!(Number.isFinite(layer.momentum) && layer.momentum >= 0 && layer.momentum < 1)) {
          at('momentum', `must be in [0, 1), got ${showNumber(layer.momentum)}`);
        }
        if (!(Number.isFinite(layer.epsilon) && layer.epsilon > 0)) {
          at('epsilon', `must be a finite number > 0, got ${showNumber(layer.epsilon)}`);
        }
        break;
      case 'activation': {
        const name = activationParameter(layer.activation)?.[0];
        if (name !== undefined && !Number.isFinite(layer.parameter)) at(name, `must be a finite number, got ${showNumber(layer.parameter as number)}`);
        break;
      }
      case 'dropout':
        if (!(Number.isFinite(layer.keepProb) && layer.keepProb > 0 && layer.keepProb <= 1)) {
          at('keepProb', `must be in (0, 1], got ${showNumber(layer.keepProb)}`);
        }
        break;
    }
  });
  if (spec.layers[spec.layers.length - 1].kind !== 'dense') {
    fail('layers: the last layer must be dense (it produces the logits; the loss applies softmax or sigmoid)');
  }
  const out = layerWidths(spec)[spec.layers.length - 1];
  const loss = lossDefinition(spec.loss.name);
  if (out < loss.minOutputs) {
    fail(`loss: ${spec.loss.name} needs at least ${loss.minOutputs} output units, the last dense layer has ${out}`);
  }
}

const OPTIMIZERS = ['gd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'] as const;

/** `parse_layer` of the binding: defaults filled in, names checked. */
function parseLayer(i: number, o: LayerOptions): LayerSpec {
  const at = (field: string) => `layers[${i}].${field}`;
  const kind = String(o.kind);
  switch (kind) {
    case 'dense': {
      const units = positive(at('units'), o.units);
      // random's `scale` is the layer's `initScale` option.
      const init = initFromName(
        String(o.init ?? DEFAULT_INIT),
        (key) => (key === 'scale' ? o.initScale : undefined),
        (arg) => at(arg === 'scale' ? 'initScale' : arg),
      );
      return { kind: 'dense', units, init, l2: o.l2 ?? 0, l1: o.l1 ?? 0, useBias: o.useBias ?? true };
    }
    case 'batchNorm':
      return { kind: 'batchNorm', momentum: o.momentum ?? 0.99, epsilon: o.epsilon ?? 1e-3 };
    case 'dropout':
      return { kind: 'dropout', keepProb: o.keepProb ?? NaN };
    case 'activation': {
      const activation = o.activation ?? '';
      if (!(ACTIVATION_KINDS as readonly string[]).includes(activation)) {
        throw invalid(at('activation'), `unknown activation '${activation}', expected ${ACTIVATION_KINDS.join(' | ')}`);
      }
      const kind = activation as ActivationKind;
      const parameter = activationParameter(kind);
      // The kind's parameter is read from the option of its name (`slope`), else its default.
      const given = parameter ? (o as unknown as Record<string, number | undefined>)[parameter[0]] : undefined;
      if (parameter && given !== undefined && given !== null && !Number.isFinite(given)) {
        throw invalid(at(parameter[0]), `must be a finite number, got ${showNumber(given)}`);
      }
      return { kind: 'activation', activation: kind, ...(parameter ? { parameter: given ?? parameter[1] } : {}) };
    }
    default:
      throw invalid(at('kind'), `unknown layer '${kind}', expected dense | batchNorm | activation | dropout`);
  }
}

/** `parse_optimizer` of the binding: defaults beta 0.9, beta1 0.9, beta2 0.999, ε 1e-8, weightDecay 0.01. */
export function parseOptimizer(o: OptimizerOptions): OptimizerConfig {
  const kind = String(o?.kind);
  if (!(OPTIMIZERS as readonly string[]).includes(kind)) {
    throw invalid(
      'optimizer.kind',
      `unknown optimizer '${kind}', expected gd | momentum | nesterov | rmsprop | adam | adamw`,
    );
  }
  const c: OptimizerConfig = {
    kind: kind as OptimizerKind,
    beta: o.beta ?? 0.9,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    epsilon: o.epsilon ?? 1e-8,
    weightDecay: o.weightDecay ?? 0.01,
  };
  // OptimizerConfig::validate, wrapped by the binding as "optimizer: …".
  for (const name of ['beta', 'beta1', 'beta2'] as const) {
    const b = c[name];
    if (!(Number.isFinite(b) && b >= 0 && b < 1)) throw invalid('optimizer', `optimizer.${name}: must be in [0, 1), got ${showNumber(b)}`);
  }
  if (!(Number.isFinite(c.epsilon) && c.epsilon > 0)) {
    throw invalid('optimizer', `optimizer.epsilon: must be a finite number > 0, got ${showNumber(c.epsilon)}`);
  }
  if (!(Number.isFinite(c.weightDecay) && c.weightDecay >= 0)) {
    throw invalid('optimizer', `optimizer.weightDecay: must be a finite number ≥ 0, got ${showNumber(c.weightDecay)}`);
  }
  return c;
}

/** `NativeNetwork::new`'s parsing, in the binding's order: layers, loss, inputSize, seed, optimizer, threads, spec. */
export function parseNetworkOptions(options: NetworkOptions, optimizer: OptimizerOptions): { spec: NetworkSpec; optimizer: OptimizerConfig } {
  if (options === null || typeof options !== 'object') throw invalid('options', 'expected an object');
  if (!Array.isArray(options.layers)) throw invalid('layers', 'expected an array of layer options');
  const layers = options.layers.map((l, i) => parseLayer(i, l));
  const name = String(options.loss);
  if (!(LOSS_NAMES as readonly string[]).includes(name)) {
    throw invalid('loss', `unknown loss '${name}', expected ${LOSS_NAMES.join(' | ')}`);
  }
  const parameter = lossDefinition(name as LossName).parameter;
  const value = parameter ? ((options as unknown as Record<string, number | undefined>).lossDelta ?? parameter[1]) : undefined;
  if (parameter && !(Number.isFinite(value) && (value as number) > 0)) {
    throw invalid(`loss.${parameter[0]}`, `must be a finite number > 0, got ${showNumber(value as number)}`);
  }
  const loss: LossKind = { name: name as LossName, ...(parameter ? { parameter: value } : {}) };
  const spec: NetworkSpec = {
    inputSize: positive('inputSize', options.inputSize),
    layers,
    loss,
    seed: safeInteger('seed', options.seed),
  };
  const config = parseOptimizer(optimizer);
  if (options.threads !== undefined && options.threads !== null) positive('threads', options.threads); // no threads here
  try {
    validateSpec(spec);
  } catch (e) {
    throw invalid('network', (e as Error).message);
  }
  return { spec, optimizer: config };
}

// ───────────────────────────── parameters and layers (param.rs, layer.rs) ─────────────────────────────

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

function newParam<T extends FloatArray>(
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

function castParam<T extends FloatArray, U extends FloatArray>(q: Param<T>, p: Precision<U>): Param<U> {
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
class Dense<T extends FloatArray> implements Layer<T> {
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
class BatchNorm<T extends FloatArray> implements Layer<T> {
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
class Activation<T extends FloatArray> implements Layer<T> {
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
class Dropout<T extends FloatArray> implements Layer<T> {
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
    const { y, mask } = dropoutForward(x, this.keepProb, dropoutRng); // one draw per element, row-major
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

function buildLayer<T extends FloatArray>(spec: LayerSpec, nIn: number, initRng: Rng, p: Precision<T>): Layer<T> {
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

// ───────────────────────────── the network (model.rs) ─────────────────────────────

/** Loss and accuracy counts of one batch. */
export interface BatchStats {
  /** Mean cross-entropy over the batch, without regularization. */
  dataLoss: number;
  /** (λ₂/2m)·ΣW² + (λ₁/m)·Σ|W| over every dense layer, m = batch size. */
  regularization: number;
  correct: number;
}

function argmax(a: FloatArray, start: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[start + j] > a[start + best]) best = j; // first maximum wins
  return best;
}

/** Softmax: argmax matches. Sigmoid: every output thresholded at 0.5 matches its label. Regression: 0. */
function countCorrect(loss: LossKind, probs: FloatArray, y: FloatArray, n: number): number {
  const output = lossDefinition(loss.name).output;
  if (output === 'linear') return 0;
  let correct = 0;
  for (let start = 0; start < probs.length; start += n) {
    if (output === 'softmax') {
      if (argmax(probs, start, n) === argmax(y, start, n)) correct++;
    } else {
      let all = true;
      for (let j = 0; j < n; j++) if (probs[start + j] > 0.5 !== y[start + j] > 0.5) all = false;
      if (all) correct++;
    }
  }
  return correct;
}

/** Rows per chunk when evaluating or predicting (as native; bounds scratch memory). */
const EVAL_CHUNK = 1024;

/**
 * Layers, loss and the activations of the last forward pass, in one precision. The f32 one trains;
 * gradient checking runs an f64 copy (`cast`).
 */
export class Network<T extends FloatArray> {
  readonly outputSize: number;
  private readonly widths: number[];
  /** Each layer's output of the last forward pass. */
  private outputs: T[] = [];

  constructor(
    readonly spec: NetworkSpec,
    readonly layers: Layer<T>[],
    readonly precision: Precision<T>,
    public dropoutRng: Rng,
  ) {
    this.widths = layerWidths(spec);
    this.outputSize = this.widths[this.widths.length - 1];
  }

  /** Builds the layers in order, drawing every weight from the INIT stream of the seed. */
  static build(spec: NetworkSpec): Network<Float32Array> {
    const initRng = Rng.withStream(spec.seed, RngStream.INIT);
    const widths = layerWidths(spec);
    const layers = spec.layers.map((layerSpec, i) => {
      const nIn = i === 0 ? spec.inputSize : widths[i - 1];
      try {
        return buildLayer(layerSpec, nIn, initRng, F32);
      } catch (e) {
        // As the native side says it (a typed array too large for this engine, or no memory).
        if (!(e instanceof RangeError) || layerSpec.kind !== 'dense') throw e;
        const values = nIn * layerSpec.units;
        throw invalid('network', `layers[${i}]: cannot allocate ${values * 4} bytes (${values} values)`);
      }
    });
    return new Network(spec, layers, F32, Rng.withStream(spec.seed, RngStream.DROPOUT));
  }

  /** Forward pass of m rows of x; returns the logits [m, outputs]. */
  forward(x: T, m: number, mode: Mode): T {
    let input = x;
    this.outputs = this.layers.map((layer) => (input = layer.forward(input, m, mode, this.dropoutRng)));
    return input;
  }

  /** Loss, prediction and dLogits (the gradient of the mean loss) of the last forward pass against labels y. */
  private lossAndGrad(y: T, weights: FloatArray | null): { loss: number; correct: number; dLogits: T } {
    const logits = this.outputs[this.outputs.length - 1];
    const n = this.outputSize;
    const definition = lossDefinition(this.spec.loss.name);
    const p = this.spec.loss.parameter ?? 0;
    if (weights === null) {
      const r = definition.lossAndGrad(logits, y, n, p);
      return { loss: r.loss, correct: countCorrect(this.spec.loss, r.probs, y, n), dLogits: r.dz };
    }
    // Weighted (Keras's reduction): (1/m)·Σ wᵢ·ℓᵢ, row i's gradient scaled by wᵢ/m; each row
    // goes through the unweighted loss alone (as the native side does).
    const m = weights.length;
    const probs = like(logits, logits.length);
    const dLogits = like(logits, logits.length);
    let total = 0;
    for (let i = 0; i < m; i++) {
      const row = definition.lossAndGrad(logits.subarray(i * n, (i + 1) * n) as T, y.subarray(i * n, (i + 1) * n), n, p);
      total += row.loss * weights[i];
      probs.set(row.probs, i * n);
      for (let j = 0; j < n; j++) dLogits[i * n + j] = (row.dz[j] * weights[i]) / m;
    }
    return { loss: m === 0 ? 0 : total / m, correct: countCorrect(this.spec.loss, probs, y, n), dLogits };
  }

  /** Backward pass after `forward`: fills every parameter gradient (with L2/L1 terms). */
  private backward(x: T, dLogits: T, m: number): void {
    let dy = dLogits;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const input = i === 0 ? x : this.outputs[i - 1];
      const dx = this.layers[i].backward(input, this.outputs[i], dy, m, i > 0);
      if (dx) dy = dx;
    }
  }

  params(): Param<T>[] {
    return this.layers.flatMap((l) => l.params());
  }

  /** Regularization cost of the weights for a batch of m. */
  regularizationCost(m: number): number {
    let cost = -0; // Rust's f64 `Sum` starts at −0.0: no regularized weight gives −0
    for (const p of this.params()) if (p.l2 > 0 || p.l1 > 0) cost += regularizationCost(p.value, p.l2, p.l1, m);
    return cost;
  }

  /** Forward, loss and backward without updating: fills the gradients, returns the batch's stats. */
  /** Forward, loss and backward; `weights` (one per row, Keras's sample_weight) scale each row's loss and gradient. */
  computeGradients(x: T, y: T, m: number, mode: Mode, weights?: FloatArray | null): BatchStats {
    this.forward(x, m, mode);
    const { loss, correct, dLogits } = this.lossAndGrad(y, weights ?? null);
    this.backward(x, dLogits, m);
    return { dataLoss: loss, regularization: this.regularizationCost(m), correct };
  }

  /** Data loss (without regularization) and correct count in Eval mode, in chunks. */
  evaluate(x: T, y: T, m: number): { dataLoss: number; correct: number } {
    const [nIn, nOut] = [this.spec.inputSize, this.outputSize];
    let total = 0;
    let correct = 0;
    for (let start = 0; start < m; start += EVAL_CHUNK) {
      const rows = Math.min(EVAL_CHUNK, m - start);
      this.forward(x.subarray(start * nIn, (start + rows) * nIn) as T, rows, 'eval');
      const r = this.lossAndGrad(y.subarray(start * nOut, (start + rows) * nOut) as T, null);
      total += r.loss * rows;
      correct += r.correct;
    }
    return { dataLoss: total / Math.max(m, 1), correct };
  }

  /** The prediction in Eval mode, [m, outputs]: probabilities (softmax or sigmoid of the logits) or the outputs (regression). */
  predict(x: T, m: number): T {
    const [nIn, nOut] = [this.spec.inputSize, this.outputSize];
    const out = this.precision.alloc(m * nOut);
    for (let start = 0; start < m; start += EVAL_CHUNK) {
      const rows = Math.min(EVAL_CHUNK, m - start);
      const logits = this.forward(x.subarray(start * nIn, (start + rows) * nIn) as T, rows, 'eval');
      const output = lossDefinition(this.spec.loss.name).output;
      const probs = output === 'softmax' ? softmax(logits, nOut) : output === 'sigmoid' ? activationForward('sigmoid', logits) : logits;
      out.set(probs, start * nOut);
    }
    return out;
  }

  /** The same network in another precision (f64 for gradient checking); the dropout rng is forked. */
  cast<U extends FloatArray>(p: Precision<U>): Network<U> {
    return new Network(this.spec, this.layers.map((l) => l.cast(p)), p, this.dropoutRng.clone());
  }
}

/** One update of p from its gradient with the reference kernels; t is the new step number (≥ 1). */
function applyOptimizer(c: OptimizerConfig, p: Param<Float32Array>, lr: number, t: number): void {
  switch (c.kind) {
    case 'gd':
      return sgdStep(p.value, p.grad, lr);
    case 'momentum':
      return momentumStep(p.value, p.grad, p.v, lr, c.beta);
    case 'nesterov':
      return nesterovStep(p.value, p.grad, p.v, lr, c.beta);
    case 'rmsprop':
      return rmspropStep(p.value, p.grad, p.s, lr, c.beta, c.epsilon);
    case 'adam':
      return adamStep(p.value, p.grad, p.v, p.s, lr, c.beta1, c.beta2, c.epsilon, t);
    case 'adamw': // decoupled decay on weights only; biases, γ and β get plain Adam
      return adamwStep(p.value, p.grad, p.v, p.s, lr, c.beta1, c.beta2, c.epsilon, p.isWeight ? c.weightDecay : 0, t);
  }
}

// ───────────────────────────── gradient checking (gradcheck.rs) ─────────────────────────────

/**
 * Backprop against two-sided differences (J(θ+ε) − J(θ−ε))/2ε over every parameter of `net`,
 * with J = data loss + regularization in GradCheck mode. Parameters are restored exactly.
 */
export function compareGradients(
  net: Network<Float64Array>,
  x: Float64Array,
  y: Float64Array,
  m: number,
  epsilon: number,
  trainable: readonly boolean[] = net.layers.map(() => true),
): { analytic: Float64Array; numeric: Float64Array; blocks: Array<{ layer: number; name: ParamName; length: number }> } {
  net.computeGradients(x, y, m, 'gradCheck');
  const blocks: Array<{ layer: number; param: Param<Float64Array> }> = [];
  // Frozen layers' parameters are constants of the function, not checked.
  net.layers.forEach((layer, li) => {
    if (trainable[li]) layer.params().forEach((param) => blocks.push({ layer: li, param }));
  });
  const total = blocks.reduce((s, b) => s + b.param.value.length, 0);
  const analytic = new Float64Array(total);
  const numeric = new Float64Array(total);
  let k = 0;
  for (const { param } of blocks) {
    analytic.set(param.grad, k);
    k += param.value.length;
  }
  const cost = () => {
    const s = net.computeGradients(x, y, m, 'gradCheck');
    return s.dataLoss + s.regularization;
  };
  k = 0;
  for (const { param } of blocks) {
    const w = param.value;
    for (let i = 0; i < w.length; i++) {
      const original = w[i];
      w[i] = original + epsilon;
      const plus = cost();
      w[i] = original - epsilon;
      const minus = cost();
      w[i] = original;
      numeric[k++] = (plus - minus) / (2 * epsilon);
    }
  }
  return { analytic, numeric, blocks: blocks.map((b) => ({ layer: b.layer, name: b.param.name, length: b.param.value.length })) };
}

/** ‖a − b‖₂ / (‖a‖₂ + ‖b‖₂); 0 when both are zero. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const norm = Math.sqrt(na) + Math.sqrt(nb);
  return norm === 0 ? 0 : Math.sqrt(diff) / norm;
}

// ───────────────────────────── data and the handle (trainer.rs, crates/node/src/network.rs) ─────────────────────────────

/**
 * Examples x [m, inputs] and labels y [m, outputs] (outputs 0: none), f32 storage written in
 * row chunks and checked once by `seal()`.
 */
export class ReferenceDataset implements DatasetHandle {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly inputs: number;
  readonly outputs: number;
  private sealed = false;
  /** A weight per row (Keras's sample_weight), or null: every row weighs 1. */
  w: Float32Array | null = null;

  constructor(rows: number, inputs: number, outputs: number) {
    const m = positive('rows', rows);
    this.inputs = positive('inputs', inputs);
    this.outputs = u32('outputs', outputs);
    try {
      this.x = new Float32Array(m * this.inputs);
      this.y = new Float32Array(m * this.outputs);
    } catch {
      throw invalid('data', `x: cannot allocate ${m * (this.inputs + this.outputs) * 4} bytes (${m} rows)`);
    }
  }

  get length(): number {
    return this.x.length / this.inputs;
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  writeX(row: number, values: Float32Array): void {
    this.write(this.x, this.inputs, row, values);
  }

  writeY(row: number, values: Float32Array): void {
    this.write(this.y, this.outputs, row, values);
  }

  /** Row weights from `row` on; a data set without any written weighs every row 1. */
  writeWeights(row: number, values: Float32Array): void {
    if (this.sealed) throw invalid('data', 'is sealed; it can no longer be written');
    const r = u32('row', row);
    if (r + values.length > this.length) throw invalid('values', `${values.length} weights at row ${r} do not fit ${this.length} rows`);
    this.w ??= new Float32Array(this.length).fill(1);
    this.w.set(values, r);
  }

  private write(dst: Float32Array, cols: number, row: number, values: Float32Array): void {
    const r = u32('row', row);
    if (this.sealed) throw invalid('data', 'is sealed; it can no longer be written');
    if (cols === 0 || values.length % cols !== 0 || r + values.length / cols > this.length) {
      throw invalid('values', `${values.length} values at row ${r} do not fit [${this.length}, ${cols}]`);
    }
    dst.set(values, r * cols);
  }

  seal(): Promise<void> {
    if (this.sealed) return Promise.reject(invalid('data', 'is already sealed'));
    if (this.w !== null) {
      const i = this.w.findIndex((v) => !(v >= 0));
      if (i >= 0) return Promise.reject(invalid('sampleWeight', `element ${i} is ${this.w[i]}, expected a weight ≥ 0`));
    }
    for (const [name, data, cols] of [['x', this.x, this.inputs], ['y', this.y, this.outputs]] as const) {
      const i = data.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) {
        const v = Number.isNaN(data[i]) ? 'NaN' : data[i] > 0 ? 'Infinity' : '-Infinity';
        return Promise.reject(invalid(name, `element ${i} (row ${Math.floor(i / cols)}, column ${i % cols}) is ${v}, expected a finite number`));
      }
    }
    this.sealed = true;
    return Promise.resolve();
  }
}

/** A diverging step, reported as the native side does: `diverged: step N: …`. */
function diverged(step: number, what: string): Error {
  return new Error(`diverged: step ${step}: ${what}`);
}

/** The state a step changes (every tensor but gradients, the step, the streams), to put back after a divergence. */
interface RestorePoint {
  tensors: Float32Array[];
  step: number;
  rngs: number[][];
}

/** Where an epoch is: the example order and the next batch's start. */
interface EpochCursor {
  order: Uint32Array;
  next: number;
  steps: number;
  batchSize: number;
  dropLast: boolean;
  clipNorm: number | null;
  augmentation: Augmentation | null;
  start: RestorePoint;
}

type RngName = 'dropout' | 'shuffle' | 'augment';

export class ReferenceNetwork implements NetworkHandle {
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly net: Network<Float32Array>;
  private optimizer: OptimizerConfig;
  /** Optimizer steps taken (Adam's t); settable to resume training. */
  private step = 0;
  private shuffleRng: Rng;
  /** One forked AUGMENT generator per augmented row of the batches runSteps gathers. */
  private augmentRng: Rng;
  private cursor: EpochCursor | null = null;
  /** Per-layer gradient L2 norms of the last step (0 for layers without parameters). */
  private gradNorms: Float64Array;
  /** Per layer: false freezes its parameters (no update, no optimizer-state change). */
  private readonly trainable: boolean[];

  constructor(options: NetworkOptions, optimizer: OptimizerOptions) {
    const parsed = parseNetworkOptions(options, optimizer);
    this.net = Network.build(parsed.spec);
    this.trainable = options.layers.map((l) => (l as { trainable?: boolean }).trainable ?? true);
    this.optimizer = parsed.optimizer;
    this.shuffleRng = Rng.withStream(parsed.spec.seed, RngStream.SHUFFLE);
    this.augmentRng = Rng.withStream(parsed.spec.seed, RngStream.AUGMENT);
    this.inputSize = parsed.spec.inputSize;
    this.outputSize = this.net.outputSize;
    this.gradNorms = new Float64Array(this.net.layers.length);
  }

  setOptimizer(optimizer: OptimizerOptions): void {
    this.optimizer = parseOptimizer(optimizer); // the state (v, s) and the step count carry over
  }

  getStep(): number {
    return this.step;
  }

  setStep(step: number): void {
    this.step = safeInteger('step', step);
  }

  // ── tensors ──

  /** Parameters with their optimizer state (W, W.v, W.s, …), then running statistics, per layer. */
  tensors(): TensorInfo[] {
    const out: TensorInfo[] = [];
    this.net.layers.forEach((layer, li) => {
      for (const p of layer.params()) {
        const shape = layer instanceof Dense && p.name === 'W' ? [layer.nIn, layer.nOut] : [p.value.length];
        for (const suffix of ['', '.v', '.s']) out.push({ layer: li, name: p.name + suffix, shape: [...shape] });
      }
      for (const [name, buf] of layer.buffers()) out.push({ layer: li, name, shape: [buf.length] });
    });
    return out;
  }

  /** The storage behind `name` of `layer`: a buffer, or a parameter's value/.grad/.v/.s. */
  private slot(layer: number, name: string): Float32Array {
    const count = this.net.layers.length;
    const li = u32('layer', layer);
    if (li >= count) throw invalid('layer', `must be < ${count}, got ${li}`);
    const l = this.net.layers[li];
    const buffer = l.buffers().find(([n]) => n === name);
    if (buffer) return buffer[1];
    const dot = name.indexOf('.');
    const [base, part] = dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot + 1)];
    const p = l.params().find((q) => q.name === base);
    if (!p) throw invalid('name', `layer ${li} has no tensor '${name}'`);
    switch (part) {
      case '':
        return p.value;
      case 'grad':
        return p.grad;
      case 'v':
        return p.v;
      case 's':
        return p.s;
      default:
        throw invalid('name', `unknown suffix in '${name}', expected .grad, .v or .s`);
    }
  }

  getTensor(layer: number, name: string): Float32Array {
    return this.slot(layer, name).slice();
  }

  /** Overwrites one tensor (validated: length and finiteness); unchanged on error. */
  setTensor(layer: number, name: string, values: Float32Array): void {
    const slot = this.slot(layer, name);
    checkShape('values', values, 1, slot.length);
    checkFinite('values', values);
    if (name === 'runningVar' && Array.prototype.some.call(values, (v: number) => v < 0)) {
      throw invalid('values', 'a running variance cannot be negative');
    }
    slot.set(values);
  }

  // ── random streams ──

  private rngSlot(which: string): RngName {
    if (which !== 'dropout' && which !== 'shuffle' && which !== 'augment') {
      throw invalid('which', `expected 'dropout', 'shuffle' or 'augment', got '${which}'`);
    }
    return which;
  }

  getRngState(which: RngName): Uint32Array {
    const slot = this.rngSlot(which);
    const rng = slot === 'dropout' ? this.net.dropoutRng : slot === 'shuffle' ? this.shuffleRng : this.augmentRng;
    return Uint32Array.from(rng.state());
  }

  setRngState(which: RngName, words: number[]): void {
    const ok =
      words !== null &&
      typeof words === 'object' &&
      words.length === 4 &&
      Array.prototype.every.call(words, (w: unknown) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff) &&
      !Array.prototype.every.call(words, (w: number) => w === 0);
    if (!ok) throw invalid('state', 'expected 4 unsigned 32-bit words, not all zero');
    const slot = this.rngSlot(which);
    const rng = Rng.fromState(Array.from(words));
    if (slot === 'dropout') this.net.dropoutRng = rng;
    else if (slot === 'shuffle') this.shuffleRng = rng;
    else this.augmentRng = rng;
  }

  // ── training ──

  /** Every tensor a step changes (not gradients), as live storage, in a fixed order. */
  private stateSlots(): Float32Array[] {
    return this.tensors().map((t) => this.slot(t.layer, t.name));
  }

  private capture(): RestorePoint {
    return {
      tensors: this.stateSlots().map((t) => t.slice()),
      step: this.step,
      rngs: (['dropout', 'shuffle', 'augment'] as const).map((n) => Array.from(this.getRngState(n))),
    };
  }

  private restore(point: RestorePoint): void {
    this.stateSlots().forEach((slot, i) => slot.set(point.tensors[i]));
    this.step = point.step;
    (['dropout', 'shuffle', 'augment'] as const).forEach((n, i) => this.setRngState(n, point.rngs[i]));
  }

  /** The first tensor holding a non-finite value, as "layers[i].W.v". */
  private firstNonFinite(): string | null {
    for (const t of this.tensors()) {
      const values = this.slot(t.layer, t.name);
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return `layers[${t.layer}].${t.name}`;
    }
    return null;
  }

  /** After an update: a non-finite tensor, or evaluation-mode outputs on the batch that are no longer finite. */
  private unusableAfterUpdate(x: Float32Array, m: number): string | null {
    const bad = this.firstNonFinite();
    if (bad !== null) return `${bad} is no longer finite after the update`;
    const logits = this.net.forward(x, m, 'eval');
    for (let i = 0; i < logits.length; i++) if (!Number.isFinite(logits[i])) return 'the outputs are no longer finite after the update';
    return null;
  }

  /**
   * Starts an epoch over `length` examples: remembers the state to restore if it diverges, then
   * 0..length−1, Fisher–Yates shuffled from SHUFFLE if asked. Clipping and augmentation hold
   * for this epoch only.
   */
  beginEpoch(length: number, batchSize: number, shuffle: boolean, dropLast: boolean, clipNorm: number | null, augmentation: AugmentationOptions | null): void {
    const len = positive('length', length);
    const bs = positive('batchSize', batchSize);
    const clip = clipNorm === null || clipNorm === undefined ? null : positiveF64('clipNorm', clipNorm);
    let aug: Augmentation | null = null;
    if (augmentation !== null && augmentation !== undefined) {
      aug = parseAugmentation(augmentation);
      checkRowLength(aug, this.inputSize);
    }
    const start = this.capture();
    const order = new Uint32Array(len);
    for (let i = 0; i < len; i++) order[i] = i;
    if (shuffle) this.shuffleRng.shuffle(order);
    this.cursor = { order, next: 0, steps: 0, batchSize: bs, dropLast: Boolean(dropLast), clipNorm: clip, augmentation: aug, start };
  }

  private dataset(data: DatasetHandle): ReferenceDataset {
    if (!(data instanceof ReferenceDataset)) throw invalid('data', 'expected a dataset created by the reference backend');
    if (!data.isSealed) throw invalid('data', 'is not sealed yet (await seal() after writing it)');
    if (data.inputs !== this.inputSize || data.outputs !== this.outputSize) {
      throw invalid(
        'data',
        `has ${data.inputs} features and ${data.outputs} label columns; this model expects ${this.inputSize} and ${this.outputSize}`,
      );
    }
    return data;
  }

  /**
   * One mini-batch: gradients (Train mode), norms, a non-finite check of the loss and gradients
   * (throws `diverged` before the update), clipping, step += 1, update of every parameter.
   */
  private fusedStep(x: Float32Array, y: Float32Array, m: number, lr: number, clipNorm: number | null, step: number, weights: Float32Array | null = null): BatchStats {
    const stats = this.net.computeGradients(x, y, m, 'train', weights);
    this.net.layers.forEach((layer, i) => {
      let sq = -0; // as Rust's f64 `Sum`: a layer without parameters reports √−0 = −0
      for (const p of layer.params()) for (const g of p.grad) sq += g * g;
      this.gradNorms[i] = Math.sqrt(sq);
    });
    if (!Number.isFinite(stats.dataLoss)) throw diverged(step, `the loss is ${stats.dataLoss}`);
    if (!Number.isFinite(stats.regularization)) throw diverged(step, `the regularization cost is ${stats.regularization}`);
    const badLayer = this.gradNorms.findIndex((n) => !Number.isFinite(n));
    if (badLayer >= 0) throw diverged(step, `the gradient of layer ${badLayer} is not finite`);
    if (clipNorm !== null) {
      // The norm of what will be applied: frozen layers' gradients are not.
      let sq = -0;
      this.gradNorms.forEach((n, i) => {
        if (this.trainable[i]) sq += n * n;
      });
      const global = Math.sqrt(sq);
      if (global > clipNorm && global > 0) {
        const scale = Math.fround(clipNorm / global); // an f32 factor, as native
        for (const p of this.net.params()) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= scale;
      }
    }
    this.step += 1;
    // Frozen layers (trainable: false) keep their parameters and optimizer state.
    this.net.layers.forEach((layer, i) => {
      if (this.trainable[i]) for (const p of layer.params()) applyOptimizer(this.optimizer, p, lr, this.step);
    });
    return stats;
  }

  runSteps(data: DatasetHandle, learningRate: number, maxSteps: number): Promise<StepsResult> {
    const lr = nonNegative('learningRate', learningRate);
    const max = positive('maxSteps', maxSteps);
    const d = this.dataset(data);
    const cursor = this.cursor;
    if (!cursor) throw new Error('runSteps: call beginEpoch first (or the epoch was abandoned after a divergence)');
    if (cursor.order.length !== d.length) throw invalid('data', 'has a different length from the epoch begun with beginEpoch');

    const [ni, no] = [d.inputs, d.outputs];
    const result: StepsResult = {
      steps: 0,
      examples: 0,
      lossSum: 0,
      correct: 0,
      gradNormSums: new Float64Array(this.net.layers.length),
      epochDone: false,
    };
    const len = cursor.order.length;
    const exhausted = () => {
      const remaining = len - cursor.next;
      return remaining === 0 || (cursor.dropLast && remaining < cursor.batchSize);
    };
    let lastBatch: { x: Float32Array; m: number } | null = null;
    while (result.steps < max && !exhausted()) {
      const m = Math.min(len - cursor.next, cursor.batchSize); // the last batch may be partial
      const x = new Float32Array(m * ni);
      const y = new Float32Array(m * no);
      const w = d.w === null ? null : new Float32Array(m);
      for (let r = 0; r < m; r++) {
        const row = cursor.order[cursor.next + r];
        if (w !== null && d.w !== null) w[r] = d.w[row];
        const src = d.x.subarray(row * ni, (row + 1) * ni);
        // Augmented rows are written straight into the batch, one forked generator per row.
        if (cursor.augmentation) augmentRow(cursor.augmentation, src, x.subarray(r * ni, (r + 1) * ni), forkRowRng(this.augmentRng));
        else x.set(src, r * ni);
        y.set(d.y.subarray(row * no, (row + 1) * no), r * no);
      }
      cursor.next += m;
      cursor.steps += 1;
      lastBatch = { x, m };
      let stats: BatchStats;
      try {
        stats = this.fusedStep(x, y, m, lr, cursor.clipNorm, cursor.steps, w);
      } catch (e) {
        return Promise.reject(this.abandonEpoch(cursor, e as Error));
      }
      result.steps += 1;
      result.examples += m;
      result.lossSum += (stats.dataLoss + stats.regularization) * m;
      result.correct += stats.correct;
      this.gradNorms.forEach((n, i) => (result.gradNormSums[i] += n));
    }
    const bad = lastBatch === null ? null : this.unusableAfterUpdate(lastBatch.x, lastBatch.m);
    if (bad !== null) return Promise.reject(this.abandonEpoch(cursor, diverged(cursor.steps, bad)));
    result.epochDone = exhausted();
    return Promise.resolve(result);
  }

  /** Puts the model back to the epoch's start and ends the epoch. */
  private abandonEpoch(cursor: EpochCursor, error: Error): Error {
    this.restore(cursor.start);
    this.cursor = null;
    return error;
  }

  /** One step on the caller's batch, applied only if everything stays finite (else the model is unchanged). */
  trainStep(x: Float32Array, y: Float32Array, learningRate: number, clipNorm: number | null, sampleWeight: Float32Array | null = null): number[] {
    const [xs, ys] = [Float32Array.from(x), Float32Array.from(y)]; // check the copy, never the live buffer
    const ws = sampleWeight === null || sampleWeight === undefined ? null : Float32Array.from(sampleWeight);
    const m = rowsOf('x', xs, this.inputSize);
    checkShape('y', ys, m, this.outputSize);
    checkFinite('x', xs);
    checkFinite('y', ys);
    const lr = nonNegative('learningRate', learningRate);
    const clip = clipNorm === null || clipNorm === undefined ? null : positiveF64('clipNorm', clipNorm);
    if (ws !== null) {
      checkShape('sampleWeight', ws, m, 1);
      const bad = ws.findIndex((v) => !(Number.isFinite(v) && v >= 0));
      if (bad >= 0) throw invalid('sampleWeight', `element ${bad} is ${showNumber(ws[bad])}, expected a finite weight ≥ 0`);
    }
    const point = this.capture();
    try {
      const stats = this.fusedStep(xs, ys, m, lr, clip, 1, ws);
      const bad = this.unusableAfterUpdate(xs, m);
      if (bad !== null) throw diverged(1, bad);
      return [stats.dataLoss, stats.regularization, stats.correct];
    } catch (e) {
      this.restore(point);
      throw e;
    }
  }

  evaluate(data: DatasetHandle): Promise<EvaluateResult> {
    const d = this.dataset(data);
    const r = this.net.evaluate(d.x, d.y, d.length);
    return Promise.resolve({ loss: r.dataLoss, correct: r.correct, examples: d.length });
  }

  predict(data: DatasetHandle): Promise<Float32Array> {
    if (!(data instanceof ReferenceDataset)) throw invalid('data', 'expected a dataset created by the reference backend');
    if (!data.isSealed) throw invalid('data', 'is not sealed yet (await seal() after writing it)');
    if (data.inputs !== this.inputSize) throw invalid('x', `has ${data.inputs} features; this model expects ${this.inputSize}`);
    return Promise.resolve(this.net.predict(data.x, data.length));
  }

  lastGradNorms(): Float64Array {
    return this.gradNorms.slice();
  }

  /** Backprop against two-sided differences on an f64 copy; the model itself is not modified. */
  gradientCheck(x: Float32Array, y: Float32Array, epsilon: number): GradientCheckResult {
    [x, y] = [Float32Array.from(x), Float32Array.from(y)]; // check the copy, never the live buffer
    const m = rowsOf('x', x, this.inputSize);
    checkShape('y', y, m, this.outputSize);
    checkFinite('x', x);
    checkFinite('y', y);
    const eps = positiveF64('epsilon', epsilon);
    const net64 = this.net.cast(F64);
    const r = compareGradients(net64, Float64Array.from(asF32(x)), Float64Array.from(asF32(y)), m, eps, this.trainable);
    return {
      analytic: r.analytic,
      numeric: r.numeric,
      blocks: r.blocks.map((b) => ({ layer: b.layer, name: b.name, shape: [b.length] })),
    };
  }
}
