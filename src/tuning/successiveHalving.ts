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
import { setMaxListeners } from 'node:events';
import { Rng, RngStream } from '../reference/rng';
import { boolean, func, integer, MAX_COUNT, number, optional, options as strict, seed as seedArg, typeError } from '../validation/args';
import { MAX_TRIALS, threadsPerTrial as defaultThreads } from './checks';
import { mapConcurrent } from './concurrency';
import { runDetails, searchExecutor, type Executor } from './executor';
import { tuningDisplay } from './progress';
import { sample, validateSpace, type ConfigOf, type Space } from './space';
import { compareTrials, type EpochReport, type Objective, type ObjectiveModule, type ObjectiveResult, type TrialContext, type TrialRecord } from './trials';

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
  /** The epochs the objective reported during this rung. */
  epochLog: EpochReport[];
  /** Times this rung was started (more than 1 when an executor lost a worker and ran it again). */
  attempts: number;
  host: string;
  startedAt: number;
  endedAt: number;
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
  /** Rung runs at once (default 1); short for executor: localWorkers({ concurrency }). */
  concurrency?: number;
  /** Where rung runs go: localWorkers({ concurrency }) (the default) or queueExecutor(…). */
  executor?: Executor;
  threadsPerTrial?: number;
  /** 0 silent, 1 a progress bar (rung runs done/planned, best so far, ETA), 2 a line per rung run; default 'auto' as fit's. */
  verbose?: 0 | 1 | 2 | 'auto';
  /** Where verbose output goes (default process.stdout). */
  verboseStream?: { write(text: string): unknown; isTTY?: boolean };
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
  /** The space the configs were drawn from (undefined when configs were given). */
  space?: Space;
  seed: number;
  /** The executor's kind ('localWorkers', 'queue'). */
  executor: string;
  seconds: number;
}

/**
 * Most rungs a schedule may have. With η close to 1, r·η^k rounds to the same epoch for many k and
 * each rung then adds one epoch, so (1, 1.000001, 1e9) would build a billion rungs.
 */
export const MAX_RUNGS = 10_000;

/** Epoch budgets r, rη, rη², … up to maxEpochs (rounded, strictly increasing, the last one maxEpochs). */
export function rungBudgets(minEpochs: number, eta: number, maxEpochs: number): number[] {
  const r = integer('rungBudgets: minEpochs', minEpochs, 1);
  const η = number('rungBudgets: eta', eta, 1, MAX_COUNT, { lo: true });
  const R = integer('rungBudgets: maxEpochs', maxEpochs, r);
  return budgets('rungBudgets', r, η, R);
}

/** rungBudgets on checked arguments; `where` names the caller if there would be too many rungs. */
function budgets(where: string, minEpochs: number, eta: number, maxEpochs: number): number[] {
  const out: number[] = [];
  for (let k = 0; ; k++) {
    let b = Math.min(maxEpochs, Math.round(minEpochs * eta ** k));
    if (out.length > 0 && b <= out[out.length - 1]) b = out[out.length - 1] + 1;
    out.push(b);
    if (b >= maxEpochs) return out;
    if (out.length === MAX_RUNGS) {
      throw new RangeError(`${where}: eta: ${eta} gives more than ${MAX_RUNGS} rungs from ${minEpochs} to ${maxEpochs} epochs; use a larger eta or a smaller maxEpochs`);
    }
  }
}

const KEYS = ['space', 'trials', 'configs', 'objective', 'minEpochs', 'eta', 'maxEpochs', 'seed', 'concurrency', 'threadsPerTrial', 'asynchronous', 'onRungEnd', 'executor', 'verbose', 'verboseStream'] as const;

