// Bad arguments to saveModel/loadModel: a clear Error naming the function and the argument,
// thrown before any file is touched.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadModel, Normalizer, saveModel } from '../../src';
import { makeModel } from './helpers';

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-io-args-'));
  file = path.join(dir, 'model.safetensors');
  await saveModel(makeModel(), file);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('saveModel arguments', () => {
  it('model must be a tunenet model', async () => {
    const target = path.join(dir, 'never.safetensors');
    await expect(saveModel(null as never, target)).rejects.toThrow('saveModel: model: expected a tunenet model (sequential(...)), got null');
    await expect(saveModel(undefined as never, target)).rejects.toThrow('saveModel: model: expected a tunenet model (sequential(...)), got undefined');
    await expect(saveModel({ handle: {} } as never, target)).rejects.toThrow('saveModel: model: expected a tunenet model (sequential(...)), got an Object');
    await expect(saveModel('model' as never, target)).rejects.toThrow(/^saveModel: model: expected a tunenet model \(sequential\(\.\.\.\)\), got the string 'model'$/);
    await expect(saveModel(null as never, target)).rejects.toBeInstanceOf(TypeError);
    expect(await fs.readdir(dir)).toEqual(['model.safetensors']);
  });

  it('file must be a non-empty path string', async () => {
    const model = makeModel();
    await expect(saveModel(model, 5 as never)).rejects.toThrow('saveModel: file: expected a non-empty path string, got 5');
    await expect(saveModel(model, '')).rejects.toThrow("saveModel: file: expected a non-empty path string, got the string ''");
    await expect(saveModel(model, undefined as never)).rejects.toThrow('saveModel: file: expected a non-empty path string, got undefined');
  });

  it('a directory, or a missing parent directory, is named as such', async () => {
    const model = makeModel();
    const sub = await fs.mkdtemp(path.join(dir, 'dir-'));
    await expect(saveModel(model, sub)).rejects.toThrow(`saveModel: file: '${sub}' is a directory, expected a model file path`);
    await expect(saveModel(model, path.join(dir, 'no', 'such', 'dir', 'm.safetensors'))).rejects.toThrow(/^saveModel: file: cannot write '.*m\.safetensors': ENOENT/);
  });

  it('a normalizer that does not fit the model is refused before writing', async () => {
    const model = makeModel();
    model.normalizer = Normalizer.fit(new Float32Array([1, 2, 3, 4, 5, 6]), 3);
    const target = path.join(dir, 'bad-normalizer.safetensors');
    await expect(saveModel(model, target)).rejects.toThrow(/^saveModel: model\.normalizer: was fitted on 3 features, but the model's input has 4/);
    model.normalizer = { features: 4 } as never;
    await expect(saveModel(model, target)).rejects.toThrow(/^saveModel: model\.normalizer: expected a Normalizer/);
    await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);
  });
  it('a model whose state cannot be taken is reported as such, and nothing is written', async () => {
    const model = makeModel();
    vi.spyOn(model, 'exportState').mockRejectedValue(new Error('boom'));
    const sub = await fs.mkdtemp(path.join(dir, 'state-'));
    await expect(saveModel(model, path.join(sub, 'm.safetensors'))).rejects.toThrow('saveModel: model: could not take its state: boom');
    expect(await fs.readdir(sub)).toEqual([]);
  });
});

describe('loadModel arguments', () => {
  it('file must be a non-empty path string naming a file', async () => {
    await expect(loadModel(42 as never)).rejects.toThrow('loadModel: file: expected a non-empty path string, got 42');
    await expect(loadModel('')).rejects.toThrow("loadModel: file: expected a non-empty path string, got the string ''");
    await expect(loadModel(dir)).rejects.toThrow(`loadModel: file: '${dir}' is a directory, expected a model file path`);
    const missing = path.join(dir, 'missing.safetensors');
    const e = await loadModel(missing).catch((x) => x);
    expect(e.message).toBe(`loadModel: file: '${missing}' does not exist (ENOENT)`);
    expect(e.code).toBe('ENOENT');
  });

  it('options must be an options object with known keys and valid values', async () => {
    await expect(loadModel(file, null as never)).rejects.toThrow('loadModel options: expected an options object, got null');
    await expect(loadModel(file, 5 as never)).rejects.toThrow('loadModel options: expected an options object, got 5');
    await expect(loadModel(file, { backnd: 'native' } as never)).rejects.toThrow("loadModel options: unknown option 'backnd' (did you mean 'backend'?)");
    await expect(loadModel(file, { thread: 2 } as never)).rejects.toThrow("loadModel options: unknown option 'thread' (did you mean 'threads'?)");
    await expect(loadModel(file, { backend: 'gpu' } as never)).rejects.toThrow(/^loadModel options\.backend: expected 'native' \| 'reference', got the string 'gpu'/);
    await expect(loadModel(file, { threads: 0 })).rejects.toThrow('loadModel options.threads: must be an integer in [1, 1024], got 0');
    await expect(loadModel(file, { threads: 1.5 })).rejects.toThrow(/^loadModel options\.threads: must be an integer/);
    // Valid options load.
    const m = await loadModel(file, { backend: 'reference', threads: 1 });
    expect(m.backend.name).toBe('reference');
    await expect(loadModel(file, {})).resolves.toBeDefined();
    await expect(loadModel(file, undefined)).resolves.toBeDefined();
  });
});
