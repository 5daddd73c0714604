// trainable: false freezes a layer: its parameters and optimizer state never change, gradients
// still flow through it, gradient checks leave it out; the same on both backends and after
// save/load.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adam, batchNorm, dense, gradientCheck, loadModel, relu, saveModel, sequential, tanh } from '../../src';
import { blobs, bytesOf, normals } from './helpers';

const data = blobs(4, 20, 3, 4);
const make = (backend: 'native' | 'reference' = 'native') =>
  sequential({
    inputSize: 4,
    seed: 3,
    threads: 1,
    backend,
    optimizer: adam({ learningRate: 0.02 }),
    layers: [dense(8, { trainable: false }), batchNorm({ trainable: false }), relu(), dense(8), tanh(), dense(3)],
  });

const tensorsOf = (model: ReturnType<typeof make>, layer: number) =>
  new Map(model.tensors().filter((t) => t.layer === layer).map((t) => [t.name, model.getTensor(t.layer, t.name)]));

describe('trainable: false', () => {
  it.each(['native', 'reference'] as const)('freezes parameters and their optimizer state (%s); the rest trains', async (backend) => {
    const model = make(backend);
    const [frozen0, frozen1, free3] = [tensorsOf(model, 0), tensorsOf(model, 1), tensorsOf(model, 3)];
    const h = await model.fit(data.x, data.y, { epochs: 5, batchSize: 10 });
    expect(h.epochs.at(-1)!.trainLoss).toBeLessThan(h.epochs[0].trainLoss);
    for (const [name, before] of frozen0) expect(bytesOf(model.getTensor(0, name)).equals(bytesOf(before)), `0.${name}`).toBe(true);
    for (const name of ['gamma', 'beta', 'gamma.v', 'gamma.s', 'beta.v', 'beta.s']) {
      expect(bytesOf(model.getTensor(1, name)).equals(bytesOf(frozen1.get(name)!)), `1.${name}`).toBe(true);
    }
    // A frozen batch norm still keeps running statistics of what it sees (PyTorch's semantics).
    expect(bytesOf(model.getTensor(1, 'runningMean')).equals(bytesOf(frozen1.get('runningMean')!))).toBe(false);
    for (const name of ['W', 'b', 'W.v', 'W.s']) expect(bytesOf(model.getTensor(3, name)).equals(bytesOf(free3.get(name)!)), `3.${name}`).toBe(false);
  });

  it('native and reference agree with a frozen layer', async () => {
    const [n, r] = [make('native'), make('reference')];
    for (let i = 0; i < 4; i++) {
      const a = n.trainStep(data.x, data.y, { clipNorm: 0.5 });
      const b = r.trainStep(data.x, data.y, { clipNorm: 0.5 });
      expect(a.loss).toBeCloseTo(b.loss, 5);
    }
    const [pn, pr] = [(await n.predict(data.x)).probabilities, (await r.predict(data.x)).probabilities];
    for (let i = 0; i < pn.length; i++) expect(Math.abs(pn[i] - pr[i])).toBeLessThan(1e-4);
  });

  it('gradient checks leave frozen parameters out and pass for the rest', () => {
    const model = make();
    // Off the kinks: random biases.
    model.setTensor(3, 'b', normals(9, 8, 0.5));
    const r = gradientCheck(model, data.x.subarray(0, 20), data.y.subarray(0, 5));
    expect(r.blocks.map((b) => `${b.layer}.${b.name}`)).toEqual(['3.W', '3.b', '5.W', '5.b']);
    expect(r.relativeDifference).toBeLessThan(1e-7);
  });

  it('is saved with the model', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-trainable-'));
    try {
      const model = make();
      await model.fit(data.x, data.y, { epochs: 1 });
      await saveModel(model, path.join(dir, 'm.safetensors'));
      const loaded = await loadModel(path.join(dir, 'm.safetensors'), { threads: 1 });
      expect(loaded.architecture.layers[0].trainable).toBe(false);
      const before = loaded.getTensor(0, 'W');
      await loaded.fit(data.x, data.y, { epochs: 1, initialEpoch: 1 });
      expect(bytesOf(loaded.getTensor(0, 'W')).equals(bytesOf(before))).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('is refused where it means nothing or is not a boolean', () => {
    expect(() => dense(4, { trainable: 'no' as never })).toThrow(/^dense: trainable: expected true or false/);
    expect(() => sequential({ inputSize: 4, layers: [{ kind: 'activation', activation: 'relu', trainable: false } as never, dense(2)] })).toThrow(/^sequential: layers\[0\]: unknown option 'trainable'/);
  });
});
