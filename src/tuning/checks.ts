// Limits and checks shared by the tuning functions. Argument checks themselves are the helpers
// of src/validation/args.ts, so every message reads `randomSearch: trials: must be …`.
import os from 'node:os';
import { integer } from '../validation/args';

/**
 * Most trials one search runs: every trial keeps a record (config, result) in memory, and a
 * million is far beyond any real budget while a typo (1e9) would exhaust the heap before the
 * first trial ran.
 */
export const MAX_TRIALS = 1_000_000;

/** Cores this process may use (os.availableParallelism, falling back to the CPU count). */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : Math.max(1, os.cpus().length);
}

/**
 * The native thread budget of each of `concurrency` trials running at once:
 * max(1, floor(cores / concurrency)), so that trials together never ask for more threads than cores.
 */
export function threadsPerTrial(concurrency: number, cores: number = availableCores()): number {
  integer('threadsPerTrial: concurrency', concurrency, 1);
  integer('threadsPerTrial: cores', cores, 1);
  return Math.max(1, Math.floor(cores / concurrency));
}
