// Normalizer: per-feature mean and population standard deviation from the training set only,
// the same statistics applied to dev/test, zero-variance features, width and value checks,
// JSON round trips, and travelling with the model through saveModel/loadModel.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dense, loadModel, Normalizer, relu, saveModel, sequential, split } from '../../src';
import { normals } from '../model/helpers';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-normalizer-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** m rows of 2 features: feature j is mean[j] + std[j]·N(0, 1). */
function gaussian(seed: number, m: number, mean: [number, number], std: [number, number]): Float32Array {
  const z = normals(seed, m * 2);
  for (let i = 0; i < m; i++) for (let j = 0; j < 2; j++) z[i * 2 + j] = mean[j] + std[j] * z[i * 2 + j];
  return z;
}

/** Column mean and population std of [m, n] in f64. */
function columnStats(x: ArrayLike<number>, n: number): { mean: number[]; std: number[] } {
  const m = x.length / n;
  const mean = new Array(n).fill(0);
  const sq = new Array(n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mean[j] += x[i * n + j] / m;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sq[j] += (x[i * n + j] - mean[j]) ** 2 / m;
  return { mean, std: sq.map(Math.sqrt) };
}

describe('Normalizer.fit', () => {
  it('computes the per-feature mean and the population standard deviation (not the variance, not m − 1)', () => {
    // Feature 0: 1, 2, 3, 4 → mean 2.5, population σ = √1.25 (sample σ would be √(5/3), variance 1.25).
    // Feature 1: 10, 10, 30, 30 → mean 20, σ = 10 (variance 100).
    const n = Normalizer.fit([[1, 10], [2, 10], [3, 30], [4, 30]], 2);
    expect(n.features).toBe(2);
    expect(Array.from(n.mean)).toEqual([2.5, 20]);
    expect(n.std[0]).toBeCloseTo(Math.sqrt(1.25), 14);
    expect(n.std[1]).toBeCloseTo(10, 12);
  });

  it('makes the training data mean 0 and standard deviation 1 per feature', () => {
    const x = gaussian(1, 500, [10, -5], [2, 0.5]);
    const n = Normalizer.fit(x, 2);
    const t = n.transform(x);
    expect(t).toBeInstanceOf(Float32Array);
    const s = columnStats(t, 2);
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(s.mean[j])).toBeLessThan(1e-5);
      expect(s.std[j]).toBeCloseTo(1, 5);
    }
    // Matches the formula element by element.
    for (let i = 0; i < x.length; i++) expect(t[i]).toBe(Math.fround((x[i] - n.mean[i % 2]) / n.std[i % 2]));
  });

  it('takes Float32Array, Float64Array, flat number[] and nested rows alike', () => {
    const rows = [[1, 4], [2, 8], [6, 0]];
    const flat = rows.flat();
    const a = Normalizer.fit(rows, 2).toJSON();
    expect(Normalizer.fit(flat, 2).toJSON()).toEqual(a);
    expect(Normalizer.fit(Float64Array.from(flat), 2).toJSON()).toEqual(a);
    expect(Normalizer.fit(Float32Array.from(flat), 2).toJSON()).toEqual(a);
  });

  it('handles a zero-variance feature: σ stays 0 in the statistics and the feature is divided by 1', () => {
    // 0.1 is not exact in binary: the naive mean of three 0.1s is 0.10000000000000002.
    const x = Float64Array.from([0.1, 1, 0.1, 2, 0.1, 3]);
    const n = Normalizer.fit(x, 2);
    expect(n.mean[0]).toBe(0.1);
    expect(n.std[0]).toBe(0);
    const t = n.transform(x);
    expect([t[0], t[2], t[4]]).toEqual([0, 0, 0]);
    expect(t.every(Number.isFinite)).toBe(true);
    // Off-training values shift by the mean only.
    expect(n.transform([0.6, 2])[0]).toBeCloseTo(0.5, 6);
    // A single training row makes every feature constant.
    const one = Normalizer.fit([[3, -7]], 2);
    expect(Array.from(one.std)).toEqual([0, 0]);
    expect(Array.from(one.transform([[3, -7], [4, -5]]))).toEqual([0, 0, 1, 2]);
  });

  it('does not modify its input', () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    const n = Normalizer.fit(x, 2);
    const t = n.transform(x);
    expect(Array.from(x)).toEqual([1, 2, 3, 4]);
    expect(t).not.toBe(x);
  });
});

