// Bad input is refused with an error naming the argument, and a refused call leaves the model
// exactly as it was (every tensor, the step counter and the RNG states).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  adam,
  batchNorm,
  dense,
  dropout,
  gd,
  loadModel,
  relu,
  sequential,
  type OptimizerConfig,
  type Sequential,
} from '../../src';
import { blobs, expectSameSnapshot, snapshot, type Snapshot } from './helpers';

const data = blobs(2, 20, 3, 4); // 60 examples, 4 features, 3 classes
const x = data.x;
const y = data.y;

function makeModel(): Sequential {
  return sequential({
    inputSize: 4,
    seed: 3,
    threads: 1,
    optimizer: adam({ learningRate: 0.01 }),
    layers: [dense(8), batchNorm(), relu(), dropout({ keepProb: 0.9 }), dense(3)],
  });
}

let model: Sequential;
let before: Snapshot;
beforeEach(async () => {
  model = makeModel();
  // Some training first, so optimizer state, running statistics and RNG states are non-trivial.
  await model.fit(x, y, { epochs: 2, batchSize: 16 });
  before = snapshot(model);
});

const unchanged = () => expectSameSnapshot(snapshot(model), before);

/** x with one element replaced. */
const withValue = (a: Float32Array, i: number, v: number) => {
  const out = Float32Array.from(a);
  out[i] = v;
  return out;
};

