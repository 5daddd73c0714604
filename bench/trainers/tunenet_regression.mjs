// tunenet regression trainer for bench/regression.mjs (one process per data set; the seeds run
// one after another, each a fresh model).
//   node bench/trainers/tunenet_regression.mjs --data bench/.cache/regression-cars.bin --epochs 200 --seeds 1,2,3 [--breakdown]
// Network: dense(32, he) → relu → dense(16, he) → relu → dense(1, he), linear output, MSE,
// Adam(3e-3), batch 32, shuffled every epoch, fixed epochs (no validation, no early stopping):
// `fit` runs each epoch as one native call; then `evaluate` on the test rows gives the RMSE.
// Prints one JSON line per seed {"seed": {...}} and, last, {"result": {...}}.
// --breakdown: also measures where an epoch's time goes (see `breakdown` below).
import { readRegression, regressionArgs } from '../regression-data.mjs';
import { printResult, summarizeEpochs, median } from '../lib.mjs';
import { sequential, dense, relu, adam } from '../tunenet.mjs';

const a = regressionArgs();
const d = readRegression(a.data);

const optimizer = () => adam({ learningRate: a.learningRate });
const build = (seed) =>
  sequential({
    inputSize: d.features,
    seed,
    threads: a.threads,
    output: 'linear',
    loss: 'mse',
    optimizer: optimizer(),
    layers: [...a.hidden.flatMap((units) => [dense(units, { init: 'he' }), relu()]), dense(1, { init: 'he' })],
  });

const seeds = [];
for (const seed of a.seeds) {
  const model = build(seed);
  const history = await model.fit(d.trainX, d.trainY, { epochs: a.epochs, batchSize: a.batchSize, verbose: 0 });
  const ev = await model.evaluate(d.testX, d.testY);
  const s = {
    seed,
    ...summarizeEpochs(history.epochs.map((e) => e.seconds), d.train),
    trainLoss: history.epochs.at(-1).trainLoss,
    testRmse: ev.rmse,
    testMae: ev.mae,
    testR2: ev.r2,
  };
  process.stdout.write(`${JSON.stringify({ seed: { ...s, epochSeconds: undefined } })}\n`);
  seeds.push(s);
}

/**
 * Where an epoch's time goes: a small data set makes the per-epoch costs of `fit` (the async
 * native call and its queue, the epoch's bookkeeping in JS) weigh against only a few steps.
 *  - epochUs: the median epoch of the data set as benchmarked (its `steps` steps);
 *  - stepUs: one step inside a long epoch (the training rows tiled to ≥ 20,000 rows, so the
 *    per-epoch cost is spread over hundreds of steps): the core's cost of one step;
 *  - perEpochUs = epochUs − steps·stepUs: what an epoch costs beyond its steps;
 *  - trainStepUs: one synchronous `model.trainStep` on 32 rows (napi call + copying the batch in
 *    + the step), for comparison;
 *  - fullBatchEpochUs: an epoch of a single full-batch step (all training rows at once).
 */
async function breakdown() {
  const steps = Math.ceil(d.train / a.batchSize);
  const model = build(1);
  const epochs = 200;
  const h = await model.fit(d.trainX, d.trainY, { epochs, batchSize: a.batchSize, verbose: 0 });
  const epochUs = median(h.epochs.slice(1).map((e) => e.seconds)) * 1e6;

  const tiles = Math.max(1, Math.ceil(20000 / d.train));
  const bigX = new Float32Array(d.trainX.length * tiles);
  const bigY = new Float32Array(d.trainY.length * tiles);
  for (let t = 0; t < tiles; t++) {
    bigX.set(d.trainX, t * d.trainX.length);
    bigY.set(d.trainY, t * d.trainY.length);
  }
  const big = build(1);
  const hb = await big.fit(bigX, bigY, { epochs: 11, batchSize: a.batchSize, verbose: 0 });
  const bigSteps = Math.ceil(bigY.length / a.batchSize);
  const stepUs = (median(hb.epochs.slice(1).map((e) => e.seconds)) * 1e6) / bigSteps;

  const one = build(1);
  const xb = d.trainX.slice(0, 32 * d.features);
  const yb = d.trainY.slice(0, 32);
  for (let i = 0; i < 2000; i++) one.trainStep(xb, yb);
  // The median of 200 chunks of 100 calls: a mean would carry the VM's preemptions and GC pauses.
  const chunks = [];
  for (let c = 0; c < 200; c++) {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) one.trainStep(xb, yb);
    chunks.push(((performance.now() - t0) * 1e3) / 100);
  }
  const trainStepUs = median(chunks);

  // One full-batch step per epoch: nearly all of such an epoch is the per-epoch cost.
  const full = build(1);
  const hf = await full.fit(d.trainX, d.trainY, { epochs, batchSize: d.train, verbose: 0 });
  const fullBatchEpochUs = median(hf.epochs.slice(1).map((e) => e.seconds)) * 1e6;

  return { steps, epochUs, stepUs, stepsUs: steps * stepUs, perEpochUs: epochUs - steps * stepUs, trainStepUs, fullBatchEpochUs, tiledRows: bigY.length };
}

const pkg = (await import('../../package.json', { with: { type: 'json' } })).default;
printResult({
  framework: 'tunenet',
  version: pkg.version,
  threads: a.threads,
  epochs: a.epochs,
  samples: d.train,
  seeds,
  ...(process.argv.includes('--breakdown') ? { breakdown: await breakdown() } : {}),
});
