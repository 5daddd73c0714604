// modelCheckpoint: saves every epoch or only on improvement, placeholders, a best value that
// survives resume, and checkpoints that resume bitwise.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, modelCheckpoint, type FitOptions } from '../../src';
import { stateBytes } from '../nothing-lost/state';
import { classifier, dev, regressionData, regressor, tempDir, train } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('modelCheckpoint', () => {
  it('saves after every epoch; {epoch} is the epochs completed, padded with {epoch:03d}; directories are made', async () => {
    const model = classifier();
    const cp = modelCheckpoint(model, { path: path.join(dir, 'every', 'm-{epoch:03d}-{epoch}.safetensors') });
    await model.fit(train.x, train.y, { epochs: 3, batchSize: 16, callbacks: [cp] });
    expect(cp.saved.map((f) => path.basename(f))).toEqual(['m-001-1.safetensors', 'm-002-2.safetensors', 'm-003-3.safetensors']);
    for (const [i, f] of cp.saved.entries()) expect((await loadModel(f)).trainingState?.epoch).toBe(i + 1);
    // The last file is the model as fit left it.
    expect((await stateBytes(await loadModel(cp.saved[2], { threads: 1 }))).equals(await stateBytes(model))).toBe(true);
  });

  it("Keras's form, modelCheckpoint({ path, … }), saves the model being fitted: the same files as naming it", async () => {
    // The same path (the callback's state key holds it, and so the files), one run after the other.
    const file = path.join(dir, 'forms', 'm-{epoch}.safetensors');
    const a = classifier();
    const named = modelCheckpoint(a, { path: file, saveBestOnly: true });
    await a.fit(train.x, train.y, { epochs: 4, batchSize: 16, validation: dev, callbacks: [named] });
    const namedBytes = await Promise.all(named.saved.map((f) => fs.readFile(f)));
    const keras = modelCheckpoint({ path: file, saveBestOnly: true });
    await classifier().fit(train.x, train.y, { epochs: 4, batchSize: 16, validation: dev, callbacks: [keras] });
    expect(keras.saved).toEqual(named.saved);
    expect(keras.saved.length).toBeGreaterThan(0);
    for (const [i, f] of keras.saved.entries()) expect(await fs.readFile(f)).toEqual(namedBytes[i]);
    // Without a model, a monitor the log lacks (a regression model has no accuracy) is said when the log comes.
    const cp = modelCheckpoint({ path: path.join(dir, 'r.safetensors'), monitor: 'devAccuracy', saveBestOnly: true });
    const r = regressionData(3, 40);
    await expect(regressor().fit(r.x, r.y, { epochs: 1, validation: r, callbacks: [cp] })).rejects.toThrow(
      "modelCheckpoint: monitor: 'devAccuracy' is not in the epoch log",
    );
    expect(() => modelCheckpoint({} as never, { path: 'x' })).toThrow(/^modelCheckpoint: model: /);
  });

  it('fills value placeholders from the epoch log ({devLoss:.4f}, {learningRate})', async () => {
    const model = classifier();
    const cp = modelCheckpoint(model, { path: path.join(dir, 'values', 'e{epoch}-{devLoss:.4f}-{devAccuracy:.2f}-{learningRate}.safetensors') });
    const h = await model.fit(train.x, train.y, { epochs: 2, batchSize: 16, validation: dev, callbacks: [cp] });
    expect(cp.saved.map((f) => path.basename(f))).toEqual(h.epochs.map((e) => `e${e.epoch + 1}-${e.devLoss!.toFixed(4)}-${e.devAccuracy!.toFixed(2)}-${e.learningRate}.safetensors`));
    expect((await fs.readdir(path.join(dir, 'values'))).sort()).toEqual(cp.saved.map((f) => path.basename(f)).sort());
  });

  it('saveBestOnly writes only when the monitored value improves (losses lower, accuracies higher)', async () => {
    for (const monitor of ['devLoss', 'devAccuracy', 'trainLoss'] as const) {
      const model = classifier();
      const cp = modelCheckpoint(model, { path: path.join(dir, `best-${monitor}-{epoch}.safetensors`), monitor, saveBestOnly: true });
      const h = await model.fit(train.x, train.y, { epochs: 8, batchSize: 16, validation: dev, callbacks: [cp] });
      const values = h.epochs.map((e) => e[monitor]!);
      const better = (a: number, b: number) => (monitor === 'devAccuracy' ? a > b : a < b);
      const expected: number[] = [];
      let best: number | undefined;
      values.forEach((v, i) => {
        if (best === undefined || better(v, best)) [best, expected[expected.length]] = [v, i + 1];
      });
      expect(cp.saved.map((f) => Number(/-(\d+)\.safetensors$/.exec(f)![1]))).toEqual(expected);
      if (monitor === 'devLoss') expect(expected.length).toBeLessThan(8); // the noisy dev loss does go up
      expect(cp.getState!()).toEqual({ monitor, lower: monitor !== 'devAccuracy', best });
    }
  });

  it("mode 'max' on a loss saves when it goes up", async () => {
    const model = classifier();
    const cp = modelCheckpoint(model, { path: path.join(dir, 'max-{epoch}.safetensors'), monitor: 'trainLoss', saveBestOnly: true, mode: 'max' });
    const h = await model.fit(train.x, train.y, { epochs: 4, batchSize: 16, callbacks: [cp] });
    const expected = h.epochs.filter((e, i) => h.epochs.slice(0, i).every((p) => e.trainLoss > p.trainLoss)).map((e) => e.epoch + 1);
    expect(cp.saved.map((f) => Number(/-(\d+)\.safetensors$/.exec(f)![1]))).toEqual(expected);
  });

  it('saveBestOnly with a single path: a resumed run does not overwrite a better checkpoint (the best travels in the file)', async () => {
    const file = path.join(dir, 'best.safetensors');
    const model = classifier();
    const h1 = await model.fit(train.x, train.y, { batchSize: 16, validation: dev, epochs: 5, callbacks: [modelCheckpoint(model, { path: file, saveBestOnly: true })] });
    const best1 = Math.min(...h1.epochs.map((e) => e.devLoss!));
    const fromFile = await loadModel(file, { threads: 1 });
    expect(fromFile.trainingState!.callbacks[`modelCheckpoint:${file}`]).toEqual({ monitor: 'devLoss', lower: true, best: best1 });
    // Resume from the file (the best epoch's state, as a new process would) with a new checkpoint
    // object: resumed bitwise, it replays the first run's next epoch, which was worse than the
    // best, while without the saved best its first epoch would have been saved.
    const bestEpoch = fromFile.trainingState!.epoch;
    expect(bestEpoch).toBeLessThan(h1.epochs.length);
    const saved = fromFile.trainingState!.callbacks[`modelCheckpoint:${file}`];
    const before = await fs.readFile(file);
    const cp = modelCheckpoint(fromFile, { path: file, saveBestOnly: true });
    const h2 = await fromFile.fit(train.x, train.y, { batchSize: 16, validation: dev, epochs: 1, initialEpoch: bestEpoch, callbacks: [cp] });
    expect(h2.epochs.map((e) => e.devLoss)).toEqual([h1.epochs[bestEpoch].devLoss]);
    expect(h2.epochs[0].devLoss).toBeGreaterThan(best1);
    expect(cp.saved).toEqual([]);
    expect((await fs.readFile(file)).equals(before)).toBe(true);
    // Another monitor starts afresh.
    const other = modelCheckpoint(model, { path: file, saveBestOnly: true, monitor: 'trainLoss' });
    other.setState!(saved);
    expect(other.getState!()).toEqual({ monitor: 'trainLoss', lower: true, best: null });
  });

  it('a checkpoint at epoch k, loaded and resumed with initialEpoch, ends bitwise where straight training does', async () => {
    const pattern = path.join(dir, 'exact', 'm-{epoch}.safetensors');
    const options = (model: Parameters<typeof modelCheckpoint>[0]): FitOptions => ({ batchSize: 16, validation: dev, earlyStopping: { patience: 20 }, callbacks: [modelCheckpoint(model, { path: pattern })] });
    const straight = classifier();
    const hs = await straight.fit(train.x, train.y, { ...options(straight), epochs: 6 });
    const last = pattern.replace('{epoch}', '6');
    const straightFile = await fs.readFile(last);

    const loaded = await loadModel(pattern.replace('{epoch}', '3'), { threads: 1 });
    expect(loaded.trainingState?.epoch).toBe(3);
    const hr = await loaded.fit(train.x, train.y, { ...options(loaded), epochs: 3, initialEpoch: loaded.trainingState!.epoch });
    const strip = (e: { seconds: number }) => ({ ...e, seconds: 0 });
    expect(hr.epochs.map(strip)).toEqual(hs.epochs.slice(3).map(strip));
    expect((await stateBytes(loaded)).equals(await stateBytes(straight))).toBe(true);
    // The resumed run's last checkpoint is byte for byte the straight run's.
    expect((await fs.readFile(last)).equals(straightFile)).toBe(true);
  });

  it('rejects the fit clearly when the monitor or a placeholder has no value, or the file cannot be written', async () => {
    const model = classifier();
    await expect(model.fit(train.x, train.y, { epochs: 1, callbacks: [modelCheckpoint(model, { path: path.join(dir, 'x.safetensors'), saveBestOnly: true })] })).rejects.toThrow(
      "modelCheckpoint: monitor: 'devLoss' is not in the epoch log (it needs fit's validation data)",
    );
    await expect(model.fit(train.x, train.y, { epochs: 1, callbacks: [modelCheckpoint(model, { path: path.join(dir, '{devLoss}.safetensors') })] })).rejects.toThrow(
      "modelCheckpoint: path: '{devLoss}' has no value: the epoch log has no devLoss",
    );
    const before = model.trainingState!.epoch;
    await expect(model.fit(train.x, train.y, { epochs: 2, initialEpoch: before, callbacks: [modelCheckpoint(model, { path: dir })] })).rejects.toThrow(/^modelCheckpoint: path: cannot save '.*': saveModel: file: /);
    expect(model.trainingState!.epoch).toBe(before + 1);
    expect(model.trainingState!.callbacks[`modelCheckpoint:${dir}`]).toEqual({ monitor: 'devLoss', lower: true, best: null });
  });

  it('refuses to save another model than the one being fitted', async () => {
    const other = classifier();
    await expect(classifier().fit(train.x, train.y, { epochs: 1, callbacks: [modelCheckpoint(other, { path: path.join(dir, 'o.safetensors') })] })).rejects.toThrow(
      'modelCheckpoint: model: is not the model being fitted (it has completed 0 epochs, the log is of epoch 0)',
    );
  });
});
