// Issue 8.3: settings either belong to the model (saved with it) or to one call (gone after
// it), and "k epochs + save/load + N − k epochs" equals "N epochs" bitwise with every schedule
// and callback helper — the stateful ones (reduceOnPlateau, babysit, control.setLearningRate,
// early stopping) included.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adam, babysit, batchNorm, dense, dropout, loadModel, reduceOnPlateau, relu, saveModel, sequential, type FitOptions, type History, type Sequential } from '../../src';
import { blobs } from '../model/helpers';
import { stateBytes } from './state';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-resume-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// Overlapping classes and a noisy dev set: the dev loss goes up and down, so plateaus,
// patience counters and best epochs all come into play within a few epochs.
const train = blobs(11, 30, 3, 4, 1.5, 1.5);
const dev = blobs(12, 10, 3, 4, 1.5, 1.5);

const makeModel = (): Sequential =>
  sequential({
    inputSize: 4,
    seed: 21,
    threads: 1,
    optimizer: adam({ learningRate: 0.05 }),
    layers: [dense(32), batchNorm({ momentum: 0.8 }), relu(), dropout({ keepProb: 0.8 }), dense(3)],
  });

/** Trains N epochs straight, and k + save/load + N − k; options are made fresh for each run (as a new process would). */
async function straightAndResumed(N: number, k: number, options: () => FitOptions) {
  const straight = makeModel();
  const hs = await straight.fit(train.x, train.y, { ...options(), epochs: N });

  const first = makeModel();
  const h1 = await first.fit(train.x, train.y, { ...options(), epochs: k });
  const file = path.join(dir, `resume-${Math.random().toString(36).slice(2)}.safetensors`);
  await saveModel(first, file);
  const loaded = await loadModel(file, { threads: 1 });
  expect(loaded.trainingState?.epoch).toBe(k);
  const h2 = await loaded.fit(train.x, train.y, { ...options(), epochs: N - k, initialEpoch: k });
  return { straight, loaded, hs, resumed: { epochs: [...h1.epochs, ...h2.epochs], stoppedEarly: h2.stoppedEarly, bestEpoch: h2.bestEpoch } as History };
}

async function expectSameRun(r: Awaited<ReturnType<typeof straightAndResumed>>) {
  const strip = (h: History) => h.epochs.map(({ seconds: _s, ...e }) => e);
  expect(strip(r.resumed)).toEqual(strip(r.hs));
  expect(r.resumed.stoppedEarly).toBe(r.hs.stoppedEarly);
  expect(r.resumed.bestEpoch).toBe(r.hs.bestEpoch);
  expect((await stateBytes(r.loaded, { training: false })).equals(await stateBytes(r.straight, { training: false }))).toBe(true);
  expect(r.loaded.trainingState).toEqual(r.straight.trainingState);
}

describe('k epochs + save/load + N − k epochs = N epochs, bitwise', () => {
  it('with reduceOnPlateau', async () => {
    const r = await straightAndResumed(8, 4, () => ({ batchSize: 16, validation: dev, schedule: reduceOnPlateau({ patience: 1, factor: 0.5 }) }));
    // The schedule did reduce, before and after the break (so its state mattered).
    const rates = r.hs.epochs.map((e) => e.learningRate);
    expect(new Set(rates).size).toBeGreaterThan(2);
    await expectSameRun(r);
  });

  it('with control.setLearningRate from a plain onEpochEnd', async () => {
    const halveAfterEpoch1 = () => ({
      batchSize: 16,
      onEpochEnd: (log: { epoch: number; learningRate: number }, control: { setLearningRate(r: number): void }) => {
        if (log.epoch === 1) control.setLearningRate(log.learningRate / 4);
      },
    });
    const r = await straightAndResumed(6, 4, halveAfterEpoch1 as () => FitOptions);
    expect(r.hs.epochs[5].learningRate).toBeCloseTo(0.05 / 4, 12);
    await expectSameRun(r);
  });

  it('with babysit as a callback', async () => {
    const r = await straightAndResumed(6, 4, () => ({ batchSize: 16, validation: dev, callbacks: [babysit({ patience: 1, factor: 0.5 })] }));
    await expectSameRun(r);
  });

  it('with early stopping (patience running across the break, best weights restored after it)', async () => {
    const r = await straightAndResumed(12, 4, () => ({ batchSize: 16, validation: dev, earlyStopping: { patience: 3 } }));
    expect(r.hs.stoppedEarly).toBe(true);
    expect(r.hs.epochs.length).toBeGreaterThan(4);
    await expectSameRun(r);
  });

  it('is sensitive: resuming without the training state (initialEpoch not given) differs', async () => {
    const options = () => ({ batchSize: 16, validation: dev, schedule: reduceOnPlateau({ patience: 1, factor: 0.5 }) });
    const straight = makeModel();
    await straight.fit(train.x, train.y, { ...options(), epochs: 6 });
    const first = makeModel();
    await first.fit(train.x, train.y, { ...options(), epochs: 4 });
    const fresh = await first.clone();
    fresh.trainingState = undefined; // what a file without the training state would give
    await fresh.fit(train.x, train.y, { ...options(), epochs: 2, initialEpoch: 4 });
    expect((await stateBytes(fresh, { training: false })).equals(await stateBytes(straight, { training: false }))).toBe(false);
  });
});

describe('per-call settings end with the call', () => {
  it("fit's clipNorm does not clip a later trainStep (and a saved copy behaves the same)", async () => {
    const a = makeModel();
    await a.fit(train.x, train.y, { epochs: 1, batchSize: 16, clipNorm: 1e-3 });
    const b = await a.clone();
    const file = path.join(dir, 'clip.safetensors');
    await saveModel(a, file);
    const c = await loadModel(file, { threads: 1 });
    const x = train.x.subarray(0, 16 * 4);
    const y = train.y.subarray(0, 16);
    const ra = a.trainStep(x, y, 0.5);
    const rb = b.trainStep(x, y, 0.5);
    const rc = c.trainStep(x, y, 0.5);
    expect(ra).toEqual(rb);
    expect(ra).toEqual(rc);
    const bytes = await stateBytes(a);
    expect(bytes.equals(await stateBytes(b))).toBe(true);
    expect(bytes.equals(await stateBytes(c))).toBe(true);
    // Clipping is asked per step instead, and it changes the result.
    const d = await b.clone();
    d.trainStep(x, y, { learningRate: 0.5, clipNorm: 1e-3 });
    const e = await b.clone();
    e.trainStep(x, y, 0.5);
    expect((await stateBytes(d)).equals(await stateBytes(e))).toBe(false);
  });

  it('augment applies to its fit only: evaluation, prediction and the next fit are unaugmented', async () => {
    const images = blobs(2, 10, 3, 4);
    const a = makeModel();
    const b = makeModel();
    await a.fit(images.x, images.y, { epochs: 1, augment: { height: 2, width: 2, shift: 1, noise: 0.5 } });
    await b.fit(images.x, images.y, { epochs: 1, augment: { height: 2, width: 2, shift: 1, noise: 0.5 } });
    await a.fit(images.x, images.y, { epochs: 1 });
    const c = await b.clone();
    await c.fit(images.x, images.y, { epochs: 1, initialEpoch: 1 });
    await b.fit(images.x, images.y, { epochs: 1, augment: { height: 2, width: 2, shift: 1, noise: 0.5 }, initialEpoch: 1 });
    expect((await stateBytes(a, { training: false })).equals(await stateBytes(c, { training: false }))).toBe(true);
    expect((await stateBytes(a, { training: false })).equals(await stateBytes(b, { training: false }))).toBe(false);
  });
});
