// queueExecutor: a search's trials as BullMQ jobs on Redis, run by workers on any number of hosts
// (startWorker / `tunenet worker`). The search is unchanged: it hands the executor one call at a
// time and gets the same TrialRun back as from localWorkers.
//
// What BullMQ does for us, and what we add:
//   - Lost workers: a worker renews its job's lock while the trial runs (the trial runs on a
//     worker thread, so its event loop stays free); a SIGKILLed worker's lock expires, the stalled
//     check moves the job back to wait and another worker runs it again (attempt 2). A job
//     completes only from the worker holding its lock, so a trial is never recorded twice; the
//     attempt it came from travels in its result.
//   - Restarts: job ids are derived from the study name and the call (trialJobId), so a restarted
//     coordinator re-adding its calls finds the jobs Redis already holds — finished ones give
//     their results at once, running ones are awaited — and nothing runs twice.
//   - Limits: a job started more than maxAttempts times (workers lost each time) ends as a failed
//     trial; an objective that throws is a failed trial at once (no retry: it would throw again).
//   - Progress and stops: workers publish each reported epoch with job.updateProgress (QueueEvents
//     brings it here as it happens); a stop request sets a key the worker checks at every epoch.
import type { QueueEvents, Queue } from 'bullmq';
import { bullmq } from '../lazy';
import { integer, nonEmptyString, optional, options as strict } from '../validation/args';
import type { Executor, ExecutorSession, TrialRequest, TrialRun } from './executor';
import {
  connectedQueue,
  connectTimeout,
  moduleName,
  outcomeFromJson,
  queueName,
  redisOptions,
  stopKey,
  trialJobId,
  type RedisConnection,
  type TrialJobData,
  type TrialJobResult,
} from './redis';
import type { EpochReport, TrialContext } from './trials';

export interface QueueExecutorOptions {
  /** Redis: a URL (`redis://host:6379`, `redis://:password@host:6379`, `rediss://…`) or ioredis options. */
  connection: RedisConnection;
  /** The BullMQ queue the workers listen on (`tunenet worker --queue name`). */
  queue: string;
  /** Calls the search keeps in the queue at once (default 16); the workers' slots decide how many run. */
  concurrency?: number;
  /** Names the study in job ids (default 'study'): the same name and search resume; another name starts afresh. */
  study?: string;
  /** Starts allowed per call before it is recorded as failed (default 3: the first run and two re-runs after lost workers). */
  maxAttempts?: number;
  /** Milliseconds to reach Redis before failing with an error naming the URL (default 5000). */
  connectTimeout?: number;
}

const KEYS = ['connection', 'queue', 'concurrency', 'study', 'maxAttempts', 'connectTimeout'] as const;

/** Trials as BullMQ jobs on Redis, run by `tunenet worker` processes on any host. */
export function queueExecutor(options: QueueExecutorOptions): Executor {
  const where = 'queueExecutor';
  const o = strict(`${where} options`, options, KEYS);
  const timeoutMs = connectTimeout(`${where}: connectTimeout`, o.connectTimeout);
  redisOptions(`${where}: connection`, o.connection, timeoutMs); // checked now, used at open
  const connection = o.connection as RedisConnection;
  const queue = queueName(`${where}: queue`, o.queue);
  const concurrency = optional(o.concurrency, 16, (v) => integer(`${where}: concurrency`, v, 1));
  const study = optional(o.study, 'study', (v) => nonEmptyString(`${where}: study`, v));
  const maxAttempts = optional(o.maxAttempts, 3, (v) => integer(`${where}: maxAttempts`, v, 1, 1000));
  return {
    kind: 'queue',
    concurrency,
    open<C, X extends TrialContext>(search: string, objective: unknown): ExecutorSession<C, X> {
      const target = queuedObjective(search, objective);
      return new QueueSession<C, X>(search, { connection, queue, study, maxAttempts, timeoutMs, ...target });
    },
  };
}

/** A queued objective is `{ module: 'file name', exportName }`: workers resolve the name in their --modules directory. */
function queuedObjective(where: string, objective: unknown): { module: string; exportName: string } {
  if (typeof objective === 'function') {
    throw new TypeError(`${where}: objective: queueExecutor runs objectives on other processes: give { module: 'objective.mjs', exportName } (a file in each worker's --modules directory), not a function`);
  }
  const o = strict(`${where} options.objective`, objective, ['module', 'exportName'] as const);
  return {
    module: moduleName(`${where}: objective.module`, o.module),
    exportName: optional(o.exportName, 'objective', (v) => nonEmptyString(`${where}: objective.exportName`, v)),
  };
}