describe('fit', () => {
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['wrong feature count (flat)', () => model.fit(x.subarray(0, 59 * 4 + 3), y), /^x: .*4 features/],
    ['wrong feature count (rows)', () => model.fit([[1, 2, 3, 4], [1, 2, 3]], [0, 1]), /^x: row 1 has 3 values, expected 4/],
    ['label out of range', () => model.fit(x, withLabel(y, 5, 10)), /^y: label 5 is 10, expected a class index in \[0, 2\]/],
    ['negative label', () => model.fit(x, withLabel(y, 0, -1)), /^y: label 0 is -1/],
    ['fractional label', () => model.fit(x, Array.from(y, (c, i) => (i === 3 ? 1.5 : c))), /^y: label 3 is 1.5/],
    ['too few labels', () => model.fit(x, y.subarray(0, 59)), /^y: has 59 entries for 60 examples/],
    ['NaN in x', () => model.fit(withValue(x, 7, Number.NaN), y), /^x: element 7 is NaN/],
    ['Infinity in x', () => model.fit(withValue(x, 0, Number.POSITIVE_INFINITY), y), /^x: element 0 is Infinity/],
    [
      'Infinity in validation x',
      () => model.fit(x, y, { validation: { x: withValue(x, 11, Number.NEGATIVE_INFINITY), y } }),
      /^validation\.x: element 11 is -Infinity/,
    ],
    ['label out of range in validation y', () => model.fit(x, y, { validation: { x, y: withLabel(y, 2, 3) } }), /^validation\.y: label 2 is 3/],
    ['empty x', () => model.fit(new Float32Array(0), new Int32Array(0)), /^x: is empty/],
    ['empty nested x', () => model.fit([], []), /^x: is empty/],
    ['epochs 0', () => model.fit(x, y, { epochs: 0 }), /^epochs: must be an integer ≥ 1, got 0/],
    ['fractional epochs', () => model.fit(x, y, { epochs: 1.5 }), /^epochs:/],
    ['batchSize 0', () => model.fit(x, y, { batchSize: 0 }), /^batchSize: must be an integer ≥ 1, got 0/],
    ['batchSize > m with dropLast', () => model.fit(x, y, { batchSize: 61, dropLast: true }), /^batchSize: 61 exceeds the 60/],
    ['negative learningRate', () => model.fit(x, y, { optimizer: gd({ learningRate: -0.1 }) }), /^optimizer\.learningRate: must be a finite number ≥ 0, got -0.1/],
    ['NaN learningRate', () => model.fit(x, y, { optimizer: adam({ learningRate: Number.NaN }) }), /^optimizer\.learningRate/],
    ['unknown optimizer kind', () => model.fit(x, y, { optimizer: { kind: 'sgdx', learningRate: 0.1 } as unknown as OptimizerConfig }), /optimizer\.kind: unknown optimizer 'sgdx'/],
    ['beta1 = 1', () => model.fit(x, y, { optimizer: adam({ beta1: 1 }) }), /optimizer\.beta1: must be in \[0, 1\), got 1/],
    ['epsilon 0', () => model.fit(x, y, { optimizer: adam({ epsilon: 0 }) }), /optimizer\.epsilon: must be a finite number > 0, got 0/],
    ['clipNorm 0', () => model.fit(x, y, { clipNorm: 0 }), /^clipNorm:/],
    ['negative initialEpoch', () => model.fit(x, y, { initialEpoch: -1 }), /^initialEpoch:/],
    ['stepsPerCallback 0', () => model.fit(x, y, { stepsPerCallback: 0, onStep: () => {} }), /^stepsPerCallback:/],
    ['schedule not a function', () => model.fit(x, y, { schedule: 0.1 as unknown as () => number }), /^schedule: expected a function/],
    ['earlyStopping devLoss without validation', () => model.fit(x, y, { earlyStopping: { monitor: 'devLoss' } }), /earlyStopping\.monitor: 'devLoss' needs validation data/],
    ['earlyStopping default monitor without validation', () => model.fit(x, y, { earlyStopping: {} }), /earlyStopping\.monitor/],
    ['earlyStopping unknown monitor', () => model.fit(x, y, { validation: { x, y }, earlyStopping: { monitor: 'loss' as 'devLoss' } }), /earlyStopping\.monitor: expected/],
    ['earlyStopping negative patience', () => model.fit(x, y, { earlyStopping: { monitor: 'trainLoss', patience: -1 } }), /earlyStopping\.patience/],
    ['x as a string', () => model.fit('1,2,3,4' as unknown as Float32Array, y), /^x: expected a Float32Array, Float64Array or array of rows, got string/],
    ['y as an object', () => model.fit(x, { 0: 1, length: 60 } as unknown as Int32Array), /^y: expected class indices .* got Object/],
    ['y as null', () => model.fit(x, null as unknown as Int32Array), /^y: expected class indices .* got null/],
    ['shuffle not a boolean', () => model.fit(x, y, { shuffle: 'no' as unknown as boolean }), /^shuffle: expected a boolean, got string/],
    ['dropLast not a boolean', () => model.fit(x, y, { dropLast: 1 as unknown as boolean }), /^dropLast: expected a boolean, got number/],
    ['validation without y', () => model.fit(x, y, { validation: { x } as unknown as { x: Float32Array; y: Int32Array } }), /^validation\.y: expected class indices/],
    ['options not an object', () => model.fit(x, y, null as unknown as object), /^options: expected an object/],
  ];

  it.each(cases)('%s', async (_name, call, message) => {
    await expect(call()).rejects.toThrow(message);
    unchanged();
    // The refusal did not leave the model stuck busy.
    await expect(model.evaluate(x, y)).resolves.toBeDefined();
    unchanged();
  });

  it('a batch size beyond 32 bits is the whole data (batch GD), not a wrapped 32-bit size', async () => {
    // 2^32 + 1 used to reach the backend as 1 (SGD: 60 steps); 2^32 as 0 (an error mid-fit).
    const h = await model.fit(x, y, { epochs: 1, batchSize: 2 ** 32 + 1 });
    expect(h.epochs[0].steps).toBe(1);
    const h2 = await model.fit(x, y, { epochs: 1, batchSize: 2 ** 32 });
    expect(h2.epochs[0].steps).toBe(1);
    const steps: number[] = [];
    const h3 = await model.fit(x, y, { epochs: 1, batchSize: 10, stepsPerCallback: 2 ** 32, onStep: (l) => void steps.push(l.step) });
    expect(h3.epochs[0].steps).toBe(6);
    expect(steps).toEqual([6]);
  });

  it('a refused fit with a new optimizer does not replace the model optimizer', async () => {
    const optimizer = model.optimizer;
    await expect(model.fit(x, withLabel(y, 0, 7), { optimizer: gd({ learningRate: 1 }) })).rejects.toThrow(/^y:/);
    expect(model.optimizer).toBe(optimizer);
    await expect(model.fit(x, y, { optimizer: adam({ beta2: 1.5 }) })).rejects.toThrow(/beta2/);
    expect(model.optimizer).toBe(optimizer);
    unchanged();
  });
});

function withLabel(labels: Int32Array, i: number, v: number): Int32Array {
  const out = Int32Array.from(labels);
  out[i] = v;
  return out;
}

