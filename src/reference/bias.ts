/** Bias of a dense layer: a vector b[n] broadcast over the m rows of Z[m, n]. */
import { like, rowsOf, type FloatArray } from './types';

/** Forward: Z[i,j] += b[j], in place. */
export function addBias(z: FloatArray, bias: FloatArray): void {
  const n = bias.length;
  const m = rowsOf('addBias', 'z', z, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) z[i * n + j] += bias[j];
  }
}

/** Backward: db[j] = Σ_i dZ[i,j] (column sums; the 1/m is already in dZ). */
export function biasGrad<T extends FloatArray>(dz: T, n: number): T {
  const m = rowsOf('biasGrad', 'dz', dz, n);
  const db = like(dz, n);
  for (let j = 0; j < n; j++) {
    let sum = 0; // accumulated in double
    for (let i = 0; i < m; i++) sum += dz[i * n + j];
    db[j] = sum;
  }
  return db;
}
