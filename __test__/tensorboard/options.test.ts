// tensorBoard's options and a bad logDir: errors that name the argument.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorBoard } from '../../src/training/callbacks/tensorBoard';
import { classifier, tempDir, train } from '../callbacks/helpers';
import { escapeRegExp, openFilesUnder } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('tensorBoard options', () => {
  it('refuses unknown options with a suggestion, and bad values naming the option', () => {
    expect(() => tensorBoard(dir, { histogram_freq: 1 } as never)).toThrow("tensorBoard options: unknown option 'histogram_freq' (did you mean 'histogramFreq'?)");
    expect(() => tensorBoard(dir, { updateFreq: 'epoch' } as never)).toThrow(/^tensorBoard options: unknown option 'updateFreq'/);
    expect(() => tensorBoard(dir, 'train' as never)).toThrow(/^tensorBoard options: expected an options object/);
    for (const bad of [-1, 1.5, Number.NaN, '2', null]) {
      expect(() => tensorBoard(dir, { histogramFreq: bad as never })).toThrow(/^tensorBoard: histogramFreq: /);
    }
    for (const bad of ['', 3, undefined]) expect(() => tensorBoard(bad as never)).toThrow(/^tensorBoard: logDir: expected a non-empty string/);
    expect(tensorBoard(dir, { histogramFreq: 0 }).onEpochEnd).toBeTypeOf('function');
  });

  it('a logDir that is a file fails at construction', async () => {
    const file = path.join(dir, 'a-file');
    await fs.writeFile(file, 'not a directory');
    expect(() => tensorBoard(file)).toThrow(`tensorBoard: logDir: '${file}' exists and is not a directory`);
  });

  it('a logDir that cannot be made fails the fit at the first epoch, naming logDir; no descriptor left open', async () => {
    const blocker = path.join(dir, 'blocker');
    await fs.writeFile(blocker, '');
    const logDir = path.join(blocker, 'logs');
    const model = classifier();
    await expect(model.fit(train.x, train.y, { epochs: 2, batchSize: 16, callbacks: [tensorBoard(logDir)] })).rejects.toThrow(
      new RegExp(`^tensorBoard: logDir: cannot write '${escapeRegExp(logDir)}': ENOTDIR`),
    );
    expect(model.trainingState?.epoch).toBe(1);
    expect(openFilesUnder(dir)).toEqual([]);
  });
});
