// "Panda": babysitting one model through the trainer's hooks (onEpochEnd + control).
import { describe, expect, it } from 'vitest';
import { adam, babysit, dense, relu, sequential, type EpochLog, type TrainingControl } from '../../src';
import { blobs } from '../model/helpers';

const logOf = (epoch: number, devLoss: number, learningRate = 0.01) => ({ epoch, devLoss, trainLoss: devLoss, learningRate }) as EpochLog;

function recorder() {
  const calls: string[] = [];
  const control: TrainingControl = {
    model: undefined as never,
    stop: () => calls.push('stop'),
    setLearningRate: (rate) => calls.push(`rate ${rate}`),
  };
  return { calls, control };
}

describe('babysit', () => {
  it('lowers the learning rate after `patience` epochs without progress, and stops on divergence', () => {
    const lines: string[] = [];
    const sitter = babysit({ patience: 2, factor: 0.5, log: (l) => lines.push(l) });
    const { calls, control } = recorder();
    for (const [e, loss] of [[0, 1.0], [1, 0.8], [2, 0.85], [3, 0.81], [4, 0.7], [5, 3.0]] as const) sitter.onEpochEnd(logOf(e, loss), control);
    expect(calls).toEqual(['rate 0.005', 'stop']);
    expect(sitter.decisions.map((d) => [d.epoch, d.action])).toEqual([
      [3, 'lowerLearningRate'],
      [5, 'stop'],
    ]);
    expect(lines[0]).toMatch(/epoch 3: lowerLearningRate to 5\.00e-3 \(devLoss has not improved for 2 epochs\)/);
  });

  it('stops when the rate would fall below minLearningRate', () => {
    const sitter = babysit({ patience: 1, minLearningRate: 0.004 });
    const { calls, control } = recorder();
    sitter.onEpochEnd(logOf(0, 1), control);
    sitter.onEpochEnd(logOf(1, 1, 0.01), control);
    sitter.onEpochEnd(logOf(2, 1, 0.005), control);
    expect(calls).toEqual(['rate 0.005', 'stop']);
  });

  it('drives a real fit: control.setLearningRate takes effect at the next epoch', async () => {
    const train = blobs(1, 30, 3, 4, 2, 1);
    const model = sequential({ inputSize: 4, seed: 1, layers: [dense(8), relu(), dense(3)] });
    // minDelta huge: after the first epoch nothing counts as progress, so the rate halves every epoch.
    const sitter = babysit({ monitor: 'trainLoss', patience: 1, minDelta: 1e9 });
    const history = await model.fit(train.x, train.y, { epochs: 4, optimizer: adam({ learningRate: 0.01 }), onEpochEnd: sitter.onEpochEnd });
    expect(history.epochs.map((e) => e.learningRate)).toEqual([0.01, 0.01, 0.005, 0.0025]);
    expect(sitter.decisions.map((d) => d.learningRate)).toEqual([0.005, 0.0025, 0.00125]);
  });

  it('rejects bad options, naming them', () => {
    expect(() => babysit({ patience: 0 })).toThrow(/^babysit: patience: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => babysit({ factor: 1 })).toThrow(/^babysit: factor: must be a finite number in \(0, 1\), got 1$/);
    expect(() => babysit({ diverge: 1 })).toThrow(/^babysit: diverge: must be a finite number > 1, got 1$/);
    expect(() => babysit({ monitor: 'devAccuracy' as never })).toThrow(/^babysit: monitor: expected 'devLoss' \| 'trainLoss', got the string 'devAccuracy'/);
    const sitter = babysit({ monitor: 'devLoss' });
    expect(() => sitter.onEpochEnd({ epoch: 0, trainLoss: 1, learningRate: 0.1 } as EpochLog, recorder().control)).toThrow(/^babysit onEpochEnd: log\.devLoss: is not in the epoch log \(devLoss needs validation data\)$/);
  });
});
