// Trials on worker threads ("caviar"): they run in workers, never more at once than the
// concurrency limit, come back in config order, get max(1, floor(cores/concurrency)) native
// threads each, and a real tunenet model trains inside a worker. The fixture objectives are plain
// .cjs/.mjs modules (a worker cannot import TypeScript); tiny-model.cjs loads the built dist/
// (`npm test` runs `npm run build` first; alone: `npm run build:ts && npx vitest run`).
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { threadId as mainThreadId } from 'node:worker_threads';
import os from 'node:os';
import { logUniform, randomSearch, runTrialsInWorkers, threadsPerTrial, TrialWorkerPool, uniform } from '../../src';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const sleepy = fixture('sleepy.cjs');
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

interface SleepyResult {
  devMetric: number;
  threadId: number;
  context: { threads: number; seed: number; trial: number };
  start: number;
  end: number;
}

/** The most intervals [start, end) that overlap at any instant. */
function maxOverlap(intervals: { start: number; end: number }[]): number {
  const events = intervals.flatMap((i) => [[i.start, 1] as const, [i.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}

describe('threadsPerTrial', () => {
  it('is max(1, floor(cores / concurrency))', () => {
    expect(threadsPerTrial(2, 2)).toBe(1);
    expect(threadsPerTrial(1, 2)).toBe(2);
    expect(threadsPerTrial(3, 2)).toBe(1);
    expect(threadsPerTrial(2, 16)).toBe(8);
    expect(threadsPerTrial(3, 16)).toBe(5);
    expect(threadsPerTrial(1)).toBe(os.availableParallelism());
    expect(() => threadsPerTrial(0)).toThrow(/^threadsPerTrial: concurrency: must be an integer in \[1, 1000000000\], got 0$/);
  });
});

describe('runTrialsInWorkers', () => {
  it('runs every trial in a worker, at most `concurrency` at once, results in config order', async () => {
    // One worker holds trial 0 while the other runs 1–5: completion order is not config order.
    const configs = [250, 20, 20, 20, 20, 20].map((delay, i) => ({ x: i, delay }));
    const ended: number[] = [];
    const trials = await runTrialsInWorkers({
      module: sleepy,
      configs,
      concurrency: 2,
      seed: 11,
      onTrialEnd: (t, progress) => {
        ended.push(t.index);
        expect(progress.total).toBe(6);
      },
    });
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const results = trials.map((t) => t.result as unknown as SleepyResult);
    expect(results.map((r) => r.devMetric)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(trials.map((t) => t.config)).toEqual(configs);
    const workers = new Set(results.map((r) => r.threadId));
    expect(workers.has(mainThreadId)).toBe(false);
    expect(workers.size).toBeLessThanOrEqual(2);
    expect(maxOverlap(results)).toBeLessThanOrEqual(2);
    expect(ended.at(-1)).toBe(0);
    for (const [i, r] of results.entries()) {
      expect(r.context).toEqual({ trial: i, round: 0, seed: 11, threads: threadsPerTrial(2) });
      expect(trials[i].threads).toBe(threadsPerTrial(2));
      expect(trials[i].threadId).toBe(r.threadId);
    }
  });

  it('honours the concurrency limit with more trials than workers', async () => {
    const pool = new TrialWorkerPool({ module: sleepy, concurrency: 3 });
    try {
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.execute({ x: i, delay: 40 }, { trial: i })));
      expect(pool.maxInFlight).toBe(3);
      expect(pool.inFlight).toBe(0);
      expect(new Set(replies.map((r) => r.threadId)).size).toBe(3);
      expect(maxOverlap(replies.map((r) => r.result as unknown as SleepyResult))).toBeLessThanOrEqual(3);
      expect(replies.map((r) => r.result.devMetric)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await pool.close();
    }
  });

  it('records a failing trial and runs the others; reports a missing export or an unsendable result', async () => {
    const trials = await runTrialsInWorkers({ module: sleepy, configs: [{ x: 1 }, { x: 2, fail: true }, { x: 3 }], concurrency: 2 });
    expect(trials[1].error).toBe('trial 1 failed on purpose');
    expect(trials[0].result?.devMetric).toBe(1);
    expect(trials[2].result?.devMetric).toBe(3);
    const missing = await runTrialsInWorkers({ module: sleepy, exportName: 'nope', configs: [{ x: 1 }], concurrency: 1 });
    expect(missing[0].error).toMatch(/exports no function "nope" \(it exports: .*objective/);
    const unclonable = await runTrialsInWorkers({ module: sleepy, exportName: 'unclonable', configs: [{ x: 1 }], concurrency: 1 });
    expect(unclonable[0].error).toMatch(/cannot be sent back from the worker; it must be plain data/);
  });

  it('throws on bad input, naming the argument', async () => {
    await expect(runTrialsInWorkers({ module: sleepy, configs: [{ x: 1 }], concurrency: 0 })).rejects.toThrow(/^runTrialsInWorkers: concurrency: must be an integer in \[1, 1000000000\], got 0$/);
    await expect(runTrialsInWorkers({ module: 'fixtures/sleepy.cjs', configs: [] })).rejects.toThrow(/^runTrialsInWorkers: module: expected an absolute path \(e\.g\. path\.resolve\('objective\.mjs'\)\), got 'fixtures\/sleepy\.cjs'$/);
    await expect(runTrialsInWorkers({ module: fixture('nothing.cjs'), configs: [] })).rejects.toThrow(/^runTrialsInWorkers: module: no such file '.*nothing\.cjs'$/);
    await expect(runTrialsInWorkers({ module: sleepy, configs: 'x' as never })).rejects.toThrow(/^runTrialsInWorkers: configs: expected an array of configurations, got the string 'x'$/);
    await expect(runTrialsInWorkers({ module: sleepy, configs: [], threadsPerTrial: 0 })).rejects.toThrow(/^runTrialsInWorkers: threadsPerTrial: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => new TrialWorkerPool({ module: sleepy, concurrency: 0 })).toThrow(/^TrialWorkerPool: concurrency: must be an integer in \[1, 1000000000\], got 0$/);
  });
});

describe('a tunenet model in a worker', () => {
  beforeAll(() => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build:ts\` first (npm test builds before testing)`);
  });

  it('trains with the trial thread budget, and matches the same trial run in this thread', async () => {
    const module = fixture('tiny-model.cjs');
    const configs = [{ learningRate: 0.01 }, { learningRate: 0.03 }, { learningRate: 1e-4 }];
    const trials = await runTrialsInWorkers({ module, configs, concurrency: 2, seed: 1, threadsPerTrial: 1 });
    for (const t of trials) {
      expect(t.error).toBeUndefined();
      expect(t.result?.threads).toBe(1);
      expect(t.result?.threadId).not.toBe(mainThreadId);
    }
    expect(trials[1].result?.devMetric).toBeGreaterThan(0.9);
    // Same seed and config in the main thread: same numbers (the native addon is the same in workers).
    const { objective } = await import(module);
    const here = await objective(configs[1], { threads: 1, seed: 1, trial: 1, round: 0 });
    expect(here.devMetric).toBe(trials[1].result?.devMetric);
    expect(here.devLoss).toBe(trials[1].result?.devLoss);
  });
});

describe('randomSearch on workers', () => {
  it('gives the same table as the in-process objective, for the same seed', async () => {
    const space = { learningRate: logUniform(1e-5, 1), keepProb: uniform(0.5, 1) };
    const module = fixture('quadratic.mjs');
    const { objective } = await import(module);
    const inWorkers = await randomSearch({ space, trials: 8, rounds: 2, seed: 9, concurrency: 2, objective: { module, exportName: 'objective' } });
    const here = await randomSearch({ space, trials: 8, rounds: 2, seed: 9, objective });
    expect(inWorkers.trials.map((t) => [t.config, t.devMetric])).toEqual(here.trials.map((t) => [t.config, t.devMetric]));
    expect(inWorkers.bestConfig).toEqual(here.bestConfig);
  });
});
