// Issue 9, "Strict options": every options object of the public API rejects an unknown key with an
// error naming the object and the closest known key. One case per options object; each would
// have been silently ignored before (a typo that trains 1 epoch instead of 5).
import { describe, expect, it } from 'vitest';
import * as t from '../../src';
import { blobs } from '../model/helpers';

const data = blobs(1, 6, 3, 4);
const model = () => t.sequential({ inputSize: 4, seed: 1, threads: 1, layers: [t.dense(4), t.relu(), t.dense(3)] });
const space = { lr: t.logUniform(1e-3, 1e-1) };
const objective = async () => ({ devMetric: 0.5 });

/** [options object, call with the typo, the start of the message]. */
const CASES: Array<[string, () => unknown, RegExp]> = [
  ['sequential', () => t.sequential({ inputSize: 4, layers: [t.dense(2)], seeed: 1 } as never), /^sequential options: unknown option 'seeed' \(did you mean 'seed'\?\)/],
  ['a layer object', () => t.sequential({ inputSize: 4, layers: [{ kind: 'dense', units: 2, unit: 3 } as never] }), /^sequential: layers\[0\]: unknown option 'unit' \(did you mean 'units'\?\)/],
  ['dense', () => t.dense(4, { l3: 1 } as never), /^dense options: unknown option 'l3'/],
  ['batchNorm', () => t.batchNorm({ momentom: 0.9 } as never), /^batchNorm options: unknown option 'momentom' \(did you mean 'momentum'\?\)/],
  ['dropout', () => t.dropout({ keepProb: 0.5, rate: 0.5 } as never), /^dropout options: unknown option 'rate'/],
  ['activation parameters', () => t.activation('leakyRelu', { slop: 0.1 }), /^activation: unknown option 'slop' \(did you mean 'slope'\?\)/],
  ['an optimizer', () => t.adam({ beta_1: 0.9 } as never), /^adam options: unknown option 'beta_1' \(did you mean 'beta1'\?\)/],
  ['fit', () => model().fit(data.x, data.y, { epoch: 5 } as never), /^fit options: unknown option 'epoch' \(did you mean 'epochs'\?\)/],
  ['fit snake_case', () => model().fit(data.x, data.y, { batch_size: 4 } as never), /^fit options: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/],
  ['fit earlyStopping', () => model().fit(data.x, data.y, { validation: data, earlyStopping: { patiance: 2 } } as never), /^fit options\.earlyStopping: unknown option 'patiance' \(did you mean 'patience'\?\)/],
  ['fit augment', () => model().fit(data.x, data.y, { augment: { height: 2, width: 2, flip: true } } as never), /^fit: augment: unknown option 'flip' \(did you mean 'flipHorizontal'\?\)/],
  ['evaluate', () => model().evaluate(data.x, data.y, { metric: ['accuracy'] } as never), /^evaluate options: unknown option 'metric' \(did you mean 'metrics'\?\)/],
  ['trainStep', () => model().trainStep(data.x, data.y, { lr: 0.1 } as never), /^trainStep options: unknown option 'lr'/],
  ['loadModel', () => t.loadModel('/nonexistent', { backnd: 'native' } as never), /^loadModel options: unknown option 'backnd' \(did you mean 'backend'\?\)/],
  ['split', () => t.split(data.x, data.y, undefined, { sed: 1 } as never), /^split options: unknown option 'sed' \(did you mean 'seed'\?\)/],
  ['split sizes', () => t.split(data.x, data.y, { train: 0.8, devv: 0.2 } as never), /^split sizes: unknown option 'devv' \(did you mean 'dev'\?\)/],
  ['miniBatches', () => [...t.miniBatches(data.x, data.y, { features: 4, batch: 2 } as never)], /^miniBatches options: unknown option 'batch' \(did you mean 'batchSize'\?\)/],
  ['diagnose', () => t.diagnose({ trainError: 0.1, devError: 0.2, base: 0 } as never), /^diagnose options: unknown option 'base' \(did you mean 'baseError'\?\)/],
  ['gradientCheck', () => t.gradientCheck(model(), data.x, data.y, { eps: 1e-7 } as never), /^gradientCheck options: unknown option 'eps' \(did you mean 'epsilon'\?\)/],
  ['inverseTimeDecay', () => t.inverseTimeDecay(0.1, { stair: 2 } as never), /^inverseTimeDecay options: unknown option 'stair' \(did you mean 'staircase'\?\)/],
  ['reduceOnPlateau', () => t.reduceOnPlateau({ patiance: 2 } as never), /^reduceOnPlateau options: unknown option 'patiance' \(did you mean 'patience'\?\)/],
  ['babysit', () => t.babysit({ factr: 0.5 } as never), /^babysit options: unknown option 'factr' \(did you mean 'factor'\?\)/],
  ['ewa', () => t.ewa(0.9, { biascorrection: true } as never), /^ewa options: unknown option 'biascorrection' \(did you mean 'biasCorrection'\?\)/],
  ['randomSearch', () => t.randomSearch({ space, trails: 4, objective } as never), /^randomSearch options: unknown option 'trails' \(did you mean 'trials'\?\)/],
  ['successiveHalving', () => t.successiveHalving({ space, trials: 3, objective, etaa: 3 } as never), /^successiveHalving options: unknown option 'etaa' \(did you mean 'eta'\?\)/],
  ['runTrialsInWorkers', () => t.runTrialsInWorkers({ module: '/x.mjs', configs: [], concurency: 2 } as never), /^runTrialsInWorkers options: unknown option 'concurency' \(did you mean 'concurrency'\?\)/],
  ['formatTrials', () => t.formatTrials([], { sort: 'devMetric' } as never), /^formatTrials options: unknown option 'sort' \(did you mean 'sortBy'\?\)/],
  ['confusionMatrix', () => t.confusionMatrix([0], [0], { clases: 2 } as never), /^confusionMatrix options: unknown option 'clases' \(did you mean 'classes'\?\)/],
  ['a regression metric', () => t.meanAbsoluteError([1], [1], { output: 1 } as never), /^meanAbsoluteError options: unknown option 'output' \(did you mean 'outputs'\?\)/],
  ['a callback', () => model().fit(data.x, data.y, { callbacks: [{ onEpochEnds: () => undefined }] } as never), /^fit: callbacks\[0\]: unknown hook 'onEpochEnds' \(did you mean 'onEpochEnd'\?\)/],
];

describe('every options object rejects an unknown key, naming it and the closest known one', () => {
  it.each(CASES)('%s', async (_name, call, message) => {
    let error: unknown;
    try {
      await call();
    } catch (e) {
      error = e;
    }
    expect(error, 'the typo was accepted').toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
  });
});
