// Successive halving / ASHA on a synthetic objective whose quality is known: trial i has quality
// q_i and its dev metric after e epochs is q_i·(1 − 2^−e), so the ranking at every rung is the
// ranking by q. The bad trials must stop at rung 0 and the best must reach the last rung.
import { describe, expect, it } from 'vitest';
import {
  dense,
  logUniform,
  relu,
  rungBudgets,
  sequential,
  successiveHalving,
  adam,
  type HalvingContext,
} from '../../src';
import { blobs } from '../model/helpers';

// Qualities in a scrambled order, so "best" is not "first".
const QUALITY = [0.3, 0.9, 0.1, 0.5, 0.99, 0.2, 0.7, 0.4, 0.6];
const configs = QUALITY.map((q) => ({ q }));
const curve = (q: number, epochs: number) => q * (1 - 2 ** -epochs);

describe('successiveHalving (synchronous)', () => {
  it('stops the bad trials at rung 0 and runs only the best to the last rung', async () => {
    const calls: { trial: number; rung: number; epochs: number }[] = [];
    const r = await successiveHalving({
      configs,
      minEpochs: 1,
      eta: 3,
      objective: async (config, ctx) => {
        calls.push({ trial: ctx.trial, rung: ctx.rung, epochs: ctx.epochs });
        return { devMetric: curve(config.q, ctx.epochs) };
      },
    });
    expect(r.rungs).toEqual([1, 3, 9]); // default maxEpochs: r·η^⌊log_3 9⌋ = 9
    const byQuality = [...r.trials].sort((a, b) => b.config.q - a.config.q);
    expect(byQuality.map((t) => t.rung)).toEqual([2, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(byQuality.map((t) => t.stopped)).toEqual([false, true, true, true, true, true, true, true, true]);
    expect(byQuality.map((t) => t.epochs)).toEqual([9, 3, 3, 1, 1, 1, 1, 1, 1]);
    expect(r.bestConfig.q).toBe(0.99);
    expect(r.best.devMetric).toBeCloseTo(curve(0.99, 9), 12);
    expect(r.best.history.map((h) => h.epochs)).toEqual([1, 3, 9]);
    // 9 + 3 + 1 rung runs instead of 9 full trainings
    expect(calls).toHaveLength(13);
    expect(calls.filter((c) => c.rung === 0)).toHaveLength(9);
  });

  it('resumes when the objective returns state: each rung trains only epochs − epochsDone', async () => {
    let trained = 0;
    const seen: Pick<HalvingContext, 'rung' | 'epochs' | 'epochsDone' | 'state'>[] = [];
    const r = await successiveHalving({
      configs,
      minEpochs: 1,
      eta: 3,
      objective: async (config, ctx) => {
        seen.push({ rung: ctx.rung, epochs: ctx.epochs, epochsDone: ctx.epochsDone, state: ctx.state });
        const before = (ctx.state as { epochs: number } | undefined)?.epochs ?? 0;
        expect(before).toBe(ctx.epochsDone);
        trained += ctx.epochs - before;
        return { devMetric: curve(config.q, ctx.epochs), state: { epochs: ctx.epochs } };
      },
    });
    expect(trained).toBe(9 * 1 + 3 * 2 + 1 * 6); // 21 epochs, against 9·9 = 81 for full training
    expect(seen.filter((s) => s.rung === 2)).toEqual([{ rung: 2, epochs: 9, epochsDone: 3, state: { epochs: 3 } }]);
    expect(r.best.result).not.toHaveProperty('state'); // states are dropped, not kept in the table
  });

  it('resumes a real model: the objective keeps it as state and continues with initialEpoch', async () => {
    const train = blobs(1, 40, 3, 4, 2, 1);
    const dev = blobs(2, 20, 3, 4, 2, 1);
    const r = await successiveHalving({
      space: { learningRate: logUniform(1e-5, 1e-1) },
      trials: 4,
      seed: 3,
      minEpochs: 2,
      eta: 2,
      maxEpochs: 8,
      objective: async (config, ctx) => {
        const model =
          (ctx.state as ReturnType<typeof sequential> | undefined) ??
          sequential({ inputSize: 4, seed: ctx.seed, threads: ctx.threads, layers: [dense(8), relu(), dense(3)] });
        const history = await model.fit(train.x, train.y, {
          epochs: ctx.epochs - ctx.epochsDone,
          initialEpoch: ctx.epochsDone,
          batchSize: 16,
          optimizer: adam({ learningRate: config.learningRate }),
          validation: { x: dev.x, y: dev.y },
        });
        expect(history.epochs[0].epoch).toBe(ctx.epochsDone);
        return { devMetric: -(history.epochs.at(-1)?.devLoss as number), state: model };
      },
    });
    expect(r.rungs).toEqual([2, 4, 8]);
    expect(r.trials.map((t) => t.rung).sort()).toEqual([0, 0, 1, 2]);
    // the lowest learning rates barely move in 2 epochs and are the ones stopped
    const sorted = [...r.trials].sort((a, b) => a.config.learningRate - b.config.learningRate);
    expect(sorted[0].stopped).toBe(true);
    expect(r.best.rung).toBe(2);
  });

  it('samples its configurations from a space, reproducibly from the seed', async () => {
    const objective = async (config: { lr: number }, ctx: HalvingContext) => ({ devMetric: -Math.abs(Math.log10(config.lr) + 2) * (1 + 1 / ctx.epochs) });
    const space = { lr: logUniform(1e-5, 1) };
    const a = await successiveHalving({ space, trials: 9, seed: 7, objective });
    const b = await successiveHalving({ space, trials: 9, seed: 7, objective, concurrency: 3 });
    expect(b.trials.map((t) => [t.config, t.rung, t.devMetric])).toEqual(a.trials.map((t) => [t.config, t.rung, t.devMetric]));
    expect(a.bestConfig).toEqual(b.bestConfig);
  });
});

describe('successiveHalving (asynchronous, ASHA)', () => {
  it('promotes the top 1/η of each rung as results arrive; bad trials stop at rung 0', async () => {
    const order: string[] = [];
    const r = await successiveHalving({
      configs,
      minEpochs: 1,
      eta: 3,
      asynchronous: true,
      objective: async (config, ctx) => {
        order.push(`${ctx.trial}@${ctx.rung}`);
        return { devMetric: curve(config.q, ctx.epochs) };
      },
    });
    // After trials 0, 1, 2 finish rung 0, the best of them (1, q 0.9) is promoted before trial 3 starts.
    expect(order.slice(0, 4)).toEqual(['0@0', '1@0', '2@0', '1@1']);
    expect(r.bestConfig.q).toBe(0.99);
    expect(r.best.rung).toBe(2);
    const worst = r.trials.filter((t) => t.config.q <= 0.3);
    expect(worst.every((t) => t.rung === 0 && t.stopped)).toBe(true);
    expect(r.trials.filter((t) => t.rung === 0).length).toBeGreaterThanOrEqual(5);
  });

  it('runs trials concurrently and still stops the bad ones', async () => {
    let running = 0;
    let maxRunning = 0;
    const r = await successiveHalving({
      configs,
      eta: 3,
      asynchronous: true,
      concurrency: 3,
      objective: async (config, ctx) => {
        maxRunning = Math.max(maxRunning, ++running);
        await new Promise((res) => setTimeout(res, 2 + ((ctx.trial * 7) % 5)));
        running--;
        return { devMetric: curve(config.q, ctx.epochs) };
      },
    });
    expect(maxRunning).toBe(3);
    expect(r.trials.find((t) => t.config.q === 0.1)?.rung).toBe(0);
    expect(r.best.config.q).toBeGreaterThanOrEqual(0.9);
  });
});

describe('successiveHalving bad input', () => {
  const objective = async () => ({ devMetric: 1 });
  it('names the argument', async () => {
    await expect(successiveHalving({ configs, objective, eta: 1 })).rejects.toThrow(/^successiveHalving: eta: must be a finite number in \(1, 1000000000\], got 1$/);
    await expect(successiveHalving({ configs, objective, minEpochs: 0 })).rejects.toThrow(/^successiveHalving: minEpochs: must be an integer in \[1, 1000000000\], got 0$/);
    await expect(successiveHalving({ configs, objective, minEpochs: 4, maxEpochs: 2 })).rejects.toThrow(/^successiveHalving: maxEpochs: must be an integer in \[4, 1000000000\], got 2$/);
    await expect(successiveHalving({ configs, objective, concurrency: 0 })).rejects.toThrow(/^successiveHalving: concurrency: must be an integer in \[1, 1000000000\], got 0$/);
    await expect(successiveHalving({ configs: [], objective })).rejects.toThrow(/^successiveHalving: configs: must hold 1 to 1000000 configurations, got 0$/);
    await expect(successiveHalving({ space: {}, trials: 3, objective })).rejects.toThrow(/^successiveHalving: space: the search space is empty; give at least one dimension$/);
    await expect(successiveHalving({ space: { lr: logUniform(1e-3, 1) }, trials: 0, objective })).rejects.toThrow(/^successiveHalving: trials: must be an integer in \[1, 1000000\], got 0$/);
    await expect(successiveHalving({ configs, objective: async () => { throw new Error('nope'); } })).rejects.toThrow(/^successiveHalving: objective: all 9 trials failed; the first failed with: nope$/);
  });

  it('rung budgets: r, rη, rη², … capped at maxEpochs', () => {
    expect(rungBudgets(1, 3, 9)).toEqual([1, 3, 9]);
    expect(rungBudgets(2, 2, 10)).toEqual([2, 4, 8, 10]);
    expect(rungBudgets(1, 1.5, 4)).toEqual([1, 2, 3, 4]);
    expect(rungBudgets(5, 3, 5)).toEqual([5]);
  });
});
