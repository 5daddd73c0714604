/**
 * Batch normalization, per feature j over the m examples of X[m, n] (n = gamma.length).
 *
 * Training: mean_j = (1/m) Σ_i x_ij, var_j = (1/m) Σ_i (x_ij − mean_j)² (biased),
 *           xHat = (x − mean)/√(var + eps), Y = gamma·xHat + beta.
 * Backward: dBeta_j = Σ_i dY_ij, dGamma_j = Σ_i dY_ij·xHat_ij,
 *           dX_ij = (gamma_j / (m·√(var_j + eps)))·(m·dY_ij − dBeta_j − xHat_ij·dGamma_j).
 * Inference: Y = gamma·(x − runningMean)/√(runningVar + eps) + beta.
 * Running stats: running = momentum·running + (1 − momentum)·batch (momentum weights the old
 * value, Keras convention; the running variance averages the biased batch variance).
 */
import { checkLength, like, rowsOf, type FloatArray } from './types';

export interface BatchNormTrainResult<T extends FloatArray> {
  y: T;
  xHat: T;
  mean: T;
  variance: T;
}

export interface BatchNormGrads<T extends FloatArray> {
  dx: T;
  dGamma: T;
  dBeta: T;
}

export function batchNormForwardTrain<T extends FloatArray>(
  x: T,
  gamma: FloatArray,
  beta: FloatArray,
  eps: number,
): BatchNormTrainResult<T> {
  const n = gamma.length;
  checkLength('batchNormForwardTrain', 'beta', beta, n);
  const m = rowsOf('batchNormForwardTrain', 'x', x, n);
  if (m === 0) throw new Error('batchNormForwardTrain: needs at least one example (m ≥ 1)');
  const y = like(x, x.length);
  const xHat = like(x, x.length);
  const mean = like(x, n);
  const variance = like(x, n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += x[i * n + j];
    const mu = sum / m;
    let sq = 0;
    for (let i = 0; i < m; i++) sq += (x[i * n + j] - mu) ** 2;
    const v = sq / m; // biased variance
    const invStd = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < m; i++) {
      const idx = i * n + j;
      const h = (x[idx] - mu) * invStd;
      xHat[idx] = h;
      y[idx] = gamma[j] * h + beta[j];
    }
    mean[j] = mu;
    variance[j] = v;
  }
  return { y, xHat, mean, variance };
}

export function batchNormBackward<T extends FloatArray>(
  dy: T,
  xHat: FloatArray,
  variance: FloatArray,
  gamma: FloatArray,
  eps: number,
): BatchNormGrads<T> {
  const n = gamma.length;
  checkLength('batchNormBackward', 'variance', variance, n);
  const m = rowsOf('batchNormBackward', 'dy', dy, n);
  checkLength('batchNormBackward', 'xHat', xHat, dy.length);
  const dx = like(dy, dy.length);
  const dGamma = like(dy, n);
  const dBeta = like(dy, n);
  for (let j = 0; j < n; j++) {
    let sumDy = 0;
    let sumDyXHat = 0;
    for (let i = 0; i < m; i++) {
      sumDy += dy[i * n + j];
      sumDyXHat += dy[i * n + j] * xHat[i * n + j];
    }
    const scale = gamma[j] / (m * Math.sqrt(variance[j] + eps));
    for (let i = 0; i < m; i++) {
      const idx = i * n + j;
      dx[idx] = scale * (m * dy[idx] - sumDy - xHat[idx] * sumDyXHat);
    }
    dBeta[j] = sumDy;
    dGamma[j] = sumDyXHat;
  }
  return { dx, dGamma, dBeta };
}

export function batchNormForwardInference<T extends FloatArray>(
  x: T,
  gamma: FloatArray,
  beta: FloatArray,
  runningMean: FloatArray,
  runningVar: FloatArray,
  eps: number,
): T {
  const n = gamma.length;
  checkLength('batchNormForwardInference', 'beta', beta, n);
  checkLength('batchNormForwardInference', 'runningMean', runningMean, n);
  checkLength('batchNormForwardInference', 'runningVar', runningVar, n);
  const m = rowsOf('batchNormForwardInference', 'x', x, n);
  const y = like(x, x.length);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const idx = i * n + j;
      y[idx] = (gamma[j] * (x[idx] - runningMean[j])) / Math.sqrt(runningVar[j] + eps) + beta[j];
    }
  }
  return y;
}

/** In place: running = momentum·running + (1 − momentum)·batch, for the mean and the variance. */
export function batchNormUpdateRunning(
  runningMean: FloatArray,
  runningVar: FloatArray,
  mean: FloatArray,
  variance: FloatArray,
  momentum: number,
): void {
  const n = runningMean.length;
  checkLength('batchNormUpdateRunning', 'runningVar', runningVar, n);
  checkLength('batchNormUpdateRunning', 'mean', mean, n);
  checkLength('batchNormUpdateRunning', 'variance', variance, n);
  for (let j = 0; j < n; j++) {
    runningMean[j] = momentum * runningMean[j] + (1 - momentum) * mean[j];
    runningVar[j] = momentum * runningVar[j] + (1 - momentum) * variance[j];
  }
}
