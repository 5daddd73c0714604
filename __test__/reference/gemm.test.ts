import { describe, expect, it } from 'vitest';
import { gemm, Rng } from '../../src/reference';
import { expectClose, f64, uniform } from './helpers';

/** Stores the transpose of a row-major [rows, cols] matrix as [cols, rows]. */
function transpose(x: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
}

describe('gemm', () => {
  // A = [[1,2,3],[4,5,6]] (2×3), B = [[7,8],[9,10],[11,12]] (3×2), A·B = [[58,64],[139,154]]
  const A = f64(1, 2, 3, 4, 5, 6);
  const B = f64(7, 8, 9, 10, 11, 12);
  const AB = [58, 64, 139, 154];

  it('computes a hand-checked product', () => {
    const c = new Float64Array(4);
    gemm({ m: 2, n: 2, k: 3 }, 1, A, B, 0, c);
    expect(Array.from(c)).toEqual(AB);
  });

  it('reads transposed storage for transA / transB', () => {
    const At = transpose(A, 2, 3); // stored [k, m]
    const Bt = transpose(B, 3, 2); // stored [n, k]
    for (const [transA, transB] of [[true, false], [false, true], [true, true]] as const) {
      const c = new Float64Array(4);
      gemm({ m: 2, n: 2, k: 3, transA, transB }, 1, transA ? At : A, transB ? Bt : B, 0, c);
      expect(Array.from(c)).toEqual(AB);
    }
  });

  it('transposes agree with the plain product on random non-square shapes', () => {
    const rng = new Rng(1);
    for (const [m, n, k] of [[3, 5, 4], [1, 7, 2], [6, 1, 3]]) {
      const a = uniform(rng, m * k);
      const b = uniform(rng, k * n);
      const plain = new Float64Array(m * n);
      gemm({ m, n, k }, 1, a, b, 0, plain);
      const both = new Float64Array(m * n);
      gemm({ m, n, k, transA: true, transB: true }, 1, transpose(a, m, k), transpose(b, k, n), 0, both);
      expectClose(both, plain, { abs: 0 });
      // dW = Xᵀ·dZ: with X [m, k] stored as is and transA, op(A) = Xᵀ.
      const xtx = new Float64Array(k * k);
      gemm({ m: k, n: k, k: m, transA: true }, 1, a, a, 0, xtx);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let p = 0; p < m; p++) s += a[p * k + i] * a[p * k + j];
          expect(xtx[i * k + j]).toBeCloseTo(s, 12);
        }
      }
    }
  });

  it('C = alpha·A·B + beta·C', () => {
    const c = f64(1, 2, 3, 4);
    gemm({ m: 2, n: 2, k: 3 }, 0.5, A, B, -2, c);
    expect(Array.from(c)).toEqual([29 - 2, 32 - 4, 69.5 - 6, 77 - 8]);
  });

  it('beta = 0 never reads C (NaN does not leak), also for k = 0', () => {
    const c = new Float64Array(4).fill(Number.NaN);
    gemm({ m: 2, n: 2, k: 3 }, 1, A, B, 0, c);
    expect(Array.from(c)).toEqual(AB);
    const z = new Float64Array(6).fill(Number.NaN);
    gemm({ m: 2, n: 3, k: 0 }, 1, new Float64Array(0), new Float64Array(0), 0, z);
    expect(Array.from(z)).toEqual([0, 0, 0, 0, 0, 0]);
    const s = f64(1, 2, 3);
    gemm({ m: 1, n: 3, k: 0 }, 1, new Float64Array(0), new Float64Array(0), 2, s);
    expect(Array.from(s)).toEqual([2, 4, 6]);
  });

  it('rounds on store into f32 C', () => {
    const c = new Float32Array(1);
    gemm({ m: 1, n: 1, k: 1 }, 1, Float32Array.of(0.1), Float32Array.of(3), 0, c);
    expect(c[0]).toBe(Math.fround(Math.fround(0.1) * 3));
  });

  it('throws on inconsistent lengths', () => {
    expect(() => gemm({ m: 2, n: 2, k: 3 }, 1, A, B, 0, new Float64Array(5))).toThrow(/c/);
    expect(() => gemm({ m: 2, n: 2, k: 2 }, 1, A, B, 0, new Float64Array(4))).toThrow(/a/);
    expect(() => gemm({ m: 2, n: 2, k: 3 }, 1, A, f64(1, 2), 0, new Float64Array(4))).toThrow(/b/);
  });
});
