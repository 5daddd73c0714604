// Issue 8.2, 8.11, 8.12: every option is checked before anything changes, so a rejected call
// leaves the model byte-identical (weights, optimizer and its state, step, streams, training
// state); and every rejection names the function and the argument.
import { describe, expect, it } from 'vitest';
import { adam, argmaxRows, dense, dropout, gd, relu, batchNorm, miniBatches, Normalizer, sequential, loadModel, saveModel, type Sequential, type FitOptions } from '../../src';
import { blobs } from '../model/helpers';
import { stateBytes } from './state';

const data = blobs(5, 20, 3, 4);

async function trained(): Promise<Sequential> {
  const model = sequential({
    inputSize: 4,
    seed: 4,
    threads: 1,
    optimizer: adam({ learningRate: 0.01 }),
    layers: [dense(8), batchNorm(), relu(), dropout({ keepProb: 0.9 }), dense(3)],
  });
  await model.fit(data.x, data.y, { epochs: 2, batchSize: 16, validation: data, earlyStopping: { patience: 3 } });
  return model;
}

/** Each: a bad fit option (alone), and the start of the message it must be rejected with. */
const badFitOptions: Array<[string, Record<string, unknown>, RegExp]> = [
  ['onEpochEnd not a function', { epochs: 3, onEpochEnd: 5 }, /^fit: onEpochEnd: expected a function, got 5/],
  ['onStep not a function', { onStep: 'x' }, /^fit: onStep: expected a function/],
  ['schedule returning NaN, with an optimizer switch and clipping', { optimizer: gd({ learningRate: 0.5 }), clipNorm: 1, schedule: () => NaN }, /^fit: schedule result: must be a finite number/],
  ['schedule throwing', { schedule: () => { throw new Error('boom'); } }, /boom/],
  ['schedule not a function', { schedule: 0.1 }, /^fit: schedule: expected a function/],
  ['epochs 0', { epochs: 0 }, /^fit: epochs: must be an integer in \[1, /],
  ['epochs NaN', { epochs: NaN }, /^fit: epochs: must be an integer/],
  ['epochs as a string', { epochs: '5' }, /^fit: epochs: expected an integer/],
  ['batchSize 2.5', { batchSize: 2.5 }, /^fit: batchSize: must be an integer/],
  ['batchSize BigInt', { batchSize: 4n }, /^fit: batchSize: expected an integer in \[1, \d+\], got a BigInt/],
  ['initialEpoch 2^53', { epochs: 2, initialEpoch: 2 ** 53 }, /^fit: initialEpoch: must be an integer/],
  ['initialEpoch negative', { initialEpoch: -1 }, /^fit: initialEpoch: must be an integer in \[0, /],
  ['shuffle not boolean', { shuffle: 'yes' }, /^fit: shuffle: expected true or false/],
  ['dropLast not boolean', { dropLast: 1 }, /^fit: dropLast: expected true or false/],
  ['clipNorm 0', { clipNorm: 0 }, /^fit: clipNorm: must be a finite number > 0/],
  ['clipNorm NaN', { clipNorm: NaN }, /^fit: clipNorm: must be/],
  ['stepsPerCallback 0', { stepsPerCallback: 0 }, /^fit: stepsPerCallback: must be an integer/],
  ['baseError 2', { baseError: 2 }, /^fit: baseError: must be a finite number in \[0, 1\]/],
  ['optimizer with a NaN rate', { optimizer: { kind: 'adam', learningRate: NaN } }, /^fit: optimizer\.learningRate: must be a finite number/],
  ['optimizer of an unknown kind', { optimizer: { kind: 'adamm', learningRate: 0.1 } }, /^fit: optimizer\.kind: expected 'gd' \| .*did you mean 'adam'/],
  ['optimizer with an unknown key', { optimizer: { kind: 'adam', learningRate: 0.1, beta: 0.9 } }, /^fit: optimizer: unknown option 'beta'/],
  ['optimizer beta1 = 1', { optimizer: { kind: 'adam', learningRate: 0.1, beta1: 1 } }, /^fit: optimizer\.beta1: must be a finite number in \[0, 1\)/],
  ['augment of the wrong size', { augment: { height: 3, width: 3 } }, /^fit: augment\.height: height·width·channels = 3·3·1 must equal the input size 4/],
  ['augment with an unknown key', { augment: { height: 2, width: 2, rotate: 5 } }, /^fit: augment: unknown option 'rotate' \(did you mean 'rotation'\?\)/],
  ['augment scale 1', { augment: { height: 2, width: 2, scale: 1 } }, /^fit: augment\.scale: must be/],
  ['earlyStopping with an unknown monitor', { earlyStopping: { monitor: 'devLos' } }, /earlyStopping\.monitor: expected .*did you mean 'devLoss'/],
  ['earlyStopping with a typo', { validation: data, earlyStopping: { patiense: 2 } }, /^fit options\.earlyStopping: unknown option 'patiense' \(did you mean 'patience'\?\)/],
  ['earlyStopping on dev without validation', { earlyStopping: {} }, /earlyStopping\.monitor: 'devLoss' needs validation data/],
  ['validation with NaN', { validation: { x: Float32Array.of(NaN, 0, 0, 0), y: [0] } }, /^fit: validation\.x: element 0 .*is NaN/],
  ['validation of the wrong width', { validation: { x: new Float32Array(6), y: [0, 1] } }, /^fit: validation\.x: 6 values is not a whole number of rows of 4/],
  ['validation null', { validation: null }, /^fit: validation: expected an object/],
  ['callbacks not an array', { callbacks: {} }, /^fit: callbacks: expected an array/],
  ['a callback with a typo', { callbacks: [{ onEpochEnds: () => {} }] }, /^fit: callbacks\[0\]: unknown hook 'onEpochEnds' \(did you mean 'onEpochEnd'\?\)/],
  ['an unknown option', { epoch: 5 }, /^fit options: unknown option 'epoch' \(did you mean 'epochs'\?\)/],
  ['snake case', { batch_size: 4 }, /^fit options: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/],
  ['classWeight of a class that does not exist', { classWeight: { 7: 2 } }, /^fit: classWeight: '7' is not a class index in \[0, 2\]/],
  ['verbose 3', { verbose: 3 }, /^fit: verbose: must be 0 \(silent\), 1 \(a progress bar\), 2 \(a line per epoch\) or "auto", got 3/],
  ['verboseStream without write', { verboseStream: {} }, /^fit: verboseStream: expected a writable stream/],
];

describe('a rejected fit leaves the model byte-identical', () => {
  it.each(badFitOptions)('%s', async (_name, options, message) => {
    const model = await trained();
    const before = await stateBytes(model);
    const optimizer = { ...model.optimizer };
    await expect(model.fit(data.x, data.y, options as FitOptions)).rejects.toThrow(message);
    expect((await stateBytes(model)).equals(before)).toBe(true);
    expect(model.optimizer).toEqual(optimizer);
    // And it still trains afterwards (not stuck busy).
    await model.fit(data.x, data.y, { epochs: 1 });
  });

  it('bad data: BigInt, strings, wrong shapes, zero one-hot rows, NaN labels', async () => {
    const model = await trained();
    const before = await stateBytes(model);
    const cases: Array<[unknown, unknown, RegExp]> = [
      [new BigInt64Array(8), data.y, /^fit: x: expected a Float32Array, Float64Array or array of rows, got a BigInt64Array/],
      [[[1n, 2n, 3n, 4n]], [0], /^fit: x: row 0, column 0 is a BigInt \(1n\), expected a number/],
      ['abc', data.y, /^fit: x: expected a Float32Array/],
      [null, data.y, /^fit: x: expected .* got null/],
      [data.x, null, /^fit: y: expected class indices/],
      [data.x.subarray(0, 8), new Float32Array(6), /^fit: y: row 0 sums to 0; a softmax label row must be one-hot/],
      [data.x.subarray(0, 8), Float32Array.of(1, 0, 0, NaN, 0, 0), /^fit: y: element 3 is NaN, expected a label in \[0, 1\]/],
      [data.x.subarray(0, 8), [0, 3], /^fit: y: label 1 is 3, expected a class index in \[0, 2\]/],
      [data.x.subarray(0, 8), [0, 1, 2], /^fit: y: has 3 entries for 2 examples/],
    ];
    for (const [x, y, message] of cases) {
      await expect(model.fit(x as Float32Array, y as number[], { epochs: 1 })).rejects.toThrow(message);
    }
    expect((await stateBytes(model)).equals(before)).toBe(true);
  });

  it('bad trainStep, setTensor, getTensor, evaluate and predict calls change nothing and name the argument', async () => {
    const model = await trained();
    const before = await stateBytes(model);
    const sync: Array<[() => unknown, RegExp]> = [
      [() => model.trainStep(data.x, data.y, -1), /^trainStep: learningRate: must be a finite number ≥ 0, got -1/],
      [() => model.trainStep(data.x, data.y, { learningRate: 0.1, clip: 1 } as never), /^trainStep options: unknown option 'clip' \(did you mean 'clipNorm'\?\)/],
      [() => model.trainStep(data.x, data.y, { clipNorm: -1 }), /^trainStep: clipNorm: must be/],
      [() => model.trainStep(new BigInt64Array(4) as never, [0]), /^trainStep: x: expected/],
      [() => model.setTensor(4, 'W', [1, 2, 3] as never), /^setTensor: values: expected a Float32Array, got an array of 3/],
      [() => model.setTensor(2, 'W', new Float32Array(3)), /^setTensor: name: layer 2 has no tensor 'W' \(it has no tensors\)/],
      [() => model.setTensor(0, 'W', new Float32Array(3)), /^setTensor: values: layer 0 'W' has shape \[\d+, \d+\] \(32 values\), got 3/],
      [() => model.setTensor(9, 'W', new Float32Array(3)), /^setTensor: layer: must be an integer in \[0, 4\], got 9/],
      [() => model.getTensor(1, 'gama'), /^getTensor: name: layer 1 has no tensor 'gama' \(it has gamma, gamma.v, gamma.s, beta, beta.v, beta.s, runningMean, runningVar\)/],
      [() => model.setTensor(0, 'W', new Float32Array(32).fill(NaN)), /^setTensor: values: element 0 is NaN/],
      [() => model.setTensor(-1, 'W', new Float32Array(32)), /^setTensor: layer: must be an integer/],
      [() => model.getTensor(0, 7 as never), /^getTensor: name: expected a non-empty string/],
    ];
    for (const [call, message] of sync) expect(call).toThrow(message);
    await expect(model.evaluate(data.x, [0] as never)).rejects.toThrow(/^evaluate: y: has 1 entries for 60 examples/);
    await expect(model.predict(Float32Array.of(1, 2, 3))).rejects.toThrow(/^predict: x: 3 values is not a whole number of rows of 4/);
    await expect(model.predict(Float32Array.of(1, 2, 3, Infinity))).rejects.toThrow(/^predict: x: element 3 \(row 0, column 3\) is Infinity/);
    expect((await stateBytes(model)).equals(before)).toBe(true);
  });

  it('model construction names the argument for every kind of bad value', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => sequential({ inputSize: 4, layers: [null as never, dense(2)] }), /^sequential: layers\[0\]: expected a layer \(dense\(\), relu\(\), batchNorm\(\), dropout\(\), …\), got null/],
      [() => dense('8' as never), /^dense: units: expected an integer in \[1, \d+\], got the string '8'/],
      [() => sequential({ inputSize: 4, layers: [dense(2)], optimizer: 'adam' as never }), /^sequential: optimizer: expected an optimizer \(adam\(\), .*got the string 'adam'/],
      [() => sequential({ inputSize: 4, layers: [dense(2)], optimizer: adam({ learningRate: NaN }) }), /^adam: learningRate: must be a finite number/],
      [() => sequential({ inputSize: 4, layers: [dense(2)], optimizer: { kind: 'adam', learningRate: NaN } as never }), /^sequential: optimizer\.learningRate: must be a finite number/],
      [() => sequential({ inputSize: 4, layers: [dense(2)], seeed: 1 } as never), /^sequential options: unknown option 'seeed' \(did you mean 'seed'\?\)/],
      [() => sequential({ inputSize: 4, layers: [{ kind: 'dense', units: 2, trainable: 'no' } as never] }), /^sequential: layers\[0\].trainable: expected true or false/],
      [() => sequential({ inputSize: 0, layers: [dense(2)] }), /^sequential: inputSize: must be an integer in \[1, /],
      [() => sequential(null as never), /^sequential options: expected an options object, got null/],
      [() => dense(4, { l2: -1 }), /^dense: l2: must be a finite number ≥ 0/],
      [() => dense(4, { initt: 'he' } as never), /^dense options: unknown option 'initt' \(did you mean 'init'\?\)/],
      [() => dropout({ keepProb: 0 }), /^dropout: keepProb: must be a finite number in \(0, 1\], got 0/],
      [() => batchNorm({ momentum: 1 }), /^batchNorm: momentum: must be a finite number in \[0, 1\)/],
      [() => adam({ beta1: 1.5 }), /^adam: beta1: must be a finite number in \[0, 1\)/],
      [() => gd(0.5 as never), /^gd options: expected an options object, got 0.5/],
    ];
    for (const [call, message] of cases) expect(call).toThrow(message);
  });

  it('saveModel / loadModel argument errors name the argument', async () => {
    await expect(saveModel(null as never, '/tmp/x.safetensors')).rejects.toThrow(/^saveModel: model: /);
    await expect(loadModel('/tmp', undefined)).rejects.toThrow(/^loadModel: /);
    await expect(loadModel('/tmp/does-not-matter', null as never)).rejects.toThrow(/^loadModel options: expected an options object, got null/);
  });
});

describe('found by the fuzz test (__test__/fuzz)', () => {
  it('argmaxRows checks p and n (n = 2^32 used to loop for billions of steps)', () => {
    const p = new Float32Array(4);
    expect(() => argmaxRows(p, 2 ** 32)).toThrow(/^argmaxRows: n: must be an integer in \[1, 4\]/);
    expect(() => argmaxRows(p, 0)).toThrow(/^argmaxRows: n: /);
    expect(() => argmaxRows(p, 3)).toThrow(/^argmaxRows: p: 4 values is not a whole number of rows of 3/);
    expect(() => argmaxRows(null as never, 2)).toThrow(/^argmaxRows: p: expected a Float32Array, got null/);
    expect(Array.from(argmaxRows(Float32Array.of(1, 3, 5, 2), 2))).toEqual([1, 0]);
  });

  it('a BigInt inside a plain array is named, not "Cannot convert a BigInt"', () => {
    expect(() => Normalizer.fit([1, 1n] as never, 1)).toThrow(/^Normalizer\.fit: x: element 1: expected a number, got a BigInt \(1n\)/);
    expect(() => Normalizer.fit([1, 2], 1).transform([1n] as never)).toThrow(/^Normalizer\.transform: x: .*element 0: expected a number, got a BigInt/);
    expect(() => [...miniBatches([1, 1n] as never, [0, 1], { features: 1 })]).toThrow(/^miniBatches: x: element 1: expected a number, got a BigInt/);
  });

  it('setTensor with a detached array, and a busy model named by the function', async () => {
    const model = await trained();
    const values = new Float32Array(32);
    structuredClone(values.buffer, { transfer: [values.buffer] });
    expect(() => model.setTensor(0, 'W', values)).toThrow(/^setTensor: values: its ArrayBuffer is detached/);
    // While an evaluate holds the model natively, synchronous reads say who was refused.
    const big = new Float32Array(200_000 * 4);
    const evaluation = model.evaluate(big, new Int32Array(200_000));
    const tries: string[] = [];
    for (let i = 0; i < 200 && tries.length === 0; i++) {
      await new Promise((r) => setImmediate(r));
      try {
        model.getTensor(0, 'W');
      } catch (e) {
        tries.push((e as Error).message);
      }
    }
    await evaluation;
    for (const message of tries) expect(message).toMatch(/^getTensor: model is busy/);
  });

  it('the reference backend reports a layer it cannot allocate like the native one', () => {
    expect(() => sequential({ inputSize: 4, backend: 'reference', layers: [dense(2 ** 31)] })).toThrow(/^sequential: layers\[0\]: cannot allocate 34359738368 bytes/);
  });
});
