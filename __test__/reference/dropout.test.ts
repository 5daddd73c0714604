import { describe, expect, it } from 'vitest';
import { dropoutBackward, dropoutForward, Rng, RngStream } from '../../src/reference';
import { DROPOUT_LANES } from '../../src/reference/dropout';
import { f64, uniform } from './helpers';

describe('inverted dropout', () => {
  it('keeps about keepProb of the elements and scales them by 1/keepProb', () => {
    const keepProb = 0.7;
    const n = 200_000;
    const x = uniform(new Rng(1), n, 0.5, 1.5); // never 0, so y reveals the mask
    const { y, mask } = dropoutForward(x, keepProb, Rng.withStream(7, RngStream.DROPOUT));
    let kept = 0;
    let wrong = 0; // elements whose mask or output breaks the rule (counted, one expect below)
    for (let i = 0; i < n; i++) {
      if (mask[i] !== 0) {
        kept++;
        if (mask[i] !== 1 / keepProb || y[i] !== x[i] * (1 / keepProb)) wrong++;
      } else if (y[i] !== 0) {
        wrong++;
      }
    }
    expect(wrong).toBe(0);
    // Binomial std of the ratio is √(0.21/n) ≈ 0.001.
    expect(Math.abs(kept / n - keepProb)).toBeLessThan(0.005);
    // Inverted dropout preserves the expectation: mean(y) ≈ mean(x).
    const meanX = x.reduce((s, v) => s + v, 0) / n;
    const meanY = y.reduce((s, v) => s + v, 0) / n;
    expect(Math.abs(meanY / meanX - 1)).toBeLessThan(0.01);
  });

  it('element i takes the next output of lane i mod 16 (sixteen children split in turn) and keeps it when (u >>> 8) < floor(keepProb·2^24)', () => {
    const keepProb = 0.5;
    const rng = new Rng(3);
    const twin = rng.clone();
    const { mask } = dropoutForward(new Float64Array(1000), keepProb, rng);
    const threshold = Math.floor(keepProb * 2 ** 24);
    const lanes = Array.from({ length: DROPOUT_LANES }, () => twin.split());
    for (let i = 0; i < 1000; i++) {
      const keep = lanes[i % 16].nextU32() >>> 8 < threshold;
      expect(mask[i]).toBe(keep ? 2 : 0);
    }
    // The stream itself moves by the sixteen splits (two outputs each), whatever the length.
    expect(rng.state()).toEqual(twin.state());
  });

  it('split seeds a child from two outputs lo, hi of the parent, as a seed is (SplitMix64 on hi·2^32 + lo)', () => {
    // withStream(seed, 0) seeds from SplitMix64(seed): the same expansion, for a parent whose two
    // outputs make a seed below 2^53 (hi < 2^21: the first such seed of a deterministic search).
    const secondOutput = (seed: number) => {
      const r = new Rng(seed);
      r.nextU32();
      return r.nextU32();
    };
    let seed = 0;
    while (secondOutput(seed) >= 2 ** 21) seed++;
    const parent = new Rng(seed);
    const copy = parent.clone();
    const [lo, hi] = [copy.nextU32(), copy.nextU32()];
    const child = parent.split();
    expect(child.state()).toEqual(Rng.withStream(hi * 2 ** 32 + lo, 0).state());
    expect(parent.state()).toEqual(copy.state());
    // Children of consecutive splits differ from each other and from the parent.
    const next = parent.split();
    expect(next.state()).not.toEqual(child.state());
  });

  it('the comparison is strict at the threshold boundary', () => {
    // Choose keepProb so that floor(keepProb·2^24) equals the first draw's top 24 bits exactly
    // (element 0 is the first output of the first lane split from the stream).
    const top = new Rng(12).split().nextU32() >>> 8;
    expect(top).toBeGreaterThan(0);
    const atBoundary = dropoutForward(f64(1), top / 2 ** 24, new Rng(12));
    expect(atBoundary.mask[0]).toBe(0); // (u >>> 8) < threshold is false when equal
    const justAbove = dropoutForward(f64(1), (top + 1) / 2 ** 24, new Rng(12));
    expect(justAbove.mask[0]).toBe(2 ** 24 / (top + 1));
  });

  it('keepProb = 1 draws nothing: Y = X and the mask is all ones', () => {
    const rng = new Rng(4);
    const before = rng.state();
    const x = f64(1, -2, 3);
    const { y, mask } = dropoutForward(x, 1, rng);
    expect(Array.from(y)).toEqual([1, -2, 3]);
    expect(Array.from(mask)).toEqual([1, 1, 1]);
    expect(y).not.toBe(x);
    expect(rng.state()).toEqual(before);
  });

  it('rejects keepProb outside (0, 1]', () => {
    for (const bad of [0, -0.1, 1.5, Number.NaN]) {
      expect(() => dropoutForward(f64(1), bad, new Rng(0))).toThrow(RangeError);
    }
  });

  it('f32: mask is the f32 of 1/keepProb and Y = X ⊙ mask in f32', () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => 0.1 * (i + 1));
    const { y, mask } = dropoutForward(x, 0.3, new Rng(5));
    expect(mask).toBeInstanceOf(Float32Array);
    const m = Math.fround(1 / 0.3);
    let kept = 0;
    for (let i = 0; i < x.length; i++) {
      if (mask[i] !== 0) {
        kept++;
        expect(mask[i]).toBe(m);
        expect(y[i]).toBe(Math.fround(x[i] * m));
      }
    }
    expect(kept).toBeGreaterThan(0);
  });

  it('backward: dX = dY ⊙ mask', () => {
    const dx = dropoutBackward(f64(1, 2, 3, 4), f64(2, 0, 2, 0));
    expect(Array.from(dx)).toEqual([2, 0, 6, 0]);
    expect(() => dropoutBackward(f64(1, 2), f64(1))).toThrow();
  });
});
