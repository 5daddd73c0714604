// Shared by the kernel tests in this folder (one file per kernel concept; each holds that
// concept's hand-computed cases, its property tests against the reference, and its bad-input
// cases, in that order): the comparison helpers and tolerances, the fast-check arbitraries, and
// the bad-input case machinery.
//
// Hand-computed cases
// The native kernels compute in f32, so values around 1 carry ~6e-8 of rounding per operation;
// unless stated otherwise results are compared with an absolute tolerance of 1e-6 (a few f32
// operations on O(1) numbers) — `close(x, want)` below. Every expected number is derived in a
// comment next to it, one per convention in docs/CONVENTIONS.md.
//
// Property tests: every native kernel (Rust via napi, src/kernels.ts) against the pure-TS
// reference kernels (src/reference), following docs/CONVENTIONS.md.
//
// How the comparison works
// - Both sides get the SAME f32 inputs. Where the two must agree bit for bit (rng, dropout masks,
//   bias add, relu, ...) the reference runs on the Float32Arrays and the results must be `===`.
// - Where the native kernel computes in f32 and the reference in f64, the reference runs on
//   Float64Array copies of the f32 inputs, i.e. it gives (almost) the exact value of the formula.
//   The tolerance is then a forward error bound of the native f32 evaluation, written with
//   u = 2^-24 (f32 unit roundoff) and the magnitudes of the terms involved (a "running error
//   bound"), usually with a slack factor 2. Each bound is derived next to its kernel. Nothing was
//   widened to make a test pass: these are first-order worst-case bounds, not fitted numbers.
// - Underflow: in the subnormal range a product or quotient is off by up to 2^-150 absolute (not
//   u relative); additions stay exact. TINY = 2^-140 is the absolute floor for that. Where a later
//   operation multiplies or divides such an underflowed intermediate, the bound carries the
//   amplified 2^-150 explicitly (gemm's α-scaled packing, rmsprop/adam's ÷(√s + ε), ...).
// - Hyperparameters (lr, β, λ, weight decay, momentum) are 0 or ≥ 1e-30, i.e. normal f32 numbers
//   once the native side rounds them to f32; a subnormal f32 learning rate is not a use case and
//   would only make the coefficient itself inexact by 2^-150.
//
// Shapes come from small integer arbitraries: 1..37 most of the time (1×1 and m = 1 included, and
// sizes that are no multiple of any SIMD width), occasionally 65..130. Values mix a uniform grid,
// fc.float (which reaches subnormals and extreme exponents), exact zeros and ±bound, with bounds up
// to 1e6. fast-check prints the seed and the shrunk counterexample of any failure; rerun one with
// `fc.assert(..., { seed, path })`.
//
// Bad input to every exported native kernel (src/kernels.ts): each call must throw a JS Error
// (napi `InvalidArg`, raised by crates/node/src/validate.rs before any work) whose message names
// the offending argument — `<arg>: <what was expected>, got <what came>`. Afterwards the process
// is still alive and normal calls still work (bad-input.test.ts).
//
// Left out on purpose (the binding accepts them today; reported, not tested here): zero sizes —
// gemm with m, n or k = 0, empty arrays for activationForward / activationBackward /
// dropoutForward / dropoutBackward / regularizationGrad / regularizationCost / optimizerStep,
// batchNormUpdateRunning with n = 0. Wrong kinds of argument (a Float64Array for a Float32Array,
// a BigInt or string for a number, detached buffers, unknown option keys) are refused earlier, by
// src/kernels.ts: boundary.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as N from '../../src/kernels';

export const RUNS = { numRuns: 100 };
export const U = 2 ** -24; // f32 unit roundoff
export const U64 = 2 ** -53; // f64 unit roundoff
export const TINY = 2 ** -140; // subnormal floor

export type Num = ArrayLike<number>;

// ----------------------------------------------------------------------------------------------
// arrays

/** A Float32Array from numbers (`f32(1, 2, 3)`, hand cases) or from one array-like (`f32(x)`). */
export function f32(...xs: number[]): Float32Array;
export function f32(x: Num): Float32Array;
export function f32(...xs: unknown[]): Float32Array {
  return xs.length === 0 || typeof xs[0] === 'number' ? Float32Array.from(xs as number[]) : Float32Array.from(xs[0] as Num);
}
export const f64 = (x: Num): Float64Array => Float64Array.from(x);

/** Variadic constructors of the bad-input and boundary tables. */
export const f = (...xs: number[]): Float32Array => Float32Array.from(xs);
export const d = (...xs: number[]): Float64Array => Float64Array.from(xs);

// ----------------------------------------------------------------------------------------------
// hand cases: absolute tolerance 1e-6 unless stated

export function close(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, tol = 1e-6): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    if (!(Math.abs(a[i] - e[i]) <= tol)) expect.fail(`index ${i}: got ${a[i]}, expected ${e[i]} (±${tol})`);
  }
}

// ----------------------------------------------------------------------------------------------
// property comparison helpers (they throw, so fast-check reports the counterexample and its seed)

