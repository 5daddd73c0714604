// csvLogger and jsonLogger: what the files hold after a fit, appending on resume, write errors.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvLogger, jsonLogger, loadModel, saveModel, type EpochLog } from '../../src';
import { classifier, dev, regressionData, regressor, tempDir, train } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const read = async (file: string) => (await fs.readFile(file, 'utf8')).split('\n');
const csvRow = (e: EpochLog, columns: (keyof EpochLog)[], sep = ',') => columns.map((c) => String(e[c])).join(sep);

describe('csvLogger', () => {
  it('writes a header and one row per epoch, numbers equal to the history', async () => {
    const file = path.join(dir, 'train.csv');
    const h = await classifier().fit(train.x, train.y, { epochs: 4, batchSize: 16, validation: dev, callbacks: [csvLogger(file)] });
    const lines = await read(file);
    expect(lines[0]).toBe('epoch,trainLoss,trainAccuracy,devLoss,devAccuracy,learningRate,seconds');
    expect(lines.length).toBe(1 + 4 + 1); // header, rows, the final newline
    expect(lines[5]).toBe('');
    const columns = lines[0].split(',') as (keyof EpochLog)[];
    h.epochs.forEach((e, i) => {
      expect(lines[1 + i]).toBe(csvRow(e, columns));
      expect(lines[1 + i].split(',').map(Number)).toEqual(columns.map((c) => e[c]));
    });
  });

  it('has no accuracy columns for regression and no dev columns without validation; separator option', async () => {
    const file = path.join(dir, 'regression.tsv');
    const { x, y } = regressionData(3, 64);
    const h = await regressor().fit(x, y, { epochs: 2, batchSize: 16, callbacks: [csvLogger(file, { separator: '\t' })] });
    const lines = await read(file);
    expect(lines[0]).toBe('epoch\ttrainLoss\tlearningRate\tseconds');
    expect(lines.slice(1, 3)).toEqual(h.epochs.map((e) => csvRow(e, ['epoch', 'trainLoss', 'learningRate', 'seconds'], '\t')));
  });

  it('a resumed run (saved, loaded, initialEpoch) appends: one header, epochs continue, rows of the straight run', async () => {
    const file = path.join(dir, 'resume.csv');
    const options = () => ({ batchSize: 16, validation: dev, callbacks: [csvLogger(file)] });
    const first = classifier();
    await first.fit(train.x, train.y, { ...options(), epochs: 3 });
    const saved = path.join(dir, 'resume.safetensors');
    await saveModel(first, saved);
    const loaded = await loadModel(saved, { threads: 1 });
    await loaded.fit(train.x, train.y, { ...options(), epochs: 2, initialEpoch: loaded.trainingState!.epoch });

    const straightFile = path.join(dir, 'straight.csv');
    const straight = await classifier().fit(train.x, train.y, { batchSize: 16, validation: dev, epochs: 5, callbacks: [csvLogger(straightFile)] });
    const lines = await read(file);
    const withoutSeconds = (l: string) => l.split(',').slice(0, -1).join(',');
    expect(lines.filter((l) => l.startsWith('epoch')).length).toBe(1);
    expect(lines.slice(1, -1).map((l) => Number(l.split(',')[0]))).toEqual([0, 1, 2, 3, 4]);
    expect(lines.map(withoutSeconds)).toEqual((await read(straightFile)).map(withoutSeconds));
    expect(straight.epochs.length).toBe(5);
  });

  it('resuming from an older checkpoint drops the rows of the epochs it trains again (and an unfinished line)', async () => {
    const file = path.join(dir, 'older.csv');
    const model = classifier();
    await model.fit(train.x, train.y, { epochs: 2, batchSize: 16, callbacks: [csvLogger(file)] });
    const atTwo = await model.clone();
    await model.fit(train.x, train.y, { epochs: 2, batchSize: 16, initialEpoch: 2, callbacks: [csvLogger(file)] });
    await fs.appendFile(file, '4,0.5'); // a crash in the middle of writing a row
    expect((await read(file)).length).toBe(1 + 4 + 1);
    await atTwo.fit(train.x, train.y, { epochs: 1, batchSize: 16, initialEpoch: 2, callbacks: [csvLogger(file)] });
    const lines = await read(file);
    expect(lines.slice(1, -1).map((l) => Number(l.split(',')[0]))).toEqual([0, 1, 2]);
    expect(lines.at(-1)).toBe('');
  });

  it('a new run overwrites; append: true appends; append: false overwrites even a resumed run', async () => {
    const file = path.join(dir, 'modes.csv');
    const model = classifier();
    await model.fit(train.x, train.y, { epochs: 2, batchSize: 16, callbacks: [csvLogger(file)] });
    await classifier().fit(train.x, train.y, { epochs: 1, batchSize: 16, callbacks: [csvLogger(file)] });
    expect((await read(file)).length).toBe(1 + 1 + 1);
    await classifier().fit(train.x, train.y, { epochs: 2, batchSize: 16, callbacks: [csvLogger(file, { append: true })] });
    let lines = await read(file);
    expect(lines.slice(1, -1).map((l) => Number(l.split(',')[0]))).toEqual([0, 0, 1]);
    expect(lines.filter((l) => l.startsWith('epoch')).length).toBe(1);
    await model.fit(train.x, train.y, { epochs: 1, batchSize: 16, initialEpoch: 2, callbacks: [csvLogger(file, { append: false })] });
    lines = await read(file);
    expect(lines.slice(1, -1).map((l) => Number(l.split(',')[0]))).toEqual([2]);
  });

  it('refuses to append rows of other columns to a file', async () => {
    const file = path.join(dir, 'columns.csv');
    const model = classifier();
    await model.fit(train.x, train.y, { epochs: 1, batchSize: 16, callbacks: [csvLogger(file)] });
    await expect(model.fit(train.x, train.y, { epochs: 1, batchSize: 16, initialEpoch: 1, validation: dev, callbacks: [csvLogger(file)] })).rejects.toThrow(
      /^csvLogger: path: '.*columns\.csv' starts with 'epoch,trainLoss,trainAccuracy,learningRate,seconds', but this run logs 'epoch,trainLoss,trainAccuracy,devLoss,devAccuracy,learningRate,seconds'/,
    );
  });

  it('a write error rejects the fit with the path; the model keeps its completed epochs', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    await fs.writeFile(blocker, 'x');
    const model = classifier();
    const err = await model.fit(train.x, train.y, { epochs: 3, batchSize: 16, callbacks: [csvLogger(path.join(blocker, 'log.csv'))] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^csvLogger: path: cannot write '.*not-a-dir\/log\.csv': /);
    expect((err as NodeJS.ErrnoException).code).toMatch(/^E/);
    expect(model.trainingState?.epoch).toBe(1);
  });
});

