import { describe, expect, it } from 'vitest';
import { addBias, biasGrad } from '../../src/reference';
import { f64 } from './helpers';

describe('bias', () => {
  it('addBias broadcasts b[j] over the rows, in place', () => {
    const z = f64(1, 2, 3, 4, 5, 6); // [2, 3]
    addBias(z, f64(10, 20, 30));
    expect(Array.from(z)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('biasGrad returns the column sums', () => {
    const db = biasGrad(f64(1, 2, 3, 4, 5, 6), 3);
    expect(db).toBeInstanceOf(Float64Array);
    expect(Array.from(db)).toEqual([5, 7, 9]);
    const db2 = biasGrad(f64(1, 2, 3, 4, 5, 6), 2); // [3, 2]
    expect(Array.from(db2)).toEqual([9, 12]);
  });

  it('keeps the f32 type', () => {
    const db = biasGrad(Float32Array.of(0.1, 0.2), 1);
    expect(db).toBeInstanceOf(Float32Array);
    expect(db[0]).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)));
  });

  it('throws on inconsistent lengths', () => {
    expect(() => addBias(f64(1, 2, 3, 4), f64(1, 2, 3))).toThrow();
    expect(() => biasGrad(f64(1, 2, 3), 2)).toThrow();
  });
});
