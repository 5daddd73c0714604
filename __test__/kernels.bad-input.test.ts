// Bad input to every exported native kernel (src/kernels.ts): each call must throw a JS Error
// (napi `InvalidArg`, raised by crates/node/src/validate.rs before any work) whose message names
// the offending argument — `<arg>: <what was expected>, got <what came>`. Afterwards the process
// is still alive and normal calls still work.
//
// Left out on purpose (the binding accepts them today; reported, not tested here): zero sizes —
// gemm with m, n or k = 0, empty arrays for activationForward / activationBackward /
// dropoutForward / dropoutBackward / regularizationGrad / regularizationCost / optimizerStep,
// batchNormUpdateRunning with n = 0. Wrong kinds of argument (a Float64Array for a Float32Array,
// a BigInt or string for a number, detached buffers, unknown option keys) are refused earlier, by
// src/kernels.ts: kernels.boundary.test.ts.
import { describe, expect, it } from 'vitest';
import * as N from '../src/kernels';
import * as R from '../src/reference';

const f = (...xs: number[]): Float32Array => Float32Array.from(xs);
const d = (...xs: number[]): Float64Array => Float64Array.from(xs);

type Case = [label: string, call: () => unknown, message: RegExp];

/** The call throws an Error (InvalidArg) whose message matches `message`. */
function expectArgError(call: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    call();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected the call to throw').toBeInstanceOf(Error);
  const err = thrown as Error & { code?: string };
  expect(err.message).toMatch(message);
  // A validation error, not a Rust panic caught by catch_unwind.
  expect(err.code).toBe('InvalidArg');
  expect(err.message).not.toMatch(/panicked|unwrap|RUST_BACKTRACE/);
}

const NAN_INF = [
  [NaN, 'NaN'],
  [Infinity, 'inf'],
  [-Infinity, '-inf'],
] as const;

const BAD_SEEDS = [-1, 0.5, 1.5, 2 ** 53, 2 ** 53 + 2, 1e20, NaN, Infinity, -Infinity];
const SEED = /\bseed: must be an integer in \[0, 2\^53 − 1\], got /;

// A = [[1,2,3],[4,5,6]] (2×3), B = 3×2, C = 2×2.
const A = f(1, 2, 3, 4, 5, 6);
const B = f(7, 8, 9, 10, 11, 12);
const C = f(1, 1, 1, 1);
const G = { m: 2, n: 2, k: 3 };

