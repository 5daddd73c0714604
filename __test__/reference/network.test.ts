// The reference network (src/reference/network.ts) against the native one (crates/core/src/network):
// same seed → same initial tensors, dropout masks and shuffle order; the same few training steps
// give the same parameters up to f32 rounding; the same argument errors; gradient checking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  Backend,
  DatasetHandle,
  LayerOptions,
  NetworkHandle,
  NetworkOptions,
  OptimizerOptions,
} from '../../src/backend';
import { nativeBackend } from '../../src/backends';
import { ACTIVATION_KINDS, INIT_KINDS, referenceBackend, relativeDifference, Rng, RngStream } from '../../src/reference';
import { bytesOf, datasetOf } from '../model/helpers';

const backends = { native: nativeBackend, reference: referenceBackend } as const;

interface Pair {
  native: NetworkHandle;
  reference: NetworkHandle;
}

function pair(options: NetworkOptions, optimizer: OptimizerOptions): Pair {
  return {
    native: nativeBackend.createNetwork(options, optimizer),
    reference: referenceBackend.createNetwork(options, optimizer),
  };
}

/** The same sealed data set on both backends (y null: x only, for predict). */
async function datasets(x: Float32Array, y: Float32Array | null, inputs: number, outputs: number) {
  return {
    native: await datasetOf(nativeBackend, x, y, inputs, outputs),
    reference: await datasetOf(referenceBackend, x, y, inputs, outputs),
  };
}

/** What a training step may change: every tensor but the gradients, the step and the three streams (bytes). */
function stateOf(net: NetworkHandle): Buffer {
  const parts = net.tensors().map((t) => bytesOf(net.getTensor(t.layer, t.name)));
  for (const which of ['dropout', 'shuffle', 'augment'] as const) parts.push(Buffer.from(net.getRngState(which).buffer.slice(0)));
  parts.push(Buffer.from(Float64Array.of(net.getStep()).buffer));
  return Buffer.concat(parts);
}

/** x ~ N(0, 1) [m, inputs]; y one-hot (softmax) or independent 0/1 bits (sigmoid) [m, outputs]. */
function makeData(seed: number, m: number, inputs: number, outputs: number, oneHot: boolean) {
  const rng = new Rng(seed);
  const x = new Float32Array(m * inputs).map(() => rng.normal());
  const y = new Float32Array(m * outputs);
  for (let i = 0; i < m; i++) {
    if (oneHot) y[i * outputs + rng.below(outputs)] = 1;
    else for (let j = 0; j < outputs; j++) y[i * outputs + j] = rng.below(2);
  }
  return { x, y };
}

/** Every tensor `tensors()` lists plus each parameter's `.grad`. */
function allTensorNames(net: NetworkHandle): Array<[number, string]> {
  const infos = net.tensors();
  const names: Array<[number, string]> = infos.map((t) => [t.layer, t.name]);
  for (const t of infos) {
    if (!t.name.includes('.') && !t.name.startsWith('running')) names.push([t.layer, `${t.name}.grad`]);
  }
  return names;
}

/** |ref − native| ≤ abs + rel·|native| for every element of every tensor; the message names the first offender. */
function expectSameTensors(p: Pair, { abs, rel }: { abs: number; rel: number }): void {
  expect(p.reference.tensors()).toEqual(p.native.tensors());
  for (const [layer, name] of allTensorNames(p.native)) {
    const n = p.native.getTensor(layer, name);
    const r = p.reference.getTensor(layer, name);
    expect(r.length, `layer ${layer} ${name}`).toBe(n.length);
    for (let i = 0; i < n.length; i++) {
      if (!(Math.abs(r[i] - n[i]) <= abs + rel * Math.abs(n[i]))) {
        expect.fail(`layer ${layer} ${name}[${i}]: reference ${r[i]}, native ${n[i]} (abs ${abs}, rel ${rel})`);
      }
    }
  }
}

function expectClose(actual: number, expected: number, rel: number, what: string): void {
  if (!(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)))) {
    expect.fail(`${what}: reference ${actual}, native ${expected} (rel ${rel})`);
  }
}

