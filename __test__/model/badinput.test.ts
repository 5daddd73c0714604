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
  // Raw optimizer objects: the builders (adam(), gd()) now refuse these values themselves (below).
  const optimizer = (o: Record<string, unknown>) => o as unknown as OptimizerConfig;
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['wrong feature count (flat)', () => model.fit(x.subarray(0, 59 * 4 + 3), y), /^fit: x: 239 values is not a whole number of rows of 4 features/],
    ['wrong feature count (rows)', () => model.fit([[1, 2, 3, 4], [1, 2, 3]], [0, 1]), /^fit: x: row 1 has 3 values, expected 4$/],
    ['a row entry not a number', () => model.fit([[1, 2, 3, 4], [1, 2, '3', 4]] as number[][], [0, 1]), /^fit: x: row 1, column 2 is the string '3', expected a number$/],
    ['label out of range', () => model.fit(x, withLabel(y, 5, 10)), /^fit: y: label 5 is 10, expected a class index in \[0, 2\]$/],
    ['negative label', () => model.fit(x, withLabel(y, 0, -1)), /^fit: y: label 0 is -1, expected a class index/],
    ['fractional label', () => model.fit(x, Array.from(y, (c, i) => (i === 3 ? 1.5 : c))), /^fit: y: label 3 is 1.5, expected a class index/],
    ['too few labels', () => model.fit(x, y.subarray(0, 59)), /^fit: y: has 59 entries for 60 examples/],
    ['NaN in x', () => model.fit(withValue(x, 7, Number.NaN), y), /^fit: x: element 7 \(row 1(, column 3)?\) is NaN, expected a finite number$/],
    ['NaN in x (Float64Array)', () => model.fit(Float64Array.from(withValue(x, 7, Number.NaN)), y), /^fit: x: element 7 \(row 1(, column 3)?\) is NaN, expected a finite number$/],
    ['Infinity in x', () => model.fit(withValue(x, 0, Number.POSITIVE_INFINITY), y), /^fit: x: element 0 \(row 0(, column 0)?\) is Infinity/],
    [
      'Infinity in validation x',
      () => model.fit(x, y, { validation: { x: withValue(x, 11, Number.NEGATIVE_INFINITY), y } }),
      /^fit: validation\.x: element 11 \(row 2(, column 3)?\) is -Infinity/,
    ],
    ['label out of range in validation y', () => model.fit(x, y, { validation: { x, y: withLabel(y, 2, 3) } }), /^fit: validation\.y: label 2 is 3/],
    ['empty x', () => model.fit(new Float32Array(0), new Int32Array(0)), /^fit: x: is empty/],
    ['empty nested x', () => model.fit([], []), /^fit: x: is empty/],
    ['epochs 0', () => model.fit(x, y, { epochs: 0 }), /^fit: epochs: must be an integer in \[1, 1000000000\], got 0$/],
    ['fractional epochs', () => model.fit(x, y, { epochs: 1.5 }), /^fit: epochs: must be an integer in \[1, \d+\], got 1.5$/],
    ['epochs as a string', () => model.fit(x, y, { epochs: '3' as unknown as number }), /^fit: epochs: expected an integer in \[1, \d+\], got the string '3'$/],
    ['batchSize 0', () => model.fit(x, y, { batchSize: 0 }), /^fit: batchSize: must be an integer in \[1, \d+\], got 0$/],
    ['batchSize > m with dropLast', () => model.fit(x, y, { batchSize: 61, dropLast: true }), /^fit: batchSize: 61 exceeds the 60 training examples and dropLast is set/],
    ['negative learningRate', () => model.fit(x, y, { optimizer: optimizer({ kind: 'gd', learningRate: -0.1 }) }), /^fit: optimizer\.learningRate: must be a finite number ≥ 0, got -0.1$/],
    ['NaN learningRate', () => model.fit(x, y, { optimizer: optimizer({ kind: 'adam', learningRate: Number.NaN }) }), /^fit: optimizer\.learningRate: .*got NaN$/],
    ['unknown optimizer kind', () => model.fit(x, y, { optimizer: optimizer({ kind: 'sgdx', learningRate: 0.1 }) }), /^fit: optimizer\.kind: expected 'gd' \| .*, got the string 'sgdx'/],
    ['beta1 = 1', () => model.fit(x, y, { optimizer: optimizer({ kind: 'adam', learningRate: 0.1, beta1: 1 }) }), /^fit: optimizer\.beta1: must be a finite number in \[0, 1\), got 1$/],
    ['epsilon 0', () => model.fit(x, y, { optimizer: optimizer({ kind: 'adam', learningRate: 0.1, epsilon: 0 }) }), /^fit: optimizer\.epsilon: must be a finite number > 0, got 0$/],
    ['an option of another optimizer', () => model.fit(x, y, { optimizer: optimizer({ kind: 'adam', learningRate: 0.1, beta: 0.9 }) }), /^fit: optimizer: unknown option 'beta'/],
    ['clipNorm 0', () => model.fit(x, y, { clipNorm: 0 }), /^fit: clipNorm: must be a finite number > 0, got 0$/],
    ['negative initialEpoch', () => model.fit(x, y, { initialEpoch: -1 }), /^fit: initialEpoch: must be an integer in \[0, \d+\], got -1$/],
    ['stepsPerCallback 0', () => model.fit(x, y, { stepsPerCallback: 0, onStep: () => {} }), /^fit: stepsPerCallback: must be an integer in \[1, \d+\], got 0$/],
    ['schedule not a function', () => model.fit(x, y, { schedule: 0.1 as unknown as () => number }), /^fit: schedule: expected a function, got 0.1$/],
    ['onEpochEnd not a function', () => model.fit(x, y, { onEpochEnd: 'log' as unknown as () => void }), /^fit: onEpochEnd: expected a function, got the string 'log'$/],
    ['a callback with an unknown hook', () => model.fit(x, y, { callbacks: [{ onEpoch: () => {} } as never] }), /^fit: callbacks\[0\]: unknown (option|hook) 'onEpoch' \(did you mean 'onEpochEnd'\?\)$/],
    ['earlyStopping devLoss without validation', () => model.fit(x, y, { earlyStopping: { monitor: 'devLoss' } }), /^fit\b.*earlyStopping\.monitor: 'devLoss' needs validation data/],
    ['earlyStopping default monitor without validation', () => model.fit(x, y, { earlyStopping: {} }), /^fit\b.*earlyStopping\.monitor: 'devLoss' needs validation data/],
    ['earlyStopping unknown monitor', () => model.fit(x, y, { validation: { x, y }, earlyStopping: { monitor: 'loss' as 'devLoss' } }), /^fit\b.*earlyStopping\.monitor: expected 'devLoss' \| .*got the string 'loss'/],
    ['earlyStopping negative patience', () => model.fit(x, y, { earlyStopping: { monitor: 'trainLoss', patience: -1 } }), /^fit\b.*earlyStopping\.patience: must be an integer in \[0, \d+\], got -1$/],
    ['earlyStopping unknown option', () => model.fit(x, y, { earlyStopping: { monitor: 'trainLoss', patiense: 2 } as never }), /^fit\b.*earlyStopping: unknown option 'patiense' \(did you mean 'patience'\?\)$/],
    ['x as a string', () => model.fit('1,2,3,4' as unknown as Float32Array, y), /^fit: x: expected a Float32Array, Float64Array or array of rows, got the string '1,2,3,4'$/],
    ['y as an object', () => model.fit(x, { 0: 1, length: 60 } as unknown as Int32Array), /^fit: y: expected class indices .* got an? Object$/],
    ['y as null', () => model.fit(x, null as unknown as Int32Array), /^fit: y: expected class indices .* got null$/],
    ['shuffle not a boolean', () => model.fit(x, y, { shuffle: 'no' as unknown as boolean }), /^fit: shuffle: expected true or false, got the string 'no'$/],
    ['dropLast not a boolean', () => model.fit(x, y, { dropLast: 1 as unknown as boolean }), /^fit: dropLast: expected true or false, got 1$/],
    ['validation without y', () => model.fit(x, y, { validation: { x } as unknown as { x: Float32Array; y: Int32Array } }), /^fit: validation\.y: expected class indices/],
    ['validation null', () => model.fit(x, y, { validation: null as unknown as { x: Float32Array; y: Int32Array } }), /^fit: validation: expected an object \{ x, y \}, got null$/],
    ['options not an object', () => model.fit(x, y, null as unknown as object), /^fit options: expected an options object, got null$/],
    ['an unknown option (a typo)', () => model.fit(x, y, { epoch: 3 } as unknown as object), /^fit options: unknown option 'epoch' \(did you mean 'epochs'\?\)$/],
    ['an unknown option (nothing close)', () => model.fit(x, y, { qqqqqq: 3 } as unknown as object), /^fit options: unknown option 'qqqqqq' \(known options: epochs, batchSize, /],
  ];

  it.each(cases)('%s', async (_name, call, message) => {
    await expect(call()).rejects.toThrow(message);
    unchanged();
    // The refusal did not leave the model stuck busy.
    await expect(model.evaluate(x, y)).resolves.toBeDefined();
    unchanged();
  });

  it('validation is a data object: extra keys (as split() parts carry) are allowed', async () => {
    const dev = { x, y, indices: Int32Array.from({ length: 60 }, (_, i) => i), name: 'dev' };
    const h = await model.fit(x, y, { epochs: 1, batchSize: 16, validation: dev });
    expect(Number.isFinite(h.epochs[0].devLoss)).toBe(true);
    expect(h.epochs[0].devLoss).toBeCloseTo((await model.evaluate(x, y)).loss, 10);
  });

  it('counts are bounded (no 32-bit wrap-around): beyond the bound refused, the largest allowed batch is batch GD', async () => {
    // 2^32 + 1 once reached the backend as 1 (SGD: 60 steps); 2^32 as 0 (an error mid-fit).
    await expect(model.fit(x, y, { epochs: 1, batchSize: 2 ** 32 + 1 })).rejects.toThrow(/^fit: batchSize: must be an integer in \[1, 1000000000\], got 4294967297$/);
    await expect(model.fit(x, y, { epochs: 1, batchSize: 2 ** 32 })).rejects.toThrow(/^fit: batchSize: /);
    await expect(model.fit(x, y, { epochs: 1, stepsPerCallback: 2 ** 32, onStep: () => {} })).rejects.toThrow(/^fit: stepsPerCallback: must be an integer in \[1, 1000000000\]/);
    await expect(model.fit(x, y, { epochs: 2 ** 32 })).rejects.toThrow(/^fit: epochs: must be an integer in \[1, 1000000000\]/);
    unchanged();
    const h = await model.fit(x, y, { epochs: 1, batchSize: 1e9 });
    expect(h.epochs[0].steps).toBe(1);
    const steps: number[] = [];
    const h3 = await model.fit(x, y, { epochs: 1, batchSize: 10, stepsPerCallback: 1e9, onStep: (l) => void steps.push(l.step) });
    expect(h3.epochs[0].steps).toBe(6);
    expect(steps).toEqual([6]);
  });

  it('a refused fit with a new optimizer does not replace the model optimizer', async () => {
    const optimizer = model.optimizer;
    await expect(model.fit(x, withLabel(y, 0, 7), { optimizer: gd({ learningRate: 1 }) })).rejects.toThrow(/^fit: y:/);
    expect(model.optimizer).toBe(optimizer);
    const bad = { kind: 'adam', learningRate: 0.01, beta2: 1.5 } as OptimizerConfig;
    await expect(model.fit(x, y, { optimizer: bad })).rejects.toThrow(/^fit: optimizer\.beta2: /);
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
    await expect(model.predict(x.subarray(0, 7))).rejects.toThrow(/^predict: x: 7 values is not a whole number of rows of 4 features/);
    await expect(model.predict([[1, 2, 3, 4, 5]])).rejects.toThrow(/^predict: x: row 0 has 5 values, expected 4$/);
    // Float32Array data is checked by the backend's seal (row and column); other kinds while converting.
    await expect(model.predict(withValue(x, 3, Number.NaN))).rejects.toThrow(/^predict: x: element 3 \(row 0(, column 3)?\) is NaN, expected a finite number$/);
    await expect(model.predict(Float64Array.from(withValue(x, 6, Number.NaN)))).rejects.toThrow(/^predict: x: element 6 \(row 1(, column 2)?\) is NaN, expected a finite number$/);
    await expect(model.predict([[1, 2, 3, 4], [1, 2, Number.NEGATIVE_INFINITY, 4]])).rejects.toThrow(/^predict: x: element 6 \(row 1(, column 2)?\) is -Infinity/);
    await expect(model.predict(new Float64Array(0))).rejects.toThrow(/^predict: x: is empty/);
    await expect(model.predict('abc' as unknown as Float32Array)).rejects.toThrow(/^predict: x: expected a Float32Array, Float64Array or array of rows, got the string 'abc'$/);
    unchanged();
  });

  it('evaluate refuses bad x and y', async () => {
    await expect(model.evaluate(x.subarray(0, 6), y)).rejects.toThrow(/^evaluate: x: 6 values is not a whole number of rows/);
    await expect(model.evaluate(x, withLabel(y, 4, 3))).rejects.toThrow(/^evaluate: y: label 4 is 3, expected a class index in \[0, 2\]$/);
    await expect(model.evaluate(x, y.subarray(1))).rejects.toThrow(/^evaluate: y: has 59 entries for 60 examples/);
    await expect(model.evaluate(withValue(x, 2, Number.POSITIVE_INFINITY), y)).rejects.toThrow(/^evaluate: x: element 2 \(row 0(, column 2)?\) is Infinity/);
    await expect(model.evaluate(x, { a: 1 } as unknown as Int32Array)).rejects.toThrow(/^evaluate: y: expected class indices/);
    await expect(model.evaluate(x, null as unknown as Int32Array)).rejects.toThrow(/^evaluate: y: expected class indices .* got null$/);
    // A one-hot matrix whose rows are not distributions would silently train nothing.
    const zeros = new Float32Array(60 * 3);
    await expect(model.evaluate(x, zeros)).rejects.toThrow(/^evaluate: y: row 0 sums to 0; a softmax label row must be one-hot/);
    unchanged();
  });

  it('trainStep refuses bad x, y, learning rate and options without touching the model', () => {
    expect(() => model.trainStep(x.subarray(0, 5), y)).toThrow(/^trainStep: x: 5 values is not a whole number of rows/);
    expect(() => model.trainStep(x, withLabel(y, 1, 10))).toThrow(/^trainStep: y: label 1 is 10, expected a class index/);
    expect(() => model.trainStep(x, Array.from(y, (c) => c - 0.5))).toThrow(/^trainStep: y: label 0 is -0.5/);
    expect(() => model.trainStep(withValue(x, 0, Number.NaN), y)).toThrow(/^trainStep: x: element 0 \(row 0(, column 0)?\) is NaN, expected a finite number$/);
    expect(() => model.trainStep(x, y, -1)).toThrow(/^trainStep: learningRate: must be a finite number ≥ 0, got -1$/);
    expect(() => model.trainStep(x, y, Number.POSITIVE_INFINITY)).toThrow(/^trainStep: learningRate: must be a finite number ≥ 0, got Infinity$/);
    expect(() => model.trainStep(42 as unknown as Float32Array, y)).toThrow(/^trainStep: x: expected a Float32Array, Float64Array or array of rows, got 42$/);
    // The third argument is a learning rate or an options object; a string is neither.
    expect(() => model.trainStep(x, y, '0.1' as unknown as number)).toThrow(/^trainStep: options: expected a learning rate or an options object \{ learningRate, clipNorm \}, got the string '0.1'$/);
    expect(() => model.trainStep(x, y, { learningRate: '0.1' as unknown as number })).toThrow(/^trainStep: learningRate: expected a finite number ≥ 0, got the string '0.1'$/);
    expect(() => model.trainStep(x, y, { learningRate: -1 })).toThrow(/^trainStep: learningRate: must be a finite number ≥ 0, got -1$/);
    expect(() => model.trainStep(x, y, { clipNorm: 0 })).toThrow(/^trainStep: clipNorm: must be a finite number > 0, got 0$/);
    expect(() => model.trainStep(x, y, { clipNorm: Number.NaN })).toThrow(/^trainStep: clipNorm: must be a finite number > 0, got NaN$/);
    expect(() => model.trainStep(x, y, { lr: 0.1 } as never)).toThrow(/^trainStep options: unknown option 'lr' \(known options: learningRate, clipNorm, sampleWeight\)$/);
    unchanged();
    // And a good step does change it (the checks above are not vacuous), in both forms.
    model.trainStep(x, y);
    expect(model.handle.getStep()).toBe(before.step + 1);
    model.trainStep(x, y, { learningRate: 0.01, clipNorm: 1 });
    expect(model.handle.getStep()).toBe(before.step + 2);
  });

  it('sigmoid models refuse labels outside [0, 1] and class indices for several outputs', () => {
    const binary = sequential({ inputSize: 4, output: 'sigmoid', seed: 1, threads: 1, layers: [dense(4), relu(), dense(1)] });
    const b0 = snapshot(binary);
    expect(() => binary.trainStep(x, Array.from(y, (c) => c))).toThrow(/^trainStep: y: element \d+ is 2, expected a label in \[0, 1\]$/);
    const multi = sequential({ inputSize: 4, output: 'sigmoid', seed: 1, threads: 1, layers: [dense(4), relu(), dense(2)] });
    expect(() => multi.trainStep(x, Array.from(y, (c) => c % 2))).toThrow(/^trainStep: y: a sigmoid model with 2 outputs needs an \[60, 2\] matrix/);
    expectSameSnapshot(snapshot(binary), b0);
  });

  it('setTensor refuses a wrong type or length, unknown names and non-finite values', () => {
    expect(() => model.setTensor(0, 'W', [1, 2, 3] as unknown as Float32Array)).toThrow(/^setTensor: values: expected a Float32Array, got an array of 3$/);
    expect(() => model.setTensor(0, 'W', new Float64Array(32) as unknown as Float32Array)).toThrow(/^setTensor: values: expected a Float32Array, got a Float64Array$/);
    expect(() => model.setTensor(-1, 'W', new Float32Array(32))).toThrow(/^setTensor: layer: must be an integer in \[0, \d+\], got -1$/);
    expect(() => model.setTensor(0, '', new Float32Array(32))).toThrow(/^setTensor: name: expected a non-empty string/);
    expect(() => model.setTensor(0, 'W', new Float32Array(3))).toThrow(/^setTensor: values: layer 0 'W' has shape \[\d+, \d+\] \(32 values\), got 3$/);
    expect(() => model.setTensor(0, 'Q', new Float32Array(32))).toThrow(/name: layer 0 has no tensor 'Q'/);
    expect(() => model.setTensor(9, 'W', new Float32Array(32))).toThrow(/^setTensor: layer: must be an integer in \[0, 4\], got 9$/);
    expect(() => model.setTensor(0, 'W', new Float32Array(32).fill(Number.NaN))).toThrow(/values: element 0 is NaN/);
    expect(() => model.setTensor(1, 'runningVar', new Float32Array(8).fill(-1))).toThrow(/running variance cannot be negative/);
    expect(() => model.getTensor(0.5, 'W')).toThrow(/^getTensor: layer: must be an integer/);
    unchanged();
  });
});

