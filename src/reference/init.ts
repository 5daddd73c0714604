/**
 * Weight initialization for W[nIn, nOut], drawn row-major from the INIT stream:
 *   zeros  → 0 (draws nothing)
 *   random → scale·N(0,1), scale = 0.01 by default
 *   he     → N(0,1)·√(2/nIn)
 *   xavier → N(0,1)·√(1/nIn)   (the course's "Xavier")
 *   glorot → N(0,1)·√(2/(nIn+nOut))
 *   lecun  → N(0,1)·√(1/nIn)
 * The std is computed in double and multiplied by rng.normal() in double, then stored.
 */
import type { Rng } from './rng';
import { checkLength, type FloatArray } from './types';

export type InitKind =
  | { kind: 'zeros' }
  | { kind: 'random'; scale?: number }
  | { kind: 'he' }
  | { kind: 'xavier' }
  | { kind: 'glorot' }
  | { kind: 'lecun' };

export type InitName = InitKind['kind'];

const INIT_NAMES: readonly InitName[] = ['zeros', 'random', 'he', 'xavier', 'glorot', 'lecun'];

/** Accepts 'he' or { kind: 'he' } and returns the object form. */
export function normalizeInit(init: InitKind | InitName): InitKind {
  const obj = typeof init === 'string' ? ({ kind: init } as InitKind) : init;
  if (!INIT_NAMES.includes(obj.kind)) {
    throw new Error(`unknown init: ${String(obj.kind)} (expected one of ${INIT_NAMES.join(', ')})`);
  }
  return obj;
}

/** The standard deviation of the normal each kind draws from (0 for zeros). */
export function initStd(init: InitKind | InitName, nIn: number, nOut: number): number {
  const k = normalizeInit(init);
  switch (k.kind) {
    case 'zeros':
      return 0;
    case 'random':
      return k.scale ?? 0.01;
    case 'he':
      return Math.sqrt(2 / nIn);
    case 'xavier':
    case 'lecun':
      return Math.sqrt(1 / nIn);
    case 'glorot':
      return Math.sqrt(2 / (nIn + nOut));
  }
}

/** Fills out[nIn·nOut] row-major and returns it. */
export function initWeights<T extends FloatArray>(
  init: InitKind | InitName,
  nIn: number,
  nOut: number,
  rng: Rng,
  out: T,
): T {
  checkLength('initWeights', 'out', out, nIn * nOut);
  const k = normalizeInit(init);
  if (k.kind === 'zeros') {
    out.fill(0);
    return out;
  }
  const std = initStd(k, nIn, nOut);
  for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
  return out;
}
