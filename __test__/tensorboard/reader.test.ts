// tensorBoard(logDir) proven with TensorBoard's own reader: fit with the callback, read the log
// directory with EventAccumulator (read_events.py, in the test venv), and check every tag and
// value against the history fit returned and the model's weights.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel, type EpochLog } from '../../src';
import { tensorBoard } from '../../src/training/callbacks/tensorBoard';
import { classifier, dev, regressionData, regressor, tempDir, train } from '../callbacks/helpers';
import { expectEventFileNames, expectHistogramOf, expectScalars, readLogDir, weightTensors, type ScalarTable } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// classifier(): dense(16) → batchNorm → relu → dropout → dense(3) (softmax).
const CLASSIFIER_TRAIN: ScalarTable = {
  epoch_loss: (e) => e.trainLoss,
  epoch_accuracy: (e) => e.trainAccuracy,
  epoch_learning_rate: (e) => e.learningRate,
  'grad_norm/layer_0_dense': (e) => e.gradNorms[0],
  'grad_norm/layer_1_batchNorm': (e) => e.gradNorms[1],
  'grad_norm/layer_4_dense': (e) => e.gradNorms[4],
};
const CLASSIFIER_VALIDATION: ScalarTable = { epoch_loss: (e) => e.devLoss, epoch_accuracy: (e) => e.devAccuracy };
// A dense layer right before batch norm has no bias.
const CLASSIFIER_WEIGHTS = ['layers.0.W', 'layers.1.gamma', 'layers.1.beta', 'layers.1.runningMean', 'layers.1.runningVar', 'layers.4.W', 'layers.4.b'];

// regressor(): dense(8) → tanh → dense(1) (linear, mse).
const REGRESSOR_TRAIN: ScalarTable = {
  epoch_loss: (e) => e.trainLoss,
  epoch_learning_rate: (e) => e.learningRate,
  'grad_norm/layer_0_dense': (e) => e.gradNorms[0],
  'grad_norm/layer_2_dense': (e) => e.gradNorms[2],
};
const REGRESSOR_WEIGHTS = ['layers.0.W', 'layers.0.b', 'layers.2.W', 'layers.2.b'];

const stepsOf = (epochs: EpochLog[]) => epochs.map((e) => e.epoch);

describe('tensorBoard: what TensorBoard reads back', () => {
  it('a classifier with validation data: every scalar per epoch, weight histograms of the final weights', async () => {
    const logDir = path.join(dir, 'classifier');
    const since = Date.now() / 1000;
    const model = classifier();
    const history = await model.fit(train.x, train.y, { epochs: 4, batchSize: 16, validation: dev, callbacks: [tensorBoard(logDir)] });

    const read = readLogDir(logDir);
    expect(Object.keys(read).sort()).toEqual(['train', 'validation']);
    for (const run of Object.values(read)) {
      expect(run.fileVersion).toBe(2);
      expect(run.files.length).toBe(1);
      expectEventFileNames(run);
    }
    expectScalars(read.train, CLASSIFIER_TRAIN, history.epochs, since);
    expectScalars(read.validation, CLASSIFIER_VALIDATION, history.epochs, since);
    // Dev values are not the train values under another name.
    expect(read.validation.scalars.epoch_loss.map(([, , v]) => v)).not.toEqual(read.train.scalars.epoch_loss.map(([, , v]) => v));

    expect(Object.keys(read.train.histograms).sort()).toEqual([...CLASSIFIER_WEIGHTS].sort());
    expect(read.validation.histograms).toEqual({});
    for (const { tag, values } of weightTensors(model, CLASSIFIER_WEIGHTS)) {
      const histograms = read.train.histograms[tag];
      expect(histograms.map((h) => h.step), tag).toEqual([0, 1, 2, 3]);
      expectHistogramOf(histograms[3], values, tag);
      histograms.forEach((h) => expect(h.num).toBe(values.length));
    }
    // The first epoch's weights were not the last ones.
    expect(read.train.histograms['layers.0.W'][0].sum).not.toBe(read.train.histograms['layers.0.W'][3].sum);
  });

  it('a regression model: its loss (no accuracy), learning rate, gradient norms and weights', async () => {
    const logDir = path.join(dir, 'regression');
    const data = regressionData(31, 64);
    const devData = regressionData(32, 32);
    const since = Date.now() / 1000;
    const model = regressor();
    const history = await model.fit(data.x, data.y, { epochs: 3, batchSize: 16, validation: devData, callbacks: [tensorBoard(logDir)] });

    const read = readLogDir(logDir);
    expect(Object.keys(read).sort()).toEqual(['train', 'validation']);
    expectScalars(read.train, REGRESSOR_TRAIN, history.epochs, since);
    expectScalars(read.validation, { epoch_loss: (e) => e.devLoss }, history.epochs, since);
    expect(Object.keys(read.train.histograms).sort()).toEqual([...REGRESSOR_WEIGHTS].sort());
    for (const { tag, values } of weightTensors(model, REGRESSOR_WEIGHTS)) expectHistogramOf(read.train.histograms[tag].at(-1)!, values, tag);
  });

  it('without validation data there is no validation run; histogramFreq 2 writes epochs 0, 2, 4; 0 writes none', async () => {
    const every2 = path.join(dir, 'freq2');
    const none = path.join(dir, 'freq0');
    const since = Date.now() / 1000;
    const model = regressor();
    const data = regressionData(33, 48);
    const history = await model.fit(data.x, data.y, { epochs: 5, batchSize: 16, callbacks: [tensorBoard(every2, { histogramFreq: 2 }), tensorBoard(none, { histogramFreq: 0 })] });

    const read = readLogDir(every2);
    expect(Object.keys(read)).toEqual(['train']);
    expectScalars(read.train, REGRESSOR_TRAIN, history.epochs, since);
    for (const tag of REGRESSOR_WEIGHTS) expect(read.train.histograms[tag].map((h) => h.step)).toEqual([0, 2, 4]);
    const withoutHistograms = readLogDir(none);
    expect(withoutHistograms.train.histograms).toEqual({});
    expectScalars(withoutHistograms.train, REGRESSOR_TRAIN, history.epochs, since);
  });
});