describe('jsonLogger', () => {
  it('writes the epoch logs as JSON lines, equal to the history', async () => {
    const file = path.join(dir, 'train.jsonl');
    const h = await classifier().fit(train.x, train.y, { epochs: 3, batchSize: 16, validation: dev, callbacks: [jsonLogger(file)] });
    const lines = await read(file);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual(h.epochs);
  });

  it('appends on resume after save/load, epochs continuing', async () => {
    const file = path.join(dir, 'resume.jsonl');
    const first = classifier();
    const h1 = await first.fit(train.x, train.y, { epochs: 2, batchSize: 16, callbacks: [jsonLogger(file)] });
    const saved = path.join(dir, 'resume-json.safetensors');
    await saveModel(first, saved);
    const loaded = await loadModel(saved, { threads: 1 });
    const h2 = await loaded.fit(train.x, train.y, { epochs: 2, batchSize: 16, initialEpoch: 2, callbacks: [jsonLogger(file)] });
    const logs = (await read(file)).slice(0, -1).map((l) => JSON.parse(l));
    expect(logs).toEqual([...h1.epochs, ...h2.epochs]);
    expect(logs.map((l) => l.epoch)).toEqual([0, 1, 2, 3]);
  });

  it('a write error rejects the fit with a clear message', async () => {
    await expect(classifier().fit(train.x, train.y, { epochs: 1, batchSize: 16, callbacks: [jsonLogger(dir)] })).rejects.toThrow(/^jsonLogger: path: cannot write '.*': EISDIR/);
  });
});
