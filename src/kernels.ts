// The native kernels as typed functions (Float32Array in, new Float32Array out). Shapes are
// explicit. This layer checks what napi would otherwise convert badly or silently: every typed
// array is of the right kind and not detached (one backed by a SharedArrayBuffer is copied first,
// so another thread cannot change it between the checks and its use), numbers are numbers,
// strings strings, and option objects have no unknown keys. Option objects are rebuilt from the
// checked values, so a getter cannot hand napi something else. Shapes, ranges and finiteness are
// checked by the binding (crates/node/src/validate.rs); its errors get the kernel's name in front:
// `gemm: b: expected 3×2 = 6 elements, got 3`.
import type { AugmentationOptions, BatchNormGrads, BatchNormTrainResult, DropoutResult, GemmOptions, ImageTransform, LossResult, OptimizerStepOptions, OptimizerStepResult, RunningStats } from '../index';
import native from './native';
import { boolean, integer, options, typeError, typedArray } from './validation/args';

const F32 = Float32Array;
const F64 = Float64Array;

/** napi hands results back as Node Buffers, which hold at most 2^32 bytes. */
const MAX_RESULT_BYTES = 2 ** 32;

function num(where: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(where, 'a number', value);
  return value;
}

function optionalNum(where: string, value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : num(where, value);
}

function optionalBool(where: string, value: unknown): boolean | undefined {
  return value === undefined || value === null ? undefined : boolean(where, value);
}

function str(where: string, value: unknown): string {
  if (typeof value !== 'string') throw typeError(where, 'a string', value);
  return value;
}

function f32(where: string, value: unknown): Float32Array {
  return typedArray(where, value, F32);
}

function optionalF32(where: string, value: unknown): Float32Array | null {
  return value === undefined || value === null ? null : f32(where, value);
}

/** Runs the binding, naming the kernel in front of its argument errors. */
function call<T>(name: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`${name}:`)) e.message = `${name}: ${e.message}`;
    throw e;
  }
}

const GEMM_KEYS = ['m', 'n', 'k', 'transA', 'transB', 'alpha', 'beta', 'threads'] as const;

function gemmOptions(name: string, value: unknown): GemmOptions {
  const o = optionsOf(`${name} options`, value, GEMM_KEYS);
  return {
    m: num(`${name}: m`, o.m),
    n: num(`${name}: n`, o.n),
    k: num(`${name}: k`, o.k),
    transA: optionalBool(`${name}: transA`, o.transA),
    transB: optionalBool(`${name}: transB`, o.transB),
    alpha: optionalNum(`${name}: alpha`, o.alpha),
    beta: optionalNum(`${name}: beta`, o.beta),
    threads: optionalNum(`${name}: threads`, o.threads),
  };
}

/** f32 `C = α·op(A)·op(B) + β·C`, returned as a new array (the given `c` is not modified). */
export function gemm(a: Float32Array, b: Float32Array, c: Float32Array | undefined | null, options: GemmOptions): Float32Array {
  const args = [f32('gemm: a', a), f32('gemm: b', b), optionalF32('gemm: c', c), gemmOptions('gemm', options)] as const;
  return call('gemm', () => native.gemm(...args));
}

/** f64 GEMM (gradient checking works in f64). */
export function gemmF64(a: Float64Array, b: Float64Array, c: Float64Array | undefined | null, options: GemmOptions): Float64Array {
  const name = 'gemmF64';
  const args = [
    typedArray(`${name}: a`, a, F64),
    typedArray(`${name}: b`, b, F64),
    c === undefined || c === null ? null : typedArray(`${name}: c`, c, F64),
    gemmOptions(name, options),
  ] as const;
  return call(name, () => native.gemmF64(...args));
}

/** Z + bias broadcast over rows; Z is [m, bias.length]. */
export function addBias(z: Float32Array, bias: Float32Array): Float32Array {
  const args = [f32('addBias: z', z), f32('addBias: bias', bias)] as const;
  return call('addBias', () => native.addBias(...args));
}

