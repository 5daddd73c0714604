import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, RngStream } from '../../src/reference';

interface RngCase {
  seed: number;
  stream: number;
  state: number[];
  u32: number[];
  f32: number[];
  f64: number[];
  normal: number[];
  below10: number[];
  shuffle10: number[];
}

const fixture = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'rng-vectors.json'), 'utf8'),
) as { cases: RngCase[] };

describe('Rng reproduces the Rust test vectors bit for bit', () => {
  it('has cases to check', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(4);
  });

  for (const c of fixture.cases) {
    it(`seed ${c.seed}, stream ${c.stream}`, () => {
      // The generator example draws every field in sequence from one generator.
      const r = Rng.withStream(c.seed, c.stream);
      expect(r.state()).toEqual(c.state);
      expect(Array.from({ length: c.u32.length }, () => r.nextU32())).toEqual(c.u32);
      // Rust prints the shortest f32 repr; Math.fround turns it back into the exact f32 value.
      for (const want of c.f32) {
        const got = r.nextF32();
        expect(Math.fround(got)).toBe(got); // exactly representable in f32
        expect(got).toBe(Math.fround(want));
      }
      for (const want of c.f64) expect(r.nextF64()).toBe(want);
      for (const want of c.normal) {
        const got = r.normal();
        // Math.log / Math.cos may differ from libm by an ulp.
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-15 * Math.abs(want));
      }
      expect(Array.from({ length: c.below10.length }, () => r.below(10))).toEqual(c.below10);
      const perm = Array.from({ length: 10 }, (_, i) => i);
      expect(r.shuffle(perm)).toEqual(c.shuffle10);
    });
  }
});

describe('Rng API', () => {
  it('names the streams', () => {
    expect(RngStream).toEqual({ INIT: 0, DROPOUT: 1, SHUFFLE: 2, AUGMENT: 3, SEARCH: 4 });
  });

  it('constructor(seed) is stream 0', () => {
    expect(new Rng(42).state()).toEqual(Rng.withStream(42, 0).state());
    expect(new Rng(42).state()).not.toEqual(Rng.withStream(42, RngStream.DROPOUT).state());
  });

  it('fromState(state()) and clone() continue the same sequence', () => {
    const a = new Rng(5);
    a.nextU32();
    const b = Rng.fromState(a.state());
    const c = a.clone();
    const seqA = Array.from({ length: 16 }, () => a.nextU32());
    expect(Array.from({ length: 16 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 16 }, () => c.nextU32())).toEqual(seqA);
  });

  it('rejects invalid seeds with a RangeError naming seed', () => {
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN, Infinity]) {
      expect(() => new Rng(bad)).toThrow(RangeError);
      expect(() => new Rng(bad)).toThrow(/seed/);
      expect(() => Rng.withStream(bad, 0)).toThrow(/seed/);
    }
    expect(() => new Rng(2 ** 53 - 1)).not.toThrow();
  });

  it('rejects malformed and all-zero states', () => {
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(RangeError);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(RangeError);
    expect(() => Rng.fromState([1, 2, 3, 2 ** 32])).toThrow(RangeError);
  });

  it('state words and outputs are unsigned 32-bit integers', () => {
    const r = new Rng(123);
    for (let i = 0; i < 1000; i++) {
      const u = r.nextU32();
      expect(Number.isInteger(u) && u >= 0 && u < 2 ** 32).toBe(true);
    }
    for (const w of r.state()) expect(Number.isInteger(w) && w >= 0 && w < 2 ** 32).toBe(true);
  });

  it('below(n) = floor(u·n / 2^32) on both the exact-double and the BigInt path', () => {
    const r = new Rng(77);
    for (let i = 0; i < 200; i++) {
      const u = r.clone().nextU32();
      const cases: [number, number][] = [
        [2 ** 20, u >>> 12], // fast path
        [2 ** 24, u >>> 8], // BigInt path
        [2 ** 31, u >>> 1],
        [2 ** 32, u],
        [3 * 2 ** 30, Math.floor((3 * u) / 4)],
      ];
      const [n, want] = cases[i % cases.length];
      expect(r.below(n)).toBe(want);
    }
    expect(() => r.below(0)).toThrow(RangeError);
    expect(() => r.below(2 ** 32 + 1)).toThrow(RangeError);
  });

  it('below stays in range and shuffle is a permutation (typed arrays too)', () => {
    const r = new Rng(9);
    for (const n of [1, 2, 3, 10, 2 ** 32]) {
      for (let i = 0; i < 500; i++) {
        const x = r.below(n);
        expect(x >= 0 && x < n && Number.isInteger(x)).toBe(true);
      }
    }
    const v = Int32Array.from({ length: 1000 }, (_, i) => i);
    r.shuffle(v);
    const sorted = Array.from(v).sort((a, b) => a - b);
    expect(sorted).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(v)).not.toEqual(sorted);
  });

  it('uniforms are in [0, 1) with mean 1/2, normals have mean 0 and variance 1', () => {
    const r = new Rng(3);
    const n = 100_000;
    let s32 = 0;
    let s64 = 0;
    let sn = 0;
    let sn2 = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const x = r.nextF32();
      const y = r.nextF64();
      if (!(x >= 0 && x < 1 && y >= 0 && y < 1)) outOfRange++;
      s32 += x;
      s64 += y;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(s32 / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(s64 / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(sn / n)).toBeLessThan(0.015);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.02);
  });

  it('every normal consumes exactly four 32-bit outputs', () => {
    const a = new Rng(8);
    const b = new Rng(8);
    a.normal();
    for (let i = 0; i < 4; i++) b.nextU32();
    expect(a.state()).toEqual(b.state());
  });
});
