// The TypeScript boundary of the native kernels (src/kernels.ts): before anything reaches napi,
// every argument of the wrong kind is rejected with `<kernel>: <argument>: expected …` — never
// napi's "Failed to convert napi value BigInt into rust type `f64`" or "Get TypedArray info
// failed". Typed arrays of the wrong type, detached buffers and unknown option keys are errors;
// SharedArrayBuffer-backed arrays are copied before use. The binding's own range and shape errors
// (the bad-input block of each concept's file in this folder, bad-input.test.ts) come back with
// the kernel's name in front.
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import { typedArray } from '../../src/validation/args';
import { d, f } from './helpers';

type Kind = 'f32' | 'f64' | 'optF32' | 'optF64' | 'num' | 'optNum' | 'str' | 'count';
type Arg = [name: string, kind: Kind, good: unknown];

// One good call per kernel, each argument tagged with what it must be.
const A = f(1, 2, 3, 4, 5, 6);
const B = f(7, 8, 9, 10, 11, 12);
const GEMM = { m: 2, n: 2, k: 3 };
const specs: Record<keyof typeof N, Arg[]> = {
  gemm: [['a', 'f32', A], ['b', 'f32', B], ['c', 'optF32', null], ['options', 'num', GEMM]],
  gemmF64: [['a', 'f64', d(...A)], ['b', 'f64', d(...B)], ['c', 'optF64', null], ['options', 'num', GEMM]],
  addBias: [['z', 'f32', A], ['bias', 'f32', f(1, 1, 1)]],
  biasGrad: [['dz', 'f32', A], ['n', 'num', 3]],
  activationForward: [['kind', 'str', 'relu'], ['z', 'f32', f(-1, 2)], ['slope', 'optNum', undefined]],
  activationBackward: [['kind', 'str', 'relu'], ['z', 'f32', f(-1, 2)], ['a', 'f32', f(0, 2)], ['da', 'f32', f(3, 3)], ['slope', 'optNum', undefined]],
  softmax: [['z', 'f32', f(0, 0)], ['n', 'num', 2]],
  softmaxCrossEntropy: [['logits', 'f32', f(0, 0)], ['labels', 'f32', f(1, 0)], ['n', 'num', 2]],
  sigmoidBinaryCrossEntropy: [['logits', 'f32', f(0)], ['labels', 'f32', f(1)], ['n', 'num', 1]],
  batchNormForwardTrain: [['x', 'f32', f(1, 3)], ['gamma', 'f32', f(1)], ['beta', 'f32', f(0)], ['eps', 'num', 1e-3]],
  batchNormBackward: [['dy', 'f32', f(1, 1)], ['xHat', 'f32', f(-1, 1)], ['variance', 'f32', f(1)], ['gamma', 'f32', f(1)], ['eps', 'num', 1e-3]],
  batchNormForwardInference: [
    ['x', 'f32', f(0)],
    ['gamma', 'f32', f(1)],
    ['beta', 'f32', f(5)],
    ['runningMean', 'f32', f(0)],
    ['runningVar', 'f32', f(1)],
    ['eps', 'num', 1e-3],
  ],
  batchNormUpdateRunning: [['runningMean', 'f32', f(0)], ['runningVar', 'f32', f(1)], ['mean', 'f32', f(1)], ['variance', 'f32', f(1)], ['momentum', 'num', 0.5]],
  dropoutForward: [['x', 'f32', f(1, 2)], ['keepProb', 'num', 1], ['seed', 'num', 3]],
  dropoutBackward: [['dy', 'f32', f(1, 2)], ['mask', 'f32', f(2, 0)]],
  regularizationGrad: [['w', 'f32', f(2)], ['dw', 'f32', f(0)], ['l2', 'num', 1], ['l1', 'num', 0], ['m', 'num', 2]],
  regularizationCost: [['w', 'f32', f(2)], ['l2', 'num', 1], ['l1', 'num', 0], ['m', 'num', 2]],
  optimizerStep: [['w', 'f32', f(1)], ['g', 'f32', f(1)], ['v', 'optF32', null], ['s', 'optF32', null], ['options', 'num', { kind: 'gd', learningRate: 0.5 }]],
  rngU32: [['seed', 'num', 0], ['stream', 'num', 0], ['count', 'count', 3]],
  rngNormal: [['seed', 'num', 0], ['stream', 'num', 0], ['count', 'count', 3]],
  initWeights: [['init', 'str', 'zeros'], ['nIn', 'num', 2], ['nOut', 'num', 2], ['seed', 'num', 0], ['scale', 'optNum', undefined]],
  augmentImages: [['x', 'f32', f(1, 2)], ['options', 'num', { height: 1, width: 2 }], ['seed', 'num', 1]],
  transformImage: [['x', 'f32', f(1, 2)], ['options', 'num', { height: 1, width: 2 }], ['transform', 'num', {}]],
};

