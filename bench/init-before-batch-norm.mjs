// The init of a dense layer that feeds batch norm, under each optimizer (docs/CONVENTIONS.md,
// "Defaults" under Initialization). Batch norm removes the weights' scale from the layer's
// output, so the init scale only sets the effective learning rate of those weights, and how much
// that matters depends on the optimizer: this trains the MNIST network of bench/run.mjs, variant
// B (batch norm + dropout 0.8 + L2 1e-4; --bn-only: batch norm alone), with each optimizer and
// each init of the two hidden layers, over seeds 1…N in one process, and prints each init's test
// accuracy against the first's, paired by seed (the same seed gives the same batches and masks).
//
//   node bench/init-before-batch-norm.mjs [--seeds 40] [--epochs 5] [--bn-only]
//       [--optimizers adam:0.001,gd:0.01] [--inits lecun,default,varianceScaling:0.333]
//
// An init is `default` (tunenet's own choice before batch norm), a name, or name:scale (the
// layer's `initScale`). Accuracy only, so it may share the machine; 40 seeds × 5 epochs take
// about 20 s per optimizer and init.
import { readSplit, commandLine, mean, sd, trainerArgs } from './lib.mjs';
import { gd, momentum, nesterov, rmsprop, adam, adamw } from './tunenet.mjs';
import { mnistModel } from './trainers/tunenet-mnist-model.mjs';

const OPTIMIZERS = { gd, momentum, nesterov, rmsprop, adam, adamw };
const { option, flag } = commandLine();
const seeds = Number(option('seeds', '40'));
const epochs = Number(option('epochs', '5'));
const batchNormOnly = flag('bn-only');
const optimizers = option('optimizers', 'gd:0.01,momentum:0.01,adam:0.001,rmsprop:0.001').split(',');
const inits = option('inits', 'lecun,default').split(',');

/** The dense options of a hidden layer for `init` ('default', 'name' or 'name:scale'). */
function denseOptions(init) {
  if (init === 'default') return undefined;
  const [name, scale] = init.split(':');
  return scale === undefined ? { init: name } : { init: name, initScale: Number(scale) };
}

const split = readSplit();
async function testAccuracy(optimizer, learningRate, init, seed) {
  const options = learningRate === undefined ? {} : { learningRate };
  // The output layer keeps tunenet's default: only the layers before batch norm change.
  const a = { ...trainerArgs([]), variant: 'B', seed, threads: 1 };
  const model = mnistModel(a, split, denseOptions(init), { outputInit: undefined, batchNormOnly });
  await model.fit(split.trainX, split.trainY, { verbose: 0, epochs, batchSize: a.batchSize, optimizer: OPTIMIZERS[optimizer](options) });
  return (await model.evaluate(split.testX, split.testY)).accuracy;
}

const standardError = (xs) => sd(xs) / Math.sqrt(xs.length);
const points = (x) => (100 * x).toFixed(2);

console.log(`MNIST ${batchNormOnly ? 'with batch norm alone' : 'variant B'}, ${epochs} epochs, seeds 1–${seeds}; each init against ${inits[0]}, paired by seed`);
for (const spec of optimizers) {
  const [optimizer, lr] = spec.split(':');
  if (!OPTIMIZERS[optimizer]) throw new Error(`--optimizers: unknown optimizer ${optimizer}`);
  // Without a rate, the optimizer's default.
  const learningRate = lr === undefined ? undefined : Number(lr);
  const accuracies = [];
  for (const init of inits) {
    const runs = [];
    for (let seed = 1; seed <= seeds; seed++) runs.push(await testAccuracy(optimizer, learningRate, init, seed));
    accuracies.push(runs);
    const lead = runs.map((a, i) => a - accuracies[0][i]);
    const paired = accuracies.length === 1 ? '' : `  ${points(mean(lead)).padStart(6)} ± ${points(standardError(lead))} points`;
    console.log(`${`${optimizer} ${learningRate ?? '(default)'}`.padEnd(18)} ${init.padEnd(24)} ${points(mean(runs))} %${paired}`);
  }
}
