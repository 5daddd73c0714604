// The queue executor on a real Redis (issue 11, "Tests"): 3 `tunenet worker` processes, one
// SIGKILLed mid-trial; a coordinator killed and restarted mid-study; ASHA over the queue; and an
// unreachable Redis. Workers use a 1 s lock and a 0.5 s stalled check so a lost trial runs again
// within seconds.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localWorkers, logUniform, queueExecutor, randomSearch, startWorker, successiveHalving } from '../../src';
import { fixtures, freePort, root, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from './helpers';

const module = 'fake-training.cjs';
const space = { learningRate: logUniform(1e-5, 1) };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tunenet-queue-'));
let redis: RedisServer;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist/cli/index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first (npm test builds before testing)');
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function startWorkers(queue: string, n: number, env: Record<string, string> = {}): Promise<WorkerProcess[]> {
  const started = Array.from({ length: n }, () => startWorkerProcess(redis.url, queue, env));
  workers.push(...started);
  await Promise.all(started.map((w) => w.waitFor(/tunenet worker \S+: queue/)));
  return started;
}

async function stopWorkers(list: WorkerProcess[]): Promise<void> {
  await Promise.all(list.map((w) => w.stop()));
}

/** The completed jobs of a queue, with how often each was started. */
async function completedJobs(queue: string) {
  const q = new Queue(queue, { connection: { url: redis.url } });
  try {
    const jobs = await q.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
    return jobs.map((j) => ({ id: String(j.id), attemptsStarted: j.attemptsStarted, finished: j.finishedOn !== undefined }));
  } finally {
    await q.close();
  }
}

describe('queueExecutor with worker processes', () => {
  it('a worker SIGKILLed mid-trial: its trial runs again elsewhere (2 attempts), 12 results, no duplicates, same best as local', async () => {
    const queue = 'kill';
    const [victim, ...others] = await startWorkers(queue, 3);
    const search = randomSearch({
      space,
      fixed: { epochs: 4, epochMs: 80 },
      trials: 12,
      seed: 5,
      objective: { module },
      executor: queueExecutor({ connection: redis.url, queue, concurrency: 12 }),
    });
    // Kill the first worker in the middle of its first trial.
    const [, jobId] = await victim.waitFor(/(\S+): started \(attempt 1\)/);
    await new Promise((resolve) => setTimeout(resolve, 120));
    victim.child.kill('SIGKILL');
    const r = await search;
    const killed = Number(/-trial-(\d+)-/.exec(jobId as string)?.[1]);
    expect(r.executor).toBe('queue');
    expect(r.trials).toHaveLength(12);
    for (const t of r.trials) {
      expect(t.error).toBeUndefined();
      expect(Number.isFinite(t.devMetric)).toBe(true);
      expect(t.attempts).toBe(t.index === killed ? 2 : 1);
      expect(t.epochLog.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    }
    const jobs = await completedJobs(queue);
    expect(jobs).toHaveLength(12); // one job per trial
    expect(jobs.every((j) => j.finished)).toBe(true);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(12);
    // The survivors ran the killed trial again; the victim never finished it.
    expect(others.some((w) => w.log().includes(`${jobId}: attempt 2`))).toBe(true);
    const local = await randomSearch({ space, fixed: { epochs: 4, epochMs: 0 }, trials: 12, seed: 5, objective: { module: path.join(fixtures, module) }, executor: localWorkers({ concurrency: 2 }) });
    expect(r.bestConfig.learningRate).toBe(local.bestConfig.learningRate);
    expect(r.trials.map((t) => [t.config.learningRate, t.devMetric])).toEqual(local.trials.map((t) => [t.config.learningRate, t.devMetric]));
    await stopWorkers(others);
  });

  it('a coordinator killed and restarted mid-study finishes it: no trial lost, none run to the end twice', async () => {
    const queue = 'restart';
    const runLog = path.join(tmp, 'runs.txt');
    const list = await startWorkers(queue, 2, { TUNENET_RUN_LOG: runLog });
    const out = path.join(tmp, 'coordinator.json');
    const coordinator = () => spawn(process.execPath, [path.join(__dirname, 'coordinator.cjs'), redis.url, queue, 'restarted', out], { stdio: 'inherit' });
    const first = coordinator();
    // Let a few trials finish, then kill the coordinator without warning.
    await list[0].waitFor(/attempt 1, devMetric[\s\S]*attempt 1, devMetric/);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(existsSync(out)).toBe(false);
    const second = coordinator();
    await new Promise((resolve) => second.once('exit', resolve));
    const trials = JSON.parse(readFileSync(out, 'utf8')) as { index: number; devMetric: number; attempts: number; error?: string }[];
    expect(trials.map((t) => t.index)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(trials.every((t) => Number.isFinite(t.devMetric) && t.attempts === 1 && t.error === undefined)).toBe(true);
    const runs = readFileSync(runLog, 'utf8').trim().split('\n');
    expect(runs).toHaveLength(12); // each trial ran to its end exactly once
    expect(new Set(runs).size).toBe(12);
    const jobs = await completedJobs(queue);
    expect(jobs).toHaveLength(12);
    expect(jobs.every((j) => j.attemptsStarted === 1)).toBe(true);
    await stopWorkers(list);
  });

  it('ASHA over the queue stops bad trials early: a trial stopped at rung 0 trained only r epochs', async () => {
    const queue = 'asha';
    const list = await startWorkers(queue, 2);
    const configs = [1e-5, 3e-3, 1e-1, 1e-4, 3e-2, 1, 1e-3, 3e-4, 1e-2].map((learningRate) => ({ learningRate, epochMs: 20 }));
    const r = await successiveHalving({
      configs,
      minEpochs: 1,
      eta: 3,
      asynchronous: true,
      objective: { module },
      executor: queueExecutor({ connection: redis.url, queue, concurrency: 2 }),
    });
    expect(r.rungs).toEqual([1, 3, 9]);
    const stoppedAtZero = r.trials.filter((t) => t.rung === 0);
    expect(stoppedAtZero.length).toBeGreaterThanOrEqual(5);
    for (const t of stoppedAtZero) {
      expect(t.stopped).toBe(true);
      expect(t.epochLog).toHaveLength(1);
    }
    expect(r.best.rung).toBe(2);
    expect(r.best.epochLog.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]); // resumed rung to rung
    await stopWorkers(list);
  });
});

describe('stop requests over the queue', () => {
  it('a failing search asks the workers to stop its running trials: they end at their next epoch', async () => {
    const queue = 'stop';
    const list = await startWorkers(queue, 3);
    await expect(
      randomSearch({
        space,
        fixed: { epochs: 100, epochMs: 20, quickTrial: 0 }, // trial 0 ends after 1 epoch, the others would train 2 s
        trials: 3,
        seed: 2,
        objective: { module },
        executor: queueExecutor({ connection: redis.url, queue, concurrency: 3 }),
        onTrialEnd: () => {
          throw new Error('the watcher failed');
        },
      }),
    ).rejects.toThrow('the watcher failed');
    const q = new Queue(queue, { connection: { url: redis.url } });
    try {
      let jobs = await q.getJobs(['completed']);
      for (let i = 0; jobs.length < 3 && i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        jobs = await q.getJobs(['completed']);
      }
      const trained = jobs.map((j) => (j.returnvalue as { outcome: { result: { epochs: number } } }).outcome.result.epochs).sort((a, b) => a - b);
      expect(trained[0]).toBe(1);
      expect(trained[2]).toBeLessThan(100);
    } finally {
      await q.close();
    }
    await stopWorkers(list);
  });
});

describe('an unreachable Redis', () => {
  it('fails within seconds with an error naming the URL, for a search and for a worker', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = performance.now();
    await expect(
      randomSearch({ space, trials: 1, objective: { module }, executor: queueExecutor({ connection: url, queue: 'none', connectTimeout: 2000 }) }),
    ).rejects.toThrow(new RegExp(`^randomSearch: cannot reach Redis at ${url.replace(/\./g, '\\.')} within 2s`));
    await expect(startWorker({ connection: url, queue: 'none', modules: fixtures, connectTimeout: 2000 })).rejects.toThrow(/^startWorker: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ within 2s/);
    expect(performance.now() - started).toBeLessThan(6000);
  });
});
