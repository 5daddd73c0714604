// Early stopping: watch a metric each epoch, stop after `patience` epochs without an improvement
// of at least `minDelta`, and (by default) put back the best epoch's weights when it stops the
// run — Keras's `EarlyStopping(restore_best_weights=True)`. A run that ends by running out of
// epochs keeps its last weights (the best ones stay in `model.bestWeights`), so resuming it
// continues exactly where it was.
import type { NetworkHandle } from '../backend';
import { BEST_PREFIX, tensorName, WEIGHT_NAMES, type NamedTensor, type TrainingState } from '../modelState';
import * as check from '../validation/args';

export type Monitor = 'devLoss' | 'devAccuracy' | 'trainLoss' | 'trainAccuracy';
export const MONITORS: readonly Monitor[] = ['devLoss', 'devAccuracy', 'trainLoss', 'trainAccuracy'];

export interface EarlyStoppingOptions {
  /** Default 'devLoss' (requires validation data). */
  monitor?: Monitor;
  /** Stop at this many epochs in a row without improvement (default 5, as Keras counts). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Restore the weights (parameters and running statistics) of the best epoch when stopping (default true). */
  restoreBest?: boolean;
}

export class EarlyStopping {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  best = Number.NaN;
  bestEpoch = -1;
  wait = 0;

  /** `where` names it in messages (`fit: earlyStopping`; unknown keys: `fit options.earlyStopping`). */
  constructor(where: string, options: unknown, hasDev: boolean, optionsWhere = `${where} options`, hasAccuracy = true) {
    const o = check.options(optionsWhere, options, ['monitor', 'patience', 'minDelta', 'restoreBest'] as const);
    // A regression model has losses only.
    const monitors = hasAccuracy ? MONITORS : MONITORS.filter((m) => m.endsWith('Loss'));
    this.monitor = check.optional(o.monitor, 'devLoss' as Monitor, (v) => check.oneOf(`${where}.monitor`, v, monitors));
    if (this.monitor.startsWith('dev') && !hasDev) {
      throw new RangeError(`${where}.monitor: '${this.monitor}' needs validation data (fit option 'validation')`);
    }
    this.patience = check.optional(o.patience, 5, (v) => check.integer(`${where}.patience`, v, 0));
    this.minDelta = check.optional(o.minDelta, 0, (v) => check.number(`${where}.minDelta`, v, 0));
    this.restoreBest = check.optional(o.restoreBest, true, (v) => check.boolean(`${where}.restoreBest`, v));
  }

  /** Continues a run's progress (same monitor only; another monitor starts afresh). */
  resume(state: TrainingState['earlyStopping']): void {
    if (!state || state.monitor !== this.monitor) return;
    this.best = state.best;
    this.bestEpoch = state.bestEpoch;
    this.wait = state.wait;
  }

  state(): NonNullable<TrainingState['earlyStopping']> {
    return { monitor: this.monitor, best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  private improved(value: number): boolean {
    if (Number.isNaN(this.best)) return true;
    return this.monitor.endsWith('Loss') ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  /** Records an epoch's metric: whether it is the new best, and whether training should stop. */
  update(epoch: number, value: number): { improved: boolean; stop: boolean } {
    if (this.improved(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      return { improved: true, stop: false };
    }
    this.wait += 1;
    // Keras / Lightning: stop at the `patience`-th epoch in a row without improvement.
    return { improved: false, stop: this.wait >= this.patience };
  }
}

/** A copy of the weights (not optimizer state), named `best.layers.{i}.{name}`. */
export function copyWeights(handle: NetworkHandle): NamedTensor[] {
  return handle
    .tensors()
    .filter((t) => WEIGHT_NAMES.has(t.name))
    .map((t) => ({ name: BEST_PREFIX + tensorName(t.layer, t.name), shape: t.shape, values: handle.getTensor(t.layer, t.name) }));
}

/** Puts weights copied by `copyWeights` back. */
export function restoreWeights(handle: NetworkHandle, weights: NamedTensor[]): void {
  for (const t of weights) {
    const [, layer, ...rest] = t.name.slice(BEST_PREFIX.length).split('.');
    handle.setTensor(Number(layer), rest.join('.'), t.values);
  }
}
