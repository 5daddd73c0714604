// Training learns: every optimizer, every batching mode, reproducible from the seed, early
// stopping, learning-rate schedules, gradient norms and gradient clipping.
import { describe, expect, it } from 'vitest';
import {
  adam,
  adamw,
  batchNorm,
  cosineDecay,
  dense,
  dropout,
  exponentialDecay,
  gd,
  inverseTimeDecay,
  linearWarmup,
  momentum,
  nesterov,
  reduceOnPlateau,
  relu,
  rmsprop,
  sequential,
  stepDecay,
  type OptimizerConfig,
  type Schedule,
  type ScheduleContext,
} from '../../src';
import { accuracy, blobs, bytesOf, distance, weights } from './helpers';

const train = blobs(1, 50, 3, 4, 2, 1); // 150 examples
const test = blobs(2, 50, 3, 4, 2, 1);

const net = (optimizer: OptimizerConfig = adam({ learningRate: 0.01 }), seed = 1) =>
  sequential({ inputSize: 4, seed, threads: 1, optimizer, layers: [dense(16), relu(), dense(3)] });

describe('training learns', () => {
  it('the task is not solved before training', async () => {
    const e = await net().evaluate(test.x, test.y);
    expect(e.accuracy).toBeLessThan(0.8);
  });

  it.each([
    ['gd', gd({ learningRate: 0.1 })],
    ['momentum', momentum({ learningRate: 0.1 })],
    ['nesterov', nesterov({ learningRate: 0.1 })],
    ['rmsprop', rmsprop({ learningRate: 0.01 })],
    ['adam', adam({ learningRate: 0.01 })],
    ['adamw', adamw({ learningRate: 0.01 })],
  ] as [string, OptimizerConfig][])('%s reaches > 95%% test accuracy on blobs', async (_name, optimizer) => {
    const model = net(optimizer);
    const before = await model.evaluate(test.x, test.y);
    const history = await model.fit(train.x, train.y, { epochs: 25, batchSize: 16 });
    const after = await model.evaluate(test.x, test.y);
    expect(after.accuracy).toBeGreaterThan(0.95);
    expect(after.loss).toBeLessThan(before.loss / 2);
    expect(history.epochs[24].trainLoss).toBeLessThan(history.epochs[0].trainLoss);
    expect(history.epochs[24].trainAccuracy).toBeGreaterThan(0.9);
    // predict agrees with evaluate.
    const p = await model.predict(test.x);
    expect(accuracy(p.classes, test.y)).toBeCloseTo(after.accuracy, 12);
    // Probabilities are rows summing to 1.
    for (let i = 0; i < 5; i++) expect(p.probabilities[3 * i] + p.probabilities[3 * i + 1] + p.probabilities[3 * i + 2]).toBeCloseTo(1, 5);
  });

  it('the optimizers really differ (each kind has its own update rule)', async () => {
    const finals = await Promise.all(
      [gd(), momentum(), nesterov(), rmsprop(), adam(), adamw()].map(async (o) => {
        const model = net(o);
        await model.fit(train.x, train.y, { epochs: 2, batchSize: 16 });
        return bytesOf(model.getTensor(0, 'W')).toString('hex');
      }),
    );
    expect(new Set(finals).size).toBe(6);
  });

  it('a net with batch norm and dropout learns too', async () => {
    const model = sequential({
      inputSize: 4,
      seed: 2,
      threads: 1,
      optimizer: adam({ learningRate: 0.01 }),
      layers: [dense(32), batchNorm(), relu(), dropout({ keepProb: 0.8 }), dense(3)],
    });
    await model.fit(train.x, train.y, { epochs: 25, batchSize: 16 });
    expect((await model.evaluate(test.x, test.y)).accuracy).toBeGreaterThan(0.95);
  });

  it('a sigmoid-output net learns a binary task', async () => {
    const two = blobs(3, 75, 2, 4, 2, 1);
    const model = sequential({ inputSize: 4, output: 'sigmoid', seed: 1, threads: 1, optimizer: adam({ learningRate: 0.01 }), layers: [dense(8), relu(), dense(1)] });
    await model.fit(two.x, two.y, { epochs: 25, batchSize: 16 });
    const t = blobs(4, 50, 2, 4, 2, 1);
    expect((await model.evaluate(t.x, t.y)).accuracy).toBeGreaterThan(0.95);
    const p = await model.predict(t.x);
    expect(Array.from(p.classes)).toEqual(Array.from(p.probabilities, (q) => (q > 0.5 ? 1 : 0)));
  });
});

