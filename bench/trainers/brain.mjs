// brain.js trainer for bench/run.mjs (variant A only).
//   node bench/trainers/brain.mjs --epochs 5
// Closest equivalent brain.js 2 offers: NeuralNetwork({ hiddenLayers: [256, 128] }) with praxis
// 'adam' (learning rate 1e-3, β1 0.9, β2 0.999, ε 1e-8), one `train({ iterations: 1 })` per
// epoch, activation 'sigmoid' (brain.js's default). How it differs from the others:
//  * one activation for every layer, the output layer included: with 'relu' the relu output
//    layer dies (10 % test accuracy after 2 epochs, measured), 'leaky-relu' reached 90.6 % and
//    'sigmoid' 93.3 % after one epoch, so sigmoid it is (BRAIN_ACT=relu|leaky-relu overrides);
//  * no mini-batches: brain.js updates the weights after every single example (batch size 1),
//    in the data's fixed order (no reshuffling between epochs);
//  * no softmax/cross-entropy: the error at the (sigmoid) outputs is target − output
//    (squared-error gradient); the prediction is the argmax of the outputs;
//  * its own initialization (uniform ±0.2, not He) and plain JS arrays of numbers as input (it
//    reads typed arrays as key/value objects);
//  * single-threaded JavaScript (its GPU path needs gpu.js + headless-gl, a native addon).
// Batch norm and dropout do not exist in NeuralNetwork, so there is no variant B.
import { createRequire } from 'node:module';
import { readSplit, rssMiB, maxRssMiB, printResult, summarizeEpochs, trainerArgs } from '../lib.mjs';

const a = trainerArgs();
if (a.variant !== 'A') throw new Error('brain.js: only variant A (no batch norm or dropout in NeuralNetwork)');
const require = createRequire(import.meta.url);
const brain = require('brain.js');
const version = require('brain.js/package.json').version;

const rssBase = rssMiB();
const d = readSplit();
const data = [];
for (let i = 0; i < d.train; i++) {
  const output = new Array(d.classes).fill(0);
  output[d.trainY[i]] = 1;
  data.push({ input: Array.from(d.trainX.subarray(i * d.features, (i + 1) * d.features)), output });
}
const rssData = rssMiB();

const net = new brain.NeuralNetwork({ inputSize: d.features, hiddenLayers: [256, 128], outputSize: d.classes });
const trainOptions = {
  iterations: 1,
  errorThresh: 1e-6, // never reached in one iteration (0 is refused)
  activation: process.env.BRAIN_ACT ?? 'sigmoid',
  praxis: 'adam',
  learningRate: a.learningRate,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  log: false,
};
const seconds = [];
for (let e = 0; e < a.epochs; e++) {
  const t0 = performance.now();
  net.train(data, trainOptions);
  seconds.push((performance.now() - t0) / 1000);
}
let correct = 0;
for (let i = 0; i < d.test; i++) {
  const out = net.run(Array.from(d.testX.subarray(i * d.features, (i + 1) * d.features)));
  let best = 0;
  for (let j = 1; j < d.classes; j++) if (out[j] > out[best]) best = j;
  if (best === d.testY[i]) correct++;
}
printResult({
  framework: 'brain.js',
  version,
  activation: trainOptions.activation,
  variant: a.variant,
  threads: 1,
  epochs: a.epochs,
  samples: d.train,
  ...summarizeEpochs(seconds, d.train),
  testAccuracy: correct / d.test,
  rss: { baseMiB: rssBase, afterDataMiB: rssData, peakMiB: maxRssMiB() },
});
