// Whole-model weights as Keras users know them: getWeights/setWeights, countParams, summary, clone.
import { describe, expect, it } from 'vitest';
import { batchNorm, dense, dropout, relu, sequential } from '../../src';
import { blobs, bytesOf } from './helpers';
import { stateBytes } from '../nothing-lost/state';

const make = (seed: number) =>
  sequential({ inputSize: 784, seed, threads: 1, layers: [dense(256), batchNorm(), relu(), dropout({ keepProb: 0.8 }), dense(10)] });

describe('weights of the whole model', () => {
  it('countParams and summary count as Keras does (running statistics as non-trainable)', () => {
    const model = make(1);
    // dense 784·256 (no bias before batch norm) + batch norm 4·256 (γ, β, running mean, variance) + dense 256·10 + 10.
    expect(model.countParams()).toBe(784 * 256 + 4 * 256 + 256 * 10 + 10);
    const lines = model.summary().split('\n');
    expect(lines[0]).toBe("Sequential: input [m, 784], output 'softmax', loss softmaxCrossEntropy");
    expect(lines).toContain('0: dense              [m, 256]      200704');
    expect(lines).toContain('1: batchNorm          [m, 256]        1024');
    expect(lines).toContain('2: activation (relu)  [m, 256]           0');
    expect(lines.slice(-3)).toEqual(['Total params: 204,298', 'Trainable params: 203,786', 'Non-trainable params: 512']);
  });

  it('getWeights → setWeights on another model makes it predict identically', async () => {
    const data = blobs(1, 10, 3, 4);
    const a = sequential({ inputSize: 4, seed: 1, threads: 1, layers: [dense(8), batchNorm(), relu(), dense(3)] });
    await a.fit(data.x, data.y, { epochs: 3, batchSize: 8 });
    const b = sequential({ inputSize: 4, seed: 2, threads: 1, layers: [dense(8), batchNorm(), relu(), dense(3)] });
    const weights = a.getWeights();
    expect(weights.map((w) => w.length)).toEqual([32, 8, 8, 8, 8, 24, 3]);
    b.setWeights(weights);
    const [pa, pb] = [await a.predict(data.x), await b.predict(data.x)];
    expect(bytesOf(pb.probabilities).equals(bytesOf(pa.probabilities))).toBe(true);
    // Copies: changing what getWeights returned changes nothing.
    weights[0].fill(7);
    expect(a.getWeights()[0][0]).not.toBe(7);
  });

  it('setWeights checks everything before writing anything', async () => {
    const model = sequential({ inputSize: 4, seed: 1, threads: 1, layers: [dense(8), batchNorm(), relu(), dense(3)] });
    const before = await stateBytes(model);
    const good = model.getWeights();
    const bad: Array<[unknown, RegExp]> = [
      [good.slice(0, 6), /^setWeights: weights: expected 7 arrays/],
      [[...good.slice(0, 6), new Float32Array(2)], /^setWeights: weights\[6\]: layer 3 'b' has 3 values, got 2/],
      [[...good.slice(0, 6), Float32Array.of(1, NaN, 3)], /^setWeights: weights\[6\]: element 1 is NaN/],
      [[...good.slice(0, 4), new Float32Array(8).fill(-1), ...good.slice(5)], /^setWeights: weights\[4\]: a running variance cannot be negative/],
      [[...good.slice(0, 6), [1, 2, 3]], /^setWeights: weights\[6\]: expected a Float32Array/],
      ['weights', /^setWeights: weights: expected an array of 7 Float32Arrays/],
    ];
    for (const [weights, message] of bad) expect(() => model.setWeights(weights as Float32Array[])).toThrow(message);
    expect((await stateBytes(model)).equals(before)).toBe(true);
  });

  it('clone is byte-identical and independent', async () => {
    const data = blobs(2, 10, 3, 4);
    const a = sequential({ inputSize: 4, seed: 3, threads: 1, layers: [dense(8), relu(), dense(3)] });
    await a.fit(data.x, data.y, { epochs: 2 });
    const b = await a.clone();
    expect((await stateBytes(b)).equals(await stateBytes(a))).toBe(true);
    await b.fit(data.x, data.y, { epochs: 1 });
    expect((await stateBytes(b)).equals(await stateBytes(a))).toBe(false);
  });
});
