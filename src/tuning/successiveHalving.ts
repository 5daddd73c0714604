// Successive halving and ASHA: give many configurations a small epoch budget, keep the best
// 1/η on their dev metric, give those η times the budget, and so on. Rungs are at r, r·η, r·η², …
// epochs (r = minEpochs), capped at maxEpochs; the bad trials stop after r epochs instead of
// training to the end.
//
// - Synchronous (default): every surviving trial runs a rung, then the top max(1, floor(n/η)) go
//   on. Decisions happen only at rung boundaries, so the outcome depends only on the seed (for a
//   deterministic objective), not on concurrency.
// - Asynchronous (ASHA, `asynchronous: true`): whenever a trial slot is free, promote any trial
//   that sits in the top floor(n_k/η) of the n_k results finished so far at some rung k (highest
//   rung first), otherwise start a new configuration at rung 0. No slot waits for a rung to fill;
//   the price is that promotions depend on completion order when concurrency > 1.
//
// Resume or retrain — the objective chooses. Each call gets `context.epochs` (the total epochs
// the trial should have trained when it returns), `context.epochsDone` (what it had trained at
// its previous rung, 0 at rung 0) and `context.state` (whatever it returned as `state` at that
// rung). An objective that returns its model as `state` RESUMES: it trains
// `epochs − epochsDone` more epochs (pass `initialEpoch: epochsDone` so schedules continue).
// One that returns no state RETRAINS from scratch to `epochs` each rung (simpler, costs more).
// On worker threads `state` crosses threads by structured clone, so a model cannot travel: resume
// there by returning a path written with saveModel and loading it at the next rung, or retrain.
// The state of a stopped trial is dropped so its model can be garbage-collected.
import { Rng, RngStream } from '../reference/rng';
import { optionalFunction, positiveInteger, seedOf, threadsPerTrial as defaultThreads } from './checks';
import { mapConcurrent } from './concurrency';
import { objectiveRunner } from './parallel';
import { sample, validateSpace, type ConfigOf, type Space } from './space';
import { callObjective, compareTrials, type Objective, type ObjectiveModule, type ObjectiveResult, type TrialContext, type TrialRecord } from './trials';

export interface HalvingContext extends TrialContext {
  /** 0-based rung. */
  rung: number;
  /** Total epochs the trial should have trained when this call returns. */
  epochs: number;
  /** Epochs trained by the end of the previous rung (0 at rung 0). */
  epochsDone: number;
  /** What the objective returned as `state` at the previous rung; undefined at rung 0 or if it returned none. */
  state?: unknown;
}

export interface RungResult {
  rung: number;
  epochs: number;
  devMetric: number;
  seconds: number;
  error?: string;
}

export interface HalvingTrial<C> extends TrialRecord<C> {
  /** Highest rung the trial ran. */
  rung: number;
  /** True when the trial was not run to the last rung (stopped early on its dev metric). */
  stopped: boolean;
  /** One entry per rung it ran. */
  history: RungResult[];
}

export interface SuccessiveHalvingOptions<S extends Space> {
  /** Sample `trials` configurations from this space (seeded), … */
  space?: S;
  trials?: number;
  /** … or give the configurations. */
  configs?: readonly ConfigOf<S>[];
  objective: Objective<ConfigOf<S>, HalvingContext> | ObjectiveModule;
  /** r: epochs at rung 0 (default 1). */
  minEpochs?: number;
  /** η: keep the top 1/η at each rung, multiply the budget by η (default 3; > 1). */
  eta?: number;
  /** R: budget of the last rung (default r·η^⌊log_η n⌋, the rung where one trial of n is left). */
  maxEpochs?: number;
  seed?: number;
  concurrency?: number;
  threadsPerTrial?: number;
  /** ASHA: promote as soon as a trial qualifies instead of waiting for the rung (default false). */
  asynchronous?: boolean;
  /** Called each time a trial finishes a rung. */
  onRungEnd?: (trial: HalvingTrial<ConfigOf<S>>, result: RungResult) => void | Promise<void>;
}

export interface HalvingResult<C> {
  /** In trial order. */
  trials: HalvingTrial<C>[];
  /** The best trial of the highest rung reached. */
  best: HalvingTrial<C>;
  bestConfig: C;
  /** Epoch budget of each rung. */
  rungs: number[];
  seconds: number;
}

/** Epoch budgets r, rη, rη², … up to maxEpochs (rounded, strictly increasing, the last one maxEpochs). */
export function rungBudgets(minEpochs: number, eta: number, maxEpochs: number): number[] {
  const budgets: number[] = [];
  for (let k = 0; ; k++) {
    let b = Math.min(maxEpochs, Math.round(minEpochs * eta ** k));
    if (budgets.length > 0 && b <= budgets[budgets.length - 1]) b = budgets[budgets.length - 1] + 1;
    budgets.push(b);
    if (b >= maxEpochs) return budgets;
  }
}