describe('the statistics come from train only', () => {
  // Train and dev/test come from different distributions, so statistics fitted on anything
  // but train give different numbers.
  const train = gaussian(2, 400, [10, -5], [2, 0.5]);
  const dev = gaussian(3, 200, [100, 50], [30, 5]);
  const test = gaussian(4, 200, [-40, 0], [1, 10]);

  it('dev/test are transformed with the training mean and σ, not their own', () => {
    const n = Normalizer.fit(train, 2);
    const own = columnStats(train, 2);
    for (let j = 0; j < 2; j++) {
      expect(n.mean[j]).toBeCloseTo(own.mean[j], 4);
      expect(n.std[j]).toBeCloseTo(own.std[j], 4);
    }
    for (const other of [dev, test]) {
      const t = n.transform(other);
      for (let i = 0; i < other.length; i++) expect(t[i]).toBe(Math.fround((other[i] - n.mean[i % 2]) / n.std[i % 2]));
      // So they are not standardized to mean 0, σ 1 (which refitting on them would do).
      const s = columnStats(t, 2);
      expect(Math.max(...s.mean.map(Math.abs))).toBeGreaterThan(5);
    }
    // Their transformed statistics are their own shifted and scaled by train's: (μ_dev − μ)/σ, σ_dev/σ.
    for (const other of [dev, test]) {
      const raw = columnStats(other, 2);
      const d = columnStats(n.transform(other), 2);
      for (let j = 0; j < 2; j++) {
        expect(d.mean[j]).toBeCloseTo((raw.mean[j] - n.mean[j]) / n.std[j], 3);
        expect(d.std[j]).toBeCloseTo(raw.std[j] / n.std[j], 3);
      }
    }
  });

  it('transforming dev/test never changes the fitted statistics', () => {
    const n = Normalizer.fit(train, 2);
    const before = n.toJSON();
    const trainT = n.transform(train);
    n.transform(dev);
    n.transform(test);
    expect(n.toJSON()).toEqual(before);
    expect(Array.from(n.transform(train))).toEqual(Array.from(trainT));
  });

  it('a split pipeline: fit on split().train.x, apply to dev and test', () => {
    const all = new Float32Array(train.length + dev.length);
    all.set(train);
    all.set(dev, train.length);
    const labels = new Int32Array(all.length / 2).map((_, i) => i % 2);
    const parts = split(all, labels, { train: 0.5, dev: 0.25, test: 0.25 }, { seed: 1 });
    const n = Normalizer.fit(parts.train.x, 2);
    const fromTrain = columnStats(parts.train.x, 2);
    const fromAll = columnStats(all, 2);
    expect(n.mean[0]).toBeCloseTo(fromTrain.mean[0], 3);
    expect(Math.abs(n.mean[0] - fromAll.mean[0])).toBeGreaterThan(0.5); // train's rows only
    const t = n.transform(parts.dev.x);
    const r = parts.dev.x;
    for (let i = 0; i < r.length; i++) expect(t[i]).toBe(Math.fround((r[i] - n.mean[i % 2]) / n.std[i % 2]));
  });
});

