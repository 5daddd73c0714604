// Early stopping: watch a metric each epoch, stop after `patience` epochs without an improvement
// of at least `minDelta`, and optionally put back the best epoch's weights.
import type { NetworkHandle } from '../backend';

export type Monitor = 'devLoss' | 'devAccuracy' | 'trainLoss' | 'trainAccuracy';

export interface EarlyStoppingOptions {
  /** Default 'devLoss' (requires validation data). */
  monitor?: Monitor;
  /** Stop at this many epochs in a row without improvement (default 5, as Keras counts). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Restore the weights (parameters and running statistics) of the best epoch (default true). */
  restoreBest?: boolean;
}

/** Tensors that define the model's function (not optimizer state). */
const WEIGHT_NAMES = new Set(['W', 'b', 'gamma', 'beta', 'runningMean', 'runningVar']);

export class EarlyStopping {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  best = Number.NaN;
  bestEpoch = -1;
  private wait = 0;
  private snapshot: { layer: number; name: string; values: Float32Array }[] = [];

  constructor(options: EarlyStoppingOptions, hasDev: boolean) {
    this.monitor = options.monitor ?? 'devLoss';
    if (!['devLoss', 'devAccuracy', 'trainLoss', 'trainAccuracy'].includes(this.monitor)) {
      throw new RangeError(`earlyStopping.monitor: expected devLoss | devAccuracy | trainLoss | trainAccuracy, got '${this.monitor}'`);
    }
    if (this.monitor.startsWith('dev') && !hasDev) {
      throw new RangeError(`earlyStopping.monitor: '${this.monitor}' needs validation data (fit option 'validation')`);
    }
    this.patience = options.patience ?? 5;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new RangeError(`earlyStopping.patience: must be an integer ≥ 0, got ${this.patience}`);
    }
    this.minDelta = options.minDelta ?? 0;
    if (!(this.minDelta >= 0) || !Number.isFinite(this.minDelta)) {
      throw new RangeError(`earlyStopping.minDelta: must be a finite number ≥ 0, got ${this.minDelta}`);
    }
    this.restoreBest = options.restoreBest ?? true;
  }

  private improved(value: number): boolean {
    if (Number.isNaN(this.best)) return true;
    return this.monitor.endsWith('Loss') ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  /** Records an epoch's metric; returns true when training should stop. */
  update(epoch: number, value: number, handle: NetworkHandle): boolean {
    if (this.improved(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBest) {
        this.snapshot = handle
          .tensors()
          .filter((t) => WEIGHT_NAMES.has(t.name))
          .map((t) => ({ layer: t.layer, name: t.name, values: handle.getTensor(t.layer, t.name) }));
      }
      return false;
    }
    this.wait += 1;
    // Keras / Lightning: stop at the `patience`-th epoch in a row without improvement.
    return this.wait >= this.patience;
  }

  restore(handle: NetworkHandle): void {
    if (!this.restoreBest) return;
    for (const t of this.snapshot) handle.setTensor(t.layer, t.name, t.values);
  }
}
