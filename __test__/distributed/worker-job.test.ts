// What a worker does with one trial job (runTrialJob, no Redis needed): it imports the module the
// job names only from its --modules directory, runs the trial on a worker thread with this host's
// thread budget, publishes every epoch, honours a stop request, never throws (a failed trial is a
// result, so BullMQ retries only lost workers), and refuses a job started more than maxAttempts
// times. The result is plain JSON (a NaN dev metric travels as null).
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { threadsPerTrial, TrialWorkerPool } from '../../src';
import type { TrialJobData } from '../../src/tuning/redis';
import { runTrialJob, type TrialJob } from '../../src/tuning/worker';
import { fixtures } from './helpers';

const pools = new Map<string, TrialWorkerPool>();
afterAll(async () => Promise.all([...pools.values()].map((p) => p.close())));

const quality = (learningRate: number) => 1 - (Math.log10(learningRate) + 2.5) ** 2 / 10;

function job(data: Partial<TrialJobData> & { config: Record<string, unknown> }, attemptsStarted = 1) {
  const progress: unknown[] = [];
  const j: TrialJob = {
    id: 'study-trial-0-abc',
    data: { module: 'fake-training.cjs', exportName: 'objective', context: { trial: 0, round: 0, seed: 1 }, maxAttempts: 3, ...data },
    attemptsStarted,
    updateProgress: async (p: unknown) => {
      progress.push(p);
    },
  };
  return { job: j, progress };
}

const setting = (stopRequested = async () => false) => ({ modules: fixtures, concurrency: 2, pools, stopRequested });

describe('runTrialJob', () => {
  it('runs the named module on a worker thread with this host’s thread budget, publishing each epoch', async () => {
    const { job: j, progress } = job({ config: { learningRate: 1e-2, epochs: 3, epochMs: 1 } }, 2);
    const before = Date.now();
    const r = await runTrialJob(j, setting());
    const expected = [1, 2, 3].map((e) => ({ epoch: e - 1, devMetric: quality(1e-2) * (1 - 2 ** -e) }));
    expect(r.outcome.devMetric).toBe(quality(1e-2) * (1 - 2 ** -3));
    expect(r.outcome.result).toMatchObject({ epochs: 3, threads: threadsPerTrial(2) });
    expect(r.outcome.error).toBeUndefined();
    expect(r.epochLog).toEqual(expected);
    expect(progress).toEqual(expected);
    expect(r).toMatchObject({ attempt: 2, host: os.hostname() });
    expect(r.startedAt).toBeGreaterThanOrEqual(before);
    expect(r.endedAt).toBeGreaterThanOrEqual(r.startedAt);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('a throwing objective is a failed result, not a thrown error', async () => {
    const r = await runTrialJob(job({ config: { learningRate: 1e-2, epochs: 3, epochMs: 1, fail: true } }).job, setting());
    expect(r.outcome).toMatchObject({ devMetric: null, error: 'diverged on purpose' });
    expect(r.epochLog).toHaveLength(1);
  });

  it('a stop request ends the trial at the next epoch', async () => {
    let epochsSeen = 0;
    const { job: j, progress } = job({ config: { learningRate: 1e-2, epochs: 50, epochMs: 10 } });
    j.updateProgress = async (p) => {
      progress.push(p);
      epochsSeen++;
    };
    const r = await runTrialJob(j, setting(async () => epochsSeen >= 2));
    expect(r.outcome.result?.epochs).toBeGreaterThanOrEqual(2);
    expect(r.outcome.result?.epochs).toBeLessThan(10);
  });

  it('refuses a start beyond maxAttempts without running the objective', async () => {
    const { job: j, progress } = job({ config: { learningRate: 1e-2 }, maxAttempts: 2 }, 3);
    const r = await runTrialJob(j, setting());
    expect(r.outcome).toEqual({ devMetric: null, seconds: 0, error: 'the trial lost its worker 2 times (maxAttempts 2)' });
    expect(progress).toEqual([]);
  });

  it('imports modules only by file name from --modules: paths and unknown names are failed results', async () => {
    for (const module of ['../fixtures/fake-training.cjs', '/etc/passwd', 'sub/x.mjs', '..']) {
      const r = await runTrialJob(job({ module, config: {} }).job, setting());
      expect(r.outcome.devMetric).toBeNull();
      expect(r.outcome.error).toMatch(/^job: module: expected the file name of a module in the workers' --modules directory \(e\.g\. 'objective\.mjs'\), not a path/);
    }
    const missing = await runTrialJob(job({ module: 'nothing.mjs', config: {} }).job, setting());
    expect(missing.outcome.error).toBe(`job: module: no module 'nothing.mjs' in this worker's --modules directory (${fixtures})`);
  });
});
