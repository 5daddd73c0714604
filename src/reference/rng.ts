/**
 * The portable random generator of tunenet, bit-for-bit identical to `crates/core/src/rng.rs`.
 *
 * - Seeding: SplitMix64 seeded with `seed XOR (stream · 0xD1B54A32D192ED03)` (64-bit wrapping);
 *   its first two outputs a, b fill the state `[lo32(a), hi32(a), lo32(b), hi32(b)]`.
 *   Seeding is rare, so it uses BigInt for the 64-bit arithmetic.
 * - Generator: xoshiro128** on four 32-bit words, using Math.imul and `>>> 0` (no BigInt).
 * - nextF32 = (u >>> 8)·2⁻²⁴; nextF64 = ((a >>> 5)·2²⁶ + (b >>> 6))·2⁻⁵³ from two outputs.
 * - normal = √(−2·ln(1 − u1))·cos(2π·u2), u1, u2 = nextF64() (four 32-bit outputs per normal).
 * - below(n) = floor(u·n / 2³²); shuffle = Fisher–Yates from the last index down, j = below(i + 1).
 * - split() = a child seeded from two outputs lo, hi of its parent as a seed is: SplitMix64 on
 *   hi·2³² + lo. Lanes (dropout): sixteen children split in turn; draw i of a call comes from
 *   child i mod 16 (native code steps the sixteen side by side in vector registers).
 */

/** Named streams, so initialization, dropout and shuffling never share a sequence. */
export const RngStream = { INIT: 0, DROPOUT: 1, SHUFFLE: 2, AUGMENT: 3, SEARCH: 4 } as const;

export type RngState = [number, number, number, number];

/** Anything indexable and writable with a length: plain arrays and typed arrays. */
export interface MutableArrayLike<T> {
  readonly length: number;
  [index: number]: T;
}

const MASK64 = (1n << 64n) - 1n;
const SPLITMIX_GAMMA = 0x9e3779b97f4a7c15n;
const STREAM_MIX = 0xd1b54a32d192ed03n;
const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_24 = 1 / 16777216;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

/** One SplitMix64 step on a BigInt state: returns [newState, output], all in [0, 2⁶⁴). */
function splitmix64(state: bigint): [bigint, bigint] {
  const next = (state + SPLITMIX_GAMMA) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

/** 32-bit rotate left (result as a signed int32; callers apply `>>> 0` where it matters). */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkSafeNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer (0 ≤ ${name} < 2^53), got ${value}`);
  }
}

export class Rng {
  // The four xoshiro128** words, always kept as unsigned 32-bit values.
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Stream 0 of `seed`. */
  constructor(seed: number) {
    const [s0, s1, s2, s3] = Rng.seedState(seed, 0);
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** An independent stream of `seed` (see `RngStream` for the names tunenet uses). */
  static withStream(seed: number, stream: number): Rng {
    return Rng.fromState(Rng.seedState(seed, stream));
  }

  /** Restores a state returned by `state()` (four unsigned 32-bit words, not all zero). */
  static fromState(s: readonly number[]): Rng {
    if (s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new RangeError(`Rng state must be four unsigned 32-bit integers, got [${s.join(', ')}]`);
    }
    if (s.every((w) => w === 0)) {
      throw new RangeError('Rng state must not be all zeros (the one state xoshiro128** never leaves)');
    }
    const rng = Object.create(Rng.prototype) as Rng;
    rng.s0 = s[0];
    rng.s1 = s[1];
    rng.s2 = s[2];
    rng.s3 = s[3];
    return rng;
  }

  /** SplitMix64(seed XOR stream·0xD1B54A32D192ED03) → [lo32(a), hi32(a), lo32(b), hi32(b)]. */
  private static seedState(seed: number, stream: number): RngState {
    checkSafeNonNegativeInteger('seed', seed);
    checkSafeNonNegativeInteger('stream', stream);
    return Rng.expand((BigInt(seed) ^ (BigInt(stream) * STREAM_MIX)) & MASK64);
  }

  /** A child generator seeded from two outputs of this one: SplitMix64 on hi·2³² + lo. */
  split(): Rng {
    const lo = BigInt(this.nextU32());
    const hi = BigInt(this.nextU32());
    return Rng.fromState(Rng.expand((hi << 32n) | lo));
  }

  /** The first two SplitMix64 outputs a, b of `sm` → [lo32(a), hi32(a), lo32(b), hi32(b)]. */
  private static expand(sm: bigint): RngState {
    let a: bigint;
    let b: bigint;
    [sm, a] = splitmix64(sm);
    [sm, b] = splitmix64(sm);
    const lo = (x: bigint) => Number(x & 0xffffffffn);
    const hi = (x: bigint) => Number(x >> 32n);
    const s: RngState = [lo(a), hi(a), lo(b), hi(b)];
    if (s.every((w) => w === 0)) s[0] = 1; // xoshiro's forbidden state; unreachable in practice
    return s;
  }

  /** The raw state, for saving and restoring a generator. */
  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** An identical, independent copy (forks the stream). */
  clone(): Rng {
    return Rng.fromState(this.state());
  }

  /** xoshiro128**: result = rotl(s1·5, 7)·9, then the state transition. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11) >>> 0;
    return result;
  }

  /** Uniform in [0, 1) with 24 bits: (u >>> 8)·2⁻²⁴, exactly representable in f32. */
  nextF32(): number {
    return (this.nextU32() >>> 8) * TWO_POW_MINUS_24;
  }

  /** Uniform in [0, 1) with 53 bits: ((a >>> 5)·2²⁶ + (b >>> 6))·2⁻⁵³, a drawn before b. */
  nextF64(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) * TWO_POW_MINUS_53;
  }

  /** Standard normal, Box–Muller cosine branch: √(−2·ln(1 − u1))·cos(2π·u2). */
  normal(): number {
    const u1 = 1 - this.nextF64(); // in (0, 1]: ln never sees 0
    const u2 = this.nextF64();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Uniform integer in [0, n), 1 ≤ n ≤ 2³²: floor(u·n / 2³²) (multiply-shift, no rejection). */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`below(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    }
    const u = this.nextU32();
    if (n < 2097152) {
      // u < 2³² and n < 2²¹, so u·n < 2⁵³ is exact, and dividing by 2³² is exact too.
      return Math.floor((u * n) / TWO_POW_32);
    }
    return Number((BigInt(u) * BigInt(n)) >> 32n);
  }

  /** In-place Fisher–Yates shuffle, from the last index down with j = below(i + 1). */
  shuffle<A extends MutableArrayLike<unknown>>(array: A): A {
    for (let i = array.length - 1; i >= 1; i--) {
      const j = this.below(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}