describe('tensorBoard: resuming keeps the record', () => {
  it('3 epochs, saved, loaded, resumed to 5: steps 0–4 once each, in a second event file', async () => {
    const logDir = path.join(dir, 'resume');
    const options = () => ({ batchSize: 16, validation: dev, callbacks: [tensorBoard(logDir)] });
    const since = Date.now() / 1000;
    const first = classifier();
    const before = await first.fit(train.x, train.y, { ...options(), epochs: 3 });
    const saved = path.join(dir, 'resume.safetensors');
    await saveModel(first, saved);
    const loaded = await loadModel(saved, { threads: 1 });
    const after = await loaded.fit(train.x, train.y, { ...options(), epochs: 2, initialEpoch: loaded.trainingState!.epoch });
    const epochs = [...before.epochs, ...after.epochs];
    expect(stepsOf(epochs)).toEqual([0, 1, 2, 3, 4]);

    const read = readLogDir(logDir);
    for (const run of Object.values(read)) {
      expect(run.files.length).toBe(2);
      expectEventFileNames(run);
      // TensorBoard reads files in name order: the resumed run's file comes second.
      expect(run.files.map((f) => f.name)).toEqual([...run.files.map((f) => f.name)].sort());
    }
    expectScalars(read.train, CLASSIFIER_TRAIN, epochs, since);
    expectScalars(read.validation, CLASSIFIER_VALIDATION, epochs, since);
    for (const { tag, values } of weightTensors(loaded, CLASSIFIER_WEIGHTS)) {
      expect(read.train.histograms[tag].map((h) => h.step)).toEqual([0, 1, 2, 3, 4]);
      expectHistogramOf(read.train.histograms[tag][4], values, tag);
    }
  });

  it('resumed from a checkpoint older than the last epoch logged: the new run replaces the epochs it trains again', async () => {
    const logDir = path.join(dir, 'older');
    const options = () => ({ batchSize: 16, validation: dev, callbacks: [tensorBoard(logDir)] });
    const since = Date.now() / 1000;
    const model = classifier();
    const start = await model.fit(train.x, train.y, { ...options(), epochs: 3 });
    const atThree = await model.clone();
    const abandoned = await model.fit(train.x, train.y, { ...options(), epochs: 2, initialEpoch: 3 });
    // Epochs 3 and 4 again from the checkpoint, with another batch size: other values.
    const again = await atThree.fit(train.x, train.y, { ...options(), batchSize: 8, epochs: 2, initialEpoch: 3 });
    expect(again.epochs.map((e) => e.trainLoss)).not.toEqual(abandoned.epochs.map((e) => e.trainLoss));

    const read = readLogDir(logDir);
    expect(read.train.files.length).toBe(3);
    expectScalars(read.train, CLASSIFIER_TRAIN, [...start.epochs, ...again.epochs], since);
    expectScalars(read.validation, CLASSIFIER_VALIDATION, [...start.epochs, ...again.epochs], since);
    for (const { tag, values } of weightTensors(atThree, CLASSIFIER_WEIGHTS)) expectHistogramOf(read.train.histograms[tag][4], values, tag);
  });

  it('one callback across fit calls that follow on: one file; a new run from epoch 0 replaces the old record', async () => {
    const logDir = path.join(dir, 'restart');
    const callback = tensorBoard(logDir);
    const since = Date.now() / 1000;
    const model = classifier();
    const a = await model.fit(train.x, train.y, { epochs: 2, batchSize: 16, callbacks: [callback] });
    const b = await model.fit(train.x, train.y, { epochs: 1, batchSize: 16, initialEpoch: 2, callbacks: [callback] });
    let read = readLogDir(logDir);
    expect(read.train.files.length).toBe(1);
    expectScalars(read.train, CLASSIFIER_TRAIN, [...a.epochs, ...b.epochs], since);

    const fresh = await classifier().fit(train.x, train.y, { epochs: 2, batchSize: 8, callbacks: [tensorBoard(logDir)] });
    read = readLogDir(logDir);
    expect(read.train.files.length).toBe(2);
    expectScalars(read.train, CLASSIFIER_TRAIN, fresh.epochs, since);
  });
});
