// predictSync (issue 13, inference): predict on the calling thread for small inputs. It must give
// exactly predict's answer (same forward, evaluation mode, any thread count) on both backends and
// for every output kind, check its input as predict does (width, non-finite values named by row
// and column), copy a SharedArrayBuffer before checking it, and be refused while the model is busy.
import { describe, expect, it } from 'vitest';
import { adam, batchNorm, dense, dropout, relu, sequential, tanh, type Sequential } from '../../src';
import { blobs, normals } from './helpers';

const data = blobs(4, 20, 3, 5); // 60 rows, 5 features, 3 classes

async function trained(output: 'softmax' | 'sigmoid' | 'linear', backend: 'native' | 'reference', threads: number) {
  const outputs = output === 'softmax' ? 3 : output === 'sigmoid' ? 1 : 2;
  const model = sequential({
    inputSize: 5,
    seed: 7,
    threads,
    backend,
    output,
    ...(output === 'linear' ? { loss: 'mse' as const } : {}),
    optimizer: adam({ learningRate: 0.01 }),
    layers: [dense(16), batchNorm(), relu(), dropout({ keepProb: 0.8 }), dense(8), tanh(), dense(outputs)],
  });
  const y =
    output === 'softmax' ? data.y : output === 'sigmoid' ? Int32Array.from(data.y, (c) => (c === 0 ? 1 : 0)) : normals(3, 60 * outputs);
  await (model as Sequential<'softmax'>).fit(data.x, y as Int32Array, { epochs: 3, batchSize: 16 });
  return model;
}

describe('predictSync', () => {
  for (const backend of ['native', 'reference'] as const) {
    for (const output of ['softmax', 'sigmoid', 'linear'] as const) {
      it(`equals predict bitwise (${backend}, ${output}, 1 and 2 threads, batch 1, 60 and 300)`, async () => {
        // 300 rows: the native core multiplies by packed weights from 128 rows on (on CPUs with
        // AVX2 and no AVX-512), its rows split over the threads; the bits must not depend on it.
        const many = new Float32Array(300 * 5).map((_, i) => data.x[i % data.x.length] * (1 + (i % 7) / 10));
        const byThreads: Float32Array[] = [];
        for (const threads of [1, 2]) {
          const model = await trained(output, backend, threads);
          for (const rows of [1, 60, 300]) {
            const x = rows === 300 ? many : data.x.slice(0, rows * 5);
            // Through the thread pool: a call already queued on the model keeps predict off the
            // calling thread (an idle model runs one this small inline, i.e. as predictSync).
            const queued = model.exportState();
            const asyncResult = await model.predict(x);
            await queued;
            const syncResult = model.predictSync(x);
            expect(syncResult).toEqual(asyncResult);
            expect(await model.predict(x)).toEqual(asyncResult);
            // A plain array of rows is accepted as predict accepts it.
            if (rows === 1) expect(model.predictSync([Array.from(x)])).toEqual(asyncResult);
            if (rows === 300) byThreads.push(output === 'linear' ? (asyncResult as { values: Float32Array }).values : (asyncResult as { probabilities: Float32Array }).probabilities);
          }
        }
        // Training and predicting give the same bits on 1 thread as on 2.
        expect(byThreads[1]).toEqual(byThreads[0]);
      });
    }
  }

  it('on mostly-zero rows (the packed kernel skips columns zero in a whole tile) gives the reference backend\'s values and the same bits on 1 and 2 threads', async () => {
    // 300 rows of 96 features, ~80 % of them ±0 (every 13th row all zero), as images or one-hot
    // features are: the native kernel leaves out the steps over k that add only zeros.
    const features = 96;
    let s = 99;
    const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    const x = new Float32Array(300 * features).map((_, i) => {
      const r = next();
      return Math.floor(i / features) % 13 === 5 || r < 0.4 ? 0 : r < 0.8 ? -0 : next() * 2 - 1;
    });
    const build = (backend: 'native' | 'reference', threads: number) =>
      sequential({ inputSize: features, seed: 3, threads, backend, output: 'linear', loss: 'mse', layers: [dense(64), relu(), dense(32), relu(), dense(4)] });
    const reference = build('reference', 1);
    const weights = reference.getWeights();
    const results: Float32Array[] = [];
    for (const threads of [1, 2]) {
      const native = build('native', threads);
      native.setWeights(weights);
      results.push(native.predictSync(x).values, (await native.predict(x)).values);
    }
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    const want = reference.predictSync(x).values;
    let worst = 0;
    want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - results[0][i]) / (1e-3 + Math.abs(v)))));
    expect(worst).toBeLessThan(1e-4);
  });

  it('checks its input as predict does, naming the argument, the row and the column', async () => {
    const model = await trained('softmax', 'native', 1);
    expect(() => model.predictSync(new Float32Array(7))).toThrow(/^predictSync: x: /);
    const x = data.x.slice(0, 10);
    x[7] = NaN;
    expect(() => model.predictSync(x)).toThrow('predictSync: x: element 7 (row 1, column 2) is NaN, expected a finite number');
    x[7] = -Infinity;
    expect(() => model.predictSync(x)).toThrow('predictSync: x: element 7 (row 1, column 2) is -Infinity, expected a finite number');
  });

  it('reads a SharedArrayBuffer once (copied, then checked) and leaves the model as it was', async () => {
    const model = await trained('softmax', 'native', 1);
    const before = JSON.stringify(await model.exportState());
    const shared = new Float32Array(new SharedArrayBuffer(5 * 4));
    shared.set(data.x.subarray(0, 5));
    expect(model.predictSync(shared)).toEqual(await model.predict(data.x.slice(0, 5)));
    expect(JSON.stringify(await model.exportState())).toBe(before);
  });

  it('is refused while a fit runs, and works once it ended', async () => {
    const model = await trained('softmax', 'native', 1);
    const fitting = model.fit(data.x, data.y, { epochs: 2 });
    expect(() => model.predictSync(data.x.slice(0, 5))).toThrow(/^predictSync: model is busy/);
    await fitting;
    expect(model.predictSync(data.x.slice(0, 5)).classes.length).toBe(1);
  });
});

