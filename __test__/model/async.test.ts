// fit runs off the main thread; evaluate/predict/exportState during a fit wait for the fit's
// current native call and run between two of them, while fit/trainStep/setTensor are refused as
// busy; its callbacks can steer training (stop, learning rate, per-step progress).
import { describe, expect, it } from 'vitest';
import { adam, dense, gd, relu, sequential, type EpochLog, type StepLog } from '../../src';
import { blobs, bytesOf, expectSameSnapshot, snapshot } from './helpers';

/** A big-enough problem for a fit to take a while on one thread: 20k × 200, simple LCG data. */
function bigData(m = 20000, n = 200): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(m * n);
  const y = new Int32Array(m);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 4294967296 - 0.5;
  }
  for (let i = 0; i < m; i++) y[i] = x[i * n] + x[i * n + 1] > 0 ? 1 : 0;
  return { x, y };
}

function bigModel() {
  return sequential({ inputSize: 200, seed: 1, threads: 1, optimizer: adam(), layers: [dense(256), relu(), dense(2)] });
}

describe('fit is asynchronous', () => {
  it('keeps the event loop running while it trains', async () => {
    const { x, y } = bigData();
    const model = bigModel();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const ticksAtEpochEnd: number[] = [];
    try {
      const history = await model.fit(x, y, {
        epochs: 3,
        batchSize: 128,
        onEpochEnd: () => {
          ticksAtEpochEnd.push(ticks);
        },
      });
      expect(history.epochs).toHaveLength(3);
    } finally {
      clearInterval(timer);
    }
    // A blocking fit could only let timers run between epochs; here they run *during* the
    // first epoch, before its onEpochEnd.
    expect(ticksAtEpochEnd[0]).toBeGreaterThanOrEqual(5);
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it('refuses fit/trainStep/setTensor as busy while a fit runs; evaluate/predict/exportState wait and run between its native calls', async () => {
    const { x, y } = bigData(8000);
    const model = bigModel();
    const order: string[] = [];
    // The step counts at which the fit hands control back (every 8 steps, and each epoch's end).
    const boundaries = new Set([0]);
    let reads: Promise<unknown> | undefined;
    const small = x.subarray(0, 200 * 4);
    const smallY = y.subarray(0, 4);
    const running = model
      .fit(x, y, {
        epochs: 2,
        batchSize: 128,
        stepsPerCallback: 8,
        onStep: (log) => {
          boundaries.add(log.epoch * 63 + log.step);
          // Started from "elsewhere" (not awaited here) once the fit is under way.
          if (log.epoch === 0 && log.step === 8) {
            reads = Promise.all([
              model.evaluate(small, smallY).then((e) => (order.push('evaluate'), e)),
              model.predict(small).then((p) => (order.push('predict'), p)),
              model.exportState().then((s) => (order.push('exportState'), s)),
            ]);
          }
        },
      })
      .then((h) => (order.push('fit'), h));
    // What changes the weights is refused at once, naming the call.
    await expect(model.fit(small, smallY, { epochs: 1 })).rejects.toThrow(/^fit: model is busy: a fit is running on it/);
    expect(() => model.trainStep(small, smallY)).toThrow(/^trainStep: model is busy: a fit is running on it/);
    expect(() => model.setTensor(0, 'b', new Float32Array(256))).toThrow(/^setTensor: model is busy: a fit is running on it/);
    const history = await running;
    expect(reads).toBeDefined();
    const [e, p, state] = (await reads) as [Awaited<ReturnType<typeof model.evaluate>>, Awaited<ReturnType<typeof model.predict>>, Awaited<ReturnType<typeof model.exportState>>];
    // What only reads waited its turn, ran during the fit (not after it) and gave usable results.
    expect(order).toHaveLength(4);
    expect(order[3]).toBe('fit');
    expect(Number.isFinite(e.loss) && e.loss > 0).toBe(true);
    expect(e.accuracy).toBeGreaterThanOrEqual(0);
    expect(p.probabilities).toHaveLength(8);
    expect(p.probabilities.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    for (let i = 0; i < 4; i++) expect(p.probabilities[2 * i] + p.probabilities[2 * i + 1]).toBeCloseTo(1, 5);
    // A consistent model between two of the fit's native calls: mid-fit, never half a step.
    expect(state.step).toBeGreaterThanOrEqual(8);
    expect(state.step).toBeLessThan(126);
    expect(boundaries.has(state.step), `step ${state.step}`).toBe(true);
    expect(history.epochs).toHaveLength(2);
    expect(history.epochs.map((h) => h.steps)).toEqual([63, 63]);
    expect(history.epochs.every((h) => Number.isFinite(h.trainLoss))).toBe(true);
    expect(model.handle.getStep()).toBe(126);
    // The refused setTensor did not land: the bias was trained, not zeroed.
    expect(model.getTensor(0, 'b').some((v) => v !== 0)).toBe(true);
    // Reading during the fit changed nothing: the same fit without them gives the same weights.
    const alone = bigModel();
    await alone.fit(x, y, { epochs: 2, batchSize: 128 });
    expect(bytesOf(model.getTensor(0, 'W')).equals(bytesOf(alone.getTensor(0, 'W')))).toBe(true);
    // The model is usable again afterwards.
    const after = await model.evaluate(small, smallY);
    expect(Number.isFinite(after.loss)).toBe(true);
  });

  it('evaluate and predict from inside onEpochEnd and onStep see the model of that moment', async () => {
    const train = blobs(5, 30); // 90 examples
    const dev = blobs(6, 20);
    const model = sequential({ inputSize: 4, seed: 2, threads: 1, optimizer: adam({ learningRate: 0.02 }), layers: [dense(8), relu(), dense(3)] });
    const inside: Array<{ epoch: number; loss: number; devLoss: number; accuracy: number; devAccuracy: number }> = [];
    let stepPredictions = 0;
    const history = await model.fit(train.x, train.y, {
      epochs: 3,
      batchSize: 30,
      validation: dev,
      onStep: async (log) => {
        const p = await model.predict(dev.x);
        expect(p.classes).toHaveLength(60);
        expect(p.probabilities.every((v) => Number.isFinite(v))).toBe(true);
        expect(log.step).toBeGreaterThan(0);
        stepPredictions++;
      },
      onEpochEnd: async (log) => {
        const e = await model.evaluate(dev.x, dev.y);
        inside.push({ epoch: log.epoch, loss: e.loss, devLoss: log.devLoss!, accuracy: e.accuracy, devAccuracy: log.devAccuracy! });
      },
    });
    expect(stepPredictions).toBe(9);
    expect(inside.map((i) => i.epoch)).toEqual([0, 1, 2]);
    // The same weights as the fit's own evaluation of the validation data at that epoch's end.
    for (const i of inside) {
      expect(i.loss).toBe(i.devLoss);
      expect(i.accuracy).toBe(i.devAccuracy);
    }
    expect(history.epochs.map((e) => e.devLoss)).toEqual(inside.map((i) => i.loss));
    expect(new Set(inside.map((i) => i.loss)).size).toBe(3); // the weights did change between epochs
  });

  it('a busy rejection leaves the model as it was (the rejected call changes nothing)', async () => {
    const { x, y } = blobs(1, 30);
    const model = sequential({ inputSize: 4, seed: 2, threads: 1, layers: [dense(8), relu(), dense(3)] });
    let snap: ReturnType<typeof snapshot> | undefined;
    await model.fit(x, y, {
      epochs: 2,
      batchSize: 10,
      onEpochEnd: async () => {
        // Inside a fit, the model is busy: a nested fit, trainStep or setTensor is refused and changes nothing.
        snap = snapshot(model);
        await expect(model.fit(x, y, { epochs: 1 })).rejects.toThrow(/^fit: model is busy/);
        expect(() => model.trainStep(x, y)).toThrow(/^trainStep: model is busy/);
        expect(() => model.setTensor(0, 'b', new Float32Array(8))).toThrow(/^setTensor: model is busy/);
        expectSameSnapshot(snapshot(model), snap);
      },
    });
    expect(snap).toBeDefined();
  });
});

describe('training control from callbacks', () => {
  const data = blobs(3, 40); // 120 examples
  const make = () => sequential({ inputSize: 4, seed: 4, threads: 1, optimizer: gd({ learningRate: 0.05 }), layers: [dense(8), relu(), dense(3)] });

  it('control.stop() in onEpochEnd ends training after that epoch', async () => {
    const model = make();
    const seen: number[] = [];
    const history = await model.fit(data.x, data.y, {
      epochs: 10,
      batchSize: 32,
      onEpochEnd: (log, control) => {
        seen.push(log.epoch);
        if (log.epoch === 2) control.stop();
      },
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(history.epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(model.handle.getStep()).toBe(3 * 4);
  });

  it('control.stop() in onStep ends training after the current epoch', async () => {
    const model = make();
    const history = await model.fit(data.x, data.y, {
      epochs: 10,
      batchSize: 32,
      onStep: (log, control) => {
        if (log.epoch === 1 && log.step === 1) control.stop();
      },
    });
    expect(history.epochs).toHaveLength(2);
    expect(history.epochs[1].steps).toBe(4);
  });

  it('onStep is called every stepsPerCallback steps (and at the end of each epoch)', async () => {
    const model = make();
    const logs: StepLog[] = [];
    const history = await model.fit(data.x, data.y, {
      epochs: 2,
      batchSize: 10, // 12 steps per epoch
      stepsPerCallback: 5,
      onStep: (log) => {
        logs.push({ ...log });
      },
    });
    expect(logs.map((l) => [l.epoch, l.step])).toEqual([
      [0, 5],
      [0, 10],
      [0, 12],
      [1, 5],
      [1, 10],
      [1, 12],
    ]);
    expect(logs.every((l) => l.learningRate === 0.05 && Number.isFinite(l.loss) && l.loss > 0)).toBe(true);
    expect(history.epochs.map((e) => e.steps)).toEqual([12, 12]);
    // The epoch's loss is the example-weighted mean of the step chunks' losses.
    const epoch0 = logs.slice(0, 3);
    const weighted = (epoch0[0].loss * 5 + epoch0[1].loss * 5 + epoch0[2].loss * 2) / 12;
    expect(history.epochs[0].trainLoss).toBeCloseTo(weighted, 10);
  });

  it('onStep with stepsPerCallback 1 sees every step; training is the same as without callbacks', async () => {
    const a = make();
    const b = make();
    const steps: number[] = [];
    const ha = await a.fit(data.x, data.y, { epochs: 2, batchSize: 16, onStep: (l) => void steps.push(l.step) });
    const hb = await b.fit(data.x, data.y, { epochs: 2, batchSize: 16 });
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ha.epochs.map((e) => e.trainLoss)).toEqual(hb.epochs.map((e) => e.trainLoss));
    expect(bytesOf(a.getTensor(0, 'W')).equals(bytesOf(b.getTensor(0, 'W')))).toBe(true);
  });

  it('async onEpochEnd and onStep callbacks are awaited before training goes on', async () => {
    const model = make();
    const events: string[] = [];
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await model.fit(data.x, data.y, {
      epochs: 2,
      batchSize: 60, // 2 steps per epoch
      schedule: (e, c) => {
        events.push(`start ${e}`);
        return c.initialLearningRate;
      },
      onStep: async (l) => {
        await sleep(5);
        events.push(`step ${l.epoch}.${l.step}`);
      },
      onEpochEnd: async (l) => {
        await sleep(10);
        events.push(`end ${l.epoch}`);
      },
    });
    expect(events).toEqual(['start 0', 'step 0.1', 'step 0.2', 'end 0', 'start 1', 'step 1.1', 'step 1.2', 'end 1']);
  });

  it('control.setLearningRate changes the following epochs (history and the weights)', async () => {
    const model = make();
    const logs: EpochLog[] = [];
    let weightsAfter2: Float32Array | undefined;
    const history = await model.fit(data.x, data.y, {
      epochs: 5,
      batchSize: 32,
      onEpochEnd: (log, control) => {
        logs.push(log);
        if (log.epoch === 1) control.setLearningRate(0.2);
        if (log.epoch === 2) {
          control.setLearningRate(0);
          weightsAfter2 = model.getTensor(0, 'W');
        }
      },
    });
    expect(history.epochs.map((e) => e.learningRate)).toEqual([0.05, 0.05, 0.2, 0, 0]);
    // Learning rate 0 with plain gradient descent: the weights stop moving.
    expect(bytesOf(model.getTensor(0, 'W')).equals(bytesOf(weightsAfter2!))).toBe(true);
    // An invalid rate is refused with a clear error.
    await expect(
      make().fit(data.x, data.y, { epochs: 2, onEpochEnd: (_l, c) => c.setLearningRate(-1) }),
    ).rejects.toThrow(/^control\.setLearningRate: learningRate: must be a finite number ≥ 0, got -1$/);
  });
});