describe('batching', () => {
  it('batch GD (batchSize = m): one step per epoch, and it learns', async () => {
    const model = net(adam({ learningRate: 0.05 }));
    const h = await model.fit(train.x, train.y, { epochs: 100, batchSize: 150 });
    expect(h.epochs.every((e) => e.steps === 1)).toBe(true);
    expect(model.handle.getStep()).toBe(100);
    expect((await model.evaluate(test.x, test.y)).accuracy).toBeGreaterThan(0.95);
    // Without shuffling effects, batch GD's loss goes down monotonically at a small rate.
    const small = net(gd({ learningRate: 0.05 }));
    const hs = await small.fit(train.x, train.y, { epochs: 10, batchSize: 150 });
    for (let i = 1; i < 10; i++) expect(hs.epochs[i].trainLoss).toBeLessThan(hs.epochs[i - 1].trainLoss);
  });

  it('SGD (batchSize = 1): m steps per epoch, and it learns', async () => {
    const model = net(gd({ learningRate: 0.02 }));
    const h = await model.fit(train.x, train.y, { epochs: 3, batchSize: 1 });
    expect(h.epochs.map((e) => e.steps)).toEqual([150, 150, 150]);
    expect(model.handle.getStep()).toBe(450);
    expect((await model.evaluate(test.x, test.y)).accuracy).toBeGreaterThan(0.95);
  });

  it('a partial last batch: ceil(m/b) steps, floor(m/b) with dropLast', async () => {
    const a = net();
    const ha = await a.fit(train.x, train.y, { epochs: 2, batchSize: 32 });
    expect(ha.epochs.map((e) => e.steps)).toEqual([5, 5]); // ceil(150/32)
    expect(a.handle.getStep()).toBe(10);
    const b = net();
    const hb = await b.fit(train.x, train.y, { epochs: 2, batchSize: 32, dropLast: true });
    expect(hb.epochs.map((e) => e.steps)).toEqual([4, 4]); // floor(150/32)
    expect(b.handle.getStep()).toBe(8);
    const c = net();
    const hc = await c.fit(train.x, train.y, { epochs: 1, batchSize: 50, dropLast: true });
    expect(hc.epochs[0].steps).toBe(3); // exact multiple: nothing dropped
    const big = net();
    expect((await big.fit(train.x, train.y, { epochs: 1, batchSize: 1000 })).epochs[0].steps).toBe(1);
  });

  it('the partial last batch is trained on; with dropLast (no shuffle) those examples are never seen', async () => {
    // Change the labels of the last 22 examples (150 = 4·32 + 22).
    const altered = Int32Array.from(train.y, (c, i) => (i >= 128 ? (c + 1) % 3 : c));
    const run = async (labels: Int32Array, dropLast: boolean) => {
      const model = net();
      await model.fit(train.x, labels, { epochs: 3, batchSize: 32, shuffle: false, dropLast });
      return bytesOf(model.getTensor(0, 'W'));
    };
    expect((await run(altered, true)).equals(await run(train.y, true))).toBe(true);
    expect((await run(altered, false)).equals(await run(train.y, false))).toBe(false);
  });

  it('the epoch loss and accuracy are example-weighted means over the steps', async () => {
    const model = net();
    const chunks: { loss: number; n: number }[] = [];
    const h = await model.fit(train.x, train.y, {
      epochs: 1,
      batchSize: 64, // 64, 64, 22
      onStep: (l) => void chunks.push({ loss: l.loss, n: l.step === 3 ? 22 : 64 }),
    });
    expect(chunks).toHaveLength(3);
    const mean = chunks.reduce((s, c) => s + c.loss * c.n, 0) / 150;
    expect(h.epochs[0].trainLoss).toBeCloseTo(mean, 10);
    expect(h.epochs[0].trainAccuracy * 150).toBeCloseTo(Math.round(h.epochs[0].trainAccuracy * 150), 9);
  });
});

