// Loading reads the header first and the tensors one at a time: a hostile length is refused
// before anything large is read, and no file is read whole (so size is not limited to a Buffer).
import * as nodeFs from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adam, batchNorm, dense, loadModel, relu, saveModel, sequential } from '../../src';
import { parseJsonStrict, readF32, readHeader } from '../../src/io/safetensors';
import { bytesOf, snapshot } from '../model/helpers';
import { fullModel, pack, unpack, withHeaderText } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-loading-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

/** A sparse file of `size` bytes (no disk blocks, reads as zeros) that starts with `head`. */
async function sparseFile(name: string, size: number, head: Buffer): Promise<string> {
  const file = path.join(dir, name);
  const handle = await fs.open(file, 'w');
  await handle.truncate(size);
  await handle.write(head, 0, head.length, 0);
  await handle.close();
  return file;
}

describe('the header is read and checked before anything else', () => {
  it('a sparse 512 MiB file claiming a 2^63-byte header is rejected without reading it', async () => {
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(2n ** 63n);
    const file = await sparseFile('huge-length.safetensors', 512 * MiB, prefix);
    const before = process.memoryUsage().rss;
    await expect(loadModel(file)).rejects.toThrow(/^loadModel: .*huge-length\.safetensors is not a valid tunenet model file: the header claims 9223372036854775808 bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * MiB);
  });

  it('a header length within the file but over the format limit (100 MB) is rejected without reading it', async () => {
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(400 * MiB));
    const file = await sparseFile('long-header.safetensors', 512 * MiB, prefix);
    const before = process.memoryUsage().rss;
    await expect(loadModel(file)).rejects.toThrow(/over the format's limit/);
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * MiB);
  });

  it('a valid header followed by 512 MiB of trailing zeros is rejected after reading only the header', async () => {
    const good = await fs.readFile(await saved('trailing-src.safetensors'));
    const file = await sparseFile('trailing-sparse.safetensors', 512 * MiB, good);
    const before = process.memoryUsage().rss;
    await expect(loadModel(file)).rejects.toThrow(/belong to no tensor \(trailing data\)/);
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * MiB);
  });

  it('loadModel never reads a file whole (no fs.readFile)', async () => {
    const file = await saved('no-readfile.safetensors');
    const spy = vi.spyOn(nodeFs.promises, 'readFile');
    try {
      await loadModel(file);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

async function saved(name: string): Promise<string> {
  const file = path.join(dir, name);
  await saveModel(await fullModel(), file);
  return file;
}

describe('tensors are read one at a time into their own arrays', () => {
  it('readF32 assembles a tensor from many chunk reads (the path files over 2 GiB take)', async () => {
    const file = await saved('chunks.safetensors');
    const bytes = await fs.readFile(file);
    const handle = await fs.open(file, 'r');
    try {
      const header = await readHeader(handle, bytes.length);
      const w = header.tensors.find((t) => t.name === 'layers.0.W')!;
      const reads = vi.spyOn(handle, 'read');
      const chunked = await readF32(handle, header, w, 12); // 12-byte chunks: 256 bytes → 22 reads
      expect(reads.mock.calls.length).toBe(Math.ceil(256 / 12));
      const whole = await readF32(handle, header, w);
      expect(bytesOf(chunked).equals(bytesOf(whole))).toBe(true);
      expect(bytesOf(whole).equals(bytes.subarray(header.dataStart + w.offsets[0], header.dataStart + w.offsets[1]))).toBe(true);
      expect(whole.byteOffset).toBe(0); // its own aligned buffer, not a view into a file buffer
    } finally {
      await handle.close();
    }
  });

  it('a moderately large model (≈ 50 MB file) round-trips bitwise', { timeout: 120_000 }, async () => {
    const model = sequential({ inputSize: 1000, seed: 3, threads: 1, optimizer: adam(), layers: [dense(4000), relu(), dense(10)] });
    const file = path.join(dir, 'large.safetensors');
    await saveModel(model, file);
    expect((await fs.stat(file)).size).toBeGreaterThan(45 * MiB);
    const loaded = await loadModel(file, { threads: 1 });
    const a = snapshot(model);
    const b = snapshot(loaded);
    for (const [name, values] of a.tensors) expect(bytesOf(b.tensors.get(name)!).equals(bytesOf(values)), name).toBe(true);
  });
});

describe('container checks (safetensors.ts)', () => {
  it('parseJsonStrict refuses duplicate keys at any depth and accepts what JSON.parse accepts otherwise', () => {
    expect(parseJsonStrict('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}')).toEqual({ a: 1, b: { a: 2 }, c: [{ a: 3 }, { a: 4 }] });
    expect(parseJsonStrict('{"s":"a\\"b,{\\"x\\":1,\\"x\\":2}","t":"\\\\"}')).toEqual({ s: 'a"b,{"x":1,"x":2}', t: '\\' });
    expect(() => parseJsonStrict('{"a":1,"a":2}')).toThrow(/duplicate key "a"/);
    expect(() => parseJsonStrict('{"x":{"a":1,"b":[1,{"c":1}],"a":2}}')).toThrow(/duplicate key "a"/);
    expect(() => parseJsonStrict('[{"k":1,"k":1}]')).toThrow(/duplicate/);
    expect(() => parseJsonStrict('{"\\u0061":1,"a":2}')).toThrow(/duplicate key "a"/); // the same key, escaped
    expect(() => parseJsonStrict('{"a":1')).toThrow(SyntaxError);
  });

  it('the header of a written file tiles its data section exactly', async () => {
    const bytes = await fs.readFile(await saved('tiling.safetensors'));
    const u = unpack(bytes);
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    let offset = 0;
    for (const t of u.tensors) {
      expect(t.entry.data_offsets).toEqual([offset, offset + t.bytes.length]);
      offset += t.bytes.length;
    }
    expect(8 + n + offset).toBe(bytes.length);
    // The test's own packer reproduces the file byte for byte (so edited files differ only in the edit).
    expect(pack(u).equals(bytes)).toBe(true);
    expect(withHeaderText('{}', Buffer.alloc(0)).length % 8).toBe(0);
  });
});

describe('older file versions', () => {
  it('a file with an initScale its init ignored (written before initScale was checked) loads, the scale dropped', async () => {
    const model = sequential({ inputSize: 4, seed: 3, threads: 1, layers: [dense(6, { init: 'random', initScale: 0.3 }), relu(), dense(5), batchNorm(), relu(), dense(3)] });
    const file = path.join(dir, 'initScale.safetensors');
    await saveModel(model, file);
    const u = unpack(await fs.readFile(file));
    const architecture = JSON.parse(u.metadata!.architecture);
    expect(architecture.layers[2].init).toBe('varianceScaling'); // the default before batch norm, written out
    // As an older tunenet wrote them: a scale for he (named, and by default) and for glorot.
    architecture.layers[0] = { ...architecture.layers[0], init: 'he' };
    architecture.layers[2] = { ...architecture.layers[2], init: 'glorot', initScale: 0.5 };
    architecture.layers[5] = { ...architecture.layers[5], initScale: 2 };
    const old = path.join(dir, 'initScale-old.safetensors');
    await fs.writeFile(old, pack({ ...u, metadata: { ...u.metadata, architecture: JSON.stringify(architecture) } }));
    expect(() => sequential({ inputSize: 4, threads: 1, layers: architecture.layers })).toThrow(/initScale: init 'he' takes no scale/);
    const loaded = await loadModel(old, { threads: 1 });
    const layers = (await loaded.exportState()).architecture.layers as Array<Record<string, unknown>>;
    expect(layers[0]).toEqual({ kind: 'dense', units: 6, init: 'he' });
    expect(layers[2]).toMatchObject({ init: 'glorot' });
    expect(layers[2].initScale).toBeUndefined();
    expect(layers[5].initScale).toBeUndefined();
    // The weights are the file's.
    expect(loaded.getTensor(0, 'W')).toEqual(model.getTensor(0, 'W'));
    // A scale its init takes is kept.
    expect(((await (await loadModel(file)).exportState()).architecture.layers[0] as Record<string, unknown>).initScale).toBe(0.3);
  });

  it("a version 1 file keeps the batch-norm momentum it trained with (0.99, the default then); version 2 has today's 0.9", async () => {
    const model = sequential({ inputSize: 4, seed: 3, threads: 1, layers: [dense(6), batchNorm(), relu(), dense(5), batchNorm({ momentum: 0.5 }), relu(), dense(3)] });
    const file = path.join(dir, 'v2.safetensors');
    await saveModel(model, file);
    const u = unpack(await fs.readFile(file));
    expect(u.metadata!.version).toBe('2');
    const v1 = path.join(dir, 'v1.safetensors');
    await fs.writeFile(v1, pack({ ...u, metadata: { ...u.metadata, version: '1' } }));
    const momenta = async (f: string) =>
      (await (await loadModel(f)).exportState()).architecture.layers.filter((l) => l.kind === 'batchNorm').map((l) => (l as { momentum?: number }).momentum);
    expect(await momenta(v1)).toEqual([0.99, 0.5]); // the default written out, a given value kept
    expect(await momenta(file)).toEqual([undefined, 0.5]); // today's default, 0.9
    // And it trains as it did: one epoch from each differs only through that momentum.
    const [a, b] = [await loadModel(v1), await loadModel(file)];
    const x = new Float32Array(32 * 4).map((_, i) => Math.sin(i));
    const y = Int32Array.from({ length: 32 }, (_, i) => i % 3);
    await a.fit(x, y, { epochs: 1, batchSize: 8 });
    await b.fit(x, y, { epochs: 1, batchSize: 8 });
    const runningMean = async (m: typeof a) => Array.from(m.getTensor(1, 'runningMean'));
    const start = Array.from(model.getTensor(1, 'runningMean')); // zeros
    const [ra, rb] = [await runningMean(a), await runningMean(b)];
    expect(ra).not.toEqual(rb);
    // After 4 steps from zero the running mean is (1 − m^4)-weighted: smaller with m = 0.99.
    const norm = (v: number[]) => Math.hypot(...v.map((x, i) => x - start[i]));
    expect(norm(ra)).toBeLessThan(norm(rb));
  });
});