describe('Normalizer bad input', () => {
  const n = Normalizer.fit([[1, 2, 3], [4, 5, 9]], 3);

  it('applied to the wrong width: names x and both widths', () => {
    expect(() => n.transform([[1, 2], [3, 4]])).toThrow(/^Normalizer\.transform: x: normalizer applied to the wrong width: x has 2 features, the normalizer was fitted on 3$/);
    expect(() => n.transform(new Float32Array(8), 4)).toThrow(/^Normalizer\.transform: x: normalizer applied to the wrong width: x has 4 features, the normalizer was fitted on 3$/);
    expect(() => n.transform(new Float32Array(4))).toThrow(/^Normalizer\.transform: x: normalizer applied to the wrong width \(3 features\): 4 values is not a whole number of rows of 3 features \(expected shape \[m, 3\]\)$/);
    expect(() => n.transform([[1, 2, 3], [1, 2]])).toThrow(/^Normalizer\.transform: x: normalizer applied to the wrong width \(3 features\): row 1 has 2 values, expected 3$/);
  });

  it('non-finite values, empty data and non-arrays', () => {
    expect(() => n.transform([1, 2, NaN])).toThrow(/^Normalizer\.transform: x: element 2 is NaN, expected a finite number$/);
    expect(() => n.transform(Float64Array.from([1, Infinity, 3]))).toThrow(/^Normalizer\.transform: x: element 1 is Infinity, expected a finite number$/);
    expect(() => n.transform([])).toThrow(/^Normalizer\.transform: x: is empty; expected shape \[m, 3\] with m ≥ 1$/);
    expect(() => n.transform('abc' as unknown as number[])).toThrow(/^Normalizer\.transform: x: expected a Float32Array, Float64Array or array of rows, got the string 'abc'$/);
    expect(() => n.transform([1, 2, 3], 0)).toThrow(/^Normalizer\.transform: features: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => n.transform([1, 2, 3], '3' as never)).toThrow(/^Normalizer\.transform: features: expected an integer in \[1, 1000000000\], got the string '3'$/);
  });

  it('fit: bad features, bad x', () => {
    expect(() => Normalizer.fit([1, 2], 0)).toThrow(/^Normalizer\.fit: features: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => Normalizer.fit([1, 2], 1.5)).toThrow(/^Normalizer\.fit: features: must be an integer in \[1, 1000000000\], got 1\.5$/);
    expect(() => Normalizer.fit([1, 2], undefined as unknown as number)).toThrow(/^Normalizer\.fit: features: expected an integer in \[1, 1000000000\], got undefined$/);
    expect(() => Normalizer.fit([1, 2], Infinity)).toThrow(/^Normalizer\.fit: features: must be an integer in \[1, 1000000000\], got Infinity$/);
    expect(() => Normalizer.fit([1, 2, 3], 2)).toThrow(/^Normalizer\.fit: x: 3 values is not a whole number of rows of 2 features \(expected shape \[m, 2\]\)$/);
    expect(() => Normalizer.fit(new Float32Array(0), 2)).toThrow(/^Normalizer\.fit: x: is empty; expected shape \[m, 2\] with m ≥ 1$/);
    expect(() => Normalizer.fit([[1, NaN]], 2)).toThrow(/^Normalizer\.fit: x: element 1 is NaN, expected a finite number$/);
    expect(() => Normalizer.fit({} as unknown as number[], 2)).toThrow(/^Normalizer\.fit: x: expected a Float32Array, Float64Array or array of rows, got an Object$/);
  });

  it('fit: a mistyped width is refused before anything is allocated for it', () => {
    // Nested rows used to allocate rows × features first: 1e9 features made an 8 GB array.
    expect(() => Normalizer.fit([[1, 2]], 1e9)).toThrow(/^Normalizer\.fit: x: row 0 has 2 values, expected 1000000000$/);
    expect(() => Normalizer.fit([[1, 2]], 2e9)).toThrow(/^Normalizer\.fit: features: must be an integer in \[1, 1000000000\], got 2000000000$/);
  });

  it('detached and shared buffers', () => {
    const x = Float64Array.from([1, 2, 3, 4]);
    structuredClone(x.buffer, { transfer: [x.buffer] });
    expect(() => Normalizer.fit(x, 2)).toThrow(/^Normalizer\.fit: x: its ArrayBuffer is detached/);
    const shared = new Float32Array(new SharedArrayBuffer(16));
    shared.set([1, 2, 3, 6]);
    expect(Array.from(Normalizer.fit(shared, 2).mean)).toEqual([2, 4]);
  });
});

describe('Normalizer JSON', () => {
  it('round-trips exactly through JSON text', () => {
    const x = gaussian(5, 50, [3, 1e4], [0.1, 300]);
    const n = Normalizer.fit(x, 2);
    const back = Normalizer.fromJSON(JSON.parse(JSON.stringify(n)));
    expect(Array.from(back.mean)).toEqual(Array.from(n.mean));
    expect(Array.from(back.std)).toEqual(Array.from(n.std));
    expect(Array.from(back.transform(x))).toEqual(Array.from(n.transform(x)));
  });

  it.each([
    ['null', null, /^Normalizer\.fromJSON: json: expected an object \{ features, mean, std \}, got null$/],
    ['an array', [1, 2], /^Normalizer\.fromJSON: json: expected an object/],
    ['missing features', { mean: [0], std: [1] }, /^Normalizer\.fromJSON: json\.features: expected an integer in \[1, 1000000000\], got undefined$/],
    ['an unknown field', { features: 1, mean: [0], std: [1], scale: [1] }, /^Normalizer\.fromJSON: json: unknown field 'scale' \(known: features, mean, std\)$/],
    ['missing mean', { features: 1, std: [1] }, /^Normalizer\.fromJSON: json\.mean: expected an array of 1 numbers, got undefined$/],
    ['a short std', { features: 2, mean: [0, 0], std: [1] }, /^Normalizer\.fromJSON: json\.std: has 1 values, expected 2/],
    ['a negative std', { features: 2, mean: [0, 0], std: [1, -1] }, /^Normalizer\.fromJSON: json\.std\[1\]: expected a finite number ≥ 0, got -1/],
    ['a null mean (NaN in JSON)', { features: 1, mean: [null], std: [1] }, /^Normalizer\.fromJSON: json\.mean\[0\]: expected a finite number, got null/],
    ['a string value', { features: 1, mean: ['0'], std: [1] }, /^Normalizer\.fromJSON: json\.mean\[0\]: expected a finite number, got the string '0'/],
  ])('fromJSON rejects %s', (_, json, message) => {
    expect(() => Normalizer.fromJSON(json)).toThrow(message);
  });
});

