// Issue 8.4: calls that read user memory copy it first and check the copy, so a
// SharedArrayBuffer that another thread keeps writing (NaN included) never reaches the model.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, relu, sequential } from '../../src';
import { allFinite } from './state';

const features = 4;
const rows = 64;
const shared = new SharedArrayBuffer(rows * features * 4);
const x = new Float32Array(shared);
let writer: Worker;

beforeAll(() => {
  x.fill(0.5);
  // Flips every value between a finite number and NaN as fast as it can.
  writer = new Worker(
    `const { workerData } = require('node:worker_threads');
     const x = new Float32Array(workerData);
     for (let n = 0; ; n++) { const v = n % 2 ? NaN : 0.5; for (let i = 0; i < x.length; i++) x[i] = v; }`,
    { eval: true, workerData: shared },
  );
});
afterAll(async () => {
  await writer.terminate();
});

describe('a SharedArrayBuffer written by another thread', () => {
  it('never poisons the model through trainStep, fit, evaluate or predict', async () => {
    const model = sequential({ inputSize: features, seed: 1, threads: 1, optimizer: adam({ learningRate: 0.01 }), layers: [dense(8), relu(), dense(2)] });
    const y = Int32Array.from({ length: rows }, (_, i) => i % 2);
    let trained = 0;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      try {
        const r = model.trainStep(x, y);
        expect(Number.isFinite(r.loss)).toBe(true);
        trained++;
      } catch (e) {
        // A copy that caught NaN is refused with a message naming x.
        expect((e as Error).message).toMatch(/^trainStep: x: element \d+ .*is NaN/);
        refused++;
      }
    }
    for (let i = 0; i < 5; i++) {
      await model.fit(x, y, { epochs: 1 }).catch((e) => expect(e.message).toMatch(/^fit: x: element \d+ .*is NaN/));
      const p = await model.predict(x).catch((e) => {
        expect(e.message).toMatch(/^predict: x: element \d+ .*is NaN/);
        return null;
      });
      if (p) expect(p.probabilities.every(Number.isFinite)).toBe(true);
    }
    expect(trained + refused).toBe(300);
    expect(await allFinite(model)).toBe(true);
  });
});
