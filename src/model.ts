// A sequential model: an ordered list of layers built for an input size with a seed. The network
// lives in the backend (native memory by default); this class holds the handle plus what is
// needed to save, load and describe it.
//
// Concurrency, one defined behaviour: asynchronous native work on one model (each epoch's
// steps, evaluate, predict, exportState) runs one call at a time in arrival order, so
// `evaluate`/`predict`/`saveModel` during a fit (from a callback or from elsewhere) run between
// two of the fit's native calls and see a consistent model. What changes the weights outside a
// fit (`fit`, `trainStep`, `setTensor`) is refused with a "busy" error while a fit runs.
import type { EvaluateResult, LayerOptions, NetworkHandle, RngName, TensorInfo } from './backend';
import { backendByName, type BackendName } from './backends';
import type { Backend } from './backend';
import { checkLayers, withBatchNormDefaults } from './layerConfig';
import { adam, checkOptimizer, updateRuleOf, type OptimizerConfig } from './optimizers';
import { argmaxRows, matrixRows, toLabelMatrix, toMatrix, type Labels, type Matrix, type Targets } from './data/arrays';
import { LOSSES, type LossName } from './reference/loss';
import { computeMetrics, type MetricValue } from './metrics/registry';
import { maeOf, mseOf, r2Of } from './metrics/regression';
import type { RealMatrix } from './metrics/inputs';
import { ingestDataset, NO_LABELS } from './data/ingest';
import { fit, type FitOptions, type History } from './training/fit';
import { Normalizer } from './data/normalizer';
import { BEST_PREFIX, tensorName, WEIGHT_NAMES, type ModelState, type NamedTensor, type TrainingState } from './modelState';
import * as check from './validation/args';

export type OutputKind = 'softmax' | 'sigmoid' | 'linear';
export const OUTPUT_KINDS: readonly OutputKind[] = ['softmax', 'sigmoid', 'linear'];
/** Losses of a 'linear' (regression) output; classification outputs use their cross-entropy. */
export type RegressionLoss = 'mse' | 'mae' | 'huber';
export const REGRESSION_LOSSES: readonly RegressionLoss[] = ['mse', 'mae', 'huber'];

export interface ModelOptions<O extends OutputKind = OutputKind> {
  inputSize: number;
  layers: LayerOptions[];
  /**
   * 'softmax' (multi-class, default) or 'sigmoid' (binary / multi-label), each with
   * cross-entropy from logits; 'linear' for regression (the outputs are the predictions).
   */
  output?: O;
  /** Regression only: 'mse' (default), 'mae', 'huber' (δ 1) or { kind: 'huber', delta }. Means over every entry. */
  loss?: RegressionLoss | { kind: 'huber'; delta?: number };
  /** Seeds initialization, dropout masks and shuffling (default 0). */
  seed?: number;
  /** 'native' (default) or the pure-TS 'reference'. */
  backend?: BackendName;
  /** Threads for this model's native work (default: all cores). */
  threads?: number;
  /** Update rule and base learning rate (default adam()). `fit` can override it. */
  optimizer?: OptimizerConfig;
}
/**
 * Inputs up to this many values (4 MiB of f32: batch 1,024 of 784 features) are predicted from
 * one copy and one task; larger ones go through a data set written in chunks between event-loop
 * turns, so a big copy never blocks the loop (src/data/ingest.ts).
 */
const PREDICT_ROWS_VALUES = 1 << 20;
/**
 * A predict whose forward pass costs at most this many multiply-adds (rows × parameters: 35 rows
 * of the 784-256-128-10 MNIST network, ~0.15 ms here) runs on the calling thread when nothing is
 * queued on the model, as onnxruntime-node's `run` does for every size: the hop to libuv's pool
 * and back, with the weights moving to that thread's core, costs ~30–100 µs, more than such a
 * pass (bench/inference.mjs: batch 1 through the pool ~50 µs, inline 16; batch 8: 145 against 44).
 */
const INLINE_PREDICT_WORK = 1 << 23;

const MODEL_OPTIONS = ['inputSize', 'layers', 'output', 'loss', 'seed', 'backend', 'threads', 'optimizer'] as const;

/** The architecture as saved in a model file (`loss` and `lossDelta` only for regression). */
export interface Architecture {
  inputSize: number;
  layers: LayerOptions[];
  output: OutputKind;
  seed: number;
  loss?: RegressionLoss;
  lossDelta?: number;
}

export interface ClassificationEvaluation {
  /** Mean cross-entropy, without regularization. */
  loss: number;
  accuracy: number;
  /** The metrics asked for with `evaluate(x, y, { metrics })`, by name. */
  metrics?: Record<string, MetricValue>;
}

export interface RegressionEvaluation {
  /** The model's loss (mse, mae or huber), without regularization. */
  loss: number;
  /** Mean |ŷ − y| over every entry. */
  mae: number;
  /** √(mean (ŷ − y)² over every entry). */
  rmse: number;
  /** Coefficient of determination, averaged over outputs (NaN for fewer than 2 examples). */
  r2: number;
  metrics?: Record<string, MetricValue>;
}

