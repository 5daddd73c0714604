// sampleWeight and classWeight in fit and trainStep, with Keras's reduction: the batch loss is
// (1/m)·Σ wᵢ·ℓᵢ and row i's gradient is scaled by wᵢ; classWeight multiplies by the label's class.
import { describe, expect, it } from 'vitest';
import { adam, dense, sequential, tanh } from '../../src';
import { blobs, bytesOf } from '../model/helpers';
import { stateBytes } from '../nothing-lost/state';

const data = blobs(5, 8, 3, 4); // 24 rows, classes i % 3
const make = (backend: 'native' | 'reference' = 'native', output: 'softmax' | 'sigmoid' = 'softmax') =>
  sequential({ inputSize: 4, seed: 2, threads: 1, backend, output, optimizer: adam({ learningRate: 0.05 }), layers: [dense(6), tanh(), dense(output === 'softmax' ? 3 : 1)] });
const weights = Float32Array.from({ length: 24 }, (_, i) => (i % 5) * 0.5); // 0, 0.5, …, 2, with zeros

describe('sample weights', () => {
  it('the loss of a weighted step is (1/m)·Σ wᵢ·ℓᵢ (Keras: over the batch size, not over Σ w)', async () => {
    const model = make();
    const perRow: number[] = [];
    for (let i = 0; i < 24; i++) perRow.push((await model.evaluate(data.x.subarray(i * 4, i * 4 + 4), [data.y[i]])).loss);
    const expected = perRow.reduce((s, l, i) => s + weights[i] * l, 0) / 24;
    const r = model.trainStep(data.x, data.y, { sampleWeight: weights });
    expect(r.loss).toBeCloseTo(expected, 6);
  });

  it('weights of 1 train as no weights; other weights train differently', async () => {
    const [a, b, c] = [make(), make(), make()];
    await a.fit(data.x, data.y, { epochs: 3, batchSize: 8 });
    await b.fit(data.x, data.y, { epochs: 3, batchSize: 8, sampleWeight: new Float32Array(24).fill(1) });
    await c.fit(data.x, data.y, { epochs: 3, batchSize: 8, sampleWeight: weights });
    const [wa, wb, wc] = [a.getTensor(2, 'W'), b.getTensor(2, 'W'), c.getTensor(2, 'W')];
    for (let i = 0; i < wa.length; i++) expect(Math.abs(wa[i] - wb[i])).toBeLessThan(1e-5);
    expect(Math.max(...wa.map((v, i) => Math.abs(v - wc[i])))).toBeGreaterThan(1e-3);
  });

  it('classWeight equals the sample weights of the labels’ classes, bitwise', async () => {
    const [a, b] = [make(), make()];
    await a.fit(data.x, data.y, { epochs: 2, batchSize: 8, classWeight: { 0: 1, 1: 3, 2: 0.5 } });
    const perExample = Float32Array.from(data.y, (c) => [1, 3, 0.5][c]);
    await b.fit(data.x, data.y, { epochs: 2, batchSize: 8, sampleWeight: perExample });
    expect((await stateBytes(a, { training: false })).equals(await stateBytes(b, { training: false }))).toBe(true);
    // Both together multiply; a one-hot y gives the same classes.
    const c = make();
    const oneHot = new Float32Array(72);
    data.y.forEach((k, i) => (oneHot[i * 3 + k] = 1));
    await c.fit(data.x, oneHot, { epochs: 2, batchSize: 8, classWeight: [1, 3, 0.5] });
    expect(bytesOf(c.getTensor(0, 'W')).equals(bytesOf(a.getTensor(0, 'W')))).toBe(true);
  });

  it('binary classWeight on a single sigmoid output', async () => {
    const y = Float32Array.from(data.y, (k) => (k === 0 ? 1 : 0));
    const [a, b] = [make('native', 'sigmoid'), make('native', 'sigmoid')];
    await a.fit(data.x, y, { epochs: 2, batchSize: 8, classWeight: { 1: 4 } });
    await b.fit(data.x, y, { epochs: 2, batchSize: 8, sampleWeight: Float32Array.from(y, (v) => (v === 1 ? 4 : 1)) });
    expect(bytesOf(a.getTensor(2, 'W')).equals(bytesOf(b.getTensor(2, 'W')))).toBe(true);
  });

  it('native and reference agree on weighted training', async () => {
    const [n, r] = [make('native'), make('reference')];
    for (let i = 0; i < 4; i++) {
      expect(n.trainStep(data.x, data.y, { sampleWeight: weights }).loss).toBeCloseTo(r.trainStep(data.x, data.y, { sampleWeight: weights }).loss, 5);
    }
    await n.fit(data.x, data.y, { epochs: 2, batchSize: 8, sampleWeight: weights });
    await r.fit(data.x, data.y, { epochs: 2, batchSize: 8, sampleWeight: weights });
    const [pn, pr] = [(await n.predict(data.x)).probabilities, (await r.predict(data.x)).probabilities];
    for (let i = 0; i < pn.length; i++) expect(Math.abs(pn[i] - pr[i])).toBeLessThan(1e-4);
  });

  it('bad weights are refused naming the argument, and change nothing', async () => {
    const model = make();
    const before = await stateBytes(model);
    const cases: Array<[object, RegExp]> = [
      [{ sampleWeight: new Float32Array(23) }, /^fit: sampleWeight: has 23 weights for 24 examples/],
      [{ sampleWeight: Float32Array.from(weights, (w, i) => (i === 3 ? -1 : w)) }, /^fit: sampleWeight\[3\]: must be a finite number ≥ 0, got -1/],
      [{ sampleWeight: Float32Array.from(weights, (w, i) => (i === 5 ? NaN : w)) }, /^fit: sampleWeight\[5\]: must be a finite number ≥ 0, got NaN/],
      [{ sampleWeight: 'heavy' }, /^fit: sampleWeight: expected one weight per example/],
      [{ classWeight: { 3: 2 } }, /^fit: classWeight: '3' is not a class index in \[0, 2\]/],
      [{ classWeight: [1, 2] }, /^fit: classWeight: has 2 weights for 3 classes/],
      [{ classWeight: { 1: -2 } }, /^fit: classWeight\[1\]: must be a finite number ≥ 0/],
    ];
    for (const [options, message] of cases) await expect(model.fit(data.x, data.y, options)).rejects.toThrow(message);
    expect(() => model.trainStep(data.x, data.y, { sampleWeight: new Float32Array(3) })).toThrow(/^trainStep: sampleWeight: has 3 weights for 24 examples/);
    expect(() => model.trainStep(data.x, data.y, { sampleWeight: new Float32Array(24).fill(-1) })).toThrow(/^trainStep: sampleWeight: element 0 is -1, expected a weight ≥ 0/);
    expect((await stateBytes(model)).equals(before)).toBe(true);
    const regression = sequential({ inputSize: 4, output: 'linear', layers: [dense(1)] });
    await expect(regression.fit(data.x, Float32Array.from(data.y), { classWeight: [1, 2] })).rejects.toThrow(/^fit: classWeight: a regression model has no classes; use sampleWeight/);
    await regression.fit(data.x, Float32Array.from(data.y), { sampleWeight: weights }); // regression takes sample weights
  });
});
