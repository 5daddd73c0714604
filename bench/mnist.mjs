// MNIST training throughput of tunenet and the main thread's responsiveness during a fit.
// The network of the issue: 784-256-128-10, ReLU, softmax-CE, Adam 1e-3, batch 128, on 8,000
// training digits of the `mnist` package; variant A plain, variant B with batch norm, dropout
// (keep 0.8) and L2 1e-4. Reports samples/s (median of epochs 2–5), test accuracy, and the
// longest gap between main-thread timer ticks (and event-loop delay p99/max) during the fit.
//   node bench/mnist.mjs [--epochs 5] [--threads 2] [--backend native]
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import os from 'node:os';
import { median } from './lib.mjs';
import { sequential, dense, batchNorm, relu, dropout, adam, split } from './tunenet.mjs';

const require = createRequire(import.meta.url);
const { loadDigits } = require('../examples/mnist/data.js');
const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    backend: { type: 'string', default: 'native' },
  },
});
const epochs = Number(args.epochs);
const threads = Number(args.threads);

const digits = loadDigits();
const { train, test } = split(digits.x, digits.y, { train: 8000, dev: 1000, test: 1000 }, { seed: 1, stratify: true });

function layers(variant) {
  const l2 = variant === 'B' ? 1e-4 : 0;
  const block = (units) =>
    variant === 'B'
      ? [dense(units, { l2 }), batchNorm(), relu(), dropout({ keepProb: 0.8 })]
      : [dense(units), relu()];
  return [...block(256), ...block(128), dense(10, { l2 })];
}

const rows = [];
for (const variant of ['A', 'B']) {
  const model = sequential({ inputSize: 784, seed: 1, threads, backend: args.backend, layers: layers(variant) });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let longestGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks++;
  }, 1);
  histogram.enable();
  const history = await model.fit(train.x, train.y, { epochs, batchSize: 128, optimizer: adam({ learningRate: 1e-3 }), verbose: 0 });
  histogram.disable();
  clearInterval(timer);
  const rates = history.epochs.map((e) => train.y.length / e.seconds);
  const { accuracy } = await model.evaluate(test.x, test.y);
  rows.push({
    variant,
    samplesPerSecond: Math.round(median(rates.slice(1))),
    testAccuracy: accuracy,
    timerTicks: ticks,
    longestTimerGapMs: +longestGap.toFixed(2),
    eventLoopDelayP99Ms: +(histogram.percentile(99) / 1e6).toFixed(2),
    eventLoopDelayMaxMs: +(histogram.max / 1e6).toFixed(2),
  });
}
console.log(`tunenet ${args.backend} backend, ${threads} threads, ${os.cpus()[0].model}, ${epochs} epochs on ${train.y.length} digits`);
console.table(rows);