export async function successiveHalving<S extends Space>(options: SuccessiveHalvingOptions<S>): Promise<HalvingResult<ConfigOf<S>>> {
  const where = 'successiveHalving';
  const o = strict(`${where} options`, options, KEYS);
  type C = ConfigOf<S>;
  const seed = optional(o.seed, 0, (v) => seedArg(`${where}: seed`, v));
  let configs: C[];
  if (o.configs !== undefined) {
    if (o.space !== undefined || o.trials !== undefined) {
      throw new TypeError(`${where}: configs: give either configs or space and trials, not both (space and trials would be ignored)`);
    }
    if (!Array.isArray(o.configs)) throw typeError(`${where}: configs`, 'a non-empty array of configurations', o.configs);
    if (o.configs.length === 0 || o.configs.length > MAX_TRIALS) {
      throw new RangeError(`${where}: configs: must hold 1 to ${MAX_TRIALS} configurations, got ${o.configs.length}`);
    }
    configs = [...(o.configs as C[])];
  } else {
    const space = o.space as S;
    validateSpace(space, `${where}: space`);
    const n = integer(`${where}: trials`, o.trials, 1, MAX_TRIALS);
    const rng = Rng.withStream(seed, RngStream.SEARCH);
    configs = Array.from({ length: n }, () => sample(space, rng));
  }
  const n = configs.length;
  const minEpochs = optional(o.minEpochs, 1, (v) => integer(`${where}: minEpochs`, v, 1));
  const eta = optional(o.eta, 3, (v) => number(`${where}: eta`, v, 1, MAX_COUNT, { lo: true }));
  const maxEpochs = o.maxEpochs === undefined ? defaultMaxEpochs(where, minEpochs, eta, n) : integer(`${where}: maxEpochs`, o.maxEpochs, minEpochs);
  const executor = searchExecutor(where, o.executor, o.concurrency);
  const { concurrency } = executor;
  const threads = optional(o.threadsPerTrial, defaultThreads(concurrency), (v) => integer(`${where}: threadsPerTrial`, v, 1));
  const asynchronous = optional(o.asynchronous, false, (v) => boolean(`${where}: asynchronous`, v));
  const onRungEnd = optional(o.onRungEnd, undefined, (v) => func<NonNullable<SuccessiveHalvingOptions<S>['onRungEnd']>>(`${where}: onRungEnd`, v));
  const rungs = budgets(where, minEpochs, eta, maxEpochs);
  const last = rungs.length - 1;
  const planned = plannedRuns(n, eta, rungs.length);
  const display = tuningDisplay(where, o.verbose, o.verboseStream, 'rung runs', planned);
  const session = executor.open<C, HalvingContext>(where, o.objective);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per call in flight: as many as the executor's concurrency
  const started = performance.now();
  let runsDone = 0;
  let bestSoFar: HalvingTrial<C> | undefined;

  const trials: HalvingTrial<C>[] = configs.map((config, index) => ({
    index,
    round: 0,
    config,
    devMetric: NaN,
    seconds: 0,
    rung: -1,
    stopped: false,
    history: [],
    epochLog: [],
    attempts: 0,
    host: '',
    startedAt: 0,
    endedAt: 0,
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
      epochs: rungs[rung],
      epochsDone: rung === 0 ? 0 : rungs[rung - 1],
      state: states[index],
    };
    const run = await session.run({ key: `trial ${index} rung ${rung}`, config: trial.config, context, signal: stop.signal });
    const { outcome } = run;
    let result: ObjectiveResult | undefined = outcome.result;
    if (result && 'state' in result) {
      const { state, ...rest } = result;
      states[index] = state;
      result = rest as ObjectiveResult;
    } else states[index] = undefined;
    const entry: RungResult = {
      rung,
      epochs: rungs[rung],
      devMetric: outcome.devMetric,
      seconds: outcome.seconds,
      error: outcome.error,
      ...runDetails(run),
    };
    trial.history.push(entry);
    for (const log of run.epochLog) trial.epochLog.push(log);
    trial.attempts += run.attempts;
    trial.host = run.host;
    if (rung === 0) trial.startedAt = run.startedAt;
    trial.endedAt = run.endedAt;
    trial.rung = rung;
    trial.devMetric = outcome.devMetric;
    trial.epochs = rungs[rung];
    trial.seconds += outcome.seconds;
    trial.result = result;
    trial.error = outcome.error;
    // Best so far: the highest rung first (a metric after more epochs is not comparable with one after fewer), then the metric.
    if (Number.isFinite(trial.devMetric) && (!bestSoFar || trial.rung > bestSoFar.rung || (trial.rung === bestSoFar.rung && compareTrials(trial, bestSoFar) < 0))) {
      bestSoFar = trial;
    }
    runsDone++;
    display?.runEnd({ label: `trial ${index} rung ${rung}`, devMetric: entry.devMetric, seconds: entry.seconds, error: entry.error }, runsDone, Math.max(planned, runsDone), bestSoFar);
    await onRungEnd?.(trial, entry);
  };
  const ranked = (indices: number[], rung: number) =>
    indices
      .map((index) => ({ index, devMetric: trials[index].history.find((h) => h.rung === rung)?.devMetric ?? NaN }))
      .filter((t) => Number.isFinite(t.devMetric))
      .sort(compareTrials)
      .map((t) => t.index);

  try {
    if (!asynchronous) {
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
      const finished: number[][] = rungs.map(() => []);
      const promoted: Set<number>[] = rungs.map(() => new Set());
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
    stop.abort(); // rungs still running (the search failed): ask them to stop
    display?.close();
    states.fill(undefined);
    await session.close();
  }
  const candidates = trials.filter((t) => Number.isFinite(t.devMetric));
  if (candidates.length === 0) throw new Error(`${where}: objective: all ${n} trials failed; the first failed with: ${trials[0].error}`);
  const top = candidates.reduce((high, t) => Math.max(high, t.rung), -1); // no spread: up to a million trials
  const best = candidates.filter((t) => t.rung === top).sort(compareTrials)[0];
  return {
    trials,
    best,
    bestConfig: best.config,
    rungs,
    space: o.configs === undefined ? (o.space as S) : undefined,
    seed,
    executor: executor.kind,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Rung runs of the synchronous schedule: n at rung 0, then max(1, floor(alive/η)) each rung (ASHA's count is about the same). */
function plannedRuns(n: number, eta: number, rungCount: number): number {
  let total = 0;
  for (let k = 0, alive = n; k < rungCount; k++, alive = Math.max(1, Math.floor(alive / eta))) total += alive;
  return total;
}

/** R = r·η^⌊log_η n⌋, the rung where one trial of n is left (the 1e-9 absorbs log rounding). */
function defaultMaxEpochs(where: string, minEpochs: number, eta: number, n: number): number {
  const R = Math.round(minEpochs * eta ** Math.floor(Math.log(n) / Math.log(eta) + 1e-9));
  if (R > MAX_COUNT) throw new RangeError(`${where}: maxEpochs: the default minEpochs·eta^⌊log_eta n⌋ is ${R}, over ${MAX_COUNT}; give maxEpochs`);
  return R;
}
