// Random search (not grid search) with a trial budget, coarse to fine: round 0 samples the whole
// space; each later round zooms the space around the best `keepBest` trials so far and samples
// again. Random beats grid because with a grid of n×n trials each hyperparameter takes only n
// values; with n² random trials each takes n² values, and the important one gets them all.
//
// Reproducible: every configuration of a round is drawn up front from
// Rng.withStream(seed, RngStream.SEARCH) before any of its trials runs, and trials are ranked by
// (devMetric, index), so the configs — and, for a deterministic objective, the whole table — depend
// only on the seed, never on the concurrency or on the order in which trials finish.
import { setMaxListeners } from 'node:events';
import { Rng, RngStream } from '../reference/rng';
import { func, integer, isPlainObject, number, optional, options as strict, seed as seedArg, typeError } from '../validation/args';
import { MAX_TRIALS, threadsPerTrial as defaultThreads } from './checks';
import { mapConcurrent } from './concurrency';
import { runDetails, searchExecutor, type Executor } from './executor';
import { tuningDisplay } from './progress';
import { sample, validateSpace, zoom, type ConfigOf, type Space } from './space';
import { rankTrials, type Objective, type ObjectiveModule, type TrialContext, type TrialRecord } from './trials';

export interface SearchProgress<C> {
  /** Trials finished so far, out of `total`. */
  done: number;
  total: number;
  round: number;
  /** The best trial so far (undefined while every finished trial failed). */
  best?: TrialRecord<C>;
}

export interface RandomSearchOptions<S extends Space, F extends Record<string, unknown> = {}> {
  space: S;
  /** Values added to every config but not searched (e.g. { epochs: 6 }); they show in the table. */
  fixed?: F;
  /** Total trial budget across all rounds, split as evenly as possible (earlier rounds get the remainder). */
  trials: number;
  /** A function, called in this thread, or `{ module, exportName }` to run trials on worker threads. */
  objective: Objective<ConfigOf<S> & F> | ObjectiveModule;
  /** Seeds the search (configs) and is passed to every trial as context.seed (default 0). */
  seed?: number;
  /** Trials at once (default 1). With a function objective they interleave in this thread (native work runs off it); with a module, one worker each. Short for executor: localWorkers({ concurrency }). */
  concurrency?: number;
  /** Where trials run: localWorkers({ concurrency }) (the default) or queueExecutor(…). */
  executor?: Executor;
  /** Native threads per trial, passed as context.threads (default max(1, floor(cores / concurrency))). */
  threadsPerTrial?: number;
  /** Coarse-to-fine rounds (default 1: plain random search). */
  rounds?: number;
  /** Trials around which each new round zooms (default 3). */
  keepBest?: number;
  /** Width of each zoomed range as a fraction of the previous one, on the dimension's own scale (default 0.5). */
  zoomFactor?: number;
  /** 0 silent, 1 a progress bar (trials done/total, best so far, ETA), 2 a line per trial; default 'auto' as fit's. */
  verbose?: 0 | 1 | 2 | 'auto';
  /** Where verbose output goes (default process.stdout). */
  verboseStream?: { write(text: string): unknown; isTTY?: boolean };
  /** Progress: called as each trial ends (in completion order). */
  onTrialEnd?: (trial: TrialRecord<ConfigOf<S> & F>, progress: SearchProgress<ConfigOf<S> & F>) => void | Promise<void>;
}

export interface SearchResult<C> {
  /** Every trial, in trial order (round 0 first). */
  trials: TrialRecord<C>[];
  best: TrialRecord<C>;
  bestConfig: C;
  /** The space each round sampled (spaces[0] is the one given). */
  spaces: Space[];
  /** The values added to every config (options.fixed). */
  fixed: Record<string, unknown>;
  seed: number;
  /** The executor's kind ('localWorkers', 'queue'). */
  executor: string;
  seconds: number;
}

/** Splits `trials` over `rounds`: [4, 3, 3] for 10 over 3. */
export function trialsPerRound(trials: number, rounds: number): number[] {
  return Array.from({ length: rounds }, (_, r) => Math.floor(trials / rounds) + (r < trials % rounds ? 1 : 0));
}

const KEYS = ['space', 'fixed', 'trials', 'objective', 'seed', 'concurrency', 'threadsPerTrial', 'rounds', 'keepBest', 'zoomFactor', 'onTrialEnd', 'executor', 'verbose', 'verboseStream'] as const;

