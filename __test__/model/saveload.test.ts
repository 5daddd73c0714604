// Model files: save → load round trips bit for bit, resumed training matches uninterrupted
// training, corrupt files are rejected clearly, and writes are atomic.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adam, batchNorm, dense, dropout, inverseTimeDecay, loadModel, relu, saveModel, sequential, type Sequential } from '../../src';
import { blobs, bytesOf, snapshot } from './helpers';
import { pack, unpack } from '../io/helpers';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-saveload-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const data = blobs(7, 40, 3, 4); // 120 examples
const test = blobs(8, 20, 3, 4);

function makeModel(seed = 5): Sequential {
  return sequential({
    inputSize: 4,
    seed,
    threads: 1,
    optimizer: adam({ learningRate: 0.01 }),
    layers: [dense(16, { l2: 0.01 }), batchNorm({ momentum: 0.9 }), relu(), dropout({ keepProb: 0.8 }), dense(8), relu(), dense(3)],
  });
}

async function trainedModel(): Promise<Sequential> {
  const model = makeModel();
  await model.fit(data.x, data.y, { epochs: 3, batchSize: 16 });
  return model;
}

describe('save → load', () => {
  it('predicts bitwise identically and restores every tensor, the step and the RNG states', async () => {
    const model = await trainedModel();
    const file = path.join(dir, 'roundtrip.tunenet');
    await saveModel(model, file);
    const loaded = await loadModel(file, { threads: 1 });

    const before = await model.predict(test.x);
    const after = await loaded.predict(test.x);
    expect(bytesOf(after.probabilities).equals(bytesOf(before.probabilities))).toBe(true);
    expect(Array.from(after.classes)).toEqual(Array.from(before.classes));

    const a = snapshot(model);
    const b = snapshot(loaded);
    // All tensors, including optimizer state and running statistics, came back.
    for (const name of ['0.W', '0.W.v', '0.W.s', '1.gamma', '1.beta.s', '1.runningMean', '1.runningVar', '6.b', '6.b.v']) {
      expect(a.tensors.has(name), name).toBe(true);
    }
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
    for (const [name, values] of a.tensors) {
      expect(bytesOf(b.tensors.get(name)!).equals(bytesOf(values)), name).toBe(true);
    }
    // Training moved them away from their initial values (the round trip is not vacuous).
    expect(a.tensors.get('1.runningMean')!.some((v) => v !== 0)).toBe(true);
    expect(a.tensors.get('0.W.s')!.some((v) => v !== 0)).toBe(true);
    expect(b.step).toBe(a.step);
    expect(b.step).toBe(3 * 8);
    expect(b.dropoutRng).toEqual(a.dropoutRng);
    expect(b.shuffleRng).toEqual(a.shuffleRng);
    expect(loaded.architecture).toEqual(model.architecture);
    expect(loaded.optimizer).toEqual(model.optimizer);
    expect(loaded.tensors()).toEqual(model.tensors());
  });

  it('resuming from a file gives the same parameters as training straight through', async () => {
    const N = 6;
    const k = 2;
    const schedule = inverseTimeDecay(0.5);
    const options = { batchSize: 16, schedule };

    const straight = makeModel(9);
    const hs = await straight.fit(data.x, data.y, { ...options, epochs: N });

    const first = makeModel(9);
    const h1 = await first.fit(data.x, data.y, { ...options, epochs: k });
    const file = path.join(dir, 'resume.tunenet');
    await saveModel(first, file);
    const resumed = await loadModel(file, { threads: 1 });
    const h2 = await resumed.fit(data.x, data.y, { ...options, epochs: N - k, initialEpoch: k });

    expect([...h1.epochs, ...h2.epochs].map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...h1.epochs, ...h2.epochs].map((e) => e.learningRate)).toEqual(hs.epochs.map((e) => e.learningRate));
    expect([...h1.epochs, ...h2.epochs].map((e) => e.trainLoss)).toEqual(hs.epochs.map((e) => e.trainLoss));
    const a = snapshot(straight);
    const b = snapshot(resumed);
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
    for (const [name, values] of a.tensors) {
      expect(bytesOf(b.tensors.get(name)!).equals(bytesOf(values)), name).toBe(true);
    }
    expect(b.step).toBe(a.step);
    expect(b.dropoutRng).toEqual(a.dropoutRng);
    expect(b.shuffleRng).toEqual(a.shuffleRng);
  });

  it('an unfinished run with early stopping resumes from a file exactly (training state and best.* weights are saved)', async () => {
    const options = { batchSize: 16, validation: test, earlyStopping: { monitor: 'devLoss' as const, patience: 100 } };
    const straight = makeModel(13);
    const hs = await straight.fit(data.x, data.y, { ...options, epochs: 6 });

    const first = makeModel(13);
    const stopAt = 2;
    await first.fit(data.x, data.y, { ...options, epochs: 6, onEpochEnd: (log, control) => void (log.epoch === stopAt && control.stop()) });
    const file = path.join(dir, 'resume-early-stopping.tunenet');
    await saveModel(first, file);
    const bytes = await fs.readFile(file);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    expect(JSON.parse(header.__metadata__.training).epoch).toBe(stopAt + 1);
    expect(Object.keys(header).filter((k) => k.startsWith('best.')).length).toBeGreaterThan(0);

    const resumed = await loadModel(file, { threads: 1 });
    expect(resumed.trainingState).toEqual(first.trainingState);
    expect(resumed.bestWeights?.map((t) => t.name)).toEqual(first.bestWeights?.map((t) => t.name));
    const h2 = await resumed.fit(data.x, data.y, { ...options, epochs: 6 - (stopAt + 1), initialEpoch: stopAt + 1 });
    expect(h2.epochs.map((e) => e.devLoss)).toEqual(hs.epochs.slice(stopAt + 1).map((e) => e.devLoss));
    expect(h2.bestEpoch).toBe(hs.bestEpoch);
    const a = snapshot(straight);
    const b = snapshot(resumed);
    for (const [name, values] of a.tensors) expect(bytesOf(b.tensors.get(name)!).equals(bytesOf(values)), name).toBe(true);
  });

  it('the resume check is sensitive: a fresh model with the saved weights but new RNG streams diverges', async () => {
    // Same weights and optimizer state, but the shuffle/dropout generators restarted from the
    // seed: training must differ, which is why the file saves the RNG states.
    const N = 4;
    const k = 2;
    const straight = makeModel(9);
    await straight.fit(data.x, data.y, { batchSize: 16, epochs: N });
    const first = makeModel(9);
    await first.fit(data.x, data.y, { batchSize: 16, epochs: k });
    const fresh = makeModel(9);
    for (const t of first.tensors()) fresh.setTensor(t.layer, t.name, first.getTensor(t.layer, t.name));
    fresh.handle.setStep(first.handle.getStep());
    await fresh.fit(data.x, data.y, { batchSize: 16, epochs: N - k, initialEpoch: k });
    expect(bytesOf(fresh.getTensor(0, 'W')).equals(bytesOf(straight.getTensor(0, 'W')))).toBe(false);
  });

  it('writes atomically: only the target file is left in the directory, and saving again replaces it', async () => {
    const sub = await fs.mkdtemp(path.join(dir, 'atomic-'));
    const model = await trainedModel();
    const file = path.join(sub, 'model.safetensors');
    await saveModel(model, file);
    expect(await fs.readdir(sub)).toEqual(['model.safetensors']);
    const first = await fs.readFile(file);
    await model.fit(data.x, data.y, { epochs: 1 });
    await saveModel(model, file);
    expect(await fs.readdir(sub)).toEqual(['model.safetensors']);
    const second = await fs.readFile(file);
    expect(second.equals(first)).toBe(false);
    const loaded = await loadModel(file);
    expect(bytesOf(loaded.getTensor(0, 'W')).equals(bytesOf(model.getTensor(0, 'W')))).toBe(true);
  });

  it('a failed save leaves no temporary file behind', async () => {
    const sub = await fs.mkdtemp(path.join(dir, 'failed-'));
    const model = makeModel();
    // The target is an existing non-empty directory: rename over it fails.
    const target = path.join(sub, 'taken');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'keep'), 'x');
    await expect(saveModel(model, target)).rejects.toThrow();
    expect(await fs.readdir(sub)).toEqual(['taken']);
  });

  it('writes a safetensors layout (8-byte length, JSON header with F32 tensors and string metadata)', async () => {
    const model = makeModel();
    const file = path.join(dir, 'layout.safetensors');
    await saveModel(model, file);
    const bytes = await fs.readFile(file);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect((8 + n) % 8).toBe(0);
    expect(header['layers.0.W']).toEqual({ dtype: 'F32', shape: [4, 16], data_offsets: expect.any(Array) });
    const [s, e] = header['layers.0.W'].data_offsets;
    const w = new Float32Array(new Uint8Array(bytes.subarray(8 + n + s, 8 + n + e)).buffer);
    expect(bytesOf(w).equals(bytesOf(model.getTensor(0, 'W')))).toBe(true);
    for (const v of Object.values(header.__metadata__)) expect(typeof v).toBe('string');
    expect(header.__metadata__.format).toBe('tunenet');
  });
});

