// Regression: a 'linear' output with mse, mae or huber (means over every entry), real-valued
// targets [m] or [m, k], evaluate's MAE/RMSE/R², checked against the reference backend, by
// gradient checking, on a problem with a known answer, through save/load and bad input.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adam, dense, gradientCheck, loadModel, relu, saveModel, sequential, tanh, type RegressionLoss } from '../../src';
import { normals } from '../model/helpers';

/** y = X·w + 0.5 + noise(σ), with `outputs` columns (the second is 2·first − 1). */
function linearProblem(seed: number, m: number, features = 3, outputs = 1, noise = 0.1) {
  const x = normals(seed, m * features);
  const e = normals(seed + 100, m * outputs, noise);
  const w = [1.5, -2, 0.75, 0.3, -0.2].slice(0, features);
  const y = new Float32Array(m * outputs);
  for (let i = 0; i < m; i++) {
    let v = 0.5;
    for (let j = 0; j < features; j++) v += w[j] * x[i * features + j];
    for (let k = 0; k < outputs; k++) y[i * outputs + k] = (k === 0 ? v : 2 * v - 1) + e[i * outputs + k];
  }
  return { x, y, features, outputs };
}

const LOSSES: RegressionLoss[] = ['mse', 'mae', 'huber'];

describe('regression models', () => {
  it.each(LOSSES)('%s: learns a noisy linear function; evaluate reports loss, MAE, RMSE and R²', async (loss) => {
    const train = linearProblem(1, 400);
    const test = linearProblem(2, 200);
    const model = sequential({ inputSize: 3, seed: 1, threads: 1, output: 'linear', loss, optimizer: adam({ learningRate: 0.01 }), layers: [dense(16), relu(), dense(1)] });
    const history = await model.fit(train.x, train.y, { epochs: 60, batchSize: 32, validation: test });
    const r = await model.evaluate(test.x, test.y);
    // The noise has σ = 0.1 and the targets a spread of ~2.6: a good fit is near the noise.
    expect(r.rmse).toBeLessThan(0.3);
    expect(r.r2).toBeGreaterThan(0.98);
    expect(r.mae).toBeLessThanOrEqual(r.rmse + 1e-12);
    if (loss === 'mse') expect(r.loss).toBeCloseTo(r.rmse ** 2, 5);
    if (loss === 'mae') expect(r.loss).toBeCloseTo(r.mae, 5);
    // Accuracy does not exist for regression; the history has losses only.
    expect(history.epochs[0].trainAccuracy).toBeUndefined();
    expect(history.epochs[0].devAccuracy).toBeUndefined();
    expect(history.epochs.at(-1)!.devLoss).toBeCloseTo(r.loss, 6);
    // Predictions are the outputs: their RMSE against the targets is evaluate's.
    const { values } = await model.predict(test.x);
    let sq = 0;
    for (let i = 0; i < values.length; i++) sq += (values[i] - test.y[i]) ** 2;
    expect(Math.sqrt(sq / values.length)).toBeCloseTo(r.rmse, 5);
  });

  it('multi-output targets [m, 2], as a flat array or as rows', async () => {
    const train = linearProblem(3, 300, 3, 2);
    const model = sequential({ inputSize: 3, seed: 2, threads: 1, output: 'linear', optimizer: adam({ learningRate: 0.02 }), layers: [dense(16), tanh(), dense(2)] });
    await model.fit(train.x, train.y, { epochs: 40, batchSize: 32 });
    const flat = await model.evaluate(train.x, train.y);
    const rows = Array.from({ length: 300 }, (_, i) => [train.y[2 * i], train.y[2 * i + 1]]);
    const nested = await model.evaluate(train.x, rows);
    expect(nested).toEqual(flat);
    expect(flat.r2).toBeGreaterThan(0.95);
    expect((await model.predict(train.x)).values).toHaveLength(600);
  });

  it('native and reference agree step by step for every regression loss', async () => {
    const data = linearProblem(4, 24, 3, 2, 1);
    for (const loss of [...LOSSES, { kind: 'huber' as const, delta: 0.3 }]) {
      const make = (backend: 'native' | 'reference') =>
        sequential({ inputSize: 3, seed: 5, threads: 1, backend, output: 'linear', loss, optimizer: adam({ learningRate: 0.05 }), layers: [dense(6), tanh(), dense(2)] });
      const [n, r] = [make('native'), make('reference')];
      for (let step = 0; step < 5; step++) {
        const a = n.trainStep(data.x, data.y);
        const b = r.trainStep(data.x, data.y);
        expect(a.loss).toBeCloseTo(b.loss, 5);
      }
      const [pn, pr] = [(await n.predict(data.x)).values, (await r.predict(data.x)).values];
      for (let i = 0; i < pn.length; i++) expect(Math.abs(pn[i] - pr[i])).toBeLessThan(1e-4 * (1 + Math.abs(pr[i])));
    }
  });

  it.each([...LOSSES, 'huber δ 0.2'])('%s passes the gradient check (f64, < 1e-7)', (name) => {
    const loss = name === 'huber δ 0.2' ? { kind: 'huber' as const, delta: 0.2 } : (name as RegressionLoss);
    const data = linearProblem(6, 5, 3, 2, 1);
    const model = sequential({ inputSize: 3, seed: 7, threads: 1, output: 'linear', loss, layers: [dense(4, { l2: 0.1 }), tanh(), dense(2)] });
    const r = gradientCheck(model, data.x, data.y);
    expect(r.relativeDifference).toBeLessThan(1e-7);
  });

  it('history.diagnosis judges losses against the dev loss', async () => {
    const train = linearProblem(8, 60);
    const dev = linearProblem(9, 60);
    // A model that cannot fit (learning rate 0): high bias in loss terms.
    const model = sequential({ inputSize: 3, seed: 1, threads: 1, output: 'linear', optimizer: adam({ learningRate: 0 }), layers: [dense(2), dense(1)] });
    const h = await model.fit(train.x, train.y, { epochs: 1, validation: dev, baseError: 0.01 });
    const d = h.diagnosis!;
    expect(d.scale).toBe('loss');
    expect(d.baseError).toBe(0.01);
    expect(d.trainError).toBeCloseTo((await model.evaluate(train.x, train.y)).loss, 10);
    expect(d.devError).toBeCloseTo(h.epochs[0].devLoss!, 10);
    expect(d.verdict).toMatch(/high bias/);
  });

  it('evaluate takes extra metrics by name', async () => {
    const data = linearProblem(10, 50);
    const model = sequential({ inputSize: 3, seed: 1, threads: 1, output: 'linear', layers: [dense(1)] });
    const r = await model.evaluate(data.x, data.y, { metrics: ['mse', 'r2'] });
    expect(r.metrics!.mse as number).toBeCloseTo(r.rmse ** 2, 10);
    expect(r.metrics!.r2).toBeCloseTo(r.r2, 10);
  });

  it('saves and loads the loss and Huber δ', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-regression-'));
    try {
      const data = linearProblem(11, 40);
      const model = sequential({ inputSize: 3, seed: 3, threads: 1, output: 'linear', loss: { kind: 'huber', delta: 0.25 }, layers: [dense(4), relu(), dense(1)] });
      await model.fit(data.x, data.y, { epochs: 2 });
      const file = path.join(dir, 'huber.safetensors');
      await saveModel(model, file);
      const loaded = await loadModel<'linear'>(file, { threads: 1 });
      expect(loaded.architecture).toEqual(model.architecture);
      expect(loaded.architecture.lossDelta).toBe(0.25);
      expect(await loaded.evaluate(data.x, data.y)).toEqual(await model.evaluate(data.x, data.y));
      const a = model.trainStep(data.x, data.y);
      const b = loaded.trainStep(data.x, data.y);
      expect(b).toEqual(a);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad regression input naming the argument', async () => {
    const data = linearProblem(12, 10);
    const model = sequential({ inputSize: 3, seed: 1, threads: 1, output: 'linear', layers: [dense(1)] });
    await expect(model.fit(data.x, Float32Array.of(...data.y.subarray(0, 9), NaN))).rejects.toThrow(/^fit: y: element 9 is NaN, expected a finite target/);
    await expect(model.fit(data.x, data.y.subarray(0, 9))).rejects.toThrow(/^fit: y: has 9 values for 10 examples of 1 target; expected \[10\]/);
    await expect(model.evaluate(data.x, [[1, 2]] as never)).rejects.toThrow(/^evaluate: y: has 1 rows for 10 examples/);
    await expect(model.fit(data.x, data.y, { earlyStopping: { monitor: 'devAccuracy' }, validation: data })).rejects.toThrow(/^fit: earlyStopping\.monitor: expected 'devLoss' \| 'trainLoss'/);
    await expect(model.fit(data.x, data.y, { baseError: -1 })).rejects.toThrow(/^fit: baseError: must be a finite number ≥ 0/);
    await expect(model.evaluate(data.x, data.y, { metrics: ['acuracy'] })).rejects.toThrow(/^computeMetrics: names\[0\]: unknown metric 'acuracy'/);
    expect(() => sequential({ inputSize: 3, output: 'linear', loss: 'msle' as never, layers: [dense(1)] })).toThrow(/^sequential: loss: expected 'mse' \| 'mae' \| 'huber', got the string 'msle'/);
    expect(() => sequential({ inputSize: 3, output: 'linear', loss: { kind: 'huber', delta: 0 }, layers: [dense(1)] })).toThrow(/^sequential: loss\.delta: must be a finite number > 0, got 0/);
    expect(() => sequential({ inputSize: 3, output: 'softmax', loss: 'mse', layers: [dense(2)] })).toThrow(/^sequential: loss: a 'softmax' output always uses its cross-entropy/);
    expect(() => sequential({ inputSize: 3, output: 'linear', loss: { kind: 'huber', delt: 1 } as never, layers: [dense(1)] })).toThrow(/^sequential options\.loss: unknown option 'delt' \(did you mean 'delta'\?\)/);
  });
});