describe('reproducibility', () => {
  const layers = () => [dense(16), batchNorm(), relu(), dropout({ keepProb: 0.7 }), dense(3)];
  const run = async (seed: number) => {
    const model = sequential({ inputSize: 4, seed, threads: 1, layers: layers(), optimizer: adam({ learningRate: 0.01 }) });
    const h = await model.fit(train.x, train.y, { epochs: 4, batchSize: 16, validation: test });
    return { losses: h.epochs.map((e) => [e.trainLoss, e.trainAccuracy, e.devLoss]), W: bytesOf(model.getTensor(0, 'W')) };
  };

  it('same seed → identical history and weights; different seed → different', async () => {
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(b.losses).toEqual(a.losses);
    expect(b.W.equals(a.W)).toBe(true);
    expect(c.losses).not.toEqual(a.losses);
    expect(c.W.equals(a.W)).toBe(false);
  });

  it('the seed drives shuffling too: same initial weights, different shuffle order → different losses', async () => {
    const a = net(adam({ learningRate: 0.01 }), 3);
    const b = net(adam({ learningRate: 0.01 }), 3);
    const ha = await a.fit(train.x, train.y, { epochs: 2, batchSize: 16 });
    const hb = await b.fit(train.x, train.y, { epochs: 2, batchSize: 16, shuffle: false });
    expect(ha.epochs.map((e) => e.trainLoss)).not.toEqual(hb.epochs.map((e) => e.trainLoss));
  });
});