// The option fields, with the name the messages give them.
const OPTION_FIELDS: Partial<Record<keyof typeof N, [index: number, field: string, label: string, kind: 'num' | 'bool' | 'str'][]>> = {
  gemm: [[3, 'm', 'm', 'num'], [3, 'n', 'n', 'num'], [3, 'k', 'k', 'num'], [3, 'alpha', 'alpha', 'num'], [3, 'beta', 'beta', 'num'], [3, 'threads', 'threads', 'num'], [3, 'transA', 'transA', 'bool'], [3, 'transB', 'transB', 'bool']],
  gemmF64: [[3, 'm', 'm', 'num'], [3, 'threads', 'threads', 'num'], [3, 'transB', 'transB', 'bool']],
  optimizerStep: [
    [4, 'kind', 'kind', 'str'],
    [4, 'learningRate', 'learningRate', 'num'],
    [4, 'beta', 'beta', 'num'],
    [4, 'beta1', 'beta1', 'num'],
    [4, 'beta2', 'beta2', 'num'],
    [4, 'epsilon', 'epsilon', 'num'],
    [4, 'weightDecay', 'weightDecay', 'num'],
    [4, 'step', 'step', 'num'],
  ],
  augmentImages: [[1, 'height', 'augment.height', 'num'], [1, 'width', 'augment.width', 'num'], [1, 'shift', 'augment.shift', 'num'], [1, 'noise', 'augment.noise', 'num'], [1, 'flipHorizontal', 'augment.flipHorizontal', 'bool']],
  transformImage: [[1, 'channels', 'augment.channels', 'num'], [2, 'dx', 'transform.dx', 'num'], [2, 'scale', 'transform.scale', 'num'], [2, 'flip', 'transform.flip', 'bool']],
};

