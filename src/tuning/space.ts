// Search spaces for hyperparameter tuning: each dimension says how to draw one hyperparameter at
// random, on the scale where its effect is roughly uniform. A space is a plain object of
// dimensions, e.g. { learningRate: logUniform(1e-4, 1e-1), beta1: oneMinusLogUniform(0.8, 0.999) }.
//
// - uniform(lo, hi):            x = lo + (hi − lo)·u                                 (u uniform in [0, 1))
// - integer(lo, hi):            an integer in [lo, hi], both ends included, each equally likely
// - logUniform(lo, hi):         α = 10^r, r uniform in [log10 lo, log10 hi]          (0 < lo < hi)
// - oneMinusLogUniform(lo, hi): β = 1 − 10^r, r uniform in [log10(1 − hi), log10(1 − lo)]  (0 ≤ lo < hi < 1)
// - choice(values):             one of the values, each equally likely
//
// `zoom` narrows a space around the best configurations found so far (coarse to fine), working on
// each dimension's own scale: log10 α for log-uniform, log10(1 − β) for one-minus-log-uniform.
import { integer as integerArg, isPlainObject, number, options, rangeError, typeError } from '../validation/args';

export interface UniformDimension {
  readonly kind: 'uniform';
  readonly lo: number;
  readonly hi: number;
}

export interface IntegerDimension {
  readonly kind: 'integer';
  readonly lo: number;
  readonly hi: number;
}

export interface LogUniformDimension {
  readonly kind: 'logUniform';
  readonly lo: number;
  readonly hi: number;
}

export interface OneMinusLogUniformDimension {
  readonly kind: 'oneMinusLogUniform';
  readonly lo: number;
  readonly hi: number;
}

export interface ChoiceDimension<T = unknown> {
  readonly kind: 'choice';
  readonly values: readonly T[];
}

export type NumericDimension = UniformDimension | IntegerDimension | LogUniformDimension | OneMinusLogUniformDimension;
export type Dimension = NumericDimension | ChoiceDimension<unknown>;
/** Hyperparameter name → dimension. Keys are sampled in the object's key order. */
export type Space = { readonly [name: string]: Dimension };
/** The configuration a space draws: a number per numeric dimension, a value per choice. */
export type ConfigOf<S extends Space> = { [K in keyof S]: S[K] extends ChoiceDimension<infer T> ? T : number };

/** What sampling needs from a generator; `reference.Rng` (e.g. `Rng.withStream(seed, RngStream.SEARCH)`) fits. */
export interface SearchRng {
  nextF64(): number;
  below(n: number): number;
}

const KINDS = ['uniform', 'integer', 'logUniform', 'oneMinusLogUniform', 'choice'] as const;

/** The sampler draws an integer dimension's value with Rng.below(hi − lo + 1), which takes at most 2^32. */
const MAX_INTEGER_SPAN = 2 ** 32 - 1;

/**
 * Checks lo < hi for a numeric dimension of `kind`; `at(name)` names each bound in messages
 * (`uniform: lo`, or `randomSearch: space.lr.lo` for a dimension found in a space).
 */
