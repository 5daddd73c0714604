/**
 * Array types and the two small helpers every reference kernel shares.
 *
 * Kernels accept either precision. Arithmetic is always done in JS doubles; results are stored
 * into an array of the same type as the main input, so f32 inputs give f32 outputs (rounded on
 * store, like the native f32 kernels) and f64 inputs give f64 outputs.
 */
export type FloatArray = Float32Array | Float64Array;

/** A new zero-filled array of the same type as `x` (Float32Array stays Float32Array). */
export function like<T extends FloatArray>(x: T, length: number): T {
  const Ctor = x.constructor as new (length: number) => T;
  return new Ctor(length);
}

/** Throws unless `array.length === expected`; the message names the operand. */
export function checkLength(kernel: string, name: string, array: ArrayLike<number>, expected: number): void {
  if (array.length !== expected) {
    throw new Error(`${kernel}: ${name} has ${array.length} elements, expected ${expected}`);
  }
}

/**
 * Number of rows m of a row-major matrix `x` with `n` columns (x.length = m·n).
 * With n = 0 the matrix must be empty and m is reported as 0.
 */
export function rowsOf(kernel: string, name: string, x: ArrayLike<number>, n: number): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`${kernel}: column count n must be a non-negative integer, got ${n}`);
  }
  if (n === 0) {
    if (x.length !== 0) throw new Error(`${kernel}: ${name} has ${x.length} elements but n = 0`);
    return 0;
  }
  if (x.length % n !== 0) {
    throw new Error(`${kernel}: ${name} has ${x.length} elements, not a multiple of n = ${n}`);
  }
  return x.length / n;
}