export async function randomSearch<S extends Space, F extends Record<string, unknown> = {}>(
  options: RandomSearchOptions<S, F>,
): Promise<SearchResult<ConfigOf<S> & F>> {
  const o = strict('randomSearch options', options, KEYS);
  const names = validateSpace(o.space, 'randomSearch: space');
  const fixed = optional(o.fixed, {} as F, (v) => {
    if (!isPlainObject(v)) throw typeError('randomSearch: fixed', 'an object of values', v);
    return v as F;
  });
  for (const key of Object.keys(fixed)) {
    if (names.includes(key)) throw new RangeError(`randomSearch: fixed.${key}: is also a dimension of the space; give it in one place`);
  }
  const trials = integer('randomSearch: trials', o.trials, 1, MAX_TRIALS);
  const rounds = optional(o.rounds, 1, (v) => integer('randomSearch: rounds', v, 1, MAX_TRIALS));
  if (trials < rounds) throw new RangeError(`randomSearch: trials: a budget of ${trials} trials cannot cover ${rounds} rounds (need trials ≥ rounds)`);
  const keepBest = optional(o.keepBest, 3, (v) => integer('randomSearch: keepBest', v, 1, MAX_TRIALS));
  const zoomFactor = optional(o.zoomFactor, 0.5, (v) => number('randomSearch: zoomFactor', v, 0, 1, { lo: true }));
  const seed = optional(o.seed, 0, (v) => seedArg('randomSearch: seed', v));
  const executor = searchExecutor('randomSearch', o.executor, o.concurrency);
  const { concurrency } = executor;
  const threads = optional(o.threadsPerTrial, defaultThreads(concurrency), (v) => integer('randomSearch: threadsPerTrial', v, 1));
  const onTrialEnd = optional(o.onTrialEnd, undefined, (v) => func<NonNullable<RandomSearchOptions<S, F>['onTrialEnd']>>('randomSearch: onTrialEnd', v));
  type C = ConfigOf<S> & F;
  const display = tuningDisplay('randomSearch', o.verbose, o.verboseStream, 'trials', trials);
  const session = executor.open<C, TrialContext>('randomSearch', o.objective);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per call in flight: as many as the executor's concurrency
  const started = performance.now();
  const rng = Rng.withStream(seed, RngStream.SEARCH);
  const records: TrialRecord<C>[] = [];
  const spaces: Space[] = [];
  let space = o.space as S;
  let best: TrialRecord<C> | undefined;
  let done = 0;
  try {
    const perRound = trialsPerRound(trials, rounds);
    for (let round = 0; round < rounds; round++) {
      if (round > 0) {
        const top = rankTrials(records).filter((t) => Number.isFinite(t.devMetric)).slice(0, keepBest);
        space = zoom(space, top.map((t) => t.config as Record<string, unknown>), zoomFactor);
      }
      spaces.push(space);
      const first = records.length;
      const configs: C[] = Array.from({ length: perRound[round] }, () => ({ ...sample(space, rng), ...fixed }));
      const roundRecords = await mapConcurrent(configs, concurrency, async (config, i) => {
        const index = first + i;
        const run = await session.run({ key: `trial ${index}`, config, context: { trial: index, round, seed, threads }, signal: stop.signal });
        const { outcome } = run;
        const record: TrialRecord<C> = {
          index,
          round,
          config,
          devMetric: outcome.devMetric,
          epochs: typeof outcome.result?.epochs === 'number' ? outcome.result.epochs : undefined,
          seconds: outcome.seconds,
          result: outcome.result,
          error: outcome.error,
          ...runDetails(run),
        };
        if (Number.isFinite(record.devMetric) && (!best || rankTrials([best, record])[0] === record)) best = record;
        done++;
        display?.runEnd({ label: `trial ${index}`, devMetric: record.devMetric, seconds: record.seconds, error: record.error }, done, trials, best);
        await onTrialEnd?.(record, { done, total: trials, round, best });
        return record;
      });
      for (const record of roundRecords) records.push(record); // no spread: a round can hold a million trials
      if (!records.some((t) => Number.isFinite(t.devMetric))) {
        throw new Error(`randomSearch: objective: all ${records.length} trials failed; the first failed with: ${records[0].error}`);
      }
    }
  } finally {
    stop.abort(); // trials still running (the search failed): ask them to stop
    display?.close();
    await session.close();
  }
  const winner = rankTrials(records)[0];
  return {
    trials: records,
    best: winner,
    bestConfig: winner.config,
    spaces,
    fixed,
    seed,
    executor: executor.kind,
    seconds: (performance.now() - started) / 1000,
  };
}
