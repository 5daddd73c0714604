// ewa: the course's recurrence v_t = βv + (1 − β)x with v_0 = 0, bias correction v_t/(1 − β^t),
// the series helper, and bad input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ewa, ewaSeries } from '../../src';

describe('ewa', () => {
  it('follows v_t = βv + (1 − β)x by hand', () => {
    const a = ewa(0.9, { biasCorrection: false });
    expect(a.value).toBe(0);
    expect(a.t).toBe(0);
    expect(a.update(10)).toBeCloseTo(1, 14); // 0.1·10
    expect(a.update(20)).toBeCloseTo(0.9 + 2, 14); // 0.9·1 + 0.1·20
    expect(a.t).toBe(2);
    expect(a.value).toBeCloseTo(2.9, 14);
    expect(a.raw).toBeCloseTo(2.9, 14);
  });

  it('bias correction divides by 1 − β^t (on by default)', () => {
    const a = ewa(0.9);
    expect(a.biasCorrection).toBe(true);
    expect(a.update(10)).toBeCloseTo(1 / 0.1, 12); // 1/(1 − 0.9)
    expect(a.update(20)).toBeCloseTo(2.9 / 0.19, 12); // 2.9/(1 − 0.81)
    expect(a.raw).toBeCloseTo(2.9, 14);
    expect(a.value).toBeCloseTo(2.9 / 0.19, 12);
  });

  it('a constant series averages to itself from t = 1 when corrected, and starts near 0 when not (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.integer({ min: 1, max: 50 }), (beta, c, n) => {
        const corrected = ewaSeries(new Array(n).fill(c), beta);
        const raw = ewaSeries(new Array(n).fill(c), beta, { biasCorrection: false });
        corrected.forEach((v) => expect(v).toBeCloseTo(c, 6));
        raw.forEach((v, i) => expect(v).toBeCloseTo(c * (1 - beta ** (i + 1)), 6));
      }),
      { numRuns: 200 },
    );
  });

  it('β = 0 follows the input; a large β averages over about 1/(1 − β) values', () => {
    expect(ewaSeries([3, -1, 7], 0)).toEqual([3, -1, 7]);
    // A step from 0 to 1 after a long run: with β = 0.9 the average reaches 1 − 0.9^10 ≈ 65% after 10 values.
    const a = ewa(0.9);
    for (let i = 0; i < 200; i++) a.update(0);
    for (let i = 0; i < 10; i++) a.update(1);
    expect(a.value).toBeCloseTo(1 - 0.9 ** 10, 6);
  });

  it('ewaSeries returns the value after each element and accepts typed arrays', () => {
    const series = ewaSeries(Float64Array.from([10, 20]), 0.9, { biasCorrection: false });
    expect(series).toHaveLength(2);
    expect(series[0]).toBeCloseTo(1, 14);
    expect(series[1]).toBeCloseTo(2.9, 14);
    expect(ewaSeries([], 0.5)).toEqual([]);
  });

  describe('bad input names the argument', () => {
    it.each([
      ['β = 1', () => ewa(1), /^ewa: beta: must be a finite number in \[0, 1\), got 1$/],
      ['β < 0', () => ewa(-0.1), /^ewa: beta: must be a finite number in \[0, 1\), got -0\.1$/],
      ['β NaN', () => ewa(NaN), /^ewa: beta: must be a finite number in \[0, 1\), got NaN$/],
      ['β as a string', () => ewa('0.9' as never), /^ewa: beta: expected a finite number in \[0, 1\), got the string '0\.9'$/],
      ['a non-boolean biasCorrection', () => ewa(0.9, { biasCorrection: 'yes' as never }), /^ewa: biasCorrection: expected true or false, got the string 'yes'$/],
      ['null options', () => ewa(0.9, null as never), /^ewa options: expected an options object, got null$/],
      ['an unknown option', () => ewa(0.9, { bias: false } as never), /^ewa options: unknown option 'bias' \(did you mean 'biasCorrection'\?\)$/],
      ['a BigInt β', () => ewa(1n as never), /^ewa: beta: expected a finite number in \[0, 1\), got a BigInt \(1n\)$/],
      ['a string update', () => ewa(0.9).update('1' as never), /^ewa\.update: x: expected a finite number, got the string '1'$/],
      ['unknown ewaSeries options', () => ewaSeries([1], 0.9, { biasCorection: true } as never), /^ewaSeries options: unknown option 'biasCorection' \(did you mean 'biasCorrection'\?\)$/],
      ['a NaN update', () => ewa(0.9).update(NaN), /^ewa\.update: x: must be a finite number, got NaN$/],
      ['values not an array', () => ewaSeries(5 as never, 0.9), /^ewaSeries: values: expected an array of numbers, got 5$/],
      ['a non-finite value', () => ewaSeries([1, Infinity], 0.9), /^ewaSeries: values\[1\]: must be a finite number, got Infinity$/],
      ['a bad β in ewaSeries', () => ewaSeries([1], 2), /^ewaSeries: beta: must be a finite number in \[0, 1\), got 2$/],
    ])('%s', (_, call, message) => {
      expect(call).toThrow(message);
    });
  });
});