const cases: Record<keyof typeof N, Case[]> = {
  gemm: [
    ['b mismatched', () => N.gemm(A, f(1, 2, 3), null, G), /\bb: expected 3×2 = 6 elements, got 3\b/],
    ['b mismatched (transB)', () => N.gemm(A, f(1, 2, 3, 4), null, { ...G, transB: true }), /\bb: expected 2×3 = 6 elements, got 4\b/],
    ['a mismatched (transA)', () => N.gemm(f(1, 2), B, null, { ...G, transA: true }), /\ba: expected 3×2 = 6 elements, got 2\b/],
    ['c mismatched', () => N.gemm(A, B, f(1, 2, 3), { ...G, beta: 1 }), /\bc: expected 2×2 = 4 elements, got 3\b/],
    ['c mismatched even with beta = 0', () => N.gemm(A, B, f(1, 2, 3), G), /\bc: expected 2×2 = 4 elements, got 3\b/],
    ['c missing while beta ≠ 0', () => N.gemm(A, B, null, { ...G, beta: 0.5 }), /\bc: is required when beta ≠ 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in a`, () => N.gemm(f(1, 2, 3, 4, v, 6), B, null, G), new RegExp(`\\ba: element 4 is ${s}, expected a finite number`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in b`, () => N.gemm(A, f(v, 8, 9, 10, 11, 12), null, G), new RegExp(`\\bb: element 0 is ${s}, expected a finite number`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in c with beta ≠ 0`, () => N.gemm(A, B, f(1, v, 1, 1), { ...G, beta: 1 }), new RegExp(`\\bc: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`alpha = ${s}`, () => N.gemm(A, B, null, { ...G, alpha: v }), /\balpha: must be a finite number/]),
    ...NAN_INF.map(([v, s]): Case => [`beta = ${s}`, () => N.gemm(A, B, C, { ...G, beta: v }), /\bbeta: must be a finite number/]),
    ['threads = 0', () => N.gemm(A, B, null, { ...G, threads: 0 }), /\bthreads: must be a positive integer, got 0/],
  ],
  gemmF64: [
    ['b mismatched', () => N.gemmF64(d(...A), d(1, 2), null, G), /\bb: expected 3×2 = 6 elements, got 2\b/],
    ['a mismatched', () => N.gemmF64(d(1), d(...B), null, G), /\ba: expected 2×3 = 6 elements, got 1\b/],
    ['c mismatched', () => N.gemmF64(d(...A), d(...B), d(1), { ...G, beta: 1 }), /\bc: expected 2×2 = 4 elements, got 1\b/],
    ['c missing while beta ≠ 0', () => N.gemmF64(d(...A), d(...B), null, { ...G, beta: 2 }), /\bc: is required/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in a`, () => N.gemmF64(d(v, 2, 3, 4, 5, 6), d(...B), null, G), new RegExp(`\\ba: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in b`, () => N.gemmF64(d(...A), d(7, 8, 9, 10, 11, v), null, G), new RegExp(`\\bb: element 5 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in c with beta ≠ 0`, () => N.gemmF64(d(...A), d(...B), d(1, 1, v, 1), { ...G, beta: 2 }), new RegExp(`\\bc: element 2 is ${s}`)]),
    ['alpha = NaN', () => N.gemmF64(d(...A), d(...B), null, { ...G, alpha: NaN }), /\balpha: must be a finite number/],
    ['threads = 0', () => N.gemmF64(d(...A), d(...B), null, { ...G, threads: 0 }), /\bthreads: must be a positive integer/],
  ],
  addBias: [
    ['z not a multiple of bias.length', () => N.addBias(f(1, 2, 3, 4), f(1, 2, 3)), /\bz: expected shape \[m, 3\] with m ≥ 1, got 4 elements/],
    ['empty z (m = 0)', () => N.addBias(f(), f(1, 2)), /\bz: expected shape \[m, 2\] with m ≥ 1, got 0 elements/],
    ['empty bias (units 0)', () => N.addBias(f(1, 2), f()), /\bbias: must be a positive integer, got 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in z`, () => N.addBias(f(1, v), f(1, 2)), new RegExp(`\\bz: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in bias`, () => N.addBias(f(1, 2), f(v, 2)), new RegExp(`\\bbias: element 0 is ${s}`)]),
  ],
  biasGrad: [
    ['n = 0', () => N.biasGrad(f(1, 2), 0), /\bn: must be a positive integer, got 0/],
    ['dz not a multiple of n', () => N.biasGrad(f(1, 2, 3, 4, 5), 2), /\bdz: expected shape \[m, 2\] with m ≥ 1, got 5 elements/],
    ['empty dz', () => N.biasGrad(f(), 3), /\bdz: expected shape \[m, 3\]/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in dz`, () => N.biasGrad(f(1, 2, v, 4), 2), new RegExp(`\\bdz: element 2 is ${s}`)]),
  ],
  activationForward: [
    ['unknown kind', () => N.activationForward('gelux', f(1)), /\bkind: unknown activation 'gelux', expected identity \| relu \| leakyRelu \| tanh \| sigmoid/],
    ['kind is case-sensitive', () => N.activationForward('ReLU', f(1)), /\bkind: unknown activation 'ReLU'/],
    ['empty kind', () => N.activationForward('', f(1)), /\bkind: unknown activation ''/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in z`, () => N.activationForward('relu', f(0, v)), new RegExp(`\\bz: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`slope = ${s}`, () => N.activationForward('leakyRelu', f(1), v), /\bslope: must be a finite number/]),
  ],
  activationBackward: [
    ['a mismatched', () => N.activationBackward('tanh', f(1, 2), f(1), f(1, 2)), /\ba: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['da mismatched', () => N.activationBackward('relu', f(1, 2), f(1, 2), f(1, 2, 3)), /\bda: expected shape \[1, 2\] \(2 elements\), got 3 elements/],
    ['unknown kind', () => N.activationBackward('softplux', f(1), f(1), f(1)), /\bkind: unknown activation 'softplux'/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in z`, () => N.activationBackward('relu', f(v), f(1), f(1)), new RegExp(`\\bz: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in a`, () => N.activationBackward('sigmoid', f(1), f(v), f(1)), new RegExp(`\\ba: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in da`, () => N.activationBackward('tanh', f(1, 1), f(1, 1), f(1, v)), new RegExp(`\\bda: element 1 is ${s}`)]),
    ['slope = NaN', () => N.activationBackward('leakyRelu', f(1), f(1), f(1), NaN), /\bslope: must be a finite number/],
  ],
  softmax: [
    ['n = 0', () => N.softmax(f(1, 2), 0), /\bn: must be a positive integer, got 0/],
    ['z not a multiple of n', () => N.softmax(f(1, 2, 3), 2), /\bz: expected shape \[m, 2\] with m ≥ 1, got 3 elements/],
    ['empty z', () => N.softmax(f(), 2), /\bz: expected shape \[m, 2\] with m ≥ 1, got 0 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in z`, () => N.softmax(f(1, v), 2), new RegExp(`\\bz: element 1 is ${s}`)]),
  ],
  softmaxCrossEntropy: [
    ['labels mismatched', () => N.softmaxCrossEntropy(f(1, 2, 3), f(0, 1), 3), /\blabels: expected shape \[1, 3\] \(3 elements\), got 2 elements/],
    ['logits not a multiple of n', () => N.softmaxCrossEntropy(f(1, 2, 3), f(1, 0, 0), 2), /\blogits: expected shape \[m, 2\] with m ≥ 1, got 3 elements/],
    ['n = 0', () => N.softmaxCrossEntropy(f(1), f(1), 0), /\bn: must be a positive integer, got 0/],
    ['empty logits', () => N.softmaxCrossEntropy(f(), f(), 3), /\blogits: expected shape \[m, 3\]/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in logits`, () => N.softmaxCrossEntropy(f(1, v), f(1, 0), 2), new RegExp(`\\blogits: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in labels`, () => N.softmaxCrossEntropy(f(1, 2), f(v, 0), 2), new RegExp(`\\blabels: element 0 is ${s}`)]),
  ],
  sigmoidBinaryCrossEntropy: [
    ['labels mismatched', () => N.sigmoidBinaryCrossEntropy(f(1, 2), f(1), 1), /\blabels: expected shape \[2, 1\] \(2 elements\), got 1 elements/],
    ['logits not a multiple of n', () => N.sigmoidBinaryCrossEntropy(f(1, 2, 3), f(1, 0, 1), 2), /\blogits: expected shape \[m, 2\]/],
    ['n = 0', () => N.sigmoidBinaryCrossEntropy(f(1), f(1), 0), /\bn: must be a positive integer, got 0/],
    ['empty logits', () => N.sigmoidBinaryCrossEntropy(f(), f(), 1), /\blogits: expected shape \[m, 1\] with m ≥ 1, got 0 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in logits`, () => N.sigmoidBinaryCrossEntropy(f(v), f(1), 1), new RegExp(`\\blogits: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in labels`, () => N.sigmoidBinaryCrossEntropy(f(1, 2), f(0, v), 1), new RegExp(`\\blabels: element 1 is ${s}`)]),
  ],
  batchNormForwardTrain: [
    ['empty gamma (units 0)', () => N.batchNormForwardTrain(f(1, 2), f(), f(), 1e-3), /\bgamma: must be a positive integer, got 0/],
    ['beta mismatched', () => N.batchNormForwardTrain(f(1, 2, 3, 4), f(1, 1), f(0), 1e-3), /\bbeta: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['x not a multiple of gamma.length', () => N.batchNormForwardTrain(f(1, 2, 3), f(1, 1), f(0, 0), 1e-3), /\bx: expected shape \[m, 2\] with m ≥ 1, got 3 elements/],
    ['empty x (m = 0)', () => N.batchNormForwardTrain(f(), f(1), f(0), 1e-3), /\bx: expected shape \[m, 1\] with m ≥ 1, got 0 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in x`, () => N.batchNormForwardTrain(f(1, v), f(1), f(0), 1e-3), new RegExp(`\\bx: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in gamma`, () => N.batchNormForwardTrain(f(1, 2), f(v), f(0), 1e-3), new RegExp(`\\bgamma: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in beta`, () => N.batchNormForwardTrain(f(1, 2), f(1), f(v), 1e-3), new RegExp(`\\bbeta: element 0 is ${s}`)]),
    ...[0, -0, -1e-3, NaN, Infinity].map((eps): Case => [`eps = ${eps}`, () => N.batchNormForwardTrain(f(1, 2), f(1), f(0), eps), /\beps: must be a finite number > 0, got /]),
  ],
  batchNormBackward: [
    ['xHat mismatched', () => N.batchNormBackward(f(1, 2, 3, 4), f(1, 2), f(1, 1), f(1, 1), 1e-3), /\bxHat: expected shape \[2, 2\] \(4 elements\), got 2 elements/],
    ['variance mismatched', () => N.batchNormBackward(f(1, 2), f(1, 2), f(1), f(1, 1), 1e-3), /\bvariance: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['empty gamma (units 0)', () => N.batchNormBackward(f(1), f(1), f(), f(), 1e-3), /\bgamma: must be a positive integer, got 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in xHat`, () => N.batchNormBackward(f(1, 2), f(1, v), f(1, 1), f(1, 1), 1e-3), new RegExp(`\\bxHat: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in variance`, () => N.batchNormBackward(f(1, 2), f(1, 2), f(v, 1), f(1, 1), 1e-3), new RegExp(`\\bvariance: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in gamma`, () => N.batchNormBackward(f(1, 2), f(1, 2), f(1, 1), f(1, v), 1e-3), new RegExp(`\\bgamma: element 1 is ${s}`)]),
    ...[0, -1, NaN].map((eps): Case => [`eps = ${eps}`, () => N.batchNormBackward(f(1), f(1), f(1), f(1), eps), /\beps: must be a finite number > 0/]),
  ],
  batchNormForwardInference: [
    ['runningMean mismatched', () => N.batchNormForwardInference(f(1, 2), f(1, 1), f(0, 0), f(0), f(1, 1), 1e-3), /\brunningMean: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['runningVar mismatched', () => N.batchNormForwardInference(f(1, 2), f(1, 1), f(0, 0), f(0, 0), f(1, 1, 1), 1e-3), /\brunningVar: expected shape \[1, 2\] \(2 elements\), got 3 elements/],
    ['beta mismatched', () => N.batchNormForwardInference(f(1, 2), f(1, 1), f(0), f(0, 0), f(1, 1), 1e-3), /\bbeta: expected shape \[1, 2\]/],
    ['x not a multiple of gamma.length', () => N.batchNormForwardInference(f(1, 2, 3), f(1, 1), f(0, 0), f(0, 0), f(1, 1), 1e-3), /\bx: expected shape \[m, 2\]/],
    ['empty gamma (units 0)', () => N.batchNormForwardInference(f(1), f(), f(), f(), f(), 1e-3), /\bgamma: must be a positive integer, got 0/],
    ['negative runningVar', () => N.batchNormForwardInference(f(1, 2), f(1, 1), f(0, 0), f(0, 0), f(1, -0.5), 1e-3), /\brunningVar: element 1 is -0\.5, a variance cannot be negative/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in x`, () => N.batchNormForwardInference(f(v), f(1), f(0), f(0), f(1), 1e-3), new RegExp(`\\bx: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in runningMean`, () => N.batchNormForwardInference(f(1), f(1), f(0), f(v), f(1), 1e-3), new RegExp(`\\brunningMean: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in runningVar`, () => N.batchNormForwardInference(f(1), f(1), f(0), f(0), f(v), 1e-3), new RegExp(`\\brunningVar: element 0 is ${s}`)]),
    ...[0, -1, NaN].map((eps): Case => [`eps = ${eps}`, () => N.batchNormForwardInference(f(1), f(1), f(0), f(0), f(1), eps), /\beps: must be a finite number > 0/]),
  ],
  batchNormUpdateRunning: [
    ['runningVar mismatched', () => N.batchNormUpdateRunning(f(0, 0), f(1), f(1, 2), f(1, 2), 0.9), /\brunningVar: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['mean mismatched', () => N.batchNormUpdateRunning(f(0, 0), f(1, 1), f(1), f(1, 2), 0.9), /\bmean: expected shape \[1, 2\]/],
    ['variance mismatched', () => N.batchNormUpdateRunning(f(0, 0), f(1, 1), f(1, 2), f(1, 2, 3), 0.9), /\bvariance: expected shape \[1, 2\]/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in mean`, () => N.batchNormUpdateRunning(f(0), f(1), f(v), f(1), 0.9), new RegExp(`\\bmean: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in runningVar`, () => N.batchNormUpdateRunning(f(0), f(v), f(1), f(1), 0.9), new RegExp(`\\brunningVar: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in variance`, () => N.batchNormUpdateRunning(f(0), f(1), f(1), f(v), 0.9), new RegExp(`\\bvariance: element 0 is ${s}`)]),
    ...[1.5, -0.1, NaN, Infinity].map((mo): Case => [`momentum = ${mo}`, () => N.batchNormUpdateRunning(f(0), f(1), f(1), f(1), mo), /\bmomentum: must be in \[0, 1\], got /]),
  ],
  dropoutForward: [
    ...[0, -0.1, 1.5, NaN, Infinity, -Infinity, 1 + 2 ** -52].map((p): Case => [`keepProb = ${p}`, () => N.dropoutForward(f(1, 2), p, 1), /\bkeepProb: must be in \(0, 1\], got /]),
    ...BAD_SEEDS.map((seed): Case => [`seed = ${seed}`, () => N.dropoutForward(f(1, 2), 0.5, seed), SEED]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in x`, () => N.dropoutForward(f(1, v), 0.5, 1), new RegExp(`\\bx: element 1 is ${s}`)]),
  ],
  dropoutBackward: [
    ['mask mismatched', () => N.dropoutBackward(f(1, 2, 3), f(1, 1)), /\bmask: expected shape \[1, 3\] \(3 elements\), got 2 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in dy`, () => N.dropoutBackward(f(v, 2), f(1, 1)), new RegExp(`\\bdy: element 0 is ${s}`)]),
  ],
  regularizationGrad: [
    ['dw mismatched', () => N.regularizationGrad(f(1, 2), f(1), 0.1, 0, 1), /\bdw: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ...[-0.1, NaN, Infinity].map((l): Case => [`l2 = ${l}`, () => N.regularizationGrad(f(1), f(1), l, 0, 1), /\bl2: must be a finite number ≥ 0, got /]),
    ...[-0.5, NaN, Infinity].map((l): Case => [`l1 = ${l}`, () => N.regularizationGrad(f(1), f(1), 0, l, 1), /\bl1: must be a finite number ≥ 0, got /]),
    ['m = 0', () => N.regularizationGrad(f(1), f(1), 0.1, 0, 0), /\bm: must be a positive integer, got 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in w`, () => N.regularizationGrad(f(1, v), f(1, 1), 0.1, 0, 1), new RegExp(`\\bw: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in dw`, () => N.regularizationGrad(f(1, 1), f(v, 1), 0.1, 0, 1), new RegExp(`\\bdw: element 0 is ${s}`)]),
  ],
  regularizationCost: [
    ...[-1, NaN, Infinity].map((l): Case => [`l2 = ${l}`, () => N.regularizationCost(f(1), l, 0, 1), /\bl2: must be a finite number ≥ 0, got /]),
    ...[-1, NaN, -Infinity].map((l): Case => [`l1 = ${l}`, () => N.regularizationCost(f(1), 0, l, 1), /\bl1: must be a finite number ≥ 0, got /]),
    ['m = 0', () => N.regularizationCost(f(1), 0.1, 0.1, 0), /\bm: must be a positive integer, got 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in w`, () => N.regularizationCost(f(v), 0.1, 0, 1), new RegExp(`\\bw: element 0 is ${s}`)]),
  ],
  optimizerStep: [
    ['g mismatched', () => N.optimizerStep(f(1, 2), f(1), null, null, { kind: 'gd', learningRate: 0.1 }), /\bg: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['v mismatched', () => N.optimizerStep(f(1, 2), f(1, 2), f(0), null, { kind: 'momentum', learningRate: 0.1 }), /\bv: expected shape \[1, 2\]/],
    ['s mismatched', () => N.optimizerStep(f(1, 2), f(1, 2), null, f(0, 0, 0), { kind: 'rmsprop', learningRate: 0.1 }), /\bs: expected shape \[1, 2\] \(2 elements\), got 3 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in w`, () => N.optimizerStep(f(v), f(1), null, null, { kind: 'gd', learningRate: 0.1 }), new RegExp(`\\bw: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in g`, () => N.optimizerStep(f(1, 1), f(1, v), null, null, { kind: 'adam', learningRate: 0.1, step: 1 }), new RegExp(`\\bg: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in v`, () => N.optimizerStep(f(1), f(1), f(v), null, { kind: 'nesterov', learningRate: 0.1 }), new RegExp(`\\bv: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in s`, () => N.optimizerStep(f(1), f(1), null, f(v), { kind: 'rmsprop', learningRate: 0.1 }), new RegExp(`\\bs: element 0 is ${s}`)]),
    ...[-0.1, -Number.MIN_VALUE, NaN, Infinity].map((lr): Case => [`learningRate = ${lr}`, () => N.optimizerStep(f(1), f(1), null, null, { kind: 'gd', learningRate: lr }), /\blearningRate: must be a finite number ≥ 0, got /]),
    ...(['momentum', 'nesterov', 'rmsprop'] as const).flatMap((kind) =>
      [1, 1.5, -0.1, NaN].map((beta): Case => [`${kind} beta = ${beta}`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, beta }), /\bbeta: must be in \[0, 1\), got /]),
    ),
    ...(['adam', 'adamw'] as const).flatMap((kind) => [
      ...[1, -0.1, NaN].map((beta1): Case => [`${kind} beta1 = ${beta1}`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, beta1, step: 1 }), /\bbeta1: must be in \[0, 1\), got /]),
      ...[1, 1.5, -0.5].map((beta2): Case => [`${kind} beta2 = ${beta2}`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, beta2, step: 1 }), /\bbeta2: must be in \[0, 1\), got /]),
      [`${kind} without step`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1 }), /\bstep: adam\/adamw need the new step number \(≥ 1\)/] as Case,
      [`${kind} step = 0`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, step: 0 }), /\bstep: must be a positive integer, got 0/] as Case,
      [`${kind} step = -1`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, step: -1 }), /\bstep: must be an integer in \[0, 2\^32 − 1\], got -1/] as Case,
      [`${kind} step = 1.5`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, step: 1.5 }), /\bstep: must be an integer in \[0, 2\^32 − 1\], got 1\.5/] as Case,
    ]),
    ...[0, -0, -1e-8, NaN, Infinity].map((epsilon): Case => [`epsilon = ${epsilon}`, () => N.optimizerStep(f(1), f(1), null, null, { kind: 'adam', learningRate: 0.1, epsilon, step: 1 }), /\bepsilon: must be a finite number > 0, got /]),
    ['rmsprop epsilon = 0', () => N.optimizerStep(f(1), f(1), null, null, { kind: 'rmsprop', learningRate: 0.1, epsilon: 0 }), /\bepsilon: must be a finite number > 0/],
    ...[-0.01, NaN].map((weightDecay): Case => [`adamw weightDecay = ${weightDecay}`, () => N.optimizerStep(f(1), f(1), null, null, { kind: 'adamw', learningRate: 0.1, weightDecay, step: 1 }), /\bweightDecay: must be a finite number ≥ 0, got /]),
    ...['sgd', 'Adam', 'adagrad', ''].map((kind): Case => [`kind '${kind}'`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1 }), new RegExp(`\\bkind: unknown optimizer '${kind}', expected gd \\| momentum \\| nesterov \\| rmsprop \\| adam \\| adamw`)]),
  ],
  rngU32: [...BAD_SEEDS.map((seed): Case => [`seed = ${seed}`, () => N.rngU32(seed, 0, 4), SEED])],
  rngNormal: [...BAD_SEEDS.map((seed): Case => [`seed = ${seed}`, () => N.rngNormal(seed, 1, 4), SEED])],
  initWeights: [
    ...['orthogonal', 'He', ''].map((init): Case => [`init '${init}'`, () => N.initWeights(init, 2, 2, 1), new RegExp(`\\binit: unknown initializer '${init}', expected ${R.INIT_KINDS.join(' \\| ')}$`)]),
    ['nIn = 0', () => N.initWeights('he', 0, 3, 1), /\bnIn: must be a positive integer, got 0/],
    ['nOut = 0 (units 0)', () => N.initWeights('glorot', 3, 0, 1), /\bnOut: must be a positive integer, got 0/],
    ...BAD_SEEDS.map((seed): Case => [`seed = ${seed}`, () => N.initWeights('xavier', 2, 2, seed), SEED]),
    ...[-1, NaN, Infinity].map((scale): Case => [`random scale = ${scale}`, () => N.initWeights('random', 2, 2, 1, scale), /\bscale: must be a finite number ≥ 0, got /]),
  ],
  augmentImages: [
    ['height = 0', () => N.augmentImages(f(1, 2), { height: 0, width: 2 }, 1), /\baugment\.height: must be a positive integer, got 0/],
    ['width = 1.5', () => N.augmentImages(f(1, 2), { height: 1, width: 1.5 }, 1), /\baugment\.width: must be an integer/],
    ['shift = -1', () => N.augmentImages(f(1, 2), { height: 1, width: 2, shift: -1 }, 1), /\baugment\.shift: must be a finite number ≥ 0, got -1/],
    ['rotation = 190', () => N.augmentImages(f(1, 2), { height: 1, width: 2, rotation: 190 }, 1), /\baugment\.rotation: must be in \[0, 180\] degrees, got 190/],
    ['scale = 1', () => N.augmentImages(f(1, 2), { height: 1, width: 2, scale: 1 }, 1), /\baugment\.scale: must be in \[0, 1\), got 1/],
    ['noise = NaN', () => N.augmentImages(f(1, 2), { height: 1, width: 2, noise: NaN }, 1), /\baugment\.noise: must be a finite number ≥ 0, got NaN/],
    ['x not rows of h·w·c', () => N.augmentImages(f(1, 2, 3), { height: 1, width: 2 }, 1), /\bx: expected shape \[m, 2\]/],
    ['NaN in x', () => N.augmentImages(f(1, NaN), { height: 1, width: 2 }, 1), /\bx: element 1 is NaN/],
    ...BAD_SEEDS.map((seed): Case => [`seed = ${seed}`, () => N.augmentImages(f(1, 2), { height: 1, width: 2 }, seed), SEED]),
  ],
  transformImage: [
    ['channels = 0', () => N.transformImage(f(1, 2), { height: 1, width: 2, channels: 0 }, {}), /\baugment\.channels: must be a positive integer, got 0/],
    ['dx = Infinity', () => N.transformImage(f(1, 2), { height: 1, width: 2 }, { dx: Infinity }), /\btransform\.dx: must be a finite number/],
    ['rotation = NaN', () => N.transformImage(f(1, 2), { height: 1, width: 2 }, { rotation: NaN }), /\btransform\.rotation: must be a finite number/],
    ['scale = 0', () => N.transformImage(f(1, 2), { height: 1, width: 2 }, { scale: 0 }), /\btransform\.scale: must be a finite number > 0/],
    ['x empty', () => N.transformImage(f(), { height: 1, width: 2 }, {}), /\bx: expected shape \[m, 2\] with m ≥ 1, got 0 elements/],
  ],
};