export async function successiveHalving<S extends Space>(options: SuccessiveHalvingOptions<S>): Promise<HalvingResult<ConfigOf<S>>> {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected { space, trials | configs, objective, … }');
  type C = ConfigOf<S>;
  const seed = seedOf('seed', options.seed ?? 0);
  let configs: C[];
  if (options.configs !== undefined) {
    if (!Array.isArray(options.configs) || options.configs.length === 0) throw new RangeError('configs: expected a non-empty array of configurations');
    configs = [...options.configs];
  } else {
    validateSpace(options.space);
    const n = positiveInteger('trials', options.trials);
    const rng = Rng.withStream(seed, RngStream.SEARCH);
    configs = Array.from({ length: n }, () => sample(options.space as S, rng));
  }
  const n = configs.length;
  const minEpochs = positiveInteger('minEpochs', options.minEpochs ?? 1);
  const eta = options.eta ?? 3;
  if (typeof eta !== 'number' || !(eta > 1) || !Number.isFinite(eta)) throw new RangeError(`eta: must be a finite number > 1, got ${String(eta)}`);
  const maxEpochs = positiveInteger('maxEpochs', options.maxEpochs ?? Math.round(minEpochs * eta ** Math.floor(Math.log(n) / Math.log(eta) + 1e-9)));
  if (maxEpochs < minEpochs) throw new RangeError(`maxEpochs: must be ≥ minEpochs (${minEpochs}), got ${maxEpochs}`);
  const concurrency = positiveInteger('concurrency', options.concurrency ?? 1);
  const threads = positiveInteger('threadsPerTrial', options.threadsPerTrial ?? defaultThreads(concurrency));
  optionalFunction('onRungEnd', options.onRungEnd);
  const budgets = rungBudgets(minEpochs, eta, maxEpochs);
  const last = budgets.length - 1;
  const runner = objectiveRunner<C, HalvingContext>(options.objective, concurrency);
  const started = performance.now();

  const trials: HalvingTrial<C>[] = configs.map((config, index) => ({
    index,
    round: 0,
    config,
    devMetric: NaN,
    seconds: 0,
    rung: -1,
    stopped: false,
    history: [],
  }));
  const states: unknown[] = new Array(n).fill(undefined);

  const runRung = async (index: number, rung: number): Promise<void> => {
    const trial = trials[index];
    const context: HalvingContext = {
      trial: index,
      round: 0,
      seed,
      threads,
      rung,
      epochs: budgets[rung],
      epochsDone: rung === 0 ? 0 : budgets[rung - 1],
      state: states[index],
    };
    const outcome = await callObjective(runner.call, trial.config, context);
    let result: ObjectiveResult | undefined = outcome.result;
    if (result && 'state' in result) {
      const { state, ...rest } = result;
      states[index] = state;
      result = rest as ObjectiveResult;
    } else states[index] = undefined;
    const entry: RungResult = { rung, epochs: budgets[rung], devMetric: outcome.devMetric, seconds: outcome.seconds, error: outcome.error };
    trial.history.push(entry);
    trial.rung = rung;
    trial.devMetric = outcome.devMetric;
    trial.epochs = budgets[rung];
    trial.seconds += outcome.seconds;
    trial.result = result;
    trial.error = outcome.error;
    await options.onRungEnd?.(trial, entry);
  };
  const ranked = (indices: number[], rung: number) =>
    indices
      .map((index) => ({ index, devMetric: trials[index].history.find((h) => h.rung === rung)?.devMetric ?? NaN }))
      .filter((t) => Number.isFinite(t.devMetric))
      .sort(compareTrials)
      .map((t) => t.index);

  try {
    if (!options.asynchronous) {
      let alive = configs.map((_, i) => i);
      for (let rung = 0; rung <= last && alive.length > 0; rung++) {
        await mapConcurrent(alive, concurrency, (index) => runRung(index, rung));
        if (rung === last) break;
        const keep = ranked(alive, rung).slice(0, Math.max(1, Math.floor(alive.length / eta)));
        for (const index of alive) {
          if (!keep.includes(index)) {
            trials[index].stopped = true;
            states[index] = undefined;
          }
        }
        alive = keep.sort((a, b) => a - b);
      }
    } else {
      const finished: number[][] = budgets.map(() => []);
      const promoted: Set<number>[] = budgets.map(() => new Set());
      let nextNew = 0;
      const nextJob = (): [number, number] | undefined => {
        for (let k = last - 1; k >= 0; k--) {
          const top = ranked(finished[k], k).slice(0, Math.floor(finished[k].length / eta));
          const index = top.find((i) => !promoted[k].has(i));
          if (index !== undefined) {
            promoted[k].add(index);
            return [index, k + 1];
          }
        }
        return nextNew < n ? [nextNew++, 0] : undefined;
      };
      const running = new Set<Promise<void>>();
      for (;;) {
        while (running.size < concurrency) {
          const job = nextJob();
          if (!job) break;
          const [index, rung] = job;
          const p: Promise<void> = runRung(index, rung).then(() => {
            finished[rung].push(index);
            running.delete(p);
          });
          running.add(p);
        }
        if (running.size === 0) break;
        await Promise.race(running);
      }
      for (const t of trials) t.stopped = t.rung < last;
    }
  } finally {
    states.fill(undefined);
    await runner.close();
  }
  const candidates = trials.filter((t) => Number.isFinite(t.devMetric));
  if (candidates.length === 0) throw new Error(`objective: all ${n} trials failed; the first failed with: ${trials[0].error}`);
  const top = Math.max(...candidates.map((t) => t.rung));
  const best = candidates.filter((t) => t.rung === top).sort(compareTrials)[0];
  return { trials, best, bestConfig: best.config, rungs: budgets, seconds: (performance.now() - started) / 1000 };
}
