// tunenet trainer for bench/run.mjs (one process per run, so its peak RSS is its own).
//   node bench/trainers/tunenet.mjs --variant A|B --epochs 5 --threads 1 [--init he]
// The MNIST network of issue 5 with `fit` (each epoch one native call), then `evaluate`.
// --init names the initializer of every dense layer (bench/accuracy.mjs's --init compares them at
// equal epochs); without it each layer gets tunenet's default (he; varianceScaling 0.1 before batch norm).
import { commandLine, readSplit, rssMiB, maxRssMiB, printResult, summarizeEpochs, trainerArgs } from '../lib.mjs';
import { adam } from '../tunenet.mjs';
import { mnistModel } from './tunenet-mnist-model.mjs';

const a = trainerArgs();
const init = commandLine().option('init', '') || undefined;
const rssBase = rssMiB();
const d = readSplit();
const rssData = rssMiB();

const model = mnistModel(a, d, init);
const history = await model.fit(d.trainX, d.trainY, {
  verbose: 0, // stdout carries the result as JSON
  epochs: a.epochs,
  batchSize: a.batchSize,
  optimizer: adam({ learningRate: a.learningRate }),
});
const { accuracy } = await model.evaluate(d.testX, d.testY);
const pkg = (await import('../../package.json', { with: { type: 'json' } })).default;
printResult({
  framework: 'tunenet',
  version: pkg.version,
  variant: a.variant,
  init: init ?? 'default',
  threads: a.threads,
  epochs: a.epochs,
  samples: d.train,
  ...summarizeEpochs(history.epochs.map((e) => e.seconds), d.train),
  testAccuracy: accuracy,
  rss: { baseMiB: rssBase, afterDataMiB: rssData, peakMiB: maxRssMiB() },
});
