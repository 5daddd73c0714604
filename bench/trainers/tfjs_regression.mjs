// TensorFlow.js regression trainer for bench/regression.mjs (one process per data set; the seeds
// run one after another, each a fresh model).
//   node bench/trainers/tfjs_regression.mjs --backend wasm|cpu --data bench/.cache/regression-cars.bin --epochs 200 --seeds 1,2,3
// tunenet's network: dense (heNormal, seeded; zero bias) → relu → … → dense(1) linear,
// meanSquaredError, Adam(lr), batch 32, shuffled every epoch, `model.fit` with
// `yieldEvery: 'never'` and no metrics, fixed epochs. Single-threaded like tfjs in Node always is
// (see bench/trainers/tfjs.mjs). Keras' heNormal is a truncated normal (stddev √(2/fan_in) before
// truncation at 2σ), the nearest tfjs has to tunenet's and PyTorch's plain He normal. tfjs
// shuffles with Math.random (not seedable), so only the initial weights follow the seed.
// Prints one JSON line per seed {"seed": {...}} and, last, {"result": {...}}.
import { createRequire } from 'node:module';
import { printResult, summarizeEpochs } from '../lib.mjs';
import { readRegression, regressionArgs } from '../regression-data.mjs';

const a = regressionArgs();
const backend = a.backend ?? 'wasm';
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
const [log, warn] = [console.log, console.warn];
console.log = console.warn = () => {};
await tf.setBackend(backend);
await tf.ready();
tf.tidy(() => tf.zeros([1]).add(1)); // the banner is printed on first use
[console.log, console.warn] = [log, warn];

const d = readRegression(a.data);
const x = tf.tensor2d(d.trainX, [d.train, d.features]);
const y = tf.tensor2d(d.trainY, [d.train, 1]);
const testX = tf.tensor2d(d.testX, [d.test, d.features]);

const seeds = [];
for (const seed of a.seeds) {
  const model = tf.sequential();
  let width = d.features;
  let k = 0;
  const init = () => tf.initializers.heNormal({ seed: seed * 1000 + k++ });
  for (const units of a.hidden) {
    model.add(tf.layers.dense({ units, inputShape: model.layers.length ? undefined : [width], activation: 'relu', kernelInitializer: init() }));
    width = units;
  }
  model.add(tf.layers.dense({ units: 1, kernelInitializer: init() }));
  model.compile({ optimizer: tf.train.adam(a.learningRate), loss: 'meanSquaredError' });

  const seconds = [];
  let t0 = 0;
  let lastLoss = null;
  await model.fit(x, y, {
    epochs: a.epochs,
    batchSize: a.batchSize,
    shuffle: true,
    verbose: 0,
    yieldEvery: 'never',
    callbacks: {
      onEpochBegin: async () => {
        t0 = performance.now();
      },
      onEpochEnd: async (_, logs) => {
        seconds.push((performance.now() - t0) / 1000);
        lastLoss = logs?.loss ?? null;
      },
    },
  });
  const pred = tf.tidy(() => model.predict(testX).reshape([-1]));
  const p = await pred.data();
  pred.dispose();
  let se = 0;
  let ae = 0;
  let mean = 0;
  for (let i = 0; i < d.test; i++) mean += d.testY[i] / d.test;
  let tot = 0;
  for (let i = 0; i < d.test; i++) {
    const e = p[i] - d.testY[i];
    se += e * e;
    ae += Math.abs(e);
    tot += (d.testY[i] - mean) ** 2;
  }
  const s = {
    seed,
    ...summarizeEpochs(seconds, d.train),
    trainLoss: lastLoss,
    testRmse: Math.sqrt(se / d.test),
    testMae: ae / d.test,
    testR2: 1 - se / tot,
  };
  process.stdout.write(`${JSON.stringify({ seed: { ...s, epochSeconds: undefined } })}\n`);
  seeds.push(s);
  model.dispose();
}

printResult({
  framework: `tfjs-${backend}`,
  version: tf.version.tfjs,
  flags: backend === 'wasm' ? { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') } : {},
  threads: 1,
  epochs: a.epochs,
  samples: d.train,
  seeds,
});
