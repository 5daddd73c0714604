// startWorker: runs the trials of queueExecutor searches (src/tuning/queue.ts), on this host or any
// other that reaches the Redis server. `tunenet worker --redis URL --queue NAME --modules DIR` is
// this function behind a command line.
//
// Each trial runs on a worker thread (TrialWorkerPool, as localWorkers does), never on this
// event loop: BullMQ renews the job's lock from this loop, and a loop blocked by training would
// let the lock expire and the trial run a second time elsewhere. Modules are imported only from
// the `modules` directory, by the file name a job gives; a path in a job is refused.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Job } from 'bullmq';
import { bullmq } from '../lazy';
import { func, integer, nonEmptyString, optional, options as strict, typeError } from '../validation/args';
import { threadsPerTrial } from './checks';
import { HOST } from './executor';
import { TrialWorkerPool } from './parallel';
import {
  connectedQueue,
  connectTimeout,
  moduleName,
  outcomeToJson,
  queueName,
  redisOptions,
  stopKey,
  type RedisConnection,
  type TrialJobData,
  type TrialJobResult,
} from './redis';
import { callObjective, type EpochReport } from './trials';

export interface StartWorkerOptions {
  /** Redis: a URL (`redis://host:6379`, `redis://:password@host:6379`, `rediss://…`) or ioredis options. */
  connection: RedisConnection;
  /** The queue the coordinator's queueExecutor adds to. */
  queue: string;
  /** The directory of the objective modules this worker may run (a job names a file in it). */
  modules: string;
  /** Trials at once on this host, one worker thread each (default 1); each gets floor(cores / concurrency) native threads. */
  concurrency?: number;
  /** Ms a trial's lock lasts without renewal (default 30000): a killed worker's trial runs again elsewhere after about this long. */
  lockDuration?: number;
  /** Ms between this worker's checks for stalled jobs (default 30000). */
  stalledInterval?: number;
  /** Ms to reach Redis before failing with an error naming the URL (default 5000). */
  connectTimeout?: number;
  /** Lines about what the worker does (trial started, ended; connection errors); default: none. */
  log?: (line: string) => void;
}

export interface TunenetWorker {
  /** `host:pid`, recorded as the BullMQ worker name. */
  readonly name: string;
  /** Trials this worker finished (successfully or not). */
  readonly finished: number;
  /** Stops taking trials, waits for the running ones, and disconnects. */
  close(): Promise<void>;
}

const KEYS = ['connection', 'queue', 'modules', 'concurrency', 'lockDuration', 'stalledInterval', 'connectTimeout', 'log'] as const;

/**
 * Starts taking trials from `queue`; resolves once connected (rejects within connectTimeout,
 * naming the URL, when Redis cannot be reached).
 */
export async function startWorker(options: StartWorkerOptions): Promise<TunenetWorker> {
  const where = 'startWorker';
  const o = strict(`${where} options`, options, KEYS);
  const timeoutMs = connectTimeout(`${where}: connectTimeout`, o.connectTimeout);
  const connection = redisOptions(`${where}: connection`, o.connection, timeoutMs);
  const queue = queueName(`${where}: queue`, o.queue);
  const modules = modulesDirectory(`${where}: modules`, o.modules);
  const concurrency = optional(o.concurrency, 1, (v) => integer(`${where}: concurrency`, v, 1, 1024));
  const lockDuration = optional(o.lockDuration, 30_000, (v) => integer(`${where}: lockDuration`, v, 100, 3_600_000));
  const stalledInterval = optional(o.stalledInterval, 30_000, (v) => integer(`${where}: stalledInterval`, v, 100, 3_600_000));
  const log = optional(o.log, () => undefined, (v) => func<(line: string) => void>(`${where}: log`, v));

  const control = await connectedQueue(where, o.connection as RedisConnection, queue, timeoutMs);
  const pools = new Map<string, TrialWorkerPool>();
  const name = `${HOST}:${process.pid}`;
  let finished = 0;
  const client = await control.getBackend().client;
  const processor = async (job: Job, _token?: string, signal?: AbortSignal): Promise<TrialJobResult> => {
    const flag = stopKey(control, String(job.id));
    const stopRequested = () => client.get(flag).then((v) => v !== null, () => false);
    const result = await runTrialJob(job, { modules, concurrency, pools, stopRequested, signal });
    finished++;
    log(`${job.id}: attempt ${result.attempt}, ${result.outcome.devMetric === null ? `failed: ${result.outcome.error}` : `devMetric ${result.outcome.devMetric}`} (${result.outcome.seconds.toFixed(2)}s)`);
    return result;
  };
  const worker = new (bullmq().Worker)(queue, processor, {
    connection,
    concurrency,
    name,
    lockDuration,
    stalledInterval,
    // Re-runs after lost workers are limited per trial by the coordinator's maxAttempts (in the
    // job), so BullMQ itself never gives up on a stalled trial first.
    maxStalledCount: 1000,
  });
  worker.on('error', (e) => log(`error: ${e.message}`));
  worker.on('active', (job) => log(`${job.id}: started (attempt ${job.attemptsStarted})`));
  await worker.waitUntilReady();
  return {
    name,
    get finished() {
      return finished;
    },
    async close() {
      await worker.close();
      await Promise.all([...pools.values()].map((p) => p.close()));
      await control.close();
    },
  };
}