/** The message of what `f` throws (synchronously), or null. */
function messageOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The message of what `f` throws or rejects with, or null. */
async function outcomeOf(f: () => unknown): Promise<string | null> {
  try {
    await f();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The argument a message names: `x` in `x: element 3 is NaN`, `runSteps` in `runSteps: call
 * beginEpoch first` (the whole message if it has no `: `). The reference checks the native side:
 * both refuse the same calls naming the same argument; the rest of each message is its own.
 */
function argumentOf(message: string | null): string | null {
  if (message === null) return null;
  const end = message.indexOf(': ');
  return end < 0 ? message : message.slice(0, end);
}

/** Both backends refuse (`native`, `reference` non-null), naming the same argument. */
function expectSameArgument(native: string | null, reference: string | null, what: string): void {
  expect(native, `${what}: native accepted it`).not.toBeNull();
  expect(reference, `${what}: reference accepted it (native: ${native})`).not.toBeNull();
  expect(argumentOf(reference), `${what}: reference '${reference}' vs native '${native}'`).toBe(argumentOf(native));
}

/** A divergence without the value it printed: `diverged: step 3: the loss` from `diverged: step 3: the loss is NaN`. */
const divergenceOf = (message: string) => message.replace(/ is [^ ]+$/, '');

/** Copies every tensor (parameters, gradients, optimizer state, running statistics) from → to. */
function copyTensors(from: NetworkHandle, to: NetworkHandle): void {
  for (const [layer, name] of allTensorNames(from)) to.setTensor(layer, name, from.getTensor(layer, name));
}

describe('reference network: initialization', () => {
  const inits: Array<Pick<LayerOptions, 'init' | 'initScale'>> = [
    ...INIT_KINDS.map((init) => ({ init })),
    { init: 'random', initScale: 0.7 },
    {}, // default: he
  ];

  for (const init of inits) {
    it(`draws the same initial tensors as native, layers in order (${JSON.stringify(init)})`, () => {
      for (const seed of [0, 1, 12345, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
        const p = pair(
          {
            inputSize: 7,
            seed,
            loss: 'softmaxCrossEntropy',
            layers: [
              { kind: 'dense', units: 9, useBias: false, ...init },
              { kind: 'batchNorm' },
              { kind: 'activation', activation: 'relu' },
              { kind: 'dense', units: 5, ...init },
              { kind: 'dropout', keepProb: 0.5 },
              { kind: 'dense', units: 3, ...init },
            ],
          },
          { kind: 'adam' },
        );
        // JS Math.log / Math.cos may differ from libm by one double ulp, which very rarely moves
        // the f32 rounding by one f32 ulp (≈ 1.2e-7 relative): 1e-6 relative allows for that.
        expectSameTensors(p, { abs: 0, rel: 1e-6 });
        expect(p.reference.inputSize).toBe(7);
        expect(p.reference.outputSize).toBe(3);
        expect(Array.from(p.reference.getRngState('dropout'))).toEqual(Array.from(p.native.getRngState('dropout')));
        expect(Array.from(p.reference.getRngState('shuffle'))).toEqual(Array.from(p.native.getRngState('shuffle')));
        expect(p.reference.getStep()).toBe(0);
      }
    });
  }

  it('starts γ at 1, β and the running mean at 0, the running variance at 1, biases at 0', () => {
    const net = referenceBackend.createNetwork(
      { inputSize: 2, seed: 3, loss: 'sigmoidBinaryCrossEntropy', layers: [{ kind: 'batchNorm' }, { kind: 'dense', units: 1 }] },
      { kind: 'gd' },
    );
    expect(Array.from(net.getTensor(0, 'gamma'))).toEqual([1, 1]);
    expect(Array.from(net.getTensor(0, 'beta'))).toEqual([0, 0]);
    expect(Array.from(net.getTensor(0, 'runningMean'))).toEqual([0, 0]);
    expect(Array.from(net.getTensor(0, 'runningVar'))).toEqual([1, 1]);
    expect(Array.from(net.getTensor(1, 'b'))).toEqual([0]);
  });
});

describe('reference network: random streams', () => {
  const dropoutNet = (keepProb: number): NetworkOptions => ({
    inputSize: 6,
    seed: 2024,
    loss: 'softmaxCrossEntropy',
    layers: [
      { kind: 'dense', units: 8 },
      { kind: 'activation', activation: 'tanh' },
      { kind: 'dropout', keepProb },
      { kind: 'dense', units: 8 },
      { kind: 'activation', activation: 'leakyRelu' },
      { kind: 'dropout', keepProb: keepProb === 1 ? 1 : 0.8 },
      { kind: 'dense', units: 3 },
    ],
  });

  it('draws the same dropout masks: with lr = 0 the per-step losses and gradients match', () => {
    const p = pair(dropoutNet(0.5), { kind: 'gd' });
    const m = 5;
    const { x, y } = makeData(1, m, 6, 3, true);
    const losses: number[] = [];
    const twin = Rng.withStream(2024, RngStream.DROPOUT); // sixteen splits per active dropout layer and step
    for (let step = 0; step < 4; step++) {
      const n = p.native.trainStep(x, y, 0, null);
      const r = p.reference.trainStep(x, y, 0, null);
      expectClose(r[0], n[0], 1e-6, `step ${step} loss`);
      expect(r[2]).toBe(n[2]);
      for (let i = 0; i < 2 * 16; i++) twin.split();
      expect(Array.from(p.reference.getRngState('dropout'))).toEqual(twin.state());
      expect(Array.from(p.native.getRngState('dropout'))).toEqual(twin.state());
      losses.push(n[0]);
    }
    // lr = 0 leaves the weights alone, so the losses differ only through the masks.
    expect(new Set(losses).size).toBeGreaterThan(1);
    expectSameTensors(p, { abs: 1e-6, rel: 1e-5 }); // W.grad depends on both masks
  });

  it('draws nothing with keepProb = 1 or outside Train mode', async () => {
    const p = pair(dropoutNet(1), { kind: 'gd' });
    const { x, y } = makeData(2, 4, 6, 3, true);
    const before = Array.from(p.reference.getRngState('dropout'));
    p.reference.trainStep(x, y, 0.1, null);
    p.native.trainStep(x, y, 0.1, null);
    expect(Array.from(p.reference.getRngState('dropout'))).toEqual(before);
    expect(Array.from(p.native.getRngState('dropout'))).toEqual(before);

    const q = pair(dropoutNet(0.5), { kind: 'gd' });
    const data = await datasets(x, y, 6, 3);
    const start = Array.from(q.reference.getRngState('dropout'));
    await q.reference.evaluate(data.reference);
    await q.reference.predict(data.reference);
    q.reference.gradientCheck(x, y, 1e-6);
    expect(Array.from(q.reference.getRngState('dropout'))).toEqual(start);
  });

  it('shuffles each epoch in the same order (Fisher–Yates on the SHUFFLE stream)', async () => {
    const seed = 77;
    const m = 10;
    const p = pair(
      {
        inputSize: 3,
        seed,
        loss: 'softmaxCrossEntropy',
        layers: [{ kind: 'dense', units: 4 }, { kind: 'activation', activation: 'sigmoid' }, { kind: 'dense', units: 3 }],
      },
      { kind: 'gd' },
    );
    const { x, y } = makeData(5, m, 3, 3, true);
    const data = await datasets(x, y, 3, 3);
    // With lr = 0 and batches of one, each step's loss names the example it trained on.
    const probs = await p.reference.predict((await datasets(x, null, 3, 0)).reference);
    const lossOf = (row: number) => -Math.log(probs[row * 3 + y.subarray(row * 3, row * 3 + 3).indexOf(1)]);
    const order = Rng.withStream(seed, RngStream.SHUFFLE);
    for (let epoch = 0; epoch < 3; epoch++) {
      p.native.beginEpoch(m, 1, true, false, null, null);
      p.reference.beginEpoch(m, 1, true, false, null, null);
      const expected = order.shuffle(Array.from({ length: m }, (_, i) => i));
      for (let step = 0; step < m; step++) {
        const n = await p.native.runSteps(data.native, 0, 1);
        const r = await p.reference.runSteps(data.reference, 0, 1);
        expect([r.steps, r.examples, r.epochDone]).toEqual([n.steps, n.examples, n.epochDone]);
        expect(r.epochDone).toBe(step === m - 1);
        expectClose(r.lossSum, n.lossSum, 1e-6, `epoch ${epoch} step ${step}`);
        expectClose(r.lossSum, lossOf(expected[step]), 1e-5, `epoch ${epoch} step ${step} vs example ${expected[step]}`);
      }
      expect(expected).not.toEqual(Array.from({ length: m }, (_, i) => i));
      expect(Array.from(p.reference.getRngState('shuffle'))).toEqual(Array.from(p.native.getRngState('shuffle')));
    }
  });

  it('restores a saved generator state: the resumed run draws the same numbers', async () => {
    const p = pair(dropoutNet(0.6), { kind: 'momentum' });
    const words = [123456789, 362436069, 521288629, 88675123];
    for (const which of ['dropout', 'shuffle'] as const) {
      p.native.setRngState(which, words);
      p.reference.setRngState(which, words);
      expect(Array.from(p.reference.getRngState(which))).toEqual(words);
    }
    const { x, y } = makeData(9, 7, 6, 3, true);
    const data = await datasets(x, y, 6, 3);
    p.native.beginEpoch(7, 3, true, true, null, null);
    p.reference.beginEpoch(7, 3, true, true, null, null);
    const n = await p.native.runSteps(data.native, 0.05, 10);
    const r = await p.reference.runSteps(data.reference, 0.05, 10);
    expect([r.steps, r.examples, r.epochDone]).toEqual([2, 6, true]); // dropLast: the last example is skipped
    expect([n.steps, n.examples, n.epochDone]).toEqual([2, 6, true]);
    expectClose(r.lossSum, n.lossSum, 1e-5, 'lossSum');
    expect(Array.from(p.reference.getRngState('dropout'))).toEqual(Array.from(p.native.getRngState('dropout')));
    expectSameTensors(p, { abs: 1e-5, rel: 1e-5 });
  });
});

describe('reference network: training matches native', () => {
  // Tolerance for 3 steps: |ref − native| ≤ 1e-4 + 1e-4·|native| on every parameter, gradient,
  // optimizer state and running statistic. The reference kernels compute in double and round once
  // per stored value; the native f32 kernels round after every operation and sum GEMMs in another
  // order, so each stored value differs by a few f32 ulps (~1e-7 relative) and the differences
  // compound through later steps. Over thousands of random cases the worst seen was ~1e-5.
  //
  // Two settings keep the comparison well conditioned (they change numbers, not code paths):
  // - batch norm ε = 0.01: with batches of 2 (full or a partial last batch) the batch variance
  //   can be tiny, and ∂BN/∂x ∝ 1/√(var + ε) then amplifies one-ulp input differences by ~1e3
  //   at the default ε = 1e-3;
  // - rmsprop/adam/adamw ε = 1e-4 (default 1e-8): they divide by √s + ε ≈ |g| + ε, so a gradient
  //   that is truly ~0 but carries f32 rounding noise (~1e-8) becomes a ±lr step in one backend
  //   and not in the other. ε = 1e-4 bounds that amplification (lr·noise/ε ≈ 1e-6).
  // γ, β and the output bias start from random values (set identically on both), so no gradient
  // is exactly zero by symmetry (e.g. a batch of 2 through batch norm at γ = 1, β = 0 gives
  // mirror-image activations and output-bias gradients that cancel exactly).
  const TOL = { abs: 1e-4, rel: 1e-4 };
  const activations = ACTIVATION_KINDS;

  const caseArb = fc.record({
    inputs: fc.integer({ min: 1, max: 9 }),
    hidden: fc.integer({ min: 1, max: 7 }),
    outputs: fc.integer({ min: 2, max: 4 }),
    m: fc.integer({ min: 1, max: 12 }),
    batchFraction: fc.double({ min: 0, max: 1, noNaN: true }), // batch size 1..m (so 1 and partial batches occur)
    softmax: fc.boolean(),
    activation: fc.constantFrom(...activations),
    keepProb: fc.integer({ min: 50, max: 100 }).map((k) => k / 100),
    l2: fc.constantFrom(0, 0.01, 0.3),
    l1: fc.constantFrom(0, 0.005, 0.05),
    momentum: fc.constantFrom(0, 0.5, 0.9, 0.99),
    shuffle: fc.boolean(),
    clipNorm: fc.constantFrom(null, 0.05, 1), // per epoch (beginEpoch); null: off
    seed: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    dataSeed: fc.integer({ min: 0, max: 2 ** 31 }),
  });

  const optimizers = ['gd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'] as const;

  for (const kind of optimizers) {
    it(`3 steps of ${kind} with batch norm, dropout, L2 and L1 give the same tensors`, async () => {
      const adaptive = kind === 'rmsprop' || kind === 'adam' || kind === 'adamw';
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const batchSize = 1 + Math.min(c.m - 1, Math.floor(c.batchFraction * c.m));
          const loss = c.softmax ? 'softmaxCrossEntropy' : 'sigmoidBinaryCrossEntropy';
          const layers: LayerOptions[] = [
            { kind: 'dense', units: c.hidden, useBias: false, l2: c.l2, l1: c.l1, init: 'glorot' },
            { kind: 'batchNorm', momentum: c.momentum, epsilon: 0.01 },
            { kind: 'activation', activation: c.activation, slope: 0.1 },
            { kind: 'dropout', keepProb: c.keepProb },
            { kind: 'dense', units: c.outputs, l2: c.l2, l1: c.l1 },
          ];
          const optimizer: OptimizerOptions = adaptive ? { kind, epsilon: 1e-4 } : { kind, beta: 0.8 };
          const p = pair({ inputSize: c.inputs, seed: c.seed, loss, layers }, optimizer);

          const rng = new Rng(c.dataSeed);
          const setBoth = (layer: number, name: string, length: number, center: number) => {
            const values = new Float32Array(length).map(() => center + 0.5 * rng.normal());
            p.native.setTensor(layer, name, values);
            p.reference.setTensor(layer, name, values);
          };
          setBoth(1, 'gamma', c.hidden, 1);
          setBoth(1, 'beta', c.hidden, 0);
          setBoth(4, 'b', c.outputs, 0);
          const { x, y } = makeData(c.dataSeed + 1, c.m, c.inputs, c.outputs, c.softmax);
          const data = await datasets(x, y, c.inputs, c.outputs);

          const lr = adaptive ? 0.01 : 0.1;
          let steps = 0;
          let epochDone = true;
          while (steps < 3) {
            if (epochDone) {
              p.native.beginEpoch(c.m, batchSize, c.shuffle, false, c.clipNorm, null);
              p.reference.beginEpoch(c.m, batchSize, c.shuffle, false, c.clipNorm, null);
            }
            const n = await p.native.runSteps(data.native, lr, 3 - steps);
            const r = await p.reference.runSteps(data.reference, lr, 3 - steps);
            expect([r.steps, r.examples, r.epochDone]).toEqual([n.steps, n.examples, n.epochDone]);
            expectClose(r.lossSum, n.lossSum, 1e-4, 'lossSum');
            for (let i = 0; i < layers.length; i++) expectClose(r.gradNormSums[i], n.gradNormSums[i], 1e-4, `gradNormSums[${i}]`);
            steps += n.steps;
            epochDone = n.epochDone;
          }
          expect(p.reference.getStep()).toBe(3);
          expect(p.native.getStep()).toBe(3);
          expect(Array.from(p.reference.getRngState('dropout'))).toEqual(Array.from(p.native.getRngState('dropout')));
          expect(Array.from(p.reference.getRngState('shuffle'))).toEqual(Array.from(p.native.getRngState('shuffle')));
          expectSameTensors(p, TOL);
        }),
        { numRuns: 100 },
      );
    });
  }

  it('agrees on trainStep, clipping, setStep, setOptimizer, evaluate, predict and lastGradNorms (default settings)', async () => {
    for (const loss of ['softmaxCrossEntropy', 'sigmoidBinaryCrossEntropy'] as const) {
      const p = pair(
        {
          inputSize: 4,
          seed: 31,
          loss,
          layers: [
            { kind: 'dense', units: 6, l2: 0.05 },
            { kind: 'activation', activation: 'relu' },
            { kind: 'dense', units: 5, useBias: false },
            { kind: 'batchNorm' },
            { kind: 'activation', activation: 'tanh' },
            { kind: 'dense', units: 3, l1: 0.01 },
          ],
        },
        { kind: 'adam' },
      );
      const { x, y } = makeData(11, 16, 4, 3, loss === 'softmaxCrossEntropy');
      const data = await datasets(x, y, 4, 3);
      for (const net of [p.native, p.reference]) net.setStep(10); // Adam's bias correction resumes at t = 11
      for (let step = 0; step < 3; step++) {
        // clipNorm 0.5 is small enough to clip (it holds for this call only).
        const n = p.native.trainStep(x, y, 0.01, 0.5);
        const r = p.reference.trainStep(x, y, 0.01, 0.5);
        expectClose(r[0], n[0], 1e-5, `trainStep ${step} data loss`);
        expectClose(r[1], n[1], 1e-5, `trainStep ${step} regularization`);
        expect(r[2]).toBe(n[2]);
        const gn = p.native.lastGradNorms();
        const gr = p.reference.lastGradNorms();
        expect(gr.length).toBe(6);
        for (let i = 0; i < 6; i++) {
          expectClose(gr[i], gn[i], 1e-5, `lastGradNorms[${i}]`);
          expect(gr[i] === 0, `lastGradNorms[${i}]`).toBe(gn[i] === 0); // layers without parameters: 0 on both (−0 == 0)
        }
      }
      expect(p.reference.getStep()).toBe(13);
      for (const net of [p.native, p.reference]) net.setOptimizer({ kind: 'nesterov', beta: 0.7 });
      p.native.trainStep(x, y, 0.05, null);
      p.reference.trainStep(x, y, 0.05, null);
      expectSameTensors(p, { abs: 1e-5, rel: 1e-5 });

      const en = await p.native.evaluate(data.native);
      const er = await p.reference.evaluate(data.reference);
      expectClose(er.loss, en.loss, 1e-5, 'evaluate loss');
      expect([er.correct, er.examples]).toEqual([en.correct, en.examples]);
      const inputs = await datasets(x, null, 4, 0);
      const pn = await p.native.predict(inputs.native);
      const pr = await p.reference.predict(inputs.reference);
      expect(pr).toBeInstanceOf(Float32Array);
      expect(pr.length).toBe(pn.length);
      for (let i = 0; i < pn.length; i++) expectClose(pr[i], pn[i], 1e-5, `predict[${i}]`);
    }
  });

  it('evaluates and predicts a set of several chunks (256 rows each) as the rows one chunk at a time, on both backends', async () => {
    const p = pair(
      {
        inputSize: 5,
        seed: 8,
        loss: 'softmaxCrossEntropy',
        layers: [{ kind: 'dense', units: 7, useBias: false }, { kind: 'batchNorm' }, { kind: 'activation', activation: 'relu' }, { kind: 'dense', units: 3 }],
      },
      { kind: 'adam' },
    );
    const m = 1300; // five whole chunks and a part
    const { x, y } = makeData(5, m, 5, 3, true);
    for (const net of [p.native, p.reference]) net.trainStep(x.subarray(0, 64 * 5), y.subarray(0, 64 * 3), 0.05, null);
    const whole = await datasets(x, y, 5, 3);
    const en = await p.native.evaluate(whole.native);
    const er = await p.reference.evaluate(whole.reference);
    expectClose(er.loss, en.loss, 1e-5, 'evaluate loss');
    expect([er.correct, er.examples]).toEqual([en.correct, en.examples]);
    const pn = await p.native.predict((await datasets(x, null, 5, 0)).native);
    // Rows 0–99, 100–599 (across two boundaries) and 600–1299, each predicted alone.
    const parts: Float32Array[] = [];
    let [loss, correct] = [0, 0];
    for (const [from, to] of [[0, 100], [100, 600], [600, m]]) {
      const part = await datasets(x.subarray(from * 5, to * 5), y.subarray(from * 3, to * 3), 5, 3);
      const e = await p.native.evaluate(part.native);
      loss += e.loss * (to - from);
      correct += e.correct;
      parts.push(await p.native.predict((await datasets(x.subarray(from * 5, to * 5), null, 5, 0)).native));
    }
    expectClose(loss / m, en.loss, 1e-5, 'evaluate loss of the parts');
    expect(correct).toBe(en.correct);
    const joined = Float32Array.from(parts.flatMap((a) => [...a]));
    expect(joined.length).toBe(pn.length);
    for (let i = 0; i < pn.length; i++) expectClose(joined[i], pn[i], 1e-5, `predict[${i}] of the parts`);
  });

  it('reports a zero regularization cost on both when no layer is regularized', () => {
    const p = pair(
      { inputSize: 2, seed: 1, loss: 'softmaxCrossEntropy', layers: [{ kind: 'dense', units: 2 }] },
      { kind: 'gd' },
    );
    const n = p.native.trainStep(Float32Array.of(1, 2), Float32Array.of(0, 1), 0.1, null);
    const r = p.reference.trainStep(Float32Array.of(1, 2), Float32Array.of(0, 1), 0.1, null);
    expect(r[1] === 0 && n[1] === 0, `reference ${r[1]}, native ${n[1]}`).toBe(true); // −0 == 0: the sign is not compared
  });

  it('getTensor returns copies; setTensor validates and leaves the model unchanged on error', () => {
    const net = referenceBackend.createNetwork(
      { inputSize: 2, seed: 1, loss: 'softmaxCrossEntropy', layers: [{ kind: 'batchNorm' }, { kind: 'dense', units: 2 }] },
      { kind: 'adamw' },
    );
    const w = net.getTensor(1, 'W');
    w[0] = 99;
    expect(net.getTensor(1, 'W')[0]).not.toBe(99);
    net.setTensor(1, 'W.v', Float32Array.of(1, 2, 3, 4));
    expect(Array.from(net.getTensor(1, 'W.v'))).toEqual([1, 2, 3, 4]);
    expect(() => net.setTensor(0, 'runningVar', Float32Array.of(1, -1))).toThrow('values: a running variance cannot be negative');
    expect(Array.from(net.getTensor(0, 'runningVar'))).toEqual([1, 1]);
  });
});