describe('model construction', () => {
  const build = (layers: unknown[], extra: Record<string, unknown> = {}) => () =>
    sequential({ inputSize: 4, threads: 1, layers: layers as ReturnType<typeof dense>[], ...extra });
  const drop = (keepProb: number) => ({ kind: 'dropout', keepProb });

  it.each([
    ['keepProb 0', [dense(4), drop(0), dense(3)], /^sequential: layers\[1\]\.keepProb: must be a finite number in \(0, 1\], got 0$/],
    ['keepProb 1.5', [dense(4), drop(1.5), dense(3)], /^sequential: layers\[1\]\.keepProb: must be a finite number in \(0, 1\], got 1.5$/],
    ['keepProb NaN', [dense(4), drop(Number.NaN), dense(3)], /^sequential: layers\[1\]\.keepProb: .*got NaN$/],
    ['units 0', [{ kind: 'dense', units: 0 }, dense(3)], /^sequential: layers\[0\]\.units: must be an integer in \[1, \d+\], got 0$/],
    ['negative l2', [{ kind: 'dense', units: 4, l2: -1 }, dense(3)], /^sequential: layers\[0\]\.l2: must be a finite number ≥ 0, got -1$/],
    ['initScale for an init without a scale', [{ kind: 'dense', units: 4, init: 'glorot', initScale: 0.5 }, dense(3)], /^sequential: layers\[0\]\.initScale: init 'glorot' takes no scale \(random and varianceScaling do\)$/],
    ['initScale for the default he', [{ kind: 'dense', units: 4, initScale: 0.5 }, relu(), dense(3)], /layers\[0\]\.initScale: init 'he' takes no scale/],
    ['an unknown layer option', [{ kind: 'dense', units: 4, l3: 0.1 }, dense(3)], /^sequential: layers\[0\]: unknown option 'l3' \(did you mean 'l2'\?\)$/],
    ...(['glorot_uniform', 'he_uniform', 'lecun_uniform'] as const).map((keras): [string, unknown[], RegExp] => [
      `Keras's init name '${keras}'`,
      [{ kind: 'dense', units: 4, init: keras }, dense(3)],
      new RegExp(`^sequential: layers\\[0\\]\\.init: expected .*, got the string '${keras}' \\(did you mean '${keras.replace('_u', 'U')}'\\?\\)$`),
    ]),
    ['batch norm momentum 1', [dense(4), { kind: 'batchNorm', momentum: 1 }, dense(3)], /^sequential: layers\[1\]\.momentum: must be a finite number in \[0, 1\), got 1$/],
    ['batch norm epsilon 0', [dense(4), { kind: 'batchNorm', epsilon: 0 }, dense(3)], /^sequential: layers\[1\]\.epsilon: must be a finite number > 0, got 0$/],
    ['unknown activation', [dense(4), { kind: 'activation', activation: 'gelux' }, dense(3)], /^sequential: layers\[1\]\.activation: expected 'identity' \| .*, got the string 'gelux'/],
    ['unknown layer kind', [dense(4), { kind: 'conv' }, dense(3)], /^sequential: layers\[1\]\.kind: expected 'dense' \| .*, got the string 'conv'/],
    ['a layer that is not an object', [dense(4), 'relu', dense(3)], /^sequential: layers\[1\]: expected a layer .*, got the string 'relu'$/],
    ['no layers', [], /^sequential: layers: a network needs at least one dense layer$/],
    ['last layer not dense', [dense(3), relu()], /the last layer must be dense/],
    ['softmax with one output', [dense(4), dense(1)], /at least 2 output units/],
    ['explicit useBias before batchNorm', [dense(4, { useBias: true }), batchNorm(), relu(), dense(3)], /layers\[0\]\.useBias: must be false/],
  ] as [string, unknown[], RegExp][])('%s throws', (_name, layers, message) => {
    expect(build(layers)).toThrow(message);
  });

  it.each([
    ['unknown optimizer kind', { optimizer: { kind: 'sgdx', learningRate: 0.1 } }, /^sequential: optimizer\.kind: expected 'gd' \| .*, got the string 'sgdx'/],
    ['beta1 = 1', { optimizer: { kind: 'adam', learningRate: 0.1, beta1: 1 } }, /^sequential: optimizer\.beta1: must be a finite number in \[0, 1\), got 1$/],
    ['epsilon 0', { optimizer: { kind: 'adam', learningRate: 0.1, epsilon: 0 } }, /^sequential: optimizer\.epsilon: must be a finite number > 0, got 0$/],
    ['momentum beta negative', { optimizer: { kind: 'momentum', beta: -0.1, learningRate: 0.1 } }, /^sequential: optimizer\.beta: must be a finite number in \[0, 1\), got -0.1$/],
    ['bad output', { output: 'tanh' }, /^sequential: output: expected 'softmax' \| 'sigmoid' \| 'linear', got the string 'tanh'/],
    ['bad seed', { seed: -1 }, /^sequential: seed: must be an integer in \[0, \d+\], got -1$/],
    ['bad backend', { backend: 'gpu' }, /^sequential: backend: expected 'native' \| 'reference', got the string 'gpu'/],
    ['bad threads', { threads: 0 }, /^sequential: threads: must be an integer in \[1, \d+\], got 0$/],
    ['inputSize 0', { inputSize: 0 }, /^sequential: inputSize: must be an integer in \[1, \d+\], got 0$/],
    ['an unknown option (a typo)', { layer: [dense(3)] }, /^sequential options: unknown option 'layer' \(did you mean 'layers'\?\)$/],
  ] as [string, Record<string, unknown>, RegExp][])('%s throws', (_name, extra, message) => {
    expect(build([dense(4), relu(), dense(3)], extra)).toThrow(message);
  });

  it('layers not an array / options not an object', () => {
    expect(() => sequential(null as never)).toThrow(/^sequential options: expected an options object, got null$/);
    expect(() => sequential(undefined as never)).toThrow(/^sequential: expected an options object, got undefined$/);
    expect(() => sequential({ inputSize: 4, layers: 'dense' as never })).toThrow(/^sequential: layers: expected an array of layers .*, got the string 'dense'$/);
  });

  it('layer and optimizer builders check their arguments where they are called', () => {
    expect(() => dropout({ keepProb: 0 })).toThrow(/^dropout: keepProb: must be a finite number in \(0, 1\], got 0$/);
    expect(() => dropout({ keepProb: 1.5 })).toThrow(/^dropout: keepProb: must be a finite number in \(0, 1\], got 1.5$/);
    expect(() => dropout({ keepProb: Number.NaN })).toThrow(/^dropout: keepProb: .*got NaN$/);
    expect(() => dropout(undefined as never)).toThrow(/^dropout: expected an options object \{ keepProb \}, got undefined$/);
    expect(() => dense(0)).toThrow(/^dense: units: must be an integer in \[1, \d+\], got 0$/);
    expect(() => dense(4, { l2: -1 })).toThrow(/^dense: l2: must be a finite number ≥ 0, got -1$/);
    expect(() => dense(4, { l3: 1 } as never)).toThrow(/^dense options: unknown option 'l3' \(did you mean 'l2'\?\)$/);
    expect(() => batchNorm({ momentum: 1 })).toThrow(/^batchNorm: momentum: must be a finite number in \[0, 1\), got 1$/);
    expect(() => batchNorm({ epsilon: 0 })).toThrow(/^batchNorm: epsilon: must be a finite number > 0, got 0$/);
    expect(() => gd({ learningRate: -0.1 })).toThrow(/^gd: learningRate: must be a finite number ≥ 0, got -0.1$/);
    expect(() => adam({ learningRate: Number.NaN })).toThrow(/^adam: learningRate: .*got NaN$/);
    expect(() => adam({ beta1: 1 })).toThrow(/^adam: beta1: must be a finite number in \[0, 1\), got 1$/);
    expect(() => adam({ beta2: 1.5 })).toThrow(/^adam: beta2: /);
    expect(() => adam({ epsilon: 0 })).toThrow(/^adam: epsilon: must be a finite number > 0, got 0$/);
    expect(() => adam({ beta: 0.9 } as never)).toThrow(/^adam options: unknown option 'beta'/);
    // Good arguments build what they describe.
    expect(dropout({ keepProb: 1 })).toEqual({ kind: 'dropout', keepProb: 1 });
    expect(dense(3, { l2: 0.1 })).toEqual({ kind: 'dense', units: 3, l2: 0.1 });
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

  it('a dense layer right before batch norm starts from varianceScaling at scale 0.1 unless it names an init; others from he', () => {
    const layers = (first: object, third: object) => [dense(300, first), batchNorm(), relu(), dense(200, third), relu(), dense(3)];
    const build = (first: object, third: object) => sequential({ inputSize: 400, seed: 5, threads: 1, layers: layers(first, third) });
    const byDefault = build({}, {});
    const named = build({ init: 'varianceScaling', initScale: 0.1 }, { init: 'he' });
    expect(byDefault.architecture.layers[0]).toMatchObject({ init: 'varianceScaling', initScale: 0.1 });
    expect(byDefault.architecture.layers[3].init).toBeUndefined();
    expect(byDefault.getTensor(0, 'W')).toEqual(named.getTensor(0, 'W'));
    expect(byDefault.getTensor(3, 'W')).toEqual(named.getTensor(3, 'W'));
    // std √(0.1/n_in) = 0.0158 over 120,000 weights (lecun's would be 0.05, he's 0.0707).
    const w = byDefault.getTensor(0, 'W');
    const std = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    expect(Math.abs(std(w) - Math.sqrt(0.1 / 400))).toBeLessThan(0.0003);
    // An initScale alone sets the default's scale; a named init is kept before batch norm too.
    expect(Math.abs(std(build({ initScale: 1 }, {}).getTensor(0, 'W')) - Math.sqrt(1 / 400))).toBeLessThan(0.001);
    expect(build({ init: 'he' }, {}).getTensor(0, 'W')).toEqual(build({ init: 'he' }, { init: 'he' }).getTensor(0, 'W'));
    expect(build({ init: 'he' }, {}).getTensor(0, 'W')).not.toEqual(w);
  });
});

describe('loadModel', () => {
  it('refuses a non-string or empty path and a missing file', async () => {
    await expect(loadModel(undefined as unknown as string)).rejects.toThrow(/^loadModel: file: expected a non-empty path string, got undefined$/);
    await expect(loadModel('')).rejects.toThrow(/^loadModel: file: expected a non-empty path string, got the string ''$/);
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
