/**
 * General matrix multiply, row-major: C = alpha·op(A)·op(B) + beta·C.
 *
 * op(A) is [m, k]: A is stored [m, k], or [k, m] when transA.
 * op(B) is [k, n]: B is stored [k, n], or [n, k] when transB.
 * beta = 0 never reads C (NaN already in C does not leak into the result).
 */
import { checkLength, type FloatArray } from './types';

export interface GemmShape {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
}

export function gemm(shape: GemmShape, alpha: number, a: FloatArray, b: FloatArray, beta: number, c: FloatArray): void {
  const { m, n, k, transA = false, transB = false } = shape;
  checkLength('gemm', transA ? 'a ([k, m])' : 'a ([m, k])', a, m * k);
  checkLength('gemm', transB ? 'b ([n, k])' : 'b ([k, n])', b, k * n);
  checkLength('gemm', 'c ([m, n])', c, m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0; // Σ_p op(A)[i,p]·op(B)[p,j], in double
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        acc += av * bv;
      }
      const idx = i * n + j;
      c[idx] = beta === 0 ? alpha * acc : alpha * acc + beta * c[idx];
    }
  }
}