describe('early stopping', () => {
  // A small noisy training set (a quarter of the labels wrong) and a big net: the dev loss falls,
  // then rises as the net memorizes the noise.
  const small = blobs(1, 15, 3, 4, 2, 1.5);
  const noisy = Int32Array.from(small.y, (c, i) => (i % 4 === 0 ? (c + 1) % 3 : c));
  const dev = blobs(2, 30, 3, 4, 2, 1.5);
  const overfitter = () =>
    sequential({
      inputSize: 4,
      seed: 1,
      threads: 1,
      optimizer: adam({ learningRate: 0.02 }),
      // Batch norm so the restore must cover running statistics too.
      layers: [dense(64), batchNorm({ momentum: 0.5 }), relu(), dense(64), relu(), dense(3)],
    });

  async function fitCapturing(restoreBest: boolean) {
    const model = overfitter();
    const captured: Map<string, Float32Array>[] = [];
    const history = await model.fit(small.x, noisy, {
      epochs: 60,
      batchSize: 8,
      validation: dev,
      earlyStopping: { patience: 3, restoreBest },
      onEpochEnd: () => void captured.push(weights(model)),
    });
    return { model, captured, history };
  }

  it('stops after patience epochs without improvement and restores the best epoch', async () => {
    const { model, captured, history } = await fitCapturing(true);
    const devLosses = history.epochs.map((e) => e.devLoss!);
    const best = devLosses.indexOf(Math.min(...devLosses));
    expect(history.stoppedEarly).toBe(true);
    expect(history.bestEpoch).toBe(best);
    // Keras and PyTorch Lightning semantics: with patience 3 the run ends at the 3rd epoch in a
    // row without improvement.
    expect(history.epochs.length).toBe(best + 1 + 3);
    for (let e = best + 1; e < history.epochs.length; e++) expect(devLosses[e]).toBeGreaterThanOrEqual(devLosses[best]);
    expect(history.epochs.length).toBeLessThan(60);
    // The best is not the last epoch, so restoring is observable.
    expect(best).toBeGreaterThan(0);
    expect(best).toBeLessThan(history.epochs.length - 1);
    const now = weights(model);
    expect([...now.keys()]).toContain('1.runningMean');
    expect(distance(now, captured[best])).toBe(0);
    // Every restored tensor matches, the running statistics included (not only overall).
    for (const [name, values] of captured[best]) expect(bytesOf(now.get(name)!).equals(bytesOf(values)), name).toBe(true);
    expect(bytesOf(now.get('1.runningMean')!).equals(bytesOf(captured[captured.length - 1].get('1.runningMean')!))).toBe(false);
    expect(distance(now, captured[captured.length - 1])).toBeGreaterThan(0);
    // The restored model's dev loss is the best epoch's.
    expect((await model.evaluate(dev.x, dev.y)).loss).toBeCloseTo(devLosses[best], 6);
  });

  it('restoreBest: false keeps the last weights', async () => {
    const { model, captured, history } = await fitCapturing(false);
    expect(history.stoppedEarly).toBe(true);
    expect(history.bestEpoch).toBeUndefined();
    expect(distance(weights(model), captured[captured.length - 1])).toBe(0);
  });

  it('a run that ends by running out of epochs keeps its last weights; the best ones wait in model.bestWeights', async () => {
    // The same run as above (identical epochs), cut before patience runs out.
    const full = await fitCapturing(true);
    const best = full.history.bestEpoch!;
    const epochs = best + 2; // the best epoch, then 1 worse epoch: not enough to stop
    const model = overfitter();
    const captured: Map<string, Float32Array>[] = [];
    const history = await model.fit(small.x, noisy, {
      epochs,
      batchSize: 8,
      validation: dev,
      earlyStopping: { patience: 3 },
      onEpochEnd: () => void captured.push(weights(model)),
    });
    expect(history.epochs.map((e) => e.devLoss)).toEqual(full.history.epochs.slice(0, epochs).map((e) => e.devLoss));
    expect(history.stoppedEarly).toBe(false);
    expect(history.bestEpoch).toBeUndefined();
    // Not restored (Keras semantics): the model holds the last epoch's weights…
    const now = weights(model);
    for (const [name, values] of captured[epochs - 1]) expect(bytesOf(now.get(name)!).equals(bytesOf(values)), name).toBe(true);
    expect(distance(now, captured[best])).toBeGreaterThan(0);
    // …and the best epoch's are kept alongside, every weight (not optimizer state), as best.layers.<i>.<name>.
    const kept = new Map(model.bestWeights!.map((t) => [t.name, t.values]));
    expect([...kept.keys()].sort()).toEqual([...captured[best].keys()].map((k) => `best.layers.${k}`).sort());
    for (const [name, values] of captured[best]) expect(bytesOf(kept.get(`best.layers.${name}`)!).equals(bytesOf(values)), name).toBe(true);
    // A run that does stop restores them, as the first test shows; with restoreBest false none are kept.
    const { model: plain } = await fitCapturing(false);
    expect(plain.bestWeights).toBeUndefined();
  });

  it('monitors train metrics and respects minDelta', async () => {
    const model = net(gd({ learningRate: 0.001 }));
    // Tiny steps: the train loss keeps falling, but by less than minDelta.
    const h = await model.fit(train.x, train.y, { epochs: 30, batchSize: 150, earlyStopping: { monitor: 'trainLoss', patience: 2, minDelta: 0.5 } });
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs).toHaveLength(3);
    expect(h.bestEpoch).toBe(0);
  });
});

