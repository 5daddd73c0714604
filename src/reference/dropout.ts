/**
 * Inverted dropout. Each call splits sixteen lanes from the rng (the DROPOUT stream of the model
 * seed; `Rng.split`, in lane order); element i, in row-major order, takes the next 32-bit output
 * u of lane i mod 16 and is kept when (u >>> 8) < floor(keepProb·2²⁴). mask = 1/keepProb where
 * kept, 0 otherwise; Y = X ⊙ mask, and backward dX = dY ⊙ mask. keepProb = 1 draws nothing
 * (Y = X, mask all ones).
 */
import type { Rng } from './rng';
import { checkLength, like, type FloatArray } from './types';

/** Generators a call draws from side by side (crates/core/src/rng.rs `LANES`). */
export const DROPOUT_LANES = 16;

export interface DropoutResult<T extends FloatArray> {
  y: T;
  mask: T;
}

export function dropoutForward<T extends FloatArray>(x: T, keepProb: number, rng: Rng): DropoutResult<T> {
  if (!(keepProb > 0 && keepProb <= 1)) {
    throw new RangeError(`dropoutForward: keepProb must be in (0, 1], got ${keepProb}`);
  }
  const y = like(x, x.length);
  const mask = like(x, x.length);
  if (keepProb === 1) {
    y.set(x);
    mask.fill(1);
    return { y, mask };
  }
  const threshold = Math.floor(keepProb * 16777216); // floor(keepProb·2²⁴)
  const scale = 1 / keepProb;
  const lanes = Array.from({ length: DROPOUT_LANES }, () => rng.split());
  for (let i = 0; i < x.length; i++) {
    const kept = lanes[i % DROPOUT_LANES].nextU32() >>> 8 < threshold;
    mask[i] = kept ? scale : 0;
    y[i] = x[i] * mask[i]; // uses the stored mask (f32-rounded for f32 arrays)
  }
  return { y, mask };
}

/** dX = dY ⊙ mask. */
export function dropoutBackward<T extends FloatArray>(dy: T, mask: FloatArray): T {
  checkLength('dropoutBackward', 'mask', mask, dy.length);
  const dx = like(dy, dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * mask[i];
  return dx;
}