describe('every native kernel rejects bad input with an Error naming the argument', () => {
  it('covers every export of src/kernels.ts', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(N).sort());
    for (const [name, list] of Object.entries(cases)) expect(list.length, name).toBeGreaterThan(0);
  });

  for (const [name, list] of Object.entries(cases)) {
    describe(name, () => {
      for (const [label, call, message] of list) {
        it(`${label} → ${message.source}`, () => expectArgError(call, message));
      }
    });
  }

  it('a thrown error is a plain JS Error (instanceof Error) with the argument in its message', () => {
    let caught: unknown;
    try {
      N.gemm(A, f(1, 2, 3), null, G);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(/\bb: expected/);
    expect(() => N.dropoutForward(f(1), 0, 1)).toThrow(Error);
    expect(() => N.dropoutForward(f(1), 0, 1)).toThrow(/keepProb/);
  });
});

describe('after all of the above', () => {
  it('the process is alive and every kernel still works on good input', () => {
    expect(process.pid).toBeGreaterThan(0);
    expect(Array.from(N.gemm(A, B, null, G))).toEqual([58, 64, 139, 154]);
    expect(Array.from(N.gemmF64(d(...A), d(...B), null, G))).toEqual([58, 64, 139, 154]);
    expect(Array.from(N.addBias(A, f(1, 1, 1)))).toEqual([2, 3, 4, 5, 6, 7]);
    expect(Array.from(N.biasGrad(A, 3))).toEqual([5, 7, 9]);
    expect(Array.from(N.activationForward('relu', f(-1, 2)))).toEqual([0, 2]);
    expect(Array.from(N.activationBackward('relu', f(-1, 2), f(0, 2), f(3, 3)))).toEqual([0, 3]);
    expect(N.softmax(f(0, 0), 2)[0]).toBe(0.5);
    expect(N.softmaxCrossEntropy(f(0, 0), f(1, 0), 2).loss).toBeCloseTo(Math.LN2, 6);
    expect(N.sigmoidBinaryCrossEntropy(f(0), f(1), 1).loss).toBeCloseTo(Math.LN2, 12);
    expect(Array.from(N.batchNormForwardTrain(f(1, 3), f(1), f(0), 1e-3).mean)).toEqual([2]);
    expect(N.batchNormBackward(f(1, 1), f(-1, 1), f(1), f(1), 1e-3).dBeta[0]).toBe(2);
    expect(Array.from(N.batchNormForwardInference(f(0), f(1), f(5), f(0), f(1), 1e-3))).toEqual([5]);
    expect(N.batchNormUpdateRunning(f(0), f(1), f(1), f(1), 0.5).runningMean[0]).toBe(0.5);
    expect(Array.from(N.dropoutForward(f(1, 2), 1, 3).y)).toEqual([1, 2]);
    expect(Array.from(N.dropoutBackward(f(1, 2), f(2, 0)))).toEqual([2, 0]);
    expect(Array.from(N.regularizationGrad(f(2), f(0), 1, 0, 2))).toEqual([1]);
    expect(N.regularizationCost(f(2), 1, 0, 2)).toBe(1);
    expect(Array.from(N.optimizerStep(f(1), f(1), null, null, { kind: 'gd', learningRate: 0.5 }).w)).toEqual([0.5]);
    expect(N.rngU32(0, 0, 3)).toHaveLength(3);
    expect(N.rngNormal(0, 0, 3)).toHaveLength(3);
    expect(N.initWeights('zeros', 2, 2, 0)).toHaveLength(4);
  });
});

