// Executors: where a search's trials run. A search hands its executor one objective call at a time
// (a TrialRequest) and gets back what happened (a TrialRun); it never knows whether the call ran in
// this thread, on a worker thread or on another host, so the same seed gives the same configs,
// and for a deterministic objective the same table, whichever executor runs it.
//
// localWorkers({ concurrency }) is the default: a function objective runs in this thread (its
// native work runs off it, so calls interleave), a module objective ({ module, exportName }) on
// `concurrency` worker threads (parallel.ts).
import os from 'node:os';
import { func, integer, optional, options as strict, typeError } from '../validation/args';
import { MODULE_KEYS, objectiveModule, TrialWorkerPool } from './parallel';
import { callObjective, epochReportOf, type EpochReport, type Objective, type Outcome, type TrialContext } from './trials';

/** This machine's name, recorded with every trial it runs. */
export const HOST = os.hostname();

/** One objective call a search asks for. */
export interface TrialRequest<C, X extends TrialContext> {
  /** Names the call uniquely and stably within its search (`trial 3`, `trial 3 rung 1`): a queue derives its job id from it. */
  key: string;
  config: C;
  context: X;
  /** Aborted when the search wants the call to stop (the objective sees `context.signal`). */
  signal?: AbortSignal;
  /** Each epoch the objective reports with `context.report(log)`, as it happens. */
  onEpoch?: (log: EpochReport) => void;
}

/** What one objective call produced, wherever it ran. */
export interface TrialRun {
  outcome: Outcome;
  /** The epochs the objective reported, in order (of the attempt that produced the outcome). */
  epochLog: EpochReport[];
  /** Times the call was started (more than 1 when a worker was lost and the call ran again). */
  attempts: number;
  /** Host name of the machine that ran it. */
  host: string;
  /** Date.now() when the (last) attempt started and ended. */
  startedAt: number;
  endedAt: number;
}

/** What a run adds to a trial's record beside its outcome: epochs reported, attempts, host, times. */
export type RunDetails = Omit<TrialRun, 'outcome'>;

export function runDetails(run: TrialRun): RunDetails {
  const { epochLog, attempts, host, startedAt, endedAt } = run;
  return { epochLog, attempts, host, startedAt, endedAt };
}

/** An executor bound to one search's objective. */
export interface ExecutorSession<C, X extends TrialContext> {
  run(request: TrialRequest<C, X>): Promise<TrialRun>;
  /** Releases workers and connections; calls still running are abandoned. */
  close(): Promise<void>;
}

export interface Executor {
  /** 'localWorkers' or 'queue': shown in the study record. */
  readonly kind: string;
  /** Calls the search keeps in flight at once. */
  readonly concurrency: number;
  /** Binds the search's objective; `where` is the search (`randomSearch`), naming the objective in messages. */
  open<C, X extends TrialContext>(where: string, objective: unknown): ExecutorSession<C, X>;
}

export interface LocalWorkersOptions {
  /** Trials at once (default 1): worker threads for a module objective, interleaved calls for a function. */
  concurrency?: number;
}

/** Trials in this process: a function objective in this thread, a module objective on worker threads. */
export function localWorkers(options: LocalWorkersOptions = {}): Executor {
  const o = strict('localWorkers options', options, ['concurrency'] as const);
  const concurrency = optional(o.concurrency, 1, (v) => integer('localWorkers: concurrency', v, 1));
  return {
    kind: 'localWorkers',
    concurrency,
    open<C, X extends TrialContext>(where: string, objective: unknown): ExecutorSession<C, X> {
      if (typeof objective === 'function') return inThread<C, X>(objective as Objective<C, X>);
      const pool = new TrialWorkerPool({ ...checkObjectiveModule(where, objective), concurrency });
      return {
        run: (request) =>
          timed(request, (config, context, onEpoch) => pool.execute(config, context, { onEpoch, signal: request.signal }).then((reply) => reply.result)),
        close: () => pool.close(),
      };
    },
  };
}

/** `{ module, exportName }` of a search's objective, checked; a function is refused here (it cannot leave this thread). */
export function checkObjectiveModule(where: string, objective: unknown): { module: string; exportName: string } {
  if (objective === null || typeof objective !== 'object') {
    throw typeError(`${where}: objective`, 'a function (config, context) => Promise<{ devMetric, … }> or { module: absolutePath, exportName }', objective);
  }
  return objectiveModule(where, strict(`${where} options.objective`, objective, MODULE_KEYS), 'objective.');
}

function inThread<C, X extends TrialContext>(fn: Objective<C, X>): ExecutorSession<C, X> {
  return {
    run: (request) =>
      timed(request, async (config, context, onEpoch) => {
        const signal = request.signal ?? new AbortController().signal;
        const reporting = { ...context };
        // Not enumerable, as on a worker thread: a context copied or returned stays plain data.
        Object.defineProperty(reporting, 'signal', { value: signal, enumerable: false });
        Object.defineProperty(reporting, 'report', {
          enumerable: false,
          value: (log: unknown) => {
            onEpoch(epochReportOf(log));
            return !signal.aborted;
          },
        });
        return fn(config, reporting);
      }),
    close: async () => {},
  };
}

/** Runs one call through `call`, collecting its epoch reports and timing it: a TrialRun of 1 attempt on this host. */
async function timed<C, X extends TrialContext>(
  request: TrialRequest<C, X>,
  call: (config: C, context: X, onEpoch: (log: EpochReport) => void) => Promise<unknown>,
): Promise<TrialRun> {
  const epochLog: EpochReport[] = [];
  const onEpoch = (log: EpochReport) => {
    const report = epochReportOf(log);
    epochLog.push(report);
    request.onEpoch?.(report);
  };
  const startedAt = Date.now();
  const outcome = await callObjective((config: C, context: X) => call(config, context, onEpoch), request.config, request.context);
  return { outcome, epochLog, attempts: 1, host: HOST, startedAt, endedAt: Date.now() };
}

/**
 * The executor a search runs on: `executor` when given, else localWorkers({ concurrency }).
 * Both at once would leave one of them ignored, so that is refused.
 */
export function searchExecutor(where: string, executor: unknown, concurrency: unknown): Executor {
  if (executor === undefined) {
    return localWorkers({ concurrency: optional(concurrency, 1, (v) => integer(`${where}: concurrency`, v, 1)) });
  }
  if (concurrency !== undefined) {
    throw new TypeError(`${where}: concurrency: give it to the executor (e.g. localWorkers({ concurrency: ${String(concurrency)} })), not beside it`);
  }
  if (executor === null || typeof executor !== 'object') throw typeError(`${where}: executor`, 'an executor (localWorkers(…) or queueExecutor(…))', executor);
  const e = executor as Partial<Executor>;
  func(`${where}: executor.open`, e.open);
  integer(`${where}: executor.concurrency`, e.concurrency, 1);
  return e as Executor;
}