export type Evaluation<O extends OutputKind = 'softmax' | 'sigmoid'> = O extends 'linear' ? RegressionEvaluation : ClassificationEvaluation;

export interface ClassPrediction {
  probabilities: Float32Array;
  /** argmax class (softmax) or the 0/1 decision of each output at 0.5 (sigmoid). */
  classes: Int32Array;
}

export interface RegressionPrediction {
  /** The predicted values [m, outputs]. */
  values: Float32Array;
}

export type Prediction<O extends OutputKind = 'softmax' | 'sigmoid'> = O extends 'linear' ? RegressionPrediction : ClassPrediction;

export interface EvaluateOptions {
  /** Metric names from src/metrics (`accuracy`, `f1:macro`, `topK:3`, `confusionMatrix`, `mae`, `r2`, …). */
  metrics?: string[];
}

export type TrainStepResult<O extends OutputKind = 'softmax' | 'sigmoid'> = O extends 'linear'
  ? { loss: number; regularization: number }
  : { loss: number; regularization: number; accuracy: number };

export interface TrainStepOptions {
  /** Default: the model's optimizer learning rate. */
  learningRate?: number;
  /** Clip the global gradient norm of this step (default off). */
  clipNorm?: number | null;
  /** One weight ≥ 0 per example of the batch (Keras's sample_weight): the loss is (1/m)·Σ wᵢ·ℓᵢ. */
  sampleWeight?: number[] | Float32Array | Float64Array;
}

const RNG_NAMES: readonly RngName[] = ['dropout', 'shuffle', 'augment'];

export class Sequential<O extends OutputKind = 'softmax' | 'sigmoid'> {
  readonly architecture: Architecture;
  readonly backend: Backend;
  readonly handle: NetworkHandle;
  optimizer: OptimizerConfig;
  /**
   * Input normalizer fitted on the training set, carried with the model: saveModel stores it and
   * loadModel restores it. It is never applied automatically — transform x yourself before
   * fit, evaluate and predict (`model.normalizer.transform(x)`).
   */
  normalizer?: Normalizer;
  /** Where the last fit run stands; `fit({ initialEpoch: trainingState.epoch })` resumes it exactly. */
  trainingState?: TrainingState;
  /** Early stopping's best weights of that run (restored when it ends), as `best.layers.…`. */
  bestWeights?: NamedTensor[];
  private fitting = false;
  private catalog?: TensorInfo[];
  /** Tail of the chain of asynchronous native calls: each waits for the one before. */
  private nativeTail: Promise<unknown> = Promise.resolve();
  /** How many of those calls are queued or running. */
  private nativeQueued = 0;
  private parameterCount?: number;

  constructor(options: ModelOptions<O>) {
    const o = check.options('sequential options', options, MODEL_OPTIONS);
    if (options === undefined) throw check.typeError('sequential', 'an options object', options);
    const inputSize = check.integer('sequential: inputSize', o.inputSize, 1, 2 ** 31);
    const layers = checkLayers('sequential: layers', o.layers);
    const output = check.optional(o.output, 'softmax' as OutputKind, (v) => check.oneOf('sequential: output', v, OUTPUT_KINDS));
    const loss = regressionLossOf(output, o.loss);
    const seed = check.optional(o.seed, 0, (v) => check.integer('sequential: seed', v, 0, Number.MAX_SAFE_INTEGER));
    const threads = check.optional(o.threads, undefined as number | undefined, (v) => check.integer('sequential: threads', v, 1, 1024));
    const backendName = check.optional(o.backend, 'native' as BackendName, (v) => check.oneOf('sequential: backend', v, ['native', 'reference'] as const));
    this.optimizer = o.optimizer === undefined ? adam() : checkOptimizer('sequential: optimizer', o.optimizer);
    this.architecture = { inputSize, layers: withBatchNormDefaults(layers), output, seed, ...loss };
    this.backend = backendByName(backendName);
    try {
      this.handle = this.backend.createNetwork(
        {
          inputSize,
          layers: this.architecture.layers,
          loss: this.lossName,
          ...(loss.lossDelta !== undefined ? { lossDelta: loss.lossDelta } : {}),
          seed,
          threads,
        },
        updateRuleOf(this.optimizer),
      );
    } catch (e) {
      // The backend's "network: layers[0]: cannot allocate … bytes" becomes "sequential: layers[0]: …".
      throw Object.assign(new RangeError(`sequential: ${(e as Error).message.replace(/^network: /, '')}`), { cause: e });
    }
  }

  get inputSize(): number {
    return this.handle.inputSize;
  }

  get outputSize(): number {
    return this.handle.outputSize;
  }