describe('learning-rate schedules', () => {
  const lrs = async (schedule: Schedule, epochs: number, base = 0.1, extra: object = {}) => {
    const model = net(gd({ learningRate: base }));
    const h = await model.fit(train.x, train.y, { epochs, batchSize: 50, schedule, ...extra });
    return h.epochs.map((e) => e.learningRate);
  };
  const close = (actual: number[], expected: number[]) => {
    expect(actual).toHaveLength(expected.length);
    actual.forEach((a, i) => expect(a, `epoch ${i}`).toBeCloseTo(expected[i], 12));
  };

  it('the default is constant', async () => {
    expect(await lrs(undefined as unknown as Schedule, 3)).toEqual([0.1, 0.1, 0.1]);
  });

  it('inverseTimeDecay(1): α0/(1 + e)', async () => {
    close(await lrs(inverseTimeDecay(1), 5), [0, 1, 2, 3, 4].map((e) => 0.1 / (1 + e)));
    close(await lrs(inverseTimeDecay(0.5, { staircase: 2 }), 5), [0, 0, 1, 1, 2].map((k) => 0.1 / (1 + 0.5 * k)));
  });

  it('stepDecay and exponentialDecay', async () => {
    close(await lrs(stepDecay(0.5, 2), 6), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    close(await lrs(exponentialDecay(0.9), 4), [0.1, 0.09, 0.081, 0.0729]);
  });

  it('cosineDecay: α0 at the start, the minimum at `epochs` and after, the midpoint halfway', async () => {
    const r = await lrs(cosineDecay(4, 0.01), 7);
    expect(r[0]).toBeCloseTo(0.1, 12);
    expect(r[2]).toBeCloseTo((0.1 + 0.01) / 2, 12);
    expect(r[4]).toBeCloseTo(0.01, 12);
    expect(r[5]).toBeCloseTo(0.01, 12);
    expect(r[6]).toBeCloseTo(0.01, 12);
    for (let i = 1; i <= 4; i++) expect(r[i]).toBeLessThan(r[i - 1]);
  });

  it('linearWarmup ramps up to the wrapped schedule', async () => {
    close(await lrs(linearWarmup(4), 6), [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]);
    close(await lrs(linearWarmup(2, stepDecay(0.5, 3)), 5), [0.05, 0.1, 0.1, 0.05, 0.05]);
  });

  it('a user function sees the epoch and its context; initialEpoch continues the schedule', async () => {
    const contexts: (ScheduleContext & { epoch: number })[] = [];
    const user: Schedule = (epoch, c) => {
      contexts.push({ epoch, ...c, monitored: [...c.monitored] });
      return epoch % 2 === 0 ? c.initialLearningRate : c.previousLearningRate / 4;
    };
    const r = await lrs(user, 4);
    close(r, [0.1, 0.025, 0.1, 0.025]);
    expect(contexts.map((c) => c.epoch)).toEqual([0, 1, 2, 3]);
    expect(contexts.map((c) => c.previousLearningRate)).toEqual([0.1, 0.1, 0.025, 0.1]);
    expect(contexts.map((c) => c.monitored.length)).toEqual([0, 1, 2, 3]);
    expect(contexts.every((c) => c.initialLearningRate === 0.1)).toBe(true);
    close(await lrs(inverseTimeDecay(1), 2, 0.1, { initialEpoch: 3 }), [0.1 / 4, 0.1 / 5]);
    // An invalid schedule result is refused.
    await expect(lrs(() => -1, 2)).rejects.toThrow(/^fit: schedule result: must be a finite number ≥ 0, got -1$/);
  });

  it('the scheduled rate is the one used: a zero rate leaves gd weights unchanged', async () => {
    const model = net(gd({ learningRate: 0.1 }));
    const start = weights(model);
    let afterFirst: Map<string, Float32Array> | undefined;
    await model.fit(train.x, train.y, {
      epochs: 3,
      batchSize: 50,
      schedule: (e, c) => (e === 0 ? c.initialLearningRate : 0),
      onEpochEnd: (l) => {
        if (l.epoch === 0) afterFirst = weights(model);
      },
    });
    expect(distance(afterFirst!, start)).toBeGreaterThan(0);
    expect(distance(weights(model), afterFirst!)).toBe(0);
  });

  it('reduceOnPlateau reduces after `patience` epochs without improvement', async () => {
    // Dev labels shifted by one class: the better the net gets, the worse the dev loss, so the
    // monitored metric (dev loss) stops improving right away.
    const wrongDev = { x: test.x, y: Int32Array.from(test.y, (c) => (c + 1) % 3) };
    const model = net(adam({ learningRate: 0.01 }));
    const h = await model.fit(train.x, train.y, {
      epochs: 10,
      batchSize: 16,
      validation: wrongDev,
      schedule: reduceOnPlateau({ factor: 0.5, patience: 2 }),
    });
    const rates = h.epochs.map((e) => e.learningRate);
    const dev = h.epochs.map((e) => e.devLoss!);
    // An independent statement of the rule (Keras' ReduceLROnPlateau with cooldown = patience):
    // before epoch e, reduce when the best of the last `patience` values is no better than the
    // best before them, at most once per `patience` epochs.
    const expected: number[] = [];
    let rate = 0.01;
    let last = 0;
    for (let e = 0; e < 10; e++) {
      if (e - last > 2) {
        const before = Math.min(...dev.slice(0, e - 2));
        const recent = Math.min(...dev.slice(e - 2, e));
        if (!(recent < before)) {
          rate *= 0.5;
          last = e;
        }
      }
      expected.push(rate);
    }
    close(rates, expected);
    expect(rates[0]).toBe(0.01);
    expect(rates[9]).toBeLessThan(0.01 / 2); // it did reduce, more than once
  });

  it('reduceOnPlateau treats a flat metric as no improvement', () => {
    const s = reduceOnPlateau({ factor: 0.5, patience: 2, minLearningRate: 0.2 });
    let previous = 1;
    const seen: number[] = [];
    const rates: number[] = [];
    for (let e = 0; e < 9; e++) {
      previous = s(e, { initialLearningRate: 1, previousLearningRate: previous, monitored: seen });
      rates.push(previous);
      seen.push(3); // exactly the same loss every epoch
    }
    expect(rates).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25].map((r) => Math.max(r, 0.2)));
    // An improving metric is never reduced.
    const t = reduceOnPlateau({ factor: 0.5, patience: 2 });
    const falling: number[] = [];
    for (let e = 0; e < 8; e++) {
      expect(t(e, { initialLearningRate: 1, previousLearningRate: 1, monitored: falling })).toBe(1);
      falling.push(10 - e);
    }
  });

  it('schedule builders reject bad parameters', () => {
    expect(() => inverseTimeDecay(-1)).toThrow(/^inverseTimeDecay: decayRate: /);
    expect(() => stepDecay(0.5, 0)).toThrow(/^stepDecay: every: /);
    expect(() => exponentialDecay(0)).toThrow(/^exponentialDecay: k: /);
    expect(() => cosineDecay(0)).toThrow(/^cosineDecay: epochs: /);
    expect(() => linearWarmup(0)).toThrow(/^linearWarmup: warmupEpochs: /);
    expect(() => reduceOnPlateau({ factor: 1 })).toThrow(/^reduceOnPlateau: factor: /);
  });
});