describe('predict / evaluate / trainStep', () => {
  it('predict refuses wrong widths, non-finite values, empty data and wrong types', async () => {
    await expect(model.predict(x.subarray(0, 7))).rejects.toThrow(/^x: 7 values is not a whole number of rows of 4 features/);
    await expect(model.predict([[1, 2, 3, 4, 5]])).rejects.toThrow(/^x: row 0 has 5 values, expected 4/);
    await expect(model.predict(withValue(x, 3, Number.NaN))).rejects.toThrow(/^x: element 3 is NaN/);
    await expect(model.predict(new Float64Array(0))).rejects.toThrow(/^x: is empty/);
    await expect(model.predict('abc' as unknown as Float32Array)).rejects.toThrow(/^x: expected/);
    unchanged();
  });

  it('evaluate refuses bad x and y', async () => {
    await expect(model.evaluate(x.subarray(0, 6), y)).rejects.toThrow(/^x:/);
    await expect(model.evaluate(x, withLabel(y, 4, 3))).rejects.toThrow(/^y: label 4 is 3/);
    await expect(model.evaluate(x, y.subarray(1))).rejects.toThrow(/^y: has 59 entries/);
    await expect(model.evaluate(withValue(x, 2, Number.POSITIVE_INFINITY), y)).rejects.toThrow(/^x: element 2 is Infinity/);
    await expect(model.evaluate(x, { a: 1 } as unknown as Int32Array)).rejects.toThrow(/^y: expected/);
    unchanged();
  });

  it('trainStep refuses bad x, y and learning rate without touching the model', () => {
    expect(() => model.trainStep(x.subarray(0, 5), y)).toThrow(/^x:/);
    expect(() => model.trainStep(x, withLabel(y, 1, 10))).toThrow(/^y: label 1 is 10/);
    expect(() => model.trainStep(x, Array.from(y, (c) => c - 0.5))).toThrow(/^y: label 0 is -0.5/);
    expect(() => model.trainStep(withValue(x, 0, Number.NaN), y)).toThrow(/^x: element 0 is NaN/);
    expect(() => model.trainStep(x, y, -1)).toThrow(/learningRate: must be a finite number ≥ 0, got -1/);
    expect(() => model.trainStep(x, y, Number.POSITIVE_INFINITY)).toThrow(/learningRate/);
    expect(() => model.trainStep(42 as unknown as Float32Array, y)).toThrow(/^x: expected/);
    expect(() => model.trainStep(x, y, '0.1' as unknown as number)).toThrow(/^learningRate: expected a number, got string/);
    unchanged();
    // And a good step does change it (the checks above are not vacuous).
    model.trainStep(x, y);
    expect(model.handle.getStep()).toBe(before.step + 1);
  });

  it('sigmoid models refuse labels outside [0, 1] and class indices for several outputs', () => {
    const binary = sequential({ inputSize: 4, output: 'sigmoid', seed: 1, threads: 1, layers: [dense(4), relu(), dense(1)] });
    const b0 = snapshot(binary);
    expect(() => binary.trainStep(x, Array.from(y, (c) => c))).toThrow(/^y: element \d+ is 2, expected a label in \[0, 1\]/);
    const multi = sequential({ inputSize: 4, output: 'sigmoid', seed: 1, threads: 1, layers: [dense(4), relu(), dense(2)] });
    expect(() => multi.trainStep(x, Array.from(y, (c) => c % 2))).toThrow(/^y: a sigmoid model with 2 outputs needs an \[60, 2\] matrix/);
    expectSameSnapshot(snapshot(binary), b0);
  });

  it('setTensor refuses a wrong length, unknown names and non-finite values', () => {
    expect(() => model.setTensor(0, 'W', new Float32Array(3))).toThrow(/values: expected shape/);
    expect(() => model.setTensor(0, 'Q', new Float32Array(32))).toThrow(/name: layer 0 has no tensor 'Q'/);
    expect(() => model.setTensor(9, 'W', new Float32Array(32))).toThrow(/layer: must be < 5, got 9/);
    expect(() => model.setTensor(0, 'W', new Float32Array(32).fill(Number.NaN))).toThrow(/values: element 0 is NaN/);
    expect(() => model.setTensor(1, 'runningVar', new Float32Array(8).fill(-1))).toThrow(/running variance cannot be negative/);
    unchanged();
  });
});

