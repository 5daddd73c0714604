// Image augmentation (crates/core/src/augment.rs, src/reference/augment.ts, fit's `augment`):
// exact geometry (identity, integer shifts, quarter turns, flips), noise statistics,
// determinism, native ↔ reference agreement, reproducible training, argument errors that leave
// the model untouched, evaluation never augmented, and the AUGMENT stream in model files.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adam,
  augmentImages,
  batchNorm,
  dense,
  dropout,
  loadModel,
  relu,
  saveModel,
  sequential,
  transformImage,
  type AugmentOptions,
  type Sequential,
} from '../../src';
import { nativeBackend } from '../../src/backends';
import type { NetworkHandle } from '../../src/backend';
import { reference } from '../../src';
import { bytesOf, datasetOf, expectSameSnapshot, snapshot } from '../model/helpers';

const ref = reference;

/** m images h×w×c with values in [0, 1) from the portable RNG. */
function images(seed: number, m: number, h: number, w: number, c = 1): Float32Array {
  const rng = new ref.Rng(seed);
  return Float32Array.from({ length: m * h * w * c }, () => rng.nextF32());
}

/** A w×h blob: a bright rectangle at rows [r0, r1), columns [c0, c1). */
function rectangle(h: number, w: number, r0: number, r1: number, c0: number, c1: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = r0; y < r1; y++) for (let x = c0; x < c1; x++) out[y * w + x] = 1;
  return out;
}

function mirrored(img: Float32Array, h: number, w: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = img[y * w + (w - 1 - x)];
  return out;
}