interface SessionSettings {
  connection: RedisConnection;
  queue: string;
  study: string;
  maxAttempts: number;
  timeoutMs: number;
  module: string;
  exportName: string;
}

class QueueSession<C, X extends TrialContext> implements ExecutorSession<C, X> {
  private readonly ready: Promise<{ queue: Queue; events: QueueEvents }>;
  /** Epoch listeners of the calls in flight, by job id. */
  private readonly watchers = new Map<string, (log: EpochReport) => void>();
  /** Stop requests being written: close() lets them reach Redis first (a failing search stops its trials, then closes). */
  private readonly stopWrites = new Set<Promise<unknown>>();

  constructor(
    private readonly where: string,
    private readonly settings: SessionSettings,
  ) {
    this.ready = this.connect();
    this.ready.catch(() => undefined); // reported by run()
  }

  private async connect(): Promise<{ queue: Queue; events: QueueEvents }> {
    const { connection, queue: name, timeoutMs } = this.settings;
    const queue = await connectedQueue(this.where, connection, name, timeoutMs);
    queue.setMaxListeners(0); // each call in flight waits with a 'closing' listener (Job.waitUntilFinished)
    const events = new (bullmq().QueueEvents)(name, { connection: redisOptions(`${this.where}: connection`, connection, timeoutMs) });
    events.on('error', () => undefined); // connection trouble after the check: ioredis reconnects
    events.on('progress', ({ jobId, data }) => {
      if (data !== null && typeof data === 'object') this.watchers.get(jobId)?.(data as EpochReport);
    });
    await events.waitUntilReady();
    return { queue, events };
  }

  async run(request: TrialRequest<C, X>): Promise<TrialRun> {
    const { queue, events } = await this.ready;
    const { module, exportName, maxAttempts, study } = this.settings;
    // Only the plain fields cross to the worker (report and signal are this process's), and not
    // `threads`: the worker gives the trial its own host's budget, and the job id stays the same
    // when a coordinator restarts on another machine.
    const { threads: _threads, ...context } = JSON.parse(JSON.stringify(request.context)) as Record<string, unknown>;
    const data: TrialJobData = { module, exportName, config: request.config, context, maxAttempts };
    const jobId = trialJobId(study, request.key, data);
    if (request.onEpoch) this.watchers.set(jobId, request.onEpoch);
    const stop = () => {
      const written = queue
        .getBackend()
        .client.then((client) => client.set(stopKey(queue, jobId), '1', { EX: 24 * 3600 }))
        .catch(() => undefined);
      this.stopWrites.add(written);
      void written.then(() => this.stopWrites.delete(written));
    };
    request.signal?.addEventListener('abort', stop, { once: true });
    try {
      // An existing id (a restarted coordinator) is left as it is: BullMQ returns the job it holds.
      const job = await queue.add('trial', data, { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });
      let reply: TrialJobResult;
      try {
        reply = (await job.waitUntilFinished(events)) as TrialJobResult;
      } catch (e) {
        // Failed in BullMQ's terms: more stalls than the workers allow, or a worker-side bug.
        const message = e instanceof Error ? e.message : String(e);
        return failedRun(`the trial's job failed: ${message}`, maxAttempts);
      }
      return {
        outcome: outcomeFromJson(reply.outcome),
        epochLog: reply.epochLog,
        attempts: reply.attempt,
        host: reply.host,
        startedAt: reply.startedAt,
        endedAt: reply.endedAt,
      };
    } finally {
      this.watchers.delete(jobId);
      request.signal?.removeEventListener('abort', stop);
    }
  }

  async close(): Promise<void> {
    const connected = await this.ready.catch(() => undefined);
    if (!connected) return;
    await Promise.all(this.stopWrites);
    await Promise.all([connected.events.close(), connected.queue.close()]);
  }
}

function failedRun(error: string, attempts: number): TrialRun {
  const now = Date.now();
  return { outcome: { devMetric: NaN, seconds: 0, error }, epochLog: [], attempts, host: '', startedAt: now, endedAt: now };
}