  /** Trains with mini-batch gradient descent off the main thread; resolves with the history. */
  async fit(x: Matrix, y: Labels, options: FitOptions = {}): Promise<History> {
    this.assertNotFitting('fit');
    this.fitting = true;
    try {
      return await fit(this, x, y, options);
    } finally {
      this.fitting = false;
    }
  }

  /**
   * In evaluation mode: the loss without regularization, and accuracy (classification) or MAE,
   * RMSE and R² (regression); `options.metrics` adds any metric of src/metrics by name.
   */
  async evaluate(x: Matrix, y: Labels, options: EvaluateOptions = {}): Promise<Evaluation<O>> {
    const o = check.options('evaluate options', options, ['metrics'] as const);
    const metrics = o.metrics === undefined ? undefined : checkMetricNames('evaluate: metrics', o.metrics);
    const data = await this.dataset('evaluate', x, y);
    let r: EvaluateResult;
    let outputs: Float32Array | undefined;
    const regression = this.targets === 'real';
    try {
      r = await this.native(() => this.handle.evaluate(data));
      // Metrics beyond the loss are computed on the predictions and the labels as given.
      if (regression || metrics !== undefined) outputs = await this.native(() => this.handle.predict(data));
    } finally {
      data.release(); // this call's copy, dropped now rather than at the next garbage collection
    }
    if (outputs === undefined) return { loss: r.loss, accuracy: r.correct / r.examples } as Evaluation<O>;
    const m = r.examples;
    const labels = toLabelMatrix('evaluate: y', y, m, this.outputSize, this.targets);
    const base = regression ? regressionScores(labels, outputs, m, this.outputSize) : { accuracy: r.correct / m };
    const result = { loss: r.loss, ...base } as Evaluation<O> & { metrics?: Record<string, MetricValue> };
    if (metrics !== undefined) result.metrics = this.computeMetrics(metrics, labels, outputs);
    return result;
  }

  /**
   * In evaluation mode (dropout off, running statistics): class probabilities and classes, or
   * the predicted values of a regression model. A few rows on an idle model are computed on the
   * calling thread (rows × parameters ≤ 2^23: faster than a hop to the thread pool); anything
   * larger, or queued behind another call on the model, runs off it.
   */
  async predict(x: Matrix): Promise<Prediction<O>> {
    const m = matrixRows('predict: x', x, this.inputSize);
    if (m * this.inputSize <= PREDICT_ROWS_VALUES) {
      // Small enough to copy at once: one task checks and runs it (no data set, no separate seal).
      // One on a SharedArrayBuffer is copied here: predictSync reads its input in place.
      const input = x instanceof Float32Array ? check.typedArray('predict: x', x, Float32Array) : toMatrix('predict: x', x, this.inputSize);
      this.parameterCount ??= this.countParams();
      const inline = this.nativeQueued === 0 && !this.fitting && m * this.parameterCount <= INLINE_PREDICT_WORK;
      try {
        if (inline) return this.prediction(this.handle.predictSync(input));
        return this.prediction(await this.native(() => this.handle.predictRows(input)));
      } catch (e) {
        throw this.nonFiniteInput('predict', e);
      }
    }
    const data = await ingestDataset(this.backend, 'predict', x, NO_LABELS, this.inputSize, this.outputSize, this.targets);
    try {
      return this.prediction(await this.native(() => this.handle.predict(data)));
    } finally {
      data.release();
    }
  }

  /**
   * `predict` on the calling thread, for a few rows at a time (a request handler's single
   * example): no hop to the thread pool and back, so at batch 1 it is several times faster than
   * awaiting predict. It blocks the event loop for the forward pass, so big inputs belong to
   * predict (bench/inference.mjs shows where the two cross). Refused while a fit, evaluate or
   * predict runs on the model.
   */
  predictSync(x: Matrix): Prediction<O> {
    matrixRows('predictSync: x', x, this.inputSize);
    // A Float32Array goes as it is: the backend checks it and reads it in place (the event loop
    // waits for the call, so nothing can change it in between). One on a SharedArrayBuffer, which
    // another thread can write meanwhile, is copied first.
    const input = x instanceof Float32Array ? check.typedArray('predictSync: x', x, Float32Array) : toMatrix('predictSync: x', x, this.inputSize);
    this.assertNotFitting('predictSync');
    let outputs: Float32Array;
    try {
      outputs = this.syncCall('predictSync', () => this.handle.predictSync(input));
    } catch (e) {
      throw this.nonFiniteInput('predictSync', e);
    }
    return this.prediction(outputs);
  }

  /**
   * The backend's check of its copy of x (`x: element 3 is NaN, …`), worded as everywhere else
   * (`predict: x: element 3 (row 0, column 3) is NaN, …`); any other error as it is.
   */
  private nonFiniteInput(where: string, e: unknown): unknown {
    const bad = /^x: element (\d+) is (\S+), expected a finite number$/.exec((e as Error)?.message ?? '');
    if (!bad) return e;
    const [i, cols] = [Number(bad[1]), this.inputSize];
    const value = { inf: 'Infinity', '-inf': '-Infinity' }[bad[2]] ?? bad[2];
    return Object.assign(new RangeError(`${where}: x: element ${i} (row ${Math.floor(i / cols)}, column ${i % cols}) is ${value}, expected a finite number`), { cause: e });
  }

