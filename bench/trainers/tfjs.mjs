// TensorFlow.js trainer for bench/run.mjs.
//   node bench/trainers/tfjs.mjs --backend wasm|cpu --variant A|B --epochs 5
// The same network as tunenet's: dense (He normal) → [batchNorm] → relu → [dropout] …, softmax +
// categorical cross-entropy, Adam 1e-3, batch 128, shuffled every epoch, `model.fit` with
// `yieldEvery: 'never'` and no metrics (nothing but the training itself is timed).
// Both backends are single-threaded in Node: 'cpu' is plain JavaScript; 'wasm' (SIMD) runs its
// single-threaded build, since the multi-threaded one needs Web Workers + SharedArrayBuffer in a
// browser, which Node's loader here does not set up.
// L2: tunenet's cost is λ/2m·ΣW² (gradient λ/m·W) while Keras' l2(l) adds l·ΣW² to the mean loss
// (gradient 2l·W), so l = λ/(2m) with m = 128 gives the same gradient.
// Batch norm: Keras' defaults are tunenet's (momentum 0.99 weights the old value, epsilon 1e-3).
import { createRequire } from 'node:module';
import { readSplit, rssMiB, maxRssMiB, printResult, summarizeEpochs, trainerArgs } from '../lib.mjs';

const a = trainerArgs();
const backend = a.backend ?? 'wasm';
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
// The 'cpu' backend prints a suggestion to install tfjs-node (which cannot install here).
const [log, warn] = [console.log, console.warn];
console.log = console.warn = () => {};
await tf.setBackend(backend);
await tf.ready();
tf.tidy(() => tf.zeros([1]).add(1)); // the banner is printed on first use
[console.log, console.warn] = [log, warn];

const rssBase = rssMiB();
const d = readSplit();
const x = tf.tensor2d(d.trainX, [d.train, d.features]);
const y = tf.oneHot(tf.tensor1d(d.trainY, 'int32'), d.classes).toFloat();
const testX = tf.tensor2d(d.testX, [d.test, d.features]);
const rssData = rssMiB();

const l2 = a.variant === 'B' ? tf.regularizers.l2({ l2: a.l2 / (2 * a.batchSize) }) : undefined;
const model = tf.sequential();
let first = true;
for (const units of [256, 128]) {
  const inputShape = first ? [d.features] : undefined;
  first = false;
  if (a.variant === 'B') {
    model.add(tf.layers.dense({ units, inputShape, useBias: false, kernelInitializer: 'heNormal', kernelRegularizer: l2 }));
    model.add(tf.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 }));
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.dropout({ rate: 1 - a.keepProb }));
  } else {
    model.add(tf.layers.dense({ units, inputShape, activation: 'relu', kernelInitializer: 'heNormal' }));
  }
}
model.add(tf.layers.dense({ units: d.classes, activation: 'softmax', kernelInitializer: 'heNormal', kernelRegularizer: l2 }));
model.compile({ optimizer: tf.train.adam(a.learningRate), loss: 'categoricalCrossentropy' });

const seconds = [];
let t0 = 0;
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
    onEpochEnd: async () => {
      seconds.push((performance.now() - t0) / 1000);
    },
  },
});
const predicted = tf.tidy(() => model.predict(testX).argMax(1));
const classes = await predicted.data();
let correct = 0;
for (let i = 0; i < d.test; i++) if (classes[i] === d.testY[i]) correct++;

printResult({
  framework: `tfjs-${backend}`,
  version: tf.version.tfjs,
  flags:
    backend === 'wasm'
      ? { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') }
      : {},
  variant: a.variant,
  threads: 1,
  epochs: a.epochs,
  samples: d.train,
  ...summarizeEpochs(seconds, d.train),
  testAccuracy: correct / d.test,
  rss: { baseMiB: rssBase, afterDataMiB: rssData, peakMiB: maxRssMiB() },
});
