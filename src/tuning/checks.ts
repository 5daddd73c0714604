// Argument checks shared by the tuning functions: every bad argument throws an Error naming it.
import os from 'node:os';

export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name}: must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

export function seedOf(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name}: must be an integer ≥ 0 (a safe integer), got ${String(value)}`);
  }
  return value;
}

export function optionalFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name}: expected a function, got ${typeof value}`);
}

/** Cores this process may use (os.availableParallelism, falling back to the CPU count). */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : Math.max(1, os.cpus().length);
}

/**
 * The native thread budget of each of `concurrency` trials running at once:
 * max(1, floor(cores / concurrency)), so that trials together never ask for more threads than cores.
 */
export function threadsPerTrial(concurrency: number, cores: number = availableCores()): number {
  positiveInteger('concurrency', concurrency);
  positiveInteger('cores', cores);
  return Math.max(1, Math.floor(cores / concurrency));
}