function equalBits(a: Float32Array, b: Float32Array): boolean {
  return bytesOf(a).equals(bytesOf(b));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

// The public kernels name themselves in their messages (`augmentImages: augment.height: …`);
// the reference kernels, like the backend, name only the argument.
const kernels = [
  { name: 'native', augmentImages, transformImage, prefix: 'augmentImages: ' },
  { name: 'reference', augmentImages: ref.augmentImages, transformImage: ref.transformImage, prefix: '' },
] as const;

describe.each(kernels)('$name augmentation kernels', (k) => {
  it('zero augmentation is the identity (bit for bit)', () => {
    const x = images(1, 5, 6, 7);
    expect(equalBits(k.augmentImages(x, { height: 6, width: 7 }, 3), x)).toBe(true);
    expect(equalBits(k.augmentImages(x, { height: 6, width: 7, shift: 0, rotation: 0, scale: 0, noise: 0 }, 9), x)).toBe(true);
    expect(equalBits(k.transformImage(x, { height: 6, width: 7 }, {}), x)).toBe(true);
  });

  it('an integer shift moves the image exactly, zero filling what comes in', () => {
    const [h, w] = [6, 8];
    const x = images(2, 2, h, w);
    const out = k.transformImage(x, { height: h, width: w }, { dx: 2, dy: -1 });
    for (let i = 0; i < 2; i++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          const [sx, sy] = [xx - 2, y + 1];
          const want = sx >= 0 && sx < w && sy >= 0 && sy < h ? x[i * h * w + sy * w + sx] : 0;
          expect(out[i * h * w + y * w + xx]).toBe(want);
        }
      }
    }
  });

  it('a 90° rotation turns the image clockwise; small rotations keep the mass near the centre', () => {
    const n = 5;
    const x = images(3, 1, n, n);
    const out = k.transformImage(x, { height: n, width: n }, { rotation: 90 });
    for (let y = 0; y < n; y++) for (let xx = 0; xx < n; xx++) expect(out[y * n + xx]).toBeCloseTo(x[(n - 1 - xx) * n + y], 6);
    // A centred square rotated by 10°: the total brightness and its centre barely move.
    const sq = rectangle(28, 28, 9, 19, 9, 19);
    const turned = k.transformImage(sq, { height: 28, width: 28 }, { rotation: 10 });
    const moments = (img: Float32Array) => {
      let [m0, mx, my] = [0, 0, 0];
      for (let y = 0; y < 28; y++) for (let xx = 0; xx < 28; xx++) [m0, mx, my] = [m0 + img[y * 28 + xx], mx + xx * img[y * 28 + xx], my + y * img[y * 28 + xx]];
      return { m0, cx: mx / m0, cy: my / m0 };
    };
    const [a, b] = [moments(sq), moments(turned)];
    expect(Math.abs(b.m0 - a.m0) / a.m0).toBeLessThan(0.03);
    expect(Math.abs(b.cx - a.cx)).toBeLessThan(0.05);
    expect(Math.abs(b.cy - a.cy)).toBeLessThan(0.05);
  });

  it('scaling about the centre enlarges the content', () => {
    const sq = rectangle(20, 20, 8, 12, 8, 12); // 4×4 bright square, 16 units of mass
    const mass = (img: Float32Array) => img.reduce((s, v) => s + v, 0);
    expect(mass(k.transformImage(sq, { height: 20, width: 20 }, { scale: 1.5 }))).toBeCloseTo(16 * 1.5 * 1.5, 0);
    expect(mass(k.transformImage(sq, { height: 20, width: 20 }, { scale: 0.5 }))).toBeCloseTo(16 * 0.25, 0);
  });

  it('adds Gaussian noise of the asked standard deviation', () => {
    const x = new Float32Array(40 * 100).fill(0.5);
    const out = k.augmentImages(x, { height: 10, width: 10, noise: 0.2 }, 4);
    const mean = out.reduce((s, v) => s + v, 0) / out.length;
    const std = Math.sqrt(out.reduce((s, v) => s + (v - mean) ** 2, 0) / out.length);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(std - 0.2)).toBeLessThan(0.01);
  });

  it('flips only when asked, and then about half the images', () => {
    const [h, w, m] = [4, 5, 200];
    const x = images(5, m, h, w);
    expect(equalBits(k.augmentImages(x, { height: h, width: w, flipHorizontal: false }, 6), x)).toBe(true);
    const out = k.augmentImages(x, { height: h, width: w, flipHorizontal: true }, 6);
    let flips = 0;
    for (let i = 0; i < m; i++) {
      const [src, got] = [x.subarray(i * h * w, (i + 1) * h * w), out.subarray(i * h * w, (i + 1) * h * w)];
      if (equalBits(got, mirrored(src, h, w))) flips++;
      else expect(equalBits(got, src), `image ${i} is neither itself nor its mirror`).toBe(true);
    }
    expect(flips).toBeGreaterThan(70);
    expect(flips).toBeLessThan(130);
  });

  it('the same seed gives the same images; another seed others', () => {
    const x = images(7, 10, 8, 8);
    const opts = { height: 8, width: 8, shift: 2, rotation: 15, scale: 0.1, noise: 0.05 };
    const a = k.augmentImages(x, opts, 11);
    expect(equalBits(k.augmentImages(x, opts, 11), a)).toBe(true);
    expect(equalBits(k.augmentImages(x, opts, 12), a)).toBe(false);
    // Each row has its own generator: a row's result does not depend on the rows after it.
    expect(equalBits(k.augmentImages(x.subarray(0, 3 * 64), opts, 11), a.subarray(0, 3 * 64))).toBe(true);
  });

  it('rejects bad options naming the argument', () => {
    const x = new Float32Array(16);
    const bad: Array<[Parameters<typeof augmentImages>[1], string]> = [
      [{ height: 0, width: 4 }, 'augment.height'],
      [{ height: 4, width: 2.5 }, 'augment.width'],
      [{ height: 4, width: 4, channels: 0 }, 'augment.channels'],
      [{ height: 4, width: 4, shift: -1 }, 'augment.shift'],
      [{ height: 4, width: 4, shift: Infinity }, 'augment.shift'],
      [{ height: 4, width: 4, rotation: 200 }, 'augment.rotation'],
      [{ height: 4, width: 4, rotation: NaN }, 'augment.rotation'],
      [{ height: 4, width: 4, scale: 1 }, 'augment.scale'],
      [{ height: 4, width: 4, noise: -0.1 }, 'augment.noise'],
      [{ height: 3, width: 4 }, 'x'],
    ];
    for (const [options, name] of bad) expect(() => k.augmentImages(x, options, 1)).toThrow(new RegExp(`^${k.prefix}${name.replace('.', '\\.')}: `));
  });
});

