// The study record and its exports: studyRecord/exportStudy JSON holds every trial's config,
// metric, state, per-epoch numbers, rungs, attempts, host and times; the Optuna journal export is
// read back by Optuna itself (the test venv's optuna, JournalStorage + JournalFileBackend), which
// must see the same trials, params, values, intermediate values and best trial.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { choice, exportStudy, integer, logUniform, randomSearch, studyRecord, successiveHalving, uniform, type StudyRecord } from '../../src';
import { runPythonJson } from '../helpers/python';

const loader = fileURLToPath(new URL('./fixtures/load_optuna_journal.py', import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tunenet-study-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface OptunaView {
  direction: string;
  user_attrs: Record<string, unknown>;
  trials: {
    number: number;
    state: string;
    value: number | null;
    params: Record<string, unknown>;
    distributions: Record<string, string>;
    intermediate: Record<string, number>;
    user_attrs: Record<string, unknown>;
    seconds: number;
  }[];
  best: number;
  names: string[];
}

const space = { learningRate: logUniform(1e-4, 1), units: integer(4, 64), activation: choice(['relu', 'tanh', 'gelu']), keepProb: uniform(0.5, 1) };
type Config = { learningRate: number; units: number; activation: string; keepProb: number; epochs: number };

/** A deterministic objective that reports 3 epochs and fails for one config. */
async function objective(c: Config, ctx: { trial: number; report?: (log: object) => boolean }) {
  if (ctx.trial === 2) throw new Error('diverged on purpose');
  const quality = -((Math.log10(c.learningRate) + 2) ** 2) + (c.activation === 'gelu' ? 0.5 : 0) + c.units / 100 + c.keepProb;
  for (let epoch = 0; epoch < c.epochs; epoch++) ctx.report?.({ epoch, devMetric: quality * (1 - 2 ** -(epoch + 1)), devLoss: 1 / (epoch + 1) });
  return { devMetric: quality, epochs: c.epochs };
}

describe('exportStudy', () => {
  it('JSON: the study record of a random search, every trial with its epochs, attempts, host and times', async () => {
    const r = await randomSearch({ space, fixed: { epochs: 3 }, trials: 8, rounds: 2, seed: 7, objective });
    const file = path.join(tmp, 'study.json');
    await exportStudy(r, file);
    const record = JSON.parse(readFileSync(file, 'utf8')) as StudyRecord;
    expect(record).toEqual(JSON.parse(JSON.stringify(studyRecord(r))));
    expect(record).toMatchObject({ format: 'tunenet-study', version: 1, algorithm: 'randomSearch', seed: 7, executor: 'localWorkers', best: r.best.index, fixed: { epochs: 3 } });
    expect(record.spaces).toHaveLength(2);
    expect(record.trials.map((t) => t.state)).toEqual(r.trials.map((t) => (t.index === 2 ? 'failed' : 'complete')));
    expect(record.trials[2]).toMatchObject({ devMetric: null, error: 'diverged on purpose', epochLog: [] });
    for (const t of record.trials.filter((x) => x.index !== 2)) {
      expect(t.config).toEqual(r.trials[t.index].config);
      expect(t.devMetric).toBe(r.trials[t.index].devMetric);
      expect(t.epochLog.map((e) => e.epoch)).toEqual([0, 1, 2]);
      expect(t).toMatchObject({ attempts: 1, host: os.hostname() });
    }
  });

  it('Optuna journal of a random search: Optuna loads the trials, params, values, intermediate values and best trial', async () => {
    const r = await randomSearch({ space, fixed: { epochs: 3 }, trials: 8, rounds: 2, seed: 7, objective });
    const file = path.join(tmp, 'random.log');
    await exportStudy(r, file, { format: 'optuna', studyName: 'mnist-random' });
    const seen = runPythonJson<OptunaView>(loader, [file, 'mnist-random']);
    expect(seen.names).toEqual(['mnist-random']);
    expect(seen.direction).toBe('MAXIMIZE');
    expect(seen.user_attrs).toMatchObject({ algorithm: 'randomSearch', seed: 7, fixed: { epochs: 3 } });
    expect(seen.best).toBe(r.best.index);
    expect(seen.trials).toHaveLength(8);
    for (const t of r.trials) {
      const o = seen.trials[t.index];
      expect(o.number).toBe(t.index);
      const { epochs, ...searched } = t.config;
      expect(o.params).toEqual(searched);
      expect(o.distributions).toEqual({ learningRate: 'FloatDistribution log', units: 'IntDistribution', activation: 'CategoricalDistribution', keepProb: 'FloatDistribution' });
      expect(o.user_attrs).toMatchObject({ round: t.round, attempts: 1, host: os.hostname() });
      expect(o.seconds).toBeCloseTo((t.endedAt - t.startedAt) / 1000, 2);
      if (t.index === 2) {
        expect(o).toMatchObject({ state: 'FAIL', value: null, intermediate: {} });
        expect(o.user_attrs.error).toBe('diverged on purpose');
      } else {
        expect(o.state).toBe('COMPLETE');
        expect(o.value).toBe(t.devMetric);
        expect(o.intermediate).toEqual(Object.fromEntries(t.epochLog.map((e) => [String(e.epoch), e.devMetric])));
      }
    }
  });

  it('Optuna journal of successive halving: stopped trials are PRUNED, rung metrics are the intermediate values', async () => {
    const configs = [0.3, 0.9, 0.1, 0.5, 0.99, 0.2, 0.7, 0.4, 0.6].map((q, i) => ({ q, name: `c${i}` }));
    const r = await successiveHalving({ configs, minEpochs: 1, eta: 3, objective: async (c, ctx) => ({ devMetric: c.q * (1 - 2 ** -ctx.epochs) }) });
    const file = path.join(tmp, 'halving.log');
    await exportStudy(r, file, { format: 'optuna' });
    const seen = runPythonJson<OptunaView>(loader, [file, 'tunenet']);
    expect(seen.user_attrs).toMatchObject({ algorithm: 'successiveHalving', rungBudgets: [1, 3, 9] });
    expect(seen.best).toBe(r.best.index);
    for (const t of r.trials) {
      const o = seen.trials[t.index];
      expect(o.state).toBe(t.stopped ? 'PRUNED' : 'COMPLETE');
      expect(o.value).toBe(t.devMetric);
      expect(o.params).toEqual(t.config);
      expect(o.distributions).toEqual({ q: 'FloatDistribution', name: 'CategoricalDistribution' });
      expect(o.intermediate).toEqual(Object.fromEntries(t.history.map((h) => [String(h.epochs), h.devMetric])));
      expect(o.user_attrs).toMatchObject({ rung: t.rung, attempts: t.history.length });
    }
  });

  it('refuses bad input, naming the argument', async () => {
    const r = await randomSearch({ space, fixed: { epochs: 1 }, trials: 1, objective: async () => ({ devMetric: 1 }) });
    await expect(exportStudy({} as never, path.join(tmp, 'x.json'))).rejects.toThrow(/^studyRecord: result: expected the result of randomSearch or successiveHalving, got /);
    await expect(exportStudy(r, path.join(tmp, 'x.json'), { format: 'csv' as never })).rejects.toThrow(/^exportStudy: format: /);
    await expect(exportStudy(r, path.join(tmp, 'x.json'), { fromat: 'json' } as never)).rejects.toThrow(/^exportStudy options: unknown option 'fromat' \(did you mean 'format'\?\)$/);
    await expect(exportStudy(r, '' as never)).rejects.toThrow(/^exportStudy: path: expected a file path/);
  });
});
