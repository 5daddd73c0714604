// The regression data sets of bench/regression.mjs, split and normalized once by tunenet and
// written to files that every trainer (tunenet, PyTorch, TensorFlow.js) reads, so all of them
// train on exactly the same rows in the same order of columns:
//  * cars: the 392 usable cars of `vega-datasets` (examples/regression/data.mjs): 9 features
//    (cylinders, displacement, horsepower, weight, acceleration, year, one-hot origin) → mpg.
//  * flights: `vega-datasets` flights-200k.json (200,000 US flights of 2001): 2 features
//    (distance in miles, departure time of day in hours) → arrival delay in minutes. A hard
//    target (most of the delay is not in these two columns); here for throughput on a real table.
// Both: tunenet's `split` { train: 0.8, dev: 0, test: 0.2 } with seed 1, a Normalizer fitted on
// the training rows only (x standardized, y left in its units so RMSE reads in mpg / minutes).
//
// File layout (little-endian): "TNREGR01", u32 train, u32 test, u32 features, 12 bytes of padding
// (header 32 bytes), then train X f32 [train·features], test X f32, train y f32, test y f32.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cacheDir } from './lib.mjs';

export const REGRESSION_MAGIC = 'TNREGR01';
export const REGRESSION_HEADER = 32;
export const DATASETS = ['cars', 'flights'];
export const regressionFile = (name) => path.join(cacheDir, `regression-${name}.bin`);

function vegaData(file) {
  // vega-datasets is a dev dependency of the root package; its JSON sits in data/ beside build/.
  const require = createRequire(import.meta.url);
  const dir = path.resolve(path.dirname(require.resolve('vega-datasets')), '..', 'data');
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
}

async function load(name) {
  if (name === 'cars') {
    const { loadCars, FEATURES } = await import('../examples/regression/data.mjs');
    const { x, y } = loadCars();
    return { x, y, features: FEATURES.length, columns: FEATURES, target: 'mpg' };
  }
  if (name === 'flights') {
    const rows = vegaData('flights-200k.json');
    const x = new Float32Array(rows.length * 2);
    const y = new Float32Array(rows.length);
    rows.forEach((r, i) => {
      x[2 * i] = r.distance;
      x[2 * i + 1] = r.time;
      y[i] = r.delay;
    });
    return { x, y, features: 2, columns: ['distance', 'time'], target: 'delay (min)' };
  }
  throw new Error(`unknown regression data set ${name}`);
}

/** Splits and normalizes data set `name` with tunenet and writes it; → { file, train, test, features, … }. */
export async function exportRegression(name, file = regressionFile(name)) {
  const { split, Normalizer } = await import('./tunenet.mjs');
  const d = await load(name);
  const { train, test } = split(d.x, d.y, { train: 0.8, dev: 0, test: 0.2 }, { seed: 1 });
  const norm = Normalizer.fit(train.x, d.features);
  const [trainX, testX] = [train.x, test.x].map((x) => norm.transform(x));
  const trainY = Float32Array.from(train.y);
  const testY = Float32Array.from(test.y);
  const header = Buffer.alloc(REGRESSION_HEADER);
  header.write(REGRESSION_MAGIC, 0, 'latin1');
  [trainY.length, testY.length, d.features].forEach((v, i) => header.writeUInt32LE(v, 8 + 4 * i));
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, Buffer.concat([header, bytes(trainX), bytes(testX), bytes(trainY), bytes(testY)]));
  // RMSE of always predicting the training mean: the floor any model must beat.
  const mean = trainY.reduce((s, v) => s + v, 0) / trainY.length;
  const baselineRmse = Math.sqrt(testY.reduce((s, v) => s + (v - mean) ** 2, 0) / testY.length);
  return { name, file, train: trainY.length, test: testY.length, features: d.features, columns: d.columns, target: d.target, baselineRmse };
}

export function readRegression(file) {
  const buf = readFileSync(file);
  if (buf.subarray(0, 8).toString('latin1') !== REGRESSION_MAGIC) throw new Error(`${file}: not a tunenet regression split`);
  const aligned = buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
  const dv = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  const [train, test, features] = [8, 12, 16].map((o) => dv.getUint32(o, true));
  let off = aligned.byteOffset + REGRESSION_HEADER;
  const take = (count) => {
    const view = new Float32Array(aligned.buffer, off, count);
    off += count * 4;
    return view;
  };
  const trainX = take(train * features);
  const testX = take(test * features);
  const trainY = take(train);
  const testY = take(test);
  return { train, test, features, trainX, testX, trainY, testY };
}

/** Flags shared by the regression trainers: --data FILE --epochs N --seeds 1,2,3 --threads T. */
export function regressionArgs(argv = process.argv.slice(2)) {
  const get = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  return {
    data: get('data', null),
    epochs: Number(get('epochs', '100')),
    seeds: get('seeds', '1,2,3').split(',').map(Number),
    threads: Number(get('threads', '1')),
    backend: get('backend', null),
    batchSize: Number(get('batch-size', '32')),
    learningRate: Number(get('learning-rate', '3e-3')),
    hidden: get('hidden', '32,16').split(',').map(Number),
  };
}
