// Issue 8.1: a diverging fit or trainStep never leaves a NaN model. Training stops at the first
// non-finite loss, gradient, parameter or output; the model goes back to the start of that
// epoch (fit) or is left as it was (trainStep), and the error names the epoch and step.
import { describe, expect, it } from 'vitest';
import { adam, dense, gd, relu, batchNorm, sequential, type Sequential } from '../../src';
import { blobs } from '../model/helpers';
import { allFinite, stateBytes } from './state';

const data = blobs(3, 40, 3, 4);

const makeModel = (backend: 'native' | 'reference' = 'native', learningRate = 0.01): Sequential =>
  sequential({
    inputSize: 4,
    seed: 2,
    threads: 1,
    backend,
    optimizer: adam({ learningRate }),
    layers: [dense(16), batchNorm(), relu(), dense(3)],
  });

describe.each(['native', 'reference'] as const)('divergence (%s)', (backend) => {
  it('fit with a huge learning rate rejects naming epoch and step, and restores the epoch start', async () => {
    const model = makeModel(backend);
    await model.fit(data.x, data.y, { epochs: 2, batchSize: 16 });
    const before = await stateBytes(model);
    const err = await model.fit(data.x, data.y, { epochs: 3, batchSize: 16, initialEpoch: 2, optimizer: gd({ learningRate: 1e30 }) }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^fit: training diverged at epoch 2, step \d+: .*restored to its state at the start of epoch 2.*learning rate.*clipNorm/);
    expect(err.code).toBe('TUNENET_DIVERGED');
    // Restored to the start of the epoch (the state before this call), optimizer switch undone.
    expect((await stateBytes(model)).equals(before)).toBe(true);
    expect(model.optimizer.kind).toBe('adam');
    const p = await model.predict(data.x);
    expect(p.probabilities.every((v) => Number.isFinite(v))).toBe(true);
    const e = await model.evaluate(data.x, data.y);
    expect(Number.isFinite(e.loss)).toBe(true);
  });

  it('a divergence in a later epoch keeps the completed epochs and restores only the failing one', async () => {
    const model = makeModel(backend);
    const afterEpoch: Buffer[] = [];
    const err = await model
      .fit(data.x, data.y, {
        epochs: 5,
        batchSize: 16,
        onEpochEnd: async (log, control) => {
          afterEpoch.push(await stateBytes(model, { training: false }));
          if (log.epoch === 1) control.setLearningRate(1e30); // epoch 2 explodes
        },
      })
      .catch((x) => x);
    expect(err.message).toMatch(/^fit: training diverged at epoch 2, step \d+/);
    expect(afterEpoch).toHaveLength(2);
    // Epoch 2 started from the state after epoch 1 and went back to it (training state too).
    const now = await stateBytes(model, { training: false });
    expect(now.equals(afterEpoch[1])).toBe(true);
    // The run's record says where it stands: 2 epochs done, the rate that was set.
    expect(model.trainingState?.manualLearningRate).toBe(1e30);
    expect(await allFinite(model)).toBe(true);
    expect(model.trainingState?.epoch).toBe(2);
  });

  it('batch gradient descent (one step per epoch) that overflows the weights is caught at that step', async () => {
    // One step per epoch: the step's own loss is finite, the update is what breaks the model.
    const model = makeModel(backend);
    const before = await stateBytes(model);
    const err = await model.fit(data.x, data.y, { epochs: 2, batchSize: 1000, optimizer: gd({ learningRate: 1e36 }) }).catch((e) => e);
    expect(err.message).toMatch(/^fit: training diverged at epoch 0, step 1: /);
    expect((await stateBytes(model)).equals(before)).toBe(true);
  });

  it('trainStep that would diverge throws and is not applied', async () => {
    const model = makeModel(backend);
    model.trainStep(data.x, data.y, 0.01);
    const before = await stateBytes(model);
    expect(() => model.trainStep(data.x, data.y, 1e30)).toThrow(/^trainStep: training diverged: .*not applied/);
    expect((await stateBytes(model)).equals(before)).toBe(true);
    // Repeated attempts never poison it either.
    for (let i = 0; i < 3; i++) expect(() => model.trainStep(data.x, data.y, { learningRate: 1e35 })).toThrow(/diverged/);
    expect((await stateBytes(model)).equals(before)).toBe(true);
    // A sane step still trains.
    const r = model.trainStep(data.x, data.y, 0.01);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect((await stateBytes(model)).equals(before)).toBe(false);
  });
});