// Integer arguments are checked by tunenet, not napi's u32 conversion (which wraps −1 to
// 4294967295 and truncates 2.5): a typo must never become a giant allocation that aborts Node.
describe('integer arguments and allocation limits', () => {
  it('rejects negative, fractional and non-finite sizes by name', () => {
    expectArgError(() => N.softmax(f(1, 2, 3, 4), 1.5), /\bn: must be an integer in \[0, 2\^32 − 1\], got 1\.5/);
    expectArgError(() => N.softmax(f(1, 2, 3, 4), -1), /\bn: must be an integer in \[0, 2\^32 − 1\], got -1/);
    expectArgError(() => N.gemm(A, B, null, { m: -1, n: 2, k: 3 }), /\bm: must be an integer/);
    expectArgError(() => N.rngU32(1, 2 ** 32, 2), /\bstream: must be an integer/);
    expectArgError(() => N.initWeights('he', 2.5, 3, 1), /\bnIn: must be an integer/);
  });

  it('refuses outputs too large to allocate before allocating them', () => {
    expectArgError(() => N.gemm(f(), f(), null, { m: 4e9, n: 4e9, k: 0 }), /\bgemm: C would have 4000000000×4000000000 elements/);
    expectArgError(() => N.initWeights('he', 1e5, 1e5, 1), /\bnOut: .*too many/);
  });

  it('checks the dropout mask, names dy, and rejects negative variances', () => {
    expectArgError(() => N.dropoutBackward(f(1), f(NaN)), /\bmask: element 0 is NaN/);
    expectArgError(() => N.batchNormBackward(f(1, 2, 3), f(1, 2), f(1, 1), f(1, 1), 1e-3), /\bdy: expected shape \[m, 2\]/);
    expectArgError(() => N.batchNormBackward(f(1, 2), f(1, 2), f(1, -1), f(1, 1), 1e-3), /\bvariance: element 1 is -1/);
    expectArgError(() => N.batchNormUpdateRunning(f(0), f(1), f(0), f(-2), 0.9), /\bvariance: element 0 is -2/);
  });
});
