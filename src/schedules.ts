// Learning-rate schedules: functions from the 0-based epoch index (and what the trainer has seen)
// to the learning rate of that epoch. The trainer calls the schedule once before each epoch.
import { func, integer, number, optional, options as strict, typeError } from './validation/args';

export interface ScheduleContext {
  /** The optimizer's base learning rate α0. */
  initialLearningRate: number;
  /** The rate used in the previous epoch (α0 before the first). */
  previousLearningRate: number;
  /** Per-epoch metrics so far (dev loss when there is dev data, otherwise train loss). */
  monitored: number[];
}

export type Schedule = (epoch: number, context: ScheduleContext) => number;

/**
 * The schedule as fit calls it: one written by hand can be called with anything, so the epoch and
 * the context are checked before `rate` reads them (a negative epoch would raise α0·k^e instead).
 */
function schedule(name: string, rate: Schedule): Schedule {
  const where = `${name} schedule`;
  return (epoch, context) => {
    integer(`${where}: epoch`, epoch, 0);
    if (context === null || typeof context !== 'object') throw typeError(`${where}: context`, 'a schedule context { initialLearningRate, previousLearningRate, monitored }', context);
    number(`${where}: context.initialLearningRate`, context.initialLearningRate, 0);
    number(`${where}: context.previousLearningRate`, context.previousLearningRate, 0);
    if (!Array.isArray(context.monitored)) throw typeError(`${where}: context.monitored`, 'an array of per-epoch losses', context.monitored);
    return rate(epoch, context);
  };
}

export const constant = (): Schedule => schedule('constant', (_e, c) => c.initialLearningRate);

/**
 * α0 / (1 + decayRate·epoch), the course's formula; with `staircase` the epoch is floor(epoch/interval)
 * so the rate drops every `interval` epochs.
 */
export function inverseTimeDecay(decayRate: number, options: { staircase?: number } = {}): Schedule {
  const rate = number('inverseTimeDecay: decayRate', decayRate, 0);
  const o = strict('inverseTimeDecay options', options, ['staircase'] as const);
  const interval = optional(o.staircase, 1, (v) => integer('inverseTimeDecay: staircase', v, 1));
  return schedule('inverseTimeDecay', (epoch, c) => c.initialLearningRate / (1 + rate * Math.floor(epoch / interval)));
}

/** α0 · k^epoch. */
export function exponentialDecay(k: number): Schedule {
  const base = number('exponentialDecay: k', k, 0, 1, { lo: true });
  return schedule('exponentialDecay', (epoch, c) => c.initialLearningRate * base ** epoch);
}

/** α0 · k / √(epoch + 1) (epoch counted from 1 in the formula so the first epoch is α0·k). */
export function sqrtDecay(k: number): Schedule {
  const scale = number('sqrtDecay: k', k, 0, Infinity, { lo: true });
  return schedule('sqrtDecay', (epoch, c) => (c.initialLearningRate * scale) / Math.sqrt(epoch + 1));
}

/** α0 · factor^floor(epoch/every): a discrete staircase. */
export function stepDecay(factor: number, every: number): Schedule {
  const f = number('stepDecay: factor', factor, 0, 1, { lo: true });
  const interval = integer('stepDecay: every', every, 1);
  return schedule('stepDecay', (epoch, c) => c.initialLearningRate * f ** Math.floor(epoch / interval));
}

/** Half-cosine from α0 down to `minLearningRate` over `epochs`, then flat. */
export function cosineDecay(epochs: number, minLearningRate = 0): Schedule {
  const span = integer('cosineDecay: epochs', epochs, 1);
  const floor = number('cosineDecay: minLearningRate', minLearningRate, 0);
  return schedule('cosineDecay', (epoch, c) => {
    const t = Math.min(epoch, span) / span;
    return floor + 0.5 * (c.initialLearningRate - floor) * (1 + Math.cos(Math.PI * t));
  });
}

/** Ramps linearly from α/warmupEpochs up to the wrapped schedule's α over the first epochs. */
export function linearWarmup(warmupEpochs: number, after: Schedule = constant()): Schedule {
  const warmup = integer('linearWarmup: warmupEpochs', warmupEpochs, 1);
  const next = func<Schedule>('linearWarmup: after', after);
  return schedule('linearWarmup', (epoch, c) => {
    const rate = next(epoch, c);
    return epoch < warmup ? (rate * (epoch + 1)) / warmup : rate;
  });
}

/**
 * Multiplies the rate by `factor` when the monitored metric (dev loss, or train loss without dev
 * data) has not improved by `minDelta` for `patience` epochs; never below `minLearningRate`.
 */
export function reduceOnPlateau(options: { factor?: number; patience?: number; minDelta?: number; minLearningRate?: number } = {}): Schedule {
  const o = strict('reduceOnPlateau options', options, ['factor', 'patience', 'minDelta', 'minLearningRate'] as const);
  const factor = optional(o.factor, 0.1, (v) => number('reduceOnPlateau: factor', v, 0, 1, { lo: true, hi: true }));
  const patience = optional(o.patience, 3, (v) => integer('reduceOnPlateau: patience', v, 1));
  const minDelta = optional(o.minDelta, 0, (v) => number('reduceOnPlateau: minDelta', v, 0));
  const minLearningRate = optional(o.minLearningRate, 0, (v) => number('reduceOnPlateau: minLearningRate', v, 0));
  // No state of its own: the rate is replayed from the run's whole monitored history (which a
  // resumed run gets back from the model's training state), so a fresh reduceOnPlateau() in a
  // resumed run decides exactly as the one of an uninterrupted run.
  return schedule('reduceOnPlateau', (_epoch, c) => {
    const seen = c.monitored;
    // NaN improves on nothing and is improved on by nothing (every comparison with it is false).
    const at = (i: number): number => (Number.isNaN(seen[i]) ? Infinity : seen[i]);
    let rate = c.initialLearningRate;
    let lastReduction = 0;
    // One pass, O(length), since fit replays the whole history every epoch: `best` is the minimum
    // of seen[0, n − patience); `window` holds indices of seen[n − patience, n) with increasing
    // values from `head`, so window[head] is the minimum of the last `patience` epochs.
    let best = Infinity;
    const window: number[] = [];
    let head = 0;
    // The decision before epoch n sees the metrics of epochs 0 … n − 1.
    for (let n = 1; n <= seen.length; n++) {
      while (window.length > head && at(window[window.length - 1]) >= at(n - 1)) window.pop();
      window.push(n - 1);
      if (window[head] < n - patience) head++;
      if (n > patience) best = Math.min(best, at(n - patience - 1));
      if (n - lastReduction <= patience) continue;
      // Not improved by minDelta (an exactly flat metric has not improved either).
      if (at(window[head]) >= best - minDelta) {
        lastReduction = n;
        rate = Math.max(rate * factor, minLearningRate);
      }
    }
    return rate;
  });
}