describe('model construction', () => {
  const build = (layers: ReturnType<typeof dense>[], extra: Record<string, unknown> = {}) => () =>
    sequential({ inputSize: 4, threads: 1, layers, ...extra });

  it.each([
    ['keepProb 0', [dense(4), dropout({ keepProb: 0 }), dense(3)], /layers\[1\]\.keepProb: must be in \(0, 1\], got 0/],
    ['keepProb 1.5', [dense(4), dropout({ keepProb: 1.5 }), dense(3)], /layers\[1\]\.keepProb: must be in \(0, 1\], got 1.5/],
    ['keepProb NaN', [dense(4), dropout({ keepProb: Number.NaN }), dense(3)], /layers\[1\]\.keepProb/],
    ['units 0', [dense(0), dense(3)], /layers\[0\]\.units/],
    ['negative l2', [dense(4, { l2: -1 }), dense(3)], /layers\[0\]\.l2/],
    ['batch norm momentum 1', [dense(4), batchNorm({ momentum: 1 }), dense(3)], /layers\[1\]\.momentum/],
    ['batch norm epsilon 0', [dense(4), batchNorm({ epsilon: 0 }), dense(3)], /layers\[1\]\.epsilon/],
    ['unknown activation', [dense(4), { kind: 'activation', activation: 'gelu' }, dense(3)], /layers\[1\]\.activation: unknown activation 'gelu'/],
    ['unknown layer kind', [dense(4), { kind: 'conv' }, dense(3)], /layers\[1\]\.kind: unknown layer 'conv'/],
    ['last layer not dense', [dense(3), relu()], /the last layer must be dense/],
    ['softmax with one output', [dense(4), dense(1)], /at least 2 output units/],
    ['explicit useBias before batchNorm', [dense(4, { useBias: true }), batchNorm(), relu(), dense(3)], /layers\[0\]\.useBias: must be false/],
  ] as [string, ReturnType<typeof dense>[], RegExp][])('%s throws', (_name, layers, message) => {
    expect(build(layers)).toThrow(message);
  });

  it.each([
    ['unknown optimizer kind', { optimizer: { kind: 'sgdx', learningRate: 0.1 } }, /optimizer\.kind: unknown optimizer 'sgdx'/],
    ['beta1 = 1', { optimizer: adam({ beta1: 1 }) }, /optimizer\.beta1: must be in \[0, 1\), got 1/],
    ['epsilon 0', { optimizer: adam({ epsilon: 0 }) }, /optimizer\.epsilon/],
    ['momentum beta negative', { optimizer: { kind: 'momentum', beta: -0.1, learningRate: 0.1 } }, /optimizer\.beta: must be in \[0, 1\)/],
    ['bad output', { output: 'tanh' }, /output: expected 'softmax' or 'sigmoid'/],
    ['bad seed', { seed: -1 }, /seed/],
    ['bad backend', { backend: 'gpu' }, /backend: expected 'native' or 'reference'/],
    ['inputSize 0', { inputSize: 0 }, /inputSize/],
  ] as [string, Record<string, unknown>, RegExp][])('%s throws', (_name, extra, message) => {
    expect(build([dense(4), relu(), dense(3)], extra)).toThrow(message);
  });

  it('layers not an array / options not an object', () => {
    expect(() => sequential(null as never)).toThrow(/options: expected an object/);
    expect(() => sequential({ inputSize: 4, layers: 'dense' as never })).toThrow(/layers: expected an array/);
  });

  it('a dense layer right before batch norm gets no bias; elsewhere it keeps one', () => {
    const m = sequential({ inputSize: 4, threads: 1, layers: [dense(6), batchNorm(), relu(), dense(5), relu(), dense(3)] });
    const names = (layer: number) => m.tensors().filter((t) => t.layer === layer).map((t) => t.name);
    expect(names(0)).toEqual(['W', 'W.v', 'W.s']);
    expect(names(1)).toEqual(['gamma', 'gamma.v', 'gamma.s', 'beta', 'beta.v', 'beta.s', 'runningMean', 'runningVar']);
    expect(names(3)).toEqual(['W', 'W.v', 'W.s', 'b', 'b.v', 'b.s']);
    expect(names(5)).toContain('b');
    expect(m.architecture.layers[0].useBias).toBe(false);
    expect(() => m.getTensor(0, 'b')).toThrow(/layer 0 has no tensor 'b'/);
    // An explicit useBias: false elsewhere is honoured too.
    const n = sequential({ inputSize: 4, threads: 1, layers: [dense(6, { useBias: false }), relu(), dense(3)] });
    expect(n.tensors().filter((t) => t.layer === 0).map((t) => t.name)).toEqual(['W', 'W.v', 'W.s']);
  });
});

describe('loadModel', () => {
  it('refuses a non-string or empty path and a missing file', async () => {
    await expect(loadModel(undefined as unknown as string)).rejects.toThrow(/^file: expected a non-empty path string/);
    await expect(loadModel('')).rejects.toThrow(/^file:/);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-badinput-'));
    try {
      await expect(loadModel(path.join(dir, 'nope.tunenet'))).rejects.toThrow(/ENOENT/);
      await fs.writeFile(path.join(dir, 'tiny.tunenet'), Buffer.from([1, 2, 3]));
      await expect(loadModel(path.join(dir, 'tiny.tunenet'))).rejects.toThrow(/not a valid tunenet model file: it is 3 bytes long/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
