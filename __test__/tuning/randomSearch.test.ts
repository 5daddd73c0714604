// Random search: reproducible from the seed and independent of concurrency and completion order,
// coarse to fine, progress, failed trials, bad input. A synthetic objective with a known optimum
// (fixtures/quadratic.mjs) stands in for training.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { choice, formatTrials, logUniform, randomSearch, threadsPerTrial, uniform, type TrialRecord } from '../../src';
import { trialsPerRound } from '../../src/tuning/randomSearch';
// @ts-ignore: a plain .mjs fixture without type declarations
import { quadratic } from './fixtures/quadratic.mjs';

const space = { learningRate: logUniform(1e-5, 1), keepProb: uniform(0.5, 1), activation: choice(['relu', 'tanh']) };
type Config = { learningRate: number; keepProb: number; activation: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The known objective, finishing after a delay that depends on the config: completion order ≠ trial order. */
const objective = async (config: Config) => {
  await sleep(Math.floor((config.keepProb * 1000) % 7));
  return { devMetric: quadratic(config) as number, epochs: 3 };
};
const strip = (trials: TrialRecord<Config>[]) => trials.map((t) => ({ index: t.index, round: t.round, config: t.config, devMetric: t.devMetric }));

describe('randomSearch', () => {
  it('is reproducible from the seed and independent of concurrency', async () => {
    const a = await randomSearch({ space, trials: 12, objective, seed: 5, rounds: 2 });
    const b = await randomSearch({ space, trials: 12, objective, seed: 5, rounds: 2, concurrency: 4 });
    const c = await randomSearch({ space, trials: 12, objective, seed: 6, rounds: 2, concurrency: 3 });
    expect(strip(b.trials)).toEqual(strip(a.trials));
    expect(b.bestConfig).toEqual(a.bestConfig);
    expect(b.spaces).toEqual(a.spaces);
    expect(strip(c.trials)).not.toEqual(strip(a.trials));
    expect(a.trials.map((t) => t.index)).toEqual([...Array(12).keys()]);
  });

  it('finds the best of its trials and reports a table row per trial', async () => {
    const r = await randomSearch({ space, trials: 10, objective, seed: 1 });
    expect(r.trials).toHaveLength(10);
    expect(r.best.devMetric).toBe(Math.max(...r.trials.map((t) => t.devMetric)));
    expect(r.bestConfig).toBe(r.best.config);
    for (const t of r.trials) {
      expect(t.epochs).toBe(3);
      expect(t.seconds).toBeGreaterThanOrEqual(0);
      expect(t.round).toBe(0);
    }
    const table = formatTrials(r.trials, { sortBy: 'devMetric' });
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/trial\s+round\s+learningRate\s+keepProb\s+activation\s+devMetric\s+epochs\s+seconds/);
    expect(lines).toHaveLength(11);
    expect(lines[1].trim().startsWith(`*${r.best.index}`)).toBe(true);
  });

  it('coarse to fine: each round zooms around the best trials, within the original bounds, and does not get worse', async () => {
    const r = await randomSearch({ space, trials: 30, objective, seed: 2, rounds: 3, keepBest: 3, zoomFactor: 0.5 });
    expect(r.spaces).toHaveLength(3);
    expect(r.trials.map((t) => t.round)).toEqual([...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(2)]);
    for (let k = 1; k < 3; k++) {
      const [prev, next] = [r.spaces[k - 1], r.spaces[k]] as (typeof space)[];
      const decades = (d: { lo: number; hi: number }) => Math.log10(d.hi / d.lo);
      expect(decades(next.learningRate)).toBeLessThan(decades(prev.learningRate));
      expect(next.learningRate.lo).toBeGreaterThanOrEqual(prev.learningRate.lo);
      expect(next.learningRate.hi).toBeLessThanOrEqual(prev.learningRate.hi);
      expect(next.activation).toBe(prev.activation);
      // the zoomed round samples only inside its space
      for (const t of r.trials.filter((x) => x.round === k)) {
        expect(t.config.learningRate).toBeGreaterThanOrEqual(next.learningRate.lo);
        expect(t.config.learningRate).toBeLessThanOrEqual(next.learningRate.hi);
      }
    }
    const bestOfRound = (k: number) => Math.max(...r.trials.filter((t) => t.round === k).map((t) => t.devMetric));
    expect(bestOfRound(2)).toBeGreaterThanOrEqual(bestOfRound(0));
    expect(Math.abs(Math.log10(r.bestConfig.learningRate) + 2.5)).toBeLessThan(0.5);
  });

  it('adds `fixed` values to every config without searching them', async () => {
    const r = await randomSearch({ space, fixed: { epochs: 4 }, trials: 4, rounds: 2, objective, seed: 1 });
    expect(r.trials.every((t) => t.config.epochs === 4)).toBe(true);
    expect(r.spaces[1]).not.toHaveProperty('epochs');
    expect(formatTrials(r.trials).split('\n')[0]).toMatch(/activation\s+epochs\s+devMetric/);
    await expect(randomSearch({ space, fixed: { keepProb: 1 }, trials: 1, objective })).rejects.toThrow(/fixed\.keepProb: is also a dimension of the space/);
  });

  it('splits the budget over the rounds', () => {
    expect(trialsPerRound(10, 3)).toEqual([4, 3, 3]);
    expect(trialsPerRound(5, 1)).toEqual([5]);
  });

  it('reports progress as each trial ends, passes seed and thread budget, honours the concurrency limit', async () => {
    const seen: { done: number; total: number; best?: number }[] = [];
    let running = 0;
    let maxRunning = 0;
    const contexts: { seed: number; threads: number; trial: number }[] = [];
    const r = await randomSearch({
      space,
      trials: 9,
      seed: 3,
      concurrency: 3,
      objective: async (config, context) => {
        contexts.push(context);
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(5);
        running--;
        return { devMetric: quadratic(config) };
      },
      onTrialEnd: (trial, progress) => {
        seen.push({ done: progress.done, total: progress.total, best: progress.best?.devMetric });
      },
    });
    expect(seen.map((s) => s.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.every((s) => s.total === 9)).toBe(true);
    expect(seen[8].best).toBe(r.best.devMetric);
    expect(maxRunning).toBe(3);
    expect(contexts.every((c) => c.seed === 3 && c.threads === threadsPerTrial(3))).toBe(true);
    expect(contexts.map((c) => c.trial).sort((a, b) => a - b)).toEqual([...Array(9).keys()]);
  });

  it('records a failing trial (e.g. a diverged one) instead of aborting, and throws when every trial fails', async () => {
    const r = await randomSearch({
      space,
      trials: 6,
      seed: 4,
      objective: async (config, { trial }) => {
        if (trial % 2 === 1) throw new Error('training diverged');
        if (trial === 2) return { devMetric: NaN };
        return { devMetric: quadratic(config) };
      },
    });
    expect(r.trials.filter((t) => t.error === 'training diverged')).toHaveLength(3);
    expect(r.trials[2].error).toMatch(/devMetric is NaN/);
    expect(Number.isFinite(r.best.devMetric)).toBe(true);
    expect([0, 4]).toContain(r.best.index);
    expect(formatTrials(r.trials)).toMatch(/failed/);
    await expect(
      randomSearch({ space, trials: 2, objective: async () => ({ devMetric: 'high' }) as never }),
    ).rejects.toThrow(/objective: all 2 trials failed; the first failed with: objective: must resolve to \{ devMetric: number/);
  });

  it('throws on bad input, naming the argument', async () => {
    const ok = { space, trials: 2, objective };
    await expect(randomSearch({ ...ok, trials: 0 })).rejects.toThrow(/^randomSearch: trials: must be an integer in \[1, 1000000\], got 0$/);
    await expect(randomSearch({ ...ok, concurrency: 0 })).rejects.toThrow(/^randomSearch: concurrency: must be an integer in \[1, 1000000000\], got 0$/);
    await expect(randomSearch({ ...ok, space: {} })).rejects.toThrow(/^randomSearch: space: the search space is empty; give at least one dimension$/);
    await expect(randomSearch({ ...ok, rounds: 3 })).rejects.toThrow(/^randomSearch: trials: a budget of 2 trials cannot cover 3 rounds \(need trials ≥ rounds\)$/);
    await expect(randomSearch({ ...ok, keepBest: 0 })).rejects.toThrow(/^randomSearch: keepBest: must be an integer in \[1, 1000000\], got 0$/);
    await expect(randomSearch({ ...ok, zoomFactor: 2 })).rejects.toThrow(/^randomSearch: zoomFactor: must be a finite number in \(0, 1\], got 2$/);
    await expect(randomSearch({ ...ok, seed: -1 })).rejects.toThrow(/^randomSearch: seed: must be an integer in \[0, 2\^53 − 1\], got -1$/);
    await expect(randomSearch({ ...ok, objective: undefined as never })).rejects.toThrow(/^randomSearch: objective: expected a function \(config, context\) => Promise<\{ devMetric, … \}> or \{ module: absolutePath, exportName \}, got undefined$/);
    await expect(randomSearch({ ...ok, objective: { module: 'relative.mjs' } })).rejects.toThrow(/^randomSearch: objective\.module: expected an absolute path \(e\.g\. path\.resolve\('objective\.mjs'\)\), got 'relative\.mjs'$/);
    await expect(randomSearch({ ...ok, objective: { module: fileURLToPath(new URL('./fixtures/missing.mjs', import.meta.url)) } })).rejects.toThrow(
      /^randomSearch: objective\.module: no such file '.*missing\.mjs'$/,
    );
  });
});
