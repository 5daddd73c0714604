import { describe, expect, it } from 'vitest';
import { regularizationCost, regularizationGrad, Rng } from '../../src/reference';
import { expectClose, f64, numericGrad, uniform } from './helpers';

describe('regularization', () => {
  const w = f64(1, -2, 0);

  it('L2 gradient adds (λ/m)·W', () => {
    const dw = f64(0.5, 0.5, 0.5);
    regularizationGrad(w, dw, 0.2, 0, 4);
    expectClose(dw, [0.55, 0.4, 0.5], { abs: 1e-15 });
  });

  it('L1 gradient adds (λ/m)·sign(W) with sign(0) = 0 (also for −0)', () => {
    const dw = f64(0.5, 0.5, 0.5, 0.5);
    regularizationGrad(f64(1, -2, 0, -0), dw, 0, 0.4, 4);
    expectClose(dw, [0.6, 0.4, 0.5, 0.5], { abs: 1e-15 });
  });

  it('both terms together, and nothing when both coefficients are 0', () => {
    const dw = f64(0, 0, 0);
    regularizationGrad(w, dw, 0.2, 0.4, 4);
    expectClose(dw, [0.15, -0.2, 0], { abs: 1e-15 });
    const dw0 = f64(1, 2, 3);
    regularizationGrad(f64(Infinity, 5, 6), dw0, 0, 0, 4);
    expect(Array.from(dw0)).toEqual([1, 2, 3]);
  });

  it('cost: (λ2/2m)·Σ W² + (λ1/m)·Σ |W|', () => {
    expect(regularizationCost(w, 0.2, 0, 4)).toBeCloseTo(0.125, 15); // 0.025·5
    expect(regularizationCost(w, 0, 0.4, 4)).toBeCloseTo(0.3, 15); // 0.1·3
    expect(regularizationCost(w, 0.2, 0.4, 4)).toBeCloseTo(0.425, 15);
    expect(regularizationCost(w, 0, 0, 4)).toBe(0);
  });

  it('the gradient is the derivative of the cost (finite difference, W away from 0)', () => {
    const rng = new Rng(11);
    const x = uniform(rng, 20, -2, 2).map((v) => (Math.abs(v) < 0.05 ? 0.5 : v));
    const dw = new Float64Array(x.length);
    regularizationGrad(x, dw, 0.3, 0.05, 8);
    expectClose(dw, numericGrad((v) => regularizationCost(v, 0.3, 0.05, 8), x), { abs: 1e-9, rel: 1e-7 });
  });

  it('checks lengths', () => {
    expect(() => regularizationGrad(w, f64(1), 0.1, 0, 1)).toThrow();
  });
});