describe('reference network: gradient checking', () => {
  const everyLayer = (loss: NetworkOptions['loss'], outputs: number): NetworkOptions => ({
    inputSize: 4,
    seed: 99,
    loss,
    layers: [
      { kind: 'dense', units: 5, useBias: false, l2: 0.1, l1: 0.05 },
      { kind: 'batchNorm', momentum: 0.9 },
      { kind: 'activation', activation: 'leakyRelu', slope: 0.1 },
      { kind: 'dropout', keepProb: 0.7 },
      { kind: 'dense', units: 4, init: 'xavier', l2: 0.2 },
      { kind: 'activation', activation: 'tanh' },
      { kind: 'dense', units: 4, init: 'lecun', l1: 0.02 },
      { kind: 'activation', activation: 'sigmoid' },
      { kind: 'dense', units: 4, init: 'glorot' },
      { kind: 'activation', activation: 'relu' },
      { kind: 'dropout', keepProb: 0.9 },
      { kind: 'dense', units: 4, init: 'random', initScale: 0.5 },
      { kind: 'activation', activation: 'identity' },
      { kind: 'dense', units: outputs, l2: 0.05, l1: 0.01 },
    ],
  });

  for (const [loss, outputs] of [
    ['softmaxCrossEntropy', 3],
    ['sigmoidBinaryCrossEntropy', 2],
  ] as const) {
    it(`backprop matches two-sided differences (${loss}, every layer kind, L2 and L1)`, async () => {
      const p = pair(everyLayer(loss, outputs), { kind: 'adam' });
      const m = 6;
      const { x, y } = makeData(4, m, 4, outputs, loss === 'softmaxCrossEntropy');
      // A few steps first, so γ, β, the running statistics and the optimizer state are not initial.
      for (let i = 0; i < 3; i++) {
        p.native.trainStep(x, y, 0.01, null);
        p.reference.trainStep(x, y, 0.01, null);
      }
      copyTensors(p.native, p.reference); // the same f32 parameters on both, so the f64 checks agree closely
      const before = allTensorNames(p.reference).map(([l, n]) => Array.from(p.reference.getTensor(l, n)));
      const rngBefore = [Array.from(p.reference.getRngState('dropout')), Array.from(p.reference.getRngState('shuffle'))];

      const r = p.reference.gradientCheck(x, y, 1e-6);
      const n = p.native.gradientCheck(x, y, 1e-6);

      expect(r.analytic).toBeInstanceOf(Float64Array);
      expect(r.analytic.length).toBe(r.numeric.length);
      expect(r.blocks).toEqual(n.blocks);
      expect(r.blocks.reduce((s, b) => s + b.shape[0], 0)).toBe(r.analytic.length);
      expect(relativeDifference(r.analytic, r.numeric)).toBeLessThan(1e-7);
      // Both run the same f64 computation from the same parameters: only summation order differs.
      expect(relativeDifference(r.analytic, n.analytic)).toBeLessThan(1e-12);
      expect(relativeDifference(r.numeric, n.numeric)).toBeLessThan(1e-7);

      // The model itself is untouched: parameters, gradients, state, running statistics, generators.
      const after = allTensorNames(p.reference).map(([l, n]) => Array.from(p.reference.getTensor(l, n)));
      expect(after).toEqual(before);
      expect([Array.from(p.reference.getRngState('dropout')), Array.from(p.reference.getRngState('shuffle'))]).toEqual(rngBefore);
    });
  }
});

