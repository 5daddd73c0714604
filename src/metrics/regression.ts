// Regression metrics on [m] or [m, k] targets, in f64 whatever the input type.
// MAE, MSE and RMSE take the mean over all m·k entries (Keras's and PyTorch's default
// reduction 'mean'); RMSE is √MSE of that mean, so rmse² = mse (scikit-learn's
// root_mean_squared_error would average per-output RMSEs instead; the two agree for k = 1).
// R² is scikit-learn's r2_score with multioutput = 'uniform_average': per output j,
//   R²_j = 1 − Σ(y − ŷ)² / Σ(y − ȳ_j)²,
// then the plain mean over outputs. An output whose targets are all equal (Σ(y − ȳ)² = 0)
// scores 1 when predicted exactly and 0 otherwise (scikit-learn's force_finite = True).
// R² needs at least 2 examples (scikit-learn returns NaN with a warning; here it is an error).
import { integer, MAX_COUNT, optional, options as strict } from '../validation/args';
import { type RealMatrix, type RealValues, realMatrix } from './inputs';

export interface RegressionOptions {
  /**
   * k, the outputs per example, for flat arrays ([m, k] row-major; default 1). Nested arrays
   * (one row per example) give it by their row length; when both are given they must agree.
   */
  outputs?: number;
}

/** yTrue and yPred read and checked to the same [m, k] shape. */
export function regressionPair(fn: string, yTrue: unknown, yPred: unknown, options: unknown): { yTrue: RealMatrix; yPred: RealMatrix } {
  const o = strict(`${fn} options`, options, ['outputs'] as const);
  const outputs = optional(o.outputs, undefined, (v) => integer(`${fn}: outputs`, v, 1, MAX_COUNT));
  const t = realMatrix(`${fn}: yTrue`, yTrue, { cols: outputs });
  const p = realMatrix(`${fn}: yPred`, yPred, { rows: t.rows, cols: t.cols });
  return { yTrue: t, yPred: p };
}

/** Mean of |y − ŷ| over all entries. */
export function maeOf(yTrue: Float64Array, yPred: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) sum += Math.abs(yTrue[i] - yPred[i]);
  return sum / yTrue.length;
}

/** Mean of (y − ŷ)² over all entries. */
export function mseOf(yTrue: Float64Array, yPred: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const d = yTrue[i] - yPred[i];
    sum += d * d;
  }
  return sum / yTrue.length;
}

/** Uniform average over outputs of per-output R² (see the top of this file); `where` names yTrue. */
export function r2Of(where: string, yTrue: RealMatrix, yPred: RealMatrix): number {
  const { rows, cols } = yTrue;
  if (rows < 2) throw new RangeError(`${where}: has ${rows} example; R² needs at least 2 (the spread of one value is 0)`);
  let total = 0;
  for (let j = 0; j < cols; j++) {
    // All-equal targets are detected directly: their computed mean can differ from them by a
    // rounding error, which would turn a zero spread into a tiny one and R² into a huge negative.
    const first = yTrue.values[j];
    let constant = true;
    let mean = 0;
    for (let i = 0; i < rows; i++) {
      mean += yTrue.values[i * cols + j];
      if (yTrue.values[i * cols + j] !== first) constant = false;
    }
    mean /= rows;
    let residual = 0;
    let spread = 0;
    for (let i = 0; i < rows; i++) {
      const y = yTrue.values[i * cols + j];
      const d = y - yPred.values[i * cols + j];
      residual += d * d;
      spread += (y - mean) * (y - mean);
    }
    total += constant || spread === 0 ? (residual === 0 ? 1 : 0) : 1 - residual / spread;
  }
  return total / cols;
}

export function meanAbsoluteError(yTrue: RealValues, yPred: RealValues, options?: RegressionOptions): number {
  const d = regressionPair('meanAbsoluteError', yTrue, yPred, options);
  return maeOf(d.yTrue.values, d.yPred.values);
}

export function meanSquaredError(yTrue: RealValues, yPred: RealValues, options?: RegressionOptions): number {
  const d = regressionPair('meanSquaredError', yTrue, yPred, options);
  return mseOf(d.yTrue.values, d.yPred.values);
}

export function rootMeanSquaredError(yTrue: RealValues, yPred: RealValues, options?: RegressionOptions): number {
  const d = regressionPair('rootMeanSquaredError', yTrue, yPred, options);
  return Math.sqrt(mseOf(d.yTrue.values, d.yPred.values));
}

export function r2Score(yTrue: RealValues, yPred: RealValues, options?: RegressionOptions): number {
  const d = regressionPair('r2Score', yTrue, yPred, options);
  return r2Of('r2Score: yTrue', d.yTrue, d.yPred);
}
