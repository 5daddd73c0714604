// fit attaches the diagnosis to its history: the bias/variance verdict from the trainer's own
// numbers (train error from one evaluation-mode pass over the training set at the end, dev error
// from the epoch whose weights the model holds) and gradient warnings from the epochs' norms.
import { describe, expect, it } from 'vitest';
import { adam, dense, dropout, gd, relu, sequential } from '../../src';
import { blobs, normals, snapshot, expectSameSnapshot } from '../model/helpers';

const train = blobs(1, 40, 3, 4, 4, 1); // 120 examples, well separated
const dev = blobs(2, 40, 3, 4, 4, 1);

describe('history.diagnosis', () => {
  it('uses an evaluation-mode pass over the training set and the last dev accuracy', async () => {
    const model = sequential({ inputSize: 4, seed: 3, threads: 1, optimizer: adam({ learningRate: 0.01 }), layers: [dense(16), relu(), dropout({ keepProb: 0.5 }), dense(3)] });
    const history = await model.fit(train.x, train.y, { epochs: 5, batchSize: 16, validation: dev, baseError: 0.01 });
    const d = history.diagnosis!;
    expect(d).toBeDefined();
    const evalTrain = await model.evaluate(train.x, train.y);
    expect(d.trainError).toBeCloseTo(1 - evalTrain.accuracy, 12);
    const last = history.epochs[history.epochs.length - 1];
    expect(d.devError).toBeCloseTo(1 - last.devAccuracy!, 12);
    // Not the training-mode accuracy of the last epoch (dropout on), which is worse here.
    expect(Math.abs(d.trainError - (1 - last.trainAccuracy))).toBeGreaterThan(0.02);
    expect(d.baseError).toBe(0.01);
    expect(d.avoidableBias).toBeCloseTo(d.trainError - 0.01, 12);
    expect(['high bias', 'high variance', 'high bias and high variance', 'fine']).toContain(d.verdict);
  });

  it('says high bias for a model that cannot fit (no training: learning rate 0)', async () => {
    const model = sequential({ inputSize: 4, seed: 3, threads: 1, optimizer: gd({ learningRate: 0 }), layers: [dense(8), relu(), dense(3)] });
    const history = await model.fit(train.x, train.y, { epochs: 1, validation: dev });
    expect(history.diagnosis!.trainError).toBeGreaterThan(0.2);
    expect(history.diagnosis!.verdict).toMatch(/^high bias/);
    expect(history.diagnosis!.advice.join(' ')).toMatch(/bigger network/);
  });

  it('says high variance for a network that memorizes random labels', async () => {
    const m = 40;
    const x = normals(5, m * 4);
    const y = Int32Array.from({ length: m }, (_, i) => (i * 7 + (i >> 2)) % 3); // no relation to x
    const devX = normals(6, m * 4);
    const model = sequential({ inputSize: 4, seed: 1, threads: 1, optimizer: adam({ learningRate: 0.02 }), layers: [dense(128), relu(), dense(128), relu(), dense(3)] });
    const history = await model.fit(x, y, { epochs: 300, batchSize: m, validation: { x: devX, y } });
    const d = history.diagnosis!;
    expect(d.trainError).toBeLessThan(0.05);
    expect(d.devError).toBeGreaterThan(0.3);
    expect(d.verdict).toBe('high variance');
    expect(d.advice.join(' ')).toMatch(/more training data/);
  });

  it('with early stopping restoring the best epoch, uses that epoch dev error', async () => {
    // Overlapping classes and a big network: dev accuracy moves from epoch to epoch.
    const hardTrain = blobs(1, 20, 3, 4, 1.2, 1.5);
    const hardDev = blobs(2, 40, 3, 4, 1.2, 1.5);
    const model = sequential({ inputSize: 4, seed: 1, threads: 1, optimizer: adam({ learningRate: 0.03 }), layers: [dense(64), relu(), dense(64), relu(), dense(3)] });
    const history = await model.fit(hardTrain.x, hardTrain.y, {
      epochs: 60,
      batchSize: 8,
      validation: hardDev,
      earlyStopping: { monitor: 'devLoss', patience: 4 },
    });
    // Restored only because early stopping ended the run (Keras semantics).
    expect(history.stoppedEarly).toBe(true);
    const best = history.epochs.find((e) => e.epoch === history.bestEpoch)!;
    const last = history.epochs[history.epochs.length - 1];
    expect(best.devAccuracy).not.toBe(last.devAccuracy); // so the two choices are told apart
    expect(history.diagnosis!.devError).toBeCloseTo(1 - best.devAccuracy!, 12);
    expect(history.diagnosis!.devError).toBeCloseTo(1 - (await model.evaluate(hardDev.x, hardDev.y)).accuracy, 12);
    expect(history.diagnosis!.trainError).toBeCloseTo(1 - (await model.evaluate(hardTrain.x, hardTrain.y)).accuracy, 12);
  });

  it('with early stopping that never stops the run, uses the last epoch (its weights are kept)', async () => {
    const hardTrain = blobs(1, 20, 3, 4, 1.2, 1.5);
    const hardDev = blobs(2, 40, 3, 4, 1.2, 1.5);
    const model = sequential({ inputSize: 4, seed: 1, threads: 1, optimizer: adam({ learningRate: 0.03 }), layers: [dense(64), relu(), dense(64), relu(), dense(3)] });
    const history = await model.fit(hardTrain.x, hardTrain.y, {
      epochs: 12,
      batchSize: 8,
      validation: hardDev,
      earlyStopping: { monitor: 'devLoss', patience: 100 },
    });
    expect(history.stoppedEarly).toBe(false);
    expect(history.bestEpoch).toBeUndefined();
    const devLosses = history.epochs.map((e) => e.devLoss!);
    expect(devLosses.indexOf(Math.min(...devLosses))).toBeLessThan(11); // the best epoch is not the last
    const last = history.epochs[history.epochs.length - 1];
    expect(history.diagnosis!.devError).toBeCloseTo(1 - last.devAccuracy!, 12);
    expect(history.diagnosis!.devError).toBeCloseTo(1 - (await model.evaluate(hardDev.x, hardDev.y)).accuracy, 12);
    expect((await model.evaluate(hardDev.x, hardDev.y)).loss).toBeCloseTo(last.devLoss!, 6);
  });

  it('is absent without validation data; gradient warnings are always there', async () => {
    const model = sequential({ inputSize: 4, seed: 3, threads: 1, layers: [dense(8), relu(), dense(3)] });
    const history = await model.fit(train.x, train.y, { epochs: 2 });
    expect(history.diagnosis).toBeUndefined();
    expect(history.gradientWarnings).toEqual([]);
  });

  it('rejects a bad baseError before touching the model', async () => {
    const model = sequential({ inputSize: 4, seed: 3, threads: 1, layers: [dense(8), relu(), dense(3)] });
    const before = snapshot(model);
    // fit words the range itself (src/training/fit.ts); what matters here is the name and the range.
    for (const [baseError, got] of [[-0.1, '-0\\.1'], [1.5, '1\\.5'], [NaN, 'NaN'], ['0.1', "the string '0\\.1'"]] as const) {
      await expect(model.fit(train.x, train.y, { epochs: 1, validation: dev, baseError: baseError as number })).rejects.toThrow(
        new RegExp(`^fit: baseError: (must be|expected) (an error rate|a finite number) in \\[0, 1\\].*, got ${got}$`),
      );
    }
    expectSameSnapshot(snapshot(model), before);
  });
});

