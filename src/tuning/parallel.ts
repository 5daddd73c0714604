// "Caviar": many trials at once, each on its own worker thread, with a concurrency limit. Each
// trial gets a native thread budget, threadsPerTrial = max(1, floor(cores / concurrency)), which
// the objective passes to its model's `threads` (the model's own rayon pool has exactly that many
// threads), so 2 trials on 2 cores use 2 threads, not 4.
//
// A worker cannot receive a function, so the objective lives in a module the worker imports:
//   // objective.mjs
//   import { sequential, dense, relu } from 'tunenet';
//   export async function objective(config, { threads, seed }) { …; return { devMetric, epochs }; }
//   // main
//   await runTrialsInWorkers({ module: path.resolve('objective.mjs'), configs, concurrency: 2 });
// The module may be ESM (.mjs) or CommonJS (.cjs / .js); it is imported once per worker, so data it
// loads at the top level is loaded once per worker and reused by that worker's trials. The native
// addon is context-aware and loads in every worker. Configs, contexts and results cross threads
// by structured clone: plain data, typed arrays — no functions or models.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { func, integer, nonEmptyString, optional, options as strict, seed as seedArg, typeError } from '../validation/args';
import { MAX_TRIALS, threadsPerTrial as defaultThreads } from './checks';
import { mapConcurrent } from './concurrency';
import type { EpochReport, ObjectiveModule, ObjectiveResult, TrialContext } from './trials';

// Runs inside each worker (plain JavaScript, evaluated from a string, so it works the same from
// the TypeScript sources under vitest and from dist/).
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData, threadId } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const { module: file, exportName } = workerData;
const loaded = import(pathToFileURL(file).href).then((mod) => {
  const direct = mod[exportName];
  const fromDefault = mod.default && mod.default[exportName];
  const fn = typeof direct === 'function' ? direct : fromDefault;
  if (typeof fn !== 'function') {
    throw new Error('module ' + file + ' exports no function ' + JSON.stringify(exportName) +
      ' (it exports: ' + Object.keys(mod).join(', ') + ')');
  }
  return fn;
});
loaded.catch(() => {});
// One trial at a time per worker: the controller of the running one, aborted by a stop request.
let running;
// The numbers of a log only (epochReportOf in trials.ts, which this evaluated string cannot import):
// anything else might not survive structured clone.
const numbersOf = (log) =>
  Object.fromEntries(Object.entries(log !== null && typeof log === 'object' ? log : {}).filter(([, v]) => typeof v === 'number'));
