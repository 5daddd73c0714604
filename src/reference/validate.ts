/**
 * Argument checks, mirroring the binding's (crates/node/src/validate.rs). The reference is a
 * checker, not an emulator: it refuses the same calls as the native backend and its messages name
 * the same argument first ("layers[2].keepProb: must be in (0, 1], got 0"), but the rest of each
 * message is its own, with numbers printed as JavaScript prints them (NaN, Infinity).
 */
/** An Error like the binding's InvalidArg: the message starts with the argument's name. */
export function invalid(arg: string, what: string): Error {
  return Object.assign(new Error(`${arg}: ${what}`), { code: 'InvalidArg' });
}

/**
 * A JS number the binding receives as u32. napi would silently truncate or wrap anything else
 * (2.7 → 2, −1 → 4294967295); the reference refuses it instead.
 */
export function u32(arg: string, value: unknown): number {
  if (value === undefined || value === null) return 0; // Option<u32>::unwrap_or(0)
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw invalid(arg, `must be an integer in [0, 2^32 − 1], got ${String(value)}`);
  }
  return value;
}

/** A size that must be at least 1. */
export function positive(arg: string, value: unknown): number {
  const v = u32(arg, value);
  if (v === 0) throw invalid(arg, 'must be a positive integer, got 0');
  return v;
}

/** Exactly rows × cols elements. */
export function checkShape(arg: string, data: ArrayLike<number>, rows: number, cols: number): void {
  if (data.length !== rows * cols) {
    throw invalid(arg, `expected shape [${rows}, ${cols}] (${rows * cols} elements), got ${data.length} elements`);
  }
}

/** Length a non-zero multiple of cols: returns the row count. */
export function rowsOf(arg: string, data: ArrayLike<number>, cols: number): number {
  if (data.length === 0 || data.length % cols !== 0) {
    throw invalid(arg, `expected shape [m, ${cols}] with m ≥ 1, got ${data.length} elements`);
  }
  return data.length / cols;
}

export function checkFinite(arg: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw invalid(arg, `element ${i} is ${data[i]}, expected a finite number`);
  }
}

export function nonNegative(arg: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw invalid(arg, `must be a finite number ≥ 0, got ${value}`);
  return value;
}

export function positiveF64(arg: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw invalid(arg, `must be a finite number > 0, got ${value}`);
  return value;
}

/** Seeds and step counters: a non-negative safe integer. */
export function safeInteger(arg: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0 && Number.isInteger(value) && value <= Number.MAX_SAFE_INTEGER)) {
    throw invalid(arg, `must be an integer in [0, 2^53 − 1], got ${value}`);
  }
  return value;
}

/** The f32 copy the binding works on (a Float32Array is used as is: nothing here writes to it). */
export function asF32(values: ArrayLike<number>): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}