const goodArgs = (name: keyof typeof N): unknown[] => specs[name].map(([, , good]) => (ArrayBuffer.isView(good) ? (good as Float32Array).slice() : good));
const run = (name: keyof typeof N, args: unknown[]): unknown => (N[name] as (...a: unknown[]) => unknown)(...args);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Throws a TypeError/RangeError starting `<kernel>: <arg>: ` and no napi conversion message. */
function expectNamed(call: () => unknown, prefix: string, rest: RegExp): void {
  let thrown: unknown;
  try {
    call();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${prefix} to throw`).toBeInstanceOf(Error);
  const message = (thrown as Error).message;
  expect(message.startsWith(prefix), `${message} should start with ${prefix}`).toBe(true);
  expect(message.slice(prefix.length)).toMatch(rest);
  expect(message).not.toMatch(/napi|rust type|TypedArray info|Expected \$name/);
}

describe('every kernel checks the kind of every argument before napi', () => {
  it('covers every export of src/kernels.ts, and the good calls work', () => {
    expect(Object.keys(specs).sort()).toEqual(Object.keys(N).sort());
    for (const name of Object.keys(specs) as (keyof typeof N)[]) expect(() => run(name, goodArgs(name)), name).not.toThrow();
  });

  for (const name of Object.keys(specs) as (keyof typeof N)[]) {
    specs[name].forEach(([arg, kind], i) => {
      if (arg === 'options' || arg === 'transform') return; // option objects: below
      const bad: [label: string, value: unknown, expected: RegExp][] = [];
      if (kind === 'f32' || kind === 'optF32') {
        bad.push(['a Float64Array', d(1, 2), /^expected a Float32Array, got a Float64Array$/]);
        bad.push(['number[]', [1, 2], /^expected a Float32Array, got an array of 2$/]);
        bad.push(['a DataView', new DataView(new ArrayBuffer(8)), /^expected a Float32Array, got a DataView$/]);
        if (kind === 'f32') bad.push(['null', null, /^expected a Float32Array, got null$/]);
      } else if (kind === 'f64' || kind === 'optF64') {
        bad.push(['a Float32Array', f(1, 2), /^expected a Float64Array, got a Float32Array$/]);
        if (kind === 'f64') bad.push(['undefined', undefined, /^expected a Float64Array, got undefined$/]);
      } else if (kind === 'str') {
        bad.push(['a number', 5, /^expected a string, got 5$/], ['null', null, /^expected a string, got null$/]);
      } else {
        const expected = kind === 'count' ? 'an integer in \\[0, \\d+\\]' : 'a number';
        bad.push(['a BigInt', 1n, new RegExp(`^expected ${expected}, got a BigInt \\(1n\\)$`)]);
        bad.push(['a string', '1', new RegExp(`^expected ${expected}, got the string '1'$`)]);
        bad.push(['an object', { valueOf: () => 1 }, new RegExp(`^expected ${expected}, got an Object$`)]);
        if (kind !== 'optNum') bad.push(['null', null, new RegExp(`^expected ${expected}, got null$`)]);
      }
      for (const [label, value, expected] of bad) {
        it(`${name}: ${arg} as ${label}`, () => {
          const args = goodArgs(name);
          args[i] = value;
          expectNamed(() => run(name, args), `${name}: ${arg}: `, expected);
        });
      }
    });
  }

  for (const [name, fields] of Object.entries(OPTION_FIELDS) as [keyof typeof N, [number, string, string, 'num' | 'bool' | 'str'][]][]) {
    for (const [index, field, label, kind] of fields) {
      const [value, expected] = kind === 'num' ? [2n, /^expected a number, got a BigInt \(2n\)$/] : kind === 'bool' ? ['yes', /^expected true or false, got the string 'yes'$/] : [1, /^expected a string, got 1$/];
      it(`${name}: ${label} as ${typeof value}`, () => {
        const args = goodArgs(name);
        args[index] = { ...(args[index] as object), [field]: value };
        expectNamed(() => run(name, args), `${name}: ${label}: `, expected);
      });
    }
  }
});

describe('option objects are strict', () => {
  it('an unknown key is an error naming the kernel and suggesting the known key', () => {
    expect(() => N.gemm(A, B, null, { ...GEMM, tranA: true } as never)).toThrow(/^gemm options: unknown option 'tranA' \(did you mean 'transA'\?\)$/);
    expect(() => N.gemmF64(d(...A), d(...B), null, { ...GEMM, thread: 2 } as never)).toThrow(/^gemmF64 options: unknown option 'thread' \(did you mean 'threads'\?\)$/);
    expect(() => N.optimizerStep(f(1), f(1), null, null, { kind: 'gd', learningRate: 0.1, lr: 1 } as never)).toThrow(/^optimizerStep options: unknown option 'lr'/);
    expect(() => N.augmentImages(f(1, 2), { height: 1, width: 2, rotaton: 5 } as never, 1)).toThrow(/^augmentImages options: unknown option 'rotaton' \(did you mean 'rotation'\?\)$/);
    expect(() => N.transformImage(f(1, 2), { height: 1, width: 2 }, { dz: 1 } as never)).toThrow(/^transformImage transform: unknown option 'dz' \(did you mean 'dx'\?\)$/);
  });

  it('a missing or non-object options argument is named', () => {
    expect(() => N.gemm(A, B, null, undefined as never)).toThrow(/^gemm options: expected an options object, got undefined$/);
    expect(() => N.optimizerStep(f(1), f(1), null, null, null as never)).toThrow(/^optimizerStep options: expected an options object, got null$/);
    expect(() => N.augmentImages(f(1, 2), [1, 2] as never, 1)).toThrow(/^augmentImages options: expected an options object, got an array of 2$/);
    expect(() => N.transformImage(f(1, 2), { height: 1, width: 2 }, undefined as never)).toThrow(/^transformImage transform: expected an options object, got undefined$/);
  });

  it('reads every option once, so a getter cannot hand napi something other than what was checked', () => {
    let reads = 0;
    const options = {
      n: 2,
      k: 3,
      get m() {
        reads++;
        return reads === 1 ? 2 : ('two' as unknown as number);
      },
    };
    expect(Array.from(N.gemm(A, B, null, options))).toEqual([58, 64, 139, 154]);
    expect(reads).toBe(1);
  });
});

describe('buffers', () => {
  it('a detached buffer is an error naming the argument, not an empty array', () => {
    const z = f(1, 2);
    structuredClone(z.buffer, { transfer: [z.buffer] });
    expect(() => N.softmax(z, 1)).toThrow(/^softmax: z: its ArrayBuffer is detached \(transferred to another thread\), so it holds no data$/);
    const w = d(1, 2, 3, 4, 5, 6);
    structuredClone(w.buffer, { transfer: [w.buffer] });
    expect(() => N.gemmF64(d(...A), w, null, GEMM)).toThrow(/^gemmF64: b: its ArrayBuffer is detached/);
    // An array that is simply empty is still the binding's shape error.
    expect(() => N.softmax(f(), 1)).toThrow(/^softmax: z: expected shape \[m, 1\] with m ≥ 1, got 0 elements$/);
  });

  it('SharedArrayBuffer-backed arrays are copied before the kernel reads them, and give the same result', () => {
    const shared = new Float32Array(new SharedArrayBuffer(24));
    shared.set(A);
    const checked = typedArray('gemm: a', shared, Float32Array);
    expect(checked).not.toBe(shared);
    expect(Object.prototype.toString.call(checked.buffer)).toBe('[object ArrayBuffer]');
    expect(Array.from(checked)).toEqual(Array.from(A));
    const plain = f(1, 2, 3);
    expect(typedArray('x', plain, Float32Array)).toBe(plain); // no copy when no other thread can write
    expect(Array.from(N.gemm(shared, B, null, GEMM))).toEqual([58, 64, 139, 154]);
    const sharedZ = new Float64Array(new SharedArrayBuffer(48));
    sharedZ.set(A);
    expect(Array.from(N.gemmF64(sharedZ, d(...B), null, GEMM))).toEqual([58, 64, 139, 154]);
  });

  it('subarray views are read from their offset', () => {
    const big = f(99, 0, 0, 99);
    expect(Array.from(N.softmax(big.subarray(1, 3), 2))).toEqual([0.5, 0.5]);
  });
});

describe('the binding’s errors carry the kernel’s name', () => {
  it('shape, range and finiteness errors start with the kernel', () => {
    expect(() => N.gemm(A, f(1, 2, 3), null, GEMM)).toThrow(/^gemm: b: expected 3×2 = 6 elements, got 3$/);
    expect(() => N.softmax(f(1, 2), 0)).toThrow(/^softmax: n: must be a positive integer, got 0$/);
    expect(() => N.dropoutForward(f(1), 0, 1)).toThrow(/^dropoutForward: keepProb: must be in \(0, 1\], got 0$/);
    expect(() => N.rngU32(-1, 0, 1)).toThrow(/^rngU32: seed: must be an integer in \[0, 2\^53 − 1\], got -1$/);
    // Already named by the binding: not named twice.
    expect(() => N.gemm(f(), f(), null, { m: 4e9, n: 4e9, k: 0 })).toThrow(/^gemm: C would have/);
  });

  it('keeps the binding’s error code', () => {
    try {
      N.softmax(f(1, 2), 0);
      expect.fail('should throw');
    } catch (e) {
      expect((e as { code?: string }).code).toBe('InvalidArg');
    }
  });
});

describe('counts of the random streams', () => {
  it('are integers whose result fits in a Node buffer (2^32 bytes), checked before allocating', () => {
    expect(() => N.rngU32(1, 0, 4e9)).toThrow(/^rngU32: count: must be an integer in \[0, 1073741824\], got 4000000000$/);
    expect(() => N.rngNormal(1, 0, 2 ** 29 + 1)).toThrow(/^rngNormal: count: must be an integer in \[0, 536870912\], got 536870913$/);
    expect(() => N.rngU32(1, 0, 2.5)).toThrow(/^rngU32: count: must be an integer in \[0, 1073741824\], got 2\.5$/);
    expect(() => N.rngNormal(1, 0, -1)).toThrow(/^rngNormal: count: must be an integer/);
    expect(() => N.rngU32(1, 0, NaN)).toThrow(/^rngU32: count: must be an integer/);
    expect(N.rngU32(1, 0, 0)).toHaveLength(0);
  });
});