describe('native ↔ reference', () => {
  // Both compute every coordinate and weight in f64 with the same operation order and store f32
  // once; only sin/cos/log may differ by an ulp between Rust's libm and V8, which moves a value by
  // ~1e-16 relative (bilinear sampling is continuous, so a floor() on the other side of an
  // integer changes nothing beyond that). After the f32 store they agree to one f32 ulp
  // (≤ 6e-8 at |v| ≤ 1, ≤ 5e-7 at |v| ≤ 8 with noise); 1e-5 leaves wide room and still catches
  // any formula or draw-order difference, which moves values by far more.
  it('augment the same images the same way (property test)', () => {
    fc.assert(
      fc.property(
        fc.record({
          h: fc.integer({ min: 1, max: 12 }),
          w: fc.integer({ min: 1, max: 12 }),
          c: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 1, max: 4 }),
          shift: fc.double({ min: 0, max: 5, noNaN: true }),
          rotation: fc.double({ min: 0, max: 180, noNaN: true }),
          scale: fc.double({ min: 0, max: 0.9, noNaN: true }),
          noise: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
          flipHorizontal: fc.boolean(),
          seed: fc.integer({ min: 0, max: 2 ** 31 }),
        }),
        ({ h, w, c, m, seed, ...rest }) => {
          const x = images(seed + 1, m, h, w, c);
          const options = { height: h, width: w, channels: c, ...rest };
          const native = augmentImages(x, options, seed);
          const refOut = ref.augmentImages(x, options, seed);
          expect(maxAbsDiff(native, refOut)).toBeLessThanOrEqual(1e-5);
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });

  it('transform explicit images the same way', () => {
    const x = images(9, 3, 28, 28);
    for (const t of [{ dx: 1.5, dy: -0.25 }, { rotation: 33 }, { scale: 1.2, flip: true }, { dx: 0.3, rotation: -12, scale: 0.85 }]) {
      expect(maxAbsDiff(transformImage(x, { height: 28, width: 28 }, t), ref.transformImage(x, { height: 28, width: 28 }, t))).toBeLessThanOrEqual(1e-6);
    }
  });

  it('train the same augmented network, advance the AUGMENT stream alike and never augment evaluation', async () => {
    const [h, w, m] = [6, 6, 24];
    const x = images(13, m, h, w);
    const y = new Float32Array(m * 3);
    for (let i = 0; i < m; i++) y[i * 3 + (i % 3)] = 1;
    const options = {
      inputSize: h * w,
      seed: 3,
      threads: 2,
      loss: 'softmaxCrossEntropy',
      layers: [
        { kind: 'dense', units: 8, useBias: false },
        { kind: 'batchNorm' },
        { kind: 'activation', activation: 'relu' },
        { kind: 'dropout', keepProb: 0.8 },
        { kind: 'dense', units: 3 },
      ],
    };
    const augmentation = { height: h, width: w, shift: 1.5, rotation: 20, scale: 0.2, noise: 0.1, flipHorizontal: true };
    const nets: NetworkHandle[] = [nativeBackend.createNetwork(options, { kind: 'adam' }), ref.referenceBackend.createNetwork(options, { kind: 'adam' })];
    const losses: number[][] = [];
    for (const [i, backend] of [nativeBackend, ref.referenceBackend].entries()) {
      const net = nets[i];
      const data = await datasetOf(backend, x, y, h * w, 3);
      const inputs = await datasetOf(backend, x, null, h * w, 0);
      const e0 = await net.evaluate(data);
      const p0 = await net.predict(inputs);
      // Evaluation, prediction and trainStep never augment, not even inside an augmented epoch:
      // the same results, and the AUGMENT stream does not move.
      net.beginEpoch(m, 5, true, false, null, augmentation);
      const augmentState = Array.from(net.getRngState('augment'));
      expect(await net.evaluate(data)).toEqual(e0);
      expect(equalBits(await net.predict(inputs), p0)).toBe(true);
      net.trainStep(x.subarray(0, 5 * h * w), y.subarray(0, 5 * 3), 0, null);
      expect(Array.from(net.getRngState('augment'))).toEqual(augmentState);
      const l: number[] = [];
      for (let epoch = 0; epoch < 3; epoch++) {
        net.beginEpoch(m, 5, true, false, null, augmentation);
        const r = await net.runSteps(data, 0.01, 100);
        expect(r.epochDone).toBe(true);
        l.push(r.lossSum / r.examples);
      }
      losses.push(l);
      expect(Array.from(net.getRngState('augment'))).not.toEqual(augmentState);
    }
    expect(Array.from(nets[1].getRngState('augment'))).toEqual(Array.from(nets[0].getRngState('augment')));
    expect(Array.from(nets[0].getRngState('augment'))).not.toEqual(ref.Rng.withStream(3, ref.RngStream.AUGMENT).state());
    for (let e = 0; e < 3; e++) expect(Math.abs(losses[1][e] - losses[0][e])).toBeLessThan(1e-4 * Math.max(1, losses[0][e]));
    for (const t of nets[0].tensors()) {
      expect(maxAbsDiff(nets[1].getTensor(t.layer, t.name), nets[0].getTensor(t.layer, t.name)), `${t.layer}.${t.name}`).toBeLessThan(1e-4);
    }
  });

  it('augmentation holds for the epoch it is given to: the next epoch without it neither augments nor draws', async () => {
    const [h, w, m] = [4, 4, 12];
    const x = images(17, m, h, w);
    const y = new Float32Array(m * 2);
    for (let i = 0; i < m; i++) y[i * 2 + (i % 2)] = 1;
    const options = { inputSize: h * w, seed: 8, threads: 1, loss: 'softmaxCrossEntropy', layers: [{ kind: 'dense', units: 2 }] };
    const augmentation = { height: h, width: w, shift: 1, noise: 0.3 };
    const results: number[][] = [];
    for (const backend of [nativeBackend, ref.referenceBackend]) {
      // Two twins: one has an augmented epoch first, the other a plain one with the same rate 0
      // (so the weights stay equal); the following plain epochs must then match exactly.
      const [a, b] = [backend.createNetwork(options, { kind: 'gd' }), backend.createNetwork(options, { kind: 'gd' })];
      const data = await datasetOf(backend, x, y, h * w, 2);
      a.beginEpoch(m, 4, false, false, null, augmentation);
      const ra = await a.runSteps(data, 0, 100);
      b.beginEpoch(m, 4, false, false, null, null);
      const rb = await b.runSteps(data, 0, 100);
      expect(ra.lossSum).not.toBe(rb.lossSum); // the augmented epoch did see other images
      const after = Array.from(a.getRngState('augment'));
      expect(after).not.toEqual(Array.from(b.getRngState('augment')));
      a.beginEpoch(m, 4, false, false, null, null);
      b.beginEpoch(m, 4, false, false, null, null);
      const [na, nb] = [await a.runSteps(data, 0.1, 100), await b.runSteps(data, 0.1, 100)];
      expect(na.lossSum).toBe(nb.lossSum);
      expect(equalBits(a.getTensor(0, 'W'), b.getTensor(0, 'W'))).toBe(true);
      expect(Array.from(a.getRngState('augment'))).toEqual(after);
      results.push([ra.lossSum, na.lossSum]);
    }
    expect(Math.abs(results[1][0] - results[0][0])).toBeLessThan(1e-4 * Math.max(1, results[0][0]));
    expect(Math.abs(results[1][1] - results[0][1])).toBeLessThan(1e-4 * Math.max(1, results[0][1]));
  });

  it('reject the same beginEpoch augmentation, naming the same argument', () => {
    const options = { inputSize: 12, seed: 1, loss: 'softmaxCrossEntropy', layers: [{ kind: 'dense', units: 2 }] };
    const calls: Array<Parameters<NetworkHandle['beginEpoch']>[5]> = [
      { height: 3, width: 5 },
      { height: 2, width: 3, channels: 3 },
      { height: 0, width: 12 },
      { height: 3, width: 4, shift: -2 },
      { height: 3, width: 4, rotation: 181 },
      { height: 3, width: 4, scale: 1.5 },
      { height: 3, width: 4, noise: Infinity },
    ];
    for (const call of calls) {
      const messages = [nativeBackend, ref.referenceBackend].map((b) => {
        try {
          b.createNetwork(options, { kind: 'gd' }).beginEpoch(4, 2, true, false, null, call);
          return null;
        } catch (e) {
          return (e as Error).message;
        }
      });
      expect(messages[0], JSON.stringify(call)).toMatch(/^augment\.\w+: /);
      // The reference's wording is its own; the argument named (before the first ': ') is the same.
      expect(messages[1], JSON.stringify(call)).not.toBeNull();
      expect(messages[1]!.slice(0, messages[1]!.indexOf(': ')), `${messages[1]} vs ${messages[0]}`).toBe(messages[0]!.slice(0, messages[0]!.indexOf(': ')));
    }
    for (const b of [nativeBackend, ref.referenceBackend]) {
      const net = b.createNetwork(options, { kind: 'gd' });
      expect(() => net.beginEpoch(4, 2, true, false, null, { height: 2, width: 2, channels: 3 })).not.toThrow();
      expect(() => net.beginEpoch(4, 2, true, false, null, null)).not.toThrow();
      expect(() => net.getRngState('noise' as 'augment')).toThrow(/^which: expected 'dropout', 'shuffle' or 'augment', got 'noise'$/);
    }
  });
});

// ───────────────────────────── fit ─────────────────────────────

const H = 8;
const W = 8;

/** Two classes of 8×8 images: a bright bar left or right of the centre, with pixel noise. */
function bars(seed: number, m: number): { x: Float32Array; y: Int32Array } {
  const rng = new ref.Rng(seed);
  const x = new Float32Array(m * H * W);
  const y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    y[i] = i % 2;
    const col = y[i] === 0 ? 2 : 5;
    for (let r = 1; r < 7; r++) x[i * H * W + r * W + col] = 1;
    for (let j = 0; j < H * W; j++) x[i * H * W + j] += 0.1 * rng.nextF32();
  }
  return { x, y };
}

