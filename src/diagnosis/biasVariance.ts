// Bias/variance diagnosis from the three error rates of the course's basic recipe:
//   avoidable bias = train error − base error (base: human-level / Bayes error estimate, default 0)
//   variance       = dev error − train error
// Errors are fractions in [0, 1] (1 − accuracy). A gap is "high" when it exceeds `tolerance`
// (default 0.02, i.e. 2 percentage points, in absolute error); a gap at or below it is fine.
// Negative gaps (train below the base estimate, dev below train) are reported as they are and
// count as low. Bias is listed (and should be fixed) before variance.
import { number, oneOf, optional, options as strict, rangeError, typeError } from '../validation/args';

export type BiasVarianceVerdict = 'high bias' | 'high variance' | 'high bias and high variance' | 'fine';

/**
 * What the errors are: 'rate' (default) fractions in [0, 1] (1 − accuracy), gaps judged against
 * `tolerance` in absolute terms; 'loss' losses ≥ 0 in the loss's own units (a regression's
 * MSE), gaps judged against `tolerance` × the dev loss (default 0.1: 10% of it).
 */
export type ErrorScale = 'rate' | 'loss';

export interface DiagnoseOptions {
  /** Error on the training set (evaluation mode: dropout off): a rate in [0, 1], or a loss ≥ 0. */
  trainError: number;
  /** Error on the dev set. */
  devError: number;
  /** Estimate of the best achievable error (human level, Bayes; for a loss, e.g. the noise's) (default 0). */
  baseError?: number;
  /** Largest gap that still counts as low, in [0, 1) (default 0.02 for rates, 0.1 — relative to the dev loss — for losses). */
  tolerance?: number;
  scale?: ErrorScale;
}

export interface Diagnosis {
  scale: ErrorScale;
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

/** Checks an error rate in [0, 1] and returns it; `where` names it (`diagnose: trainError`). */
export function errorRate(where: string, value: unknown): number {
  const expected = 'an error rate in [0, 1] (1 − accuracy)';
  if (typeof value !== 'number') throw typeError(where, expected, value);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw rangeError(where, expected, value);
  return value;
}

/** The default tolerance of a loss: a gap above 10% of the dev loss is high. */
export const DEFAULT_LOSS_TOLERANCE = 0.1;

export function diagnose(options: DiagnoseOptions): Diagnosis {
  const o = strict('diagnose options', options, ['trainError', 'devError', 'baseError', 'tolerance', 'scale'] as const);
  const scale = optional(o.scale, 'rate' as ErrorScale, (v) => oneOf('diagnose: scale', v, ['rate', 'loss'] as const));
  const error = scale === 'rate' ? errorRate : (where: string, v: unknown) => number(where, v, 0);
  const trainError = error('diagnose: trainError', o.trainError);
  const devError = error('diagnose: devError', o.devError);
  const baseError = optional(o.baseError, 0, (v) => error('diagnose: baseError', v));
  const tolerance = optional(o.tolerance, scale === 'rate' ? DEFAULT_TOLERANCE : DEFAULT_LOSS_TOLERANCE, (v) => number('diagnose: tolerance', v, 0, 1, { hi: true }));
  const avoidableBias = trainError - baseError;
  const variance = devError - trainError;
  // A loss has no natural unit: its gaps are judged against a share of the dev loss.
  const threshold = scale === 'rate' ? tolerance : tolerance * devError;
  const highBias = avoidableBias > threshold;
  const highVariance = variance > threshold;
  const verdict: BiasVarianceVerdict =
    highBias && highVariance ? 'high bias and high variance' : highBias ? 'high bias' : highVariance ? 'high variance' : 'fine';
  const advice = [...(highBias ? BIAS_ADVICE : []), ...(highVariance ? VARIANCE_ADVICE : [])];
  if (verdict === 'fine') advice.push('bias and variance are within tolerance: confirm on the test set');
  return { scale, trainError, devError, baseError, tolerance, avoidableBias, variance, verdict, advice };
}