parentPort.on('message', async (job) => {
  if (job.stop !== undefined) {
    if (running && running.id === job.stop) running.controller.abort();
    return;
  }
  const started = performance.now();
  const controller = new AbortController();
  running = { id: job.id, controller };
  // Not enumerable: an objective that returns its context still returns plain data.
  Object.defineProperty(job.context, 'signal', { value: controller.signal, enumerable: false });
  Object.defineProperty(job.context, 'report', {
    enumerable: false,
    value: (log) => {
      parentPort.postMessage({ id: job.id, epoch: numbersOf(log) });
      return !controller.signal.aborted;
    },
  });
  let reply;
  try {
    const fn = await loaded;
    const result = await fn(job.config, job.context);
    reply = { id: job.id, ok: true, result };
  } catch (e) {
    reply = { id: job.id, ok: false, message: e && e.message !== undefined ? String(e.message) : String(e), stack: e && e.stack };
  }
  running = undefined;
  reply.seconds = (performance.now() - started) / 1000;
  reply.threadId = threadId;
  try {
    parentPort.postMessage(reply);
  } catch (e) {
    parentPort.postMessage({ id: job.id, ok: false, seconds: reply.seconds, threadId,
      message: 'the objective result cannot be sent back from the worker; it must be plain data (structured-cloneable): ' + e.message });
  }
});
`;

export interface WorkerPoolOptions extends ObjectiveModule {
  /** Workers (trials at once), ≥ 1. */
  concurrency: number;
}

/** What one trial on a worker produced. */
export interface WorkerReply {
  result: ObjectiveResult;
  /** Wall time of the objective inside the worker. */
  seconds: number;
  /** worker_threads threadId of the worker that ran it. */
  threadId: number;
}

/** What a trial may hear about while it runs on a worker. */
export interface TrialHooks {
  /** The numbers the objective passed to `context.report(log)` (after each epoch). */
  onEpoch?: (log: EpochReport) => void;
  /** Aborting it asks the objective to stop: its `context.signal` aborts and `context.report` returns false. */
  signal?: AbortSignal;
}

interface Job extends TrialHooks {
  id: number;
  /** Removes the stop listener from `signal` (one signal may serve a whole search). */
  unlisten?: () => void;
  config: unknown;
  context: unknown;
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/** The objective module's absolute path (a file: URL is accepted); `where` names it in messages. */
function modulePath(where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw typeError(where, 'the absolute path of the objective module', value);
  const file = value.startsWith('file:') ? fileURLToPath(value) : value;
  if (!path.isAbsolute(file)) throw new RangeError(`${where}: expected an absolute path (e.g. path.resolve('objective.mjs')), got '${value}'`);
  if (!existsSync(file)) throw new RangeError(`${where}: no such file '${file}'`);
  return file;
}

export const MODULE_KEYS = ['module', 'exportName'] as const;

/** `{ module, exportName = 'objective' }`, checked; `where` is the function (`runTrialsInWorkers`). */
export function objectiveModule(where: string, value: Partial<Record<(typeof MODULE_KEYS)[number], unknown>>, prefix = ''): Required<ObjectiveModule> {
  return {
    module: modulePath(`${where}: ${prefix}module`, value.module),
    exportName: optional(value.exportName, 'objective', (v) => nonEmptyString(`${where}: ${prefix}exportName`, v)),
  };
}

/** A pool of `concurrency` workers, each running one trial at a time from a shared queue. */
export class TrialWorkerPool {
  readonly module: string;
  readonly exportName: string;
  readonly concurrency: number;
  /** Trials running right now, and the most that ever ran at once (never above `concurrency`). */
  inFlight = 0;
  maxInFlight = 0;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;

  constructor(options: WorkerPoolOptions) {
    const o = strict('TrialWorkerPool options', options, [...MODULE_KEYS, 'concurrency'] as const);
    ({ module: this.module, exportName: this.exportName } = objectiveModule('TrialWorkerPool', o));
    this.concurrency = integer('TrialWorkerPool: concurrency', o.concurrency, 1);
  }

  /** Runs `objective(config, context)` on a free worker (queued while all are busy). */
  execute(config: unknown, context: unknown, hooks: TrialHooks = {}): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<WorkerReply>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, config, context, resolve, reject, onEpoch: hooks.onEpoch, signal: hooks.signal });
      this.pump();
    });
  }

  /** The objective as a function of (config, context), for the searches. */
  readonly objective = async (config: unknown, context: unknown): Promise<ObjectiveResult> => (await this.execute(config, context)).result;

  /** Terminates every worker; queued trials are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the worker pool was closed before this trial started'));
    const slots = this.slots.splice(0);
    for (const slot of slots) this.finish(slot)?.reject(new Error('the worker pool was closed while this trial ran'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (!slot && this.slots.length < this.concurrency) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift() as Job;
      slot.job = job;
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, config: job.config, context: job.context });
      const { worker } = slot;
      const stop = () => worker.postMessage({ stop: job.id });
      if (job.signal?.aborted) stop();
      else if (job.signal) {
        const signal = job.signal;
        signal.addEventListener('abort', stop, { once: true });
        job.unlisten = () => signal.removeEventListener('abort', stop);
      }
    }
  }

  private finish(slot: Slot): Job | undefined {
    const job = slot.job;
    if (job) this.inFlight--;
    job?.unlisten?.();
    slot.job = undefined;
    return job;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.module, exportName: this.exportName } });
    const slot: Slot = { worker };
    worker.on('message', (reply: { id: number; epoch?: EpochReport; ok: boolean; result?: ObjectiveResult; message?: string; stack?: string; seconds: number; threadId: number }) => {
      if (reply.epoch !== undefined) {
        if (slot.job?.id === reply.id) slot.job.onEpoch?.(reply.epoch);
        return;
      }
      const job = this.finish(slot);
      if (job && job.id === reply.id) {
        if (reply.ok) job.resolve({ result: reply.result as ObjectiveResult, seconds: reply.seconds, threadId: reply.threadId });
        else {
          const error = new Error(reply.message);
          if (reply.stack) error.stack = reply.stack;
          job.reject(error);
        }
      }
      if (this.queue.length === 0) worker.unref(); // an idle pool never keeps the process alive
      this.pump();
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      this.finish(slot)?.reject(new Error(`the trial's worker ${why}`));
      if (!this.closed) this.pump();
    };
    worker.on('error', (e) => lost(`crashed: ${e instanceof Error ? e.message : String(e)}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }
}

/** One trial run by `runTrialsInWorkers`, in config order. */
export interface WorkerTrial<C> {
  index: number;
  config: C;
  result?: ObjectiveResult;
  /** The thrown error's message when the objective failed. */
  error?: string;
  seconds: number;
  /** The worker that ran it. */
  threadId?: number;
  /** The native thread budget it was given. */
  threads: number;
}

export interface RunTrialsOptions<C> extends ObjectiveModule {
  configs: readonly C[];
  /** Trials at once (workers), default 2. */
  concurrency?: number;
  /** Native threads per trial, default max(1, floor(cores / concurrency)). */
  threadsPerTrial?: number;
  /** Passed to every trial as context.seed (default 0). */
  seed?: number;
  onTrialEnd?: (trial: WorkerTrial<C>, progress: { done: number; total: number }) => void;
}

/**
 * Runs `objective(configs[i], { trial: i, round: 0, seed, threads })` from `module` for every config
 * on `concurrency` worker threads; resolves with one record per config, in config order. A
 * failing trial is recorded with its `error`; the others still run.
 */
export async function runTrialsInWorkers<C>(options: RunTrialsOptions<C>): Promise<WorkerTrial<C>[]> {
  const where = 'runTrialsInWorkers';
  const o = strict(`${where} options`, options, [...MODULE_KEYS, 'configs', 'concurrency', 'threadsPerTrial', 'seed', 'onTrialEnd'] as const);
  const objective = objectiveModule(where, o);
  if (!Array.isArray(o.configs)) throw typeError(`${where}: configs`, 'an array of configurations', o.configs);
  const configs = o.configs as readonly C[];
  if (configs.length > MAX_TRIALS) throw new RangeError(`${where}: configs: at most ${MAX_TRIALS} configurations, got ${configs.length}`);
  const concurrency = optional(o.concurrency, 2, (v) => integer(`${where}: concurrency`, v, 1));
  const threads = optional(o.threadsPerTrial, defaultThreads(concurrency), (v) => integer(`${where}: threadsPerTrial`, v, 1));
  const seed = optional(o.seed, 0, (v) => seedArg(`${where}: seed`, v));
  const onTrialEnd = optional(o.onTrialEnd, undefined, (v) => func<NonNullable<RunTrialsOptions<C>['onTrialEnd']>>(`${where}: onTrialEnd`, v));
  const pool = new TrialWorkerPool({ ...objective, concurrency });
  let done = 0;
  try {
    return await mapConcurrent(configs, concurrency, async (config, index) => {
      const context: TrialContext = { trial: index, round: 0, seed, threads };
      const started = performance.now();
      let trial: WorkerTrial<C>;
      try {
        const reply = await pool.execute(config, context);
        trial = { index, config, result: reply.result, seconds: reply.seconds, threadId: reply.threadId, threads };
      } catch (e) {
        trial = { index, config, error: e instanceof Error ? e.message : String(e), seconds: (performance.now() - started) / 1000, threads };
      }
      done++;
      onTrialEnd?.(trial, { done, total: configs.length });
      return trial;
    });
  } finally {
    await pool.close();
  }
}
