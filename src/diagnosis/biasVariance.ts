// Bias/variance diagnosis from the three error rates of the course's basic recipe:
//   avoidable bias = train error − base error (base: human-level / Bayes error estimate, default 0)
//   variance       = dev error − train error
// Errors are fractions in [0, 1] (1 − accuracy). A gap is "high" when it exceeds `tolerance`
// (default 0.02, i.e. 2 percentage points, in absolute error); a gap at or below it is fine.
// Negative gaps (train below the base estimate, dev below train) are reported as they are and
// count as low. Bias is listed (and should be fixed) before variance.

export type BiasVarianceVerdict = 'high bias' | 'high variance' | 'high bias and high variance' | 'fine';

export interface DiagnoseOptions {
  /** Error on the training set, in [0, 1] (evaluation mode: dropout off). */
  trainError: number;
  /** Error on the dev set, in [0, 1]. */
  devError: number;
  /** Estimate of the best achievable error (human level, Bayes), in [0, 1] (default 0). */
  baseError?: number;
  /** Largest gap that still counts as low, in [0, 1) (default 0.02). */
  tolerance?: number;
}

export interface Diagnosis {
  trainError: number;
  devError: number;
  baseError: number;
  tolerance: number;
  /** trainError − baseError. */
  avoidableBias: number;
  /** devError − trainError. */
  variance: number;
  verdict: BiasVarianceVerdict;
  /** The basic recipe's next steps for the verdict, bias first. */
  advice: string[];
}

export const DEFAULT_TOLERANCE = 0.02;

/** The basic recipe's steps for high (avoidable) bias: fit the training set better first. */
export const BIAS_ADVICE: readonly string[] = [
  'bigger network: more hidden units or more layers',
  'train longer (more epochs)',
  'better optimization: Adam, a tuned learning rate or schedule',
  'try another architecture',
  'if regularization is strong, reduce it (lower λ, higher keepProb)',
];

/** The basic recipe's steps for high variance: generalize from train to dev. */
export const VARIANCE_ADVICE: readonly string[] = [
  'more training data',
  'regularization: L2 (weight decay), dropout, data augmentation, early stopping',
  'try another architecture',
];

/** Checks an error rate in [0, 1] and returns it; the message names `name`. */
export function errorRate(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`${name}: must be an error rate in [0, 1] (1 − accuracy), got ${String(value)}`);
  }
  return value;
}

export function diagnose(options: DiagnoseOptions): Diagnosis {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object { trainError, devError, baseError? }');
  const trainError = errorRate('trainError', options.trainError);
  const devError = errorRate('devError', options.devError);
  const baseError = errorRate('baseError', options.baseError ?? 0);
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0 || tolerance >= 1) {
    throw new RangeError(`tolerance: must be a number in [0, 1), got ${String(tolerance)}`);
  }
  const avoidableBias = trainError - baseError;
  const variance = devError - trainError;
  const highBias = avoidableBias > tolerance;
  const highVariance = variance > tolerance;
  const verdict: BiasVarianceVerdict =
    highBias && highVariance ? 'high bias and high variance' : highBias ? 'high bias' : highVariance ? 'high variance' : 'fine';
  const advice = [...(highBias ? BIAS_ADVICE : []), ...(highVariance ? VARIANCE_ADVICE : [])];
  if (verdict === 'fine') advice.push('bias and variance are within tolerance: confirm on the test set');
  return { trainError, devError, baseError, tolerance, avoidableBias, variance, verdict, advice };
}