export function within(label: string, got: Num, want: Num, tol: (i: number) => number): void {
  if (got.length !== want.length) throw new Error(`${label}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const t = tol(i);
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= t)) {
      throw new Error(`${label}[${i}]: native ${got[i]} vs reference ${want[i]}: |diff| ${d} > tol ${t}`);
    }
  }
}

export function same(label: string, got: Num, want: Num): void {
  if (got.length !== want.length) throw new Error(`${label}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${label}[${i}]: native ${got[i]} !== reference ${want[i]}`);
  }
}

// ----------------------------------------------------------------------------------------------
// arbitraries

/** A dimension: mostly 1..37 (with extra weight on 1), sometimes 65..130. */
export const dim = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 37 }) },
  { weight: 2, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 130 }) },
);

/** One f32 value in [-bound, bound]. */
export function f32Value(bound: number): fc.Arbitrary<number> {
  const b = Math.fround(bound);
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -(2 ** 24), max: 2 ** 24 }).map((i) => Math.fround((i / 2 ** 24) * bound)) },
    { weight: 2, arbitrary: fc.float({ min: -b, max: b, noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, b, -b, 1, -1).filter((x) => Math.abs(x) <= b) },
  );
}

/** A Float32Array of exactly `len` values (occasionally all zeros). Always a fresh array. */
export function f32Array(len: number, bound: number, value: fc.Arbitrary<number> = f32Value(bound)): fc.Arbitrary<Float32Array> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.array(value, { minLength: len, maxLength: len }).map((a) => Float32Array.from(a)) },
    { weight: 1, arbitrary: fc.constant(null).map(() => new Float32Array(len)) },
  );
}

/** Non-negative f32 values (variances, second moments). */
export function f32NonNeg(len: number, bound: number): fc.Arbitrary<Float32Array> {
  return f32Array(len, bound).map((a) => a.map(Math.abs));
}

export const magnitude = fc.constantFrom(1, 10, 1e3, 1e6);

/** A hyperparameter in [0, max]: exactly 0, a common value, or a double in [1e-30, max]. */
export function hyperparameter(max: number, common: number[]): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(0, ...common), fc.double({ min: 1e-30, max, noNaN: true }));
}

/** A seed: a non-negative safe integer, with the edges. */
export const seedArb = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.maxSafeNat(),
  fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1),
);

/** An [m, n] f32 matrix with a per-test magnitude. */
export function matrix(bounds: fc.Arbitrary<number> = magnitude) {
  return fc
    .record({ m: dim, n: dim, bound: bounds })
    .chain(({ m, n, bound }) =>
      fc.record({ m: fc.constant(m), n: fc.constant(n), bound: fc.constant(bound), x: f32Array(m * n, bound) }),
    );
}

// ----------------------------------------------------------------------------------------------
// bad input

export type Kernel = keyof typeof N;
export type Case = [label: string, call: () => unknown, message: RegExp];

/** The call throws an Error (InvalidArg) whose message matches `message`. */
export function expectArgError(call: () => unknown, message: RegExp): void {
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

export const NAN_INF = [
  [NaN, 'NaN'],
  [Infinity, 'inf'],
  [-Infinity, '-inf'],
] as const;

export const BAD_SEEDS = [-1, 0.5, 1.5, 2 ** 53, 2 ** 53 + 2, 1e20, NaN, Infinity, -Infinity];
export const SEED = /\bseed: must be an integer in \[0, 2\^53 − 1\], got /;

/**
 * The concept (file `<concept>.test.ts` in this folder) that holds each export's tests. The
 * bad-input test checks that it lists every export of src/kernels.ts; `badInput` checks that a
 * concept file gives cases for exactly its kernels, at least one each.
 */
export const KERNEL_CONCEPT: Record<Kernel, string> = {
  gemm: 'gemm',
  gemmF64: 'gemm',
  addBias: 'bias',
  biasGrad: 'bias',
  activationForward: 'activation',
  activationBackward: 'activation',
  softmax: 'loss',
  softmaxCrossEntropy: 'loss',
  sigmoidBinaryCrossEntropy: 'loss',
  batchNormForwardTrain: 'batchNorm',
  batchNormBackward: 'batchNorm',
  batchNormForwardInference: 'batchNorm',
  batchNormUpdateRunning: 'batchNorm',
  dropoutForward: 'dropout',
  dropoutBackward: 'dropout',
  regularizationGrad: 'regularization',
  regularizationCost: 'regularization',
  optimizerStep: 'optimizer',
  rngU32: 'rng',
  rngNormal: 'rng',
  initWeights: 'init',
  augmentImages: 'augment',
  transformImage: 'augment',
};

/**
 * The bad-input block of a concept file: one describe per kernel, one test per case. Refuses (at
 * collection, failing the file) a table that misses one of the concept's kernels, names another
 * concept's kernel, or has an empty list.
 */
export function badInput(concept: string, cases: Partial<Record<Kernel, Case[]>>): void {
  const mine = (Object.keys(KERNEL_CONCEPT) as Kernel[]).filter((k) => KERNEL_CONCEPT[k] === concept).sort();
  const given = Object.keys(cases).sort();
  if (JSON.stringify(given) !== JSON.stringify(mine)) {
    throw new Error(`${concept}: bad-input cases for [${given.join(', ')}], expected [${mine.join(', ')}]`);
  }
  describe('bad input: rejected with an Error naming the argument', () => {
    for (const [name, list] of Object.entries(cases) as [Kernel, Case[]][]) {
      if (list.length === 0) throw new Error(`${name}: no bad-input cases`);
      describe(name, () => {
        for (const [label, call, message] of list) {
          it(`${label} → ${message.source}`, () => expectArgError(call, message));
        }
      });
    }
  });
}
