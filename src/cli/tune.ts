// `tunenet tune <file.csv> --label <column>`: the data and network of `tunenet train`, with a
// random search (coarse to fine) over the usual hyperparameters — Adam's learning rate and the L2
// λ on log scales, dropout's keep probability, the hidden widths and the batch size. Every trial
// trains with early stopping on the dev loss (best weights restored) and is scored on the dev
// part: accuracy for classification, −RMSE for regression (higher is better, as the search ranks).
// The best trial's model is kept (not retrained), tested once on the test part, and written with
// the search's report.
import type { OutputKind, Sequential } from '../model';
import type { History } from '../training/fit';
import { choice, logUniform, uniform, randomSearch, formatTrials, threadsPerTrial, type ConfigOf } from '../tuning';
import { loadData, type DataOptions, type Print } from './dataset';
import { defaultNetwork, describeNetwork } from './network';
import { fmt, printTestMetrics } from './testMetrics';
import { prepareOutput, writeOutputs } from './output';
import { checkBaseError, fitWithEarlyStopping, printTraining } from './train';

export interface TuneOptions extends DataOptions {
  trials: number;
  rounds: number;
  /** Trials at once (their native work runs off the main thread). */
  concurrency: number;
  epochs: number;
  patience: number;
  baseError?: number;
  out: string;
  /** The search's progress: 0 silent, 1 a bar, 2 a line per trial (default as fit's). */
  verbose?: 0 | 1 | 2;
}

/** The searched space: what a Keras or PyTorch user tunes first on a tabular network. */
export const TUNE_SPACE = {
  learningRate: logUniform(1e-4, 3e-2),
  l2: logUniform(1e-6, 1e-1),
  keepProb: uniform(0.7, 1),
  hidden: choice(['32', '64', '64,32', '128,64', '128,64,32']),
  batchSize: choice([16, 32, 64, 128]),
};
type TuneConfig = ConfigOf<typeof TUNE_SPACE>;

const widths = (hidden: string) => hidden.split(',').map(Number);
const stdout: Print = (l) => process.stdout.write(`${l}\n`);

export async function tune(file: string, o: TuneOptions, print: Print = stdout): Promise<void> {
  prepareOutput(o.out);
  const data = loadData(file, o, print, (task) => checkBaseError(task, o.baseError));
  const classes = data.classes?.length ?? 0;
  const regression = data.task === 'regression';
  print(
    `search: ${o.trials} trials in ${o.rounds} round(s), ${o.concurrency} at a time, up to ${o.epochs} epochs each with early stopping on dev loss (patience ${o.patience}); ` +
      `scored by dev ${regression ? 'RMSE' : 'accuracy'}`,
  );
  print(`  space: learningRate log [1e-4, 3e-2], l2 log [1e-6, 0.1], keepProb [0.7, 1], hidden {${TUNE_SPACE.hidden.values.join(' | ')}}, batchSize {${TUNE_SPACE.batchSize.values.join(', ')}}`);

  // Only the best model so far stays in memory.
  let best: { index: number; devMetric: number; model: Sequential<OutputKind>; history: History } | undefined;
  const threads = threadsPerTrial(o.concurrency);
  const result = await randomSearch({
    space: TUNE_SPACE,
    trials: o.trials,
    rounds: o.rounds,
    seed: o.seed,
    concurrency: o.concurrency,
    objective: async (c: TuneConfig, { trial, seed }) => {
      const model = defaultNetwork(data.task, data.features, classes, { hidden: widths(c.hidden), l2: c.l2, keepProb: c.keepProb }, seed, threads);
      const history = await fitWithEarlyStopping(model, data, { ...o, batchSize: c.batchSize, learningRate: c.learningRate, verbose: 0 });
      const kept = history.epochs.find((e) => e.epoch === history.bestEpoch) ?? history.epochs[history.epochs.length - 1];
      const devMetric = regression ? -Math.sqrt(kept.devLoss!) : kept.devAccuracy!;
      if (Number.isFinite(devMetric) && (!best || devMetric > best.devMetric || (devMetric === best.devMetric && trial < best.index))) {
        best = { index: trial, devMetric, model, history };
      }
      return { devMetric, epochs: history.epochs.length };
    },
    ...(o.verbose === undefined ? {} : { verbose: o.verbose }),
  });
  print(`\ntrials, best first (${result.seconds.toFixed(1)} s; devMetric is ${regression ? '−RMSE' : 'accuracy'} on dev):`);
  print(formatTrials(result.trials, { sortBy: 'devMetric', limit: 10 }));
  const c = result.bestConfig;
  print(`best: trial ${result.best.index}: ${describeNetwork(data.task, data.features, classes, widths(c.hidden))}, learningRate ${fmt(c.learningRate)}, l2 ${fmt(c.l2)}, keepProb ${fmt(c.keepProb)}, batchSize ${c.batchSize}`);
  const winner = best!; // the search threw if every trial failed
  printTraining(winner.history, print);
  await printTestMetrics(winner.model, data, print);
  await writeOutputs(winner.model, data, o.out, { search: result, metricName: regression ? 'dev −RMSE' : 'dev accuracy' }, print);
}
