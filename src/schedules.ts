// Learning-rate schedules: functions from the 0-based epoch index (and what the trainer has seen)
// to the learning rate of that epoch. The trainer calls the schedule once before each epoch.

export interface ScheduleContext {
  /** The optimizer's base learning rate α0. */
  initialLearningRate: number;
  /** The rate used in the previous epoch (α0 before the first). */
  previousLearningRate: number;
  /** Per-epoch metrics so far (dev loss when there is dev data, otherwise train loss). */
  monitored: number[];
}

export type Schedule = (epoch: number, context: ScheduleContext) => number;

function check(name: string, value: number, ok: boolean, expected: string): void {
  if (!ok || !Number.isFinite(value)) throw new RangeError(`${name}: must be ${expected}, got ${value}`);
}

export const constant = (): Schedule => (_e, c) => c.initialLearningRate;

/**
 * α0 / (1 + decayRate·epoch), the course's formula; with `staircase` the epoch is floor(epoch/interval)
 * so the rate drops every `interval` epochs.
 */
export function inverseTimeDecay(decayRate: number, options: { staircase?: number } = {}): Schedule {
  check('decayRate', decayRate, decayRate >= 0, '≥ 0');
  const interval = options.staircase ?? 1;
  check('staircase', interval, Number.isInteger(interval) && interval >= 1, 'an integer ≥ 1');
  return (epoch, c) => c.initialLearningRate / (1 + decayRate * Math.floor(epoch / interval));
}

/** α0 · k^epoch. */
export function exponentialDecay(k: number): Schedule {
  check('k', k, k > 0 && k <= 1, 'in (0, 1]');
  return (epoch, c) => c.initialLearningRate * k ** epoch;
}

/** α0 · k / √(epoch + 1) (epoch counted from 1 in the formula so the first epoch is α0·k). */
export function sqrtDecay(k: number): Schedule {
  check('k', k, k > 0, '> 0');
  return (epoch, c) => (c.initialLearningRate * k) / Math.sqrt(epoch + 1);
}

/** α0 · factor^floor(epoch/every): a discrete staircase. */
export function stepDecay(factor: number, every: number): Schedule {
  check('factor', factor, factor > 0 && factor <= 1, 'in (0, 1]');
  check('every', every, Number.isInteger(every) && every >= 1, 'an integer ≥ 1');
  return (epoch, c) => c.initialLearningRate * factor ** Math.floor(epoch / every);
}

/** Half-cosine from α0 down to `minLearningRate` over `epochs`, then flat. */
export function cosineDecay(epochs: number, minLearningRate = 0): Schedule {
  check('epochs', epochs, Number.isInteger(epochs) && epochs >= 1, 'an integer ≥ 1');
  check('minLearningRate', minLearningRate, minLearningRate >= 0, '≥ 0');
  return (epoch, c) => {
    const t = Math.min(epoch, epochs) / epochs;
    return minLearningRate + 0.5 * (c.initialLearningRate - minLearningRate) * (1 + Math.cos(Math.PI * t));
  };
}

/** Ramps linearly from α/warmupEpochs up to the wrapped schedule's α over the first epochs. */
export function linearWarmup(warmupEpochs: number, after: Schedule = constant()): Schedule {
  check('warmupEpochs', warmupEpochs, Number.isInteger(warmupEpochs) && warmupEpochs >= 1, 'an integer ≥ 1');
  return (epoch, c) => {
    const rate = after(epoch, c);
    return epoch < warmupEpochs ? (rate * (epoch + 1)) / warmupEpochs : rate;
  };
}

/**
 * Multiplies the rate by `factor` when the monitored metric (dev loss, or train loss without dev
 * data) has not improved by `minDelta` for `patience` epochs; never below `minLearningRate`.
 */
export function reduceOnPlateau(options: { factor?: number; patience?: number; minDelta?: number; minLearningRate?: number } = {}): Schedule {
  const { factor = 0.1, patience = 3, minDelta = 0, minLearningRate = 0 } = options;
  check('factor', factor, factor > 0 && factor < 1, 'in (0, 1)');
  check('patience', patience, Number.isInteger(patience) && patience >= 1, 'an integer ≥ 1');
  check('minDelta', minDelta, minDelta >= 0, '≥ 0');
  let lastReduction = 0;
  return (epoch, c) => {
    if (epoch === 0) lastReduction = 0;
    const seen = c.monitored;
    if (seen.length - lastReduction <= patience) return c.previousLearningRate;
    const best = Math.min(...seen.slice(0, seen.length - patience));
    const recent = Math.min(...seen.slice(seen.length - patience));
    // Not improved by minDelta (an exactly flat metric has not improved either).
    if (recent >= best - minDelta) {
      lastReduction = seen.length;
      return Math.max(c.previousLearningRate * factor, minLearningRate);
    }
    return c.previousLearningRate;
  };
}
