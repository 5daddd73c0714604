// Regression on a real table: predict a car's miles per gallon (the `vega-datasets` cars, 392
// usable rows) with a small network, Huber or MSE loss, a normalizer fitted on the training part
// only, early stopping on the dev loss; prints dev and test RMSE beside the RMSE of always
// predicting the training mean (the baseline any model must beat).
//   node examples/regression/train.mjs            (--help: every flag, with its default)
//   node examples/regression/train.mjs --report cars.html   (curves, diagnosis, predicted vs true)
import { sequential, dense, relu, adam, split, Normalizer } from 'tunenet';
import { parseFlags, integer, number, oneOf } from '../cli.mjs';
import { REPORT_FLAG, writeRunReport } from '../report.mjs';

const args = parseFlags({
  epochs: { type: integer({ min: 1 }), default: 300, description: 'most epochs to train; early stopping may stop sooner' },
  seed: { type: integer({ min: 0 }), default: 1, description: 'seed of the data split and of the model' },
  'batch-size': { type: integer({ min: 1 }), default: 32, description: 'examples per mini-batch' },
  loss: { type: oneOf('mse', 'mae', 'huber'), default: 'huber', description: 'training loss (means over every entry); huber uses --delta' },
  delta: { type: number({ min: 0 }), default: 2, description: "Huber's δ in miles per gallon (quadratic inside ±δ, linear beyond)" },
  'learning-rate': { type: number({ min: 0 }), default: 3e-3, description: "Adam's learning rate" },
  patience: { type: integer({ min: 1 }), default: 30, description: 'early stopping: epochs without a better dev loss' },
  backend: { type: oneOf('native', 'reference'), default: 'native', description: 'native: the Rust core; reference: the TypeScript twin' },
  report: REPORT_FLAG,
}, {
  description: "Predict miles per gallon of the 392 usable cars of `vega-datasets` (60% train / 20% dev / 20% test).",
});

const { loadCars, FEATURES } = await import('./data.mjs');
const cars = loadCars();
const { train, dev, test } = split(cars.x, cars.y, { train: 0.6, dev: 0.2, test: 0.2 }, { seed: args.seed });
// Statistics from the training part only, applied to all three.
const norm = Normalizer.fit(train.x, FEATURES.length);
const [trainX, devX, testX] = [train.x, dev.x, test.x].map((x) => norm.transform(x));

const model = sequential({
  inputSize: FEATURES.length,
  seed: args.seed,
  backend: args.backend,
  output: 'linear',
  loss: args.loss === 'huber' ? { kind: 'huber', delta: args.delta } : args.loss,
  optimizer: adam({ learningRate: args['learning-rate'] }),
  layers: [dense(32), relu(), dense(16), relu(), dense(1)],
});
model.normalizer = norm;

const history = await model.fit(trainX, train.y, {
  epochs: args.epochs,
  batchSize: args['batch-size'],
  validation: { x: devX, y: dev.y },
  earlyStopping: { monitor: 'devLoss', patience: args.patience },
});
const last = history.epochs.at(-1);
console.log(`${history.epochs.length} epochs (${history.stoppedEarly ? `stopped early, weights of epoch ${history.bestEpoch + 1}` : 'all'}); last train loss ${last.trainLoss.toFixed(3)}, dev loss ${last.devLoss.toFixed(3)}`);
if (history.diagnosis) console.log(`diagnosis: ${history.diagnosis.verdict}`);

// The baseline: always predict the training mean.
const mean = train.y.reduce((s, v) => s + v, 0) / train.y.length;
const baselineRmse = (y) => Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length);
for (const [name, x, y] of [['dev', devX, dev.y], ['test', testX, test.y]]) {
  const r = await model.evaluate(x, y);
  console.log(`${name.padEnd(4)}  RMSE ${r.rmse.toFixed(2)} mpg  MAE ${r.mae.toFixed(2)}  R² ${r.r2.toFixed(3)}   (mean predictor: RMSE ${baselineRmse(y).toFixed(2)} mpg)`);
}
await writeRunReport(args.report, history, { model, dev: { x: devX, y: dev.y }, test: { x: testX, y: test.y }, title: 'Miles per gallon of the vega-datasets cars' });