  /** The backend's outputs as predict returns them: values, or probabilities and classes. */
  private prediction(outputs: Float32Array): Prediction<O> {
    if (this.targets === 'real') return { values: outputs } as Prediction<O>;
    const n = this.outputSize;
    const classes = this.architecture.output === 'softmax' ? argmaxRows(outputs, n) : Int32Array.from(outputs, (p) => (p > 0.5 ? 1 : 0));
    return { probabilities: outputs, classes } as Prediction<O>;
  }

  /**
   * One fused mini-batch step on (x, y) for users writing their own loop. A step that would
   * make the loss, a gradient or a parameter non-finite is not applied: it throws and the model
   * stays as it was. `options` may be the learning rate alone (the older form).
   */
  trainStep(x: Matrix, y: Labels, options: number | TrainStepOptions = {}): TrainStepResult<O> {
    if (typeof options !== 'number' && !check.isPlainObject(options)) {
      throw check.typeError('trainStep: options', 'a learning rate or an options object { learningRate, clipNorm }', options);
    }
    const o = typeof options === 'number' ? { learningRate: options } : check.options('trainStep options', options, ['learningRate', 'clipNorm', 'sampleWeight'] as const);
    const learningRate = check.optional(o.learningRate, this.optimizer.learningRate, (v) => check.number('trainStep: learningRate', v, 0));
    const clipNorm = o.clipNorm == null ? null : check.number('trainStep: clipNorm', o.clipNorm, 0, Infinity, { lo: true });
    // A Float32Array goes to the backend as it is: the backend checks it and reads it in place
    // (the event loop waits for the call, so nothing can change it in between; no copy on the
    // hot path of hand-written loops). One on a SharedArrayBuffer, which another thread can write
    // meanwhile, is copied first; others convert here.
    const m = matrixRows('trainStep: x', x, this.inputSize);
    const input = x instanceof Float32Array ? check.typedArray('trainStep: x', x, Float32Array) : toMatrix('trainStep: x', x, this.inputSize);
    const labels = toLabelMatrix('trainStep: y', y, m, this.outputSize, this.targets);
    const sampleWeight = 'sampleWeight' in o && o.sampleWeight !== undefined ? toMatrix('trainStep: sampleWeight', o.sampleWeight as Matrix, 1) : null;
    if (sampleWeight !== null && sampleWeight.length !== m) throw new RangeError(`trainStep: sampleWeight: has ${sampleWeight.length} weights for ${m} examples`);
    const negative = sampleWeight?.findIndex((w) => w < 0) ?? -1;
    if (negative >= 0) throw new RangeError(`trainStep: sampleWeight: element ${negative} is ${sampleWeight![negative]}, expected a weight ≥ 0`);
    this.assertNotFitting('trainStep');
    let r: number[];
    try {
      r = this.syncCall('trainStep', () => this.handle.trainStep(input, labels, learningRate, clipNorm, sampleWeight));
    } catch (e) {
      const worded = this.nonFiniteInput('trainStep', e);
      if (worded !== e) throw worded;
      throw divergenceError(e, 'trainStep', learningRate);
    }
    const [loss, regularization, correct] = r;
    return (this.targets === 'real' ? { loss, regularization } : { loss, regularization, accuracy: correct / m }) as TrainStepResult<O>;
  }

  /**
   * The weights, as Keras's `get_weights()`: copies of every parameter and running statistic
   * (W, b, gamma, beta, runningMean, runningVar) in layer order, without optimizer slots.
   */
  getWeights(): Float32Array[] {
    return this.weightInfos().map((t) => this.getTensor(t.layer, t.name));
  }

  /** Replaces every weight (the order and shapes of `getWeights()`); all are checked before any is written. */
  setWeights(weights: Float32Array[]): void {
    const infos = this.weightInfos();
    if (!Array.isArray(weights)) throw check.typeError('setWeights: weights', `an array of ${infos.length} Float32Arrays (as getWeights returns)`, weights);
    if (weights.length !== infos.length) throw new RangeError(`setWeights: weights: expected ${infos.length} arrays (${infos.map((t) => `${t.layer}.${t.name}`).join(', ')}), got ${weights.length}`);
    const copies = weights.map((w, i) => {
      const copy = check.typedArray(`setWeights: weights[${i}]`, w, Float32Array).slice();
      const want = infos[i].shape.reduce((a, b) => a * b, 1);
      if (copy.length !== want) throw new RangeError(`setWeights: weights[${i}]: layer ${infos[i].layer} '${infos[i].name}' has ${want} values, got ${copy.length}`);
      copy.forEach((v, j) => {
        if (!Number.isFinite(v)) throw new RangeError(`setWeights: weights[${i}]: element ${j} is ${v}, expected a finite number`);
        if (infos[i].name === 'runningVar' && v < 0) throw new RangeError(`setWeights: weights[${i}]: a running variance cannot be negative, got ${v} at ${j}`);
      });
      return copy;
    });
    this.assertNotFitting('setWeights');
    infos.forEach((t, i) => this.syncCall('setWeights', () => this.handle.setTensor(t.layer, t.name, copies[i])));
  }