/** Column sums of dZ [m, n]. */
export function biasGrad(dz: Float32Array, n: number): Float32Array {
  const args = [f32('biasGrad: dz', dz), num('biasGrad: n', n)] as const;
  return call('biasGrad', () => native.biasGrad(...args));
}

/** A = g(Z) for `kind` in identity | relu | leakyRelu | tanh | sigmoid. */
export function activationForward(kind: string, z: Float32Array, slope?: number | null): Float32Array {
  const name = 'activationForward';
  const args = [str(`${name}: kind`, kind), f32(`${name}: z`, z), optionalNum(`${name}: slope`, slope)] as const;
  return call(name, () => native.activationForward(...args));
}

/** dZ = dA ⊙ g'(Z); relu/leakyRelu read Z, tanh/sigmoid read A. */
export function activationBackward(kind: string, z: Float32Array, a: Float32Array, da: Float32Array, slope?: number | null): Float32Array {
  const name = 'activationBackward';
  const args = [str(`${name}: kind`, kind), f32(`${name}: z`, z), f32(`${name}: a`, a), f32(`${name}: da`, da), optionalNum(`${name}: slope`, slope)] as const;
  return call(name, () => native.activationBackward(...args));
}

/** Row-wise softmax of Z [m, n]. */
export function softmax(z: Float32Array, n: number): Float32Array {
  const args = [f32('softmax: z', z), num('softmax: n', n)] as const;
  return call('softmax', () => native.softmax(...args));
}

/** Softmax + cross-entropy from logits [m, n] and one-hot (or probability) labels [m, n]. */
export function softmaxCrossEntropy(logits: Float32Array, labels: Float32Array, n: number): LossResult {
  const name = 'softmaxCrossEntropy';
  const args = [f32(`${name}: logits`, logits), f32(`${name}: labels`, labels), num(`${name}: n`, n)] as const;
  return call(name, () => native.softmaxCrossEntropy(...args));
}

/** Sigmoid + binary cross-entropy from logits [m, n] and 0/1 labels [m, n]. */
export function sigmoidBinaryCrossEntropy(logits: Float32Array, labels: Float32Array, n: number): LossResult {
  const name = 'sigmoidBinaryCrossEntropy';
  const args = [f32(`${name}: logits`, logits), f32(`${name}: labels`, labels), num(`${name}: n`, n)] as const;
  return call(name, () => native.sigmoidBinaryCrossEntropy(...args));
}

/** Training-mode batch norm over X [m, n] with batch statistics. */
export function batchNormForwardTrain(x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number): BatchNormTrainResult {
  const name = 'batchNormForwardTrain';
  const args = [f32(`${name}: x`, x), f32(`${name}: gamma`, gamma), f32(`${name}: beta`, beta), num(`${name}: eps`, eps)] as const;
  return call(name, () => native.batchNormForwardTrain(...args));
}

/** Batch-norm backward (the standard fused form). */
export function batchNormBackward(dy: Float32Array, xHat: Float32Array, variance: Float32Array, gamma: Float32Array, eps: number): BatchNormGrads {
  const name = 'batchNormBackward';
  const args = [f32(`${name}: dy`, dy), f32(`${name}: xHat`, xHat), f32(`${name}: variance`, variance), f32(`${name}: gamma`, gamma), num(`${name}: eps`, eps)] as const;
  return call(name, () => native.batchNormBackward(...args));
}

/** Inference-mode batch norm with running statistics. */
export function batchNormForwardInference(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  runningMean: Float32Array,
  runningVar: Float32Array,
  eps: number,
): Float32Array {
  const name = 'batchNormForwardInference';
  const args = [
    f32(`${name}: x`, x),
    f32(`${name}: gamma`, gamma),
    f32(`${name}: beta`, beta),
    f32(`${name}: runningMean`, runningMean),
    f32(`${name}: runningVar`, runningVar),
    num(`${name}: eps`, eps),
  ] as const;
  return call(name, () => native.batchNormForwardInference(...args));
}

