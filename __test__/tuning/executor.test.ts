// Executors: the searches run their trials through an executor (localWorkers is the default) and
// record what it reports — per-epoch numbers from context.report, attempts, host and times —
// whether the objective runs in this thread or on worker threads; a stop request reaches a
// running trial through context.signal / report's return value.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { localWorkers, randomSearch, successiveHalving, TrialWorkerPool, uniform, type TrialContext } from '../../src';

const reporter = fileURLToPath(new URL('./fixtures/reporter.cjs', import.meta.url));
const space = { q: uniform(0, 1) };

interface ReporterResult {
  devMetric: number;
  epochs: number;
  stopped: boolean;
  contextKeys: string[];
  context: Record<string, unknown>;
}

describe('localWorkers', () => {
  it('records every reported epoch (numbers only), 1 attempt, this host and the times; in this thread and on workers alike', async () => {
    const { objective } = await import(reporter);
    const before = Date.now();
    const here = await randomSearch({ space, fixed: { epochs: 3 }, trials: 4, seed: 5, objective, executor: localWorkers({ concurrency: 2 }) });
    const workers = await randomSearch({ space, fixed: { epochs: 3 }, trials: 4, seed: 5, objective: { module: reporter }, executor: localWorkers({ concurrency: 2 }) });
    for (const r of [here, workers]) {
      expect(r.executor).toBe('localWorkers');
      expect(r.seed).toBe(5);
      for (const t of r.trials) {
        const q = t.config.q;
        expect(t.epochLog).toEqual([0, 1, 2].map((epoch) => ({ epoch, devMetric: q * (1 - 2 ** -(epoch + 1)) })));
        expect(t.attempts).toBe(1);
        expect(t.host).toBe(os.hostname());
        expect(t.startedAt).toBeGreaterThanOrEqual(before);
        expect(t.endedAt).toBeGreaterThanOrEqual(t.startedAt);
        // report and signal are not enumerable: the context the objective returned is plain data
        const result = t.result as unknown as ReporterResult;
        expect(result.contextKeys.sort()).toEqual(['round', 'seed', 'threads', 'trial']);
        expect(result.stopped).toBe(false);
      }
    }
    expect(workers.trials.map((t) => [t.config, t.devMetric, t.epochLog])).toEqual(here.trials.map((t) => [t.config, t.devMetric, t.epochLog]));
  });

  it('is the default, and concurrency is its short form: same table for the same seed', async () => {
    const { objective } = await import(reporter);
    const short = await randomSearch({ space, trials: 5, rounds: 2, seed: 3, concurrency: 2, objective });
    const explicit = await randomSearch({ space, trials: 5, rounds: 2, seed: 3, executor: localWorkers({ concurrency: 2 }), objective });
    expect(explicit.trials.map((t) => [t.config, t.devMetric])).toEqual(short.trials.map((t) => [t.config, t.devMetric]));
  });

  it('successive halving records each rung’s epochs and attempts, and the trial’s whole epoch log', async () => {
    const configs = [0.2, 0.9, 0.5].map((q) => ({ q }));
    const r = await successiveHalving({ configs, minEpochs: 1, eta: 3, objective: { module: reporter }, executor: localWorkers({ concurrency: 2 }) });
    expect(r.rungs).toEqual([1, 3]);
    const best = r.trials[1];
    expect(best.history.map((h) => h.epochLog.map((e) => e.epoch))).toEqual([[0], [1, 2]]); // resumed from epochsDone
    expect(best.epochLog.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(best.attempts).toBe(2); // one per rung
    expect(r.trials[0].epochLog).toHaveLength(1); // stopped at rung 0: trained r = 1 epoch
    expect(r.trials[0].stopped).toBe(true);
  });

  it('a stop request reaches a running trial on a worker: report returns false and it ends early', async () => {
    const pool = new TrialWorkerPool({ module: reporter, concurrency: 1 });
    try {
      const controller = new AbortController();
      const epochs: number[] = [];
      const reply = await pool.execute({ q: 1, epochs: 50, epochMs: 20 }, { trial: 0 }, {
        signal: controller.signal,
        onEpoch: (log) => {
          epochs.push(log.epoch);
          if (log.epoch === 1) controller.abort();
        },
      });
      const result = reply.result as unknown as ReporterResult;
      expect(result.stopped).toBe(true);
      expect(result.epochs).toBeGreaterThanOrEqual(2);
      expect(result.epochs).toBeLessThan(10);
      expect(epochs).toEqual(Array.from({ length: result.epochs }, (_, i) => i));
    } finally {
      await pool.close();
    }
  });

  it('a failing search asks the trials still running to stop', async () => {
    const stoppedEarly: number[] = [];
    const objective = async (config: { q: number }, context: TrialContext) => {
      for (let epoch = 0; epoch < 100; epoch++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (!context.report?.({ epoch })) {
          stoppedEarly.push(context.trial);
          break;
        }
      }
      return { devMetric: config.q };
    };
    await expect(
      randomSearch({
        space,
        trials: 3,
        objective: async (config, context) => (context.trial === 0 ? { devMetric: 0.5 } : objective(config, context)),
        concurrency: 3,
        onTrialEnd: () => {
          throw new Error('the watcher failed');
        },
      }),
    ).rejects.toThrow('the watcher failed');
    await new Promise((resolve) => setTimeout(resolve, 50)); // far less than the 100 × 5 ms they would train
    expect(stoppedEarly.sort()).toEqual([1, 2]);
  });

  it('refuses bad executors and options, naming the argument', async () => {
    const objective = async () => ({ devMetric: 1 });
    await expect(randomSearch({ space, trials: 1, objective, concurrency: 2, executor: localWorkers() })).rejects.toThrow(
      /^randomSearch: concurrency: give it to the executor \(e\.g\. localWorkers\(\{ concurrency: 2 \}\)\), not beside it$/,
    );
    await expect(successiveHalving({ configs: [{}], objective, executor: 'local' as never })).rejects.toThrow(
      /^successiveHalving: executor: expected an executor \(localWorkers\(…\) or queueExecutor\(…\)\), got the string 'local'$/,
    );
    await expect(randomSearch({ space, trials: 1, objective, executor: { concurrency: 1 } as never })).rejects.toThrow(/^randomSearch: executor\.open: expected a function/);
    expect(() => localWorkers({ concurency: 2 } as never)).toThrow(/^localWorkers options: unknown option 'concurency' \(did you mean 'concurrency'\?\)$/);
    expect(() => localWorkers({ concurrency: 0 })).toThrow(/^localWorkers: concurrency: must be an integer in \[1, 1000000000\], got 0$/);
  });
});