describe('the normalizer travels with the model', () => {
  const model = () => sequential({ inputSize: 2, seed: 1, threads: 1, layers: [dense(4), relu(), dense(2)] });
  const x = gaussian(6, 40, [5, -3], [2, 7]);

  it('saveModel stores it and loadModel restores it', async () => {
    const m = model();
    m.normalizer = Normalizer.fit(x, 2);
    const file = path.join(dir, 'with.safetensors');
    await saveModel(m, file);
    const bytes = await fs.readFile(file);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    expect(JSON.parse(header.__metadata__.normalizer)).toEqual(m.normalizer.toJSON());
    const loaded = await loadModel(file);
    expect(loaded.normalizer).toBeInstanceOf(Normalizer);
    expect(loaded.normalizer!.toJSON()).toEqual(m.normalizer.toJSON());
    expect(Array.from(loaded.normalizer!.transform(x))).toEqual(Array.from(m.normalizer.transform(x)));
  });

  it('a file without one (older files) loads with no normalizer', async () => {
    const file = path.join(dir, 'without.safetensors');
    await saveModel(model(), file);
    const bytes = await fs.readFile(file);
    expect(bytes.toString('utf8', 8, 8 + Number(bytes.readBigUInt64LE(0)))).not.toContain('normalizer');
    const loaded = await loadModel(file);
    expect(loaded.normalizer).toBeUndefined();
  });

  it('is not applied by predict: the model only carries it', async () => {
    const m = model();
    const before = await m.predict(x);
    m.normalizer = Normalizer.fit(x, 2);
    const after = await m.predict(x);
    expect(Array.from(after.probabilities)).toEqual(Array.from(before.probabilities));
  });

  it('saveModel rejects a normalizer of the wrong width or type; loadModel rejects a broken one', async () => {
    const m = model();
    m.normalizer = Normalizer.fit([[1, 2, 3]], 3);
    await expect(saveModel(m, path.join(dir, 'bad.safetensors'))).rejects.toThrow(/model\.normalizer: was fitted on 3 features, but the model's input has 2/);
    m.normalizer = { features: 2 } as unknown as Normalizer;
    await expect(saveModel(m, path.join(dir, 'bad.safetensors'))).rejects.toThrow(/model\.normalizer: expected a Normalizer/);

    m.normalizer = Normalizer.fit(x, 2);
    const good = path.join(dir, 'good.safetensors');
    await saveModel(m, good);
    const bytes = await fs.readFile(good);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    const rewrite = async (name: string, value: string) => {
      const h = JSON.parse(JSON.stringify(header));
      h.__metadata__.normalizer = value;
      let json = JSON.stringify(h);
      json += ' '.repeat((8 - (json.length % 8)) % 8);
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
      const file = path.join(dir, `${name}.safetensors`);
      await fs.writeFile(file, Buffer.concat([prefix, Buffer.from(json), bytes.subarray(8 + n)]));
      return loadModel(file);
    };
    // The rewrite itself keeps a good file loadable.
    await expect(rewrite('same', header.__metadata__.normalizer)).resolves.toBeDefined();
    await expect(rewrite('not-json', '{oops')).rejects.toThrow(/not a valid tunenet model file: metadata\.normalizer is not valid JSON/);
    await expect(rewrite('neg-std', JSON.stringify({ features: 2, mean: [0, 0], std: [1, -2] }))).rejects.toThrow(
      /not a valid tunenet model file: .*normalizer\.std\[1\]: expected a finite number ≥ 0, got -2$/,
    );
    await expect(rewrite('wide', JSON.stringify({ features: 3, mean: [0, 0, 0], std: [1, 1, 1] }))).rejects.toThrow(
      /not a valid tunenet model file: .*normalizer:? has 3 features, but the (architecture's )?input has 2$/,
    );
  });
});