/** running = momentum·running + (1 − momentum)·batch (momentum weights the old value). */
export function batchNormUpdateRunning(runningMean: Float32Array, runningVar: Float32Array, mean: Float32Array, variance: Float32Array, momentum: number): RunningStats {
  const name = 'batchNormUpdateRunning';
  const args = [
    f32(`${name}: runningMean`, runningMean),
    f32(`${name}: runningVar`, runningVar),
    f32(`${name}: mean`, mean),
    f32(`${name}: variance`, variance),
    num(`${name}: momentum`, momentum),
  ] as const;
  return call(name, () => native.batchNormUpdateRunning(...args));
}

/** Inverted dropout with a mask drawn from the DROPOUT stream of `seed`. */
export function dropoutForward(x: Float32Array, keepProb: number, seed: number): DropoutResult {
  const name = 'dropoutForward';
  const args = [f32(`${name}: x`, x), num(`${name}: keepProb`, keepProb), num(`${name}: seed`, seed)] as const;
  return call(name, () => native.dropoutForward(...args));
}

/** dX = dY ⊙ mask. */
export function dropoutBackward(dy: Float32Array, mask: Float32Array): Float32Array {
  const args = [f32('dropoutBackward: dy', dy), f32('dropoutBackward: mask', mask)] as const;
  return call('dropoutBackward', () => native.dropoutBackward(...args));
}

/** dW + (λ₂/m)·W + (λ₁/m)·sign(W). */
export function regularizationGrad(w: Float32Array, dw: Float32Array, l2: number, l1: number, m: number): Float32Array {
  const name = 'regularizationGrad';
  const args = [f32(`${name}: w`, w), f32(`${name}: dw`, dw), num(`${name}: l2`, l2), num(`${name}: l1`, l1), num(`${name}: m`, m)] as const;
  return call(name, () => native.regularizationGrad(...args));
}

/** (λ₂/2m)·ΣW² + (λ₁/m)·Σ|W|. */
export function regularizationCost(w: Float32Array, l2: number, l1: number, m: number): number {
  const name = 'regularizationCost';
  const args = [f32(`${name}: w`, w), num(`${name}: l2`, l2), num(`${name}: l1`, l1), num(`${name}: m`, m)] as const;
  return call(name, () => native.regularizationCost(...args));
}

const STEP_KEYS = ['kind', 'learningRate', 'beta', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'step'] as const;

/** One optimizer update over (W, g, state), returned as new arrays. */
export function optimizerStep(w: Float32Array, g: Float32Array, v: Float32Array | undefined | null, s: Float32Array | undefined | null, options: OptimizerStepOptions): OptimizerStepResult {
  const name = 'optimizerStep';
  const o = optionsOf(`${name} options`, options, STEP_KEYS);
  const step: OptimizerStepOptions = {
    kind: str(`${name}: kind`, o.kind),
    learningRate: num(`${name}: learningRate`, o.learningRate),
    beta: optionalNum(`${name}: beta`, o.beta),
    beta1: optionalNum(`${name}: beta1`, o.beta1),
    beta2: optionalNum(`${name}: beta2`, o.beta2),
    epsilon: optionalNum(`${name}: epsilon`, o.epsilon),
    weightDecay: optionalNum(`${name}: weightDecay`, o.weightDecay),
    step: optionalNum(`${name}: step`, o.step),
  };
  const args = [f32(`${name}: w`, w), f32(`${name}: g`, g), optionalF32(`${name}: v`, v), optionalF32(`${name}: s`, s), step] as const;
  return call(name, () => native.optimizerStep(...args));
}

