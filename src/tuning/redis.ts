// What the queue executor and its workers share about Redis and the queue: the connection option
// (a URL or ioredis-style options), a reachability check that fails within seconds instead of
// BullMQ's retry-forever default, the job ids and the data a trial job carries.
//
// Security: a job names an objective *module by file name*; each worker resolves it inside the
// directory it was started with (--modules) and never imports a path or code sent in a job.
// Redis itself must never be reachable from the internet: anyone who can write to it can queue
// trials. Use a password (redis://:password@host:6379) and TLS (rediss://…) across hosts.
import { createHash } from 'node:crypto';
import type { Queue, RedisOptions } from 'bullmq';
import { bullmq } from '../lazy';
import { integer, isPlainObject, nonEmptyString, typeError } from '../validation/args';
import type { EpochReport, ObjectiveResult, Outcome } from './trials';

/** A Redis URL (`redis://host:6379`, `redis://:password@host:6379`, `rediss://…` for TLS) or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** How long connecting may take before the executor or worker gives up with a clear error. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** The URL or host:port of a connection, with any password hidden, for messages. */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      if (url.password) url.password = '***';
      return url.toString().replace(/\/$/, '');
    } catch {
      return connection;
    }
  }
  if (typeof connection.url === 'string') return describeConnection(connection.url);
  return `redis://${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
}

/** The connection option checked and turned into BullMQ's options, with a bounded connect timeout. */
export function redisOptions(where: string, connection: unknown, connectTimeoutMs: number): RedisOptions {
  let options: RedisOptions;
  if (typeof connection === 'string') {
    let url: URL;
    try {
      url = new URL(connection);
    } catch {
      throw new RangeError(`${where}: expected a Redis URL (redis://host:6379, rediss://… for TLS), got '${connection}'`);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new RangeError(`${where}: expected a redis:// or rediss:// URL, got '${describeConnection(connection)}'`);
    }
    options = { url: connection };
  } else if (isPlainObject(connection)) {
    options = { ...(connection as RedisOptions) };
  } else {
    throw typeError(where, 'a Redis URL (redis://host:6379) or connection options { host, port, password, tls }', connection);
  }
  // A refused or silent server fails the first connect within the timeout; reconnects after that
  // (a restarted Redis) keep BullMQ's backoff.
  return { connectTimeout: connectTimeoutMs, ...options };
}

/**
 * A Queue on `connection`, once Redis has answered; rejects within `timeoutMs` naming the URL
 * (BullMQ and ioredis would otherwise retry forever, and a search would hang).
 */
export async function connectedQueue(where: string, connection: RedisConnection, name: string, timeoutMs: number): Promise<Queue> {
  const options = redisOptions(`${where}: connection`, connection, timeoutMs);
  requireRedisDriver(where);
  // Until the first connection: retry every 200 ms, and give up at the deadline (ioredis then
  // ends the connection and waitUntilReady rejects); after it, reconnect with backoff as BullMQ
  // does by default (or as the caller's own retryStrategy says).
  const deadline = Date.now() + timeoutMs;
  let ready = false;
  const later = options.retryStrategy ?? ((times: number) => Math.max(Math.min(Math.exp(times), 20_000), 1000));
  const queue = new (bullmq().Queue)(name, { connection: { ...options, retryStrategy: (times: number) => (ready ? later(times) : Date.now() < deadline ? 200 : null) } });
  queue.on('error', () => undefined); // the last one is reported below; ioredis emits one per retry
  try {
    await queue.waitUntilReady();
    ready = true;
    return queue;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`${where}: cannot reach Redis at ${describeConnection(connection)} within ${timeoutMs / 1000}s (${why}); is redis-server running there, and is the URL right?`);
  }
}

/** BullMQ 6 reaches Redis through the `ioredis` package, an optional peer dependency it does not install. */
function requireRedisDriver(where: string): void {
  try {
    require.resolve('ioredis');
  } catch {
    throw new Error(`${where}: connection: BullMQ needs the 'ioredis' package to reach Redis, and it is not installed (npm install ioredis)`);
  }
}

/** `connectTimeout` in ms, checked. */
export function connectTimeout(where: string, value: unknown): number {
  return value === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : integer(where, value, 1, 600_000);
}

/** A queue name, checked (BullMQ keys are `bull:<queue>:…`, so ':' would collide). */
export function queueName(where: string, value: unknown): string {
  const name = nonEmptyString(where, value);
  if (name.includes(':')) throw new RangeError(`${where}: must not contain ':' (it separates Redis key parts), got '${name}'`);
  return name;
}

/** What a trial job carries: the objective by module *name*, the call, and the attempt limit. */
export interface TrialJobData {
  module: string;
  exportName: string;
  config: unknown;
  context: Record<string, unknown>;
  /** Starts allowed (a start beyond it, after lost workers, ends the trial as failed). */
  maxAttempts: number;
}

/** What a worker returns for a trial job: never a thrown error, so BullMQ does not retry a deterministic failure. */
export interface TrialJobResult {
  /** The objective call's outcome (callObjective's), its NaN dev metric as null (JSON has no NaN). */
  outcome: { devMetric: number | null; seconds: number; result?: ObjectiveResult; error?: string };
  epochLog: EpochReport[];
  /** BullMQ's attemptsStarted when this run began: 2 for a trial whose first worker was lost. */
  attempt: number;
  host: string;
  startedAt: number;
  endedAt: number;
}

/**
 * The job id of one objective call: the study name and a hash of everything that defines the call,
 * so the same search (same seed) adds the same ids and a restarted coordinator finds its jobs in
 * Redis instead of adding them again (BullMQ ignores an add with an existing id).
 */
export function trialJobId(study: string, key: string, data: Omit<TrialJobData, 'maxAttempts'>): string {
  const digest = createHash('sha256').update(JSON.stringify([key, data.module, data.exportName, data.config, data.context])).digest('hex');
  return `${study}-${key.replace(/[^\w]+/g, '-')}-${digest.slice(0, 16)}`;
}

/** An outcome as a job returns it (NaN as null), and back. */
export const outcomeToJson = (o: Outcome): TrialJobResult['outcome'] => ({ ...o, devMetric: Number.isFinite(o.devMetric) ? o.devMetric : null });
export const outcomeFromJson = (o: TrialJobResult['outcome']): Outcome => ({ ...o, devMetric: o.devMetric ?? NaN });

/** The Redis key a coordinator sets to ask the worker running `jobId` to stop it. */
export const stopKey = (queue: Queue, jobId: string) => `${queue.toKey('tunenet-stop')}:${jobId}`;

/** An objective module name as a job names it: a file name, never a path. */
export function moduleName(where: string, value: unknown): string {
  const name = nonEmptyString(where, value);
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('\0')) {
    throw new RangeError(`${where}: expected the file name of a module in the workers' --modules directory (e.g. 'objective.mjs'), not a path: '${name}'`);
  }
  return name;
}
