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
import { func, integer, MAX_COUNT, number, oneOf, optional, options as strict, typeError } from '../validation/args';

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
  /** Pass the babysitter in FitOptions.callbacks (its state is then saved and resumed), or this as onEpochEnd. */
  onEpochEnd: (log: EpochLog, control: TrainingControl) => void;
  readonly stateKey: 'babysit';
  getState(): { best: number | null; bad: number };
  setState(state: unknown): void;
  /** What it did, in order. */
  readonly decisions: BabysitDecision[];
}

const KEYS = ['monitor', 'patience', 'factor', 'minDelta', 'minLearningRate', 'diverge', 'log'] as const;

export function babysit(options: BabysitOptions = {}): Babysitter {
  const o = strict('babysit options', options, KEYS);
  const monitorOption = optional(o.monitor, undefined, (v) => oneOf('babysit: monitor', v, ['devLoss', 'trainLoss'] as const));
  const patience = optional(o.patience, 2, (v) => integer('babysit: patience', v, 1, MAX_COUNT));
  const factor = optional(o.factor, 0.5, (v) => number('babysit: factor', v, 0, 1, { lo: true, hi: true }));
  const minDelta = optional(o.minDelta, 0, (v) => number('babysit: minDelta', v, 0));
  const minLearningRate = optional(o.minLearningRate, 1e-6, (v) => number('babysit: minLearningRate', v, 0));
  const diverge = optional(o.diverge, 3, (v) => number('babysit: diverge', v, 1, Infinity, { lo: true }));
  const log = optional(o.log, undefined, (v) => func<(line: string) => void>('babysit: log', v));
  const decisions: BabysitDecision[] = [];
  let best = Infinity;
  let bad = 0;
  const decide = (d: BabysitDecision) => {
    decisions.push(d);
    log?.(`epoch ${d.epoch}: ${d.action}${d.learningRate !== undefined ? ` to ${d.learningRate.toExponential(2)}` : ''} (${d.reason})`);
  };
  const onEpochEnd = (epochLog: EpochLog, control: TrainingControl): void => {
    const where = 'babysit onEpochEnd';
    if (epochLog === null || typeof epochLog !== 'object') throw typeError(`${where}: log`, 'an epoch log { epoch, trainLoss, learningRate, … }', epochLog);
    if (control === null || typeof control !== 'object' || typeof control.stop !== 'function' || typeof control.setLearningRate !== 'function') {
      throw typeError(`${where}: control`, 'the training control { setLearningRate, stop }', control);
    }
    integer(`${where}: log.epoch`, epochLog.epoch, 0);
    number(`${where}: log.learningRate`, epochLog.learningRate, 0);
    const monitor = monitorOption ?? (epochLog.devLoss !== undefined ? 'devLoss' : 'trainLoss');
    const value = epochLog[monitor];
    if (value === undefined) throw new RangeError(`${where}: log.${monitor}: is not in the epoch log (devLoss needs validation data)`);
    // NaN or ∞ is a diverged run (stopped below), not a bad argument; anything else must be a number.
    if (typeof value !== 'number') throw typeError(`${where}: log.${monitor}`, 'a number', value);
    if (!Number.isFinite(value) || value > diverge * best) {
      decide({ epoch: epochLog.epoch, action: 'stop', reason: `${monitor} ${value} is over ${diverge}× its best ${best}: diverging` });
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
    const rate = epochLog.learningRate * factor;
    if (rate < minLearningRate) {
      decide({ epoch: epochLog.epoch, action: 'stop', reason: `no ${monitor} progress and the rate would fall below ${minLearningRate}` });
      control.stop();
      return;
    }
    control.setLearningRate(rate);
    decide({ epoch: epochLog.epoch, action: 'lowerLearningRate', learningRate: rate, reason: `${monitor} has not improved for ${patience} epochs` });
  };
  // Its state travels with the model's training state (fit's `callbacks: [sitter]`), so a
  // resumed run's new babysitter continues with the same best value and patience count.
  return {
    onEpochEnd,
    decisions,
    stateKey: 'babysit',
    getState: () => ({ best: Number.isFinite(best) ? best : null, bad }),
    setState: (state: unknown) => {
      const s = state as { best?: unknown; bad?: unknown } | null;
      best = s?.best === null ? Infinity : number('babysit setState: best', s?.best);
      bad = integer('babysit setState: bad', s?.bad, 0);
    },
  };
}
