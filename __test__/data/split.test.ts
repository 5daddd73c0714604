// split: sizes from fractions or counts, stratification keeps class shares, every row lands in
// exactly one part with its label, reproducible by seed, and bad input fails naming the argument.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FRACTIONS, split } from '../../src';

/** Row i of x is [i, 100 + i], so a row's content tells which example it is. */
function data(m: number, classes = 3, skew = false): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(m * 2);
  const y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = 100 + i;
    // skew: class 0 for 70% of the rows, the rest spread over the others
    y[i] = skew ? (i % 10 < 7 ? 0 : 1 + (i % (classes - 1))) : i % classes;
  }
  return { x, y };
}

function counts(y: ArrayLike<number>, classes: number): number[] {
  const c = new Array(classes).fill(0);
  for (let i = 0; i < y.length; i++) c[y[i]]++;
  return c;
}

describe('split', () => {
  it('defaults to 60/20/20', () => {
    expect(DEFAULT_FRACTIONS).toEqual({ train: 0.6, dev: 0.2, test: 0.2 });
    const { x, y } = data(100);
    const { train, dev, test } = split(x, y);
    expect([train.y.length, dev.y.length, test.y.length]).toEqual([60, 20, 20]);
  });

  it('takes fractions, including big-data 98/1/1, with exact sizes', () => {
    const { x, y } = data(1000);
    const s = split(x, y, { train: 0.98, dev: 0.01, test: 0.01 }, { seed: 3 });
    expect([s.train.indices.length, s.dev.indices.length, s.test.indices.length]).toEqual([980, 10, 10]);
    expect([s.train.x.length, s.dev.x.length, s.test.x.length]).toEqual([1960, 20, 20]);
  });

  it('accepts a remainder written as 1 − train − dev that rounds below 0', () => {
    const { x, y } = data(10);
    const test = 1 - 0.8 - 0.2; // −5.6e−17 in floating point
    expect(test).toBeLessThan(0);
    const s = split(x, y, { train: 0.8, dev: 0.2, test });
    expect([s.train.y.length, s.dev.y.length, s.test.y.length]).toEqual([8, 2, 0]);
  });

  it('takes integer counts summing to m', () => {
    const { x, y } = data(10);
    const s = split(x, y, { train: 7, dev: 2, test: 1 }, { seed: 1 });
    expect([s.train.y.length, s.dev.y.length, s.test.y.length]).toEqual([7, 2, 1]);
  });

  it('puts every row in exactly one part, with its own label, for any sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (m, a, b, seed, stratify) => {
          const { x, y } = data(m, 3, true);
          const train = Math.min(a, 100) / 100;
          const dev = Math.min(b, 100 - Math.min(a, 100)) / 100;
          const sizes = { train, dev, test: 1 - train - dev };
          if (Math.abs(sizes.train + sizes.dev + sizes.test - 1) > 1e-9) return;
          const s = split(x, y, sizes, { seed, stratify });
          const nTrain = Math.round(m * train);
          const nDev = Math.min(m - nTrain, Math.round(m * dev));
          expect(s.train.indices.length).toBe(nTrain);
          expect(s.dev.indices.length).toBe(nDev);
          expect(s.test.indices.length).toBe(m - nTrain - nDev);
          const all = [...s.train.indices, ...s.dev.indices, ...s.test.indices].sort((p, q) => p - q);
          expect(all).toEqual(Array.from({ length: m }, (_, i) => i));
          for (const part of [s.train, s.dev, s.test]) {
            part.indices.forEach((r, i) => {
              expect(part.x[2 * i]).toBe(r);
              expect(part.x[2 * i + 1]).toBe(100 + r);
              expect(part.y[i]).toBe(y[r]);
            });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stratify keeps each class share in every part (within one or two rows)', () => {
    const classes = 4;
    const { x, y } = data(1000, classes, true);
    const whole = counts(y, classes);
    const fr = { train: 0.7, dev: 0.15, test: 0.15 };
    const s = split(x, y, fr, { seed: 11, stratify: true });
    (['train', 'dev', 'test'] as const).forEach((name) => {
      const got = counts(s[name].y, classes);
      const size = s[name].y.length;
      got.forEach((c, k) => expect(Math.abs(c - (whole[k] * size) / 1000), `${name} class ${k}`).toBeLessThanOrEqual(2));
    });
    // A plain shuffle of this skewed data misses the shares by more somewhere (stratify is doing work).
    const plain = split(x, y, fr, { seed: 11 });
    const worst = Math.max(
      ...(['train', 'dev', 'test'] as const).flatMap((name) =>
        counts(plain[name].y, classes).map((c, k) => Math.abs(c - (whole[k] * plain[name].y.length) / 1000)),
      ),
    );
    expect(worst).toBeGreaterThan(2);
  });

  it('is reproducible by seed and different seeds give different splits', () => {
    const { x, y } = data(100);
    const a = split(x, y, DEFAULT_FRACTIONS, { seed: 5 });
    const b = split(x, y, DEFAULT_FRACTIONS, { seed: 5 });
    const c = split(x, y, DEFAULT_FRACTIONS, { seed: 6 });
    expect(Array.from(b.train.indices)).toEqual(Array.from(a.train.indices));
    expect(Array.from(b.dev.indices)).toEqual(Array.from(a.dev.indices));
    expect(Array.from(c.train.indices)).not.toEqual(Array.from(a.train.indices));
    // Shuffled, not the first 60 rows in order.
    expect(Array.from(a.train.indices)).not.toEqual(Array.from({ length: 60 }, (_, i) => i));
    const sa = split(x, y, DEFAULT_FRACTIONS, { seed: 5, stratify: true });
    const sb = split(x, y, DEFAULT_FRACTIONS, { seed: 5, stratify: true });
    const sc = split(x, y, DEFAULT_FRACTIONS, { seed: 6, stratify: true });
    expect(Array.from(sb.test.indices)).toEqual(Array.from(sa.test.indices));
    expect(Array.from(sc.test.indices)).not.toEqual(Array.from(sa.test.indices));
  });

  it('keeps the x and y array types', () => {
    const x = new Float64Array([1, 2, 3, 4, 5]);
    const y = [0, 1, 0, 1, 0];
    const s = split(x, y, { train: 3, dev: 1, test: 1 });
    expect(s.train.x).toBeInstanceOf(Float64Array);
    expect(Array.isArray(s.train.y)).toBe(true);
  });

  describe('bad input', () => {
    const { x, y } = data(10);
    it.each([
      ['fractions that do not sum to 1', { train: 0.6, dev: 0.2, test: 0.1 }, /^split: sizes: fractions must sum to 1, got 0\.9$/],
      ['fractions above 1 in total', { train: 0.8, dev: 0.2, test: 0.2 }, /^split: sizes: fractions must sum to 1, got 1\.2$/],
      ['a negative part', { train: 1.2, dev: -0.1, test: -0.1 }, /^split: sizes\.dev: must be a finite number ≥ 0, got -0\.1$/],
      ['a NaN part', { train: 0.5, dev: NaN, test: 0.5 }, /^split: sizes\.dev: must be a finite number ≥ 0, got NaN$/],
      ['counts not summing to m', { train: 5, dev: 2, test: 2 }, /^split: sizes: counts add up to 9, but there are 10 examples$/],
      ['sizes that are not numbers', { train: '0.6', dev: 0.2, test: 0.2 }, /^split: sizes\.train: expected a finite number ≥ 0, got the string '0\.6'$/],
      ['a missing part', { train: 0.8, dev: 0.2 }, /^split: sizes\.test: expected a finite number ≥ 0, got undefined$/],
      ['a misspelt part', { train: 0.6, dev: 0.2, tset: 0.2 }, /^split sizes: unknown option 'tset' \(did you mean 'test'\?\)$/],
      ['a BigInt part', { train: 6n, dev: 2, test: 2 }, /^split: sizes\.train: expected a finite number ≥ 0, got a BigInt \(6n\)$/],
      ['null sizes', null, /^split sizes: expected an options object, got null$/],
      ['counts above m', { train: 8, dev: 2, test: 2 }, /^split: sizes: counts add up to 12, but there are 10 examples$/],
    ])('%s', (_, sizes, message) => {
      expect(() => split(x, y, sizes as { train: number; dev: number; test: number })).toThrow(message);
    });

    it('x rows that do not match y', () => {
      expect(() => split(new Float32Array(7), new Int32Array(3))).toThrow(/^split: x: 7 values do not form 3 rows \(one per label in y\)$/);
      expect(() => split(new Float32Array(0), new Int32Array(3))).toThrow(/^split: x: 0 values do not form 3 rows/);
    });

    it('empty y', () => {
      expect(() => split(new Float32Array(4), new Int32Array(0))).toThrow(/^split: y: is empty$/);
    });

    it('x that is not a Float32Array or Float64Array', () => {
      expect(() => split([1, 2, 3] as unknown as Float32Array, [0, 1, 2])).toThrow(/^split: x: expected a Float32Array or Float64Array \[m, features\], got an array of 3$/);
    });

    it('stratify with non-integer labels', () => {
      expect(() => split(new Float32Array(3), new Float32Array([0, 0.5, 1]), DEFAULT_FRACTIONS, { stratify: true })).toThrow(
        /^split: y: label 1 is 0\.5; stratify needs integer class labels$/,
      );
    });

    it('y that is missing or not labels (it was read as y.length before any check)', () => {
      expect(() => split(new Float32Array(4), null as never)).toThrow(/^split: y: expected labels \(number\[\], Int32Array, Uint8Array, Uint16Array, Uint32Array, Float32Array\), got null$/);
      expect(() => split(new Float32Array(4), new BigInt64Array(2) as never)).toThrow(/^split: y: expected labels .*, got a BigInt64Array$/);
      expect(() => split(new Float32Array(4), ['a', 'b'] as never)).toThrow(/^split: y\[0\]: expected a finite number, got the string 'a'$/);
      expect(() => split(new Float32Array(4), [0, NaN] as never)).toThrow(/^split: y\[1\]: must be a finite number, got NaN$/);
    });

    it('options are strict and checked', () => {
      expect(() => split(x, y, DEFAULT_FRACTIONS, { stratified: true } as never)).toThrow(/^split options: unknown option 'stratified' \(did you mean 'stratify'\?\)$/);
      expect(() => split(x, y, DEFAULT_FRACTIONS, { seed: -1 })).toThrow(/^split: seed: must be an integer in \[0, 2\^53 − 1\], got -1$/);
      expect(() => split(x, y, DEFAULT_FRACTIONS, { seed: 1.5 })).toThrow(/^split: seed: must be an integer in \[0, 2\^53 − 1\], got 1\.5$/);
      expect(() => split(x, y, DEFAULT_FRACTIONS, { seed: '1' } as never)).toThrow(/^split: seed: expected an integer in \[0, 2\^53 − 1\], got the string '1'$/);
      expect(() => split(x, y, DEFAULT_FRACTIONS, { stratify: 1 } as never)).toThrow(/^split: stratify: expected true or false, got 1$/);
      expect(() => split(x, y, DEFAULT_FRACTIONS, null as never)).toThrow(/^split options: expected an options object, got null$/);
    });

    it('a detached x is named, not read as empty', () => {
      const detached = new Float32Array(10);
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      expect(() => split(detached, y)).toThrow(/^split: x: its ArrayBuffer is detached/);
    });
  });

  it('x and y on SharedArrayBuffers are copied first and split like plain arrays', () => {
    const { x, y } = data(10);
    const sx = new Float32Array(new SharedArrayBuffer(x.byteLength));
    sx.set(x);
    const sy = new Int32Array(new SharedArrayBuffer(y.length * 4));
    sy.set(y);
    const a = split(x, y, { train: 6, dev: 2, test: 2 }, { seed: 4 });
    const b = split(sx, sy, { train: 6, dev: 2, test: 2 }, { seed: 4 });
    expect(Array.from(b.train.x)).toEqual(Array.from(a.train.x));
    expect(Array.from(b.test.y)).toEqual(Array.from(a.test.y));
  });

  it('stratifies a class of 200 000 rows (spreading it into push overflowed the stack)', () => {
    const m = 400_000;
    const x = new Float32Array(m);
    const y = Int32Array.from({ length: m }, (_, i) => i % 2);
    const s = split(x, y, { train: 0.5, dev: 0.25, test: 0.25 }, { stratify: true });
    expect(s.train.indices).toHaveLength(200_000);
    expect(s.dev.y.reduce((a, c) => a + c, 0)).toBe(50_000);
  });
});
