// "Panda": babysitting one model when there is compute for only one. Watch its learning curve
// epoch by epoch and nudge it — no new machinery, just the trainer's hooks: `onEpochEnd(log,
// control)` sees every epoch's losses, `control.setLearningRate(rate)` changes the rate for the
// next epochs (replacing the schedule) and `control.stop()` ends the run. `babysit` packages the
// usual nudges:
//
//   const sitter = babysit({ patience: 2, factor: 0.5, log: console.log });
//   await model.fit(x, y, { epochs: 30, validation: dev, onEpochEnd: sitter.onEpochEnd });
//   sitter.decisions   // [{ epoch: 7, action: 'lowerLearningRate', learningRate: 5e-4, … }, …]
//
// or by hand, the same thing in four lines:
//
//   onEpochEnd: (log, control) => {
//     if (log.devLoss > best) { if (++bad >= 2) { control.setLearningRate(log.learningRate / 2); bad = 0; } }
//     else { best = log.devLoss; bad = 0; }
//   }
import type { EpochLog, TrainingControl } from '../training/fit';

export interface BabysitOptions {
  /** 'devLoss' (default when there is validation data, else 'trainLoss') or 'trainLoss'. Lower is better. */
  monitor?: 'devLoss' | 'trainLoss';
  /** Epochs without improvement before the learning rate is lowered (default 2). */
  patience?: number;
  /** Multiplies the learning rate each time it is lowered (default 0.5). */
  factor?: number;
  /** An improvement must beat the best by more than this (default 0). */
  minDelta?: number;
  /** Stop training when the rate would fall below this (default 1e-6). */
  minLearningRate?: number;
  /** Stop training when the monitored loss exceeds `diverge` × its best (default 3): the run is diverging. */
  diverge?: number;
  /** Receives one line per decision (e.g. console.log). */
  log?: (line: string) => void;
}

export interface BabysitDecision {
  epoch: number;
  action: 'lowerLearningRate' | 'stop';
  reason: string;
  /** The learning rate from the next epoch on (for 'lowerLearningRate'). */
  learningRate?: number;
}

export interface Babysitter {
  /** Pass as FitOptions.onEpochEnd. */
  onEpochEnd: (log: EpochLog, control: TrainingControl) => void;
  /** What it did, in order. */
  readonly decisions: BabysitDecision[];
}

export function babysit(options: BabysitOptions = {}): Babysitter {
  const patience = options.patience ?? 2;
  const factor = options.factor ?? 0.5;
  const minDelta = options.minDelta ?? 0;
  const minLearningRate = options.minLearningRate ?? 1e-6;
  const diverge = options.diverge ?? 3;
  if (!Number.isInteger(patience) || patience < 1) throw new RangeError(`patience: must be an integer ≥ 1, got ${patience}`);
  if (!(factor > 0 && factor < 1)) throw new RangeError(`factor: must be in (0, 1), got ${factor}`);
  if (!(minDelta >= 0)) throw new RangeError(`minDelta: must be ≥ 0, got ${minDelta}`);
  if (!(minLearningRate >= 0)) throw new RangeError(`minLearningRate: must be ≥ 0, got ${minLearningRate}`);
  if (!(diverge > 1)) throw new RangeError(`diverge: must be > 1, got ${diverge}`);
  if (options.monitor !== undefined && options.monitor !== 'devLoss' && options.monitor !== 'trainLoss') {
    throw new RangeError(`monitor: expected 'devLoss' or 'trainLoss', got '${String(options.monitor)}'`);
  }
  const decisions: BabysitDecision[] = [];
  let best = Infinity;
  let bad = 0;
  const decide = (d: BabysitDecision) => {
    decisions.push(d);
    options.log?.(`epoch ${d.epoch}: ${d.action}${d.learningRate !== undefined ? ` to ${d.learningRate.toExponential(2)}` : ''} (${d.reason})`);
  };
  const onEpochEnd = (log: EpochLog, control: TrainingControl): void => {
    const monitor = options.monitor ?? (log.devLoss !== undefined ? 'devLoss' : 'trainLoss');
    const value = log[monitor];
    if (value === undefined) throw new RangeError(`monitor: '${monitor}' is not in the epoch log (devLoss needs validation data)`);
    if (!Number.isFinite(value) || value > diverge * best) {
      decide({ epoch: log.epoch, action: 'stop', reason: `${monitor} ${value} is over ${diverge}× its best ${best}: diverging` });
      control.stop();
      return;
    }
    if (value < best - minDelta) {
      best = value;
      bad = 0;
      return;
    }
    if (++bad < patience) return;
    bad = 0;
    const rate = log.learningRate * factor;
    if (rate < minLearningRate) {
      decide({ epoch: log.epoch, action: 'stop', reason: `no ${monitor} progress and the rate would fall below ${minLearningRate}` });
      control.stop();
      return;
    }
    control.setLearningRate(rate);
    decide({ epoch: log.epoch, action: 'lowerLearningRate', learningRate: rate, reason: `${monitor} has not improved for ${patience} epochs` });
  };
  return { onEpochEnd, decisions };
}
