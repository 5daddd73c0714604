// Runs the report tests look at (not a test file itself): real fits of small networks on blobs
// (classification) and on a noisy linear target (regression), and real tuning runs on synthetic
// objectives whose best region is known.
import {
  adam,
  dense,
  inverseTimeDecay,
  logUniform,
  oneMinusLogUniform,
  randomSearch,
  relu,
  sequential,
  split,
  successiveHalving,
  uniform,
  choice,
  type History,
  type Sequential,
} from '../../src';
import { blobs, normals } from '../model/helpers';

export interface FitRun {
  history: History;
  model: Sequential<any>;
  dev: { x: Float32Array; y: any };
  test: { x: Float32Array; y: any };
}

/** 3 overlapping blobs (so the confusion matrix has off-diagonal counts), 12 epochs, a decaying rate. */
export async function classificationRun(): Promise<FitRun> {
  const data = blobs(7, 120, 3, 4, 1.5, 1);
  const { train, dev, test } = split(data.x, data.y, { train: 0.6, dev: 0.2, test: 0.2 }, { seed: 1, stratify: true });
  const model = sequential({ inputSize: 4, seed: 3, layers: [dense(16), relu(), dense(3)], output: 'softmax' });
  const history = await model.fit(train.x, train.y, {
    epochs: 12,
    batchSize: 32,
    optimizer: adam({ learningRate: 1e-2 }),
    schedule: inverseTimeDecay(1),
    validation: dev,
  });
  return { history, model, dev, test };
}

/** y = Σ wⱼ xⱼ + noise, 2 features, early stopping (so the history has a best epoch). */
export async function regressionRun(): Promise<FitRun> {
  const m = 300;
  const x = normals(11, m * 2);
  const noise = normals(12, m, 0.3);
  const y = new Float32Array(m);
  for (let i = 0; i < m; i++) y[i] = 3 * x[2 * i] - 2 * x[2 * i + 1] + 1 + noise[i];
  const { train, dev, test } = split(x, y, { train: 0.6, dev: 0.2, test: 0.2 }, { seed: 1 });
  const model = sequential({ inputSize: 2, seed: 3, layers: [dense(8), relu(), dense(1)], output: 'linear', loss: 'mse' });
  const history = await model.fit(train.x, train.y, {
    epochs: 60,
    batchSize: 16,
    optimizer: adam({ learningRate: 2e-2 }),
    validation: dev,
    earlyStopping: { monitor: 'devLoss', patience: 3, restoreBest: true },
  });
  return { history, model, dev, test };
}

/** The space the tuning fixtures search: one dimension of each plotted kind. */
export const SPACE = {
  learningRate: logUniform(1e-4, 1e-1),
  beta1: oneMinusLogUniform(0.8, 0.999),
  keepProb: uniform(0.5, 1),
  activation: choice(['relu', 'tanh']),
};

/** Best near learningRate 1e-2 and beta1 0.99; keepProb and activation matter a little. */
function quality(c: { learningRate: number; beta1: number; keepProb: number; activation: string }): number {
  const lr = Math.log10(c.learningRate) + 2;
  const b = Math.log10(1 - c.beta1) + 2;
  return 0.9 - 0.05 * lr * lr - 0.04 * b * b - 0.1 * (1 - c.keepProb) + (c.activation === 'relu' ? 0.02 : 0);
}

export function searchRun() {
  return randomSearch({ space: SPACE, trials: 18, rounds: 3, seed: 5, objective: (c) => ({ devMetric: quality(c) }) });
}

export function halvingRun() {
  return successiveHalving({
    space: SPACE,
    trials: 9,
    eta: 3,
    seed: 5,
    objective: (c, ctx) => ({ devMetric: quality(c) * (1 - 2 ** -ctx.epochs) }),
  });
}
