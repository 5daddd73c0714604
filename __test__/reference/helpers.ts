// Shared helpers for the reference-kernel tests (not a test file itself).
import { expect } from 'vitest';
import { Rng } from '../../src/reference';

export const f64 = (...xs: number[]): Float64Array => Float64Array.from(xs);

/** Uniform values in [lo, hi) from a seeded Rng (deterministic test data). */
export function uniform(rng: Rng, length: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = lo + (hi - lo) * rng.nextF64();
  return out;
}

/** Two-sided finite difference ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h, in f64. */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-5): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const up = f(x);
    x[i] = saved - h;
    const down = f(x);
    x[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** Element-wise |a − e| ≤ abs + rel·|e|, with the first offending index in the message. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { abs = 1e-12, rel = 0 }: { abs?: number; rel?: number } = {},
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Math.abs(a - e) <= abs + rel * Math.abs(e);
    if (!ok) expect.fail(`index ${i}: got ${a}, expected ${e} (abs ${abs}, rel ${rel})`);
  }
}

/** Σ c_i · v_i in double: a scalar objective whose gradient with respect to v is c. */
export function dot(c: ArrayLike<number>, v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < c.length; i++) s += c[i] * v[i];
  return s;
}
