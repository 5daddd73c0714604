// Shared helpers for the model/trainer integration tests (not a test file itself).
import { expect } from 'vitest';
import { reference, type Sequential } from '../../src';
import type { Backend, DatasetHandle } from '../../src/backend';

const { Rng, RngStream } = reference;

/** m standard-normal values × `cols` from the portable RNG (deterministic test data). */
export function normals(seed: number, length: number, scale = 1): Float32Array {
  const rng = reference.Rng.withStream(seed, RngStream.AUGMENT);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = scale * rng.normal();
  return out;
}

export interface Blobs {
  x: Float32Array;
  y: Int32Array;
  features: number;
  classes: number;
}

/**
 * `classes` Gaussian blobs in `features` dimensions, `perClass` examples each, interleaved by
 * class (example i has class i % classes). Centres are fixed per (seed, class), spread
 * `separation` apart; the noise has standard deviation `spread`.
 */
export function blobs(seed: number, perClass: number, classes = 3, features = 4, separation = 4, spread = 1): Blobs {
  const centres = new Rng(1000 + classes * 7 + features);
  const c: number[][] = [];
  for (let k = 0; k < classes; k++) {
    const centre: number[] = [];
    for (let j = 0; j < features; j++) centre.push(separation * centres.normal());
    c.push(centre);
  }
  const rng = Rng.withStream(seed, RngStream.AUGMENT);
  const m = perClass * classes;
  const x = new Float32Array(m * features);
  const y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const k = i % classes;
    y[i] = k;
    for (let j = 0; j < features; j++) x[i * features + j] = c[k][j] + spread * rng.normal();
  }
  return { x, y, features, classes };
}

export interface Snapshot {
  tensors: Map<string, Float32Array>;
  step: number;
  dropoutRng: number[];
  shuffleRng: number[];
}

/** Every tensor (parameters, optimizer state, running statistics), the step and the RNG states. */
export function snapshot(model: Sequential): Snapshot {
  const tensors = new Map<string, Float32Array>();
  for (const t of model.tensors()) tensors.set(`${t.layer}.${t.name}`, model.getTensor(t.layer, t.name));
  return {
    tensors,
    step: model.handle.getStep(),
    dropoutRng: Array.from(model.handle.getRngState('dropout')),
    shuffleRng: Array.from(model.handle.getRngState('shuffle')),
  };
}

/** Bytes of a Float32Array, for bitwise comparisons (NaN-safe, −0 ≠ +0). */
export function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function expectSameSnapshot(after: Snapshot, before: Snapshot): void {
  expect([...after.tensors.keys()]).toEqual([...before.tensors.keys()]);
  for (const [name, values] of before.tensors) {
    const now = after.tensors.get(name)!;
    if (!bytesOf(now).equals(bytesOf(values))) expect.fail(`tensor ${name} changed`);
  }
  expect(after.step).toBe(before.step);
  expect(after.dropoutRng).toEqual(before.dropoutRng);
  expect(after.shuffleRng).toEqual(before.shuffleRng);
}

/** Parameters that define the model's function (what early stopping restores). */
export const WEIGHT_NAMES = new Set(['W', 'b', 'gamma', 'beta', 'runningMean', 'runningVar']);

export function weights(model: Sequential, names: Set<string> = WEIGHT_NAMES): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const t of model.tensors()) if (names.has(t.name)) out.set(`${t.layer}.${t.name}`, model.getTensor(t.layer, t.name));
  return out;
}

/** Global L2 norm of the difference of two same-keyed tensor maps (in f64). */
export function distance(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let sq = 0;
  for (const [k, va] of a) {
    const vb = b.get(k)!;
    for (let i = 0; i < va.length; i++) sq += (va[i] - vb[i]) ** 2;
  }
  return Math.sqrt(sq);
}

export function accuracy(classes: Int32Array, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (classes[i] === y[i]) ok++;
  return ok / y.length;
}

/**
 * A sealed backend data set of x [m, inputs] and y [m, outputs] (`outputs` 0 or y null: no
 * labels, for predict), filled the way the public API does it: allocate, write, seal.
 */
export async function datasetOf(
  backend: Backend,
  x: Float32Array,
  y: Float32Array | null,
  inputs: number,
  outputs: number,
): Promise<DatasetHandle> {
  const labelled = y !== null && outputs > 0;
  const data = backend.createDataset(x.length / inputs, inputs, labelled ? outputs : 0);
  data.writeX(0, x);
  if (labelled) data.writeY(0, y);
  await data.seal();
  return data;
}
