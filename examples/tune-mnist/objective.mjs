// The objective of examples/tune-mnist: train the 784-256-128-10 network of examples/mnist
// (batch norm, dropout, L2, Adam) with one hyperparameter configuration for a few epochs and
// return its dev accuracy. Run on worker threads by tune.mjs: each worker imports this module
// once, so the digits are loaded and split once per worker.
import { createRequire } from 'node:module';
import { sequential, dense, batchNorm, relu, dropout, adam, split } from 'tunenet';

const require = createRequire(import.meta.url);
const { loadDigits } = require('../mnist/data.js');

const digits = loadDigits();
// The split of examples/mnist: 8,000 / 1,000 / 1,000, stratified by digit, seed 1.
const { train, dev, test } = split(digits.x, digits.y, { train: 8000, dev: 1000, test: 1000 }, { seed: 1, stratify: true });

/** The library's defaults: adam() (α 1e-3, β1 0.9), no L2, no dropout. */
export const DEFAULT_CONFIG = { learningRate: 1e-3, beta1: 0.9, l2: 0, keepProb: 1 };
/** The hand-picked values of examples/mnist/train.mjs (without its decay schedule). */
export const HAND_PICKED_CONFIG = { learningRate: 2e-3, beta1: 0.9, l2: 1e-3, keepProb: 0.9 };

/**
 * config: { learningRate, beta1, l2 (λ), keepProb, epochs?, reportTest? }; context: { threads, seed }
 * from the runner (threads = this trial's native thread budget). Resolves with the last epoch's
 * dev accuracy as devMetric; the test accuracy only when config.reportTest (never used to choose).
 */
export async function objective(config, { threads, seed }) {
  const { learningRate, beta1, l2, keepProb } = config;
  const epochs = config.epochs ?? 8;
  const model = sequential({
    inputSize: 784,
    seed,
    threads,
    layers: [
      dense(256, { init: 'he', l2 }), batchNorm(), relu(), dropout({ keepProb }),
      dense(128, { init: 'he', l2 }), batchNorm(), relu(), dropout({ keepProb }),
      dense(10, { init: 'glorot', l2 }),
    ],
  });
  const history = await model.fit(train.x, train.y, {
    verbose: 0, // many trials run at once: the search prints the table
    epochs,
    batchSize: 128,
    optimizer: adam({ learningRate, beta1 }),
    validation: { x: dev.x, y: dev.y },
  });
  const last = history.epochs[history.epochs.length - 1];
  const result = { devMetric: last.devAccuracy, devLoss: last.devLoss, trainAccuracy: last.trainAccuracy, epochs: history.epochs.length };
  if (config.reportTest) result.testAccuracy = (await model.evaluate(test.x, test.y)).accuracy;
  return result;
}