describe('reference network: argument errors match native', () => {
  const dense = (units: number, more: Partial<LayerOptions> = {}): LayerOptions => ({ kind: 'dense', units, ...more });
  const net = (layers: LayerOptions[], more: Partial<NetworkOptions> = {}): NetworkOptions => ({
    inputSize: 2,
    seed: 1,
    loss: 'softmaxCrossEntropy',
    layers,
    ...more,
  });

  const badNetworks: Array<[NetworkOptions, OptimizerOptions]> = [
    [net([dense(3, { useBias: false }), { kind: 'batchNorm' }, { kind: 'dropout', keepProb: 0 }, dense(2)]), { kind: 'gd' }],
    [net([dense(2), { kind: 'dropout' }, dense(2)]), { kind: 'gd' }],
    [net([dense(2), { kind: 'dropout', keepProb: 1.5 }, dense(2)]), { kind: 'gd' }],
    [net([dense(2, { init: 'uniform' })]), { kind: 'gd' }],
    [net([dense(2, { init: 'random', initScale: -1 })]), { kind: 'gd' }],
    [net([dense(2, { init: 'random', initScale: NaN })]), { kind: 'gd' }],
    [net([dense(2, { init: 'he', initScale: 0.5 })]), { kind: 'gd' }],
    [net([dense(2, { initScale: 0.5 })]), { kind: 'gd' }],
    [net([dense(0)]), { kind: 'gd' }],
    [net([{ kind: 'dense' }]), { kind: 'gd' }],
    [net([dense(2, { l2: -1e-7 })]), { kind: 'gd' }],
    [net([dense(2, { l1: Infinity })]), { kind: 'gd' }],
    [net([dense(2), { kind: 'batchNorm' }, dense(2)]), { kind: 'gd' }],
    [net([{ kind: 'batchNorm', momentum: 1 }, dense(2)]), { kind: 'gd' }],
    [net([{ kind: 'batchNorm', epsilon: 0 }, dense(2)]), { kind: 'gd' }],
    [net([dense(2), { kind: 'activation' }, dense(2)]), { kind: 'gd' }],
    [net([dense(2), { kind: 'activation', activation: 'softmaxx' }, dense(2)]), { kind: 'gd' }],
    [net([dense(2), { kind: 'activation', activation: 'leakyRelu', slope: -Infinity }, dense(2)]), { kind: 'gd' }],
    [net([dense(2), { kind: 'relu' }]), { kind: 'gd' }],
    [net([]), { kind: 'gd' }],
    [net([dense(2), { kind: 'activation', activation: 'relu' }]), { kind: 'gd' }],
    [net([dense(1)]), { kind: 'gd' }],
    [net([dense(2)], { loss: 'msle' }), { kind: 'gd' }],
    [net([dense(2)], { loss: 'huber', lossDelta: 0 } as never), { kind: 'gd' }],
    [net([dense(2)], { loss: 'huber', lossDelta: NaN } as never), { kind: 'gd' }],
    [net([dense(2)], { inputSize: 0 }), { kind: 'gd' }],
    [net([dense(2)], { seed: -1 }), { kind: 'gd' }],
    [net([dense(2)], { seed: 1.5 }), { kind: 'gd' }],
    [net([dense(2)], { seed: 2 ** 53 }), { kind: 'gd' }],
    [net([dense(2)], { threads: 0 }), { kind: 'gd' }],
    [net([dense(2)]), { kind: 'sgd' }],
    [net([dense(2)]), { kind: 'momentum', beta: 1 }],
    [net([dense(2)]), { kind: 'adam', beta1: -0.1 }],
    [net([dense(2)]), { kind: 'adam', beta2: NaN }],
    [net([dense(2)]), { kind: 'rmsprop', epsilon: 0 }],
    [net([dense(2)]), { kind: 'adamw', weightDecay: -1 }],
    [net([dense(2)]), { kind: 'adamw', epsilon: Infinity }],
  ];

  it('rejects the same network options, naming the same argument', () => {
    for (const [options, optimizer] of badNetworks) {
      const n = messageOf(() => nativeBackend.createNetwork(options, optimizer));
      const r = messageOf(() => referenceBackend.createNetwork(options, optimizer));
      expectSameArgument(n, r, JSON.stringify([options, optimizer]));
    }
    expect(() => referenceBackend.createNetwork(badNetworks[0][0], { kind: 'gd' })).toThrow(
      'layers[2].keepProb: must be in (0, 1], got 0',
    );
  });

  it('rejects the same data sets', async () => {
    // Allocation: the same sizes refused, naming the same argument.
    const sizes: Array<[number, number, number]> = [
      [0, 2, 1],
      [2, 0, 1],
      [-1, 2, 1],
      [1.5, 2, 1],
      [2 ** 32, 2, 1],
      [2, 2 ** 32, 1],
      [2, 2, -1],
      [2, 2, 0.5],
      [2, NaN, 1],
    ];
    for (const [rows, inputs, outputs] of sizes) {
      const n = messageOf(() => nativeBackend.createDataset(rows, inputs, outputs));
      const r = messageOf(() => referenceBackend.createDataset(rows, inputs, outputs));
      expectSameArgument(n, r, JSON.stringify([rows, inputs, outputs]));
    }
    // Storage that cannot exist is refused up front, not half-allocated.
    for (const backend of [nativeBackend, referenceBackend]) expect(() => backend.createDataset(2 ** 31, 2 ** 31, 1)).toThrow();

    // Writes that do not fit, from a bad row, or after sealing: the same argument named.
    const writes: Array<(d: DatasetHandle) => unknown> = [
      (d) => d.writeX(0, new Float32Array(3)), // not whole rows
      (d) => d.writeX(1, new Float32Array(4)), // past the last row
      (d) => d.writeX(3, new Float32Array(2)),
      (d) => d.writeX(-1, new Float32Array(2)),
      (d) => d.writeX(0.5, new Float32Array(2)),
      (d) => d.writeY(0, new Float32Array(3)),
      (d) => d.writeY(2, new Float32Array(1)),
      (d) => d.writeY(1, new Float32Array(2)),
    ];
    for (const [i, write] of writes.entries()) {
      const [n, r] = [nativeBackend, referenceBackend].map((b) => messageOf(() => write(b.createDataset(2, 2, 1))));
      expectSameArgument(n, r, `write ${i}`);
    }

    // seal() checks finiteness: both refuse the same data, naming the same array and element
    // (native adds the row and column).
    const unsealable: Array<[Float32Array, Float32Array, string, number]> = [
      [Float32Array.of(1, NaN, 3, 4), Float32Array.of(1, 0), 'x', 1],
      [Float32Array.of(1, 2, 3, Infinity), Float32Array.of(1, 0), 'x', 3],
      [Float32Array.of(1, 2, 3, 4), Float32Array.of(1, -Infinity), 'y', 1],
      [Float32Array.of(-Infinity, 2, 3, NaN), Float32Array.of(NaN, 0), 'x', 0],
    ];
    for (const [x, y, name, element] of unsealable) {
      for (const backend of [nativeBackend, referenceBackend]) {
        const data = backend.createDataset(2, 2, 1);
        data.writeX(0, x);
        data.writeY(0, y);
        const message = await outcomeOf(() => data.seal());
        expect(message, `${backend.name} ${name}[${element}]`).toMatch(new RegExp(`^${name}: element ${element} (\\(row \\d+, column \\d+\\) )?is -?(NaN|Infinity|inf), expected a finite number$`));
        // Not usable for training: the data set was never sealed.
        const net = backend.createNetwork({ inputSize: 2, seed: 1, loss: 'sigmoidBinaryCrossEntropy', layers: [dense(1)] }, { kind: 'gd' });
        const notSealed = await outcomeOf(() => net.evaluate(data));
        expect(notSealed, backend.name).not.toBeNull();
        expect(argumentOf(notSealed), `${backend.name}: ${notSealed}`).toBe('data');
      }
    }

    const sealedTwice: Array<string | null> = [];
    const writeAfterSeal: Array<string | null> = [];
    for (const backend of [nativeBackend, referenceBackend]) {
      const data = backend.createDataset(2, 2, 1);
      await data.seal(); // zero-filled storage is valid data
      expect(data.length).toBe(2);
      sealedTwice.push(await outcomeOf(() => data.seal()));
      writeAfterSeal.push(messageOf(() => data.writeX(0, new Float32Array(2))));
    }
    expect(sealedTwice[0]).toBe('data: is already sealed');
    expectSameArgument(sealedTwice[0], sealedTwice[1], 'seal twice');
    expect(writeAfterSeal[0]).toBe('data: is sealed; it can no longer be written');
    expectSameArgument(writeAfterSeal[0], writeAfterSeal[1], 'write after seal');
  });

  it('copies what is written: later changes to the caller’s arrays do not reach the data set', async () => {
    const options = net([dense(3), { kind: 'activation', activation: 'tanh' }, dense(2)]);
    const x = Float32Array.of(1, 2, 3, 4, -1, 0.5);
    const y = Float32Array.of(1, 0, 0, 1, 1, 0);
    for (const backend of [nativeBackend, referenceBackend]) {
      const handle = backend.createNetwork(options, { kind: 'gd' });
      const [xs, ys] = [x.slice(), y.slice()];
      const data = backend.createDataset(3, 2, 2);
      data.writeX(0, xs.subarray(0, 2)); // in chunks of rows, as the public API writes
      data.writeX(1, xs.subarray(2));
      data.writeY(0, ys);
      xs.fill(100);
      ys.fill(NaN);
      await data.seal(); // checks the copy: the caller's NaN labels are not in it
      const fresh = await datasetOf(backend, x, y, 2, 2);
      expect(await handle.evaluate(data), backend.name).toEqual(await handle.evaluate(fresh));
      expect(bytesOf(await handle.predict(data)).equals(bytesOf(await handle.predict(fresh))), backend.name).toBe(true);
    }
  });

  it('rejects the same method calls, naming the same argument', async () => {
    type Call = (net: NetworkHandle, backend: Backend, dataset: DatasetHandle) => unknown;
    const options = net([dense(3, { useBias: false }), { kind: 'batchNorm' }, dense(2)]);
    const unsealed = (b: Backend) => b.createDataset(4, 2, 2);
    const calls: Call[] = [
      (n) => n.getTensor(5, 'W'),
      (n) => n.getTensor(0, 'W.x'),
      (n) => n.getTensor(0, 'b'),
      (n) => n.getTensor(1, 'runningMean.v'),
      (n) => n.setTensor(0, 'W', new Float32Array(2)),
      (n) => n.setTensor(1, 'gamma', Float32Array.of(1, NaN, 1)),
      (n) => n.setTensor(1, 'runningVar', Float32Array.of(1, -1, 1)),
      (n) => n.setStep(-1),
      (n) => n.setStep(0.5),
      (n) => n.setOptimizer({ kind: 'adam', beta2: 1 }),
      (n) => n.setRngState('shuffle', [0, 0, 0, 0]),
      (n) => n.setRngState('shuffle', [1, 2, 3]),
      (n) => n.setRngState('noise' as 'dropout', [1, 2, 3, 4]),
      (n) => n.getRngState('noise' as 'dropout'),
      (n) => n.beginEpoch(0, 1, true, false, null, null),
      (n) => n.beginEpoch(4, 0, true, false, null, null),
      (n) => n.beginEpoch(4, 2, true, false, 0, null),
      (n) => n.beginEpoch(4, 2, true, false, -1, null),
      (n) => n.beginEpoch(4, 2, true, false, NaN, null),
      (n) => n.beginEpoch(4, 2, true, false, Infinity, null),
      (n) => n.beginEpoch(4, 2, true, false, null, { height: 1, width: 3 }), // 3 ≠ inputSize 2
      // Before beginEpoch (native adds a hint about abandoned epochs).
      (n, _b, d) => n.runSteps(d, 0.1, 1),
      (n) => n.trainStep(new Float32Array(3), new Float32Array(2), 0.1, null),
      (n) => n.trainStep(new Float32Array(0), new Float32Array(0), 0.1, null),
      (n) => n.trainStep(new Float32Array(2), new Float32Array(3), 0.1, null),
      (n) => n.trainStep(Float32Array.of(NaN, 1), new Float32Array(2), 0.1, null),
      (n) => n.trainStep(Float32Array.of(1, 1), Float32Array.of(1, Infinity), 0.1, null),
      (n) => n.trainStep(Float32Array.of(1, 1), Float32Array.of(1, 0), -1, null),
      (n) => n.trainStep(Float32Array.of(1, 1), Float32Array.of(1, 0), 0.1, 0),
      (n) => n.trainStep(Float32Array.of(1, 1), Float32Array.of(1, 0), 0.1, NaN),
      async (n, b) => n.predict(await datasetOf(b, new Float32Array(3), null, 3, 0)), // 3 features, the net takes 2
      (n, b) => n.predict(unsealed(b)),
      (n) => n.gradientCheck(Float32Array.of(1, 2), Float32Array.of(1, 0), 0),
      (n) => n.gradientCheck(Float32Array.of(1, 2), Float32Array.of(1, 0, 0), 1e-6),
      async (n, b) => n.evaluate(await datasetOf(b, new Float32Array(6), new Float32Array(3), 2, 1)),
      async (n, b) => n.evaluate(await datasetOf(b, new Float32Array(3), new Float32Array(2), 3, 2)),
      async (n, b) => n.evaluate(await datasetOf(b, new Float32Array(4), null, 2, 0)), // no labels
      (n, b) => n.evaluate(unsealed(b)),
      (n, b) => {
        n.beginEpoch(4, 2, false, false, null, null);
        return n.runSteps(unsealed(b), 0.1, 1);
      },
      (n, _b, d) => {
        n.beginEpoch(4, 2, false, false, null, null);
        return n.runSteps(d, -0.1, 1);
      },
      (n, _b, d) => {
        n.beginEpoch(4, 2, false, false, null, null);
        return n.runSteps(d, 0.1, 0);
      },
      (n, _b, d) => {
        n.beginEpoch(3, 2, false, false, null, null); // the data set has 4 rows
        return n.runSteps(d, 0.1, 1);
      },
    ];
    for (const [i, call] of calls.entries()) {
      const messages: Array<string | null> = [];
      for (const backend of [backends.native, backends.reference]) {
        const handle = backend.createNetwork(options, { kind: 'adam' });
        const data = await datasetOf(backend, new Float32Array(8), Float32Array.of(1, 0, 0, 1, 1, 0, 0, 1), 2, 2);
        messages.push(await outcomeOf(() => call(handle, backend, data)));
      }
      expectSameArgument(messages[0], messages[1], `call ${i}`);
    }
  });
});