describe('history.gradientWarnings', () => {
  it('flags vanishing gradients in a zero-initialized network (the first layer gets exactly 0)', async () => {
    const model = sequential({ inputSize: 4, seed: 3, threads: 1, layers: [dense(8, { init: 'zeros' }), relu(), dense(3, { init: 'zeros' })] });
    const history = await model.fit(train.x, train.y, { epochs: 3, initialEpoch: 5 });
    expect(history.epochs[0].gradNorms[0]).toBe(0);
    const w = history.gradientWarnings!;
    expect(w.map(({ kind, layer, firstEpoch, epochs }) => ({ kind, layer, firstEpoch, epochs }))).toEqual([
      { kind: 'vanishing', layer: 0, firstEpoch: 5, epochs: 3 },
    ]);
  });

  it('flags exploding gradients for huge unnormalized inputs', async () => {
    const x = train.x.map((v) => v * 1e6);
    const model = sequential({ inputSize: 4, seed: 3, threads: 1, optimizer: gd({ learningRate: 0 }), layers: [dense(8), relu(), dense(3)] });
    const history = await model.fit(x, train.y, { epochs: 1 });
    expect(history.epochs[0].gradNorms[0]).toBeGreaterThan(1e3);
    expect(history.gradientWarnings!.some((w) => w.kind === 'exploding' && w.layer === 0)).toBe(true);
  });
});
