/**
 * The reference backend's handles (crates/core/src/network/trainer.rs, crates/node/src/network.rs):
 * the data set, and the network behind `NetworkHandle` (epochs, steps, restore points after a
 * divergence, tensors, random streams, gradient checks).
 *
 * Conventions it shares with the native side (docs/CONVENTIONS.md):
 * - Random streams of the seed: INIT draws the weights (layers in order), DROPOUT one draw per
 *   element of each active dropout layer in forward order (Train mode, keepProb < 1 only),
 *   SHUFFLE the Fisher–Yates permutation of `beginEpoch`, AUGMENT (when `setAugmentation` is on)
 *   one forked generator per gathered training row (./augment.ts). Same seed → same weights,
 *   masks, order and augmented images.
 * - One training step: forward (Train) → loss → backward (dX of the first layer skipped; L2/L1
 *   added to dW) → gradient norms → optional global-norm clipping → step += 1 → update of every
 *   parameter in layer order. The reported training loss is data loss + regularization cost.
 */
import type {
  AugmentationOptions,
  DatasetHandle,
  EpochProgress,
  EvaluateResult,
  GradientCheckResult,
  NetworkHandle,
  NetworkOptions,
  OptimizerOptions,
  StepsResult,
  TensorInfo,
} from '../backend';
import { augmentRow, checkRowLength, forkRowRng, parseAugmentation, type Augmentation } from './augment';
import { compareGradients } from './gradcheck';
import { Dense, F64, type Param } from './layers';
import { Network, type BatchStats } from './network';
import { adamStep, adamwStep, momentumStep, nesterovStep, rmspropStep, sgdStep } from './optimizers';
import { Rng, RngStream } from './rng';
import { parseNetworkOptions, parseOptimizer, type OptimizerConfig } from './spec';
import { asF32, checkFinite, checkShape, invalid, nonNegative, positive, positiveF64, rowsOf, safeInteger, u32 } from './validate';

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

/**
 * Examples x [m, inputs] and labels y [m, outputs] (outputs 0: none), f32 storage written in
 * row chunks and checked once by `seal()`.
 */
export class ReferenceDataset implements DatasetHandle {
  x: Float32Array;
  y: Float32Array;
  readonly inputs: number;
  readonly outputs: number;
  private readonly rows: number;
  private sealed = false;
  private released = false;
  /** A weight per row (Keras's sample_weight), or null: every row weighs 1. */
  w: Float32Array | null = null;

  constructor(rows: number, inputs: number, outputs: number) {
    const m = positive('rows', rows);
    this.rows = m;
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
    return this.rows;
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  get isReleased(): boolean {
    return this.released;
  }

  release(): void {
    this.released = true;
    this.x = new Float32Array(0);
    this.y = new Float32Array(0);
    this.w = null;
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
        return Promise.reject(invalid(name, `element ${i} (row ${Math.floor(i / cols)}, column ${i % cols}) is ${data[i]}, expected a finite number`));
      }
    }
    this.sealed = true;
    return Promise.resolve();
  }
}

/** A diverging step, refused as on the native side, at the same step: `diverged: step N: …` (the reason in its own words). */
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
  /** The current epoch's progress, as `progress()` reports it (native: `Progress` in the trainer). */
  private epochProgress: EpochProgress = { steps: 0, totalSteps: 0, examples: 0, lossSum: 0 };
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
    const totalSteps = dropLast ? Math.floor(len / bs) : Math.ceil(len / bs);
    this.epochProgress = { steps: 0, totalSteps, examples: 0, lossSum: 0 };
  }

  /** The current epoch's progress (runSteps here is synchronous: it shows each call's end). */
  progress(): EpochProgress {
    return { ...this.epochProgress };
  }

  private dataset(data: DatasetHandle): ReferenceDataset {
    if (!(data instanceof ReferenceDataset)) throw invalid('data', 'expected a dataset created by the reference backend');
    if (data.isReleased) throw invalid('data', 'has been released');
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
      let sq = 0; // a layer without parameters reports 0
      for (const p of layer.params()) for (const g of p.grad) sq += g * g;
      this.gradNorms[i] = Math.sqrt(sq);
    });
    if (!Number.isFinite(stats.dataLoss)) throw diverged(step, `the loss is ${stats.dataLoss}`);
    if (!Number.isFinite(stats.regularization)) throw diverged(step, `the regularization cost is ${stats.regularization}`);
    const badLayer = this.gradNorms.findIndex((n) => !Number.isFinite(n));
    if (badLayer >= 0) throw diverged(step, `the gradient of layer ${badLayer} is not finite`);
    if (clipNorm !== null) {
      // The norm of what will be applied: frozen layers' gradients are not.
      let sq = 0;
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
      const loss = (stats.dataLoss + stats.regularization) * m;
      result.lossSum += loss;
      result.correct += stats.correct;
      this.epochProgress.steps = cursor.steps;
      this.epochProgress.examples = cursor.next;
      this.epochProgress.lossSum += loss;
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
      if (bad >= 0) throw invalid('sampleWeight', `element ${bad} is ${ws[bad]}, expected a finite weight ≥ 0`);
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
    if (data.isReleased) throw invalid('data', 'has been released');
    if (!data.isSealed) throw invalid('data', 'is not sealed yet (await seal() after writing it)');
    if (data.inputs !== this.inputSize) throw invalid('x', `has ${data.inputs} features; this model expects ${this.inputSize}`);
    return Promise.resolve(this.net.predict(data.x, data.length));
  }

  predictRows(x: Float32Array): Promise<Float32Array> {
    try {
      return Promise.resolve(this.predictSync(x));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  predictSync(x: Float32Array): Float32Array {
    const xs = Float32Array.from(x); // check the copy, never the live buffer
    const m = rowsOf('x', xs, this.inputSize);
    checkFinite('x', xs);
    return this.net.predict(xs, m);
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