  /** Parameters and running statistics of the whole model (as Keras's `count_params()`), optimizer slots excluded. */
  countParams(): number {
    return this.weightInfos().reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
  }

  /**
   * A table of the layers with their output widths and parameter counts and the totals, as
   * Keras's `model.summary()` prints (running statistics count as non-trainable).
   */
  summary(): string {
    const infos = this.weightInfos();
    let width = this.inputSize;
    const rows = this.architecture.layers.map((layer, i) => {
      if (layer.kind === 'dense') width = layer.units as number;
      const kind = layer.kind === 'activation' ? `activation (${layer.activation})` : layer.kind;
      const params = infos.filter((t) => t.layer === i).reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
      return [`${i}: ${kind}`, `[m, ${width}]`, String(params)];
    });
    const nonTrainable = infos.filter((t) => t.name.startsWith('running')).reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    const total = this.countParams();
    const header = ['Layer', 'Output shape', 'Params'];
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    const line = (cells: string[]) => cells.map((c, j) => (j === 2 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ');
    const rule = '─'.repeat(line(header).length);
    return [
      `Sequential: input [m, ${this.inputSize}], output '${this.architecture.output}', loss ${this.lossName}`,
      rule,
      line(header),
      rule,
      ...rows.map(line),
      rule,
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${(total - nonTrainable).toLocaleString('en-US')}`,
      `Non-trainable params: ${nonTrainable.toLocaleString('en-US')}`,
    ].join('\n');
  }

  private weightInfos(): TensorInfo[] {
    return this.tensors().filter((t) => WEIGHT_NAMES.has(t.name));
  }

  /** Names and shapes of every tensor: parameters, optimizer state, running statistics. */
  tensors(): TensorInfo[] {
    // Fixed by the architecture: read once, so listing never waits for native work.
    this.catalog ??= this.handle.tensors();
    return this.catalog.map((t) => ({ ...t, shape: [...t.shape] }));
  }

  /**
   * @internal A synchronous backend call named for the user: while an evaluate, predict or
   * epoch holds the model natively, the backend refuses with "model is busy".
   */
  syncCall<T>(where: string, call: () => T): T {
    try {
      return call();
    } catch (e) {
      const message = (e as Error)?.message ?? '';
      if (message.startsWith('model is busy')) {
        throw Object.assign(new Error(`${where}: model is busy: an evaluate, predict or training epoch is running on it; await it first`), { cause: e });
      }
      throw e;
    }
  }

  /** A copy of one tensor, e.g. getTensor(0, 'W'), getTensor(1, 'runningMean'), getTensor(0, 'W.v'), getTensor(0, 'W.grad'). */
  getTensor(layer: number, name: string): Float32Array {
    this.tensorInfo('getTensor', layer, name);
    return this.syncCall('getTensor', () => this.handle.getTensor(layer, name));
  }

  /** Overwrites one tensor (same length, finite values; a running variance ≥ 0). */
  setTensor(layer: number, name: string, values: Float32Array): void {
    const info = this.tensorInfo('setTensor', layer, name);
    // A copy: a shared buffer cannot change between the check and the write.
    const copy = check.typedArray('setTensor: values', values, Float32Array).slice();
    const length = info.shape.reduce((a, b) => a * b, 1);
    if (copy.length !== length) {
      throw new RangeError(`setTensor: values: layer ${layer} '${name}' has shape [${info.shape.join(', ')}] (${length} values), got ${copy.length}`);
    }
    this.assertNotFitting('setTensor');
    try {
      this.syncCall('setTensor', () => this.handle.setTensor(layer, name, copy));
    } catch (e) {
      const message = (e as Error).message;
      throw message.startsWith('setTensor: ') ? e : Object.assign(new RangeError(`setTensor: ${message}`), { cause: e });
    }
  }

  /** Checks (layer, name) against the catalog; `.grad` names a parameter's last gradient. */
  private tensorInfo(where: string, layer: unknown, name: unknown): TensorInfo {
    const all = this.tensors();
    const layers = new Set(all.map((t) => t.layer));
    const count = this.architecture.layers.length;
    check.integer(`${where}: layer`, layer, 0, count - 1);
    const own = check.nonEmptyString(`${where}: name`, name);
    const base = own.endsWith('.grad') ? own.slice(0, -'.grad'.length) : own;
    const info = all.find((t) => t.layer === layer && t.name === base);
    if (!info) {
      const names = all.filter((t) => t.layer === layer).map((t) => t.name);
      const has = layers.has(layer as number) ? `it has ${names.join(', ')}` : 'it has no tensors';
      throw new RangeError(`${where}: name: layer ${layer} has no tensor '${own}' (${has})`);
    }
    return info;
  }

  /**
   * Everything that makes this model what it is, as plain data (saveModel writes it). Taken
   * between two native calls: during a fit it waits for the current one and never sees half a step.
   */
  async exportState(): Promise<ModelState> {
    return this.native(async () => this.readState());
  }

  /** Builds a model from `exportState()`'s data, checking every field as the constructor would. */
  static fromState<O extends OutputKind = 'softmax' | 'sigmoid'>(state: ModelState, options: { backend?: BackendName; threads?: number } = {}): Sequential<O> {
    if (!check.isPlainObject(state)) throw check.typeError('fromState: state', 'a model state object', state);
    const o = check.options('fromState options', options, ['backend', 'threads'] as const);
    if (!check.isPlainObject(state.architecture)) throw check.typeError('fromState: state.architecture', 'an object', state.architecture);
    const { lossDelta, loss, ...architecture } = state.architecture as Architecture;
    if (lossDelta !== undefined && loss !== 'huber') throw new RangeError(`fromState: state.architecture.lossDelta: only a 'huber' loss has a δ, the loss is ${check.describe(loss)}`);
    const model = new Sequential<O>({
      ...(architecture as ModelOptions<O>),
      // The saved form (`loss`, `lossDelta`) back into the constructor's.
      ...(loss !== undefined ? { loss: lossDelta !== undefined ? { kind: 'huber' as const, delta: lossDelta } : loss } : {}),
      optimizer: state.optimizer,
      backend: o.backend as BackendName | undefined,
      threads: o.threads as number | undefined,
    });
    model.writeState(state);
    return model;
  }

  /** A byte-identical, independent copy (same backend and thread count unless overridden). */
  async clone(options: { backend?: BackendName; threads?: number } = {}): Promise<Sequential<O>> {
    return Sequential.fromState<O>(await this.exportState(), { backend: this.backend.name, ...options });
  }

  /** @internal Row-major data owned by the backend, checked against this model's sizes (copied in chunks, checked off the main thread). */
  async dataset(where: string, x: Matrix, y: Labels, names: { x: string; y: string } = { x: 'x', y: 'y' }, weights: Float32Array | null = null) {
    return ingestDataset(this.backend, where, x, y, this.inputSize, this.outputSize, this.targets, names, weights);
  }

  /** @internal Runs one asynchronous native call after every earlier one on this model. */
  native<T>(work: () => Promise<T>): Promise<T> {
    this.nativeQueued++;
    const run = this.nativeTail.then(work, work);
    const settled = () => {
      this.nativeQueued--;
    };
    this.nativeTail = run.then(settled, settled);
    return run;
  }

  /** @internal The name of this model's loss (its one definition: src/reference/loss.ts, crates/core/src/network/loss_kind.rs). */
  get lossName(): LossName {
    const { output, loss } = this.architecture;
    return output === 'softmax' ? 'softmaxCrossEntropy' : output === 'sigmoid' ? 'sigmoidBinaryCrossEntropy' : (loss ?? 'mse');
  }

  /** @internal What this model's targets are: class distributions, 0/1 labels or real values. */
  get targets(): Targets {
    return LOSSES[this.lossName].targets;
  }

  /** Named metrics on labels [m, outputs] and the model's outputs for them. */
  private computeMetrics(names: string[], labels: Float32Array, outputs: Float32Array): Record<string, MetricValue> {
    const n = this.outputSize;
    if (this.targets === 'real') return computeMetrics(names, { yTrue: labels, yPred: outputs, outputs: n });
    if (this.targets === 'distribution') return computeMetrics(names, { yTrue: argmaxRows(labels, n), probabilities: outputs, classes: n });
    if (n !== 1) throw new RangeError(`evaluate: metrics: a sigmoid model with ${n} outputs is multi-label; metrics need one output (binary) or softmax`);
    const yTrue = Int32Array.from(labels, (v) => (v > 0.5 ? 1 : 0));
    const yPred = Int32Array.from(outputs, (p) => (p > 0.5 ? 1 : 0));
    return computeMetrics(names, { yTrue, yPred, classes: 2 });
  }

  private assertNotFitting(what: string): void {
    if (this.fitting) throw new Error(`${what}: model is busy: a fit is running on it; await it first`);
  }

  private readState(): ModelState {
    const tensors: NamedTensor[] = this.tensors().map((t) => ({
      name: tensorName(t.layer, t.name),
      shape: t.shape,
      values: this.handle.getTensor(t.layer, t.name),
    }));
    for (const t of this.bestWeights ?? []) tensors.push({ ...t, values: t.values.slice() });
    const rng = Object.fromEntries(RNG_NAMES.map((n) => [n, Array.from(this.handle.getRngState(n))])) as Record<RngName, number[]>;
    return {
      architecture: structuredClone(this.architecture),
      optimizer: { ...this.optimizer },
      step: this.handle.getStep(),
      rng,
      tensors,
      ...(this.normalizer ? { normalizer: this.normalizer.toJSON() } : {}),
      ...(this.trainingState ? { training: structuredClone(this.trainingState) } : {}),
    };
  }

  /** Puts a state's tensors, step, streams, normalizer and training state into this fresh model. */
  private writeState(state: ModelState): void {
    const catalog = new Map(this.tensors().map((t) => [tensorName(t.layer, t.name), t]));
    if (!Array.isArray(state.tensors)) throw check.typeError('fromState: state.tensors', 'an array', state.tensors);
    const best: NamedTensor[] = [];
    const seen = new Set<string>();
    for (const t of state.tensors) {
      const name = check.nonEmptyString('fromState: tensor name', t?.name);
      const own = catalog.get(name.startsWith(BEST_PREFIX) ? name.slice(BEST_PREFIX.length) : name);
      if (!own || seen.has(name)) throw new RangeError(`fromState: tensor '${name}': ${own ? 'appears twice' : 'not a tensor of this architecture'}`);
      seen.add(name);
      if (!Array.isArray(t.shape) || t.shape.join(',') !== own.shape.join(',')) {
        throw new RangeError(`fromState: tensor '${name}': shape [${t.shape}] differs from the architecture's [${own.shape}]`);
      }
      if (!(t.values instanceof Float32Array)) throw check.typeError(`fromState: tensor '${name}'`, 'Float32Array values', t.values);
      if (name.startsWith(BEST_PREFIX)) {
        checkFinite(`fromState: tensor '${name}'`, t.values);
        best.push({ name, shape: [...t.shape], values: t.values.slice() });
      } else {
        try {
          this.handle.setTensor(own.layer, own.name, t.values);
        } catch (e) {
          throw new RangeError(`fromState: tensor '${name}': ${(e as Error).message}`);
        }
      }
    }
    for (const name of catalog.keys()) if (!seen.has(name)) throw new RangeError(`fromState: tensor '${name}' is missing`);
    checkBestWeights(best, catalog, state.training);
    this.handle.setStep(check.integer('fromState: state.step', state.step, 0, Number.MAX_SAFE_INTEGER));
    if (!check.isPlainObject(state.rng)) throw check.typeError('fromState: state.rng', 'an object', state.rng);
    for (const n of RNG_NAMES) {
      // `augment` came later: older files keep the seed's fresh AUGMENT stream.
      if (n === 'augment' && state.rng[n] === undefined) continue;
      try {
        this.handle.setRngState(n, state.rng[n]);
      } catch (e) {
        throw new RangeError(`fromState: state.rng.${n}: ${(e as Error).message}`);
      }
    }
    if (state.normalizer !== undefined) {
      const normalizer = Normalizer.fromJSON(state.normalizer, 'fromState: state.normalizer');
      if (normalizer.features !== this.inputSize) {
        throw new RangeError(`fromState: state.normalizer: has ${normalizer.features} features, but the input has ${this.inputSize}`);
      }
      this.normalizer = normalizer;
    }
    if (state.training !== undefined) this.trainingState = checkTrainingState('fromState: state.training', state.training);
    if (best.length > 0) this.bestWeights = best;
  }
}

/**
 * Early stopping's best weights come whole or not at all: every weight tensor (no optimizer
 * slots), and only with the training state they belong to.
 */
function checkBestWeights(best: NamedTensor[], catalog: Map<string, TensorInfo>, training: unknown): void {
  if (best.length === 0) return;
  if (training === undefined) throw new RangeError(`fromState: tensor '${best[0].name}': best weights without a training state`);
  const weightNames = [...catalog.keys()].filter((n) => WEIGHT_NAMES.has(n.split('.').slice(2).join('.')));
  const given = new Set(best.map((t) => t.name.slice(BEST_PREFIX.length)));
  for (const t of best) {
    if (!weightNames.includes(t.name.slice(BEST_PREFIX.length))) throw new RangeError(`fromState: tensor '${t.name}': only weights (not optimizer slots) have best copies`);
  }
  for (const n of weightNames) if (!given.has(n)) throw new RangeError(`fromState: tensor '${BEST_PREFIX}${n}' is missing (best weights come whole)`);
}

function checkFinite(where: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${where}: element ${i} is ${values[i]}, expected a finite number`);
  }
}

/** A training state read from a file or handed in: every field checked. */
export function checkTrainingState(where: string, value: unknown): TrainingState {
  const o = check.options(where, value, ['epoch', 'learningRate', 'manualLearningRate', 'monitored', 'earlyStopping', 'callbacks'] as const);
  const epoch = check.integer(`${where}.epoch`, o.epoch, 0, check.MAX_COUNT);
  const learningRate = check.number(`${where}.learningRate`, o.learningRate, 0);
  const manualLearningRate = o.manualLearningRate === undefined ? undefined : check.number(`${where}.manualLearningRate`, o.manualLearningRate, 0);
  if (!Array.isArray(o.monitored) || o.monitored.length !== epoch) {
    throw check.typeError(`${where}.monitored`, `an array of ${epoch} numbers`, o.monitored);
  }
  const monitored = o.monitored.map((v, i) => (v === null ? NaN : check.number(`${where}.monitored[${i}]`, v)));
  let earlyStopping: TrainingState['earlyStopping'];
  if (o.earlyStopping !== undefined) {
    const e = check.options(`${where}.earlyStopping`, o.earlyStopping, ['monitor', 'best', 'bestEpoch', 'wait'] as const);
    earlyStopping = {
      monitor: check.nonEmptyString(`${where}.earlyStopping.monitor`, e.monitor),
      best: e.best === null ? NaN : check.number(`${where}.earlyStopping.best`, e.best),
      bestEpoch: check.integer(`${where}.earlyStopping.bestEpoch`, e.bestEpoch, -1, check.MAX_COUNT),
      wait: check.integer(`${where}.earlyStopping.wait`, e.wait, 0, check.MAX_COUNT),
    };
  }
  const callbacks = o.callbacks === undefined ? {} : o.callbacks;
  if (!check.isPlainObject(callbacks)) throw check.typeError(`${where}.callbacks`, 'an object', callbacks);
  return { epoch, learningRate, ...(manualLearningRate !== undefined ? { manualLearningRate } : {}), monitored, ...(earlyStopping ? { earlyStopping } : {}), callbacks };
}

/** Turns the backend's `diverged: step N: …` into an Error that says what happened and what to do. */
export function divergenceError(e: unknown, where: string, learningRate: number, epoch?: number): unknown {
  const message = (e as Error)?.message ?? '';
  const match = /^diverged: step (\d+): (.*)$/s.exec(message);
  if (!match) return e;
  const at = epoch === undefined ? '' : ` at epoch ${epoch}, step ${match[1]}`;
  const restored = epoch === undefined ? 'the step was not applied and the model is unchanged' : `the model was restored to its state at the start of epoch ${epoch}`;
  return Object.assign(
    new Error(`${where}: training diverged${at}: ${match[2]}; ${restored}. Lower the learning rate (it was ${learningRate}) or clip gradients (clipNorm)`),
    { code: 'TUNENET_DIVERGED', epoch, step: Number(match[1]) },
  );
}

/** The loss of a regression model (`loss` and, for Huber, `lossDelta`); classification outputs take none. */
function regressionLossOf(output: OutputKind, value: unknown): { loss?: RegressionLoss; lossDelta?: number } {
  if (output !== 'linear') {
    if (value !== undefined) throw new RangeError(`sequential: loss: a '${output}' output always uses its cross-entropy; 'loss' is for output 'linear' (regression)`);
    return {};
  }
  if (value === undefined) return { loss: 'mse' };
  if (typeof value === 'string') return { loss: check.oneOf('sequential: loss', value, REGRESSION_LOSSES) };
  const o = check.options('sequential options.loss', value, ['kind', 'delta'] as const);
  check.oneOf('sequential: loss.kind', o.kind, ['huber'] as const);
  const parameter = LOSSES.huber.parameter;
  const delta = check.optional(o.delta, parameter[1] as number, (v) => check.number('sequential: loss.delta', v, 0, Infinity, { lo: true }));
  return { loss: 'huber', lossDelta: delta };
}

/** MAE, RMSE and R² (uniform over outputs; NaN below 2 examples) of outputs against labels, both [m, n]. */
function regressionScores(labels: Float32Array, outputs: Float32Array, m: number, n: number): { mae: number; rmse: number; r2: number } {
  const [yTrue, yPred] = [Float64Array.from(labels), Float64Array.from(outputs)];
  const r2 = m < 2 ? NaN : r2Of('evaluate: y', { values: yTrue, rows: m, cols: n } as RealMatrix, { values: yPred, rows: m, cols: n } as RealMatrix);
  return { mae: maeOf(yTrue, yPred), rmse: Math.sqrt(mseOf(yTrue, yPred)), r2 };
}

function checkMetricNames(where: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw check.typeError(where, 'a non-empty array of metric names', value);
  return value.map((v, i) => check.nonEmptyString(`${where}[${i}]`, v));
}

/** Builds a sequential model: `sequential({ inputSize: 784, layers: [dense(256), relu(), dense(10)] })`. */
export function sequential<O extends OutputKind = 'softmax'>(options: ModelOptions<O>): Sequential<O> {
  return new Sequential<O>(options);
}
