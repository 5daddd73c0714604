/**
 * The reference network: a sequential model in plain TypeScript that mirrors the native one
 * (crates/core/src/network/model.rs) step for step, built from the layers of ./layers.ts.
 *
 * Storage is f32 (Float32Array) for parameters, gradients, optimizer state, running statistics
 * and activations, so every stored value is rounded like the native f32 one. The kernels compute
 * in doubles and round once on store; the native kernels round after every f32 operation, so
 * results agree to a few f32 ulps, not bit for bit (docs/CONVENTIONS.md).
 */
import { activationForward } from './activation';
import { buildLayer, F32, type Layer, type Mode, type Param, type Precision } from './layers';
import { lossDefinition, softmax } from './loss';
import { regularizationCost } from './regularization';
import { Rng, RngStream } from './rng';
import { layerWidths, type LossKind, type NetworkSpec } from './spec';
import { like, type FloatArray } from './types';
import { invalid } from './validate';

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

/** Rows per chunk when evaluating or predicting (as native, crates/core/src/network/model.rs: the loss sums in the same order). */
const EVAL_CHUNK = 256;

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
        // Refused as on the native side, naming `network` (a typed array too large for this engine, or no memory).
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
    let cost = 0;
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