describe('corrupt files are rejected', () => {
  let good: Buffer;
  beforeAll(async () => {
    const model = await trainedModel();
    const file = path.join(dir, 'good.tunenet');
    await saveModel(model, file);
    good = await fs.readFile(file);
  });

  const headerOf = (bytes: Buffer) => {
    const n = Number(bytes.readBigUInt64LE(0));
    return { header: JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')), data: bytes.subarray(8 + n) };
  };
  /** Rebuilds the file with an edited header (new length prefix, same data bytes). */
  const withHeader = (bytes: Buffer, edit: (h: Record<string, any>) => void): Buffer => {
    const { header, data } = headerOf(bytes);
    edit(header);
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    return Buffer.concat([prefix, Buffer.from(json), data]);
  };
  const rejects = async (name: string, bytes: Buffer, detail?: RegExp) => {
    const file = path.join(dir, `${name}.tunenet`);
    await fs.writeFile(file, bytes);
    const p = loadModel(file);
    await expect(p).rejects.toThrow(Error);
    await expect(p).rejects.toThrow(/not a valid tunenet model file/);
    if (detail) await expect(p).rejects.toThrow(detail);
  };

  it('the unmodified file loads (the corruptions below are what breaks it)', async () => {
    const file = path.join(dir, 'good-copy.tunenet');
    await fs.writeFile(file, good);
    await expect(loadModel(file)).resolves.toBeDefined();
    // And the edit helper alone, without an edit, keeps it loadable.
    await fs.writeFile(file, withHeader(good, () => {}));
    await expect(loadModel(file)).resolves.toBeDefined();
  });

  it('truncated file', async () => {
    await rejects('truncated', good.subarray(0, good.length - 10), /truncated/);
    await rejects('truncated-one-byte', good.subarray(0, good.length - 1));
    await rejects('truncated-in-header', good.subarray(0, 40));
  });

  it('garbage bytes', async () => {
    await rejects('garbage-text', Buffer.from('this is certainly not a neural network, just some text\n'.repeat(4)));
    let s = 99;
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      random[i] = s >>> 24;
    }
    await rejects('garbage-random', random);
    // A plausible length prefix followed by garbage that is not JSON.
    const small = Buffer.alloc(64, 0x7a);
    small.writeBigUInt64LE(32n);
    await rejects('garbage-header', small, /does not start with "\{"/);
    small[8] = 0x7b; // `{zzz…`
    await rejects('garbage-json', small, /not valid JSON/);
  });

  it('header length larger than the file', async () => {
    const bytes = Buffer.from(good);
    bytes.writeBigUInt64LE(BigInt(bytes.length));
    await rejects('long-header', bytes, /header claims/);
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(0xffffffffffffffffn);
    await rejects('huge-header', huge);
  });

  it('wrong dtype', async () => {
    // The byte count no longer matches the offsets: a container error.
    await rejects('dtype', withHeader(good, (h) => (h['layers.0.W'].dtype = 'F16')), /F16 takes 128 bytes/);
    await rejects('dtype-f64', withHeader(good, (h) => (h['layers.1.runningVar'].dtype = 'F64')), /F64/);
    // A consistent F16 tensor (half the bytes): a valid container, but tunenet files are F32.
    const u = unpack(good);
    const w = u.tensors.find((t) => t.name === 'layers.0.W')!;
    w.entry.dtype = 'F16';
    w.bytes = w.bytes.subarray(0, w.bytes.length / 2);
    await rejects('dtype-consistent', pack(u), /tensor 'layers\.0\.W' has dtype F16, expected F32/);
  });

  it('wrong shape', async () => {
    await rejects('shape', withHeader(good, (h) => (h['layers.0.W'].shape = [16, 4])), /shape/);
    await rejects('shape-size', withHeader(good, (h) => (h['layers.0.W'].shape = [4, 15])), /shape/);
    // Consistent header but architecture and data disagree: a layer made wider in the metadata.
    await rejects(
      'arch-shape',
      withHeader(good, (h) => {
        const arch = JSON.parse(h.__metadata__.architecture);
        arch.layers[0].units = 17;
        h.__metadata__.architecture = JSON.stringify(arch);
      }),
      /shape/,
    );
  });

  it('missing tensor', async () => {
    // Removing an entry alone leaves its bytes to no tensor; removing both is a valid container.
    await rejects('missing-entry', withHeader(good, (h) => delete h['layers.6.b']), /belong to no tensor/);
    const without = (name: string) => {
      const u = unpack(good);
      return pack({ ...u, tensors: u.tensors.filter((t) => t.name !== name) });
    };
    await rejects('missing', without('layers.6.b'), /layers\.6\.b.*missing/);
    await rejects('missing-state', without('layers.1.runningMean'), /missing/);
  });

  it('empty file', async () => {
    await rejects('empty', Buffer.alloc(0), /0 bytes/);
  });

  it('other broken headers: overlapping data, unknown tensor, missing metadata, bad step, non-finite values', async () => {
    await rejects(
      'overlap',
      withHeader(good, (h) => (h['layers.0.W.v'].data_offsets = [...h['layers.0.W'].data_offsets])),
      /overlap/,
    );
    await rejects('unknown-overlapping', withHeader(good, (h) => (h['layers.9.W'] = h['layers.0.W'])), /overlaps/);
    const u = unpack(good);
    u.tensors.push({ ...u.tensors[0], name: 'layers.9.W' });
    await rejects('unknown', pack(u), /'layers\.9\.W': not a tensor of this architecture/);
    await rejects('no-meta', withHeader(good, (h) => delete h.__metadata__), /format/);
    await rejects('bad-step', withHeader(good, (h) => (h.__metadata__.step = '-3')), /step/);
    await rejects('bad-arch', withHeader(good, (h) => (h.__metadata__.architecture = '{nope')), /architecture/);
    // A NaN in the data: the backend refuses it, reported as a corrupt file.
    const { header } = headerOf(good);
    const n = Number(good.readBigUInt64LE(0));
    const nan = Buffer.from(good);
    nan.writeFloatLE(Number.NaN, 8 + n + header['layers.0.W'].data_offsets[0]);
    await rejects('nan', nan, /finite/);
  });

  it('a path that is not a string is a TypeError naming the argument', async () => {
    await expect(loadModel(42 as unknown as string)).rejects.toThrow(/file/);
    await expect(loadModel('')).rejects.toThrow(/file/);
    await expect(loadModel(path.join(dir, 'does-not-exist.tunenet'))).rejects.toThrow(/^loadModel: file: .*does not exist \(ENOENT\)/);
  });
});
