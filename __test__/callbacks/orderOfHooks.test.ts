// fit records the training state after every epoch hook, so a checkpoint saved by a later
// callback holds what an earlier one set in the same epoch (a learning rate, its own state).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { babysit, dense, loadModel, modelCheckpoint, relu, sequential } from '../../src';
import { blobs } from '../model/helpers';

describe('a checkpoint after other callbacks', () => {
  it('holds the rate and the states they set in the same epoch', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-hooks-'));
    try {
      const data = blobs(3, 10, 3, 4);
      const model = sequential({ inputSize: 4, seed: 1, threads: 1, layers: [dense(8), relu(), dense(3)] });
      const sitter = babysit({ patience: 1 });
      const file = path.join(dir, 'last.safetensors');
      await model.fit(data.x, data.y, {
        epochs: 2,
        validation: data,
        callbacks: [{ onEpochEnd: (log, control) => control.setLearningRate(0.123 + log.epoch) }, sitter, modelCheckpoint(model, { path: file })],
      });
      const saved = await loadModel(file, { threads: 1 });
      expect(saved.trainingState?.epoch).toBe(2);
      expect(saved.trainingState?.manualLearningRate).toBe(1.123);
      expect(saved.trainingState?.callbacks.babysit).toEqual(sitter.getState());
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