describe("predict's paths", () => {
  it('a small input on an idle model runs inline (predictSync); one queued behind another call, or a larger one, goes to the pool', async () => {
    for (const backend of ['native', 'reference'] as const) {
      const model = await trained('softmax', backend, 2);
      const handle = (model as unknown as { handle: Record<string, (...a: unknown[]) => unknown> }).handle;
      const calls: string[] = [];
      let depth = 0; // the reference backend's predictRows calls its predictSync: count the outer call
      for (const name of ['predictSync', 'predictRows']) {
        const original = handle[name].bind(handle);
        handle[name] = (...a: unknown[]) => {
          if (depth++ === 0) calls.push(name);
          try {
            return original(...a);
          } finally {
            depth--;
          }
        };
      }
      const one = data.x.slice(0, 5);
      const inline = await model.predict(one);
      expect(calls).toEqual(['predictSync']);
      const queued = model.exportState();
      expect(await model.predict(one)).toEqual(inline);
      await queued;
      expect(calls).toEqual(['predictSync', 'predictRows']);
      // Rows × parameters over 2^23 multiply-adds: the pass is worth the hop.
      const many = new Float32Array(5 * Math.ceil(2 ** 23 / model.countParams() + 1));
      await model.predict(many);
      expect(calls).toEqual(['predictSync', 'predictRows', 'predictRows']);
      // During a fit, predict waits for the epoch instead of running inline.
      const fitting = model.fit(data.x, data.y, { epochs: 1 });
      await model.predict(one);
      expect(calls.at(-1)).toBe('predictRows');
      await fitting;
    }
  });


  it('finds a non-finite value in any row of a batch the packed kernel reads, in predict (on the pool, 1 or 2 threads) and predictSync', async () => {
    // 600 rows × 300 features: over the packed kernel's 128 rows, and over predict's inline work,
    // so predict goes through predictRows. The kernel's sums vouch for finite rows; a row with
    // NaN or ±∞ makes them non-finite, and the rows are then scanned for the first one.
    for (const threads of [1, 2]) {
      const model = sequential({ inputSize: 300, seed: 4, threads, layers: [dense(64), relu(), dense(3)] });
      const rows = 600;
      const x = normals(12, rows * 300);
      const before = await model.predict(x);
      const calls: string[] = [];
      const handle = (model as unknown as { handle: Record<string, (...args: unknown[]) => unknown> }).handle;
      const predictRows = handle.predictRows.bind(handle);
      handle.predictRows = (...args: unknown[]) => (calls.push('predictRows'), predictRows(...args));
      for (const [at, value, word] of [
        [599 * 300 + 299, -Infinity, '-Infinity'],
        [300 * 300, Infinity, 'Infinity'],
        [17, NaN, 'NaN'],
      ] as const) {
        const bad = x.slice();
        bad[at] = value;
        if (at < bad.length - 1) bad[bad.length - 1] = NaN; // a later one is not named
        const where = `element ${at} (row ${Math.floor(at / 300)}, column ${at % 300}) is ${word}`;
        await expect(model.predict(bad)).rejects.toThrow(`predict: x: ${where}, expected a finite number`);
        expect(() => model.predictSync(bad)).toThrow(`predictSync: x: ${where}, expected a finite number`);
      }
      expect(calls).toHaveLength(3);
      expect((await model.predict(x)).probabilities).toEqual(before.probabilities);
      expect(model.predictSync(x).probabilities).toEqual(before.probabilities);
    }
  });

  it('inputs up to 4 MiB (one copy, one task) and larger ones (a data set in chunks) give the same rows, on both backends', async () => {
    for (const backend of ['native', 'reference'] as const) {
      const model = sequential({ inputSize: 300, seed: 3, threads: 1, backend, layers: [dense(8), relu(), dense(3)] });
      const rows = 3600; // 1.08 M values: over the one-copy limit of 2^20
      const x = normals(9, rows * 300);
      const big = await model.predict(x);
      const small = await model.predict(x.subarray(0, 100 * 300));
      expect(Array.from(big.probabilities.subarray(0, 300))).toEqual(Array.from(small.probabilities));
      expect(Array.from(big.classes.subarray(0, 100))).toEqual(Array.from(small.classes));
      // Both word a non-finite input the same way.
      const bad = x.slice(0, 100 * 300);
      bad[301] = NaN;
      await expect(model.predict(bad)).rejects.toThrow('predict: x: element 301 (row 1, column 1) is NaN, expected a finite number');
      const badBig = x.slice();
      badBig[301] = NaN;
      await expect(model.predict(badBig)).rejects.toThrow('predict: x: element 301 (row 1, column 1) is NaN, expected a finite number');
    }
  });
});