function checkBounds(kind: NumericDimension['kind'], lo: unknown, hi: unknown, at: (bound: 'lo' | 'hi') => string): [number, number] {
  const bound = (name: 'lo' | 'hi', v: unknown): number => {
    if (kind === 'integer') return integerArg(at(name), v, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const x = number(at(name), v);
    if (kind === 'logUniform' && x <= 0) throw rangeError(at(name), '> 0 (the range is on a log scale)', x);
    if (kind === 'oneMinusLogUniform' && (x < 0 || x >= 1)) throw rangeError(at(name), `in [0, 1) (1 − ${name} is on a log scale)`, x);
    return x;
  };
  const l = bound('lo', lo);
  const h = bound('hi', hi);
  if (!(l < h)) throw rangeError(at('hi'), `greater than lo (${l})`, h);
  // lo + (hi − lo)·u must stay finite (uniform(−1e308, 1e308) would draw NaN at u = 0).
  if (kind === 'uniform' && !Number.isFinite(h - l)) throw rangeError(at('hi'), `within ${Number.MAX_VALUE} of lo (${l})`, h);
  if (kind === 'integer' && h - l > MAX_INTEGER_SPAN) throw rangeError(at('hi'), `at most lo + ${MAX_INTEGER_SPAN} (at most 2^32 values to draw from)`, h);
  return [l, h];
}

function numeric<K extends NumericDimension['kind']>(kind: K, lo: unknown, hi: unknown): Extract<NumericDimension, { kind: K }> {
  const [l, h] = checkBounds(kind, lo, hi, (bound) => `${kind}: ${bound}`);
  return Object.freeze({ kind, lo: l, hi: h }) as Extract<NumericDimension, { kind: K }>;
}

/** x uniform in [lo, hi). */
export function uniform(lo: number, hi: number): UniformDimension {
  return numeric('uniform', lo, hi);
}

/** An integer in [lo, hi], both included. */
export function integer(lo: number, hi: number): IntegerDimension {
  return numeric('integer', lo, hi);
}

/** α = 10^r with r uniform in [log10 lo, log10 hi]: as many draws in [1e-4, 1e-3] as in [1e-1, 1]. */
export function logUniform(lo: number, hi: number): LogUniformDimension {
  return numeric('logUniform', lo, hi);
}

/**
 * β = 1 − 10^r with r uniform in [log10(1 − hi), log10(1 − lo)], for averaging coefficients such as
 * momentum's β or Adam's β1: as many draws in [0.9, 0.99] as in [0.99, 0.999].
 */
export function oneMinusLogUniform(lo: number, hi: number): OneMinusLogUniformDimension {
  return numeric('oneMinusLogUniform', lo, hi);
}

function checkValues(where: string, values: unknown): readonly unknown[] {
  if (!Array.isArray(values)) throw typeError(where, 'a non-empty array', values);
  if (values.length === 0) throw rangeError(where, 'a non-empty array', values);
  return values;
}

/** One of `values`, each equally likely. */
export function choice<T>(values: readonly T[]): ChoiceDimension<T> {
  return Object.freeze({ kind: 'choice', values: Object.freeze([...(checkValues('choice: values', values) as readonly T[])]) });
}

function isNumeric(d: Dimension): d is NumericDimension {
  return d.kind !== 'choice';
}

/**
 * Throws unless `space` is a non-empty plain object whose every value is a valid dimension (one
 * built by hand or parsed from JSON is checked as the constructors check); returns its names.
 * `where` names the space in messages (`randomSearch: space`).
 */
export function validateSpace(space: unknown, where: string): string[] {
  if (!isPlainObject(space)) throw typeError(where, 'an object of dimensions ({ learningRate: logUniform(1e-4, 1e-1), … })', space);
  const keys = Object.keys(space);
  if (keys.length === 0) throw new RangeError(`${where}: the search space is empty; give at least one dimension`);
  for (const key of keys) {
    const d = space[key];
    const at = `${where}.${key}`;
    const kind = isPlainObject(d) ? d.kind : undefined;
    if (!KINDS.includes(kind as Dimension['kind'])) {
      throw typeError(at, 'a dimension (uniform, integer, logUniform, oneMinusLogUniform or choice)', d);
    }
    const fields = options(at, d, kind === 'choice' ? ['kind', 'values'] : ['kind', 'lo', 'hi']);
    if (kind === 'choice') checkValues(`${at}.values`, fields.values);
    else checkBounds(kind as NumericDimension['kind'], fields.lo, fields.hi, (bound) => `${at}.${bound}`);
  }
  return keys;
}

/** The dimension's own scale, where sampling is uniform (log10 α, log10(1 − β)). */
function toScale(d: NumericDimension, x: number): number {
  switch (d.kind) {
    case 'logUniform':
      return Math.log10(x);
    case 'oneMinusLogUniform':
      return Math.log10(1 - x);
    default:
      return x;
  }
}

function fromScale(d: NumericDimension, t: number): number {
  switch (d.kind) {
    case 'logUniform':
      return 10 ** t;
    case 'oneMinusLogUniform':
      return 1 - 10 ** t;
    default:
      return t;
  }
}

/** [min, max] by a loop: spreading a million best configs into Math.min would overflow the stack. */
function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** One value of one dimension. */
export function sampleDimension(d: Dimension, rng: SearchRng): unknown {
  switch (d.kind) {
    case 'choice':
      return d.values[rng.below(d.values.length)];
    case 'integer':
      return d.lo + rng.below(d.hi - d.lo + 1);
    default: {
      const a = toScale(d, d.lo);
      const b = toScale(d, d.hi);
      // Rounding in 10^r can step a hair outside the bounds; the clamp keeps every draw inside.
      return clamp(fromScale(d, a + (b - a) * rng.nextF64()), d.lo, d.hi);
    }
  }
}

/** Draws one configuration: each dimension in the space's key order, from `rng`. */
export function sample<S extends Space>(space: S, rng: SearchRng): ConfigOf<S> {
  const keys = validateSpace(space, 'sample: space');
  if (rng === null || typeof rng !== 'object' || typeof rng.nextF64 !== 'function' || typeof rng.below !== 'function') {
    throw typeError('sample: rng', 'a random generator such as reference.Rng.withStream(seed, RngStream.SEARCH)', rng);
  }
  const config: Record<string, unknown> = {};
  for (const key of keys) config[key] = sampleDimension(space[key], rng);
  return config as ConfigOf<S>;
}

/**
 * Narrows each numeric dimension around the best configurations (coarse to fine). On the
 * dimension's own scale (log10 α, log10(1 − β), or the value itself), the new range spans the
 * best configs' values, widened symmetrically to at least `factor` × the old width, then clamped
 * to the old bounds (which lie inside the original bounds). Integer ranges are rounded outwards.
 * Every best config stays inside the zoomed space. Choice dimensions are kept as they are.
 */
export function zoom<S extends Space>(space: S, bestConfigs: readonly Record<string, unknown>[], factor = 0.5): S {
  const keys = validateSpace(space, 'zoom: space');
  checkValues('zoom: bestConfigs', bestConfigs);
  number('zoom: factor', factor, 0, 1, { lo: true });
  const out: Record<string, Dimension> = {};
  for (const key of keys) {
    const d = space[key];
    if (!isNumeric(d)) {
      out[key] = d;
      continue;
    }
    const values = bestConfigs.map((c, i) => {
      const v = c === null || typeof c !== 'object' ? undefined : c[key];
      return number(`zoom: bestConfigs[${i}].${key}`, v, d.lo, d.hi); // inside the space, or zooming could not contain it
    });
    const [vMin, vMax] = extent(values);
    const [a, b] = [toScale(d, d.lo), toScale(d, d.hi)].sort((p, q) => p - q);
    const ts = values.map((v) => toScale(d, v));
    const [tMin, tMax] = extent(ts);
    const pad = Math.max(0, (factor * (b - a) - (tMax - tMin)) / 2);
    const ends = [fromScale(d, tMin - pad), fromScale(d, tMax + pad)].sort((p, q) => p - q);
    // The clamps keep the range inside the old bounds; min/max with the best values undo any
    // rounding in the log round trip, so the best configs are always contained.
    let lo = Math.min(vMin, clamp(ends[0], d.lo, d.hi));
    let hi = Math.max(vMax, clamp(ends[1], d.lo, d.hi));
    if (d.kind === 'integer') {
      lo = Math.floor(lo);
      hi = Math.ceil(hi);
    }
    out[key] = Object.freeze({ kind: d.kind, lo, hi });
  }
  return out as unknown as S;
}