/** The first `count` 32-bit outputs of stream `stream` of `seed`. */
export function rngU32(seed: number, stream: number, count: number): Uint32Array {
  const name = 'rngU32';
  const args = [num(`${name}: seed`, seed), num(`${name}: stream`, stream), integer(`${name}: count`, count, 0, MAX_RESULT_BYTES / 4)] as const;
  return call(name, () => native.rngU32(...args));
}

/** `count` standard normals (Box–Muller) from stream `stream` of `seed`. */
export function rngNormal(seed: number, stream: number, count: number): Float64Array {
  const name = 'rngNormal';
  const args = [num(`${name}: seed`, seed), num(`${name}: stream`, stream), integer(`${name}: count`, count, 0, MAX_RESULT_BYTES / 8)] as const;
  return call(name, () => native.rngNormal(...args));
}

/** Weights [nIn, nOut] drawn row-major from the INIT stream of `seed`. */
export function initWeights(init: string, nIn: number, nOut: number, seed: number, scale?: number | null): Float32Array {
  const name = 'initWeights';
  const args = [str(`${name}: init`, init), num(`${name}: nIn`, nIn), num(`${name}: nOut`, nOut), num(`${name}: seed`, seed), optionalNum(`${name}: scale`, scale)] as const;
  return call(name, () => native.initWeights(...args));
}

const AUGMENT_KEYS = ['height', 'width', 'channels', 'shift', 'rotation', 'scale', 'noise', 'flipHorizontal'] as const;

/** The augmentation options, named `augment.…` as the binding names them. */
function augmentOptions(name: string, value: unknown): AugmentationOptions {
  const o = optionsOf(`${name} options`, value, AUGMENT_KEYS);
  return {
    height: num(`${name}: augment.height`, o.height),
    width: num(`${name}: augment.width`, o.width),
    channels: optionalNum(`${name}: augment.channels`, o.channels),
    shift: optionalNum(`${name}: augment.shift`, o.shift),
    rotation: optionalNum(`${name}: augment.rotation`, o.rotation),
    scale: optionalNum(`${name}: augment.scale`, o.scale),
    noise: optionalNum(`${name}: augment.noise`, o.noise),
    flipHorizontal: optionalBool(`${name}: augment.flipHorizontal`, o.flipHorizontal),
  };
}

/** Every row of x augmented as a training epoch would (one generator per row, forked from stream AUGMENT of `seed`). */
export function augmentImages(x: Float32Array, options: AugmentationOptions, seed: number): Float32Array {
  const name = 'augmentImages';
  const args = [f32(`${name}: x`, x), augmentOptions(name, options), num(`${name}: seed`, seed)] as const;
  return call(name, () => native.augmentImages(...args));
}

const TRANSFORM_KEYS = ['dx', 'dy', 'rotation', 'scale', 'flip'] as const;

/** Every row of x under one explicit transform (bilinear, zero outside), no noise. */
export function transformImage(x: Float32Array, options: AugmentationOptions, transform: ImageTransform): Float32Array {
  const name = 'transformImage';
  const t = optionsOf(`${name} transform`, transform, TRANSFORM_KEYS);
  const args = [
    f32(`${name}: x`, x),
    augmentOptions(name, options),
    {
      dx: optionalNum(`${name}: transform.dx`, t.dx),
      dy: optionalNum(`${name}: transform.dy`, t.dy),
      rotation: optionalNum(`${name}: transform.rotation`, t.rotation),
      scale: optionalNum(`${name}: transform.scale`, t.scale),
      flip: optionalBool(`${name}: transform.flip`, t.flip),
    },
  ] as const;
  return call(name, () => native.transformImage(...args));
}

/** A required options object (undefined is not {} here: the kernel needs its fields). */
function optionsOf<K extends string>(where: string, value: unknown, known: readonly K[]): Partial<Record<K, unknown>> {
  if (value === undefined) throw typeError(where, 'an options object', value);
  return options(where, value, known);
}