describe('reference network: divergence matches native', () => {
  // Momentum and batch norm so that optimizer state and running statistics must be restored
  // too, dropout so that the DROPOUT stream must be.
  const options: NetworkOptions = {
    inputSize: 3,
    seed: 5,
    loss: 'softmaxCrossEntropy',
    layers: [
      { kind: 'dense', units: 8, useBias: false },
      { kind: 'batchNorm' },
      { kind: 'activation', activation: 'relu' },
      { kind: 'dropout', keepProb: 0.8 },
      { kind: 'dense', units: 3 },
    ],
  };
  const m = 24;
  const { x, y } = makeData(21, m, 3, 3, true);
  const scaled = x.map((v) => v * 3);

  it('runSteps rejects at the same step with the same reason and puts back the state of the epoch start', async () => {
    // [learning rate, batch size, steps per runSteps call]
    const cases: Array<[number, number, number]> = [
      [1e30, 24, 100], // one step per epoch: the update overflows
      [1e30, 4, 100], // several steps: a later one sees the damage
      [1e12, 4, 1], // one step per call: the epoch fails in a later call, and all of it is undone
      [1e12, 5, 2],
    ];
    for (const [lr, batchSize, maxSteps] of cases) {
      const what = `lr ${lr}, batch ${batchSize}, ${maxSteps} per call`;
      const p = pair(options, { kind: 'momentum', beta: 0.9 });
      const data = await datasets(scaled, y, 3, 3);
      // A sane epoch first: non-trivial state to return to.
      for (const n of [p.native, p.reference]) n.beginEpoch(m, 8, true, false, null, null);
      await p.native.runSteps(data.native, 0.01, 100);
      await p.reference.runSteps(data.reference, 0.01, 100);
      const start = { native: stateOf(p.native), reference: stateOf(p.reference) };
      const errors: string[] = [];
      const completed: number[] = [];
      for (const side of ['native', 'reference'] as const) {
        const net = p[side];
        net.beginEpoch(m, batchSize, true, false, null, null);
        let steps = 0;
        let error: string | null = null;
        while (error === null && steps < 1000) {
          try {
            const r = await net.runSteps(data[side], lr, maxSteps);
            steps += r.steps;
            if (r.epochDone) break;
          } catch (e) {
            error = (e as Error).message;
          }
        }
        expect(error, `${side}: ${what}`).toMatch(/^diverged: step \d+: /);
        errors.push(error!);
        completed.push(steps);
        // Every tensor (optimizer state and running statistics too), the step and the streams.
        expect(stateOf(net).equals(start[side]), `${side} restored: ${what}`).toBe(true);
        // The abandoned epoch is over: continuing it is refused.
        expect(await outcomeOf(() => net.runSteps(data[side], 0.01, 1)), `${side}: ${what}`).toMatch(/^runSteps: call beginEpoch first/);
      }
      // The same step and the same reason (the value it printed is each backend's own).
      expect(divergenceOf(errors[1]), what).toBe(divergenceOf(errors[0]));
      expect(completed[1], what).toBe(completed[0]);
      // Restored to the same state on both, the model trains on normally and both still agree.
      for (const n of [p.native, p.reference]) n.beginEpoch(m, 8, true, false, null, null);
      const n = await p.native.runSteps(data.native, 0.01, 100);
      const r = await p.reference.runSteps(data.reference, 0.01, 100);
      expect(Number.isFinite(n.lossSum)).toBe(true);
      expectClose(r.lossSum, n.lossSum, 1e-4, `lossSum after recovery: ${what}`);
      expectSameTensors(p, { abs: 1e-4, rel: 1e-4 });
    }
  });

  it('trainStep refuses a diverging step with the same reason and leaves the model unchanged; clipNorm applies to the call', async () => {
    const p = pair(options, { kind: 'momentum', beta: 0.9 });
    for (const n of [p.native, p.reference]) n.trainStep(scaled, y, 0.01, null);
    const errors: string[] = [];
    for (const side of ['native', 'reference'] as const) {
      const net = p[side];
      const before = stateOf(net);
      expect(() => net.trainStep(scaled, y, 1e30, null), side).toThrow(/^diverged: step 1: /);
      errors.push(messageOf(() => net.trainStep(scaled, y, 1e30, null))!);
      expect(stateOf(net).equals(before), side).toBe(true);
      // With plain gradient descent (no momentum carried over) and a tiny clip, the same rate
      // moves the parameters by at most 1e30 · 1e-32: the step is applied.
      net.setOptimizer({ kind: 'gd' });
      const [loss] = net.trainStep(scaled, y, 1e30, 1e-32);
      expect(Number.isFinite(loss), side).toBe(true);
      expect(stateOf(net).equals(before), side).toBe(false);
      // The clip held for that call only.
      expect(() => net.trainStep(scaled, y, 1e30, null), side).toThrow(/^diverged: step 1: /);
    }
    expect(divergenceOf(errors[1])).toBe(divergenceOf(errors[0]));
    expectSameTensors(p, { abs: 1e-5, rel: 1e-5 });
  });
});
