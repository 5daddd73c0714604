// The models both export tests check: every activation kind (with non-default parameters too),
// batch norm trained so its running statistics are far from their start (0 and 1), dropout,
// every output kind (softmax, binary and multi-label sigmoid, single and multi-output
// regression), with and without a normalizer. Each is trained for a few epochs on data made
// here, so the weights are not the initial draws.
import { ACTIVATION_KINDS, activationParameter } from '../../src/reference/activation';
import { activation, batchNorm, dense, dropout, Normalizer, relu, sequential, type OutputKind, type Sequential } from '../../src';
import type { LayerOptions } from '../../src/backend';

export interface ExportCase {
  name: string;
  inputSize: number;
  layers: LayerOptions[];
  output: OutputKind;
  outputs: number;
  /** Fit a normalizer on raw features that are far from mean 0, std 1. */
  normalizer?: boolean;
}

const INPUTS = 5;

export const EXPORT_CASES: ExportCase[] = [
  // Each activation between two dense layers, regression output (no squashing hides an error).
  ...ACTIVATION_KINDS.map((kind): ExportCase => ({ name: `activation ${kind}`, inputSize: INPUTS, layers: [dense(7), activation(kind), dense(2)], output: 'linear', outputs: 2 })),
  // Non-default parameters, so a parameter dropped on the way would show.
  ...ACTIVATION_KINDS.filter((kind) => activationParameter(kind) !== undefined).map((kind): ExportCase => {
    const [name, byDefault] = activationParameter(kind) as readonly [string, number];
    return { name: `activation ${kind} ${name}=${byDefault * 23}`, inputSize: INPUTS, layers: [dense(7), activation(kind, { [name]: byDefault * 23 }), dense(2)], output: 'linear', outputs: 2 };
  }),
  {
    name: 'batch norm after a dense without bias, momentum 0.6, epsilon 0.05',
    inputSize: INPUTS,
    layers: [dense(8), batchNorm({ momentum: 0.6, epsilon: 0.05 }), relu(), dense(3)],
    output: 'softmax',
    outputs: 3,
  },
  { name: 'batch norm with defaults, on the input', inputSize: INPUTS, layers: [batchNorm(), dense(6), activation('tanh'), dense(1)], output: 'linear', outputs: 1 },
  { name: 'dropout', inputSize: INPUTS, layers: [dense(9), relu(), dropout({ keepProb: 0.7 }), dense(4)], output: 'softmax', outputs: 4 },
  { name: 'softmax classification', inputSize: INPUTS, layers: [dense(6), relu(), dense(3)], output: 'softmax', outputs: 3 },
  { name: 'sigmoid binary', inputSize: INPUTS, layers: [dense(6), activation('elu'), dense(1)], output: 'sigmoid', outputs: 1 },
  { name: 'sigmoid multi-label', inputSize: INPUTS, layers: [dense(6), relu(), dense(3)], output: 'sigmoid', outputs: 3 },
  { name: 'regression, one output', inputSize: INPUTS, layers: [dense(6), relu(), dense(1)], output: 'linear', outputs: 1 },
  { name: 'regression, three outputs', inputSize: INPUTS, layers: [dense(6), activation('swish'), dense(3)], output: 'linear', outputs: 3 },
  { name: 'softmax with normalizer and batch norm', inputSize: INPUTS, layers: [dense(8), batchNorm({ momentum: 0.9 }), activation('gelu'), dense(3)], output: 'softmax', outputs: 3, normalizer: true },
  { name: 'regression with normalizer', inputSize: INPUTS, layers: [dense(6), activation('selu'), dropout({ keepProb: 0.9 }), dense(2)], output: 'linear', outputs: 2, normalizer: true },
  { name: 'sigmoid with normalizer', inputSize: INPUTS, layers: [dense(6), relu(), dense(1)], output: 'sigmoid', outputs: 1, normalizer: true },
];

export const ROWS = 64;

/** Deterministic values in [0, 1) (a small LCG: the tests need variety, not quality). */
function uniforms(count: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

export interface TrainedCase {
  model: Sequential<OutputKind>;
  /** Raw features [ROWS, inputSize] (what a user has). */
  raw: Float32Array;
  /** What predict takes: the normalized features when the model has a normalizer, else raw. */
  x: Float32Array;
}

/** Builds and trains one case's model. */
export async function trainCase(c: ExportCase, seed = 7): Promise<TrainedCase> {
  const u = uniforms(ROWS * c.inputSize, seed);
  // With a normalizer the raw features sit far from 0 with large, different scales per column;
  // without one they span about [-3, 3], so the activations see both signs.
  const raw = Float32Array.from(u, (v, i) => (c.normalizer ? 500 + 40 * (i % c.inputSize) + (v - 0.5) * 60 * (1 + (i % c.inputSize)) : (v - 0.5) * 6));
  const model = sequential<OutputKind>({ inputSize: c.inputSize, layers: c.layers, output: c.output, seed });
  let x = raw;
  if (c.normalizer) {
    model.normalizer = Normalizer.fit(raw, c.inputSize);
    x = model.normalizer.transform(raw);
  }
  await model.fit(x, targets(c, x), { epochs: 4, batchSize: 8 });
  return { model, raw, x };
}

/** Labels that depend on x (so training moves the weights somewhere meaningful). */
function targets(c: ExportCase, x: Float32Array): Float32Array {
  const y = new Float32Array(ROWS * c.outputs);
  for (let i = 0; i < ROWS; i++) {
    const row = x.subarray(i * c.inputSize, (i + 1) * c.inputSize);
    const score = row.reduce((s, v, j) => s + v * (j % 2 ? 1 : -0.5), 0);
    for (let j = 0; j < c.outputs; j++) {
      if (c.output === 'softmax') y[i * c.outputs + j] = Math.abs(Math.floor(score * 2)) % c.outputs === j ? 1 : 0;
      else if (c.output === 'sigmoid') y[i * c.outputs + j] = score + j * 0.5 > 0 ? 1 : 0;
      else y[i * c.outputs + j] = Math.sin(score + j) * (1 + j);
    }
  }
  return y;
}

/** What predict returns, as one array [ROWS, outputs]. */
export async function predicted(model: Sequential<OutputKind>, x: Float32Array): Promise<Float32Array> {
  const p = (await model.predict(x)) as { probabilities?: Float32Array; values?: Float32Array };
  return (p.probabilities ?? p.values) as Float32Array;
}

/**
 * The largest |a − b| / max(1, |b|): absolute below 1 (probabilities and small values), relative
 * above (large regression values). The exports must stay within 1e-5 of predict.
 */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst;
}

export const TOLERANCE = 1e-5;