function modulesDirectory(where: string, value: unknown): string {
  const dir = path.resolve(nonEmptyString(where, value));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RangeError(`${where}: no such directory '${dir}'`);
  return dir;
}

/** What runTrialJob needs from a BullMQ job. */
export type TrialJob = Pick<Job, 'id' | 'data' | 'attemptsStarted' | 'updateProgress'>;

export interface TrialJobSetting {
  /** The --modules directory. */
  modules: string;
  /** Trials at once on this host (the thread budget divides the cores by it). */
  concurrency: number;
  /** The worker-thread pools, one per module and export, kept across jobs. */
  pools: Map<string, TrialWorkerPool>;
  /** Whether the coordinator asked to stop this trial (checked at the start and after every epoch). */
  stopRequested: () => Promise<boolean>;
  /** BullMQ's own cancellation of the job. */
  signal?: AbortSignal;
}

/** One trial job: never throws (a failure is a failed outcome), so BullMQ retries only lost workers. */
export async function runTrialJob(job: TrialJob, { modules, concurrency, pools, stopRequested, signal }: TrialJobSetting): Promise<TrialJobResult> {
  const data = job.data as TrialJobData;
  const startedAt = Date.now();
  const attempt = job.attemptsStarted;
  const epochLog: EpochReport[] = [];
  const done = (outcome: TrialJobResult['outcome']): TrialJobResult => ({ outcome, epochLog, attempt, host: HOST, startedAt, endedAt: Date.now() });
  if (attempt > data.maxAttempts) {
    return done({ devMetric: null, seconds: 0, error: `the trial lost its worker ${attempt - 1} times (maxAttempts ${data.maxAttempts})` });
  }
  let pool: TrialWorkerPool;
  try {
    pool = poolFor(modules, data, concurrency, pools);
  } catch (e) {
    return done({ devMetric: null, seconds: 0, error: e instanceof Error ? e.message : String(e) });
  }
  const stop = new AbortController();
  signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const checkStop = () =>
    stopRequested().then(
      (requested) => requested && stop.abort(),
      () => undefined,
    );
  await checkStop();
  const onEpoch = (log: EpochReport) => {
    epochLog.push(log);
    void job.updateProgress(log).catch(() => undefined);
    void checkStop();
  };
  // The trial gets this host's thread budget, whatever the coordinator's machine has.
  const context = { ...data.context, threads: threadsPerTrial(concurrency) };
  const outcome = await callObjective((config: unknown, ctx: unknown) => pool.execute(config, ctx, { onEpoch, signal: stop.signal }).then((r) => r.result), data.config, context);
  return done(outcomeToJson(outcome));
}

/** The worker-thread pool of a job's module (one per module and export), the module found by name in `modules`. */
function poolFor(modules: string, data: TrialJobData, concurrency: number, pools: Map<string, TrialWorkerPool>): TrialWorkerPool {
  const name = moduleName('job: module', data.module);
  if (typeof data.exportName !== 'string' || data.exportName === '') throw typeError('job: exportName', 'a non-empty string', data.exportName);
  const file = path.join(modules, name);
  if (!existsSync(file)) throw new RangeError(`job: module: no module '${name}' in this worker's --modules directory (${modules})`);
  const key = `${file}#${data.exportName}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new TrialWorkerPool({ module: file, exportName: data.exportName, concurrency });
    pools.set(key, pool);
  }
  return pool;
}
