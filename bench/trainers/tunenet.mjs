// tunenet trainer for bench/run.mjs (one process per run, so its peak RSS is its own).
//   node bench/trainers/tunenet.mjs --variant A|B --epochs 5 --threads 1
// The MNIST network of issue 5 with `fit` (each epoch one native call), then `evaluate`.
import { readSplit, rssMiB, maxRssMiB, printResult, summarizeEpochs, trainerArgs } from '../lib.mjs';
import { sequential, dense, batchNorm, relu, dropout, adam } from '../tunenet.mjs';

const a = trainerArgs();
const rssBase = rssMiB();
const d = readSplit();
const rssData = rssMiB();

const block = (units) =>
  a.variant === 'B'
    ? [dense(units, { init: 'he', l2: a.l2 }), batchNorm(), relu(), dropout({ keepProb: a.keepProb })]
    : [dense(units, { init: 'he' }), relu()];
const model = sequential({
  inputSize: d.features,
  seed: a.seed,
  threads: a.threads,
  layers: [...block(256), ...block(128), dense(d.classes, { init: 'he', l2: a.variant === 'B' ? a.l2 : 0 })],
  output: 'softmax',
});
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
  threads: a.threads,
  epochs: a.epochs,
  samples: d.train,
  ...summarizeEpochs(history.epochs.map((e) => e.seconds), d.train),
  testAccuracy: accuracy,
  rss: { baseMiB: rssBase, afterDataMiB: rssData, peakMiB: maxRssMiB() },
});