function model(seed = 4, backend: 'native' | 'reference' = 'native'): Sequential {
  return sequential({
    inputSize: H * W,
    seed,
    threads: 2,
    backend,
    optimizer: adam({ learningRate: 0.01 }),
    layers: [dense(16, { useBias: false }), batchNorm(), relu(), dropout({ keepProb: 0.9 }), dense(2)],
  });
}

const AUG: AugmentOptions = { height: H, width: W, shift: 1, rotation: 10, scale: 0.1, noise: 0.02 };

describe('fit with augment', () => {
  const data = bars(1, 64);

  it('is reproducible with the same seed and differs from training without it', async () => {
    const runs: Array<Map<string, Float32Array>> = [];
    for (const augment of [AUG, AUG, undefined]) {
      const mdl = model();
      await mdl.fit(data.x, data.y, { epochs: 3, batchSize: 16, augment });
      runs.push(snapshot(mdl).tensors);
    }
    for (const [name, t] of runs[0]) expect(equalBits(runs[1].get(name)!, t), name).toBe(true);
    expect(equalBits(runs[2].get('0.W')!, runs[0].get('0.W')!)).toBe(false);
  });

  it('draws fresh images every epoch from the AUGMENT stream and clears the augmentation after fit', async () => {
    const mdl = model();
    const start = Array.from(mdl.handle.getRngState('augment'));
    await mdl.fit(data.x, data.y, { epochs: 2, batchSize: 16, augment: AUG });
    // Two forked generators' worth (2 outputs) per row per epoch.
    const twin = ref.Rng.fromState(start);
    for (let i = 0; i < 2 * 64 * 2; i++) twin.nextU32();
    expect(Array.from(mdl.handle.getRngState('augment'))).toEqual(twin.state());
    // A later fit without `augment` neither augments nor draws.
    const after = Array.from(mdl.handle.getRngState('augment'));
    await mdl.fit(data.x, data.y, { epochs: 1, batchSize: 16 });
    expect(Array.from(mdl.handle.getRngState('augment'))).toEqual(after);
  });

  it('clears the augmentation when training fails', async () => {
    const mdl = model();
    await expect(
      mdl.fit(data.x, data.y, {
        epochs: 2,
        augment: AUG,
        onEpochEnd: () => {
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
    const state = Array.from(mdl.handle.getRngState('augment'));
    await mdl.fit(data.x, data.y, { epochs: 1 });
    expect(Array.from(mdl.handle.getRngState('augment'))).toEqual(state);
  });

  it('rejects bad options naming the argument and leaves the model unchanged', async () => {
    const mdl = model();
    await mdl.fit(data.x, data.y, { epochs: 1, batchSize: 16 });
    const before = snapshot(mdl);
    const augmentBefore = Array.from(mdl.handle.getRngState('augment'));
    const optimizerBefore = mdl.optimizer;
    const bad: Array<[unknown, RegExp]> = [
      [{ height: 7, width: 8 }, /^fit: augment\.height: height·width·channels = 7·8·1 must equal the input size 64$/],
      [{ height: 8, width: 8, shift: -1 }, /^fit: augment\.shift: must be a finite number ≥ 0, got -1$/],
      [{ height: 8, width: 8, rotation: 270 }, /^fit: augment\.rotation: must be a finite number in \[0, 180\], got 270$/],
      [{ height: 8, width: 8, scale: 1 }, /^fit: augment\.scale: must be a finite number in \[0, 1\), got 1$/],
      [{ height: 8, width: 8, noise: NaN }, /^fit: augment\.noise: must be a finite number ≥ 0, got NaN$/],
      [{ height: 8, width: 8, flip: true }, /^fit: augment: unknown option 'flip' \(.*flipHorizontal/],
      [{ height: '8', width: 8 }, /^fit: augment\.height: expected an integer in \[1, \d+\], got the string '8'$/],
      [{ width: 8 }, /^fit: augment\.height: expected an integer in \[1, \d+\], got undefined$/],
      [{ height: 8, width: 8, flipHorizontal: 1 }, /^fit: augment\.flipHorizontal: expected true or false, got 1$/],
      ['28x28', /^fit: augment: expected an options object, got the string '28x28'$/],
    ];
    for (const [augment, message] of bad) {
      await expect(mdl.fit(data.x, data.y, { epochs: 1, augment: augment as AugmentOptions, optimizer: adam({ learningRate: 0.5 }) })).rejects.toThrow(message);
      expectSameSnapshot(snapshot(mdl), before);
      expect(Array.from(mdl.handle.getRngState('augment'))).toEqual(augmentBefore);
      expect(mdl.optimizer).toBe(optimizerBefore);
    }
  });

  it('never changes evaluation or prediction', async () => {
    const mdl = model(2);
    await mdl.fit(data.x, data.y, { epochs: 1, batchSize: 16 });
    const e0 = await mdl.evaluate(data.x, data.y);
    const p0 = (await mdl.predict(data.x)).probabilities;
    // Inside a strongly augmented epoch (begun, not finished), evaluate and predict are unchanged.
    mdl.handle.beginEpoch(64, 16, true, false, null, { height: H, width: W, shift: 3, rotation: 45, noise: 0.5, flipHorizontal: true });
    const augmentState = Array.from(mdl.handle.getRngState('augment'));
    expect(await mdl.evaluate(data.x, data.y)).toEqual(e0);
    expect(equalBits((await mdl.predict(data.x)).probabilities, p0)).toBe(true);
    expect(Array.from(mdl.handle.getRngState('augment'))).toEqual(augmentState);
    // And from inside an augmented fit: evaluate in onStep sees the weights, never augmented images.
    const twin = model(2);
    await twin.fit(data.x, data.y, { epochs: 1, batchSize: 16 });
    const seen: Array<[number, number]> = [];
    await mdl.fit(data.x, data.y, {
      epochs: 1,
      batchSize: 16,
      augment: AUG,
      onStep: async () => {
        const during = await mdl.evaluate(data.x, data.y);
        // The twin holds the same weights: evaluation there (never augmented) must agree.
        for (const t of mdl.tensors()) twin.setTensor(t.layer, t.name, mdl.getTensor(t.layer, t.name));
        const plain = await twin.evaluate(data.x, data.y);
        seen.push([during.loss, plain.loss]);
      },
    });
    expect(seen).toHaveLength(4);
    for (const [during, plain] of seen) expect(during).toBe(plain);
  });
});

describe('model files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-augment-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('save and restore the AUGMENT stream; files without it still load', async () => {
    const data = bars(2, 32);
    const mdl = model();
    await mdl.fit(data.x, data.y, { epochs: 1, batchSize: 8, augment: AUG });
    const file = path.join(dir, 'aug.safetensors');
    await saveModel(mdl, file);
    const loaded = await loadModel(file);
    expect(Array.from(loaded.handle.getRngState('augment'))).toEqual(Array.from(mdl.handle.getRngState('augment')));
    // Resumed augmented training continues exactly as the original would.
    await mdl.fit(data.x, data.y, { epochs: 1, batchSize: 8, augment: AUG });
    await loaded.fit(data.x, data.y, { epochs: 1, batchSize: 8, augment: AUG });
    for (const [name, t] of snapshot(mdl).tensors) expect(equalBits(snapshot(loaded).tensors.get(name)!, t), name).toBe(true);

    // An older file: the same bytes with `augment` removed from the rng metadata.
    const bytes = await fs.readFile(file);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    const rng = JSON.parse(header.__metadata__.rng);
    delete rng.augment;
    header.__metadata__.rng = JSON.stringify(rng);
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    const old = path.join(dir, 'old.safetensors');
    await fs.writeFile(old, Buffer.concat([prefix, Buffer.from(json, 'utf8'), bytes.subarray(8 + n)]));
    const fromOld = await loadModel(old);
    expect(Array.from(fromOld.handle.getRngState('augment'))).toEqual(ref.Rng.withStream(4, ref.RngStream.AUGMENT).state());
    expect(Array.from(fromOld.handle.getRngState('shuffle'))).toEqual(rng.shuffle);
  });
});
