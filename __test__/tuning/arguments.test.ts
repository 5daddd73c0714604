// Every argument of the tuning API is checked, before any trial runs, with a message that names the
// function and the argument (`randomSearch: trials: …`). Counts and loop bounds have ranges: an
// Infinity, NaN, negative, fractional or absurdly large count is an error, never a loop that
// runs out of memory. Options objects are strict: a misspelt key is an error, not a default.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  babysit,
  choice,
  formatTrials,
  integer,
  logUniform,
  randomSearch,
  rankTrials,
  rungBudgets,
  runTrialsInWorkers,
  sample,
  successiveHalving,
  threadsPerTrial,
  TrialWorkerPool,
  uniform,
  zoom,
  type EpochLog,
  type Space,
  type TrialRecord,
} from '../../src';
import { Rng, RngStream } from '../../src/reference/rng';

const sleepy = fileURLToPath(new URL('./fixtures/sleepy.cjs', import.meta.url));
const objective = async () => ({ devMetric: 1 });
const space = { lr: logUniform(1e-3, 1) };
const rng = () => Rng.withStream(0, RngStream.SEARCH);

describe('rungBudgets', () => {
  // The old loop ran until a budget reached maxEpochs: with maxEpochs = ∞ or NaN it never did,
  // and pushed budgets until the heap ran out; a negative maxEpochs came back as [-5].
  it('rejects a maxEpochs that the loop could never reach, instead of exhausting the heap', () => {
    expect(() => rungBudgets(1, 1, Infinity)).toThrow(/^rungBudgets: eta: must be a finite number in \(1, 1000000000\], got 1$/);
    expect(() => rungBudgets(1, 3, Infinity)).toThrow(/^rungBudgets: maxEpochs: must be an integer in \[1, 1000000000\], got Infinity$/);
    expect(() => rungBudgets(1, 2, NaN)).toThrow(/^rungBudgets: maxEpochs: must be an integer in \[1, 1000000000\], got NaN$/);
    expect(() => rungBudgets(1, 3, -5)).toThrow(/^rungBudgets: maxEpochs: must be an integer in \[1, 1000000000\], got -5$/);
    expect(() => rungBudgets(3, 3, 2)).toThrow(/^rungBudgets: maxEpochs: must be an integer in \[3, 1000000000\], got 2$/);
    expect(() => rungBudgets(1, 3, 2e9)).toThrow(/^rungBudgets: maxEpochs: must be an integer in \[1, 1000000000\], got 2000000000$/);
  });

  it('checks minEpochs and eta', () => {
    expect(() => rungBudgets(0, 3, 9)).toThrow(/^rungBudgets: minEpochs: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => rungBudgets(1.5, 3, 9)).toThrow(/^rungBudgets: minEpochs: must be an integer in \[1, 1000000000\], got 1\.5$/);
    expect(() => rungBudgets(-Infinity, 3, 9)).toThrow(/^rungBudgets: minEpochs: must be an integer/);
    expect(() => rungBudgets(1, NaN, 9)).toThrow(/^rungBudgets: eta: must be a finite number in \(1, 1000000000\], got NaN$/);
    expect(() => rungBudgets(1, Infinity, 9)).toThrow(/^rungBudgets: eta: must be a finite number/);
    expect(() => rungBudgets(1, 0.5, 9)).toThrow(/^rungBudgets: eta: must be a finite number in \(1, 1000000000\], got 0\.5$/);
    expect(() => rungBudgets('1' as never, 3, 9)).toThrow(/^rungBudgets: minEpochs: expected an integer in \[1, 1000000000\], got the string '1'$/);
    expect(() => rungBudgets(1, 3n as never, 9)).toThrow(/^rungBudgets: eta: expected a finite number in \(1, 1000000000\], got a BigInt \(3n\)$/);
    expect(() => rungBudgets(1, 3, null as never)).toThrow(/^rungBudgets: maxEpochs: expected an integer in \[1, 1000000000\], got null$/);
  });

  it('refuses an η so close to 1 that every rung adds one epoch (a billion rungs)', () => {
    expect(() => rungBudgets(1, 1 + 1e-12, 1e9)).toThrow(
      /^rungBudgets: eta: 1\.000000000001 gives more than 10000 rungs from 1 to 1000000000 epochs; use a larger eta or a smaller maxEpochs$/,
    );
    // Close to 1 but with few epochs to cover is fine: one rung per epoch.
    expect(rungBudgets(1, 1 + 1e-12, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(rungBudgets(1, 1e9, 1e9)).toEqual([1, 1e9]);
  });
});

describe('randomSearch', () => {
  const ok = { space, trials: 2, objective };

  it('rejects unknown options, suggesting the known one', async () => {
    await expect(randomSearch({ ...ok, trails: 3 } as never)).rejects.toThrow(/^randomSearch options: unknown option 'trails' \(did you mean 'trials'\?\)$/);
    await expect(randomSearch({ ...ok, keep_best: 3 } as never)).rejects.toThrow(/^randomSearch options: unknown option 'keep_best' \(did you mean 'keepBest'\?\)$/);
    await expect(randomSearch({ ...ok, objective: { module: sleepy, export: 'x' } } as never)).rejects.toThrow(
      /^randomSearch options\.objective: unknown option 'export' \(did you mean 'exportName'\?\)$/,
    );
    await expect(randomSearch(null as never)).rejects.toThrow(/^randomSearch options: expected an options object, got null$/);
    await expect(randomSearch([] as never)).rejects.toThrow(/^randomSearch options: expected an options object, got an array of 0$/);
  });

  it('bounds every count: no heap exhaustion from a typo', async () => {
    await expect(randomSearch({ ...ok, trials: 1e9 })).rejects.toThrow(/^randomSearch: trials: must be an integer in \[1, 1000000\], got 1000000000$/);
    await expect(randomSearch({ ...ok, trials: Infinity })).rejects.toThrow(/^randomSearch: trials: must be an integer in \[1, 1000000\], got Infinity$/);
    await expect(randomSearch({ ...ok, trials: NaN })).rejects.toThrow(/^randomSearch: trials: must be an integer in \[1, 1000000\], got NaN$/);
    await expect(randomSearch({ ...ok, trials: 2.5 })).rejects.toThrow(/^randomSearch: trials: must be an integer/);
    await expect(randomSearch({ ...ok, rounds: Infinity })).rejects.toThrow(/^randomSearch: rounds: must be an integer in \[1, 1000000\], got Infinity$/);
    await expect(randomSearch({ ...ok, rounds: -1 })).rejects.toThrow(/^randomSearch: rounds: must be an integer/);
    await expect(randomSearch({ ...ok, keepBest: NaN })).rejects.toThrow(/^randomSearch: keepBest: must be an integer in \[1, 1000000\], got NaN$/);
    await expect(randomSearch({ ...ok, concurrency: Infinity })).rejects.toThrow(/^randomSearch: concurrency: must be an integer in \[1, 1000000000\], got Infinity$/);
    await expect(randomSearch({ ...ok, concurrency: 1.5 })).rejects.toThrow(/^randomSearch: concurrency: must be an integer/);
    await expect(randomSearch({ ...ok, threadsPerTrial: 2e9 })).rejects.toThrow(/^randomSearch: threadsPerTrial: must be an integer in \[1, 1000000000\], got 2000000000$/);
    await expect(randomSearch({ ...ok, seed: 2 ** 53 })).rejects.toThrow(/^randomSearch: seed: must be an integer in \[0, 2\^53 − 1\], got 9007199254740992$/);
    await expect(randomSearch({ ...ok, seed: 0.5 })).rejects.toThrow(/^randomSearch: seed: must be an integer in \[0, 2\^53 − 1\], got 0\.5$/);
    await expect(randomSearch({ ...ok, zoomFactor: NaN })).rejects.toThrow(/^randomSearch: zoomFactor: must be a finite number in \(0, 1\], got NaN$/);
  });

  it('names wrong types instead of failing inside', async () => {
    await expect(randomSearch({ ...ok, trials: 2n } as never)).rejects.toThrow(/^randomSearch: trials: expected an integer in \[1, 1000000\], got a BigInt \(2n\)$/);
    await expect(randomSearch({ ...ok, trials: '2' } as never)).rejects.toThrow(/^randomSearch: trials: expected an integer in \[1, 1000000\], got the string '2'$/);
    await expect(randomSearch({ ...ok, seed: null } as never)).rejects.toThrow(/^randomSearch: seed: expected an integer in \[0, 2\^53 − 1\], got null$/);
    await expect(randomSearch({ ...ok, fixed: null } as never)).rejects.toThrow(/^randomSearch: fixed: expected an object of values, got null$/);
    await expect(randomSearch({ ...ok, fixed: [1] } as never)).rejects.toThrow(/^randomSearch: fixed: expected an object of values, got an array of 1$/);
    await expect(randomSearch({ ...ok, onTrialEnd: 'log' } as never)).rejects.toThrow(/^randomSearch: onTrialEnd: expected a function, got the string 'log'$/);
    await expect(randomSearch({ ...ok, objective: 5 } as never)).rejects.toThrow(/^randomSearch: objective: expected a function .* got 5$/);
    await expect(randomSearch({ ...ok, objective: { module: 5 } } as never)).rejects.toThrow(/^randomSearch: objective\.module: expected the absolute path of the objective module, got 5$/);
    await expect(randomSearch({ ...ok, objective: { module: sleepy, exportName: '' } } as never)).rejects.toThrow(
      /^randomSearch: objective\.exportName: expected a non-empty string, got the string ''$/,
    );
  });
});

describe('successiveHalving', () => {
  const configs = [{ q: 1 }, { q: 2 }, { q: 3 }];

  it('rejects unknown options and conflicting ones', async () => {
    await expect(successiveHalving({ configs, objective, maxEpoch: 9 } as never)).rejects.toThrow(/^successiveHalving options: unknown option 'maxEpoch' \(did you mean 'maxEpochs'\?\)$/);
    await expect(successiveHalving({ configs, objective: { modul: sleepy } } as never)).rejects.toThrow(/^successiveHalving options\.objective: unknown option 'modul' \(did you mean 'module'\?\)$/);
    // configs win over space + trials silently before: now both is an error, nothing is ignored.
    await expect(successiveHalving({ configs, space, trials: 3, objective } as never)).rejects.toThrow(
      /^successiveHalving: configs: give either configs or space and trials, not both \(space and trials would be ignored\)$/,
    );
    await expect(successiveHalving({ configs, objective, asynchronous: 'yes' } as never)).rejects.toThrow(/^successiveHalving: asynchronous: expected true or false, got the string 'yes'$/);
  });

  it('bounds every count and loop bound', async () => {
    await expect(successiveHalving({ space, trials: 1e9, objective })).rejects.toThrow(/^successiveHalving: trials: must be an integer in \[1, 1000000\], got 1000000000$/);
    await expect(successiveHalving({ configs, objective, maxEpochs: Infinity })).rejects.toThrow(/^successiveHalving: maxEpochs: must be an integer in \[1, 1000000000\], got Infinity$/);
    await expect(successiveHalving({ configs, objective, maxEpochs: NaN })).rejects.toThrow(/^successiveHalving: maxEpochs: must be an integer/);
    await expect(successiveHalving({ configs, objective, minEpochs: Infinity })).rejects.toThrow(/^successiveHalving: minEpochs: must be an integer in \[1, 1000000000\], got Infinity$/);
    await expect(successiveHalving({ configs, objective, eta: Infinity })).rejects.toThrow(/^successiveHalving: eta: must be a finite number in \(1, 1000000000\], got Infinity$/);
    await expect(successiveHalving({ configs, objective, eta: 1 + 1e-12, maxEpochs: 1e9 })).rejects.toThrow(/^successiveHalving: eta: 1\.000000000001 gives more than 10000 rungs/);
    await expect(successiveHalving({ configs, objective, minEpochs: 5e8, eta: 3 })).rejects.toThrow(
      /^successiveHalving: maxEpochs: the default minEpochs·eta\^⌊log_eta n⌋ is 1500000000, over 1000000000; give maxEpochs$/,
    );
    await expect(successiveHalving({ configs, objective, seed: -1 })).rejects.toThrow(/^successiveHalving: seed: must be an integer in \[0, 2\^53 − 1\], got -1$/);
    await expect(successiveHalving({ configs, objective, threadsPerTrial: 0 })).rejects.toThrow(/^successiveHalving: threadsPerTrial: must be an integer in \[1, 1000000000\], got 0$/);
    await expect(successiveHalving({ configs: 'abc', objective } as never)).rejects.toThrow(/^successiveHalving: configs: expected a non-empty array of configurations, got the string 'abc'$/);
    await expect(successiveHalving({ configs, objective, onRungEnd: 1 } as never)).rejects.toThrow(/^successiveHalving: onRungEnd: expected a function, got 1$/);
  });
});

describe('runTrialsInWorkers, TrialWorkerPool and threadsPerTrial', () => {
  it('rejects unknown options and bad counts before starting a worker', async () => {
    await expect(runTrialsInWorkers({ module: sleepy, configs: [], concurency: 2 } as never)).rejects.toThrow(/^runTrialsInWorkers options: unknown option 'concurency' \(did you mean 'concurrency'\?\)$/);
    await expect(runTrialsInWorkers({ module: sleepy, configs: [], concurrency: Infinity })).rejects.toThrow(/^runTrialsInWorkers: concurrency: must be an integer in \[1, 1000000000\], got Infinity$/);
    await expect(runTrialsInWorkers({ module: sleepy, configs: [], seed: 1n } as never)).rejects.toThrow(/^runTrialsInWorkers: seed: expected an integer in \[0, 2\^53 − 1\], got a BigInt \(1n\)$/);
    await expect(runTrialsInWorkers({ module: sleepy, configs: [], onTrialEnd: {} } as never)).rejects.toThrow(/^runTrialsInWorkers: onTrialEnd: expected a function, got an Object$/);
    await expect(runTrialsInWorkers({ module: sleepy, exportName: 3, configs: [] } as never)).rejects.toThrow(/^runTrialsInWorkers: exportName: expected a non-empty string, got 3$/);
    expect(() => new TrialWorkerPool({ module: sleepy, concurrency: 1, threads: 2 } as never)).toThrow(/^TrialWorkerPool options: unknown option 'threads'/);
    expect(() => new TrialWorkerPool(null as never)).toThrow(/^TrialWorkerPool options: expected an options object, got null$/);
    expect(() => new TrialWorkerPool({ module: path.relative(process.cwd(), sleepy), concurrency: 1 })).toThrow(/^TrialWorkerPool: module: expected an absolute path/);
  });

  it('threadsPerTrial checks both counts', () => {
    expect(() => threadsPerTrial(Infinity)).toThrow(/^threadsPerTrial: concurrency: must be an integer in \[1, 1000000000\], got Infinity$/);
    expect(() => threadsPerTrial(2, 0)).toThrow(/^threadsPerTrial: cores: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => threadsPerTrial('2' as never)).toThrow(/^threadsPerTrial: concurrency: expected an integer/);
  });
});

describe('spaces', () => {
  it('dimension bounds of the wrong type are named', () => {
    expect(() => uniform('0' as never, 1)).toThrow(/^uniform: lo: expected a finite number, got the string '0'$/);
    expect(() => logUniform(1e-3, null as never)).toThrow(/^logUniform: hi: expected a finite number, got null$/);
    expect(() => integer(0, 10n as never)).toThrow(/^integer: hi: expected an integer in \[-9007199254740991, 9007199254740991\], got a BigInt \(10n\)$/);
    expect(() => choice('abc' as never)).toThrow(/^choice: values: expected a non-empty array, got the string 'abc'$/);
  });

  it('an integer range the sampler cannot draw from (more than 2^32 values) is refused when built, not when sampled', () => {
    expect(() => integer(0, 2 ** 32)).toThrow(/^integer: hi: must be at most lo \+ 4294967295 \(at most 2\^32 values to draw from\), got 4294967296$/);
    const widest = integer(-5, 2 ** 32 - 6);
    expect(Number.isInteger(sample({ n: widest }, rng()).n)).toBe(true);
  });

  it('a uniform range whose width overflows (it would draw NaN) is refused', () => {
    expect(() => uniform(-1e308, 1e308)).toThrow(/^uniform: hi: must be within 1\.7976931348623157e\+308 of lo \(-1e\+308\), got 1e\+308$/);
  });

  it('dimensions built by hand or parsed from JSON are checked as the constructors check them', () => {
    const fromJson = JSON.parse(JSON.stringify({ lr: logUniform(1e-3, 1) })) as Space;
    expect(sample(fromJson, rng()).lr).toBeGreaterThanOrEqual(1e-3);
    expect(() => sample({ lr: { kind: 'logUniform', lo: 0, hi: 1 } } as never, rng())).toThrow(/^sample: space\.lr\.lo: must be > 0 \(the range is on a log scale\), got 0$/);
    expect(() => sample({ lr: { kind: 'uniform', lo: 'a', hi: 1 } } as never, rng())).toThrow(/^sample: space\.lr\.lo: expected a finite number, got the string 'a'$/);
    expect(() => sample({ lr: { kind: 'uniform', lo: 0, hi: 1, log: true } } as never, rng())).toThrow(/^sample: space\.lr: unknown option 'log'/);
    expect(() => sample({ act: { kind: 'choice', values: [] } } as never, rng())).toThrow(/^sample: space\.act\.values: must be a non-empty array, got an array of 0$/);
    expect(() => sample({ n: { kind: 'integer', lo: 0, hi: 2.5 } } as never, rng())).toThrow(/^sample: space\.n\.hi: must be an integer/);
    expect(() => sample(Object.assign(Object.create({ inherited: true }), { x: uniform(0, 1) }), rng())).toThrow(/^sample: space: expected an object of dimensions/);
  });

  it('zoom names its arguments', () => {
    expect(() => zoom({ x: uniform(0, 1) }, 'best' as never)).toThrow(/^zoom: bestConfigs: expected a non-empty array, got the string 'best'$/);
    expect(() => zoom({ x: uniform(0, 1) }, [{ x: 0.5 }], '0.5' as never)).toThrow(/^zoom: factor: expected a finite number in \(0, 1\], got the string '0\.5'$/);
    expect(() => zoom({ x: uniform(0, 1) }, [null as never])).toThrow(/^zoom: bestConfigs\[0\]\.x: expected a finite number in \[0, 1\], got undefined$/);
  });
});

describe('formatTrials and rankTrials', () => {
  const trials: TrialRecord<{ a: number }>[] = [
    { index: 0, round: 0, config: { a: 1 }, devMetric: 0.5, seconds: 0.1 },
    { index: 1, round: 0, config: { a: 2 }, devMetric: 0.9, seconds: 0.2 },
  ];

  it('check the table options strictly', () => {
    expect(formatTrials(trials, { sortBy: 'devMetric', limit: 1 }).split('\n')).toHaveLength(2);
    expect(formatTrials(trials, { limit: 0 }).split('\n')).toHaveLength(1);
    expect(() => formatTrials(trials, { sort: 'devMetric' } as never)).toThrow(/^formatTrials options: unknown option 'sort' \(did you mean 'sortBy'\?\)$/);
    expect(() => formatTrials(trials, { sortBy: 'metric' } as never)).toThrow(/^formatTrials: sortBy: expected 'index' \| 'devMetric', got the string 'metric'/);
    expect(() => formatTrials(trials, { limit: -1 })).toThrow(/^formatTrials: limit: must be an integer in \[0, 1000000000\], got -1$/);
    expect(() => formatTrials(trials, { limit: Infinity })).toThrow(/^formatTrials: limit: must be an integer/);
    expect(() => formatTrials(trials, null as never)).toThrow(/^formatTrials options: expected an options object, got null$/);
  });

  it('check the records they are given', () => {
    expect(() => formatTrials(null as never)).toThrow(/^formatTrials: trials: expected an array of trial records, got null$/);
    expect(() => formatTrials([{ index: 0, round: 0, config: {}, devMetric: 1 }] as never)).toThrow(/^formatTrials: trials\[0\]\.seconds: expected a number, got undefined$/);
    expect(() => rankTrials([null] as never)).toThrow(/^rankTrials: trials\[0\]: expected a trial record, got null$/);
    expect(() => rankTrials([{ index: 0, devMetric: '1' }] as never)).toThrow(/^rankTrials: trials\[0\]\.devMetric: expected a number, got the string '1'$/);
    expect(rankTrials(trials).map((t) => t.index)).toEqual([1, 0]);
  });
});

describe('babysit', () => {
  const control = { stop: () => {}, setLearningRate: () => {} };

  it('rejects unknown options and bad numbers', () => {
    expect(() => babysit({ patients: 2 } as never)).toThrow(/^babysit options: unknown option 'patients' \(did you mean 'patience'\?\)$/);
    expect(() => babysit({ patience: Infinity })).toThrow(/^babysit: patience: must be an integer in \[1, 1000000000\], got Infinity$/);
    expect(() => babysit({ patience: 1.5 })).toThrow(/^babysit: patience: must be an integer/);
    expect(() => babysit({ factor: NaN })).toThrow(/^babysit: factor: must be a finite number in \(0, 1\), got NaN$/);
    expect(() => babysit({ minDelta: -1 })).toThrow(/^babysit: minDelta: must be a finite number ≥ 0, got -1$/);
    expect(() => babysit({ minLearningRate: Infinity })).toThrow(/^babysit: minLearningRate: must be a finite number ≥ 0, got Infinity$/);
    expect(() => babysit({ diverge: Infinity })).toThrow(/^babysit: diverge: must be a finite number > 1, got Infinity$/);
    expect(() => babysit({ log: 'console' } as never)).toThrow(/^babysit: log: expected a function, got the string 'console'$/);
    expect(() => babysit(null as never)).toThrow(/^babysit options: expected an options object, got null$/);
  });

  it('its onEpochEnd checks the log and control it is handed', () => {
    const sitter = babysit();
    expect(() => sitter.onEpochEnd(null as never, control as never)).toThrow(/^babysit onEpochEnd: log: expected an epoch log \{ epoch, trainLoss, learningRate, … \}, got null$/);
    expect(() => sitter.onEpochEnd({ epoch: 0, trainLoss: 1, learningRate: 0.1 } as EpochLog, {} as never)).toThrow(/^babysit onEpochEnd: control: expected the training control/);
    expect(() => sitter.onEpochEnd({ epoch: -1, trainLoss: 1, learningRate: 0.1 } as EpochLog, control as never)).toThrow(/^babysit onEpochEnd: log\.epoch: must be an integer/);
    expect(() => sitter.onEpochEnd({ epoch: 0, trainLoss: 1, learningRate: NaN } as EpochLog, control as never)).toThrow(/^babysit onEpochEnd: log\.learningRate: must be a finite number/);
    expect(() => sitter.onEpochEnd({ epoch: 0, trainLoss: '1', learningRate: 0.1 } as never, control as never)).toThrow(/^babysit onEpochEnd: log\.trainLoss: expected a number, got the string '1'$/);
    // A NaN loss is a diverging run, not a bad argument: it stops training.
    let stopped = false;
    sitter.onEpochEnd({ epoch: 0, trainLoss: NaN, learningRate: 0.1 } as EpochLog, { ...control, stop: () => (stopped = true) } as never);
    expect(stopped).toBe(true);
  });
});

describe('large counts within the limits', () => {
  // Spreading 10^5+ values into Math.min/max or push overflows the stack ("Maximum call stack size
  // exceeded"): a search with this many trials, keepBest or rows used to throw at the end.
  it('randomSearch zooms around 200 000 best trials; formatTrials prints 400 000 rows', async () => {
    const r = await randomSearch({
      space: { x: uniform(0, 1) },
      trials: 400_000,
      rounds: 2,
      keepBest: 200_000,
      objective: (c) => ({ devMetric: c.x }),
    });
    expect(r.trials).toHaveLength(400_000);
    expect(r.spaces[1].x).toMatchObject({ kind: 'uniform' });
    expect(formatTrials(r.trials).split('\n')).toHaveLength(400_001);
  }, 120_000);

  it('successiveHalving picks the best of 200 000 configs', async () => {
    const configs = Array.from({ length: 200_000 }, (_, q) => ({ q }));
    const r = await successiveHalving({ configs, eta: 1000, minEpochs: 1, maxEpochs: 2, objective: (c) => ({ devMetric: c.q }) });
    expect(r.bestConfig.q).toBe(199_999);
  }, 120_000);
});
