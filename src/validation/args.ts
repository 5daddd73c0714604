// Argument checks for the public API. Every public function validates what it is handed here,
// before anything reaches a backend, so a bad call throws an Error whose message starts with the
// function and the argument (`fit: epochs: must be an integer in [1, 1000000], got 2.5`) and
// leaves every model untouched. Unknown option keys are errors too (one mechanism for every
// options object), with the closest known key suggested.
import { closest, distance } from 'fastest-levenshtein';

/** Largest count any loop bound may take (epochs, trials, steps…): beyond it a typo, not a plan. */
export const MAX_COUNT = 1_000_000_000;

/** A readable name for what was handed in: `null`, `a string`, `a BigInt`, `a Float64Array`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `a BigInt (${value}n)`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return `a ${typeof value}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const name = (value as object).constructor?.name ?? 'object';
  return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name}`;
}

/** `where: what, got …` as a TypeError (wrong kind of value). */
export function typeError(where: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${where}: expected ${expected}, got ${describe(got)}`);
}

/** `where: what, got …` as a RangeError (right kind, wrong value). */
export function rangeError(where: string, expected: string, got: unknown): RangeError {
  return new RangeError(`${where}: must be ${expected}, got ${describe(got)}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * An options object: undefined (→ {}) or a plain object whose keys are all in `known`.
 * `where` names it in messages: `fit options`, `fit options.earlyStopping`.
 */
export function options<K extends string>(where: string, value: unknown, known: readonly K[]): Partial<Record<K, unknown>> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw typeError(where, 'an options object', value);
  for (const key of Object.keys(value)) {
    if (!(known as readonly string[]).includes(key)) {
      throw new TypeError(`${where}: unknown option '${key}'${suggestion(key, known)}`);
    }
  }
  return value as Partial<Record<K, unknown>>;
}

/** ` (did you mean 'epochs'?)` when a known name is close to `key`, else ` (known: a, b, c)`. */
export function suggestion(key: string, known: readonly string[]): string {
  if (known.length === 0) return ' (this takes no options)';
  const lower = key.toLowerCase().replace(/[_-]/g, '');
  // A shared start of 4+ letters beats edit distance ('flip' → 'flipHorizontal', 'rotate' → 'rotation'),
  // the longest shared start first (Keras's 'glorot_uniform' → 'glorotUniform', not 'glorot').
  let byPrefix: string | undefined;
  let longest = -1;
  for (const k of known) {
    const shared = commonPrefix(lower, k.toLowerCase());
    if (shared >= Math.min(4, lower.length, k.length) && shared > longest) [byPrefix, longest] = [k, shared];
  }
  if (byPrefix !== undefined) return ` (did you mean '${byPrefix}'?)`;
  const best = closest(lower, known.map((k) => k.toLowerCase()));
  const name = known.find((k) => k.toLowerCase() === best) as string;
  const close =
    distance(lower, best) <= Math.max(2, Math.floor(name.length / 3)) ||
    best.includes(lower) ||
    lower.includes(best) ||
    commonPrefix(lower, best) >= Math.min(4, best.length);
  return close ? ` (did you mean '${name}'?)` : ` (known options: ${known.join(', ')})`;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** An integer in [lo, hi]. */
export function integer(where: string, value: unknown, lo: number, hi = MAX_COUNT): number {
  if (typeof value !== 'number') throw typeError(where, `an integer in [${lo}, ${hi}]`, value);
  if (!Number.isInteger(value) || value < lo || value > hi) throw rangeError(where, `an integer in [${lo}, ${hi}]`, value);
  return value;
}

/** A finite number in [lo, hi] (or (lo, hi] / [lo, hi) / (lo, hi) with the open flags). */
export function number(where: string, value: unknown, lo = -Infinity, hi = Infinity, open: { lo?: boolean; hi?: boolean } = {}): number {
  const range = `${open.lo ? '(' : '['}${lo}, ${hi}${open.hi ? ')' : ']'}`;
  const expected =
    lo === -Infinity && hi === Infinity
      ? 'a finite number'
      : hi === Infinity
        ? `a finite number ${open.lo ? '>' : '≥'} ${lo}`
        : lo === -Infinity
          ? `a finite number ${open.hi ? '<' : '≤'} ${hi}`
          : `a finite number in ${range}`;
  if (typeof value !== 'number') throw typeError(where, expected, value);
  const ok =
    Number.isFinite(value) && (open.lo ? value > lo : value >= lo) && (open.hi ? value < hi : value <= hi);
  if (!ok) throw rangeError(where, expected, value);
  return value;
}

export function boolean(where: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw typeError(where, 'true or false', value);
  return value;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function func<F = (...args: any[]) => unknown>(where: string, value: unknown): F {
  if (typeof value !== 'function') throw typeError(where, 'a function', value);
  return value as F;
}

export function nonEmptyString(where: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw typeError(where, 'a non-empty string', value);
  return value;
}

/** One of the listed strings. */
export function oneOf<T extends string>(where: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const hint = typeof value === 'string' ? suggestion(value, allowed).replace(' (known options:', ' (expected one of:') : '';
    throw new RangeError(`${where}: expected ${allowed.map((a) => `'${a}'`).join(' | ')}, got ${describe(value)}${hint}`);
  }
  return value as T;
}

/**
 * Every entry of a plain array is a number (NaN and ±∞ are left to the caller's finiteness
 * check): a BigInt or an object would otherwise surface as "Cannot convert a BigInt value".
 */
export function numbers(where: string, values: readonly unknown[], offset = 0): void {
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') throw typeError(`${where}: element ${offset + i}`, 'a number', values[i]);
  }
}

/** `value ?? fallback`, checked by `check` only when given. */
export function optional<T>(value: unknown, fallback: T, check: (v: unknown) => T): T {
  return value === undefined ? fallback : check(value);
}

/** A seed of the portable RNG: an integer in [0, 2^53 − 1] (worded as the native binding words it). */
export function seed(where: string, value: unknown): number {
  const expected = 'an integer in [0, 2^53 − 1]';
  if (typeof value !== 'number') throw typeError(where, expected, value);
  if (!Number.isSafeInteger(value) || value < 0) throw rangeError(where, expected, value);
  return value;
}

/** True for a buffer transferred away (postMessage, structuredClone): it reads as empty. */
function isDetached(buffer: ArrayBufferLike): boolean {
  if ('detached' in buffer) return (buffer as { detached: boolean }).detached;
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer); // Node < 22 has no `detached`; constructing on a detached buffer throws.
    return false;
  } catch {
    return true;
  }
}

/**
 * A typed array of exactly `type` (by its tag, so one from another realm passes), not detached.
 * One backed by a SharedArrayBuffer is copied: another thread could change it between the
 * checks and its use.
 */
export function typedArray<T extends ArrayBufferView>(where: string, value: unknown, type: { new (from: ArrayLike<number>): T; readonly name: string }): T {
  if (!ArrayBuffer.isView(value) || (value as unknown as { [Symbol.toStringTag]: unknown })[Symbol.toStringTag] !== type.name) {
    throw typeError(where, `a ${type.name}`, value);
  }
  if (isDetached(value.buffer)) throw new TypeError(`${where}: its ArrayBuffer is detached (transferred to another thread), so it holds no data`);
  if (Object.prototype.toString.call(value.buffer) === '[object SharedArrayBuffer]') return new type(value as unknown as ArrayLike<number>);
  return value as T;
}