describe('gradient norms and clipping', () => {
  const layered = (optimizer: OptimizerConfig) =>
    sequential({ inputSize: 4, seed: 4, threads: 1, optimizer, layers: [dense(8), batchNorm(), relu(), dropout({ keepProb: 0.9 }), dense(6), relu(), dense(3)] });

  it('records one norm per layer: 0 for parameter-free layers, > 0 for dense and batch norm', async () => {
    const model = layered(adam());
    const h = await model.fit(train.x, train.y, { epochs: 2, batchSize: 32 });
    for (const e of h.epochs) {
      expect(e.gradNorms).toHaveLength(7);
      expect([1, 2, 3, 5].map((i) => e.gradNorms[i] > 0)).toEqual([true, false, false, false]);
      expect([2, 3, 5].map((i) => e.gradNorms[i])).toEqual([0, 0, 0]);
      for (const i of [0, 1, 4, 6]) expect(e.gradNorms[i]).toBeGreaterThan(0);
    }
  });

  it('a single-step epoch records exactly the L2 norm of each layer’s gradient', async () => {
    const model = layered(gd({ learningRate: 0.1 }));
    const h = await model.fit(train.x, train.y, { epochs: 1, batchSize: 150 });
    const norm = (layer: number, names: string[]) => Math.hypot(...names.flatMap((n) => Array.from(model.getTensor(layer, `${n}.grad`))));
    expect(h.epochs[0].gradNorms[0]).toBeCloseTo(norm(0, ['W']), 5);
    expect(h.epochs[0].gradNorms[1]).toBeCloseTo(norm(1, ['gamma', 'beta']), 5);
    expect(h.epochs[0].gradNorms[6]).toBeCloseTo(norm(6, ['W', 'b']), 5);
    // (=== rather than toEqual: the native side reports −0 for parameter-free layers.)
    const last = Array.from(model.handle.lastGradNorms());
    expect(last.every((v, i) => v === h.epochs[0].gradNorms[i])).toBe(true);
  });

  it('clipNorm bounds the global gradient norm: one gd step at lr 1 moves the parameters by ≤ clipNorm', async () => {
    const params = new Set(['W', 'b', 'gamma', 'beta']);
    const step = async (clipNorm: number | null) => {
      const model = layered(gd({ learningRate: 1 }));
      const start = weights(model, params);
      const h = await model.fit(train.x, train.y, { epochs: 1, batchSize: 150, clipNorm });
      return { moved: distance(weights(model, params), start), global: Math.hypot(...h.epochs[0].gradNorms) };
    };
    const clipped = await step(1e-3);
    expect(clipped.global).toBeGreaterThan(1e-2); // clipping was active (norms are recorded before clipping)
    expect(clipped.moved).toBeLessThanOrEqual(1e-3 * 1.001);
    expect(clipped.moved).toBeGreaterThan(1e-3 * 0.99); // scaled to the bound, not zeroed
    const free = await step(null);
    expect(free.moved).toBeCloseTo(free.global, 4); // unclipped: ‖Δθ‖ = lr·‖g‖
    expect(free.moved).toBeGreaterThan(10 * 1e-3);
    // A generous bound does nothing.
    const loose = await step(1e6);
    expect(loose.moved).toBeCloseTo(free.moved, 6);
  });

  it('trainStep clipNorm bounds that step only; the learning rate may be given as an option or alone', () => {
    const params = new Set(['W', 'b', 'gamma', 'beta']);
    const moved = (options: number | { learningRate?: number; clipNorm?: number | null }) => {
      const model = layered(gd({ learningRate: 1 }));
      const start = weights(model, params);
      model.trainStep(train.x, train.y, options);
      return { model, moved: distance(weights(model, params), start), global: Math.hypot(...model.handle.lastGradNorms()) };
    };
    const clipped = moved({ clipNorm: 1e-3 });
    expect(clipped.global).toBeGreaterThan(1e-2); // the norms are recorded before clipping
    expect(clipped.moved).toBeLessThanOrEqual(1e-3 * 1.001);
    expect(clipped.moved).toBeGreaterThan(1e-3 * 0.99);
    const free = moved({});
    expect(free.moved).toBeCloseTo(free.global, 4); // lr 1 (the optimizer's), unclipped
    expect(moved({ learningRate: 1, clipNorm: null }).moved).toBe(free.moved);
    expect(moved(0.5).moved).toBeCloseTo(free.moved / 2, 4); // the older positional form
    // The clip held for that call only: the next unclipped step moves by ‖g‖ again.
    const model = clipped.model;
    const before = weights(model, params);
    model.trainStep(train.x, train.y);
    expect(distance(weights(model, params), before)).toBeGreaterThan(10 * 1e-3);
  });

  it('clipNorm holds for every step of a longer run', async () => {
    const model = layered(gd({ learningRate: 1 }));
    const params = new Set(['W', 'b', 'gamma', 'beta']);
    const start = weights(model, params);
    await model.fit(train.x, train.y, { epochs: 2, batchSize: 30, clipNorm: 1e-3 }); // 10 steps
    expect(distance(weights(model, params), start)).toBeLessThanOrEqual(10 * 1e-3 * 1.001);
  });
});
